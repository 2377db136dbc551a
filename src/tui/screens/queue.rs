//! The project queue (项目队列): every application of the meeting, filtered as you type.

use super::{Action, Ctx, Effect, News, Screen};
use crate::domain::text::{fit, fit_right, truncate, width};
use crate::domain::{ApplicationKind, Method, Money};
use crate::store::{MyScore, QueueRow, QueueView, Status};
use crate::tui::i18n::I18n;
use crate::tui::keymap::{KeyMap, any};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

/// How the rows are ordered: by a column (an index into the table's columns), either way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SortBy {
    pub column: usize,
    pub descending: bool,
}

pub struct QueueState {
    pub view: QueueView,
    /// Indices into `view.rows` that pass the filter, in display order.
    pub shown: Vec<usize>,
    pub selected: usize,
    pub filter: String,
    pub filtering: bool,
    pub sort: SortBy,
    /// Only applications of this kind (类型), when set.
    pub kind: Option<ApplicationKind>,
    /// Only applications in this state (进度), when set.
    pub status: Option<Status>,
    /// Only what is left for the viewer to do (待办): to score, or to decide.
    pub todo: bool,
    /// Every row in the order of `sort`, worked out when the rows or the sort change, so that a
    /// filter keystroke only walks it (sorting 10,000 rows on each key was most of its cost).
    order: Vec<usize>,
    order_by: Option<SortBy>,
    /// Each row's code, name and unit in lower case, for the filter: made once per rows, when
    /// filtering starts.
    haystacks: Vec<[String; 3]>,
}

impl QueueState {
    pub fn new(view: QueueView) -> QueueState {
        let mut s = QueueState {
            view,
            shown: vec![],
            selected: 0,
            filter: String::new(),
            filtering: false,
            sort: SortBy { column: 0, descending: false },
            kind: None,
            status: None,
            todo: false,
            order: vec![],
            order_by: None,
            haystacks: vec![],
        };
        s.refilter();
        s
    }

    /// Takes rows read again from the store, keeping the filter, the sort and the selection.
    pub fn replace(&mut self, view: QueueView) {
        let keep = self.current().map(|r| r.code.clone());
        self.view = view;
        self.shown.clear();
        self.order_by = None;
        self.haystacks.clear();
        self.refilter();
        if let Some(i) = keep.and_then(|c| self.shown.iter().position(|i| self.view.rows[*i].code == c)) {
            self.selected = i;
        }
    }

    /// Re-applies the filter and sort, keeping the selected application when it still shows.
    pub fn refilter(&mut self) {
        let keep = self.current().map(|r| r.code.clone());
        self.prepare();
        let needle = self.filter.to_lowercase();
        let rows = &self.view.rows;
        let hay = &self.haystacks;
        self.shown = self
            .order
            .iter()
            .copied()
            .filter(|&i| {
                let r = &rows[i];
                self.kind.is_none_or(|k| r.kind == k)
                    && self.status.is_none_or(|s| r.status == s)
                    && (!self.todo || left_to_do(r, self.view.viewer))
                    && (needle.is_empty() || hay[i].iter().any(|h| h.contains(&needle)))
            })
            .collect();
        let rows = &self.view.rows;
        self.selected = keep.and_then(|c| self.shown.iter().position(|i| rows[*i].code == c)).unwrap_or(0);
    }

    /// The sorted order and the lower-cased texts, made again only when the rows or the sort
    /// changed since they were made.
    fn prepare(&mut self) {
        if !self.filter.is_empty() {
            self.make_haystacks();
        }
        let rows = &self.view.rows;
        if self.order_by == Some(self.sort) && self.order.len() == rows.len() {
            return;
        }
        let SortBy { column, descending } = self.sort;
        let mut order: Vec<usize> = (0..rows.len()).collect();
        order.sort_by(|a, b| {
            let order = compare(&rows[*a], &rows[*b], column);
            let order = if descending { order.reverse() } else { order };
            order.then_with(|| rows[*a].code.cmp(&rows[*b].code))
        });
        self.order = order;
        self.order_by = Some(self.sort);
    }

    /// The lower-cased texts the filter searches, made when filtering starts rather than with
    /// every queue (10,000 rows take milliseconds the first frame need not spend).
    fn make_haystacks(&mut self) {
        let rows = &self.view.rows;
        if self.haystacks.len() != rows.len() {
            self.haystacks =
                rows.iter().map(|r| [r.code.to_lowercase(), r.name.to_lowercase(), r.unit.to_lowercase()]).collect();
        }
    }

    pub fn current(&self) -> Option<&QueueRow> {
        self.shown.get(self.selected).map(|i| &self.view.rows[*i])
    }

    /// A key while typing the filter: Enter keeps it, Esc clears it; neither leaves the queue.
    fn on_filter_key(&mut self, ev: &KeyEvent) {
        match ev.code {
            KeyCode::Enter => self.filtering = false,
            KeyCode::Esc => {
                self.filtering = false;
                self.filter.clear();
                self.refilter();
            }
            KeyCode::Backspace => {
                self.filter.pop();
                self.refilter();
            }
            KeyCode::Char(c) => {
                self.filter.push(c);
                self.refilter();
            }
            _ => {}
        }
    }

    /// Moving, filtering and sorting; whether the key was one of them.
    fn on_view_key(&mut self, keys: &KeyMap, ev: &KeyEvent, page: usize) -> bool {
        let last = self.shown.len().saturating_sub(1);
        if any(&keys.up, ev) {
            self.selected = self.selected.saturating_sub(1);
        } else if any(&keys.down, ev) {
            self.selected = (self.selected + 1).min(last);
        } else if keys.page_up.matches(ev) {
            self.selected = self.selected.saturating_sub(page.max(1));
        } else if keys.page_down.matches(ev) {
            self.selected = (self.selected + page.max(1)).min(last);
        } else if keys.filter.matches(ev) {
            self.filtering = true;
            self.make_haystacks();
        } else if keys.sort.matches(ev) {
            self.sort_by((self.sort.column + 1) % COLUMNS.len());
        } else if keys.reverse.matches(ev) {
            self.sort.descending = !self.sort.descending;
            self.refilter();
        } else if keys.kind.matches(ev) {
            self.kind = match self.kind {
                None => Some(ApplicationKind::Approval),
                Some(ApplicationKind::Approval) => Some(ApplicationKind::Change),
                Some(ApplicationKind::Change) => Some(ApplicationKind::Acceptance),
                Some(ApplicationKind::Acceptance) => Some(ApplicationKind::Maintenance),
                Some(ApplicationKind::Maintenance) => None,
            };
            self.refilter();
        } else if keys.progress.matches(ev) {
            self.status = match self.status {
                None => Some(Status::ToScore),
                Some(Status::ToScore) => Some(Status::Scored),
                Some(Status::Scored) => Some(Status::Decided),
                Some(Status::Decided) => None,
            };
            self.refilter();
        } else if keys.todo.matches(ev) {
            self.todo = !self.todo;
            self.refilter();
        } else {
            return false;
        }
        true
    }

    /// The application under the cursor, for a key that acts on it.
    fn on_current(&self, effect: impl FnOnce(String) -> Effect) -> Action {
        match self.current() {
            Some(r) => Action::Do(effect(r.code.clone())),
            None => Action::None,
        }
    }

    /// Sorts by `column`; numbers and progress start from the top of the range.
    pub fn sort_by(&mut self, column: usize) {
        // Totals, findings, scores and spreads read best largest first; names and codes A to Z.
        let descending = matches!(column, 4 | 5 | 7 | 8 | 9);
        self.sort = SortBy { column, descending };
        self.refilter();
    }

    /// Sorts by the column under `x` on the header row of a table `total` cells wide; a second
    /// click on the same column turns the order round.
    pub fn click_header(&mut self, x: usize, total: usize) {
        let mut left = 0;
        for (column, w) in layout(total) {
            if x < left + w + 1 {
                if self.sort.column == column {
                    self.sort.descending = !self.sort.descending;
                    self.refilter();
                } else {
                    self.sort_by(column);
                }
                return;
            }
            left += w + 1;
        }
    }

    /// Selects the row shown at `row` lines below the top of the table body, if any.
    pub fn click(&mut self, row: usize, height: usize) {
        let i = offset(self.selected, height) + row;
        if i < self.shown.len() {
            self.selected = i;
        }
    }
}

/// Whether a row still waits on the viewer: a sheet for an expert, a decision for the chair.
fn left_to_do(r: &QueueRow, viewer: crate::store::ViewerRole) -> bool {
    match viewer {
        crate::store::ViewerRole::Expert => {
            matches!(r.my_score, MyScore::None | MyScore::Draft | MyScore::Outdated { .. })
        }
        crate::store::ViewerRole::Chair => r.outcome.is_none() || r.after_decision > 0,
        _ => r.outcome.is_none(),
    }
}

/// The order of two rows by one column, as the column shows them.
fn compare(a: &QueueRow, b: &QueueRow, column: usize) -> std::cmp::Ordering {
    let mine = |r: &QueueRow| match r.my_score {
        MyScore::NotScoring => (0, None),
        MyScore::Recused => (1, None),
        MyScore::None => (2, None),
        MyScore::Draft => (3, None),
        MyScore::Outdated { total } => (4, Some(total)),
        MyScore::Submitted { total } => (5, Some(total)),
    };
    let aggregate = |r: &QueueRow| if r.blind { None } else { r.aggregate.as_ref().map(|g| g.value) };
    // Sheets far from the median (畸高畸低) first, then the widest spread.
    let spread = |r: &QueueRow| {
        if r.blind { None } else { r.aggregate.as_ref().map(|g| (g.outliers.len(), g.range)) }
    };
    match column {
        0 => a.code.cmp(&b.code),
        1 => a.name.cmp(&b.name),
        2 => a.unit.cmp(&b.unit),
        3 => a.kind.cmp(&b.kind),
        4 => a.requested_total.or(a.approved_total).cmp(&b.requested_total.or(b.approved_total)),
        5 => (a.blocks, a.warns).cmp(&(b.blocks, b.warns)),
        6 => mine(a).cmp(&mine(b)),
        7 => (a.scored * b.eligible.max(1)).cmp(&(b.scored * a.eligible.max(1))),
        8 => aggregate(a).cmp(&aggregate(b)),
        9 => spread(a).cmp(&spread(b)),
        _ => status_rank(a.status).cmp(&status_rank(b.status)),
    }
}

fn status_rank(s: Status) -> u8 {
    match s {
        Status::ToScore => 0,
        Status::Scored => 1,
        Status::Decided => 2,
    }
}

/// The first row shown, so that the selected one is on screen. Pure: rendering needs no state.
pub fn offset(selected: usize, height: usize) -> usize {
    if height == 0 { 0 } else { selected.saturating_sub(height - 1) }
}

/// A column: its header key, its width, whether it is right-aligned, and how it is dropped
/// when the terminal is narrow (higher priority stays longer).
struct Column {
    header: &'static str,
    width: usize,
    right: bool,
    priority: u8,
}

const COLUMNS: [Column; 11] = [
    Column { header: "queue.code", width: 15, right: false, priority: 9 },
    Column { header: "queue.name", width: 0, right: false, priority: 9 },
    Column { header: "queue.unit", width: 18, right: false, priority: 2 },
    Column { header: "queue.kind", width: 4, right: false, priority: 3 },
    Column { header: "queue.requested", width: 9, right: true, priority: 7 },
    Column { header: "queue.rules", width: 9, right: false, priority: 6 },
    Column { header: "queue.mine", width: 8, right: false, priority: 8 },
    Column { header: "queue.scored", width: 6, right: true, priority: 5 },
    Column { header: "queue.aggregate", width: 10, right: true, priority: 8 },
    // 分差 (max − min): sorted descending, the disputed items come first (复核).
    Column { header: "queue.spread", width: 5, right: true, priority: 4 },
    Column { header: "queue.status", width: 10, right: false, priority: 8 },
];

/// The columns that fit `total` cells, the name column taking what is left (at least 12).
fn layout(total: usize) -> Vec<(usize, usize)> {
    let mut chosen: Vec<usize> = (0..COLUMNS.len()).collect();
    loop {
        let fixed: usize = chosen.iter().map(|i| COLUMNS[*i].width).sum::<usize>() + chosen.len().saturating_sub(1);
        if fixed + 12 <= total || chosen.len() <= 3 {
            let name = total.saturating_sub(fixed);
            return chosen
                .iter()
                .map(|i| (*i, if COLUMNS[*i].width == 0 { name } else { COLUMNS[*i].width }))
                .collect();
        }
        let drop = chosen
            .iter()
            .enumerate()
            .filter(|(_, i)| COLUMNS[**i].width > 0)
            .min_by_key(|(_, i)| COLUMNS[**i].priority)
            .map(|(p, _)| p);
        match drop {
            Some(p) => {
                chosen.remove(p);
            }
            None => return vec![],
        }
    }
}

fn money(m: Option<Money>) -> String {
    m.map(|m| m.wan()).unwrap_or_else(|| "—".into())
}

/// A kind as the column has room for: the whole word, or its chosen abbreviation (立项 fits).
fn kind_cell(kind: ApplicationKind, cells: usize, t: &I18n) -> String {
    let whole = t.pick(kind.zh(), kind.en());
    if width(whole) <= cells {
        return whole.to_string();
    }
    t.t(match kind {
        ApplicationKind::Approval => "kind.short_approval",
        ApplicationKind::Change => "kind.short_change",
        ApplicationKind::Acceptance => "kind.short_acceptance",
        ApplicationKind::Maintenance => "kind.short_maintenance",
    })
    .to_string()
}

fn cell(r: &QueueRow, column: usize, cells: usize, t: &I18n) -> String {
    match column {
        0 => r.code.clone(),
        1 => r.name.clone(),
        2 => r.unit.clone(),
        3 => kind_cell(r.kind, cells, t),
        4 => money(r.requested_total.or(r.approved_total)),
        5 => {
            let mut parts = vec![];
            if r.blocks > 0 {
                parts.push(format!("{}{}", t.t("badge.blocks"), r.blocks));
            }
            if r.warns > 0 {
                parts.push(format!("{}{}", t.t("badge.warns"), r.warns));
            }
            parts.join(" ")
        }
        6 => match &r.my_score {
            MyScore::NotScoring => String::new(),
            MyScore::Recused => t.t("mine.recused").into(),
            MyScore::None => t.t("mine.none").into(),
            MyScore::Draft => t.t("mine.draft").into(),
            MyScore::Submitted { total } => total.to_string(),
            MyScore::Outdated { total } => format!("{total} {}", t.t("mine.outdated")),
        },
        7 => format!("{}/{}", r.scored, r.eligible),
        8 => match (&r.aggregate, r.blind) {
            (_, true) => t.t("queue.blind").into(),
            (None, _) => "—".into(),
            (Some(g), _) => format!("{}{}", g.value, if g.method == Method::TrimmedMean { "*" } else { "" }),
        },
        9 => match (&r.aggregate, r.blind) {
            (_, true) | (None, _) => String::new(),
            // `!` marks a sheet far from the median (畸高畸低).
            (Some(g), _) => format!("{}{}", g.range, if g.outliers.is_empty() { "" } else { "!" }),
        },
        _ => match r.outcome {
            Some(_) if r.after_decision > 0 => {
                t.t("status.after_decision").replace("{n}", &r.after_decision.to_string())
            }
            Some(o) => t.pick(o.zh(), o.en()).to_string(),
            None if r.outdated > 0 => t.t("status.outdated").replace("{n}", &r.outdated.to_string()),
            None => t.t(status_key(r.status)).into(),
        },
    }
}

fn status_key(s: Status) -> &'static str {
    match s {
        Status::ToScore => "status.to_score",
        Status::Scored => "status.scored",
        Status::Decided => "status.decided",
    }
}

fn row_line(cells: &[(usize, usize)], text: impl Fn(usize, usize) -> String) -> String {
    cells
        .iter()
        .map(|(c, w)| if COLUMNS[*c].right { fit_right(&text(*c, *w), *w) } else { fit(&text(*c, *w), *w) })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Draws the queue into `area`: a header row, the visible rows only, and the filter line.
pub fn render(state: &QueueState, t: &I18n, frame: &mut Frame, area: Rect) {
    let total = area.width as usize;
    let cells = layout(total);
    let buf = frame.buffer_mut();
    let header = row_line(&cells, |c, w| {
        let title = t.t(COLUMNS[c].header);
        match state.sort {
            // The arrow keeps its cell however narrow the column: the title gives way.
            SortBy { column, descending } if column == c => {
                format!("{}{}", truncate(title, w.saturating_sub(1)), if descending { "▼" } else { "▲" })
            }
            _ => title.to_string(),
        }
    });
    buf.set_string(area.x, area.y, header, Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED));
    let body = area.height.saturating_sub(2) as usize;
    let first = offset(state.selected, body);
    for (line, i) in state.shown.iter().skip(first).take(body).enumerate() {
        let r = &state.view.rows[*i];
        let style = if first + line == state.selected {
            Style::default().add_modifier(Modifier::REVERSED)
        } else if r.blocks > 0 {
            Style::default().fg(Color::Red)
        } else {
            Style::default()
        };
        // The item under discussion (当前议题) is marked where its code starts.
        let now = state.view.under_discussion.as_deref() == Some(r.code.as_str());
        let text = row_line(&cells, |c, w| match c {
            0 if now => format!("▶{}", r.code),
            _ => cell(r, c, w, t),
        });
        let style = if now { style.add_modifier(Modifier::BOLD) } else { style };
        buf.set_string(area.x, area.y + 1 + line as u16, text, style);
    }
    if state.shown.is_empty() {
        buf.set_string(area.x + 2, area.y + 2, t.t("queue.empty"), Style::default().fg(Color::DarkGray));
    }
    let y = area.y + area.height.saturating_sub(1);
    let mut count = t.t("queue.count").replace("{n}", &state.shown.len().to_string());
    if let Some(k) = state.kind {
        count = format!("[{}] {count}", t.pick(k.zh(), k.en()));
    }
    if let Some(s) = state.status {
        count = format!("[{}] {count}", t.t(status_key(s)));
    }
    if state.todo {
        count = format!("[{}] {count}", t.t("queue.todo"));
    }
    let label = format!("{}: ", t.t("queue.filter"));
    let line = Line::from(vec![
        Span::styled(label.clone(), Style::default().fg(Color::Cyan)),
        Span::raw(truncate(&state.filter, total.saturating_sub(width(&label) + width(&count) + 3))),
        Span::raw("  "),
        Span::styled(count, Style::default().fg(Color::DarkGray)),
    ]);
    frame.buffer_mut().set_line(area.x, y, &line, area.width);
    if state.filtering {
        // The real cursor sits where the next character goes, so input methods open there.
        let x = area.x as usize + width(&label) + width(&state.filter);
        frame.set_cursor_position((x.min(area.right().saturating_sub(1) as usize) as u16, y));
    }
}

impl Screen for QueueState {
    fn name(&self) -> &'static str {
        "queue"
    }

    fn update(&mut self, ev: &KeyEvent, cx: &Ctx) -> Action {
        let keys = cx.keys;
        if self.filtering {
            self.on_filter_key(ev);
            return Action::None;
        }
        if self.on_view_key(keys, ev, cx.page) {
            return Action::None;
        }
        if keys.open.matches(ev) {
            self.on_current(Effect::OpenDetail)
        } else if keys.score.matches(ev) {
            self.on_current(Effect::StartScoring)
        } else if keys.decide.matches(ev) {
            self.on_current(Effect::StartDecision)
        } else if keys.conflict.matches(ev) {
            self.on_current(Effect::StartConflict)
        } else if keys.report.matches(ev) {
            Action::Do(Effect::OpenReports)
        } else if keys.rectification.matches(ev) {
            Action::Do(Effect::OpenRectifications)
        } else if keys.agenda_set.matches(ev) {
            self.on_current(Effect::SetAgenda)
        } else if keys.projector.matches(ev) {
            self.on_current(Effect::OpenProjector)
        } else if keys.switch.matches(ev) {
            Action::Do(Effect::OpenSwitcher)
        } else if keys.sync.matches(ev) {
            Action::Do(Effect::OpenSync)
        } else if keys.quit.matches(ev) {
            Action::Quit
        } else if ev.code == KeyCode::Esc && !self.filter.is_empty() {
            self.filter.clear();
            self.refilter();
            Action::None
        } else if ev.code == KeyCode::Esc {
            Action::Say(cx.t.t("app.how_to_quit").to_string())
        } else {
            Action::None
        }
    }

    fn render(&self, frame: &mut Frame, area: Rect, cx: &Ctx) {
        render(self, cx.t, frame, area);
    }

    fn hints(&self) -> &'static [&'static str] {
        if self.filtering {
            &["queue.key_filter_done", "queue.key_filter_clear"]
        } else {
            // Most used first: a narrow status bar cuts from the end, and `?` lists them all.
            &[
                "keys.open",
                "keys.score",
                "keys.conflict",
                "keys.decide",
                "keys.filter",
                "keys.todo",
                "keys.kind",
                "keys.progress",
                "keys.sync",
                "keys.report",
                "keys.rectification",
                "keys.agenda",
                "keys.projector",
                "keys.help",
                "keys.quit",
                "keys.switch",
                "keys.move",
            ]
        }
    }

    fn typing(&self) -> bool {
        self.filtering
    }

    fn paste(&mut self, text: &str) {
        if self.filtering {
            self.filter.push_str(&text.replace(['\r', '\n'], " "));
            self.refilter();
        }
    }

    fn receive(&mut self, news: News) {
        if let News::Queue(view) = news {
            self.replace(view);
        }
    }

    fn rows(&self) -> usize {
        self.view.rows.len()
    }

    fn click(&mut self, column: u16, row: u16, area: Rect) {
        // The table's column titles are the body's first line, its rows start below them.
        match row.checked_sub(area.y) {
            Some(0) => self.click_header(column as usize, area.width as usize),
            Some(r) => self.click((r - 1) as usize, area.height.saturating_sub(2) as usize),
            None => {}
        }
    }
}

/// No meeting on this machine yet: a new machine receives one through sync.
pub struct NoMeeting;

impl Screen for NoMeeting {
    fn name(&self) -> &'static str {
        "empty"
    }

    fn update(&mut self, ev: &KeyEvent, cx: &Ctx) -> Action {
        if cx.keys.sync.matches(ev) {
            Action::Do(Effect::OpenSync)
        } else if cx.keys.switch.matches(ev) {
            Action::Do(Effect::OpenSwitcher)
        } else if cx.keys.quit.matches(ev) {
            Action::Quit
        } else {
            Action::None
        }
    }

    fn render(&self, _frame: &mut Frame, _area: Rect, _cx: &Ctx) {}

    fn hints(&self) -> &'static [&'static str] {
        &["keys.sync", "keys.switch", "keys.quit"]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_terminals_drop_low_priority_columns_first() {
        let at80: Vec<usize> = layout(80).iter().map(|(c, _)| *c).collect();
        assert!(!at80.contains(&2) && at80.contains(&0) && at80.contains(&5) && at80.contains(&8), "{at80:?}");
        let at160: Vec<usize> = layout(160).iter().map(|(c, _)| *c).collect();
        assert_eq!(at160.len(), COLUMNS.len());
        for total in [80, 100, 120, 160] {
            let used: usize = layout(total).iter().map(|(_, w)| w).sum::<usize>() + layout(total).len() - 1;
            assert_eq!(used, total, "columns fill the width exactly at {total}");
        }
    }

    #[test]
    fn the_selected_row_stays_on_screen() {
        assert_eq!(offset(0, 10), 0);
        assert_eq!(offset(9, 10), 0);
        assert_eq!(offset(10, 10), 1);
        assert_eq!(offset(9999, 20), 9980);
    }
}
