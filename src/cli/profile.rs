//! `profile`: the policy profiles (rules are data): list the built-in ones, show one rule by
//! rule with the sentence each comes from, and check a profile file before a meeting uses it.

use super::{Ctx, output};
use crate::assets;
use crate::domain::policy::Profile;
use anyhow::{Result, bail};
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, clap::Subcommand)]
pub enum Cmd {
    /// List the built-in profiles
    List,
    /// Show a profile's rules, each with its article and quoted sentence, and the rules it leaves out
    Show {
        /// A built-in id (gulou-2021, luohu-2020, suqian-2024, anhui-2023, urumqi-2022) or a .toml file
        profile: String,
    },
    /// Check a profile file and report every problem with what to do
    Check {
        /// The profile .toml file
        file: PathBuf,
    },
}

#[derive(Serialize)]
struct RuleView {
    kind: &'static str,
    name_zh: &'static str,
    name_en: &'static str,
    enabled: bool,
    not_stated: bool,
    summary_zh: String,
    summary_en: String,
    article: String,
    quote: String,
}

#[derive(Serialize)]
struct UnsetView {
    kind: &'static str,
    name_zh: &'static str,
    name_en: &'static str,
}

#[derive(Serialize)]
struct ProfileView {
    id: String,
    title_zh: String,
    title_en: String,
    source: String,
    rules: Vec<RuleView>,
    /// The kinds the profile leaves out: not set by its text.
    not_set: Vec<UnsetView>,
    calendar: Option<String>,
}

fn view(p: &Profile) -> ProfileView {
    ProfileView {
        id: p.id.clone(),
        title_zh: p.title_zh.clone(),
        title_en: p.title_en.clone(),
        source: p.source.clone(),
        rules: p
            .rules
            .iter()
            .map(|r| {
                let cite = r.cite();
                let (summary_zh, summary_en) = r.summary();
                RuleView {
                    kind: r.kind().id(),
                    name_zh: r.kind().zh(),
                    name_en: r.kind().en(),
                    enabled: cite.enabled,
                    not_stated: cite.not_stated,
                    summary_zh,
                    summary_en,
                    article: cite.article.to_string(),
                    quote: cite.quote.to_string(),
                }
            })
            .collect(),
        not_set: p
            .rules
            .unset()
            .into_iter()
            .map(|k| UnsetView { kind: k.id(), name_zh: k.zh(), name_en: k.en() })
            .collect(),
        calendar: p.calendar.as_ref().map(|c| c.id.clone()),
    }
}

pub fn run(ctx: &Ctx, cmd: Cmd) -> Result<()> {
    match cmd {
        Cmd::List => {
            let profiles = assets::profile_ids().map(assets::profile).collect::<Result<Vec<_>, _>>()?;
            if ctx.json {
                return output::json(&profiles.iter().map(view).collect::<Vec<_>>());
            }
            let mut t = output::Table::new(&[
                (ctx.t("编号", "id"), false, 14),
                (ctx.t("名称", "title"), false, 60),
                (ctx.t("规则数", "rules"), true, 6),
            ]);
            for p in &profiles {
                let title = if ctx.lang == crate::domain::Lang::En { &p.title_en } else { &p.title_zh };
                t.row(vec![p.id.clone(), title.clone(), p.rules.iter().count().to_string()]);
            }
            t.print();
            Ok(())
        }
        Cmd::Show { profile } => {
            let p = assets::profile(&profile)?;
            if ctx.json {
                return output::json(&view(&p));
            }
            print_profile(ctx, &p);
            Ok(())
        }
        Cmd::Check { file } => match assets::check_profile(&file) {
            Ok(p) => {
                if ctx.json {
                    return output::json(&serde_json::json!({ "ok": true, "profile": view(&p), "problems": [] }));
                }
                say!(
                    "{}：{}（{}），{} {}，{} {}",
                    ctx.t("档案无误", "profile is sound"),
                    file.display(),
                    p.id,
                    p.rules.iter().count(),
                    ctx.t("条规则", "rules"),
                    p.rules.unset().len(),
                    ctx.t("类本文件未规定", "kinds not set by this text")
                );
                Ok(())
            }
            Err(problems) => {
                if ctx.json {
                    output::json(&serde_json::json!({ "ok": false, "problems": problems }))?;
                } else {
                    for p in &problems {
                        say_err!("  {p}");
                    }
                }
                bail!(
                    "{} 有 {} 处问题，未被采用 / {} has {} problems and was not accepted",
                    file.display(),
                    problems.len(),
                    file.display(),
                    problems.len()
                )
            }
        },
    }
}

/// A profile rule by rule: what each sets, its article and its sentence; then the kinds it leaves out.
pub fn print_profile(ctx: &Ctx, p: &Profile) {
    let en = ctx.lang == crate::domain::Lang::En;
    say!("{}（{}）", if en { &p.title_en } else { &p.title_zh }, p.id);
    if !p.source.is_empty() {
        say!("{}：{}", ctx.t("来源", "Source"), p.source);
    }
    say!();
    for r in p.rules.iter() {
        let cite = r.cite();
        let (zh, en_text) = r.summary();
        let off = if cite.enabled { "" } else { ctx.t("【已停用】", "[switched off] ") };
        say!(
            "{off}{} {}：{}",
            r.kind().id(),
            if en { r.kind().en() } else { r.kind().zh() },
            if en { en_text } else { zh }
        );
        say!("    {}", cite.article);
        if !cite.quote.is_empty() {
            say!("    “{}”", cite.quote);
        }
    }
    let unset = p.rules.unset();
    if !unset.is_empty() {
        say!();
        say!("{}:", ctx.t("本文件未规定 / not set by this text", "not set by this text / 本文件未规定"));
        for k in unset {
            say!("    {} {}", k.id(), if en { k.en() } else { k.zh() });
        }
    }
    if let Some(c) = &p.calendar {
        say!();
        say!("{}：{}（{}，{} – {}）", ctx.t("工作日历", "Working-day calendar"), c.id, c.source, c.from, c.to);
    }
    say!();
    say!("{}：{}", ctx.t("汇总方法", "Aggregation"), p.aggregation.article);
    if let Some(q) = p.aggregation.quorum {
        say!(
            "{}：{}",
            ctx.t("法定人数", "Quorum"),
            match ctx.lang {
                crate::domain::Lang::Zh => format!("有效评分表不少于 {q} 份；回避后不足时由秘书处增补专家"),
                crate::domain::Lang::En =>
                    format!("at least {q} valid sheets; below it, the secretariat seats a substitute"),
            }
        );
    }
    say!("{}：{}", ctx.t("立项结论门槛", "Approval thresholds"), p.outcomes.approval.article);
    say!("{}：{}", ctx.t("变更结论门槛", "Change threshold"), p.outcomes.change.article);
    say!("{}：{}", ctx.t("验收结论门槛", "Acceptance thresholds"), p.outcomes.acceptance.article);
    say!("{}：{}", ctx.t("运维结论门槛", "O&M thresholds"), p.outcomes.maintenance().article);
    match &p.evaluation {
        Some(e) => say!(
            "{}：{}–{} {}（{}）",
            ctx.t("绩效自评价窗口", "Self-evaluation window"),
            e.from_months,
            e.to_months,
            ctx.t("个月", "months"),
            e.article
        ),
        None => say!(
            "{}：{}",
            ctx.t("绩效自评价窗口", "Self-evaluation window"),
            ctx.t("本文件未规定", "not set by this text")
        ),
    }
}
