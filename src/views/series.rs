//! What the timelines and the inspector's mixes show of a selection: its
//! traffic per hour, per model of its stored clusters, its top templates
//! and its model and capability mixes. The workbench's query worker asks
//! for it off the UI thread; headless pictures call it directly.

use crate::case::Case;
use crate::case::workbench::{HourTraffic, TemplateUse};

/// What the series of a selection look like.
#[derive(Clone, Debug, Default)]
pub struct SelectionSeries {
    /// Traffic per hour.
    pub hourly: Vec<HourTraffic>,
    /// (model index, hour, exchanges) of the stored clusters, if any,
    /// summed, by hour and model.
    pub model_hourly: Vec<(u32, i64, u64)>,
    /// Top templates with excerpts.
    pub templates: Vec<TemplateUse>,
    /// The template families two or more of its accounts share, most
    /// shared first ([`shared_families`]).
    pub families: Vec<FamilyUse>,
    /// Exchanges per model.
    pub models: Vec<(String, u64)>,
    /// Exchanges per capability.
    pub capabilities: Vec<(String, u64)>,
}

/// The series and mixes of a selection: `members`, and the stored
/// clusters they make up (one cluster, or a campaign's), if any. The worker
/// answers with this; headless pictures call it directly.
pub fn selection_series(
    case: &Case,
    members: &[u32],
    clusters: &[String],
) -> Result<SelectionSeries, crate::case::CaseError> {
    let hourly = case.hourly_of(members)?;
    let model_hourly = match clusters {
        [] => Vec::new(),
        [one] => case.cluster_model_hourly_of(one)?,
        several => {
            let mut summed: std::collections::BTreeMap<(i64, u32), u64> =
                std::collections::BTreeMap::new();
            for id in several {
                for (model, hour, exchanges) in case.cluster_model_hourly_of(id)? {
                    *summed.entry((hour, model)).or_default() += exchanges;
                }
            }
            summed
                .into_iter()
                .map(|((hour, model), exchanges)| (model, hour, exchanges))
                .collect()
        }
    };
    let templates = case.templates_of(members, 6)?;
    let families = shared_families(
        case,
        members,
        crate::analysis::Params::default().template_radius,
        6,
    )?;
    let (models, capabilities) = case.mix_of(members)?;
    Ok(SelectionSeries {
        hourly,
        model_hourly,
        templates,
        families,
        models,
        capabilities,
    })
}

/// A prompt-template family a group of accounts shares: near-duplicate
/// templates (SimHash within the analysis's radius, chained), as the
/// analysis's `template_family` evidence and its "template families the
/// members share" count them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FamilyUse {
    /// The family's most-used template (hex).
    pub hex: String,
    /// Distinct templates (wordings) of the family the group sent.
    pub variants: usize,
    /// The group's exchanges on the family.
    pub exchanges: u64,
    /// Accounts of the group that used it.
    pub accounts: usize,
    /// Accounts in the group.
    pub group_accounts: usize,
    /// The group's exchanges in all.
    pub group_exchanges: u64,
    /// One prompt excerpt of the family (its most-used template's), when
    /// the logs carried one.
    pub excerpt: Option<String>,
}

impl FamilyUse {
    /// "8540…369e (12 wordings): 1,342 exchanges, 42% of the group's
    /// traffic, by 412 of 588 accounts".
    pub fn describe(&self) -> String {
        format!(
            "{}{}: {} exchanges, {}% of the traffic, by {} of {}",
            self.hex,
            if self.variants > 1 {
                format!(" ({} wordings)", self.variants)
            } else {
                String::new()
            },
            crate::base::text::thousands(self.exchanges),
            (self.exchanges * 100)
                .checked_div(self.group_exchanges)
                .unwrap_or(0),
            crate::base::text::thousands(self.accounts as u64),
            crate::base::text::count(self.group_accounts as u64, "account", "accounts"),
        )
    }
}

/// Wordings of a family tried for an excerpt after its most-used one.
const EXCERPT_TRIES: usize = 16;

/// The template families that two or more of `members` share, by how many
/// of them use each (then exchanges), at most `limit`: the evidence behind
/// a score's "template families the members share", with an excerpt each.
/// Families are formed among the group's own templates (within `radius`
/// bits, chained), as the analysis forms them among the case's.
pub fn shared_families(
    case: &Case,
    members: &[u32],
    radius: u32,
    limit: usize,
) -> Result<Vec<FamilyUse>, crate::case::CaseError> {
    let rows = case.template_rows_of(members)?;
    // Distinct templates, their hashes, and each one's family.
    let mut index: rustc_hash::FxHashMap<i64, usize> = rustc_hash::FxHashMap::default();
    let mut templates: Vec<(i64, u64)> = Vec::new();
    for &(_, template, _, hash) in &rows {
        index.entry(template).or_insert_with(|| {
            templates.push((template, hash));
            templates.len() - 1
        });
    }
    let hashes: Vec<u64> = templates.iter().map(|t| t.1).collect();
    let family = crate::analysis::families::families(&hashes, radius);
    // Per family: exchanges, accounts, and exchanges per template.
    struct Sums {
        exchanges: u64,
        accounts: Vec<u32>,
        by_template: rustc_hash::FxHashMap<i64, u64>,
    }
    let mut sums: rustc_hash::FxHashMap<u32, Sums> = rustc_hash::FxHashMap::default();
    let mut group_exchanges = 0u64;
    for &(account, template, exchanges, _) in &rows {
        group_exchanges += exchanges;
        let f = family[index[&template]];
        let slot = sums.entry(f).or_insert_with(|| Sums {
            exchanges: 0,
            accounts: Vec::new(),
            by_template: rustc_hash::FxHashMap::default(),
        });
        slot.exchanges += exchanges;
        slot.accounts.push(account);
        *slot.by_template.entry(template).or_default() += exchanges;
    }
    // (accounts, exchanges, its templates most-used first).
    let mut shared: Vec<(usize, u64, Vec<i64>)> = sums
        .into_values()
        .filter_map(|mut s| {
            s.accounts.sort_unstable();
            s.accounts.dedup();
            let mut by_use: Vec<(i64, u64)> = s.by_template.into_iter().collect();
            by_use.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            (s.accounts.len() >= 2).then(|| {
                (
                    s.accounts.len(),
                    s.exchanges,
                    by_use.into_iter().map(|(t, _)| t).collect(),
                )
            })
        })
        .collect();
    shared.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    shared.truncate(limit);
    let group_accounts = {
        let mut m = members.to_vec();
        m.sort_unstable();
        m.dedup();
        m.len()
    };
    shared
        .into_iter()
        .map(|(accounts, exchanges, templates)| {
            let (hex, _, mut excerpt) = case.template_facts(templates[0])?;
            // Not every wording was logged with an excerpt: the most-used
            // one that was (among the first few).
            for &t in templates.iter().skip(1).take(EXCERPT_TRIES) {
                if excerpt.is_some() {
                    break;
                }
                excerpt = case.template_facts(t)?.2;
            }
            Ok(FamilyUse {
                hex,
                variants: templates.len(),
                exchanges,
                accounts,
                group_accounts,
                group_exchanges,
                excerpt,
            })
        })
        .collect()
}
