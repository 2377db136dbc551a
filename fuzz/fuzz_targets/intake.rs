//! Intake on arbitrary bytes, CSV and workbooks in one target: the first byte picks the
//! reader (even: `intake::read_csv`, odd: `intake::read_xlsx`, which reads ZIP workbooks, XLSX,
//! XLSB or ODS, and refuses legacy XLS by its signature) and the rest is the file. Errors are
//! expected; a panic, abort, hang or runaway allocation is a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, file)) = data.split_first() else {
        return;
    };
    if selector % 2 == 0 {
        let _ = reviewdesk::intake::read_csv(file);
    } else {
        let _ = reviewdesk::intake::read_xlsx(file);
    }
});
