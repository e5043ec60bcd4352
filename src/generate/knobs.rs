//! What the families scenarios draw: each group's [`FamilyKnobs`] per seed
//! and each account's [`FamilyPlan`]. Plain data, shared by the families
//! planner (which draws it), the traffic writer (which follows it) and the
//! quality tool (which prints it).

use super::group::Group;

/// Token sizes and chain-of-thought elicitation of a group's work requests.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Shape {
    /// Median input tokens.
    pub input: f64,
    /// Median output tokens.
    pub output: f64,
    /// Range of `cot_elicitation`.
    pub cot: (f64, f64),
}

/// How a group's shared prompts are sent.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TemplateMode {
    /// Exactly the template every time.
    Fixed,
    /// Up to `bits` bits from the template (light edits, version changes).
    NearExact {
        /// Most bits flipped.
        bits: u32,
    },
    /// One of a pool of rewordings, each `bits` bits from the template.
    Paraphrased {
        /// Rewordings per template.
        pool: usize,
        /// Bits each rewording is from its template.
        bits: u32,
    },
    /// A template of its own for every request (a random SimHash).
    Fresh,
}

impl TemplateMode {
    /// A short name for tables.
    pub fn label(self) -> String {
        match self {
            TemplateMode::Fixed => "fixed".into(),
            TemplateMode::NearExact { bits } => format!("near-exact ≤{bits} bits"),
            TemplateMode::Paraphrased { pool, bits } => {
                format!("paraphrased {pool}×{bits} bits")
            }
            TemplateMode::Fresh => "fresh per request".into(),
        }
    }
}

/// The parameters one group of a families scenario drew for a seed.
#[derive(Clone, Debug)]
pub struct FamilyKnobs {
    /// The group.
    pub group: Group,
    /// Accounts planned.
    pub accounts: usize,
    /// Exchanges planned (before cover rounding and schedule limits).
    pub exchanges: u64,
    /// Distinct time zones of its people.
    pub time_zones: usize,
    /// Templates the group shares (its work: assignments, system prompts,
    /// benchmark items, harvest families; 0 when none is shared).
    pub shared_templates: usize,
    /// How the shared templates (or the harvest) are sent.
    pub mode: TemplateMode,
    /// Mean share of an account's requests on the group's work templates.
    pub work_share: f64,
    /// Mean share of an account's requests that are cover (ordinary use
    /// sent to look ordinary; campaigns only).
    pub cover_share: f64,
    /// Share of its accounts on a card another account also has.
    pub card_share: f64,
    /// Most accounts on one shared card.
    pub card_group: usize,
    /// Share of its work requests from addresses other accounts (of this
    /// group or not) also use: proxy exits, platform egress, campus NAT.
    pub address_share: f64,
    /// Account ages at the window start, days (least, most).
    pub age_days: (f64, f64),
    /// Token sizes and chain-of-thought of the work requests.
    pub shape: Shape,
    /// Share of the work on the new model once adopted, and hours to adopt.
    pub new_model: (f64, f64),
    /// What only this kind of group has (name, value).
    pub detail: Vec<(&'static str, f64)>,
}

impl FamilyKnobs {
    /// One line for tables: `accounts 120, exchanges 14,200, …`.
    pub fn summary(&self) -> String {
        let mut parts = vec![
            format!("accounts {}", self.accounts),
            format!("exchanges {}", self.exchanges),
            format!("tz {}", self.time_zones),
            format!("templates {} {}", self.shared_templates, self.mode.label()),
            format!("work {:.2}", self.work_share),
        ];
        if self.cover_share > 0.0 {
            parts.push(format!("cover {:.2}", self.cover_share));
        }
        parts.push(format!(
            "shared cards {:.2} (≤{})",
            self.card_share, self.card_group
        ));
        parts.push(format!("shared addresses {:.2}", self.address_share));
        parts.push(format!(
            "age {:.0}–{:.0} d",
            self.age_days.0, self.age_days.1
        ));
        parts.push(format!(
            "tokens {:.0}→{:.0}, cot {:.2}–{:.2}",
            self.shape.input, self.shape.output, self.shape.cot.0, self.shape.cot.1
        ));
        parts.push(format!(
            "new model {:.2} in {:.0} h",
            self.new_model.0, self.new_model.1
        ));
        for (name, value) in &self.detail {
            if value.fract() == 0.0 {
                parts.push(format!("{name} {value:.0}"));
            } else {
                parts.push(format!("{name} {value:.2}"));
            }
        }
        parts.join(", ")
    }
}

/// What a families scenario drew for a seed.
#[derive(Clone, Debug)]
pub struct Families {
    /// Day (from the window start) of the model release.
    pub release_day: f64,
    /// Share of the proxy network's exits that are exactly a benign user's
    /// home address.
    pub exact_exit_share: f64,
    /// The proxy network's exits (indices into the networks).
    pub exits: Vec<u32>,
    /// Per group (background and look-alikes and campaigns).
    pub groups: Vec<FamilyKnobs>,
}

impl Families {
    /// The knobs of `group`, if this scenario drew them.
    pub fn knobs(&self, group: Group) -> Option<&FamilyKnobs> {
        self.groups.iter().find(|k| k.group == group)
    }
}

/// One account of a families scenario: what its requests are made of. The
/// account's own `templates` (in its [`super::scenario::Plan`]) are its
/// ordinary use; `work` is what it shares with its group.
#[derive(Clone, Debug)]
pub struct FamilyPlan {
    /// The work templates by time: `(from_ms, templates)`, sorted; a request
    /// uses the last set started by its time (a new assignment each week).
    pub work: Vec<(i64, Vec<u32>)>,
    /// How the work templates are sent.
    pub mode: TemplateMode,
    /// Zipf exponent of the pick among the work templates (0: uniform).
    pub work_zipf: f64,
    /// Share of the non-cover requests on the work templates (the rest on
    /// the account's own templates).
    pub work_share: f64,
    /// Share of the work requests that are fresh: a new SimHash each, with
    /// the capability of one of `work`'s templates.
    pub fresh_share: f64,
    /// Share of the requests that are cover: the persona's ordinary use.
    pub cover_share: f64,
    /// The persona's own templates for cover.
    pub cover_templates: Vec<u32>,
    /// The persona's local time, hours from UTC (cover sessions).
    pub tz_hours: i64,
    /// Shared exits (residential proxy) for work and cover (the first is
    /// the persona's sticky exit); empty: the account's own networks.
    pub exits: Vec<u32>,
    /// Share of the work sent through `exits`.
    pub exit_share: f64,
    /// Whether work requests use any of the account's networks alike (a
    /// load balancer) rather than mostly the first.
    pub any_net: bool,
    /// How far through a paraphrase pool the work moves over the window.
    pub drift: f64,
    /// Token sizes and chain-of-thought of the work.
    pub shape: Shape,
    /// Weights of the three older models before adoption.
    pub models: [f64; 3],
    /// Share of the work on the new model once adopted, and the ramp (ms).
    pub adoption: (f64, i64),
}
