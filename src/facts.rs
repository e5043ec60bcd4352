//! The facts about a case that the analysis reads, and the case work a
//! re-analysis carries over: plain data, filled from the case file by
//! `case` and read by `analysis`, so that neither needs the other.

use std::collections::BTreeMap;

use crate::logs::Capability;

/// How many capability codes there are (the index of a per-capability count
/// is the code).
pub const CAPABILITIES: usize = Capability::ALL.len();

/// One account's facts.
#[derive(Clone, Debug, Default)]
pub struct AccountFacts {
    /// The provider's account id.
    pub account_id: String,
    /// Creation time, ms.
    pub created_ms: i64,
    /// Organization name.
    pub org_name: Option<String>,
    /// Sign-up e-mail domain.
    pub email_domain: Option<String>,
    /// Payment token.
    pub payment_fingerprint: Option<String>,
    /// Sign-up address.
    pub signup_ip: Option<String>,
    /// Access path.
    pub access_path: Option<String>,
    /// Verification level.
    pub verification: Option<String>,
    /// Exchanges.
    pub exchanges: u64,
    /// Prompt tokens.
    pub input_tokens: i64,
    /// Completion tokens.
    pub output_tokens: i64,
    /// First exchange, ms.
    pub first_ms: Option<i64>,
    /// Last exchange, ms.
    pub last_ms: Option<i64>,
    /// Exchanges per hour of day (UTC).
    pub hour_of_day: [u64; 24],
    /// Exchanges per capability code.
    pub capabilities: [u64; CAPABILITIES],
    /// Exchanges with a chain-of-thought score of 0.5 or more.
    pub cot_high: u64,
    /// Exchanges with a chain-of-thought score.
    pub cot_scored: u64,
    /// Exchanges per day of the week (UTC, Monday first).
    pub weekday: [u64; 7],
}

/// A network origin.
#[derive(Clone, Debug, Default)]
pub struct OriginFacts {
    /// The address, if given.
    pub ip: Option<String>,
    /// The ASN, if given.
    pub asn: Option<i64>,
    /// The /24 or /48 prefix.
    pub prefix: Option<String>,
}

/// An event on the timeline.
#[derive(Clone, Debug)]
pub struct EventFacts {
    /// When, ms.
    pub ts_ms: i64,
    /// Kind name.
    pub kind: String,
    /// Model, for releases.
    pub model: Option<String>,
    /// Account index (0-based), for bans.
    pub account: Option<u32>,
}

/// A partner indicator.
#[derive(Clone, Debug)]
pub struct IndicatorFacts {
    /// Kind name.
    pub kind: String,
    /// Value (canonical form).
    pub value: String,
    /// Who shared it.
    pub source: Option<String>,
}

/// Everything the analysis reads. Accounts are indexed from 0 (the case's
/// `accounts.id` minus one); pair lists hold (account index, value id, exchanges).
#[derive(Clone, Debug, Default)]
pub struct CaseFeatures {
    /// Per account.
    pub accounts: Vec<AccountFacts>,
    /// Origins by id (index 0 unused).
    pub origins: Vec<OriginFacts>,
    /// Template SimHashes by id (index 0 unused). Read from a case, ids
    /// are numbered in SimHash order (not the case's first-seen order), so
    /// that nothing the analysis derives from ids — families' ids, the
    /// salts of sampled pairs, ties — depends on the order exchanges were
    /// imported in.
    pub templates: Vec<u64>,
    /// The case's `templates.id` of each id of `templates` (empty: the same).
    pub template_case_ids: Vec<u32>,
    /// Client fingerprints by id (index 0 unused).
    pub client_fps: Vec<String>,
    /// Model names by id (index 0 unused).
    pub models: Vec<String>,
    /// (account, origin, exchanges).
    pub account_origins: Vec<(u32, u32, u64)>,
    /// (account, template, exchanges).
    pub account_templates: Vec<(u32, u32, u64)>,
    /// (account, client fingerprint, exchanges).
    pub account_client_fps: Vec<(u32, u32, u64)>,
    /// Events, in time order.
    pub events: Vec<EventFacts>,
    /// Partner indicators.
    pub indicators: Vec<IndicatorFacts>,
    /// First and last exchange of the case, ms.
    pub span_ms: Option<(i64, i64)>,
}

/// What the exchanges of one prompt template ask for, case-wide.
#[derive(Clone, Debug, Default)]
pub struct TemplateProfile {
    /// Exchanges with the template.
    pub exchanges: u64,
    /// Of them, per capability code.
    pub capabilities: [u64; CAPABILITIES],
    /// Of them, with a chain-of-thought score.
    pub cot_scored: u64,
    /// Of them, with a chain-of-thought score of 0.5 or more.
    pub cot_high: u64,
    /// Prompt tokens.
    pub input_tokens: u64,
    /// Completion tokens.
    pub output_tokens: u64,
}

/// Per-account results of the pass over `exchanges`.
#[derive(Clone, Debug, Default)]
pub struct Activity {
    /// Per template id (index 0 unused): what its exchanges ask for.
    pub templates: Vec<TemplateProfile>,
    /// Distinct minutes (since the epoch) each account was active in, sorted.
    pub minutes: Vec<Vec<u32>>,
    /// Per release window (in the order given): per account, exchanges in
    /// the window and how many of them targeted the released model.
    pub release_windows: Vec<Vec<(u32, u32)>>,
    /// Per template id: the excerpt id of its first exchange (by exchange
    /// id) that has one, 0 for none.
    pub template_examples: Vec<i64>,
}

/// One account's traffic on one model in one hour, in a compact form: the
/// counts of a busy hour that would not fit are split over several entries
/// with the same key (summed when read).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ModelHour {
    /// Hour since the epoch (UTC).
    pub hour: i32,
    /// Model index (`models.id` − 1).
    pub model: u32,
    /// Exchanges.
    pub exchanges: u32,
    /// Prompt tokens.
    pub input_tokens: u32,
    /// Completion tokens.
    pub output_tokens: u32,
}

impl ModelHour {
    /// Adds `other`'s counts if the sums fit; whether they did.
    pub fn try_add(&mut self, other: &ModelHour) -> bool {
        match (
            self.exchanges.checked_add(other.exchanges),
            self.input_tokens.checked_add(other.input_tokens),
            self.output_tokens.checked_add(other.output_tokens),
        ) {
            (Some(e), Some(i), Some(o)) => {
                (self.exchanges, self.input_tokens, self.output_tokens) = (e, i, o);
                true
            }
            _ => false,
        }
    }
}

/// Every account's traffic per model and hour: [`ModelHour`]s account by
/// account (sorted by model and hour within each), the exchanges whose
/// hour or tokens do not fit the compact form one by one, and each
/// template's example excerpt. What a cluster's series are summed from;
/// the workbench keeps it to re-cluster without reading the exchanges.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ModelHours {
    /// Where each account's entries start in `entries` (one more than
    /// there are accounts).
    pub starts: Vec<u32>,
    /// The entries.
    pub entries: Vec<ModelHour>,
    /// (account index, model index, hour, input tokens, output tokens) of
    /// exchanges outside the compact form's ranges.
    pub wide: Vec<(u32, u32, i64, i64, i64)>,
    /// Per template id: the excerpt id of its first exchange (by exchange
    /// id) that has one, 0 for none.
    pub template_examples: Vec<i64>,
}

impl ModelHours {
    /// Account `a`'s entries.
    pub fn of(&self, a: usize) -> &[ModelHour] {
        match (self.starts.get(a), self.starts.get(a + 1)) {
            (Some(&from), Some(&to)) => &self.entries[from as usize..to as usize],
            _ => &[],
        }
    }
}

/// A window after a model release: [start, end) and the model's id.
#[derive(Clone, Copy, Debug)]
pub struct ReleaseWindow {
    /// Window start, ms.
    pub start_ms: i64,
    /// Window end, ms.
    pub end_ms: i64,
    /// The released model's id in `models`.
    pub model: u32,
}

/// What a re-analysis carries over from the case work on the clustering it
/// replaces.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CarryOver {
    /// Each account's cluster before the run, by account index.
    pub cluster_of: Vec<Option<String>>,
    /// Accounts an analyst placed, with their cluster.
    pub pins: Vec<(u32, String)>,
    /// Tags on clusters: (tag id, cluster).
    pub cluster_tags: Vec<(i64, String)>,
    /// The label of each tag on a cluster, by tag id.
    pub tag_labels: BTreeMap<i64, String>,
    /// The campaigns of the clustering it replaces: each one's clusters.
    pub campaigns: Vec<Vec<String>>,
}

/// Where the carried-over case work lands in the new clustering.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Carried {
    /// Pinned accounts and their new clusters.
    pub pins: Vec<(u32, String)>,
    /// Cluster tags and their new clusters.
    pub tags: Vec<(i64, String)>,
    /// New tags copied from a tagged campaign's tag (tag id) onto a cluster
    /// that joined its successor campaign (new cluster id).
    pub extended: Vec<(i64, String)>,
    /// What happened, in words, for the audit log.
    pub summary: String,
}
