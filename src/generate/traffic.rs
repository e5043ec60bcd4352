//! The exchanges of one planned account: when it sends, from where, with
//! which client, template, capability, model and token counts. Accounts of
//! the evasive campaigns (with a [`Disguise`]) mix their harvest with cover
//! traffic, in `disguised_traffic`; accounts of the families scenarios (with
//! a [`FamilyPlan`]) follow their plan in `family_traffic`; every other
//! account goes through one path whose random draws the classic scenarios'
//! baselines pin.

use std::borrow::Cow;

use super::disguise::Disguise;
use super::group::Group;
use super::knobs::{FamilyPlan, Shape, TemplateMode};
use super::scenario::{
    DAY_MS, EXCERPTS, HOUR_MS, MODELS, NEW_MODEL, Plan, Population, Shift, Timing, token,
};
use crate::base::rng::{Rng, mix64};
use crate::logs::record::{Capability, Exchange};

/// Calls `emit` for each exchange of account `index`, in time order.
/// Independent of the order accounts are generated in.
pub fn account_traffic(
    pop: &Population,
    index: usize,
    seed: u64,
    mut emit: impl FnMut(&Exchange<'_>),
) {
    let plan = &pop.plans[index];
    if let Some(family) = plan.family.as_deref() {
        family_traffic(pop, index, seed, family, emit);
        return;
    }
    if let Some(disguise) = plan.disguise.as_deref() {
        disguised_traffic(pop, index, seed, disguise, emit);
        return;
    }
    let mut rng = Rng::new(seed, index as u64 + 1);
    let mut times = timestamps(pop, plan, index, &mut rng);
    times.sort_unstable();
    let request_key = mix64(seed ^ 0x7265_7175_6573_7473);
    for (k, ts_ms) in times.into_iter().enumerate() {
        let net = pop.nets[pick_net(plan, ts_ms, &mut rng) as usize];
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

fn pick_net(plan: &Plan, ts_ms: i64, rng: &mut Rng) -> u32 {
    match plan.group {
        // Rotating proxies and a load-balanced relay: any address, any time.
        Group::CampaignAgentic
        | Group::CampaignHydra
        | Group::CampaignReasoning
        | Group::CampaignLowAndSlow
        | Group::CampaignAgedAccounts
        | Group::BenignRelayCustomers => plan.nets[rng.below(plan.nets.len())],
        // At the venue during the event, at home afterwards.
        Group::BenignHackathon => match plan.timing {
            Timing::Event { end_ms, .. } if ts_ms >= end_ms && plan.nets.len() > 1 => plan.nets[1],
            _ => plan.nets[0],
        },
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
    times_of(
        pop,
        &plan.timing,
        (plan.from_ms, plan.to_ms),
        plan.exchanges as usize,
        index,
        rng,
    )
}

/// `n` request times in `[from, to)` following `timing` (unsorted).
fn times_of(
    pop: &Population,
    timing: &Timing,
    (from, to): (i64, i64),
    n: usize,
    index: usize,
    rng: &mut Rng,
) -> Vec<i64> {
    let mut out = Vec::with_capacity(n + 16);
    if to <= from {
        return out;
    }
    match timing {
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
            spaced_in_windows(&mut out, &windows, n, rng);
        }
        Timing::Flat => {
            for _ in 0..n {
                out.push(rng.range(from, to));
            }
        }
        Timing::Diurnal {
            tz_hours,
            weekend_weight,
        } => diurnal(&mut out, (from, to), n, *tz_hours, *weekend_weight, rng),
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
        Timing::Event {
            start_ms,
            end_ms,
            tail_share,
            tz_hours,
        } => {
            let (es, ee) = ((*start_ms).max(from), (*end_ms).min(to));
            let tail = if ee < to {
                (n as f64 * tail_share).round() as usize
            } else {
                0
            };
            let during = if ee > es { n - tail } else { 0 };
            // Day and night, a little less in the small hours.
            let mut guard = 0;
            while out.len() < during && guard < during * 20 + 100 {
                guard += 1;
                let t = rng.range(es, ee);
                let local_hour = (t + tz_hours * HOUR_MS).rem_euclid(DAY_MS) / HOUR_MS;
                if local_hour >= 8 || rng.chance(0.3) {
                    out.push(t);
                }
            }
            let target = n - out.len();
            diurnal(&mut out, (ee.max(from), to), target, *tz_hours, 0.5, rng);
        }
        Timing::Batches {
            start_hour,
            end_hour,
            extra: (xs, xe),
            extra_share,
        } => {
            let (xs, xe) = ((*xs).max(from), (*xe).min(to));
            let in_extra = if xe > xs {
                (n as f64 * extra_share).round() as usize
            } else {
                0
            };
            spaced_in_windows(&mut out, &[(xs, xe)], in_extra, rng);
            let mut windows = Vec::new();
            let mut day = from.div_euclid(DAY_MS);
            while day * DAY_MS < to {
                let ws = (day * DAY_MS + start_hour * HOUR_MS).max(from);
                let we = (day * DAY_MS + end_hour * HOUR_MS).min(to);
                if we > ws {
                    windows.push((ws, we));
                }
                day += 1;
            }
            let target = n - out.len();
            spaced_in_windows(&mut out, &windows, target, rng);
        }
        Timing::Windows(windows) => {
            let clipped: Vec<(i64, i64)> = windows
                .iter()
                .map(|&(s, e)| (s.max(from), e.min(to)))
                .filter(|(s, e)| e > s)
                .collect();
            spaced_in_windows(&mut out, &clipped, n, rng);
        }
        Timing::Active {
            tz_hours,
            active_share,
            weekend_weight,
        } => {
            let days = active_days((from, to), *active_share, *weekend_weight, rng);
            sessions_on(&mut out, &days, (from, to), n, *tz_hours, rng);
        }
        Timing::Script {
            period_ms,
            phase_ms,
            jitter_ms,
            start_hour,
            hours,
            active_share,
        } => script(
            &mut out,
            (from, to),
            n,
            (*period_ms, *phase_ms, *jitter_ms),
            (*start_hour, *hours, *active_share),
            rng,
        ),
        Timing::Grind {
            tz_hours,
            active_share,
            start_hour,
            hours,
        } => grind(
            &mut out,
            (from, to),
            n,
            *tz_hours,
            (*active_share, *start_hour, *hours),
            rng,
        ),
        Timing::Deadlines {
            deadlines,
            lead_ms,
            burst_share,
            tz_hours,
        } => deadline_bursts(
            &mut out,
            (from, to),
            n,
            deadlines,
            (*lead_ms, *burst_share, *tz_hours),
            rng,
        ),
        Timing::Shifts(shifts) => {
            let windows = shift_windows(shifts, (from, to));
            spaced_in_windows(&mut out, &windows, n, rng);
        }
        Timing::Audience { tz_hours, depth } => {
            let mut guard = 0;
            while out.len() < n && guard < n * 20 + 100 {
                guard += 1;
                let t = rng.range(from, to);
                let local = (t + tz_hours * HOUR_MS).rem_euclid(DAY_MS) as f64 / HOUR_MS as f64;
                // Quietest around 04:00 local.
                let night = (1.0 + ((local - 4.0) / 24.0 * std::f64::consts::TAU).cos()) / 2.0;
                if rng.chance(1.0 - depth * night) {
                    out.push(t);
                }
            }
        }
        Timing::Mixed(parts) => {
            let total: f64 = parts.iter().map(|(share, _)| share).sum();
            let mut left = n;
            for (i, (share, part)) in parts.iter().enumerate() {
                let k = if i + 1 == parts.len() {
                    left
                } else {
                    ((n as f64 * share / total.max(1e-9)).round() as usize).min(left)
                };
                left -= k;
                out.extend(times_of(pop, part, (from, to), k, index, rng));
            }
        }
    }
    out
}

/// The days (numbers since 1970-01-01) of `[from, to)` an account is active
/// on: each weekday with chance `share`, each weekend day with
/// `share * weekend_weight`; at least one.
fn active_days((from, to): (i64, i64), share: f64, weekend_weight: f64, rng: &mut Rng) -> Vec<i64> {
    let (first, last) = (from.div_euclid(DAY_MS), (to - 1).div_euclid(DAY_MS));
    let mut days: Vec<i64> = (first..=last)
        .filter(|&d| {
            let p = if weekday(d) < 5 {
                share
            } else {
                share * weekend_weight
            };
            rng.chance(p)
        })
        .collect();
    if days.is_empty() {
        days.push(rng.range(first, last + 1));
    }
    days
}

/// Appends up to `n` times in local-daytime sessions on `days`.
fn sessions_on(
    out: &mut Vec<i64>,
    days: &[i64],
    (from, to): (i64, i64),
    n: usize,
    tz_hours: i64,
    rng: &mut Rng,
) {
    if days.is_empty() || n == 0 {
        return;
    }
    let target = out.len() + n;
    let mut guard = 0;
    while out.len() < target && guard < n * 20 + 100 {
        guard += 1;
        let day = days[rng.below(days.len())];
        let local_hour = (14.0 + 3.5 * rng.normal()).clamp(6.5, 23.5);
        let mut t = day * DAY_MS + (local_hour * HOUR_MS as f64) as i64 - tz_hours * HOUR_MS;
        let session = 1 + rng.exp(4.0) as usize;
        for _ in 0..session {
            if out.len() >= target {
                break;
            }
            if t >= from && t < to {
                out.push(t);
            }
            t += 5_000 + rng.exp(90_000.0) as i64;
        }
    }
}

/// Appends up to `n` ticks of an account's own script: every `period` from
/// its `phase`, inside a daily window on its active days.
fn script(
    out: &mut Vec<i64>,
    (from, to): (i64, i64),
    n: usize,
    (period, phase, jitter): (i64, i64, i64),
    (start_hour, hours, active_share): (i64, i64, f64),
    rng: &mut Rng,
) {
    let period = period.max(1_000);
    let days = active_days((from, to), active_share, 1.0, rng);
    let mut ticks = Vec::new();
    for day in days {
        let ws = (day * DAY_MS + start_hour * HOUR_MS).max(from);
        let we = (day * DAY_MS + (start_hour + hours.clamp(1, 24)) * HOUR_MS).min(to);
        let mut t = ws + (phase - ws).rem_euclid(period);
        while t < we {
            ticks.push(t);
            t += period;
        }
    }
    if ticks.is_empty() {
        return;
    }
    let p = (n as f64 / ticks.len() as f64).min(1.0);
    let target = out.len() + n;
    for tick in ticks {
        if out.len() >= target {
            break;
        }
        if rng.chance(p) {
            out.push((tick + rng.range(0, jitter.max(1))).min(to - 1));
        }
    }
}

/// Appends `n` times of a person working through a queue: on each working
/// day one to three blocks of work around `start_hour` local time, requests
/// at random moments within them.
fn grind(
    out: &mut Vec<i64>,
    (from, to): (i64, i64),
    n: usize,
    tz_hours: i64,
    (active_share, start_hour, hours): (f64, i64, i64),
    rng: &mut Rng,
) {
    if n == 0 {
        return;
    }
    let days = active_days((from, to), active_share, 0.6, rng);
    let mut blocks: Vec<(i64, i64)> = Vec::new();
    let mut weights: Vec<f64> = Vec::new();
    for day in days {
        let count = 1 + rng.below(3);
        let worked = hours as f64 * rng.range_f(0.7, 1.3);
        let mut local = start_hour as f64 + rng.range_f(-1.5, 1.5);
        let day_weight = rng.range_f(0.7, 1.3);
        for _ in 0..count {
            let len = worked / count as f64;
            let s = day * DAY_MS + (local * HOUR_MS as f64) as i64 - tz_hours * HOUR_MS;
            let e = s + (len * HOUR_MS as f64) as i64;
            let (s, e) = (s.max(from), e.min(to));
            if e > s {
                blocks.push((s, e));
                weights.push(day_weight * (e - s) as f64);
            }
            local += len + rng.range_f(0.5, 2.0);
        }
    }
    if blocks.is_empty() {
        return;
    }
    for _ in 0..n {
        let (s, e) = blocks[rng.weighted(&weights)];
        out.push(rng.range(s, e));
    }
}

/// Appends `n` times around weekly deadlines: each week (the seven days
/// before a deadline) gets its share; `burst_share` of it in the `lead_ms`
/// before the deadline, day and late night, in work sessions; the rest in
/// daytime sessions earlier in the week.
fn deadline_bursts(
    out: &mut Vec<i64>,
    (from, to): (i64, i64),
    n: usize,
    deadlines: &[i64],
    (lead_ms, burst_share, tz_hours): (i64, f64, i64),
    rng: &mut Rng,
) {
    // Each week clipped to the account's window, with its overlap as weight.
    let weeks: Vec<(i64, i64, i64)> = deadlines
        .iter()
        .map(|&d| (d - 7 * DAY_MS, d))
        .map(|(ws, d)| (ws.max(from), d.min(to), d))
        .filter(|(s, e, _)| e > s)
        .collect();
    if weeks.is_empty() || n == 0 {
        return;
    }
    let weights: Vec<f64> = weeks
        .iter()
        .map(|(s, e, _)| (e - s) as f64 * rng.range_f(0.6, 1.4))
        .collect();
    let total: f64 = weights.iter().sum();
    let mut left = n;
    for (i, &(ws, we, deadline)) in weeks.iter().enumerate() {
        let quota = if i + 1 == weeks.len() {
            left
        } else {
            ((n as f64 * weights[i] / total).round() as usize).min(left)
        };
        left -= quota;
        let (bs, be) = ((deadline - lead_ms).max(ws), we);
        let early = (ws, (deadline - lead_ms).min(we));
        let in_burst = if early.1 <= early.0 {
            quota
        } else if be <= bs {
            0
        } else {
            (quota as f64 * burst_share).round() as usize
        };
        let target = out.len() + in_burst;
        let mut guard = 0;
        while out.len() < target && guard < in_burst * 20 + 100 {
            guard += 1;
            let mut t = rng.range(bs, be);
            let local_hour = (t + tz_hours * HOUR_MS).rem_euclid(DAY_MS) / HOUR_MS;
            // Students work late before a deadline, but rarely 03:00–08:00.
            if (3..8).contains(&local_hour) && !rng.chance(0.15) {
                continue;
            }
            let session = 1 + rng.exp(5.0) as usize;
            for _ in 0..session {
                if out.len() >= target || t >= be {
                    break;
                }
                out.push(t);
                t += 20_000 + rng.exp(150_000.0) as i64;
            }
        }
        let rest = quota - in_burst.min(quota);
        if early.1 > early.0 {
            diurnal(out, early, rest, tz_hours, 0.6, rng);
        }
    }
}

/// The windows of a crew member's shifts, in time order.
fn shift_windows(shifts: &[Shift], (from, to): (i64, i64)) -> Vec<(i64, i64)> {
    let mut windows = Vec::new();
    for s in shifts {
        let (sf, st) = (s.from_ms.max(from), s.to_ms.min(to));
        if st <= sf {
            continue;
        }
        // A window may start the day before and run past midnight.
        let mut day = sf.div_euclid(DAY_MS) - 1;
        while day * DAY_MS < st {
            if s.days & (1 << weekday(day)) != 0 {
                let ws = (day * DAY_MS + s.start_hour * HOUR_MS).max(sf);
                let we = (day * DAY_MS + (s.start_hour + s.hours) * HOUR_MS).min(st);
                if we > ws {
                    windows.push((ws, we));
                }
            }
            day += 1;
        }
    }
    windows.sort_unstable();
    windows
}

/// Appends `n` regularly spaced times across `windows` (a shared schedule:
/// every account of a pipeline fires at nearly the same moments).
fn spaced_in_windows(out: &mut Vec<i64>, windows: &[(i64, i64)], n: usize, rng: &mut Rng) {
    let total: i64 = windows.iter().map(|(s, e)| e - s).sum();
    if total > 0 && n > 0 {
        let target = out.len() + n;
        let interval = total as f64 / n as f64;
        let mut pos = rng.unit() * interval;
        let mut w = 0;
        let mut w_offset = 0i64;
        while out.len() < target && w < windows.len() {
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

/// Appends up to `n` times in local-daytime sessions, mostly on weekdays.
fn diurnal(
    out: &mut Vec<i64>,
    (from, to): (i64, i64),
    n: usize,
    tz_hours: i64,
    weekend_weight: f64,
    rng: &mut Rng,
) {
    if to <= from || n == 0 {
        return;
    }
    let target = out.len() + n;
    let first_day = from.div_euclid(DAY_MS);
    let days: Vec<i64> = (first_day..=(to - 1).div_euclid(DAY_MS)).collect();
    let weights: Vec<f64> = days
        .iter()
        .map(|d| if weekday(*d) < 5 { 1.0 } else { weekend_weight })
        .collect();
    let mut guard = 0;
    while out.len() < target && guard < n * 20 + 100 {
        guard += 1;
        let day = days[rng.weighted(&weights)];
        let local_hour = (14.0 + 3.5 * rng.normal()).clamp(6.5, 23.5);
        let mut t = day * DAY_MS + (local_hour * HOUR_MS as f64) as i64 - tz_hours * HOUR_MS;
        let session = 1 + rng.exp(3.0) as usize;
        for _ in 0..session {
            if out.len() >= target {
                break;
            }
            if t >= from && t < to {
                out.push(t);
            }
            t += 5_000 + rng.exp(120_000.0) as i64;
        }
    }
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
            Group::CampaignLowAndSlow => adoption(0.3, 2.0 * DAY_MS as f64),
            Group::CampaignAgedAccounts => adoption(0.25, DAY_MS as f64),
            // The agent's default model changed on release day.
            Group::BenignCodingAgent => adoption(0.75, 4.0 * HOUR_MS as f64),
            // The release-day evaluation run, then the model joins the suite.
            Group::BenignEvalPipeline if dt < 8.0 * HOUR_MS as f64 => 1.0,
            Group::BenignEvalPipeline => 0.3,
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
        Group::CampaignLowAndSlow => &[0.7, 0.3, 0.0],
        Group::CampaignAgedAccounts => &[0.6, 0.4, 0.0],
        Group::BenignCodingAgent => &[0.6, 0.4, 0.0],
        Group::BenignEvalPipeline => &[0.5, 0.3, 0.2],
        Group::BenignDataLabelling => &[0.05, 0.25, 0.7],
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
        Group::CampaignLowAndSlow => match capability {
            Capability::Reasoning => (500.0, 2_600.0),
            _ => (1_200.0, 1_400.0),
        },
        Group::CampaignAgedAccounts => (6_000.0, 1_000.0),
        Group::BenignCodingAgent => (8_000.0, 700.0),
        Group::BenignHackathon => (1_500.0, 800.0),
        // A score and a short justification.
        Group::BenignEvalPipeline => (1_500.0, 140.0),
        // A label.
        Group::BenignDataLabelling => (700.0, 25.0),
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
        (Group::CampaignLowAndSlow, Capability::Reasoning) => rng.range_f(0.75, 0.97),
        (Group::CampaignLowAndSlow, _) => rng.range_f(0.3, 0.6),
        (Group::CampaignAgedAccounts, _) => rng.range_f(0.3, 0.7),
        (Group::BenignEvalPipeline, _) => rng.range_f(0.75, 0.95),
        (Group::BenignDataLabelling, _) => rng.unit().powi(3) * 0.05,
        (_, Capability::Reasoning) => rng.range_f(0.3, 0.7),
        _ => rng.unit().powi(3) * 0.3,
    }
}

/// An account's exchanges split into its own work and planned cover.
struct Split {
    /// The account's random stream, past the work's times.
    rng: Rng,
    /// Exchanges planned in all.
    n: usize,
    /// How many of them are planned as cover.
    cover: usize,
    /// The times of the rest, the work (unsorted; may be fewer than planned).
    work: Vec<i64>,
}

/// The account's random stream and the split of its planned exchanges into
/// cover (`cover_share` of them) and work, with the work's times drawn;
/// `None` if its plan spans no time.
fn split(pop: &Population, index: usize, seed: u64, cover_share: f64) -> Option<Split> {
    let plan = &pop.plans[index];
    let mut rng = Rng::new(seed, index as u64 + 1);
    let (from, to) = (plan.from_ms, plan.to_ms);
    if to <= from {
        return None;
    }
    let n = plan.exchanges as usize;
    let cover = ((n as f64 * cover_share).round() as usize).min(n);
    let work = times_of(pop, &plan.timing, (from, to), n - cover, index, &mut rng);
    Some(Split {
        rng,
        n,
        cover,
        work,
    })
}

/// What an evasive campaign account's request is.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Purpose {
    /// The campaign's own work.
    Harvest,
    /// Looks like the persona's ordinary use.
    Cover,
    /// A relay customer's request multiplexed over the account (hydra).
    Relayed,
}

/// The exchanges of an evasive campaign account: its harvest (timing, own
/// infrastructure or residential exits, paraphrased templates) mixed with
/// cover traffic that looks like an ordinary user's.
fn disguised_traffic(
    pop: &Population,
    index: usize,
    seed: u64,
    d: &Disguise,
    mut emit: impl FnMut(&Exchange<'_>),
) {
    let plan = &pop.plans[index];
    let (from, to) = (plan.from_ms, plan.to_ms);
    let Some(Split {
        mut rng,
        n,
        cover: planned_cover,
        work: harvest_times,
    }) = split(pop, index, seed, d.cover_share)
    else {
        return;
    };
    // A scheduler may fire a little less often than planned; the cover keeps
    // its share of what was actually sent.
    let cover = if harvest_times.len() + planned_cover == n {
        planned_cover
    } else {
        let h = harvest_times.len() as f64;
        (h * d.cover_share / (1.0 - d.cover_share)).round() as usize
    };
    let relayed = (cover as f64 * d.relayed_share).round() as usize;
    let n = harvest_times.len() + cover;
    let mut times: Vec<(i64, Purpose)> = Vec::with_capacity(n);
    let mut push_all = |times_of: Vec<i64>, purpose| {
        times.extend(times_of.into_iter().map(|t| (t, purpose)));
    };
    push_all(harvest_times, Purpose::Harvest);
    let mut own_cover = Vec::with_capacity(cover - relayed);
    diurnal(
        &mut own_cover,
        (from, to),
        cover - relayed,
        d.tz_hours,
        0.5,
        &mut rng,
    );
    push_all(own_cover, Purpose::Cover);
    // Relay customers live in every time zone.
    let mut customers = Vec::with_capacity(relayed);
    for _ in 0..relayed.div_ceil(4) {
        let tz = [-8, -5, 0, 1, 8, 9][rng.below(6)];
        diurnal(&mut customers, (from, to), 4, tz, 0.4, &mut rng);
    }
    customers.truncate(relayed);
    push_all(customers, Purpose::Relayed);
    // Cover that a short life left no daytime for is spread over it.
    let shortfall = n.saturating_sub(times.len());
    for _ in 0..shortfall {
        times.push((rng.range(from, to), Purpose::Cover));
    }
    times.sort_unstable();

    let request_key = mix64(seed ^ 0x7265_7175_6573_7473);
    let span = (pop.end_ms - pop.start_ms).max(1) as f64;
    for (k, (ts_ms, purpose)) in times.into_iter().enumerate() {
        let (net, client, template_index) = match purpose {
            Purpose::Harvest => {
                let net = if rng.chance(d.proxy_share) || plan.nets.is_empty() {
                    d.exits[rng.below(d.exits.len())]
                } else {
                    plan.nets[rng.below(plan.nets.len())]
                };
                let client = plan.clients[rng.zipf(plan.clients.len(), 1.5)];
                (net, client, plan.templates[rng.below(plan.templates.len())])
            }
            Purpose::Cover => {
                let net = if rng.chance(0.8) {
                    d.exits[0]
                } else {
                    d.exits[rng.below(d.exits.len())]
                };
                let client = plan.clients[rng.zipf(plan.clients.len(), 1.5)];
                let t = d.cover_templates[rng.zipf(d.cover_templates.len(), 1.3)];
                (net, client, t)
            }
            Purpose::Relayed => {
                let net = d.relay_nets[rng.below(d.relay_nets.len())];
                let client = d.relay_client.unwrap_or(plan.clients[0]);
                let t = d.relayed_templates[rng.zipf(d.relayed_templates.len(), 1.3)];
                (net, client, t)
            }
        };
        let net = pop.nets[net as usize];
        let key = &plan.keys[rng.zipf(plan.keys.len(), 1.5)];
        let template = &pop.templates[template_index as usize];
        let simhash = if template.variants.is_empty() {
            template.simhash
        } else {
            // A window over the paraphrase pool that drifts through the window.
            let pool = template.variants.len();
            let width = (pool / 4).clamp(8.min(pool), pool);
            let progress = (ts_ms - pop.start_ms) as f64 / span;
            let base = (progress * d.drift * pool as f64) as usize;
            template.variants[(base + rng.below(width)) % pool]
        };
        let capability = template.capability;
        // Cover and relayed requests are an ordinary user's in every respect.
        let as_group = match purpose {
            Purpose::Harvest => plan.group,
            _ => Group::BenignDiurnal,
        };
        let (input_tokens, output_tokens) = tokens(as_group, capability, &mut rng);
        let cot = (!rng.chance(0.01))
            .then(|| (cot(as_group, capability, &mut rng) * 1000.0).round() / 1000.0);
        let excerpt = rng
            .chance(0.03)
            .then(|| Cow::Borrowed(EXCERPTS[template.excerpt % EXCERPTS.len()]));
        let model = if purpose == Purpose::Harvest && plan.group == Group::CampaignHydra {
            hydra_harvest_model(pop, d, ts_ms, &mut rng)
        } else {
            model(pop, as_group, ts_ms, &mut rng)
        };
        emit(&Exchange {
            request_id: Cow::Owned(token(
                "req_",
                ((index as u64) << 26) | k as u64,
                request_key,
            )),
            account_id: Cow::Borrowed(&plan.account.account_id),
            ts_ms,
            model: Cow::Borrowed(model),
            input_tokens,
            output_tokens,
            ip: Some(net.addr),
            asn: Some(net.asn),
            api_key_id: Some(Cow::Borrowed(key)),
            client_fingerprint: Some(Cow::Borrowed(&pop.clients[client as usize])),
            prompt_template: Some(simhash),
            capability: Some(capability),
            cot_elicitation: cot,
            prompt_excerpt: excerpt,
            extra_json: None,
        });
    }
}

/// The hydra's harvest moves to the new model fast enough that, with its
/// cover on the old models, half of all its traffic is on the new one within
/// a day of release.
fn hydra_harvest_model(pop: &Population, d: &Disguise, ts_ms: i64, rng: &mut Rng) -> &'static str {
    if ts_ms >= pop.release_ms {
        let share = (0.5 / (1.0 - d.cover_share)).min(0.9);
        let ramp = (ts_ms - pop.release_ms) as f64 / (18.0 * HOUR_MS as f64);
        if rng.chance(share * ramp.min(1.0)) {
            return NEW_MODEL;
        }
    }
    MODELS[rng.weighted(&[0.8, 0.2, 0.0])]
}

/// The exchanges of a families scenario's account: its work (the group's
/// templates, sent as the group sends them, in the group's shape), its own
/// ordinary requests, and cover (a persona's ordinary use, from the
/// persona's sticky exit), on the timing of its plan.
fn family_traffic(
    pop: &Population,
    index: usize,
    seed: u64,
    f: &FamilyPlan,
    mut emit: impl FnMut(&Exchange<'_>),
) {
    let plan = &pop.plans[index];
    let (from, to) = (plan.from_ms, plan.to_ms);
    let Some(Split {
        mut rng,
        cover,
        work,
        ..
    }) = split(pop, index, seed, f.cover_share)
    else {
        return;
    };
    let mut times: Vec<(i64, bool)> = work.into_iter().map(|t| (t, false)).collect();
    if cover > 0 {
        let mut own = Vec::with_capacity(cover);
        diurnal(&mut own, (from, to), cover, f.tz_hours, 0.5, &mut rng);
        times.extend(own.into_iter().map(|t| (t, true)));
    }
    times.sort_unstable();

    let request_key = mix64(seed ^ 0x7265_7175_6573_7473);
    let span = (pop.end_ms - pop.start_ms).max(1) as f64;
    for (k, (ts_ms, is_cover)) in times.into_iter().enumerate() {
        // (network, template, fresh SimHash, part of the work)
        let (net, template_index, fresh, work) = if is_cover {
            let net = if f.exits.is_empty() {
                plan.nets[0]
            } else if rng.chance(0.8) {
                f.exits[0]
            } else {
                f.exits[rng.below(f.exits.len())]
            };
            let own = if f.cover_templates.is_empty() {
                &plan.templates
            } else {
                &f.cover_templates
            };
            (net, own[rng.zipf(own.len(), 1.3)], false, false)
        } else {
            let net = if !f.exits.is_empty() && rng.chance(f.exit_share) {
                f.exits[rng.below(f.exits.len())]
            } else if f.any_net {
                plan.nets[rng.below(plan.nets.len())]
            } else {
                pick_net(plan, ts_ms, &mut rng)
            };
            let set = f
                .work
                .iter()
                .rev()
                .find(|(start, _)| *start <= ts_ms)
                .or(f.work.first())
                .map(|(_, set)| set.as_slice())
                .unwrap_or_default();
            if !set.is_empty() && rng.chance(f.work_share) {
                let t = if f.work_zipf > 0.0 {
                    set[rng.zipf(set.len(), f.work_zipf)]
                } else {
                    set[rng.below(set.len())]
                };
                let fresh = f.mode == TemplateMode::Fresh
                    || (f.fresh_share > 0.0 && rng.chance(f.fresh_share));
                (net, t, fresh, true)
            } else {
                let t = plan.templates[rng.zipf(plan.templates.len(), 1.3)];
                (net, t, false, false)
            }
        };
        let net = pop.nets[net as usize];
        let client = &pop.clients[plan.clients[if plan.clients.len() > 1 && rng.chance(0.1) {
            1
        } else {
            0
        }] as usize];
        let key = &plan.keys[rng.zipf(plan.keys.len(), 1.5)];
        let template = &pop.templates[template_index as usize];
        let simhash = if fresh {
            rng.next_u64()
        } else if !work {
            template.simhash
        } else {
            match f.mode {
                TemplateMode::Fixed | TemplateMode::Fresh => template.simhash,
                TemplateMode::NearExact { bits } => {
                    let mut simhash = template.simhash;
                    for _ in 0..rng.below(bits as usize + 1) {
                        let bit = mix64(template.simhash.wrapping_add(rng.below(16) as u64)) % 64;
                        simhash ^= 1 << bit;
                    }
                    simhash
                }
                TemplateMode::Paraphrased { .. } if !template.variants.is_empty() => {
                    // A window over the pool that drifts through the window.
                    let pool = template.variants.len();
                    let width = (pool / 4).clamp(8.min(pool), pool);
                    let progress = (ts_ms - pop.start_ms) as f64 / span;
                    let base = (progress * f.drift * pool as f64) as usize;
                    template.variants[(base + rng.below(width)) % pool]
                }
                TemplateMode::Paraphrased { .. } => template.simhash,
            }
        };
        let capability = template.capability;
        let (input_tokens, output_tokens, cot, model) = if work {
            let (input, output) = shaped_tokens(&f.shape, capability, &mut rng);
            let cot = (!rng.chance(0.01)).then(|| {
                let (lo, hi) = f.shape.cot;
                (rng.range_f(lo, hi.max(lo)) * 1000.0).round() / 1000.0
            });
            (input, output, cot, family_model(pop, f, ts_ms, &mut rng))
        } else {
            // The account's own requests and cover are an ordinary user's.
            let (input, output) = tokens(Group::BenignDiurnal, capability, &mut rng);
            let cot = (!rng.chance(0.01)).then(|| {
                (cot(Group::BenignDiurnal, capability, &mut rng) * 1000.0).round() / 1000.0
            });
            let model = model(pop, Group::BenignDiurnal, ts_ms, &mut rng);
            (input, output, cot, model)
        };
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
            model: Cow::Borrowed(model),
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

/// Token counts of a work request in a group's shape: what the capability
/// asks for moves the medians a little (reasoning answers are longer, tool
/// calls carry more context, grading answers are short).
fn shaped_tokens(shape: &Shape, capability: Capability, rng: &mut Rng) -> (i64, i64) {
    let (input_factor, output_factor) = match capability {
        Capability::Reasoning => (0.85, 1.2),
        Capability::RubricGrading => (1.5, 0.5),
        Capability::ToolUse | Capability::AgenticCoding | Capability::ComputerUse => (1.2, 0.85),
        Capability::Vision => (1.4, 0.8),
        _ => (1.0, 1.0),
    };
    let input = rng
        .lognormal(shape.input * input_factor, 0.6)
        .round()
        .clamp(1.0, 200_000.0) as i64;
    let output = rng
        .lognormal(shape.output * output_factor, 0.5)
        .round()
        .clamp(1.0, 64_000.0) as i64;
    (input, output)
}

/// The model of a work request: the account's mix of the older models, and
/// the new one at its adoption share once released (reached after the ramp).
fn family_model(pop: &Population, f: &FamilyPlan, ts_ms: i64, rng: &mut Rng) -> &'static str {
    if ts_ms >= pop.release_ms {
        let dt = (ts_ms - pop.release_ms) as f64;
        let p = f.adoption.0 * (dt / f.adoption.1.max(1) as f64).min(1.0);
        if rng.chance(p) {
            return NEW_MODEL;
        }
    }
    MODELS[rng.weighted(&f.models)]
}
