//! Sharing front end: files made from a case for people and other tools
//! (reports for briefings, graph files for Gephi and Cytoscape). The case
//! file itself is exported by [`crate::case::export`].

pub mod graph_file;
pub mod report;

use std::path::Path;

use crate::base::Progress;
use crate::case::Case;
use crate::render::{Focus, PictureSize, Scene, png_bytes, render_picture};
use crate::views::timeline::Chart;
use report::{Picture, ReportError, ReportFormat, ReportSummary, ViewKind, write_report_of};

/// Size of a report's graph pictures, in points (drawn at [`REPORT_SCALE`]).
pub const REPORT_GRAPH_SIZE: (f32, f32) = (1100.0, 720.0);
/// Size of a report's timeline pictures, in points.
pub const REPORT_TIMELINE_SIZE: (f32, f32) = (1100.0, 420.0);
/// Pixels per point of a report's pictures: sharp in print, still a
/// reasonable file.
pub const REPORT_SCALE: f32 = 1.5;

/// Writes the briefing report of the case at `case_path` to `out` (.html
/// or .md) with its pictures drawn headless by the workbench's own views,
/// each focused on its campaign. `hydrascope report` and the workbench
/// both call this.
pub fn write_briefing(
    case_path: &Path,
    out: &Path,
    progress: &Progress,
) -> Result<ReportSummary, ReportError> {
    write_briefing_of(case_path, out, None, progress)
}

/// [`write_briefing`], about one campaign of the analysis when `campaign`
/// names one (`hydrascope report --campaign k17`).
pub fn write_briefing_of(
    case_path: &Path,
    out: &Path,
    campaign: Option<&str>,
    progress: &Progress,
) -> Result<ReportSummary, ReportError> {
    let format = ReportFormat::from_path(out)?;
    let case = Case::open_read_only(case_path).map_err(|source| ReportError::Case {
        path: case_path.to_path_buf(),
        source,
    })?;
    let generated_at = crate::base::time::now_rfc3339();
    let caption_time = crate::base::time::now_for_caption();
    // The case is read for pictures only once one is asked for.
    let mut scene: Option<Result<Scene, String>> = None;
    let mut pictures = |p: &Picture| -> Result<Vec<u8>, String> {
        let scene = scene
            .get_or_insert_with(|| Scene::open(case_path, progress).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(Clone::clone)?;
        let focus = match (p.tag, &p.cluster, &p.campaign) {
            (Some(tag), _, _) => Focus::Tag(tag),
            (None, Some(cluster), _) => Focus::Cluster(cluster.clone()),
            (None, None, Some(campaign)) => Focus::Campaign(campaign.clone()),
            (None, None, None) => Focus::Everything,
        };
        let mut picture = match &p.saved_view {
            Some(name) => {
                progress.set_phase(format!("drawing the saved view {name:?}"));
                scene
                    .saved_view_picture(name, &caption_time)
                    .map_err(|e| e.to_string())?
                    .0
            }
            None => {
                progress.set_phase(format!("drawing the {} of {focus:?}", p.view.name()));
                scene
                    .picture(&focus, Chart::Requests, &caption_time)
                    .map_err(|e| e.to_string())?
            }
        };
        // A briefing's graph is read without the workbench: its legend goes
        // beside it.
        picture.legend = true;
        let view = p.view;
        let (width, height) = match view {
            ViewKind::Graph => REPORT_GRAPH_SIZE,
            ViewKind::Timeline | ViewKind::Journeys | ViewKind::Networks => REPORT_TIMELINE_SIZE,
        };
        let size = PictureSize {
            width,
            height,
            scale: REPORT_SCALE,
        };
        let image = render_picture(&picture, view, size).map_err(|e| e.to_string())?;
        png_bytes(&image).map_err(|e| e.to_string())
    };
    write_report_of(&case, out, format, &generated_at, campaign, &mut pictures)
}
