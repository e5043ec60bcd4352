//! The exchanges of one planned account: when it sends, from where, with
//! which client, template, capability, model and token counts.

use std::borrow::Cow;

use super::scenario::{
    DAY_MS, EXCERPTS, Group, HOUR_MS, MODELS, NEW_MODEL, Plan, Population, Timing, token,
};
use crate::logs::record::{Capability, Exchange};
use crate::rng::{Rng, mix64};

/// Calls `emit` for each exchange of account `index`, in time order.
/// Independent of the order accounts are generated in.
pub fn account_traffic(
    pop: &Population,
    index: usize,
    seed: u64,
    mut emit: impl FnMut(&Exchange<'_>),
) {
    let plan = &pop.plans[index];
    let mut rng = Rng::new(seed, index as u64 + 1);
    let mut times = timestamps(pop, plan, index, &mut rng);
    times.sort_unstable();
    let request_key = mix64(seed ^ 0x7265_7175_6573_7473);
    for (k, ts_ms) in times.into_iter().enumerate() {
        let net = pop.nets[pick_net(plan, &mut rng) as usize];
        let client = &pop.clients[plan.clients[if plan.clients.len() > 1 && rng.chance(0.1) {
            1
        } else {
            0
        }] as usize];
        let key = &plan.keys[rng.zipf(plan.keys.len(), 1.5)];
        let template_index = if plan.group.is_campaign() {
            plan.templates[rng.below(plan.templates.len())]
        } else {
            plan.templates[rng.zipf(plan.templates.len(), 1.3)]
        };
        let template = &pop.templates[template_index as usize];
        let mut simhash = template.simhash;
        if template.max_flips > 0 {
            for _ in 0..rng.below(template.max_flips as usize + 1) {
                let bit = mix64(template.simhash.wrapping_add(rng.below(12) as u64)) % 64;
                simhash ^= 1 << bit;
            }
        }
        let capability = template.capability;
        let (input_tokens, output_tokens) = tokens(plan.group, capability, &mut rng);
        let cot = (!rng.chance(0.01))
            .then(|| (cot(plan.group, capability, &mut rng) * 1000.0).round() / 1000.0);
        let excerpt = rng
            .chance(0.03)
            .then(|| Cow::Borrowed(EXCERPTS[template.excerpt % EXCERPTS.len()]));
        // Benign exports sometimes lack the address; campaign traffic always has it.
        let ip = (plan.group.is_campaign() || !rng.chance(0.005)).then_some(net);
        emit(&Exchange {
            request_id: Cow::Owned(token(
                "req_",
                ((index as u64) << 26) | k as u64,
                request_key,
            )),
            account_id: Cow::Borrowed(&plan.account.account_id),
            ts_ms,
            model: Cow::Borrowed(model(pop, plan.group, ts_ms, &mut rng)),
            input_tokens,
            output_tokens,
            ip: ip.map(|n| n.addr),
            asn: ip.map(|n| n.asn),
            api_key_id: Some(Cow::Borrowed(key)),
            client_fingerprint: Some(Cow::Borrowed(client)),
            prompt_template: Some(simhash),
            capability: Some(capability),
            cot_elicitation: cot,
            prompt_excerpt: excerpt,
            extra_json: None,
        });
    }
}

fn pick_net(plan: &Plan, rng: &mut Rng) -> u32 {
    match plan.group {
        // Rotating proxies and a load-balanced relay: any address, any time.
        Group::CampaignAgentic
        | Group::CampaignHydra
        | Group::CampaignReasoning
        | Group::BenignRelayCustomers => plan.nets[rng.below(plan.nets.len())],
        _ => {
            if plan.nets.len() > 1 && rng.chance(0.2) {
                plan.nets[1 + rng.below(plan.nets.len() - 1)]
            } else {
                plan.nets[0]
            }
        }
    }
}

/// Day of week, Monday = 0, of a day number since 1970-01-01 (a Thursday).
fn weekday(day: i64) -> i64 {
    (day + 3).rem_euclid(7)
}

fn timestamps(pop: &Population, plan: &Plan, index: usize, rng: &mut Rng) -> Vec<i64> {
    let (from, to) = (plan.from_ms, plan.to_ms);
    let n = plan.exchanges as usize;
    let mut out = Vec::with_capacity(n + 16);
    if to <= from {
        return out;
    }
    match &plan.timing {
        Timing::Cron {
            period_ms,
            jitter_ms,
        } => {
            let first = from.div_euclid(*period_ms) * period_ms + period_ms;
            let ticks = ((to - first) / period_ms).max(1);
            let p = (n as f64 / ticks as f64).min(1.0);
            let mut tick = first;
            while tick < to && out.len() < n {
                if rng.chance(p) {
                    out.push(tick + rng.range(0, *jitter_ms));
                }
                tick += period_ms;
            }
        }
        Timing::LockStep {
            start_hour,
            end_hour,
        } => {
            let mut windows = Vec::new();
            let mut day = from.div_euclid(DAY_MS);
            while day * DAY_MS < to {
                if weekday(day) < 6 {
                    let ws = (day * DAY_MS + start_hour * HOUR_MS).max(from);
                    let we = (day * DAY_MS + end_hour * HOUR_MS).min(to);
                    if we > ws {
                        windows.push((ws, we));
                    }
                }
                day += 1;
            }
            let total: i64 = windows.iter().map(|(s, e)| e - s).sum();
            if total > 0 && n > 0 {
                let interval = total as f64 / n as f64;
                let mut pos = rng.unit() * interval;
                let mut w = 0;
                let mut w_offset = 0i64;
                while out.len() < n && w < windows.len() {
                    let (ws, we) = windows[w];
                    let p = pos as i64 - w_offset;
                    if p >= we - ws {
                        w_offset += we - ws;
                        w += 1;
                        continue;
                    }
                    out.push(ws + p);
                    pos += interval * rng.range_f(0.9, 1.1);
                }
            }
        }
        Timing::Flat => {
            for _ in 0..n {
                out.push(rng.range(from, to));
            }
        }
        Timing::Diurnal {
            tz_hours,
            weekend_weight,
        } => {
            let first_day = from.div_euclid(DAY_MS);
            let days: Vec<i64> = (first_day..=(to - 1).div_euclid(DAY_MS)).collect();
            let weights: Vec<f64> = days
                .iter()
                .map(|d| {
                    if weekday(*d) < 5 {
                        1.0
                    } else {
                        *weekend_weight
                    }
                })
                .collect();
            let mut guard = 0;
            while out.len() < n && guard < n * 20 + 100 {
                guard += 1;
                let day = days[rng.weighted(&weights)];
                let local_hour = (14.0 + 3.5 * rng.normal()).clamp(6.5, 23.5);
                let mut t =
                    day * DAY_MS + (local_hour * HOUR_MS as f64) as i64 - tz_hours * HOUR_MS;
                let session = 1 + rng.exp(3.0) as usize;
                for _ in 0..session {
                    if out.len() >= n {
                        break;
                    }
                    if t >= from && t < to {
                        out.push(t);
                    }
                    t += 5_000 + rng.exp(120_000.0) as i64;
                }
            }
        }
        Timing::Runs => {
            let runs: Vec<(i64, i64)> = pop
                .lab_runs
                .iter()
                .copied()
                .filter(|(s, e)| *s >= from && *e <= to)
                .collect();
            if !runs.is_empty() {
                let per_run = n.div_ceil(runs.len());
                for (s, e) in runs {
                    let interval = (e - s) as f64 / per_run.max(1) as f64;
                    let offset = (index % 7) as f64 * 1_000.0;
                    for k in 0..per_run {
                        if out.len() >= n {
                            break;
                        }
                        let t = s + (offset + k as f64 * interval * rng.range_f(0.98, 1.02)) as i64;
                        out.push(t.min(e - 1));
                    }
                }
            }
        }
    }
    out
}

fn model(pop: &Population, group: Group, ts_ms: i64, rng: &mut Rng) -> &'static str {
    if ts_ms >= pop.release_ms {
        let dt = (ts_ms - pop.release_ms) as f64;
        let adoption = |share: f64, ramp_ms: f64| share * (dt / ramp_ms).min(1.0);
        let p_new = match group {
            // Caught mid-campaign: half its traffic on the new model within a day.
            Group::CampaignHydra => adoption(0.5, 18.0 * HOUR_MS as f64),
            Group::CampaignAgentic => adoption(0.2, 3.0 * DAY_MS as f64),
            Group::CampaignReasoning => adoption(0.15, 2.0 * DAY_MS as f64),
            Group::BenignUniversityLab => 0.0,
            _ => adoption(0.1, 5.0 * DAY_MS as f64),
        };
        if rng.chance(p_new) {
            return NEW_MODEL;
        }
    }
    let weights: &[f64] = match group {
        Group::CampaignHydra => &[0.8, 0.2, 0.0],
        Group::CampaignAgentic => &[0.6, 0.4, 0.0],
        Group::CampaignReasoning => &[0.7, 0.3, 0.0],
        Group::BenignUniversityLab => &[1.0, 0.0, 0.0],
        _ => &[0.3, 0.45, 0.25],
    };
    MODELS[rng.weighted(weights)]
}

fn tokens(group: Group, capability: Capability, rng: &mut Rng) -> (i64, i64) {
    let (input_median, output_median) = match group {
        Group::CampaignReasoning => match capability {
            Capability::Reasoning => (450.0, 3_200.0),
            Capability::RubricGrading => (1_400.0, 900.0),
            _ => (800.0, 1_100.0),
        },
        Group::CampaignAgentic => (5_000.0, 900.0),
        Group::CampaignHydra => (7_000.0, 1_400.0),
        Group::BenignUniversityLab => (400.0, 1_800.0),
        Group::BenignCompany => (1_200.0, 500.0),
        _ => (600.0, 450.0),
    };
    let input = rng
        .lognormal(input_median, 0.6)
        .round()
        .clamp(1.0, 200_000.0) as i64;
    let output = rng
        .lognormal(output_median, 0.5)
        .round()
        .clamp(1.0, 64_000.0) as i64;
    (input, output)
}

fn cot(group: Group, capability: Capability, rng: &mut Rng) -> f64 {
    match (group, capability) {
        (Group::CampaignReasoning, Capability::Reasoning) => rng.range_f(0.82, 0.99),
        (Group::CampaignReasoning, Capability::RubricGrading) => rng.range_f(0.4, 0.7),
        (Group::CampaignReasoning, _) => rng.range_f(0.15, 0.4),
        (Group::CampaignAgentic, _) => rng.range_f(0.35, 0.75),
        (Group::CampaignHydra, _) => rng.range_f(0.25, 0.6),
        (Group::BenignUniversityLab, _) => rng.range_f(0.85, 0.98),
        (_, Capability::Reasoning) => rng.range_f(0.3, 0.7),
        _ => rng.unit().powi(3) * 0.3,
    }
}
