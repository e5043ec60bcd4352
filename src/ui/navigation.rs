//! Back and Forward through what the analyst selected, as in a browser:
//! every change of selection (a campaign, a cluster, an account, a box of
//! accounts, or nothing) made by a click, a search or a link followed is
//! remembered; Back returns to the one before, Forward undoes a Back, and
//! a new selection after a Back drops the Forward list.
//!
//! Selections are kept by id (campaign and cluster ids, account indices),
//! so a step back after a re-analysis finds the cluster of that id, or
//! nothing.

/// One selection, as history keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selected {
    /// Nothing selected.
    Nothing,
    /// A campaign (id).
    Campaign(String),
    /// A cluster (id).
    Cluster(String),
    /// One account (index).
    Account(u32),
    /// A set of accounts (indices).
    Accounts(Vec<u32>),
}

/// Selections remembered at most, each way.
const DEPTH: usize = 100;

/// The Back and Forward lists.
#[derive(Debug, Default)]
pub struct Navigation {
    back: Vec<Selected>,
    forward: Vec<Selected>,
}

impl Navigation {
    /// The selection changed from `before` to something else by the
    /// analyst's own doing: `before` is where Back goes.
    pub fn moved_from(&mut self, before: Selected) {
        if self.back.last() != Some(&before) {
            self.back.push(before);
            if self.back.len() > DEPTH {
                self.back.remove(0);
            }
        }
        self.forward.clear();
    }

    /// The selection to go back to from `current`, if any.
    pub fn back(&mut self, current: Selected) -> Option<Selected> {
        let to = self.back.pop()?;
        self.forward.push(current);
        Some(to)
    }

    /// The selection to go forward to from `current`, if any.
    pub fn forward(&mut self, current: Selected) -> Option<Selected> {
        let to = self.forward.pop()?;
        self.back.push(current);
        Some(to)
    }

    /// Whether Back has somewhere to go.
    pub fn can_go_back(&self) -> bool {
        !self.back.is_empty()
    }

    /// Whether Forward has somewhere to go.
    pub fn can_go_forward(&self) -> bool {
        !self.forward.is_empty()
    }

    /// Forgets everything (another case was opened).
    pub fn clear(&mut self) {
        self.back.clear();
        self.forward.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_and_forward_walk_the_selections_like_a_browser() {
        let mut nav = Navigation::default();
        assert!(!nav.can_go_back() && !nav.can_go_forward());
        // Nothing → k3 → c17 → account 5.
        nav.moved_from(Selected::Nothing);
        nav.moved_from(Selected::Campaign("k3".into()));
        nav.moved_from(Selected::Cluster("c17".into()));
        let here = Selected::Account(5);
        assert_eq!(
            nav.back(here.clone()),
            Some(Selected::Cluster("c17".into()))
        );
        assert_eq!(
            nav.back(Selected::Cluster("c17".into())),
            Some(Selected::Campaign("k3".into()))
        );
        assert!(nav.can_go_forward());
        assert_eq!(
            nav.forward(Selected::Campaign("k3".into())),
            Some(Selected::Cluster("c17".into()))
        );
        // A new selection after going back drops what was ahead.
        nav.moved_from(Selected::Cluster("c17".into()));
        assert!(!nav.can_go_forward());
        assert_eq!(nav.forward(Selected::Account(9)), None);
        assert_eq!(
            nav.back(Selected::Account(9)),
            Some(Selected::Cluster("c17".into()))
        );
    }

    #[test]
    fn history_is_bounded() {
        let mut nav = Navigation::default();
        for i in 0..(DEPTH as u32 + 50) {
            nav.moved_from(Selected::Account(i));
        }
        let mut steps = 0;
        let mut here = Selected::Nothing;
        while let Some(to) = nav.back(here.clone()) {
            here = to;
            steps += 1;
        }
        assert_eq!(steps, DEPTH);
        assert_eq!(here, Selected::Account(50));
    }
}
