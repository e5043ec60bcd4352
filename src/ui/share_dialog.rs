//! The sharing dialog: export the case (whole, chosen clusters, redacted),
//! save a picture of the graph or the timelines, write the graph for Gephi,
//! write a briefing report, or merge another analyst's case in. The file is
//! typed or picked with "Browse…" (the system dialog runs on its own thread
//! and may be missing, as under Xvfb), and the dialog shows the command
//! line that does the same, so nothing depends on a file dialog.

use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;

use egui::RichText;

use super::dialog::DialogOutcome;
use crate::render::ViewKind;

/// What the dialog makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShareKind {
    /// A new case file to share.
    CaseExport,
    /// A picture of a view.
    Picture,
    /// GraphML or GEXF.
    GraphFile,
    /// An HTML or Markdown report.
    Report,
    /// Merge another case into this one.
    Merge,
}

impl ShareKind {
    fn title(self) -> &'static str {
        match self {
            ShareKind::CaseExport => "Export case",
            ShareKind::Picture => "Save view as picture",
            ShareKind::GraphFile => "Export graph for Gephi or Cytoscape",
            ShareKind::Report => "Write briefing report",
            ShareKind::Merge => "Merge another analyst's case",
        }
    }
}

/// What the analyst asked for.
#[derive(Clone, Debug, PartialEq)]
pub enum ShareRequest {
    /// Export the case.
    ExportCase {
        /// The new file.
        out: PathBuf,
        /// Only these clusters.
        clusters: Option<Vec<String>>,
        /// Redact identifiers.
        redact: bool,
        /// The redaction secret's file (else a random key).
        key_file: Option<PathBuf>,
    },
    /// Save a picture of what is on screen.
    Picture {
        /// The file (.png, or .svg for the graph).
        out: PathBuf,
        /// Which view.
        view: ViewKind,
        /// 1, 2 or 4 times the screen's resolution.
        scale: f32,
        /// The graph's legend in a strip beside it.
        legend: bool,
    },
    /// Write the graph as GraphML or GEXF.
    GraphFile {
        /// The file (.graphml or .gexf).
        out: PathBuf,
        /// Only these clusters.
        clusters: Option<Vec<String>>,
    },
    /// Write a report.
    Report {
        /// The file (.html or .md).
        out: PathBuf,
    },
    /// Merge a case in.
    Merge {
        /// Their case.
        from: PathBuf,
    },
    /// Append a folder of activity logs (a day, a partition) to the case.
    AppendLogs {
        /// The folder.
        from: PathBuf,
    },
}

/// The dialog's state.
pub struct ShareDialog {
    /// What it makes.
    pub kind: ShareKind,
    /// The file, as typed.
    pub path: String,
    /// Export only the clusters listed.
    pub only_clusters: bool,
    /// Cluster ids, comma-separated.
    pub clusters: String,
    /// Redact the export.
    pub redact: bool,
    /// File with the redaction secret (empty: a random key).
    pub key_file: String,
    /// The picture's view.
    pub view: ViewKind,
    /// The picture's resolution.
    pub scale: f32,
    /// The picture of the graph with its legend beside it.
    pub legend: bool,
    /// What the view is focused on, as `hydrascope render` arguments
    /// (`--campaign k3`, `--cluster c17`): for the command line shown.
    pub focus: Option<String>,
    case: PathBuf,
    browse: Option<Receiver<Option<PathBuf>>>,
    error: Option<String>,
}

impl ShareDialog {
    /// A dialog for `kind` on the case at `case`, with `selected` clusters
    /// (ids) preset where a subset makes sense.
    pub fn new(kind: ShareKind, case: &Path, selected: &[String], view: ViewKind) -> Self {
        let mut dialog = Self {
            kind,
            path: String::new(),
            only_clusters: !selected.is_empty() && kind == ShareKind::CaseExport,
            clusters: selected.join(","),
            redact: false,
            key_file: String::new(),
            view,
            scale: 2.0,
            legend: false,
            focus: None,
            case: case.to_path_buf(),
            browse: None,
            error: None,
        };
        dialog.path = dialog.default_path();
        dialog
    }

    fn default_path(&self) -> String {
        let dir = self.case.parent().unwrap_or(Path::new("."));
        let stem = self
            .case
            .file_stem()
            .map_or("case".to_string(), |s| s.to_string_lossy().into_owned());
        let name = match self.kind {
            ShareKind::CaseExport => {
                let mut name = stem.clone();
                if self.only_clusters && !self.clusters.trim().is_empty() {
                    name.push('-');
                    name.push_str(&self.clusters.replace([',', ' '], "-"));
                }
                if self.redact {
                    name.push_str("-redacted");
                }
                if name == stem {
                    name.push_str("-export");
                }
                format!("{name}.hcase")
            }
            ShareKind::Picture => match self.view {
                ViewKind::Graph => format!("{stem}-graph.png"),
                ViewKind::Timeline => format!("{stem}-timeline.png"),
                ViewKind::Journeys => format!("{stem}-journeys.png"),
                ViewKind::Networks => format!("{stem}-networks.png"),
            },
            ShareKind::GraphFile => format!("{stem}.graphml"),
            ShareKind::Report => format!("{stem}-brief.html"),
            ShareKind::Merge => return String::new(),
        };
        dir.join(name).display().to_string()
    }

    fn cluster_list(&self) -> Option<Vec<String>> {
        let ids: Vec<String> = self
            .clusters
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        (self.only_clusters && !ids.is_empty()).then_some(ids)
    }

    /// The command line that does what the dialog would.
    pub fn command_line(&self) -> String {
        let case = shell_quote(&self.case.display().to_string());
        let path = shell_quote(&self.path);
        match self.kind {
            ShareKind::CaseExport => {
                let mut line = format!("hydrascope export {case} --out {path}");
                if let Some(ids) = self.cluster_list() {
                    line.push_str(&format!(" --clusters {}", ids.join(",")));
                }
                if self.redact {
                    line.push_str(" --redact");
                    if !self.key_file.trim().is_empty() {
                        line.push_str(&format!(
                            " --redact-key {}",
                            shell_quote(self.key_file.trim())
                        ));
                    }
                }
                line
            }
            ShareKind::Picture => {
                let mut line = format!(
                    "hydrascope render {case} --view {} --out {path} --scale {}",
                    match self.view {
                        ViewKind::Graph => "graph",
                        ViewKind::Timeline => "timeline",
                        ViewKind::Journeys => "journeys",
                        ViewKind::Networks => "networks",
                    },
                    self.scale
                );
                if let Some(focus) = &self.focus {
                    line.push(' ');
                    line.push_str(focus);
                }
                if self.legend && self.view == ViewKind::Graph {
                    line.push_str(" --legend");
                }
                line
            }
            ShareKind::GraphFile => {
                let mut line = format!("hydrascope export {case} --out {path}");
                if let Some(ids) = self.cluster_list() {
                    line.push_str(&format!(" --clusters {}", ids.join(",")));
                }
                line
            }
            ShareKind::Report => format!("hydrascope report {case} --out {path}"),
            ShareKind::Merge => format!("hydrascope merge {case} --from {path}"),
        }
    }

    /// Draws the dialog; says whether the analyst confirmed a request or
    /// closed it.
    pub fn ui(&mut self, ctx: &egui::Context) -> DialogOutcome<ShareRequest> {
        if let Some(receiver) = &self.browse
            && let Ok(picked) = receiver.try_recv()
        {
            self.browse = None;
            match picked {
                Some(path) => self.path = path.display().to_string(),
                None => {
                    self.error = Some(
                        "No file chosen (or no file dialog on this system): type the path".into(),
                    )
                }
            }
        }
        let mut open = true;
        let mut result = DialogOutcome::Open;
        egui::Window::new(self.kind.title())
            .collapsible(false)
            .resizable(false)
            .default_width(520.0)
            .open(&mut open)
            .show(ctx, |ui| {
                result = self.body_ui(ui);
            });
        if !open {
            return DialogOutcome::Closed;
        }
        result
    }

    fn body_ui(&mut self, ui: &mut egui::Ui) -> DialogOutcome<ShareRequest> {
        let before = (
            self.only_clusters,
            self.redact,
            self.view,
            self.clusters.clone(),
        );
        let default_before = self.default_path();
        match self.kind {
            ShareKind::CaseExport => {
                ui.radio_value(&mut self.only_clusters, false, "The whole case");
                ui.horizontal(|ui| {
                    ui.radio_value(&mut self.only_clusters, true, "Only these clusters:");
                    ui.add(
                        egui::TextEdit::singleline(&mut self.clusters)
                            .hint_text("c17,c4")
                            .desired_width(200.0),
                    );
                });
                ui.label(
                    RichText::new(
                        "Their accounts, exchanges, events, analysis, layout, tags and history go with them",
                    )
                    .weak(),
                );
                ui.checkbox(
                    &mut self.redact,
                    "Redact: identifiers become keyed pseudonyms, prompt excerpts are removed",
                );
                if self.redact {
                    ui.horizontal(|ui| {
                        ui.label("Key file (optional):");
                        ui.add(
                            egui::TextEdit::singleline(&mut self.key_file)
                                .hint_text("a new random key")
                                .desired_width(260.0),
                        );
                    })
                    .response
                    .on_hover_text(
                        "Exports made with the same key give the same pseudonyms, so they line up",
                    );
                }
            }
            ShareKind::Picture => {
                ui.horizontal(|ui| {
                    ui.label("View:");
                    ui.radio_value(&mut self.view, ViewKind::Graph, "Graph");
                    ui.radio_value(&mut self.view, ViewKind::Timeline, "Timelines");
                    ui.radio_value(&mut self.view, ViewKind::Journeys, "Journeys");
                    ui.radio_value(&mut self.view, ViewKind::Networks, "Networks");
                });
                ui.horizontal(|ui| {
                    ui.label("Resolution:");
                    for scale in [1.0, 2.0, 4.0] {
                        ui.radio_value(&mut self.scale, scale, format!("{scale}×"));
                    }
                });
                if self.view == ViewKind::Graph {
                    ui.checkbox(&mut self.legend, "Legend beside the graph")
                        .on_hover_text(
                            "PNG only: the legend in a strip of its own, never over the graph",
                        );
                }
                ui.label(
                    RichText::new(
                        "Exactly what the view shows, with a caption strip; .svg for a vector graph",
                    )
                    .weak(),
                );
            }
            ShareKind::GraphFile => {
                ui.horizontal(|ui| {
                    ui.checkbox(&mut self.only_clusters, "Only these clusters:");
                    ui.add(
                        egui::TextEdit::singleline(&mut self.clusters)
                            .hint_text("c17,c4")
                            .desired_width(200.0),
                    );
                });
                ui.label(
                    RichText::new(
                        ".graphml or .gexf: accounts with cluster, score and tag; links with weight and evidence",
                    )
                    .weak(),
                );
            }
            ShareKind::Report => {
                ui.label(
                    RichText::new(
                        "Tagged campaigns with status, confidence, evidence numbers and pictures; .html or .md",
                    )
                    .weak(),
                );
            }
            ShareKind::Merge => {
                ui.label(
                    "Their tags, notes and history come in attributed to them; where you both tagged \
                     the same accounts differently, both are kept and shown side by side to resolve",
                );
            }
        }
        // The suggested name follows the options until the analyst types one.
        let after = (
            self.only_clusters,
            self.redact,
            self.view,
            self.clusters.clone(),
        );
        if after != before && self.path == default_before {
            self.path = self.default_path();
        }
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            ui.label(if self.kind == ShareKind::Merge {
                "Their case:"
            } else {
                "Save to:"
            });
            ui.add(egui::TextEdit::singleline(&mut self.path).desired_width(340.0));
            if ui
                .add_enabled(self.browse.is_none(), egui::Button::new("Browse…"))
                .clicked()
            {
                self.browse = Some(spawn_browse(
                    ui.ctx(),
                    self.kind == ShareKind::Merge,
                    &self.path,
                ));
            }
        });
        ui.horizontal(|ui| {
            ui.label(RichText::new("Command line:").weak());
            ui.add(egui::Label::new(RichText::new(self.command_line()).monospace().weak()).wrap());
        });
        if let Some(error) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
        ui.separator();
        let mut result = DialogOutcome::Open;
        ui.horizontal(|ui| {
            let verb = if self.kind == ShareKind::Merge {
                "Merge"
            } else {
                "Save"
            };
            if ui.button(verb).clicked() {
                match self.request() {
                    Ok(request) => result = DialogOutcome::Confirmed(request),
                    Err(error) => self.error = Some(error),
                }
            }
            if ui.button("Cancel").clicked() {
                result = DialogOutcome::Closed;
            }
        });
        result
    }

    /// The request, or what is wrong with the form.
    pub fn request(&self) -> Result<ShareRequest, String> {
        let path = PathBuf::from(self.path.trim());
        if self.path.trim().is_empty() {
            return Err("Name a file".into());
        }
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        let want = |ok: &[&str]| -> Result<(), String> {
            if ok.contains(&ext.as_str()) {
                Ok(())
            } else {
                Err(format!(
                    "{}: the file must end in .{}",
                    path.display(),
                    ok.join(" or .")
                ))
            }
        };
        if self.kind != ShareKind::Merge && path.exists() && !self.path.is_empty() {
            // Never overwrite silently: the analyst renames or deletes it.
            return Err(format!(
                "{}: already exists; choose another name",
                path.display()
            ));
        }
        if self.only_clusters && self.cluster_list().is_none() {
            return Err("Name the clusters to export (c17,c4), or choose the whole case".into());
        }
        Ok(match self.kind {
            ShareKind::CaseExport => {
                want(&["hcase"])?;
                ShareRequest::ExportCase {
                    out: path,
                    clusters: self.cluster_list(),
                    redact: self.redact,
                    key_file: (self.redact && !self.key_file.trim().is_empty())
                        .then(|| PathBuf::from(self.key_file.trim())),
                }
            }
            ShareKind::Picture => {
                match self.view {
                    ViewKind::Graph => want(&["png", "svg"])?,
                    ViewKind::Timeline | ViewKind::Journeys | ViewKind::Networks => want(&["png"])?,
                }
                ShareRequest::Picture {
                    out: path,
                    view: self.view,
                    scale: self.scale,
                    legend: self.legend && self.view == ViewKind::Graph,
                }
            }
            ShareKind::GraphFile => {
                want(&["graphml", "gexf"])?;
                ShareRequest::GraphFile {
                    out: path,
                    clusters: self.cluster_list(),
                }
            }
            ShareKind::Report => {
                want(&["html", "htm", "md"])?;
                ShareRequest::Report { out: path }
            }
            ShareKind::Merge => {
                if !path.exists() {
                    return Err(format!("{}: no such case file", path.display()));
                }
                ShareRequest::Merge { from: path }
            }
        })
    }
}

fn shell_quote(text: &str) -> String {
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-,:".contains(c))
    {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// The system's file dialog on its own thread (it may block for as long as
/// the analyst takes, or return at once when there is none).
fn spawn_browse(ctx: &egui::Context, open: bool, current: &str) -> Receiver<Option<PathBuf>> {
    let ctx = ctx.clone();
    let current = PathBuf::from(current);
    super::background::run(
        "share-dialog",
        move || ctx.request_repaint(),
        |_| None,
        move || {
            let mut dialog = rfd::FileDialog::new();
            if let Some(dir) = current.parent().filter(|d| d.is_dir()) {
                dialog = dialog.set_directory(dir);
            }
            if open {
                dialog.add_filter("Hydrascope case", &["hcase"]).pick_file()
            } else {
                if let Some(name) = current.file_name() {
                    dialog = dialog.set_file_name(name.to_string_lossy());
                }
                dialog.save_file()
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_dialog_suggests_names_and_says_the_command_line() {
        let mut d = ShareDialog::new(
            ShareKind::CaseExport,
            Path::new("/cases/lab.hcase"),
            &["c17".to_string()],
            ViewKind::Graph,
        );
        assert_eq!(d.path, "/cases/lab-c17.hcase");
        d.redact = true;
        d.path = d.default_path();
        assert_eq!(d.path, "/cases/lab-c17-redacted.hcase");
        assert_eq!(
            d.command_line(),
            "hydrascope export /cases/lab.hcase --out /cases/lab-c17-redacted.hcase --clusters c17 --redact"
        );
        assert_eq!(
            d.request().unwrap(),
            ShareRequest::ExportCase {
                out: PathBuf::from("/cases/lab-c17-redacted.hcase"),
                clusters: Some(vec!["c17".into()]),
                redact: true,
                key_file: None,
            }
        );
        d.path = "/cases/lab.png".into();
        assert!(d.request().unwrap_err().contains("must end in .hcase"));
    }
}
