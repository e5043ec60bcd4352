//! Hand-built cases for the analysis's unit tests: accounts with exactly
//! the traffic a test describes, as the case layer would read them
//! ([`CaseFeatures`] and [`Activity`]), without a case file.

use crate::base::rng::Rng;
use crate::facts::{
    AccountFacts, Activity, CaseFeatures, EventFacts, OriginFacts, ReleaseWindow, TemplateProfile,
};

/// Minutes in a day.
pub const DAY: u32 = 1440;

/// How one account sends its traffic.
#[derive(Clone, Debug)]
pub struct Traffic {
    /// Active minutes since the epoch (one exchange each), any order.
    pub minutes: Vec<u32>,
    /// Template ids (1-based, into [`Fixture::templates`]) with weights.
    pub templates: Vec<(u32, f64)>,
    /// Capability code of every exchange.
    pub capability: usize,
    /// Tokens per exchange (input, output).
    pub tokens: (i64, i64),
    /// Share of exchanges with chain-of-thought elicitation.
    pub cot: f64,
    /// Origin ids (1-based) used, round robin.
    pub origins: Vec<u32>,
    /// Client fingerprint id (1-based), 0 for none.
    pub client: u32,
    /// Share of exchanges on the released model, in the release window.
    pub adoption: f64,
}

impl Default for Traffic {
    fn default() -> Self {
        Self {
            minutes: Vec::new(),
            templates: Vec::new(),
            capability: 9,
            tokens: (600, 450),
            cot: 0.0,
            origins: Vec::new(),
            client: 0,
            adoption: 0.0,
        }
    }
}

/// A hand-built case.
pub struct Fixture {
    /// What the analysis reads.
    pub features: CaseFeatures,
    /// What the pass over exchanges would give.
    pub activity: Activity,
    /// Release windows of the case.
    pub windows: Vec<ReleaseWindow>,
    rng: Rng,
}

impl Fixture {
    /// An empty case spanning `days` from day 20,000 (2024-10-04); one model
    /// release on day 20,007 if `release`.
    pub fn new(days: u32, release: bool) -> Self {
        let start = 20_000u32 * DAY;
        let mut features = CaseFeatures {
            span_ms: Some((
                i64::from(start) * 60_000,
                i64::from(start + days * DAY) * 60_000,
            )),
            models: vec![String::new(), "old".into(), "new".into()],
            templates: vec![0],
            client_fps: vec![String::new()],
            origins: vec![OriginFacts::default()],
            ..Default::default()
        };
        let mut windows = Vec::new();
        if release {
            let at = i64::from(start + 7 * DAY) * 60_000;
            features.events.push(EventFacts {
                ts_ms: at,
                kind: "model_release".into(),
                model: Some("new".into()),
                account: None,
            });
            windows.push(ReleaseWindow {
                start_ms: at,
                end_ms: at + 48 * 3_600_000,
                model: 2,
            });
        }
        Self {
            features,
            activity: Activity {
                release_windows: vec![Vec::new(); windows.len()],
                ..Default::default()
            },
            windows,
            rng: Rng::new(11, 11),
        }
    }

    /// The first minute of the case.
    pub fn start(&self) -> u32 {
        20_000 * DAY
    }

    /// A random-looking number generator for the test's traffic.
    pub fn rng(&mut self) -> &mut Rng {
        &mut self.rng
    }

    /// Adds a template family's skeleton hash; returns its id.
    pub fn template(&mut self, hash: u64) -> u32 {
        self.features.templates.push(hash);
        self.activity
            .templates
            .resize(self.features.templates.len(), TemplateProfile::default());
        self.features.templates.len() as u32 - 1
    }

    /// Adds a network origin; returns its id.
    pub fn origin(&mut self, ip: &str, asn: i64) -> u32 {
        let prefix = ip.rsplit_once('.').map(|(p, _)| format!("{p}.0/24"));
        self.features.origins.push(OriginFacts {
            ip: Some(ip.into()),
            asn: Some(asn),
            prefix,
        });
        self.features.origins.len() as u32 - 1
    }

    /// Adds a client fingerprint; returns its id.
    pub fn client(&mut self, name: &str) -> u32 {
        self.features.client_fps.push(name.into());
        self.features.client_fps.len() as u32 - 1
    }

    /// Adds an account with `facts` (its traffic fields are filled from
    /// `traffic`); returns its index.
    pub fn account(&mut self, mut facts: AccountFacts, traffic: Traffic) -> u32 {
        let index = self.features.accounts.len() as u32;
        if facts.account_id.is_empty() {
            facts.account_id = format!("acct-{index}");
        }
        let mut minutes = traffic.minutes.clone();
        minutes.sort_unstable();
        let n = minutes.len() as u64;
        facts.exchanges = n;
        facts.input_tokens = traffic.tokens.0 * n as i64;
        facts.output_tokens = traffic.tokens.1 * n as i64;
        facts.first_ms = minutes.first().map(|m| i64::from(*m) * 60_000);
        facts.last_ms = minutes.last().map(|m| i64::from(*m) * 60_000);
        facts.capabilities[traffic.capability] = n;
        let cot_high = (traffic.cot * n as f64).round() as u64;
        facts.cot_scored = n;
        facts.cot_high = cot_high;
        for m in &minutes {
            facts.hour_of_day[((m % DAY) / 60) as usize] += 1;
            facts.weekday[((m / DAY + 3) % 7) as usize] += 1;
        }
        // Templates by weight, origins round robin.
        let total: f64 = traffic.templates.iter().map(|(_, w)| w).sum();
        let mut rows: Vec<(u32, u32, u64)> = Vec::new();
        for &(t, w) in &traffic.templates {
            let count = ((w / total.max(1e-9)) * n as f64).round() as u64;
            if count > 0 {
                rows.push((index, t, count));
                let p = &mut self.activity.templates[t as usize];
                p.exchanges += count;
                p.capabilities[traffic.capability] += count;
                p.cot_scored += count;
                p.cot_high += (traffic.cot * count as f64).round() as u64;
                p.input_tokens += traffic.tokens.0 as u64 * count;
                p.output_tokens += traffic.tokens.1 as u64 * count;
            }
        }
        rows.sort_unstable();
        self.features.account_templates.extend(rows);
        if !traffic.origins.is_empty() {
            let k = traffic.origins.len() as u64;
            let mut rows: Vec<(u32, u32, u64)> =
                traffic.origins.iter().map(|&o| (index, o, n / k)).collect();
            rows.sort_unstable();
            self.features.account_origins.extend(rows);
        }
        if traffic.client > 0 {
            self.features
                .account_client_fps
                .push((index, traffic.client, n));
        }
        for (w, window) in self.windows.iter().enumerate() {
            let inside = minutes
                .iter()
                .filter(|m| {
                    let ms = i64::from(**m) * 60_000;
                    ms >= window.start_ms && ms < window.end_ms
                })
                .count() as u32;
            let on_model = (f64::from(inside) * traffic.adoption).round() as u32;
            self.activity.release_windows[w].push((inside, on_model));
        }
        minutes.dedup();
        self.activity.minutes.push(minutes);
        self.features.accounts.push(facts);
        index
    }

    /// Bans an account at its last exchange.
    pub fn ban(&mut self, account: u32) {
        let at = self.features.accounts[account as usize]
            .last_ms
            .unwrap_or(0);
        self.features.events.push(EventFacts {
            ts_ms: at,
            kind: "account_banned".into(),
            model: None,
            account: Some(account),
        });
    }
}

/// Facts of a long-standing account created `days_before` the case start.
pub fn facts(days_before: i64, verification: &str, card: Option<&str>) -> AccountFacts {
    AccountFacts {
        created_ms: (20_000 - days_before) * 86_400_000,
        verification: Some(verification.into()),
        payment_fingerprint: card.map(str::to_string),
        access_path: Some("direct".into()),
        ..Default::default()
    }
}
