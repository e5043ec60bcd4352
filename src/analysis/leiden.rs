//! Leiden community detection (Traag, Waltman & van Eck, 2019) on a
//! weighted undirected graph, optimising modularity with a resolution.
//!
//! Three phases per level: fast local moving of nodes between communities
//! (queue-based), refinement of each community into well-connected
//! subcommunities (which is what guarantees connected communities), and
//! aggregation of the refined partition into a smaller graph whose initial
//! partition is the unrefined one. The refinement here merges greedily
//! (highest gain, ties to the lower id) instead of sampling, which keeps the
//! result a pure function of the graph and the seed.

use std::collections::VecDeque;

use crate::base::rng::Rng;

/// A graph in compressed sparse rows, both directions of every edge stored.
#[derive(Clone, Debug)]
struct Graph {
    offsets: Vec<usize>,
    targets: Vec<u32>,
    weights: Vec<f64>,
    /// Node strength: the sum of its edge weights, including edges folded
    /// inside it by aggregation (counted twice, as modularity wants).
    strength: Vec<f64>,
    /// Sum of all strengths (twice the total edge weight).
    total: f64,
}

impl Graph {
    fn len(&self) -> usize {
        self.strength.len()
    }

    fn neighbours(&self, i: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let range = self.offsets[i]..self.offsets[i + 1];
        self.targets[range.clone()]
            .iter()
            .map(|&t| t as usize)
            .zip(self.weights[range].iter().copied())
    }

    /// From undirected edges (duplicates summed, self loops ignored).
    fn from_edges(n: usize, edges: &[(u32, u32, f64)]) -> Self {
        let mut directed: Vec<(u32, u32, f64)> = Vec::with_capacity(edges.len() * 2);
        for &(a, b, w) in edges {
            if a != b && w > 0.0 && (a as usize) < n && (b as usize) < n {
                directed.push((a, b, w));
                directed.push((b, a, w));
            }
        }
        let mut strength = vec![0.0; n];
        for &(a, _, w) in &directed {
            strength[a as usize] += w;
        }
        Self::from_directed(n, directed, strength)
    }

    fn from_directed(n: usize, mut directed: Vec<(u32, u32, f64)>, strength: Vec<f64>) -> Self {
        directed.sort_unstable_by_key(|&(a, b, _)| (a, b));
        let mut offsets = vec![0usize; n + 1];
        let mut targets = Vec::with_capacity(directed.len());
        let mut weights: Vec<f64> = Vec::with_capacity(directed.len());
        let mut last: Option<(u32, u32)> = None;
        for (a, b, w) in directed {
            if last == Some((a, b)) {
                if let Some(x) = weights.last_mut() {
                    *x += w;
                }
                continue;
            }
            last = Some((a, b));
            offsets[a as usize + 1] += 1;
            targets.push(b);
            weights.push(w);
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let total = strength.iter().sum();
        Self {
            offsets,
            targets,
            weights,
            strength,
            total,
        }
    }

    /// The graph of the groups of `group` (ids below `groups`).
    fn aggregate(&self, group: &[u32], groups: usize) -> Self {
        let mut strength = vec![0.0; groups];
        let mut directed = Vec::new();
        for i in 0..self.len() {
            let gi = group[i];
            strength[gi as usize] += self.strength[i];
            for (j, w) in self.neighbours(i) {
                let gj = group[j];
                if gi != gj {
                    directed.push((gi, gj, w));
                }
            }
        }
        Self::from_directed(groups, directed, strength)
    }
}

/// Scratch space for summing weights per community without a hash map.
struct Tally {
    weight: Vec<f64>,
    touched: Vec<u32>,
}

impl Tally {
    fn new(n: usize) -> Self {
        Self {
            weight: vec![0.0; n],
            touched: Vec::new(),
        }
    }

    fn add(&mut self, c: u32, w: f64) {
        if self.weight[c as usize] == 0.0 {
            self.touched.push(c);
        }
        self.weight[c as usize] += w;
    }

    fn clear(&mut self) {
        for c in self.touched.drain(..) {
            self.weight[c as usize] = 0.0;
        }
    }
}

/// Renumbers ids to 0..k in order of first appearance; returns k.
fn compact(ids: &mut [u32]) -> usize {
    let largest = ids.iter().copied().max().map_or(0, |m| m as usize + 1);
    let mut map = vec![u32::MAX; largest];
    let mut next = 0u32;
    for id in ids.iter_mut() {
        let slot = &mut map[*id as usize];
        if *slot == u32::MAX {
            *slot = next;
            next += 1;
        }
        *id = *slot;
    }
    next as usize
}

/// Moves nodes to the neighbouring community of largest modularity gain
/// until none gains; returns whether anything moved.
fn move_nodes(g: &Graph, comm: &mut [u32], gamma: f64, rng: &mut Rng) -> bool {
    let n = g.len();
    let scale = gamma / g.total;
    let mut total = vec![0.0; n];
    let mut size = vec![0u32; n];
    for i in 0..n {
        total[comm[i] as usize] += g.strength[i];
        size[comm[i] as usize] += 1;
    }
    let mut empty: Vec<u32> = (0..n as u32).filter(|&c| size[c as usize] == 0).collect();
    let mut order: Vec<u32> = (0..n as u32).collect();
    for i in (1..n).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let mut queue: VecDeque<u32> = order.into();
    let mut queued = vec![true; n];
    let mut tally = Tally::new(n);
    let mut moved = false;
    while let Some(i) = queue.pop_front() {
        let i = i as usize;
        queued[i] = false;
        let (from, k) = (comm[i], g.strength[i]);
        for (j, w) in g.neighbours(i) {
            tally.add(comm[j], w);
        }
        total[from as usize] -= k;
        size[from as usize] -= 1;
        let mut best = from;
        let mut best_gain = tally.weight[from as usize] - k * total[from as usize] * scale;
        for &c in &tally.touched {
            let gain = tally.weight[c as usize] - k * total[c as usize] * scale;
            if gain > best_gain + 1e-12 || (gain >= best_gain - 1e-12 && c < best && best != from) {
                best = c;
                best_gain = gain;
            }
        }
        if best_gain < -1e-12 {
            // Alone is better than anywhere: an empty community.
            best = if size[from as usize] == 0 {
                from
            } else {
                empty.pop().unwrap_or(from)
            };
        }
        if size[from as usize] == 0 && best != from {
            empty.push(from);
        }
        total[best as usize] += k;
        size[best as usize] += 1;
        comm[i] = best;
        tally.clear();
        if best != from {
            moved = true;
            for (j, _) in g.neighbours(i) {
                if comm[j] != best && !queued[j] {
                    queued[j] = true;
                    queue.push_back(j as u32);
                }
            }
        }
    }
    moved
}

/// Splits each community into well-connected subcommunities by merging
/// singletons greedily; returns the refined community of each node.
fn refine(g: &Graph, comm: &[u32], gamma: f64, rng: &mut Rng) -> Vec<u32> {
    let n = g.len();
    let scale = gamma / g.total;
    let mut community_total = vec![0.0; n];
    for i in 0..n {
        community_total[comm[i] as usize] += g.strength[i];
    }
    let mut refined: Vec<u32> = (0..n as u32).collect();
    let mut refined_total = g.strength.clone();
    let mut refined_size = vec![1u32; n];
    // Weight from each refined set to the rest of its community.
    let mut to_rest = vec![0.0; n];
    for (i, rest) in to_rest.iter_mut().enumerate() {
        *rest = g
            .neighbours(i)
            .filter(|&(j, _)| comm[j] == comm[i])
            .map(|(_, w)| w)
            .sum();
    }
    let node_to_rest = to_rest.clone();
    let mut order: Vec<u32> = (0..n as u32).collect();
    for i in (1..n).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let mut tally = Tally::new(n);
    for &i in &order {
        let i = i as usize;
        if refined_size[refined[i] as usize] != 1 {
            continue;
        }
        let c = comm[i] as usize;
        let k = g.strength[i];
        if node_to_rest[i] < k * (community_total[c] - k) * scale {
            continue;
        }
        for (j, w) in g.neighbours(i) {
            if comm[j] as usize == c && refined[j] != refined[i] {
                tally.add(refined[j], w);
            }
        }
        let mut best: Option<u32> = None;
        let mut best_gain = 0.0;
        for &r in &tally.touched {
            let rt = refined_total[r as usize];
            if to_rest[r as usize] < rt * (community_total[c] - rt) * scale {
                continue;
            }
            let gain = tally.weight[r as usize] - k * rt * scale;
            let better = match best {
                None => gain >= 0.0,
                Some(b) => gain > best_gain + 1e-12 || (gain >= best_gain - 1e-12 && r < b),
            };
            if better {
                best = Some(r);
                best_gain = gain;
            }
        }
        if let Some(r) = best {
            let old = refined[i] as usize;
            let w_ir = tally.weight[r as usize];
            to_rest[r as usize] += node_to_rest[i] - 2.0 * w_ir;
            refined_total[r as usize] += k;
            refined_size[r as usize] += 1;
            refined_total[old] = 0.0;
            refined_size[old] = 0;
            refined[i] = r;
        }
        tally.clear();
    }
    refined
}

/// Communities of the `n` nodes of the graph `edges` (undirected, weighted),
/// numbered from 0 in order of their smallest node. `resolution` 1.0 is
/// classic modularity; higher gives smaller communities. Nodes without
/// edges are communities of their own.
pub fn leiden(
    n: usize,
    edges: &[(u32, u32, f64)],
    resolution: f64,
    seed: u64,
    iterations: usize,
) -> Vec<u32> {
    let base = Graph::from_edges(n, edges);
    let mut membership: Vec<u32> = (0..n as u32).collect();
    if base.total <= 0.0 {
        return membership;
    }
    let mut rng = Rng::new(seed, 0x01e1_de11);
    for _ in 0..iterations.max(1) {
        let before = membership.clone();
        membership = one_pass(&base, &membership, resolution, &mut rng);
        if membership == before {
            break;
        }
    }
    membership
}

/// One full Leiden run from an initial partition of the base graph.
fn one_pass(base: &Graph, initial: &[u32], gamma: f64, rng: &mut Rng) -> Vec<u32> {
    let n = base.len();
    // node of the current graph each base node is in, and the partition of
    // the current graph's nodes.
    let mut node_of: Vec<u32> = (0..n as u32).collect();
    let mut partition: Vec<u32> = initial.to_vec();
    compact(&mut partition);
    let mut graph = base.clone();
    for _level in 0..64 {
        move_nodes(&graph, &mut partition, gamma, rng);
        let mut refined = refine(&graph, &partition, gamma, rng);
        let groups = compact(&mut refined);
        if groups == graph.len() {
            break;
        }
        let mut next_partition = vec![0u32; groups];
        for (node, &r) in refined.iter().enumerate() {
            next_partition[r as usize] = partition[node];
        }
        // Community ids of the larger level may exceed the smaller graph's size.
        compact(&mut next_partition);
        graph = graph.aggregate(&refined, groups);
        for v in node_of.iter_mut() {
            *v = refined[*v as usize];
        }
        partition = next_partition;
    }
    let mut result: Vec<u32> = node_of.iter().map(|&v| partition[v as usize]).collect();
    compact(&mut result);
    result
}

/// Modularity of a partition (for tests and benchmarks).
pub fn modularity(n: usize, edges: &[(u32, u32, f64)], membership: &[u32], resolution: f64) -> f64 {
    let g = Graph::from_edges(n, edges);
    if g.total <= 0.0 {
        return 0.0;
    }
    let communities = membership
        .iter()
        .map(|&c| c as usize + 1)
        .max()
        .unwrap_or(0);
    let mut inside = vec![0.0; communities];
    let mut total = vec![0.0; communities];
    for i in 0..n {
        total[membership[i] as usize] += g.strength[i];
        for (j, w) in g.neighbours(i) {
            if membership[j] == membership[i] {
                inside[membership[i] as usize] += w;
            }
        }
    }
    (0..communities)
        .map(|c| inside[c] / g.total - resolution * (total[c] / g.total).powi(2))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cliques(k: usize, size: usize, bridge: f64) -> Vec<(u32, u32, f64)> {
        let mut edges = Vec::new();
        for c in 0..k {
            let base = (c * size) as u32;
            for i in 0..size as u32 {
                for j in i + 1..size as u32 {
                    edges.push((base + i, base + j, 1.0));
                }
            }
            edges.push((base, ((c + 1) % k * size) as u32, bridge));
        }
        edges
    }

    #[test]
    fn finds_planted_cliques() {
        let edges = cliques(6, 8, 0.5);
        let comm = leiden(48, &edges, 1.0, 1, 2);
        for c in 0..6 {
            let first = comm[c * 8];
            assert!((0..8).all(|i| comm[c * 8 + i] == first), "{comm:?}");
        }
        assert_eq!(
            comm.iter().collect::<std::collections::BTreeSet<_>>().len(),
            6
        );
        assert!(modularity(48, &edges, &comm, 1.0) > 0.7);
    }

    #[test]
    fn isolated_nodes_are_their_own_communities_and_results_are_deterministic() {
        let mut edges = cliques(3, 5, 0.1);
        edges.push((0, 1, 2.0));
        let a = leiden(20, &edges, 1.0, 7, 2);
        let b = leiden(20, &edges, 1.0, 7, 2);
        assert_eq!(a, b);
        let isolated: Vec<u32> = a[15..].to_vec();
        assert_eq!(
            isolated
                .iter()
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            5
        );
    }

    #[test]
    fn communities_are_connected() {
        // A ring of cliques with weak bridges, at a resolution that tempts merges.
        let edges = cliques(10, 4, 0.2);
        let comm = leiden(40, &edges, 0.2, 3, 2);
        let communities = comm.iter().map(|&c| c as usize + 1).max().unwrap();
        for c in 0..communities as u32 {
            let members: Vec<u32> = (0..40).filter(|&i| comm[i as usize] == c).collect();
            let mut uf = crate::analysis::families::UnionFind::new(40);
            for &(a, b, _) in &edges {
                if comm[a as usize] == c && comm[b as usize] == c {
                    uf.union(a, b);
                }
            }
            let root = uf.find(members[0]);
            assert!(
                members.iter().all(|&m| uf.find(m) == root),
                "community {c} is not connected"
            );
        }
    }
}
