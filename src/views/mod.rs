//! How the graph and the timelines are drawn, and what they draw from: the
//! loaded case ([`model::Loaded`]), what the analyst is looking at
//! ([`state::CaseView`], [`state::ViewSettings`]) and a selection's series.
//! The workbench's window and the headless pictures (`render`, `export`)
//! draw through this same code, so a briefing shows what the screen shows.

pub mod command;
pub mod graph_view;
pub mod journey;
pub mod labels;
pub mod model;
pub mod neighbourhood;
pub mod networks;
pub mod palette;
pub mod recall;
pub mod saved_view;
pub mod series;
pub mod state;
pub mod timeline;
pub mod why;
