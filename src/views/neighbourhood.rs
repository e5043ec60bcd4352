//! Neighbourhoods of a selection over the graph's links: one hop more, the
//! largest connected part, the k-core. Each goes only through the links the
//! graph shows — the evidence kinds not hidden, at or above the minimum
//! link weight ([`ViewSettings`]) — so that what the analyst grows is what
//! the analyst sees. Linear in the links (a few milliseconds at seed scale).

use super::state::ViewSettings;
use crate::analysis::families::UnionFind;
use crate::case::workbench::GraphLinks;

/// What to do with a selection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grow {
    /// The selection and every account one shown link away.
    OneHop,
    /// The largest part of the selection its shown links hold together.
    LargestPart,
    /// The accounts of the selection with at least `k` shown links to
    /// others that have as many (peeled until none has fewer).
    Core(u32),
}

impl Grow {
    /// What it does, in words (for the status line).
    pub fn label(self) -> String {
        match self {
            Grow::OneHop => "grown by one hop".into(),
            Grow::LargestPart => "trimmed to its largest connected part".into(),
            Grow::Core(k) => format!("trimmed to its {k}-core"),
        }
    }
}

/// Which of the graph's links are shown under the view settings: their
/// evidence kinds not all hidden, their weight at or above the minimum
/// (the graph draws these, and neighbourhoods grow through them).
pub struct ShownLinks<'a> {
    links: &'a GraphLinks,
    hidden: u32,
    min: f32,
}

impl<'a> ShownLinks<'a> {
    /// The links of `links` shown under `settings`.
    pub fn new(links: &'a GraphLinks, settings: &ViewSettings) -> Self {
        let hidden = links
            .kind_names
            .iter()
            .enumerate()
            .filter(|(_, k)| settings.hidden_kinds.contains(*k))
            .fold(0, |m, (i, _)| m | (1 << i));
        Self {
            links,
            hidden,
            min: settings.min_link_weight,
        }
    }

    /// The bits of the hidden evidence kinds (as in [`GraphLinks::kinds`]).
    pub fn hidden_kinds(&self) -> u32 {
        self.hidden
    }

    /// Whether link `i` is shown.
    pub fn passes(&self, i: usize) -> bool {
        self.links
            .kinds
            .get(i)
            .is_some_and(|k| k & !self.hidden != 0)
            && self.links.links.get(i).is_some_and(|l| l.2 >= self.min)
    }
}

/// `grow` applied to `selection` (account indices) over the `shown` links,
/// in a case of `n` accounts: the accounts, ascending.
pub fn grow(shown: &ShownLinks<'_>, n: usize, selection: &[u32], grow: Grow) -> Vec<u32> {
    let links = shown.links;
    let shown = |i: usize| shown.passes(i);
    let mut member = vec![false; n];
    for &a in selection {
        if let Some(m) = member.get_mut(a as usize) {
            *m = true;
        }
    }
    // The shown links inside the selection (or touching it, for a hop).
    let inside = |i: usize, a: u32, b: u32| shown(i) && member[a as usize] && member[b as usize];
    let mut keep = member.clone();
    match grow {
        Grow::OneHop => {
            for (i, &(a, b, _)) in links.links.iter().enumerate() {
                if (a as usize) >= n || (b as usize) >= n || !shown(i) {
                    continue;
                }
                if member[a as usize] {
                    keep[b as usize] = true;
                }
                if member[b as usize] {
                    keep[a as usize] = true;
                }
            }
        }
        Grow::LargestPart => {
            let mut uf = UnionFind::new(n);
            for (i, &(a, b, _)) in links.links.iter().enumerate() {
                if (a as usize) < n && (b as usize) < n && inside(i, a, b) {
                    uf.union(a, b);
                }
            }
            let mut size = vec![0u32; n];
            let mut first = vec![u32::MAX; n];
            for a in (0..n as u32).filter(|&a| member[a as usize]) {
                let r = uf.find(a) as usize;
                size[r] += 1;
                first[r] = first[r].min(a);
            }
            // The largest part; on a tie, the one with the lowest account.
            let best = (0..n)
                .filter(|&r| size[r] > 0)
                .max_by(|&x, &y| size[x].cmp(&size[y]).then(first[y].cmp(&first[x])));
            for (a, k) in keep.iter_mut().enumerate() {
                *k = member[a] && best == Some(uf.find(a as u32) as usize);
            }
        }
        Grow::Core(k) => {
            let mut degree = vec![0u32; n];
            let mut adjacent: Vec<Vec<u32>> = vec![Vec::new(); n];
            for (i, &(a, b, _)) in links.links.iter().enumerate() {
                if (a as usize) < n && (b as usize) < n && inside(i, a, b) {
                    degree[a as usize] += 1;
                    degree[b as usize] += 1;
                    adjacent[a as usize].push(b);
                    adjacent[b as usize].push(a);
                }
            }
            let mut queue: Vec<usize> = (0..n).filter(|&a| keep[a] && degree[a] < k).collect();
            for &a in &queue {
                keep[a] = false;
            }
            while let Some(a) = queue.pop() {
                for &b in &adjacent[a] {
                    let b = b as usize;
                    if keep[b] {
                        degree[b] -= 1;
                        if degree[b] < k {
                            keep[b] = false;
                            queue.push(b);
                        }
                    }
                }
            }
        }
    }
    (0..n as u32).filter(|&a| keep[a as usize]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A triangle 0-1-2, a tail 2-3-4, an island 5-6; link 2-3 is a
    /// "card" link, the others "cohort"; 3-4 is light.
    fn links() -> GraphLinks {
        GraphLinks {
            links: vec![
                (0, 1, 1.0),
                (0, 2, 1.0),
                (1, 2, 1.0),
                (2, 3, 1.0),
                (3, 4, 0.1),
                (5, 6, 1.0),
            ],
            kinds: vec![0b10, 0b10, 0b10, 0b01, 0b10, 0b10],
            kind_names: vec!["card".into(), "cohort".into()],
        }
    }

    fn run(settings: &ViewSettings, selection: &[u32], how: Grow) -> Vec<u32> {
        let l = links();
        grow(&ShownLinks::new(&l, settings), 7, selection, how)
    }

    #[test]
    fn one_hop_goes_through_shown_links_only() {
        let all = ViewSettings::default();
        assert_eq!(run(&all, &[2], Grow::OneHop), vec![0, 1, 2, 3]);
        assert_eq!(run(&all, &[3], Grow::OneHop), vec![2, 3, 4]);
        // Card links hidden: 2 no longer reaches 3.
        let mut no_cards = ViewSettings::default();
        no_cards.hidden_kinds.insert("card".into());
        assert_eq!(run(&no_cards, &[2], Grow::OneHop), vec![0, 1, 2]);
        // Above 0.5: 3 no longer reaches 4.
        let heavy = ViewSettings {
            min_link_weight: 0.5,
            ..ViewSettings::default()
        };
        assert_eq!(run(&heavy, &[3], Grow::OneHop), vec![2, 3]);
    }

    #[test]
    fn the_largest_part_and_the_core_stay_inside_the_selection() {
        let all = ViewSettings::default();
        let everyone: Vec<u32> = (0..7).collect();
        assert_eq!(run(&all, &everyone, Grow::LargestPart), vec![0, 1, 2, 3, 4]);
        // Without 2, the selection falls apart: the triangle's rest (0, 1)
        // ties with 3-4 and the island; the lowest account's part wins.
        assert_eq!(
            run(&all, &[0, 1, 3, 4, 5, 6], Grow::LargestPart),
            vec![0, 1]
        );
        // The 2-core is the triangle; nothing has three links to a 3-core.
        assert_eq!(run(&all, &everyone, Grow::Core(2)), vec![0, 1, 2]);
        assert_eq!(run(&all, &everyone, Grow::Core(3)), Vec::<u32>::new());
        // The 1-core drops no linked account.
        assert_eq!(run(&all, &everyone, Grow::Core(1)), everyone);
    }
}
