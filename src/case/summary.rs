//! What the workbench and `hydrascope` print about a case at a glance, read
//! from the rollups only, so it costs the same for 100 or 16 million exchanges.

use rusqlite::OptionalExtension;

use super::{Case, CaseError};

/// The case at a glance.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CaseSummary {
    /// Case format version.
    pub format_version: i32,
    /// Where the data came from (`meta.source`).
    pub source: Option<String>,
    /// Accounts in the case.
    pub accounts: u64,
    /// Exchanges in the case.
    pub exchanges: u64,
    /// Events in the case.
    pub events: u64,
    /// Partner indicators in the case.
    pub indicators: u64,
    /// Earliest exchange, ms since the epoch (UTC).
    pub first_ms: Option<i64>,
    /// Latest exchange, ms since the epoch (UTC).
    pub last_ms: Option<i64>,
    /// Total prompt tokens.
    pub input_tokens: i64,
    /// Total completion tokens.
    pub output_tokens: i64,
    /// Exchanges per model, most used first.
    pub models: Vec<(String, u64)>,
    /// Exchanges per capability label, most used first.
    pub capabilities: Vec<(String, u64)>,
    /// Accounts per access path, most common first.
    pub access_paths: Vec<(String, u64)>,
    /// Most used prompt templates: hex, exchanges, accounts.
    pub top_templates: Vec<(String, u64, u64)>,
    /// All traffic per hour: (hour since the epoch, exchanges).
    pub hourly: Vec<(i64, u64)>,
    /// Events: ts_ms, kind, and what (a ban's account id; otherwise the
    /// text, model or account). All but bans; bans up to 5,000, earliest first.
    pub events_list: Vec<(i64, String, String)>,
    /// The last folder of logs appended (`import --into`): when (RFC 3339)
    /// and from where.
    pub last_append: Option<(String, String)>,
    /// The stored analysis was run before the last append: it does not see
    /// the appended logs.
    pub analysis_predates_append: bool,
    /// The case holds its single exchanges; false for one built from
    /// rollups on Spark (`meta.exchanges_stored` = `no`), whose views that
    /// need them say so.
    pub exchanges_stored: bool,
}

impl CaseSummary {
    /// Account bans in the case (`events_list` holds at most 5,000).
    pub fn bans_total(&self) -> u64 {
        let others = self
            .events_list
            .iter()
            .filter(|(_, kind, _)| kind != "account_banned")
            .count() as u64;
        self.events.saturating_sub(others)
    }
}

impl Case {
    /// Whether the case holds its single exchanges: not one built from
    /// rollups on Spark (`meta.exchanges_stored` = `no`).
    pub fn holds_exchanges(&self) -> Result<bool, CaseError> {
        let stored: Option<String> = self
            .conn()
            .query_row(
                "SELECT value FROM meta WHERE key = 'exchanges_stored'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        Ok(stored.as_deref() != Some("no"))
    }

    /// [`CaseError::RollupsOnly`] when the case holds no single exchanges
    /// and `what` needs them.
    pub fn needs_exchanges(&self, what: &str) -> Result<(), CaseError> {
        if self.holds_exchanges()? {
            Ok(())
        } else {
            Err(CaseError::RollupsOnly {
                path: self.path().to_path_buf(),
                what: what.to_string(),
            })
        }
    }

    /// How many accounts and exchanges the case says it holds (`meta`):
    /// numbers only, safe to show before the case is checked (none where
    /// `meta` holds no number).
    pub fn declared_size(&self) -> Result<(Option<u64>, Option<u64>), CaseError> {
        let number = |key: &str| -> Result<Option<u64>, CaseError> {
            let value: Option<String> = self
                .conn()
                .query_row(
                    "SELECT value FROM meta WHERE key = ?1 AND typeof(value) = 'text' AND length(value) <= 20",
                    [key],
                    |r| r.get(0),
                )
                .optional()?;
            Ok(value.and_then(|v| v.trim().parse::<u64>().ok()))
        };
        Ok((number("accounts")?, number("exchanges")?))
    }

    /// Reads the summary from the rollups.
    pub fn summary(&self) -> Result<CaseSummary, CaseError> {
        let conn = self.conn();
        let meta = |key: &str| -> Result<Option<String>, CaseError> {
            Ok(conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()?)
        };
        let count = |key: &str| -> Result<u64, CaseError> {
            Ok(meta(key)?.and_then(|v| v.parse().ok()).unwrap_or(0))
        };
        let pairs = |sql: &str| -> Result<Vec<(String, u64)>, CaseError> {
            let mut stmt = conn.prepare(sql)?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        };
        let (input_tokens, output_tokens) = conn.query_row(
            "SELECT coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0) FROM model_hourly",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let mut stmt = conn.prepare(
            "SELECT t.hex, s.exchanges, s.accounts FROM template_stats s JOIN templates t ON t.id = s.template \
             ORDER BY s.exchanges DESC, t.hex LIMIT 10",
        )?;
        let top_templates = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut stmt = conn
            .prepare("SELECT hour, sum(exchanges) FROM model_hourly GROUP BY hour ORDER BY hour")?;
        let hourly = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        // Every event but bans, and the first bans (a campaign's bans can
        // run to thousands); a ban names its account.
        let mut stmt = conn.prepare(
            "SELECT ts_ms, kind, what FROM ( \
               SELECT ts_ms, kind, coalesce(text, model, account_id, '') AS what, id FROM events \
               WHERE kind != 'account_banned' \
               UNION ALL \
               SELECT * FROM (SELECT ts_ms, kind, coalesce(account_id, text, '') AS what, id FROM events \
               WHERE kind = 'account_banned' ORDER BY ts_ms, id LIMIT 5000)) \
             ORDER BY ts_ms, id",
        )?;
        let events_list = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let last_append = match (meta("last_appended_at")?, meta("last_appended_from")?) {
            (Some(at), from) => Some((at, from.unwrap_or_default())),
            _ => None,
        };
        let last_run: Option<String> = conn
            .query_row("SELECT max(finished_at) FROM analysis_runs", [], |r| {
                r.get(0)
            })
            .optional()?
            .flatten();
        // Both are RFC 3339 UTC with milliseconds: they compare as text.
        let analysis_predates_append = matches!(
            (&last_append, &last_run),
            (Some((appended, _)), Some(run)) if run < appended
        );
        Ok(CaseSummary {
            exchanges_stored: self.holds_exchanges()?,
            last_append,
            analysis_predates_append,
            format_version: self.format_version()?,
            source: meta("source")?,
            accounts: count("accounts")?,
            exchanges: count("exchanges")?,
            events: count("events")?,
            indicators: count("indicators")?,
            first_ms: meta("first_ms")?.and_then(|v| v.parse().ok()),
            last_ms: meta("last_ms")?.and_then(|v| v.parse().ok()),
            input_tokens,
            output_tokens,
            models: pairs(
                "SELECT m.name, sum(h.exchanges) AS n FROM model_hourly h JOIN models m ON m.id = h.model \
                 GROUP BY h.model ORDER BY n DESC, m.name",
            )?,
            capabilities: pairs(
                "SELECT c.name, sum(a.exchanges) AS n FROM account_capabilities a \
                 JOIN capabilities c ON c.id = a.capability GROUP BY a.capability ORDER BY n DESC, c.name",
            )?,
            access_paths: pairs(
                "SELECT coalesce(access_path, '(not given)') AS p, count(*) AS n FROM accounts \
                 GROUP BY p ORDER BY n DESC, p",
            )?,
            top_templates,
            hourly,
            events_list,
        })
    }
}
