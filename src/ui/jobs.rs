//! Long jobs the workbench runs on their own threads: the graph layout
//! (progressive, cancelable, stored in the case when done) and re-running
//! the analysis with new parameters. Results come back over channels.

use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::time::Instant;

use crate::analysis::Params;
use crate::analysis::layout::{LayoutInput, LayoutStage, layout};
use crate::case::Case;
use crate::import::Progress;

/// A message from the layout thread.
pub enum LayoutUpdate {
    /// Positions so far (more will come).
    Progress(LayoutStage, Arc<Vec<[f32; 2]>>),
    /// The final positions; `stored` says whether they were saved in the case.
    Done(Arc<Vec<[f32; 2]>>, Result<(), String>),
}

/// A running layout.
pub struct LayoutJob {
    /// Updates, in order.
    pub updates: Receiver<LayoutUpdate>,
    cancel: Arc<AtomicBool>,
    /// When it started.
    pub started: Instant,
}

impl LayoutJob {
    /// Lays out `cluster_of`/`links` on a thread and stores the result in
    /// the case at `path`.
    pub fn start(
        path: PathBuf,
        cluster_of: Vec<u32>,
        links: Vec<(u32, u32, f32)>,
        wake: impl Fn() + Send + 'static,
    ) -> Self {
        let (sender, updates) = mpsc::channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let stop = cancel.clone();
        let spawned = std::thread::Builder::new()
            .name("graph-layout".into())
            .spawn(move || {
                let input = LayoutInput {
                    cluster_of: &cluster_of,
                    links: &links,
                };
                let mut report = |stage: LayoutStage, positions: &[[f32; 2]]| {
                    if stop.load(Ordering::Relaxed) {
                        return ControlFlow::Break(());
                    }
                    if stage != LayoutStage::Done {
                        let _ = sender
                            .send(LayoutUpdate::Progress(stage, Arc::new(positions.to_vec())));
                        wake();
                    }
                    ControlFlow::Continue(())
                };
                let Some(positions) = layout(&input, &mut report) else {
                    return;
                };
                let stored = Case::open(&path)
                    .and_then(|case| case.store_layout(&positions))
                    .map_err(|e| e.to_string());
                let _ = sender.send(LayoutUpdate::Done(Arc::new(positions), stored));
                wake();
            });
        if spawned.is_err() {
            cancel.store(true, Ordering::Relaxed);
        }
        Self {
            updates,
            cancel,
            started: Instant::now(),
        }
    }

    /// Asks the layout to stop; it sends nothing more.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}

impl Drop for LayoutJob {
    fn drop(&mut self) {
        self.cancel();
    }
}

/// A running re-analysis.
pub struct AnalysisJob {
    /// Phase text.
    pub progress: Arc<Progress>,
    /// The outcome: a one-line summary, or the error.
    pub result: Receiver<Result<String, String>>,
}

impl AnalysisJob {
    /// Re-runs the analysis of the case at `path` with `params`.
    pub fn start(path: PathBuf, params: Params, wake: impl Fn() + Send + 'static) -> Self {
        let (sender, result) = mpsc::channel();
        let progress = Arc::new(Progress::default());
        let worker_progress = progress.clone();
        let spawned = std::thread::Builder::new()
            .name("analysis".into())
            .spawn(move || {
                worker_progress.set_phase("analysing");
                let outcome = Case::open(&path)
                    .and_then(|case| crate::analysis::analyze_case(&case, &params))
                    .map(|r| {
                        let suspected = r.clusters.iter().filter(|c| c.suspected).count();
                        format!(
                            "{suspected} suspected clusters among {} (resolution {})",
                            r.clusters.len(),
                            params.resolution
                        )
                    })
                    .map_err(|e| e.to_string());
                let _ = sender.send(outcome);
                wake();
            });
        if let Err(err) = spawned {
            let (sender, failed) = mpsc::channel();
            let _ = sender.send(Err(format!("could not start the analysis: {err}")));
            return Self {
                progress,
                result: failed,
            };
        }
        Self { progress, result }
    }
}
