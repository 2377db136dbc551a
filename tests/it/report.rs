//! Reports and templates through the real binary on the demo meeting: every number read back
//! from the files equals the store, the CSV has its BOM, the HTML prints one page per
//! opinion form (headless Chromium, pdftotext), and bad requests leave no file behind.

use crate::common::{expect_one_line_failure, reviewdesk};
use reviewdesk::cli::Home;
use reviewdesk::store::Store;
use std::path::{Path, PathBuf};

/// A demo home of its own.
fn demo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    reviewdesk(dir.path(), &["demo", "--no-tui"]).assert().success();
    dir
}

/// The chair decides every application on the suggestion, as the demo's numbers suggest it.
fn decide_all(home: &Path) {
    let store = Store::open(&Home { dir: home.to_path_buf() }.db()).unwrap();
    let chair = Home { dir: home.to_path_buf() }.keyring().load("王建国").unwrap().key_hex();
    let q = store.queue("GL-2027-01", &chair).unwrap();
    // The outcome a blocking rule from beyond the meeting leaves (a unit held back, 第二十三条).
    let forced: Vec<Option<&str>> = q
        .rows
        .iter()
        .map(|row| {
            let v = store.application("GL-2027-01", &row.code, &chair).unwrap();
            let (lawful, _) = v.lawful_outcomes();
            v.suggested.filter(|s| !lawful.contains(s)).and_then(|_| lawful.first()).map(|o| o.id())
        })
        .collect();
    drop(store);
    for (row, forced) in q.rows.iter().zip(forced) {
        let mut args = vec!["--as", "王建国", "decide", row.code.as_str(), "--partial", "--opinion", "同意专家组意见"];
        if let Some(outcome) = forced {
            args.extend(["--outcome", outcome, "--override-reason", "建设单位逾期未整改，暂缓审批（第二十三条）"]);
        }
        match row.suggested.map(|o| o.id()).filter(|_| forced.is_none()) {
            Some("rectify") => args.extend(["--deadline", "2027-03-31", "--conditions", "补齐试运行记录"]),
            Some("pass") => args.extend(["--class", "A"]),
            Some("maintenance_reduced") => {
                args.extend(["--conditions", "核定运维费用 40.00 万元（核减驻场人员 1 名）"])
            }
            _ => {}
        }
        reviewdesk(home, &args).assert().success();
    }
}

fn report(home: &Path, format: &str, out: &Path, extra: &[&str]) {
    let mut args = vec!["--as", "王建国", "report", "--format", format, "--out", out.to_str().unwrap()];
    args.extend(extra);
    reviewdesk(home, &args).assert().success();
}

/// What the store says of each application, as the chair sees it.
struct Truth {
    code: String,
    name: String,
    requested_fen: Option<i64>,
    approved_fen: Option<i64>,
    totals: Vec<String>,
    aggregate: Option<String>,
    outcome: Option<String>,
    class: Option<String>,
    deadline: Option<String>,
}

fn truth(home: &Path) -> (Vec<String>, Vec<Truth>) {
    let h = Home { dir: home.to_path_buf() };
    let store = Store::open(&h.db()).unwrap();
    let chair = h.keyring().load("王建国").unwrap().key_hex();
    let meeting = store.meeting("GL-2027-01").unwrap();
    let experts: Vec<_> =
        meeting.panel.iter().filter(|p| p.role == reviewdesk::ledger::Role::Expert).map(|p| p.member.clone()).collect();
    let rows = store
        .queue("GL-2027-01", &chair)
        .unwrap()
        .rows
        .iter()
        .map(|r| {
            let v = store.application("GL-2027-01", &r.code, &chair).unwrap();
            let totals = experts
                .iter()
                .map(|m| {
                    let e = v.experts.iter().find(|e| e.key == m.key).unwrap();
                    match (&e.recused, e.total) {
                        (Some(_), _) => "回避".to_string(),
                        (None, Some(t)) => t.to_string(),
                        (None, None) => "未提交".to_string(),
                    }
                })
                .collect();
            let d = v.decision.as_ref().map(|d| &d.decision);
            Truth {
                code: r.code.clone(),
                name: r.name.clone(),
                requested_fen: v.application.requested_total.map(|m| m.fen()),
                approved_fen: v.application.approved_total.map(|m| m.fen()),
                totals,
                aggregate: v.aggregate.as_ref().map(|g| g.value.to_string()),
                outcome: d.map(|d| d.outcome.zh().to_string()),
                class: d.and_then(|d| d.plan_class).map(|c| c.to_string()),
                deadline: d.and_then(|d| d.rectification_deadline).map(|x| x.to_string()),
            }
        })
        .collect();
    (experts.into_iter().map(|m| m.name).collect(), rows)
}

/// The XML of one part of an XLSX file (an XLSX is a zip of XML parts).
fn xlsx_part(path: &Path, part: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    std::io::read_to_string(zip.by_name(part).unwrap()).unwrap()
}

/// A cell as text the way a person reads it: numbers without a trailing ".0".
fn text(d: &calamine::Data) -> String {
    match d {
        calamine::Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
        calamine::Data::Float(f) => format!("{f}"),
        calamine::Data::Int(i) => i.to_string(),
        calamine::Data::String(s) => s.clone(),
        calamine::Data::Empty => String::new(),
        other => other.to_string(),
    }
}

/// A score as the store prints it ("81.38", "66.5", "78") and as a number reads back.
fn same_score(cell: &calamine::Data, want: &str) -> bool {
    match cell {
        calamine::Data::Float(f) => want.parse::<f64>().is_ok_and(|w| (w - f).abs() < 0.0051),
        other => text(other) == want,
    }
}

#[test]
fn the_xlsx_summary_holds_every_number_the_store_holds() {
    use calamine::{Reader, open_workbook};
    let home = demo();
    decide_all(home.path());
    let out = home.path().join("报告.xlsx");
    report(home.path(), "xlsx", &out, &[]);
    let mut book: calamine::Xlsx<_> = open_workbook(&out).unwrap();
    assert_eq!(book.sheet_names(), ["Summary", "Scores", "Opinions", "Findings"]);
    let sheet = book.worksheet_range("Summary").unwrap();
    let rows: Vec<&[calamine::Data]> = sheet.rows().collect();
    let header: Vec<String> = rows[0].iter().map(text).collect();
    assert!(!header[0].contains("临时稿"), "every application is decided: no provisional banner");
    let (experts, truth) = truth(home.path());
    assert_eq!(
        &header[..6],
        ["项目编码", "项目名称", "建设单位", "申报类型", "申报总投资（万元）", "批复总投资（万元）"]
    );
    assert_eq!(&header[6..6 + experts.len()], experts.as_slice());
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(rows.len(), 1 + truth.len());
    for (row, t) in rows[1..].iter().zip(&truth) {
        assert_eq!(text(&row[0]), t.code);
        assert_eq!(text(&row[1]), t.name);
        // Each money column means one thing: requested is never the approved total.
        for (column, want, what) in [(4, t.requested_fen, "requested"), (5, t.approved_fen, "approved")] {
            match (row.get(column), want) {
                (Some(calamine::Data::Float(wan)), Some(fen)) => {
                    assert_eq!((wan * 1_000_000.0).round() as i64, fen, "{}: {what} total", t.code)
                }
                (Some(calamine::Data::Empty) | None, None) => {}
                (Some(calamine::Data::String(s)), None) if s.is_empty() => {}
                (cell, want) => panic!("{}: {what} total {cell:?}, store {want:?}", t.code),
            }
        }
        for (i, want) in t.totals.iter().enumerate() {
            assert!(same_score(&row[6 + i], want), "{} {}: {:?} vs {want}", t.code, experts[i], row[6 + i]);
        }
        assert!(same_score(&row[at("汇总分")], t.aggregate.as_deref().unwrap_or("")), "{}: aggregate", t.code);
        assert_eq!(Some(text(&row[at("结论")])), t.outcome, "{}: outcome", t.code);
        assert_eq!(text(&row[at("计划类别")]), t.class.clone().unwrap_or_default(), "{}: class", t.code);
        assert_eq!(text(&row[at("整改期限")]), t.deadline.clone().unwrap_or_default(), "{}: deadline", t.code);
    }
    // One row per expert per criterion; the findings carry their articles.
    let scores = book.worksheet_range("Scores").unwrap();
    let scored: usize = truth.iter().map(|t| t.totals.iter().filter(|x| x.parse::<f64>().is_ok()).count()).sum();
    assert!(scores.rows().count() > scored * 4, "scores: {} rows for {scored} sheets", scores.rows().count());
    // The header row is frozen on every sheet, and 万元 has a number format.
    for n in 1..=4 {
        let xml = xlsx_part(&out, &format!("xl/worksheets/sheet{n}.xml"));
        assert!(xml.contains("state=\"frozen\"") && xml.contains("ySplit=\"1\""), "sheet {n} freezes its header");
    }
    assert!(xlsx_part(&out, "xl/styles.xml").contains("#,##0.00####"));
    let findings = book.worksheet_range("Findings").unwrap();
    assert!(findings.rows().skip(1).all(|r| text(&r[5]).contains('第')), "every finding cites an article");
}

#[test]
fn a_report_before_every_decision_is_provisional_on_every_sheet_and_english_on_request() {
    use calamine::{Reader, open_workbook};
    let home = demo();
    let out = home.path().join("report.xlsx");
    reviewdesk(
        home.path(),
        &["--as", "王建国", "--lang", "en", "report", "--format", "xlsx", "--out", out.to_str().unwrap()],
    )
    .assert()
    .success();
    let mut book: calamine::Xlsx<_> = open_workbook(&out).unwrap();
    for name in ["Summary", "Scores", "Opinions", "Findings"] {
        let sheet = book.worksheet_range(name).unwrap();
        let first: Vec<String> = sheet.rows().next().unwrap().iter().map(text).collect();
        assert!(first[0].starts_with("PROVISIONAL"), "{name}: {first:?}");
        let header: Vec<String> = sheet.rows().nth(1).unwrap().iter().map(text).collect();
        assert_eq!(header[0], "Code", "{name}: English headers");
    }
}

#[test]
fn csv_tables_begin_with_a_bom_and_parse_back_to_the_same_table() {
    let home = demo();
    let out = home.path().join("汇总.csv");
    report(home.path(), "csv", &out, &["--table", "summary"]);
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM for Excel");
    // Not every application is decided: the first line says 临时稿, as the other formats do.
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let (first, rest) = text.split_once('\n').unwrap();
    assert!(first.contains("临时稿"), "{first}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "a report holds every expert's scores: owner-only");
    }
    let mut reader = csv::Reader::from_reader(rest.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let records: Vec<Vec<String>> = reader.records().map(|r| r.unwrap().iter().map(String::from).collect()).collect();
    let (experts, truth) = truth(home.path());
    assert_eq!(header[0], "项目编码");
    assert_eq!(records.len(), truth.len());
    for (r, t) in records.iter().zip(&truth) {
        assert_eq!(r[0], t.code);
        assert_eq!(r[1], t.name);
        assert_eq!(&r[6..6 + experts.len()], t.totals.as_slice(), "{}", t.code);
        assert_eq!(r[6 + experts.len()], t.aggregate.clone().unwrap_or_default(), "{}", t.code);
    }
    // An applicant's name and unit that a spreadsheet would run as formulas are written as text.
    let files = tempfile::tempdir().unwrap();
    let template = files.path().join("模板.csv");
    reviewdesk(home.path(), &["template", "intake", "--out", template.to_str().unwrap()]).assert().success();
    let (headers, _) = read_template(&template);
    let link = "=HYPERLINK(\"http://example.com\",\"点我\")";
    let values = [
        ("code", "GL-LX-2027-102"),
        ("name", "=1+2"),
        ("unit", link),
        ("kind", "立项"),
        ("requested_total", "100"),
        ("plan_class", "B"),
        ("protection_level", "2"),
    ];
    let markup = [
        ("code", "GL-LX-2027-103"),
        ("name", "<img src=x onerror=alert(1)>系统"),
        ("unit", "*鼓楼区*_数据局_ [点我](http://example.com)"),
        ("kind", "立项"),
        ("requested_total", "100"),
        ("plan_class", "B"),
        ("protection_level", "2"),
    ];
    let filled = files.path().join("已填.csv");
    write_filled(&filled, &headers, &[row(&headers, &values), row(&headers, &markup)]);
    let args = ["--as", "鼓楼区数据局信息化办", "intake", filled.to_str().unwrap(), "--meeting", "GL-2027-01"];
    reviewdesk(home.path(), &args).assert().success();
    report(home.path(), "csv", &out, &["--table", "summary"]);
    let bytes = std::fs::read(&out).unwrap();
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let (_, rest) = text.split_once('\n').unwrap();
    let mut reader = csv::Reader::from_reader(rest.as_bytes());
    let hostile = reader.records().map(|r| r.unwrap()).find(|r| &r[0] == "GL-LX-2027-102").unwrap();
    assert_eq!(&hostile[1], "'=1+2");
    assert_eq!(hostile[2].to_string(), format!("'{link}"));
    // LibreOffice, evaluating formulas, reads them as the text they are. The control: the same
    // cells written raw become 3 and a link, so the check can tell.
    let lo = tempfile::tempdir().unwrap();
    let raw = lo.path().join("raw.csv");
    std::fs::write(&raw, format!("=1+2,\"{}\"\n", link.replace('"', "\"\""))).unwrap();
    let evaluated =
        std::fs::read_to_string(libreoffice(&raw, Some(CSV_EVALUATED), CSV_OUT, &lo.path().join("o1"))).unwrap();
    assert_eq!(evaluated.trim(), "3,点我", "raw formulas run in LibreOffice");
    let ours = std::fs::read_to_string(libreoffice(&out, Some(CSV_EVALUATED), CSV_OUT, &lo.path().join("o2"))).unwrap();
    let row = ours.lines().find(|l| l.starts_with("GL-LX-2027-102")).unwrap();
    assert!(row.starts_with("GL-LX-2027-102,'=1+2,"), "{row}");
    assert!(row.contains("HYPERLINK") && row.contains("http://example.com"), "still text: {row}");
    assert!(ours.lines().next().unwrap().contains("临时稿"), "LibreOffice shows the mark first: {ours}");
    // The same applicant's markup in the Markdown and HTML reports is text, not markup.
    for (format, file) in [("md", "hostile.md"), ("html", "hostile.html")] {
        let f = home.path().join(file);
        report(home.path(), format, &f, &[]);
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(text.contains("&lt;img src=x onerror=alert(1)&gt;"), "{format}");
        assert!(!text.contains("<img"), "{format}: raw HTML from an applicant");
        if format == "md" {
            assert!(text.contains("\\*鼓楼区\\*\\_数据局\\_ \\[点我\\](http://example.com)"), "no emphasis or link");
        }
    }
    // Without --table, one file per table beside the name given.
    let all = home.path().join("meeting.csv");
    report(home.path(), "csv", &all, &[]);
    for t in ["summary", "scores", "opinions", "findings"] {
        let f = home.path().join(format!("meeting-{t}.csv"));
        assert!(std::fs::read(&f).unwrap().starts_with(b"\xEF\xBB\xBF"), "{}", f.display());
    }
}

#[test]
fn markdown_holds_the_same_forms() {
    let home = demo();
    decide_all(home.path());
    let out = home.path().join("report.md");
    report(home.path(), "md", &out, &[]);
    let md = std::fs::read_to_string(&out).unwrap();
    let (_, truth) = truth(home.path());
    assert!(!md.contains("临时稿"));
    for t in &truth {
        assert!(md.contains(&format!("## 专家评审意见表：{} {}", t.code, t.name)), "{}", t.code);
    }
    assert_eq!(md.matches("结论事件：sha256 ").count(), truth.len(), "every form names its decision event");
}

/// Chromium prints the HTML to PDF; the page count and the text are checked with poppler.
fn print_to_pdf(html: &Path) -> PathBuf {
    let pdf = html.with_extension("pdf");
    let profile = tempfile::tempdir().unwrap();
    let out = std::process::Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("chromium runs (.ci/run installs Debian's chromium)");
    assert!(
        out.status.success() && pdf.exists(),
        "chromium printed {} ({}): {}",
        pdf.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    pdf
}

fn pdf_text(pdf: &Path, page: Option<usize>) -> String {
    let mut cmd = std::process::Command::new("pdftotext");
    if let Some(p) = page {
        cmd.args(["-f", &p.to_string(), "-l", &p.to_string()]);
    }
    let out = cmd.arg(pdf).arg("-").output().expect("pdftotext runs (.ci/run installs poppler-utils)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn pages(pdf: &Path) -> usize {
    let out = std::process::Command::new("pdfinfo").arg(pdf).output().expect("pdfinfo runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:").map(|n| n.trim().parse().unwrap()))
        .unwrap()
}

/// LibreOffice, headless, converts `input` into `outdir` (`--convert-to TARGET`, with an import
/// filter when given) and returns the file it wrote. Each run has a profile of its own, so tests
/// running side by side do not fight over LibreOffice's profile lock.
fn libreoffice(input: &Path, infilter: Option<&str>, target: &str, outdir: &Path) -> PathBuf {
    let profile = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new("soffice");
    cmd.arg(format!("-env:UserInstallation=file://{}", profile.path().display())).arg("--headless");
    if let Some(f) = infilter {
        cmd.arg(format!("--infilter={f}"));
    }
    let status = cmd
        .args(["--convert-to", target, "--outdir"])
        .arg(outdir)
        .arg(input)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("LibreOffice runs (.ci/run installs Debian's libreoffice-calc-nogui)");
    let ext = target.split(':').next().unwrap();
    let out = outdir.join(input.file_stem().unwrap()).with_extension(ext);
    assert!(status.success() && out.exists(), "LibreOffice converted {} to {ext}", input.display());
    out
}

/// How LibreOffice reads a CSV of ours, formulas evaluated (the worst case): UTF-8, comma,
/// double quotes, from line 1, "evaluate formulas" on. The result is written back as CSV.
const CSV_EVALUATED: &str = "CSV:44,34,76,1,,0,false,true,false,false,false,-1,true";
const CSV_OUT: &str = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false";

/// The page size of a PDF page as (width, height) in points.
fn page_size(pdf: &Path) -> (f64, f64) {
    let out = std::process::Command::new("pdfinfo").arg(pdf).output().expect("pdfinfo runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let line = text.lines().find_map(|l| l.strip_prefix("Page size:")).unwrap().to_string();
    let n: Vec<f64> = line.split_whitespace().filter_map(|w| w.parse().ok()).collect();
    (n[0], n[1])
}

#[test]
fn the_xlsx_prints_landscape_one_page_wide_with_each_opinion_form_on_a_page_of_its_own() {
    let home = demo();
    let out = home.path().join("评审结果.xlsx");
    report(home.path(), "xlsx", &out, &[]);
    let pdf = libreoffice(&out, None, "pdf", &home.path().join("pdf"));
    let (w, h) = page_size(&pdf);
    assert!(w > h, "landscape: {w}×{h}");
    let (experts, truth) = truth(home.path());
    let sheets: Vec<(String, String)> = (1..=pages(&pdf))
        .map(|p| {
            let text = pdf_text(&pdf, Some(p));
            let sheet = ["Summary", "Scores", "Opinions", "Findings"]
                .into_iter()
                .find(|s| text.lines().any(|l| l.trim_end().ends_with(s)))
                .unwrap_or_else(|| panic!("page {p} names its sheet in the header: {text}"));
            (sheet.to_string(), text)
        })
        .collect();
    let on = |name: &str| sheets.iter().filter(|(s, _)| s == name).map(|(_, t)| t).collect::<Vec<_>>();
    let total = sheets.len();
    for (p, (sheet, text)) in sheets.iter().enumerate() {
        let page = p + 1;
        // The header names the meeting and the provisional mark; the footer numbers the page.
        assert!(text.contains("鼓楼区2027年度政务信息化项目评审会"), "page {page}: {text}");
        assert!(text.contains("临时稿"), "page {page} ({sheet}) is marked provisional");
        assert!(text.contains(&format!("第 {page} 页，共 {total} 页")), "page {page}: {text}");
        // The header row is repeated on every page of every sheet.
        assert!(text.contains("项目编码"), "page {page} ({sheet}) repeats the header row");
    }
    // The summary is one page wide: its last column and every expert are on its one page.
    let summary = on("Summary");
    assert_eq!(summary.len(), 1, "the demo's summary fits one page");
    for column in experts.iter().map(String::as_str).chain(["汇总分", "定稿", "整改期限"]) {
        assert!(summary[0].contains(column), "{column} on the summary page");
    }
    // Every Scores row names its application and expert, on every page.
    for text in on("Scores") {
        assert!(text.contains("专家") && text.contains("得分"), "{text}");
        let codes = text.lines().filter(|l| l.trim_start().starts_with("GL-")).count();
        assert!(codes > 0, "a Scores page with no project code: {text}");
    }
    // One opinion form per page, in the summary's order.
    let opinions = on("Opinions");
    assert_eq!(opinions.len(), truth.len(), "one page per application");
    for (text, t) in opinions.iter().zip(&truth) {
        let codes: std::collections::BTreeSet<&str> =
            text.split_whitespace().filter(|w| w.starts_with("GL-") && w.len() == "GL-LX-2027-001".len()).collect();
        assert_eq!(codes.into_iter().collect::<Vec<_>>(), [t.code.as_str()], "{text}");
    }
    // Decided, the mark is gone from every page header.
    decide_all(home.path());
    report(home.path(), "xlsx", &out, &[]);
    let pdf = libreoffice(&out, None, "pdf", &home.path().join("pdf2"));
    assert!(!pdf_text(&pdf, None).contains("临时稿"));
}

#[test]
fn the_html_prints_a_summary_page_and_one_page_per_opinion_form() {
    let home = demo();
    let out = home.path().join("report.html");
    report(home.path(), "html", &out, &[]);
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(!html.contains("<link") && !html.contains("<script") && html.contains("@page"), "self-contained");
    let pdf = print_to_pdf(&out);
    let (_, truth) = truth(home.path());
    assert_eq!(pages(&pdf), 1 + truth.len(), "one summary page and one page per application");
    let all = pdf_text(&pdf, None);
    for t in &truth {
        // pdftotext may break a long name across lines; compare without whitespace.
        let flat: String = all.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(flat.contains(&t.name), "{} is in the PDF", t.name);
    }
    // Not decided yet: every page says so at its top.
    for page in 1..=pages(&pdf) {
        let text = pdf_text(&pdf, Some(page));
        assert!(text.trim_start().starts_with("临时稿"), "page {page}: {}", &text[..text.len().min(200)]);
    }
    // Once decided, the paper is final and each form carries the signature lines and hashes.
    decide_all(home.path());
    report(home.path(), "html", &out, &[]);
    let pdf = print_to_pdf(&out);
    assert_eq!(pages(&pdf), 1 + truth.len());
    let page2 = pdf_text(&pdf, Some(2));
    assert!(!page2.contains("临时稿"), "{page2}");
    for needle in ["专家评审意见表", "签字", "组长：王建国", "签名密钥指纹", "结论事件：sha256"]
    {
        assert!(page2.contains(needle), "“{needle}” on the first form:\n{page2}");
    }
    // Every fingerprint and the decision's hash are on one line of the paper, never split.
    let html = std::fs::read_to_string(&out).unwrap();
    let form = &html[html.find("<footer>").unwrap()..];
    let first_form = &form[..form.find("</footer>").unwrap()];
    let on_form: Vec<&str> =
        first_form.split("<span class=\"fp\">").skip(1).map(|s| s.split("</span>").next().unwrap()).collect();
    assert_eq!(on_form.len(), 6 + 1, "five experts, the chair and the decision: {on_form:?}");
    for k in &on_form {
        let value = k.rsplit(' ').next().unwrap();
        assert!(page2.lines().any(|l| l.contains(value)), "“{value}” on one line:\n{page2}");
    }
    // The command the paper names shows the same decision event.
    let hash = on_form.last().unwrap().strip_prefix("sha256 ").unwrap();
    let shown = reviewdesk(home.path(), &["--as", "王建国", "show", &truth[0].code]).assert().success();
    let shown = String::from_utf8_lossy(&shown.get_output().stdout).into_owned();
    assert!(shown.contains(&format!("结论事件：{hash}")), "{shown}");
}

#[test]
fn the_intake_template_round_trips_in_csv_and_xlsx() {
    let desk = demo();
    for ext in ["csv", "xlsx"] {
        let files = tempfile::tempdir().unwrap();
        let template = files.path().join(format!("模板.{ext}"));
        reviewdesk(desk.path(), &["template", "intake", "--out", template.to_str().unwrap()]).assert().success();
        // Unchanged, it holds only the example row, which intake skips.
        let read = reviewdesk::intake::read_file(&template);
        assert!(read.is_err(), "{ext}: an unfilled template registers nothing");
        if ext == "xlsx" {
            // Drop-down lists for kind, class and the yes/no columns.
            let xml = xlsx_part(&template, "xl/worksheets/sheet1.xml");
            for list in ["\"立项,变更,验收,运维\"", "\"A,B,C\"", "\"是,否\""] {
                assert!(xml.contains(list), "{list} in {xml}");
            }
        }
        // Filled in: two applications below the example row.
        let (headers, example) = read_template(&template);
        assert!(example[0].starts_with("示例"), "{example:?}");
        let mut rows = vec![example];
        rows.push(row(
            &headers,
            &[
                ("code", "GL-LX-2027-101"),
                ("name", "区城市大脑二期"),
                ("unit", "鼓楼区数据局"),
                ("kind", "立项"),
                ("requested_total", "1,234.5"),
                ("plan_class", "B"),
                ("cross_department", "是"),
                ("joint_submission", "是"),
                ("supervision_firm", "是"),
                ("data_sharing_section", "是"),
                ("protection_level", "3"),
            ],
        ));
        rows.push(row(
            &headers,
            &[
                ("code", "GL-YS-2025-102"),
                ("name", "社区网格化管理系统"),
                ("unit", "鼓楼区民政局"),
                ("kind", "验收"),
                ("approved_total", "88"),
                ("construction_completed", "2026-05-01"),
                ("trial_start", "2026-05-10"),
                ("trial_end", "2026-08-10"),
                ("acceptance_applied", "2026-09-01"),
            ],
        ));
        let filled = files.path().join(format!("已填.{ext}"));
        write_filled(&filled, &headers, &rows);
        let apps = reviewdesk::intake::read_file(&filled).unwrap_or_else(|e| panic!("{ext}: {e}"));
        let got: Vec<(String, String, Option<i64>)> = apps
            .iter()
            .map(|r| {
                let a = &r.application;
                (a.code.clone(), a.name.clone(), a.requested_total.or(a.approved_total).map(|m| m.fen()))
            })
            .collect();
        assert_eq!(
            got,
            [
                ("GL-LX-2027-101".into(), "区城市大脑二期".into(), Some(1_234_500_000)),
                ("GL-YS-2025-102".into(), "社区网格化管理系统".into(), Some(88_000_000)),
            ],
            "{ext}"
        );
        let second = &apps[1].application;
        assert_eq!(second.trial_end.map(|d| d.to_string()).as_deref(), Some("2026-08-10"));
    }
}

/// The header cells and the example row of a template.
fn read_template(path: &Path) -> (Vec<String>, Vec<String>) {
    if path.extension().is_some_and(|e| e == "csv") {
        let bytes = std::fs::read(path).unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let mut r = csv::Reader::from_reader(&bytes[3..]);
        let h = r.headers().unwrap().iter().map(String::from).collect();
        let ex = r.records().next().unwrap().unwrap().iter().map(String::from).collect();
        (h, ex)
    } else {
        use calamine::{Reader, open_workbook};
        let mut book: calamine::Xlsx<_> = open_workbook(path).unwrap();
        let first = book.sheet_names()[0].clone();
        let range = book.worksheet_range(&first).unwrap();
        let mut rows = range.rows();
        let h: Vec<String> = rows.next().unwrap().iter().map(text).collect();
        let ex = rows.next().unwrap().iter().map(text).collect();
        (h, ex)
    }
}

/// A row with the given values under the headers whose English name matches.
fn row(headers: &[String], values: &[(&str, &str)]) -> Vec<String> {
    headers
        .iter()
        .map(|h| {
            values.iter().find(|(k, _)| h.ends_with(&format!(" {k}"))).map(|(_, v)| v.to_string()).unwrap_or_default()
        })
        .collect()
}

fn write_filled(path: &Path, headers: &[String], rows: &[Vec<String>]) {
    if path.extension().is_some_and(|e| e == "csv") {
        let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
        w.write_record(headers).unwrap();
        for r in rows {
            w.write_record(r).unwrap();
        }
        std::fs::write(path, w.into_inner().unwrap()).unwrap();
    } else {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name("申报 applications").unwrap();
        for (c, h) in headers.iter().enumerate() {
            sheet.write_string(0, c as u16, h).unwrap();
        }
        for (i, r) in rows.iter().enumerate() {
            for (c, v) in r.iter().enumerate() {
                sheet.write_string(1 + i as u32, c as u16, v).unwrap();
            }
        }
        book.save(path).unwrap();
    }
}

#[test]
fn bad_report_requests_say_what_is_wrong_and_leave_no_file() {
    let home = demo();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.xlsx");
    let o = out.to_str().unwrap();
    let line = expect_one_line_failure(
        reviewdesk(home.path(), &["--as", "王建国", "report", "--meeting", "NOPE", "--format", "xlsx", "--out", o]),
        "unknown meeting",
    );
    assert!(line.contains("NOPE"), "{line}");
    // A folder that does not exist: nothing written, no temporary file.
    let missing = dir.path().join("没有这个目录").join("r.html");
    let line = expect_one_line_failure(
        reviewdesk(home.path(), &["--as", "王建国", "report", "--format", "html", "--out", missing.to_str().unwrap()]),
        "unwritable path",
    );
    assert!(line.contains("无法写入") && line.contains("cannot write"), "{line}");
    // An expert may not print everyone's scores.
    expect_one_line_failure(
        reviewdesk(home.path(), &["--as", "赵敏", "report", "--format", "md", "--out", o]),
        "an expert",
    );
    let unknown_table =
        reviewdesk(home.path(), &["--as", "王建国", "report", "--format", "csv", "--table", "x", "--out", o]);
    expect_one_line_failure(unknown_table, "unknown table");
    // A format that does not exist is a usage error that lists the formats.
    let out_pdf =
        reviewdesk(home.path(), &["--as", "王建国", "report", "--format", "pdf", "--out", o]).output().unwrap();
    assert_eq!(out_pdf.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out_pdf.stderr);
    assert!(stderr.contains("xlsx") && stderr.contains("html"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(left.is_empty(), "nothing left behind: {left:?}");
    // A template with an unknown extension.
    expect_one_line_failure(
        reviewdesk(home.path(), &["template", "intake", "--out", dir.path().join("t.ods").to_str().unwrap()]),
        "template format",
    );
}

#[test]
fn the_markdown_opinion_form_names_the_suggestion_the_panel_did_not_follow() {
    let dir = demo();
    let reason = "专家组认为数据共享清单需补充后再实施";
    let args = ["--as", "王建国", "decide", "GL-LX-2027-001", "--partial", "--outcome", "pass_after_revision"];
    reviewdesk(dir.path(), &args).arg("--override-reason").arg(reason).assert().success();
    let out = dir.path().join("r.md");
    report(dir.path(), "md", &out, &[]);
    let md = std::fs::read_to_string(&out).unwrap();
    assert!(md.contains("- 建议结论（未采纳）：通过"), "{md}");
    assert!(md.contains(&format!("- 不采纳建议结论的理由：{reason}")), "{md}");
}

#[test]
fn history_shows_the_meetings_local_time_not_utc() {
    let dir = demo();
    // Signed at 07:30 Beijing time on the meeting day: 23:30 UTC the evening before.
    let points = "necessity=13,requirements=13,technical=17.5,sharing=13,security=8.5,budget=13,implementation=8";
    reviewdesk(dir.path(), &["--as", "赵敏", "score", "GL-LX-2027-001", "--points", points])
        .env("REVIEWDESK_NOW", "2026-12-07T23:30:00Z")
        .assert()
        .success();
    let shown = reviewdesk(dir.path(), &["--as", "王建国", "show", "GL-LX-2027-001"]).output().unwrap();
    let text = String::from_utf8_lossy(&shown.stdout);
    let line = text.lines().find(|l| l.contains("赵敏") && l.contains("提交评分")).unwrap_or("");
    assert!(line.contains("2026-12-08 07:30"), "{text}");
    assert!(!text.contains("2026-12-07T23:30"), "{text}");
}

/// The minutes (评审纪要) of the demo's earlier meeting, which ran from sign-in to the sealed
/// close, as the secretariat writes them; then an applicant's markup in a name stays text.
#[test]
fn the_minutes_record_the_meeting_from_sign_in_to_the_close() {
    let home = demo();
    let minutes = |meeting: &str, format: &str, file: &str| {
        let out = home.path().join(file);
        let o = out.to_str().unwrap();
        let args = ["--as", "鼓楼区数据局信息化办", "report", "--meeting", meeting, "--format", format, "--out", o];
        reviewdesk(home.path(), &args).assert().success();
        std::fs::read_to_string(&out).unwrap()
    };
    let md = minutes("GL-2026-03", "minutes-md", "纪要.md");
    let html = minutes("GL-2026-03", "minutes-html", "纪要.html");
    for (format, text) in [("md", &md), ("html", &html)] {
        assert!(text.contains("评审纪要") && text.contains("GL-2026-03"), "{format}: {text}");
        let signed = &text[text.find("签到").unwrap()..text.find("评审情况").unwrap()];
        for name in ["李明", "张华", "陈静", "刘洋", "赵敏"] {
            assert!(signed.contains(&format!("{name}　")), "{format}: {name} signed in: {signed}");
        }
        assert_eq!(text.matches("评审专家承诺书").count(), 1, "{format}: the pledge once");
        for seen in [
            "请说明整改完成前如何保障市场主体信用数据的准确性",
            "整改期间每日与市信用平台比对，差异数据人工复核后更新",
            "赞成 4，反对 1",
            "张华 反对（少数意见）：问题较多，建议验收不通过",
            "张华 保留意见",
            "整改事项涉及数据质量，建议验收不通过",
            "赵敏 拒绝签字",
            "固定 7 个链头",
            "固定 2 项结论",
            "未重新开启",
            "议程",
            "复看整改材料后调整完成情况得分，与测试报告结论一致",
            "1. 2026-06-16 10:00  GL-YS-2025-019",
            "2. 2026-06-16 10:00  GL-YS-2025-017",
        ] {
            assert!(text.contains(seen), "{format}: {seen}\n{text}");
        }
        let closed = &text[text.rfind("会议封存").unwrap()..];
        assert!(closed.contains("鼓楼区数据局信息化办 于"), "{format}: the close names its signer: {closed}");
        assert!(!text.contains("未封存"), "{format}");
    }
    // An applicant's name with markup, registered at the open meeting: text in both formats.
    let files = tempfile::tempdir().unwrap();
    let template = files.path().join("模板.csv");
    reviewdesk(home.path(), &["template", "intake", "--out", template.to_str().unwrap()]).assert().success();
    let (headers, _) = read_template(&template);
    let hostile = "<script>alert(1)</script>系统";
    let filled = files.path().join("已填.csv");
    let values = [
        ("code", "GL-LX-2027-101"),
        ("name", hostile),
        ("unit", "鼓楼区数据局"),
        ("kind", "立项"),
        ("requested_total", "100"),
        ("plan_class", "B"),
        ("protection_level", "2"),
    ];
    write_filled(&filled, &headers, &[row(&headers, &values)]);
    let args = ["--as", "鼓楼区数据局信息化办", "intake", filled.to_str().unwrap(), "--meeting", "GL-2027-01"];
    reviewdesk(home.path(), &args).assert().success();
    for (format, file) in [("minutes-md", "open.md"), ("minutes-html", "open.html")] {
        let text = minutes("GL-2027-01", format, file);
        assert!(!text.contains("<script"), "{format}: {text}");
        assert!(text.contains("&lt;script&gt;alert(1)&lt;/script&gt;系统"), "{format}");
        assert!(text.contains("临时稿") && text.contains("未封存"), "{format}: provisional and not closed");
    }
}
