//! Per-cluster indicators, their evidence in plain numbers, and the combined
//! distillation score. The formulas are written out in `docs/analysis.md`.

use rustc_hash::FxHashMap;

use super::evidence::EvidenceGraph;
use super::{Cluster, EvidenceKind, Indicators, Params, Reason};
use crate::case::features::{Activity, CaseFeatures, ReleaseWindow};

const DAY_MS: i64 = 86_400_000;
/// Capability codes (see `capabilities` in the case file).
const REASONING: usize = 0;
const RUBRIC_GRADING: usize = 7;
const SENSITIVE_REWRITE: usize = 8;
const CAPABILITY_NAMES: [&str; 11] = [
    "reasoning",
    "coding",
    "agentic_coding",
    "tool_use",
    "computer_use",
    "vision",
    "data_analysis",
    "rubric_grading",
    "sensitive_rewrite",
    "chat",
    "other",
];

fn clamp01(x: f64) -> f64 {
    if x.is_finite() {
        x.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// 1 - Π(1 - weight × value): any one strong component suffices, several
/// weak ones add up, and the result stays in 0..1.
fn any_of(parts: &[(f64, f64)]) -> f64 {
    1.0 - parts
        .iter()
        .map(|(w, v)| 1.0 - w * clamp01(*v))
        .product::<f64>()
}

/// `any_of` over weighted parts, recording each part's sentence as a reason
/// with the strength it contributes.
fn explained(
    reason: &mut impl FnMut(&str, f64, String),
    indicator: &str,
    parts: Vec<(f64, f64, String)>,
) -> f64 {
    let value = any_of(&parts.iter().map(|(w, v, _)| (*w, *v)).collect::<Vec<_>>());
    for (weight, part, text) in parts {
        reason(indicator, weight * clamp01(part), text);
    }
    value
}

fn pct(x: f64) -> String {
    format!("{:.0}%", 100.0 * x)
}

/// Per-account facts the indicators use.
struct AccountSignals {
    /// Share of exchanges in the account's 8 quietest hours of the day.
    quiet_share: Option<f64>,
    /// Coefficient of variation of the gaps between active minutes (gaps
    /// over 6 hours, i.e. breaks, left out).
    gap_cv: Option<f64>,
    young: bool,
    farmed: bool,
    banned: bool,
    proxied: bool,
}

fn account_signals(
    f: &CaseFeatures,
    activity: &Activity,
    graph: &EvidenceGraph,
) -> Vec<AccountSignals> {
    let mut banned = vec![false; f.accounts.len()];
    for e in &f.events {
        if e.kind == "account_banned"
            && let Some(slot) = e.account.and_then(|a| banned.get_mut(a as usize))
        {
            *slot = true;
        }
    }
    f.accounts
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let total: u64 = a.hour_of_day.iter().sum();
            let quiet_share = (total >= 24).then(|| {
                let mut hours = a.hour_of_day;
                hours.sort_unstable();
                hours[..8].iter().sum::<u64>() as f64 / total as f64
            });
            let minutes = &activity.minutes[i];
            let gaps: Vec<f64> = minutes
                .windows(2)
                .map(|w| f64::from(w[1] - w[0]))
                .filter(|g| *g <= 360.0)
                .collect();
            let gap_cv = (gaps.len() >= 20).then(|| {
                let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
                let var = gaps.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / gaps.len() as f64;
                var.sqrt() / mean.max(1e-9)
            });
            let young = a
                .first_ms
                .is_some_and(|first| first - a.created_ms < 30 * DAY_MS);
            let program = matches!(
                a.access_path.as_deref(),
                Some("education" | "startup_program" | "research_program")
            );
            let farmed = program && (young || a.verification.as_deref() != Some("kyc"));
            // Rotating over many networks; a crowded egress alone (a company's,
            // a carrier's, a relay's) is not evasion.
            let proxied = graph.accounts.distinct_prefixes[i] >= 6;
            AccountSignals {
                quiet_share,
                gap_cv,
                young,
                farmed,
                banned: banned[i],
                proxied,
            }
        })
        .collect()
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    Some(values[values.len() / 2])
}

/// Groups accounts by `membership` and scores every cluster.
pub fn score_clusters(
    f: &CaseFeatures,
    activity: &Activity,
    windows: &[ReleaseWindow],
    graph: &EvidenceGraph,
    membership: &[u32],
    params: &Params,
) -> Vec<Cluster> {
    let n = f.accounts.len();
    let groups = membership
        .iter()
        .map(|&c| c as usize + 1)
        .max()
        .unwrap_or(0);
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); groups];
    for (account, &c) in membership.iter().enumerate() {
        members[c as usize].push(account as u32);
    }
    // Evidence kinds each account has on a link inside its own cluster.
    let mut kinds_inside = vec![0u16; n];
    for link in &graph.links {
        if membership[link.a as usize] == membership[link.b as usize] {
            for e in &link.evidence {
                let bit = 1u16 << (e.kind as u16);
                kinds_inside[link.a as usize] |= bit;
                kinds_inside[link.b as usize] |= bit;
            }
        }
    }
    let signals = account_signals(f, activity, graph);
    // `account_templates` is sorted by account: each account's rows, by range.
    let mut template_rows = vec![0..0; n];
    let mut start = 0;
    for i in 1..=f.account_templates.len() {
        if i == f.account_templates.len()
            || f.account_templates[i].0 != f.account_templates[start].0
        {
            if let Some(slot) = template_rows.get_mut(f.account_templates[start].0 as usize) {
                *slot = start..i;
            }
            start = i;
        }
    }
    // Ordinary adoption of a new model: accounts that are not part of any
    // sizeable group (clusters of at most 3).
    let baselines: Vec<f64> = windows
        .iter()
        .enumerate()
        .map(|(w, _)| {
            let (mut total, mut on_model) = (0u64, 0u64);
            for (account, &c) in membership.iter().enumerate() {
                if members[c as usize].len() <= 3 {
                    let (t, m) = activity.release_windows[w][account];
                    total += u64::from(t);
                    on_model += u64::from(m);
                }
            }
            if total == 0 {
                0.0
            } else {
                on_model as f64 / total as f64
            }
        })
        .collect();

    let mut clusters: Vec<Cluster> = members
        .into_iter()
        .filter(|m| !m.is_empty())
        .map(|m| {
            score_one(
                f,
                activity,
                windows,
                &baselines,
                graph,
                &signals,
                &kinds_inside,
                &template_rows,
                m,
                params,
            )
        })
        .collect();
    clusters.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.members[0].cmp(&b.members[0]))
    });
    clusters
}

#[allow(clippy::too_many_arguments)]
fn score_one(
    f: &CaseFeatures,
    activity: &Activity,
    windows: &[ReleaseWindow],
    baselines: &[f64],
    graph: &EvidenceGraph,
    signals: &[AccountSignals],
    kinds_inside: &[u16],
    template_rows: &[std::ops::Range<usize>],
    members: Vec<u32>,
    params: &Params,
) -> Cluster {
    let s = members.len();
    let sf = s as f64;
    let mut reasons: Vec<Reason> = Vec::new();
    let mut reason = |indicator: &str, strength: f64, text: String| {
        if strength > 0.0 {
            reasons.push(Reason {
                indicator: indicator.to_string(),
                strength: clamp01(strength),
                text,
            });
        }
    };
    let accounts: Vec<&crate::case::features::AccountFacts> =
        members.iter().map(|&a| &f.accounts[a as usize]).collect();
    let exchanges: u64 = accounts.iter().map(|a| a.exchanges).sum();

    // Coordination: for each kind of evidence, the share of members linked
    // to another member by it.
    let mut coordination_parts = Vec::new();
    if s >= 2 {
        for kind in EvidenceKind::ALL {
            let bit = 1u16 << (kind as u16);
            let count = members
                .iter()
                .filter(|&&a| kinds_inside[a as usize] & bit != 0)
                .count();
            if count > 0 {
                let share = count as f64 / sf;
                coordination_parts.push((kind.weight(), share));
                reason(
                    "coordination",
                    kind.weight() * share,
                    format!(
                        "{count} of {s} accounts share {} with another member",
                        kind_phrase(kind)
                    ),
                );
            }
        }
    }
    let coordination = any_of(&coordination_parts);

    // Extraction intent.
    let mut caps = [0u64; 11];
    for a in &accounts {
        for (c, n) in a.capabilities.iter().enumerate() {
            caps[c] += n;
        }
    }
    let cap_total: u64 = caps.iter().sum();
    let cot_scored: u64 = accounts.iter().map(|a| a.cot_scored).sum();
    let cot_share = if cot_scored == 0 {
        0.0
    } else {
        accounts.iter().map(|a| a.cot_high).sum::<u64>() as f64 / cot_scored as f64
    };
    let grading_share = if cap_total == 0 {
        0.0
    } else {
        (caps[RUBRIC_GRADING] + caps[SENSITIVE_REWRITE]) as f64 / cap_total as f64
    };
    let entropy: f64 = caps
        .iter()
        .filter(|&&n| n > 0)
        .map(|&n| {
            let p = n as f64 / cap_total as f64;
            -p * p.ln()
        })
        .sum();
    let concentration = if cap_total == 0 {
        0.0
    } else {
        1.0 - entropy / (caps.len() as f64).ln()
    };
    let top_cap = (0..caps.len())
        .max_by_key(|&c| (caps[c], std::cmp::Reverse(c)))
        .unwrap_or(REASONING);
    let mut family_counts: FxHashMap<u32, u64> = FxHashMap::default();
    for &a in &members {
        for &(_, template, n) in &f.account_templates[template_rows[a as usize].clone()] {
            let family = graph
                .accounts
                .template_family
                .get(template as usize)
                .copied()
                .unwrap_or(template);
            *family_counts.entry(family).or_default() += n;
        }
    }
    let mut counts: Vec<u64> = family_counts.values().copied().collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let templated: u64 = counts.iter().sum();
    let top5 = if templated == 0 {
        0.0
    } else {
        counts.iter().take(5).sum::<u64>() as f64 / templated as f64
    };
    let (input, output): (i64, i64) = accounts.iter().fold((0, 0), |(i, o), a| {
        (i + a.input_tokens, o + a.output_tokens)
    });
    let ratio = if input > 0 {
        output as f64 / input as f64
    } else {
        0.0
    };
    let cot_part = clamp01((cot_share - 0.15) / 0.5);
    let grading_part = clamp01(grading_share / 0.3);
    let concentration_part = clamp01((concentration - 0.3) / 0.5);
    let template_part = if s >= 2 {
        clamp01((top5 - 0.3) / 0.6)
    } else {
        0.0
    };
    let ratio_part = clamp01(ratio.max(1e-9).log2() / 3.0);
    let extraction = explained(
        &mut reason,
        "extraction",
        vec![
            (
                0.8,
                cot_part,
                format!(
                    "chain-of-thought elicitation in {} of scored exchanges",
                    pct(cot_share)
                ),
            ),
            (
                0.7,
                grading_part,
                format!(
                    "rubric grading and sensitive rewrites: {} of exchanges",
                    pct(grading_share)
                ),
            ),
            (
                0.5,
                concentration_part,
                format!(
                    "capability concentration {concentration:.2} (mostly {}: {})",
                    CAPABILITY_NAMES[top_cap],
                    pct(caps[top_cap] as f64 / cap_total.max(1) as f64)
                ),
            ),
            (
                0.6,
                template_part,
                format!("top 5 template families carry {} of exchanges", pct(top5)),
            ),
            (
                0.4,
                ratio_part,
                format!("output/input token ratio {ratio:.1}"),
            ),
        ],
    );

    // Automation.
    let member_signals: Vec<&AccountSignals> =
        members.iter().map(|&a| &signals[a as usize]).collect();
    let quiet = {
        let weighted: Vec<(f64, f64)> = member_signals
            .iter()
            .zip(&accounts)
            .filter_map(|(sig, a)| sig.quiet_share.map(|q| (q, a.exchanges as f64)))
            .collect();
        let w: f64 = weighted.iter().map(|(_, w)| w).sum();
        if w > 0.0 {
            weighted.iter().map(|(q, x)| q * x).sum::<f64>() / w
        } else {
            0.0
        }
    };
    let flat = clamp01(quiet / 0.25);
    let cv = median(member_signals.iter().filter_map(|s| s.gap_cv).collect());
    let regular = cv.map_or(0.0, |cv| clamp01((1.2 - cv) / 0.8));
    let sync_bit = 1u16 << (EvidenceKind::Synchrony as u16);
    let synced = members
        .iter()
        .filter(|&&a| kinds_inside[a as usize] & sync_bit != 0)
        .count();
    let synchrony = if s >= 2 { synced as f64 / sf } else { 0.0 };
    let automation = flat.max(regular).max(synchrony);
    reason(
        "automation",
        flat,
        format!(
            "flat 24/7 load: {} of exchanges in the 8 quietest hours of the day",
            pct(quiet)
        ),
    );
    if let Some(cv) = cv {
        reason(
            "automation",
            regular,
            format!("regular spacing: median variation of gaps between requests {cv:.2}"),
        );
    }
    reason(
        "automation",
        synchrony,
        format!(
            "{synced} of {s} accounts active in the same minutes as another member far beyond chance"
        ),
    );

    // Evasion.
    let share_of =
        |pred: &dyn Fn(&AccountSignals) -> bool| member_signals.iter().filter(|s| pred(s)).count();
    let (young, farmed, banned, proxied) = (
        share_of(&|s| s.young),
        share_of(&|s| s.farmed),
        share_of(&|s| s.banned),
        share_of(&|s| s.proxied),
    );
    let evasion = explained(
        &mut reason,
        "evasion",
        vec![
            (
                0.6,
                young as f64 / sf,
                format!("{young} of {s} accounts first used within 30 days of creation"),
            ),
            (
                0.5,
                farmed as f64 / sf,
                format!(
                    "{farmed} of {s} accounts on education, startup or research access without KYC or long standing"
                ),
            ),
            (
                0.7,
                banned as f64 / sf,
                format!("{banned} of {s} accounts banned"),
            ),
            (
                0.5,
                proxied as f64 / sf,
                format!(
                    "{proxied} of {s} accounts rotate over 6 or more networks (/24 or /48 prefixes)"
                ),
            ),
        ],
    );

    // Release pivot.
    let mut release_pivot: f64 = 0.0;
    for (w, window) in windows.iter().enumerate() {
        let (mut total, mut on_model) = (0u64, 0u64);
        for &a in &members {
            let (t, m) = activity.release_windows[w][a as usize];
            total += u64::from(t);
            on_model += u64::from(m);
        }
        if total >= 50 {
            let share = on_model as f64 / total as f64;
            let pivot = clamp01((share - baselines[w]) / 0.35);
            if pivot > release_pivot {
                release_pivot = pivot;
            }
            let model = f
                .models
                .get(window.model as usize)
                .map_or("the new model", String::as_str);
            reason(
                "release_pivot",
                pivot,
                format!(
                    "{} of traffic on {model} within {} h of its release, against {} for independent accounts",
                    pct(share),
                    params.pivot_window_hours,
                    pct(baselines[w])
                ),
            );
        }
    }

    // Partner intelligence.
    let hits = members
        .iter()
        .filter(|&&a| !graph.accounts.indicator_hits[a as usize].is_empty())
        .count();
    let partner = clamp01(3.0 * hits as f64 / sf);
    if hits > 0 {
        let mut which: Vec<u32> = members
            .iter()
            .flat_map(|&a| graph.accounts.indicator_hits[a as usize].iter().copied())
            .collect();
        which.sort_unstable();
        which.dedup();
        let examples: Vec<String> = which
            .iter()
            .take(3)
            .filter_map(|&k| f.indicators.get(k as usize))
            .map(|i| {
                format!(
                    "{} {} from {}",
                    i.kind,
                    i.value,
                    i.source.as_deref().unwrap_or("a partner")
                )
            })
            .collect();
        reason(
            "partner",
            partner,
            format!(
                "{hits} of {s} accounts match partner indicators ({})",
                examples.join("; ")
            ),
        );
    }

    let indicators = Indicators {
        coordination,
        extraction,
        automation,
        evasion,
        release_pivot,
        partner,
    };
    let gate = evasion.max(release_pivot).max(partner);
    let score = if s < 2 {
        0.0
    } else {
        (coordination * extraction * gate).cbrt() * (0.85 + 0.15 * automation)
    };
    reasons.sort_by(|a, b| {
        b.strength
            .total_cmp(&a.strength)
            .then_with(|| a.text.cmp(&b.text))
    });
    Cluster {
        id: format!("c{}", members[0] + 1),
        members,
        exchanges,
        score: clamp01(score),
        suspected: s >= 2 && score >= params.suspect_threshold,
        indicators,
        reasons,
    }
}

fn kind_phrase(kind: EvidenceKind) -> &'static str {
    match kind {
        EvidenceKind::Card => "a payment card",
        EvidenceKind::SignupIp => "a sign-up address",
        EvidenceKind::RequestIp => "a request address",
        EvidenceKind::Prefix => "a network prefix",
        EvidenceKind::ClientFingerprint => "a client fingerprint",
        EvidenceKind::EmailDomain => "an e-mail domain",
        EvidenceKind::TemplateFamily => "a prompt-template family",
        EvidenceKind::Synchrony => "active minutes (synchronised)",
        EvidenceKind::SignupBurst => "a sign-up burst",
        EvidenceKind::Indicator => "a partner indicator",
    }
}
