//! What the analysis reads from a case: per-account facts from the rollups,
//! the shared-value tables, and one pass over `exchanges` for what only
//! single requests can tell (minute-level timing, the release pivot,
//! chain-of-thought scores).

use rustc_hash::FxHashMap;

use super::{Case, CaseError};
use crate::facts::{
    AccountFacts, Activity, CAPABILITIES, CaseFeatures, EventFacts, IndicatorFacts, OriginFacts,
    ReleaseWindow, TemplateProfile,
};

fn rows<T>(
    case: &Case,
    sql: &str,
    f: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, CaseError> {
    let mut stmt = case.conn().prepare(sql)?;
    let out = stmt
        .query_map([], f)?
        .collect::<rusqlite::Result<Vec<T>>>()?;
    Ok(out)
}

/// The 0-based index of `accounts.id` = `id` read from `table`, or an error
/// naming the table and the id when no account has it (a damaged or
/// hand-edited case).
fn checked_account(table: &str, id: i64, accounts: usize) -> Result<usize, CaseError> {
    if id >= 1 && (id as u64) <= accounts as u64 {
        Ok((id - 1) as usize)
    } else {
        Err(CaseError::Invalid(format!(
            "{table}: account {id} is not an account of this case (ids 1 to {accounts}); \
             run `hydrascope verify` on it"
        )))
    }
}

/// A dictionary table's rows by id. Ids are dense in a case Hydrascope
/// wrote; one far beyond the row count (a damaged file) is refused rather
/// than allocated for.
fn by_id<T: Default>(table: &str, pairs: Vec<(u32, T)>) -> Result<Vec<T>, CaseError> {
    let len = pairs
        .iter()
        .map(|(id, _)| *id as usize + 1)
        .max()
        .unwrap_or(1);
    if len > 2 * pairs.len() + 1024 {
        return Err(CaseError::Invalid(format!(
            "{table}: id {} is far beyond its {} rows; run `hydrascope verify` on the case",
            len - 1,
            pairs.len()
        )));
    }
    let mut out: Vec<T> = (0..len).map(|_| T::default()).collect();
    for (id, value) in pairs {
        out[id as usize] = value;
    }
    Ok(out)
}

impl Case {
    /// Every account's id, by account index (`accounts.id` - 1).
    pub fn account_ids(&self) -> Result<Vec<String>, CaseError> {
        rows(self, "SELECT account_id FROM accounts ORDER BY id", |r| {
            r.get(0)
        })
    }

    /// Reads the analysis inputs from the rollups (no scan of `exchanges`).
    pub fn features(&self) -> Result<CaseFeatures, CaseError> {
        let mut accounts = rows(
            self,
            "SELECT a.id, a.account_id, a.created_ms, a.org_name, a.email_domain, a.payment_fingerprint, \
                    a.signup_ip, a.access_path, a.verification, s.exchanges, s.input_tokens, s.output_tokens, \
                    s.first_ms, s.last_ms \
             FROM accounts a LEFT JOIN account_summary s ON s.account = a.id ORDER BY a.id",
            |r| {
                Ok(AccountFacts {
                    account_id: r.get(1)?,
                    created_ms: r.get(2)?,
                    org_name: r.get(3)?,
                    email_domain: r.get(4)?,
                    payment_fingerprint: r.get(5)?,
                    signup_ip: r.get(6)?,
                    access_path: r.get(7)?,
                    verification: r.get(8)?,
                    exchanges: r.get::<_, Option<u64>>(9)?.unwrap_or(0),
                    input_tokens: r.get::<_, Option<i64>>(10)?.unwrap_or(0),
                    output_tokens: r.get::<_, Option<i64>>(11)?.unwrap_or(0),
                    first_ms: r.get(12)?,
                    last_ms: r.get(13)?,
                    ..Default::default()
                })
            },
        )?;
        let n_accounts = accounts.len();
        // Account indices are `accounts.id - 1`: the ids must run 1..=N.
        let (low, high): (Option<i64>, Option<i64>) =
            self.conn()
                .query_row("SELECT min(id), max(id) FROM accounts", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
        if n_accounts > 0 && (low != Some(1) || high != Some(n_accounts as i64)) {
            return Err(CaseError::Invalid(format!(
                "accounts: ids run from {} to {} for {n_accounts} accounts, not 1 to {n_accounts}; \
                 run `hydrascope verify` on the case",
                low.unwrap_or(0),
                high.unwrap_or(0)
            )));
        }
        let index = |table: &str, id: i64| checked_account(table, id, n_accounts);
        let mut stmt = self.conn().prepare(
            "SELECT account, ((hour % 24) + 24) % 24, sum(exchanges) FROM account_hourly GROUP BY 1, 2",
        )?;
        let mut q = stmt.query([])?;
        while let Some(r) = q.next()? {
            let (account, hour, n): (i64, i64, u64) = (r.get(0)?, r.get(1)?, r.get(2)?);
            let account = index("account_hourly", account)?;
            accounts[account].hour_of_day[hour.clamp(0, 23) as usize] = n;
        }
        let mut stmt = self
            .conn()
            .prepare("SELECT account, capability, exchanges FROM account_capabilities")?;
        let mut q = stmt.query([])?;
        while let Some(r) = q.next()? {
            let (account, capability, n): (i64, i64, u64) = (r.get(0)?, r.get(1)?, r.get(2)?);
            let account = index("account_capabilities", account)?;
            if !(0..CAPABILITIES as i64).contains(&capability) {
                return Err(CaseError::Invalid(format!(
                    "account_capabilities: capability {capability} of account row {} is not a capability code (0..={})",
                    account + 1,
                    CAPABILITIES - 1
                )));
            }
            accounts[account].capabilities[capability as usize] = n;
        }
        let origins = by_id(
            "origins",
            rows(self, "SELECT id, ip, asn, prefix FROM origins", |r| {
                Ok((
                    r.get::<_, u32>(0)?,
                    OriginFacts {
                        ip: r.get(1)?,
                        asn: r.get(2)?,
                        prefix: r.get(3)?,
                    },
                ))
            })?,
        )?;
        let templates = by_id(
            "templates",
            rows(self, "SELECT id, simhash FROM templates", |r| {
                Ok((r.get::<_, u32>(0)?, r.get::<_, i64>(1)? as u64))
            })?,
        )?;
        let client_fps = by_id(
            "client_fingerprints",
            rows(
                self,
                "SELECT id, fingerprint FROM client_fingerprints",
                |r| Ok((r.get::<_, u32>(0)?, r.get(1)?)),
            )?,
        )?;
        let models = by_id(
            "models",
            rows(self, "SELECT id, name FROM models", |r| {
                Ok((r.get::<_, u32>(0)?, r.get(1)?))
            })?,
        )?;
        let pairs = |table: &str,
                     column: &str,
                     values: usize|
         -> Result<Vec<(u32, u32, u64)>, CaseError> {
            let raw = rows(
                self,
                &format!(
                    "SELECT account, {column}, exchanges FROM {table} ORDER BY account, {column}"
                ),
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, u64>(2)?,
                    ))
                },
            )?;
            raw.into_iter()
                .map(|(account, value, n)| {
                    let account = checked_account(table, account, n_accounts)?;
                    if value < 1 || value as u64 >= values as u64 {
                        return Err(CaseError::Invalid(format!(
                            "{table}: {column} {value} of account row {} names no row of its dictionary",
                            account + 1
                        )));
                    }
                    Ok((account as u32, value as u32, n))
                })
                .collect()
        };
        let events = rows(
            self,
            "SELECT ts_ms, kind, model, account FROM events ORDER BY ts_ms, id",
            |r| {
                Ok((
                    EventFacts {
                        ts_ms: r.get(0)?,
                        kind: r.get(1)?,
                        model: r.get(2)?,
                        account: None,
                    },
                    r.get::<_, Option<i64>>(3)?,
                ))
            },
        )?
        .into_iter()
        .map(|(mut e, account)| {
            if let Some(account) = account {
                e.account = Some(checked_account("events", account, n_accounts)? as u32);
            }
            Ok(e)
        })
        .collect::<Result<Vec<_>, CaseError>>()?;
        let indicators = rows(
            self,
            "SELECT kind, value, source FROM indicators ORDER BY id",
            |r| {
                Ok(IndicatorFacts {
                    kind: r.get(0)?,
                    value: r.get(1)?,
                    source: r.get(2)?,
                })
            },
        )?;
        let span_ms = self.conn().query_row(
            "SELECT min(first_ms), max(last_ms) FROM account_summary",
            [],
            |r| Ok((r.get::<_, Option<i64>>(0)?, r.get::<_, Option<i64>>(1)?)),
        )?;
        let account_origins = pairs("account_origins", "origin", origins.len())?;
        let account_templates = pairs("account_templates", "template", templates.len())?;
        let account_client_fps = pairs("account_client_fps", "client_fp", client_fps.len())?;
        Ok(CaseFeatures {
            accounts,
            origins,
            templates,
            client_fps,
            models,
            account_origins,
            account_templates,
            account_client_fps,
            events,
            indicators,
            span_ms: match span_ms {
                (Some(a), Some(b)) => Some((a, b)),
                _ => None,
            },
        })
    }

    /// One pass over `exchanges`: active minutes per account, counts in
    /// each release window, and chain-of-thought counts (filled into
    /// `features.accounts`).
    pub fn scan_activity(
        &self,
        features: &mut CaseFeatures,
        windows: &[ReleaseWindow],
    ) -> Result<Activity, CaseError> {
        let n = features.accounts.len();
        let cot_high: FxHashMap<i64, bool> = rows(self, "SELECT id, value FROM cot_values", |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, f64>(1)? >= 0.5))
        })?
        .into_iter()
        .collect();
        let mut minutes: Vec<Vec<u32>> = vec![Vec::new(); n];
        let mut release_windows = vec![vec![(0u32, 0u32); n]; windows.len()];
        let mut templates = vec![TemplateProfile::default(); features.templates.len().max(1)];
        let mut stmt = self.conn().prepare(
            "SELECT account, ts_ms, model, cot, template, capability, input_tokens, output_tokens FROM exchanges",
        )?;
        let mut q = stmt.query([])?;
        while let Some(r) = q.next()? {
            let account = checked_account("exchanges", r.get::<_, i64>(0)?, n)?;
            let ts_ms: i64 = r.get(1)?;
            let list = &mut minutes[account];
            let minute = ts_ms.div_euclid(60_000).clamp(0, i64::from(u32::MAX)) as u32;
            if list.last() != Some(&minute) {
                list.push(minute);
            }
            let a = &mut features.accounts[account];
            // 1970-01-01 was a Thursday: day 0 is weekday 3 (Monday = 0).
            a.weekday[(ts_ms.div_euclid(86_400_000) + 3).rem_euclid(7) as usize] += 1;
            let high = match r.get::<_, Option<i64>>(3)? {
                Some(cot) => {
                    let high = cot_high.get(&cot).copied().unwrap_or(false);
                    a.cot_scored += 1;
                    a.cot_high += u64::from(high);
                    Some(high)
                }
                None => None,
            };
            if let Some(t) = r
                .get::<_, Option<i64>>(4)?
                .and_then(|t| usize::try_from(t).ok())
                .and_then(|t| templates.get_mut(t))
            {
                t.exchanges += 1;
                if let Some(c) = r
                    .get::<_, Option<i64>>(5)?
                    .and_then(|c| usize::try_from(c).ok())
                    .filter(|c| *c < CAPABILITIES)
                {
                    t.capabilities[c] += 1;
                }
                if let Some(high) = high {
                    t.cot_scored += 1;
                    t.cot_high += u64::from(high);
                }
                t.input_tokens = t
                    .input_tokens
                    .saturating_add(r.get::<_, i64>(6)?.max(0) as u64);
                t.output_tokens = t
                    .output_tokens
                    .saturating_add(r.get::<_, i64>(7)?.max(0) as u64);
            }
            for (w, window) in windows.iter().enumerate() {
                if ts_ms >= window.start_ms && ts_ms < window.end_ms {
                    let slot = &mut release_windows[w][account];
                    slot.0 += 1;
                    slot.1 += u32::from(r.get::<_, u32>(2)? == window.model);
                }
            }
        }
        for list in &mut minutes {
            list.sort_unstable();
            list.dedup();
            list.shrink_to_fit();
        }
        Ok(Activity {
            templates,
            minutes,
            release_windows,
        })
    }
}
