//! The documents column of an intake file on arbitrary text: whatever a hostile applicant
//! writes in the cell, intake may read only the two files that sit in the intake file's own
//! folder. Beside them are the things an attacker would name: a file one folder up, a link to
//! `/etc/passwd`, a link to a file inside the folder, a FIFO, and a reviewdesk home (with a
//! private key) inside the folder. A document whose bytes are anything but one of the two
//! files is a finding; refusals are the expected answer. The cell goes through the real intake
//! path: a CSV row, `intake::read_file`, then `IntakeFolder::open` and `attach`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The folder laid out once per process: (intake folder, home inside it, the two readable files).
fn layout() -> &'static (PathBuf, PathBuf, [Vec<u8>; 2]) {
    static LAYOUT: OnceLock<(PathBuf, PathBuf, [Vec<u8>; 2])> = OnceLock::new();
    LAYOUT.get_or_init(|| {
        let root = std::env::temp_dir().join(format!("reviewdesk-fuzz-docs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let folder = root.join("申报");
        let home = folder.join("home");
        std::fs::create_dir_all(folder.join("sub")).unwrap();
        std::fs::create_dir_all(home.join("identities")).unwrap();
        let allowed = [b"feasibility study".to_vec(), b"budget sheet".to_vec()];
        std::fs::write(folder.join("可研.pdf"), &allowed[0]).unwrap();
        std::fs::write(folder.join("sub").join("b.pdf"), &allowed[1]).unwrap();
        std::fs::write(home.join("identities").join("信息化办.key"), b"PRIVATE KEY").unwrap();
        std::fs::write(root.join("outside.txt"), b"OUTSIDE").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", folder.join("passwd")).unwrap();
        std::os::unix::fs::symlink("可研.pdf", folder.join("inside")).unwrap();
        let fifo = std::ffi::CString::new(folder.join("pipe").to_str().unwrap()).unwrap();
        // SAFETY: a NUL-terminated path we own.
        unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) };
        (folder, home, allowed)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(cell) = std::str::from_utf8(data) else { return };
    let (folder, home, allowed) = layout();
    let sheet = folder.join(format!("apps-{}.csv", std::process::id()));
    let quoted = cell.replace('"', "\"\"");
    let csv = format!("项目编码,项目名称,建设单位,申报类型,申报总投资,附件\nGL-1,甲,乙,立项,100,\"{quoted}\"\n");
    std::fs::write(&sheet, csv).unwrap();
    let Ok(rows) = reviewdesk::intake::read_file(&sheet) else { return };
    let Ok(intake) = reviewdesk::intake::IntakeFolder::open(&sheet, home) else { return };
    if let Ok(attached) = intake.attach(&rows, "apps.csv") {
        for (_, bytes) in &attached.blobs {
            assert!(allowed.contains(bytes), "intake read a file it must not: {:?}", String::from_utf8_lossy(bytes));
        }
    }
});
