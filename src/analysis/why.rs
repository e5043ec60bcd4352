//! Why two accounts (or an account and a cluster or campaign, or two
//! groups) are related: the chains of evidence links between them.
//!
//! - The **shortest** chain: the fewest links from any account of the first
//!   set to any of the second (ties: the chain whose weakest link is
//!   strongest, then the lower account indices).
//! - The **strongest** chain: the one whose weakest link is strongest (a
//!   chain is as strong as its weakest link), ties by fewer links, then
//!   lower account indices.
//!
//! Both over the links kept by the last analysis (`links`, their weights);
//! what each link holds is read beside them (`hydrascope path`, the
//! inspector). Linear in the links: one breadth-first pass and one
//! best-first pass.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// The two chains between two sets of accounts, each the accounts in order
/// (from the first set to the second); `None` when no chain of links joins
/// them. A chain of one account: the two sets share it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EvidencePaths {
    /// Fewest links.
    pub shortest: Option<Vec<u32>>,
    /// Strongest weakest link.
    pub strongest: Option<Vec<u32>>,
}

/// Adjacency of `n` accounts over `links` (a, b, weight), each account's
/// neighbours strongest first (then by index): a fixed order, so that
/// every chain found is the same on every run.
struct Adjacency {
    start: Vec<usize>,
    to: Vec<(u32, f32)>,
}

impl Adjacency {
    fn new(n: usize, links: &[(u32, u32, f32)]) -> Self {
        let mut degree = vec![0usize; n + 1];
        for &(a, b, _) in links {
            if (a as usize) < n && (b as usize) < n && a != b {
                degree[a as usize] += 1;
                degree[b as usize] += 1;
            }
        }
        let mut start = vec![0usize; n + 1];
        for i in 0..n {
            start[i + 1] = start[i] + degree[i];
        }
        let mut fill = start.clone();
        let mut to = vec![(0u32, 0f32); start[n]];
        for &(a, b, w) in links {
            if (a as usize) < n && (b as usize) < n && a != b {
                to[fill[a as usize]] = (b, w);
                fill[a as usize] += 1;
                to[fill[b as usize]] = (a, w);
                fill[b as usize] += 1;
            }
        }
        for i in 0..n {
            to[start[i]..start[i + 1]]
                .sort_unstable_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
        }
        Self { start, to }
    }

    fn of(&self, a: u32) -> &[(u32, f32)] {
        &self.to[self.start[a as usize]..self.start[a as usize + 1]]
    }
}

/// The shortest and the strongest chains of `links` between `from` and
/// `to` (account indices below `n`; others are ignored).
pub fn evidence_paths(
    n: usize,
    links: &[(u32, u32, f32)],
    from: &[u32],
    to: &[u32],
) -> EvidencePaths {
    let mut target = vec![false; n];
    for &t in to {
        if let Some(slot) = target.get_mut(t as usize) {
            *slot = true;
        }
    }
    let mut sources: Vec<u32> = from.iter().copied().filter(|&a| (a as usize) < n).collect();
    sources.sort_unstable();
    sources.dedup();
    if let Some(&both) = sources.iter().find(|&&a| target[a as usize]) {
        return EvidencePaths {
            shortest: Some(vec![both]),
            strongest: Some(vec![both]),
        };
    }
    if sources.is_empty() || !target.iter().any(|&t| t) {
        return EvidencePaths::default();
    }
    let adjacency = Adjacency::new(n, links);
    EvidencePaths {
        shortest: best_first(&adjacency, n, &sources, &target, Goal::Shortest),
        strongest: best_first(&adjacency, n, &sources, &target, Goal::Strongest),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Goal {
    Shortest,
    Strongest,
}

/// A chain's standing while searching: its links and its weakest link.
#[derive(Clone, Copy, PartialEq)]
struct Standing {
    hops: u32,
    weakest: f32,
}

impl Standing {
    /// Better first, for `goal`.
    fn cmp(&self, other: &Self, goal: Goal) -> Ordering {
        let by_hops = other.hops.cmp(&self.hops);
        let by_weakest = self.weakest.total_cmp(&other.weakest);
        match goal {
            Goal::Shortest => by_hops.then(by_weakest),
            Goal::Strongest => by_weakest.then(by_hops),
        }
    }
}

struct Entry {
    standing: Standing,
    account: u32,
    goal: Goal,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        // The heap pops the greatest: the better standing, then the lower
        // account.
        self.standing
            .cmp(&other.standing, self.goal)
            .then(other.account.cmp(&self.account))
    }
}

/// Best-first search (Dijkstra over the ordered standings: both orders are
/// monotone along a chain — a link adds a hop and can only lower the
/// weakest) from every source at once to the first target settled.
fn best_first(
    adjacency: &Adjacency,
    n: usize,
    sources: &[u32],
    target: &[bool],
    goal: Goal,
) -> Option<Vec<u32>> {
    let mut best: Vec<Option<Standing>> = vec![None; n];
    let mut previous = vec![u32::MAX; n];
    let mut settled = vec![false; n];
    let mut heap = BinaryHeap::new();
    for &s in sources {
        let standing = Standing {
            hops: 0,
            weakest: f32::INFINITY,
        };
        best[s as usize] = Some(standing);
        heap.push(Entry {
            standing,
            account: s,
            goal,
        });
    }
    while let Some(Entry {
        standing, account, ..
    }) = heap.pop()
    {
        if settled[account as usize] {
            continue;
        }
        settled[account as usize] = true;
        if target[account as usize] {
            let mut chain = vec![account];
            let mut at = account;
            while previous[at as usize] != u32::MAX {
                at = previous[at as usize];
                chain.push(at);
            }
            chain.reverse();
            return Some(chain);
        }
        for &(next, weight) in adjacency.of(account) {
            if settled[next as usize] {
                continue;
            }
            let candidate = Standing {
                hops: standing.hops + 1,
                weakest: standing.weakest.min(weight),
            };
            let better =
                best[next as usize].is_none_or(|b| candidate.cmp(&b, goal) == Ordering::Greater);
            if better {
                best[next as usize] = Some(candidate);
                previous[next as usize] = account;
                heap.push(Entry {
                    standing: candidate,
                    account: next,
                    goal,
                });
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 0 —0.2— 1 —0.2— 5 (two links, weak), and 0 —0.9— 2 —0.8— 3 —0.9— 5
    /// (three links, strong); 4 alone.
    fn links() -> Vec<(u32, u32, f32)> {
        vec![
            (0, 1, 0.2),
            (1, 5, 0.2),
            (0, 2, 0.9),
            (2, 3, 0.8),
            (3, 5, 0.9),
        ]
    }

    #[test]
    fn the_shortest_chain_has_fewest_links_and_the_strongest_the_strongest_weakest_link() {
        let p = evidence_paths(6, &links(), &[0], &[5]);
        assert_eq!(p.shortest, Some(vec![0, 1, 5]));
        assert_eq!(p.strongest, Some(vec![0, 2, 3, 5]));
    }

    #[test]
    fn between_groups_the_chain_starts_and_ends_anywhere_in_them() {
        // From {1, 4} to {3}: 1 —0.2— 0 —0.9— 2 —0.8— 3 or 1 — 5 — 3.
        // Both chains' weakest link is 0.2: the strongest is the shorter.
        let p = evidence_paths(6, &links(), &[4, 1], &[3]);
        assert_eq!(p.shortest, Some(vec![1, 5, 3]));
        assert_eq!(p.strongest, Some(vec![1, 5, 3]));
        // From {0} to {1, 3}: one weak link, or two strong ones.
        let p = evidence_paths(6, &links(), &[0], &[1, 3]);
        assert_eq!(p.shortest, Some(vec![0, 1]));
        assert_eq!(p.strongest, Some(vec![0, 2, 3]));
        // Groups that share an account: a chain of that account.
        let p = evidence_paths(6, &links(), &[2, 3], &[3, 4]);
        assert_eq!(p.shortest, Some(vec![3]));
    }

    #[test]
    fn accounts_no_chain_joins_have_no_path() {
        let p = evidence_paths(6, &links(), &[0], &[4]);
        assert_eq!(p, EvidencePaths::default());
        // Indices out of range are ignored, not a panic.
        assert_eq!(
            evidence_paths(6, &links(), &[99], &[5]),
            EvidencePaths::default()
        );
    }

    #[test]
    fn ties_are_broken_the_same_way_every_time() {
        // Two chains of two equal links: the lower account is taken.
        let tied = vec![(0, 2, 0.5), (2, 3, 0.5), (0, 1, 0.5), (1, 3, 0.5)];
        for _ in 0..3 {
            let p = evidence_paths(4, &tied, &[0], &[3]);
            assert_eq!(p.shortest, Some(vec![0, 1, 3]));
            assert_eq!(p.strongest, Some(vec![0, 1, 3]));
        }
    }
}
