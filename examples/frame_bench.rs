//! Workbench responsiveness, measured headless: time from opening a case
//! to its first drawn frame, time until the graph layout is ready, and the
//! CPU cost of one frame (egui run + tessellation) with the whole graph in
//! view — still, hovered, and while panning (which rebuilds the graph mesh)
//! — and with the largest campaign selected and the bottom panel on the
//! timelines, then on the cluster table (pointer moving over the rows);
//! then time playback: one-hour windows stepped over the case from its
//! first hour, every frame counted while each window's active accounts are
//! read and shown (as *Play* does, without its pause between windows).
//!
//! `cargo run --release --example frame_bench -- CASE [FRAMES]`
//! (see `benches/workbench.sh`; numbers in `docs/benchmarks.md`).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use hydrascope::ui::command::Command;
use hydrascope::ui::{App, AppOptions};
use hydrascope::views::state::BottomTab;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(case) = args.next().map(PathBuf::from) else {
        eprintln!("usage: frame_bench CASE [FRAMES]");
        std::process::exit(2);
    };
    let frames: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(120);
    // As the window does.
    hydrascope::ui::keep_frame_buffers();
    let ctx = egui::Context::default();
    let screen = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(1600.0, 1000.0));
    let opened = Instant::now();
    let mut app = App::new(
        ctx.clone(),
        AppOptions {
            case: Some(case.clone()),
            remember: false,
            settings: Default::default(),
        },
    );
    let mut events: Vec<egui::Event> = Vec::new();
    let frame = |app: &mut App, events: &mut Vec<egui::Event>| -> Duration {
        let input = egui::RawInput {
            screen_rect: Some(screen),
            events: std::mem::take(events),
            ..Default::default()
        };
        let started = Instant::now();
        let output = ctx.run_ui(input, |ui| app.show(ui));
        let primitives = ctx.tessellate(output.shapes, output.pixels_per_point);
        std::hint::black_box(primitives);
        started.elapsed()
    };
    while app.loaded().is_none() {
        if let Some(failure) = app.failure() {
            eprintln!("{}: {failure}", case.display());
            std::process::exit(2);
        }
        frame(&mut app, &mut events);
        std::thread::sleep(Duration::from_millis(5));
    }
    frame(&mut app, &mut events);
    let first_frame = app.first_frame().unwrap_or_default();
    let loaded = app
        .loaded()
        .map_or((0, 0), |l| (l.accounts.len(), l.links.links.len()));
    let stored = app.has_layout();
    while !app.has_layout() || app.busy() {
        frame(&mut app, &mut events);
        std::thread::sleep(Duration::from_millis(20));
    }
    let layout_ready = opened.elapsed();
    // Let the graph fit and settle.
    for _ in 0..5 {
        frame(&mut app, &mut events);
    }
    // `FRAME_BENCH_ONLY=hover` (or still, pan, timelines, clusters) runs one
    // phase long, for profiling.
    let only = std::env::var("FRAME_BENCH_ONLY").ok();
    let frames_of = |phase: &str| match &only {
        Some(p) if p == phase => frames * 10,
        Some(_) => 1,
        None => frames,
    };
    let still: Vec<Duration> = (0..frames_of("still"))
        .map(|_| frame(&mut app, &mut events))
        .collect();
    let centre = egui::pos2(800.0, 380.0);
    let hovered: Vec<Duration> = (0..frames_of("hover"))
        .map(|i| {
            events.push(egui::Event::PointerMoved(
                centre + egui::vec2((i % 40) as f32, 0.0),
            ));
            frame(&mut app, &mut events)
        })
        .collect();
    events.push(egui::Event::PointerButton {
        pos: centre,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: egui::Modifiers::NONE,
    });
    frame(&mut app, &mut events);
    let panning: Vec<Duration> = (0..frames_of("pan"))
        .map(|i| {
            let dx = if (i / 30) % 2 == 0 { 3.0 } else { -3.0 };
            events.push(egui::Event::PointerMoved(
                centre + egui::vec2(dx * (i % 30) as f32, 0.0),
            ));
            frame(&mut app, &mut events)
        })
        .collect();
    events.push(egui::Event::PointerButton {
        pos: centre,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: egui::Modifiers::NONE,
    });
    frame(&mut app, &mut events);
    // The largest campaign, selected as the analyst would, with its series
    // read by the worker before the timing starts.
    let campaign = app
        .loaded()
        .and_then(|l| l.campaigns.iter().max_by_key(|k| k.accounts))
        .map(|k| (k.id.clone(), k.accounts));
    app.push_command(Command::SelectCampaign(
        campaign.as_ref().map(|k| k.0.clone()),
    ));
    let mut bottom_tab_frames = |app: &mut App, tab: BottomTab, phase: &str, rows: bool| {
        let mut settings = app.settings().clone();
        settings.bottom_tab = tab;
        app.push_command(Command::Settings(settings));
        frame(app, &mut events);
        while app.busy() {
            frame(app, &mut events);
            std::thread::sleep(Duration::from_millis(20));
        }
        frame(app, &mut events);
        (0..frames_of(phase))
            .map(|i| {
                if rows {
                    events.push(egui::Event::PointerMoved(egui::pos2(
                        400.0,
                        820.0 + (i % 40) as f32 * 3.0,
                    )));
                }
                frame(app, &mut events)
            })
            .collect::<Vec<Duration>>()
    };
    let timelines = bottom_tab_frames(&mut app, BottomTab::Timelines, "timelines", false);
    let clusters = bottom_tab_frames(&mut app, BottomTab::Clusters, "clusters", true);
    // Playback over the whole graph (nothing selected), the campaign table
    // below: each step a window of one hour, shown once its accounts are
    // known, every frame timed (the waiting ones too).
    app.push_command(Command::SelectCampaign(None));
    let mut settings = app.settings().clone();
    settings.bottom_tab = BottomTab::Campaigns;
    app.push_command(Command::Settings(settings));
    frame(&mut app, &mut events);
    let first_hour = app
        .loaded()
        .and_then(|l| l.hourly.first().map(|h| h.hour))
        .unwrap_or(0);
    let steps = frames_of("playback").max(1);
    let mut playback: Vec<Duration> = Vec::new();
    for step in 0..steps as i64 {
        let hour = first_hour + step;
        app.push_command(Command::SetTimeRange(Some((hour, hour))));
        playback.push(frame(&mut app, &mut events));
        while app.view().active_in_range.is_none() {
            playback.push(frame(&mut app, &mut events));
            std::thread::sleep(Duration::from_millis(2));
        }
        playback.push(frame(&mut app, &mut events));
    }
    println!("case: {}", case.display());
    println!("accounts: {}, links: {}", loaded.0, loaded.1);
    println!(
        "first interactive frame: {:.2} s after opening (layout {})",
        first_frame.as_secs_f64(),
        if stored {
            "read from the case"
        } else {
            "being computed"
        }
    );
    println!(
        "graph layout ready: {:.2} s after opening",
        layout_ready.as_secs_f64()
    );
    for (name, times) in [
        ("still", still),
        ("hover", hovered),
        ("pan", panning),
        ("timelines, campaign selected", timelines),
        ("cluster table, campaign selected", clusters),
        ("playback, one-hour windows", playback),
    ] {
        let mut ms: Vec<f64> = times.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
        ms.sort_by(f64::total_cmp);
        let pct = |p: f64| ms[((ms.len() - 1) as f64 * p) as usize];
        println!(
            "frame ({name}, {} frames): median {:.1} ms, p95 {:.1} ms, max {:.1} ms",
            ms.len(),
            pct(0.5),
            pct(0.95),
            ms[ms.len() - 1]
        );
    }
    match &campaign {
        Some((id, accounts)) => println!("campaign selected: {id} ({accounts} accounts)"),
        None => println!("campaign selected: none (the case has no campaigns)"),
    }
    println!("last graph mesh build: {:.1} ms", app.graph_build_ms());
}
