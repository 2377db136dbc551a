//! The report in Markdown: the same content as the HTML, for reading and for pasting.

use super::{ApplicationReport, MeetingReport, TableKind};
use std::fmt::Write;

/// Cell text that cannot break a pipe table nor turn into HTML.
fn cell(text: &str) -> String {
    md(text).replace('|', "\\|")
}

/// Text as Markdown shows it: applicants' text must not turn into HTML, links or emphasis, nor
/// break the line it is on.
pub(super) fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn row(cells: impl IntoIterator<Item = String>) -> String {
    format!("| {} |", cells.into_iter().map(|c| cell(&c)).collect::<Vec<_>>().join(" | "))
}

fn rule(n: usize) -> String {
    format!("|{}", "---|".repeat(n))
}

pub fn document(r: &MeetingReport) -> String {
    let mut out = String::new();
    provisional(r, &mut out);
    let _ = writeln!(out, "# {}\n", md(&r.heading()));
    let t = r.table(TableKind::Summary);
    let _ = writeln!(out, "{}\n{}", row(t.headers.clone()), rule(t.headers.len()));
    for cells in &t.rows {
        let _ = writeln!(out, "{}", row(cells.iter().map(|c| c.text())));
    }
    for a in &r.applications {
        form(r, a, &mut out);
    }
    out
}

fn provisional(r: &MeetingReport, out: &mut String) {
    if r.provisional {
        let _ = writeln!(out, "> **{}**\n", md(&r.provisional_note()));
    }
}

fn form(r: &MeetingReport, a: &ApplicationReport, out: &mut String) {
    let app = &a.view.application;
    out.push_str("\n---\n\n");
    provisional(r, out);
    let _ = writeln!(
        out,
        "## {}：{} {}\n",
        r.l("专家评审意见表", "Expert panel opinion form"),
        md(&app.code),
        md(&app.name)
    );
    let _ = writeln!(out, "{} · {} · {}（{}）\n", md(&r.title), r.date, md(&app.unit), md(&r.kind_label(a)));
    if let Some(m) = app.approved_total {
        let _ = writeln!(out, "- {}：{} {}", r.l("批复总投资", "Approved total"), m.wan(), r.l("万元", "(10k yuan)"));
    }
    if let Some(m) = app.requested_total {
        let _ = writeln!(out, "- {}：{} {}", r.l("申报总投资", "Requested total"), m.wan(), r.l("万元", "(10k yuan)"));
    }
    if let (Some(s), Some(e)) = (app.trial_start, app.trial_end) {
        let (m, d) = crate::domain::policy::months_and_days(s, e);
        let _ = writeln!(
            out,
            "- {}：{s} — {e}（{m} {} {d} {}）",
            r.l("试运行", "Trial operation"),
            r.l("个月", "months"),
            r.l("天", "days")
        );
    }
    if let Some(line) = crate::domain::maintenance::facts_line(app) {
        let _ = writeln!(out, "- {}", md(line.get(r.lang)));
    }
    let _ = writeln!(out, "\n### {}\n", r.l("规则检查", "Rule findings"));
    if a.view.findings.is_empty() {
        let _ = writeln!(out, "{}", r.l("未发现问题", "None"));
    }
    for f in &a.view.findings {
        let _ = writeln!(out, "- [{}] {}（{}）", r.severity(f.severity), md(f.message.get(r.lang)), md(&f.article));
    }
    let _ = writeln!(out, "\n### {}\n", r.l("专家评分", "Expert scores"));
    let mut headers = vec![r.l("评分指标", "Criterion").to_string(), r.l("满分", "Max").to_string()];
    headers.extend(r.experts.iter().map(|x| x.name.clone()));
    let _ = writeln!(out, "{}\n{}", row(headers.clone()), rule(headers.len()));
    if let Some(rubric) = &a.rubric {
        for c in &rubric.criteria {
            let mut cells = vec![r.l(&c.title_zh, &c.title_en).to_string(), c.max.to_string()];
            cells.extend(r.experts.iter().map(|x| r.points(a, &x.key, &c.id)));
            let _ = writeln!(out, "{}", row(cells));
        }
    }
    let mut totals = vec![r.l("总分", "Total").to_string(), "100".to_string()];
    totals.extend(r.experts.iter().map(|x| r.total(a, &x.key)));
    let _ = writeln!(out, "{}", row(totals));
    let _ = writeln!(out, "\n### {}\n", r.l("专家意见", "Expert opinions"));
    for x in &r.experts {
        if let Some(sheet) = a.view.experts.iter().find(|l| l.key == x.key).and_then(|l| l.sheet.as_ref()) {
            let vetoes: String =
                sheet.vetoes.iter().map(|v| format!("【{}】{}", r.l("否决", "veto"), md(&v.reason))).collect();
            let _ = writeln!(out, "- **{}**：{}{vetoes}", md(&x.name), md(&r.opinion_of(sheet)));
        }
    }
    let _ = writeln!(out, "\n### {}\n", r.l("专家组结论", "Panel conclusion"));
    if let Some(g) = &a.view.aggregate {
        let _ = writeln!(out, "- {}：{}（{}）", r.l("汇总分", "Aggregate"), g.value, r.method_label(a));
    }
    let _ = writeln!(out, "- {}：{}", r.l("否决票", "Vetoes"), r.vetoes(a));
    let _ = writeln!(out, "- {}：{}", r.l("结论", "Outcome"), r.outcome_label(a));
    if let Some(d) = &a.view.decision {
        let d = &d.decision;
        if let Some(c) = d.plan_class {
            let _ = writeln!(out, "- {}：{c}", r.l("计划类别", "Class"));
        }
        if let Some(x) = d.rectification_deadline {
            let _ = writeln!(out, "- {}：{x}", r.l("整改期限", "Rectification deadline"));
        }
        for (label, text) in
            [(r.l("附加条件", "Conditions"), &d.conditions), (r.l("专家组意见", "Panel opinion"), &d.opinion)]
        {
            if !text.is_empty() {
                let _ = writeln!(out, "- {label}：{}", md(text));
            }
        }
        if let Some(reason) = &d.override_reason {
            // As the printed form has it: the suggestion the panel did not follow, and why.
            let suggested = r.l(d.suggested.zh(), d.suggested.en());
            let _ = writeln!(out, "- {}：{suggested}", r.l("建议结论（未采纳）", "Suggested outcome (not followed)"));
            let _ = writeln!(out, "- {}：{}", r.l("不采纳建议结论的理由", "Why not the suggested outcome"), md(reason));
        }
    }
    let lines = r.proceedings_lines(a);
    if !lines.is_empty() {
        let _ = writeln!(out, "- {}：", r.l("会议程序", "Proceedings"));
        for l in lines {
            let _ = writeln!(out, "  - {}", md(&l));
        }
    }
    let _ = writeln!(out, "\n### {}\n", r.l("签字", "Signatures"));
    for (role, x) in r.signers() {
        let _ = writeln!(
            out,
            "- {role}：{}　{}：________　{}：________",
            md(&x.name),
            r.l("签字", "Signature"),
            r.l("日期", "Date")
        );
    }
    let _ =
        writeln!(out, "\n<small>{}：{}<br>", r.l("签名密钥指纹", "Signing key fingerprints"), md(&r.fingerprints()));
    match &a.view.decision {
        Some(d) => {
            let _ = writeln!(
                out,
                "{}：{} {}</small>",
                r.l("结论事件", "Decision event"),
                d.suite.digest_name(),
                d.event_id
            );
        }
        None => {
            let _ = writeln!(out, "{}</small>", r.l("尚无结论事件", "No decision event yet"));
        }
    }
}
