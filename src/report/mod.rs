//! Meeting results on paper and in Excel (会议报告): the score summary (评分汇总表), one opinion
//! form per application (专家评审意见表), and the intake template.
//!
//! A report is built once from the store's view models ([`MeetingReport::build`]) and then laid
//! out as tables ([`Table`]) that every format writes the same way, so that the numbers in the
//! XLSX, CSV, HTML and Markdown files are the same numbers.

mod html;
mod markdown;
mod minutes;
pub mod template;
mod xlsx;

use crate::domain::{Lang, Money, Points, Rubric, Severity};
use crate::ledger::Role;
use crate::store::{ApplicationView, Store, StoreError};
use std::path::{Path, PathBuf};

/// What can go wrong making a report; every message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "只有秘书处或组长可以生成会议报告（报告含全部专家评分） / only the secretariat or the chair may make a meeting report: it holds every expert's scores"
    )]
    NotAllowed,
    #[error(
        "无法写入 {path}：{source}。请换一个可写的位置 / cannot write {path}: {source}. Choose a folder you can write to"
    )]
    Write { path: String, source: std::io::Error },
    #[error("生成 XLSX 出错：{0} / could not build the XLSX file: {0}")]
    Xlsx(String),
    #[error("模板只能写成 .xlsx 或 .csv：{0} / a template is written as .xlsx or .csv: {0}")]
    TemplateFormat(String),
    #[error(
        "不认识的表“{0}”，可选：summary、scores、opinions、findings / unknown table “{0}”; choose summary, scores, opinions or findings"
    )]
    UnknownTable(String),
}

/// Someone who signs the paper: an expert or the chair.
#[derive(Clone, Debug)]
pub struct Signer {
    pub name: String,
    pub key: String,
    pub fingerprint: String,
    pub role: Role,
}

/// One application as the report shows it.
pub struct ApplicationReport {
    pub view: ApplicationView,
    pub rubric: Option<Rubric>,
}

/// Everything a report says, read from the store once.
pub struct MeetingReport {
    pub lang: Lang,
    pub id: String,
    pub title: String,
    pub date: String,
    /// Panel experts, in panel order: one column each in the summary.
    pub experts: Vec<Signer>,
    pub chair: Option<Signer>,
    pub applications: Vec<ApplicationReport>,
    /// Some application is not decided yet (临时稿).
    pub provisional: bool,
    /// The meeting-wide proceedings (sign-ins, closes) for the minutes (评审纪要).
    pub proceedings: crate::store::proceedings::Proceedings,
    /// Every key of the panel (earlier holders of a seat too) and the secretariat, by name.
    pub names: std::collections::HashMap<String, String>,
}

impl MeetingReport {
    /// Reads meeting `id` as `viewer_key` sees it. Only the secretariat and the chair see every
    /// score, so only they may make a report.
    pub fn build(store: &Store, id: &str, viewer_key: &str, lang: Lang) -> Result<MeetingReport, ReportError> {
        let meeting = store.meeting(id)?;
        let queue = store.queue(id, viewer_key)?;
        if !matches!(queue.viewer, crate::store::ViewerRole::Secretariat | crate::store::ViewerRole::Chair) {
            return Err(ReportError::NotAllowed);
        }
        let signer = |p: &crate::ledger::PanelMember| Signer {
            name: p.member.name.clone(),
            key: p.member.key.clone(),
            fingerprint: crate::ledger::fingerprint(p.member.suite, &hex::decode(&p.member.key).unwrap_or_default()),
            role: p.role,
        };
        // One signature line per seat, under the key that holds it now.
        let seats = meeting.seats();
        let experts = seats.iter().map(|s| s.holder).filter(|p| p.role == Role::Expert).map(signer).collect();
        let chair = seats.iter().map(|s| s.holder).find(|p| p.role == Role::Chair).map(signer);
        let mut applications = Vec::new();
        for row in &queue.rows {
            let view = store.application(id, &row.code, viewer_key)?;
            let rubric = meeting.rubrics.iter().find(|r| r.kind == view.application.kind).cloned();
            applications.push(ApplicationReport { view, rubric });
        }
        let provisional = applications.iter().any(|a| a.view.decision.is_none());
        let names = meeting
            .panel
            .iter()
            .map(|p| (p.member.key.clone(), p.member.name.clone()))
            .chain(std::iter::once((meeting.secretariat.key.clone(), meeting.secretariat.name.clone())))
            .collect();
        let proceedings = store.proceedings(id, None)?;
        Ok(MeetingReport {
            lang,
            id: meeting.id,
            title: meeting.title,
            date: meeting.date.to_string(),
            experts,
            chair,
            applications,
            provisional,
            proceedings,
            names,
        })
    }

    /// Chinese or English, as the report is asked for.
    /// An expert's overall opinion as the forms print it, with the reason for a revision that
    /// review (复核) asked for, so that the correction and its case are on paper.
    pub fn opinion_of(&self, sheet: &crate::domain::ScoreSheet) -> String {
        if sheet.revision_reason.is_empty() {
            return sheet.opinion.clone();
        }
        format!("{}（{}：{}）", sheet.opinion, self.l("复核修改理由", "revised after review"), sheet.revision_reason)
    }

    pub fn l<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        match self.lang {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// Everyone who signs the paper, experts first and the chair last, with their role's label.
    pub fn signers(&self) -> Vec<(&str, &Signer)> {
        let expert = self.l("专家", "Expert");
        let chair = self.l("组长", "Chair");
        self.experts.iter().map(|x| (expert, x)).chain(self.chair.iter().map(|c| (chair, c))).collect()
    }

    /// "name fingerprint" of every signing key, for the footer that ties paper to the store.
    pub fn fingerprints(&self) -> String {
        self.signers().iter().map(|(_, x)| format!("{} {}", x.name, x.fingerprint)).collect::<Vec<_>>().join("；")
    }

    /// The line that heads every page and sheet of a provisional report.
    pub fn provisional_note(&self) -> String {
        let open = self.applications.iter().filter(|a| a.view.decision.is_none()).count();
        match self.lang {
            Lang::Zh => format!("临时稿：尚有 {open} 项申报未形成结论，本报告不作为正式结果"),
            Lang::En => format!("PROVISIONAL: {open} applications are not decided yet; this is not the final result"),
        }
    }

    pub fn heading(&self) -> String {
        format!("{} {}（{}）", self.title, self.l("评分汇总表", "score summary"), self.date)
    }
}

/// A table cell, typed so that each format shows it properly (a number format for 万元 in XLSX).
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    /// An amount shown in 万元.
    Wan(Money),
    /// A score or an aggregate, as written (two decimals at most).
    Score(String),
    Count(usize),
    Empty,
}

impl Cell {
    /// The cell as text, the same in every format.
    pub fn text(&self) -> String {
        match self {
            Cell::Text(s) | Cell::Score(s) => s.clone(),
            Cell::Wan(m) => m.wan(),
            Cell::Count(n) => n.to_string(),
            Cell::Empty => String::new(),
        }
    }
}

/// The tables of a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableKind {
    Summary,
    Scores,
    Opinions,
    Findings,
}

impl TableKind {
    pub const ALL: [TableKind; 4] = [TableKind::Summary, TableKind::Scores, TableKind::Opinions, TableKind::Findings];

    pub fn parse(text: &str) -> Result<TableKind, ReportError> {
        match text.trim().to_lowercase().as_str() {
            "summary" | "汇总" => Ok(TableKind::Summary),
            "scores" | "评分" => Ok(TableKind::Scores),
            "opinions" | "意见" => Ok(TableKind::Opinions),
            "findings" | "规则" => Ok(TableKind::Findings),
            _ => Err(ReportError::UnknownTable(text.to_string())),
        }
    }

    /// The sheet name (and CSV file suffix), in English so that formulas and scripts find it.
    pub fn name(self) -> &'static str {
        match self {
            TableKind::Summary => "Summary",
            TableKind::Scores => "Scores",
            TableKind::Opinions => "Opinions",
            TableKind::Findings => "Findings",
        }
    }
}

pub struct Table {
    pub kind: TableKind,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// What one expert did with one application.
enum Mark<'a> {
    Recused,
    Missing,
    /// Given for an earlier version of the application or rubric: not counted (须重评).
    Outdated,
    Scored(&'a crate::store::ExpertLine),
}

impl MeetingReport {
    fn mark<'a>(&self, a: &'a ApplicationReport, key: &str) -> Mark<'a> {
        match a.view.experts.iter().find(|e| e.key == key) {
            Some(e) if e.recused.is_some() => Mark::Recused,
            Some(e) if e.outdated => Mark::Outdated,
            Some(e) if e.total.is_some() => Mark::Scored(e),
            _ => Mark::Missing,
        }
    }

    fn mark_text(&self, m: &Mark<'_>) -> Cell {
        match m {
            Mark::Recused => Cell::Text(self.l("回避", "recused").into()),
            Mark::Missing => Cell::Text(self.l("未提交", "not submitted").into()),
            Mark::Outdated => Cell::Text(self.l("须重评", "to re-score").into()),
            Mark::Scored(e) => Cell::Score(e.total.map(|t| t.to_string()).unwrap_or_default()),
        }
    }

    pub fn kind_label(&self, a: &ApplicationReport) -> String {
        self.l(a.view.application.kind.zh(), a.view.application.kind.en()).to_string()
    }

    pub fn outcome_label(&self, a: &ApplicationReport) -> String {
        match &a.view.decision {
            Some(d) => self.l(d.decision.outcome.zh(), d.decision.outcome.en()).to_string(),
            None => self.l("未决定", "not decided").to_string(),
        }
    }

    /// Whether the decision is final (定稿): every member countersigned, or the chair finalised.
    pub fn finality_label(&self, a: &ApplicationReport) -> String {
        let f = a.view.proceedings.finality.as_ref();
        f.map(|f| if self.lang == Lang::Zh { f.zh() } else { f.en() }).unwrap_or_default()
    }

    /// The proceedings on an application as the opinion forms print them: countersignatures
    /// and dissents, clarifications, votes and the close (会议程序).
    pub fn proceedings_lines(&self, a: &ApplicationReport) -> Vec<String> {
        a.view.proceedings_lines().into_iter().map(|t| t.get(self.lang).trim().to_string()).collect()
    }

    pub fn method_label(&self, a: &ApplicationReport) -> String {
        a.view.aggregate.as_ref().map(|g| self.l(g.method.zh(), g.method.en()).to_string()).unwrap_or_default()
    }

    /// Experts who ticked at least one veto item (否决票).
    pub fn vetoes(&self, a: &ApplicationReport) -> usize {
        a.view
            .experts
            .iter()
            .filter(|e| e.counts())
            .filter(|e| e.sheet.as_ref().is_some_and(|s| !s.vetoes.is_empty()))
            .count()
    }

    pub fn table(&self, kind: TableKind) -> Table {
        match kind {
            TableKind::Summary => self.summary(),
            TableKind::Scores => self.scores(),
            TableKind::Opinions => self.opinions(),
            TableKind::Findings => self.findings(),
        }
    }

    fn summary(&self) -> Table {
        let mut headers: Vec<String> = [
            self.l("项目编码", "Code"),
            self.l("项目名称", "Name"),
            self.l("建设单位", "Unit"),
            self.l("申报类型", "Kind"),
            self.l("申报总投资（万元）", "Requested (10k yuan)"),
            self.l("批复总投资（万元）", "Approved (10k yuan)"),
        ]
        .map(String::from)
        .to_vec();
        headers.extend(self.experts.iter().map(|e| e.name.clone()));
        headers.extend(
            [
                self.l("汇总分", "Aggregate"),
                self.l("计算方法", "Method"),
                self.l("否决票", "Vetoes"),
                self.l("结论", "Outcome"),
                self.l("定稿", "Final"),
                self.l("计划类别", "Class"),
                self.l("整改期限", "Deadline"),
            ]
            .map(String::from),
        );
        let rows = self
            .applications
            .iter()
            .map(|a| {
                let app = &a.view.application;
                let mut row = vec![
                    Cell::Text(app.code.clone()),
                    Cell::Text(app.name.clone()),
                    Cell::Text(app.unit.clone()),
                    Cell::Text(self.kind_label(a)),
                    // Each column means one thing: an acceptance has no requested total of its own.
                    app.requested_total.map(Cell::Wan).unwrap_or(Cell::Empty),
                    app.approved_total.map(Cell::Wan).unwrap_or(Cell::Empty),
                ];
                row.extend(self.experts.iter().map(|e| self.mark_text(&self.mark(a, &e.key))));
                let d = a.view.decision.as_ref().map(|d| &d.decision);
                row.extend([
                    a.view.aggregate.as_ref().map(|g| Cell::Score(g.value.to_string())).unwrap_or(Cell::Empty),
                    Cell::Text(self.method_label(a)),
                    Cell::Count(self.vetoes(a)),
                    Cell::Text(self.outcome_label(a)),
                    Cell::Text(self.finality_label(a)),
                    d.and_then(|d| d.plan_class).map(|c| Cell::Text(c.to_string())).unwrap_or(Cell::Empty),
                    d.and_then(|d| d.rectification_deadline).map(|x| Cell::Text(x.to_string())).unwrap_or(Cell::Empty),
                ]);
                row
            })
            .collect();
        Table { kind: TableKind::Summary, headers, rows }
    }

    fn scores(&self) -> Table {
        let headers = [
            self.l("项目编码", "Code"),
            self.l("项目名称", "Name"),
            self.l("专家", "Expert"),
            self.l("评分指标", "Criterion"),
            self.l("满分", "Maximum"),
            self.l("得分", "Points"),
            self.l("评分意见", "Comment"),
        ]
        .map(String::from)
        .to_vec();
        let mut rows = Vec::new();
        for a in &self.applications {
            let Some(rubric) = &a.rubric else { continue };
            for e in &self.experts {
                let Mark::Scored(line) = self.mark(a, &e.key) else { continue };
                let Some(sheet) = &line.sheet else { continue };
                for c in &rubric.criteria {
                    rows.push(vec![
                        Cell::Text(a.view.application.code.clone()),
                        Cell::Text(a.view.application.name.clone()),
                        Cell::Text(e.name.clone()),
                        Cell::Text(self.l(&c.title_zh, &c.title_en).to_string()),
                        Cell::Score(c.max.to_string()),
                        sheet.points.get(&c.id).map(|p| Cell::Score(p.to_string())).unwrap_or(Cell::Empty),
                        Cell::Text(sheet.comments.get(&c.id).cloned().unwrap_or_default()),
                    ]);
                }
            }
        }
        Table { kind: TableKind::Scores, headers, rows }
    }

    fn opinions(&self) -> Table {
        let headers = [
            self.l("项目编码", "Code"),
            self.l("项目名称", "Name"),
            self.l("意见人", "By"),
            self.l("总分", "Total"),
            self.l("意见", "Opinion"),
            self.l("否决项与理由", "Vetoes and reasons"),
        ]
        .map(String::from)
        .to_vec();
        let mut rows = Vec::new();
        for a in &self.applications {
            let code = Cell::Text(a.view.application.code.clone());
            let name = Cell::Text(a.view.application.name.clone());
            for e in &self.experts {
                let mark = self.mark(a, &e.key);
                let (opinion, vetoes) = match &mark {
                    Mark::Scored(line) => line
                        .sheet
                        .as_ref()
                        .map(|s| (self.opinion_of(s), s.vetoes.iter().map(|v| v.reason.clone()).collect::<Vec<_>>()))
                        .unwrap_or_default(),
                    Mark::Recused => (
                        a.view
                            .experts
                            .iter()
                            .find(|x| x.key == e.key)
                            .and_then(|x| x.recused.clone())
                            .unwrap_or_default(),
                        vec![],
                    ),
                    Mark::Missing | Mark::Outdated => (String::new(), vec![]),
                };
                rows.push(vec![
                    code.clone(),
                    name.clone(),
                    Cell::Text(e.name.clone()),
                    self.mark_text(&mark),
                    Cell::Text(opinion),
                    Cell::Text(vetoes.join("；")),
                ]);
            }
            if let Some(d) = &a.view.decision {
                rows.push(vec![
                    code.clone(),
                    name.clone(),
                    Cell::Text(self.l("专家组", "Panel").into()),
                    a.view.aggregate.as_ref().map(|g| Cell::Score(g.value.to_string())).unwrap_or(Cell::Empty),
                    Cell::Text(format!("{}：{}", self.outcome_label(a), d.decision.opinion)),
                    Cell::Text(d.decision.conditions.clone()),
                ]);
            }
            let lines = self.proceedings_lines(a);
            if !lines.is_empty() {
                rows.push(vec![
                    code.clone(),
                    name.clone(),
                    Cell::Text(self.l("会议程序", "Proceedings").into()),
                    Cell::Empty,
                    Cell::Text(lines.join("\n")),
                    Cell::Empty,
                ]);
            }
        }
        Table { kind: TableKind::Opinions, headers, rows }
    }

    fn findings(&self) -> Table {
        let headers = [
            self.l("项目编码", "Code"),
            self.l("项目名称", "Name"),
            self.l("级别", "Severity"),
            self.l("规则", "Rule"),
            self.l("说明", "Finding"),
            self.l("依据", "Article"),
        ]
        .map(String::from)
        .to_vec();
        let rows = self
            .applications
            .iter()
            .flat_map(|a| {
                a.view.findings.iter().map(move |f| {
                    vec![
                        Cell::Text(a.view.application.code.clone()),
                        Cell::Text(a.view.application.name.clone()),
                        Cell::Text(self.severity(f.severity).into()),
                        Cell::Text(f.rule.clone()),
                        Cell::Text(f.message.get(self.lang).to_string()),
                        Cell::Text(f.article.clone()),
                    ]
                })
            })
            .collect();
        Table { kind: TableKind::Findings, headers, rows }
    }

    pub fn severity(&self, s: Severity) -> &'static str {
        match (s, self.lang) {
            (Severity::Blocks, Lang::Zh) => "阻断",
            (Severity::Warns, Lang::Zh) => "警示",
            (Severity::Informs, Lang::Zh) => "提示",
            (Severity::Blocks, Lang::En) => "blocks",
            (Severity::Warns, Lang::En) => "warns",
            (Severity::Informs, Lang::En) => "informs",
        }
    }

    /// Points of one expert for one criterion, as the opinion form shows them.
    pub fn points(&self, a: &ApplicationReport, key: &str, criterion: &str) -> String {
        match self.mark(a, key) {
            Mark::Scored(line) => {
                line.sheet.as_ref().and_then(|s| s.points.get(criterion)).map(Points::to_string).unwrap_or_default()
            }
            Mark::Recused => self.l("回避", "recused").into(),
            Mark::Outdated => self.l("须重评", "to re-score").into(),
            Mark::Missing => "—".into(),
        }
    }

    pub fn total(&self, a: &ApplicationReport, key: &str) -> String {
        self.mark_text(&self.mark(a, key)).text()
    }
}

/// The formats a report is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Xlsx,
    Csv,
    Md,
    Html,
    /// 评审纪要 in Markdown.
    MinutesMd,
    /// 评审纪要 in HTML.
    MinutesHtml,
}

/// Writes `report` as `format` to `out`, and returns the files written. CSV writes one file per
/// table (`NAME-summary.csv` and so on) unless one `table` is chosen. Every file is written
/// beside its target and renamed into place, so a failure leaves no partial file.
pub fn write(
    report: &MeetingReport,
    format: Format,
    table: Option<TableKind>,
    out: &Path,
) -> Result<Vec<PathBuf>, ReportError> {
    match format {
        Format::Xlsx => {
            let bytes = xlsx::workbook(report)?;
            write_atomic(out, &bytes)?;
            Ok(vec![out.to_path_buf()])
        }
        Format::Html => {
            write_atomic(out, html::document(report).as_bytes())?;
            Ok(vec![out.to_path_buf()])
        }
        Format::Md => {
            write_atomic(out, markdown::document(report).as_bytes())?;
            Ok(vec![out.to_path_buf()])
        }
        Format::MinutesMd => {
            write_atomic(out, minutes::markdown(report).as_bytes())?;
            Ok(vec![out.to_path_buf()])
        }
        Format::MinutesHtml => {
            write_atomic(out, minutes::html(report).as_bytes())?;
            Ok(vec![out.to_path_buf()])
        }
        Format::Csv => {
            let kinds: Vec<TableKind> = table.map(|t| vec![t]).unwrap_or_else(|| TableKind::ALL.to_vec());
            let mut written = Vec::new();
            for kind in kinds {
                let path = if table.is_some() { out.to_path_buf() } else { csv_path(out, kind) };
                let note = report.provisional.then(|| report.provisional_note());
                write_atomic(&path, &csv_bytes(&report.table(kind), note.as_deref()))?;
                written.push(path);
            }
            Ok(written)
        }
    }
}

fn csv_path(out: &Path, kind: TableKind) -> PathBuf {
    let stem = out.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "report".into());
    out.with_file_name(format!("{stem}-{}.csv", kind.name().to_lowercase()))
}

/// UTF-8 with a byte-order mark, so that Excel on a Chinese Windows reads it as UTF-8. A
/// provisional report (临时稿) says so on its first line, as every other format does. Text an
/// applicant or a person wrote is neutralised so no spreadsheet takes it for a formula.
pub fn csv_bytes(table: &Table, provisional: Option<&str>) -> Vec<u8> {
    // Flexible: the provisional line has one cell, the table's rows more.
    let mut w = csv::WriterBuilder::new().flexible(true).from_writer(b"\xEF\xBB\xBF".to_vec());
    // Writing to memory cannot fail; a failed record would only drop that record.
    if let Some(note) = provisional {
        let _ = w.write_record([inert(note)]);
    }
    let _ = w.write_record(table.headers.iter().map(|h| inert(h)));
    for row in &table.rows {
        let _ = w.write_record(row.iter().map(|c| match c {
            Cell::Text(t) => inert(t),
            other => other.text(),
        }));
    }
    w.into_inner().unwrap_or_default()
}

/// A CSV cell a spreadsheet opens as text, never as a formula (CSV injection): one that starts
/// with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading apostrophe, the usual way.
pub fn inert(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    }
}

/// Writes `bytes` to a hidden file beside `path`, syncs it and renames it into place.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    use std::io::Write;
    let err = |source| ReportError::Write { path: path.display().to_string(), source };
    let temp = crate::media::temp_path_beside(path, "report");
    let result = (|| {
        // Reports hold every expert's scores: owner-only, as keys and documents are.
        let mut f = crate::media::create_private(&temp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&temp);
        return Err(err(e));
    }
    Ok(())
}

/// Text for HTML: the five characters that matter escaped.
pub fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

#[cfg(test)]
mod csv_tests {
    use super::inert;

    #[test]
    fn a_cell_that_would_start_a_formula_is_made_text() {
        for bad in ["=1+2", "+1", "-1+1", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK(\"http://x\",\"点我\")"] {
            assert!(inert(bad).starts_with('\''), "{bad}");
        }
        assert_eq!(inert("区智慧城管平台"), "区智慧城管平台");
        assert_eq!(inert(""), "");
    }
}
