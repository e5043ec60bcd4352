//! `hydrascope generate`: determinism, ground truth kept apart, and the
//! traits of each scenario group the detection work relies on.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use common::{generate_cli, tiny_folder};
use hydrascope::case::Case;
use hydrascope::generate::{Group, Scenario, TRUTH_FILE, plan, read_truth};
use hydrascope::logs::Format;

fn folder_bytes(dir: &std::path::Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn generation_is_deterministic_for_a_seed_and_differs_across_seeds() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tiny_folder(&tmp.path().join("a"), 42, Format::Jsonl, false);
    let b = tiny_folder(&tmp.path().join("b"), 42, Format::Jsonl, false);
    let c = tiny_folder(&tmp.path().join("c"), 43, Format::Jsonl, false);
    let (a, b, c) = (folder_bytes(&a), folder_bytes(&b), folder_bytes(&c));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    assert!(a == b, "same seed, same bytes");
    assert_ne!(a["exchanges.jsonl"], c["exchanges.jsonl"]);
}

#[test]
fn ground_truth_is_kept_apart_from_the_case_and_covers_every_account() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("t.hcase");
    let (code, stdout, err) = generate_cli("tiny", &out, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("t.hcase.truth.csv"), "{stdout}");
    let truth = read_truth(&tmp.path().join("t.hcase.truth.csv")).unwrap();
    let case = Case::open(&out).unwrap();
    let ids: BTreeSet<String> = case
        .accounts()
        .unwrap()
        .into_iter()
        .map(|a| a.account_id)
        .collect();
    assert_eq!(
        truth
            .iter()
            .map(|(id, _)| id.clone())
            .collect::<BTreeSet<_>>(),
        ids
    );
    let bytes = std::fs::read(&out).unwrap();
    for group in Group::ALL {
        let needle = group.name().as_bytes();
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "{} leaked into the case",
            group.name()
        );
    }
    let folder = tmp.path().join("logs");
    let (code, _, _) = generate_cli("tiny", &folder, &[]);
    assert_eq!(code, 0);
    assert!(folder.join(TRUTH_FILE).exists());
}

#[test]
fn generate_refuses_to_overwrite_without_force_and_rejects_unknown_scenarios() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("t.hcase");
    assert_eq!(generate_cli("tiny", &out, &[]).0, 0);
    let (code, _, err) = generate_cli("tiny", &out, &[]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(generate_cli("tiny", &out, &["--force"]).0, 0);
    let (code, _, err) = generate_cli("huge", &out, &[]);
    assert_eq!(code, 2);
    assert!(err.contains("seed-scale"), "{err}");
}

#[test]
fn seed_scale_plan_has_the_reported_population() {
    let pop = plan(Scenario::SeedScale, 1);
    let mut accounts: HashMap<Group, usize> = HashMap::new();
    let mut exchanges: HashMap<Group, u64> = HashMap::new();
    for p in &pop.plans {
        *accounts.entry(p.group).or_default() += 1;
        *exchanges.entry(p.group).or_default() += p.exchanges;
    }
    let fraud: usize = accounts
        .iter()
        .filter(|(g, _)| g.is_campaign())
        .map(|(_, n)| n)
        .sum();
    let benign: usize = accounts
        .iter()
        .filter(|(g, _)| !g.is_campaign())
        .map(|(_, n)| n)
        .sum();
    let fraud_exchanges: u64 = exchanges
        .iter()
        .filter(|(g, _)| g.is_campaign())
        .map(|(_, n)| n)
        .sum();
    assert!(
        (22_000..=26_000).contains(&fraud),
        "{fraud} fraudulent accounts"
    );
    assert!(benign >= 25_000, "{benign} benign accounts");
    assert!(
        fraud_exchanges >= 16_000_000,
        "{fraud_exchanges} campaign exchanges"
    );
    assert!(
        accounts[&Group::CampaignAgentic] >= 200,
        "hundreds of agentic accounts"
    );
    let reasoning = exchanges[&Group::CampaignReasoning];
    assert!((100_000..=200_000).contains(&reasoning), "{reasoning}");
}

#[test]
fn demo_scenario_traits_hold_hydra_pivot_shared_relay_and_bans() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo.hcase");
    let (code, _, err) = generate_cli("demo", &out, &[]);
    assert_eq!(code, 0, "{err}");
    let truth: HashMap<String, Group> = read_truth(&tmp.path().join("demo.hcase.truth.csv"))
        .unwrap()
        .into_iter()
        .collect();
    let case = Case::open(&out).unwrap();
    let summary = case.summary().unwrap();
    assert!(
        (1_500..=2_500).contains(&summary.accounts),
        "{}",
        summary.accounts
    );
    assert!(
        (80_000..=130_000).contains(&summary.exchanges),
        "{}",
        summary.exchanges
    );
    let events = case.events().unwrap();
    let release = events
        .iter()
        .find(|e| e.model.as_deref() == Some("aurora-3-large"))
        .unwrap()
        .ts_ms;
    let banned: Vec<_> = events.iter().filter_map(|e| e.account_id.clone()).collect();
    assert!(banned.len() > 50 && banned.iter().all(|a| truth[a] == Group::CampaignHydra));
    // Hydra: about half its traffic on the new model 24 to 48 hours after release;
    // benign adoption far lower. Relay customers and the hydra share the egress.
    let mut new_share: HashMap<bool, (u64, u64)> = HashMap::new();
    let mut relay_ips: HashMap<Group, BTreeSet<String>> = HashMap::new();
    case.for_each_exchange(|e| {
        let group = truth[e.account_id.as_ref()];
        let counted = group == Group::CampaignHydra || !group.is_campaign();
        if counted && e.ts_ms >= release + 24 * 3_600_000 && e.ts_ms < release + 48 * 3_600_000 {
            let slot = new_share.entry(group == Group::CampaignHydra).or_default();
            slot.1 += 1;
            slot.0 += u64::from(e.model == "aurora-3-large");
        }
        if let Some(ip) = e.ip
            && matches!(group, Group::CampaignHydra | Group::BenignRelayCustomers)
        {
            relay_ips.entry(group).or_default().insert(ip.to_string());
        }
    })
    .unwrap();
    let hydra = new_share[&true].0 as f64 / new_share[&true].1 as f64;
    let benign = new_share[&false].0 as f64 / new_share[&false].1 as f64;
    assert!(
        (0.4..=0.6).contains(&hydra),
        "hydra new-model share {hydra}"
    );
    assert!(benign < 0.15, "benign new-model share {benign}");
    assert_eq!(
        relay_ips[&Group::CampaignHydra],
        relay_ips[&Group::BenignRelayCustomers]
    );
}

// ---------------------------------------------------------------------------
// The classic scenarios are regression baselines.

fn blake3_of_folder(dir: &std::path::Path) -> BTreeMap<String, String> {
    folder_bytes(dir)
        .into_iter()
        .map(|(name, bytes)| (name, blake3::hash(&bytes).to_hex().to_string()))
        .collect()
}

#[test]
fn classic_tiny_seed_1_generates_the_same_bytes_as_before_the_evasive_scenarios() {
    // Taken from the generator before the evasive scenarios were added (and
    // compared byte for byte with that build's tiny and demo at seeds 1, 2).
    let tmp = tempfile::tempdir().unwrap();
    let dir = tiny_folder(tmp.path(), 1, Format::Jsonl, false);
    let hashes = blake3_of_folder(&dir);
    let expected = [
        (
            "accounts.jsonl",
            "2996c0dd9d30f065765277deade314443525a543d4093679296dfad4f4591a24",
        ),
        (
            "events.jsonl",
            "a07cbc8632d2a171466f475e2c3b33a88b52cf7c20e8713382eb9a286c5c10a2",
        ),
        (
            "exchanges.jsonl",
            "c7d988c8fa1a7691f20458c4ca9b74acaf85ad6882a3b1f65272598d5853f26e",
        ),
        (
            "ground_truth.csv",
            "05ab884871ef5b44a31094dd7f1c7ddc54f9de32b3ef6e7fee1ff0379b5f5e3e",
        ),
        (
            "indicators.jsonl",
            "d496622d88c17548b13aa67fdfb3d73cb0a6fa4d6b8a94f9eba7c645fea269f7",
        ),
    ];
    for (name, hash) in expected {
        assert_eq!(
            hashes.get(name).map(String::as_str),
            Some(hash),
            "{name}: {hashes:?}"
        );
    }
    assert_eq!(hashes.len(), expected.len(), "{hashes:?}");
}

// ---------------------------------------------------------------------------
// The evasive scenarios: every evasion trait and every look-alike trait,
// measured on the generated data (plans and their exchanges, in memory).

use std::net::IpAddr;
use std::sync::{Arc, Mutex, OnceLock};

use hydrascope::generate::Population;
use hydrascope::generate::traffic::account_traffic;
use hydrascope::logs::Capability;

/// One generated exchange, the fields the tests look at.
struct Seen {
    account: usize,
    ts_ms: i64,
    ip: Option<IpAddr>,
    asn: Option<i64>,
    template: u64,
    client: String,
    model: String,
    capability: Capability,
    cot: Option<f64>,
    output_tokens: i64,
}

/// A scenario's plan and all its exchanges.
struct Generated {
    pop: Population,
    seen: Vec<Seen>,
}

impl Generated {
    fn of_group(&self, group: Group) -> impl Iterator<Item = &Seen> {
        self.seen
            .iter()
            .filter(move |s| self.pop.plans[s.account].group == group)
    }

    fn accounts(
        &self,
        group: Group,
    ) -> impl Iterator<Item = (usize, &hydrascope::generate::scenario::Plan)> {
        self.pop
            .plans
            .iter()
            .enumerate()
            .filter(move |(_, p)| p.group == group)
    }

    /// Every address a benign account signs up or sends from.
    fn benign_addresses(&self) -> BTreeSet<IpAddr> {
        let mut out: BTreeSet<IpAddr> = self
            .seen
            .iter()
            .filter(|s| !self.pop.plans[s.account].group.is_campaign())
            .filter_map(|s| s.ip)
            .collect();
        out.extend(
            self.pop
                .plans
                .iter()
                .filter(|p| !p.group.is_campaign())
                .filter_map(|p| p.account.signup_ip),
        );
        out
    }
}

/// Plans and generates a scenario once per test binary.
fn generated(scenario: Scenario, seed: u64) -> Arc<Generated> {
    type Cache = Mutex<HashMap<(&'static str, u64), Arc<Generated>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let slot = cache.lock().unwrap().get(&(scenario.name(), seed)).cloned();
    if let Some(g) = slot {
        return g;
    }
    let pop = plan(scenario, seed);
    let mut seen = Vec::new();
    for account in 0..pop.plans.len() {
        account_traffic(&pop, account, seed, |e| {
            seen.push(Seen {
                account,
                ts_ms: e.ts_ms,
                ip: e.ip,
                asn: e.asn,
                template: e.prompt_template.unwrap(),
                client: e.client_fingerprint.as_deref().unwrap().to_string(),
                model: e.model.to_string(),
                capability: e.capability.unwrap(),
                cot: e.cot_elicitation,
                output_tokens: e.output_tokens,
            })
        });
    }
    let g = Arc::new(Generated { pop, seen });
    cache
        .lock()
        .unwrap()
        .insert((scenario.name(), seed), g.clone());
    g
}

/// The evasive scenarios the tests run, at two seeds each.
const EVASIVE_RUNS: [(Scenario, u64); 4] = [
    (Scenario::TinyEvasive, 1),
    (Scenario::TinyEvasive, 2),
    (Scenario::DemoEvasive, 1),
    (Scenario::DemoEvasive, 2),
];

const EVASIVE_CAMPAIGNS: [Group; 5] = [
    Group::CampaignReasoning,
    Group::CampaignAgentic,
    Group::CampaignHydra,
    Group::CampaignLowAndSlow,
    Group::CampaignAgedAccounts,
];

fn at(scenario: Scenario, seed: u64, group: Group) -> String {
    format!("{} seed {seed}, {}", scenario.name(), group.name())
}

/// The paraphrase pool each template simhash of a campaign belongs to:
/// variant → family centre.
fn paraphrases(pop: &Population) -> HashMap<u64, u64> {
    pop.templates
        .iter()
        .flat_map(|t| t.variants.iter().map(move |v| (*v, t.simhash)))
        .collect()
}

#[test]
fn scenario_and_group_names_round_trip_and_campaign_names_say_campaign() {
    for s in Scenario::ALL {
        assert_eq!(Scenario::parse(s.name()), Some(s));
        assert_eq!(
            s.is_evasive(),
            s.name().ends_with("-evasive"),
            "{}",
            s.name()
        );
        assert_eq!(s.base().params().days, s.params().days);
    }
    for g in Group::ALL {
        assert_eq!(Group::parse(g.name()), Some(g));
        assert_eq!(
            g.is_campaign(),
            g.name().starts_with("campaign_"),
            "{}",
            g.name()
        );
    }
    let groups: BTreeSet<Group> = plan(Scenario::TinyEvasive, 1)
        .plans
        .iter()
        .map(|p| p.group)
        .collect();
    assert_eq!(
        groups,
        Group::ALL
            .into_iter()
            .filter(|g| !FAMILIES_ONLY.contains(g))
            .collect(),
        "every group but the families scenarios' present"
    );
    let classic: BTreeSet<Group> = plan(Scenario::Tiny, 1)
        .plans
        .iter()
        .map(|p| p.group)
        .collect();
    assert_eq!(
        classic.len(),
        9,
        "the classic scenarios keep their nine groups"
    );
}

#[test]
fn evasive_generation_is_deterministic_and_the_knobs_vary_by_seed_within_their_ranges() {
    let a = plan(Scenario::DemoEvasive, 5);
    let b = plan(Scenario::DemoEvasive, 5);
    let ids = |p: &Population| {
        p.plans
            .iter()
            .map(|p| (p.account.account_id.clone(), p.group, p.exchanges))
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&a), ids(&b));
    let mut cover = BTreeSet::new();
    let mut families = BTreeSet::new();
    let mut pools = BTreeSet::new();
    for seed in 1..=4 {
        let pop = plan(Scenario::TinyEvasive, seed);
        let evasion = pop
            .evasion
            .as_ref()
            .expect("evasive scenarios record their knobs");
        assert!((0.75..=0.9).contains(&evasion.exact_exit_share));
        for group in EVASIVE_CAMPAIGNS {
            let k = evasion.knobs(group).unwrap();
            assert!((0.25..=0.40).contains(&k.cover_share), "{k:?}");
            assert!((0.5..=0.9).contains(&k.proxy_share), "{k:?}");
            assert!((0.8..=0.95).contains(&k.own_card_share), "{k:?}");
            assert!((32..=128).contains(&k.variants_per_family), "{k:?}");
            cover.insert((k.cover_share * 1000.0) as i64);
            families.insert((group, k.families));
            pools.insert(k.variants_per_family);
        }
    }
    assert!(cover.len() >= 15, "cover shares vary: {cover:?}");
    assert!(families.len() >= 8, "family counts vary: {families:?}");
    assert!(pools.len() >= 10, "pool sizes vary: {pools:?}");
    assert!(plan(Scenario::Tiny, 1).evasion.is_none());
}

#[test]
fn evasive_campaign_accounts_mostly_have_a_card_of_their_own() {
    for (scenario, seed) in EVASIVE_RUNS {
        let pop = plan(scenario, seed);
        let mut holders: HashMap<&str, usize> = HashMap::new();
        for p in &pop.plans {
            if let Some(card) = &p.account.payment_fingerprint {
                *holders.entry(card).or_default() += 1;
            }
        }
        for group in EVASIVE_CAMPAIGNS {
            let accounts: Vec<_> = pop.plans.iter().filter(|p| p.group == group).collect();
            let own = accounts
                .iter()
                .filter(|p| {
                    p.account
                        .payment_fingerprint
                        .as_deref()
                        .is_some_and(|c| holders[c] == 1)
                })
                .count();
            let share = own as f64 / accounts.len() as f64;
            assert!(
                share >= 0.8,
                "{}: own-card share {share}",
                at(scenario, seed, group)
            );
            // Not all alone either: some prepaid cards are shared.
            if accounts.len() >= 40 {
                assert!(
                    share < 1.0,
                    "{}: no card shared at all",
                    at(scenario, seed, group)
                );
            }
        }
    }
}

#[test]
fn evasive_campaigns_send_most_requests_from_addresses_and_asns_benign_users_also_have() {
    for (scenario, seed) in EVASIVE_RUNS {
        let g = generated(scenario, seed);
        let benign_ips = g.benign_addresses();
        let benign_asns: BTreeSet<i64> = g
            .seen
            .iter()
            .filter(|s| !g.pop.plans[s.account].group.is_campaign())
            .filter_map(|s| s.asn)
            .collect();
        for group in EVASIVE_CAMPAIGNS {
            let (mut total, mut shared_ip, mut shared_asn) = (0usize, 0usize, 0usize);
            for s in g.of_group(group) {
                total += 1;
                let ip = s.ip.expect("campaign traffic carries its address");
                shared_ip += usize::from(benign_ips.contains(&ip));
                shared_asn += usize::from(s.asn.is_some_and(|a| benign_asns.contains(&a)));
            }
            let ip_share = shared_ip as f64 / total as f64;
            let asn_share = shared_asn as f64 / total as f64;
            let where_ = at(scenario, seed, group);
            assert!(
                ip_share >= 0.5,
                "{where_}: {ip_share} from benign users' addresses"
            );
            assert!(
                asn_share >= 0.6,
                "{where_}: {asn_share} from benign users' ASNs"
            );
        }
        // Sign-ups too (the aged accounts were signed up by their owners).
        let signups: Vec<IpAddr> = g
            .pop
            .plans
            .iter()
            .filter(|p| p.group.is_campaign() && p.group != Group::CampaignAgedAccounts)
            .filter_map(|p| p.account.signup_ip)
            .collect();
        let shared = signups.iter().filter(|ip| benign_ips.contains(ip)).count();
        let share = shared as f64 / signups.len() as f64;
        assert!(
            share >= 0.6,
            "{} seed {seed}: {share} of campaign sign-ups from benign addresses",
            scenario.name()
        );
    }
}

fn prefix(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}/16", o[0], o[1])
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}/32", s[0], s[1])
        }
    }
}

#[test]
fn evasive_campaign_signups_are_spread_out_never_four_from_one_slash16_within_30_minutes() {
    for (scenario, seed) in EVASIVE_RUNS {
        let pop = plan(scenario, seed);
        let mut by_prefix: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for p in pop.plans.iter().filter(|p| p.group.is_campaign()) {
            let ip = p
                .account
                .signup_ip
                .expect("campaign sign-ups have an address");
            by_prefix
                .entry(prefix(ip))
                .or_default()
                .push(p.account.created_ms);
        }
        for (prefix, mut times) in by_prefix {
            times.sort_unstable();
            for w in times.windows(4) {
                assert!(
                    w[3] - w[0] > 30 * 60_000,
                    "{} seed {seed}: 4 sign-ups from {prefix} within 30 minutes: {w:?}",
                    scenario.name()
                );
            }
        }
        // Created over days and weeks, not in bursts: no hour holds more than
        // a small share of any campaign's creations.
        for group in EVASIVE_CAMPAIGNS {
            let created: Vec<i64> = pop
                .plans
                .iter()
                .filter(|p| p.group == group)
                .map(|p| p.account.created_ms)
                .collect();
            let span_days =
                (created.iter().max().unwrap() - created.iter().min().unwrap()) / 86_400_000;
            assert!(
                span_days >= 7,
                "{}: created within {span_days} days",
                at(scenario, seed, group)
            );
            let mut per_hour: HashMap<i64, usize> = HashMap::new();
            for t in &created {
                *per_hour.entry(t / 3_600_000).or_default() += 1;
            }
            let busiest = *per_hour.values().max().unwrap();
            assert!(
                busiest <= 3.max(created.len() / 20),
                "{}: {busiest} of {} created in one hour",
                at(scenario, seed, group),
                created.len()
            );
        }
    }
}

#[test]
fn evasive_campaign_templates_are_paraphrases_4_to_5_random_bits_from_a_bounded_pool() {
    for (scenario, seed) in EVASIVE_RUNS {
        let g = generated(scenario, seed);
        for t in g.pop.templates.iter().filter(|t| !t.variants.is_empty()) {
            assert!(
                (32..=128).contains(&t.variants.len()),
                "pool of {}",
                t.variants.len()
            );
            let mut bits = 0u64;
            for v in &t.variants {
                let d = (v ^ t.simhash).count_ones();
                assert!(d == 4 || d == 5, "variant {d} bits from its centre");
                bits |= v ^ t.simhash;
            }
            assert!(
                bits.count_ones() > 24,
                "flips spread over {} positions only",
                bits.count_ones()
            );
        }
        let pools = paraphrases(&g.pop);
        let centres: BTreeSet<u64> = pools.values().copied().collect();
        for group in EVASIVE_CAMPAIGNS {
            let mut distinct = BTreeSet::new();
            let mut at_distance = [0usize; 2];
            for s in g.of_group(group) {
                assert!(
                    !centres.contains(&s.template),
                    "a family centre was sent as is"
                );
                if let Some(centre) = pools.get(&s.template) {
                    distinct.insert(s.template);
                    at_distance[((s.template ^ centre).count_ones() - 4) as usize] += 1;
                }
            }
            let knobs = g.pop.evasion.as_ref().unwrap().knobs(group).unwrap();
            assert!(
                distinct.len() <= knobs.families * knobs.variants_per_family,
                "{}: {} distinct paraphrases",
                at(scenario, seed, group),
                distinct.len()
            );
            assert!(
                at_distance[0] > 0 && at_distance[1] > 0,
                "{}: 4- and 5-bit paraphrases both used: {at_distance:?}",
                at(scenario, seed, group)
            );
        }
    }
}

#[test]
fn evasive_campaigns_carry_a_quarter_to_two_fifths_of_ordinary_looking_cover_traffic() {
    let benign_caps = [
        Capability::Chat,
        Capability::Coding,
        Capability::DataAnalysis,
        Capability::Reasoning,
        Capability::Vision,
        Capability::ToolUse,
        Capability::Other,
    ];
    for (scenario, seed) in EVASIVE_RUNS {
        let g = generated(scenario, seed);
        let pools = paraphrases(&g.pop);
        let mut all_cover_cot = Vec::new();
        for group in EVASIVE_CAMPAIGNS {
            let (mut total, mut cover) = (0usize, 0usize);
            let (mut cover_cot, mut harvest_cot) = (Vec::new(), Vec::new());
            let mut daytime = 0usize;
            for s in g.of_group(group) {
                total += 1;
                if pools.contains_key(&s.template) {
                    harvest_cot.push(s.cot.unwrap_or(0.0));
                    continue;
                }
                cover += 1;
                assert!(
                    benign_caps.contains(&s.capability),
                    "cover asks for {:?}",
                    s.capability
                );
                cover_cot.push(s.cot.unwrap_or(0.0));
                let tz = g.pop.plans[s.account].disguise.as_ref().unwrap().tz_hours;
                let local = (s.ts_ms + tz * 3_600_000).rem_euclid(86_400_000) / 3_600_000;
                daytime += usize::from((6..24).contains(&local));
            }
            let share = cover as f64 / total as f64;
            let where_ = at(scenario, seed, group);
            assert!(
                (0.25..=0.40).contains(&share),
                "{where_}: cover share {share}"
            );
            let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
            let (cover_mean, harvest_mean) = (mean(&cover_cot), mean(&harvest_cot));
            assert!(
                cover_mean + 0.15 < harvest_mean,
                "{where_}: cover CoT {cover_mean}, harvest CoT {harvest_mean}"
            );
            all_cover_cot.extend(cover_cot);
            // The hydra's relayed customers live in many time zones.
            if group != Group::CampaignHydra {
                let day = daytime as f64 / cover.max(1) as f64;
                assert!(day > 0.9, "{where_}: {day} of the cover in local daytime");
            }
        }
        all_cover_cot.sort_by(f64::total_cmp);
        let median = all_cover_cot[all_cover_cot.len() / 2];
        assert!(
            median < 0.1,
            "{} seed {seed}: cover CoT median {median}",
            scenario.name()
        );
        // Per account too, where there is enough traffic to tell.
        let mut per_account: HashMap<usize, (usize, usize)> = HashMap::new();
        for s in g
            .seen
            .iter()
            .filter(|s| g.pop.plans[s.account].disguise.is_some())
        {
            let slot = per_account.entry(s.account).or_default();
            slot.0 += 1;
            slot.1 += usize::from(!pools.contains_key(&s.template));
        }
        for (account, (n, cover)) in per_account {
            if n >= 100 {
                let share = cover as f64 / n as f64;
                assert!(
                    (0.24..=0.41).contains(&share),
                    "account {account}: cover {share} of {n}"
                );
            }
        }
    }
}

#[test]
fn evasive_campaigns_use_the_client_fingerprints_of_popular_sdks_that_benign_users_have() {
    for (scenario, seed) in EVASIVE_RUNS {
        let g = generated(scenario, seed);
        let mut benign_users: HashMap<&str, BTreeSet<usize>> = HashMap::new();
        for s in &g.seen {
            if !g.pop.plans[s.account].group.is_campaign() {
                benign_users.entry(&s.client).or_default().insert(s.account);
            }
        }
        for group in EVASIVE_CAMPAIGNS {
            let (mut total, mut popular) = (0usize, 0usize);
            for s in g.of_group(group) {
                let users = benign_users.get(s.client.as_str()).map_or(0, BTreeSet::len);
                let where_ = at(scenario, seed, group);
                assert!(
                    users >= 1,
                    "{where_}: client {} used by no benign account",
                    s.client
                );
                total += 1;
                popular += usize::from(users >= 3);
            }
            let share = popular as f64 / total as f64;
            assert!(
                share >= 0.6,
                "{}: {share} on clients of 3+ benign users",
                at(scenario, seed, group)
            );
        }
    }
}

#[test]
fn evasive_hydra_keeps_ban_and_replace_the_release_pivot_and_multiplexes_relay_customers() {
    for (scenario, seed) in EVASIVE_RUNS {
        let g = generated(scenario, seed);
        let pop = &g.pop;
        let banned = pop.plans.iter().filter(|p| p.banned).count();
        assert!(banned >= 10, "{banned} bans");
        assert!(
            pop.plans
                .iter()
                .filter(|p| p.banned)
                .all(|p| p.group == Group::CampaignHydra)
        );
        let release = pop.release_ms;
        let window =
            |s: &&Seen| s.ts_ms >= release + 24 * 3_600_000 && s.ts_ms < release + 48 * 3_600_000;
        let hydra: Vec<&Seen> = g.of_group(Group::CampaignHydra).filter(window).collect();
        let new = hydra.iter().filter(|s| s.model == "aurora-3-large").count();
        let share = new as f64 / hydra.len() as f64;
        assert!(
            (0.4..=0.6).contains(&share),
            "{} seed {seed}: hydra new-model share {share}",
            scenario.name()
        );
        // Flat 24/7: every hour of the day carries load.
        let mut hours = [0usize; 24];
        for s in g.of_group(Group::CampaignHydra) {
            hours[(s.ts_ms.rem_euclid(86_400_000) / 3_600_000) as usize] += 1;
        }
        let (lo, hi) = (hours.iter().min().unwrap(), hours.iter().max().unwrap());
        assert!(*lo as f64 > 0.4 * *hi as f64, "hydra hours {hours:?}");
        // The relay's customers' own templates also arrive on hydra accounts.
        let customer_templates: BTreeSet<u64> = g
            .of_group(Group::BenignRelayCustomers)
            .map(|s| s.template)
            .collect();
        let relayed = g
            .of_group(Group::CampaignHydra)
            .filter(|s| customer_templates.contains(&s.template))
            .count();
        assert!(relayed > 0, "no relayed customer requests on the hydra");
    }
}

#[test]
fn coding_agent_users_share_the_agent_but_are_otherwise_independent_people() {
    for (scenario, seed) in EVASIVE_RUNS {
        let g = generated(scenario, seed);
        let users: Vec<usize> = g
            .accounts(Group::BenignCodingAgent)
            .map(|(i, _)| i)
            .collect();
        let expected = if scenario == Scenario::DemoEvasive {
            150
        } else {
            40
        };
        assert_eq!(users.len(), expected);
        let mut card_holders: HashMap<&str, usize> = HashMap::new();
        for p in &g.pop.plans {
            if let Some(c) = &p.account.payment_fingerprint {
                *card_holders.entry(c).or_default() += 1;
            }
        }
        let mut signups = BTreeSet::new();
        let mut zones = BTreeSet::new();
        for &i in &users {
            let p = &g.pop.plans[i];
            assert_eq!(
                card_holders[p.account.payment_fingerprint.as_deref().unwrap()],
                1,
                "a card of their own"
            );
            assert!(
                signups.insert(p.account.signup_ip.unwrap()),
                "an address of their own"
            );
            assert!(
                p.account.created_ms < g.pop.start_ms - 30 * 86_400_000,
                "long-standing"
            );
            if let hydrascope::generate::scenario::Timing::Diurnal { tz_hours, .. } = p.timing {
                zones.insert(tz_hours);
            } else {
                panic!("coding-agent users keep human hours");
            }
        }
        assert!(zones.len() >= 4, "time zones {zones:?}");
        let volumes: BTreeSet<u64> = users.iter().map(|&i| g.pop.plans[i].exchanges).collect();
        assert!(volumes.len() > users.len() / 3, "volumes vary per user");
        // Shared: the agent's client and system-prompt templates, tool-heavy traffic.
        let mine: Vec<&Seen> = g.of_group(Group::BenignCodingAgent).collect();
        let mut by_client: HashMap<&str, BTreeSet<usize>> = HashMap::new();
        let mut by_template: HashMap<u64, BTreeSet<usize>> = HashMap::new();
        for s in &mine {
            by_client.entry(&s.client).or_default().insert(s.account);
            by_template.entry(s.template).or_default().insert(s.account);
        }
        let top_client = by_client.values().map(BTreeSet::len).max().unwrap();
        assert!(
            top_client as f64 >= 0.9 * users.len() as f64,
            "the agent's client: {top_client}"
        );
        let top_template = by_template.values().map(BTreeSet::len).max().unwrap();
        assert!(
            top_template as f64 >= 0.4 * users.len() as f64,
            "the agent's system prompt: {top_template}"
        );
        let tools = mine
            .iter()
            .filter(|s| {
                matches!(
                    s.capability,
                    Capability::AgenticCoding | Capability::ToolUse | Capability::Coding
                )
            })
            .count();
        assert!(
            tools as f64 >= 0.7 * mine.len() as f64,
            "tool-heavy: {tools} of {}",
            mine.len()
        );
        // The default changed on release day: most traffic on the new model within hours.
        let release = g.pop.release_ms;
        let after: Vec<&&Seen> = mine
            .iter()
            .filter(|s| s.ts_ms >= release + 6 * 3_600_000 && s.ts_ms < release + 48 * 3_600_000)
            .collect();
        let new = after.iter().filter(|s| s.model == "aurora-3-large").count();
        assert!(
            new as f64 >= 0.6 * after.len() as f64,
            "{new} of {} on the new model",
            after.len()
        );
    }
}

#[test]
fn hackathon_signs_up_a_hundred_odd_within_hours_from_the_venue_in_teams_sharing_cards() {
    for (scenario, seed) in EVASIVE_RUNS {
        let g = generated(scenario, seed);
        let members: Vec<_> = g.accounts(Group::BenignHackathon).map(|(_, p)| p).collect();
        if scenario == Scenario::DemoEvasive {
            assert!(
                (100..=130).contains(&members.len()),
                "{} hackers",
                members.len()
            );
        }
        let created: Vec<i64> = members.iter().map(|p| p.account.created_ms).collect();
        let span = created.iter().max().unwrap() - created.iter().min().unwrap();
        assert!(
            span <= 5 * 3_600_000,
            "sign-ups over {} h",
            span / 3_600_000
        );
        let venues: BTreeSet<String> = members
            .iter()
            .map(|p| match p.account.signup_ip.unwrap() {
                IpAddr::V4(v4) => {
                    let o = v4.octets();
                    format!("{}.{}.{}", o[0], o[1], o[2])
                }
                other => other.to_string(),
            })
            .collect();
        assert_eq!(venues.len(), 1, "one venue network: {venues:?}");
        assert!(
            members
                .iter()
                .all(|p| p.account.access_path.as_deref() == Some("startup_program"))
        );
        let mut teams: HashMap<&str, BTreeSet<&str>> = HashMap::new();
        for p in &members {
            teams
                .entry(p.account.payment_fingerprint.as_deref().unwrap())
                .or_default()
                .insert(p.account.email_domain.as_deref().unwrap());
        }
        let mut sizes: HashMap<&str, usize> = HashMap::new();
        for p in &members {
            *sizes
                .entry(p.account.payment_fingerprint.as_deref().unwrap())
                .or_default() += 1;
        }
        assert!(
            sizes.values().all(|n| (3..=5).contains(n)),
            "team sizes {sizes:?}"
        );
        assert!(
            teams.values().all(|domains| domains.len() == 1),
            "a team shares one domain"
        );
        // Two days on the starter templates, then little traffic.
        let mine: Vec<&Seen> = g.of_group(Group::BenignHackathon).collect();
        let start = *created.iter().min().unwrap();
        let during = mine
            .iter()
            .filter(|s| s.ts_ms < start + 3 * 86_400_000)
            .count();
        assert!(
            during as f64 >= 0.8 * mine.len() as f64,
            "{during} of {} in the event",
            mine.len()
        );
        let mut users_of: HashMap<u64, BTreeSet<usize>> = HashMap::new();
        for s in &mine {
            users_of.entry(s.template).or_default().insert(s.account);
        }
        let starters: BTreeSet<u64> = users_of
            .iter()
            .filter(|(_, u)| u.len() as f64 >= 0.3 * members.len() as f64)
            .map(|(t, _)| *t)
            .collect();
        assert!(starters.len() >= 3, "{} starter templates", starters.len());
        let on_starters = mine
            .iter()
            .filter(|s| starters.contains(&s.template))
            .count();
        assert!(
            on_starters as f64 >= 0.8 * mine.len() as f64,
            "{on_starters} of {} on the starter templates",
            mine.len()
        );
    }
}

#[test]
fn eval_pipeline_is_long_standing_kyc_one_card_one_egress_nightly_and_judges_the_new_model_on_release_day()
 {
    for (scenario, seed) in EVASIVE_RUNS {
        let g = generated(scenario, seed);
        let accounts: Vec<_> = g
            .accounts(Group::BenignEvalPipeline)
            .map(|(_, p)| p)
            .collect();
        assert!(
            (12..=60).contains(&accounts.len()),
            "{} service accounts",
            accounts.len()
        );
        let cards: BTreeSet<_> = accounts
            .iter()
            .map(|p| p.account.payment_fingerprint.clone())
            .collect();
        let orgs: BTreeSet<_> = accounts
            .iter()
            .map(|p| p.account.org_name.clone())
            .collect();
        assert_eq!(cards.len(), 1);
        assert_eq!(orgs.len(), 1);
        for p in &accounts {
            assert_eq!(p.account.verification.as_deref(), Some("kyc"));
            assert!(
                p.account.created_ms < g.pop.start_ms - 180 * 86_400_000,
                "long-standing"
            );
        }
        let mine: Vec<&Seen> = g.of_group(Group::BenignEvalPipeline).collect();
        let egress: BTreeSet<IpAddr> = mine.iter().filter_map(|s| s.ip).collect();
        assert_eq!(egress.len(), 1, "one egress");
        let release = g.pop.release_ms;
        let release_run: Vec<&&Seen> = mine
            .iter()
            .filter(|s| s.ts_ms >= release && s.ts_ms < release + 8 * 3_600_000)
            .collect();
        assert!(
            release_run.len() as f64 > 0.05 * mine.len() as f64,
            "a release-day run"
        );
        assert!(release_run.iter().all(|s| s.model == "aurora-3-large"));
        let nightly = mine
            .iter()
            .filter(|s| s.ts_ms < release || s.ts_ms >= release + 8 * 3_600_000)
            .all(|s| (1..4).contains(&(s.ts_ms.rem_euclid(86_400_000) / 3_600_000)));
        assert!(nightly, "batches between 01:00 and 04:00 UTC");
        let cot = mine.iter().filter_map(|s| s.cot).sum::<f64>() / mine.len() as f64;
        assert!(cot > 0.7, "step-by-step grading: CoT {cot}");
        let mut outputs: Vec<i64> = mine.iter().map(|s| s.output_tokens).collect();
        outputs.sort_unstable();
        assert!(outputs[outputs.len() / 2] < 300, "short outputs");
        let rubric = mine
            .iter()
            .filter(|s| s.capability == Capability::RubricGrading)
            .count();
        assert!(rubric as f64 > 0.6 * mine.len() as f64);
    }
}

#[test]
fn low_and_slow_accounts_stay_at_heavy_human_volume_but_harvest_for_weeks() {
    for (scenario, seed) in EVASIVE_RUNS {
        let g = generated(scenario, seed);
        let mut benign: Vec<u64> = g
            .pop
            .plans
            .iter()
            .filter(|p| {
                matches!(
                    p.group,
                    Group::BenignDiurnal | Group::BenignSdkUsers | Group::BenignProxyPeers
                )
            })
            .map(|p| p.exchanges)
            .collect();
        benign.sort_unstable();
        let median = benign[benign.len() / 2];
        let heaviest = *benign.last().unwrap();
        let mut first_last: HashMap<usize, (i64, i64)> = HashMap::new();
        for s in g.of_group(Group::CampaignLowAndSlow) {
            let e = first_last.entry(s.account).or_insert((s.ts_ms, s.ts_ms));
            e.0 = e.0.min(s.ts_ms);
            e.1 = e.1.max(s.ts_ms);
        }
        let days = g.pop.params.days;
        let mut spans = Vec::new();
        for (i, p) in g.accounts(Group::CampaignLowAndSlow) {
            assert!(
                p.exchanges >= 3 * median && p.exchanges <= heaviest,
                "{} vs benign median {median}, heaviest {heaviest}",
                p.exchanges
            );
            let (first, last) = first_last[&i];
            let span = (last - first) as f64 / (days * 86_400_000) as f64;
            assert!(span >= 0.4, "active over {span} of the window");
            spans.push(span);
        }
        spans.sort_by(f64::total_cmp);
        let median_span = spans[spans.len() / 2];
        assert!(
            median_span >= 0.7,
            "accounts active over {median_span} of the window"
        );
    }
}

#[test]
fn aged_accounts_are_years_old_dormant_and_taken_over_within_days() {
    for (scenario, seed) in EVASIVE_RUNS {
        let g = generated(scenario, seed);
        let mut first: HashMap<usize, i64> = HashMap::new();
        for s in g.of_group(Group::CampaignAgedAccounts) {
            let f = first.entry(s.account).or_insert(s.ts_ms);
            *f = (*f).min(s.ts_ms);
        }
        for (i, p) in g.accounts(Group::CampaignAgedAccounts) {
            assert!(
                p.account.created_ms < g.pop.start_ms - 365 * 86_400_000,
                "a year old at least"
            );
            assert!(first[&i] >= g.pop.start_ms + 86_400_000, "dormant at first");
        }
        let takeovers: Vec<i64> = first.values().copied().collect();
        let span = takeovers.iter().max().unwrap() - takeovers.iter().min().unwrap();
        assert!(
            span <= 5 * 86_400_000,
            "taken over within {} days",
            span / 86_400_000
        );
    }
}

#[test]
fn data_labelling_runs_around_the_clock_on_one_card_with_short_outputs() {
    for (scenario, seed) in EVASIVE_RUNS {
        let g = generated(scenario, seed);
        let cards: BTreeSet<_> = g
            .accounts(Group::BenignDataLabelling)
            .map(|(_, p)| p.account.payment_fingerprint.clone())
            .collect();
        assert_eq!(cards.len(), 1);
        let mut hours = [0usize; 24];
        let mut outputs = Vec::new();
        for s in g.of_group(Group::BenignDataLabelling) {
            hours[(s.ts_ms.rem_euclid(86_400_000) / 3_600_000) as usize] += 1;
            outputs.push(s.output_tokens);
        }
        let total: usize = hours.iter().sum();
        assert!(
            hours.iter().all(|h| *h as f64 > 0.02 * total as f64),
            "24/7: {hours:?}"
        );
        outputs.sort_unstable();
        assert!(outputs[outputs.len() / 2] < 60);
    }
}

#[test]
fn proxy_peers_home_addresses_carry_campaign_traffic() {
    for (scenario, seed) in EVASIVE_RUNS {
        let g = generated(scenario, seed);
        let campaign_ips: BTreeSet<IpAddr> = g
            .seen
            .iter()
            .filter(|s| g.pop.plans[s.account].group.is_campaign())
            .filter_map(|s| s.ip)
            .collect();
        let peers: Vec<IpAddr> = g
            .accounts(Group::BenignProxyPeers)
            .filter_map(|(_, p)| p.account.signup_ip)
            .collect();
        let used = peers.iter().filter(|ip| campaign_ips.contains(ip)).count();
        assert!(
            used as f64 >= 0.5 * peers.len() as f64,
            "{} seed {seed}: {used} of {} peers' homes",
            scenario.name(),
            peers.len()
        );
    }
}

#[test]
fn evasive_scenarios_keep_the_classic_traps_events_and_only_sparse_partner_intelligence() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("te.hcase");
    let (code, _, err) = generate_cli("tiny-evasive", &out, &["--seed", "3"]);
    assert_eq!(code, 0, "{err}");
    let truth: HashMap<String, Group> = read_truth(&tmp.path().join("te.hcase.truth.csv"))
        .unwrap()
        .into_iter()
        .collect();
    let present: BTreeSet<Group> = truth.values().copied().collect();
    for trap in [
        Group::BenignCompany,
        Group::BenignCarrierNat,
        Group::BenignUniversityLab,
        Group::BenignRelayCustomers,
        Group::BenignSdkUsers,
        Group::BenignDiurnal,
    ] {
        assert!(present.contains(&trap), "{} missing", trap.name());
    }
    let case = Case::open(&out).unwrap();
    let events = case.events().unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.model.as_deref() == Some("aurora-3-large"))
    );
    let bans: Vec<_> = events
        .iter()
        .filter_map(|e| e.account_id.as_deref())
        .collect();
    assert!(!bans.is_empty() && bans.iter().all(|a| truth[*a] == Group::CampaignHydra));
    let indicators = case.indicators().unwrap();
    assert!((1..=2).contains(&indicators.len()), "{indicators:?}");
    let accounts = case.accounts().unwrap();
    let pop = plan(Scenario::TinyEvasive, 3);
    for ind in &indicators {
        // Which accounts the indicator points at: by card, or by an address
        // the account signs up or sends from.
        let hit: BTreeSet<&str> = pop
            .plans
            .iter()
            .filter(|p| {
                p.account.payment_fingerprint.as_deref() == Some(ind.value.as_str())
                    || p.nets
                        .iter()
                        .any(|&n| pop.nets[n as usize].addr.to_string() == ind.value)
            })
            .map(|p| p.account.account_id.as_str())
            .collect();
        assert!(!hit.is_empty(), "{ind:?} points at nothing");
        let groups: BTreeSet<Group> = hit.iter().map(|a| truth[*a]).collect();
        assert_eq!(groups.len(), 1, "one campaign: {groups:?}");
        let group = *groups.iter().next().unwrap();
        let size = truth.values().filter(|g| **g == group).count();
        let small = (0.25 * size as f64).max(2.0);
        assert!(
            hit.len() as f64 <= small,
            "{} of {size} {} accounts",
            hit.len(),
            group.name()
        );
    }
    assert_eq!(accounts.len(), truth.len());
}

#[test]
fn seed_scale_evasive_plan_has_the_reported_population_and_volumes() {
    let pop = plan(Scenario::SeedScaleEvasive, 1);
    let mut accounts: HashMap<Group, usize> = HashMap::new();
    let mut exchanges: HashMap<Group, u64> = HashMap::new();
    for p in &pop.plans {
        *accounts.entry(p.group).or_default() += 1;
        *exchanges.entry(p.group).or_default() += p.exchanges;
    }
    let sum = |campaign: bool, m: &HashMap<Group, u64>| -> u64 {
        m.iter()
            .filter(|(g, _)| g.is_campaign() == campaign)
            .map(|(_, n)| n)
            .sum()
    };
    let fraud: usize = accounts
        .iter()
        .filter(|(g, _)| g.is_campaign())
        .map(|(_, n)| n)
        .sum();
    assert!(
        (22_000..=28_000).contains(&fraud),
        "{fraud} fraudulent accounts"
    );
    let fraud_exchanges = sum(true, &exchanges);
    assert!(
        fraud_exchanges >= 16_000_000,
        "{fraud_exchanges} campaign exchanges"
    );
    let all = fraud_exchanges + sum(false, &exchanges);
    assert!(all <= 21_000_000, "{all} exchanges in all");
    assert!(accounts[&Group::CampaignAgentic] >= 200);
    assert_eq!(accounts[&Group::BenignCodingAgent], 2_000);
    let reasoning = exchanges[&Group::CampaignReasoning];
    assert!((100_000..=200_000).contains(&reasoning), "{reasoning}");
}

// ---------------------------------------------------------------------------
// The families scenarios: every group in every seed, parameters drawn per
// seed, and the traits the groups are built from.

/// The groups only the families scenarios have.
const FAMILIES_ONLY: [Group; 10] = [
    Group::BenignHeavyUsers,
    Group::BenignCourse,
    Group::BenignAgentUsers,
    Group::BenignBenchmark,
    Group::BenignPromptCommunity,
    Group::BenignExtension,
    Group::BenignBotPlatform,
    Group::CampaignTemplated,
    Group::CampaignCrews,
    Group::CampaignPaidCrowd,
];

/// Every group of a families scenario: the background and the drawn ones.
fn families_groups() -> BTreeSet<Group> {
    let mut all: BTreeSet<Group> = FAMILIES_ONLY.into_iter().collect();
    all.extend([
        Group::BenignDiurnal,
        Group::BenignSdkUsers,
        Group::BenignProxyPeers,
    ]);
    all
}

#[test]
fn families_small_has_every_group_in_every_seed_at_its_size() {
    for seed in [1, 2, 101] {
        let pop = plan(Scenario::FamiliesSmall, seed);
        let groups: BTreeSet<Group> = pop.plans.iter().map(|p| p.group).collect();
        assert_eq!(groups, families_groups(), "seed {seed}");
        let families = pop.families.as_ref().expect("families record their knobs");
        assert!(pop.evasion.is_none());
        for group in families_groups() {
            let k = families.knobs(group).unwrap_or_else(|| panic!("{group:?}"));
            let planned = pop.plans.iter().filter(|p| p.group == group).count();
            assert_eq!(k.accounts, planned, "seed {seed} {}", group.name());
            if FAMILIES_ONLY.contains(&group) && group != Group::BenignHeavyUsers {
                assert!(
                    (20..=500).contains(&k.accounts),
                    "seed {seed} {}: {} accounts",
                    group.name(),
                    k.accounts
                );
            }
        }
        let accounts = pop.plans.len();
        assert!(
            (2_400..=4_100).contains(&accounts),
            "seed {seed}: {accounts}"
        );
        let exchanges: u64 = pop.plans.iter().map(|p| p.exchanges).sum();
        assert!(
            (100_000..=260_000).contains(&exchanges),
            "seed {seed}: {exchanges} exchanges"
        );
        // Campaigns are industrial in total; benign people stay human.
        for group in FAMILIES_ONLY.into_iter().filter(|g| g.is_campaign()) {
            let k = families.knobs(group).unwrap();
            assert!(k.exchanges >= 10_000, "seed {seed} {}: {k:?}", group.name());
        }
        let days = pop.params.days as u64;
        for p in pop.plans.iter().filter(|p| p.group == Group::BenignCourse) {
            assert!(p.exchanges <= 60 * days, "a student sends {}", p.exchanges);
        }
        for p in pop
            .plans
            .iter()
            .filter(|p| p.group == Group::BenignHeavyUsers)
        {
            assert!(
                p.exchanges <= 150 * days,
                "a heavy user sends {}",
                p.exchanges
            );
        }
        let heavy = families.knobs(Group::BenignHeavyUsers).unwrap().accounts as f64;
        let share = heavy / accounts as f64;
        assert!((0.015..=0.06).contains(&share), "heavy users {share}");
        let release_day = (pop.release_ms - pop.start_ms) as f64 / 86_400_000.0;
        assert!((8.0..=10.9).contains(&release_day), "{release_day}");
    }
}

#[test]
fn families_plans_are_deterministic_and_their_parameters_differ_between_seeds() {
    let fingerprint = |pop: &Population| {
        pop.plans
            .iter()
            .map(|p| {
                (
                    p.account.account_id.clone(),
                    p.group,
                    p.exchanges,
                    format!("{:?}", p.timing),
                )
            })
            .collect::<Vec<_>>()
    };
    let a = plan(Scenario::FamiliesSmall, 3);
    let b = plan(Scenario::FamiliesSmall, 3);
    assert_eq!(fingerprint(&a), fingerprint(&b), "same seed, same plan");
    let summaries = |pop: &Population| {
        let f = pop.families.as_ref().unwrap();
        f.groups.iter().map(|k| k.summary()).collect::<Vec<_>>()
    };
    assert_eq!(summaries(&a), summaries(&b));
    // Same seed, same exchanges.
    let traffic = |pop: &Population, index: usize| {
        let mut out = Vec::new();
        account_traffic(pop, index, 3, |e| {
            out.push((e.ts_ms, e.prompt_template, e.ip, e.output_tokens))
        });
        out
    };
    for index in [0, a.plans.len() / 2, a.plans.len() - 1] {
        assert_eq!(traffic(&a, index), traffic(&b, index));
    }
    // Across seeds, the drawn parameters move.
    let mut sizes: BTreeMap<Group, BTreeSet<usize>> = BTreeMap::new();
    let mut shapes: BTreeMap<Group, BTreeSet<i64>> = BTreeMap::new();
    let mut modes = BTreeSet::new();
    for seed in [1, 2, 3, 4] {
        let pop = plan(Scenario::FamiliesSmall, seed);
        for k in &pop.families.as_ref().unwrap().groups {
            sizes.entry(k.group).or_default().insert(k.accounts);
            shapes
                .entry(k.group)
                .or_default()
                .insert(k.shape.output.round() as i64);
            if k.group == Group::CampaignTemplated || k.group == Group::CampaignPaidCrowd {
                modes.insert(k.mode.label());
            }
        }
    }
    let varied = FAMILIES_ONLY.iter().filter(|g| sizes[g].len() >= 3).count();
    assert!(varied >= 6, "group sizes vary by seed: {sizes:?}");
    for group in FAMILIES_ONLY
        .iter()
        .filter(|g| **g != Group::BenignHeavyUsers)
    {
        assert_eq!(shapes[group].len(), 4, "{group:?} token shapes: {shapes:?}");
    }
    assert!(modes.len() >= 3, "template modes vary: {modes:?}");
}

#[test]
fn families_crews_send_a_fresh_template_with_every_harvest_request() {
    let g = generated(Scenario::FamiliesSmall, 1);
    // The persona's own templates (cover) repeat; the harvest must not.
    let own: BTreeSet<u64> = g
        .accounts(Group::CampaignCrews)
        .flat_map(|(_, p)| {
            let family = p.family.as_ref().unwrap();
            p.templates
                .iter()
                .chain(&family.cover_templates)
                .map(|&t| g.pop.templates[t as usize].simhash)
                .collect::<Vec<_>>()
        })
        .collect();
    let mut counts: HashMap<u64, usize> = HashMap::new();
    for s in g.of_group(Group::CampaignCrews) {
        if !own.contains(&s.template) {
            *counts.entry(s.template).or_default() += 1;
        }
    }
    let harvest: usize = counts.values().sum();
    let repeated: usize = counts.values().filter(|n| **n > 1).map(|n| n - 1).sum();
    assert!(harvest >= 5_000, "{harvest} harvest requests");
    assert!(
        repeated * 1_000 <= harvest,
        "{repeated} repeats in {harvest}"
    );
    // Nobody else sends any of them.
    let elsewhere = g
        .seen
        .iter()
        .filter(|s| g.pop.plans[s.account].group != Group::CampaignCrews)
        .filter(|s| counts.contains_key(&s.template))
        .count();
    assert_eq!(elsewhere, 0);
    // The harvest is long and asks for the reasoning.
    let long = g
        .of_group(Group::CampaignCrews)
        .filter(|s| !own.contains(&s.template))
        .filter(|s| s.output_tokens >= 500 && s.cot.unwrap_or(1.0) >= 0.3)
        .count();
    assert!(long * 10 >= harvest * 8, "{long} of {harvest}");
    // Crews are banned and replaced.
    let banned = g
        .accounts(Group::CampaignCrews)
        .filter(|(_, p)| p.banned)
        .count();
    assert!(banned >= 1);
}

#[test]
fn families_course_students_share_the_university_domain_and_work_before_deadlines() {
    for seed in [1, 2] {
        let g = generated(Scenario::FamiliesSmall, seed);
        let domains: BTreeSet<&str> = g
            .accounts(Group::BenignCourse)
            .map(|(_, p)| p.account.email_domain.as_deref().unwrap())
            .collect();
        assert_eq!(domains.len(), 1, "one university: {domains:?}");
        let uni = *domains.iter().next().unwrap();
        assert!(uni.ends_with(".edu"), "{uni}");
        assert!(
            g.accounts(Group::BenignCourse)
                .all(|(_, p)| p.account.access_path.as_deref() == Some("education"))
        );
        // Other students of the university have the domain too.
        let others = g
            .pop
            .plans
            .iter()
            .filter(|p| p.group != Group::BenignCourse)
            .filter(|p| p.account.email_domain.as_deref() == Some(uni))
            .count();
        assert!(others >= 1, "seed {seed}: no other student on {uni}");
        // Most of a week's work comes in the days before its deadline.
        let (_, first) = g.accounts(Group::BenignCourse).next().unwrap();
        let hydrascope::generate::scenario::Timing::Deadlines {
            deadlines, lead_ms, ..
        } = &first.timing
        else {
            panic!("course timing: {:?}", first.timing);
        };
        let course: Vec<i64> = g.of_group(Group::BenignCourse).map(|s| s.ts_ms).collect();
        let before = course
            .iter()
            .filter(|&&t| deadlines.iter().any(|&d| t < d && t >= d - lead_ms))
            .count();
        let (start, end) = (g.pop.start_ms, g.pop.end_ms);
        let burst_time: i64 = deadlines
            .iter()
            .map(|&d| (d.min(end) - (d - lead_ms).max(start)).max(0))
            .sum();
        let time_share = burst_time as f64 / (end - start) as f64;
        let share = before as f64 / course.len() as f64;
        assert!(
            share >= 0.3 && share >= 1.5 * time_share,
            "seed {seed}: {share:.2} of the requests in {time_share:.2} of the time"
        );
    }
}

#[test]
fn families_look_alikes_share_what_their_kind_shares_and_nothing_else() {
    let g = generated(Scenario::FamiliesSmall, 2);
    let distinct = |group: Group, f: &dyn Fn(&hydrascope::generate::scenario::Plan) -> String| {
        g.accounts(group)
            .map(|(_, p)| f(p))
            .collect::<BTreeSet<_>>()
            .len()
    };
    let count = |group: Group| g.accounts(group).count();
    // The agent's users: one client, their own cards.
    let agent_clients: BTreeSet<String> = g
        .of_group(Group::BenignAgentUsers)
        .map(|s| s.client.clone())
        .collect();
    let agent_client = g
        .accounts(Group::BenignAgentUsers)
        .map(|(_, p)| g.pop.clients[p.clients[0] as usize].clone())
        .collect::<BTreeSet<_>>();
    assert_eq!(agent_client.len(), 1);
    assert!(agent_clients.is_superset(&agent_client));
    let card = |p: &hydrascope::generate::scenario::Plan| {
        p.account.payment_fingerprint.clone().unwrap_or_default()
    };
    assert_eq!(
        distinct(Group::BenignAgentUsers, &card),
        count(Group::BenignAgentUsers)
    );
    // The bot platform's tenants: its egress and client.
    let egress: BTreeSet<IpAddr> = g
        .of_group(Group::BenignBotPlatform)
        .filter_map(|s| s.ip)
        .collect();
    assert!(egress.len() <= 24, "{} platform addresses", egress.len());
    // The paid crowd: a card and a home each, nobody's exits.
    assert_eq!(
        distinct(Group::CampaignPaidCrowd, &card),
        count(Group::CampaignPaidCrowd)
    );
    // The extension's users: short outputs.
    let outputs: Vec<i64> = g
        .of_group(Group::BenignExtension)
        .map(|s| s.output_tokens)
        .collect();
    let short = outputs.iter().filter(|o| **o <= 600).count();
    assert!(
        short * 10 >= outputs.len() * 7,
        "{short} of {}",
        outputs.len()
    );
    // The benchmark's runners: many organisations.
    let orgs = distinct(Group::BenignBenchmark, &|p| {
        p.account.org_name.clone().unwrap_or_default()
    });
    assert!(
        orgs * 2 >= count(Group::BenignBenchmark),
        "{orgs} organisations"
    );
}
