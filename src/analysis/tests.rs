//! Unit tests of the evidence kinds on hand-built pairs and crowds, and of
//! the indicators and the score formula on hand-built groups.

use super::fixture::{DAY, Fixture, Traffic, facts};
use super::score::{Scorer, score_from_indicators};
use super::{EvidenceKind, Indicators, Params, evidence};

fn kinds(graph: &evidence::EvidenceGraph, a: u32, b: u32) -> Vec<EvidenceKind> {
    graph
        .links
        .iter()
        .find(|l| (l.a, l.b) == (a.min(b), a.max(b)))
        .map(|l| l.evidence.iter().map(|e| e.kind).collect())
        .unwrap_or_default()
}

/// A person: diurnal sessions in their own timezone on random days.
fn person(fx: &mut Fixture, exchanges: usize, tz_hour: u32) -> Vec<u32> {
    let start = fx.start();
    let mut out = Vec::new();
    while out.len() < exchanges {
        let day = fx.rng().below(20) as u32;
        let hour = (9 + tz_hour + fx.rng().below(9) as u32) % 24;
        let mut t = start + day * DAY + hour * 60 + fx.rng().below(60) as u32;
        for _ in 0..1 + fx.rng().below(5) {
            out.push(t);
            t += 1 + fx.rng().below(4) as u32;
        }
    }
    out.truncate(exchanges);
    out
}

/// A job: flat 24/7 load over the case, plus `cover` of a person's traffic.
fn job(fx: &mut Fixture, exchanges: usize, cover: f64) -> Vec<u32> {
    let start = fx.start();
    let human = (exchanges as f64 * cover) as usize;
    let mut out: Vec<u32> = (0..exchanges - human)
        .map(|_| start + fx.rng().below((20 * DAY) as usize) as u32)
        .collect();
    let tz = fx.rng().below(24) as u32;
    out.extend(person(fx, human, tz));
    out
}

#[test]
fn a_popular_template_crowd_of_independent_people_links_nobody() {
    let mut fx = Fixture::new(21, false);
    let sdk = fx.template(0x1111_2222_3333_4444);
    for i in 0..300u32 {
        let personal = fx.template(fx_hash(i));
        let volume = 30 + fx.rng().below(400);
        let tz = [0, 1, 5, 8, 9, 15, 16, 19][fx.rng().below(8)];
        let minutes = person(&mut fx, volume, tz);
        let origin = fx.origin(&format!("81.{}.{}.7", i / 200, i % 200), 3320);
        fx.account(
            facts(300, "card", Some(&format!("card-{i}"))),
            Traffic {
                minutes,
                templates: vec![(sdk, 0.4), (personal, 0.6)],
                capability: [9, 1, 6][i as usize % 3],
                origins: vec![origin],
                ..Default::default()
            },
        );
    }
    let graph = evidence::build(&fx.features, &fx.activity, &Params::default());
    assert!(
        graph.links.is_empty(),
        "{} links among independent users of one popular template: {:?}",
        graph.links.len(),
        graph.links.first()
    );
}

fn fx_hash(i: u32) -> u64 {
    crate::base::rng::mix64(u64::from(i) ^ 0xabcdef)
}

#[test]
fn accounts_doing_one_job_form_a_cohort_however_many_they_are() {
    let mut fx = Fixture::new(21, false);
    let work: Vec<u32> = (0..12).map(|k| fx.template(fx_hash(1000 + k))).collect();
    for i in 0..300u32 {
        let extra = fx.rng().below(60);
        let minutes = job(&mut fx, 480 + extra, 0.35);
        let mut templates: Vec<(u32, f64)> = work.iter().map(|&t| (t, 0.65 / 12.0)).collect();
        let own = fx.template(fx_hash(i));
        templates.push((own, 0.35));
        let proxies: Vec<u32> = (0..12)
            .map(|k| {
                fx.origin(
                    &format!("73.{}.{}.9", (i * 12 + k) / 250, (i * 12 + k) % 250),
                    7922,
                )
            })
            .collect();
        fx.account(
            facts(5, "card", Some(&format!("card-{i}"))),
            Traffic {
                minutes,
                templates,
                capability: 2,
                tokens: (7000, 1400),
                cot: 0.3,
                origins: proxies,
                ..Default::default()
            },
        );
    }
    let graph = evidence::build(&fx.features, &fx.activity, &Params::default());
    let mut linked = vec![false; 300];
    for l in graph.links.iter() {
        assert!(
            l.evidence.iter().any(|e| e.kind == EvidenceKind::Cohort),
            "{l:?}"
        );
        linked[l.a as usize] = true;
        linked[l.b as usize] = true;
    }
    let share = linked.iter().filter(|x| **x).count() as f64 / 300.0;
    assert!(
        share > 0.95,
        "only {share} of the job's accounts in a cohort"
    );
    let example = &graph.links[0].evidence[0];
    assert!(
        example.example.contains("template families") && example.example.contains("alike"),
        "{}",
        example.example
    );
}

#[test]
fn a_shared_scheduler_links_strangers_by_synchrony_alone() {
    let mut fx = Fixture::new(21, false);
    let start = fx.start();
    for i in 0..6u32 {
        let minutes: Vec<u32> = (0..2500u32)
            .map(|k| start + k * 10)
            .filter(|m| (m + i) % 7 != 0)
            .collect();
        let own = fx.template(fx_hash(i));
        fx.account(
            facts(5, "card", Some(&format!("card-{i}"))),
            Traffic {
                minutes,
                templates: vec![(own, 1.0)],
                ..Default::default()
            },
        );
    }
    let graph = evidence::build(&fx.features, &fx.activity, &Params::default());
    assert_eq!(kinds(&graph, 0, 5), vec![EvidenceKind::Synchrony]);
    assert_eq!(graph.links.len(), 15, "all pairs of the scheduler");
}

#[test]
fn a_banned_account_replaced_within_minutes_on_the_same_work_is_a_hand_off() {
    let mut fx = Fixture::new(21, false);
    let start = fx.start();
    let work: Vec<u32> = (0..4).map(|k| fx.template(fx_hash(50 + k))).collect();
    let templates: Vec<(u32, f64)> = work.iter().map(|&t| (t, 0.25)).collect();
    let flat = |fx: &mut Fixture, from: u32, to: u32| -> Vec<u32> {
        (0..600)
            .map(|_| from + fx.rng().below((to - from) as usize) as u32)
            .collect()
    };
    let first = flat(&mut fx, start + DAY, start + 8 * DAY);
    let a = fx.account(
        facts(3, "card", Some("card-a")),
        Traffic {
            minutes: first,
            templates: templates.clone(),
            capability: 2,
            ..Default::default()
        },
    );
    fx.ban(a);
    let stop = (fx.features.accounts[a as usize].last_ms.unwrap_or(0) / 60_000) as u32;
    let mut second = flat(&mut fx, stop + 12, start + 15 * DAY);
    second.push(stop + 9);
    let mut replacement = facts(0, "card", Some("card-b"));
    replacement.created_ms = i64::from(stop + 5) * 60_000;
    let b = fx.account(
        replacement,
        Traffic {
            minutes: second,
            templates,
            capability: 2,
            ..Default::default()
        },
    );
    // A stranger starting at the same moment on other work.
    let other = fx.template(fx_hash(99));
    let mut third = flat(&mut fx, stop + 12, start + 15 * DAY);
    third.push(stop + 9);
    let c = fx.account(
        facts(0, "card", Some("card-c")),
        Traffic {
            minutes: third,
            templates: vec![(other, 1.0)],
            capability: 2,
            ..Default::default()
        },
    );
    let graph = evidence::build(&fx.features, &fx.activity, &Params::default());
    assert!(
        kinds(&graph, a, b).contains(&EvidenceKind::HandOff),
        "{:?}",
        kinds(&graph, a, b)
    );
    assert!(!kinds(&graph, a, c).contains(&EvidenceKind::HandOff));
    let h = &graph.accounts.hand_offs[0];
    assert!(h.replaced_ban && h.gap_minutes <= 10.0, "{h:?}");
}

#[test]
fn a_proxy_exit_that_is_someones_home_links_nobody_to_them() {
    let mut fx = Fixture::new(21, false);
    let exits: Vec<u32> = (0..20)
        .map(|k| fx.origin(&format!("98.7.{k}.3"), 7922))
        .collect();
    let home_minutes = person(&mut fx, 200, 0);
    let own = fx.template(fx_hash(7));
    let home = fx.account(
        facts(400, "card", Some("card-home")),
        Traffic {
            minutes: home_minutes,
            templates: vec![(own, 1.0)],
            origins: vec![exits[0]],
            ..Default::default()
        },
    );
    for i in 0..10u32 {
        let minutes = job(&mut fx, 400, 0.0);
        let t = fx.template(fx_hash(500 + i));
        fx.account(
            facts(3, "card", Some(&format!("card-{i}"))),
            Traffic {
                minutes,
                templates: vec![(t, 1.0)],
                origins: exits.clone(),
                ..Default::default()
            },
        );
    }
    let graph = evidence::build(&fx.features, &fx.activity, &Params::default());
    assert!(
        graph.links.iter().all(|l| l.a != home && l.b != home),
        "the home user was linked to proxy traffic"
    );
}

#[test]
fn a_shared_card_links_its_holders() {
    let mut fx = Fixture::new(21, false);
    for i in 0..3u32 {
        let minutes = person(&mut fx, 40, 0);
        let t = fx.template(fx_hash(i));
        fx.account(
            facts(100, "card", Some(if i < 2 { "card-x" } else { "card-y" })),
            Traffic {
                minutes,
                templates: vec![(t, 1.0)],
                ..Default::default()
            },
        );
    }
    let graph = evidence::build(&fx.features, &fx.activity, &Params::default());
    assert_eq!(kinds(&graph, 0, 1), vec![EvidenceKind::Card]);
    assert!(kinds(&graph, 0, 2).is_empty());
}

fn indicators(coordination: f64, extraction: f64, evasion: f64) -> Indicators {
    Indicators {
        coordination,
        extraction,
        evasion,
        ..Default::default()
    }
}

#[test]
fn the_score_needs_coordination_extraction_and_bad_faith_together() {
    let all = indicators(0.9, 0.9, 0.9);
    assert!(score_from_indicators(&all) > 0.7);
    for missing in [
        indicators(0.0, 0.9, 0.9),
        indicators(0.9, 0.0, 0.9),
        indicators(0.9, 0.9, 0.0),
    ] {
        assert_eq!(score_from_indicators(&missing), 0.0, "{missing:?}");
    }
    // Automation scales by 0.85..1 only.
    let automated = Indicators {
        automation: 1.0,
        ..all.clone()
    };
    let ratio = score_from_indicators(&automated) / score_from_indicators(&all);
    assert!((ratio - 1.0 / 0.85).abs() < 1e-9, "{ratio}");
}

#[test]
fn a_release_pivot_alone_or_a_burst_alone_carries_no_verdict() {
    let pivot_only = Indicators {
        coordination: 1.0,
        extraction: 1.0,
        release_pivot: 1.0,
        ..Default::default()
    };
    assert_eq!(score_from_indicators(&pivot_only), 0.0);
    // Backed by industrial scale, the pivot adds.
    let backed = Indicators {
        scale: 0.5,
        ..pivot_only.clone()
    };
    let scale_only = Indicators {
        release_pivot: 0.0,
        ..backed.clone()
    };
    assert!(score_from_indicators(&backed) > score_from_indicators(&scale_only));
    // Coordination alone (a shared card, a burst) scores nothing.
    assert_eq!(score_from_indicators(&indicators(1.0, 0.0, 0.0)), 0.0);
}

#[test]
fn exculpation_lowers_the_score_in_proportion() {
    let base = indicators(0.9, 0.8, 0.8);
    let half = Indicators {
        exculpation: 0.5,
        ..base.clone()
    };
    let full = score_from_indicators(&base);
    assert!((score_from_indicators(&half) - full / 2.0).abs() < 1e-9);
}

/// Scores accounts `members` of `fx` as one group, every account of the
/// case its own group otherwise.
fn score(fx: &Fixture, members: &[u32]) -> super::Cluster {
    let graph = evidence::build(&fx.features, &fx.activity, &Params::default());
    let n = fx.features.accounts.len();
    let mut membership: Vec<u32> = (0..n as u32).collect();
    for &m in members {
        membership[m as usize] = members[0];
    }
    let params = Params::default();
    let scorer = Scorer::new(
        &fx.features,
        &fx.activity,
        &fx.windows,
        &graph,
        &membership,
        &params,
    );
    let kinds = scorer.kinds_inside(&membership);
    scorer.score_group(members.to_vec(), &kinds)
}

fn ordinary_people(fx: &mut Fixture, count: u32, client: u32, adoption: f64) {
    for i in 0..count {
        let minutes = person(fx, 40, i % 12);
        let t = fx.template(fx_hash(9000 + i));
        fx.account(
            facts(200, "card", Some(&format!("p-{i}"))),
            Traffic {
                minutes,
                templates: vec![(t, 1.0)],
                client,
                adoption,
                ..Default::default()
            },
        );
    }
}

#[test]
fn scale_is_industrial_volume_sustained_over_weeks_not_a_short_event() {
    let mut fx = Fixture::new(21, false);
    ordinary_people(&mut fx, 60, 0, 0.0);
    let start = fx.start();
    // 120,000 exchanges in all: industrial in absolute terms too.
    let sustained: Vec<u32> = (0..10u32)
        .map(|i| {
            let minutes: Vec<u32> = (0..12_000).map(|k| start + k * 2 + i).collect();
            fx.account(
                facts(3, "card", None),
                Traffic {
                    minutes,
                    ..Default::default()
                },
            )
        })
        .collect();
    let event: Vec<u32> = (0..10u32)
        .map(|i| {
            let minutes: Vec<u32> = (0..300).map(|k| start + 3 * DAY + k * 9 + i).collect();
            fx.account(
                facts(3, "card", None),
                Traffic {
                    minutes,
                    ..Default::default()
                },
            )
        })
        .collect();
    let big = score(&fx, &sustained);
    assert!(big.indicators.scale > 0.9, "{:?}", big.indicators);
    let short = score(&fx, &event);
    assert!(short.indicators.scale < 0.2, "{:?}", short.indicators);
    assert!(
        short.indicators.exculpation > 0.6,
        "a two-day event speaks for itself: {:?}",
        short.reasons
    );
    assert!(
        big.reasons
            .iter()
            .any(|r| r.indicator == "scale" && r.text.contains("per account-day"))
    );
}

#[test]
fn work_of_a_few_days_per_account_speaks_for_a_group_unless_bans_cut_it_short() {
    // A lab runs a public benchmark: its accounts, on one card, in
    // lock-step, each for two days, one after another over two weeks. A
    // burner crew looks the same until its accounts are banned one by one.
    let mut fx = Fixture::new(21, false);
    ordinary_people(&mut fx, 60, 0, 0.0);
    let start = fx.start();
    let crew = |fx: &mut Fixture, card: &str| -> Vec<u32> {
        (0..12u32)
            .map(|i| {
                let day0 = start + (i / 2) * 2 * DAY;
                let minutes: Vec<u32> = (0..2u32)
                    .flat_map(|d| (0..200u32).map(move |k| day0 + d * DAY + 600 + k * 2))
                    .collect();
                fx.account(
                    facts(3, "none", Some(card)),
                    Traffic {
                        minutes,
                        cot: 0.9,
                        ..Default::default()
                    },
                )
            })
            .collect()
    };
    let runners = crew(&mut fx, "lab-card");
    let burners = crew(&mut fx, "burner-card");
    for &b in &burners {
        fx.ban(b);
    }
    let few = |c: &super::Cluster| {
        c.reasons
            .iter()
            .find(|r| {
                r.indicator == "exculpation" && r.text.contains("work of a few days per account")
            })
            .cloned()
    };
    let lab = score(&fx, &runners);
    let reason = few(&lab).expect("the runners' few days are named");
    assert!(
        reason.text.contains("active on 2.0 days"),
        "{}",
        reason.text
    );
    assert!(reason.strength > 0.6, "{reason:?}");
    assert!(lab.indicators.exculpation > 0.6, "{:?}", lab.indicators);
    let banned = score(&fx, &burners);
    assert!(
        few(&banned).is_none_or(|r| r.strength < 0.1),
        "bans cut the burners short: {:?}",
        banned.reasons
    );
    assert!(
        banned.indicators.exculpation < 0.3,
        "{:?}",
        banned.indicators
    );
    assert!(
        banned.score > lab.score + 0.2,
        "{} vs {}",
        banned.score,
        lab.score
    );
}

#[test]
fn long_standing_verified_accounts_of_one_organisation_with_short_outputs_are_exculpated() {
    let mut fx = Fixture::new(21, false);
    ordinary_people(&mut fx, 40, 0, 0.0);
    let start = fx.start();
    let mut judges = Vec::new();
    for i in 0..20u32 {
        // Nightly batches, 01:00–03:00 UTC, in lock-step.
        let minutes: Vec<u32> = (0..20u32)
            .flat_map(|d| (0..100u32).map(move |k| start + d * DAY + 60 + k + i % 3))
            .collect();
        let mut f = facts(700, "kyc", Some("eval-card"));
        f.org_name = Some("Evalworks Inc".into());
        judges.push(fx.account(
            f,
            Traffic {
                minutes,
                capability: 7,
                tokens: (1500, 150),
                cot: 0.9,
                ..Default::default()
            },
        ));
    }
    let c = score(&fx, &judges);
    assert!(c.indicators.extraction > 0.6, "{:?}", c.indicators);
    assert!(c.indicators.exculpation > 0.85, "{:?}", c.reasons);
    assert!(!c.suspected, "score {}", c.score);
    assert!(
        c.reasons
            .iter()
            .any(|r| r.indicator == "exculpation" && r.text.contains("KYC"))
    );
}

#[test]
fn adoption_at_the_rate_of_the_same_clients_independent_users_is_no_pivot() {
    let mut fx = Fixture::new(21, true);
    let agent = fx.client("popular-agent");
    // Independent users of the agent: 70% on the new model after release.
    ordinary_people(&mut fx, 40, agent, 0.7);
    ordinary_people(&mut fx, 40, 0, 0.05);
    let start = fx.start();
    let group_of = |fx: &mut Fixture, adoption: f64| -> Vec<u32> {
        (0..8u32)
            .map(|i| {
                let minutes: Vec<u32> = (0..3000).map(|k| start + k * 9 + i).collect();
                fx.account(
                    facts(3, "card", None),
                    Traffic {
                        minutes,
                        client: agent,
                        adoption,
                        ..Default::default()
                    },
                )
            })
            .collect()
    };
    let like_users = group_of(&mut fx, 0.7);
    let c = score(&fx, &like_users);
    assert!(c.indicators.release_pivot < 0.1, "{:?}", c.reasons);
    assert!(
        c.reasons
            .iter()
            .any(|r| r.indicator == "exculpation" && r.text.contains("same client")),
        "{:?}",
        c.reasons
    );
    // The same group moving far beyond what the client's users do.
    let mut fx2 = Fixture::new(21, true);
    let agent2 = fx2.client("popular-agent");
    ordinary_people(&mut fx2, 40, agent2, 0.05);
    let start2 = fx2.start();
    let pivoters: Vec<u32> = (0..8u32)
        .map(|i| {
            let minutes: Vec<u32> = (0..3000).map(|k| start2 + k * 9 + i).collect();
            fx2.account(
                facts(3, "card", None),
                Traffic {
                    minutes,
                    client: agent2,
                    adoption: 0.6,
                    ..Default::default()
                },
            )
        })
        .collect();
    let p = score(&fx2, &pivoters);
    assert!(p.indicators.release_pivot > 0.9, "{:?}", p.reasons);
}

#[test]
fn evasion_counts_young_farmed_banned_and_rotating_accounts() {
    let mut fx = Fixture::new(21, false);
    let start = fx.start();
    let mut members = Vec::new();
    for i in 0..4u32 {
        let minutes: Vec<u32> = (0..300).map(|k| start + k * 50 + i).collect();
        let origins: Vec<u32> = (0..8)
            .map(|k| fx.origin(&format!("24.{i}.{k}.1"), 701))
            .collect();
        let mut f = facts(2, "email", None);
        f.access_path = Some("education".into());
        members.push(fx.account(
            f,
            Traffic {
                minutes,
                origins,
                ..Default::default()
            },
        ));
    }
    fx.ban(members[0]);
    let c = score(&fx, &members);
    let text: Vec<&str> = c
        .reasons
        .iter()
        .filter(|r| r.indicator == "evasion")
        .map(|r| r.text.as_str())
        .collect();
    assert!(
        text.iter()
            .any(|t| t.starts_with("4 of 4 accounts first used within 30 days")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|t| t.starts_with("4 of 4 accounts on education")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|t| t
                .starts_with("1 of 4 accounts banned, where the population's ban rate expects")),
        "{text:?}"
    );
    assert!(
        text.iter().any(|t| t.starts_with("4 of 4 accounts rotate")),
        "{text:?}"
    );
    // One ban in four is within chance at the population's rate: it is
    // shown, and does not count.
    let expected = 1.0 - (1.0 - 0.6) * (1.0 - 0.5) * (1.0 - 0.5);
    assert!(
        (c.indicators.evasion - expected).abs() < 1e-9,
        "{}",
        c.indicators.evasion
    );
}

/// `per_day` exchanges on each of `days` days from the case start, in
/// local daytime at `tz_hour`.
fn daily(fx: &Fixture, per_day: u32, days: u32, tz_hour: u32, offset: u32) -> Vec<u32> {
    let start = fx.start();
    (0..days)
        .flat_map(|d| {
            (0..per_day).map(move |k| {
                start + d * DAY + ((9 + tz_hour) % 24) * 60 + (k * 600 / per_day.max(1)) + offset
            })
        })
        .collect()
}

#[test]
fn scale_is_absolute_a_course_in_a_case_of_light_users_is_not_industrial() {
    let mut fx = Fixture::new(21, false);
    // Very light ordinary users: the median account sends about one a day.
    for i in 0..60u32 {
        let minutes = person(&mut fx, 8, i % 12);
        fx.account(
            facts(200, "card", Some(&format!("p-{i}"))),
            Traffic {
                minutes,
                ..Default::default()
            },
        );
    }
    // `count` new accounts sending `per_day` a day for 20 days.
    let group = |fx: &mut Fixture, count: u32, per_day: u32| -> Vec<u32> {
        (0..count)
            .map(|i| {
                let minutes = daily(fx, per_day, 20, 0, i);
                fx.account(
                    facts(5, "email", None),
                    Traffic {
                        minutes,
                        ..Default::default()
                    },
                )
            })
            .collect()
    };
    let course = group(&mut fx, 30, 4);
    let harvest = group(&mut fx, 10, 600);
    let c = score(&fx, &course);
    assert!(
        c.indicators.scale < 0.01,
        "4 a day is 4× the median here, not industrial: {:?}",
        c.reasons
    );
    let h = score(&fx, &harvest);
    assert!(h.indicators.scale > 0.9, "{:?}", h.reasons);
    assert!(
        h.reasons
            .iter()
            .any(|r| r.indicator == "scale"
                && r.text.contains("what heavy independent users reach, 20")),
        "{:?}",
        h.reasons
    );
}

/// Twelve accounts that send `share` of their traffic on one template
/// family (linked by it: twelve is under the crowd limit), `per_day` a
/// day. `independent`: own cards, own home networks, eight time zones,
/// sign-ups years apart; otherwise two shared cards, one proxy pool, one
/// time zone, sign-ups in one week.
fn content_group(fx: &mut Fixture, independent: bool, per_day: u32, harvest: bool) -> Vec<u32> {
    content_group_over(fx, independent, per_day, harvest, 20, false)
}

/// [`content_group`] active on `days` days instead of 20; `in_step`: every
/// member sends in the same minutes (one clock, whatever its time zone).
fn content_group_over(
    fx: &mut Fixture,
    independent: bool,
    per_day: u32,
    harvest: bool,
    days: u32,
    in_step: bool,
) -> Vec<u32> {
    let family = fx.template(0x5a5a_1234_9876_0f0f);
    let pool: Vec<u32> = (0..8)
        .map(|k| fx.origin(&format!("62.{k}.9.1"), 9009))
        .collect();
    (0..12u32)
        .map(|i| {
            let own = fx.template(fx_hash(7000 + i));
            let tz = if independent { i * 3 } else { 0 };
            let minutes = if in_step {
                daily(fx, per_day, days, 0, 0)
            } else {
                daily(fx, per_day, days, tz, i)
            };
            let (card, created, origins) = if independent {
                let home = fx.origin(&format!("81.{i}.{}.7", 40 + i), 3320);
                (format!("own-{i}"), 100 + 60 * i64::from(i), vec![home])
            } else {
                (
                    format!("shared-{}", i % 2),
                    3 + i64::from(i % 5),
                    pool.clone(),
                )
            };
            fx.account(
                facts(created, "card", Some(&card)),
                Traffic {
                    minutes,
                    templates: vec![(family, 0.8), (own, 0.2)],
                    capability: if harvest { 1 } else { 9 },
                    tokens: if harvest { (300, 2400) } else { (600, 450) },
                    cot: if harvest { 0.9 } else { 0.0 },
                    origins,
                    ..Default::default()
                },
            )
        })
        .collect()
}

#[test]
fn independent_people_sharing_only_content_are_explained_by_a_common_source() {
    let mut fx = Fixture::new(21, false);
    ordinary_people(&mut fx, 60, 0, 0.0);
    let crowd = content_group(&mut fx, true, 6, false);
    let c = score(&fx, &crowd);
    let independence = c
        .reasons
        .iter()
        .find(|r| r.indicator == "independence" && r.text.starts_with("independence"))
        .unwrap_or_else(|| panic!("no independence reason: {:?}", c.reasons));
    let value: f64 = independence.text["independence ".len()..][..4]
        .parse()
        .unwrap();
    assert!(value > 0.8, "{}", independence.text);
    for axis in [
        "card of their own",
        "stable home network",
        "diurnal peaks",
        "sign-ups",
    ] {
        assert!(independence.text.contains(axis), "{}", independence.text);
    }
    assert!(
        c.reasons
            .iter()
            .any(|r| r.indicator == "coordination" && r.text.contains("common source")),
        "{:?}",
        c.reasons
    );
    assert!(c.indicators.coordination < 0.1, "{:?}", c.indicators);
    // The same work by accounts that are not independent counts in full.
    let mut fx2 = Fixture::new(21, false);
    ordinary_people(&mut fx2, 60, 0, 0.0);
    let cell = content_group(&mut fx2, false, 6, false);
    let d = score(&fx2, &cell);
    let dependent: f64 = d
        .reasons
        .iter()
        .find(|r| r.indicator == "independence" && r.text.starts_with("independence"))
        .map_or(0.0, |r| {
            r.text["independence ".len()..][..4].parse().unwrap()
        });
    assert!(dependent < 0.3, "{:?}", d.reasons);
    assert!(
        d.indicators.coordination > 0.9,
        "shared cards and a proxy pool: {:?}",
        d.indicators
    );
}

#[test]
fn members_in_lock_step_cannot_be_shown_independent_by_their_own_cards_and_homes() {
    let independence_of = |in_step: bool| {
        let mut fx = Fixture::new(21, false);
        ordinary_people(&mut fx, 60, 0, 0.0);
        let crowd = content_group_over(&mut fx, true, 30, true, 20, in_step);
        let c = score(&fx, &crowd);
        let text = c
            .reasons
            .iter()
            .find(|r| r.indicator == "independence" && r.text.starts_with("independence"))
            .map(|r| r.text.clone())
            .unwrap_or_else(|| panic!("no independence reason: {:?}", c.reasons));
        let value: f64 = text["independence ".len()..][..4].parse().unwrap();
        (value, text, c)
    };
    let (apart, apart_text, crowd) = independence_of(false);
    assert!(apart > 0.8, "{apart_text}");
    assert!(
        !apart_text.contains("lock-step minutes or hand-offs, which"),
        "{apart_text}"
    );
    // The same cards, homes and sign-ups, every member sending in the same
    // minutes: one web holds every pair.
    let (in_step, text, crew) = independence_of(true);
    assert!(
        text.contains("100% of member pairs in one web of lock-step minutes or hand-offs"),
        "{text}"
    );
    assert!(in_step < 0.1, "{text}");
    assert!(
        crew.indicators.coordination > crowd.indicators.coordination + 0.2,
        "{:?} against {:?}",
        crew.indicators,
        crowd.indicators
    );
}

#[test]
fn a_paid_crowd_independent_on_every_axis_but_the_work_is_not_excused() {
    let mut fx = Fixture::new(21, false);
    ordinary_people(&mut fx, 60, 0, 0.0);
    let crowd = content_group(&mut fx, true, 250, true);
    let c = score(&fx, &crowd);
    assert!(c.indicators.scale > 0.9, "{:?}", c.reasons);
    // The family link weighs 0.4 at most; an industrial harvest keeps most
    // of it (counted 0.81× here, against 0.00× for the same accounts at a
    // tool user's volume below).
    assert!(
        c.indicators.coordination > 0.3,
        "an industrial harvest is not explained by a common source: {:?}",
        c.reasons
    );
    assert!(c.suspected, "score {}: {:?}", c.score, c.reasons);
    // The same accounts at a tool user's volume are a crowd.
    let mut fx2 = Fixture::new(21, false);
    ordinary_people(&mut fx2, 60, 0, 0.0);
    let light = content_group(&mut fx2, true, 6, true);
    let l = score(&fx2, &light);
    assert!(!l.suspected, "score {}: {:?}", l.score, l.reasons);
}

#[test]
fn accounts_each_beyond_heavy_users_rate_are_not_excused_by_a_common_source_however_few() {
    let run = |per_day| {
        let mut fx = Fixture::new(21, false);
        ordinary_people(&mut fx, 60, 0, 0.0);
        let group = content_group(&mut fx, true, per_day, true);
        score(&fx, &group)
    };
    let note = |c: &super::Cluster| {
        c.reasons
            .iter()
            .find(|r| r.indicator == "independence" && r.text.starts_with("shared content"))
            .map(|r| r.text.clone())
            .unwrap_or_else(|| panic!("no common-source note: {:?}", c.reasons))
    };
    // Twelve independent accounts, 60 a day each (three times what heavy
    // independent users reach) for 20 days: 14,400 exchanges, a small
    // group's volume, but each account works at a harvest's rate.
    let busy = run(60);
    let busy_note = note(&busy);
    assert!(
        busy_note.contains("scale of accounts each beyond heavy users' rate"),
        "{busy_note}"
    );
    // The same accounts at a course's 3 a day are explained by the source.
    let course = run(3);
    let course_note = note(&course);
    assert!(
        course_note.contains("volume sustained over weeks"),
        "{course_note}"
    );
    assert!(course.indicators.coordination < 0.1, "{:?}", course.reasons);
    assert!(
        busy.indicators.coordination > course.indicators.coordination + 0.2,
        "{:?} against {:?}",
        busy.reasons,
        course.reasons
    );
}

#[test]
fn a_group_that_is_its_clients_whole_population_has_no_pivot_to_compare() {
    let mut fx = Fixture::new(21, true);
    ordinary_people(&mut fx, 40, 0, 0.05);
    let agent = fx.client("agent-everyone-in-the-group-uses");
    let start = fx.start();
    let users: Vec<u32> = (0..20u32)
        .map(|i| {
            let minutes: Vec<u32> = (0..600).map(|k| start + k * 45 + i).collect();
            fx.account(
                facts(300, "card", Some(&format!("u-{i}"))),
                Traffic {
                    minutes,
                    client: agent,
                    adoption: 0.8,
                    ..Default::default()
                },
            )
        })
        .collect();
    let c = score(&fx, &users);
    assert_eq!(c.indicators.release_pivot, 0.0, "{:?}", c.reasons);
    assert!(
        c.reasons.iter().any(|r| r.indicator == "release_pivot"
            && r.text.contains("holds 20 of the 20 accounts of its client")
            && r.text.contains("no independent accounts")),
        "{:?}",
        c.reasons
    );
}

#[test]
fn new_accounts_on_education_access_are_no_evasion_without_hiding_or_scale() {
    let mut fx = Fixture::new(21, false);
    ordinary_people(&mut fx, 40, 0, 0.0);
    let start = fx.start();
    let students: Vec<u32> = (0..6u32)
        .map(|i| {
            let minutes: Vec<u32> = (0..60).map(|k| start + k * 400 + i).collect();
            let home = fx.origin(&format!("73.{i}.5.9"), 7922);
            let mut f = facts(3, "email", None);
            f.access_path = Some("education".into());
            fx.account(
                f,
                Traffic {
                    minutes,
                    origins: vec![home],
                    ..Default::default()
                },
            )
        })
        .collect();
    let c = score(&fx, &students);
    assert!(c.indicators.evasion < 0.01, "{:?}", c.reasons);
    assert!(
        c.reasons.iter().any(
            |r| r.indicator == "evasion" && r.text.contains("new accounts are ordinary unless")
        ),
        "the young accounts are shown, with why they do not count: {:?}",
        c.reasons
    );
}

#[test]
fn two_runs_that_overlapped_on_one_day_are_not_lock_step_but_a_daily_schedule_is() {
    let build = |days: u32| {
        let mut fx = Fixture::new(21, false);
        ordinary_people(&mut fx, 40, 0, 0.0);
        let start = fx.start();
        // Two scripts, the same 90 minutes at 03:00 UTC on `days` days.
        let pair: Vec<u32> = (0..2u32)
            .map(|_| {
                let minutes: Vec<u32> = (0..days)
                    .flat_map(|d| (0..90u32).map(move |k| start + (2 + 5 * d) * DAY + 180 + k))
                    .collect();
                fx.account(
                    facts(300, "card", None),
                    Traffic {
                        minutes,
                        ..Default::default()
                    },
                )
            })
            .collect();
        let graph = evidence::build(&fx.features, &fx.activity, &Params::default());
        kinds(&graph, pair[0], pair[1])
    };
    assert!(
        !build(1).contains(&EvidenceKind::Synchrony),
        "one overlap of two runs (two labs evaluating on release day)"
    );
    assert!(
        build(3).contains(&EvidenceKind::Synchrony),
        "a schedule kept day after day"
    );
}

#[test]
fn a_blocklisted_place_says_nothing_against_the_independent_people_behind_it() {
    let build = |shared_cards: bool| {
        let mut fx = Fixture::new(21, false);
        ordinary_people(&mut fx, 60, 0, 0.0);
        let campus = fx.origin("131.3.156.10", 64500);
        fx.features.indicators.push(crate::facts::IndicatorFacts {
            kind: "ip".into(),
            value: "131.3.156.10".into(),
            source: Some("community-blocklist".into()),
        });
        let students: Vec<u32> = (0..8u32)
            .map(|i| {
                let minutes = person(&mut fx, 60, 1);
                let home = fx.origin(&format!("73.{i}.8.4"), 7922);
                let card = if shared_cards {
                    format!("card-{}", i / 4)
                } else {
                    format!("own-{i}")
                };
                fx.account(
                    facts(5, "card", Some(&card)),
                    Traffic {
                        minutes,
                        origins: vec![campus, home],
                        ..Default::default()
                    },
                )
            })
            .collect::<Vec<u32>>();
        score(&fx, &students)
    };
    let independent = build(false);
    assert_eq!(
        independent.indicators.partner, 0.0,
        "{:?}",
        independent.reasons
    );
    assert!(
        independent.reasons.iter().any(|r| r.indicator == "partner"
            && r.text.contains("8 of 8 accounts match partner indicators")
            && r.text.contains("only on a place")),
        "shown, with why it does not count: {:?}",
        independent.reasons
    );
    let carded = build(true);
    assert!(carded.indicators.partner > 0.5, "{:?}", carded.reasons);
}

#[test]
fn a_burner_dropped_before_its_ban_and_taken_over_backs_young_accounts_as_a_ban_does() {
    let mut fx = Fixture::new(21, false);
    ordinary_people(&mut fx, 40, 0, 0.0);
    let start = fx.start();
    let work: Vec<u32> = (0..4).map(|k| fx.template(fx_hash(70 + k))).collect();
    let templates: Vec<(u32, f64)> = work.iter().map(|&t| (t, 0.25)).collect();
    let home = fx.origin("98.7.6.5", 7922);
    // Three young accounts, each dropped (not banned) and taken over
    // within minutes by the next, from one sticky network.
    let mut chain = Vec::new();
    let mut from = start + DAY;
    for k in 0..3u32 {
        let to = from + 4 * DAY;
        let mut minutes: Vec<u32> = (0..400)
            .map(|_| from + fx.rng().below((to - from) as usize) as u32)
            .collect();
        minutes.push(from);
        let mut f = facts(0, "card", Some(&format!("burner-{k}")));
        f.created_ms = i64::from(from.saturating_sub(5)) * 60_000;
        chain.push(fx.account(
            f,
            Traffic {
                minutes,
                templates: templates.clone(),
                capability: 2,
                origins: vec![home],
                ..Default::default()
            },
        ));
        let last = (fx.features.accounts[chain[k as usize] as usize]
            .last_ms
            .unwrap_or(0)
            / 60_000) as u32;
        from = last + 9;
    }
    let c = score(&fx, &chain);
    let young = c
        .reasons
        .iter()
        .find(|r| r.indicator == "evasion" && r.text.contains("first used within 30 days"))
        .unwrap_or_else(|| panic!("{:?}", c.reasons));
    assert!(
        young.strength > 0.3,
        "hand-offs back the young accounts: {:?}",
        c.reasons
    );
}

/// Runs the whole analysis on a fixture: the evidence graph, Leiden and its
/// corrections, the scores and the campaigns.
fn analyse(fx: &Fixture) -> super::AnalysisResult {
    let params = Params::default();
    let mut stats = super::RunStats::default();
    let clustering = super::cluster(&fx.features, &fx.activity, &params, &mut stats);
    super::score_membership(
        &fx.features,
        &fx.activity,
        &fx.windows,
        &clustering.graph,
        &mut clustering.algorithm.clone(),
        &[],
        &params,
        &mut stats,
    )
}

#[test]
fn a_lone_account_doing_a_crews_work_over_its_infrastructure_joins_its_campaign() {
    let mut fx = Fixture::new(21, false);
    ordinary_people(&mut fx, 60, 0, 0.0);
    // The crew's servers: a third of each crew account's traffic; four of
    // them use servers of their own, each shared with one account outside.
    let server = fx.origin("45.77.1.9", 20473);
    let spares: Vec<u32> = (0..4)
        .map(|i| fx.origin(&format!("45.{}.2.9", 80 + i), 20473))
        .collect();
    // The harvest every crew account does, each request with a fresh
    // template: coding with step-by-step reasoning, long outputs.
    let harvest = |fx: &mut Fixture, exchanges: usize, salt: u32, origins: Vec<u32>| {
        let minutes = job(fx, exchanges, 0.0);
        let templates: Vec<(u32, f64)> = (0..20)
            .map(|k| (fx.template(fx_hash(50_000 + salt * 100 + k)), 0.05))
            .collect();
        Traffic {
            minutes,
            templates,
            capability: 2,
            tokens: (350, 3600),
            cot: 0.9,
            origins,
            ..Default::default()
        }
    };
    // The crew: young accounts on one card, working from the server and
    // proxies of their own.
    let mut crew = Vec::new();
    for i in 0..12u32 {
        let proxy = fx.origin(&format!("73.9.{}.4", i), 7922);
        let servers = spares.get(i as usize).copied().unwrap_or(server);
        let traffic = harvest(&mut fx, 260, i, vec![servers, proxy, proxy]);
        let a = fx.account(facts(4, "email", Some("crew-card")), traffic);
        if i % 3 == 0 {
            fx.ban(a);
        }
        crew.push(a);
    }
    // Its lone accounts: each on a card of its own.
    let mut lone = Vec::new();
    for i in 0..3u32 {
        let proxy = fx.origin(&format!("73.8.{}.4", i), 7922);
        let traffic = harvest(
            &mut fx,
            230,
            100 + i,
            vec![spares[i as usize], proxy, proxy],
        );
        lone.push(fx.account(facts(6, "email", Some(&format!("lone-{i}"))), traffic));
    }
    // A young account on the fourth server doing ordinary work.
    let minutes = person(&mut fx, 120, 3);
    let chat = fx.origin("73.7.1.4", 7922);
    let other = fx.account(
        facts(6, "email", Some("other")),
        Traffic {
            minutes,
            origins: vec![spares[3], chat, chat],
            ..Default::default()
        },
    );
    let result = analyse(&fx);
    assert!(
        result
            .links
            .iter()
            .any(|l| (l.a, l.b) == (crew[3].min(other), crew[3].max(other))),
        "the account doing other work shares the server with the crew"
    );
    let cluster_of = |a: u32| {
        result
            .clusters
            .iter()
            .find(|c| c.members.contains(&a))
            .expect("every account is in a cluster")
    };
    // The lone accounts are not in the crew's cluster: no link ties them
    // strongly enough.
    for &a in &lone {
        assert_eq!(cluster_of(a).members, vec![a], "{a} is clustered");
    }
    let campaign = result
        .campaigns
        .iter()
        .find(|k| k.members.contains(&crew[0]))
        .expect("the crew is a campaign");
    assert!(campaign.suspected, "{:?}", campaign.reasons);
    for &a in &lone {
        assert!(campaign.members.contains(&a), "lone {a} not joined");
    }
    assert!(
        !campaign.members.contains(&other),
        "an account on the server doing other work joined"
    );
}

#[test]
fn a_disposable_account_of_two_requests_on_two_of_a_campaigns_own_families_joins_it() {
    let mut fx = Fixture::new(21, false);
    ordinary_people(&mut fx, 60, 0, 0.0);
    // A templated campaign: young accounts on one card, a third banned,
    // spread over ten template families of its own.
    let families: Vec<u32> = (0..10).map(|k| fx.template(fx_hash(61_000 + k))).collect();
    let server = fx.origin("45.77.1.9", 20473);
    let mut crew = Vec::new();
    for i in 0..12u32 {
        let minutes = job(&mut fx, 240, 0.0);
        let a = fx.account(
            facts(4, "email", Some("crew-card")),
            Traffic {
                minutes,
                templates: families.iter().map(|&t| (t, 0.1)).collect(),
                capability: 2,
                tokens: (350, 3600),
                cot: 0.9,
                origins: vec![server],
                ..Default::default()
            },
        );
        if i % 3 == 0 {
            fx.ban(a);
        }
        crew.push(a);
    }
    // Burners of two requests each, on cards and homes of their own: one
    // on two of the campaign's families, one on one of them and a prompt
    // of its own, one on two prompts of its own.
    let burner = |fx: &mut Fixture, i: u32, templates: Vec<(u32, f64)>| {
        let start = fx.start();
        let home = fx.origin(&format!("81.6.{i}.2"), 3320);
        fx.account(
            facts(3, "card", Some(&format!("burner-{i}"))),
            Traffic {
                minutes: vec![start + 600 + i * 3, start + 700 + i * 3],
                templates,
                capability: 2,
                tokens: (350, 3600),
                cot: 0.9,
                origins: vec![home],
                ..Default::default()
            },
        )
    };
    let own = |fx: &mut Fixture, k: u32| fx.template(fx_hash(62_000 + k));
    let both = burner(&mut fx, 0, vec![(families[2], 0.5), (families[7], 0.5)]);
    let mine = own(&mut fx, 1);
    let one = burner(&mut fx, 1, vec![(families[4], 0.5), (mine, 0.5)]);
    let (x, y) = (own(&mut fx, 2), own(&mut fx, 3));
    let neither = burner(&mut fx, 2, vec![(x, 0.5), (y, 0.5)]);
    let result = analyse(&fx);
    let campaign = campaign_holding(&result, crew[1], &crew);
    assert!(campaign.suspected, "{:?}", campaign.reasons);
    assert!(
        campaign.members.contains(&both),
        "two requests on two of the campaign's own families"
    );
    assert!(
        !campaign.members.contains(&one),
        "one request on the campaign's families says nothing"
    );
    assert!(!campaign.members.contains(&neither));
}

/// Minutes of a shift worker: `per_day` requests on each of the case's
/// first `days` days, all within `hours` hours from `start_hour` (UTC).
fn shift_worker(
    fx: &mut Fixture,
    days: u32,
    per_day: u32,
    start_hour: u32,
    hours: u32,
) -> Vec<u32> {
    let start = fx.start();
    let mut out = Vec::new();
    for day in 0..days {
        for _ in 0..per_day {
            let minute = fx.rng().below((hours * 60) as usize) as u32;
            out.push(start + day * DAY + start_hour * 60 + minute);
        }
    }
    out
}

/// A harvest in `minutes`, each request a fresh template (20 of them, from
/// `salt` on): reasoning with long outputs, from `origin`.
fn fresh_harvest(fx: &mut Fixture, minutes: Vec<u32>, salt: u32, origin: u32) -> Traffic {
    let templates: Vec<(u32, f64)> = (0..20)
        .map(|k| (fx.template(fx_hash(salt + k)), 0.05))
        .collect();
    Traffic {
        minutes,
        templates,
        capability: 2,
        tokens: (350, 3600),
        cot: 0.9,
        origins: vec![origin],
        ..Default::default()
    }
}

/// The campaign holding `first`, asserted to hold every one of `others`.
fn campaign_holding<'r, 'a>(
    result: &'r super::AnalysisResult,
    first: u32,
    others: impl IntoIterator<Item = &'a u32>,
) -> &'r super::campaigns::Campaign {
    let campaign = result
        .campaigns
        .iter()
        .find(|k| k.members.contains(&first))
        .unwrap_or_else(|| panic!("{first} is in no campaign"));
    for a in others {
        assert!(
            campaign.members.contains(a),
            "{a} is not in {}",
            campaign.id
        );
    }
    campaign
}

/// Asserts that one of `campaign`'s reasons says what `says` looks for.
fn assert_reason(campaign: &super::campaigns::Campaign, says: impl Fn(&str) -> bool) {
    assert!(
        campaign.reasons.iter().any(|r| says(&r.text)),
        "{:?}",
        campaign.reasons
    );
}

#[test]
fn pieces_of_a_crew_that_share_only_its_shift_and_its_work_are_one_campaign() {
    let mut fx = Fixture::new(21, false);
    ordinary_people(&mut fx, 60, 0, 0.0);
    let harvest = |fx: &mut Fixture, minutes: Vec<u32>, salt: u32, origin: u32| {
        fresh_harvest(fx, minutes, 70_000 + salt * 100, origin)
    };
    // Two pieces of one crew, 14:00–17:00 UTC every day, each on a card of
    // its own: nothing links one piece to the other. A third piece does the
    // same work on another shift (02:00–05:00).
    let mut pieces: Vec<Vec<u32>> = Vec::new();
    for (p, start_hour) in [(0u32, 14u32), (1, 14), (2, 2)] {
        let mut piece = Vec::new();
        for i in 0..6u32 {
            let minutes = shift_worker(&mut fx, 20, 12, start_hour, 3);
            let origin = fx.origin(&format!("73.{p}.{i}.4"), 7922);
            let traffic = harvest(&mut fx, minutes, p * 10 + i, origin);
            piece.push(fx.account(facts(5, "email", Some(&format!("card-{p}"))), traffic));
        }
        pieces.push(piece);
    }
    // A young account of its own on the crew's shift doing its work, and a
    // young account on the same hours doing ordinary work.
    let minutes = shift_worker(&mut fx, 20, 12, 14, 3);
    let origin = fx.origin("73.9.9.4", 7922);
    let traffic = harvest(&mut fx, minutes, 99, origin);
    let lone = fx.account(facts(5, "email", Some("own-card")), traffic);
    let minutes = shift_worker(&mut fx, 20, 12, 14, 3);
    let origin = fx.origin("73.9.8.4", 7922);
    let chat = fx.template(fx_hash(77_777));
    let other = fx.account(
        facts(5, "email", Some("other-card")),
        Traffic {
            minutes,
            templates: vec![(chat, 1.0)],
            origins: vec![origin],
            ..Default::default()
        },
    );
    let result = analyse(&fx);
    let cluster_of = |a: u32| {
        result
            .clusters
            .iter()
            .position(|c| c.members.contains(&a))
            .expect("every account is in a cluster")
    };
    assert_ne!(
        cluster_of(pieces[0][0]),
        cluster_of(pieces[1][0]),
        "the two pieces were meant to be apart at the cluster level"
    );
    let campaign = campaign_holding(&result, pieces[0][0], pieces[1].iter().chain([&lone]));
    assert_reason(campaign, |text| {
        text.contains("shared shift alone") && text.contains("14:00–17:00 UTC")
    });
    for &a in pieces[2].iter().chain([&other]) {
        assert!(
            !campaign.members.contains(&a),
            "{a} (another shift, or other work) joined"
        );
    }
}

#[test]
fn an_address_taken_in_turns_by_more_than_a_crowd_is_evidence_and_one_used_at_once_is_not() {
    // 40 accounts on one address (more than the crowd limit of 16 here):
    // one after another, two at a time at most, or all at once.
    let build = |in_turns: bool| {
        let mut fx = Fixture::new(30, false);
        ordinary_people(&mut fx, 60, 0, 0.0);
        let start = fx.start();
        let shared = fx.origin("198.51.100.7", 64_500);
        let mut accounts = Vec::new();
        for i in 0..40u32 {
            let from = if in_turns {
                start + i * DAY * 7 / 10
            } else {
                start
            };
            let minutes: Vec<u32> = (0..30).map(|k| from + k * 30).collect();
            accounts.push(fx.account(
                facts(2, "email", Some(&format!("own-{i}"))),
                Traffic {
                    minutes,
                    origins: vec![shared],
                    ..Default::default()
                },
            ));
        }
        let most = evidence::most_at_once(&accounts, &fx.features.accounts);
        let graph = evidence::build(&fx.features, &fx.activity, &Params::default());
        (most, graph.values_too_common)
    };
    let (most, too_common) = build(true);
    assert_eq!(
        most, 1,
        "each account's day ends before the next one starts"
    );
    assert_eq!(
        too_common, 0,
        "taken in turns, the address and its network are evidence"
    );
    let (most, too_common) = build(false);
    assert_eq!(most, 40);
    assert_eq!(
        too_common, 2,
        "all at once, the address and its network are a crowd's"
    );
}

#[test]
fn accounts_moving_from_one_crews_shift_to_anothers_tie_the_crews() {
    let build = |movers: u32| {
        let mut fx = Fixture::new(21, false);
        ordinary_people(&mut fx, 60, 0, 0.0);
        let harvest = |fx: &mut Fixture, minutes: Vec<u32>, salt: u32, origin: u32| {
            fresh_harvest(fx, minutes, 80_000 + salt * 100, origin)
        };
        // Two crews, each on a card of its own: 14:00–17:00 and 02:00–05:00.
        let mut crews: Vec<Vec<u32>> = Vec::new();
        for (c, start_hour) in [(0u32, 14u32), (1, 2)] {
            let mut crew = Vec::new();
            for i in 0..6u32 {
                let minutes = shift_worker(&mut fx, 20, 12, start_hour, 3);
                let origin = fx.origin(&format!("73.{c}.{i}.4"), 7922);
                let traffic = harvest(&mut fx, minutes, c * 10 + i, origin);
                crew.push(fx.account(facts(5, "email", Some(&format!("crew-{c}"))), traffic));
            }
            crews.push(crew);
        }
        // Young accounts of their own that work the first crew's shift for
        // ten days, then the second's.
        let start = fx.start();
        for i in 0..movers {
            let first = shift_worker(&mut fx, 10, 12, 14, 3);
            let then: Vec<u32> = shift_worker(&mut fx, 10, 12, 2, 3)
                .into_iter()
                .map(|m| m + 10 * DAY)
                .collect();
            assert!(first.iter().chain(&then).all(|&m| m >= start));
            let origin = fx.origin(&format!("73.7.{i}.4"), 7922);
            let traffic = harvest(&mut fx, [first, then].concat(), 50 + i, origin);
            fx.account(facts(5, "email", Some(&format!("mover-{i}"))), traffic);
        }
        let result = analyse(&fx);
        let campaign_of = |a: u32| result.campaigns.iter().position(|k| k.members.contains(&a));
        let one = campaign_of(crews[0][0]).is_some()
            && campaign_of(crews[0][0]) == campaign_of(crews[1][0]);
        let said = campaign_of(crews[0][0]).is_some_and(|k| {
            result.campaigns[k].reasons.iter().any(|r| {
                r.text
                    .contains("moved from one of its crews' shifts to another's")
            })
        });
        (one, said)
    };
    assert_eq!(
        build(0),
        (false, false),
        "two crews on two shifts, nothing between them"
    );
    assert_eq!(build(2), (true, true), "accounts moved between the crews");
}

#[test]
fn pieces_of_a_crew_whose_cover_hides_its_shift_are_one_campaign_by_the_hours_beyond_everyones() {
    let mut fx = Fixture::new(21, false);
    // The population: 300 people over twelve time zones, most of the traffic.
    ordinary_people(&mut fx, 300, 0, 0.0);
    // Two pieces of one crew, 14:00–17:00 UTC every day, each on a card of
    // its own, and a third piece on 02:00–05:00; every account sends two
    // fifths of its traffic as cover spread over a person's day, so no six
    // hours hold 80% of anyone's traffic (no working window of its own).
    let mut pieces: Vec<Vec<u32>> = Vec::new();
    for (p, start_hour) in [(0u32, 14u32), (1, 14), (2, 2)] {
        let mut piece = Vec::new();
        for i in 0..6u32 {
            let mut minutes = shift_worker(&mut fx, 20, 6, start_hour, 3);
            minutes.extend(person(&mut fx, 80, (p * 6 + i) * 2 % 24));
            let origin = fx.origin(&format!("73.{p}.{i}.4"), 7922);
            let traffic = fresh_harvest(&mut fx, minutes, 90_000 + (p * 10 + i) * 100, origin);
            piece.push(fx.account(facts(5, "email", Some(&format!("card-{p}"))), traffic));
        }
        pieces.push(piece);
    }
    let result = analyse(&fx);
    let campaign = campaign_holding(&result, pieces[0][0], &pieces[1]);
    assert_reason(campaign, |text| {
        text.contains("beyond everyone else") && text.contains("UTC")
    });
    assert!(
        !campaign
            .reasons
            .iter()
            .any(|r| r.text.contains("shared shift alone")),
        "the cover was meant to leave no working window: {:?}",
        campaign.reasons
    );
    for &a in &pieces[2] {
        assert!(!campaign.members.contains(&a), "{a} (another shift) joined");
    }
}

/// A crew of six on its own card, 14:00–17:00, half of it banned, fresh
/// templates; its first `on_domain` accounts registered on the throw-away
/// domain `quanta42.ai`.
fn crew_on_domain(fx: &mut Fixture, on_domain: u32) -> Vec<u32> {
    let mut crew = Vec::new();
    for i in 0..6u32 {
        let minutes = shift_worker(fx, 20, 12, 14, 3);
        let origin = fx.origin(&format!("73.1.{i}.4"), 7922);
        let traffic = fresh_harvest(fx, minutes, 95_000 + i * 100, origin);
        let mut account = facts(5, "email", Some("crew-card"));
        if i < on_domain {
            account.email_domain = Some("quanta42.ai".into());
        }
        let a = fx.account(account, traffic);
        if i % 2 == 0 {
            fx.ban(a);
        }
        crew.push(a);
    }
    crew
}

#[test]
fn accounts_an_owner_holds_doing_a_crews_work_join_it_by_the_owners_domain_and_others_do_not() {
    let build = |burner_work: bool| {
        let mut fx = Fixture::new(21, false);
        ordinary_people(&mut fx, 60, 0, 0.0);
        // A crew on its own card, 14:00–17:00, half of it banned, one of
        // its accounts registered on a throw-away domain.
        let crew = crew_on_domain(&mut fx, 1);
        // Three burners on the same domain, each on its own card, eight
        // requests in all: too few to profile one by one.
        let mut burners = Vec::new();
        for i in 0..3u32 {
            let minutes = shift_worker(&mut fx, 2, 4, 14, 3);
            let origin = fx.origin(&format!("73.2.{i}.4"), 7922);
            let traffic = if burner_work {
                fresh_harvest(&mut fx, minutes, 96_000 + i * 100, origin)
            } else {
                let chat = fx.template(fx_hash(97_000 + i));
                Traffic {
                    minutes,
                    templates: vec![(chat, 1.0)],
                    origins: vec![origin],
                    ..Default::default()
                }
            };
            let mut account = facts(3, "email", Some(&format!("burner-{i}")));
            account.email_domain = Some("quanta42.ai".into());
            burners.push(fx.account(account, traffic));
        }
        let result = analyse(&fx);
        let campaign = result
            .campaigns
            .iter()
            .find(|k| k.members.contains(&crew[1]))
            .expect("the crew is a campaign");
        burners
            .iter()
            .filter(|a| campaign.members.contains(a))
            .count()
    };
    assert_eq!(build(true), 3, "the owner's burners doing the crew's work");
    assert_eq!(build(false), 0, "the owner's accounts doing other work");
}

#[test]
fn an_owners_account_joins_by_content_unlike_the_populations_and_not_by_content_strangers_share() {
    // A crew on its own card harvesting reasoning, three of its accounts on
    // a throw-away domain; a burner on that domain, on a card of its own,
    // whose work is like the crew's in kind but with less chain-of-thought
    // and shorter answers (a second job of the owner's, or a stranger's).
    // `strangers`: forty unrelated accounts of the population do the
    // burner's kind of work too, so its content says nothing of whose it is.
    let build = |strangers: bool| {
        let mut fx = Fixture::new(21, false);
        ordinary_people(&mut fx, 60, 0, 0.0);
        let burner_work = |fx: &mut Fixture, minutes: Vec<u32>, salt: u32, origin: u32| {
            let mut traffic = fresh_harvest(fx, minutes, salt, origin);
            traffic.cot = BURNER_COT;
            traffic.tokens = BURNER_TOKENS;
            traffic
        };
        if strangers {
            for i in 0..40u32 {
                let minutes = person(&mut fx, 40, i % 12);
                let home = fx.origin(&format!("88.{i}.3.1"), 3320);
                let traffic = burner_work(&mut fx, minutes, 70_000 + i * 100, home);
                fx.account(facts(400, "card", Some(&format!("s-{i}"))), traffic);
            }
        }
        let crew = crew_on_domain(&mut fx, 3);
        let minutes = shift_worker(&mut fx, 4, 6, 9, 3);
        let origin = fx.origin("73.2.0.4", 7922);
        let traffic = burner_work(&mut fx, minutes, 96_000, origin);
        let mut account = facts(3, "email", Some("burner"));
        account.email_domain = Some("quanta42.ai".into());
        let burner = fx.account(account, traffic);
        let result = analyse(&fx);
        let campaign = campaign_holding(&result, crew[1], &crew);
        assert!(campaign.suspected, "{:?}", campaign.reasons);
        campaign.members.contains(&burner)
    };
    assert!(
        build(false),
        "content beyond what the population does, on the owner's domain"
    );
    assert!(
        !build(true),
        "content forty strangers share says nothing of whose the account is"
    );
}

/// The burner's work in the test above: reasoning like the crew's, less
/// chain-of-thought and shorter answers.
const BURNER_COT: f64 = 0.8;
const BURNER_TOKENS: (i64, i64) = (350, 3000);

#[test]
fn one_common_source_seen_through_many_kinds_is_counted_once() {
    // Four organisations of three accounts each run one public benchmark
    // through one harness: its prompts and its client, and within each
    // organisation its office address (requests and sign-ups) and its
    // domain. Every member on a card of its own, the organisations in two
    // time zones, sign-ups weeks apart: independent in part.
    let mut fx = Fixture::new(21, false);
    ordinary_people(&mut fx, 60, 0, 0.0);
    let benchmark = fx.template(0x0b0b_7e57_0000_0001);
    let harness = fx.client("harness/1.0");
    let mut members = Vec::new();
    for org in 0..4u32 {
        let office = format!("93.{org}.7.1");
        let origin = fx.origin(&office, 5000 + i64::from(org));
        for i in 0..3u32 {
            let k = org * 3 + i;
            let own = fx.template(fx_hash(8000 + k));
            let minutes = daily(&fx, 6, 20, (org % 2) * 8, k);
            let mut account = facts(100 + 4 * i64::from(k), "card", Some(&format!("own-{k}")));
            account.email_domain = Some(format!("org{org}.example"));
            account.signup_ip = Some(office.clone());
            members.push(fx.account(
                account,
                Traffic {
                    minutes,
                    templates: vec![(benchmark, 0.8), (own, 0.2)],
                    client: harness,
                    origins: vec![origin],
                    ..Default::default()
                },
            ));
        }
    }
    let c = score(&fx, &members);
    let common: Vec<&super::Reason> = c
        .reasons
        .iter()
        .filter(|r| r.indicator == "coordination" && r.text.contains("a common source explains it"))
        .collect();
    assert!(
        common.len() >= 4,
        "the source shows in several kinds: {:?}",
        c.reasons
    );
    let factor: f64 = c
        .reasons
        .iter()
        .find_map(|r| {
            let rest = r.text.strip_prefix("shared content and places count ")?;
            rest[..4].parse().ok()
        })
        .unwrap_or_else(|| panic!("no common-source discount: {:?}", c.reasons));
    assert!(
        factor > 0.1 && factor < 0.9,
        "members independent in part: {factor}"
    );
    // Each kind alone is counted `factor`×; together they are one source,
    // counted `factor`× once, not compounded kind by kind.
    assert!(
        c.indicators.coordination <= factor + 1e-9,
        "coordination {} against the discount {factor}: {:?}",
        c.indicators.coordination,
        c.reasons
    );
    let compounded = 1.0 - common.iter().map(|r| 1.0 - r.strength).product::<f64>();
    assert!(
        compounded > factor,
        "the kinds compounded one by one would exceed it ({compounded:.2})"
    );
}

#[test]
fn scale_backs_a_pivot_only_as_far_as_it_reads_and_evasion_twice_as_far() {
    // A release-day pivot with nothing else of bad faith but a weak scale
    // (a benchmark run on release day by its runners, a few days of dense
    // traffic): the pivot counts as far as the scale reads (0.26×), and
    // the scale itself counts once.
    let base = Indicators {
        coordination: 0.43,
        extraction: 0.88,
        release_pivot: 0.37,
        ..Indicators::default()
    };
    let by_scale = Indicators {
        scale: 0.26,
        ..base.clone()
    };
    let by_evasion = Indicators {
        evasion: 0.26,
        ..base.clone()
    };
    let bad_faith = |i: &Indicators| {
        let s = score_from_indicators(i) / (0.85 + 0.15 * i.automation);
        s.powi(3) / (i.coordination * i.extraction)
    };
    let expect_scale = 1.0 - (1.0 - 0.8 * 0.26) * (1.0 - 0.6 * 0.37 * 0.26);
    assert!((bad_faith(&by_scale) - expect_scale).abs() < 1e-9);
    let expect_evasion = 1.0 - (1.0 - 0.26) * (1.0 - 0.6 * 0.37 * 0.52);
    assert!((bad_faith(&by_evasion) - expect_evasion).abs() < 1e-9);
    assert!(
        score_from_indicators(&by_scale) < 0.5,
        "{}",
        score_from_indicators(&by_scale)
    );
}

#[test]
fn movers_and_lone_accounts_of_crews_whose_cover_hides_their_shifts_join_by_the_hours_they_stand_out_in()
 {
    let build = |movers: u32| {
        let mut fx = Fixture::new(21, false);
        ordinary_people(&mut fx, 300, 0, 0.0);
        let harvest = |fx: &mut Fixture, minutes: Vec<u32>, salt: u32, origin: u32| {
            fresh_harvest(fx, minutes, 120_000 + salt * 100, origin)
        };
        // Two crews, 14:00–17:00 and 02:00–05:00 UTC, each in two pieces
        // on a card of their own; every account sends two fifths of its
        // traffic as cover over a person's day (no working window of its
        // own).
        let mut crews: Vec<Vec<u32>> = Vec::new();
        for (c, start_hour) in [(0u32, 14u32), (1, 2)] {
            let mut crew = Vec::new();
            for i in 0..12u32 {
                let mut minutes = shift_worker(&mut fx, 20, 6, start_hour, 3);
                minutes.extend(person(&mut fx, 80, (c * 12 + i) * 2 % 24));
                let origin = fx.origin(&format!("73.{c}.{i}.4"), 7922);
                let traffic = harvest(&mut fx, minutes, c * 20 + i, origin);
                let card = format!("crew-{c}-{}", i / 6);
                crew.push(fx.account(facts(5, "email", Some(&card)), traffic));
            }
            crews.push(crew);
        }
        // Young accounts of their own that work the first crew's shift for
        // ten days, then the second's, under the same cover.
        let mut moved = Vec::new();
        for i in 0..movers {
            let first = shift_worker(&mut fx, 10, 6, 14, 3);
            let then: Vec<u32> = shift_worker(&mut fx, 10, 6, 2, 3)
                .into_iter()
                .map(|m| m + 10 * DAY)
                .collect();
            let mut minutes = [first, then].concat();
            minutes.extend(person(&mut fx, 80, 5 + 2 * i));
            let origin = fx.origin(&format!("73.7.{i}.4"), 7922);
            let traffic = harvest(&mut fx, minutes, 50 + i, origin);
            moved.push(fx.account(facts(5, "email", Some(&format!("mover-{i}"))), traffic));
        }
        // A young account of its own on the first crew's shift under cover,
        // doing its work; another on the same hours doing ordinary work.
        let mut minutes = shift_worker(&mut fx, 20, 6, 14, 3);
        minutes.extend(person(&mut fx, 80, 7));
        let origin = fx.origin("73.9.9.4", 7922);
        let traffic = harvest(&mut fx, minutes, 99, origin);
        let lone = fx.account(facts(5, "email", Some("own-card")), traffic);
        let mut minutes = shift_worker(&mut fx, 20, 6, 14, 3);
        minutes.extend(person(&mut fx, 80, 7));
        let origin = fx.origin("73.9.8.4", 7922);
        let chat = fx.template(fx_hash(121_777));
        let other = fx.account(
            facts(5, "email", Some("other-card")),
            Traffic {
                minutes,
                templates: vec![(chat, 1.0)],
                origins: vec![origin],
                ..Default::default()
            },
        );
        let result = analyse(&fx);
        let campaign_of = |a: u32| result.campaigns.iter().position(|k| k.members.contains(&a));
        let first = campaign_of(crews[0][0]).expect("the first crew is a campaign");
        let campaign = campaign_holding(&result, crews[0][0], &crews[0]);
        assert!(campaign.members.contains(&lone), "the lone account joined");
        assert!(
            !campaign.members.contains(&other),
            "the ordinary one did not"
        );
        let one = campaign_of(crews[1][0]) == Some(first);
        if one {
            campaign_holding(&result, crews[0][0], &crews[1]);
        }
        let said = campaign.reasons.iter().any(|r| {
            r.text
                .contains("moved from one of its crews' shifts to another's")
        });
        let timing = campaign
            .reasons
            .iter()
            .any(|r| r.indicator == "coordination" && r.text.contains("tied by their timing"));
        (one, said, timing)
    };
    // Each crew's two pieces stand out in the same hours: synchronised.
    assert_eq!(
        build(0),
        (false, false, true),
        "two crews on two shifts, nothing between them"
    );
    assert_eq!(
        build(2),
        (true, true, true),
        "accounts moved between the crews: one campaign"
    );
}

#[test]
fn an_account_at_home_on_a_proxy_exit_is_left_out_of_the_crew_passing_through() {
    let build = |on_the_crews_card: bool, pinned: bool| {
        let mut fx = Fixture::new(21, false);
        ordinary_people(&mut fx, 60, 0, 0.0);
        // Somebody's home, which is also one of a residential proxy's
        // exits, and two more exits: a crew of four, each on a card of its
        // own, half of it banned, signed up through that home and sends a
        // quarter of its requests through each exit and the rest from a
        // server of its own. Nothing but addresses ties it together.
        let home = fx.origin("81.2.3.4", 3320);
        let exits = [fx.origin("82.5.6.7", 3321), fx.origin("83.8.9.1", 3322)];
        let mut crew = Vec::new();
        for i in 0..4u32 {
            let minutes = shift_worker(&mut fx, 20, 12, 14, 3);
            let server = fx.origin(&format!("91.{i}.1.8"), 9009);
            let mut traffic = fresh_harvest(&mut fx, minutes, 130_000 + i * 100, server);
            traffic.origins = vec![server, exits[0], exits[1], home];
            let mut account = facts(5, "email", Some(&format!("crew-card-{i}")));
            account.signup_ip = Some("81.2.3.4".into());
            let a = fx.account(account, traffic);
            if i % 2 == 0 {
                fx.ban(a);
            }
            crew.push(a);
        }
        // The person who lives there: an old account, ordinary work, signed
        // up and every request from home.
        let minutes = person(&mut fx, 120, 3);
        let chat = fx.template(fx_hash(131_000));
        let card = if on_the_crews_card {
            "crew-card-0"
        } else {
            "own-card"
        };
        let mut account = facts(400, "card", Some(card));
        account.signup_ip = Some("81.2.3.4".into());
        let resident = fx.account(
            account,
            Traffic {
                minutes,
                templates: vec![(chat, 1.0)],
                origins: vec![home],
                ..Default::default()
            },
        );
        // Whatever the clustering made of it, the resident is put in the
        // crew's cluster: what is judged is the rule.
        let params = Params::default();
        let mut stats = super::RunStats::default();
        let clustering = super::cluster(&fx.features, &fx.activity, &params, &mut stats);
        let mut membership = clustering.algorithm.clone();
        membership[resident as usize] = membership[crew[0] as usize];
        // An analyst may have placed it there.
        let placed: Vec<u32> = if pinned { vec![resident] } else { Vec::new() };
        let result = super::score_membership(
            &fx.features,
            &fx.activity,
            &fx.windows,
            &clustering.graph,
            &mut membership,
            &placed,
            &params,
            &mut stats,
        );
        let cluster_of = |a: u32| {
            result
                .clusters
                .iter()
                .find(|c| c.members.contains(&a))
                .expect("every account is in a cluster")
        };
        let crew_cluster = cluster_of(crew[0]);
        let noted = crew_cluster
            .reasons
            .iter()
            .any(|r| r.indicator == "exculpation" && r.text.contains("left out"));
        (crew_cluster.members.contains(&resident), noted)
    };
    assert_eq!(
        build(false, false),
        (false, true),
        "tied only by the address the crew passes through: left out, and said so"
    );
    assert_eq!(
        build(true, false),
        (true, false),
        "on the crew's card it is one of them"
    );
    assert_eq!(
        build(false, true),
        (true, false),
        "placed there by an analyst, it stays"
    );
}

#[test]
fn poisson_surprise_is_the_tail_of_the_count_in_powers_of_ten() {
    use super::score::poisson_surprise;
    // P(X ≥ 1) = 1 − e^−λ.
    let one = -(1.0 - (-0.1f64).exp()).log10();
    assert!((poisson_surprise(1, 0.1) - one).abs() < 1e-9);
    // P(X ≥ 3 | λ = 1) = 1 − e^−1 (1 + 1 + 1/2).
    let three = -(1.0 - (-1.0f64).exp() * 2.5).log10();
    assert!((poisson_surprise(3, 1.0) - three).abs() < 1e-9);
    // No more than expected is no surprise; far more is a large one.
    assert_eq!(poisson_surprise(2, 2.0), 0.0);
    assert_eq!(poisson_surprise(0, 0.5), 0.0);
    assert!(poisson_surprise(16, 0.7) > 15.0);
}

#[test]
fn bans_beyond_the_population_rate_tell_of_a_group_only_as_far_as_it_is_one_operation() {
    let evasion_texts = |c: &super::Cluster| -> Vec<String> {
        c.reasons
            .iter()
            .filter(|r| r.indicator == "evasion")
            .map(|r| r.text.clone())
            .collect()
    };
    // Twelve accounts doing one harvest at a tool user's volume, 4 of them
    // banned where the population (none banned) expects 0.2.
    let banned_group = |independent: bool| {
        let mut fx = Fixture::new(21, false);
        ordinary_people(&mut fx, 60, 0, 0.0);
        let group = content_group(&mut fx, independent, 6, true);
        for &a in &group[..4] {
            fx.ban(a);
        }
        score(&fx, &group)
    };
    // One operation: shared cards, one proxy pool, sign-ups in one week.
    let d = banned_group(false);
    let texts = evasion_texts(&d);
    assert!(
        texts.iter().any(|t| t
            .starts_with("4 of 12 accounts banned, where the population's ban rate")
            && t.contains("beyond chance")),
        "{texts:?}"
    );
    assert!(d.indicators.evasion > 0.5, "{:?}", d.reasons);
    // Independent people, the same 4 banned: the bans tell of those
    // banned, not of the crowd.
    let c = banned_group(true);
    let texts = evasion_texts(&c);
    assert!(
        texts.iter().any(|t| t
            .starts_with("4 of 12 accounts banned, where the population's ban rate")
            && t.ends_with("so the bans tell only of those banned")),
        "{texts:?}"
    );
    assert!(c.indicators.evasion < 0.3, "{:?}", c.reasons);
    assert!(!c.suspected, "score {}: {:?}", c.score, c.reasons);
}

/// `count` independent people (own cards, homes on network `82.x` or
/// whichever `net` says, four time zones), each sending `exchanges`
/// requests, `each` of them on each of `shared` and the rest on a template
/// of its own (`salt` keeps those apart between callers).
fn independent_users_of(
    fx: &mut Fixture,
    shared: &[u32],
    each: f64,
    count: u32,
    (exchanges, salt, net): (usize, u32, u32),
) -> Vec<u32> {
    (0..count)
        .map(|i| {
            let personal = fx.template(fx_hash(salt + i));
            let minutes = person(fx, exchanges, [0, 3, 8, 15][i as usize % 4]);
            let origin = fx.origin(&format!("{net}.{}.{}.9", i / 200, i % 200), 3320);
            let mut templates: Vec<(u32, f64)> = shared.iter().map(|&t| (t, each)).collect();
            templates.push((personal, 1.0 - each * shared.len() as f64));
            fx.account(
                facts(200 + 7 * i64::from(i), "card", Some(&format!("own-{i}"))),
                Traffic {
                    minutes,
                    templates,
                    capability: 1,
                    origins: vec![origin],
                    ..Default::default()
                },
            )
        })
        .collect()
}

/// `count` independent people (own cards, homes, time zones), each putting
/// 40% of its traffic on one pool of 24 paraphrases of a skeleton (each
/// 2–3 bits from it, none dominant) and the rest on a template of its own.
fn paraphrase_pool_users(fx: &mut Fixture, count: u32) -> Vec<u32> {
    let skeleton: u64 = 0x0f0f_3c3c_5a5a_9696;
    let pool: Vec<u32> = (0..24u32)
        .map(|k| {
            let bits = [k % 61, (k * 7 + 3) % 61, (k * 13 + 5) % 61];
            let mask = bits.iter().fold(0u64, |m, b| m | (1u64 << b));
            fx.template(skeleton ^ mask)
        })
        .collect();
    independent_users_of(fx, &pool, 0.4 / pool.len() as f64, count, (60, 20_000, 82))
}

#[test]
fn a_generators_paraphrases_link_their_users_however_many_they_are() {
    // 200 users: over the crowd limit of any value (64 here), which a
    // popular template of that size would be held to.
    let mut fx = Fixture::new(21, false);
    let users = paraphrase_pool_users(&mut fx, 200);
    let graph = evidence::build(&fx.features, &fx.activity, &Params::default());
    let linked: std::collections::BTreeSet<u32> = graph
        .links
        .iter()
        .filter(|l| {
            l.evidence
                .iter()
                .any(|e| e.kind == EvidenceKind::TemplateFamily)
        })
        .flat_map(|l| [l.a, l.b])
        .collect();
    assert!(
        linked.len() >= 190,
        "{} of 200 users of one paraphrase pool linked by it",
        linked.len()
    );
    // Linked is not accused: independent people at a person's volume are
    // a crowd a common source explains, whatever they send.
    let c = score(&fx, &users);
    assert!(
        c.indicators.coordination < 0.2,
        "independent users: {:?}",
        c.reasons
    );
    assert!(!c.suspected, "score {}: {:?}", c.score, c.reasons);
}

#[test]
fn a_job_spread_thin_over_many_families_ties_its_accounts_by_all_of_them() {
    // 60 accounts (past the 17 whose pairs are all enumerated) put 70% of
    // their traffic on the same 20 templates, 3.5% on each, the rest on
    // templates of their own; 1,000 ordinary people beside them. Weighed
    // family by family through each family's own ring, a pair met in two
    // or three families and stayed far under the weight a link needs.
    let mut fx = Fixture::new(21, false);
    let job: Vec<u32> = (0..20u64)
        .map(|k| fx.template(fx_hash(90_000 + k as u32)))
        .collect();
    let workers = independent_users_of(&mut fx, &job, 0.035, 60, (200, 30_000, 83));
    for i in 0..1_000u32 {
        let own = fx.template(fx_hash(50_000 + i));
        let minutes = person(&mut fx, 40, [0, 3, 8, 15][i as usize % 4]);
        let origin = fx.origin(&format!("84.{}.{}.9", i / 200, i % 200), 3320);
        fx.account(
            facts(300 + i64::from(i), "card", Some(&format!("p-{i}"))),
            Traffic {
                minutes,
                templates: vec![(own, 1.0)],
                capability: 1,
                origins: vec![origin],
                ..Default::default()
            },
        );
    }
    let graph = evidence::build(&fx.features, &fx.activity, &Params::default());
    let family_links: Vec<&super::Link> = graph
        .links
        .iter()
        .filter(|l| {
            l.evidence
                .iter()
                .any(|e| e.kind == EvidenceKind::TemplateFamily)
        })
        .collect();
    let linked: std::collections::BTreeSet<u32> =
        family_links.iter().flat_map(|l| [l.a, l.b]).collect();
    assert!(
        workers.iter().all(|w| linked.contains(w)),
        "{} of 60 accounts of the job linked by their families",
        workers.iter().filter(|w| linked.contains(w)).count()
    );
    // Each link carries all 20 families the two share, not the one that
    // paired them.
    let counts: Vec<u32> = family_links
        .iter()
        .flat_map(|l| l.evidence.iter())
        .filter(|e| e.kind == EvidenceKind::TemplateFamily)
        .map(|e| e.shared)
        .collect();
    assert!(counts.iter().all(|&c| c == 20), "{counts:?}");
}

#[test]
fn a_crew_cut_short_by_bans_is_not_excused_by_its_small_volume() {
    // Six accounts on one shared card and one server, each a few days of
    // a shift (150 exchanges in all); with and without four of them
    // banned, among 60 ordinary people of whom none is.
    let crew = |banned: bool| {
        let mut fx = Fixture::new(21, false);
        ordinary_people(&mut fx, 60, 0, 0.0);
        let server = fx.origin("91.7.1.8", 9009);
        let members: Vec<u32> = (0..6u32)
            .map(|i| {
                let minutes = shift_worker(&mut fx, 5, 5, 14, 3);
                let traffic = fresh_harvest(&mut fx, minutes, 140_000 + i * 100, server);
                fx.account(facts(5, "email", Some("crew-card")), traffic)
            })
            .collect();
        if banned {
            for &a in &members[..4] {
                fx.ban(a);
            }
        }
        score(&fx, &members)
    };
    let small = |c: &super::Cluster| {
        c.reasons
            .iter()
            .find(|r| r.indicator == "exculpation" && r.text.starts_with("small volume"))
            .map(|r| (r.strength, r.text.clone()))
    };
    let (free, _) = small(&crew(false)).expect("a small crew is said to be small");
    let (stopped, text) = small(&crew(true)).expect("and so is a banned one");
    assert!(free > 0.4, "unbanned: {free}");
    assert!(stopped < 0.5 * free, "banned: {stopped} against {free}");
    assert!(text.contains("bans beyond the population's rate"), "{text}");
}

#[test]
fn an_unused_account_whose_holders_sit_in_two_crews_of_one_campaign_is_its_reserve() {
    let mut fx = Fixture::new(21, false);
    ordinary_people(&mut fx, 60, 0, 0.0);
    // One operation's crews, fresh templates: twenty accounts on
    // 02:00–05:00 UTC whose card also pays for three on 14:00–17:00, and
    // twenty on 14:00–17:00 on a card of their own — two suspected
    // campaigns until the shift they share joins them. One owner registered
    // an account of each big crew on the operation's throw-away domain (one
    // link between the crews: too few to tie crews this size by itself).
    let worker = |fx: &mut Fixture, i: u32, start_hour: u32, card: &str, domain: bool| {
        let minutes = shift_worker(fx, 20, 40, start_hour, 3);
        let origin = fx.origin(&format!("73.2.{i}.4"), 7922);
        let traffic = fresh_harvest(fx, minutes, 90_000 + i * 100, origin);
        let mut account = facts(5, "email", Some(card));
        if domain {
            account.email_domain = Some("crew-mail.io".into());
        }
        fx.account(account, traffic)
    };
    let night: Vec<u32> = (0..20)
        .map(|i| worker(&mut fx, i, 2, "card-a", i == 0))
        .collect();
    let day_on_a: Vec<u32> = (20..23)
        .map(|i| worker(&mut fx, i, 14, "card-a", false))
        .collect();
    let day: Vec<u32> = (23..43)
        .map(|i| worker(&mut fx, i, 14, "card-b", i == 23))
        .collect();
    let mut account = facts(3, "email", Some("spare"));
    account.email_domain = Some("crew-mail.io".into());
    let reserve = fx.account(account, Traffic::default());
    let result = analyse(&fx);
    let campaign = campaign_holding(&result, night[0], day_on_a.iter().chain(&day));
    assert!(campaign.suspected, "{:?}", campaign.reasons);
    assert!(
        campaign.members.contains(&reserve),
        "the domain's active holders are all of one campaign"
    );
}

#[test]
fn an_unused_account_registered_like_a_campaigns_accounts_is_its_reserve() {
    let mut fx = Fixture::new(21, false);
    ordinary_people(&mut fx, 60, 0, 0.0);
    // A crew of twelve young accounts on one card, each on the crew's
    // throw-away domain but two on a university's, a third of them banned,
    // harvesting with a fresh template per request from one server.
    let server = fx.origin("45.77.1.9", 20473);
    let mut crew = Vec::new();
    for i in 0..12u32 {
        let minutes = job(&mut fx, 260, 0.0);
        let mut traffic = fresh_harvest(&mut fx, minutes, 150_000 + i * 100, server);
        traffic.cot = 0.9;
        traffic.tokens = (350, 3600);
        let mut account = facts(4, "email", Some("crew-card"));
        account.email_domain = Some(if i < 2 { "uni.edu" } else { "crew-mail.io" }.into());
        let a = fx.account(account, traffic);
        if i % 3 == 0 {
            fx.ban(a);
        }
        crew.push(a);
    }
    // A student of that university who sends ordinary requests.
    let minutes = person(&mut fx, 120, 3);
    let home = fx.origin("81.4.4.4", 3320);
    let mut student = facts(300, "card", Some("student-card"));
    student.email_domain = Some("uni.edu".into());
    fx.account(
        student,
        Traffic {
            minutes,
            origins: vec![home],
            ..Default::default()
        },
    );
    // Two accounts that never sent a request, each on a card of its own:
    // one on the crew's domain, one on the university's.
    let unused = |fx: &mut Fixture, domain: &str, card: &str| {
        let mut account = facts(3, "email", Some(card));
        account.email_domain = Some(domain.into());
        fx.account(account, Traffic::default())
    };
    let reserve = unused(&mut fx, "crew-mail.io", "spare-1");
    let enrolled = unused(&mut fx, "uni.edu", "spare-2");
    let result = analyse(&fx);
    let campaign = result
        .campaigns
        .iter()
        .find(|k| k.members.contains(&crew[5]))
        .expect("the crew is a campaign");
    assert!(campaign.suspected, "{:?}", campaign.reasons);
    assert!(
        campaign.members.contains(&reserve),
        "an unused account on the crew's own domain is its reserve"
    );
    assert!(
        !campaign.members.contains(&enrolled),
        "an unused account on a domain whose holders include a student is not"
    );
}

#[test]
fn a_common_term_and_time_zone_do_not_make_independent_people_one_operation() {
    // Twelve students: each on a card and a home network of their own, no
    // two in step, but all signed up in the term's first week and living
    // in one time zone — what a course does by itself.
    let mut fx = Fixture::new(21, false);
    ordinary_people(&mut fx, 60, 0, 0.0);
    let family = fx.template(0x3c3c_1234_9876_0f0f);
    let students: Vec<u32> = (0..12u32)
        .map(|i| {
            let own = fx.template(fx_hash(7500 + i));
            let minutes = daily(&fx, 4, 20, 0, i);
            let home = fx.origin(&format!("81.{i}.{}.7", 60 + i), 3320);
            fx.account(
                facts(30 + i64::from(i % 5), "card", Some(&format!("student-{i}"))),
                Traffic {
                    minutes,
                    templates: vec![(family, 0.8), (own, 0.2)],
                    capability: 1,
                    tokens: (300, 900),
                    cot: 0.7,
                    origins: vec![home],
                    ..Default::default()
                },
            )
        })
        .collect();
    let c = score(&fx, &students);
    let text = &c
        .reasons
        .iter()
        .find(|r| r.indicator == "independence" && r.text.starts_with("independence"))
        .unwrap_or_else(|| panic!("no independence reason: {:?}", c.reasons))
        .text;
    let value: f64 = text["independence ".len()..][..4].parse().unwrap();
    // The sign-ups and the clock read low on their own…
    assert!(text.contains("sign-ups"), "{text}");
    // …but who pays, where from and in step or not say independent.
    assert!(value > 0.9, "{text}");
    assert!(!c.suspected, "score {}: {:?}", c.score, c.reasons);
}

#[test]
fn scale_counts_one_purse_split_over_many_accounts_as_one_payer() {
    // Thirty accounts at 9 a day each for 20 days: a person's rate per
    // account. `cards`: how the accounts are paid for; `org`: each
    // account's declared organisation (a platform's tenants have their
    // own).
    let group = |cards: &dyn Fn(u32) -> String, org: &dyn Fn(u32) -> Option<String>| {
        let mut fx = Fixture::new(21, false);
        ordinary_people(&mut fx, 60, 0, 0.0);
        let members: Vec<u32> = (0..30u32)
            .map(|i| {
                let minutes = daily(&fx, 9, 20, 0, i);
                let card = cards(i);
                fx.account(
                    crate::facts::AccountFacts {
                        org_name: org(i),
                        ..facts(300, "card", Some(&card))
                    },
                    Traffic {
                        minutes,
                        ..Default::default()
                    },
                )
            })
            .collect();
        score(&fx, &members)
    };
    let none = |_: u32| None;
    // Three cards, ten accounts on each: each card buys 90 a day.
    let purses = group(&|i| format!("purse-{}", i % 3), &none);
    assert!(
        purses.indicators.scale > 0.3,
        "three purses of 90 a day: {:?}",
        purses.reasons
    );
    assert!(
        purses.reasons.iter().any(|r| r.indicator == "scale"
            && r.text
                .contains("per payer-day: 30 accounts that one card pays for")),
        "{:?}",
        purses.reasons
    );
    // The same traffic, each account paying for itself: 9 a day is a
    // person's rate.
    let own = group(&|i| format!("own-{i}"), &none);
    assert!(own.indicators.scale < 0.01, "{:?}", own.reasons);
    assert!(
        !own.reasons.iter().any(|r| r.text.contains("payer-day")),
        "{:?}",
        own.reasons
    );
    // A platform's card paying for tenants that are organisations of their
    // own: each tenant is its own customer.
    let tenants = group(&|i| format!("platform-{}", i % 3), &|i| {
        Some(format!("Tenant {i}"))
    });
    assert!(tenants.indicators.scale < 0.01, "{:?}", tenants.reasons);
}

#[test]
fn a_network_more_than_a_crowd_uses_is_no_shared_home() {
    // `count` students each on a card of their own, not in step, at home on
    // a campus's NAT; the first twelve are scored as a group.
    let students = |count: u32| {
        let mut fx = Fixture::new(21, false);
        ordinary_people(&mut fx, 60, 0, 0.0);
        let family = fx.template(0x3c3c_1234_9876_0f0f);
        let nat: Vec<u32> = (0..4)
            .map(|k| fx.origin(&format!("155.12.199.{}", 10 + k), 7018))
            .collect();
        let members: Vec<u32> = (0..count)
            .map(|i| {
                let own = fx.template(fx_hash(7700 + i));
                let minutes = daily(&fx, 4, 20, i % 8, i);
                fx.account(
                    facts(
                        100 + 40 * i64::from(i % 30),
                        "card",
                        Some(&format!("student-{i}")),
                    ),
                    Traffic {
                        minutes,
                        templates: vec![(family, 0.8), (own, 0.2)],
                        capability: 1,
                        tokens: (300, 900),
                        cot: 0.7,
                        origins: vec![nat[i as usize % nat.len()]],
                        ..Default::default()
                    },
                )
            })
            .collect();
        let c = score(&fx, &members[..12]);
        let text = c
            .reasons
            .iter()
            .find(|r| r.indicator == "independence" && r.text.starts_with("independence"))
            .unwrap_or_else(|| panic!("no independence reason: {:?}", c.reasons))
            .text
            .clone();
        let home: f64 = text
            .split("; ")
            .find(|axis| axis.contains("stable home network"))
            .and_then(|axis| axis.rsplit_once('(').map(|(_, v)| v.trim_end_matches(')')))
            .unwrap_or_else(|| panic!("no home axis: {text}"))
            .parse()
            .unwrap();
        (home, text)
    };
    // 90 accounts on the network: more than a crowd of a commodity value
    // (16), at once.
    let (home, text) = students(90);
    assert!(home > 0.99, "{text}");
    assert!(text.contains("12 on a public network"), "{text}");
    // Twelve accounts alone on one network: it is theirs, shared.
    let (home, text) = students(12);
    assert!(home < 0.01, "{text}");
    assert!(!text.contains("public network"), "{text}");
}

#[test]
fn shared_templates_weigh_as_much_as_the_work_sustained_on_them() {
    // Twelve accounts independent on every axis (own cards, homes, time
    // zones, sign-ups years apart), 80% of their traffic on one shared
    // family, 250 a day with step-by-step reasoning, over `days` days.
    let template_strength = |days: u32| {
        let mut fx = Fixture::new(21, false);
        ordinary_people(&mut fx, 60, 0, 0.0);
        let crowd = content_group_over(&mut fx, true, 250, true, days, false);
        let c = score(&fx, &crowd);
        c.reasons
            .iter()
            .find(|r| r.indicator == "coordination" && r.text.contains("prompt-template family"))
            .map_or(0.0, |r| r.strength)
    };
    // Weeks of it: the family counts for more than a few prompts in common
    // can (0.4 at most).
    let sustained = template_strength(20);
    assert!(sustained > 0.45, "{sustained}");
    // The same two days: a script's run, a few prompts' worth.
    let burst = template_strength(2);
    assert!(burst <= 0.4, "{burst}");
}

#[test]
fn lone_accounts_working_a_crews_shift_tie_the_campaign_by_timing() {
    let mut fx = Fixture::new(21, false);
    ordinary_people(&mut fx, 60, 0, 0.0);
    // Two pieces of a crew, 14:00–17:00 UTC every day, each on a card of
    // its own (one campaign by their shift), and eight young accounts on
    // the same shift doing the same work, each on a card and an address of
    // its own: nothing links them to the pieces or to one another.
    let piece: Vec<u32> = (0..12u32)
        .map(|i| {
            let minutes = shift_worker(&mut fx, 20, 12, 14, 3);
            let origin = fx.origin(&format!("73.0.{i}.4"), 7922);
            let traffic = fresh_harvest(&mut fx, minutes, 80_000 + i * 100, origin);
            fx.account(
                facts(5, "email", Some(&format!("crew-card-{}", i / 6))),
                traffic,
            )
        })
        .collect();
    let lone: Vec<u32> = (0..8u32)
        .map(|i| {
            let minutes = shift_worker(&mut fx, 20, 12, 14, 3);
            let origin = fx.origin(&format!("73.1.{i}.4"), 7922);
            let traffic = fresh_harvest(&mut fx, minutes, 81_000 + i * 100, origin);
            fx.account(facts(5, "email", Some(&format!("own-{i}"))), traffic)
        })
        .collect();
    let result = analyse(&fx);
    let campaign = campaign_holding(&result, piece[0], piece.iter().chain(&lone));
    // The accounts that joined by the shift count with the campaign's ties
    // by timing, as pieces joined by a shared shift do.
    assert_reason(campaign, |text| {
        text.contains(&format!(
            "{} of {} accounts",
            piece.len() + lone.len(),
            campaign.members.len()
        )) && text.contains("tied by their timing")
    });
}

#[test]
fn suspected_campaigns_holding_crews_on_one_shift_are_one_campaign_unless_one_shares_prompts() {
    let mut fx = Fixture::new(21, false);
    ordinary_people(&mut fx, 60, 0, 0.0);
    // A crew on 02:00–05:00 UTC whose card also pays for three accounts of
    // the 14:00–17:00 crew; that crew's other accounts on a card of their
    // own. Fresh templates: no prompt in common. Two suspected campaigns,
    // one card each, that share a shift.
    let worker = |fx: &mut Fixture, i: u32, start_hour: u32, card: &str| {
        let minutes = shift_worker(fx, 20, 60, start_hour, 3);
        let origin = fx.origin(&format!("73.2.{i}.4"), 7922);
        let traffic = fresh_harvest(fx, minutes, 90_000 + i * 100, origin);
        fx.account(facts(5, "email", Some(card)), traffic)
    };
    let night: Vec<u32> = (0..8).map(|i| worker(&mut fx, i, 2, "card-a")).collect();
    let day_on_a: Vec<u32> = (8..11).map(|i| worker(&mut fx, i, 14, "card-a")).collect();
    let day: Vec<u32> = (11..19).map(|i| worker(&mut fx, i, 14, "card-b")).collect();
    // Another operation on the same shift that shares its prompts: ten
    // accounts on one card asking the same twelve fixed templates. Before
    // the prompts were asked for, the hours it stands out in joined it to
    // the day crew.
    let fixed: Vec<(u32, f64)> = (0..12)
        .map(|k| (fx.template(fx_hash(95_000 + k)), 1.0 / 12.0))
        .collect();
    let templated: Vec<u32> = (0..10u32)
        .map(|i| {
            let minutes = shift_worker(&mut fx, 20, 12, 14, 3);
            let origin = fx.origin(&format!("73.3.{i}.4"), 7922);
            fx.account(
                facts(5, "email", Some("card-c")),
                Traffic {
                    minutes,
                    templates: fixed.clone(),
                    capability: 2,
                    tokens: (350, 3600),
                    cot: 0.9,
                    origins: vec![origin],
                    ..Default::default()
                },
            )
        })
        .collect();
    let result = analyse(&fx);
    let campaign = campaign_holding(&result, night[0], night.iter().chain(&day_on_a).chain(&day));
    assert!(campaign.suspected);
    assert_reason(campaign, |text| text.contains("14:00–17:00 UTC"));
    for a in &templated {
        assert!(
            !campaign.members.contains(a),
            "{a}: the operation that shares prompts on the same shift joined"
        );
    }
}
