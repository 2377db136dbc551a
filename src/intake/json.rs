//! JSON intake, read item by item: an array of objects, or an object with an `applications`
//! array. Nothing is held as a JSON tree: each key goes to its column as it is read, each value
//! becomes one bounded text cell (a list of names is joined with `;`), other top-level keys and
//! nested values are skipped unread, and reading stops at the row limit.

use super::{Collector, MAX_CELL_BYTES, MAX_COLUMNS, Slot, application};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::collections::HashMap;
use std::fmt;

/// Reads JSON bytes into `c`.
pub(super) fn rows(bytes: &[u8], c: &mut Collector) {
    let mut state = State { c, slots: HashMap::new(), stopped: false };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let result = Top(&mut state).deserialize(&mut de).and_then(|()| de.end());
    let State { c, stopped, .. } = state;
    match result {
        Ok(()) => {}
        // The reader stopped itself, and said why.
        Err(_) if stopped => return,
        Err(e) => {
            let e = application::quoted(&e.to_string());
            return c.errors.at(1, "", format!("JSON 格式错误：{e} / malformed JSON: {e}"));
        }
    }
    c.require();
}

struct State<'c> {
    c: &'c mut Collector,
    /// Every key seen so far and where it leads.
    slots: HashMap<String, Slot>,
    /// The reader stopped on purpose (row or column limit), having recorded why.
    stopped: bool,
}

impl State<'_> {
    fn stop<E: de::Error>(&mut self) -> E {
        self.stopped = true;
        E::custom("stopped")
    }
}

/// The whole document.
struct Top<'s, 'c>(&'s mut State<'c>);

impl<'de> DeserializeSeed<'de> for Top<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Top<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of objects, or an object with an applications array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        Items(self.0).visit_seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "applications" && !found {
                found = true;
                map.next_value_seed(Items(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        if !found {
            self.0.c.errors.at(1, "", "需要一个对象数组，或含 applications 数组的对象 / expected an array of objects, or an object with an applications array".into());
        }
        Ok(())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.0.c.errors.at(1, "", "需要一个对象数组 / expected an array of objects".into());
        Ok(())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.visit_str("")
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.visit_str("")
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.visit_str("")
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.visit_str("")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.visit_str("")
    }
}

/// The array of applications.
struct Items<'s, 'c>(&'s mut State<'c>);

impl<'de> DeserializeSeed<'de> for Items<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Items<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        // JSON "rows" are numbered like spreadsheet rows: the first object is row 2.
        let mut row = 2;
        while seq.next_element_seed(Item { s: &mut *self.0, row })?.is_some() {
            if self.0.c.full {
                return Err(self.0.stop());
            }
            row += 1;
        }
        Ok(())
    }
}

/// One application: an object of cells.
struct Item<'s, 'c> {
    s: &'s mut State<'c>,
    row: usize,
}

impl<'de> DeserializeSeed<'de> for Item<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl Item<'_, '_> {
    fn not_an_object(self) {
        self.s.c.errors.at(self.row, "", "该项不是对象 / this item is not an object".into());
    }
}

impl<'de> Visitor<'de> for Item<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let s = self.s;
        let mut cells = vec![String::new(); s.c.table.columns.len()];
        while let Some(key) = map.next_key::<String>()? {
            let slot = match s.slots.get(&key) {
                Some(slot) => *slot,
                None if s.slots.len() >= MAX_COLUMNS => {
                    s.c.errors.at(
                        1,
                        "",
                        format!("对象中出现了超过 {MAX_COLUMNS} 种不同的键：请使用申报模板的列名 / the objects use more than {MAX_COLUMNS} different keys: use the intake template's column names"),
                    );
                    return Err(s.stop());
                }
                None => {
                    let slot = s.c.header(1, &application::quoted(&key), &key);
                    s.slots.insert(key.clone(), slot);
                    slot
                }
            };
            if let Slot::Known(i) = slot
                && cells.len() <= i
            {
                cells.resize(i + 1, String::new());
            }
            let label = application::quoted(&key);
            match map.next_value_seed(CellSeed)? {
                Cell::Text(text) => {
                    if let (Some(kept), Slot::Known(i)) = (s.c.cell(self.row, &label, slot, &text), slot) {
                        cells[i] = kept;
                    }
                }
                Cell::TooLong(n) => s.c.too_long(self.row, &label, slot, n),
                Cell::Nested => s.c.errors.at(
                    self.row,
                    &label,
                    "该值是对象或嵌套列表：请写成文字、数字、是/否，或文件名列表 / the value is an object or a nested list: write text, a number, yes/no, or a list of file names".into(),
                ),
            }
        }
        s.c.row(self.row, cells);
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        self.not_an_object();
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.not_an_object();
        Ok(())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.visit_str("")
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.visit_str("")
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.visit_str("")
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.visit_str("")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.visit_str("")
    }
}

/// One value, as the text of a cell.
enum Cell {
    Text(String),
    /// Longer than a cell may be: its length so far (reading went on without keeping it).
    TooLong(usize),
    Nested,
}

fn number(f: f64) -> String {
    serde_json::Number::from_f64(f).map_or_else(|| f.to_string(), |n| n.to_string())
}

struct CellSeed;

impl<'de> DeserializeSeed<'de> for CellSeed {
    type Value = Cell;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Cell, D::Error> {
        d.deserialize_any(CellVisitor)
    }
}

struct CellVisitor;

impl<'de> Visitor<'de> for CellVisitor {
    type Value = Cell;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("text, a number, yes/no, or a list of names")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Cell, E> {
        Ok(if v.len() > MAX_CELL_BYTES { Cell::TooLong(v.len()) } else { Cell::Text(v.to_string()) })
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Cell, E> {
        Ok(Cell::Text(if v { "是" } else { "否" }.into()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Cell, E> {
        Ok(Cell::Text(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Cell, E> {
        Ok(Cell::Text(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Cell, E> {
        Ok(Cell::Text(number(v)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Cell, E> {
        Ok(Cell::Text(String::new()))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Cell, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Cell::Nested)
    }
    /// A list of names, joined with `;`, kept only while it fits in a cell.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Cell, A::Error> {
        let mut text = String::new();
        let mut len = 0usize;
        let mut nested = false;
        while let Some(item) = seq.next_element_seed(ScalarSeed)? {
            let (item_len, item) = match item {
                Name::Nested => {
                    nested = true;
                    continue;
                }
                Name::Long(n) => (n, None),
                Name::Text(t) => (t.len(), Some(t)),
            };
            len = len.saturating_add(item_len + usize::from(len > 0));
            if let Some(item) = item
                && len <= MAX_CELL_BYTES
            {
                if !text.is_empty() {
                    text.push(';');
                }
                text.push_str(&item);
            }
        }
        Ok(if nested {
            Cell::Nested
        } else if len > MAX_CELL_BYTES {
            Cell::TooLong(len)
        } else {
            Cell::Text(text)
        })
    }
}

/// One element of a list.
enum Name {
    Text(String),
    /// Longer than a cell may be: its length, not its text.
    Long(usize),
    /// A nested value, skipped unread.
    Nested,
}

struct ScalarSeed;

impl<'de> DeserializeSeed<'de> for ScalarSeed {
    type Value = Name;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Name, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Name;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a name")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        // A name longer than a cell is not copied: the list is refused by its length.
        Ok(if v.len() > MAX_CELL_BYTES { Name::Long(v.len()) } else { Name::Text(v.to_string()) })
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Name::Text(if v { "是" } else { "否" }.into()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Name::Text(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Name::Text(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Name::Text(number(v)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Name::Text(String::new()))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Name::Nested)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Name::Nested)
    }
}
