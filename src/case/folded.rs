//! Exchanges folded elsewhere (on Apache Spark, `hydrascope spark`): the
//! per-account and per-template sums a case's rollups hold, keyed by the
//! values the activity logs carry (account ids, model names, addresses,
//! template hex), before the case's dictionaries number them.
//! [`super::CaseBuilder::add_folded`] turns them into the same rollup rows
//! an import of the exchanges writes.

/// An account's totals (`account_sums`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FoldedAccount {
    /// The account.
    pub account_id: String,
    /// Its exchanges.
    pub exchanges: u64,
    /// Their prompt tokens.
    pub input_tokens: i64,
    /// Their completion tokens.
    pub output_tokens: i64,
    /// The first one's time, ms.
    pub first_ms: i64,
    /// The last one's time, ms.
    pub last_ms: i64,
    /// The sum of their chain-of-thought scores.
    pub cot_sum: f64,
    /// How many carry a score.
    pub cot_count: u64,
    /// How many score 0.5 or more.
    pub cot_high: u64,
}

/// An account's exchanges with one capability (`account_capabilities`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FoldedCapability {
    /// The account.
    pub account_id: String,
    /// The capability's name.
    pub capability: String,
    /// Exchanges.
    pub exchanges: u64,
    /// Sum of their chain-of-thought scores.
    pub cot_sum: f64,
    /// How many carry one.
    pub cot_count: u64,
}

/// An account's exchanges in one hour on one model (`account_model_hourly`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FoldedHour {
    /// The account.
    pub account_id: String,
    /// Hours since the epoch, floored.
    pub hour: i64,
    /// The model's name.
    pub model: String,
    /// Exchanges.
    pub exchanges: u64,
    /// Prompt tokens.
    pub input_tokens: i64,
    /// Completion tokens.
    pub output_tokens: i64,
}

/// An account's exchanges from one address and ASN (`account_origins`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FoldedOrigin {
    /// The account.
    pub account_id: String,
    /// The address as the logs wrote it.
    pub ip: Option<String>,
    /// Its ASN.
    pub asn: Option<i64>,
    /// Exchanges.
    pub exchanges: u64,
}

/// An account's exchanges carrying one value (a template's hex, a client
/// fingerprint, an API key id): `account_templates`, `account_client_fps`,
/// and, with `exchanges` unused, the account's API keys.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FoldedValue {
    /// The account.
    pub account_id: String,
    /// The value.
    pub value: String,
    /// Exchanges.
    pub exchanges: u64,
}

/// A template's totals (`template_stats`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FoldedTemplate {
    /// Its 16 hex digits.
    pub template: String,
    /// Exchanges.
    pub exchanges: u64,
    /// The first one's time, ms.
    pub first_ms: i64,
    /// The last one's time, ms.
    pub last_ms: i64,
    /// An excerpt of one of its prompts (the first in the logs' order).
    pub example: Option<String>,
}

/// What the exchanges on one template with one capability asked for
/// (`template_profiles`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FoldedProfile {
    /// The template's 16 hex digits.
    pub template: String,
    /// The capability's name, if the exchanges had one.
    pub capability: Option<String>,
    /// Exchanges.
    pub exchanges: u64,
    /// Of them, with a chain-of-thought score.
    pub cot_scored: u64,
    /// Of them, scoring 0.5 or more.
    pub cot_high: u64,
    /// Prompt tokens.
    pub input_tokens: i64,
    /// Completion tokens.
    pub output_tokens: i64,
}

/// Everything folded from the exchanges of a case.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Folded {
    /// Per account.
    pub accounts: Vec<FoldedAccount>,
    /// Per account and capability.
    pub capabilities: Vec<FoldedCapability>,
    /// Per account, hour and model.
    pub hours: Vec<FoldedHour>,
    /// Per account and origin.
    pub origins: Vec<FoldedOrigin>,
    /// Per account and template.
    pub templates_used: Vec<FoldedValue>,
    /// Per account and client fingerprint.
    pub client_fps: Vec<FoldedValue>,
    /// The API keys each account used.
    pub api_keys: Vec<FoldedValue>,
    /// Per template.
    pub templates: Vec<FoldedTemplate>,
    /// Per template and capability.
    pub profiles: Vec<FoldedProfile>,
    /// Each account's active minutes (minutes since the epoch).
    pub minutes: Vec<(String, Vec<i64>)>,
}
