//! The four sections of an activity-log folder: their field lists (in the
//! order CSV files are written) and the validation of one row of each.

use std::net::IpAddr;

use super::record::{
    ACCESS_PATHS, Account, Capability, Event, EventKind, Exchange, Indicator, IndicatorKind,
    VERIFICATIONS, is_valid_access_path, parse_template_hex,
};
use super::row::{FieldError, RawRow};

/// Which section a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    /// `accounts.*` (required).
    Accounts,
    /// `exchanges.*` (required).
    Exchanges,
    /// `events.*` (optional).
    Events,
    /// `indicators.*` (optional).
    Indicators,
}

impl Section {
    /// All sections, in import order (accounts first: the others refer to them).
    pub const ALL: [Section; 4] = [
        Section::Accounts,
        Section::Exchanges,
        Section::Events,
        Section::Indicators,
    ];

    /// The file stem (`accounts`, …).
    pub fn name(self) -> &'static str {
        match self {
            Section::Accounts => "accounts",
            Section::Exchanges => "exchanges",
            Section::Events => "events",
            Section::Indicators => "indicators",
        }
    }

    /// The contract's fields, in CSV column order.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Section::Accounts => ACCOUNT_FIELDS,
            Section::Exchanges => EXCHANGE_FIELDS,
            Section::Events => EVENT_FIELDS,
            Section::Indicators => INDICATOR_FIELDS,
        }
    }

    /// Whether a folder must have this section.
    pub fn required(self) -> bool {
        matches!(self, Section::Accounts | Section::Exchanges)
    }
}

/// Fields of `accounts`.
pub const ACCOUNT_FIELDS: &[&str] = &[
    "account_id",
    "created_at",
    "org_name",
    "email_domain",
    "payment_fingerprint",
    "signup_ip",
    "billing_country",
    "access_path",
    "verification",
];

/// Fields of `exchanges`.
pub const EXCHANGE_FIELDS: &[&str] = &[
    "request_id",
    "account_id",
    "ts",
    "model",
    "input_tokens",
    "output_tokens",
    "ip",
    "asn",
    "api_key_id",
    "client_fingerprint",
    "prompt_template",
    "capability",
    "cot_elicitation",
    "prompt_excerpt",
];

/// Fields of `events`.
pub const EVENT_FIELDS: &[&str] = &["ts", "kind", "model", "account_id", "text"];

/// Fields of `indicators`.
pub const INDICATOR_FIELDS: &[&str] = &["kind", "value", "source", "note"];

/// The longest `prompt_excerpt` the contract allows, in characters.
pub const MAX_EXCERPT_CHARS: usize = 500;

/// The most `input_tokens` or `output_tokens` one exchange may have (a
/// Hydrascope bound, far above any model's context window): per-account and
/// per-hour sums of up to 9 × 10^10 exchanges then fit in 64 bits.
pub const MAX_TOKENS: i64 = 100_000_000;

/// Validates one `accounts` row.
pub fn account_from_row(row: &mut RawRow<'_>) -> Result<Account, FieldError> {
    let account_id = row.req_str(0)?.into_owned();
    let created_ms = row.req_ts(1)?;
    let org_name = row.opt_string(2)?;
    let email_domain = row.opt_string(3)?;
    let payment_fingerprint = row.opt_string(4)?;
    let signup_ip = row.opt_ip(5)?;
    let billing_country = row.opt_enum(
        6,
        |s| {
            (s.len() == 2 && s.bytes().all(|b| b.is_ascii_alphabetic()))
                .then(|| s.to_ascii_uppercase())
        },
        || "two-letter ISO 3166-1 codes".to_string(),
    )?;
    let access_path = row.opt_enum(
        7,
        |s| is_valid_access_path(s).then(|| s.to_string()),
        || format!("{}, reseller:<name>", ACCESS_PATHS.join(", ")),
    )?;
    let verification = row.opt_enum(
        8,
        |s| VERIFICATIONS.contains(&s).then(|| s.to_string()),
        || VERIFICATIONS.join(", "),
    )?;
    Ok(Account {
        account_id,
        created_ms,
        org_name,
        email_domain,
        payment_fingerprint,
        signup_ip,
        billing_country,
        access_path,
        verification,
        extra_json: row.extra_json(),
    })
}

/// Validates one `exchanges` row (whether the account exists is the
/// importer's check: it needs the accounts).
pub fn exchange_from_row<'a>(row: &mut RawRow<'a>) -> Result<Exchange<'a>, FieldError> {
    let request_id = row.req_str(0)?;
    let account_id = row.req_str(1)?;
    let ts_ms = row.req_ts(2)?;
    let model = row.req_str(3)?;
    let input_tokens = row.req_int(4, 0, MAX_TOKENS)?;
    let output_tokens = row.req_int(5, 0, MAX_TOKENS)?;
    let ip = row.opt_ip(6)?;
    let asn = row.opt_int(7, 0, i64::from(u32::MAX))?;
    let api_key_id = row.opt_str(8)?;
    let client_fingerprint = row.opt_str(9)?;
    let prompt_template = row.opt_hex64(10)?;
    let capability = row.opt_enum(11, Capability::parse, Capability::names)?;
    let cot_elicitation = row.opt_unit(12)?;
    let prompt_excerpt = row.opt_str(13)?;
    if let Some(excerpt) = &prompt_excerpt {
        let chars = excerpt.chars().count();
        if chars > MAX_EXCERPT_CHARS {
            return Err(FieldError::new(
                "prompt_excerpt",
                format!("{chars} characters, the contract allows at most {MAX_EXCERPT_CHARS}"),
            ));
        }
    }
    Ok(Exchange {
        request_id,
        account_id,
        ts_ms,
        model,
        input_tokens,
        output_tokens,
        ip,
        asn,
        api_key_id,
        client_fingerprint,
        prompt_template,
        capability,
        cot_elicitation,
        prompt_excerpt,
        extra_json: row.extra_json(),
    })
}

/// Validates one `events` row.
pub fn event_from_row(row: &mut RawRow<'_>) -> Result<Event, FieldError> {
    let ts_ms = row.req_ts(0)?;
    let kind = row.opt_enum(1, EventKind::parse, EventKind::names)?;
    let Some(kind) = kind else {
        return Err(FieldError::new("kind", "required but missing or empty"));
    };
    let model = row.opt_string(2)?;
    let account_id = row.opt_string(3)?;
    let text = row.opt_string(4)?;
    if kind == EventKind::ModelRelease && model.is_none() {
        return Err(FieldError::new(
            "model",
            "a model_release event must name its model",
        ));
    }
    if kind == EventKind::AccountBanned && account_id.is_none() {
        return Err(FieldError::new(
            "account_id",
            "an account_banned event must name its account",
        ));
    }
    Ok(Event {
        ts_ms,
        kind,
        model,
        account_id,
        text,
        extra_json: row.extra_json(),
    })
}

/// Validates one `indicators` row; IPs and CIDRs are stored in canonical form.
pub fn indicator_from_row(row: &mut RawRow<'_>) -> Result<Indicator, FieldError> {
    let kind = row.opt_enum(0, IndicatorKind::parse, IndicatorKind::names)?;
    let Some(kind) = kind else {
        return Err(FieldError::new("kind", "required but missing or empty"));
    };
    let raw = row.req_str(1)?;
    let value = canonical_indicator(kind, raw.trim()).ok_or_else(|| {
        FieldError::new(
            "value",
            format!("{raw:?} is not a valid {} indicator", kind.as_str()),
        )
    })?;
    Ok(Indicator {
        kind,
        value,
        source: row.opt_string(2)?,
        note: row.opt_string(3)?,
        extra_json: row.extra_json(),
    })
}

fn canonical_indicator(kind: IndicatorKind, value: &str) -> Option<String> {
    match kind {
        IndicatorKind::Ip => value.parse::<IpAddr>().ok().map(|ip| ip.to_string()),
        IndicatorKind::Cidr => {
            let (addr, len) = value.split_once('/')?;
            let addr: IpAddr = addr.parse().ok()?;
            let len: u8 = len.parse().ok()?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            (len <= max).then(|| format!("{addr}/{len}"))
        }
        IndicatorKind::Asn => {
            let digits = value
                .strip_prefix("AS")
                .or_else(|| value.strip_prefix("as"))
                .unwrap_or(value);
            digits.parse::<u32>().ok().map(|n| n.to_string())
        }
        IndicatorKind::PromptTemplate => parse_template_hex(value).map(|v| format!("{v:016x}")),
        IndicatorKind::PaymentFingerprint
        | IndicatorKind::EmailDomain
        | IndicatorKind::ClientFingerprint => (!value.is_empty()).then(|| value.to_string()),
    }
}
