//! The report as one self-contained HTML file for printing: the score summary on a landscape
//! page, then each application's opinion form on a page of its own.

use super::{ApplicationReport, Cell, MeetingReport, TableKind, escape_html as e};
use std::fmt::Write;

const STYLE: &str = r#"
@page { size: A4; margin: 12mm 14mm; }
@page summary { size: A4 landscape; margin: 10mm 12mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", sans-serif; font-size: 9pt; line-height: 1.35; color: #000; margin: 0; }
h1 { font-size: 14pt; margin: 0 0 3mm; }
h2 { font-size: 13pt; text-align: center; margin: 0 0 2mm; }
h3 { font-size: 10pt; margin: 3mm 0 1mm; border-bottom: 0.3mm solid #000; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 0.2mm solid #444; padding: 0.6mm 1.2mm; vertical-align: top; text-align: left; }
th { background: #eee; }
td.num, th.num { text-align: right; white-space: nowrap; }
.summary { page: summary; font-size: 8pt; }
.form { break-before: page; }
.provisional { border: 0.4mm solid #000; padding: 1mm 2mm; margin-bottom: 2mm; font-weight: bold; text-align: center; }
.meta { text-align: center; margin: 0 0 2mm; }
ul, ol { margin: 0; padding-left: 5mm; }
.sign td { height: 9mm; vertical-align: bottom; }
footer { margin-top: 3mm; font-size: 7pt; color: #333; }
footer .fp { white-space: nowrap; }
@media screen { body { max-width: 210mm; margin: 0 auto; padding: 8mm; } .summary { max-width: none; } .form { border-top: 1mm dashed #999; margin-top: 8mm; padding-top: 4mm; } }
"#;

pub fn document(r: &MeetingReport) -> String {
    let mut out = String::new();
    let lang = r.l("zh-CN", "en");
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        e(&r.heading())
    );
    summary(r, &mut out);
    for a in &r.applications {
        form(r, a, &mut out);
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn provisional(r: &MeetingReport, out: &mut String) {
    if r.provisional {
        let _ = writeln!(out, "<div class=\"provisional\">{}</div>", e(&r.provisional_note()));
    }
}

fn summary(r: &MeetingReport, out: &mut String) {
    out.push_str("<section class=\"summary\">\n");
    provisional(r, out);
    let _ = writeln!(out, "<h1>{}</h1>", e(&r.heading()));
    let t = r.table(TableKind::Summary);
    out.push_str("<table>\n<tr>");
    for h in &t.headers {
        let _ = write!(out, "<th>{}</th>", e(h));
    }
    out.push_str("</tr>\n");
    for row in &t.rows {
        out.push_str("<tr>");
        for c in row {
            let class = if matches!(c, Cell::Wan(_) | Cell::Score(_) | Cell::Count(_)) { " class=\"num\"" } else { "" };
            let _ = write!(out, "<td{class}>{}</td>", e(&c.text()));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
    let _ = writeln!(
        out,
        "<p>{}</p>",
        e(r.l(
            "汇总分：五名及以上专家评分时去掉一个最高分和一个最低分后取算术平均，否则取算术平均。金额单位：万元。",
            "Aggregate: with five or more experts, the mean after dropping one highest and one lowest total; otherwise the plain mean. Amounts in 10,000 yuan (万元)."
        ))
    );
    out.push_str("</section>\n");
}

fn form(r: &MeetingReport, a: &ApplicationReport, out: &mut String) {
    let app = &a.view.application;
    out.push_str("<section class=\"form\">\n");
    provisional(r, out);
    let _ = writeln!(out, "<h2>{}</h2>", e(r.l("专家评审意见表", "Expert panel opinion form")));
    let _ = writeln!(out, "<p class=\"meta\">{} · {} · {}</p>", e(&r.title), e(&r.date), e(&app.code));
    facts(r, a, out);
    let _ = writeln!(out, "<h3>{}</h3>", e(r.l("规则检查", "Rule findings")));
    if a.view.findings.is_empty() {
        let _ = writeln!(out, "<p>{}</p>", e(r.l("未发现问题", "None")));
    } else {
        out.push_str("<ul>\n");
        for f in &a.view.findings {
            let _ = writeln!(
                out,
                "<li>[{}] {}（{}）</li>",
                e(r.severity(f.severity)),
                e(f.message.get(r.lang)),
                e(&f.article)
            );
        }
        out.push_str("</ul>\n");
    }
    scores(r, a, out);
    conclusion(r, a, out);
    signatures(r, out);
    footer(r, a, out);
    out.push_str("</section>\n");
}

fn facts(r: &MeetingReport, a: &ApplicationReport, out: &mut String) {
    let app = &a.view.application;
    let money = |m: Option<crate::domain::Money>| m.map(|m| format!("{} {}", m.wan(), r.l("万元", "(10k yuan)")));
    let mut rows: Vec<(&str, String)> = vec![
        (r.l("项目名称", "Name"), app.name.clone()),
        (r.l("建设单位", "Unit"), format!("{}（{}）", app.unit, app.department)),
        (r.l("申报类型", "Kind"), r.kind_label(a)),
    ];
    if let Some(m) = money(app.approved_total) {
        rows.push((r.l("批复总投资", "Approved total"), m));
    }
    if let Some(m) = money(app.requested_total) {
        let change = app
            .approved_total
            .and_then(|base| app.requested_total?.change_basis_points(base))
            .map(|bp| {
                format!("（{} {}）", r.l("变动", "change"), crate::domain::policy::BasisPoints(bp).signed_percent())
            })
            .unwrap_or_default();
        rows.push((r.l("申报总投资", "Requested total"), format!("{m}{change}")));
    }
    if let (Some(s), Some(end)) = (app.trial_start, app.trial_end) {
        let (m, d) = crate::domain::policy::months_and_days(s, end);
        rows.push((
            r.l("试运行", "Trial operation"),
            format!("{s} — {end}（{m} {} {d} {}）", r.l("个月", "months"), r.l("天", "days")),
        ));
    }
    if let Some(d) = app.acceptance_applied {
        rows.push((r.l("验收申请日期", "Acceptance applied for"), d.to_string()));
    }
    if let Some(line) = crate::domain::maintenance::facts_line(app) {
        rows.push((r.l("运维情况", "O&M facts"), line.get(r.lang).to_string()));
    }
    out.push_str("<table class=\"facts\">\n");
    for (k, v) in rows {
        let _ = writeln!(out, "<tr><th style=\"width:22%\">{}</th><td>{}</td></tr>", e(k), e(&v));
    }
    out.push_str("</table>\n");
}

fn scores(r: &MeetingReport, a: &ApplicationReport, out: &mut String) {
    let _ = writeln!(out, "<h3>{}</h3>", e(r.l("专家评分", "Expert scores")));
    out.push_str("<table>\n<tr>");
    let _ = write!(out, "<th>{}</th><th class=\"num\">{}</th>", e(r.l("评分指标", "Criterion")), e(r.l("满分", "Max")));
    for x in &r.experts {
        let _ = write!(out, "<th class=\"num\">{}</th>", e(&x.name));
    }
    out.push_str("</tr>\n");
    if let Some(rubric) = &a.rubric {
        for c in &rubric.criteria {
            let _ = write!(out, "<tr><td>{}</td><td class=\"num\">{}</td>", e(r.l(&c.title_zh, &c.title_en)), c.max);
            for x in &r.experts {
                let _ = write!(out, "<td class=\"num\">{}</td>", e(&r.points(a, &x.key, &c.id)));
            }
            out.push_str("</tr>\n");
        }
    }
    let _ = write!(out, "<tr><th>{}</th><th class=\"num\">100</th>", e(r.l("总分", "Total")));
    for x in &r.experts {
        let _ = write!(out, "<th class=\"num\">{}</th>", e(&r.total(a, &x.key)));
    }
    out.push_str("</tr>\n</table>\n");
    let opinions: Vec<(String, String)> = r
        .experts
        .iter()
        .filter_map(|x| {
            let line = a.view.experts.iter().find(|l| l.key == x.key)?;
            let sheet = line.sheet.as_ref()?;
            let mut text = r.opinion_of(sheet);
            for v in &sheet.vetoes {
                text.push_str(&format!("【{}】{}", r.l("否决", "veto"), v.reason));
            }
            Some((x.name.clone(), text))
        })
        .collect();
    if !opinions.is_empty() {
        let _ = writeln!(out, "<h3>{}</h3>\n<ul>", e(r.l("专家意见", "Expert opinions")));
        for (name, text) in opinions {
            let _ = writeln!(out, "<li><b>{}</b>：{}</li>", e(&name), e(&text));
        }
        out.push_str("</ul>\n");
    }
}

fn conclusion(r: &MeetingReport, a: &ApplicationReport, out: &mut String) {
    let _ = writeln!(out, "<h3>{}</h3>", e(r.l("专家组结论", "Panel conclusion")));
    let agg = a
        .view
        .aggregate
        .as_ref()
        .map(|g| format!("{}（{}）", g.value, r.method_label(a)))
        .unwrap_or_else(|| "—".into());
    out.push_str("<table>\n");
    let row = |out: &mut String, k: &str, v: &str| {
        let _ = writeln!(out, "<tr><th style=\"width:22%\">{}</th><td>{}</td></tr>", e(k), e(v));
    };
    row(out, r.l("汇总分", "Aggregate"), &agg);
    row(out, r.l("否决票", "Vetoes"), &r.vetoes(a).to_string());
    row(out, r.l("结论", "Outcome"), &r.outcome_label(a));
    if let Some(d) = &a.view.decision {
        let d = &d.decision;
        if let Some(c) = d.plan_class {
            row(out, r.l("计划类别", "Class"), &c.to_string());
        }
        if let Some(x) = d.rectification_deadline {
            row(out, r.l("整改期限", "Rectification deadline"), &x.to_string());
        }
        if !d.conditions.is_empty() {
            row(out, r.l("附加条件", "Conditions"), &d.conditions);
        }
        if !d.opinion.is_empty() {
            row(out, r.l("专家组意见", "Panel opinion"), &d.opinion);
        }
        if let Some(reason) = &d.override_reason {
            let suggested = r.l(d.suggested.zh(), d.suggested.en());
            row(
                out,
                r.l("不采纳建议结论的理由", "Why not the suggested outcome"),
                &format!("{reason}（{}：{suggested}）", r.l("建议结论", "suggested")),
            );
        }
    }
    let lines = r.proceedings_lines(a);
    if !lines.is_empty() {
        let text: Vec<String> = lines.iter().map(|l| e(l)).collect();
        let _ = writeln!(
            out,
            "<tr><th style=\"width:22%\">{}</th><td>{}</td></tr>",
            e(r.l("会议程序", "Proceedings")),
            text.join("<br>")
        );
    }
    out.push_str("</table>\n");
}

fn signatures(r: &MeetingReport, out: &mut String) {
    let _ = writeln!(out, "<h3>{}</h3>\n<table class=\"sign\">", e(r.l("签字", "Signatures")));
    for pair in r.signers().chunks(2) {
        out.push_str("<tr>");
        for (role, x) in pair {
            let _ = write!(
                out,
                "<td style=\"width:50%\">{}：{}　　{}：　　　　　　　　{}：</td>",
                e(role),
                e(&x.name),
                e(r.l("签字", "Signature")),
                e(r.l("日期", "Date"))
            );
        }
        if pair.len() == 1 {
            out.push_str("<td></td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}

fn footer(r: &MeetingReport, a: &ApplicationReport, out: &mut String) {
    let decision = match &a.view.decision {
        Some(d) => format!(
            "{}：<span class=\"fp\">{} {}</span>",
            e(r.l("结论事件", "Decision event")),
            d.suite.digest_name(),
            e(&d.event_id)
        ),
        None => e(r.l("尚无结论事件", "No decision event yet")),
    };
    // Each name and fingerprint stays on one line on paper, so it can be read off and compared.
    let fingerprints: Vec<String> = r
        .signers()
        .iter()
        .map(|(_, x)| format!("<span class=\"fp\">{} {}</span>", e(&x.name), e(&x.fingerprint)))
        .collect();
    let _ = writeln!(
        out,
        "<footer>{}：{}<br>{}<br>{}</footer>",
        e(r.l("签名密钥指纹", "Signing key fingerprints")),
        fingerprints.join("；"),
        decision,
        e(r.l(
            "核对方法：reviewdesk show 申报编码，或 reviewdesk log，比对上述指纹与哈希。",
            "To check this paper: reviewdesk show CODE, or reviewdesk log, and compare the fingerprints and the hash."
        ))
    );
}
