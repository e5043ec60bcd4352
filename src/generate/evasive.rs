//! The evasive scenarios (`tiny-evasive`, `demo-evasive`,
//! `seed-scale-evasive`): the sizes of `tiny`, `demo` and `seed-scale`, the
//! same three campaigns with the same archetypes and volumes, but run by an
//! adversary who has read the public reports, among more benign look-alikes.
//! Written from how adversaries and benign users behave, not from what any
//! detector checks.
//!
//! Every campaign account here evades in five ways:
//!
//! - **Payment rotation**: most accounts (a per-campaign share drawn in
//!   82–95%) have a card of their own; the rest share a card in twos to fours
//!   (a prepaid batch).
//! - **Residential proxies**: 65–85% of the harvest, all of the cover traffic
//!   and every sign-up go through a residential proxy network whose exits are
//!   real home connections: 75–90% of the exits are exactly the home
//!   addresses of benign users (the network's peers), the rest are other
//!   addresses in the same `/16`s and ASNs. No two campaign sign-ups come
//!   from one `/16` (IPv6: `/32`) within 30 minutes, and accounts are created
//!   over days and weeks (the hydra keeps a reserve of accounts made 2–30
//!   days before each goes live) instead of in bursts.
//! - **Popular clients**: the fingerprints of the popular SDKs ordinary users
//!   have, no custom client.
//! - **Ordinary details**: webmail or small-company domains, billing
//!   countries as users have them, no organisation on education accounts,
//!   whose university domains benign students (most benign education
//!   accounts here) have too.
//! - **Paraphrase**: each template family is sent as one of a bounded pool of
//!   32–128 paraphrases, each 4 or 5 random bits from the family's centre
//!   (never the centre itself); the pool in use drifts over the window.
//! - **Cover traffic**: 25–40% of each account's requests are an ordinary
//!   user's (its own personal templates, chat and other benign capabilities,
//!   daytime sessions in the persona's time zone, benign token sizes, low
//!   chain-of-thought). The hydra's cover is partly its relay's legitimate
//!   customers' requests, which the relay multiplexes over the same accounts
//!   (same templates as those customers' own accounts, relay egress, relay
//!   client).
//!
//! The three reported campaigns keep their archetypes: reasoning extraction
//! (chain-of-thought, rubric grading, sensitive rewrites, a scheduler), the
//! agentic campaign over education, startup-programme and direct accounts
//! (tool use, computer use, agentic coding in shared work windows), and the
//! hydra (ban-and-replace behind a relay, agentic coding, flat 24/7 load, half
//! its traffic on the new model within a day of release). Two more campaigns:
//!
//! - **Low and slow** ([`Group::CampaignLowAndSlow`]): many accounts, each at
//!   a heavy human user's volume (4–8 times the benign median) in daytime
//!   sessions, harvesting reasoning and code for the whole window.
//! - **Aged accounts** ([`Group::CampaignAgedAccounts`]): accounts bought
//!   from their owners, created one to four years ago from the owners' homes
//!   with the owners' details, dormant, then taken over within a few days and
//!   run around the clock on agentic work.
//!
//! Benign look-alikes, besides the classic traps (company, carrier NAT,
//! university lab, relay customers, SDK users, diurnal users):
//!
//! - **Coding-agent users** ([`Group::BenignCodingAgent`]): users of a popular
//!   open-source coding agent: its system-prompt templates (near-exact, shared
//!   by all), its client fingerprint, tool-heavy traffic, and most of their
//!   traffic on the new model within hours of release (the agent's default
//!   changed); otherwise independent people.
//! - **Hackathon** ([`Group::BenignHackathon`]): a hundred-odd sign-ups within
//!   a few hours from the venue network on the startup programme, teams of
//!   3–5 sharing a card and a domain, everyone on the same starter templates
//!   for two days, then little traffic.
//! - **Evaluation pipeline** ([`Group::BenignEvalPipeline`]): a few dozen
//!   long-standing KYC'd service accounts of one evaluation company, one card,
//!   one egress, nightly lock-step rubric grading with step-by-step reasoning
//!   and short outputs, and an evaluation of the new model on release day.
//! - **Data labelling** ([`Group::BenignDataLabelling`]): a labelling
//!   company's service accounts classifying 24/7 from two cloud addresses.
//! - **Proxy peers** ([`Group::BenignProxyPeers`]): residential ISP customers
//!   whose home connections are exits of the proxy network (a bandwidth-
//!   sharing app): campaign traffic comes from exactly their addresses.
//!
//! Partner intelligence is sparse: one hosting address of the reasoning
//! campaign and one card shared by a handful of hydra accounts.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::disguise::{CampaignKnobs, Disguise, Evasion};
use super::group::Group;
use super::scenario::{
    BENIGN_CAPS, Builder, CARD_KEY, DAY_MS, HOUR_MS, Intel, Net, Population, Relay, Scenario,
    Shared, Timing, WEBMAIL, carrier_nat, company, home_users, relay, relay_customers,
    residential_asn, university_lab,
};
use crate::base::rng::Rng;
use crate::logs::record::Capability;

/// The random stream of the evasive planner (the classic one uses `u64::MAX`).
const EVASIVE_STREAM: u64 = u64::MAX - 1;

/// Time zones ordinary users (and the campaigns' personas) live in.
const TIME_ZONES: [i64; 8] = [-8, -5, 0, 1, 2, 5, 8, 9];

/// Sizes of the groups only the evasive scenarios have.
struct Sizes {
    coding_agent: usize,
    hackathon: usize,
    eval_pipeline: usize,
    data_labelling: usize,
    proxy_peers: usize,
    low_and_slow: usize,
    aged: (usize, u64),
}

impl Sizes {
    fn of(scenario: Scenario) -> Sizes {
        match scenario.base() {
            Scenario::Tiny => Sizes {
                coding_agent: 40,
                hackathon: 40,
                eval_pipeline: 12,
                data_labelling: 8,
                proxy_peers: 40,
                low_and_slow: 10,
                aged: (8, 150),
            },
            Scenario::Demo => Sizes {
                coding_agent: 150,
                hackathon: 110,
                eval_pipeline: 30,
                data_labelling: 20,
                proxy_peers: 200,
                low_and_slow: 40,
                aged: (30, 400),
            },
            _ => Sizes {
                coding_agent: 2_000,
                hackathon: 130,
                eval_pipeline: 48,
                data_labelling: 50,
                proxy_peers: 2_000,
                low_and_slow: 1_000,
                aged: (300, 1_500),
            },
        }
    }
}

/// Plans an evasive scenario for a seed.
pub(super) fn plan_evasive(scenario: Scenario, seed: u64) -> Population {
    let mut b = Builder::new(scenario.params(), seed, EVASIVE_STREAM);
    let sizes = Sizes::of(scenario);
    let mut intel = Intel::default();
    let shared = b.shared_resources();
    let knobs: Vec<CampaignKnobs> = [
        (Group::CampaignReasoning, (5, 9)),
        (Group::CampaignAgentic, (12, 20)),
        (Group::CampaignHydra, (8, 14)),
        (Group::CampaignLowAndSlow, (4, 8)),
        (Group::CampaignAgedAccounts, (6, 10)),
    ]
    .into_iter()
    .map(|(group, families)| draw_knobs(&mut b, group, families))
    .collect();
    let exact_exit_share = b.rng.range_f(0.75, 0.9);

    // Benign: the classic traps, then the look-alikes only these scenarios have.
    company(&mut b, &shared);
    carrier_nat(&mut b, &shared, &mut intel);
    let lab_runs = university_lab(&mut b, &shared);
    let relay = relay(&mut b, &mut intel);
    relay_customers(&mut b, &relay);
    let (sdk_users, diurnal) = (b.p.sdk_users, b.p.diurnal);
    home_users(&mut b, &shared, Group::BenignSdkUsers, sdk_users);
    home_users(&mut b, &shared, Group::BenignDiurnal, diurnal);
    home_users(&mut b, &shared, Group::BenignProxyPeers, sizes.proxy_peers);
    // Real students sign up with their university address.
    for i in 0..b.plans.len() {
        if b.plans[i].account.access_path.as_deref() == Some("education") && b.rng.chance(0.8) {
            let uni = format!("univ{}.edu", b.rng.range(1, 400));
            b.plans[i].account.email_domain = Some(uni);
        }
    }
    coding_agent(&mut b, &shared, sizes.coding_agent);
    hackathon(&mut b, &shared, sizes.hackathon);
    eval_pipeline(&mut b, &shared, sizes.eval_pipeline);
    data_labelling(&mut b, &shared, sizes.data_labelling);

    let proxies = ProxyNetwork::new(&mut b, exact_exit_share);
    let mut kit = Kit {
        shared: &shared,
        proxies: &proxies,
        signups: SignupLedger::default(),
        intel: &mut intel,
    };
    for k in &knobs {
        match k.group {
            Group::CampaignReasoning => reasoning(&mut b, &mut kit, k),
            Group::CampaignAgentic => agentic(&mut b, &mut kit, k),
            Group::CampaignHydra => hydra(&mut b, &mut kit, k, &relay),
            Group::CampaignLowAndSlow => low_and_slow(&mut b, &mut kit, k, sizes.low_and_slow),
            _ => aged_accounts(&mut b, &mut kit, k, sizes.aged),
        }
    }

    // Generation order must not give the groups away.
    for i in (1..b.plans.len()).rev() {
        let j = b.rng.below(i + 1);
        b.plans.swap(i, j);
    }
    let evasion = Evasion {
        campaigns: knobs,
        exact_exit_share,
        exits: proxies.all(),
    };
    b.finish(lab_runs, intel, Some(evasion))
}

fn draw_knobs(b: &mut Builder, group: Group, families: (usize, usize)) -> CampaignKnobs {
    CampaignKnobs {
        group,
        cover_share: b.rng.range_f(0.27, 0.38),
        proxy_share: b.rng.range_f(0.65, 0.85),
        own_card_share: b.rng.range_f(0.82, 0.95),
        families: families.0 + b.rng.below(families.1 - families.0 + 1),
        variants_per_family: 32 + b.rng.below(97),
        five_bit_share: b.rng.range_f(0.3, 0.7),
        drift: b.rng.range_f(0.2, 1.0),
        relayed_share: if group == Group::CampaignHydra {
            b.rng.range_f(0.35, 0.65)
        } else {
            0.0
        },
    }
}

/// What the campaign planners share.
struct Kit<'a> {
    shared: &'a Shared,
    proxies: &'a ProxyNetwork,
    signups: SignupLedger,
    intel: &'a mut Intel,
}

/// The residential proxy network the campaigns rent: exits that are benign
/// users' home connections, and other addresses in the same ranges.
pub(super) struct ProxyNetwork {
    /// Exactly a benign user's home address.
    exact: Vec<u32>,
    /// Another address in a home address's `/16` (IPv6: `/32`), same ASN.
    nearby: Vec<u32>,
    exact_share: f64,
}

impl ProxyNetwork {
    pub(super) fn new(b: &mut Builder, exact_share: f64) -> ProxyNetwork {
        let mut exact = Vec::new();
        for i in 0..b.plans.len() {
            let peer = match b.plans[i].group {
                Group::BenignProxyPeers => true,
                Group::BenignDiurnal | Group::BenignSdkUsers => b.rng.chance(0.6),
                _ => false,
            };
            if peer && let Some(&home) = b.plans[i].nets.first() {
                exact.push(home);
            }
        }
        if exact.is_empty() {
            let home = b.residential_v4();
            exact.push(b.add_net(home));
        }
        let nearby_count =
            ((exact.len() as f64 * (1.0 - exact_share) / exact_share).round() as usize).max(1);
        let mut nearby = Vec::with_capacity(nearby_count);
        for _ in 0..nearby_count {
            let home = b.nets[exact[b.rng.below(exact.len())] as usize];
            let net = match home.addr {
                IpAddr::V4(v4) => {
                    let [a, bb, _, _] = v4.octets();
                    Net {
                        addr: IpAddr::V4(Ipv4Addr::new(
                            a,
                            bb,
                            b.rng.range(0, 256) as u8,
                            b.rng.range(1, 255) as u8,
                        )),
                        asn: residential_asn(a, bb),
                    }
                }
                IpAddr::V6(v6) => {
                    let s = v6.segments();
                    let seg = |b: &mut Builder| b.rng.range(0, 0x10000) as u16;
                    Net {
                        addr: IpAddr::V6(Ipv6Addr::new(
                            s[0],
                            s[1],
                            seg(b),
                            seg(b),
                            seg(b),
                            0,
                            0,
                            seg(b),
                        )),
                        asn: home.asn,
                    }
                }
            };
            nearby.push(b.add_net(net));
        }
        ProxyNetwork {
            exact,
            nearby,
            exact_share,
        }
    }

    /// `count` exits for one account, the first (its sticky exit) a home.
    pub(super) fn exits(&self, b: &mut Builder, count: usize) -> Vec<u32> {
        let exact = ((count as f64 * self.exact_share).round() as usize).clamp(1, count);
        let mut out: Vec<u32> = (0..exact)
            .map(|_| self.exact[b.rng.below(self.exact.len())])
            .collect();
        out.extend((exact..count).map(|_| self.nearby[b.rng.below(self.nearby.len())]));
        out
    }

    pub(super) fn all(&self) -> Vec<u32> {
        let mut all: Vec<u32> = self.exact.iter().chain(&self.nearby).copied().collect();
        all.sort_unstable();
        all.dedup();
        all
    }
}

/// Campaign sign-ups so far, by network prefix: a careful operator never signs
/// up twice from one `/16` (IPv6: `/32`) within half an hour.
#[derive(Default)]
struct SignupLedger {
    by_prefix: HashMap<u64, Vec<i64>>,
}

const SIGNUP_GAP_MS: i64 = 30 * 60_000;

fn prefix_key(addr: IpAddr) -> u64 {
    match addr {
        IpAddr::V4(v4) => u64::from(u32::from(v4) >> 16),
        IpAddr::V6(v6) => (1 << 40) | u64::from((u128::from(v6) >> 96) as u32),
    }
}

impl SignupLedger {
    fn admits(&self, addr: IpAddr, t: i64) -> bool {
        self.by_prefix
            .get(&prefix_key(addr))
            .is_none_or(|times| times.iter().all(|s| (s - t).abs() >= SIGNUP_GAP_MS))
    }

    fn record(&mut self, addr: IpAddr, t: i64) {
        self.by_prefix.entry(prefix_key(addr)).or_default().push(t);
    }

    /// Picks the sign-up exit among `exits` (moving it to the front) and, if
    /// every exit's prefix saw a sign-up within half an hour, moves the
    /// creation earlier until one is free. Returns (creation, address).
    fn sign_up(&mut self, b: &Builder, exits: &mut [u32], mut created: i64) -> (i64, IpAddr) {
        loop {
            if let Some(k) = (0..exits.len()).find(|&k| {
                let addr = b.nets[exits[k] as usize].addr;
                self.admits(addr, created)
            }) {
                exits.swap(0, k);
                let addr = b.nets[exits[0] as usize].addr;
                self.record(addr, created);
                return (created, addr);
            }
            created -= SIGNUP_GAP_MS + 7 * 60_000;
        }
    }
}

/// Deals cards so that at least `own_share` of the accounts have one of their
/// own, the rest sharing a card in twos to fours. Deterministic in count, so
/// the share holds for small campaigns too.
struct CardDealer {
    own_share: f64,
    dealt: u64,
    batch: Option<(String, usize)>,
    shared_cards: Vec<String>,
}

impl CardDealer {
    fn new(own_share: f64) -> Self {
        CardDealer {
            own_share,
            dealt: 0,
            batch: None,
            shared_cards: Vec::new(),
        }
    }

    fn deal(&mut self, b: &mut Builder) -> String {
        let before = (self.dealt as f64 * (1.0 - self.own_share)).floor();
        self.dealt += 1;
        let after = (self.dealt as f64 * (1.0 - self.own_share)).floor();
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
        let more = 1 + b.rng.below(3);
        self.shared_cards.push(card.clone());
        self.batch = Some((card.clone(), more));
        card
    }
}

/// Template families sent only as paraphrases: a pool of variants each 4 or 5
/// random bits from the family's centre.
fn paraphrased_families(
    b: &mut Builder,
    k: &CampaignKnobs,
    caps: &[(Capability, f64)],
    excerpt_base: usize,
) -> Vec<u32> {
    let families = b.add_templates(k.families, 0, caps, excerpt_base);
    for &f in &families {
        paraphrase(b, f, k.variants_per_family, |rng| {
            if rng.chance(k.five_bit_share) { 5 } else { 4 }
        });
    }
    families
}

/// Gives template `t` a pool of `pool` distinct rewordings, each `bits(rng)`
/// random bits from its centre (the bit count drawn anew for every try).
pub(super) fn paraphrase(
    b: &mut Builder,
    t: u32,
    pool: usize,
    mut bits: impl FnMut(&mut Rng) -> u32,
) {
    let centre = b.templates[t as usize].simhash;
    let mut variants: Vec<u64> = Vec::with_capacity(pool);
    while variants.len() < pool {
        let flips = bits(&mut b.rng);
        let mut mask = 0u64;
        while mask.count_ones() < flips {
            mask |= 1 << b.rng.below(64);
        }
        let variant = centre ^ mask;
        if !variants.contains(&variant) {
            variants.push(variant);
        }
    }
    b.templates[t as usize].variants = variants;
}

/// A random subset (at least two, in order) of a campaign's families: each
/// account works on part of the task list.
pub(super) fn family_subset(b: &mut Builder, families: &[u32]) -> Vec<u32> {
    let keep = b.rng.range_f(0.5, 1.0);
    let mut subset: Vec<u32> = families
        .iter()
        .copied()
        .filter(|_| b.rng.chance(keep))
        .collect();
    for &f in families {
        if subset.len() >= 2 {
            break;
        }
        if !subset.contains(&f) {
            subset.push(f);
        }
    }
    subset
}

/// A persona: cover templates, time zone, exits, and the disguise built from
/// them. The sign-up goes through the first exit.
fn disguise(b: &mut Builder, kit: &Kit<'_>, k: &CampaignKnobs) -> Disguise {
    let personal = 2 + b.rng.below(3);
    let cover_templates = b.add_templates(personal, 0, &BENIGN_CAPS, 16);
    let exit_count = 8 + b.rng.below(9);
    let exits = kit.proxies.exits(b, exit_count);
    Disguise {
        cover_share: (k.cover_share + b.rng.range_f(-0.02, 0.02)).clamp(0.25, 0.40),
        relayed_share: k.relayed_share,
        proxy_share: k.proxy_share,
        exits,
        cover_templates,
        relayed_templates: Vec::new(),
        relay_nets: Vec::new(),
        relay_client: None,
        tz_hours: TIME_ZONES[b.rng.below(TIME_ZONES.len())],
        drift: k.drift,
    }
}

/// One or two fingerprints of the most popular SDKs (an operator who wants
/// to blend in picks the clients everybody has, not the long tail).
pub(super) fn sdk_clients(b: &mut Builder, shared: &Shared) -> Vec<u32> {
    let popular = &shared.sdk_clients[..shared.sdk_clients.len().min(6)];
    let first = popular[b.rng.zipf(popular.len(), 1.3)];
    let mut clients = vec![first];
    if b.rng.chance(0.3) {
        let second = popular[b.rng.zipf(popular.len(), 1.3)];
        if second != first {
            clients.push(second);
        }
    }
    clients
}

/// An e-mail domain as ordinary users have them.
pub(super) fn ordinary_domain(b: &mut Builder) -> String {
    if b.rng.chance(0.75) {
        WEBMAIL[b.rng.zipf(WEBMAIL.len(), 1.2)].to_string()
    } else {
        format!(
            "{}{}.com",
            ["acme", "byte", "north", "blue", "peak", "lumen", "orbit"][b.rng.below(7)],
            b.rng.range(10, 99_999)
        )
    }
}

/// Everything about one campaign account apart from its group-specific
/// metadata; pushes it with its disguise.
struct CampaignAccount {
    group: Group,
    created_ms: i64,
    org: Option<String>,
    domain: String,
    card: String,
    signup: IpAddr,
    access_path: &'static str,
    verification: &'static str,
    from_ms: i64,
    to_ms: i64,
    exchanges: u64,
    timing: Timing,
    nets: Vec<u32>,
    key_count: usize,
    templates: Vec<u32>,
}

fn push_campaign(b: &mut Builder, kit: &Kit<'_>, a: CampaignAccount, disguise: Disguise) {
    let clients = sdk_clients(b, kit.shared);
    let billing = b.country();
    b.push(
        a.group,
        a.created_ms,
        a.org,
        a.domain,
        Some(a.card),
        Some(a.signup),
        billing,
        a.access_path,
        a.verification,
        a.from_ms,
        a.to_ms,
        a.exchanges,
        a.timing,
        a.nets,
        clients,
        a.key_count,
        a.templates,
    );
    if let Some(plan) = b.plans.last_mut() {
        plan.disguise = Some(Box::new(disguise));
    }
}

/// (a) Reasoning extraction, evasive: accounts created over weeks, own cards,
/// a scheduler still, but from hosting and residential exits alike.
fn reasoning(b: &mut Builder, kit: &mut Kit<'_>, k: &CampaignKnobs) {
    let (accounts, exchanges) = b.p.reasoning;
    let hosting = b.net_block(159, 203, 40, 3, 24, 14061);
    let first_plan = b.plans.len();
    let families = paraphrased_families(
        b,
        k,
        &[
            (Capability::Reasoning, 0.55),
            (Capability::RubricGrading, 0.25),
            (Capability::SensitiveRewrite, 0.2),
        ],
        0,
    );
    let jitter_ms = b.rng.range(4_000, 90_000);
    let mut cards = CardDealer::new(k.own_card_share);
    for _ in 0..accounts {
        let mut d = disguise(b, kit, k);
        let created = b.start_ms - b.rng.range(5 * DAY_MS, 40 * DAY_MS);
        let (created, signup) = kit.signups.sign_up(b, &mut d.exits, created);
        let nets: Vec<u32> = (0..3)
            .map(|_| hosting[b.rng.below(hosting.len())])
            .collect();
        let a = CampaignAccount {
            group: Group::CampaignReasoning,
            created_ms: created,
            org: None,
            domain: ordinary_domain(b),
            card: cards.deal(b),
            signup,
            access_path: "direct",
            verification: "card",
            from_ms: b.start_ms + b.rng.range(0, DAY_MS),
            to_ms: b.end_ms,
            exchanges: exchanges / accounts as u64,
            timing: Timing::Cron {
                period_ms: 10 * 60_000,
                jitter_ms,
            },
            nets,
            key_count: 1,
            templates: family_subset(b, &families),
        };
        push_campaign(b, kit, a, d);
    }
    // A partner saw one of its hosting addresses: the least used one.
    let mut users: Vec<(usize, u32)> = hosting
        .iter()
        .map(|&h| {
            let n = b.plans[first_plan..]
                .iter()
                .filter(|p| p.nets.contains(&h))
                .count();
            (n, h)
        })
        .filter(|(n, _)| *n > 0)
        .collect();
    users.sort_unstable();
    kit.intel.reasoning_ips = users
        .first()
        .map(|&(_, h)| b.nets[h as usize].addr)
        .into_iter()
        .collect();
}

/// (b) The agentic campaign, evasive: education, startup-programme and
/// direct accounts with cards of their own, SDK clients, shared work windows.
fn agentic(b: &mut Builder, kit: &mut Kit<'_>, k: &CampaignKnobs) {
    let (accounts, exchanges) = b.p.agentic;
    let cloud = b.net_block(51, 75, 140, 4, 32, 16276);
    let families = paraphrased_families(
        b,
        k,
        &[
            (Capability::ToolUse, 0.35),
            (Capability::ComputerUse, 0.2),
            (Capability::AgenticCoding, 0.25),
            (Capability::Vision, 0.1),
            (Capability::Reasoning, 0.1),
        ],
        4,
    );
    let start_hour = b.rng.range(0, 4);
    let end_hour = start_hour + b.rng.range(8, 11);
    let mut cards = CardDealer::new(k.own_card_share);
    for i in 0..accounts {
        let (path, domain, org, verification) = match i % 10 {
            0..=3 => {
                let uni = format!("univ{}.edu", b.rng.range(1, 400));
                // An operator who blends in leaves the organisation empty.
                ("education", uni, None, "email")
            }
            4..=6 => {
                let name = format!(
                    "{} {}",
                    ["Vector", "Quanta", "Loom", "Fable", "Ridge", "Nimbus"][b.rng.below(6)],
                    ["Labs", "AI", "Systems", "Works"][b.rng.below(4)]
                );
                let domain = format!(
                    "{}{}.ai",
                    name.to_lowercase().replace(' ', ""),
                    b.rng.range(1, 999)
                );
                ("startup_program", domain, Some(name), "card")
            }
            _ => ("direct", ordinary_domain(b), None, "card"),
        };
        let mut d = disguise(b, kit, k);
        let created = b.start_ms - b.rng.range(7 * DAY_MS, 60 * DAY_MS);
        let (created, signup) = kit.signups.sign_up(b, &mut d.exits, created);
        let nets: Vec<u32> = (0..6).map(|_| cloud[b.rng.below(cloud.len())]).collect();
        let a = CampaignAccount {
            group: Group::CampaignAgentic,
            created_ms: created,
            org,
            domain,
            card: cards.deal(b),
            signup,
            access_path: path,
            verification,
            from_ms: b.start_ms,
            to_ms: b.end_ms,
            exchanges: exchanges / accounts as u64,
            timing: Timing::LockStep {
                start_hour,
                end_hour,
            },
            nets,
            key_count: 2,
            templates: family_subset(b, &families),
        };
        push_campaign(b, kit, a, d);
    }
}

/// (c) The hydra, evasive: ban-and-replace from a reserve of accounts made
/// weeks before, its relay's customers multiplexed over the same accounts.
fn hydra(b: &mut Builder, kit: &mut Kit<'_>, k: &CampaignKnobs, relay: &Relay) {
    let p = b.p.clone();
    let (start_ms, end_ms) = (b.start_ms, b.end_ms);
    let families = paraphrased_families(
        b,
        k,
        &[
            (Capability::AgenticCoding, 0.6),
            (Capability::ToolUse, 0.25),
            (Capability::Coding, 0.15),
        ],
        8,
    );
    kit.intel.hydra_template = b.templates[families[0] as usize].simhash;
    // The relay forwards its customers' own prompts: the templates their
    // direct accounts use show up on the hydra's accounts too.
    let customer_templates: Vec<u32> = b
        .plans
        .iter()
        .filter(|p| p.group == Group::BenignRelayCustomers)
        .flat_map(|p| p.templates.iter().copied())
        .collect();
    let mut cards = CardDealer::new(k.own_card_share);
    let slot_rate = p.hydra_exchanges as f64 / (p.hydra_slots as f64 * (end_ms - start_ms) as f64);
    for _ in 0..p.hydra_slots {
        let mut t = start_ms;
        while t < end_ms {
            let life = (b.rng.exp(p.hydra_lifetime_days * DAY_MS as f64) as i64).max(6 * HOUR_MS);
            let until = t + life;
            let span = (until.min(end_ms) - t) as f64;
            let mut d = disguise(b, kit, k);
            d.relay_nets = relay.nets.clone();
            d.relay_client = Some(relay.client);
            let relayed_count = if customer_templates.is_empty() {
                0
            } else {
                6 + b.rng.below(7)
            };
            d.relayed_templates = (0..relayed_count)
                .map(|_| customer_templates[b.rng.below(customer_templates.len())])
                .collect();
            if d.relayed_templates.is_empty() {
                d.relayed_share = 0.0;
            }
            // Replacements come from a reserve made days or weeks before.
            let created = t - b.rng.range(2 * DAY_MS, 30 * DAY_MS);
            let (created, signup) = kit.signups.sign_up(b, &mut d.exits, created);
            let a = CampaignAccount {
                group: Group::CampaignHydra,
                created_ms: created,
                org: None,
                domain: ordinary_domain(b),
                card: cards.deal(b),
                signup,
                access_path: if b.rng.chance(0.15) {
                    "cloud_marketplace"
                } else {
                    "direct"
                },
                verification: "card",
                from_ms: t,
                to_ms: until,
                exchanges: ((span * slot_rate).round() as u64).max(1),
                timing: Timing::Flat,
                nets: relay.nets.clone(),
                key_count: 1,
                templates: family_subset(b, &families),
            };
            push_campaign(b, kit, a, d);
            // The next account of the slot takes over minutes after the ban.
            t = until + b.rng.range(3, 25) * 60_000;
        }
    }
    kit.intel.hydra_cards = cards.shared_cards.into_iter().take(1).collect();
}

/// Low and slow: each account a heavy human user's volume, daytime sessions,
/// harvesting reasoning and code for the whole window.
fn low_and_slow(b: &mut Builder, kit: &mut Kit<'_>, k: &CampaignKnobs, accounts: usize) {
    let vps = b.net_block(5, 161, 72, 2, 16, 24_940);
    let families = paraphrased_families(
        b,
        k,
        &[
            (Capability::Reasoning, 0.5),
            (Capability::Coding, 0.3),
            (Capability::DataAnalysis, 0.2),
        ],
        0,
    );
    let mut cards = CardDealer::new(k.own_card_share);
    for _ in 0..accounts {
        let mut d = disguise(b, kit, k);
        let created = b.start_ms - b.rng.range(10 * DAY_MS, 120 * DAY_MS);
        let (created, signup) = kit.signups.sign_up(b, &mut d.exits, created);
        let volume = b.p.benign_median_exchanges * b.rng.range_f(4.0, 8.0);
        let nets: Vec<u32> = (0..2).map(|_| vps[b.rng.below(vps.len())]).collect();
        let timing = Timing::Diurnal {
            tz_hours: d.tz_hours,
            weekend_weight: 0.5,
        };
        let a = CampaignAccount {
            group: Group::CampaignLowAndSlow,
            created_ms: created,
            org: None,
            domain: ordinary_domain(b),
            card: cards.deal(b),
            signup,
            access_path: "direct",
            verification: ["email", "card", "card"][b.rng.below(3)],
            from_ms: b.start_ms,
            to_ms: b.end_ms,
            exchanges: volume.round() as u64,
            timing,
            nets,
            key_count: 1,
            templates: family_subset(b, &families),
        };
        push_campaign(b, kit, a, d);
    }
}

/// Bought aged accounts: the owners' old details, dormant until a takeover
/// within a few days, then agentic work around the clock.
fn aged_accounts(
    b: &mut Builder,
    kit: &mut Kit<'_>,
    k: &CampaignKnobs,
    (accounts, per): (usize, u64),
) {
    let vps = b.net_block(91, 92, 240, 2, 16, 214_943);
    let families = paraphrased_families(
        b,
        k,
        &[
            (Capability::AgenticCoding, 0.4),
            (Capability::ToolUse, 0.35),
            (Capability::ComputerUse, 0.25),
        ],
        4,
    );
    let takeover = b.start_ms + DAY_MS + b.rng.range(0, 2 * DAY_MS);
    let mut cards = CardDealer::new(k.own_card_share);
    for _ in 0..accounts {
        let d = disguise(b, kit, k);
        // The owner signed up years ago from home; the buyer never signs up.
        let home = b.residential_v4();
        let home = b.add_net(home);
        let signup = b.nets[home as usize].addr;
        let created = b.start_ms - b.rng.range(400 * DAY_MS, 1_500 * DAY_MS);
        kit.signups.record(signup, created);
        let from = takeover + b.rng.range(0, 3 * DAY_MS);
        let nets: Vec<u32> = (0..3).map(|_| vps[b.rng.below(vps.len())]).collect();
        let a = CampaignAccount {
            group: Group::CampaignAgedAccounts,
            created_ms: created,
            org: None,
            domain: ordinary_domain(b),
            card: cards.deal(b),
            signup,
            access_path: "direct",
            verification: ["email", "card", "card", "kyc"][b.rng.below(4)],
            from_ms: from,
            to_ms: b.end_ms,
            exchanges: per,
            timing: Timing::Flat,
            nets,
            key_count: 1 + b.rng.below(2),
            templates: family_subset(b, &families),
        };
        push_campaign(b, kit, a, d);
    }
}

/// A home connection as ordinary users have one, and sometimes a second
/// address (mobile, office).
pub(super) fn home_nets(b: &mut Builder) -> Vec<u32> {
    let home = if b.rng.chance(0.2) {
        b.residential_v6()
    } else {
        b.residential_v4()
    };
    let mut nets = vec![b.add_net(home)];
    if b.rng.chance(0.4) {
        let other = b.residential_v4();
        nets.push(b.add_net(other));
    }
    nets
}

/// Benign: users of a popular open-source coding agent.
fn coding_agent(b: &mut Builder, shared: &Shared, count: usize) {
    let agent_client = b.add_client();
    let system_prompts = b.add_templates(
        6,
        1,
        &[
            (Capability::AgenticCoding, 0.45),
            (Capability::ToolUse, 0.3),
            (Capability::Coding, 0.25),
        ],
        8,
    );
    for _ in 0..count {
        let mut templates = system_prompts.clone();
        let favourite = b.rng.zipf(templates.len(), 1.5);
        templates.rotate_left(favourite);
        let personal = 1 + b.rng.below(2);
        templates.extend(b.add_templates(personal, 0, &BENIGN_CAPS, 16));
        let n = b.benign_exchanges(3.0);
        let nets = home_nets(b);
        let created = b.benign_created();
        let card = b.next_token(CARD_KEY, "pm_");
        let domain = ordinary_domain(b);
        let tz = TIME_ZONES[b.rng.below(TIME_ZONES.len())];
        let verification = ["email", "card", "card", "kyc"][b.rng.below(4)];
        let signup = b.nets[nets[0] as usize].addr;
        let billing = b.country();
        let sdk = b.pick_sdk_client(shared);
        let key_count = 1 + b.rng.below(2);
        let (start_ms, end_ms) = (b.start_ms, b.end_ms);
        b.push(
            Group::BenignCodingAgent,
            created,
            None,
            domain,
            Some(card),
            Some(signup),
            billing,
            "direct",
            verification,
            start_ms,
            end_ms,
            n,
            Timing::Diurnal {
                tz_hours: tz,
                weekend_weight: 0.6,
            },
            nets,
            vec![agent_client, sdk],
            key_count,
            templates,
        );
    }
}

/// Benign: a weekend hackathon of a startup programme in Berlin.
fn hackathon(b: &mut Builder, shared: &Shared, count: usize) {
    let venue = b.net_block(82, 135, 91, 1, 4, 8_560);
    // Saturday of the first week, 09:00 in Berlin.
    let event_start = b.start_ms + 5 * DAY_MS + 8 * HOUR_MS;
    let event_end = event_start + 2 * DAY_MS;
    let starter = b.add_templates(
        4,
        0,
        &[
            (Capability::Coding, 0.4),
            (Capability::ToolUse, 0.3),
            (Capability::Chat, 0.2),
            (Capability::Vision, 0.1),
        ],
        12,
    );
    let starter_client = shared.sdk_clients[0];
    let mut made = 0;
    while made < count {
        // Teams of three to five: the last one may take the count a little over.
        let size = 3 + b.rng.below(3);
        let team = format!(
            "{} {}",
            ["Team", "Crew", "Squad"][b.rng.below(3)],
            [
                "Kestrel", "Ember", "Quokka", "Halcyon", "Tundra", "Mosaic", "Pixel", "Rivet"
            ][b.rng.below(8)]
        );
        let domain = format!(
            "{}{}.dev",
            team.to_lowercase().replace(' ', "-"),
            b.rng.range(1, 99)
        );
        let card = b.next_token(CARD_KEY, "pm_");
        for _ in 0..size {
            let created = event_start - 30 * 60_000 + b.rng.range(0, 3 * HOUR_MS + 30 * 60_000);
            let seat = venue[b.rng.below(venue.len())];
            let home = b.residential_v4();
            let home = b.add_net(home);
            let mut templates = starter.clone();
            templates.extend(b.add_templates(1, 0, &BENIGN_CAPS, 16));
            let n = b.benign_exchanges(3.0);
            let signup = b.nets[seat as usize].addr;
            let end_ms = b.end_ms;
            b.push(
                Group::BenignHackathon,
                created,
                Some(team.clone()),
                domain.clone(),
                Some(card.clone()),
                Some(signup),
                "DE",
                "startup_program",
                "card",
                created,
                end_ms,
                n,
                Timing::Event {
                    start_ms: event_start,
                    end_ms: event_end,
                    tail_share: 0.1,
                    tz_hours: 1,
                },
                vec![seat, home],
                vec![starter_client],
                1,
                templates,
            );
        }
        made += size;
    }
}

/// Benign: an evaluation company's LLM-as-judge pipeline.
fn eval_pipeline(b: &mut Builder, shared: &Shared, count: usize) {
    let egress = b.add_net(Net {
        addr: IpAddr::V4(Ipv4Addr::new(3, 121, 44, 17)),
        asn: 16_509,
    });
    let card = b.next_token(CARD_KEY, "pm_");
    let mut rubrics = b.add_templates(4, 0, &[(Capability::RubricGrading, 1.0)], 0);
    rubrics.extend(b.add_templates(1, 0, &[(Capability::Reasoning, 1.0)], 0));
    let client = shared.sdk_clients[0];
    // The new model goes through the whole suite within hours of release.
    let extra = (b.release_ms + HOUR_MS, b.release_ms + 7 * HOUR_MS);
    for i in 0..count {
        let created = b.start_ms - b.rng.range(200 * DAY_MS, 900 * DAY_MS);
        let n = b.benign_exchanges(10.0);
        let mut templates = rubrics.clone();
        templates.rotate_left(i % rubrics.len());
        let (start_ms, end_ms) = (b.start_ms, b.end_ms);
        b.push(
            Group::BenignEvalPipeline,
            created,
            Some("Veritas Evals Inc.".into()),
            "veritas-evals.com".into(),
            Some(card.clone()),
            Some(b.nets[egress as usize].addr),
            "US",
            "direct",
            "kyc",
            start_ms,
            end_ms,
            n,
            Timing::Batches {
                start_hour: 1,
                end_hour: 4,
                extra,
                extra_share: 0.12,
            },
            vec![egress],
            vec![client],
            1,
            templates,
        );
    }
}

/// Benign: a data-labelling company classifying around the clock.
fn data_labelling(b: &mut Builder, shared: &Shared, count: usize) {
    let egress = b.net_block(3, 120, 18, 1, 2, 16_509);
    let card = b.next_token(CARD_KEY, "pm_");
    let tasks = b.add_templates(
        3,
        0,
        &[
            (Capability::Other, 0.5),
            (Capability::DataAnalysis, 0.3),
            (Capability::Chat, 0.2),
        ],
        12,
    );
    let client = shared.sdk_clients[1];
    for _ in 0..count {
        let created = b.start_ms - b.rng.range(100 * DAY_MS, 700 * DAY_MS);
        let n = b.benign_exchanges(12.0);
        let signup = b.nets[egress[0] as usize].addr;
        let (start_ms, end_ms) = (b.start_ms, b.end_ms);
        b.push(
            Group::BenignDataLabelling,
            created,
            Some("Tagwise Labeling Ltd".into()),
            "tagwise.io".into(),
            Some(card.clone()),
            Some(signup),
            "GB",
            "cloud_marketplace",
            "kyc",
            start_ms,
            end_ms,
            n,
            Timing::Flat,
            egress.clone(),
            vec![client],
            2,
            tasks.clone(),
        );
    }
}
