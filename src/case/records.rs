//! Reading the stored records back in their interchange form: for
//! round-trip checks and for writing a case back out as activity logs.

use std::borrow::Cow;
use std::net::IpAddr;

use super::{Case, CaseError};
use crate::logs::record::{
    Account, Capability, Event, EventKind, Exchange, Indicator, IndicatorKind,
};

fn parse_ip(text: Option<String>) -> Option<IpAddr> {
    text.and_then(|t| t.parse().ok())
}

impl Case {
    /// Every account, in stored order.
    pub fn accounts(&self) -> Result<Vec<Account>, CaseError> {
        let mut stmt = self.conn().prepare(
            "SELECT account_id, created_ms, org_name, email_domain, payment_fingerprint, signup_ip, \
             billing_country, access_path, verification, extra_json FROM accounts ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Account {
                account_id: r.get(0)?,
                created_ms: r.get(1)?,
                org_name: r.get(2)?,
                email_domain: r.get(3)?,
                payment_fingerprint: r.get(4)?,
                signup_ip: parse_ip(r.get(5)?),
                billing_country: r.get(6)?,
                access_path: r.get(7)?,
                verification: r.get(8)?,
                extra_json: r.get(9)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Calls `each` for every exchange, in stored order, with its strings
    /// resolved from the dictionaries. Streams: memory stays flat.
    pub fn for_each_exchange(&self, mut each: impl FnMut(&Exchange<'_>)) -> Result<(), CaseError> {
        let mut stmt = self.conn().prepare(
            "SELECT e.request_id, a.account_id, e.ts_ms, m.name, e.input_tokens, e.output_tokens, o.ip, o.asn, \
                    k.key_id, c.fingerprint, t.simhash, e.capability, v.value, x.text, xe.extra_json \
             FROM exchanges e \
             JOIN accounts a ON a.id = e.account \
             JOIN models m ON m.id = e.model \
             LEFT JOIN origins o ON o.id = e.origin \
             LEFT JOIN cot_values v ON v.id = e.cot \
             LEFT JOIN api_keys k ON k.id = e.api_key \
             LEFT JOIN client_fingerprints c ON c.id = e.client_fp \
             LEFT JOIN templates t ON t.id = e.template \
             LEFT JOIN excerpts x ON x.id = e.excerpt \
             LEFT JOIN exchange_extra xe ON xe.exchange = e.id \
             ORDER BY e.id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let capability: Option<u8> = r.get(11)?;
            let exchange = Exchange {
                request_id: Cow::Owned(r.get(0)?),
                account_id: Cow::Owned(r.get(1)?),
                ts_ms: r.get(2)?,
                model: Cow::Owned(r.get(3)?),
                input_tokens: r.get(4)?,
                output_tokens: r.get(5)?,
                ip: parse_ip(r.get(6)?),
                asn: r.get(7)?,
                api_key_id: r.get::<_, Option<String>>(8)?.map(Cow::Owned),
                client_fingerprint: r.get::<_, Option<String>>(9)?.map(Cow::Owned),
                prompt_template: r.get::<_, Option<i64>>(10)?.map(|v| v as u64),
                capability: capability.and_then(Capability::from_code),
                cot_elicitation: r.get(12)?,
                prompt_excerpt: r.get::<_, Option<String>>(13)?.map(Cow::Owned),
                extra_json: r.get(14)?,
            };
            each(&exchange);
        }
        Ok(())
    }

    /// Every event, in time order.
    pub fn events(&self) -> Result<Vec<Event>, CaseError> {
        let mut stmt = self
            .conn()
            .prepare("SELECT ts_ms, kind, model, account_id, text, extra_json FROM events ORDER BY ts_ms, id")?;
        let rows = stmt.query_map([], |r| {
            let kind: String = r.get(1)?;
            Ok(Event {
                ts_ms: r.get(0)?,
                kind: EventKind::parse(&kind).unwrap_or(EventKind::Note),
                model: r.get(2)?,
                account_id: r.get(3)?,
                text: r.get(4)?,
                extra_json: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every partner indicator, in stored order.
    pub fn indicators(&self) -> Result<Vec<Indicator>, CaseError> {
        let mut stmt = self
            .conn()
            .prepare("SELECT kind, value, source, note, extra_json FROM indicators ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            let kind: String = r.get(0)?;
            Ok(Indicator {
                kind: IndicatorKind::parse(&kind).unwrap_or(IndicatorKind::Ip),
                value: r.get(1)?,
                source: r.get(2)?,
                note: r.get(3)?,
                extra_json: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The rows of a rollup table as text, ordered by every column: lets
    /// tests and tools compare two cases' derived tables exactly.
    pub fn table_fingerprint(&self, table: &str) -> Result<Vec<String>, CaseError> {
        if !super::schema::ROLLUP_TABLES.contains(&table) {
            return Err(CaseError::Writer(format!("not a rollup table: {table}")));
        }
        let mut stmt = self.conn().prepare(&format!("SELECT * FROM {table}"))?;
        let columns = stmt.column_count();
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut line = String::new();
            for i in 0..columns {
                let value: rusqlite::types::Value = r.get(i)?;
                line.push_str(&format!("{value:?}|"));
            }
            out.push(line);
        }
        out.sort();
        Ok(out)
    }
}
