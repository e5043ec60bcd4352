//! Redaction of a case export: pseudonyms for identifiers, scrubbing of
//! free text, and the copy of one table's rows from the source (attached
//! as `src`) into the fresh export file, each row pseudonymised in memory
//! before it is written.
//!
//! Nothing raw is ever written to the new file: no row is copied and then
//! rewritten, so no raw byte can survive in a free page, a journal or a
//! half-written `.partial`. Only the columns the format defines are read;
//! a value of a type its column does not hold (a blob where text belongs,
//! text in a number column) is not understood, and its row is left out.

use std::collections::BTreeMap;
use std::net::IpAddr;

use aho_corasick::{AhoCorasick, MatchKind};
use rusqlite::Transaction;
use rusqlite::types::Value;

use super::CaseError;
use super::guard::ColumnShape;

/// Shortest identifier replaced inside free text: shorter values ("AB")
/// would also hit ordinary words and numbers; as whole fields they are
/// always replaced.
pub const MIN_REDACTED_SUBSTRING: usize = 4;

/// The identifier columns and how each is pseudonymised.
const TOKEN_COLUMNS: &[(&str, &str, &str)] = &[
    ("accounts", "org_name", "org"),
    ("accounts", "email_domain", "dom"),
    ("accounts", "payment_fingerprint", "pay"),
    ("api_keys", "key_id", "key"),
    ("client_fingerprints", "fingerprint", "cfp"),
];
const ADDRESS_COLUMNS: &[(&str, &str)] = &[
    ("accounts", "signup_ip"),
    ("origins", "ip"),
    ("origins", "prefix"),
];
/// Indicator kinds whose value is an identifier, with the token kind
/// (`None`: an address or network).
const INDICATOR_KINDS: &[(&str, Option<&str>)] = &[
    ("ip", None),
    ("cidr", None),
    ("payment_fingerprint", Some("pay")),
    ("email_domain", Some("dom")),
    ("client_fingerprint", Some("cfp")),
];

/// Values in the identifier columns of a case marked redacted that are not
/// pseudonyms (`kind-` and 16 hex digits), and rows in the tables a
/// redacted export leaves empty: what makes a "redacted" mark a lie. The
/// mark is a meta row anyone can write; this is the fact it claims, read
/// from the bytes (one pass over each identifier column, no key needed).
pub(crate) fn raw_identifiers(conn: &rusqlite::Connection) -> Result<u64, CaseError> {
    let hex16 = "[0-9a-f]".repeat(16);
    let mut raw = 0u64;
    let exists = |table: &str, column: &str| -> Result<bool, CaseError> {
        let n: i64 = conn.query_row(
            "SELECT count(*) FROM pragma_table_info(?1) WHERE name = ?2",
            [table, column],
            |r| r.get(0),
        )?;
        Ok(n > 0)
    };
    let mut count = |table: &str, column: &str, kinds: &[&str]| -> Result<(), CaseError> {
        if !exists(table, column)? {
            return Ok(());
        }
        let shapes = kinds
            .iter()
            .map(|k| format!("\"{column}\" GLOB '{k}-{hex16}'"))
            .collect::<Vec<_>>()
            .join(" OR ");
        let n: i64 = conn.query_row(
            &format!(
                "SELECT count(*) FROM \"{table}\" WHERE \"{column}\" IS NOT NULL \
                 AND \"{column}\" <> '' AND NOT ({shapes})"
            ),
            [],
            |r| r.get(0),
        )?;
        raw += n.max(0) as u64;
        Ok(())
    };
    for (table, column, kind) in TOKEN_COLUMNS {
        count(table, column, &[kind])?;
    }
    for (table, column) in ADDRESS_COLUMNS {
        count(table, column, &["ip", "net"])?;
    }
    for table in DROPPED_TABLES {
        let present: i64 = conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [table],
            |r| r.get(0),
        )?;
        if present > 0 {
            let n: i64 = conn.query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |r| {
                r.get(0)
            })?;
            raw += n.max(0) as u64;
        }
    }
    Ok(raw)
}

/// Tables whose rows a redacted export leaves out: prompt excerpts and
/// fields the contract does not name.
pub(super) const DROPPED_TABLES: &[&str] = &["excerpts", "template_examples", "exchange_extra"];

/// Vocabulary columns: kept as words, but with any address inside them
/// replaced (a sender can put one anywhere).
fn is_vocabulary(table: &str, column: &str) -> bool {
    matches!(
        (table, column),
        ("accounts", "billing_country")
            | ("accounts", "access_path")
            | ("accounts", "verification")
            | ("events", "kind")
            | ("events", "model")
            | ("models", "name")
            | ("capabilities", "name")
            | ("indicators", "kind")
    )
}

/// Text columns that are never rewritten: ids that tie the case to the
/// provider's records and to other analysts' cases, fixed vocabularies, and
/// timestamps.
fn keeps_text(table: &str, column: &str) -> bool {
    matches!(
        (table, column),
        ("accounts", "account_id")
            | ("accounts", "billing_country")
            | ("accounts", "access_path")
            | ("accounts", "verification")
            | ("exchanges", "request_id")
            | ("events", "account_id")
            | ("events", "kind")
            | ("events", "model")
            | ("models", "name")
            | ("capabilities", "name")
            | ("templates", "hex")
            | ("indicators", "kind")
            | ("meta", "key")
            | ("tags", "status")
            | ("merge_conflicts", "status")
            | ("clusters", "id")
            | ("campaigns", "id")
            | ("campaign_clusters", "campaign")
            | ("notes", "target")
            | ("notes", "campaign")
            | ("sqlite_sequence", "name")
    ) || column.ends_with("_at")
        || column == "at"
        || column == "cluster"
}

/// What the export writes for one column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Treatment {
    /// The value as it is (a number, or text that is no identifier).
    Keep,
    /// Nothing (`NULL`): prompt excerpts, unknown imported fields.
    Null,
    /// A keyed token of this kind (`pay-…`).
    Token(&'static str),
    /// An address or network pseudonym.
    Address,
    /// `indicators.value`: by the row's `kind`.
    IndicatorValue,
    /// A fixed vocabulary (an access path, a model or capability name, a
    /// country, an event kind): kept, but an address written inside it
    /// (`reseller:203.0.113.9`) is replaced by its pseudonym.
    Vocabulary,
    /// Free text, with identifiers inside it replaced.
    Text,
    /// A JSON document, with identifiers inside its strings replaced.
    Json,
}

fn treatment(table: &str, column: &ColumnShape) -> Treatment {
    let name = column.name.as_str();
    if let Some((.., kind)) = TOKEN_COLUMNS
        .iter()
        .find(|(t, c, _)| *t == table && *c == name)
    {
        return Treatment::Token(kind);
    }
    if ADDRESS_COLUMNS.contains(&(table, name)) {
        return Treatment::Address;
    }
    match (table, name) {
        ("indicators", "value") => return Treatment::IndicatorValue,
        ("exchanges", "excerpt") | ("template_stats", "example") | (_, "extra_json") => {
            return Treatment::Null;
        }
        _ => {}
    }
    if column.decl_type.eq_ignore_ascii_case("TEXT") && is_vocabulary(table, name) {
        Treatment::Vocabulary
    } else if !column.decl_type.eq_ignore_ascii_case("TEXT") || keeps_text(table, name) {
        Treatment::Keep
    } else if name.ends_with("_json") {
        Treatment::Json
    } else {
        Treatment::Text
    }
}

/// The keyed pseudonyms of one export.
pub(super) struct Redactor {
    key: [u8; 32],
}

impl Redactor {
    /// The pseudonyms of `key`.
    pub(super) fn new(key: [u8; 32]) -> Self {
        Self { key }
    }

    /// `kind-<16 hex>`: a keyed hash of the value; the kind keeps the
    /// workbench readable ("pay-…" is a card).
    fn token(&self, kind: &str, value: &str) -> String {
        // Domains compare without case in the analysis; so do their tokens.
        let hash = if kind == "dom" {
            blake3::keyed_hash(&self.key, value.to_ascii_lowercase().as_bytes())
        } else {
            blake3::keyed_hash(&self.key, value.as_bytes())
        };
        format!("{kind}-{}", &hash.to_hex()[..16])
    }

    /// The pseudonym of an address (`ip-…`) or a network (`net-…`), from
    /// its canonical text, so the same address written differently gets
    /// the same pseudonym; `None` when `text` is neither. A pseudonym is
    /// never itself an address: it cannot be mistaken for (or coincide
    /// with) a real one.
    fn address_text(&self, text: &str) -> Option<String> {
        match text.split_once('/') {
            Some((addr, len)) => {
                let ip: IpAddr = addr.parse().ok()?;
                let len: u8 = len.parse().ok()?;
                let max = if ip.is_ipv4() { 32 } else { 128 };
                (len <= max).then(|| self.token("net", &format!("{ip}/{len}")))
            }
            None => {
                let ip: IpAddr = text.parse().ok()?;
                Some(self.token("ip", &ip.to_string()))
            }
        }
    }

    /// An address or network, else a token of the text.
    fn address_or_token(&self, text: &str) -> String {
        self.address_text(text.trim())
            .unwrap_or_else(|| self.token("ip", text))
    }

    fn indicator(&self, kind: &str, value: &str) -> Option<String> {
        let (_, token) = INDICATOR_KINDS.iter().find(|(k, _)| *k == kind)?;
        Some(match token {
            Some(token) => self.token(token, value),
            None => self.address_or_token(value),
        })
    }
}

/// A [`Redactor`] with every identifier of the source, to find them again
/// inside free text.
pub(super) struct Scrubber {
    redactor: Redactor,
    /// (raw, pseudonym), the patterns of `matcher`.
    pairs: Vec<(String, String)>,
    matcher: Option<AhoCorasick>,
}

impl Scrubber {
    /// Collects the identifiers of the source attached as `db` on `tx`
    /// (all of them: a subset's notes may quote accounts it lacks).
    pub(super) fn from_source(
        tx: &Transaction<'_>,
        db: &str,
        redactor: Redactor,
    ) -> Result<Self, CaseError> {
        let mut mapping: BTreeMap<String, String> = BTreeMap::new();
        let values = |table: &str, column: &str, condition: &str| {
            let mut stmt = tx.prepare(&format!(
                "SELECT DISTINCT \"{column}\" FROM \"{db}\".\"{table}\" \
                 WHERE typeof(\"{column}\") = 'text'{condition}"
            ))?;
            let found = stmt
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<String>>>()?;
            Ok::<_, CaseError>(found)
        };
        for (table, column, kind) in TOKEN_COLUMNS {
            for value in values(table, column, "")? {
                let pseudo = redactor.token(kind, &value);
                mapping.insert(value, pseudo);
            }
        }
        for (table, column) in ADDRESS_COLUMNS {
            for value in values(table, column, "")? {
                let pseudo = redactor.address_or_token(&value);
                mapping.insert(value, pseudo);
            }
        }
        for (kind, _) in INDICATOR_KINDS {
            for value in values("indicators", "value", &format!(" AND kind = '{kind}'"))? {
                if let Some(pseudo) = redactor.indicator(kind, &value) {
                    mapping.insert(value, pseudo);
                }
            }
        }
        let pairs: Vec<(String, String)> = mapping
            .into_iter()
            .filter(|(raw, _)| raw.chars().count() >= MIN_REDACTED_SUBSTRING)
            .collect();
        let matcher = if pairs.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostLongest)
                    // Domains and names are written in any case ("Example.COM").
                    .ascii_case_insensitive(true)
                    .build(pairs.iter().map(|(raw, _)| raw.as_str()))
                    .map_err(|e| CaseError::Invalid(format!("redaction patterns: {e}")))?,
            )
        };
        Ok(Self {
            redactor,
            pairs,
            matcher,
        })
    }

    /// `text` with every known identifier (longest first) and anything
    /// that reads as an IP address or network replaced by its pseudonym.
    fn text(&self, text: &str) -> String {
        let replaced = match &self.matcher {
            None => text.to_string(),
            Some(matcher) => {
                let mut out = String::with_capacity(text.len());
                matcher.replace_all_with(text, &mut out, |m, _, dst| {
                    dst.push_str(&self.pairs[m.pattern().as_usize()].1);
                    true
                });
                out
            }
        };
        scrub_addresses(&replaced, &self.redactor)
    }

    /// Scrubs the strings inside a JSON document (keys are Hydrascope's
    /// own), so a value escaped inside JSON is found too; text that is not
    /// JSON is scrubbed as text.
    fn json(&self, text: &str) -> String {
        fn walk(value: &mut serde_json::Value, scrubber: &Scrubber) {
            match value {
                serde_json::Value::String(s) => *s = scrubber.text(s),
                serde_json::Value::Array(items) => items.iter_mut().for_each(|v| walk(v, scrubber)),
                serde_json::Value::Object(map) => map.values_mut().for_each(|v| walk(v, scrubber)),
                _ => {}
            }
        }
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(mut value) => {
                walk(&mut value, self);
                serde_json::to_string(&value).unwrap_or_else(|_| self.text(text))
            }
            Err(_) => self.text(text),
        }
    }

    /// The value written for `value` of a column treated as `treatment`
    /// (`kind`: the row's `indicators.kind`), or `None` when the value is
    /// not of a type the column holds.
    fn value(
        &self,
        treatment: Treatment,
        column: &ColumnShape,
        value: Value,
        kind: Option<&str>,
    ) -> Option<Value> {
        let numeric = matches!(
            column.decl_type.to_ascii_uppercase().as_str(),
            "INTEGER" | "REAL"
        );
        match (treatment, value) {
            (_, Value::Null) if !column.not_null => Some(Value::Null),
            (Treatment::Null, _) => (!column.not_null).then_some(Value::Null),
            (_, Value::Null) => None,
            (Treatment::Keep, v @ (Value::Integer(_) | Value::Real(_))) if numeric => Some(v),
            (_, Value::Integer(_) | Value::Real(_) | Value::Blob(_)) => None,
            (_, Value::Text(_)) if numeric => None,
            (Treatment::Keep, v) => Some(v),
            (Treatment::Token(kind), Value::Text(s)) => {
                Some(Value::Text(self.redactor.token(kind, &s)))
            }
            (Treatment::Address, Value::Text(s)) => {
                Some(Value::Text(self.redactor.address_or_token(&s)))
            }
            (Treatment::IndicatorValue, Value::Text(s)) => Some(Value::Text(
                kind.and_then(|k| self.redactor.indicator(k, &s))
                    .unwrap_or_else(|| self.text(&s)),
            )),
            (Treatment::Vocabulary, Value::Text(s)) => {
                Some(Value::Text(scrub_addresses(&s, &self.redactor)))
            }
            (Treatment::Text, Value::Text(s)) => Some(Value::Text(self.text(&s))),
            (Treatment::Json, Value::Text(s)) => Some(Value::Text(self.json(&s))),
        }
    }
}

/// Copies the rows of `src.table` matching `condition` (on the source row,
/// aliased `t`) into `main.table`, pseudonymised: `columns` are the
/// columns the format defines that the source has. Returns (rows written,
/// rows left out because a value was not of its column's type).
pub(super) fn copy_rows(
    tx: &Transaction<'_>,
    table: &str,
    columns: &[ColumnShape],
    condition: &str,
    scrubber: &Scrubber,
) -> Result<(u64, u64), CaseError> {
    if columns.is_empty() || DROPPED_TABLES.contains(&table) {
        return Ok((0, 0));
    }
    let treatments: Vec<Treatment> = columns.iter().map(|c| treatment(table, c)).collect();
    let list = columns
        .iter()
        .map(|c| format!("\"{}\"", c.name))
        .collect::<Vec<_>>()
        .join(", ");
    if treatments
        .iter()
        .all(|t| matches!(t, Treatment::Keep | Treatment::Null))
    {
        // Nothing to pseudonymise (exchanges, rollups, links): one
        // statement, rows of other types than the columns' left out.
        let select = columns
            .iter()
            .zip(&treatments)
            .map(|(c, t)| match t {
                Treatment::Null => "NULL".to_string(),
                _ => format!("t.\"{}\"", c.name),
            })
            .collect::<Vec<_>>()
            .join(", ");
        let typed = columns
            .iter()
            .zip(&treatments)
            .filter(|(_, t)| **t == Treatment::Keep)
            .map(|(c, _)| type_guard(c))
            .collect::<Vec<_>>();
        let typed = if typed.is_empty() {
            "1".to_string()
        } else {
            typed.join(" AND ")
        };
        let written = tx.execute(
            &format!(
                "INSERT INTO main.\"{table}\" ({list}) SELECT {select} FROM src.\"{table}\" AS t \
                 WHERE ({condition}) AND {typed}"
            ),
            [],
        )? as u64;
        let left_out: i64 = tx.query_row(
            &format!(
                "SELECT count(*) FROM src.\"{table}\" AS t WHERE ({condition}) AND NOT ({typed})"
            ),
            [],
            |r| r.get(0),
        )?;
        return Ok((written, left_out.max(0) as u64));
    }
    let kind_at = (table == "indicators")
        .then(|| columns.iter().position(|c| c.name == "kind"))
        .flatten();
    let mut read = tx.prepare(&format!(
        "SELECT {list} FROM src.\"{table}\" AS t WHERE {condition}"
    ))?;
    let placeholders = (1..=columns.len())
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut write = tx.prepare(&format!(
        "INSERT INTO main.\"{table}\" ({list}) VALUES ({placeholders})"
    ))?;
    let (mut written, mut left_out) = (0u64, 0u64);
    let mut rows = read.query([])?;
    let mut values: Vec<Value> = Vec::with_capacity(columns.len());
    while let Some(row) = rows.next()? {
        values.clear();
        let kind: Option<String> = match kind_at {
            Some(i) => row.get::<_, Value>(i).ok().and_then(|v| match v {
                Value::Text(s) => Some(s),
                _ => None,
            }),
            None => None,
        };
        let mut understood = true;
        for (i, (column, treatment)) in columns.iter().zip(&treatments).enumerate() {
            let raw: Value = row.get(i)?;
            match scrubber.value(*treatment, column, raw, kind.as_deref()) {
                Some(v) => values.push(v),
                None => {
                    understood = false;
                    break;
                }
            }
        }
        if !understood {
            left_out += 1;
            continue;
        }
        match write.execute(rusqlite::params_from_iter(values.iter())) {
            Ok(_) => written += 1,
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                // Two rows that differ only in how one identifier is
                // written (an address in two spellings) become one row
                // redacted: the case contradicts itself.
                let raw: Vec<String> = (0..columns.len())
                    .filter(|&i| !matches!(treatments[i], Treatment::Keep | Treatment::Null))
                    .filter_map(|i| row.get::<_, Value>(i).ok())
                    .map(|v| match v {
                        Value::Text(t) => {
                            crate::base::text::terminal_safe(&crate::base::text::for_drawing(&t))
                                .into_owned()
                        }
                        other => format!("{other:?}"),
                    })
                    .collect();
                return Err(CaseError::Invalid(format!(
                    "cannot redact: in table {table}, the row with {} is another row once redacted                      (one identifier written two ways); nothing was written",
                    raw.join(", ")
                )));
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok((written, left_out))
}

/// SQL that holds when `t.column` is of a type the column holds.
fn type_guard(column: &ColumnShape) -> String {
    let mut types = match column.decl_type.to_ascii_uppercase().as_str() {
        "INTEGER" | "REAL" => vec!["'integer'", "'real'"],
        _ => vec!["'text'"],
    };
    if !column.not_null {
        types.push("'null'");
    }
    format!("typeof(t.\"{}\") IN ({})", column.name, types.join(", "))
}

/// Replaces everything in `text` that reads as an IP address or network
/// (`203.0.113.7`, `203.0.113.0/24`, `2001:db8::1`, also inside
/// `ip:203.0.113.7`, `203.0.113.7:443` or `[2001:db8::1]:443`) by its
/// pseudonym.
fn scrub_addresses(text: &str, r: &Redactor) -> String {
    // IPv4 first: runs of digits and dots (with a /length), whatever
    // surrounds them.
    let v4 = replace_runs(
        text,
        |c| c.is_ascii_digit() || c == '.' || c == '/',
        |run| {
            let trimmed = run.trim_matches(['.', '/']);
            if trimmed.matches('.').count() != 3 {
                return None;
            }
            let pseudo = r.address_text(trimmed).or_else(|| {
                // "10.0.0.0/16." or a date-like "/" after an address
                let addr = trimmed.split('/').next()?;
                r.address_text(addr)
                    .map(|p| format!("{p}{}", &trimmed[addr.len()..]))
            })?;
            let start = run.find(trimmed).unwrap_or(0);
            Some(format!(
                "{}{pseudo}{}",
                &run[..start],
                &run[start + trimmed.len()..]
            ))
        },
    );
    // Then IPv6: runs of hex digits and colons with at least two colons.
    replace_runs(
        &v4,
        |c| c.is_ascii_hexdigit() || c == ':' || c == '/',
        |run| {
            if run.matches(':').count() < 2 {
                return None;
            }
            // Whole, else without a leading "ip:"-like colon or a trailing ":port".
            let candidates = [
                run,
                run.trim_start_matches(':'),
                run.rsplit_once(':').map_or(run, |(head, _)| head),
                run.trim_start_matches(':')
                    .rsplit_once(':')
                    .map_or(run, |(head, _)| head),
            ];
            candidates.iter().find_map(|c| {
                let pseudo = r.address_text(c.trim_end_matches('/'))?;
                let start = run.find(*c)?;
                Some(format!(
                    "{}{pseudo}{}",
                    &run[..start],
                    &run[start + c.trim_end_matches('/').len()..]
                ))
            })
        },
    )
}

/// Rewrites each maximal run of characters matching `part` that
/// `replace` has a replacement for.
fn replace_runs(
    text: &str,
    part: impl Fn(char) -> bool,
    replace: impl Fn(&str) -> Option<String>,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(&part) {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let end = tail.find(|c: char| !part(c)).unwrap_or(tail.len());
        let run = &tail[..end];
        match replace(run) {
            Some(new) => out.push_str(&new),
            None => out.push_str(run),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key as `RedactionKey::from_secret` derives it.
    fn key_of(secret: &[u8]) -> [u8; 32] {
        blake3::derive_key("hydrascope 2026 redaction key", secret)
    }

    fn redactor() -> Redactor {
        Redactor::new(key_of(b"a test secret of enough bytes"))
    }

    fn column(name: &str, decl_type: &str, not_null: bool) -> ColumnShape {
        ColumnShape {
            name: name.into(),
            decl_type: decl_type.into(),
            not_null,
            pk: 0,
        }
    }

    #[test]
    fn address_pseudonyms_are_keyed_consistent_and_never_addresses() {
        let r = redactor();
        let a = r.address_text("203.0.113.7").unwrap();
        assert!(a.starts_with("ip-") && a.len() == 19, "{a}");
        assert_eq!(a, r.address_text("203.0.113.7").unwrap(), "deterministic");
        assert_ne!(a, r.address_text("203.0.113.8").unwrap());
        assert!(
            r.address_text("203.0.113.0/24")
                .unwrap()
                .starts_with("net-")
        );
        // The canonical form decides: the same IPv6 address written two ways.
        assert_eq!(
            r.address_text("2001:db8::1").unwrap(),
            r.address_text("2001:0db8:0:0:0:0:0:1").unwrap()
        );
        assert_eq!(r.address_text("not an address"), None);
        let other_key = Redactor::new(key_of(b"another secret of enough bytes"));
        assert_ne!(other_key.address_text("203.0.113.7").unwrap(), a);
    }

    #[test]
    fn free_text_addresses_are_replaced_wherever_they_stand() {
        let r = redactor();
        let text = "12 sign-ups from 203.0.0.0/16 from 2026-02-01T10:00:00.000Z; see 10.1.2.3. \
                    Also ip:198.51.100.9, 198.51.100.10:8443, [2001:db8::7]:443 and ::ffff:10.9.8.7";
        let out = scrub_addresses(text, &r);
        for raw in [
            "203.0.0.0",
            "10.1.2.3",
            "198.51.100.9",
            "198.51.100.10",
            "2001:db8::7",
            "10.9.8.7",
        ] {
            assert!(!out.contains(raw), "{raw} left in {out}");
        }
        assert!(out.contains("2026-02-01T10:00:00.000Z"), "{out}");
        assert!(
            out.contains(&r.address_text("203.0.0.0/16").unwrap()),
            "{out}"
        );
        assert!(
            out.contains(&format!(
                "{}:8443",
                r.address_text("198.51.100.10").unwrap()
            )),
            "{out}"
        );
        assert!(
            out.contains(&format!("ip:{}", r.address_text("198.51.100.9").unwrap())),
            "{out}"
        );
    }

    #[test]
    fn a_value_of_another_type_than_its_column_is_not_understood() {
        let s = Scrubber {
            redactor: redactor(),
            pairs: Vec::new(),
            matcher: None,
        };
        let score = column("score", "REAL", true);
        let note = column("notes", "TEXT", true);
        let card = column("payment_fingerprint", "TEXT", false);
        let keep = Treatment::Keep;
        assert_eq!(
            s.value(keep, &score, Value::Real(0.5), None),
            Some(Value::Real(0.5))
        );
        assert_eq!(
            s.value(keep, &score, Value::Text("4111 1111".into()), None),
            None
        );
        assert_eq!(
            s.value(
                Treatment::Text,
                &note,
                Value::Blob(b"10.1.2.3".to_vec()),
                None
            ),
            None
        );
        assert_eq!(s.value(Treatment::Text, &note, Value::Null, None), None);
        assert_eq!(
            s.value(Treatment::Token("pay"), &card, Value::Null, None),
            Some(Value::Null)
        );
        let Some(Value::Text(token)) = s.value(
            Treatment::Token("pay"),
            &card,
            Value::Text("4111".into()),
            None,
        ) else {
            panic!("a card gets a token")
        };
        assert!(token.starts_with("pay-"), "{token}");
    }

    #[test]
    fn free_text_and_json_columns_are_scrubbed_and_ids_kept() {
        let reference = crate::case::guard::reference(crate::case::SCHEMA_VERSION).unwrap();
        let of = |table: &str, name: &str| {
            let shape = reference.table(table).unwrap();
            let c = shape.columns.iter().find(|c| c.name == name).unwrap();
            treatment(table, c)
        };
        for (table, name) in [
            ("tags", "label"),
            ("tags", "notes"),
            ("tags", "analyst"),
            ("audit_log", "summary"),
            ("link_evidence", "example"),
            ("events", "text"),
            ("meta", "value"),
            ("merges", "source_name"),
        ] {
            assert_eq!(of(table, name), Treatment::Text, "{table}.{name}");
        }
        for (table, name) in [
            ("audit_log", "before_json"),
            ("clusters", "reasons_json"),
            ("merge_conflicts", "theirs_json"),
        ] {
            assert_eq!(of(table, name), Treatment::Json, "{table}.{name}");
        }
        assert_eq!(of("accounts", "account_id"), Treatment::Keep);
        assert_eq!(of("accounts", "signup_ip"), Treatment::Address);
        assert_eq!(of("accounts", "extra_json"), Treatment::Null);
        assert_eq!(of("exchanges", "excerpt"), Treatment::Null);
        assert_eq!(of("indicators", "value"), Treatment::IndicatorValue);
    }
}
