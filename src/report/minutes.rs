//! The minutes of a meeting (评审纪要): the panel, who signed in, what happened on each
//! application, and the close, in Markdown or as one HTML page.
//!
//! Both formats are written from the same blocks, so that they say the same things.

use super::markdown::md;
use super::{ApplicationReport, MeetingReport, Signer, escape_html as e};
use crate::domain::Lang;
use crate::domain::local_time::meeting_time;
use crate::store::proceedings::CloseRecord;
use std::fmt::Write;

/// One piece of the minutes, before it is written in a format.
enum Block {
    Notice(String),
    Title(String),
    Section(String),
    Application(String),
    Para(String),
    /// A list item at a depth (0 at the top).
    Item(usize, String),
    /// Text kept line by line: the pledge.
    Quote(String),
}

/// The Chinese or the English of a line built with arguments.
fn pick(r: &MeetingReport, zh: String, en: String) -> String {
    match r.lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// "label：value" in Chinese, "label: value" in English.
fn pair(r: &MeetingReport, label: &str, value: &str) -> String {
    pick(r, format!("{label}：{value}"), format!("{label}: {value}"))
}

/// The panel's or the secretariat's name for a key; the key itself when it is not theirs.
fn name(r: &MeetingReport, key: &str) -> String {
    r.names.get(key).cloned().unwrap_or_else(|| key.to_string())
}

fn title(r: &MeetingReport) -> String {
    pick(r, format!("评审纪要：{}", r.title), format!("Minutes: {}", r.title))
}

fn blocks(r: &MeetingReport) -> Vec<Block> {
    let mut b = Vec::new();
    panel(r, &mut b);
    sign_ins(r, &mut b);
    agenda(r, &mut b);
    b.push(Block::Section(r.l("评审情况", "Applications").into()));
    if r.applications.is_empty() {
        b.push(Block::Para(r.l("本次会议无申报项目", "The meeting has no applications").into()));
    }
    for a in &r.applications {
        application(r, a, &mut b);
    }
    closes(r, &mut b);
    b
}

fn panel(r: &MeetingReport, b: &mut Vec<Block>) {
    if r.provisional {
        b.push(Block::Notice(r.provisional_note()));
    }
    b.push(Block::Title(title(r)));
    b.push(Block::Item(0, pair(r, r.l("会议编号", "Meeting"), &r.id)));
    b.push(Block::Item(0, pair(r, r.l("会议名称", "Title"), &r.title)));
    b.push(Block::Item(0, pair(r, r.l("日期", "Date"), &r.date)));
    b.push(Block::Section(r.l("专家组", "Panel").into()));
    for (role, x) in r.signers() {
        let fingerprint = pair(r, r.l("密钥指纹", "key fingerprint"), &x.fingerprint);
        b.push(Block::Item(
            0,
            pick(r, format!("{role} {}（{fingerprint}）", x.name), format!("{role} {} ({fingerprint})", x.name)),
        ));
    }
}

/// Whether a panel member signed in, under the key that holds the seat or an earlier one.
fn signed_in(r: &MeetingReport, x: &Signer) -> bool {
    r.proceedings.sign_ins.iter().any(|s| s.key == x.key || r.names.get(&s.key) == Some(&x.name))
}

fn sign_ins(r: &MeetingReport, b: &mut Vec<Block>) {
    let p = &r.proceedings;
    b.push(Block::Section(r.l("签到", "Sign-in").into()));
    for s in &p.sign_ins {
        let (who, at) = (name(r, &s.key), meeting_time(&s.time));
        b.push(Block::Item(0, pick(r, format!("{who}　{at} 签到"), format!("{who} signed in at {at}"))));
    }
    let absent: Vec<String> =
        r.signers().into_iter().filter(|(_, x)| !signed_in(r, x)).map(|(_, x)| x.name.clone()).collect();
    b.push(Block::Para(match (p.sign_ins.is_empty(), absent.is_empty()) {
        (_, true) => r.l("专家组成员均已签到。", "Every member of the panel signed in.").into(),
        (true, false) => r.l("无人签到。", "Nobody signed in.").into(),
        (false, false) => {
            pick(r, format!("未签到：{}。", absent.join("、")), format!("Not signed in: {}.", absent.join(", ")))
        }
    }));
    let Some(first) = p.sign_ins.first() else { return };
    b.push(Block::Para(r.l("签到时签署的承诺书：", "The pledge signed at sign-in:").into()));
    b.push(Block::Quote(first.pledge.clone()));
    // Printed once as everyone's text, so say so if anyone signed another.
    let other: Vec<String> = p.sign_ins.iter().filter(|s| s.pledge != first.pledge).map(|s| name(r, &s.key)).collect();
    if !other.is_empty() {
        b.push(Block::Para(pick(
            r,
            format!("注意：{} 签署的承诺书文本与上文不同。", other.join("、")),
            format!("Note: {} signed a pledge that differs from the text above.", other.join(", ")),
        )));
    }
}

/// The order the items were taken in (当前议题, as the chair or the secretariat set them).
fn agenda(r: &MeetingReport, b: &mut Vec<Block>) {
    b.push(Block::Section(r.l("议程", "Order of business").into()));
    let items = &r.proceedings.agenda;
    if items.is_empty() {
        b.push(Block::Para(r.l("未记录议题顺序。", "No order of business was recorded.").into()));
    }
    for (i, item) in items.iter().enumerate() {
        let name = r
            .applications
            .iter()
            .find(|a| a.view.application.code == item.code)
            .map(|a| a.view.application.name.clone())
            .unwrap_or_default();
        let (at, by) = (meeting_time(&item.time), self::name(r, &item.by));
        b.push(Block::Item(
            0,
            pick(
                r,
                format!("{}. {at}  {} {name}（{by}）", i + 1, item.code),
                format!("{}. {at}  {} {name} ({by})", i + 1, item.code),
            ),
        ));
    }
}

fn application(r: &MeetingReport, a: &ApplicationReport, b: &mut Vec<Block>) {
    let app = &a.view.application;
    b.push(Block::Application(format!("{} {}", app.code, app.name)));
    review(r, a, b);
    b.push(Block::Item(0, pair(r, r.l("结论", "Outcome"), &r.outcome_label(a))));
    // The lines the opinion forms print, kept nested as `lines` indents them.
    for t in a.view.proceedings_lines() {
        let line = t.get(r.lang);
        b.push(Block::Item(usize::from(line.starts_with(' ')), line.trim().to_string()));
    }
}

/// 复核: the sheets review flags, and the revisions made after it with their reasons.
fn review(r: &MeetingReport, a: &ApplicationReport, b: &mut Vec<Block>) {
    let before = b.len();
    for x in &a.view.experts {
        if let Some(why) = &x.review {
            let why = why.get(r.lang);
            b.push(Block::Item(
                0,
                pick(r, format!("{} 复核提示：{why}", x.name), format!("{} flagged for review: {why}", x.name)),
            ));
        }
        if let Some(s) = x.sheet.as_ref().filter(|s| !s.revision_reason.is_empty()) {
            let reason = &s.revision_reason;
            b.push(Block::Item(
                0,
                pick(
                    r,
                    format!("{} 复核后修改：{reason}", x.name),
                    format!("{} revised after review: {reason}", x.name),
                ),
            ));
        }
    }
    if b.len() == before {
        b.push(Block::Item(0, pair(r, r.l("复核", "Review"), r.l("无", "nothing flagged"))));
    }
}

fn closes(r: &MeetingReport, b: &mut Vec<Block>) {
    let p = &r.proceedings;
    b.push(Block::Section(r.l("会议封存", "Close").into()));
    for c in &p.closes {
        close(r, c, b);
    }
    if p.standing_close().is_none() {
        b.push(Block::Para(r.l("本次会议未封存。", "The meeting is not closed.").into()));
    }
}

fn close(r: &MeetingReport, c: &CloseRecord, b: &mut Vec<Block>) {
    let (by, at, event) = (name(r, &c.by), meeting_time(&c.time), &c.event);
    b.push(Block::Item(
        0,
        pick(
            r,
            format!("{by} 于 {at} 封存会议（事件 {event}）"),
            format!("{by} closed the meeting at {at} (event {event})"),
        ),
    ));
    let (heads, decisions) = (c.heads.len(), c.decisions.len());
    b.push(Block::Item(1, pick(r, format!("固定 {heads} 个链头："), format!("pins {heads} chain heads:"))));
    for h in &c.heads {
        let (who, seq, event) = (name(r, &h.key), h.seq, &h.event);
        b.push(Block::Item(
            2,
            pick(r, format!("{who}：序号 {seq}，事件 {event}"), format!("{who}: seq {seq}, event {event}")),
        ));
    }
    b.push(Block::Item(1, pick(r, format!("固定 {decisions} 项结论："), format!("pins {decisions} decisions:"))));
    for d in &c.decisions {
        let label = pick(r, format!("{} 结论事件", d.code), format!("{} decision event", d.code));
        b.push(Block::Item(2, pair(r, &label, &d.decision)));
    }
    b.push(Block::Item(
        1,
        match &c.reopened {
            Some(o) => {
                let (who, at, reason) = (name(r, &o.by), meeting_time(&o.time), &o.reason);
                pick(
                    r,
                    format!("已由 {who} 于 {at} 重新开启，理由：{reason}"),
                    format!("re-opened by {who} at {at}: {reason}"),
                )
            }
            None => r.l("未重新开启", "not re-opened").into(),
        },
    ));
}

pub fn markdown(r: &MeetingReport) -> String {
    let mut out = String::new();
    let mut in_list = false;
    for block in blocks(r) {
        let item = matches!(block, Block::Item(..));
        if in_list && !item {
            out.push('\n');
        }
        in_list = item;
        let _ = match block {
            Block::Notice(t) => writeln!(out, "> **{}**\n", md(&t)),
            Block::Title(t) => writeln!(out, "# {}\n", md(&t)),
            Block::Section(t) => writeln!(out, "## {}\n", md(&t)),
            Block::Application(t) => writeln!(out, "### {}\n", md(&t)),
            Block::Para(t) => writeln!(out, "{}\n", md(&t)),
            Block::Item(depth, t) => writeln!(out, "{}- {}", "  ".repeat(depth), md(&t)),
            Block::Quote(t) => writeln!(out, "{}\n", quote(&t)),
        };
    }
    out
}

/// A Markdown block quote, a blank line in the text kept as a bare `>`.
fn quote(text: &str) -> String {
    text.lines()
        .map(|l| if l.trim().is_empty() { ">".to_string() } else { format!("> {}", md(l)) })
        .collect::<Vec<_>>()
        .join("\n")
}

const STYLE: &str = r#"
@page { size: A4; margin: 15mm 16mm; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", sans-serif; font-size: 10pt; line-height: 1.45; color: #000; margin: 0; }
h1 { font-size: 15pt; text-align: center; margin: 0 0 3mm; }
h2 { font-size: 12pt; margin: 5mm 0 1.5mm; border-bottom: 0.3mm solid #000; }
h3 { font-size: 10.5pt; margin: 3mm 0 1mm; }
ul { margin: 0 0 1.5mm; padding-left: 5mm; }
li.d1 { margin-left: 5mm; }
li.d2 { margin-left: 10mm; word-break: break-all; }
p { margin: 1mm 0 1.5mm; }
blockquote { margin: 1mm 0 2mm 3mm; padding-left: 3mm; border-left: 0.6mm solid #999; font-size: 9pt; }
.provisional { border: 0.4mm solid #000; padding: 1mm 2mm; margin-bottom: 2mm; font-weight: bold; text-align: center; }
@media screen { body { max-width: 210mm; margin: 0 auto; padding: 8mm; } }
"#;

pub fn html(r: &MeetingReport) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        r.l("zh-CN", "en"),
        e(&title(r))
    );
    let mut in_list = false;
    for block in blocks(r) {
        let item = matches!(block, Block::Item(..));
        match (in_list, item) {
            (false, true) => out.push_str("<ul>\n"),
            (true, false) => out.push_str("</ul>\n"),
            _ => {}
        }
        in_list = item;
        let _ = match block {
            Block::Notice(t) => writeln!(out, "<div class=\"provisional\">{}</div>", e(&t)),
            Block::Title(t) => writeln!(out, "<h1>{}</h1>", e(&t)),
            Block::Section(t) => writeln!(out, "<h2>{}</h2>", e(&t)),
            Block::Application(t) => writeln!(out, "<h3>{}</h3>", e(&t)),
            Block::Para(t) => writeln!(out, "<p>{}</p>", e(&t)),
            Block::Item(depth, t) => writeln!(out, "<li class=\"d{depth}\">{}</li>", e(&t)),
            Block::Quote(t) => {
                writeln!(out, "<blockquote>{}</blockquote>", t.lines().map(e).collect::<Vec<_>>().join("<br>\n"))
            }
        };
    }
    if in_list {
        out.push_str("</ul>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}
