//! Hostile intake inputs for the memory bench: workbooks that unpack to gigabytes or declare
//! millions of rows, strings or cells, cells of megabytes, CSV and JSON files far over the
//! limit or shaped to make a reader allocate, and documents that are devices, FIFOs or links.
//! Each is fed to `intake` in a meeting home whose secretariat registers it.

#[path = "../../tests/fixtures/intake/xlsx.rs"]
mod xlsx;

use super::{Case, arg, run_ok};
use std::io::Write;
use std::path::Path;

const HEADER: &str =
    "项目编码 code,项目名称 name,建设单位 unit,申报类型 kind,申报总投资（万元） requested_total,附件 documents";
const SECRETARIAT: &str = "信息化办";

fn header() -> Vec<String> {
    HEADER.split(',').map(str::to_string).collect()
}

fn row(docs: &str) -> String {
    format!("GL-LX-2027-001,区城市运行管理平台,鼓楼区城市管理局,立项,860,{docs}\n")
}

/// A home with a secretariat, a chair and an expert, and meeting M1 opened.
fn meeting(home: &Path, keys: &Path) {
    let h = arg(home);
    run_ok(&["--home", &h, "init", "--name", SECRETARIAT, "--secretariat"]);
    let mut roster = String::from("姓名,角色,公钥,专业,单位\n");
    for (name, role) in [("周建国", "组长"), ("李明", "专家")] {
        run_ok(&["--home", &h, "init", "--name", name]);
        let out = arg(&keys.join(format!("{name}.pub")));
        run_ok(&["--home", &h, "--as", name, "key", "export", "--out", &out]);
        roster.push_str(&format!("{name},{role},{name}.pub,技术,东南大学\n"));
    }
    let roster_path = keys.join("roster.csv");
    std::fs::write(&roster_path, roster).unwrap();
    run_ok(&[
        "--home",
        &h,
        "--as",
        SECRETARIAT,
        "meeting",
        "open",
        "--title",
        "评审会",
        "--date",
        "2026-12-08",
        "--id",
        "M1",
        "--roster",
        &arg(&roster_path),
    ]);
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(arg(path)).unwrap();
    // SAFETY: a valid C string and a plain mode.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo {}", path.display());
}

/// Writes `lines` lines made by `line` to `path` through a buffer.
fn write_lines(path: &Path, head: &str, lines: usize, line: impl Fn(usize) -> String) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    f.write_all(head.as_bytes()).unwrap();
    for i in 0..lines {
        f.write_all(line(i).as_bytes()).unwrap();
    }
    f.flush().unwrap();
}

fn workbook_file(path: &Path, rows: impl IntoIterator<Item = Vec<String>>, extra: &[(&str, &[u8], usize)]) {
    let f = std::fs::File::create(path).unwrap();
    xlsx::write(std::io::BufWriter::new(f), rows, extra).into_inner().map_err(|e| e.into_error()).unwrap();
}

/// An ODS whose `content.xml` is `body` inside one table.
fn ods_file(path: &Path, body: &str) {
    let f = std::fs::File::create(path).unwrap();
    let mut zip = zip::ZipWriter::new(f);
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let deflate = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet").unwrap();
    zip.start_file("META-INF/manifest.xml", deflate).unwrap();
    zip.write_all(b"<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\"><manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/></manifest:manifest>").unwrap();
    zip.start_file("content.xml", deflate).unwrap();
    write!(
        zip,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><office:document-content \
         xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
         xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" \
         xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\"><office:body><office:spreadsheet>\
         <table:table table:name=\"申报\">{body}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    .unwrap();
    zip.finish().unwrap();
}

fn cell(text: &str, repeat: usize) -> String {
    format!(
        "<table:table-cell table:number-columns-repeated=\"{repeat}\" office:value-type=\"string\"><text:p>{text}</text:p></table:table-cell>"
    )
}

/// Builds every hostile intake input under `work` and returns the commands that feed them.
pub fn cases(work: &Path) -> Vec<Case> {
    std::fs::create_dir_all(work).unwrap();
    let home = work.join("home");
    let keys = work.join("keys");
    let input = work.join("in");
    for d in [&keys, &input] {
        std::fs::create_dir_all(d).unwrap();
    }
    meeting(&home, &keys);
    let mut cases = Vec::new();
    let mut case = |name: &str, file: &Path| {
        cases.push(Case {
            name: name.to_string(),
            args: ["--home", &arg(&home), "--as", SECRETARIAT, "intake", &arg(file)].map(str::to_string).to_vec(),
        });
    };

    // XLSX: two million junk rows (the sheet unpacks to well over its limit).
    let f = input.join("rows-2m.xlsx");
    let junk = (0..2_000_000).map(|i| vec![format!("GL-{i}"), "名称".into(), "单位".into(), "立项".into(), "1".into()]);
    workbook_file(&f, std::iter::once(header()).chain(junk), &[]);
    let size = std::fs::metadata(&f).unwrap().len() >> 20;
    case(&format!("xlsx: 2,000,000 rows ({size} MiB file)"), &f);

    // XLSX: 200,000 junk rows that stay within the part limit: the row limit stops them.
    let f = input.join("rows-200k.xlsx");
    let junk = (0..200_000).map(|i| vec![format!("GL-{i}"), "名称".into(), "单位".into(), "立项".into(), "1".into()]);
    workbook_file(&f, std::iter::once(header()).chain(junk), &[]);
    case("xlsx: 200,000 rows within the part limit", &f);

    // XLSX: two million rows within every limit (empty cells, no positions: 15 bytes a row),
    // and 100,000 rows of junk within every limit: read streaming, the second stops at the
    // row limit.
    let sheet = |rows: usize, row: &str| {
        let mut xml = format!(
            "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData><row>{}</row>",
            header().iter().map(|h| format!("<c t=\"inlineStr\"><is><t>{h}</t></is></c>")).collect::<String>()
        )
        .into_bytes();
        xml.extend(row.as_bytes().repeat(rows));
        xml.extend(b"</sheetData></worksheet>");
        xml
    };
    let f = input.join("rows-2m-empty.xlsx");
    workbook_file(&f, [], &[("xl/worksheets/sheet1.xml", &sheet(2_000_000, "<row><c/></row>"), 1)]);
    let size = std::fs::metadata(&f).unwrap().len() >> 10;
    case(&format!("xlsx: 2,000,000 empty rows within the limits ({size} KiB file)"), &f);
    let f = input.join("rows-100k.xlsx");
    let junk = "<row><c t=\"inlineStr\"><is><t>GL-1</t></is></c><c t=\"inlineStr\"><is><t>名称</t></is></c></row>";
    workbook_file(&f, [], &[("xl/worksheets/sheet1.xml", &sheet(100_000, junk), 1)]);
    case("xlsx: 100,000 junk rows within the limits", &f);

    // XLSX: a 10 MB cell (an inline string), in a known column and under a blank header.
    let big = "测".repeat((10 << 20) / 3);
    let f = input.join("cell-10mb.xlsx");
    let good = ["GL-1", "名称", "单位", "立项", "860", ""].map(str::to_string).to_vec();
    let mut bad = good.clone();
    bad[1] = big.clone();
    workbook_file(&f, [header(), bad], &[]);
    case("xlsx: a 10 MB cell in the name column", &f);
    let f = input.join("cell-10mb-ignored.xlsx");
    let mut bad = good.clone();
    bad.push(big.clone());
    workbook_file(&f, [header().into_iter().chain([String::new()]).collect(), bad], &[]);
    case("xlsx: a 10 MB cell under a blank header", &f);

    // XLSX: zip bombs: shared strings of 1 GiB of zeros, declared, and declared as 1 KiB.
    let zeros = vec![b'0'; 1 << 20];
    let f = input.join("bomb.xlsx");
    workbook_file(&f, [header()], &[("xl/sharedStrings.xml", &zeros, 1024)]);
    case("xlsx: zip bomb, 1 GiB of shared strings", &f);
    let mut lying = std::fs::read(&f).unwrap();
    xlsx::declare_size(&mut lying, "xl/sharedStrings.xml", 1024);
    let f = input.join("bomb-lying.xlsx");
    std::fs::write(&f, lying).unwrap();
    case("xlsx: zip bomb declaring 1 KiB, unpacking 1 GiB", &f);
    // A worksheet that lies the same way.
    let f = input.join("sheet-lying.xlsx");
    let rows = (0..3_000_000).map(|i| vec![format!("GL-{i}"), "x".into()]);
    workbook_file(&f, std::iter::once(header()).chain(rows), &[]);
    let mut lying = std::fs::read(&f).unwrap();
    xlsx::declare_size(&mut lying, "xl/worksheets/sheet1.xml", 1 << 20);
    std::fs::write(&f, lying).unwrap();
    case("xlsx: worksheet declaring 1 MiB, unpacking more", &f);

    // XLSX: shared strings declaring four billion entries (calamine reserves room for them).
    let f = input.join("unique-count.xlsx");
    let sst = br#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4000000000" uniqueCount="4000000000"><si><t>x</t></si></sst>"#;
    workbook_file(&f, [header()], &[("xl/sharedStrings.xml", sst, 1)]);
    case("xlsx: uniqueCount=4,000,000,000", &f);

    // XLSX: shared strings at their limit, every one empty (the most strings per byte).
    let f = input.join("strings-empty.xlsx");
    let head = br#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;
    let mut sst = head.to_vec();
    sst.extend(b"<si/>".repeat(((8 << 20) - 200) / 5));
    sst.extend(b"</sst>");
    workbook_file(&f, [header()], &[("xl/sharedStrings.xml", &sst, 1)]);
    case("xlsx: 1.6 million empty shared strings (8 MiB)", &f);

    // XLSX: styles at their limit: 4 MiB of cell formats.
    let f = input.join("styles.xlsx");
    let mut styles =
        br#"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs>"#.to_vec();
    styles.extend(b"<xf/>".repeat(((2 << 20) - 200) / 5));
    styles.extend(b"</cellXfs></styleSheet>");
    workbook_file(&f, [header()], &[("xl/styles.xml", &styles, 1)]);
    case("xlsx: 400,000 cell formats (2 MiB of styles)", &f);

    // XLSX: a workbook part and its relationships at their limit (calamine holds both).
    let f = input.join("names.xlsx");
    let mut book = String::from(
        "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" \
         xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">\
         <sheets><sheet name=\"申报\" sheetId=\"1\" r:id=\"rId1\"/></sheets><definedNames>",
    )
    .into_bytes();
    book.extend(b"<definedName name=\"n\">A</definedName>".repeat(((4 << 20) - 400) / 37));
    book.extend(b"</definedNames></workbook>");
    workbook_file(&f, [header()], &[("xl/workbook.xml", &book, 1)]);
    case("xlsx: 110,000 defined names (4 MiB workbook part)", &f);
    let f = input.join("rels.xlsx");
    let mut rels = br#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>"#.to_vec();
    let mut i = 0;
    while rels.len() < (4 << 20) - 400 {
        rels.extend(format!("<Relationship Id=\"r{i}\" Type=\"t\" Target=\"x\"/>").as_bytes());
        i += 1;
    }
    rels.extend(b"</Relationships>");
    workbook_file(&f, [header()], &[("xl/_rels/workbook.xml.rels", &rels, 1)]);
    case("xlsx: 90,000 relationships (4 MiB)", &f);

    // XLSX: a ZIP of 200,000 parts.
    let f = input.join("parts.xlsx");
    {
        let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(std::fs::File::create(&f).unwrap()));
        let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        for i in 0..200_000 {
            zip.start_file(format!("{i}"), stored).unwrap();
        }
        zip.finish().unwrap();
    }
    case("xlsx: 200,000 parts", &f);

    // ODS: a valued cell repeated across every column of a million rows.
    let f = input.join("repeat.xlsx");
    let body = format!(
        "<table:table-row>{}</table:table-row><table:table-row table:number-rows-repeated=\"1000000\">{}</table:table-row>",
        ["项目编码 code", "项目名称 name", "建设单位 unit", "申报类型 kind"].map(|h| cell(h, 1)).join(""),
        cell("x", 16384)
    );
    ods_file(&f, &body);
    case("ods: a cell repeated 16,384 × 1,000,000", &f);
    // ODS: one wide row and many short ones (the sheet becomes a rectangle).
    let f = input.join("wide.xlsx");
    let mut body = format!("<table:table-row>{}</table:table-row>", cell("x", 16384));
    body.push_str(&format!("<table:table-row>{}</table:table-row>", cell("y", 1)).repeat(100_000));
    ods_file(&f, &body);
    case("ods: one row 16,384 wide, 100,000 rows", &f);

    // ODS: at its limits (200,000 cells with a value, 7.6 MB of text counted): read whole.
    let f = input.join("ods-limits.xlsx");
    let mut body = format!(
        "<table:table-row>{}</table:table-row>",
        ["项目编码 code", "项目名称 name", "建设单位 unit", "申报类型 kind"].map(|h| cell(h, 1)).join("")
    );
    body.push_str(&format!(
        "<table:table-row table:number-rows-repeated=\"19999\">{}</table:table-row>",
        cell("x", 10)
    ));
    ods_file(&f, &body);
    case("ods: 200,000 cells, within the limits", &f);

    // CSV: far over the size limit; one row of eight million empty cells; 10,001 rows; many errors.
    let f = input.join("huge.csv");
    write_lines(&f, &format!("{HEADER}\n"), 1_000_000, |i| format!("GL-{i},{},单位,立项,860,\n", "名".repeat(30)));
    case("csv: 100 MB", &f);
    let f = input.join("commas.csv");
    write_lines(&f, &format!("{HEADER}\n"), 1, |_| ",".repeat((8 << 20) - 200));
    case("csv: one row of 8 million empty cells", &f);
    let f = input.join("header-commas.csv");
    write_lines(&f, "", 1, |_| ",".repeat((8 << 20) - 200));
    case("csv: a header of 8 million empty cells", &f);
    let f = input.join("rows.csv");
    write_lines(&f, &format!("{HEADER}\n"), 10_001, |i| format!("GL-{i},名称,单位,立项,860,\n"));
    case("csv: 10,001 rows", &f);
    let f = input.join("errors.csv");
    write_lines(&f, &format!("{HEADER}\n"), 10_000, |i| format!("GL-{i},名称\u{1b}[2J,单位,采购,很多钱,\n"));
    case("csv: 10,000 rows of errors", &f);

    // JSON: far over the size limit; a million empty objects; a list of a million names;
    // 10,001 items; deeply nested values.
    let f = input.join("huge.json");
    write_lines(&f, "[", 1_000_000, |i| {
        format!("{}{{\"code\":\"GL-{i}\",\"name\":\"{}\"}}", if i == 0 { "" } else { "," }, "名".repeat(30))
    });
    std::fs::OpenOptions::new().append(true).open(&f).unwrap().write_all(b"]").unwrap();
    case("json: 100 MB", &f);
    let f = input.join("empty-objects.json");
    let n = ((8 << 20) - 100) / 3;
    write_lines(&f, "[{}", n - 1, |_| ",{}".into());
    std::fs::OpenOptions::new().append(true).open(&f).unwrap().write_all(b"]").unwrap();
    case("json: 2.8 million empty objects (8 MiB)", &f);
    let f = input.join("long-list.json");
    write_lines(&f, "[{\"code\":\"GL-1\",\"documents\":[0", ((8 << 20) - 100) / 2, |_| ",0".into());
    std::fs::OpenOptions::new().append(true).open(&f).unwrap().write_all(b"]}]").unwrap();
    case("json: a documents list of 4 million numbers", &f);
    let f = input.join("items.json");
    write_lines(&f, "[", 10_001, |i| {
        format!(
            "{}{{\"code\":\"GL-{i}\",\"name\":\"名称\",\"unit\":\"单位\",\"kind\":\"立项\",\"requested_total\":\"860万\"}}",
            if i == 0 { "" } else { "," }
        )
    });
    std::fs::OpenOptions::new().append(true).open(&f).unwrap().write_all(b"]").unwrap();
    case("json: 10,001 items", &f);
    let f = input.join("deep.json");
    std::fs::write(&f, format!("[{{\"code\":{}1{}}}]", "[".repeat(100_000), "]".repeat(100_000))).unwrap();
    case("json: a value nested 100,000 deep", &f);

    // Documents: /dev/zero by path and through a link, a FIFO, a directory; the sheet itself a
    // FIFO or a link to /dev/zero.
    for (name, docs) in [
        ("documents: /dev/zero", "/dev/zero"),
        ("documents: a link to /dev/zero", "zero.pdf"),
        ("documents: a FIFO", "fifo.pdf"),
        ("documents: a link to the home's key", "key.pdf"),
    ] {
        let dir = input.join(name.replace([' ', ':', '/', '\''], "_"));
        std::fs::create_dir_all(&dir).unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.join("zero.pdf")).unwrap();
        std::os::unix::fs::symlink(home.join("identities").join(format!("{SECRETARIAT}.key")), dir.join("key.pdf"))
            .unwrap();
        mkfifo(&dir.join("fifo.pdf"));
        let f = dir.join("申报.csv");
        std::fs::write(&f, format!("{HEADER}\n{}", row(docs))).unwrap();
        case(name, &f);
    }
    let f = input.join("fifo.csv");
    mkfifo(&f);
    case("the intake file is a FIFO", &f);
    let f = input.join("zero.csv");
    std::os::unix::fs::symlink("/dev/zero", &f).unwrap();
    case("the intake file is a link to /dev/zero", &f);
    cases
}
