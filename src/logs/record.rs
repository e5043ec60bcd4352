//! The four record kinds of an activity-log folder, as validated values.
//!
//! These types are the boundary contract of `shared/spec/activity-logs.md`:
//! the importer produces them, the generator produces them, and the case layer
//! stores them.

use std::borrow::Cow;
use std::net::IpAddr;

/// One API account (`accounts` section).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Account {
    /// Unique account identifier.
    pub account_id: String,
    /// Creation time, ms since the epoch (UTC).
    pub created_ms: i64,
    /// Organization name given at sign-up.
    pub org_name: Option<String>,
    /// Domain of the sign-up e-mail.
    pub email_domain: Option<String>,
    /// Opaque payment-instrument token (same card, same token).
    pub payment_fingerprint: Option<String>,
    /// Address seen at sign-up.
    pub signup_ip: Option<IpAddr>,
    /// ISO 3166-1 alpha-2 billing country, upper case.
    pub billing_country: Option<String>,
    /// How the account got access (`direct`, `education`, `reseller:<name>`, …).
    pub access_path: Option<String>,
    /// `none`, `email`, `card` or `kyc`.
    pub verification: Option<String>,
    /// Fields outside the contract, as one JSON object.
    pub extra_json: Option<String>,
}

/// One API request/response exchange (`exchanges` section). Borrows from the
/// line it was parsed from, so import allocates nothing per row.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Exchange<'a> {
    /// Unique request identifier.
    pub request_id: Cow<'a, str>,
    /// The account that made the request.
    pub account_id: Cow<'a, str>,
    /// Arrival time, ms since the epoch (UTC).
    pub ts_ms: i64,
    /// Targeted model identifier.
    pub model: Cow<'a, str>,
    /// Prompt tokens.
    pub input_tokens: i64,
    /// Completion tokens.
    pub output_tokens: i64,
    /// Client address.
    pub ip: Option<IpAddr>,
    /// Autonomous system number of `ip`.
    pub asn: Option<i64>,
    /// Which key of the account was used.
    pub api_key_id: Option<Cow<'a, str>>,
    /// Hash of user agent / TLS / header order.
    pub client_fingerprint: Option<Cow<'a, str>>,
    /// 64-bit SimHash of the normalized prompt skeleton.
    pub prompt_template: Option<u64>,
    /// Classifier label of what the request asks for.
    pub capability: Option<Capability>,
    /// Classifier score (0..1) that the prompt asks for step-by-step reasoning.
    pub cot_elicitation: Option<f64>,
    /// Short, already-redacted prompt sample.
    pub prompt_excerpt: Option<Cow<'a, str>>,
    /// Fields outside the contract, as one JSON object.
    pub extra_json: Option<String>,
}

/// Something that happened at a point in time (`events` section).
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// When, ms since the epoch (UTC).
    pub ts_ms: i64,
    /// What kind of event.
    pub kind: EventKind,
    /// The model, for `model_release`.
    pub model: Option<String>,
    /// The account, for `account_banned`.
    pub account_id: Option<String>,
    /// Free text.
    pub text: Option<String>,
    /// Fields outside the contract, as one JSON object.
    pub extra_json: Option<String>,
}

/// Intelligence shared by a partner (`indicators` section).
#[derive(Clone, Debug, PartialEq)]
pub struct Indicator {
    /// What the value is.
    pub kind: IndicatorKind,
    /// The indicator itself (canonical form for IPs and CIDRs).
    pub value: String,
    /// Who shared it.
    pub source: Option<String>,
    /// Free text.
    pub note: Option<String>,
    /// Fields outside the contract, as one JSON object.
    pub extra_json: Option<String>,
}

macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $(#[doc = $text] $variant),+ }

        impl $name {
            /// Every value, in code order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name used in activity logs and in the case file.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the log name; `None` if it is not one of [`Self::ALL`].
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }

            /// A small stable integer code (position in [`Self::ALL`]).
            pub fn code(self) -> u8 {
                self as u8
            }

            /// The value of a code from [`Self::code`].
            pub fn from_code(code: u8) -> Option<Self> {
                Self::ALL.get(usize::from(code)).copied()
            }

            /// The accepted names, for error messages.
            pub fn names() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }
    };
}

named_enum!(
    /// Classifier label of an exchange.
    Capability {
        Reasoning = "reasoning",
        Coding = "coding",
        AgenticCoding = "agentic_coding",
        ToolUse = "tool_use",
        ComputerUse = "computer_use",
        Vision = "vision",
        DataAnalysis = "data_analysis",
        RubricGrading = "rubric_grading",
        SensitiveRewrite = "sensitive_rewrite",
        Chat = "chat",
        Other = "other",
    }
);

named_enum!(
    /// Kind of a timeline event.
    EventKind {
        ModelRelease = "model_release",
        AccountBanned = "account_banned",
        RateLimitChange = "rate_limit_change",
        Note = "note",
    }
);

named_enum!(
    /// Kind of a partner indicator.
    IndicatorKind {
        Ip = "ip",
        Cidr = "cidr",
        Asn = "asn",
        PaymentFingerprint = "payment_fingerprint",
        EmailDomain = "email_domain",
        ClientFingerprint = "client_fingerprint",
        PromptTemplate = "prompt_template",
    }
);

/// Accepted `verification` values.
pub const VERIFICATIONS: &[&str] = &["none", "email", "card", "kyc"];

/// Accepted `access_path` values besides `reseller:<name>`.
pub const ACCESS_PATHS: &[&str] = &[
    "direct",
    "education",
    "startup_program",
    "research_program",
    "cloud_marketplace",
];

/// Whether `path` is an access path of the contract.
pub fn is_valid_access_path(path: &str) -> bool {
    ACCESS_PATHS.contains(&path)
        || path
            .strip_prefix("reseller:")
            .is_some_and(|name| !name.is_empty())
}

/// Formats a SimHash as the 16 lower-case hex digits of the contract.
pub fn template_hex(simhash: u64) -> String {
    format!("{simhash:016x}")
}

/// Parses 16 hex digits into a SimHash.
pub fn parse_template_hex(text: &str) -> Option<u64> {
    if text.len() != 16 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(text, 16).ok()
}
