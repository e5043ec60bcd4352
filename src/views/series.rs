//! What the timelines and the inspector's mixes show of a selection: its
//! traffic per hour, per model of its stored clusters, its top templates
//! and its model and capability mixes. The workbench's query worker asks
//! for it off the UI thread; headless pictures call it directly.

use crate::case::Case;
use crate::case::workbench::{HourTraffic, TemplateUse};

/// What the series of a selection look like.
#[derive(Clone, Debug, Default)]
pub struct SelectionSeries {
    /// Traffic per hour.
    pub hourly: Vec<HourTraffic>,
    /// (model index, hour, exchanges) of the stored clusters, if any,
    /// summed, by hour and model.
    pub model_hourly: Vec<(u32, i64, u64)>,
    /// Top templates with excerpts.
    pub templates: Vec<TemplateUse>,
    /// Exchanges per model.
    pub models: Vec<(String, u64)>,
    /// Exchanges per capability.
    pub capabilities: Vec<(String, u64)>,
}

/// The series and mixes of a selection: `members`, and the stored
/// clusters they make up (one cluster, or a campaign's), if any. The worker
/// answers with this; headless pictures call it directly.
pub fn selection_series(
    case: &Case,
    members: &[u32],
    clusters: &[String],
) -> Result<SelectionSeries, crate::case::CaseError> {
    let hourly = case.hourly_of(members)?;
    let model_hourly = match clusters {
        [] => Vec::new(),
        [one] => case.cluster_model_hourly_of(one)?,
        several => {
            let mut summed: std::collections::BTreeMap<(i64, u32), u64> =
                std::collections::BTreeMap::new();
            for id in several {
                for (model, hour, exchanges) in case.cluster_model_hourly_of(id)? {
                    *summed.entry((hour, model)).or_default() += exchanges;
                }
            }
            summed
                .into_iter()
                .map(|((hour, model), exchanges)| (model, hour, exchanges))
                .collect()
        }
    };
    let templates = case.templates_of(members, 6)?;
    let (models, capabilities) = case.mix_of(members)?;
    Ok(SelectionSeries {
        hourly,
        model_hourly,
        templates,
        models,
        capabilities,
    })
}
