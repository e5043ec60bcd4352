//! Scenario parameters and the population plan: which accounts exist, which
//! group each belongs to, and the infrastructure, cards, clients and prompt
//! templates each group shares. Modelled on the publicly reported campaigns
//! (February 2026) and on the benign look-alikes an analyst must not accuse.
//! This file plans the classic scenarios (`tiny`, `demo`, `seed-scale`),
//! whose output for a seed is a regression baseline: each group's section
//! draws from the random stream in the same order as before the evasive
//! scenarios ([`super::evasive`]) were added, which reuse the benign traps.
//! The families scenarios ([`super::families`]) reuse the builder and the
//! home users, drawing every group's parameters per seed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::disguise::{Disguise, Evasion};
use super::group::Group;
use super::knobs::{Families, FamilyPlan};
use crate::base::rng::{Rng, mix64};
use crate::base::time::days_from_civil;
use crate::logs::record::{Account, Capability};

/// A named scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    /// A few hundred accounts: for tests.
    Tiny,
    /// About 2,000 accounts and 100,000 exchanges: the bundled demo case.
    Demo,
    /// The size of the public reports: ~24,000 fraudulent accounts and 16M+
    /// campaign exchanges among 25,000 benign accounts, over three weeks.
    SeedScale,
    /// [`Scenario::Tiny`]'s sizes, with campaigns that evade (see
    /// [`super::evasive`]) and more benign look-alikes.
    TinyEvasive,
    /// [`Scenario::Demo`]'s sizes, evasive.
    DemoEvasive,
    /// [`Scenario::SeedScale`]'s sizes, evasive.
    SeedScaleEvasive,
    /// Randomised families (see [`super::families`]): 2,500–4,000 accounts,
    /// 100,000–250,000 exchanges over two weeks, every group's parameters
    /// drawn per seed. For tests and honest tuning.
    FamiliesSmall,
    /// Randomised families at 10,000–15,000 accounts and up to 1.5 million
    /// exchanges over three weeks. For benchmarks.
    FamiliesLarge,
}

impl Scenario {
    /// Every scenario, for help texts.
    pub const ALL: [Scenario; 8] = [
        Scenario::Tiny,
        Scenario::Demo,
        Scenario::SeedScale,
        Scenario::TinyEvasive,
        Scenario::DemoEvasive,
        Scenario::SeedScaleEvasive,
        Scenario::FamiliesSmall,
        Scenario::FamiliesLarge,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Tiny => "tiny",
            Scenario::Demo => "demo",
            Scenario::SeedScale => "seed-scale",
            Scenario::TinyEvasive => "tiny-evasive",
            Scenario::DemoEvasive => "demo-evasive",
            Scenario::SeedScaleEvasive => "seed-scale-evasive",
            Scenario::FamiliesSmall => "families-small",
            Scenario::FamiliesLarge => "families-large",
        }
    }

    /// Whether every group's parameters are drawn per seed (the `families-`
    /// scenarios).
    pub fn is_families(self) -> bool {
        matches!(self, Scenario::FamiliesSmall | Scenario::FamiliesLarge)
    }

    /// Whether the campaigns evade (the `-evasive` scenarios).
    pub fn is_evasive(self) -> bool {
        self.base() != self
    }

    /// The classic scenario whose sizes this one has (a families scenario
    /// is its own base).
    pub fn base(self) -> Scenario {
        match self {
            Scenario::TinyEvasive => Scenario::Tiny,
            Scenario::DemoEvasive => Scenario::Demo,
            Scenario::SeedScaleEvasive => Scenario::SeedScale,
            classic => classic,
        }
    }

    /// Parses a name from [`Self::name`].
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The sizes of this scenario.
    pub fn params(self) -> Params {
        match self.base() {
            Scenario::Tiny => Params {
                days: 10,
                release_day: 6.0,
                reasoning: (6, 600),
                agentic: (12, 2_400),
                hydra_slots: 40,
                hydra_lifetime_days: 4.0,
                hydra_exchanges: 3_000,
                company: 20,
                carrier_nat: 40,
                university_lab: 5,
                relay_customers: 20,
                sdk_users: 60,
                diurnal: 80,
                benign_median_exchanges: 8.0,
            },
            Scenario::Demo => Params {
                days: 14,
                release_day: 9.0,
                reasoning: (12, 3_000),
                agentic: (40, 20_000),
                hydra_slots: 220,
                hydra_lifetime_days: 8.1,
                hydra_exchanges: 55_000,
                company: 60,
                carrier_nat: 200,
                university_lab: 8,
                relay_customers: 100,
                sdk_users: 400,
                diurnal: 580,
                benign_median_exchanges: 13.0,
            },
            // The families planner draws its sizes per seed and records the
            // background's counts here; the classic groups' sizes are zero.
            Scenario::FamiliesSmall | Scenario::FamiliesLarge => {
                let small = self == Scenario::FamiliesSmall;
                Params {
                    days: if small { 14 } else { 21 },
                    release_day: if small { 9.0 } else { 14.0 },
                    reasoning: (0, 0),
                    agentic: (0, 0),
                    hydra_slots: 0,
                    hydra_lifetime_days: 0.0,
                    hydra_exchanges: 0,
                    company: 0,
                    carrier_nat: 0,
                    university_lab: 0,
                    relay_customers: 0,
                    sdk_users: 0,
                    diurnal: 0,
                    benign_median_exchanges: if small { 8.0 } else { 11.0 },
                }
            }
            _ => Params {
                days: 21,
                release_day: 14.0,
                reasoning: (60, 150_000),
                agentic: (700, 3_400_000),
                hydra_slots: 7_000,
                hydra_lifetime_days: 9.05,
                hydra_exchanges: 13_000_000,
                company: 400,
                carrier_nat: 3_000,
                university_lab: 30,
                relay_customers: 1_500,
                sdk_users: 8_000,
                diurnal: 12_070,
                benign_median_exchanges: 50.0,
            },
        }
    }
}

/// Sizes of a scenario.
#[derive(Clone, Debug)]
pub struct Params {
    /// Length of the observed window.
    pub days: i64,
    /// Day (from the window start) the new model is released.
    pub release_day: f64,
    /// Reasoning-extraction campaign: accounts, exchanges.
    pub reasoning: (usize, u64),
    /// Agentic campaign: accounts, exchanges.
    pub agentic: (usize, u64),
    /// Hydra campaign: concurrently active accounts.
    pub hydra_slots: usize,
    /// Hydra campaign: mean days before an account is banned.
    pub hydra_lifetime_days: f64,
    /// Hydra campaign: exchanges.
    pub hydra_exchanges: u64,
    /// Employees of the company that shares one card and egress.
    pub company: usize,
    /// Users behind one carrier NAT.
    pub carrier_nat: usize,
    /// Accounts of the university lab running a reasoning benchmark.
    pub university_lab: usize,
    /// Legitimate customers of the relay the hydra campaign uses.
    pub relay_customers: usize,
    /// Users of popular SDK prompt templates.
    pub sdk_users: usize,
    /// Ordinary diurnal users.
    pub diurnal: usize,
    /// Median exchanges of a benign account over the window.
    pub benign_median_exchanges: f64,
}

/// Window start of every scenario: Monday 2026-01-12 00:00 UTC.
pub fn window_start_ms() -> i64 {
    days_from_civil(2026, 1, 12) * 86_400_000
}

/// Milliseconds in an hour and a day.
pub const HOUR_MS: i64 = 3_600_000;
/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

/// Models on offer before the release, and the newly released one.
pub const MODELS: [&str; 3] = ["aurora-2-large", "aurora-2-mid", "aurora-2-small"];
/// The model released during the window.
pub const NEW_MODEL: &str = "aurora-3-large";

/// A network location: address and its ASN.
#[derive(Clone, Copy, Debug)]
pub struct Net {
    /// The address.
    pub addr: IpAddr,
    /// Its autonomous system.
    pub asn: i64,
}

/// A prompt-template family: a SimHash base and how far variants stray.
#[derive(Clone, Debug)]
pub struct Template {
    /// The family's SimHash.
    pub simhash: u64,
    /// Near-duplicate variants differ by up to this many bits (0: exact).
    pub max_flips: u32,
    /// What the template asks for.
    pub capability: Capability,
    /// Index into the excerpt texts.
    pub excerpt: usize,
    /// A bounded pool of paraphrases (evasive campaigns), each a few bits from
    /// `simhash`; when not empty, requests use these instead of `max_flips`.
    pub variants: Vec<u64>,
}

/// How an account's requests are spread in time.
#[derive(Clone, Debug)]
pub enum Timing {
    /// A shared scheduler fires every `period_ms`; the account joins a tick
    /// with the probability that gives its volume.
    Cron {
        /// Tick period.
        period_ms: i64,
        /// Spread after the tick.
        jitter_ms: i64,
    },
    /// Regularly spaced requests inside shared daily work windows (UTC).
    LockStep {
        /// Window start hour (UTC).
        start_hour: i64,
        /// Window end hour (UTC).
        end_hour: i64,
    },
    /// Uniform over the account's life, day and night.
    Flat,
    /// Sessions in local daytime, mostly on weekdays.
    Diurnal {
        /// Offset of local time from UTC, hours.
        tz_hours: i64,
        /// Weight of weekend days against weekdays.
        weekend_weight: f64,
    },
    /// Scripted benchmark runs shared by the whole lab, regular spacing.
    Runs,
    /// An event (a hackathon): most requests between `start_ms` and `end_ms`,
    /// day and night, the rest in daytime sessions afterwards.
    Event {
        /// Event start.
        start_ms: i64,
        /// Event end.
        end_ms: i64,
        /// Share of the requests after the event.
        tail_share: f64,
        /// Offset of local time from UTC, hours.
        tz_hours: i64,
    },
    /// Nightly batches shared by all accounts of a pipeline, every day,
    /// regularly spaced, plus an extra run.
    Batches {
        /// Batch window start hour (UTC).
        start_hour: i64,
        /// Batch window end hour (UTC).
        end_hour: i64,
        /// An extra run (start, end), e.g. evaluating a model on release day.
        extra: (i64, i64),
        /// Share of the requests in the extra run.
        extra_share: f64,
    },
    /// Regularly spaced requests across the account's own windows (a
    /// script's runs: a benchmark run, a batch job).
    Windows(Vec<(i64, i64)>),
    /// Daytime sessions in local time on the account's active days only (a
    /// share of the days, drawn per account).
    Active {
        /// Offset of local time from UTC, hours.
        tz_hours: i64,
        /// Chance a weekday is an active day.
        active_share: f64,
        /// Weight of weekend days against weekdays.
        weekend_weight: f64,
    },
    /// The account's own script: a tick every `period_ms` from its own
    /// phase, inside a daily window (UTC), on its active days.
    Script {
        /// Tick period.
        period_ms: i64,
        /// The script's phase within the period.
        phase_ms: i64,
        /// Spread after the tick.
        jitter_ms: i64,
        /// Daily window start hour (UTC).
        start_hour: i64,
        /// Daily window length, hours (24: all day).
        hours: i64,
        /// Chance a day is an active day.
        active_share: f64,
    },
    /// A human working through a queue: on active days, one to three blocks
    /// of work in local time, requests at random moments within them.
    Grind {
        /// Offset of local time from UTC, hours.
        tz_hours: i64,
        /// Chance a day is a working day.
        active_share: f64,
        /// Usual local start hour of the working day.
        start_hour: i64,
        /// Usual hours worked on a working day.
        hours: i64,
    },
    /// Weekly deadlines: most of each week's requests in the hours before
    /// the deadline (day and late night), the rest in daytime sessions.
    Deadlines {
        /// The deadlines.
        deadlines: Vec<i64>,
        /// How long before a deadline the burst starts.
        lead_ms: i64,
        /// Share of each week's requests in the burst.
        burst_share: f64,
        /// Offset of local time from UTC, hours.
        tz_hours: i64,
    },
    /// Lock-step work in a crew's shifts: regularly spaced requests across
    /// every window of every shift the account worked.
    Shifts(Vec<Shift>),
    /// Around the clock, a little less in the audience's night (a bot
    /// serving end users).
    Audience {
        /// Offset of the audience's local time from UTC, hours.
        tz_hours: i64,
        /// How much quieter the small hours are (0: flat).
        depth: f64,
    },
    /// Several patterns, each with its share of the requests.
    Mixed(Vec<(f64, Timing)>),
}

/// A crew's daily work window over part of the observed window.
#[derive(Clone, Debug)]
pub struct Shift {
    /// When the account joined the crew.
    pub from_ms: i64,
    /// When it left (or was banned).
    pub to_ms: i64,
    /// Window start hour (UTC).
    pub start_hour: i64,
    /// Window length, hours.
    pub hours: i64,
    /// Days worked: bit 0 Monday … bit 6 Sunday.
    pub days: u8,
}

/// Everything about one account the traffic generator needs.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The account as exported.
    pub account: Account,
    /// Ground truth.
    pub group: Group,
    /// Activity window start.
    pub from_ms: i64,
    /// Activity window end (exclusive).
    pub to_ms: i64,
    /// Whether the account is banned at `to_ms`.
    pub banned: bool,
    /// Exchanges to generate.
    pub exchanges: u64,
    /// Time pattern.
    pub timing: Timing,
    /// Indices into the scenario's networks the account sends from.
    pub nets: Vec<u32>,
    /// Indices into the scenario's client fingerprints.
    pub clients: Vec<u32>,
    /// The account's API keys.
    pub keys: Vec<String>,
    /// Indices into the scenario's templates, most used first.
    pub templates: Vec<u32>,
    /// How an evasive campaign account hides its harvest (`None` elsewhere).
    pub disguise: Option<Box<Disguise>>,
    /// A families scenario's account: its work, cover and shape (`None` for
    /// the background users and the other scenarios).
    pub family: Option<Box<FamilyPlan>>,
}

/// The planned population and the shared resources it draws on.
pub struct Population {
    /// Scenario sizes.
    pub params: Params,
    /// Window start.
    pub start_ms: i64,
    /// Window end.
    pub end_ms: i64,
    /// When the new model is released.
    pub release_ms: i64,
    /// Every account, in generation order.
    pub plans: Vec<Plan>,
    /// Networks.
    pub nets: Vec<Net>,
    /// Client fingerprints.
    pub clients: Vec<String>,
    /// Template families.
    pub templates: Vec<Template>,
    /// Start and end of the lab's benchmark runs.
    pub lab_runs: Vec<(i64, i64)>,
    /// Facts the indicator list is built from.
    pub intel: Intel,
    /// The evasion knobs drawn for this seed (evasive scenarios only).
    pub evasion: Option<Evasion>,
    /// Every group's parameters drawn for this seed (families scenarios only).
    pub families: Option<Families>,
}

/// Identifiers partners may have shared.
#[derive(Default)]
pub struct Intel {
    /// Hosting IPs of the reasoning campaign.
    pub reasoning_ips: Vec<IpAddr>,
    /// Cards of the reasoning campaign.
    pub reasoning_cards: Vec<String>,
    /// Throwaway e-mail domain of the reasoning campaign.
    pub reasoning_domain: String,
    /// The agentic campaign's client fingerprint.
    pub agentic_client: String,
    /// Cards of the hydra campaign.
    pub hydra_cards: Vec<String>,
    /// The relay's egress /24.
    pub relay_cidr: String,
    /// The relay's ASN.
    pub relay_asn: i64,
    /// One hydra template family.
    pub hydra_template: u64,
    /// A carrier-NAT address somebody put on a block list.
    pub nat_ip: Option<IpAddr>,
}

pub(super) const WEBMAIL: [&str; 7] = [
    "gmail.com",
    "outlook.com",
    "yahoo.com",
    "proton.me",
    "icloud.com",
    "qq.com",
    "163.com",
];
pub(super) const COUNTRIES: [&str; 12] = [
    "US", "GB", "DE", "FR", "IN", "BR", "JP", "CA", "KR", "NL", "SG", "AU",
];
const RESIDENTIAL_ASNS: [i64; 10] = [7922, 701, 3320, 3215, 2856, 6830, 12322, 4766, 9299, 7018];
const PUBLIC_FIRST_OCTETS: [u8; 20] = [
    24, 31, 37, 46, 50, 62, 67, 71, 73, 77, 81, 84, 86, 90, 98, 108, 151, 174, 188, 201,
];

/// The ASN of a residential IPv4 `/16` (`a.b.0.0/16`): one ISP per `/16`.
pub(super) fn residential_asn(a: u8, b: u8) -> i64 {
    RESIDENTIAL_ASNS
        [(mix64(u64::from(a) << 8 | u64::from(b)) % RESIDENTIAL_ASNS.len() as u64) as usize]
}

/// A 48-bit bijection, so ids drawn from distinct counters never collide.
fn id48(counter: u64, key: u64) -> u64 {
    let mask = (1u64 << 48) - 1;
    let mut x = (counter ^ key) & mask;
    for _ in 0..3 {
        x ^= x >> 24;
        x = x.wrapping_mul(0x9E37_79B9_7F4B) & mask;
        x ^= x >> 19;
        x = x.wrapping_add(key >> 16) & mask;
    }
    x
}

/// A random-looking unique token with a prefix (`acct_3f9a0c12b7e4`).
pub fn token(prefix: &str, counter: u64, key: u64) -> String {
    format!("{prefix}{:012x}", id48(counter, key))
}

/// The planner's state: the random stream, the sizes, and everything planned
/// so far. Shared by the classic and the evasive planners.
pub(super) struct Builder {
    pub(super) rng: Rng,
    seed: u64,
    pub(super) p: Params,
    pub(super) start_ms: i64,
    pub(super) end_ms: i64,
    pub(super) release_ms: i64,
    pub(super) plans: Vec<Plan>,
    pub(super) nets: Vec<Net>,
    pub(super) clients: Vec<String>,
    pub(super) templates: Vec<Template>,
    counters: [u64; 4],
}

const ACCOUNT_KEY: usize = 0;
/// Counter of payment-instrument tokens.
pub(super) const CARD_KEY: usize = 1;
const API_KEY: usize = 2;
const CLIENT_KEY: usize = 3;

impl Builder {
    /// A planner for `params` drawing from random stream `stream` of `seed`.
    pub(super) fn new(p: Params, seed: u64, stream: u64) -> Self {
        let start_ms = window_start_ms();
        let end_ms = start_ms + p.days * DAY_MS;
        let release_ms = start_ms + (p.release_day * DAY_MS as f64) as i64 + 15 * HOUR_MS;
        Builder {
            rng: Rng::new(seed, stream),
            seed,
            p,
            start_ms,
            end_ms,
            release_ms,
            plans: Vec::new(),
            nets: Vec::new(),
            clients: Vec::new(),
            templates: Vec::new(),
            counters: [0; 4],
        }
    }

    /// Popular SDK clients and templates, shared by benign users.
    pub(super) fn shared_resources(&mut self) -> Shared {
        let sdk_clients: Vec<u32> = (0..24).map(|_| self.add_client()).collect();
        let sdk_templates = self.add_templates(5, 0, &BENIGN_CAPS, 16);
        Shared {
            sdk_clients,
            sdk_templates,
        }
    }

    /// A popular SDK's client fingerprint, by popularity.
    pub(super) fn pick_sdk_client(&mut self, shared: &Shared) -> u32 {
        shared.sdk_clients[self.rng.zipf(shared.sdk_clients.len(), 1.3)]
    }

    /// When a long-standing benign account was created: 30 days to 2 years ago.
    pub(super) fn benign_created(&mut self) -> i64 {
        self.start_ms - self.rng.range(30, 720) * DAY_MS - self.rng.range(0, DAY_MS)
    }

    /// A billing country, by how common it is.
    pub(super) fn country(&mut self) -> &'static str {
        COUNTRIES[self.rng.zipf(COUNTRIES.len(), 1.1)]
    }

    /// The finished population.
    pub(super) fn finish(
        self,
        lab_runs: Vec<(i64, i64)>,
        intel: Intel,
        evasion: Option<Evasion>,
    ) -> Population {
        Population {
            params: self.p,
            start_ms: self.start_ms,
            end_ms: self.end_ms,
            release_ms: self.release_ms,
            plans: self.plans,
            nets: self.nets,
            clients: self.clients,
            templates: self.templates,
            lab_runs,
            intel,
            evasion,
            families: None,
        }
    }

    /// A new unique token of counter `kind`.
    pub(super) fn next_token(&mut self, kind: usize, prefix: &str) -> String {
        self.counters[kind] += 1;
        token(
            prefix,
            self.counters[kind],
            mix64(self.seed.wrapping_add(kind as u64 * 0x1000_0001)),
        )
    }

    pub(super) fn residential_v4(&mut self) -> Net {
        let a = PUBLIC_FIRST_OCTETS[self.rng.below(PUBLIC_FIRST_OCTETS.len())];
        let b = self.rng.range(0, 256) as u8;
        let addr = Ipv4Addr::new(
            a,
            b,
            self.rng.range(0, 256) as u8,
            self.rng.range(1, 255) as u8,
        );
        let asn = residential_asn(a, b);
        Net {
            addr: IpAddr::V4(addr),
            asn,
        }
    }

    pub(super) fn residential_v6(&mut self) -> Net {
        let seg = |r: &mut Rng| r.range(0, 0x10000) as u16;
        let addr = Ipv6Addr::new(
            0x2a02,
            seg(&mut self.rng),
            seg(&mut self.rng),
            seg(&mut self.rng),
            seg(&mut self.rng),
            0,
            0,
            seg(&mut self.rng),
        );
        Net {
            addr: IpAddr::V6(addr),
            asn: 3320,
        }
    }

    pub(super) fn add_net(&mut self, net: Net) -> u32 {
        self.nets.push(net);
        self.nets.len() as u32 - 1
    }

    /// `count` addresses in `/24`s of `base` (`a.b.c`), on one ASN.
    pub(super) fn net_block(
        &mut self,
        a: u8,
        b: u8,
        c0: u8,
        subnets: u8,
        count: usize,
        asn: i64,
    ) -> Vec<u32> {
        (0..count)
            .map(|i| {
                let c = c0 + (i as u8 % subnets.max(1));
                let d = 10 + (i / subnets.max(1) as usize) as u8;
                self.add_net(Net {
                    addr: IpAddr::V4(Ipv4Addr::new(a, b, c, d)),
                    asn,
                })
            })
            .collect()
    }

    pub(super) fn add_client(&mut self) -> u32 {
        let fp = self.next_token(CLIENT_KEY, "cf_");
        self.clients.push(fp);
        self.clients.len() as u32 - 1
    }

    pub(super) fn add_templates(
        &mut self,
        n: usize,
        max_flips: u32,
        caps: &[(Capability, f64)],
        excerpt_base: usize,
    ) -> Vec<u32> {
        let weights: Vec<f64> = caps.iter().map(|(_, w)| *w).collect();
        (0..n)
            .map(|i| {
                let capability = caps[self.rng.weighted(&weights)].0;
                // The reasoning campaign's excerpts follow what each template asks for.
                let excerpt = match (excerpt_base, capability) {
                    (0, Capability::RubricGrading) => 2,
                    (0, Capability::SensitiveRewrite) => 3,
                    (0, _) => i % 2,
                    _ => excerpt_base + i % 4,
                };
                self.templates.push(Template {
                    simhash: self.rng.next_u64(),
                    max_flips,
                    capability,
                    excerpt,
                    variants: Vec::new(),
                });
                self.templates.len() as u32 - 1
            })
            .collect()
    }

    pub(super) fn benign_exchanges(&mut self, scale: f64) -> u64 {
        (self
            .rng
            .lognormal(self.p.benign_median_exchanges * scale, 1.0)
            .round() as u64)
            .clamp(1, 5_000)
    }

    pub(super) fn keys(&mut self, n: usize) -> Vec<String> {
        (0..n).map(|_| self.next_token(API_KEY, "key_")).collect()
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn push(
        &mut self,
        group: Group,
        created_ms: i64,
        org_name: Option<String>,
        email_domain: String,
        card: Option<String>,
        signup: Option<IpAddr>,
        country: &str,
        access_path: &str,
        verification: &str,
        from_ms: i64,
        to_ms: i64,
        exchanges: u64,
        timing: Timing,
        nets: Vec<u32>,
        clients: Vec<u32>,
        key_count: usize,
        templates: Vec<u32>,
    ) {
        let account_id = self.next_token(ACCOUNT_KEY, "acct_");
        let keys = self.keys(key_count);
        self.plans.push(Plan {
            account: Account {
                account_id,
                created_ms,
                org_name,
                email_domain: Some(email_domain),
                payment_fingerprint: card,
                signup_ip: signup,
                billing_country: Some(country.to_string()),
                access_path: Some(access_path.to_string()),
                verification: Some(verification.to_string()),
                extra_json: None,
            },
            group,
            from_ms: from_ms.max(self.start_ms),
            to_ms: to_ms.min(self.end_ms),
            banned: to_ms < self.end_ms,
            exchanges,
            timing,
            nets,
            clients,
            keys,
            templates,
            disguise: None,
            family: None,
        });
    }
}

/// Plans the population of a classic (not evasive) scenario for a seed.
pub fn plan_classic(scenario: Scenario, seed: u64) -> Population {
    let mut b = Builder::new(scenario.params(), seed, u64::MAX);
    let mut intel = Intel::default();
    // The order of the sections below is the order of the random draws: the
    // classic scenarios are regression baselines, so it must not change.
    let shared = b.shared_resources();
    reasoning_classic(&mut b, &shared, &mut intel);
    agentic_classic(&mut b, &mut intel);
    let relay = relay(&mut b, &mut intel);
    hydra_classic(&mut b, &relay, &mut intel);
    company(&mut b, &shared);
    carrier_nat(&mut b, &shared, &mut intel);
    let lab_runs = university_lab(&mut b, &shared);
    relay_customers(&mut b, &relay);
    let (sdk_users, diurnal) = (b.p.sdk_users, b.p.diurnal);
    home_users(&mut b, &shared, Group::BenignSdkUsers, sdk_users);
    home_users(&mut b, &shared, Group::BenignDiurnal, diurnal);
    b.finish(lab_runs, intel, None)
}

/// Benign resources every scenario shares: popular SDK clients and templates.
pub(super) struct Shared {
    /// Client fingerprints of popular SDKs, most popular first.
    pub(super) sdk_clients: Vec<u32>,
    /// Popular SDK prompt templates.
    pub(super) sdk_templates: Vec<u32>,
}

/// What ordinary users ask for.
pub(super) const BENIGN_CAPS: [(Capability, f64); 7] = [
    (Capability::Chat, 0.35),
    (Capability::Coding, 0.25),
    (Capability::DataAnalysis, 0.12),
    (Capability::Reasoning, 0.08),
    (Capability::Vision, 0.06),
    (Capability::ToolUse, 0.06),
    (Capability::Other, 0.08),
];

/// The relay ("hydra" proxy service): egress shared by the campaign and its
/// legitimate customers, one client fingerprint.
pub(super) struct Relay {
    /// Egress addresses (indices into the networks).
    pub(super) nets: Vec<u32>,
    /// The relay's client fingerprint.
    pub(super) client: u32,
}

/// (a) Reasoning extraction: burst-created, shared cards, hosting network,
/// scheduler-synchronised requests.
fn reasoning_classic(b: &mut Builder, shared: &Shared, intel: &mut Intel) {
    let (start_ms, end_ms) = (b.start_ms, b.end_ms);
    let (a_accounts, a_exchanges) = b.p.reasoning;
    let hosting = b.net_block(159, 203, 40, 3, 24, 14061);
    intel.reasoning_ips = hosting
        .iter()
        .take(3)
        .map(|&i| b.nets[i as usize].addr)
        .collect();
    let a_cards: Vec<String> = (0..(a_accounts / 15).max(2))
        .map(|_| b.next_token(CARD_KEY, "pm_"))
        .collect();
    intel.reasoning_cards = a_cards.clone();
    intel.reasoning_domain = "mailbox-relay.net".into();
    let a_templates = b.add_templates(
        6,
        2,
        &[
            (Capability::Reasoning, 0.55),
            (Capability::RubricGrading, 0.25),
            (Capability::SensitiveRewrite, 0.2),
        ],
        0,
    );
    let bursts = [
        start_ms - 9 * DAY_MS + 3 * HOUR_MS,
        start_ms - 6 * DAY_MS + 14 * HOUR_MS,
        start_ms - 2 * DAY_MS + 22 * HOUR_MS,
    ];
    for i in 0..a_accounts {
        let created = bursts[i % 3] + b.rng.range(0, 25 * 60_000);
        let card = a_cards[b.rng.below(a_cards.len())].clone();
        let domain = if b.rng.chance(0.6) {
            intel.reasoning_domain.clone()
        } else {
            WEBMAIL[b.rng.below(3)].to_string()
        };
        let signup = b.nets[hosting[b.rng.below(hosting.len())] as usize].addr;
        let nets: Vec<u32> = (0..3)
            .map(|_| hosting[b.rng.below(hosting.len())])
            .collect();
        let n = a_exchanges / a_accounts as u64;
        let mut templates = a_templates.clone();
        b.rng.next_u64();
        templates.rotate_left(i % 6);
        let from = start_ms + b.rng.range(0, DAY_MS);
        b.push(
            Group::CampaignReasoning,
            created,
            None,
            domain,
            Some(card),
            Some(signup),
            "SG",
            "direct",
            "card",
            from,
            end_ms,
            n,
            Timing::Cron {
                period_ms: 10 * 60_000,
                jitter_ms: 4_000,
            },
            nets,
            vec![shared.sdk_clients[0]],
            1,
            templates,
        );
    }
}

/// (b) Agentic campaign: hundreds of accounts over education, startup and
/// direct access, one custom client, rotating residential proxies,
/// lock-step work windows.
fn agentic_classic(b: &mut Builder, intel: &mut Intel) {
    let (start_ms, end_ms) = (b.start_ms, b.end_ms);
    let (b_accounts, b_exchanges) = b.p.agentic;
    let proxies: Vec<u32> = (0..(b_accounts * 3).max(60))
        .map(|_| {
            let net = b.residential_v4();
            b.add_net(net)
        })
        .collect();
    let agentic_client = b.add_client();
    intel.agentic_client = b.clients[agentic_client as usize].clone();
    let b_templates = b.add_templates(
        16,
        3,
        &[
            (Capability::ToolUse, 0.35),
            (Capability::ComputerUse, 0.2),
            (Capability::AgenticCoding, 0.25),
            (Capability::Vision, 0.1),
            (Capability::Reasoning, 0.1),
        ],
        4,
    );
    let b_cards: Vec<String> = (0..(b_accounts / 5).max(2))
        .map(|_| b.next_token(CARD_KEY, "pm_"))
        .collect();
    for i in 0..b_accounts {
        let (path, domain, org, verification, card) = match i % 10 {
            0..=3 => {
                let uni = format!("univ{}.edu", b.rng.range(1, 40));
                (
                    "education",
                    uni.clone(),
                    Some(format!("Student, {uni}")),
                    "email",
                    None,
                )
            }
            4..=6 => {
                let name = format!("Vector{} Labs", b.rng.range(100, 999));
                let domain = format!("{}.ai", name.to_lowercase().replace(' ', ""));
                (
                    "startup_program",
                    domain,
                    Some(name),
                    "card",
                    Some(b_cards[b.rng.below(b_cards.len())].clone()),
                )
            }
            _ => (
                "direct",
                WEBMAIL[b.rng.below(WEBMAIL.len())].to_string(),
                None,
                "card",
                Some(b_cards[b.rng.below(b_cards.len())].clone()),
            ),
        };
        let created = start_ms - b.rng.range(3, 20) * DAY_MS - b.rng.range(0, DAY_MS);
        let signup = b.nets[proxies[b.rng.below(proxies.len())] as usize].addr;
        let nets: Vec<u32> = (0..12)
            .map(|_| proxies[b.rng.below(proxies.len())])
            .collect();
        let mut templates = b_templates.clone();
        templates.rotate_left(i % 16);
        let n = b_exchanges / b_accounts as u64;
        let billing = b.country();
        b.push(
            Group::CampaignAgentic,
            created,
            org,
            domain,
            card,
            Some(signup),
            billing,
            path,
            verification,
            start_ms,
            end_ms,
            n,
            Timing::LockStep {
                start_hour: 1,
                end_hour: 10,
            },
            nets,
            vec![agentic_client],
            2,
            templates,
        );
    }
}

/// The relay's egress block and client fingerprint.
pub(super) fn relay(b: &mut Builder, intel: &mut Intel) -> Relay {
    let relay_asn = 209_588;
    let nets = b.net_block(45, 146, 12, 2, 24, relay_asn);
    intel.relay_cidr = "45.146.12.0/24".into();
    intel.relay_asn = relay_asn;
    let client = b.add_client();
    Relay { nets, client }
}

/// (c) Hydra campaign: slots of accounts, each banned and at once replaced.
fn hydra_classic(b: &mut Builder, relay: &Relay, intel: &mut Intel) {
    let (start_ms, end_ms) = (b.start_ms, b.end_ms);
    let p = b.p.clone();
    let hydra_templates = b.add_templates(
        12,
        3,
        &[
            (Capability::AgenticCoding, 0.6),
            (Capability::ToolUse, 0.25),
            (Capability::Coding, 0.15),
        ],
        8,
    );
    intel.hydra_template = b.templates[hydra_templates[0] as usize].simhash;
    let hydra_cards: Vec<String> = (0..(p.hydra_slots / 3).max(4))
        .map(|_| b.next_token(CARD_KEY, "pm_"))
        .collect();
    intel.hydra_cards = hydra_cards.iter().take(2).cloned().collect();
    let slot_rate = p.hydra_exchanges as f64 / (p.hydra_slots as f64 * (end_ms - start_ms) as f64);
    for slot in 0..p.hydra_slots {
        let mut t = start_ms;
        let mut created = start_ms - b.rng.range(1, 7 * 24) * HOUR_MS;
        while t < end_ms {
            let life = (b.rng.exp(p.hydra_lifetime_days * DAY_MS as f64) as i64).max(6 * HOUR_MS);
            let until = t + life;
            let span = (until.min(end_ms) - t) as f64;
            let n = (span * slot_rate).round() as u64;
            let card = hydra_cards[b.rng.below(hydra_cards.len())].clone();
            let domain = WEBMAIL[b.rng.below(WEBMAIL.len())].to_string();
            let mut templates = hydra_templates.clone();
            templates.rotate_left(slot % 12);
            let signup = b.nets[relay.nets[b.rng.below(relay.nets.len())] as usize].addr;
            let access = if b.rng.chance(0.15) {
                "cloud_marketplace"
            } else {
                "direct"
            };
            let billing = b.country();
            b.push(
                Group::CampaignHydra,
                created,
                None,
                domain,
                Some(card),
                Some(signup),
                billing,
                access,
                "card",
                t,
                until,
                n.max(1),
                Timing::Flat,
                relay.nets.clone(),
                vec![relay.client],
                1,
                templates,
            );
            // The replacement is created minutes after the ban and takes over.
            created = until + b.rng.range(2, 15) * 60_000;
            t = created + b.rng.range(1, 10) * 60_000;
        }
    }
}

/// Benign: a company sharing one card, one domain, one egress, internal templates.
pub(super) fn company(b: &mut Builder, shared: &Shared) {
    let (start_ms, end_ms) = (b.start_ms, b.end_ms);
    let company_nets = b.net_block(194, 61, 88, 1, 4, 3320);
    let company_card = b.next_token(CARD_KEY, "pm_");
    let internal_client = b.add_client();
    let company_templates = b.add_templates(10, 0, &BENIGN_CAPS, 12);
    for _ in 0..b.p.company {
        let mut templates = vec![
            company_templates[b.rng.below(10)],
            company_templates[b.rng.below(10)],
        ];
        templates.extend(b.add_templates(2, 0, &BENIGN_CAPS, 16));
        let n = b.benign_exchanges(1.5);
        let created = b.benign_created();
        let signup = b.nets[company_nets[0] as usize].addr;
        let sdk = b.pick_sdk_client(shared);
        b.push(
            Group::BenignCompany,
            created,
            Some("Northwind Analytics GmbH".into()),
            "northwind-analytics.de".into(),
            Some(company_card.clone()),
            Some(signup),
            "DE",
            "direct",
            "kyc",
            start_ms,
            end_ms,
            n,
            Timing::Diurnal {
                tz_hours: 1,
                weekend_weight: 0.05,
            },
            company_nets.clone(),
            vec![internal_client, sdk],
            1,
            templates,
        );
    }
}

/// Benign: carrier NAT users.
pub(super) fn carrier_nat(b: &mut Builder, shared: &Shared, intel: &mut Intel) {
    let (start_ms, end_ms) = (b.start_ms, b.end_ms);
    let nat = b.net_block(172, 58, 3, 2, 8, 21_928);
    intel.nat_ip = Some(b.nets[nat[0] as usize].addr);
    for _ in 0..b.p.carrier_nat {
        let templates = b.add_templates(3, 0, &BENIGN_CAPS, 16);
        let n = b.benign_exchanges(0.6);
        let nets = vec![nat[b.rng.below(nat.len())], nat[b.rng.below(nat.len())]];
        let created = b.benign_created();
        let card = b.next_token(CARD_KEY, "pm_");
        let domain = WEBMAIL[b.rng.below(WEBMAIL.len())].to_string();
        let signup = b.nets[nets[0] as usize].addr;
        let sdk = b.pick_sdk_client(shared);
        b.push(
            Group::BenignCarrierNat,
            created,
            None,
            domain,
            Some(card),
            Some(signup),
            "US",
            "direct",
            "card",
            start_ms,
            end_ms,
            n,
            Timing::Diurnal {
                tz_hours: -5,
                weekend_weight: 0.9,
            },
            nets,
            vec![sdk],
            1,
            templates,
        );
    }
}

/// Benign: university lab running a reasoning benchmark. Returns the runs.
pub(super) fn university_lab(b: &mut Builder, shared: &Shared) -> Vec<(i64, i64)> {
    let (start_ms, end_ms) = (b.start_ms, b.end_ms);
    let lab_ip = b.add_net(Net {
        addr: IpAddr::V4(Ipv4Addr::new(128, 112, 7, 21)),
        asn: 88,
    });
    let lab_card = b.next_token(CARD_KEY, "pm_");
    let lab_templates = b.add_templates(4, 0, &[(Capability::Reasoning, 1.0)], 20);
    let mut lab_runs = Vec::new();
    for day in 0..b.p.days {
        if b.rng.chance(0.35) {
            let run_start = start_ms + day * DAY_MS + b.rng.range(13, 17) * HOUR_MS;
            lab_runs.push((run_start, run_start + 3 * HOUR_MS));
        }
    }
    if lab_runs.is_empty() {
        lab_runs.push((start_ms + 14 * HOUR_MS, start_ms + 17 * HOUR_MS));
    }
    for i in 0..b.p.university_lab {
        let n = b.benign_exchanges(8.0);
        let created = b.benign_created();
        let signup = b.nets[lab_ip as usize].addr;
        b.push(
            Group::BenignUniversityLab,
            created,
            Some("Princeton NLP Group".into()),
            "cs.princeton.edu".into(),
            Some(lab_card.clone()),
            Some(signup),
            "US",
            "research_program",
            "kyc",
            start_ms,
            end_ms,
            n,
            Timing::Runs,
            vec![lab_ip],
            vec![shared.sdk_clients[i % 2]],
            1,
            lab_templates.clone(),
        );
    }
    lab_runs
}

/// Benign: legitimate customers of the relay.
pub(super) fn relay_customers(b: &mut Builder, relay: &Relay) {
    let (start_ms, end_ms) = (b.start_ms, b.end_ms);
    for _ in 0..b.p.relay_customers {
        let templates = b.add_templates(4, 0, &BENIGN_CAPS, 16);
        let n = b.benign_exchanges(1.0);
        let created = b.benign_created();
        let card = b.next_token(CARD_KEY, "pm_");
        let domain = format!(
            "{}{}.com",
            ["studio", "apps", "data", "cloud"][b.rng.below(4)],
            b.rng.range(10, 9999)
        );
        let tz = b.rng.range(-8, 10);
        let signup = b.nets[relay.nets[0] as usize].addr;
        let billing = b.country();
        b.push(
            Group::BenignRelayCustomers,
            created,
            None,
            domain,
            Some(card),
            Some(signup),
            billing,
            "reseller:hydrarelay",
            "card",
            start_ms,
            end_ms,
            n,
            Timing::Diurnal {
                tz_hours: tz,
                weekend_weight: 0.4,
            },
            relay.nets.clone(),
            vec![relay.client],
            1,
            templates,
        );
    }
}

/// Benign: users at home (SDK template users, ordinary diurnal users, and in
/// the evasive scenarios the residential-proxy peers): a home address, their
/// own card, their own templates, daytime sessions.
pub(super) fn home_users(b: &mut Builder, shared: &Shared, group: Group, count: usize) {
    let (start_ms, end_ms) = (b.start_ms, b.end_ms);
    for _ in 0..count {
        let personal = 1 + b.rng.below(4);
        let mut templates = b.add_templates(personal, 0, &BENIGN_CAPS, 16);
        if group == Group::BenignSdkUsers {
            templates.insert(0, shared.sdk_templates[b.rng.zipf(5, 1.2)]);
        }
        let n = b.benign_exchanges(1.0);
        let home = if b.rng.chance(0.2) {
            b.residential_v6()
        } else {
            b.residential_v4()
        };
        let home = b.add_net(home);
        let mut nets = vec![home];
        if b.rng.chance(0.4) {
            let other = b.residential_v4();
            nets.push(b.add_net(other));
        }
        let created = b.benign_created();
        let card = b.next_token(CARD_KEY, "pm_");
        let domain = if b.rng.chance(0.7) {
            WEBMAIL[b.rng.zipf(WEBMAIL.len(), 1.2)].to_string()
        } else {
            format!(
                "{}{}.com",
                ["acme", "byte", "north", "blue", "peak"][b.rng.below(5)],
                b.rng.range(10, 99_999)
            )
        };
        let tz = [-8, -5, 0, 1, 2, 5, 8, 9][b.rng.below(8)];
        let path = [
            "direct",
            "direct",
            "direct",
            "cloud_marketplace",
            "education",
        ][b.rng.below(5)];
        let verification = ["email", "card", "card", "kyc"][b.rng.below(4)];
        let signup = b.nets[home as usize].addr;
        let billing = b.country();
        let sdk = b.pick_sdk_client(shared);
        let key_count = 1 + b.rng.below(2);
        b.push(
            group,
            created,
            None,
            domain,
            Some(card),
            Some(signup),
            billing,
            path,
            verification,
            start_ms,
            end_ms,
            n,
            Timing::Diurnal {
                tz_hours: tz,
                weekend_weight: 0.5,
            },
            nets,
            vec![sdk],
            key_count,
            templates,
        );
    }
}

/// Example prompt excerpts, four per template category (already redacted,
/// as the contract says exports are).
pub const EXCERPTS: [&str; 48] = [
    "Solve the following problem. Think step by step and write out every intermediate step of your reasoning before the final answer: [PROBLEM]",
    "Explain your full chain of thought in detail, then give the answer. Do not skip steps. Question: [QUESTION]",
    "You are a strict grader. Score the RESPONSE against the RUBRIC from 1 to 10 and justify each criterion: [RUBRIC] [RESPONSE]",
    "Rewrite the passage below so that it discusses the sensitive topic in a neutral, policy-compliant way: [PASSAGE]",
    "You are an autonomous agent with tools [TOOLS]. Plan the task, call tools one at a time and report each observation: [TASK]",
    "Operate the desktop in the screenshot to complete the task. Describe each click and keystroke you would make: [SCREENSHOT] [TASK]",
    "Given the repository tree and failing test, decide which files to open, edit them, and run the tests again: [REPO] [TEST]",
    "Look at the attached image and extract every UI element with its coordinates as JSON: [IMAGE]",
    "<system>You are a senior engineer agent.</system> Implement the ticket end to end using the shell and editor tools: [TICKET]",
    "Orchestrate the following tools to finish the job; emit tool calls only, as JSON: [TOOLS] [JOB]",
    "Refactor this function for readability and add unit tests, explaining each change: [CODE]",
    "Continue the agent trajectory from the last observation; produce the next tool call: [TRAJECTORY]",
    "Summarise this internal design doc for the weekly engineering sync: [DOC]",
    "Draft a polite reply to this customer ticket in our support tone: [TICKET]",
    "Convert this SQL query to our dbt model conventions: [SQL]",
    "Review this pull request diff and list risky changes: [DIFF]",
    "Help me plan a week of vegetarian dinners for two",
    "What does this error mean and how do I fix it? [ERROR]",
    "Write a short birthday message for my colleague",
    "Explain this paragraph in simpler words: [TEXT]",
    "Benchmark item: answer with a chain of thought, then 'Final answer:'. [ITEM]",
    "Benchmark item (few-shot, CoT): [EXAMPLES] [ITEM]",
    "Benchmark item: grade-school math word problem, show work. [ITEM]",
    "Benchmark item: multi-hop question, reason step by step. [ITEM]",
    "Homework [N], problem [K]: [PROBLEM] Show your reasoning step by step.",
    "Assignment: prove that [CLAIM]. Explain each step of the proof.",
    "Lab exercise: write a function that [SPEC] and explain your approach step by step.",
    "Problem set: compute [QUANTITY] for the data below, showing every step: [DATA]",
    "You are an open-source coding agent running in the user's terminal. Tools: [TOOLS]. Repository: [REPO]. Task: [TASK]",
    "Use the edit and shell tools to make the change; keep the diff minimal and run the tests: [CONTEXT]",
    "Summarise the session so far for the agent's context window: [HISTORY]",
    "Tool result: [RESULT]. Decide the next tool call.",
    "Summarise this page in three bullet points: [PAGE]",
    "Rewrite the selected text so it sounds more professional: [TEXT]",
    "Translate the selected text into [LANGUAGE]: [TEXT]",
    "Explain the selected text in simple words: [TEXT]",
    "You are [BOT], the assistant of [BUSINESS]. Answer the customer from the FAQ: [FAQ] [MESSAGE]",
    "You are [CHARACTER]. Stay in character. [HISTORY] [MESSAGE]",
    "You are a helpful assistant. Keep answers under 100 words. [MESSAGE]",
    "Classify the message into one of [INTENTS] and reply accordingly: [MESSAGE]",
    "Act as a [ROLE]. I will give you [INPUT] and you will [OUTPUT]. My first request: [REQUEST]",
    "You are an expert prompt engineer. Improve this prompt: [PROMPT]",
    "Write a cover letter for [JOB] from this CV: [CV]",
    "Make me a study plan for [TOPIC] over [WEEKS] weeks",
    "Give a detailed solution with your full reasoning, labelling every step: [TASK]",
    "Answer as an expert, then critique and revise your answer: [QUESTION]",
    "Solve the coding task, explain the design and include tests: [TASK]",
    "Write out every step an agent would take to finish: [TASK]",
];
