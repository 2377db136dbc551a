//! Policy profiles and rubrics shipped with the binary (rules are data), and the loaders that
//! validate them. A broken file names the file, the field and the problem.

use crate::domain::ApplicationKind;
use crate::domain::calendar::Calendar;
use crate::domain::policy::Profile;
use crate::domain::rubric::Rubric;
use std::path::Path;

/// The profile a meeting uses unless told otherwise.
pub const DEFAULT_PROFILE: &str = "gulou-2021";

/// The pledge (评审专家承诺书) a panel member signs in with: independence, objectivity,
/// confidentiality, and that no listed application calls for them to step aside.
pub const PLEDGE: &str = include_str!("../assets/pledges/expert-pledge.txt");

const PROFILES: &[(&str, &str)] = &[
    ("gulou-2021", include_str!("../assets/policies/gulou-2021.toml")),
    ("luohu-2020", include_str!("../assets/policies/luohu-2020.toml")),
    ("suqian-2024", include_str!("../assets/policies/suqian-2024.toml")),
    ("anhui-2023", include_str!("../assets/policies/anhui-2023.toml")),
    ("urumqi-2022", include_str!("../assets/policies/urumqi-2022.toml")),
];

const CALENDARS: &[(&str, &str)] = &[("cn-2026", include_str!("../assets/calendars/cn-2026.toml"))];

const RUBRICS: &[(ApplicationKind, &str)] = &[
    (ApplicationKind::Approval, include_str!("../assets/rubrics/approval.toml")),
    (ApplicationKind::Change, include_str!("../assets/rubrics/change.toml")),
    (ApplicationKind::Acceptance, include_str!("../assets/rubrics/acceptance.toml")),
    (ApplicationKind::Maintenance, include_str!("../assets/rubrics/maintenance.toml")),
];

/// A rules file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum AssetError {
    #[error("规则文件 {file} 有误：{detail} / rules file {file} is broken: {detail}")]
    Broken { file: String, detail: String },
    #[error(
        "找不到政策档案“{0}”，可用：{1}（或给出 .toml 文件路径） / no policy profile “{0}”; available: {1} (or give a .toml file path)"
    )]
    UnknownProfile(String, String),
    #[error(
        "找不到工作日历“{0}”，可用：{1}（或给出 .toml 文件路径） / no working-day calendar “{0}”; available: {1} (or give a .toml file path)"
    )]
    UnknownCalendar(String, String),
    #[error("无法读取规则文件 {file}：{source} / cannot read rules file {file}: {source}")]
    Read { file: String, source: std::io::Error },
}

fn broken(file: &str, detail: impl std::fmt::Display) -> AssetError {
    AssetError::Broken { file: file.to_string(), detail: detail.to_string().trim().replace('\n', " ") }
}

/// Parses and validates a profile; `file` names it in errors. A calendar the profile names is
/// looked up among the built-in ones or, as a `.toml` file name, in `folder`.
pub fn parse_profile(file: &str, text: &str) -> Result<Profile, AssetError> {
    parse_profile_in(file, text, None)
}

fn parse_profile_in(file: &str, text: &str, folder: Option<&Path>) -> Result<Profile, AssetError> {
    check_profile_in(text, folder).map_err(|problems| broken(file, problems.join("; ")))
}

/// Every problem of a profile file, each with what to do; or the profile when there is none.
pub fn check_profile(path: &Path) -> Result<Profile, Vec<String>> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| vec![AssetError::Read { file: file.clone(), source: e }.to_string()])?;
    check_profile_in(&text, path.parent())
}

fn check_profile_in(text: &str, folder: Option<&Path>) -> Result<Profile, Vec<String>> {
    let mut profile: Profile = toml::from_str(text).map_err(|e| {
        vec![format!(
            "文件不能读作政策档案：请按下列提示改正拼写或格式（规则类型须为 reviewdesk profile show 所列之一） / the file does not read as a profile: {}",
            e.to_string().trim().replace('\n', " ")
        )]
    })?;
    let mut problems = Vec::new();
    if let Some(name) = crate::domain::profile::calendar_name(&profile).map(str::to_string) {
        match calendar_in(&name, folder) {
            Ok(c) => crate::domain::profile::use_calendar(&mut profile, c),
            Err(e) => problems.push(format!("calendar：{e}")),
        }
    }
    let no_calendar = !problems.is_empty();
    problems.extend(
        crate::domain::profile::problems(&profile, true)
            .into_iter()
            .filter(|p| !(no_calendar && p.field.ends_with(".calendar")))
            .map(|p| p.to_string()),
    );
    if problems.is_empty()
        && let Err(e) = profile.validate()
    {
        problems.push(e.to_string());
    }
    if problems.is_empty() { Ok(profile) } else { Err(problems) }
}

/// The ids of the built-in calendars.
pub fn calendar_ids() -> impl Iterator<Item = &'static str> {
    CALENDARS.iter().map(|(id, _)| *id)
}

/// A built-in calendar by id, or a calendar file by path.
pub fn calendar(name_or_path: &str) -> Result<Calendar, AssetError> {
    calendar_in(name_or_path, None)
}

/// A built-in calendar by id, or a `.toml` file: a bare file name is read in `folder` (the
/// profile's own folder), never outside it.
fn calendar_in(name: &str, folder: Option<&Path>) -> Result<Calendar, AssetError> {
    if let Some((id, text)) = CALENDARS.iter().find(|(id, _)| *id == name) {
        return parse_calendar(&format!("assets/calendars/{id}.toml"), text);
    }
    let path = Path::new(name);
    if path.extension().is_none_or(|e| e != "toml") {
        return Err(AssetError::UnknownCalendar(name.into(), calendar_ids().collect::<Vec<_>>().join(", ")));
    }
    let path = match folder {
        Some(dir) => {
            let plain = path.components().count() == 1 && !name.contains(['/', '\\']);
            if !plain {
                return Err(broken(
                    name,
                    "档案引用的日历只能是同一文件夹中的文件名 / a calendar a profile names must be a file name in the profile's own folder",
                ));
            }
            dir.join(path)
        }
        None => path.to_path_buf(),
    };
    let file = path.display().to_string();
    let text = std::fs::read_to_string(&path).map_err(|source| AssetError::Read { file: file.clone(), source })?;
    parse_calendar(&file, &text)
}

fn parse_calendar(file: &str, text: &str) -> Result<Calendar, AssetError> {
    let c: Calendar = toml::from_str(text).map_err(|e| broken(file, e))?;
    c.validate().map_err(|e| broken(file, e))?;
    Ok(c)
}

/// Parses and validates a rubric; `file` names it in errors.
pub fn parse_rubric(file: &str, text: &str) -> Result<Rubric, AssetError> {
    let rubric: Rubric = toml::from_str(text).map_err(|e| broken(file, e))?;
    rubric.validate().map_err(|e| broken(file, e))?;
    Ok(rubric)
}

/// The ids of the built-in profiles.
pub fn profile_ids() -> impl Iterator<Item = &'static str> {
    PROFILES.iter().map(|(id, _)| *id)
}

/// A built-in profile by id, or a profile file by path.
pub fn profile(name_or_path: &str) -> Result<Profile, AssetError> {
    if let Some((id, text)) = PROFILES.iter().find(|(id, _)| *id == name_or_path) {
        return parse_profile(&format!("assets/policies/{id}.toml"), text);
    }
    let path = Path::new(name_or_path);
    if path.extension().is_some_and(|e| e == "toml") {
        let text =
            std::fs::read_to_string(path).map_err(|source| AssetError::Read { file: name_or_path.into(), source })?;
        return parse_profile_in(name_or_path, &text, Some(path.parent().unwrap_or(Path::new("."))));
    }
    Err(AssetError::UnknownProfile(name_or_path.into(), profile_ids().collect::<Vec<_>>().join(", ")))
}

/// The built-in rubric for `kind`.
pub fn rubric(kind: ApplicationKind) -> Result<Rubric, AssetError> {
    let file = format!("assets/rubrics/{}.toml", kind.id());
    let text = RUBRICS.iter().find(|(k, _)| *k == kind).map(|(_, t)| *t).unwrap_or_default();
    let rubric = parse_rubric(&file, text)?;
    if rubric.kind != kind {
        return Err(broken(&file, format!("kind = {} 与文件不符 / kind does not match the file", rubric.kind.id())));
    }
    Ok(rubric)
}

/// A rubric file by path, checked against the kind it is meant for.
pub fn rubric_file(path: &Path) -> Result<Rubric, AssetError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| AssetError::Read { file: file.clone(), source })?;
    parse_rubric(&file, &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_file_loads() {
        for id in profile_ids() {
            let p = profile(id).unwrap();
            assert_eq!(p.id, id);
            for rule in p.rules.iter() {
                let cite = rule.cite();
                assert!(
                    !cite.quote.is_empty() && !cite.article.is_empty(),
                    "{id}: {:?} cites its sentence",
                    rule.kind()
                );
            }
        }
        for kind in ApplicationKind::ALL {
            assert_eq!(rubric(kind).unwrap().kind, kind);
        }
        let gulou = profile(DEFAULT_PROFILE).unwrap();
        assert!(gulou.rules.scope_floor().is_none());
        assert!(gulou.rules.supervision().is_some_and(|s| s.article.contains("第十九条")));
        let luohu = profile("luohu-2020").unwrap();
        assert!(luohu.rules.funding_scope().is_some());
        assert!(luohu.rules.supervision().is_none(), "Luohu's text sets no supervision floor: nothing is borrowed");
        assert!(profile("urumqi-2022").unwrap().calendar.is_some_and(|c| c.id == "cn-2026"));
        assert!(gulou.rules.operation_acceptance().is_some_and(|r| r.article.contains("第二十三条")));
        assert!(
            profile("suqian-2024").unwrap().rules.maintenance_report().is_some_and(|r| r.article.contains("二（八）"))
        );
        for id in profile_ids() {
            let m = profile(id).unwrap().outcomes.maintenance;
            assert!(m.is_some_and(|m| m.article.contains("非法规条文")), "{id}: O&M thresholds are marked as practice");
        }
    }

    #[test]
    fn the_approval_rubric_covers_the_required_criteria() {
        let r = rubric(ApplicationKind::Approval).unwrap();
        let ids: Vec<_> = r.criteria.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["necessity", "requirements", "technical", "sharing", "security", "budget", "implementation"]);
    }

    #[test]
    fn a_broken_file_names_file_field_and_problem() {
        let text = PROFILES[0].1.replace("floor = \"100万\"", "floor = \"一百万\"");
        let e = parse_profile("bad.toml", &text).unwrap_err().to_string();
        assert!(e.contains("bad.toml") && e.contains("floor") && e.contains("一百万"), "{e}");

        let text = PROFILES[0].1.replace("severity = \"warns\"", "severity = \"maybe\"");
        let e = parse_profile("bad.toml", &text).unwrap_err().to_string();
        assert!(e.contains("severity") && e.contains("maybe"), "{e}");

        let text = RUBRICS[0].1.replacen("max = 15", "max = 14", 1);
        let e = parse_rubric("r.toml", &text).unwrap_err().to_string();
        assert!(e.contains("r.toml") && e.contains("99") && e.contains("100"), "{e}");

        let text = RUBRICS[0].1.replacen("max = 20", "max = 20.3", 1);
        let e = parse_rubric("r.toml", &text).unwrap_err().to_string();
        assert!(e.contains("max") && e.contains("20.3"), "{e}");

        let e = profile("nowhere-1999").unwrap_err().to_string();
        assert!(e.contains("gulou-2021"), "{e}");
    }
}
