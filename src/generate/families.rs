//! The families scenarios (`families-small`, `families-large`): every seed
//! draws each group's parameters from wide ranges, so that tuning on some
//! seeds and judging on others means something. Written from how adversaries
//! and benign users behave, not from what any detector checks.
//!
//! `families-small` has 2,500–4,000 accounts and about 100,000–250,000
//! exchanges over 14 days, the new model released around day 9;
//! `families-large` 10,000–15,000 accounts, at most about 1.5 million
//! exchanges, 21 days, the release around day 14. Look-alike and campaign
//! groups have 20–500 accounts (small) or 20–2,000 (large), drawn
//! log-uniformly; a group's size gives way when its volume per account
//! cannot keep its exchanges within its budget (an industrial campaign of
//! 2,000 accounts would not fit), and all of them together stay under two
//! fifths of the accounts.
//!
//! **Background**, the population to compare with: ordinary diurnal users
//! (the largest group: own homes, webmail, eight time zones, accounts months
//! to years old); heavy independent users (2–5% of the accounts: 10–150
//! requests per active day, their own templates, cards, homes, some with a
//! script of their own on a regular tick); residential-proxy peers (users
//! whose home addresses are exits of the proxy network the campaigns rent);
//! popular-SDK users.
//!
//! **Benign look-alikes**, each in every seed:
//!
//! - [`Group::BenignCourse`]: a university course's students doing the same
//!   graded homework: the university's domain (which other students in the
//!   background have too), education access, accounts made for the course or
//!   long before, the week's assignment as fixed templates with step-by-step
//!   reasoning, bursts before each weekly deadline, campus NAT addresses
//!   shared by many, phones and homes, one or two time zones.
//! - [`Group::BenignAgentUsers`]: users of an open-source coding agent: its
//!   system prompts (near-exact), its client, large inputs and short
//!   outputs, the new model on release day as the agent's default moves;
//!   otherwise independent people in one to eight time zones.
//! - [`Group::BenignBenchmark`]: labs, companies and researchers running one
//!   public benchmark by script: the benchmark's items as fixed templates,
//!   regularly spaced runs of a few hours at any hour, each runner its own
//!   organisation, card and egress, many of them on the new model on release
//!   day.
//! - [`Group::BenignPromptCommunity`]: ordinary users who copy a prompt
//!   community's popular prompts (lightly edited) for 10–90% of their traffic.
//! - [`Group::BenignExtension`]: a browser extension's users: its client, its
//!   few prompts (summarise, rewrite, translate), small volume, short outputs.
//! - [`Group::BenignBotPlatform`]: tenants of a chat-bot platform: its cloud
//!   egress and client, their own system prompts and a few platform
//!   defaults, around-the-clock load from tens to thousands of requests a
//!   day, some billed through the platform's card.
//!
//! **Campaigns**, each in every seed:
//!
//! - [`Group::CampaignTemplated`]: a harvest job on template families sent
//!   fixed or paraphrased (drawn), 30–90% of its traffic on them, unique
//!   items (a fresh template each) for the rest of the harvest, 0–50% cover;
//!   its schedule drawn (a shared scheduler, flat, shared windows, each
//!   account's own script, or daytime sessions); card and address sharing
//!   each drawn from none to all (residential exits against hosting of each
//!   account's own).
//! - [`Group::CampaignCrews`]: crews of 5–30 accounts that share no prompt
//!   (a fresh template every request) working lock-step shifts of a few hours
//!   (each crew its own, the same every week), accounts banned and replaced
//!   from a reserve and some moving between crews, residential exits, some
//!   shared cards (0–60%), education and startup-programme access on
//!   throw-away domains a few accounts share, long reasoning outputs.
//! - [`Group::CampaignPaidCrowd`]: a paid crowd running one lab's queue on
//!   their own long-held accounts: own cards, homes, time zones, no lock-step,
//!   but 150–600 requests per working day all window long, harvest-shaped.
//!
//! Some innocents are banned as well (the background at one rate of 0–1%,
//! each look-alike group at its own of 0–3%), so that bans tell of a
//! campaign only as far as they exceed the population's rate.
//!
//! What each group drew is in [`Population::families`] ([`FamilyKnobs`]);
//! partner intelligence is one residential exit and at most one card of the
//! crews, and a campus address on a block list.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};

use super::evasive::{
    ProxyNetwork, family_subset, home_nets, ordinary_domain, paraphrase, sdk_clients,
};
use super::group::Group;
use super::knobs::{Families, FamilyKnobs, FamilyPlan, Shape, TemplateMode};
use super::scenario::{
    BENIGN_CAPS, Builder, CARD_KEY, DAY_MS, HOUR_MS, Intel, Net, Population, Scenario, Shared,
    Shift, Timing, WEBMAIL, home_users,
};
use crate::logs::record::Capability;

/// The random stream of the families planner.
const FAMILIES_STREAM: u64 = u64::MAX - 2;

/// The smallest look-alike or campaign group.
const MIN_GROUP: usize = 20;

/// Time zones people live in, hours from UTC.
const ZONES: [i64; 16] = [-8, -7, -6, -5, -4, -3, 0, 1, 2, 3, 4, 5, 7, 8, 9, 10];

/// How big a families scenario is.
struct Scale {
    /// Largest look-alike or campaign group.
    max_group: usize,
    /// Accounts in all.
    accounts: (usize, usize),
    /// Per-group exchange budgets against the small scenario's.
    volume: f64,
    /// Exchanges the plan aims to stay under.
    exchange_cap: f64,
}

impl Scale {
    fn of(scenario: Scenario) -> Scale {
        if scenario == Scenario::FamiliesLarge {
            Scale {
                max_group: 2_000,
                accounts: (10_000, 15_000),
                volume: 5.2,
                exchange_cap: 1_420_000.0,
            }
        } else {
            Scale {
                max_group: 500,
                accounts: (2_500, 4_000),
                volume: 1.0,
                exchange_cap: 235_000.0,
            }
        }
    }
}

/// A look-alike or campaign kind: its mean exchanges per account and
/// window day, and its group's exchanges in the small scenario.
struct Kind {
    group: Group,
    per_day: (f64, f64),
    total: (f64, f64),
}

/// The groups whose size and volume are drawn against a budget, in the
/// order they are drawn.
const KINDS: [Kind; 9] = [
    // A few to a few dozen requests a week.
    Kind {
        group: Group::BenignCourse,
        per_day: (3.0 / 7.0, 36.0 / 7.0),
        total: (800.0, 10_000.0),
    },
    Kind {
        group: Group::BenignAgentUsers,
        per_day: (0.3, 20.0),
        total: (3_000.0, 12_000.0),
    },
    // Runs of 40 to 1,500 items over the window.
    Kind {
        group: Group::BenignBenchmark,
        per_day: (40.0 / 14.0, 1_500.0 / 14.0),
        total: (3_000.0, 14_000.0),
    },
    Kind {
        group: Group::BenignPromptCommunity,
        per_day: (5.0 / 14.0, 60.0 / 14.0),
        total: (2_000.0, 8_000.0),
    },
    Kind {
        group: Group::BenignExtension,
        per_day: (2.0 / 14.0, 30.0 / 14.0),
        total: (600.0, 5_000.0),
    },
    // A tenant's mean; single tenants reach thousands a day.
    Kind {
        group: Group::BenignBotPlatform,
        per_day: (10.0, 1_000.0),
        total: (5_000.0, 36_000.0),
    },
    Kind {
        group: Group::CampaignTemplated,
        per_day: (3.0, 400.0),
        total: (18_000.0, 40_000.0),
    },
    Kind {
        group: Group::CampaignCrews,
        per_day: (2.0, 300.0),
        total: (18_000.0, 40_000.0),
    },
    // 150–600 per working day, working 35–90% of the days (drawn apart:
    // see `PaidDraw`).
    Kind {
        group: Group::CampaignPaidCrowd,
        per_day: (60.0, 500.0),
        total: (20_000.0, 60_000.0),
    },
];

/// Plans a families scenario for a seed.
pub(super) fn plan_families(scenario: Scenario, seed: u64) -> Population {
    let scale = Scale::of(scenario);
    let mut b = Builder::new(scenario.params(), seed, FAMILIES_STREAM);
    let days = b.p.days as f64;
    // The release: around the scenario's day, some afternoon (UTC).
    let release_day = (b.p.release_day + b.rng.range_f(-1.0, 1.0)).floor() as i64;
    b.release_ms = b.start_ms + release_day * DAY_MS + b.rng.range(12, 20) * HOUR_MS;
    b.p.release_day = (b.release_ms - b.start_ms) as f64 / DAY_MS as f64;
    let shared = b.shared_resources();
    let mut intel = Intel::default();

    // How many accounts each group has and how much each sends, first, so
    // the totals hold whatever the groups draw afterwards.
    let total_accounts =
        b.rng
            .range(scale.accounts.0 as i64, scale.accounts.1 as i64 + 1) as usize;
    let mut raw: Vec<usize> = KINDS
        .iter()
        .map(|_| log_uniform(&mut b, MIN_GROUP as f64, scale.max_group as f64).round() as usize)
        .collect();
    let cap = total_accounts * 2 / 5;
    let sum: usize = raw.iter().sum();
    if sum > cap {
        for size in &mut raw {
            *size = ((*size as f64 * cap as f64 / sum as f64).round() as usize).max(MIN_GROUP);
        }
    }
    let heavy_draw = HeavyDraw::draw(&mut b);
    let heavy = (total_accounts as f64 * b.rng.range_f(0.02, 0.05)).round() as usize;
    let peers = (total_accounts as f64 * b.rng.range_f(0.04, 0.08)).round() as usize;
    let sdk = (total_accounts as f64 * b.rng.range_f(0.06, 0.12)).round() as usize;
    let home_estimate = total_accounts.saturating_sub(raw.iter().sum::<usize>() + heavy) as f64
        * b.p.benign_median_exchanges
        * 1.65;
    let background = home_estimate + heavy as f64 * heavy_draw.per_account(days);
    let budget_sum: f64 = KINDS.iter().map(|k| k.total.1 * scale.volume).sum();
    let room = ((scale.exchange_cap - background) / budget_sum).clamp(0.3, 1.0);
    let mut fitted: Vec<(usize, f64)> = KINDS
        .iter()
        .zip(&raw)
        .map(|(kind, &size)| {
            let per = (kind.per_day.0 * days, kind.per_day.1 * days);
            fit(
                &mut b,
                size,
                per,
                budgets_lo_hi(kind, scale.volume, room),
                scale.max_group,
            )
        })
        .collect();
    // The paid crowd's size follows from its working day instead.
    let paid = KINDS.len() - 1;
    let paid_draw = PaidDraw::draw(
        &mut b,
        budgets_lo_hi(&KINDS[paid], scale.volume, room),
        scale.max_group,
    );
    fitted[paid] = (paid_draw.size, paid_draw.per_account(days));
    let drawn_groups: usize = fitted.iter().map(|f| f.0).sum();
    let diurnal = total_accounts
        .saturating_sub(drawn_groups + heavy + peers + sdk)
        .max(total_accounts / 4);
    b.p.sdk_users = sdk;
    b.p.diurnal = diurnal;

    // The background.
    home_users(&mut b, &shared, Group::BenignSdkUsers, sdk);
    home_users(&mut b, &shared, Group::BenignDiurnal, diurnal);
    home_users(&mut b, &shared, Group::BenignProxyPeers, peers);
    let mut knobs = vec![
        background_knobs(Group::BenignSdkUsers, 8),
        background_knobs(Group::BenignDiurnal, 8),
        background_knobs(Group::BenignProxyPeers, 8),
    ];
    knobs.push(heavy_users(&mut b, &shared, &heavy_draw, heavy));

    // The look-alikes.
    let at = |group: Group| {
        let i = KINDS.iter().position(|k| k.group == group).unwrap_or(0);
        fitted[i]
    };
    knobs.push(course(&mut b, &shared, &mut intel, at(Group::BenignCourse)));
    knobs.push(agent_users(&mut b, &shared, at(Group::BenignAgentUsers)));
    knobs.push(benchmark(&mut b, &shared, at(Group::BenignBenchmark)));
    knobs.push(prompt_community(
        &mut b,
        &shared,
        at(Group::BenignPromptCommunity),
    ));
    knobs.push(extension(&mut b, &shared, at(Group::BenignExtension)));
    knobs.push(bot_platform(&mut b, at(Group::BenignBotPlatform)));

    // The campaigns, behind a proxy network whose exits are benign homes.
    let exact_exit_share = b.rng.range_f(0.6, 0.95);
    let proxies = ProxyNetwork::new(&mut b, exact_exit_share);
    knobs.push(templated(
        &mut b,
        &shared,
        &proxies,
        at(Group::CampaignTemplated),
    ));
    knobs.push(crews(
        &mut b,
        &shared,
        &proxies,
        &mut intel,
        at(Group::CampaignCrews),
    ));
    knobs.push(paid_crowd(&mut b, &shared, &paid_draw));

    // The innocent are banned too: a provider bans some ordinary accounts
    // (payment fraud, spam, other terms violations), so that a ban tells of
    // a campaign only as far as bans exceed the population's rate.
    ban_some_innocents(&mut b, &mut knobs);

    // What each group came to.
    for k in &mut knobs {
        let mine = b.plans.iter().filter(|p| p.group == k.group);
        k.accounts = mine.clone().count();
        k.exchanges = mine.map(|p| p.exchanges).sum();
    }
    // Generation order must not give the groups away.
    for i in (1..b.plans.len()).rev() {
        let j = b.rng.below(i + 1);
        b.plans.swap(i, j);
    }
    let families = Families {
        release_day: b.p.release_day,
        exact_exit_share,
        exits: proxies.all(),
        groups: knobs,
    };
    let mut pop = b.finish(Vec::new(), intel, None);
    pop.families = Some(families);
    pop
}

/// Bans of benign accounts: the background at one rate drawn from 0–1%,
/// each look-alike group at its own drawn from 0–3% (a prompt community's
/// jailbreak prompts, a bot platform's spam tenants, a course's cheats),
/// recorded as the group's `banned` detail. A banned account stops at a
/// moment drawn over the second part of its activity (20–100% of it), its
/// exchanges cut in proportion.
fn ban_some_innocents(b: &mut Builder, knobs: &mut [FamilyKnobs]) {
    let background = b.rng.range_f(0.0, 0.01);
    let mut rates: Vec<(Group, f64)> = Vec::new();
    for k in knobs.iter_mut() {
        if k.group.is_campaign() {
            continue;
        }
        let rate = if matches!(
            k.group,
            Group::BenignSdkUsers
                | Group::BenignDiurnal
                | Group::BenignProxyPeers
                | Group::BenignHeavyUsers
        ) {
            background
        } else {
            b.rng.range_f(0.0, 0.03)
        };
        k.detail.push(("banned", rate));
        rates.push((k.group, rate));
    }
    for i in 0..b.plans.len() {
        let group = b.plans[i].group;
        let Some(&(_, rate)) = rates.iter().find(|(g, _)| *g == group) else {
            continue;
        };
        if !b.rng.chance(rate) {
            continue;
        }
        let at = b.rng.range_f(0.2, 1.0);
        let plan = &mut b.plans[i];
        let span = (plan.to_ms - plan.from_ms).max(0);
        let kept = (span as f64 * at) as i64;
        plan.exchanges = ((plan.exchanges as f64 * at).round() as u64).max(1);
        plan.to_ms = plan.from_ms + kept;
        plan.banned = true;
    }
}

/// A kind's group exchange budget: its range scaled to the scenario, the
/// top lowered by `room` when the groups together would be too many.
fn budgets_lo_hi(kind: &Kind, volume: f64, room: f64) -> (f64, f64) {
    let hi = kind.total.1 * volume * room;
    ((kind.total.0 * volume).min(hi), hi)
}

/// Log-uniform in `[lo, hi)`.
fn log_uniform(b: &mut Builder, lo: f64, hi: f64) -> f64 {
    if hi <= lo {
        return lo;
    }
    (lo.ln() + (hi.ln() - lo.ln()) * b.rng.unit()).exp()
}

/// A group's size and mean exchanges per account: the size as drawn and the
/// volume log-uniform in `per`, within what keeps the group's total in
/// `total`; when no volume fits, the size gives way (never below 20).
fn fit(
    b: &mut Builder,
    size: usize,
    per: (f64, f64),
    total: (f64, f64),
    max_group: usize,
) -> (usize, f64) {
    let bounds = |size: usize| {
        let n = size as f64;
        (per.0.max(total.0 / n), per.1.min(total.1 / n))
    };
    let mut size = size.clamp(MIN_GROUP, max_group);
    let (mut lo, mut hi) = bounds(size);
    if lo > hi {
        size = if per.0 * size as f64 > total.1 {
            (total.1 / per.0).floor() as usize
        } else {
            (total.0 / per.1).ceil() as usize
        }
        .clamp(MIN_GROUP, max_group);
        (lo, hi) = bounds(size);
        if lo > hi {
            // Even the smallest group of the least volume is over budget.
            hi = lo;
        }
    }
    (size, log_uniform(b, lo, hi))
}

/// `count` distinct time zones.
fn zones(b: &mut Builder, count: usize) -> Vec<i64> {
    let mut all = ZONES.to_vec();
    for i in 0..count.min(all.len()) {
        let j = i + b.rng.below(all.len() - i);
        all.swap(i, j);
    }
    all.truncate(count.clamp(1, ZONES.len()));
    all
}

/// A share drawn from none to all: none or all a fair part of the time.
fn none_to_all(b: &mut Builder) -> f64 {
    let u = b.rng.unit();
    if u < 0.2 {
        0.0
    } else if u < 0.35 {
        1.0
    } else {
        b.rng.unit()
    }
}

/// When an account was made: `(least, most)` days before the window,
/// log-uniform.
fn created_ago(b: &mut Builder, (lo, hi): (f64, f64)) -> i64 {
    b.start_ms - (log_uniform(b, lo, hi) * DAY_MS as f64) as i64 - b.rng.range(0, 6 * HOUR_MS)
}

/// Deals cards so that `share` of the accounts are on a card another one has,
/// in batches of two to `most`.
struct Cards {
    share: f64,
    most: usize,
    dealt: u64,
    batch: Option<(String, usize)>,
    shared: Vec<String>,
}

impl Cards {
    fn new(share: f64, most: usize) -> Self {
        Cards {
            share,
            most: most.max(2),
            dealt: 0,
            batch: None,
            shared: Vec::new(),
        }
    }

    fn deal(&mut self, b: &mut Builder) -> String {
        let before = (self.dealt as f64 * self.share).floor();
        self.dealt += 1;
        let after = (self.dealt as f64 * self.share).floor();
        if after <= before {
            return b.next_token(CARD_KEY, "pm_");
        }
        if let Some((card, left)) = &mut self.batch
            && *left > 0
        {
            *left -= 1;
            return card.clone();
        }
        let card = b.next_token(CARD_KEY, "pm_");
        let size = 2 + b.rng.below(self.most - 1);
        self.shared.push(card.clone());
        self.batch = Some((card.clone(), size - 1));
        card
    }
}

/// Templates sent as `mode` says: for paraphrases, a pool of rewordings
/// each exactly `bits` bits from its template (never the template itself).
fn work_templates(
    b: &mut Builder,
    count: usize,
    caps: &[(Capability, f64)],
    excerpt: usize,
    mode: TemplateMode,
) -> Vec<u32> {
    let templates = b.add_templates(count, 0, caps, excerpt);
    if let TemplateMode::Paraphrased { pool, bits } = mode {
        for &t in &templates {
            paraphrase(b, t, pool, |_| bits);
        }
    }
    templates
}

/// A family plan with nothing but its work and shape; the rest ordinary.
fn work_plan(work: Vec<u32>, shape: Shape) -> FamilyPlan {
    FamilyPlan {
        work: vec![(i64::MIN, work)],
        mode: TemplateMode::Fixed,
        work_zipf: 0.0,
        work_share: 1.0,
        fresh_share: 0.0,
        cover_share: 0.0,
        cover_templates: Vec::new(),
        tz_hours: 0,
        exits: Vec::new(),
        exit_share: 0.0,
        any_net: false,
        drift: 0.0,
        shape,
        models: [0.3, 0.45, 0.25],
        adoption: (0.1, 5 * DAY_MS),
    }
}

/// Knobs with nothing drawn yet.
fn blank_knobs(group: Group) -> FamilyKnobs {
    FamilyKnobs {
        group,
        accounts: 0,
        exchanges: 0,
        time_zones: 1,
        shared_templates: 0,
        mode: TemplateMode::Fixed,
        work_share: 0.0,
        cover_share: 0.0,
        card_share: 0.0,
        card_group: 1,
        address_share: 0.0,
        age_days: (30.0, 720.0),
        shape: Shape {
            input: 600.0,
            output: 450.0,
            cot: (0.0, 0.3),
        },
        new_model: (0.1, 120.0),
        detail: Vec::new(),
    }
}

/// The background's knobs: only their counts are drawn.
fn background_knobs(group: Group, time_zones: usize) -> FamilyKnobs {
    FamilyKnobs {
        time_zones,
        ..blank_knobs(group)
    }
}

/// One account: everything [`Builder::push`] takes.
struct Person {
    group: Group,
    created_ms: i64,
    org: Option<String>,
    domain: String,
    card: Option<String>,
    signup: IpAddr,
    country: &'static str,
    access_path: &'static str,
    verification: &'static str,
    from_ms: i64,
    to_ms: i64,
    exchanges: u64,
    timing: Timing,
    nets: Vec<u32>,
    clients: Vec<u32>,
    key_count: usize,
    templates: Vec<u32>,
}

fn push(b: &mut Builder, p: Person, family: FamilyPlan) {
    b.push(
        p.group,
        p.created_ms,
        p.org,
        p.domain,
        p.card,
        Some(p.signup),
        p.country,
        p.access_path,
        p.verification,
        p.from_ms.max(p.created_ms),
        p.to_ms,
        p.exchanges.max(1),
        p.timing,
        p.nets,
        p.clients,
        p.key_count,
        p.templates,
    );
    if let Some(plan) = b.plans.last_mut() {
        plan.family = Some(Box::new(family));
    }
}

/// Expected share of the days a person with weekday chance `share` and
/// weekend weight `weekend` is active on.
fn active_fraction(share: f64, weekend: f64) -> f64 {
    share * (5.0 + 2.0 * weekend) / 7.0
}

/// What the heavy users draw before the budgets are made.
struct HeavyDraw {
    rate_median: f64,
    active: (f64, f64),
    scripted: f64,
    shape: Shape,
}

impl HeavyDraw {
    fn draw(b: &mut Builder) -> HeavyDraw {
        HeavyDraw {
            rate_median: b.rng.range_f(15.0, 40.0),
            active: (b.rng.range_f(0.3, 0.5), b.rng.range_f(0.6, 0.9)),
            scripted: b.rng.range_f(0.1, 0.4),
            shape: Shape {
                input: b.rng.range_f(800.0, 3_000.0),
                output: b.rng.range_f(400.0, 1_200.0),
                cot: (b.rng.range_f(0.0, 0.1), b.rng.range_f(0.3, 0.6)),
            },
        }
    }

    /// Expected exchanges of one heavy user over `days`.
    fn per_account(&self, days: f64) -> f64 {
        let active = (self.active.0 + self.active.1) / 2.0;
        self.rate_median * 1.2 * days * active_fraction(active, 0.5)
    }
}

/// Heavy independent users: a power user's or developer's volume, own
/// templates, own card and home; some run a script of their own.
fn heavy_users(b: &mut Builder, shared: &Shared, d: &HeavyDraw, count: usize) -> FamilyKnobs {
    let caps = [
        (Capability::Coding, 0.35),
        (Capability::DataAnalysis, 0.15),
        (Capability::Reasoning, 0.15),
        (Capability::Chat, 0.15),
        (Capability::ToolUse, 0.1),
        (Capability::AgenticCoding, 0.1),
    ];
    let adoption = (b.rng.range_f(0.2, 0.6), b.rng.range_f(2.0, 48.0));
    let days = b.p.days as f64;
    let mut tzs = BTreeSet::new();
    for _ in 0..count {
        let rate = b.rng.lognormal(d.rate_median, 0.6).clamp(10.0, 150.0);
        let active_share = b.rng.range_f(d.active.0, d.active.1);
        let n = (rate * days * active_fraction(active_share, 0.5)).round() as u64;
        let tz = ZONES[b.rng.below(ZONES.len())];
        tzs.insert(tz);
        let work_count = 3 + b.rng.below(6);
        let work = b.add_templates(work_count, 0, &caps, 16);
        let own_count = 1 + b.rng.below(2);
        let own = b.add_templates(own_count, 0, &BENIGN_CAPS, 16);
        let nets = home_nets(b);
        let mut clients = vec![b.pick_sdk_client(shared)];
        let sessions = Timing::Active {
            tz_hours: tz,
            active_share,
            weekend_weight: 0.5,
        };
        let timing = if b.rng.chance(d.scripted) {
            // Their own script: its own client and its own tick.
            clients.push(b.add_client());
            let period_ms = b.rng.range(30_000, 15 * 60_000);
            let script = Timing::Script {
                period_ms,
                phase_ms: b.rng.range(0, period_ms),
                jitter_ms: b.rng.range(500, 20_000),
                start_hour: b.rng.range(0, 24),
                hours: b.rng.range(1, 12),
                active_share,
            };
            let share = b.rng.range_f(0.2, 0.7);
            Timing::Mixed(vec![(1.0 - share, sessions), (share, script)])
        } else {
            sessions
        };
        let created = created_ago(b, (60.0, 1_800.0));
        let card = b.next_token(CARD_KEY, "pm_");
        let domain = ordinary_domain(b);
        let signup = b.nets[nets[0] as usize].addr;
        let country = b.country();
        let key_count = 1 + b.rng.below(3);
        let (start_ms, end_ms) = (b.start_ms, b.end_ms);
        let plan = FamilyPlan {
            work_zipf: 1.1,
            work_share: b.rng.range_f(0.85, 1.0),
            models: [0.5, 0.35, 0.15],
            adoption: (adoption.0, (adoption.1 * HOUR_MS as f64) as i64),
            ..work_plan(work, d.shape)
        };
        let person = Person {
            group: Group::BenignHeavyUsers,
            created_ms: created,
            org: None,
            domain,
            card: Some(card),
            signup,
            country,
            access_path: ["direct", "direct", "cloud_marketplace"][b.rng.below(3)],
            verification: ["card", "kyc"][b.rng.below(2)],
            from_ms: start_ms,
            to_ms: end_ms,
            exchanges: n,
            timing,
            nets,
            clients,
            key_count,
            templates: own,
        };
        push(b, person, plan);
    }
    FamilyKnobs {
        time_zones: tzs.len(),
        work_share: 0.925,
        age_days: (60.0, 1_800.0),
        shape: d.shape,
        new_model: adoption,
        detail: vec![
            ("requests per active day (median)", d.rate_median),
            ("active days from", d.active.0),
            ("active days to", d.active.1),
            ("with a script", d.scripted),
        ],
        ..blank_knobs(Group::BenignHeavyUsers)
    }
}

/// A day number's weekday, Monday = 0.
fn weekday(day: i64) -> i64 {
    (day + 3).rem_euclid(7)
}

/// The course's students.
fn course(
    b: &mut Builder,
    shared: &Shared,
    intel: &mut Intel,
    (size, per): (usize, f64),
) -> FamilyKnobs {
    let uni = format!("univ{}.edu", b.rng.range(1, 400));
    let firsts = [
        128u8, 129, 130, 131, 132, 134, 136, 137, 138, 140, 141, 143, 152, 155, 160, 165, 169, 171,
    ];
    let a = firsts[b.rng.below(firsts.len())];
    let (bb, c) = (b.rng.range(0, 256) as u8, b.rng.range(0, 250) as u8);
    let campus_count = 2 + b.rng.below(5);
    let campus_asn = b.rng.range(1_000, 60_000);
    let campus = b.net_block(a, bb, c, 1, campus_count, campus_asn);
    intel.nat_ip = Some(b.nets[campus[0] as usize].addr);
    let subjects: [(&[(Capability, f64)], &str); 4] = [
        (
            &[
                (Capability::Reasoning, 0.8),
                (Capability::DataAnalysis, 0.2),
            ],
            "maths",
        ),
        (
            &[(Capability::Coding, 0.6), (Capability::Reasoning, 0.4)],
            "computer science",
        ),
        (
            &[
                (Capability::DataAnalysis, 0.5),
                (Capability::Reasoning, 0.5),
            ],
            "statistics",
        ),
        (
            &[(Capability::Reasoning, 0.6), (Capability::Chat, 0.4)],
            "economics",
        ),
    ];
    let subject = b.rng.below(subjects.len());
    let caps = subjects[subject].0;
    let tz = ZONES[b.rng.below(ZONES.len())];
    let second_tz = ZONES[b.rng.below(ZONES.len())];
    let abroad = if b.rng.chance(0.5) {
        b.rng.range_f(0.0, 0.3)
    } else {
        0.0
    };
    // Weekly deadlines at a drawn weekday and local hour.
    let deadline_weekday = b.rng.range(0, 7);
    // 09:00, 12:00, 17:00 or 23:59 local.
    let deadline_minute = [540, 720, 1_020, 1_439][b.rng.below(4)];
    let start_day = b.start_ms.div_euclid(DAY_MS);
    let first_day = start_day + (deadline_weekday - weekday(start_day)).rem_euclid(7);
    let weeks = (b.p.days / 7) as usize + 1;
    let deadlines: Vec<i64> = (0..weeks as i64)
        .map(|w| (first_day + 7 * w) * DAY_MS + deadline_minute * 60_000 - tz * HOUR_MS)
        .collect();
    // A new assignment each week, released at the previous deadline.
    let mut work = Vec::new();
    let mut problems = 0;
    for w in 0..deadlines.len() {
        let count = 3 + b.rng.below(8);
        problems += count;
        let set = b.add_templates(count, 0, caps, 24);
        let released = if w == 0 { i64::MIN } else { deadlines[w - 1] };
        work.push((released, set));
    }
    let lead_ms = b.rng.range(12 * HOUR_MS, 2 * DAY_MS);
    let burst_share = b.rng.range_f(0.5, 0.9);
    let work_share = b.rng.range_f(0.6, 0.95);
    let course_start = b.start_ms - b.rng.range(0, 45 * DAY_MS);
    let new_share = b.rng.range_f(0.4, 0.9);
    let on_campus = b.rng.range_f(0.3, 0.8);
    let no_card = b.rng.range_f(0.5, 0.9);
    let shape = Shape {
        input: b.rng.range_f(200.0, 800.0),
        output: b.rng.range_f(500.0, 1_500.0),
        cot: {
            let lo = b.rng.range_f(0.5, 0.7);
            (lo, (lo + b.rng.range_f(0.15, 0.3)).min(0.98))
        },
    };
    let adoption = (b.rng.range_f(0.03, 0.2), b.rng.range_f(24.0, 120.0));
    let country = b.country();
    let sigma = 0.6;
    let mut young = 0usize;
    for _ in 0..size {
        let student_tz = if b.rng.chance(abroad) { second_tz } else { tz };
        let created = if b.rng.chance(new_share) {
            young += 1;
            course_start - b.rng.range(0, 7 * DAY_MS) + b.rng.range(0, 4 * DAY_MS)
        } else {
            created_ago(b, (60.0, 1_500.0))
        };
        let home = home_nets(b)[0];
        let phone = b.residential_v6();
        let phone = b.add_net(phone);
        let seat = campus[b.rng.below(campus.len())];
        let nets = if b.rng.chance(on_campus) {
            vec![seat, phone, home]
        } else {
            vec![home, seat, phone]
        };
        let n = (b.rng.lognormal(per / (sigma * sigma / 2.0f64).exp(), sigma)).round() as u64;
        let own_count = 1 + b.rng.below(3);
        let own = b.add_templates(own_count, 0, &BENIGN_CAPS, 16);
        let card = (!b.rng.chance(no_card)).then(|| b.next_token(CARD_KEY, "pm_"));
        let signup = b.nets[nets[0] as usize].addr;
        let client = b.pick_sdk_client(shared);
        let (start_ms, end_ms) = (b.start_ms, b.end_ms);
        let plan = FamilyPlan {
            work: work.clone(),
            work_zipf: 0.0,
            work_share: (work_share + b.rng.range_f(-0.05, 0.05)).clamp(0.0, 1.0),
            models: [0.25, 0.45, 0.3],
            adoption: (adoption.0, (adoption.1 * HOUR_MS as f64) as i64),
            ..work_plan(Vec::new(), shape)
        };
        let person = Person {
            group: Group::BenignCourse,
            created_ms: created,
            org: None,
            domain: uni.clone(),
            card,
            signup,
            country,
            access_path: "education",
            verification: if b.rng.chance(0.8) { "email" } else { "card" },
            from_ms: start_ms,
            to_ms: end_ms,
            exchanges: n,
            timing: Timing::Deadlines {
                deadlines: deadlines.clone(),
                lead_ms,
                burst_share: (burst_share + b.rng.range_f(-0.1, 0.1)).clamp(0.3, 0.95),
                tz_hours: student_tz,
            },
            nets,
            clients: vec![client],
            key_count: 1,
            templates: own,
        };
        push(b, person, plan);
    }
    // Other students of the university (and of others) sign up with their
    // university address too.
    let others = b.rng.range_f(0.2, 0.6);
    for i in 0..b.plans.len() {
        let p = &b.plans[i];
        if p.group != Group::BenignCourse
            && p.family.is_none()
            && p.account.access_path.as_deref() == Some("education")
            && b.rng.chance(0.8)
        {
            let domain = if b.rng.chance(others) {
                uni.clone()
            } else {
                format!("univ{}.edu", b.rng.range(1, 400))
            };
            b.plans[i].account.email_domain = Some(domain);
        }
    }
    FamilyKnobs {
        time_zones: if abroad > 0.0 && second_tz != tz {
            2
        } else {
            1
        },
        shared_templates: problems,
        mode: TemplateMode::Fixed,
        work_share,
        card_share: 0.0,
        card_group: 1,
        address_share: on_campus,
        age_days: (0.0, 1_500.0),
        shape,
        new_model: adoption,
        detail: vec![
            ("subject", subject as f64),
            ("requests per week", per * 7.0 / b.p.days as f64),
            ("deadline weekday", deadline_weekday as f64),
            ("deadline hour", deadline_minute as f64 / 60.0),
            ("burst days", lead_ms as f64 / DAY_MS as f64),
            ("burst share", burst_share),
            ("made for the course", young as f64 / size.max(1) as f64),
            ("campus addresses", campus_count as f64),
            ("no card", no_card),
            ("other students on the domain", others),
        ],
        ..blank_knobs(Group::BenignCourse)
    }
}

/// Users of the open-source coding agent.
fn agent_users(b: &mut Builder, shared: &Shared, (size, per): (usize, f64)) -> FamilyKnobs {
    let agent_client = b.add_client();
    let prompts_count = 4 + b.rng.below(9);
    let bits = 1 + b.rng.below(3) as u32;
    let mode = TemplateMode::NearExact { bits };
    let prompts = work_templates(
        b,
        prompts_count,
        &[
            (Capability::AgenticCoding, 0.45),
            (Capability::ToolUse, 0.3),
            (Capability::Coding, 0.25),
        ],
        28,
        mode,
    );
    let zone_count = 1 + b.rng.below(8);
    let tzs = zones(b, zone_count);
    let work_share = b.rng.range_f(0.7, 0.97);
    let shape = Shape {
        input: b.rng.range_f(4_000.0, 12_000.0),
        output: b.rng.range_f(300.0, 900.0),
        cot: (b.rng.range_f(0.02, 0.15), b.rng.range_f(0.25, 0.5)),
    };
    let adoption = (b.rng.range_f(0.4, 0.9), b.rng.range_f(1.0, 12.0));
    let sigma = b.rng.range_f(0.8, 1.3);
    let weekend = b.rng.range_f(0.3, 0.8);
    let days = b.p.days as f64;
    for _ in 0..size {
        let mut work = prompts.clone();
        let favourite = b.rng.zipf(work.len(), 1.5);
        work.rotate_left(favourite);
        let own_count = 1 + b.rng.below(2);
        let own = b.add_templates(own_count, 0, &BENIGN_CAPS, 16);
        let n = b
            .rng
            .lognormal(per / (sigma * sigma / 2.0).exp(), sigma)
            .clamp(2.0, 150.0 * days)
            .round() as u64;
        let nets = home_nets(b);
        let created = created_ago(b, (60.0, 1_500.0));
        let card = b.next_token(CARD_KEY, "pm_");
        let domain = ordinary_domain(b);
        let tz = tzs[b.rng.below(tzs.len())];
        let signup = b.nets[nets[0] as usize].addr;
        let country = b.country();
        let sdk = b.pick_sdk_client(shared);
        let (start_ms, end_ms) = (b.start_ms, b.end_ms);
        let plan = FamilyPlan {
            mode,
            work_zipf: 1.2,
            work_share: (work_share + b.rng.range_f(-0.05, 0.05)).clamp(0.0, 1.0),
            models: [0.6, 0.4, 0.0],
            adoption: (adoption.0, (adoption.1 * HOUR_MS as f64) as i64),
            ..work_plan(work, shape)
        };
        let person = Person {
            group: Group::BenignAgentUsers,
            created_ms: created,
            org: None,
            domain,
            card: Some(card),
            signup,
            country,
            access_path: "direct",
            verification: ["email", "card", "card", "kyc"][b.rng.below(4)],
            from_ms: start_ms,
            to_ms: end_ms,
            exchanges: n,
            timing: Timing::Active {
                tz_hours: tz,
                active_share: b.rng.range_f(0.3, 0.9),
                weekend_weight: weekend,
            },
            nets,
            clients: vec![agent_client, sdk],
            key_count: 1 + b.rng.below(2),
            templates: own,
        };
        push(b, person, plan);
    }
    FamilyKnobs {
        time_zones: tzs.len(),
        shared_templates: prompts_count,
        mode,
        work_share,
        age_days: (60.0, 1_500.0),
        shape,
        new_model: adoption,
        detail: vec![
            ("requests per day (mean)", per / days),
            ("volume spread (sigma)", sigma),
        ],
        ..blank_knobs(Group::BenignAgentUsers)
    }
}

/// Independent runners of one public benchmark.
fn benchmark(b: &mut Builder, shared: &Shared, (size, per): (usize, f64)) -> FamilyKnobs {
    let kinds: [&[(Capability, f64)]; 3] = [
        &[
            (Capability::Reasoning, 0.7),
            (Capability::Coding, 0.15),
            (Capability::DataAnalysis, 0.15),
        ],
        &[(Capability::Reasoning, 1.0)],
        &[(Capability::Coding, 0.7), (Capability::Reasoning, 0.3)],
    ];
    let kind = b.rng.below(kinds.len());
    let items_count = b.rng.range(40, 300) as usize;
    let items = b.add_templates(items_count, 0, kinds[kind], 20);
    let harness: Vec<u32> = (0..2 + b.rng.below(2)).map(|_| b.add_client()).collect();
    let multi = b.rng.range_f(0.1, 0.4);
    let release_runners = b.rng.range_f(0.3, 0.8);
    let most_runs = 1 + b.rng.below(4);
    let shape = Shape {
        input: b.rng.range_f(150.0, 1_200.0),
        output: b.rng.range_f(200.0, 1_500.0),
        cot: {
            let lo = b.rng.range_f(0.4, 0.7);
            (lo, (lo + b.rng.range_f(0.2, 0.3)).min(0.98))
        },
    };
    let adoption = (b.rng.range_f(0.6, 0.95), 1.0);
    let new_share = b.rng.range_f(0.0, 0.3);
    let clouds: [(u8, u8, i64); 4] = [
        (3, 120, 16_509),
        (34, 90, 15_169),
        (20, 42, 8_075),
        (138, 68, 14_061),
    ];
    let mut made = 0;
    let mut orgs = 0;
    while made < size {
        orgs += 1;
        let accounts = if b.rng.chance(multi) {
            2 + b.rng.below(3)
        } else {
            1
        }
        .min(size - made);
        let name = format!(
            "{}{} {}",
            [
                "Aster", "Beacon", "Cobalt", "Delta", "Everest", "Fjord", "Granite", "Helix",
                "Iris", "Juniper", "Kepler", "Lattice",
            ][b.rng.below(12)],
            [
                "", "point", "field", "stone", "wave", "light", "gate", "works", "mind", "scale",
                "bridge", "path",
            ][b.rng.below(12)],
            ["Lab", "Research", "AI", "Institute", "Analytics"][b.rng.below(5)]
        );
        let domain = format!(
            "{}{}.{}",
            name.to_lowercase().replace(' ', "-"),
            b.rng.range(1, 999),
            ["ai", "org", "edu", "com", "io"][b.rng.below(5)]
        );
        // The org's egress: a cloud address or its own network.
        let egress = if b.rng.chance(0.6) {
            let (a, bb, asn) = clouds[b.rng.below(clouds.len())];
            let net = Net {
                addr: IpAddr::V4(Ipv4Addr::new(
                    a,
                    bb,
                    b.rng.range(0, 256) as u8,
                    b.rng.range(1, 255) as u8,
                )),
                asn,
            };
            b.add_net(net)
        } else {
            let net = b.residential_v4();
            let net = Net {
                asn: b.rng.range(1_000, 60_000),
                ..net
            };
            b.add_net(net)
        };
        let card = b.next_token(CARD_KEY, "pm_");
        // The org's runs: a few hours each, at any hour.
        let mut runs = Vec::new();
        for _ in 0..1 + b.rng.below(most_runs) {
            let s = b.rng.range(b.start_ms, b.end_ms - 6 * HOUR_MS);
            runs.push((s, s + b.rng.range(HOUR_MS, 6 * HOUR_MS)));
        }
        if b.rng.chance(release_runners) {
            let s = b.release_ms + b.rng.range(30 * 60_000, 20 * HOUR_MS);
            runs.push((s, s + b.rng.range(HOUR_MS, 5 * HOUR_MS)));
        }
        runs.sort_unstable();
        runs.dedup_by(|later, earlier| {
            if later.0 < earlier.1 {
                earlier.1 = earlier.1.max(later.1);
                true
            } else {
                false
            }
        });
        let fraction = b.rng.range_f(0.3, 1.0);
        let suite: Vec<u32> = items
            .iter()
            .copied()
            .filter(|_| b.rng.chance(fraction))
            .collect();
        let suite = if suite.is_empty() {
            items[..1].to_vec()
        } else {
            suite
        };
        let young = b.rng.chance(new_share);
        let country = b.country();
        let client = if b.rng.chance(0.7) {
            harness[b.rng.zipf(harness.len(), 1.2)]
        } else {
            b.pick_sdk_client(shared)
        };
        for _ in 0..accounts {
            let created = if young {
                created_ago(b, (2.0, 30.0))
            } else {
                created_ago(b, (60.0, 1_500.0))
            };
            let n = b.rng.lognormal(per / 1.13, 0.5).round() as u64;
            let own_count = 1 + b.rng.below(2);
            let own = b.add_templates(own_count, 0, &BENIGN_CAPS, 16);
            let (start_ms, end_ms) = (b.start_ms, b.end_ms);
            let plan = FamilyPlan {
                work_share: b.rng.range_f(0.97, 1.0),
                any_net: true,
                models: [0.5, 0.3, 0.2],
                adoption: (adoption.0, HOUR_MS),
                ..work_plan(suite.clone(), shape)
            };
            let person = Person {
                group: Group::BenignBenchmark,
                created_ms: created,
                org: Some(name.clone()),
                domain: domain.clone(),
                card: Some(card.clone()),
                signup: b.nets[egress as usize].addr,
                country,
                access_path: ["research_program", "direct", "cloud_marketplace"][b.rng.below(3)],
                verification: ["kyc", "card"][b.rng.below(2)],
                from_ms: start_ms,
                to_ms: end_ms,
                exchanges: n,
                timing: Timing::Windows(runs.clone()),
                nets: vec![egress],
                clients: vec![client],
                key_count: 1,
                templates: own,
            };
            push(b, person, plan);
        }
        made += accounts;
    }
    FamilyKnobs {
        time_zones: 24,
        shared_templates: items_count,
        mode: TemplateMode::Fixed,
        work_share: 0.985,
        card_share: multi,
        card_group: 4,
        address_share: 0.0,
        age_days: (2.0, 1_500.0),
        shape,
        new_model: adoption,
        detail: vec![
            ("benchmark kind", kind as f64),
            ("organisations", orgs as f64),
            ("items per account (mean)", per),
            ("most runs", most_runs as f64),
            ("run on release day", release_runners),
            ("new accounts", new_share),
        ],
        ..blank_knobs(Group::BenignBenchmark)
    }
}

/// Members of a prompt-sharing community.
fn prompt_community(b: &mut Builder, shared: &Shared, (size, per): (usize, f64)) -> FamilyKnobs {
    let count = b.rng.range(10, 61) as usize;
    let bits = b.rng.below(4) as u32;
    let mode = if bits == 0 {
        TemplateMode::Fixed
    } else {
        TemplateMode::NearExact { bits }
    };
    let prompts = work_templates(
        b,
        count,
        &[
            (Capability::Chat, 0.4),
            (Capability::Other, 0.2),
            (Capability::Reasoning, 0.15),
            (Capability::Coding, 0.15),
            (Capability::DataAnalysis, 0.1),
        ],
        40,
        mode,
    );
    let work_share = b.rng.range_f(0.1, 0.9);
    let popularity = b.rng.range_f(1.0, 1.6);
    let shape = Shape {
        input: b.rng.range_f(200.0, 900.0),
        output: b.rng.range_f(300.0, 1_000.0),
        cot: (0.0, b.rng.range_f(0.1, 0.35)),
    };
    let adoption = (b.rng.range_f(0.05, 0.3), b.rng.range_f(24.0, 96.0));
    let mut tzs = BTreeSet::new();
    for _ in 0..size {
        let picks = 2 + b.rng.below(5);
        let mut work: Vec<u32> = Vec::new();
        for _ in 0..picks {
            let p = prompts[b.rng.zipf(prompts.len(), popularity)];
            if !work.contains(&p) {
                work.push(p);
            }
        }
        let own_count = 1 + b.rng.below(3);
        let own = b.add_templates(own_count, 0, &BENIGN_CAPS, 16);
        let n = b.rng.lognormal(per / 1.28, 0.7).round() as u64;
        let nets = home_nets(b);
        let created = created_ago(b, (30.0, 1_500.0));
        let card = b.next_token(CARD_KEY, "pm_");
        let domain = WEBMAIL[b.rng.zipf(WEBMAIL.len(), 1.2)].to_string();
        let tz = ZONES[b.rng.below(ZONES.len())];
        tzs.insert(tz);
        let signup = b.nets[nets[0] as usize].addr;
        let country = b.country();
        let sdk = b.pick_sdk_client(shared);
        let (start_ms, end_ms) = (b.start_ms, b.end_ms);
        let plan = FamilyPlan {
            mode,
            work_zipf: 1.0,
            work_share: (work_share + b.rng.range_f(-0.1, 0.1)).clamp(0.05, 0.95),
            adoption: (adoption.0, (adoption.1 * HOUR_MS as f64) as i64),
            ..work_plan(work, shape)
        };
        let person = Person {
            group: Group::BenignPromptCommunity,
            created_ms: created,
            org: None,
            domain,
            card: Some(card),
            signup,
            country,
            access_path: "direct",
            verification: ["email", "card"][b.rng.below(2)],
            from_ms: start_ms,
            to_ms: end_ms,
            exchanges: n,
            timing: Timing::Diurnal {
                tz_hours: tz,
                weekend_weight: b.rng.range_f(0.5, 1.0),
            },
            nets,
            clients: vec![sdk],
            key_count: 1,
            templates: own,
        };
        push(b, person, plan);
    }
    FamilyKnobs {
        time_zones: tzs.len(),
        shared_templates: count,
        mode,
        work_share,
        age_days: (30.0, 1_500.0),
        shape,
        new_model: adoption,
        detail: vec![
            ("requests per user (mean)", per),
            ("popularity exponent", popularity),
        ],
        ..blank_knobs(Group::BenignPromptCommunity)
    }
}

/// Users of a browser extension.
fn extension(b: &mut Builder, shared: &Shared, (size, per): (usize, f64)) -> FamilyKnobs {
    let client = b.add_client();
    let count = 3 + b.rng.below(4);
    let prompts = b.add_templates(
        count,
        0,
        &[(Capability::Other, 0.5), (Capability::Chat, 0.5)],
        32,
    );
    let shape = Shape {
        input: b.rng.range_f(600.0, 2_500.0),
        output: b.rng.range_f(60.0, 300.0),
        cot: (0.0, b.rng.range_f(0.02, 0.1)),
    };
    let work_share = b.rng.range_f(0.85, 1.0);
    let no_card = b.rng.range_f(0.3, 0.8);
    let adoption = (b.rng.range_f(0.0, 0.3), b.rng.range_f(24.0, 120.0));
    let mut tzs = BTreeSet::new();
    for _ in 0..size {
        let own = b.add_templates(1, 0, &BENIGN_CAPS, 16);
        let n = b.rng.lognormal(per / 1.28, 0.7).round() as u64;
        let nets = home_nets(b);
        let created = created_ago(b, (10.0, 1_500.0));
        let card = (!b.rng.chance(no_card)).then(|| b.next_token(CARD_KEY, "pm_"));
        let domain = WEBMAIL[b.rng.zipf(WEBMAIL.len(), 1.2)].to_string();
        let tz = ZONES[b.rng.below(ZONES.len())];
        tzs.insert(tz);
        let signup = b.nets[nets[0] as usize].addr;
        let country = b.country();
        let sdk = b.pick_sdk_client(shared);
        let (start_ms, end_ms) = (b.start_ms, b.end_ms);
        let plan = FamilyPlan {
            work_zipf: 1.3,
            work_share,
            models: [0.1, 0.5, 0.4],
            adoption: (adoption.0, (adoption.1 * HOUR_MS as f64) as i64),
            ..work_plan(prompts.clone(), shape)
        };
        let person = Person {
            group: Group::BenignExtension,
            created_ms: created,
            org: None,
            domain,
            card,
            signup,
            country,
            access_path: "direct",
            verification: "email",
            from_ms: start_ms,
            to_ms: end_ms,
            exchanges: n,
            timing: Timing::Diurnal {
                tz_hours: tz,
                weekend_weight: b.rng.range_f(0.6, 1.0),
            },
            nets,
            clients: vec![client, sdk],
            key_count: 1,
            templates: own,
        };
        push(b, person, plan);
    }
    FamilyKnobs {
        time_zones: tzs.len(),
        shared_templates: count,
        mode: TemplateMode::Fixed,
        work_share,
        age_days: (10.0, 1_500.0),
        shape,
        new_model: adoption,
        detail: vec![("requests per user (mean)", per), ("no card", no_card)],
        ..blank_knobs(Group::BenignExtension)
    }
}

/// Tenants of a chat-bot platform.
fn bot_platform(b: &mut Builder, (size, per): (usize, f64)) -> FamilyKnobs {
    let clouds: [(u8, u8, i64); 6] = [
        (3, 80, 16_509),
        (34, 120, 15_169),
        (20, 60, 8_075),
        (159, 89, 14_061),
        (5, 9, 24_940),
        (51, 68, 16_276),
    ];
    let (a, bb, asn) = clouds[b.rng.below(clouds.len())];
    let egress_count = 4 + b.rng.below(21);
    let c = b.rng.range(0, 240) as u8;
    let egress = b.net_block(a, bb, c, 2, egress_count, asn);
    let client = b.add_client();
    let defaults_count = 2 + b.rng.below(4);
    let defaults = b.add_templates(defaults_count, 0, &[(Capability::Chat, 1.0)], 36);
    let platform_card = b.next_token(CARD_KEY, "pm_");
    let via_platform = b.rng.range_f(0.0, 0.6);
    let signup_on_platform = b.rng.range_f(0.2, 0.8);
    let defaults_share = b.rng.range_f(0.05, 0.4);
    let multi = b.rng.range_f(0.1, 0.3);
    let sigma = b.rng.range_f(1.0, 1.5);
    let shape = Shape {
        input: b.rng.range_f(800.0, 3_000.0),
        output: b.rng.range_f(100.0, 400.0),
        cot: (0.0, b.rng.range_f(0.05, 0.15)),
    };
    let adoption = (b.rng.range_f(0.0, 0.2), b.rng.range_f(48.0, 168.0));
    let days = b.p.days as f64;
    let mut tzs = BTreeSet::new();
    let mut made = 0;
    let mut tenants = 0;
    let mut on_platform_card = 0;
    while made < size {
        tenants += 1;
        let accounts = if b.rng.chance(multi) {
            2 + b.rng.below(2)
        } else {
            1
        }
        .min(size - made);
        let word = format!(
            "{}{}",
            [
                "Sunny", "Maple", "Pixel", "Harbor", "Willow", "Nova", "Cedar", "Echo", "Orbit",
                "Juno",
            ][b.rng.below(10)],
            ["", "side", "leaf", "town", "bay", "crest", "wood", "spark"][b.rng.below(8)]
        );
        let name = format!(
            "{word} {}",
            ["Shop", "Bot", "Care", "Buddy", "Desk", "Tutor"][b.rng.below(6)]
        );
        let domain = format!(
            "{}{}.{}",
            name.to_lowercase().replace(' ', ""),
            b.rng.range(1, 9_999),
            ["com", "io", "shop", "app"][b.rng.below(4)]
        );
        let prompt_count = 1 + b.rng.below(4);
        let prompts = b.add_templates(
            prompt_count,
            0,
            &[
                (Capability::Chat, 0.7),
                (Capability::ToolUse, 0.15),
                (Capability::Other, 0.15),
            ],
            36,
        );
        // Platform defaults at about `defaults_share` of the work.
        let repeat = ((defaults.len() as f64 * (1.0 - defaults_share))
            / (defaults_share * prompts.len() as f64))
            .round()
            .max(1.0) as usize;
        let mut work: Vec<u32> = Vec::new();
        for &p in &prompts {
            work.extend(std::iter::repeat_n(p, repeat));
        }
        work.extend(&defaults);
        let card = if b.rng.chance(via_platform) {
            on_platform_card += accounts;
            platform_card.clone()
        } else {
            b.next_token(CARD_KEY, "pm_")
        };
        let tz = ZONES[b.rng.below(ZONES.len())];
        tzs.insert(tz);
        let office = b.residential_v4();
        let office = b.add_net(office);
        let country = b.country();
        let created = created_ago(b, (20.0, 1_200.0));
        let depth = b.rng.range_f(0.2, 0.7);
        for _ in 0..accounts {
            let n = b
                .rng
                .lognormal(per / (sigma * sigma / 2.0).exp(), sigma)
                .clamp(5.0 * days, 4_000.0 * days)
                .round() as u64;
            let signup = if b.rng.chance(signup_on_platform) {
                b.nets[egress[b.rng.below(egress.len())] as usize].addr
            } else {
                b.nets[office as usize].addr
            };
            let own = b.add_templates(1, 0, &BENIGN_CAPS, 16);
            let (start_ms, end_ms) = (b.start_ms, b.end_ms);
            let plan = FamilyPlan {
                work_zipf: 0.0,
                work_share: b.rng.range_f(0.95, 1.0),
                any_net: true,
                models: [0.1, 0.4, 0.5],
                adoption: (adoption.0, (adoption.1 * HOUR_MS as f64) as i64),
                ..work_plan(work.clone(), shape)
            };
            let person = Person {
                group: Group::BenignBotPlatform,
                created_ms: created + b.rng.range(0, 30 * DAY_MS),
                org: Some(name.clone()),
                domain: domain.clone(),
                card: Some(card.clone()),
                signup,
                country,
                access_path: "direct",
                verification: ["card", "kyc"][b.rng.below(2)],
                from_ms: start_ms,
                to_ms: end_ms,
                exchanges: n,
                timing: Timing::Audience {
                    tz_hours: tz,
                    depth,
                },
                nets: egress.clone(),
                clients: vec![client],
                key_count: 1 + b.rng.below(3),
                templates: own,
            };
            push(b, person, plan);
        }
        made += accounts;
    }
    FamilyKnobs {
        time_zones: tzs.len(),
        shared_templates: defaults_count,
        mode: TemplateMode::Fixed,
        work_share: 0.975,
        card_share: on_platform_card as f64 / size.max(1) as f64,
        card_group: on_platform_card.max(1),
        address_share: 1.0,
        age_days: (20.0, 1_200.0),
        shape,
        new_model: adoption,
        detail: vec![
            ("tenants", tenants as f64),
            ("requests per day (mean)", per / days),
            ("volume spread (sigma)", sigma),
            ("egress addresses", egress_count as f64),
            ("platform defaults share", defaults_share),
            ("signed up on the platform", signup_on_platform),
        ],
        ..blank_knobs(Group::BenignBotPlatform)
    }
}

/// What a harvest asks for: (capabilities, excerpts), by kind.
fn harvest_caps(kind: usize) -> (&'static [(Capability, f64)], usize) {
    const REASONING: [(Capability, f64); 3] = [
        (Capability::Reasoning, 0.55),
        (Capability::RubricGrading, 0.2),
        (Capability::Coding, 0.25),
    ];
    const AGENTIC: [(Capability, f64); 3] = [
        (Capability::AgenticCoding, 0.4),
        (Capability::ToolUse, 0.35),
        (Capability::ComputerUse, 0.25),
    ];
    const MIXED: [(Capability, f64); 4] = [
        (Capability::Reasoning, 0.35),
        (Capability::Coding, 0.2),
        (Capability::AgenticCoding, 0.25),
        (Capability::ToolUse, 0.2),
    ];
    match kind {
        0 => (&REASONING, 44),
        1 => (&AGENTIC, 4),
        _ => (&MIXED, 44),
    }
}

/// A harvest's token sizes and chain-of-thought, by kind: long outputs and
/// chain-of-thought for reasoning, long contexts for agentic work.
fn harvest_shape(b: &mut Builder, kind: usize) -> Shape {
    match kind {
        0 => Shape {
            input: b.rng.range_f(300.0, 900.0),
            output: b.rng.range_f(1_800.0, 4_000.0),
            cot: (b.rng.range_f(0.7, 0.85), b.rng.range_f(0.9, 0.99)),
        },
        1 => Shape {
            input: b.rng.range_f(3_000.0, 8_000.0),
            output: b.rng.range_f(900.0, 2_000.0),
            cot: (b.rng.range_f(0.35, 0.5), b.rng.range_f(0.6, 0.8)),
        },
        _ => Shape {
            input: b.rng.range_f(800.0, 3_000.0),
            output: b.rng.range_f(1_400.0, 3_000.0),
            cot: (b.rng.range_f(0.5, 0.7), b.rng.range_f(0.8, 0.95)),
        },
    }
}

/// Fixed (or near-exact) templates, or a pool of paraphrases: drawn.
fn fixed_or_paraphrased(b: &mut Builder) -> TemplateMode {
    if b.rng.chance(0.5) {
        match b.rng.below(3) {
            0 => TemplateMode::Fixed,
            k => TemplateMode::NearExact { bits: k as u32 },
        }
    } else {
        TemplateMode::Paraphrased {
            pool: b.rng.range(8, 129) as usize,
            bits: b.rng.range(2, 7) as u32,
        }
    }
}

/// A persona's ordinary templates, for cover.
fn persona_templates(b: &mut Builder) -> Vec<u32> {
    let count = 2 + b.rng.below(3);
    b.add_templates(count, 0, &BENIGN_CAPS, 16)
}

/// The templated harvest job.
fn templated(
    b: &mut Builder,
    shared: &Shared,
    proxies: &ProxyNetwork,
    (size, per): (usize, f64),
) -> FamilyKnobs {
    let kind = b.rng.below(3);
    let (caps, excerpt) = harvest_caps(kind);
    let mode = fixed_or_paraphrased(b);
    let family_count = b.rng.range(4, 25) as usize;
    let families = work_templates(b, family_count, caps, excerpt, mode);
    let on_shared = b.rng.range_f(0.3, 0.9);
    let cover = b.rng.range_f(0.0, 0.5f64.min(1.0 - on_shared));
    // The rest of the harvest is unique items: a fresh template each.
    let fresh_share = (1.0 - on_shared / (1.0 - cover)).max(0.0);
    let zone_count = 1 + b.rng.below(8);
    let tzs = zones(b, zone_count);
    let card_share = none_to_all(b);
    let card_group = b.rng.range(2, 51) as usize;
    let exit_share = none_to_all(b);
    let age_lo = log_uniform(b, 2.0, 300.0);
    let age = (age_lo, (age_lo * b.rng.range_f(2.0, 10.0)).min(1_800.0));
    let custom_client = b.rng.chance(0.3).then(|| b.add_client());
    let throwaway = b.rng.range_f(0.0, 0.6);
    let banned = b.rng.range_f(0.0, 0.3);
    let shape = harvest_shape(b, kind);
    let adoption = (b.rng.range_f(0.0, 0.5), b.rng.range_f(6.0, 72.0));
    let old_large = b.rng.range_f(0.5, 0.9);
    let drift = b.rng.range_f(0.0, 1.0);
    // The schedule, one for the whole job.
    let schedule = b.rng.below(5);
    let period_ms = b.rng.range(60_000, 30 * 60_000);
    let jitter_ms = b.rng.range(2_000, 90_000);
    let start_hour = b.rng.range(0, 24);
    let hours = b.rng.range(4, 13);
    let hosting_asn = [14_061i64, 24_940, 16_276, 20_473, 63_949][b.rng.below(5)];
    let hosting_a = [45u8, 95, 139, 167, 185, 193][b.rng.below(6)];
    let hosting_b = b.rng.range(0, 256) as u8;
    let mut cards = Cards::new(card_share, card_group);
    let mut domain_batch: Option<(String, usize)> = None;
    for _ in 0..size {
        let tz = tzs[b.rng.below(tzs.len())];
        // Hosting of its own: one or two addresses nobody else has.
        let own_nets: Vec<u32> = (0..1 + b.rng.below(2))
            .map(|_| {
                let net = Net {
                    addr: IpAddr::V4(Ipv4Addr::new(
                        hosting_a,
                        hosting_b,
                        b.rng.range(0, 256) as u8,
                        b.rng.range(1, 255) as u8,
                    )),
                    asn: hosting_asn,
                };
                b.add_net(net)
            })
            .collect();
        let exits = if exit_share > 0.0 {
            let count = 6 + b.rng.below(11);
            proxies.exits(b, count)
        } else {
            Vec::new()
        };
        let created = created_ago(b, age);
        let signup = b.nets[exits.first().copied().unwrap_or(own_nets[0]) as usize].addr;
        let domain = if b.rng.chance(throwaway) {
            match &mut domain_batch {
                Some((d, left)) if *left > 0 => {
                    *left -= 1;
                    d.clone()
                }
                _ => {
                    let d = format!(
                        "{}{}.{}",
                        ["mailbox", "inbox", "post", "relay"][b.rng.below(4)],
                        b.rng.range(10, 9_999),
                        ["net", "xyz", "top", "io"][b.rng.below(4)]
                    );
                    domain_batch = Some((d.clone(), 1 + b.rng.below(9)));
                    d
                }
            }
        } else {
            ordinary_domain(b)
        };
        let n = b.rng.lognormal(per / 1.05, 0.3).round() as u64;
        let timing = match schedule {
            0 => Timing::Cron {
                period_ms,
                jitter_ms,
            },
            1 => Timing::Flat,
            2 => Timing::LockStep {
                start_hour,
                end_hour: start_hour + hours,
            },
            3 => {
                let own_period = (period_ms as f64 * b.rng.range_f(0.5, 1.5)) as i64;
                Timing::Script {
                    period_ms: own_period,
                    phase_ms: b.rng.range(0, own_period),
                    jitter_ms,
                    start_hour: b.rng.range(0, 24),
                    hours: 24,
                    active_share: 1.0,
                }
            }
            _ => Timing::Active {
                tz_hours: tz,
                active_share: b.rng.range_f(0.6, 1.0),
                weekend_weight: 0.7,
            },
        };
        let to_ms = if b.rng.chance(banned) {
            b.rng.range(b.start_ms + 2 * DAY_MS, b.end_ms)
        } else {
            b.end_ms
        };
        let clients = match custom_client {
            Some(c) => vec![c],
            None => sdk_clients(b, shared),
        };
        let card = cards.deal(b);
        let country = b.country();
        let work = family_subset(b, &families);
        let cover_templates = persona_templates(b);
        let from_ms = b.start_ms + b.rng.range(0, DAY_MS);
        let plan = FamilyPlan {
            mode,
            work_share: 1.0,
            fresh_share,
            cover_share: (cover + b.rng.range_f(-0.02, 0.02)).clamp(0.0, 0.5),
            cover_templates: cover_templates.clone(),
            tz_hours: tz,
            exits,
            exit_share,
            any_net: true,
            drift,
            models: [old_large, 1.0 - old_large, 0.0],
            adoption: (adoption.0, (adoption.1 * HOUR_MS as f64) as i64),
            ..work_plan(work, shape)
        };
        let person = Person {
            group: Group::CampaignTemplated,
            created_ms: created,
            org: None,
            domain,
            card: Some(card),
            signup,
            country,
            access_path: ["direct", "direct", "direct", "cloud_marketplace"][b.rng.below(4)],
            verification: ["email", "card", "card"][b.rng.below(3)],
            from_ms,
            to_ms,
            exchanges: n,
            timing,
            nets: own_nets,
            clients,
            key_count: 1 + b.rng.below(2),
            templates: cover_templates,
        };
        push(b, person, plan);
    }
    FamilyKnobs {
        time_zones: tzs.len(),
        shared_templates: family_count,
        mode,
        work_share: on_shared,
        cover_share: cover,
        card_share,
        card_group,
        address_share: exit_share,
        age_days: age,
        shape,
        new_model: adoption,
        detail: vec![
            ("harvest kind", kind as f64),
            ("unique items share", fresh_share * (1.0 - cover)),
            ("requests per day (mean)", per / b.p.days as f64),
            ("schedule", schedule as f64),
            ("throw-away domains", throwaway),
            ("banned", banned),
            (
                "custom client",
                f64::from(u8::from(custom_client.is_some())),
            ),
        ],
        ..blank_knobs(Group::CampaignTemplated)
    }
}

/// A crew's shift: start hour (UTC), length, days of the week.
fn crew_shift(b: &mut Builder) -> (i64, i64, u8) {
    let days = match b.rng.below(4) {
        0 => 0b001_1111,
        1 => 0b011_1111,
        2 => 0b111_1111,
        _ => {
            let mut mask = 0u8;
            while mask.count_ones() < 5 {
                mask |= 1 << b.rng.below(7);
            }
            mask
        }
    };
    (b.rng.range(0, 24), b.rng.range(2, 7), days)
}

/// Hours of work in a shift's windows between `from` and `to`.
fn shift_hours(shift: &Shift) -> f64 {
    let mut hours = 0.0;
    let mut day = shift.from_ms.div_euclid(DAY_MS) - 1;
    while day * DAY_MS < shift.to_ms {
        if shift.days & (1 << weekday(day)) != 0 {
            let ws = (day * DAY_MS + shift.start_hour * HOUR_MS).max(shift.from_ms);
            let we = (day * DAY_MS + (shift.start_hour + shift.hours) * HOUR_MS).min(shift.to_ms);
            hours += (we - ws).max(0) as f64 / HOUR_MS as f64;
        }
        day += 1;
    }
    hours
}

/// One crew account before its volume is known.
struct CrewMember {
    crew: usize,
    created_ms: i64,
    from_ms: i64,
    to_ms: i64,
    shifts: Vec<Shift>,
}

/// Crews that share no prompt.
fn crews(
    b: &mut Builder,
    shared: &Shared,
    proxies: &ProxyNetwork,
    intel: &mut Intel,
    (size, per): (usize, f64),
) -> FamilyKnobs {
    let kind = b.rng.below(3);
    let (caps, excerpt) = harvest_caps(kind);
    // Capabilities only: every request's template is its own.
    let kinds = b.add_templates(6, 0, caps, excerpt);
    let crew_size = b.rng.range(5, 31) as usize;
    let lifetime_days = b.rng.range_f(3.0, 20.0);
    let swap = b.rng.range_f(0.1, 0.4);
    let card_share = b.rng.range_f(0.0, 0.6);
    let card_group = b.rng.range(2, 51) as usize;
    let exit_share = b.rng.range_f(0.6, 1.0);
    let cover = b.rng.range_f(0.0, 0.5);
    let zone_count = 1 + b.rng.below(8);
    let tzs = zones(b, zone_count);
    let education = b.rng.range_f(0.2, 0.6);
    let startup = b.rng.range_f(0.2, 0.8 - education);
    let reserve = (b.rng.range_f(1.0, 5.0), b.rng.range_f(10.0, 60.0));
    let shape = harvest_shape(b, kind);
    let adoption = (b.rng.range_f(0.1, 0.6), b.rng.range_f(3.0, 48.0));
    let old_large = b.rng.range_f(0.5, 0.9);
    let days = b.p.days as f64;
    let per_slot = 1.0 + days / lifetime_days;
    let crew_count = ((size as f64 / (crew_size as f64 * per_slot)).round() as usize).max(1);
    let mut crew_shifts: Vec<(i64, i64, u8)> = Vec::new();
    let mut vps: Vec<Vec<u32>> = Vec::new();
    let shift_of = |shifts: &[(i64, i64, u8)], crew: usize, from_ms: i64, to_ms: i64| {
        let (start_hour, hours, days) = shifts[crew];
        Shift {
            from_ms,
            to_ms,
            start_hour,
            hours,
            days,
        }
    };
    // Who works when: slots of crews, each account banned and replaced;
    // more crews while accounts are missing.
    let mut members: Vec<CrewMember> = Vec::new();
    let mut crew = 0;
    while members.len() < size {
        while crew_shifts.len() < crew_count.max(crew + 1) {
            crew_shifts.push(crew_shift(b));
            let count = 2 + b.rng.below(5);
            let c = b.rng.range(0, 250) as u8;
            let a = [5u8, 37, 45, 91, 185][b.rng.below(5)];
            let bb = b.rng.range(0, 256) as u8;
            let asn = b.rng.range(9_009, 49_009);
            vps.push(b.net_block(a, bb, c, 1, count, asn));
        }
        let crews_now = crew_shifts.len();
        let slots = ((crew_size as f64 * b.rng.range_f(0.7, 1.3)).round() as usize).max(2);
        for _ in 0..slots {
            let mut t = b.start_ms + b.rng.range(0, 2 * DAY_MS);
            while t < b.end_ms && members.len() < size {
                let life = (b.rng.exp(lifetime_days * DAY_MS as f64) as i64).max(12 * HOUR_MS);
                let until = t + life;
                let created = t - (log_uniform(b, reserve.0, reserve.1) * DAY_MS as f64) as i64;
                let mut shifts = Vec::new();
                if crews_now > 1 && b.rng.chance(swap) && life > 4 * DAY_MS {
                    // Moves to another crew halfway.
                    let mid = t + life / 2;
                    let other = (crew + 1 + b.rng.below(crews_now - 1)) % crews_now;
                    shifts.push(shift_of(&crew_shifts, crew, t, mid));
                    shifts.push(shift_of(&crew_shifts, other, mid, until));
                } else {
                    shifts.push(shift_of(&crew_shifts, crew, t, until));
                }
                members.push(CrewMember {
                    crew,
                    created_ms: created,
                    from_ms: t,
                    to_ms: until,
                    shifts,
                });
                // A replacement from the reserve takes over.
                t = until + b.rng.range(10 * 60_000, 6 * HOUR_MS);
            }
        }
        crew += 1;
    }
    let crew_count = crew_shifts.len();
    let hours: Vec<f64> = members
        .iter()
        .map(|m| {
            m.shifts
                .iter()
                .map(|s| {
                    shift_hours(&Shift {
                        to_ms: s.to_ms.min(b.end_ms),
                        ..s.clone()
                    })
                })
                .sum::<f64>()
        })
        .collect();
    let total_hours: f64 = hours.iter().sum::<f64>().max(1.0);
    let rate = per * members.len() as f64 / total_hours;
    let mut cards = Cards::new(card_share, card_group);
    let mut domain_batch: Option<(String, &'static str, usize)> = None;
    let mut first_exit = None;
    for (m, h) in members.into_iter().zip(hours) {
        let tz = tzs[b.rng.below(tzs.len())];
        let count = 6 + b.rng.below(11);
        let exits = proxies.exits(b, count);
        first_exit.get_or_insert(exits[0]);
        let n = (rate * h * b.rng.range_f(0.8, 1.2)).round() as u64;
        let (path, domain) = match &mut domain_batch {
            Some((d, path, left)) if *left > 0 => {
                *left -= 1;
                (*path, d.clone())
            }
            _ => {
                let u = b.rng.unit();
                let (path, domain) = if u < education {
                    let d = format!(
                        "{}{}-edu.{}",
                        ["scholar", "campus", "academ", "learn"][b.rng.below(4)],
                        b.rng.range(10, 9_999),
                        ["org", "net", "info"][b.rng.below(3)]
                    );
                    ("education", d)
                } else if u < education + startup {
                    let d = format!(
                        "{}{}.{}",
                        ["quanta", "loom", "fable", "ridge", "nimbus", "vector"][b.rng.below(6)],
                        b.rng.range(10, 9_999),
                        ["ai", "io", "dev"][b.rng.below(3)]
                    );
                    ("startup_program", d)
                } else {
                    ("direct", ordinary_domain(b))
                };
                domain_batch = Some((domain.clone(), path, 1 + b.rng.below(5)));
                (path, domain)
            }
        };
        let card = cards.deal(b);
        let country = b.country();
        let clients = sdk_clients(b, shared);
        let cover_templates = persona_templates(b);
        let signup = b.nets[exits[0] as usize].addr;
        let plan = FamilyPlan {
            mode: TemplateMode::Fresh,
            work_share: 1.0,
            cover_share: cover,
            cover_templates: cover_templates.clone(),
            tz_hours: tz,
            exits,
            exit_share,
            any_net: true,
            models: [old_large, 1.0 - old_large, 0.0],
            adoption: (adoption.0, (adoption.1 * HOUR_MS as f64) as i64),
            ..work_plan(kinds.clone(), shape)
        };
        let person = Person {
            group: Group::CampaignCrews,
            created_ms: m.created_ms,
            org: (path == "startup_program").then(|| domain.clone()),
            domain,
            card: Some(card),
            signup,
            country,
            access_path: path,
            verification: if path == "education" { "email" } else { "card" },
            from_ms: m.from_ms,
            to_ms: m.to_ms,
            exchanges: n,
            timing: Timing::Shifts(m.shifts),
            nets: vps[m.crew].clone(),
            clients,
            key_count: 1,
            templates: cover_templates,
        };
        push(b, person, plan);
    }
    intel.reasoning_ips = first_exit
        .map(|e| b.nets[e as usize].addr)
        .into_iter()
        .collect();
    intel.hydra_cards = cards.shared.first().cloned().into_iter().collect();
    FamilyKnobs {
        time_zones: tzs.len(),
        shared_templates: 0,
        mode: TemplateMode::Fresh,
        work_share: 1.0,
        cover_share: cover,
        card_share,
        card_group,
        address_share: 1.0,
        age_days: reserve,
        shape,
        new_model: adoption,
        detail: vec![
            ("harvest kind", kind as f64),
            ("crews", crew_count as f64),
            ("crew size", crew_size as f64),
            ("lifetime days (mean)", lifetime_days),
            ("moved crews", swap),
            ("proxy share", exit_share),
            ("requests per shift hour", rate),
            ("education", education),
            ("startup programme", startup),
        ],
        ..blank_knobs(Group::CampaignCrews)
    }
}

/// What the paid crowd draws before the budgets are made: a working day's
/// volume, the share of days worked and the cover, then as many workers as
/// its budget pays for.
struct PaidDraw {
    rate: f64,
    active: f64,
    cover: f64,
    size: usize,
}

impl PaidDraw {
    fn draw(b: &mut Builder, (lo, hi): (f64, f64), max_group: usize) -> PaidDraw {
        let days = b.p.days as f64;
        let rate = log_uniform(b, 150.0, 600.0);
        let cover = b.rng.range_f(0.0, 0.3);
        // Twenty workers at this rate must fit the budget.
        let per_active = rate * days * active_fraction(1.0, 0.6) / (1.0 - cover);
        let most = (hi / (MIN_GROUP as f64 * per_active)).clamp(0.35, 0.9);
        let active = b.rng.range_f(0.35, most.max(0.35 + 1e-9));
        let total = log_uniform(b, lo, hi);
        let size = ((total / (per_active * active)).round() as usize).clamp(MIN_GROUP, max_group);
        PaidDraw {
            rate,
            active,
            cover,
            size,
        }
    }

    /// Mean exchanges of a worker, cover included.
    fn per_account(&self, days: f64) -> f64 {
        self.rate * days * active_fraction(self.active, 0.6) / (1.0 - self.cover)
    }
}

/// A paid crowd on its own long-held accounts.
fn paid_crowd(b: &mut Builder, shared: &Shared, d: &PaidDraw) -> FamilyKnobs {
    let kind = b.rng.below(3);
    let (caps, excerpt) = harvest_caps(kind);
    let mode = fixed_or_paraphrased(b);
    let family_count = b.rng.range(4, 21) as usize;
    let families = work_templates(b, family_count, caps, excerpt, mode);
    let days = b.p.days as f64;
    let (rate, active, cover) = (d.rate, d.active, d.cover);
    let zone_count = 3 + b.rng.below(6);
    let tzs = zones(b, zone_count);
    let work_share = b.rng.range_f(0.9, 1.0);
    let age_lo = b.rng.range_f(60.0, 200.0);
    let age = (age_lo, b.rng.range_f(700.0, 1_800.0));
    let shape = Shape {
        input: b.rng.range_f(300.0, 1_500.0),
        output: b.rng.range_f(1_500.0, 4_000.0),
        cot: (b.rng.range_f(0.65, 0.8), b.rng.range_f(0.9, 0.99)),
    };
    let adoption = (b.rng.range_f(0.2, 0.8), b.rng.range_f(24.0, 72.0));
    let old_large = b.rng.range_f(0.5, 0.9);
    let drift = b.rng.range_f(0.0, 1.0);
    for _ in 0..d.size {
        let tz = tzs[b.rng.below(tzs.len())];
        let worker_rate = b.rng.lognormal(rate, 0.25).clamp(100.0, 800.0);
        let worker_active = (active + b.rng.range_f(-0.1, 0.1)).clamp(0.1, 1.0);
        let work_days = days * active_fraction(worker_active, 0.6);
        let n = (worker_rate * work_days / (1.0 - cover)).round() as u64;
        let nets = home_nets(b);
        let created = created_ago(b, age);
        let card = b.next_token(CARD_KEY, "pm_");
        let domain = ordinary_domain(b);
        let signup = b.nets[nets[0] as usize].addr;
        let country = b.country();
        let client = b.pick_sdk_client(shared);
        let own = persona_templates(b);
        let work = family_subset(b, &families);
        let (start_ms, end_ms) = (b.start_ms, b.end_ms);
        let plan = FamilyPlan {
            mode,
            work_share: (work_share + b.rng.range_f(-0.03, 0.03)).clamp(0.0, 1.0),
            cover_share: cover,
            cover_templates: own.clone(),
            tz_hours: tz,
            drift,
            models: [old_large, 1.0 - old_large, 0.0],
            adoption: (adoption.0, (adoption.1 * HOUR_MS as f64) as i64),
            ..work_plan(work, shape)
        };
        let person = Person {
            group: Group::CampaignPaidCrowd,
            created_ms: created,
            org: None,
            domain,
            card: Some(card),
            signup,
            country,
            access_path: ["direct", "direct", "cloud_marketplace"][b.rng.below(3)],
            verification: ["card", "card", "kyc"][b.rng.below(3)],
            from_ms: start_ms,
            to_ms: end_ms,
            exchanges: n,
            timing: Timing::Grind {
                tz_hours: tz,
                active_share: worker_active,
                start_hour: b.rng.range(7, 20),
                hours: b.rng.range(4, 11),
            },
            nets,
            clients: vec![client],
            key_count: 1 + b.rng.below(2),
            templates: own,
        };
        push(b, person, plan);
    }
    FamilyKnobs {
        time_zones: tzs.len(),
        shared_templates: family_count,
        mode,
        work_share,
        cover_share: cover,
        age_days: age,
        shape,
        new_model: adoption,
        detail: vec![
            ("harvest kind", kind as f64),
            ("requests per working day", rate),
            ("working days share", active),
        ],
        ..blank_knobs(Group::CampaignPaidCrowd)
    }
}
