//! What the evasive scenarios draw to hide their campaigns: each account's
//! [`Disguise`] and each campaign's [`CampaignKnobs`]. Plain data, shared by
//! the evasive planner (which draws it) and the traffic writer (which
//! follows it).

use super::group::Group;

/// How one evasive campaign account hides its harvest.
#[derive(Clone, Debug)]
pub struct Disguise {
    /// Share of the account's requests that are cover (25–40%).
    pub cover_share: f64,
    /// Share of the cover that is the relay's customers' requests (hydra).
    pub relayed_share: f64,
    /// Share of the harvest sent through the residential exits.
    pub proxy_share: f64,
    /// Residential exits (indices into the networks); the first is the
    /// persona's sticky exit, used for the sign-up and most cover.
    pub exits: Vec<u32>,
    /// The persona's own templates, exact.
    pub cover_templates: Vec<u32>,
    /// Templates of the relay's customers (hydra only).
    pub relayed_templates: Vec<u32>,
    /// The relay's egress (hydra only).
    pub relay_nets: Vec<u32>,
    /// The relay's client fingerprint (hydra only).
    pub relay_client: Option<u32>,
    /// The persona's local time, hours from UTC.
    pub tz_hours: i64,
    /// How far through its paraphrase pools the campaign moves over the
    /// window, as a share of a pool.
    pub drift: f64,
}

/// The evasion knobs of one campaign, drawn per seed.
#[derive(Clone, Debug)]
pub struct CampaignKnobs {
    /// The campaign.
    pub group: Group,
    /// Mean cover share of its accounts (each within ±0.02, in 0.25..=0.40).
    pub cover_share: f64,
    /// Share of the harvest through residential exits.
    pub proxy_share: f64,
    /// Share of its accounts with a card of their own (at least).
    pub own_card_share: f64,
    /// Template families.
    pub families: usize,
    /// Paraphrases per family.
    pub variants_per_family: usize,
    /// Share of paraphrases 5 bits (rather than 4) from the centre.
    pub five_bit_share: f64,
    /// See [`Disguise::drift`].
    pub drift: f64,
    /// See [`Disguise::relayed_share`].
    pub relayed_share: f64,
}

/// What the evasive planner drew for a seed.
#[derive(Clone, Debug)]
pub struct Evasion {
    /// Per campaign.
    pub campaigns: Vec<CampaignKnobs>,
    /// Share of the exits that are exactly a benign user's home address.
    pub exact_exit_share: f64,
    /// The proxy network's exits (indices into the networks).
    pub exits: Vec<u32>,
}

impl Evasion {
    /// The knobs of `group`, if it is an evasive campaign.
    pub fn knobs(&self, group: Group) -> Option<&CampaignKnobs> {
        self.campaigns.iter().find(|k| k.group == group)
    }
}
