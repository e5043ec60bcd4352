//! What the workbench reads from a case beyond the summary: one row per
//! account for the graph, the links with the kinds of evidence on each,
//! and the queries behind the inspector and the timelines. Everything here
//! reads rollups or indexed rows, except where a comment says it scans.

use rusqlite::{OptionalExtension, params};
use rustc_hash::FxHashMap;

use super::analysis_store::StoredLinkEvidence;
use super::{Case, CaseError};

/// Names with a count each, largest first.
pub type Counts = Vec<(String, u64)>;

/// One account as the graph, the search and the inspector show it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AccountRow {
    /// The provider's account id.
    pub account_id: String,
    /// Creation time, ms (UTC).
    pub created_ms: i64,
    /// Organization name.
    pub org_name: Option<String>,
    /// Sign-up e-mail domain.
    pub email_domain: Option<String>,
    /// Payment token.
    pub payment_fingerprint: Option<String>,
    /// Sign-up address.
    pub signup_ip: Option<String>,
    /// Billing country.
    pub billing_country: Option<String>,
    /// Access path.
    pub access_path: Option<String>,
    /// Verification level.
    pub verification: Option<String>,
    /// Exchanges.
    pub exchanges: u64,
    /// Prompt plus completion tokens.
    pub tokens: i64,
    /// First exchange, ms.
    pub first_ms: Option<i64>,
    /// Last exchange, ms.
    pub last_ms: Option<i64>,
    /// Mean chain-of-thought elicitation score.
    pub cot_mean: Option<f64>,
    /// The capability most of its traffic has.
    pub top_capability: Option<String>,
}

/// The stored links, compact: what the graph draws and filters on.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GraphLinks {
    /// (account index a, account index b, weight), a < b.
    pub links: Vec<(u32, u32, f32)>,
    /// For each link, a bit per evidence kind in `kind_names`.
    pub kinds: Vec<u32>,
    /// Evidence kind names, sorted; bit `i` of `kinds` is `kind_names[i]`.
    pub kind_names: Vec<String>,
}

/// One link of an account, with all its evidence.
#[derive(Clone, Debug, PartialEq)]
pub struct AccountLink {
    /// The other account's index.
    pub other: u32,
    /// Link weight.
    pub weight: f64,
    /// Evidence, strongest first.
    pub evidence: Vec<StoredLinkEvidence>,
}

/// Traffic in one hour.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HourTraffic {
    /// Hour since the epoch (UTC).
    pub hour: i64,
    /// Exchanges.
    pub exchanges: u64,
    /// Prompt plus completion tokens.
    pub tokens: i64,
}

/// A prompt template as used by a set of accounts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TemplateUse {
    /// The template's SimHash in hex.
    pub hex: String,
    /// Exchanges of the set with it.
    pub exchanges: u64,
    /// Accounts of the set using it.
    pub accounts: u64,
    /// Exchanges with it in the whole case.
    pub case_exchanges: u64,
    /// One prompt excerpt with this template, when the logs carried one.
    pub excerpt: Option<String>,
}

impl Case {
    /// One row per account, by account index.
    pub fn workbench_accounts(&self) -> Result<Vec<AccountRow>, CaseError> {
        let mut stmt = self.conn().prepare(
            "SELECT a.account_id, a.created_ms, a.org_name, a.email_domain, a.payment_fingerprint, \
                    a.signup_ip, a.billing_country, a.access_path, a.verification, \
                    coalesce(s.exchanges, 0), coalesce(s.input_tokens + s.output_tokens, 0), \
                    s.first_ms, s.last_ms, s.cot_mean, c.name \
             FROM accounts a LEFT JOIN account_summary s ON s.account = a.id \
             LEFT JOIN capabilities c ON c.id = s.top_capability ORDER BY a.id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(AccountRow {
                account_id: r.get(0)?,
                created_ms: r.get(1)?,
                org_name: r.get(2)?,
                email_domain: r.get(3)?,
                payment_fingerprint: r.get(4)?,
                signup_ip: r.get(5)?,
                billing_country: r.get(6)?,
                access_path: r.get(7)?,
                verification: r.get(8)?,
                exchanges: r.get(9)?,
                tokens: r.get(10)?,
                first_ms: r.get(11)?,
                last_ms: r.get(12)?,
                cot_mean: r.get(13)?,
                top_capability: r.get(14)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The stored links with a bit per evidence kind, strongest first.
    pub fn graph_links(&self) -> Result<GraphLinks, CaseError> {
        let mut kind_names: Vec<String> = {
            let mut stmt = self
                .conn()
                .prepare("SELECT DISTINCT kind FROM link_evidence ORDER BY kind")?;
            let names = stmt.query_map([], |r| r.get(0))?;
            names.collect::<rusqlite::Result<_>>()?
        };
        kind_names.truncate(32);
        let bit: FxHashMap<&str, u32> = kind_names
            .iter()
            .enumerate()
            .map(|(i, k)| (k.as_str(), 1u32 << i))
            .collect();
        let mut links: Vec<(u32, u32, f32, u32)> = Vec::new();
        {
            // Both tables share the (a, b) key order, so one merge pass
            // joins them without a lookup per link.
            let mut stmt = self
                .conn()
                .prepare("SELECT a, b, weight FROM links ORDER BY a, b")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let (a, b, w): (i64, i64, f64) = (r.get(0)?, r.get(1)?, r.get(2)?);
                links.push(((a - 1) as u32, (b - 1) as u32, w as f32, 0));
            }
            let mut stmt = self
                .conn()
                .prepare("SELECT a, b, kind FROM link_evidence ORDER BY a, b")?;
            let mut rows = stmt.query([])?;
            let mut at = 0usize;
            while let Some(r) = rows.next()? {
                let (a, b) = (
                    (r.get::<_, i64>(0)? - 1) as u32,
                    (r.get::<_, i64>(1)? - 1) as u32,
                );
                while at < links.len() && (links[at].0, links[at].1) < (a, b) {
                    at += 1;
                }
                if let Some(link) = links.get_mut(at)
                    && (link.0, link.1) == (a, b)
                {
                    let kind = r.get_ref(2)?.as_str().unwrap_or("");
                    link.3 |= bit.get(kind).copied().unwrap_or(0);
                }
            }
        }
        links.sort_by(|x, y| y.2.total_cmp(&x.2).then((x.0, x.1).cmp(&(y.0, y.1))));
        Ok(GraphLinks {
            kinds: links.iter().map(|l| l.3).collect(),
            links: links.into_iter().map(|(a, b, w, _)| (a, b, w)).collect(),
            kind_names,
        })
    }

    /// Every link of `account` (an index) with its evidence, strongest
    /// link first. Scans `link_evidence` once for links where it is `b`.
    pub fn account_links(&self, account: u32) -> Result<Vec<AccountLink>, CaseError> {
        let id = i64::from(account) + 1;
        let mut stmt = self.conn().prepare(
            "SELECT l.a, l.b, l.weight, e.kind, e.shared, e.weight, e.example \
             FROM links l JOIN link_evidence e ON e.a = l.a AND e.b = l.b \
             WHERE l.a = ?1 OR l.b = ?1 ORDER BY l.a, l.b",
        )?;
        let mut rows = stmt.query([id])?;
        let mut out: Vec<AccountLink> = Vec::new();
        while let Some(r) = rows.next()? {
            let (a, b): (i64, i64) = (r.get(0)?, r.get(1)?);
            let other = (if a == id { b } else { a } - 1) as u32;
            let evidence = StoredLinkEvidence {
                kind: r.get(3)?,
                shared: r.get(4)?,
                weight: r.get(5)?,
                example: r.get(6)?,
            };
            match out.last_mut() {
                Some(last) if last.other == other => last.evidence.push(evidence),
                _ => out.push(AccountLink {
                    other,
                    weight: r.get(2)?,
                    evidence: vec![evidence],
                }),
            }
        }
        for link in &mut out {
            link.evidence
                .sort_by(|x, y| y.weight.total_cmp(&x.weight).then(x.kind.cmp(&y.kind)));
        }
        out.sort_by(|x, y| y.weight.total_cmp(&x.weight).then(x.other.cmp(&y.other)));
        Ok(out)
    }

    /// Traffic per hour of a set of accounts (indices), hour order.
    pub fn hourly_of(&self, accounts: &[u32]) -> Result<Vec<HourTraffic>, CaseError> {
        let mut sums: FxHashMap<i64, (u64, i64)> = FxHashMap::default();
        self.for_each_row_of(
            "SELECT hour, exchanges, input_tokens + output_tokens FROM account_hourly WHERE account = ?1",
            accounts,
            |r| {
                let slot = sums.entry(r.get(0)?).or_default();
                slot.0 += r.get::<_, u64>(1)?;
                slot.1 += r.get::<_, i64>(2)?;
                Ok(())
            },
        )?;
        let mut out: Vec<HourTraffic> = sums
            .into_iter()
            .map(|(hour, (exchanges, tokens))| HourTraffic {
                hour,
                exchanges,
                tokens,
            })
            .collect();
        out.sort_unstable_by_key(|h| h.hour);
        Ok(out)
    }

    /// Model names by model index (`models.id` - 1).
    pub fn model_names(&self) -> Result<Vec<String>, CaseError> {
        let mut stmt = self
            .conn()
            .prepare("SELECT id, name FROM models ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        let mut names = Vec::new();
        for row in rows {
            let (id, name) = row?;
            let index = (id - 1).max(0) as usize;
            if names.len() <= index {
                names.resize(index + 1, String::new());
            }
            names[index] = name;
        }
        Ok(names)
    }

    /// All traffic per model and hour: (model index, hour, exchanges, tokens),
    /// hour order.
    pub fn model_hourly_all(&self) -> Result<Vec<(u32, i64, u64, i64)>, CaseError> {
        let mut stmt = self.conn().prepare(
            "SELECT model, hour, exchanges, input_tokens + output_tokens FROM model_hourly ORDER BY hour, model",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                (r.get::<_, i64>(0)? - 1) as u32,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// One cluster's traffic per model and hour, as stored by the analysis:
    /// (model index, hour, exchanges), hour order. Empty for a lone account
    /// and for a case analysed by a build before format 4.
    pub fn cluster_model_hourly_of(
        &self,
        cluster: &str,
    ) -> Result<Vec<(u32, i64, u64)>, CaseError> {
        let mut stmt = self.conn().prepare(
            "SELECT model, hour, exchanges FROM cluster_model_hourly WHERE cluster = ?1 ORDER BY hour, model",
        )?;
        let rows = stmt.query_map([cluster], |r| {
            Ok(((r.get::<_, i64>(0)? - 1) as u32, r.get(1)?, r.get(2)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Which accounts (by index, `len` of them) had traffic in the hours
    /// `first_hour..=last_hour`. Scans `account_hourly`.
    pub fn active_between(
        &self,
        len: usize,
        first_hour: i64,
        last_hour: i64,
    ) -> Result<Vec<bool>, CaseError> {
        let mut active = vec![false; len];
        let mut stmt = self
            .conn()
            .prepare("SELECT DISTINCT account FROM account_hourly WHERE hour BETWEEN ?1 AND ?2")?;
        let mut rows = stmt.query(params![first_hour, last_hour])?;
        while let Some(r) = rows.next()? {
            if let Some(slot) = usize::try_from(r.get::<_, i64>(0)? - 1)
                .ok()
                .and_then(|i| active.get_mut(i))
            {
                *slot = true;
            }
        }
        Ok(active)
    }

    /// The `limit` templates a set of accounts used most, with the excerpt
    /// the analysis kept for each (none before an analysis in format 4).
    pub fn templates_of(
        &self,
        accounts: &[u32],
        limit: usize,
    ) -> Result<Vec<TemplateUse>, CaseError> {
        let mut sums: FxHashMap<i64, (u64, u64)> = FxHashMap::default();
        self.for_each_row_of(
            "SELECT template, exchanges FROM account_templates WHERE account = ?1",
            accounts,
            |r| {
                let slot = sums.entry(r.get(0)?).or_default();
                slot.0 += r.get::<_, u64>(1)?;
                slot.1 += 1;
                Ok(())
            },
        )?;
        let mut top: Vec<(i64, u64, u64)> = sums.into_iter().map(|(t, (e, a))| (t, e, a)).collect();
        top.sort_unstable_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
        top.truncate(limit);
        let mut out = Vec::with_capacity(top.len());
        for (template, exchanges, accounts) in top {
            let (hex, case_exchanges, excerpt) = self.template_facts(template)?;
            out.push(TemplateUse {
                hex,
                exchanges,
                accounts,
                case_exchanges,
                excerpt,
            });
        }
        Ok(out)
    }

    /// Every (account, template, exchanges) row of `accounts` in the
    /// `account_templates` rollup, with each template's SimHash: what a
    /// caller groups into template families.
    pub fn template_rows_of(
        &self,
        accounts: &[u32],
    ) -> Result<Vec<(u32, i64, u64, u64)>, CaseError> {
        let mut rows = Vec::new();
        self.for_each_row_of(
            "SELECT a.account, a.template, a.exchanges, t.simhash FROM account_templates a \
             JOIN templates t ON t.id = a.template WHERE a.account = ?1",
            accounts,
            |r| {
                let account: i64 = r.get(0)?;
                rows.push((
                    u32::try_from(account - 1).unwrap_or(u32::MAX),
                    r.get(1)?,
                    r.get(2)?,
                    r.get::<_, i64>(3)? as u64,
                ));
                Ok(())
            },
        )?;
        Ok(rows)
    }

    /// A template's hex, its exchanges in the whole case and one prompt
    /// excerpt, when the logs carried one.
    pub fn template_facts(
        &self,
        template: i64,
    ) -> Result<(String, u64, Option<String>), CaseError> {
        let (hex, case_exchanges): (String, u64) = self.conn().query_row(
            "SELECT t.hex, coalesce(s.exchanges, 0) FROM templates t \
             LEFT JOIN template_stats s ON s.template = t.id WHERE t.id = ?1",
            [template],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let excerpt: Option<String> = self
            .conn()
            .query_row(
                "SELECT x.text FROM template_examples t JOIN excerpts x ON x.id = t.excerpt \
                 WHERE t.template = ?1",
                [template],
                |r| r.get(0),
            )
            .optional()?;
        Ok((hex, case_exchanges, excerpt))
    }

    /// Exchanges of a set of accounts per model and per capability, most
    /// first: (models, capabilities).
    pub fn mix_of(&self, accounts: &[u32]) -> Result<(Counts, Counts), CaseError> {
        let sum = |sql: &str| -> Result<Counts, CaseError> {
            let mut sums: FxHashMap<String, u64> = FxHashMap::default();
            self.for_each_row_of(sql, accounts, |r| {
                *sums.entry(r.get(0)?).or_default() += r.get::<_, u64>(1)?;
                Ok(())
            })?;
            let mut out: Vec<(String, u64)> = sums.into_iter().collect();
            out.sort_unstable_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
            Ok(out)
        };
        let models = sum(
            "SELECT m.name, a.exchanges FROM account_models a JOIN models m ON m.id = a.model WHERE a.account = ?1",
        )?;
        let capabilities = sum(
            "SELECT c.name, a.exchanges FROM account_capabilities a JOIN capabilities c ON c.id = a.capability \
             WHERE a.account = ?1",
        )?;
        Ok((models, capabilities))
    }

    /// Runs `sql` (one parameter: an `accounts.id`) for each account index
    /// in `accounts` and hands every row to `each`: the per-account rollups
    /// are keyed by account, so this reads only the selection's rows.
    fn for_each_row_of(
        &self,
        sql: &str,
        accounts: &[u32],
        mut each: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<()>,
    ) -> Result<(), CaseError> {
        let mut stmt = self.conn().prepare_cached(sql)?;
        for &a in accounts {
            let mut rows = stmt.query([i64::from(a) + 1])?;
            while let Some(r) = rows.next()? {
                each(r)?;
            }
        }
        Ok(())
    }

    /// Accounts (indices, ascending) that sent requests from `ip`.
    pub fn accounts_with_request_ip(&self, ip: &str) -> Result<Vec<u32>, CaseError> {
        let mut stmt = self.conn().prepare(
            "SELECT DISTINCT ao.account FROM origins o JOIN account_origins ao ON ao.origin = o.id \
             WHERE o.ip = ?1 ORDER BY ao.account",
        )?;
        let rows = stmt.query_map([ip], |r| Ok((r.get::<_, i64>(0)? - 1) as u32))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// One exchange of an account's journey: when, on which model (index), for
/// which capability (id) and from which origin (id).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JourneyExchange {
    /// When, ms (UTC).
    pub ts_ms: i64,
    /// Model index (its id less one).
    pub model: u32,
    /// Capability id, when classified.
    pub capability: Option<i64>,
    /// Origin id, when recorded.
    pub origin: Option<i64>,
}

/// What the account journeys are drawn from: each account's exchanges in
/// time order, and what names them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JourneyRows {
    /// Per account asked (index), its exchanges in time order.
    pub accounts: Vec<(u32, Vec<JourneyExchange>)>,
    /// Origin id → its network (prefix, else the address) and ASN.
    pub origins: FxHashMap<i64, (String, Option<i64>)>,
    /// Capability id → name.
    pub capabilities: FxHashMap<i64, String>,
    /// Bans of the accounts asked: (account index, when).
    pub bans: Vec<(u32, i64)>,
    /// Model releases: (model name, when).
    pub releases: Vec<(String, i64)>,
}

impl Case {
    /// The exchanges of `accounts` (indices) in time order, with the names
    /// of their origins and capabilities, their bans and the model
    /// releases. Scans the exchanges table once (it has no index by
    /// account: a handful of accounts at seed scale take a few seconds, on
    /// the query worker).
    pub fn journey_rows(&self, accounts: &[u32]) -> Result<JourneyRows, CaseError> {
        self.needs_exchanges("an account journey")?;
        let mut wanted: Vec<u32> = accounts.to_vec();
        wanted.sort_unstable();
        wanted.dedup();
        let mut out = JourneyRows::default();
        if wanted.is_empty() {
            return Ok(out);
        }
        let position: FxHashMap<i64, usize> = wanted
            .iter()
            .enumerate()
            .map(|(i, &a)| (i64::from(a) + 1, i))
            .collect();
        let mut per: Vec<Vec<JourneyExchange>> = vec![Vec::new(); wanted.len()];
        let ids: Vec<String> = position.keys().map(|id| id.to_string()).collect();
        // Ids are integers formatted here, never text from the case.
        let sql = format!(
            "SELECT account, ts_ms, model, capability, origin FROM exchanges WHERE account IN ({})",
            ids.join(",")
        );
        let mut stmt = self.conn().prepare(&sql)?;
        let mut rows = stmt.query([])?;
        let mut origins: Vec<i64> = Vec::new();
        while let Some(r) = rows.next()? {
            let Some(&i) = position.get(&r.get::<_, i64>(0)?) else {
                continue;
            };
            let origin: Option<i64> = r.get(4)?;
            origins.extend(origin);
            per[i].push(JourneyExchange {
                ts_ms: r.get(1)?,
                model: u32::try_from(r.get::<_, i64>(2)? - 1).unwrap_or(0),
                capability: r.get(3)?,
                origin,
            });
        }
        for list in &mut per {
            list.sort_by_key(|e| e.ts_ms);
        }
        out.accounts = wanted.iter().copied().zip(per).collect();
        origins.sort_unstable();
        origins.dedup();
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT coalesce(prefix, ip, ''), asn FROM origins WHERE id = ?1")?;
        for id in origins {
            if let Some(row) = stmt
                .query_row([id], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, Option<i64>>(1)?))
                })
                .optional()?
            {
                out.origins.insert(id, row);
            }
        }
        let mut stmt = self.conn().prepare("SELECT id, name FROM capabilities")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (id, name) = row?;
            out.capabilities.insert(id, name);
        }
        let mut stmt = self.conn().prepare(
            "SELECT account, ts_ms FROM events WHERE kind = 'account_banned' AND account IS NOT NULL ORDER BY ts_ms",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (id, ts) = row?;
            if position.contains_key(&id) {
                out.bans.push(((id - 1) as u32, ts));
            }
        }
        let mut stmt = self.conn().prepare(
            "SELECT coalesce(model, ''), ts_ms FROM events WHERE kind = 'model_release' ORDER BY ts_ms",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            out.releases.push(row?);
        }
        Ok(out)
    }
}

/// Where each account's requests came from: (account index, origin id,
/// exchanges) rows, and each origin's network (prefix, else the address)
/// and ASN.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OriginRows {
    /// One row per account and origin.
    pub rows: Vec<(u32, i64, u64)>,
    /// Origin id → (network, ASN).
    pub origins: FxHashMap<i64, (String, Option<i64>)>,
}

impl Case {
    /// Every account's traffic per origin (the `account_origins` rollup,
    /// one scan) with the origins' networks and ASNs.
    pub fn origin_rows(&self) -> Result<OriginRows, CaseError> {
        let mut out = OriginRows::default();
        let mut stmt = self
            .conn()
            .prepare("SELECT account, origin, exchanges FROM account_origins")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let account: i64 = r.get(0)?;
            if let Ok(index) = u32::try_from(account - 1) {
                out.rows.push((
                    index,
                    r.get(1)?,
                    u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
                ));
            }
        }
        let mut stmt = self
            .conn()
            .prepare("SELECT id, coalesce(prefix, ip, ''), asn FROM origins")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<i64>>(2)?,
            ))
        })?;
        for row in rows {
            let (id, network, asn) = row?;
            out.origins.insert(id, (network, asn));
        }
        Ok(out)
    }
}
