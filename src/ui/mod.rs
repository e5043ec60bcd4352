//! The workbench (eframe/egui). One file per panel; `app.rs` is the shell
//! that lays them out and applies their commands.

pub mod app;
pub mod app_state;
pub mod background;
pub mod campaign_table;
pub mod cluster_table;
pub mod command;
pub mod conflicts_window;
pub mod dialog;
pub mod dropped_case_window;
pub mod file_dialogs;
pub mod filter_panel;
pub mod history_panel;
pub mod inspector;
pub mod jobs;
pub mod journey_panel;
pub mod menu;
pub mod navigation;
pub mod networks_panel;
pub mod notes_panel;
pub mod panel;
pub mod playback;
pub mod repair_window;
pub mod rerun_dialog;
pub mod share_dialog;
pub mod sortable;
pub mod summary_panel;
pub mod tag_dialog;
pub mod worker;

use std::path::PathBuf;

pub use app::{App, AppOptions};

/// Lets the allocator keep the graph's per-frame buffers (tens of MB of
/// vertices) instead of handing them back to the OS and faulting them in
/// again every frame, which costs more than drawing them. glibc only.
pub fn keep_frame_buffers() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator thresholds; called before the
    // window opens, it races with nothing.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 512 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1024 << 20);
    }
}

/// Opens the workbench window on `case`, or on the last-opened case, or on
/// the demo case (generated on first run). Returns when the window closes.
pub fn run(case: Option<PathBuf>) -> anyhow::Result<()> {
    keep_frame_buffers();
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Hydrascope")
            .with_inner_size([1400.0, 900.0])
            .with_min_inner_size([800.0, 500.0])
            .with_drag_and_drop(true),
        ..Default::default()
    };
    eframe::run_native(
        "Hydrascope",
        options,
        Box::new(move |cc| {
            let settings = cc
                .storage
                .and_then(|s| eframe::get_value(s, app::SETTINGS_KEY))
                .unwrap_or_default();
            let options = AppOptions {
                case,
                remember: true,
                settings,
            };
            Ok(Box::new(App::new(cc.egui_ctx.clone(), options)))
        }),
    )
    .map_err(|e| anyhow::anyhow!("could not open the workbench window: {e}"))
}
