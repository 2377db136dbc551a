//! An applicant's filled-in intake sheet is hostile input (issue 11, points 1, 7 and 9).
//!
//! Through the real binary: a documents cell names files only inside the intake file's own
//! folder (no absolute path, no `..`, no symbolic link, no special file, never the home); every
//! cell is held to its field's limits before anything else is done with it; the number of rows,
//! the size of the file and the errors printed are capped. Every refusal is one bilingual line
//! that names the row and the column, and leaves the store byte for byte as it was; `doctor`
//! still passes afterwards.

#![cfg(unix)]

#[path = "../fixtures/intake/xlsx.rs"]
mod xlsx;

use crate::common::*;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

const HEADER: &str =
    "项目编码 code,项目名称 name,建设单位 unit,申报类型 kind,申报总投资（万元） requested_total,附件 documents";

/// One approval whose documents cell is `docs`.
fn sheet(docs: &str) -> String {
    format!("{HEADER}\nGL-LX-2027-001,鼓楼区城市运行管理平台,鼓楼区城市管理局,立项,860,{docs}\n")
}

/// `intake FILE` as the secretariat.
fn intake(file: &Path) -> Vec<String> {
    ["--as", SECRETARIAT, "intake", file.to_str().unwrap()].iter().map(|s| s.to_string()).collect()
}

/// Runs an intake that must be refused (exit 1, one bilingual line, store unchanged), then
/// checks that `doctor` still passes. Returns the line.
#[track_caller]
fn refused(desk: &Desk, file: &Path) -> String {
    let args = intake(file);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let line = desk.refused(&args);
    assert!(!line.contains('\u{1b}'), "a raw escape reached the terminal: {line:?}");
    assert_mentions(&line, &["未登记任何项目"]);
    assert!(line.to_lowercase().contains("nothing was registered"), "{line}");
    desk.ok(&["doctor"]);
    line
}

/// The line must name row 2 and the documents column.
#[track_caller]
fn names_the_documents_cell(line: &str) {
    assert_mentions(line, &["第 2 行「附件 documents」列", "row 2, column 附件 documents"]);
}

/// The standard meeting, with its home inside `outer` (for a home reached from a folder that
/// holds it).
fn meeting_in(outer: &Path) -> Desk {
    let mut desk =
        Desk { home: tempfile::tempdir_in(outer).unwrap(), files: tempfile::tempdir().unwrap(), keys: BTreeMap::new() };
    desk.init(SECRETARIAT, true);
    desk.identity(CHAIR);
    let mut roster = format!("姓名,角色,公钥,专业,单位\n{CHAIR},组长,{CHAIR}.pub,技术,南京市大数据管理局\n");
    for e in EXPERTS {
        desk.identity(e);
        roster.push_str(&format!("{e},专家,{e}.pub,技术,东南大学\n"));
    }
    let roster = desk.write("roster.csv", &roster);
    desk.ok_as(
        SECRETARIAT,
        &["meeting", "open", "--title", "评审会", "--date", "2026-12-08", "--id", MEETING, "--roster", &roster],
    );
    desk
}

// ---------------------------------------------------------------- paths

#[test]
fn a_documents_cell_never_names_a_file_outside_the_intake_folder() {
    let desk = Desk::meeting();
    fs::write(desk.file("可研.pdf"), "可行性研究报告").unwrap();
    fs::create_dir(desk.file("材料")).unwrap();
    fs::write(desk.file("材料/可研.pdf"), "可行性研究报告").unwrap();
    let absolute: &[&str] = &["绝对路径", "absolute path", "同一文件夹", "same folder"];
    let parent: &[&str] = &["“..”", "“..”", "上级目录", "parent folder"];
    let cases: &[(&str, &[&str])] = &[
        ("/etc/passwd", absolute),
        ("/dev/zero", absolute),
        ("可研.pdf;/etc/shadow", absolute),
        ("C:\\Windows\\win.ini", absolute),
        ("C:win.ini", absolute),
        ("c:/boot.ini", absolute),
        ("\\\\server\\share\\可研.pdf", absolute),
        ("\\可研.pdf", absolute),
        ("//server/share/可研.pdf", absolute),
        ("../可研.pdf", parent),
        ("a/../../x.pdf", parent),
        ("材料/../可研.pdf", parent),
        ("材料\\..\\..\\x.pdf", parent),
        ("..", parent),
        ("材料//可研.pdf", &["空的路径段", "empty part"]),
        ("材料/./可研.pdf", &["“.”", "“.”"]),
        ("材料/", &["空的路径段", "empty part"]),
        ("可研.pdf:secret", &["“:”", "“:”"]),
        ("可研\u{1b}[2J.pdf", &["控制字符", "control character", "\\u{1b}"]),
        ("可研\u{202e}fdp.exe", &["控制字符", "control character", "\\u{202e}"]),
    ];
    for (cell, needles) in cases {
        let csv = desk.write("申报.csv", &sheet(cell));
        let line = refused(&desk, Path::new(&csv));
        names_the_documents_cell(&line);
        assert_mentions(&line, needles);
    }
    // The good file alone registers: the refusals above were about the paths.
    let csv = desk.write("申报.csv", &sheet("可研.pdf"));
    desk.ok(&intake(Path::new(&csv)).iter().map(String::as_str).collect::<Vec<_>>());
}

#[test]
fn a_symbolic_link_is_refused_wherever_it_points() {
    let desk = Desk::meeting();
    let elsewhere = tempfile::tempdir().unwrap();
    fs::write(elsewhere.path().join("秘密.txt"), "secret").unwrap();
    fs::write(desk.file("可研.pdf"), "可行性研究报告").unwrap();
    fs::create_dir(desk.file("材料")).unwrap();
    fs::write(desk.file("材料/可研.pdf"), "可行性研究报告").unwrap();
    let link = |target: &Path, name: &str| std::os::unix::fs::symlink(target, desk.file(name)).unwrap();
    link(&elsewhere.path().join("秘密.txt"), "外部.pdf");
    link(Path::new("可研.pdf"), "内部.pdf");
    link(Path::new("/dev/zero"), "零.pdf");
    link(Path::new("/etc/passwd"), "密码.pdf");
    link(Path::new("材料"), "链接目录");
    link(elsewhere.path(), "外部目录");
    link(&desk.home().join("identities"), "钥匙");
    for cell in
        ["外部.pdf", "内部.pdf", "零.pdf", "密码.pdf", "链接目录/可研.pdf", "外部目录/秘密.txt", "钥匙/信息化办.key"]
    {
        let csv = desk.write("申报.csv", &sheet(cell));
        let line = refused(&desk, Path::new(&csv));
        names_the_documents_cell(&line);
        assert_mentions(&line, &["符号链接", "symbolic link", "复制", "copy the file itself"]);
    }
}

#[test]
fn special_files_are_refused_without_reading_them() {
    let desk = Desk::meeting();
    let fifo = desk.file("管道.pdf");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid C string, a plain mode.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
    fs::create_dir(desk.file("材料")).unwrap();
    // No writer ever opens the FIFO: a reader that blocked on it, or read it, would hang here.
    let csv = desk.write("申报.csv", &sheet("管道.pdf"));
    let line = refused(&desk, Path::new(&csv));
    names_the_documents_cell(&line);
    assert_mentions(&line, &["不是普通文件", "not a regular file"]);
    let csv = desk.write("申报.csv", &sheet("材料"));
    let line = refused(&desk, Path::new(&csv));
    names_the_documents_cell(&line);
    assert_mentions(&line, &["是文件夹", "is a folder"]);
    let csv = desk.write("申报.csv", &sheet("没有这个文件.pdf"));
    let line = refused(&desk, Path::new(&csv));
    names_the_documents_cell(&line);
    assert_mentions(&line, &["找不到", "not found"]);
    // The intake file itself may be a FIFO on a hostile stick: refused, not waited on.
    let sheet_fifo = desk.file("管道.csv");
    let c = std::ffi::CString::new(sheet_fifo.to_str().unwrap()).unwrap();
    // SAFETY: as above.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
    let line = refused(&desk, &sheet_fifo);
    assert_mentions(&line, &["不是普通文件", "not a regular file"]);
}

#[test]
fn nothing_inside_the_home_is_ever_read() {
    let desk = Desk::meeting();
    let key = format!("{SECRETARIAT}.key");
    assert!(desk.home().join("identities").join(&key).exists(), "the secretariat's key file is where we think");
    // An intake folder inside the home, or the home itself.
    let inside = desk.home().join("收件");
    fs::create_dir(&inside).unwrap();
    fs::write(inside.join("可研.pdf"), "可行性研究报告").unwrap();
    for (folder, docs) in [
        (inside.clone(), format!("../identities/{key}")),
        (inside.clone(), "可研.pdf".to_string()),
        (inside.clone(), String::new()),
        (desk.home().to_path_buf(), format!("identities/{key}")),
    ] {
        let csv = folder.join("申报.csv");
        fs::write(&csv, sheet(&docs)).unwrap();
        let line = refused(&desk, &csv);
        assert_mentions(&line, &["评审台数据目录", "reviewdesk home", "outside it"]);
        fs::remove_file(&csv).unwrap();
    }
    fs::remove_dir_all(&inside).unwrap();
}

#[test]
fn the_home_is_never_reached_from_a_folder_that_holds_it() {
    let outer = tempfile::tempdir().unwrap();
    let desk = meeting_in(outer.path());
    let home_name = desk.home().file_name().unwrap().to_str().unwrap().to_string();
    let csv: PathBuf = outer.path().join("申报.csv");
    for docs in [
        format!("{home_name}/identities/{SECRETARIAT}.key"),
        format!("{home_name}/reviewdesk.db"),
        format!("./{home_name}/reviewdesk.db"),
    ] {
        fs::write(&csv, sheet(&docs)).unwrap();
        let line = refused(&desk, &csv);
        names_the_documents_cell(&line);
        assert!(
            line.contains("评审台数据目录") || line.contains("“.”"),
            "the home is named, or the path is refused before it: {line}"
        );
    }
    fs::write(&csv, sheet(&format!("{home_name}/identities/{SECRETARIAT}.key"))).unwrap();
    assert_mentions(&refused(&desk, &csv), &["评审台数据目录", "reviewdesk home"]);
}

#[test]
fn a_row_names_at_most_32_documents() {
    let desk = Desk::meeting();
    fs::create_dir(desk.file("材料")).unwrap();
    let names: Vec<String> = (1..=33).map(|i| format!("材料/{i}.pdf")).collect();
    for (i, n) in names.iter().enumerate() {
        fs::write(desk.file(n), format!("第 {i} 份")).unwrap();
    }
    let csv = desk.write("申报.csv", &sheet(&names.join(";")));
    let line = refused(&desk, Path::new(&csv));
    names_the_documents_cell(&line);
    assert_mentions(&line, &["33 份", "最多 32 份", "33 documents", "at most 32"]);
    // Exactly 32 register.
    let csv = desk.write("申报.csv", &sheet(&names[..32].join("；")));
    let out = desk.json(&intake(Path::new(&csv)).iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(out["documents"], 32, "{out}");
}

// ---------------------------------------------------------------- cells

#[test]
fn a_huge_cell_is_refused_in_a_known_and_in_an_ignored_column() {
    let desk = Desk::meeting();
    let big = "测".repeat((10 << 20) / 3);
    // XLSX: the cell unpacks to 10 MB from a small file.
    let header: Vec<String> = HEADER.split(',').map(str::to_string).chain([String::new()]).collect();
    let good = ["GL-LX-2027-001", "鼓楼区城市运行管理平台", "鼓楼区城市管理局", "立项", "860", "", ""];
    for (column, needles) in
        [(1, ["第 2 行「项目名称 name」列", "row 2, column 项目名称 name"]), (6, ["第 2 行", "row 2"])]
    {
        let mut row: Vec<String> = good.iter().map(|s| s.to_string()).collect();
        row[column] = big.clone();
        let book = xlsx::workbook([header.clone(), row]);
        assert!(book.len() < 1 << 20, "the workbook is small: {} bytes", book.len());
        fs::write(desk.file("申报.xlsx"), &book).unwrap();
        let line = refused(&desk, &desk.file("申报.xlsx"));
        assert_mentions(&line, &needles);
        assert_mentions(&line, &["4096 字节", "4096 bytes"]);
        assert!(line.len() < 2000, "the line does not quote the cell: {} bytes", line.len());
    }
    // CSV: a 5 KB cell under a blank header, then a 10 MB file.
    let csv = desk.write("申报.csv", &format!("{HEADER},\nGL-1,名称,单位,立项,860,,{}\n", "x".repeat(5000)));
    let line = refused(&desk, Path::new(&csv));
    assert_mentions(&line, &["第 2 行", "row 2", "4096 字节", "4096 bytes"]);
    let csv = desk.write("申报.csv", &format!("{HEADER}\nGL-1,{big},单位,立项,860,\n"));
    let line = refused(&desk, Path::new(&csv));
    assert_mentions(&line, &["文件过大", "too large", "8 MiB"]);
    let json = desk.write("申报.json", &format!(r#"[{{"code":"GL-1","name":"{big}"}}]"#));
    let line = refused(&desk, Path::new(&json));
    assert_mentions(&line, &["文件过大", "too large", "8 MiB"]);
}

#[test]
fn a_name_with_control_characters_is_refused_and_never_printed_raw() {
    let desk = Desk::meeting();
    for (name, shown) in [
        ("\u{1b}[31m红色项目\u{1b}[0m", "\\u{1b}[31m"),
        ("项目\u{202e}名称", "\\u{202e}"),
        ("\"第一行\n第二行\"", "\\u{a}"),
        ("名称\u{7}", "\\u{7}"),
    ] {
        let csv = desk.write("申报.csv", &format!("{HEADER}\nGL-1,{name},单位,立项,860,\n"));
        let line = refused(&desk, Path::new(&csv));
        assert_mentions(
            &line,
            &["第 2 行「项目名称 name」列", "row 2, column 项目名称 name", "控制字符", "control character"],
        );
        assert_mentions(&line, &[shown]);
    }
    // A code is short and plain.
    for code in ["GL 1", "GL/1", &"G".repeat(65), "-GL", "GL\u{1b}1"] {
        let csv = desk.write("申报.csv", &format!("{HEADER}\n{code},名称,单位,立项,860,\n"));
        let line = refused(&desk, Path::new(&csv));
        assert_mentions(&line, &["第 2 行「项目编码 code」列", "row 2, column 项目编码 code"]);
    }
    // Names are at most 200 characters: 200 register, 201 do not.
    let csv = desk.write("申报.csv", &format!("{HEADER}\nGL-1,{},单位,立项,860,\n", "长".repeat(201)));
    let line = refused(&desk, Path::new(&csv));
    assert_mentions(&line, &["201", "200", "项目名称 name"]);
    let csv = desk.write("申报.csv", &format!("{HEADER}\nGL-1,{},单位,立项,860,\n", "长".repeat(200)));
    desk.ok(&intake(Path::new(&csv)).iter().map(String::as_str).collect::<Vec<_>>());
}

// ---------------------------------------------------------------- rows and errors

#[test]
fn more_than_10000_rows_are_refused_with_one_error() {
    let desk = Desk::meeting();
    let mut csv = format!("{HEADER}\n");
    for i in 0..10_001 {
        csv.push_str(&format!("GL-{i},名称,单位,立项,860,\n"));
    }
    let file = desk.write("申报.csv", &csv);
    let line = refused(&desk, Path::new(&file));
    assert_mentions(&line, &["第 10002 行", "row 10002", "10000", "拆分", "split"]);
    let rows: Vec<Vec<String>> = csv.lines().map(|l| l.split(',').map(str::to_string).collect()).collect();
    fs::write(desk.file("申报.xlsx"), xlsx::workbook(rows.clone())).unwrap();
    let line = refused(&desk, &desk.file("申报.xlsx"));
    assert_mentions(&line, &["第 10002 行", "row 10002", "10000"]);
    let items: Vec<String> = (0..10_001)
        .map(|i| format!(r#"{{"code":"GL-{i}","name":"名称","unit":"单位","kind":"立项","requested_total":"860万"}}"#))
        .collect();
    let json = desk.write("申报.json", &format!("[{}]", items.join(",")));
    let line = refused(&desk, Path::new(&json));
    assert_mentions(&line, &["10000", "拆分", "split"]);
}

#[test]
fn many_errors_print_the_first_20_and_count_the_rest() {
    let desk = Desk::meeting();
    let mut csv = format!("{HEADER}\n");
    for i in 0..50 {
        csv.push_str(&format!("GL-{i},名称,单位,采购,860,\n"));
    }
    let file = desk.write("申报.csv", &csv);
    let before = desk.dump();
    let out = desk.cmd(&intake(Path::new(&file)).iter().map(String::as_str).collect::<Vec<_>>()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1 + 20 + 1, "{stderr}");
    assert_mentions(&stderr, &["50 处错误", "50 problems", "第 21 行", "另有 30 处错误未列出", "and 30 more"]);
    assert!(!stderr.contains("第 22 行"), "{stderr}");
    assert_eq!(desk.dump(), before);
}

// ---------------------------------------------------------------- workbooks

#[test]
fn a_workbook_that_unpacks_beyond_its_limits_is_refused_before_it_is_read() {
    let desk = Desk::meeting();
    let header: Vec<String> = HEADER.split(',').map(str::to_string).collect();
    // A shared-strings part of 64 MiB of zeros, honest about its size.
    let zeros = vec![b'0'; 1 << 20];
    let book = xlsx::write(std::io::Cursor::new(Vec::new()), [header.clone()], &[("xl/sharedStrings.xml", &zeros, 64)])
        .into_inner();
    fs::write(desk.file("炸弹.xlsx"), &book).unwrap();
    let line = refused(&desk, &desk.file("炸弹.xlsx"));
    assert_mentions(&line, &["xl/sharedStrings.xml", "解压", "unpacks"]);
    // The same part claiming 1 KB: the reader stops at the claimed size.
    let mut lying = book.clone();
    xlsx::declare_size(&mut lying, "xl/sharedStrings.xml", 1024);
    fs::write(desk.file("炸弹.xlsx"), &lying).unwrap();
    let line = refused(&desk, &desk.file("炸弹.xlsx"));
    assert_mentions(&line, &["xl/sharedStrings.xml", "损坏", "damaged"]);
}

// ---------------------------------------------------------------- the good case

#[test]
fn documents_in_a_sub_folder_register_and_travel() {
    let desk = Desk::meeting();
    fs::create_dir_all(desk.file("材料/GL-LX-2027-001")).unwrap();
    fs::write(desk.file("材料/GL-LX-2027-001/可行性研究报告.pdf"), "可行性研究报告全文").unwrap();
    fs::write(desk.file("数据共享章节.md"), "数据共享").unwrap();
    let csv = desk.write("申报.csv", &sheet("材料/GL-LX-2027-001/可行性研究报告.pdf; 数据共享章节.md"));
    let out = desk.json(&intake(Path::new(&csv)).iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(out["registered"], serde_json::json!(["GL-LX-2027-001"]), "{out}");
    assert_eq!(out["documents"], 2, "{out}");
    let bundle = desk.file("会议.rdbundle");
    desk.ok_as(SECRETARIAT, &["export", "--out", bundle.to_str().unwrap()]);
    let nowhere = tempfile::tempdir().unwrap();
    let v = reviewdesk(nowhere.path(), &["verify", "--json", bundle.to_str().unwrap()]).output().unwrap();
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stderr));
    let v: serde_json::Value = serde_json::from_slice(&v.stdout).unwrap();
    assert_eq!(v["blobs"], 2, "{v}");
    let shown = desk.ok_as(SECRETARIAT, &["show", "GL-LX-2027-001"]);
    assert_mentions(&shown, &["可行性研究报告.pdf", "数据共享章节.md"]);
    desk.ok(&["doctor"]);
}
