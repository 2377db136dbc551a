//! What an outside attack on the record of a meeting found (issue 11), each through the real
//! binary as a user would meet it: a refusal changes nothing (the store is compared byte for byte
//! before and after) and `doctor` passes afterwards.

use crate::common::{Desk, EXPERTS, MEETING, SECRETARIAT, assert_mentions, read_pub_key};

const GOOD_POINTS: &str =
    "necessity=13,requirements=13,technical=17,sharing=13,security=8.5,budget=13,implementation=8.5";

/// The standard meeting with two applications registered and scored by three experts.
fn scored_meeting() -> Desk {
    let desk = Desk::meeting();
    let csv = desk.write(
        "applications.csv",
        "项目编码,项目名称,建设单位,申报类型,申报总投资（万元）,数据共享章节,监理单位\n\
         GL-1,区智慧城管综合平台,鼓楼区城市管理局,立项,356.8,是,是\n\
         GL-2,区一网通办平台,鼓楼区政务服务管理办公室,立项,420,是,是\n",
    );
    desk.ok_as(SECRETARIAT, &["intake", &csv]);
    for e in &EXPERTS[..3] {
        for code in ["GL-1", "GL-2"] {
            desk.ok_as(e, &["score", code, "--points", GOOD_POINTS]);
        }
    }
    desk
}

#[track_caller]
fn doctor_passes(desk: &Desk) {
    let out = desk.cmd(&["doctor"]).output().unwrap();
    assert!(out.status.success(), "doctor: {}", String::from_utf8_lossy(&out.stdout));
}

/// Point 2: `key revoke --cutoff 18446744073709551615` printed "valid up to seq 18446744073709551615",
/// stored -1, and deleted every event of the key. A cut-off past the highest seq SQLite holds is
/// refused where it enters, saying what is allowed; the highest one that fits voids nothing.
#[test]
fn a_revocation_cutoff_past_the_highest_seq_is_refused_at_the_command_line() {
    let desk = scored_meeting();
    let li = desk.file("李明.pub");
    let li = li.to_str().unwrap();
    let before = desk.dump();
    for cutoff in ["18446744073709551615", "9223372036854775808", "-1", "十二"] {
        let arg = format!("--cutoff={cutoff}");
        let out =
            desk.cmd(&["--as", SECRETARIAT, "key", "revoke", li, &arg, "--reason", "笔记本遗失"]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "--cutoff {cutoff} was accepted");
        assert_mentions(&stderr, &["截止序号", "0 到 9223372036854775807", "cut-off", "from 0 to 9223372036854775807"]);
        assert!(desk.dump() == before, "--cutoff {cutoff} changed the store");
    }
    let out =
        desk.ok_as(SECRETARIAT, &["key", "revoke", li, "--cutoff", "9223372036854775807", "--reason", "吊销流程演练"]);
    assert_mentions(&out, &["9223372036854775807"]);
    let queue = desk.ok_as(crate::common::CHAIR, &["queue"]);
    assert_mentions(&queue, &["3/5"]);
    doctor_passes(&desk);
}

/// Point 2: `doctor` saw nothing wrong in a store whose revocation row said -1. A projection
/// that does not follow from the log is now a problem it names.
#[test]
fn doctor_names_a_revocation_row_that_does_not_follow_from_the_log() {
    let desk = scored_meeting();
    let li = desk.file("李明.pub");
    // After his sign-in (#1) and first sheet (#2): the second sheet is void.
    desk.ok_as(SECRETARIAT, &["key", "revoke", li.to_str().unwrap(), "--cutoff", "2", "--reason", "笔记本遗失"]);
    doctor_passes(&desk);
    let conn = rusqlite::Connection::open(desk.home().join("reviewdesk.db")).unwrap();
    conn.execute("UPDATE revocations SET cutoff_seq = -1", []).unwrap();
    drop(conn);
    let out = desk.cmd(&["doctor"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert_mentions(&stdout, &["✗ 投影表", "doctor --repair"]);
    desk.ok(&["doctor", "--repair"]);
    doctor_passes(&desk);

    // A void event marked applied (with the projection to match) is found too: doctor replays
    // the log and compares every event's state, not only the tables.
    let conn = rusqlite::Connection::open(desk.home().join("reviewdesk.db")).unwrap();
    let flipped = conn
        .execute("UPDATE events SET status = 'applied', reason_zh = NULL, reason_en = NULL WHERE status = 'void'", [])
        .unwrap();
    assert_eq!(flipped, 1, "李明's second sheet is void");
    drop(conn);
    let out = desk.cmd(&["doctor"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    desk.ok(&["doctor", "--repair"]);
    doctor_passes(&desk);
}

/// Point 6: revoking a secretariat key failed with "FOREIGN KEY constraint failed" whenever
/// experts had scored applications it registered after the cut-off. It works, by a second trusted
/// secretariat; what hangs off the voided registrations is held with its reason; a key may not
/// revoke itself from before its own revocation.
#[test]
fn a_secretariat_key_can_be_revoked_and_what_hangs_off_it_is_held() {
    let desk = scored_meeting();
    desk.init("数据局", true);
    let sec = desk.file("secretariat.pub");
    desk.ok_as(SECRETARIAT, &["key", "export", "--out", sec.to_str().unwrap()]);
    let sec = sec.to_str().unwrap();

    // The secretariat signed: 1 the meeting, 2 and 3 the registrations. Revoking itself from 2
    // would void this very revocation (seq 4): refused, store unchanged.
    let line = desk.refused(&["--as", SECRETARIAT, "key", "revoke", sec, "--cutoff", "2", "--reason", "密钥泄露"]);
    assert_mentions(&line, &["不能吊销自己", "another trusted secretariat"]);

    // The second secretariat voids GL-2's registration (seq 3): GL-2 leaves the queue and the
    // three sheets on it are held, each with the reason.
    let out = desk.ok_as("数据局", &["key", "revoke", sec, "--cutoff", "2", "--reason", "密钥泄露"]);
    assert_mentions(&out, &["已吊销"]);
    let queue = desk.ok_as(crate::common::CHAIR, &["queue"]);
    assert!(queue.contains("GL-1") && !queue.contains("GL-2"), "{queue}");
    let log: serde_json::Value = serde_json::from_str(&desk.ok(&["log", "--json"])).unwrap();
    let entries = log["entries"].as_array().unwrap();
    let held: Vec<_> =
        entries.iter().filter(|e| e["application"] == "GL-2" && e["kind"] == "score_submitted").collect();
    assert_eq!(held.len(), 3);
    for e in held {
        assert_eq!(e["status"], "quarantined", "{e}");
        assert_mentions(e["reason"]["en"].as_str().unwrap(), &["registration", "GL-2", "not here"]);
    }
    let void = entries.iter().find(|e| e["kind"] == "application_registered" && e["application"] == "GL-2").unwrap();
    assert_eq!(void["status"], "void", "{void}");
    let out = desk.cmd(&["doctor"]).output().unwrap();
    assert!(out.status.success(), "held events are a note, not damage: {}", String::from_utf8_lossy(&out.stdout));
}

/// Point 8: a row that reused a code with a new name and budget replaced a scored application,
/// and its sheets then counted for content they were not given for. Refused unless asked for;
/// then the sheets are kept, not counted, and the queue says so.
#[test]
fn registering_a_scored_application_again_is_refused_unless_asked_and_then_it_is_scored_again() {
    let desk = scored_meeting();
    let changed = desk.write(
        "changed.csv",
        "项目编码,项目名称,建设单位,申报类型,申报总投资（万元）,数据共享章节,监理单位\n\
         GL-1,区智慧城管综合平台（二期）,鼓楼区城市管理局,立项,1200,是,是\n",
    );
    let line = desk.refused(&["--as", SECRETARIAT, "intake", &changed]);
    assert_mentions(&line, &["GL-1", "3 份评分表", "--reregister", "3 score sheet(s)", "Nothing was registered"]);

    desk.ok_as(SECRETARIAT, &["intake", &changed, "--reregister"]);
    let queue = desk.ok_as(crate::common::CHAIR, &["queue"]);
    let gl1 = queue.lines().find(|l| l.starts_with("GL-1")).unwrap();
    assert_mentions(gl1, &["0/5", "3 份须重评"]);
    let mine = desk.ok_as("李明", &["queue"]);
    assert_mentions(mine.lines().find(|l| l.starts_with("GL-1")).unwrap(), &["须重评"]);
    let show = desk.ok_as(crate::common::CHAIR, &["show", "GL-1"]);
    assert_mentions(&show, &["（针对申报或评分表的旧版本，不计入，须重评）"]);
    // Nothing to decide on until someone scores the new version.
    let line = desk.refused(&["--as", crate::common::CHAIR, "decide", "GL-1"]);
    assert_mentions(&line, &["no expert has scored GL-1"]);
    desk.ok_as("李明", &["score", "GL-1", "--points", GOOD_POINTS]);
    let queue = desk.ok_as(crate::common::CHAIR, &["queue"]);
    assert_mentions(queue.lines().find(|l| l.starts_with("GL-1")).unwrap(), &["1/5", "2 份须重评"]);
    doctor_passes(&desk);
}

/// Point 11: a locked store said "database error… run doctor" instead of "busy, try again".
#[test]
fn a_store_locked_by_another_program_says_busy_try_again() {
    let desk = scored_meeting();
    let conn = rusqlite::Connection::open(desk.home().join("reviewdesk.db")).unwrap();
    conn.execute_batch("BEGIN IMMEDIATE").unwrap();
    let mut cmd = desk.cmd(&["--as", "李明", "score", "GL-1", "--points", GOOD_POINTS]);
    cmd.env("REVIEWDESK_BUSY_TIMEOUT_MS", "0");
    let line = crate::common::expect_one_line_failure(cmd, "score while another program writes");
    assert_mentions(&line, &["正被另一个评审台程序使用", "稍候再试", "busy", "Try again"]);
    assert!(!line.contains("doctor"), "{line}");
    conn.execute_batch("ROLLBACK").unwrap();
    drop(conn);
    desk.ok_as("李明", &["score", "GL-1", "--points", GOOD_POINTS]);
}

/// Point 10: text that reaches the terminal can carry no escape sequence, whoever wrote it.
#[test]
fn escape_sequences_in_stored_text_are_printed_escaped() {
    let desk = scored_meeting();
    let roster = desk.file("roster.csv");
    let key = read_pub_key(&desk.file("李明.pub"));
    assert!(!key.is_empty());
    // A re-opening with a title that would clear the screen and fake a line.
    desk.ok_as(
        SECRETARIAT,
        &[
            "meeting",
            "open",
            "--id",
            MEETING,
            "--title",
            "评审会\u{1b}[2J\r伪造的一行",
            "--date",
            "2026-12-08",
            "--roster",
            roster.to_str().unwrap(),
        ],
    );
    for args in [&["meeting", "list"][..], &["queue"][..], &["meeting", "show"][..]] {
        let out = desk.ok_as(crate::common::CHAIR, args);
        assert!(!out.contains('\u{1b}') && !out.contains('\r'), "{args:?} printed raw control characters: {out:?}");
        assert_mentions(&out, &["\\u{1b}[2J\\u{d}伪造的一行"]);
    }
}
