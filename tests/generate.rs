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
