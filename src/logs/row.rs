//! Raw rows: the cells of one JSON Lines object or one CSV record, before
//! validation, and the field validators that turn them into typed values.
//!
//! JSON keeps its types (a string is not an integer); CSV cells are untyped
//! text that a validator parses. Both read an empty string, a JSON `null` and
//! an empty CSV cell as "absent", so the same data in either format imports to
//! the same case.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::record::parse_template_hex;
use crate::base::time::parse_rfc3339_ms;

/// The most fields any section defines.
pub const MAX_FIELDS: usize = 16;

/// One cell value as read.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell<'a> {
    /// JSON `true` / `false`.
    Bool(bool),
    /// A JSON integer.
    Int(i64),
    /// A JSON integer above `i64::MAX`.
    UInt(u64),
    /// A JSON number with a fraction or exponent.
    Float(f64),
    /// A JSON string.
    Str(Cow<'a, str>),
    /// An untyped CSV cell.
    Text(&'a str),
    /// A JSON array or object where a scalar belongs.
    Nested(&'static str),
    /// A typed timestamp (Parquet), in ms since the epoch, UTC.
    Ts(i64),
}

impl Cell<'_> {
    fn describe(&self) -> String {
        match self {
            Cell::Bool(b) => format!("the boolean {b}"),
            Cell::Int(v) => format!("the number {v}"),
            Cell::UInt(v) => format!("the number {v}"),
            Cell::Float(v) => format!("the number {v}"),
            Cell::Str(s) => format!("the string {}", quote(s)),
            Cell::Text(s) => quote(s),
            Cell::Nested(what) => what.to_string(),
            Cell::Ts(ms) => format!(
                "the timestamp {}",
                crate::base::time::format_rfc3339_ms(*ms)
            ),
        }
    }
}

fn quote(text: &str) -> String {
    let mut shown: String = text.chars().take(60).collect();
    if shown.len() < text.len() {
        shown.push('…');
    }
    format!("{shown:?}")
}

/// A value outside the contract's fields, kept for the case's `extra_json`.
#[derive(Debug)]
pub enum Extra<'a> {
    /// Raw JSON text of the value.
    Json(&'a RawValue),
    /// A CSV cell.
    Text(&'a str),
    /// JSON text made from a typed value (a Parquet cell).
    Rendered(String),
}

/// Why one field of a row is not acceptable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// The field's name, or `""` when the row as a whole is wrong.
    pub field: String,
    /// What is wrong, in words an analyst can act on.
    pub message: String,
}

impl FieldError {
    /// An error about one field.
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_string(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "field `{}`: {}", self.field, self.message)
        }
    }
}

/// The cells of one row, by field position in the section's field list.
pub struct RawRow<'a> {
    fields: &'static [&'static str],
    cells: [Option<Cell<'a>>; MAX_FIELDS],
    extras: Vec<(Cow<'a, str>, Extra<'a>)>,
}

impl<'a> RawRow<'a> {
    /// An empty row of a section with these fields.
    pub fn new(fields: &'static [&'static str]) -> Self {
        debug_assert!(fields.len() <= MAX_FIELDS);
        Self {
            fields,
            cells: Default::default(),
            extras: Vec::new(),
        }
    }

    /// Parses one JSON Lines object.
    pub fn from_json(fields: &'static [&'static str], line: &'a str) -> Result<Self, FieldError> {
        let mut row = RawRow::new(fields);
        if row.fill_flat_json(line).is_some() {
            return Ok(row);
        }
        Self::from_json_general(fields, line)
    }

    /// The general JSON path (serde): escapes, nesting, anything at all.
    pub fn from_json_general(
        fields: &'static [&'static str],
        line: &'a str,
    ) -> Result<Self, FieldError> {
        let mut de = serde_json::Deserializer::from_str(line);
        let row = RowSeed { fields }
            .deserialize(&mut de)
            .map_err(json_error)?;
        de.end().map_err(json_error)?;
        Ok(row)
    }

    /// The fast path for the common case: one flat object whose strings have
    /// no escapes and whose values are scalars. Returns `None` (leaving the
    /// general path to decide) on anything else, including every error.
    fn fill_flat_json(&mut self, line: &'a str) -> Option<()> {
        let b = line.as_bytes();
        // One vectorisable pass rules out escapes and control characters, so
        // strings below can be found by their closing quote alone.
        if b.iter().any(|&c| c < 0x20) || memchr::memchr(b'\\', b).is_some() {
            return None;
        }
        let mut i = skip_ws(b, 0);
        if b.get(i) != Some(&b'{') {
            return None;
        }
        i = skip_ws(b, i + 1);
        if b.get(i) == Some(&b'}') {
            return (skip_ws(b, i + 1) == b.len()).then_some(());
        }
        let mut seen = 0u32;
        let mut expected = 0usize;
        loop {
            let (key, next) = plain_string(line, i)?;
            i = skip_ws(b, next);
            if b.get(i) != Some(&b':') {
                return None;
            }
            i = skip_ws(b, i + 1);
            let (cell, next) = scalar(line, i)?;
            i = skip_ws(b, next);
            // Fields usually come in contract order: try the next one first.
            let index = if self.fields.get(expected) == Some(&key) {
                expected
            } else {
                self.fields.iter().position(|f| *f == key)?
            };
            if seen & (1 << index) != 0 {
                return None;
            }
            seen |= 1 << index;
            expected = index + 1;
            self.cells[index] = cell;
            match b.get(i) {
                Some(b',') => i = skip_ws(b, i + 1),
                Some(b'}') => return (skip_ws(b, i + 1) == b.len()).then_some(()),
                _ => return None,
            }
        }
    }

    /// Sets a cell from an untyped CSV value (empty means absent).
    pub fn set_text(&mut self, index: usize, text: &'a str) {
        if !text.is_empty() {
            self.cells[index] = Some(Cell::Text(text));
        }
    }

    /// Records a CSV column outside the contract.
    pub fn push_extra_text(&mut self, name: &'a str, text: &'a str) {
        if !text.is_empty() {
            self.extras.push((Cow::Borrowed(name), Extra::Text(text)));
        }
    }

    /// Sets a cell from a typed value (a Parquet column).
    pub fn set_cell(&mut self, index: usize, cell: Cell<'a>) {
        self.cells[index] = Some(cell);
    }

    /// Whether a cell is set (the column was there and not null).
    pub fn has(&self, index: usize) -> bool {
        self.cells[index].is_some()
    }

    /// Records a typed value outside the contract, as JSON text.
    pub fn push_extra_rendered(&mut self, name: &'a str, json: String) {
        self.extras
            .push((Cow::Borrowed(name), Extra::Rendered(json)));
    }

    /// Names of the fields outside the contract, for the one-time warning.
    pub fn extra_names(&self) -> impl Iterator<Item = &str> {
        self.extras.iter().map(|(name, _)| name.as_ref())
    }

    /// The fields outside the contract as one JSON object, or `None`.
    pub fn extra_json(&self) -> Option<String> {
        if self.extras.is_empty() {
            return None;
        }
        let mut out = String::from("{");
        for (i, (name, value)) in self.extras.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&serde_json::to_string(name.as_ref()).unwrap_or_default());
            out.push(':');
            match value {
                Extra::Json(raw) => out.push_str(raw.get()),
                Extra::Text(text) => out.push_str(&serde_json::to_string(text).unwrap_or_default()),
                Extra::Rendered(json) => out.push_str(json),
            }
        }
        out.push('}');
        Some(out)
    }

    fn take(&mut self, index: usize) -> Option<Cell<'a>> {
        match self.cells[index].take() {
            Some(Cell::Str(s)) if s.is_empty() => None,
            other => other,
        }
    }

    fn name(&self, index: usize) -> &'static str {
        self.fields[index]
    }

    fn missing(&self, index: usize) -> FieldError {
        FieldError::new(self.name(index), "required but missing or empty")
    }

    fn wrong(&self, index: usize, expected: &str, cell: &Cell<'_>) -> FieldError {
        FieldError::new(
            self.name(index),
            format!("expected {expected}, found {}", cell.describe()),
        )
    }

    /// A required string.
    pub fn req_str(&mut self, index: usize) -> Result<Cow<'a, str>, FieldError> {
        self.opt_str(index)?.ok_or_else(|| self.missing(index))
    }

    /// An optional string.
    pub fn opt_str(&mut self, index: usize) -> Result<Option<Cow<'a, str>>, FieldError> {
        match self.take(index) {
            None => Ok(None),
            Some(Cell::Str(s)) => Ok(Some(s)),
            Some(Cell::Text(s)) => Ok(Some(Cow::Borrowed(s))),
            Some(other) => Err(self.wrong(index, "a string", &other)),
        }
    }

    /// An optional owned string.
    pub fn opt_string(&mut self, index: usize) -> Result<Option<String>, FieldError> {
        Ok(self.opt_str(index)?.map(Cow::into_owned))
    }

    /// An optional integer within `min..=max`.
    pub fn opt_int(&mut self, index: usize, min: i64, max: i64) -> Result<Option<i64>, FieldError> {
        let Some(cell) = self.take(index) else {
            return Ok(None);
        };
        let value = match &cell {
            Cell::Int(v) => Some(*v),
            Cell::Text(s) => s.trim().parse::<i64>().ok(),
            _ => None,
        };
        let too_big = match &cell {
            Cell::UInt(v) => Some(v.to_string()),
            Cell::Text(s) if value.is_none() => {
                let t = s.trim();
                (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| crate::base::text::truncate_for_display(t, 40).into_owned())
            }
            _ => None,
        };
        if let Some(v) = too_big {
            return Err(FieldError::new(
                self.name(index),
                format!("{v} is outside {min}..={max}"),
            ));
        }
        match value {
            Some(v) if (min..=max).contains(&v) => Ok(Some(v)),
            Some(v) => Err(FieldError::new(
                self.name(index),
                format!("{v} is outside {min}..={max}"),
            )),
            None => Err(self.wrong(index, "an integer", &cell)),
        }
    }

    /// A required integer within `min..=max`.
    pub fn req_int(&mut self, index: usize, min: i64, max: i64) -> Result<i64, FieldError> {
        self.opt_int(index, min, max)?
            .ok_or_else(|| self.missing(index))
    }

    /// An optional number within 0..=1.
    pub fn opt_unit(&mut self, index: usize) -> Result<Option<f64>, FieldError> {
        let Some(cell) = self.take(index) else {
            return Ok(None);
        };
        let value = match &cell {
            Cell::Int(v) => Some(*v as f64),
            Cell::Float(v) => Some(*v),
            Cell::Text(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        };
        match value {
            Some(v) if (0.0..=1.0).contains(&v) => Ok(Some(v)),
            Some(v) => Err(FieldError::new(
                self.name(index),
                format!("{v} is outside 0..1"),
            )),
            None => Err(self.wrong(index, "a number from 0 to 1", &cell)),
        }
    }

    /// A required RFC 3339 timestamp, as ms since the epoch.
    pub fn req_ts(&mut self, index: usize) -> Result<i64, FieldError> {
        if let Some(Cell::Ts(ms)) = self.cells[index] {
            self.cells[index] = None;
            return Ok(ms);
        }
        let text = self.req_str(index)?;
        parse_rfc3339_ms(&text).ok_or_else(|| {
            FieldError::new(
                self.name(index),
                format!(
                    "{} is not an RFC 3339 timestamp (like 2026-02-03T12:34:56.789Z)",
                    quote(&text)
                ),
            )
        })
    }

    /// An optional IPv4 or IPv6 address.
    pub fn opt_ip(&mut self, index: usize) -> Result<Option<IpAddr>, FieldError> {
        let Some(text) = self.opt_str(index)? else {
            return Ok(None);
        };
        text.trim().parse::<IpAddr>().map(Some).map_err(|_| {
            FieldError::new(
                self.name(index),
                format!("{} is not an IPv4 or IPv6 address", quote(&text)),
            )
        })
    }

    /// An optional 16-hex-digit SimHash.
    pub fn opt_hex64(&mut self, index: usize) -> Result<Option<u64>, FieldError> {
        let Some(text) = self.opt_str(index)? else {
            return Ok(None);
        };
        parse_template_hex(&text).map(Some).ok_or_else(|| {
            FieldError::new(
                self.name(index),
                format!("{} is not 16 hex digits", quote(&text)),
            )
        })
    }

    /// An optional string that must be one of a closed set, parsed by `parse`.
    pub fn opt_enum<T>(
        &mut self,
        index: usize,
        parse: impl Fn(&str) -> Option<T>,
        accepted: impl Fn() -> String,
    ) -> Result<Option<T>, FieldError> {
        let Some(text) = self.opt_str(index)? else {
            return Ok(None);
        };
        parse(&text).map(Some).ok_or_else(|| {
            FieldError::new(
                self.name(index),
                format!("{} is not one of: {}", quote(&text), accepted()),
            )
        })
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\r' | b'\n')) {
        i += 1;
    }
    i
}

/// A JSON string without escapes or control characters starting at `i`
/// (the opening quote); returns it and the index after the closing quote.
fn plain_string(line: &str, i: usize) -> Option<(&str, usize)> {
    let b = line.as_bytes();
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let start = i + 1;
    // The caller has checked that the line has no escapes or control characters.
    let end = start + memchr::memchr(b'"', &b[start..])?;
    Some((&line[start..end], end + 1))
}

/// A scalar JSON value at `i`: a plain string, a number, `true`, `false` or
/// `null` (as `None`), and the index after it. `None` for anything the fast
/// path leaves to serde.
#[allow(clippy::option_option)]
fn scalar(line: &str, i: usize) -> Option<(Option<Cell<'_>>, usize)> {
    let b = line.as_bytes();
    match *b.get(i)? {
        b'"' => {
            let (text, next) = plain_string(line, i)?;
            Some((Some(Cell::Str(Cow::Borrowed(text))), next))
        }
        b't' if b[i..].starts_with(b"true") => Some((Some(Cell::Bool(true)), i + 4)),
        b'f' if b[i..].starts_with(b"false") => Some((Some(Cell::Bool(false)), i + 5)),
        b'n' if b[i..].starts_with(b"null") => Some((None, i + 4)),
        b'-' | b'0'..=b'9' => {
            let mut j = i + usize::from(b[i] == b'-');
            let int_start = j;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            let int_digits = j - int_start;
            // JSON forbids leading zeros and a bare minus sign.
            if int_digits == 0 || (int_digits > 1 && b[int_start] == b'0') {
                return None;
            }
            let mut is_float = false;
            if b.get(j) == Some(&b'.') {
                is_float = true;
                j += 1;
                let frac_start = j;
                while j < b.len() && b[j].is_ascii_digit() {
                    j += 1;
                }
                if j == frac_start {
                    return None;
                }
            }
            if matches!(b.get(j), Some(b'e' | b'E')) {
                is_float = true;
                j += 1;
                if matches!(b.get(j), Some(b'+' | b'-')) {
                    j += 1;
                }
                let exp_start = j;
                while j < b.len() && b[j].is_ascii_digit() {
                    j += 1;
                }
                if j == exp_start {
                    return None;
                }
            }
            let text = &line[i..j];
            let cell = if is_float {
                Cell::Float(text.parse::<f64>().ok().filter(|v| v.is_finite())?)
            } else {
                // Integers beyond i64 go the general way (serde gives u64);
                // serde reads `-0` as the float -0.0, and so must we.
                match parse_int(text)? {
                    0 if text.starts_with('-') => Cell::Float(-0.0),
                    value => Cell::Int(value),
                }
            };
            Some((Some(cell), j))
        }
        _ => None,
    }
}

/// A JSON integer already checked for shape; `None` on overflow.
fn parse_int(text: &str) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if digits.len() > 18 {
        return text.parse().ok();
    }
    let mut value: i64 = 0;
    for c in digits.bytes() {
        value = value * 10 + i64::from(c - b'0');
    }
    Some(if negative { -value } else { value })
}

fn json_error(err: serde_json::Error) -> FieldError {
    // serde_json's messages carry "at line 1 column N"; the column helps find
    // the spot in a long line, the line is ours to report.
    let text = err.to_string();
    let text = text.replace(" at line 1 column", " at column");
    if let Some(field) = text
        .strip_prefix("duplicate field `")
        .and_then(|t| t.split('`').next())
    {
        return FieldError::new(field, "appears twice in the object");
    }
    FieldError::new("", format!("not a valid JSON object: {text}"))
}

struct RowSeed {
    fields: &'static [&'static str],
}

impl<'de> DeserializeSeed<'de> for RowSeed {
    type Value = RawRow<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(RowVisitor {
            fields: self.fields,
        })
    }
}

struct RowVisitor {
    fields: &'static [&'static str],
}

impl<'de> Visitor<'de> for RowVisitor {
    type Value = RawRow<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut row = RawRow::new(self.fields);
        let mut seen = 0u32;
        while let Some(key) = map.next_key::<Key<'de>>()? {
            match self.fields.iter().position(|f| *f == key.0.as_ref()) {
                Some(index) => {
                    if seen & (1 << index) != 0 {
                        return Err(de::Error::custom(format_args!(
                            "duplicate field `{}`",
                            self.fields[index]
                        )));
                    }
                    seen |= 1 << index;
                    row.cells[index] = map.next_value::<Option<Cell<'de>>>()?;
                }
                None => {
                    let raw = map.next_value::<&'de RawValue>()?;
                    row.extras.push((key.0, Extra::Json(raw)));
                }
            }
        }
        Ok(row)
    }
}

struct Key<'a>(Cow<'a, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

impl<'de> serde::Deserialize<'de> for Cell<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CellVisitor)
    }
}

struct CellVisitor;

impl<'de> Visitor<'de> for CellVisitor {
    type Value = Cell<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Cell::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Cell::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(i64::try_from(v).map_or(Cell::UInt(v), Cell::Int))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Cell::Float(v))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cell::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cell::Str(Cow::Owned(v.to_string())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cell::Str(Cow::Owned(v)))
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Cell::Nested("an array"))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Cell::Nested("an object"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &[&str] = &["id", "n", "ts", "score"];

    #[test]
    fn json_row_keeps_types_and_unknown_fields() {
        let mut row = RawRow::from_json(
            FIELDS,
            r#"{"n": 5, "id": "a\"b", "zz": [1, {"x": 2}], "score": 0.5}"#,
        )
        .unwrap();
        assert_eq!(row.extra_json().as_deref(), Some(r#"{"zz":[1, {"x": 2}]}"#));
        assert_eq!(row.req_str(0).unwrap(), "a\"b");
        assert_eq!(row.req_int(1, 0, 10).unwrap(), 5);
        assert_eq!(row.opt_unit(3).unwrap(), Some(0.5));
        assert_eq!(row.req_ts(2).unwrap_err().field, "ts");
    }

    #[test]
    fn fast_and_general_json_paths_agree() {
        let lines = [
            r#"{"id":"a","n":5,"ts":"2026-01-01T00:00:00Z","score":0.125}"#,
            r#" { "score" : 1e-3 , "n" : -0 , "id" : "" } "#,
            r#"{"n":12345678901234,"score":0.30000000000000004,"id":"ünï"}"#,
            r#"{"n":null,"id":true,"score":false}"#,
            r#"{}"#,
            r#"{"score":2.5E+2}"#,
            r#"{"score":0.1e1}"#,
        ];
        for line in lines {
            let mut fast = RawRow::new(FIELDS);
            assert!(fast.fill_flat_json(line).is_some(), "{line}");
            let general = RawRow::from_json_general(FIELDS, line).unwrap();
            assert_eq!(fast.cells, general.cells, "{line}");
        }
        // Everything else is left to the general path.
        for line in [
            r#"{"id":"a\"b"}"#,
            r#"{"n":01}"#,
            r#"{"n":1.}"#,
            r#"{"n":-}"#,
            r#"{"zz":1}"#,
            r#"{"n":[1]}"#,
            r#"{"n":1,"n":2}"#,
            r#"{"n":1} x"#,
            r#"{"n":1,}"#,
            r#"{"n":99999999999999999999}"#,
        ] {
            let mut fast = RawRow::new(FIELDS);
            assert!(fast.fill_flat_json(line).is_none(), "{line}");
        }
    }

    #[test]
    fn json_string_is_not_an_integer() {
        let mut row = RawRow::from_json(FIELDS, r#"{"n": "5"}"#).unwrap();
        let err = row.req_int(1, 0, 10).unwrap_err();
        assert_eq!(err.field, "n");
        assert!(err.message.contains("expected an integer"), "{err}");
    }

    #[test]
    fn duplicate_json_field_is_named() {
        let err = RawRow::from_json(FIELDS, r#"{"n": 1, "n": 2}"#)
            .err()
            .unwrap();
        assert_eq!(err.field, "n");
    }

    #[test]
    fn csv_text_parses_by_field_type() {
        let mut row = RawRow::new(FIELDS);
        row.set_text(1, "42");
        row.set_text(3, "");
        assert_eq!(row.req_int(1, 0, 100).unwrap(), 42);
        assert_eq!(row.opt_unit(3).unwrap(), None);
    }
}
