//! Printing: JSON for scripts, aligned text for people (aligned by display width).

use crate::domain::text::{fit, fit_right};
use serde::Serialize;

pub fn json<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// A text table whose columns are measured in terminal cells, so Chinese lines up.
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    right: Vec<bool>,
    max: Vec<usize>,
}

impl Table {
    /// Columns as (header, right-aligned, maximum width in cells).
    pub fn new(columns: &[(&str, bool, usize)]) -> Table {
        Table {
            headers: columns.iter().map(|c| c.0.to_string()).collect(),
            right: columns.iter().map(|c| c.1).collect(),
            max: columns.iter().map(|c| c.2).collect(),
            rows: vec![],
        }
    }

    /// Adds a row; control characters in a cell are shown escaped, and measured as shown.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells.into_iter().map(|c| crate::domain::text::printable(&c).into_owned()).collect());
    }

    pub fn print(&self) {
        let widths: Vec<usize> = (0..self.headers.len())
            .map(|i| {
                let natural = std::iter::once(&self.headers[i])
                    .chain(self.rows.iter().filter_map(|r| r.get(i)))
                    .map(|s| crate::domain::text::width(s))
                    .max()
                    .unwrap_or(0);
                natural.min(self.max[i])
            })
            .collect();
        let line = |cells: &[String]| {
            let parts: Vec<String> = widths
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    let c = cells.get(i).map(String::as_str).unwrap_or("");
                    if self.right[i] { fit_right(c, *w) } else { fit(c, *w) }
                })
                .collect();
            println!("{}", parts.join("  ").trim_end());
        };
        line(&self.headers);
        println!("{}", widths.iter().map(|w| "─".repeat(*w)).collect::<Vec<_>>().join("  "));
        for r in &self.rows {
            line(r);
        }
    }
}
