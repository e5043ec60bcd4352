//! Graph layout for the account map: a deterministic, cluster-first,
//! force-directed layout with Barnes–Hut repulsion.
//!
//! Clusters should read as groups at a glance, so the layout works in two
//! levels instead of one big simulation (which, like ForceAtlas2 on the whole
//! graph, smears clusters into each other):
//!
//! 1. *Groups* are clusters of two or more accounts, plus linked singletons.
//!    Each gets a disc whose area is proportional to its size. The disc
//!    centres are laid out by a force simulation on the group graph
//!    (Barnes–Hut repulsion by the room each disc needs, log-damped springs
//!    along summed inter-group weights, a harmonic pull to the origin), then
//!    collisions are resolved, so discs end up apart and linked groups end
//!    up side by side ([`LayoutStage::Clusters`]).
//! 2. Inside each disc the members are laid out by a multilevel simulation
//!    on the group's own links (ForceAtlas2-style repulsion, exact for small
//!    groups and Barnes–Hut for big ones), then scaled to fill the disc
//!    ([`LayoutStage::Members`]).
//!
//! Unlinked singletons ("loose" accounts) carry no structure; they go on a
//! sunflower annulus around everything else.
//!
//! Everything is a pure function of the input: no hashing order, no threads,
//! no randomness, and the clock only decides *when* the caller is shown
//! intermediate positions, never what is computed.

use std::ops::ControlFlow;
use std::time::{Duration, Instant};

/// A node's own footprint in world units: a group of `m` members gets a disc
/// of radius `SPACING * sqrt(m)`, i.e. an area of `π · SPACING²` per member,
/// and loose accounts are spread at the same density.
pub const SPACING: f32 = 10.0;

/// [`SPACING`] as the simulations' working precision.
const S: f64 = SPACING as f64;
/// Empty space kept between two group discs, so neighbouring groups never
/// touch on screen.
const GROUP_GAP: f64 = 2.0 * S;
/// Group centres settle where the harmonic pull balances repulsion, at
/// `π (GROUP_SPREAD · S)²` of area per unit of room a group needs (`π S²`
/// per unit): space between discs beyond the gap, for links to rearrange.
const GROUP_SPREAD: f64 = 1.3;
/// Total stiffness of a group's springs relative to its pull to the origin
/// (shared among its links; see `layout_groups`).
const GROUP_ATTRACTION: f64 = 1.0;
/// Springs between groups pull in proportion to their stretch up to this
/// many rest lengths, and no harder beyond.
const SPRING_REACH: f64 = 4.0;
/// Barnes–Hut opening criterion (cell side / distance) between groups.
const GROUP_THETA: f64 = 0.9;
/// Barnes–Hut opening criterion inside a group. With quadrupole terms the
/// far field is within about 1 % of the exact sum at this angle.
const MEMBER_THETA: f64 = 0.9;
/// Iteration budget of the group simulation.
const CLUSTER_ITERATIONS: usize = 400;
/// Iteration budget of the member simulation at each level but the
/// coarsest (each level starts from a good layout of the coarser one).
const MEMBER_ITERATIONS: usize = 100;
/// Iteration budget at the coarsest level, which starts from scratch but is
/// small.
const COARSEST_ITERATIONS: usize = 300;
/// Coarsening stops at this many nodes…
const COARSEST_NODES: usize = 12;
/// …or when a level would keep more than this share of its nodes (stars,
/// unlinked members), where another level would cost without helping…
const COARSEN_MIN_SHRINK: f64 = 0.8;
/// …or at this many levels.
const MAX_LEVELS: usize = 24;
/// Simulations of up to this many bodies get their full iteration budget;
/// see [`scaled_iterations`].
const FULL_BUDGET_BODIES: usize = 1_000;
/// Member simulations of up to this many nodes use exact O(m²) repulsion
/// (faster than building a tree, and free of approximation); larger ones
/// use Barnes–Hut.
const EXACT_MAX: usize = 300;
/// Inside a group the harmonic pull is set so repulsion alone would spread
/// members at `π (MEMBER_TRAP · S)²` per unit of mass: weak enough that
/// links shape the group, strong enough to hold unlinked parts together and
/// to keep the group round, so it fills its disc.
const MEMBER_TRAP: f64 = 1.5;
/// After the member simulation a group is scaled so its RMS radius is this
/// share of a uniformly filled disc's (the rim stays a little sparser).
const MEMBER_FILL: f64 = 0.9;
/// After the group simulation: rounds of up to [`COLLISION_PASSES`] pure
/// collision-resolution passes, each round followed by a slight inflation if
/// overlap remains.
const COLLISION_ROUNDS: usize = 32;
/// See [`COLLISION_ROUNDS`].
const COLLISION_PASSES: usize = 16;
/// Overlap (world units) small enough to end the collision rounds; the
/// final [`separate`] removes the rest exactly.
const COLLISION_SLACK: f64 = 0.01;
/// Least empty space between the groups' bounding circle and the loose
/// accounts' annulus; it grows with the layout (see [`loose_inner_radius`]).
const LOOSE_GAP: f64 = 6.0 * S;
/// Every simulation caps how far a body may move in one iteration; the cap
/// decays to this share of its start over the iteration budget, so every
/// simulation ends still.
const FINAL_STEP: f64 = 0.002;
/// Squared distances below this (world units²) count as this, so two bodies
/// that (almost) coincide push each other hard but finitely.
const D2_MIN: f64 = 1.0;
/// Bodies per Barnes–Hut leaf: below this, exact sums beat deeper trees.
const LEAF_BODIES: usize = 4;
/// Depth limit of the quadtree, for bodies that coincide.
const MAX_DEPTH: u32 = 48;
/// The golden angle, π (3 − √5): successive sunflower points never line up.
const GOLDEN_ANGLE: f64 = 2.399_963_229_728_653;
/// How often intermediate positions are shown, in time spent computing.
const REPORT_EVERY: Duration = Duration::from_millis(150);
/// `group_of` of a loose account.
const NO_GROUP: u32 = u32::MAX;

/// Input: n accounts, the cluster index of each account (0..clusters), and
/// undirected weighted links (a, b, weight>0), a != b, indices < n.
///
/// Links that break those rules (out of range, self loops, weights that are
/// not finite and positive) are ignored; duplicate links are summed.
pub struct LayoutInput<'a> {
    /// Cluster of each account; its length is the number of accounts.
    pub cluster_of: &'a [u32],
    /// Undirected links `(a, b, weight)`.
    pub links: &'a [(u32, u32, f32)],
}

/// Where the layout is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayoutStage {
    /// Placing the groups' discs (members shown on sunflower discs).
    Clusters,
    /// Laying out members inside their discs.
    Members,
    /// Finished: the positions are final.
    Done,
}

/// Computes positions ([x, y] in world units, one per account, finite).
/// `progress` is called with intermediate positions (every ~150 ms of work
/// and at each stage end, and finally with `Done`); if it returns
/// `std::ops::ControlFlow::Break(())` the layout stops and `None` is returned
/// (cancel), also when that happens on the final `Done` call.
///
/// Every call has all `n` positions, finite. From the end of
/// [`LayoutStage::Clusters`] on, groups' discs and loose accounts are where
/// they will stay; only members move inside their discs. Empty input gives
/// `Some(vec![])` (after a `Done` call with no positions).
// The callback's type is spelled out in the signature on purpose: it is the
// contract callers read first.
#[allow(clippy::type_complexity)]
pub fn layout(
    input: &LayoutInput<'_>,
    progress: &mut dyn FnMut(LayoutStage, &[[f32; 2]]) -> ControlFlow<()>,
) -> Option<Vec<[f32; 2]>> {
    let mut reporter = Reporter {
        callback: progress,
        last: Instant::now(),
    };
    let n = input.cluster_of.len();
    if n == 0 {
        return reporter
            .report(LayoutStage::Done, &[])
            .is_continue()
            .then(Vec::new);
    }
    let links = clean_links(n, input.links);
    let groups = Groups::build(input.cluster_of, &links);
    let parts = split_links(&groups, &links);
    let count = groups.len();
    let radius: Vec<f64> = (0..count)
        .map(|g| S * (groups.size(g) as f64).sqrt())
        .collect();

    // Every member starts on a sunflower disc, in breadth-first order from
    // its group's strongest member: hubs in the middle, their neighbours in
    // the next rings, members without links inside the group on the rim.
    // That is already a fair picture, and a good start for the simulation.
    let mut local = vec![[0.0; 2]; groups.members.len()];
    for g in 0..count {
        let range = groups.range(g);
        let slots = disc_slots(range.len(), parts.intra_of(g));
        for (p, slot) in local[range].iter_mut().zip(slots) {
            *p = vogel(slot as usize, 0.0);
        }
    }

    let mut out = vec![[0.0f32; 2]; n];
    let centres = {
        let mut tick = |centres: &[[f64; 2]]| {
            if !reporter.due() {
                return ControlFlow::Continue(());
            }
            groups.write_all(&mut out, centres, &local);
            write_loose(&mut out, &groups.loose, centres, &radius);
            reporter.report(LayoutStage::Clusters, &out)
        };
        layout_groups(&radius, &parts.between, &mut tick)?
    };
    groups.write_all(&mut out, &centres, &local);
    write_loose(&mut out, &groups.loose, &centres, &radius);
    if reporter.report(LayoutStage::Clusters, &out).is_break() {
        return None;
    }

    let mut scratch = Scratch::default();
    let mut shown = Vec::new();
    for g in 0..count {
        let range = groups.range(g);
        let members = &groups.members[range.clone()];
        let centre = centres[g];
        let mut tick = |p: &[[f64; 2]]| {
            if !reporter.due() {
                return ControlFlow::Continue(());
            }
            if p.len() == members.len() && p.iter().flatten().all(|v| v.is_finite()) {
                // Shown as it will end up: fitted into the disc.
                shown.clear();
                shown.extend_from_slice(p);
                fit_disc(&mut shown, radius[g]);
                write_group(&mut out, members, centre, &shown);
            }
            reporter.report(LayoutStage::Members, &out)
        };
        layout_members(
            parts.intra_of(g),
            &mut local[range.clone()],
            radius[g],
            &mut scratch,
            &mut tick,
        )?;
        write_group(&mut out, members, centre, &local[range]);
        if reporter.due() && reporter.report(LayoutStage::Members, &out).is_break() {
            return None;
        }
    }
    if reporter.report(LayoutStage::Members, &out).is_break()
        || reporter.report(LayoutStage::Done, &out).is_break()
    {
        return None;
    }
    Some(out)
}

/// The caller's progress callback.
type Callback<'a> = dyn FnMut(LayoutStage, &[[f32; 2]]) -> ControlFlow<()> + 'a;

/// The caller's progress callback and when it was last called.
struct Reporter<'a, 'b> {
    callback: &'a mut Callback<'b>,
    last: Instant,
}

impl Reporter<'_, '_> {
    /// Whether [`REPORT_EVERY`] of work has passed since the last report.
    fn due(&self) -> bool {
        self.last.elapsed() >= REPORT_EVERY
    }

    /// Shows `positions`; the clock restarts after the callback, so time the
    /// caller spends drawing does not count as work.
    fn report(&mut self, stage: LayoutStage, positions: &[[f32; 2]]) -> ControlFlow<()> {
        let flow = (self.callback)(stage, positions);
        self.last = Instant::now();
        flow
    }
}

/// Valid links as `(low, high, weight)`, sorted, duplicates summed.
fn clean_links(n: usize, links: &[(u32, u32, f32)]) -> Vec<(u32, u32, f64)> {
    let mut clean: Vec<(u32, u32, f64)> = links
        .iter()
        .filter(|&&(a, b, w)| {
            a != b && (a as usize) < n && (b as usize) < n && w.is_finite() && w > 0.0
        })
        .map(|&(a, b, w)| (a.min(b), a.max(b), f64::from(w)))
        .collect();
    // The weight breaks ties so duplicates are summed in one fixed order.
    clean.sort_unstable_by(|x, y| (x.0, x.1).cmp(&(y.0, y.1)).then(x.2.total_cmp(&y.2)));
    let mut merged: Vec<(u32, u32, f64)> = Vec::with_capacity(clean.len());
    for (a, b, w) in clean {
        match merged.last_mut() {
            Some(last) if last.0 == a && last.1 == b => last.2 += w,
            _ => merged.push((a, b, w)),
        }
    }
    merged
}

/// Accounts sorted into groups (largest first) and loose accounts.
struct Groups {
    /// Group `g`'s members are `members[start[g]..start[g + 1]]`, ascending.
    start: Vec<usize>,
    /// Accounts of all groups.
    members: Vec<u32>,
    /// Each account's group, or [`NO_GROUP`].
    group_of: Vec<u32>,
    /// Each account's index among its group's members.
    local_of: Vec<u32>,
    /// Unlinked singletons, ascending.
    loose: Vec<u32>,
}

impl Groups {
    fn build(cluster_of: &[u32], links: &[(u32, u32, f64)]) -> Self {
        let n = cluster_of.len();
        let mut linked = vec![false; n];
        for &(a, b, _) in links {
            linked[a as usize] = true;
            linked[b as usize] = true;
        }
        // Sorting (cluster, account) pairs groups accounts without assuming
        // cluster indices are dense or small.
        let mut by_cluster: Vec<(u32, u32)> = cluster_of
            .iter()
            .enumerate()
            .map(|(i, &c)| (c, i as u32))
            .collect();
        by_cluster.sort_unstable();
        let mut runs: Vec<&[(u32, u32)]> = Vec::new();
        let mut loose = Vec::new();
        for run in by_cluster.chunk_by(|x, y| x.0 == y.0) {
            match run {
                [(_, only)] if !linked[*only as usize] => loose.push(*only),
                _ => runs.push(run),
            }
        }
        // Largest groups first (ties by cluster index): the initial spiral
        // puts them in the middle, and members are simulated in that order.
        runs.sort_by(|x, y| y.len().cmp(&x.len()).then(x[0].0.cmp(&y[0].0)));
        loose.sort_unstable();

        let mut start = Vec::with_capacity(runs.len() + 1);
        let mut members = Vec::with_capacity(n - loose.len());
        let mut group_of = vec![NO_GROUP; n];
        let mut local_of = vec![0u32; n];
        start.push(0);
        for (g, run) in runs.iter().enumerate() {
            for (k, &(_, account)) in run.iter().enumerate() {
                group_of[account as usize] = g as u32;
                local_of[account as usize] = k as u32;
                members.push(account);
            }
            start.push(members.len());
        }
        Self {
            start,
            members,
            group_of,
            local_of,
            loose,
        }
    }

    fn len(&self) -> usize {
        self.start.len() - 1
    }

    fn range(&self, g: usize) -> std::ops::Range<usize> {
        self.start[g]..self.start[g + 1]
    }

    fn size(&self, g: usize) -> usize {
        self.start[g + 1] - self.start[g]
    }

    /// Writes every group's members at their centre plus local position.
    fn write_all(&self, out: &mut [[f32; 2]], centres: &[[f64; 2]], local: &[[f64; 2]]) {
        for (g, &centre) in centres.iter().enumerate() {
            let range = self.range(g);
            write_group(out, &self.members[range.clone()], centre, &local[range]);
        }
    }
}

/// Writes one group's members at `centre + local`.
fn write_group(out: &mut [[f32; 2]], members: &[u32], centre: [f64; 2], local: &[[f64; 2]]) {
    for (&account, p) in members.iter().zip(local) {
        out[account as usize] = [(centre[0] + p[0]) as f32, (centre[1] + p[1]) as f32];
    }
}

/// Links split by where they run.
struct Parts {
    /// Links inside groups as (local a, local b, weight), group by group:
    /// group `g`'s are `intra[intra_start[g]..intra_start[g + 1]]`.
    intra: Vec<(u32, u32, f64)>,
    intra_start: Vec<usize>,
    /// Super-edges between groups (low, high, summed weight), sorted.
    between: Vec<(u32, u32, f64)>,
}

impl Parts {
    fn intra_of(&self, g: usize) -> &[(u32, u32, f64)] {
        &self.intra[self.intra_start[g]..self.intra_start[g + 1]]
    }
}

/// Splits (clean, sorted) links into each group's own links, in its local
/// indices, and summed super-edges between groups.
fn split_links(groups: &Groups, links: &[(u32, u32, f64)]) -> Parts {
    let count = groups.len();
    let mut intra_start = vec![0usize; count + 1];
    let mut between = Vec::new();
    for &(a, b, w) in links {
        let (ga, gb) = (groups.group_of[a as usize], groups.group_of[b as usize]);
        // Every linked account is in a group; the guard only keeps a broken
        // invariant from indexing out of bounds.
        if ga == NO_GROUP || gb == NO_GROUP {
            continue;
        }
        if ga == gb {
            intra_start[ga as usize + 1] += 1;
        } else {
            between.push((ga.min(gb), ga.max(gb), w));
        }
    }
    for g in 0..count {
        intra_start[g + 1] += intra_start[g];
    }
    // Counting sort keeps each group's links in the (sorted) input order.
    let mut fill = intra_start.clone();
    let mut intra = vec![(0u32, 0u32, 0.0f64); intra_start[count]];
    for &(a, b, w) in links {
        let (ga, gb) = (groups.group_of[a as usize], groups.group_of[b as usize]);
        if ga == gb && ga != NO_GROUP {
            let slot = &mut fill[ga as usize];
            intra[*slot] = (groups.local_of[a as usize], groups.local_of[b as usize], w);
            *slot += 1;
        }
    }
    between.sort_unstable_by(|x, y| (x.0, x.1).cmp(&(y.0, y.1)).then(x.2.total_cmp(&y.2)));
    let mut merged: Vec<(u32, u32, f64)> = Vec::with_capacity(between.len());
    for (a, b, w) in between {
        match merged.last_mut() {
            Some(last) if last.0 == a && last.1 == b => last.2 += w,
            _ => merged.push((a, b, w)),
        }
    }
    Parts {
        intra,
        intra_start,
        between: merged,
    }
}

/// Point `k` of a sunflower (Vogel) spiral with one point per `π S²` of
/// area, starting outside radius `sqrt(inner2)`.
fn vogel(k: usize, inner2: f64) -> [f64; 2] {
    let r = (inner2 + (k as f64 + 0.5) * S * S).sqrt();
    let angle = k as f64 * GOLDEN_ANGLE;
    [r * angle.cos(), r * angle.sin()]
}

/// Each member's slot on its group's sunflower disc: breadth-first from the
/// member with the most link weight inside the group (ties: lowest index),
/// component after component, members without intra links last.
fn disc_slots(m: usize, edges: &[(u32, u32, f64)]) -> Vec<u32> {
    let mut offsets = vec![0usize; m + 1];
    let mut strength = vec![0.0f64; m];
    for &(a, b, w) in edges {
        offsets[a as usize + 1] += 1;
        offsets[b as usize + 1] += 1;
        strength[a as usize] += w;
        strength[b as usize] += w;
    }
    for i in 0..m {
        offsets[i + 1] += offsets[i];
    }
    let mut fill = offsets.clone();
    let mut adjacent = vec![0u32; offsets[m]];
    for &(a, b, _) in edges {
        adjacent[fill[a as usize]] = b;
        fill[a as usize] += 1;
        adjacent[fill[b as usize]] = a;
        fill[b as usize] += 1;
    }
    let mut starts: Vec<u32> = (0..m as u32).collect();
    starts.sort_by(|&x, &y| {
        strength[y as usize]
            .total_cmp(&strength[x as usize])
            .then(x.cmp(&y))
    });
    let mut slot = vec![u32::MAX; m];
    let mut queue: Vec<u32> = Vec::with_capacity(m);
    for root in starts {
        if slot[root as usize] != u32::MAX {
            continue;
        }
        let mut head = queue.len();
        slot[root as usize] = queue.len() as u32;
        queue.push(root);
        while head < queue.len() {
            let i = queue[head] as usize;
            head += 1;
            for &j in &adjacent[offsets[i]..offsets[i + 1]] {
                if slot[j as usize] == u32::MAX {
                    slot[j as usize] = queue.len() as u32;
                    queue.push(j);
                }
            }
        }
    }
    slot
}

/// Centre of the circle the loose annulus is built around, and that circle's
/// radius: the bounding box middle of all group discs, and the farthest disc
/// edge from it. Every grouped account lies inside it.
fn group_bounds(centres: &[[f64; 2]], radius: &[f64]) -> ([f64; 2], f64) {
    if centres.is_empty() {
        return ([0.0, 0.0], 0.0);
    }
    let mut lo = [f64::INFINITY; 2];
    let mut hi = [f64::NEG_INFINITY; 2];
    for (c, r) in centres.iter().zip(radius) {
        for d in 0..2 {
            lo[d] = lo[d].min(c[d] - r);
            hi[d] = hi[d].max(c[d] + r);
        }
    }
    let mid = [(lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0];
    let reach = centres
        .iter()
        .zip(radius)
        .map(|(c, r)| (c[0] - mid[0]).hypot(c[1] - mid[1]) + r)
        .fold(0.0, f64::max);
    (mid, reach)
}

/// Where the loose annulus starts: clear of the groups by [`LOOSE_GAP`] or
/// 5 % of their extent, whichever is more, so the ring reads as separate.
fn loose_inner_radius(reach: f64) -> f64 {
    if reach > 0.0 {
        reach + LOOSE_GAP.max(0.05 * reach)
    } else {
        0.0
    }
}

/// Puts loose accounts on a sunflower annulus around the groups, in account
/// order, at the groups' density.
fn write_loose(out: &mut [[f32; 2]], loose: &[u32], centres: &[[f64; 2]], radius: &[f64]) {
    let (mid, reach) = group_bounds(centres, radius);
    let inner = loose_inner_radius(reach);
    for (k, &account) in loose.iter().enumerate() {
        let p = vogel(k, inner * inner);
        out[account as usize] = [(mid[0] + p[0]) as f32, (mid[1] + p[1]) as f32];
    }
}

/// An iteration budget for a simulation of `n` bodies: `base` up to
/// [`FULL_BUDGET_BODIES`], then shrinking in proportion down to an eighth,
/// so huge inputs (tens of thousands of tiny groups, or one giant group)
/// stay within seconds at some cost in polish.
fn scaled_iterations(base: usize, n: usize) -> usize {
    let share = FULL_BUDGET_BODIES as f64 / n.max(1) as f64;
    ((base as f64 * share.min(1.0)) as usize).max(base / 8)
}

/// Phase 1: group centres. Returns `None` if `tick` asked to stop.
fn layout_groups(
    radius: &[f64],
    edges: &[(u32, u32, f64)],
    tick: &mut dyn FnMut(&[[f64; 2]]) -> ControlFlow<()>,
) -> Option<Vec<[f64; 2]>> {
    let count = radius.len();
    // A group's weight in this simulation is the room it needs: its disc
    // plus half the gap, in units of S². That is about its member count
    // for big groups, but several times more for a pair, whose gap is as
    // wide as its disc; with the member count, thousands of small groups
    // would settle far too densely for their gaps.
    let mass: Vec<f64> = radius
        .iter()
        .map(|r| ((r + GROUP_GAP / 2.0) / S).powi(2))
        .collect();
    let mass = &mass[..];
    // Initial spiral, largest first, each group at the radius that the mass
    // before it fills at the target density: close to the equilibrium of
    // repulsion and pull, so the simulation mostly has to follow the links.
    let mut pos = Vec::with_capacity(count);
    let mut before = 0.0;
    for (k, &m) in mass.iter().enumerate() {
        let r = if k == 0 {
            0.0
        } else {
            GROUP_SPREAD * S * (before + m / 2.0).sqrt()
        };
        let angle = k as f64 * GOLDEN_ANGLE;
        pos.push([r * angle.cos(), r * angle.sin()]);
        before += m;
    }
    if count <= 1 {
        return Some(pos);
    }

    let total: f64 = mass.iter().sum();
    // Repulsion k·m_i·m_j/d against a pull m_i·|p| settles into a uniformly
    // dense disc with π·k area per unit of mass (Gauss's law in 2D).
    let repulsion = (GROUP_SPREAD * S).powi(2);
    // Directed pulls (i, j, stiffness): each group spends a budget of
    // GROUP_ATTRACTION times its own pull to the origin on its links, shared
    // in proportion to ln(1 + weight). The budget keeps a group with many
    // links from crushing the layout, the log keeps one huge weight from
    // claiming it all, and the floor of 1 keeps a lone weak link weak.
    let mut budget = vec![0.0f64; count];
    for &(a, b, w) in edges {
        budget[a as usize] += w.ln_1p();
        budget[b as usize] += w.ln_1p();
    }
    let mut springs: Vec<(usize, usize, f64)> = Vec::with_capacity(2 * edges.len());
    for &(a, b, w) in edges {
        let (a, b) = (a as usize, b as usize);
        springs.push((
            a,
            b,
            GROUP_ATTRACTION * mass[a] * w.ln_1p() / budget[a].max(1.0),
        ));
        springs.push((
            b,
            a,
            GROUP_ATTRACTION * mass[b] * w.ln_1p() / budget[b].max(1.0),
        ));
    }
    // Each group moves by its force over its stiffness (its pull plus its
    // springs): a Jacobi step that converges for light and heavy groups
    // alike, capped by a cooling schedule so crowded spots cannot jitter.
    let mut stiffness: Vec<f64> = mass.to_vec();
    for &(a, _, s) in &springs {
        stiffness[a] += s;
    }
    let extent = GROUP_SPREAD * S * total.sqrt();
    let mut cap = extent / 10.0;
    let iterations = scaled_iterations(CLUSTER_ITERATIONS, count);
    let decay = FINAL_STEP.powf(1.0 / iterations as f64);
    // Discs pass through each other while the picture forms, so linked
    // groups can meet across the crowd; collisions start after this many
    // iterations.
    let mixing = iterations * 2 / 5;
    let mut tree = QuadTree::default();
    let mut force = vec![[0.0; 2]; count];
    let mut grid = DiscGrid::default();
    for it in 0..iterations {
        tree.build(&pos, mass);
        for (i, f) in force.iter_mut().enumerate() {
            let field = tree.field(i, pos[i], &pos, mass, GROUP_THETA * GROUP_THETA);
            *f = [
                repulsion * mass[i] * field[0] - mass[i] * pos[i][0],
                repulsion * mass[i] * field[1] - mass[i] * pos[i][1],
            ];
        }
        // Springs rest at touching distance: they bring linked groups
        // together, never into each other. Beyond SPRING_REACH rest lengths
        // of stretch their pull stays constant: still enough to gather
        // linked groups, but links to groups far away (which pull towards
        // the middle, on average) cannot crush the middle of the layout.
        for &(a, b, k) in &springs {
            let dx = pos[b][0] - pos[a][0];
            let dy = pos[b][1] - pos[a][1];
            let d = (dx * dx + dy * dy).sqrt();
            let rest = radius[a] + radius[b] + GROUP_GAP;
            if d > rest {
                let s = k * (d - rest).min(SPRING_REACH * rest) / d;
                force[a][0] += s * dx;
                force[a][1] += s * dy;
            }
        }
        let mut moved: f64 = 0.0;
        for ((p, f), k) in pos.iter_mut().zip(&force).zip(&stiffness) {
            let (dx, dy) = (f[0] / k, f[1] / k);
            let len = (dx * dx + dy * dy).sqrt();
            if len.is_finite() && len > 0.0 {
                let scale = (cap / len).min(1.0);
                p[0] += dx * scale;
                p[1] += dy * scale;
                moved = moved.max(len * scale);
            }
        }
        if it >= mixing {
            resolve_collisions(&mut pos, radius, mass, &mut grid);
        }
        if tick(&pos).is_break() {
            return None;
        }
        cap *= decay;
        if it >= mixing && moved < 1e-3 * S {
            break;
        }
    }
    // Springs and the pull leave the crowd a little compressed everywhere,
    // which local passes undo only slowly: relax, and where overlap remains
    // inflate the whole layout by at most 2 % (every distance grows alike,
    // so the picture keeps its shape), until nothing overlaps.
    for _ in 0..COLLISION_ROUNDS {
        let mut worst = 0.0;
        for _ in 0..COLLISION_PASSES {
            worst = resolve_collisions(&mut pos, radius, mass, &mut grid);
            if worst <= COLLISION_SLACK {
                break;
            }
        }
        if worst <= COLLISION_SLACK {
            break;
        }
        separate(&mut pos, radius, &mut grid, 1.02);
    }
    separate(&mut pos, radius, &mut grid, f64::INFINITY);
    // Centre the discs' bounding box on the origin, for the caller's camera.
    let (mid, _) = group_bounds(&pos, radius);
    for p in &mut pos {
        p[0] -= mid[0];
        p[1] -= mid[1];
    }
    if pos.iter().flatten().all(|v| v.is_finite()) {
        Some(pos)
    } else {
        // Cannot happen with finite inputs; a grid of touching cells is a
        // finite, overlap-free fallback all the same.
        let side = (count as f64).sqrt().ceil() as usize;
        let cell = 2.0 * radius.iter().copied().fold(0.0, f64::max) + GROUP_GAP;
        Some(
            (0..count)
                .map(|k| [(k % side) as f64 * cell, (k / side) as f64 * cell])
                .collect(),
        )
    }
}

/// A uniform grid over the discs' boxes (padded by half of [`GROUP_GAP`]),
/// to find the pairs of discs closer than the gap without looking at all
/// pairs. Rebuilt for every pass; a sweep along one axis was slower by far
/// once there are thousands of small groups side by side.
#[derive(Default)]
struct DiscGrid {
    /// Padded box of each disc when the grid was built: [x0, y0, x1, y1].
    boxes: Vec<[f64; 4]>,
    /// Discs in cell `c`: `items[offsets[c]..offsets[c + 1]]`.
    offsets: Vec<u32>,
    items: Vec<u32>,
    origin: [f64; 2],
    cell: f64,
    cols: usize,
    rows: usize,
    /// Scratch for the median diameter and the fill cursors.
    scratch: Vec<f64>,
    cursor: Vec<u32>,
}

/// Cells a grid may have at most, whatever the spread of disc sizes.
const MAX_GRID_CELLS: usize = 1 << 22;

impl DiscGrid {
    fn build(&mut self, pos: &[[f64; 2]], radius: &[f64]) {
        let pad = GROUP_GAP / 2.0;
        self.boxes.clear();
        self.boxes.extend(pos.iter().zip(radius).map(|(p, r)| {
            [
                p[0] - r - pad,
                p[1] - r - pad,
                p[0] + r + pad,
                p[1] + r + pad,
            ]
        }));
        let mut lo = [f64::INFINITY; 2];
        let mut hi = [f64::NEG_INFINITY; 2];
        for b in &self.boxes {
            lo = [lo[0].min(b[0]), lo[1].min(b[1])];
            hi = [hi[0].max(b[2]), hi[1].max(b[3])];
        }
        // Cells as wide as the median disc: most discs then touch at most
        // four cells, and the few big ones cover a handful more.
        self.scratch.clear();
        self.scratch.extend(radius.iter().map(|r| 2.0 * (r + pad)));
        let middle = self.scratch.len() / 2;
        let median = if self.scratch.is_empty() {
            S
        } else {
            *self
                .scratch
                .select_nth_unstable_by(middle, f64::total_cmp)
                .1
        };
        let (width, height) = ((hi[0] - lo[0]).max(S), (hi[1] - lo[1]).max(S));
        let mut cell = median.max(S);
        if (width / cell) * (height / cell) > MAX_GRID_CELLS as f64 {
            cell = (width * height / MAX_GRID_CELLS as f64).sqrt();
        }
        self.origin = lo;
        self.cell = cell;
        self.cols = ((width / cell).ceil() as usize).max(1);
        self.rows = ((height / cell).ceil() as usize).max(1);
        let cells = self.cols * self.rows;
        self.offsets.clear();
        self.offsets.resize(cells + 1, 0);
        for k in 0..self.boxes.len() {
            let ([x0, y0], [x1, y1]) = self.span(k);
            for y in y0..=y1 {
                for x in x0..=x1 {
                    self.offsets[y * self.cols + x + 1] += 1;
                }
            }
        }
        for c in 0..cells {
            self.offsets[c + 1] += self.offsets[c];
        }
        self.cursor.clear();
        self.cursor.extend_from_slice(&self.offsets[..cells]);
        self.items.clear();
        self.items.resize(self.offsets[cells] as usize, 0);
        for k in 0..self.boxes.len() {
            let ([x0, y0], [x1, y1]) = self.span(k);
            for y in y0..=y1 {
                for x in x0..=x1 {
                    let slot = &mut self.cursor[y * self.cols + x];
                    self.items[*slot as usize] = k as u32;
                    *slot += 1;
                }
            }
        }
    }

    /// The cell holding a point (clamped to the grid).
    fn cell_of(&self, x: f64, y: f64) -> [usize; 2] {
        let cx = ((x - self.origin[0]) / self.cell).floor();
        let cy = ((y - self.origin[1]) / self.cell).floor();
        [
            cx.clamp(0.0, (self.cols - 1) as f64) as usize,
            cy.clamp(0.0, (self.rows - 1) as f64) as usize,
        ]
    }

    /// First and last cells of disc `k`'s box.
    fn span(&self, k: usize) -> ([usize; 2], [usize; 2]) {
        let b = self.boxes[k];
        (self.cell_of(b[0], b[1]), self.cell_of(b[2], b[3]))
    }

    /// Calls `visit(i, j)` once for every pair of discs whose padded boxes
    /// overlapped when the grid was built: in the cell holding the lower
    /// corner of the boxes' intersection, so a pair sharing several cells
    /// is not visited twice.
    fn pairs(&self, mut visit: impl FnMut(usize, usize)) {
        for c in 0..self.cols * self.rows {
            let members = &self.items[self.offsets[c] as usize..self.offsets[c + 1] as usize];
            for (k, &i) in members.iter().enumerate() {
                let bi = self.boxes[i as usize];
                for &j in &members[k + 1..] {
                    let bj = self.boxes[j as usize];
                    if bi[0] > bj[2] || bj[0] > bi[2] || bi[1] > bj[3] || bj[1] > bi[3] {
                        continue;
                    }
                    let [x, y] = self.cell_of(bi[0].max(bj[0]), bi[1].max(bj[1]));
                    if y * self.cols + x == c {
                        let (i, j) = (i.min(j) as usize, i.max(j) as usize);
                        visit(i, j);
                    }
                }
            }
        }
    }
}

/// A fixed direction for a pair of discs that exactly coincide.
fn pair_direction(i: usize, j: usize) -> [f64; 2] {
    let h = crate::base::rng::mix64(((i as u64) << 32) ^ j as u64);
    let angle = (h >> 11) as f64 * (std::f64::consts::TAU / (1u64 << 53) as f64);
    [angle.cos(), angle.sin()]
}

/// One Gauss–Seidel pass pushing overlapping discs (plus [`GROUP_GAP`])
/// apart, the lighter one moving more. Returns the largest overlap seen.
fn resolve_collisions(
    pos: &mut [[f64; 2]],
    radius: &[f64],
    mass: &[f64],
    grid: &mut DiscGrid,
) -> f64 {
    grid.build(pos, radius);
    let mut worst: f64 = 0.0;
    grid.pairs(|i, j| {
        let need = radius[i] + radius[j] + GROUP_GAP;
        let dx = pos[j][0] - pos[i][0];
        let dy = pos[j][1] - pos[i][1];
        let d2 = dx * dx + dy * dy;
        if d2 >= need * need {
            return;
        }
        let d = d2.sqrt();
        let u = if d > 1e-9 {
            [dx / d, dy / d]
        } else {
            pair_direction(i, j)
        };
        let overlap = need - d;
        worst = worst.max(overlap);
        let share_i = mass[j] / (mass[i] + mass[j]);
        let share_j = 1.0 - share_i;
        pos[i][0] -= u[0] * overlap * share_i;
        pos[i][1] -= u[1] * overlap * share_i;
        pos[j][0] += u[0] * overlap * share_j;
        pos[j][1] += u[1] * overlap * share_j;
    });
    worst
}

/// Scales all centres about their mean by just enough that no discs (plus
/// [`GROUP_GAP`]) overlap, or by `limit` if that is less. Scaling lengthens
/// every distance by the same factor, so with no limit this guarantees
/// separation whatever local passes left.
fn separate(pos: &mut [[f64; 2]], radius: &[f64], grid: &mut DiscGrid, limit: f64) {
    grid.build(pos, radius);
    let mut factor: f64 = 1.0;
    grid.pairs(|i, j| {
        let need = radius[i] + radius[j] + GROUP_GAP;
        let d = ((pos[j][0] - pos[i][0]).powi(2) + (pos[j][1] - pos[i][1]).powi(2)).sqrt();
        if d < need {
            if d < 1e-9 {
                // Coincident centres cannot be scaled apart: nudge one.
                let u = pair_direction(i, j);
                pos[j][0] += u[0] * need;
                pos[j][1] += u[1] * need;
                factor = factor.max(2.0);
            } else {
                // A hair more than needed, so rounding cannot leave the
                // pair touching.
                factor = factor.max(need / d * (1.0 + 1e-9));
            }
        }
    });
    let factor = factor.min(limit);
    if factor > 1.0 {
        let count = pos.len() as f64;
        let mean = [
            pos.iter().map(|p| p[0]).sum::<f64>() / count,
            pos.iter().map(|p| p[1]).sum::<f64>() / count,
        ];
        for p in pos.iter_mut() {
            p[0] = mean[0] + (p[0] - mean[0]) * factor;
            p[1] = mean[1] + (p[1] - mean[1]) * factor;
        }
    }
}

/// One level of a group's graph for the multilevel member layout.
struct Level {
    /// Repulsion mass of each node: links + 1 at the finest level (as in
    /// ForceAtlas2, so hubs and dense parts get room), summed when nodes
    /// merge.
    mass: Vec<f64>,
    /// Adjacency in compressed rows, both directions: node `i`'s neighbours
    /// are `targets[offsets[i]..offsets[i + 1]]` with spring strengths
    /// `strengths[..]` (ln(1 + weight) at the finest level, summed when
    /// links merge).
    offsets: Vec<usize>,
    targets: Vec<u32>,
    strengths: Vec<f64>,
    /// Each node's node in the next coarser level (empty for the coarsest).
    parent: Vec<u32>,
}

impl Level {
    fn len(&self) -> usize {
        self.mass.len()
    }

    /// From undirected `(a, b, strength)` edges without duplicates.
    fn from_edges(mass: Vec<f64>, edges: &[(u32, u32, f64)]) -> Self {
        let n = mass.len();
        let mut offsets = vec![0usize; n + 1];
        for &(a, b, _) in edges {
            offsets[a as usize + 1] += 1;
            offsets[b as usize + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let mut fill = offsets.clone();
        let mut targets = vec![0u32; offsets[n]];
        let mut strengths = vec![0.0; offsets[n]];
        for &(a, b, s) in edges {
            for (x, y) in [(a, b), (b, a)] {
                let slot = &mut fill[x as usize];
                targets[*slot] = y;
                strengths[*slot] = s;
                *slot += 1;
            }
        }
        Self {
            mass,
            offsets,
            targets,
            strengths,
            parent: Vec::new(),
        }
    }

    fn neighbours(&self, i: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let range = self.offsets[i]..self.offsets[i + 1];
        self.targets[range.clone()]
            .iter()
            .map(|&t| t as usize)
            .zip(self.strengths[range].iter().copied())
    }

    /// A coarser level by heavy-edge matching (each node merges with the
    /// unmatched neighbour of the strongest link per unit of mass, so light
    /// nodes merge first and coarse nodes stay balanced), or `None` if that
    /// would not shrink the graph enough to be worth a level. Records the
    /// parents in `self`.
    fn coarsen(&mut self) -> Option<Level> {
        let n = self.len();
        let mut parent = vec![u32::MAX; n];
        let mut coarse_mass = Vec::with_capacity(n / 2 + 1);
        for i in 0..n {
            if parent[i] != u32::MAX {
                continue;
            }
            let mut best: Option<(usize, f64)> = None;
            for (j, s) in self.neighbours(i) {
                if j == i || parent[j] != u32::MAX {
                    continue;
                }
                let score = s / (self.mass[i] * self.mass[j]);
                if best.is_none_or(|(_, b)| score > b) {
                    best = Some((j, score));
                }
            }
            let id = coarse_mass.len() as u32;
            parent[i] = id;
            let mut m = self.mass[i];
            if let Some((j, _)) = best {
                parent[j] = id;
                m += self.mass[j];
            }
            coarse_mass.push(m);
        }
        let coarse_n = coarse_mass.len();
        if coarse_n as f64 > COARSEN_MIN_SHRINK * n as f64 {
            return None;
        }
        let mut edges: Vec<(u32, u32, f64)> = Vec::with_capacity(self.targets.len() / 2);
        for i in 0..n {
            for (j, s) in self.neighbours(i) {
                let (a, b) = (parent[i], parent[j]);
                if i < j && a != b {
                    edges.push((a.min(b), a.max(b), s));
                }
            }
        }
        edges.sort_unstable_by(|x, y| (x.0, x.1).cmp(&(y.0, y.1)).then(x.2.total_cmp(&y.2)));
        let mut merged: Vec<(u32, u32, f64)> = Vec::with_capacity(edges.len());
        for (a, b, s) in edges {
            match merged.last_mut() {
                Some(last) if last.0 == a && last.1 == b => last.2 += s,
                _ => merged.push((a, b, s)),
            }
        }
        self.parent = parent;
        Some(Level::from_edges(coarse_mass, &merged))
    }
}

/// Buffers reused across groups in the member phase.
#[derive(Default)]
struct Scratch {
    tree: QuadTree,
    force: Vec<[f64; 2]>,
    stiffness: Vec<f64>,
}

/// Phase 2 for one group: members in local coordinates (around the disc's
/// centre), starting from and replacing `pos`, finally fitted into a disc of
/// `radius`. `tick` is called every iteration with the members' raw
/// positions (not yet fitted), or with nothing while coarse levels run;
/// returns `None` if it asked to stop.
///
/// Multilevel (Walshaw; Hu): the group's graph is coarsened by matching
/// until it is small, the coarsest graph is laid out, and each finer level
/// starts from its coarser one's layout. Long chains and rings (which the
/// evidence's ring neighbours produce for widely shared values) then unfold
/// instead of freezing in knots, at about twice the cost of one level.
fn layout_members(
    edges: &[(u32, u32, f64)],
    pos: &mut [[f64; 2]],
    radius: f64,
    scratch: &mut Scratch,
    tick: &mut dyn FnMut(&[[f64; 2]]) -> ControlFlow<()>,
) -> Option<()> {
    let m = pos.len();
    if m < 2 || edges.is_empty() {
        // Nothing to lay out: the sunflower disc is the picture.
        return Some(());
    }
    let mut mass = vec![1.0; m];
    for &(a, b, _) in edges {
        mass[a as usize] += 1.0;
        mass[b as usize] += 1.0;
    }
    let strengths: Vec<(u32, u32, f64)> =
        edges.iter().map(|&(a, b, w)| (a, b, w.ln_1p())).collect();
    let mut levels = vec![Level::from_edges(mass, &strengths)];
    while levels.len() < MAX_LEVELS {
        let Some(last) = levels.last_mut() else {
            break;
        };
        if last.len() <= COARSEST_NODES {
            break;
        }
        match last.coarsen() {
            Some(coarser) => levels.push(coarser),
            None => break,
        }
    }

    // The coarsest level starts where its members sit on the disc.
    let mut at: Vec<[f64; 2]> = pos.to_vec();
    for l in 0..levels.len() - 1 {
        let coarse_n = levels[l + 1].len();
        let mut sum = vec![[0.0; 2]; coarse_n];
        let mut weight = vec![0.0; coarse_n];
        for (i, p) in at.iter().enumerate() {
            let c = levels[l].parent[i] as usize;
            sum[c][0] += p[0];
            sum[c][1] += p[1];
            weight[c] += 1.0;
        }
        at = sum
            .iter()
            .zip(&weight)
            .map(|(s, w)| [s[0] / w, s[1] / w])
            .collect();
    }

    let finest = levels.len() - 1;
    for depth in (0..levels.len()).rev() {
        let level = &levels[depth];
        if depth < finest {
            // Children start at their parent's place, a hair apart in a
            // fixed direction each, so merged nodes can separate.
            let spread = typical_spacing(&at) * 0.1;
            let mut fine = Vec::with_capacity(level.len());
            for i in 0..level.len() {
                let c = level.parent[i] as usize;
                let u = pair_direction(i, c);
                fine.push([at[c][0] + u[0] * spread, at[c][1] + u[1] * spread]);
            }
            at = fine;
        }
        let iterations = if depth == finest {
            COARSEST_ITERATIONS
        } else {
            scaled_iterations(MEMBER_ITERATIONS, level.len())
        };
        // Only the finest level has members' positions to show; coarser
        // ones still give the caller its chance to cancel.
        relax_members(level, &mut at, iterations, scratch, &mut |p| {
            tick(if depth == 0 { p } else { &[] })
        })?;
    }
    if at.len() != m || !at.iter().flatten().all(|v| v.is_finite()) {
        // Cannot happen with finite inputs; the disc is a safe picture.
        return Some(());
    }
    pos.copy_from_slice(&at);
    fit_disc(pos, radius);
    Some(())
}

/// About the distance between neighbouring points of a layout: its RMS
/// radius spread evenly over its points.
fn typical_spacing(pos: &[[f64; 2]]) -> f64 {
    let count = pos.len().max(1) as f64;
    let mean = [
        pos.iter().map(|p| p[0]).sum::<f64>() / count,
        pos.iter().map(|p| p[1]).sum::<f64>() / count,
    ];
    let rms = (pos
        .iter()
        .map(|p| (p[0] - mean[0]).powi(2) + (p[1] - mean[1]).powi(2))
        .sum::<f64>()
        / count)
        .sqrt();
    (2.0 * rms / count.sqrt()).max(S / 10.0)
}

/// Force simulation of one level: ForceAtlas2-style repulsion
/// `S² m_i m_j / d` (exact for small graphs, Barnes–Hut above
/// [`EXACT_MAX`]), linear springs of the links' strengths, and a mild
/// harmonic pull that keeps unlinked parts together. Jacobi steps (force
/// over pull plus spring stiffness) under a cap that starts near the node
/// spacing and cools by [`FINAL_STEP`]. Returns `None` if `tick` asked to
/// stop.
fn relax_members(
    level: &Level,
    pos: &mut [[f64; 2]],
    iterations: usize,
    scratch: &mut Scratch,
    tick: &mut dyn FnMut(&[[f64; 2]]) -> ControlFlow<()>,
) -> Option<()> {
    let n = level.len();
    if n < 2 {
        return Some(());
    }
    let repulsion = S * S;
    let pull = 1.0 / (MEMBER_TRAP * MEMBER_TRAP);
    let mass = &level.mass;
    scratch.stiffness.clear();
    scratch
        .stiffness
        .extend((0..n).map(|i| pull * mass[i] + level.neighbours(i).map(|(_, s)| s).sum::<f64>()));
    scratch.force.clear();
    scratch.force.resize(n, [0.0; 2]);
    let theta2 = MEMBER_THETA * MEMBER_THETA;
    let mut cap = typical_spacing(pos);
    let decay = FINAL_STEP.powf(1.0 / iterations.max(1) as f64);
    for _ in 0..iterations {
        let force = &mut scratch.force;
        if n <= EXACT_MAX {
            force.fill([0.0; 2]);
            for i in 0..n {
                let [xi, yi] = pos[i];
                let mi = repulsion * mass[i];
                let (mut fx, mut fy) = (0.0, 0.0);
                for j in i + 1..n {
                    let dx = xi - pos[j][0];
                    let dy = yi - pos[j][1];
                    let k = mi * mass[j] / (dx * dx + dy * dy).max(D2_MIN);
                    fx += k * dx;
                    fy += k * dy;
                    force[j][0] -= k * dx;
                    force[j][1] -= k * dy;
                }
                force[i][0] += fx;
                force[i][1] += fy;
            }
        } else {
            scratch.tree.build(pos, mass);
            for (i, f) in force.iter_mut().enumerate() {
                let field = scratch.tree.field(i, pos[i], pos, mass, theta2);
                let k = repulsion * mass[i];
                *f = [k * field[0], k * field[1]];
            }
        }
        for i in 0..n {
            let [x, y] = pos[i];
            let mut f = [
                force[i][0] - pull * mass[i] * x,
                force[i][1] - pull * mass[i] * y,
            ];
            for (j, s) in level.neighbours(i) {
                f[0] += s * (pos[j][0] - x);
                f[1] += s * (pos[j][1] - y);
            }
            force[i] = f;
        }
        let mut moved: f64 = 0.0;
        for ((p, f), k) in pos.iter_mut().zip(force.iter()).zip(&scratch.stiffness) {
            let (dx, dy) = (f[0] / k, f[1] / k);
            let len = (dx * dx + dy * dy).sqrt();
            if len.is_finite() && len > 0.0 {
                let scale = (cap / len).min(1.0);
                p[0] += dx * scale;
                p[1] += dy * scale;
                moved = moved.max(len * scale);
            }
        }
        if tick(pos).is_break() {
            return None;
        }
        cap *= decay;
        if moved < 1e-3 * S {
            break;
        }
    }
    Some(())
}

/// Centres `pos` on the origin and scales it to the density of a filled
/// disc of `radius` (RMS radius [`MEMBER_FILL`] · radius/√2), then pulls any
/// outlier in onto the rim, so members stay inside their group's disc.
fn fit_disc(pos: &mut [[f64; 2]], radius: f64) {
    let count = pos.len() as f64;
    let mean = [
        pos.iter().map(|p| p[0]).sum::<f64>() / count,
        pos.iter().map(|p| p[1]).sum::<f64>() / count,
    ];
    let spread = (pos
        .iter()
        .map(|p| (p[0] - mean[0]).powi(2) + (p[1] - mean[1]).powi(2))
        .sum::<f64>()
        / count)
        .sqrt();
    let scale = if spread > 1e-9 {
        MEMBER_FILL * radius / std::f64::consts::SQRT_2 / spread
    } else {
        1.0
    };
    // Just inside the rim, so rounding to f32 cannot leave the disc.
    let rim = radius * (1.0 - 1e-4);
    for p in pos.iter_mut() {
        let x = (p[0] - mean[0]) * scale;
        let y = (p[1] - mean[1]) * scale;
        let r = x.hypot(y);
        *p = if r > rim {
            [x * rim / r, y * rim / r]
        } else {
            [x, y]
        };
    }
}

/// A Barnes–Hut quadtree over weighted points, rebuilt every iteration.
/// Cells hold ranges of a permutation of the bodies, so building is
/// in-place partitioning with no per-body allocation.
#[derive(Default)]
struct QuadTree {
    cells: Vec<Cell>,
    order: Vec<u32>,
    stack: Vec<u32>,
}

#[derive(Clone, Copy, Default)]
struct Cell {
    /// Centre of mass.
    cx: f64,
    cy: f64,
    mass: f64,
    /// Lower-left corner and side of the square.
    x0: f64,
    y0: f64,
    side: f64,
    /// Bodies: `order[first..first + count]`.
    first: u32,
    count: u32,
    /// Children: `cells[child..child + children]`; none for a leaf.
    child: u32,
    children: u32,
    /// Quadrupole moment about the centre of mass, as a complex number
    /// Σ m (w_x + i w_y)²: with it the far field's error drops from the
    /// square to the cube of the opening angle, which matters because
    /// repulsion is large and mostly cancelled by the pull.
    qr: f64,
    qi: f64,
}

/// Moves the bodies satisfying `keep` to the front; returns how many.
fn partition(bodies: &mut [u32], keep: impl Fn(usize) -> bool) -> usize {
    let mut front = 0;
    for k in 0..bodies.len() {
        if keep(bodies[k] as usize) {
            bodies.swap(front, k);
            front += 1;
        }
    }
    front
}

impl QuadTree {
    fn build(&mut self, pos: &[[f64; 2]], mass: &[f64]) {
        self.cells.clear();
        self.order.clear();
        self.order.extend(0..pos.len() as u32);
        if pos.is_empty() {
            return;
        }
        let mut lo = [f64::INFINITY; 2];
        let mut hi = [f64::NEG_INFINITY; 2];
        for p in pos {
            for d in 0..2 {
                lo[d] = lo[d].min(p[d]);
                hi[d] = hi[d].max(p[d]);
            }
        }
        let side = (hi[0] - lo[0]).max(hi[1] - lo[1]).max(1e-6);
        self.cells.push(Cell {
            x0: lo[0],
            y0: lo[1],
            side,
            count: pos.len() as u32,
            ..Cell::default()
        });
        self.split(0, 0, pos, mass);
    }

    fn split(&mut self, c: usize, depth: u32, pos: &[[f64; 2]], mass: &[f64]) {
        let cell = self.cells[c];
        let first = cell.first as usize;
        let count = cell.count as usize;
        if count <= LEAF_BODIES || depth >= MAX_DEPTH {
            let (mut total, mut sx, mut sy) = (0.0, 0.0, 0.0);
            for &b in &self.order[first..first + count] {
                let b = b as usize;
                total += mass[b];
                sx += mass[b] * pos[b][0];
                sy += mass[b] * pos[b][1];
            }
            self.set_mass(c, total, sx, sy);
            let (cx, cy) = (self.cells[c].cx, self.cells[c].cy);
            let (mut qr, mut qi) = (0.0, 0.0);
            for &b in &self.order[first..first + count] {
                let b = b as usize;
                let (wx, wy) = (pos[b][0] - cx, pos[b][1] - cy);
                qr += mass[b] * (wx * wx - wy * wy);
                qi += mass[b] * 2.0 * wx * wy;
            }
            self.cells[c].qr = qr;
            self.cells[c].qi = qi;
            return;
        }
        let half = cell.side / 2.0;
        let (mx, my) = (cell.x0 + half, cell.y0 + half);
        let bodies = &mut self.order[first..first + count];
        let low_y = partition(bodies, |b| pos[b][1] < my);
        let (lower, upper) = bodies.split_at_mut(low_y);
        let lower_left = partition(lower, |b| pos[b][0] < mx);
        let upper_left = partition(upper, |b| pos[b][0] < mx);
        let quadrants = [
            (first, lower_left, cell.x0, cell.y0),
            (first + lower_left, low_y - lower_left, mx, cell.y0),
            (first + low_y, upper_left, cell.x0, my),
            (
                first + low_y + upper_left,
                count - low_y - upper_left,
                mx,
                my,
            ),
        ];
        let child = self.cells.len();
        for (start, len, x0, y0) in quadrants {
            if len > 0 {
                self.cells.push(Cell {
                    x0,
                    y0,
                    side: half,
                    first: start as u32,
                    count: len as u32,
                    ..Cell::default()
                });
            }
        }
        let children = self.cells.len() - child;
        self.cells[c].child = child as u32;
        self.cells[c].children = children as u32;
        let (mut total, mut sx, mut sy) = (0.0, 0.0, 0.0);
        for k in child..child + children {
            self.split(k, depth + 1, pos, mass);
            let sub = self.cells[k];
            total += sub.mass;
            sx += sub.mass * sub.cx;
            sy += sub.mass * sub.cy;
        }
        self.set_mass(c, total, sx, sy);
        // Quadrupoles move to the parent's centre of mass by the parallel
        // axis rule: Q = Σ (Q_k + m_k w_k²), w_k the child's offset.
        let (cx, cy) = (self.cells[c].cx, self.cells[c].cy);
        let (mut qr, mut qi) = (0.0, 0.0);
        for sub in &self.cells[child..child + children] {
            let (wx, wy) = (sub.cx - cx, sub.cy - cy);
            qr += sub.qr + sub.mass * (wx * wx - wy * wy);
            qi += sub.qi + sub.mass * 2.0 * wx * wy;
        }
        self.cells[c].qr = qr;
        self.cells[c].qi = qi;
    }

    fn set_mass(&mut self, c: usize, total: f64, sx: f64, sy: f64) {
        let cell = &mut self.cells[c];
        cell.mass = total;
        if total > 0.0 {
            cell.cx = sx / total;
            cell.cy = sy / total;
        } else {
            cell.cx = cell.x0 + cell.side / 2.0;
            cell.cy = cell.y0 + cell.side / 2.0;
        }
    }

    /// Σ m_j (p − p_j) / |p − p_j|² over all bodies j ≠ `i` (the direction
    /// and 1/d falloff of repulsion, times the other masses), approximating
    /// cells that look smaller than `sqrt(theta2)` radians from `p`.
    fn field(
        &mut self,
        i: usize,
        p: [f64; 2],
        pos: &[[f64; 2]],
        mass: &[f64],
        theta2: f64,
    ) -> [f64; 2] {
        let (mut fx, mut fy) = (0.0, 0.0);
        if self.cells.is_empty() {
            return [fx, fy];
        }
        self.stack.clear();
        self.stack.push(0);
        while let Some(c) = self.stack.pop() {
            let cell = self.cells[c as usize];
            if cell.children == 0 {
                let first = cell.first as usize;
                for &b in &self.order[first..first + cell.count as usize] {
                    let b = b as usize;
                    if b == i {
                        continue;
                    }
                    let dx = p[0] - pos[b][0];
                    let dy = p[1] - pos[b][1];
                    let k = mass[b] / (dx * dx + dy * dy).max(D2_MIN);
                    fx += k * dx;
                    fy += k * dy;
                }
                continue;
            }
            let dx = p[0] - cell.cx;
            let dy = p[1] - cell.cy;
            let d2 = dx * dx + dy * dy;
            // A cell containing p holds p's own body: never approximate it.
            let inside = p[0] >= cell.x0
                && p[0] <= cell.x0 + cell.side
                && p[1] >= cell.y0
                && p[1] <= cell.y0 + cell.side;
            if !inside && cell.side * cell.side < theta2 * d2 && d2 >= D2_MIN {
                // In complex numbers the field is conj(Σ m_j / (u − w_j))
                // with u = p − centre, w_j = p_j − centre; expanded, that
                // is conj(M/u + Q/u³) (the dipole vanishes about the centre
                // of mass), Q = Σ m_j w_j².
                let k = cell.mass / d2;
                let (ar, ai) = (dx * dx - dy * dy, 2.0 * dx * dy);
                let (cr, ci) = (ar * dx - ai * dy, ar * dy + ai * dx);
                let q = 1.0 / (d2 * d2 * d2);
                fx += k * dx + q * (cell.qr * cr + cell.qi * ci);
                fy += k * dy + q * (cell.qr * ci - cell.qi * cr);
            } else {
                self.stack.extend(cell.child..cell.child + cell.children);
            }
        }
        [fx, fy]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::rng::Rng;

    fn run(cluster_of: &[u32], links: &[(u32, u32, f32)]) -> Vec<[f32; 2]> {
        let input = LayoutInput { cluster_of, links };
        layout(&input, &mut |_, _| ControlFlow::Continue(())).unwrap_or_default()
    }

    fn dist(a: [f32; 2], b: [f32; 2]) -> f32 {
        (a[0] - b[0]).hypot(a[1] - b[1])
    }

    fn centroid(points: &[[f32; 2]]) -> [f32; 2] {
        let n = points.len() as f32;
        [
            points.iter().map(|p| p[0]).sum::<f32>() / n,
            points.iter().map(|p| p[1]).sum::<f32>() / n,
        ]
    }

    /// Links making accounts `first..first + size` a clique.
    fn clique(first: u32, size: u32, links: &mut Vec<(u32, u32, f32)>) {
        for i in 0..size {
            for j in i + 1..size {
                links.push((first + i, first + j, 1.0 + (i + j) as f32 % 3.0));
            }
        }
    }

    /// Two clusters of `size` accounts, each a clique.
    fn two_cliques(size: u32) -> (Vec<u32>, Vec<(u32, u32, f32)>) {
        let cluster_of = (0..2 * size).map(|i| i / size).collect();
        let mut links = Vec::new();
        clique(0, size, &mut links);
        clique(size, size, &mut links);
        (cluster_of, links)
    }

    /// ~3,000 accounts: a few big clusters, many small ones, 800 singletons
    /// (some linked), links mostly inside clusters, and some invalid links.
    fn random_graph(seed: u64) -> (Vec<u32>, Vec<(u32, u32, f32)>) {
        let mut rng = Rng::new(seed, 0);
        let mut sizes = vec![400, 350, 250];
        while sizes.iter().sum::<usize>() < 2_200 {
            sizes.push(2 + rng.below(30));
        }
        let mut cluster_of = Vec::new();
        for (c, &size) in sizes.iter().enumerate() {
            cluster_of.extend(std::iter::repeat_n(c as u32, size));
        }
        let grouped = cluster_of.len();
        cluster_of.extend((0..800).map(|k| (sizes.len() + k) as u32));
        let n = cluster_of.len() as u32;
        let mut links = Vec::new();
        let mut start = 0u32;
        for &size in &sizes {
            for _ in 0..size * 3 {
                let a = start + rng.below(size) as u32;
                let b = start + rng.below(size) as u32;
                links.push((a, b, rng.range_f(0.2, 3.0) as f32));
            }
            start += size as u32;
        }
        for _ in 0..300 {
            let a = rng.below(grouped) as u32;
            let b = rng.below(n as usize) as u32;
            links.push((a, b, rng.range_f(0.2, 1.0) as f32));
        }
        links.extend([
            (n, 0, 1.0),
            (0, n + 5, 1.0),
            (1, 2, f32::NAN),
            (1, 2, f32::INFINITY),
            (1, 2, 0.0),
            (1, 2, -1.0),
            (3, 3, 1.0),
        ]);
        (cluster_of, links)
    }

    #[test]
    fn clusters_form_separate_groups() {
        let (cluster_of, links) = two_cliques(20);
        let pos = run(&cluster_of, &links);
        assert_eq!(pos.len(), 40);
        let (a, b) = pos.split_at(20);
        let (ca, cb) = (centroid(a), centroid(b));
        for p in a {
            assert!(dist(*p, ca) < dist(*p, cb), "{pos:?}");
        }
        for p in b {
            assert!(dist(*p, cb) < dist(*p, ca), "{pos:?}");
        }
        // The discs holding each group's members do not overlap…
        let ra = a.iter().map(|p| dist(*p, ca)).fold(0.0, f32::max);
        let rb = b.iter().map(|p| dist(*p, cb)).fold(0.0, f32::max);
        assert!(dist(ca, cb) > ra + rb, "{ca:?} {ra} / {cb:?} {rb}");
        // …and are clearly apart, not merely tangent.
        let closest = a
            .iter()
            .flat_map(|p| b.iter().map(move |q| dist(*p, *q)))
            .fold(f32::INFINITY, f32::min);
        assert!(closest >= SPACING, "{closest}");
        // Each group fills a disc of radius SPACING·√20.
        let expected = SPACING * 20f32.sqrt();
        assert!(ra <= expected * 1.01 && ra > expected * 0.5, "{ra}");
    }

    #[test]
    fn deterministic() {
        let (cluster_of, links) = random_graph(3);
        let first = run(&cluster_of, &links);
        let second = run(&cluster_of, &links);
        assert_eq!(first.len(), cluster_of.len());
        let bits =
            |v: &[[f32; 2]]| -> Vec<u32> { v.iter().flatten().map(|x| x.to_bits()).collect() };
        assert_eq!(bits(&first), bits(&second));
    }

    #[test]
    fn loose_accounts_surround_groups() {
        let (cluster_of, links) = random_graph(5);
        let pos = run(&cluster_of, &links);
        let n = cluster_of.len();
        let mut linked = vec![false; n];
        for &(a, b, w) in &links {
            let (a, b) = (a as usize, b as usize);
            if a != b && a < n && b < n && w.is_finite() && w > 0.0 {
                linked[a] = true;
                linked[b] = true;
            }
        }
        let mut size = std::collections::BTreeMap::new();
        for &c in &cluster_of {
            *size.entry(c).or_insert(0) += 1;
        }
        let (loose, grouped): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&i| size[&cluster_of[i]] == 1 && !linked[i]);
        let loose: Vec<[f32; 2]> = loose.into_iter().map(|i| pos[i]).collect();
        let grouped: Vec<[f32; 2]> = grouped.into_iter().map(|i| pos[i]).collect();
        assert!(loose.len() > 100 && grouped.len() > 2_000);
        let centre = centroid(&grouped);
        let reach = grouped.iter().map(|p| dist(*p, centre)).fold(0.0, f32::max);
        for p in &loose {
            assert!(
                dist(*p, centre) > reach + SPACING,
                "{p:?} inside {centre:?} {reach}"
            );
        }
        // Loose accounts keep the node spacing.
        let mut nearest = f32::INFINITY;
        for (k, p) in loose.iter().enumerate() {
            for q in &loose[k + 1..] {
                nearest = nearest.min(dist(*p, *q));
            }
        }
        assert!(nearest > SPACING, "{nearest}");
    }

    #[test]
    fn positions_finite_on_random_graph() {
        let (cluster_of, links) = random_graph(7);
        let mut stages = Vec::new();
        let input = LayoutInput {
            cluster_of: &cluster_of,
            links: &links,
        };
        let pos = layout(&input, &mut |stage, p| {
            assert_eq!(p.len(), cluster_of.len());
            assert!(p.iter().flatten().all(|v| v.is_finite()));
            stages.push(stage);
            ControlFlow::Continue(())
        })
        .unwrap_or_default();
        assert_eq!(pos.len(), cluster_of.len());
        assert!(pos.iter().flatten().all(|v| v.is_finite()));
        // Distinct accounts do not pile up on one point.
        let mut distinct: Vec<(u32, u32)> = pos
            .iter()
            .map(|p| (p[0].to_bits(), p[1].to_bits()))
            .collect();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), pos.len());
        // Stage ends are always reported, in order.
        assert_eq!(stages.first(), Some(&LayoutStage::Clusters));
        assert_eq!(stages.last(), Some(&LayoutStage::Done));
        let members = stages.iter().position(|&s| s == LayoutStage::Members);
        let last_clusters = stages.iter().rposition(|&s| s == LayoutStage::Clusters);
        assert!(members.is_some() && last_clusters < members);
    }

    #[test]
    fn cancel_on_first_call() {
        let (cluster_of, links) = two_cliques(10);
        let input = LayoutInput {
            cluster_of: &cluster_of,
            links: &links,
        };
        let mut calls = 0;
        let result = layout(&input, &mut |_, _| {
            calls += 1;
            ControlFlow::Break(())
        });
        assert_eq!(result, None);
        assert_eq!(calls, 1);
    }

    #[test]
    fn empty_and_tiny_inputs() {
        assert_eq!(run(&[], &[]), Vec::<[f32; 2]>::new());
        let one = run(&[0], &[]);
        assert_eq!(one.len(), 1);
        assert!(one[0].iter().all(|v| v.is_finite()));
        // All loose, with huge and sparse cluster indices.
        let loose = run(&[u32::MAX, 7, 1 << 30], &[]);
        assert!(loose.iter().flatten().all(|v| v.is_finite()));
        assert!(dist(loose[0], loose[1]) > SPACING);
        // A linked pair of singletons is two groups side by side, not loose.
        let pair = run(&[0, 1, 2], &[(0, 1, 5.0)]);
        assert!(dist(pair[0], pair[1]) < dist(pair[0], pair[2]));
        assert!(dist(pair[0], pair[1]) >= 2.0 * SPACING);
    }

    #[test]
    fn linked_groups_sit_side_by_side() {
        // 30 groups of 12 in a ring of links inside each; only groups 0 and
        // 17 are linked to each other, strongly.
        let size = 12u32;
        let cluster_of: Vec<u32> = (0..30 * size).map(|i| i / size).collect();
        let mut links = Vec::new();
        for g in 0..30 {
            for i in 0..size {
                links.push((g * size + i, g * size + (i + 1) % size, 1.0));
            }
        }
        for k in 0..size {
            links.push((k, 17 * size + k, 2.0));
        }
        let pos = run(&cluster_of, &links);
        let centres: Vec<[f32; 2]> = pos.chunks(size as usize).map(centroid).collect();
        let mut others: Vec<f32> = (1..30).map(|g| dist(centres[0], centres[g])).collect();
        others.sort_by(f32::total_cmp);
        // Touching distance is 2·SPACING·√12 + the gap, about 90.
        let linked = dist(centres[0], centres[17]);
        assert!(linked <= others[0] + 1e-3, "{linked} vs {others:?}");
        assert!(linked < 120.0, "{linked}");
    }

    #[test]
    fn bridged_cliques_inside_one_cluster_stay_apart() {
        // One cluster: two cliques joined by a single link. Small enough for
        // exact repulsion, then big enough for Barnes–Hut.
        for size in [40u32, 170] {
            let mut links = Vec::new();
            clique(0, size, &mut links);
            clique(size, size, &mut links);
            links.push((0, size, 1.0));
            let pos = run(&vec![0; 2 * size as usize], &links);
            let (a, b) = pos.split_at(size as usize);
            let (ca, cb) = (centroid(a), centroid(b));
            let spread = |side: &[[f32; 2]], c: [f32; 2]| {
                (side.iter().map(|p| dist(*p, c).powi(2)).sum::<f32>() / size as f32).sqrt()
            };
            let (sa, sb) = (spread(a, ca), spread(b, cb));
            assert!(
                dist(ca, cb) > 1.5 * (sa + sb),
                "{size}: {ca:?} {cb:?} {sa} {sb}"
            );
            assert!(a.iter().all(|p| dist(*p, ca) < dist(*p, cb)));
            assert!(b.iter().all(|p| dist(*p, cb) < dist(*p, ca)));
            // Members stay inside the group's disc around its centre.
            let all = centroid(&pos);
            let limit = SPACING * (2.0 * size as f32).sqrt() * 1.01;
            assert!(pos.iter().all(|p| dist(*p, all) <= limit), "{size}");
        }
    }

    #[test]
    fn barnes_hut_matches_exact_sum() {
        let mut rng = Rng::new(9, 9);
        let pos: Vec<[f64; 2]> = (0..600)
            .map(|_| {
                let r = 200.0 * rng.unit().sqrt();
                let a = rng.range_f(0.0, std::f64::consts::TAU);
                [r * a.cos(), r * a.sin()]
            })
            .collect();
        let mass: Vec<f64> = (0..600).map(|_| rng.range_f(1.0, 10.0)).collect();
        let mut tree = QuadTree::default();
        tree.build(&pos, &mass);
        let (mut error, mut total) = (0.0, 0.0);
        for i in 0..pos.len() {
            let approx = tree.field(i, pos[i], &pos, &mass, MEMBER_THETA * MEMBER_THETA);
            let mut exact = [0.0; 2];
            for j in (0..pos.len()).filter(|&j| j != i) {
                let (dx, dy) = (pos[i][0] - pos[j][0], pos[i][1] - pos[j][1]);
                let k = mass[j] / (dx * dx + dy * dy).max(D2_MIN);
                exact = [exact[0] + k * dx, exact[1] + k * dy];
            }
            error += (approx[0] - exact[0]).powi(2) + (approx[1] - exact[1]).powi(2);
            total += exact[0].powi(2) + exact[1].powi(2);
        }
        let relative = (error / total).sqrt();
        assert!(relative < 0.01, "{relative}");
    }
}
