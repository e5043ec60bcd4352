//! Who an account of a generated scenario really is: the ground truth the
//! analyst never sees, written beside the case for the quality benchmarks.

/// Who an account really is: the ground truth the analyst never sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Group {
    /// (a) Small reasoning-extraction campaign.
    CampaignReasoning,
    /// (b) Agentic campaign over several access paths.
    CampaignAgentic,
    /// (c) Hydra-proxy campaign with ban-and-replace.
    CampaignHydra,
    /// Company: hundreds of employees, one card, one domain, one egress.
    BenignCompany,
    /// Users behind a carrier NAT sharing a few IPs.
    BenignCarrierNat,
    /// University lab running a reasoning benchmark from one IP, one card.
    BenignUniversityLab,
    /// Legitimate customers of the hydra's relay (same egress, same client).
    BenignRelayCustomers,
    /// Unrelated users of popular SDK prompt templates.
    BenignSdkUsers,
    /// Ordinary diurnal users.
    BenignDiurnal,
    /// (evasive) Low-and-slow campaign: many accounts, each at a heavy human
    /// user's volume and in daytime sessions, harvesting reasoning for weeks.
    CampaignLowAndSlow,
    /// (evasive) Campaign on bought aged accounts: years-old accounts of real
    /// people, dormant, taken over within a few days and put to harvesting.
    CampaignAgedAccounts,
    /// (evasive) Users of a popular open-source coding agent: its system-prompt
    /// templates, its client, tool-heavy traffic, the new model on release day.
    BenignCodingAgent,
    /// (evasive) A startup-programme hackathon: a hundred-odd sign-ups within
    /// hours from the venue network, teams sharing a card and a domain.
    BenignHackathon,
    /// (evasive) An evaluation company's LLM-as-judge pipeline: KYC'd service
    /// accounts, one card, one egress, nightly lock-step rubric grading.
    BenignEvalPipeline,
    /// (evasive) A data-labelling company classifying around the clock from
    /// its cloud egress, one card, short outputs.
    BenignDataLabelling,
    /// (evasive) Customers of a residential ISP whose home connections are
    /// exits of the residential proxy network the campaigns rent.
    BenignProxyPeers,
}

impl Group {
    /// Every group.
    pub const ALL: [Group; 16] = [
        Group::CampaignReasoning,
        Group::CampaignAgentic,
        Group::CampaignHydra,
        Group::BenignCompany,
        Group::BenignCarrierNat,
        Group::BenignUniversityLab,
        Group::BenignRelayCustomers,
        Group::BenignSdkUsers,
        Group::BenignDiurnal,
        Group::CampaignLowAndSlow,
        Group::CampaignAgedAccounts,
        Group::BenignCodingAgent,
        Group::BenignHackathon,
        Group::BenignEvalPipeline,
        Group::BenignDataLabelling,
        Group::BenignProxyPeers,
    ];

    /// The name in ground-truth files.
    pub fn name(self) -> &'static str {
        match self {
            Group::CampaignReasoning => "campaign_reasoning",
            Group::CampaignAgentic => "campaign_agentic",
            Group::CampaignHydra => "campaign_hydra",
            Group::BenignCompany => "benign_company",
            Group::BenignCarrierNat => "benign_carrier_nat",
            Group::BenignUniversityLab => "benign_university_lab",
            Group::BenignRelayCustomers => "benign_relay_customers",
            Group::BenignSdkUsers => "benign_sdk_users",
            Group::BenignDiurnal => "benign_diurnal",
            Group::CampaignLowAndSlow => "campaign_low_and_slow",
            Group::CampaignAgedAccounts => "campaign_aged_accounts",
            Group::BenignCodingAgent => "benign_coding_agent",
            Group::BenignHackathon => "benign_hackathon",
            Group::BenignEvalPipeline => "benign_eval_pipeline",
            Group::BenignDataLabelling => "benign_data_labelling",
            Group::BenignProxyPeers => "benign_proxy_peers",
        }
    }

    /// Parses a name from [`Self::name`].
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.name() == name)
    }

    /// Whether the group is a distillation campaign.
    pub fn is_campaign(self) -> bool {
        matches!(
            self,
            Group::CampaignReasoning
                | Group::CampaignAgentic
                | Group::CampaignHydra
                | Group::CampaignLowAndSlow
                | Group::CampaignAgedAccounts
        )
    }
}
