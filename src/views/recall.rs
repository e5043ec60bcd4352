//! Showing a saved view on a loaded case, and capturing the workbench's
//! view as one: the half of saved views that needs the open case
//! ([`Loaded`]); the description itself is [`SavedViewSpec`].

use super::model::Loaded;
use super::saved_view::SavedViewSpec;
use super::state::{CaseView, Chart, ViewSettings};

/// A saved view made ready to show on a loaded case.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResolvedView {
    /// The settings to use (the analyst's name is the caller's to keep).
    pub settings: ViewSettings,
    /// Selection, focus, time window, search (the search's hits and the
    /// accounts active in the window are the caller's to find).
    pub view: CaseView,
    /// The camera, if one was saved.
    pub camera: Option<([f32; 2], f32)>,
    /// The timeline chart.
    pub chart: Chart,
    /// The accounts selected.
    pub selection: Vec<u32>,
    /// Ids of the clusters selected (for the timelines' series).
    pub clusters: Vec<String>,
    /// What the selection is called.
    pub label: Option<String>,
    /// What the view names that this case no longer holds, in words.
    pub missing: Vec<String>,
}

impl SavedViewSpec {
    /// The view the workbench shows: `settings`, `view`, the camera and
    /// chart. Returns the description and the accounts it selects.
    pub fn capture(
        loaded: &Loaded,
        settings: &ViewSettings,
        view: &CaseView,
        camera: Option<([f32; 2], f32)>,
        chart: Chart,
    ) -> (Self, Vec<u32>) {
        let cluster_id = |i: usize| loaded.clusters.get(i).map(|c| c.id.clone());
        let mut settings = settings.clone();
        settings.analyst.clear();
        let spec = Self {
            settings,
            campaign: view
                .campaign
                .and_then(|k| loaded.campaigns.get(k))
                .map(|k| k.id.clone()),
            cluster: view.cluster.and_then(cluster_id),
            single_account: view.account.is_some(),
            focus: view.focus.and_then(cluster_id),
            isolate: view.isolate,
            time_range: view.time_range,
            search: view.search.clone(),
            camera,
            chart,
        };
        let mut accounts = loaded.selected_accounts(view).unwrap_or_default();
        accounts.sort_unstable();
        accounts.dedup();
        (spec, accounts)
    }

    /// The view on `loaded`, with `accounts` the accounts it selected
    /// (indices; those past the case's end are dropped). A cluster or
    /// campaign the case no longer holds is replaced by its accounts, and
    /// named in [`ResolvedView::missing`].
    pub fn resolve(&self, loaded: &Loaded, accounts: &[u32], name: &str) -> ResolvedView {
        let n = loaded.accounts.len() as u32;
        let accounts: Vec<u32> = accounts.iter().copied().filter(|&a| a < n).collect();
        let mut missing = Vec::new();
        let mut view = CaseView {
            isolate: self.isolate,
            time_range: self.time_range,
            search: self.search.clone(),
            ..CaseView::default()
        };
        let mut clusters = Vec::new();
        let mut label = None;
        if let Some(id) = &self.focus {
            match loaded.cluster_by_id(id) {
                Some((index, _)) => view.focus = Some(index),
                None => missing.push(format!("focused cluster {id}")),
            }
        }
        let mut selection = accounts.clone();
        let by_accounts = |view: &mut CaseView| {
            if let ([one], true) = (accounts.as_slice(), self.single_account) {
                view.account = Some(*one);
            } else {
                view.accounts = accounts.clone();
            }
        };
        if let Some(id) = &self.cluster {
            match loaded.cluster_by_id(id) {
                Some((index, cluster)) => {
                    view.cluster = Some(index);
                    selection = cluster.members.clone();
                    clusters.push(cluster.id.clone());
                    label = Some(loaded.cluster_label(index));
                }
                None => {
                    missing.push(format!("cluster {id}"));
                    by_accounts(&mut view);
                }
            }
        } else if let Some(id) = &self.campaign {
            match loaded.campaign_by_id(id) {
                Some((index, _)) => {
                    view.campaign = Some(index);
                    selection = loaded.campaign_members(index).to_vec();
                    clusters = loaded.campaign_index.clusters[index]
                        .iter()
                        .filter_map(|&c| loaded.clusters.get(c))
                        .filter(|c| c.members.len() >= 2)
                        .map(|c| c.id.clone())
                        .collect();
                    label = Some(loaded.campaign_label(index));
                }
                None => {
                    missing.push(format!("campaign {id}"));
                    by_accounts(&mut view);
                }
            }
        } else if !accounts.is_empty() {
            by_accounts(&mut view);
        }
        if label.is_none() && !selection.is_empty() {
            label = Some(match view.account {
                Some(a) => format!("view \"{name}\": account {}", loaded.account_name(a)),
                None => format!("view \"{name}\": {} accounts", selection.len()),
            });
        }
        ResolvedView {
            settings: self.settings.clone(),
            view,
            camera: self.camera,
            chart: self.chart,
            selection,
            clusters,
            label,
            missing,
        }
    }
}
