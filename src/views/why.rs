//! Why two sets of accounts are related, as read from a case: the shortest
//! and the strongest chains of the links the last analysis kept
//! ([`crate::analysis::why`]), each link with its stored evidence. What
//! `hydrascope path` prints and the inspector shows.

use crate::analysis::why::{EvidencePaths, evidence_paths};
use crate::case::analysis_store::StoredLinkEvidence;
use crate::case::{Case, CaseError};

/// One link of a chain: its two accounts (indices, in the chain's order),
/// its weight and its evidence, strongest first.
#[derive(Clone, Debug, PartialEq)]
pub struct Hop {
    /// The account the link leaves.
    pub a: u32,
    /// The account it reaches.
    pub b: u32,
    /// The link's weight.
    pub weight: f64,
    /// What the two share, strongest first.
    pub evidence: Vec<StoredLinkEvidence>,
}

/// A chain of links from one set to the other.
#[derive(Clone, Debug, PartialEq)]
pub struct Chain {
    /// The accounts in order (one account: the two sets share it).
    pub accounts: Vec<u32>,
    /// The links between consecutive accounts.
    pub hops: Vec<Hop>,
}

impl Chain {
    /// The weight of its weakest link (`None` for a chain of one account).
    pub fn weakest(&self) -> Option<f64> {
        self.hops.iter().map(|h| h.weight).reduce(f64::min)
    }
}

/// The two chains between two sets; `None` where no chain joins them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EvidenceChains {
    /// Fewest links.
    pub shortest: Option<Chain>,
    /// Strongest weakest link.
    pub strongest: Option<Chain>,
}

impl EvidenceChains {
    /// The chains found, each once: the shortest, then the strongest when
    /// it is another.
    pub fn distinct(&self) -> impl Iterator<Item = &Chain> {
        let other = self
            .strongest
            .as_ref()
            .filter(|s| self.shortest.as_ref() != Some(*s));
        self.shortest.iter().chain(other)
    }
}

/// The shortest and the strongest chains between `from` and `to` (account
/// indices) over the links stored in `case`, each link with its evidence.
pub fn evidence_chains(case: &Case, from: &[u32], to: &[u32]) -> Result<EvidenceChains, CaseError> {
    let accounts = case.account_ids()?.len();
    let graph = case.graph_links()?;
    let EvidencePaths {
        shortest,
        strongest,
    } = evidence_paths(accounts, &graph.links, from, to);
    let chain = |accounts: Option<Vec<u32>>| -> Result<Option<Chain>, CaseError> {
        let Some(accounts) = accounts else {
            return Ok(None);
        };
        let mut hops = Vec::new();
        for pair in accounts.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let link = case.account_links(a)?.into_iter().find(|l| l.other == b);
            let (weight, evidence) = link.map_or((0.0, Vec::new()), |l| (l.weight, l.evidence));
            hops.push(Hop {
                a,
                b,
                weight,
                evidence,
            });
        }
        Ok(Some(Chain { accounts, hops }))
    };
    Ok(EvidenceChains {
        shortest: chain(shortest)?,
        strongest: chain(strongest)?,
    })
}
