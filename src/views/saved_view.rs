//! A saved view: what the workbench showed (colours, filters, selection,
//! focus, time window, camera, tab and chart), written to the case by name
//! and shown again in the workbench or drawn by `render --view-name`.
//!
//! Clusters and campaigns are named by id, which a re-analysis may change;
//! the selected accounts are stored beside the description (as account
//! rows), so a view whose cluster or campaign is gone still selects the
//! same accounts, and says what it could not find. Capturing and showing
//! a view on the open case is in [`super::recall`].

use serde::{Deserialize, Serialize};

use super::state::{Chart, ViewSettings};

/// The description of a view (`saved_views.view_json`). Unknown fields
/// are ignored and missing ones take their defaults, so a view written by
/// a later build still opens.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SavedViewSpec {
    /// Colours, sizes, hidden evidence kinds, filters, tab (the analyst's
    /// name is not kept).
    pub settings: ViewSettings,
    /// The selected campaign's id.
    pub campaign: Option<String>,
    /// The selected cluster's id.
    pub cluster: Option<String>,
    /// One account was selected (the view's one account).
    pub single_account: bool,
    /// The cluster focused (it and its one-hop neighbours).
    pub focus: Option<String>,
    /// Only the selection shown.
    pub isolate: bool,
    /// The time window (hours since the epoch, UTC, inclusive).
    pub time_range: Option<(i64, i64)>,
    /// The search text.
    pub search: String,
    /// The graph's camera: world centre and points per world unit.
    pub camera: Option<([f32; 2], f32)>,
    /// The timeline chart.
    pub chart: Chart,
}

impl SavedViewSpec {
    /// The view in a few words ("cluster c17, focus on c17, 2026-02-01
    /// 00:00 to 2026-02-02 00:00 UTC, coloured by Score"), with `accounts`
    /// the number of accounts it selected.
    pub fn describe(&self, accounts: usize) -> String {
        let mut parts = Vec::new();
        if let Some(id) = &self.campaign {
            parts.push(format!("campaign {id}"));
        } else if let Some(id) = &self.cluster {
            parts.push(format!("cluster {id}"));
        } else if accounts == 1 {
            parts.push("1 account selected".to_string());
        } else if accounts > 0 {
            parts.push(format!("{accounts} accounts selected"));
        } else {
            parts.push("the whole case".to_string());
        }
        if let Some(id) = &self.focus {
            parts.push(format!("focus on {id}"));
        }
        if let Some((first, last)) = self.time_range {
            let hour = |h: i64| {
                crate::base::time::format_rfc3339_ms(h * 3_600_000)
                    .get(..16)
                    .unwrap_or_default()
                    .replace('T', " ")
            };
            parts.push(format!("{} to {} UTC", hour(first), hour(last + 1)));
        }
        parts.push(format!("coloured by {}", self.settings.color_by.label()));
        parts.join(", ")
    }

    /// The description as stored.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }

    /// Reads a stored description; what is not understood is an error
    /// that says so.
    pub fn from_json(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|e| format!("the saved view is unreadable: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::SavedViewSpec;
    use crate::views::state::{ColorBy, ViewSettings};

    #[test]
    fn a_description_reads_back_and_unknown_fields_are_ignored() {
        let spec = SavedViewSpec {
            settings: ViewSettings {
                color_by: ColorBy::Score,
                min_link_weight: 0.4,
                ..ViewSettings::default()
            },
            cluster: Some("c7".into()),
            time_range: Some((490_000, 490_023)),
            camera: Some(([1.5, -2.0], 30.0)),
            ..SavedViewSpec::default()
        };
        let back = SavedViewSpec::from_json(&spec.to_json()).unwrap();
        assert_eq!(back, spec);
        assert_eq!(
            spec.describe(12),
            "cluster c7, 2025-11-24 16:00 to 2025-11-25 16:00 UTC, coloured by Score"
        );
        let later = r#"{"cluster":"c9","a_field_of_a_later_build":[1,2]}"#;
        let read = SavedViewSpec::from_json(later).unwrap();
        assert_eq!(read.cluster.as_deref(), Some("c9"));
        assert_eq!(read.settings, ViewSettings::default());
        assert!(SavedViewSpec::from_json("[1, 2").is_err());
    }
}
