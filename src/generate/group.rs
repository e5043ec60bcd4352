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
    /// (families) Heavy independent users: power users and developers at a
    /// high but human volume, some with scripts of their own.
    BenignHeavyUsers,
    /// (families) Students of one university course doing the same graded
    /// homework: one university domain, new accounts, weekly deadline bursts.
    BenignCourse,
    /// (families) Users of a popular open-source coding agent: its system
    /// prompts and client, the new model on release day, otherwise independent.
    BenignAgentUsers,
    /// (families) Independent labs and researchers running one public
    /// benchmark by script, many of them on the new model on release day.
    BenignBenchmark,
    /// (families) Members of a prompt-sharing community copying its popular
    /// prompts among their ordinary use.
    BenignPromptCommunity,
    /// (families) Users of a browser extension: its client, its few prompts.
    BenignExtension,
    /// (families) Tenants of a chat-bot platform: its egress and client, their
    /// own system prompts, around-the-clock load from their end users.
    BenignBotPlatform,
    /// (families) A harvest job on template families, fixed or paraphrased,
    /// with unique items and cover traffic.
    CampaignTemplated,
    /// (families) Crews working lock-step shifts that share no prompt: a
    /// fresh template per request, residential proxies, ban and replace.
    CampaignCrews,
    /// (families) A paid crowd running one lab's queue on its own long-held
    /// accounts: independent on every axis but the work, industrial volume.
    CampaignPaidCrowd,
}

impl Group {
    /// Every group.
    pub const ALL: [Group; 26] = [
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
        Group::BenignHeavyUsers,
        Group::BenignCourse,
        Group::BenignAgentUsers,
        Group::BenignBenchmark,
        Group::BenignPromptCommunity,
        Group::BenignExtension,
        Group::BenignBotPlatform,
        Group::CampaignTemplated,
        Group::CampaignCrews,
        Group::CampaignPaidCrowd,
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
            Group::BenignHeavyUsers => "benign_heavy_users",
            Group::BenignCourse => "benign_course",
            Group::BenignAgentUsers => "benign_agent_users",
            Group::BenignBenchmark => "benign_benchmark",
            Group::BenignPromptCommunity => "benign_prompt_community",
            Group::BenignExtension => "benign_extension",
            Group::BenignBotPlatform => "benign_bot_platform",
            Group::CampaignTemplated => "campaign_templated",
            Group::CampaignCrews => "campaign_crews",
            Group::CampaignPaidCrowd => "campaign_paid_crowd",
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
                | Group::CampaignTemplated
                | Group::CampaignCrews
                | Group::CampaignPaidCrowd
        )
    }
}
