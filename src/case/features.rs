//! What the analysis reads from a case: per-account facts from the rollups
//! and the shared-value tables, minute-level timing from `account_minutes`
//! and the release pivot from `account_model_hourly`. No exchange is read.

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

/// The account indices that the ids `first..=last` of `accounts.id` cover
/// among `n` accounts: (the first index, how many). Ids outside 1..=n are
/// refused row by row by [`checked_account`].
fn index_range(first: i64, last: i64, n: usize) -> (usize, usize) {
    let from = usize::try_from(first.max(1) - 1).unwrap_or(0).min(n);
    let width = usize::try_from(last - first + 1).unwrap_or(0).min(n - from);
    (from, width)
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
                    s.first_ms, s.last_ms, s.cot_scored, s.cot_high \
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
                    cot_scored: r.get::<_, Option<u64>>(14)?.unwrap_or(0),
                    cot_high: r.get::<_, Option<u64>>(15)?.unwrap_or(0),
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
        // Summed per hour of the day here rather than by a GROUP BY, which
        // sorts millions of rows first; in parts on several threads, each
        // part summing its own range of accounts.
        type Clock = ([u64; 24], [u64; 7]);
        let parts = self.scan_in_parts("account_hourly", "account", 1_000, 8, |case, first, last| {
            let (from, width) = index_range(first, last, n_accounts);
            let mut part: Vec<Clock> = vec![([0; 24], [0; 7]); width];
            let mut stmt = case.conn().prepare(
                "SELECT account, hour, exchanges FROM account_hourly WHERE account BETWEEN ?1 AND ?2",
            )?;
            let mut q = stmt.query([first, last])?;
            while let Some(r) = q.next()? {
                let (account, hour, n): (i64, i64, u64) = (r.get(0)?, r.get(1)?, r.get(2)?);
                let account = index("account_hourly", account)?;
                let overflow = || {
                    CaseError::Invalid(format!(
                        "account_hourly: the exchanges of account row {} overflow",
                        account + 1
                    ))
                };
                let Some((hour_of_day, weekday)) = part.get_mut(account.wrapping_sub(from)) else {
                    continue;
                };
                let slot = &mut hour_of_day[hour.rem_euclid(24) as usize];
                *slot = slot.checked_add(n).ok_or_else(overflow)?;
                // 1970-01-01 was a Thursday: day 0 is weekday 3 (Monday = 0).
                let slot = &mut weekday[(hour.div_euclid(24) + 3).rem_euclid(7) as usize];
                *slot = slot.checked_add(n).ok_or_else(overflow)?;
            }
            Ok((from, part))
        })?;
        for (from, part) in parts {
            for (facts, (hour_of_day, weekday)) in accounts.iter_mut().skip(from).zip(part) {
                facts.hour_of_day = hour_of_day;
                facts.weekday = weekday;
            }
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
            // Straight into the result, row by row (millions of rows), in
            // parts on several threads, joined in account order.
            let sql = format!(
                "SELECT account, {column}, exchanges FROM {table} \
                 WHERE account BETWEEN ?1 AND ?2 ORDER BY account, {column}"
            );
            let parts = self.scan_in_parts(table, "account", 1_000, 8, |case, first, last| {
                let mut stmt = case.conn().prepare(&sql)?;
                let mut q = stmt.query([first, last])?;
                let mut out = Vec::new();
                while let Some(r) = q.next()? {
                    let (account, value, n): (i64, i64, u64) = (r.get(0)?, r.get(1)?, r.get(2)?);
                    let account = checked_account(table, account, n_accounts)?;
                    if value < 1 || value as u64 >= values as u64 {
                        return Err(CaseError::Invalid(format!(
                            "{table}: {column} {value} of account row {} names no row of its dictionary",
                            account + 1
                        )));
                    }
                    out.push((account as u32, value as u32, n));
                }
                Ok(out)
            })?;
            let mut out = Vec::with_capacity(parts.iter().map(Vec::len).sum());
            for part in parts {
                out.extend(part);
            }
            Ok(out)
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
        let mut account_templates = pairs("account_templates", "template", templates.len())?;
        let account_client_fps = pairs("account_client_fps", "client_fp", client_fps.len())?;
        // Templates renumbered in SimHash order: the case numbers them in
        // the order its exchanges were imported, which must not change the
        // answer (a folder imported in another order, or a day at a time,
        // or built elsewhere, holds the same templates).
        let mut template_case_ids: Vec<u32> = (0..templates.len() as u32).collect();
        template_case_ids[1..].sort_unstable_by_key(|&id| (templates[id as usize], id));
        let mut new_id = vec![0u32; templates.len()];
        for (new, &old) in template_case_ids.iter().enumerate() {
            new_id[old as usize] = new as u32;
        }
        let templates: Vec<u64> = template_case_ids
            .iter()
            .map(|&old| templates[old as usize])
            .collect();
        for row in &mut account_templates {
            row.1 = new_id[row.1 as usize];
        }
        // The rows come in account order: each account's rows sorted again.
        for run in account_templates.chunk_by_mut(|x, y| x.0 == y.0) {
            run.sort_unstable_by_key(|&(_, template, _)| template);
        }
        Ok(CaseFeatures {
            accounts,
            origins,
            templates,
            template_case_ids,
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

    /// Reads `exchanges` in parts, ranges of ids each read on its own
    /// thread and connection (this case's for the first, readers opened
    /// beside it for the others, spending the same step budget), and
    /// returns each part's result in id order. `scan(case, first, last)`
    /// reads the exchanges with `first <= id <= last`. Ids are spread
    /// evenly over the rows, so one range per thread.
    pub(crate) fn scan_exchanges_in_parts<T: Send>(
        &self,
        scan: impl Fn(&Case, i64, i64) -> Result<T, CaseError> + Sync,
    ) -> Result<Vec<T>, CaseError> {
        self.scan_in_parts("exchanges", "id", 50_000, 1, scan)
    }

    /// Reads `table` in parts as [`Self::scan_exchanges_in_parts`] reads
    /// `exchanges`: ranges of `key` (the first column of its primary key),
    /// `scan(case, first, last)` reading the rows with `first <= key <=
    /// last`, and the results in key order; one part when the keys span
    /// less than `least`. With `pieces` above 1 the keys are cut into that
    /// many ranges per thread, which the threads take in turn as they
    /// finish: rows per key vary (a busy account has thousands of rows in
    /// a rollup, a quiet one a few), and equal key ranges would leave one
    /// thread with most of the rows.
    pub(crate) fn scan_in_parts<T: Send>(
        &self,
        table: &str,
        key: &str,
        least: i64,
        pieces: usize,
        scan: impl Fn(&Case, i64, i64) -> Result<T, CaseError> + Sync,
    ) -> Result<Vec<T>, CaseError> {
        let Some((low, high)) = super::key_bounds(self.conn(), table, key)? else {
            return Ok(vec![scan(self, 1, 0)?]);
        };
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
        // Small tables are not worth a second connection.
        if high - low < least || threads == 1 {
            return Ok(vec![scan(self, low, high)?]);
        }
        let count = (threads * pieces.max(1)) as i64;
        let width = (high - low) / count + 1;
        let ranges: Vec<(i64, i64)> = (0..count)
            .map(|k| (low + k * width, (low + (k + 1) * width - 1).min(high)))
            .filter(|(first, _)| *first <= high)
            .collect();
        // Readers are opened here (a case is not shared between threads);
        // without one, this thread reads every range.
        let readers: Vec<Case> = (1..threads.min(ranges.len()))
            .filter_map(|_| self.reader_beside().ok())
            .collect();
        let next = std::sync::atomic::AtomicUsize::new(0);
        let take = |case: &Case| -> Vec<(usize, Result<T, CaseError>)> {
            let mut done = Vec::new();
            loop {
                let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(&(first, last)) = ranges.get(k) else {
                    return done;
                };
                let result = scan(case, first, last);
                let failed = result.is_err();
                done.push((k, result));
                if failed {
                    // The others stop after their current range.
                    next.store(ranges.len(), std::sync::atomic::Ordering::Relaxed);
                    return done;
                }
            }
        };
        let take = &take;
        let mut slots: Vec<Option<Result<T, CaseError>>> =
            (0..ranges.len()).map(|_| None).collect();
        std::thread::scope(|s| {
            let handles: Vec<_> = readers
                .into_iter()
                .map(|reader| s.spawn(move || take(&reader)))
                .collect();
            let mut done = take(self);
            for handle in handles {
                done.extend(
                    handle
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                );
            }
            for (k, result) in done {
                slots[k] = Some(result);
            }
        });
        // The first failure in key order, else every range's result (a
        // range left unread follows a failure).
        let mut out = Vec::with_capacity(slots.len());
        for slot in slots {
            match slot {
                Some(result) => out.push(result?),
                None => {
                    return Err(CaseError::Invalid(format!(
                        "{table}: a part of it was not read"
                    )));
                }
            }
        }
        Ok(out)
    }

    /// What the analysis reads beyond [`Case::features`]: each account's
    /// active minutes (`account_minutes`) and its exchanges in each release
    /// window, all and on the released model (`account_model_hourly`, by
    /// whole hours: a window runs from the hour its release falls in); what
    /// each template's exchanges asked for and its example excerpt come from
    /// `template_profiles` and `template_stats`. No exchange is read, so a
    /// case built from rollups alone (`hydrascope spark`) is analysed as an
    /// imported one. Read in parts on several threads
    /// ([`Case::scan_in_parts`]); nothing read depends on the order of rows.
    pub fn scan_activity(
        &self,
        features: &mut CaseFeatures,
        windows: &[ReleaseWindow],
    ) -> Result<Activity, CaseError> {
        let n = features.accounts.len();
        let template_count = features.templates.len().max(1);
        let (by_case_id, template_examples) = self.template_profiles(template_count)?;
        // Profiles by the features' template ids; the examples stay by the
        // case's ids, as they are stored back under them.
        let templates = if features.template_case_ids.is_empty() {
            by_case_id
        } else {
            features
                .template_case_ids
                .iter()
                .map(|&id| by_case_id.get(id as usize).cloned().unwrap_or_default())
                .collect()
        };
        let parts = self.scan_in_parts(
            "account_minutes",
            "account",
            1_000,
            8,
            |case, first, last| {
                let mut part: Vec<(usize, Vec<u32>)> = Vec::new();
                let mut stmt = case.conn().prepare(
                "SELECT account, minutes_json FROM account_minutes WHERE account BETWEEN ?1 AND ?2",
            )?;
                let mut q = stmt.query([first, last])?;
                while let Some(r) = q.next()? {
                    let account = checked_account("account_minutes", r.get::<_, i64>(0)?, n)?;
                    let text: String = r.get(1)?;
                    let list = super::minutes::decode(&text).map_err(|e| {
                    CaseError::Invalid(format!(
                        "account_minutes: account row {}: {e}; run `hydrascope verify` on the case",
                        account + 1
                    ))
                })?;
                    part.push((account, list));
                }
                Ok(part)
            },
        )?;
        let mut minutes = vec![Vec::new(); n];
        for (account, list) in parts.into_iter().flatten() {
            minutes[account] = list;
        }
        let release_windows = self.release_window_counts(n, windows)?;
        Ok(Activity {
            templates,
            minutes,
            release_windows,
            template_examples,
        })
    }

    /// Each account's exchanges in each of `windows`, all and on the
    /// window's model, counted by whole hours from `account_model_hourly`:
    /// the hours from the one the window starts in up to, not including,
    /// the one it ends in.
    fn release_window_counts(
        &self,
        n: usize,
        windows: &[ReleaseWindow],
    ) -> Result<Vec<Vec<(u32, u32)>>, CaseError> {
        if windows.is_empty() {
            return Ok(Vec::new());
        }
        let hours: Vec<(i64, i64)> = windows
            .iter()
            .map(|w| {
                let start = super::builder::hour_of_ms(w.start_ms);
                (start, super::builder::hour_of_ms(w.end_ms).max(start + 1))
            })
            .collect();
        let low = hours.iter().map(|h| h.0).min().unwrap_or(0);
        let high = hours.iter().map(|h| h.1).max().unwrap_or(0);
        // Each part counts its own range of accounts: (the range's first
        // account index, per window the counts of its accounts).
        let parts = self.scan_in_parts(
            "account_model_hourly",
            "account",
            1_000,
            8,
            |case, first, last| {
                let (from, width) = index_range(first, last, n);
                let mut part = (from, vec![vec![(0u32, 0u32); width]; windows.len()]);
                // Account by account, so that each account's rows are
                // sought from the window's first hour (the key is account,
                // hour, model) instead of scanning all its hours.
                let mut stmt = case.conn().prepare(
                    "SELECT m.account, m.hour, m.model, m.exchanges \
                     FROM accounts a CROSS JOIN account_model_hourly m \
                     WHERE a.id BETWEEN ?1 AND ?2 AND m.account = a.id \
                       AND m.hour >= ?3 AND m.hour < ?4",
                )?;
                let mut q = stmt.query([first, last, low, high])?;
                while let Some(r) = q.next()? {
                    let account = checked_account("account_model_hourly", r.get::<_, i64>(0)?, n)?;
                    let (hour, model, count): (i64, i64, i64) = (r.get(1)?, r.get(2)?, r.get(3)?);
                    let count = u32::try_from(count.max(0)).unwrap_or(u32::MAX);
                    for (w, window) in windows.iter().enumerate() {
                        if hour >= hours[w].0 && hour < hours[w].1 {
                            let Some(slot) = part.1[w].get_mut(account.wrapping_sub(from)) else {
                                continue;
                            };
                            slot.0 = slot.0.saturating_add(count);
                            if model == i64::from(window.model) {
                                slot.1 = slot.1.saturating_add(count);
                            }
                        }
                    }
                }
                Ok(part)
            },
        )?;
        let mut all = vec![vec![(0u32, 0u32); n]; windows.len()];
        for (at, part) in parts {
            for (to, from) in all.iter_mut().zip(part) {
                for (t, f) in to.iter_mut().skip(at).zip(from) {
                    t.0 = t.0.saturating_add(f.0);
                    t.1 = t.1.saturating_add(f.1);
                }
            }
        }
        Ok(all)
    }

    /// What each template's exchanges asked for (from `template_profiles`)
    /// and each template's example excerpt (`template_stats.example`, 0
    /// for none), by template id, for `count` template ids; ids outside
    /// them are left out.
    fn template_profiles(
        &self,
        count: usize,
    ) -> Result<(Vec<TemplateProfile>, Vec<i64>), CaseError> {
        let mut templates = vec![TemplateProfile::default(); count];
        let mut stmt = self.conn().prepare(
            "SELECT template, capability, exchanges, cot_scored, cot_high, input_tokens, output_tokens \
             FROM template_profiles",
        )?;
        let mut rows = stmt.query([])?;
        let count_of = |v: i64| u64::try_from(v).unwrap_or(0);
        while let Some(r) = rows.next()? {
            let Some(t) = usize::try_from(r.get::<_, i64>(0)?)
                .ok()
                .and_then(|t| templates.get_mut(t))
            else {
                continue;
            };
            let exchanges = count_of(r.get(2)?);
            t.exchanges += exchanges;
            if let Some(c) = usize::try_from(r.get::<_, i64>(1)?)
                .ok()
                .filter(|c| *c < CAPABILITIES)
            {
                t.capabilities[c] += exchanges;
            }
            t.cot_scored += count_of(r.get(3)?);
            t.cot_high += count_of(r.get(4)?);
            t.input_tokens = t.input_tokens.saturating_add(count_of(r.get(5)?));
            t.output_tokens = t.output_tokens.saturating_add(count_of(r.get(6)?));
        }
        let mut examples = vec![0i64; count];
        let mut stmt = self
            .conn()
            .prepare("SELECT template, example FROM template_stats WHERE example IS NOT NULL")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            if let Some(slot) = usize::try_from(r.get::<_, i64>(0)?)
                .ok()
                .and_then(|t| examples.get_mut(t))
            {
                *slot = r.get(1)?;
            }
        }
        Ok((templates, examples))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A case of 40 accounts, account `i` with `i % 7` exchanges in hours
    /// of its own (so rows per account vary, as in a real case).
    fn small_case(path: &std::path::Path) -> Case {
        let exchanges = (0..40i64).flat_map(|i| {
            (0..i % 7).map(move |j| (i as usize, 1_767_229_200_000 + (i * 13 + j) * 3_600_000))
        });
        crate::case::test_cases::build(path, 40, exchanges);
        Case::open(path).unwrap()
    }

    /// Every row of `account_hourly` with `first <= account <= last`.
    fn hourly(case: &Case, first: i64, last: i64) -> Result<Vec<(i64, i64, i64)>, CaseError> {
        let mut stmt = case.conn().prepare(
            "SELECT account, hour, exchanges FROM account_hourly WHERE account BETWEEN ?1 AND ?2",
        )?;
        let rows = stmt
            .query_map([first, last], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    #[test]
    fn parts_taken_in_turns_come_back_in_key_order_as_one_scan() {
        let dir = tempfile::tempdir().unwrap();
        let case = small_case(&dir.path().join("small.hcase"));
        let whole = hourly(&case, i64::MIN, i64::MAX).unwrap();
        assert!(whole.len() > 100, "{} rows", whole.len());
        for pieces in [1, 3, 8, 64] {
            let parts = case
                .scan_in_parts("account_hourly", "account", 0, pieces, |c, first, last| {
                    Ok((first, last, hourly(c, first, last)?))
                })
                .unwrap();
            // The ranges follow one another from the first key to the last.
            // (Account 1 has no exchange: the first key is 2.)
            assert_eq!(parts.first().map(|p| p.0), Some(2), "pieces {pieces}");
            assert_eq!(parts.last().map(|p| p.1), Some(40), "pieces {pieces}");
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
            if pieces > 1 && threads > 1 {
                assert!(parts.len() > 2, "pieces {pieces}: {} parts", parts.len());
            }
            for w in parts.windows(2) {
                assert_eq!(w[0].1 + 1, w[1].0, "pieces {pieces}");
            }
            let joined: Vec<_> = parts.into_iter().flat_map(|p| p.2).collect();
            assert_eq!(joined, whole, "pieces {pieces}");
        }
        // A range that fails makes the scan fail with the first failure
        // in key order, whichever thread met it.
        let failed = case.scan_in_parts("account_hourly", "account", 0, 8, |c, first, last| {
            if (10..=30).contains(&first) {
                return Err(CaseError::Invalid(format!("range from {first}")));
            }
            hourly(c, first, last)
        });
        match failed {
            Err(CaseError::Invalid(message)) => {
                let first = message
                    .trim_start_matches("range from ")
                    .parse::<i64>()
                    .unwrap();
                assert!((10..=30).contains(&first), "{message}");
            }
            other => panic!("expected the failure, got {other:?}"),
        }
    }

    #[test]
    fn features_read_in_parts_match_the_rollups() {
        let dir = tempfile::tempdir().unwrap();
        let case = small_case(&dir.path().join("small.hcase"));
        let features = case.features().unwrap();
        // Hour-of-day sums per account as one GROUP BY gives them.
        let mut stmt = case
            .conn()
            .prepare("SELECT account, hour % 24, sum(exchanges) FROM account_hourly GROUP BY 1, 2")
            .unwrap();
        let expected: Vec<(i64, i64, u64)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let mut seen = 0;
        for (a, facts) in features.accounts.iter().enumerate() {
            for (h, &n) in facts.hour_of_day.iter().enumerate() {
                if n > 0 {
                    seen += 1;
                    assert!(
                        expected.contains(&(a as i64 + 1, h as i64, n)),
                        "account {a} hour {h}"
                    );
                }
            }
            assert_eq!(
                facts.weekday.iter().sum::<u64>(),
                facts.exchanges,
                "account {a}"
            );
        }
        assert_eq!(seen, expected.len());
        // Template pairs in account order, each account's by template.
        let pairs = &features.account_templates;
        assert!(
            pairs
                .windows(2)
                .all(|w| (w[0].0, w[0].1) < (w[1].0, w[1].1))
        );
    }
}
