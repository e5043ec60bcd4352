//! Hydrascope: an analyst workbench for investigating distillation campaigns
//! against a large-language-model API.
//!
//! Layers point one way, bottom up: [`base`] (small helpers), [`logs`] (the
//! interchange format), [`facts`] (plain data between the case and the
//! analysis), [`case`] (the SQLite case file, all SQL) beside [`analysis`]
//! (pure), [`import`] and [`generate`] (build cases), [`pipeline`] (one
//! analysis run), [`views`] (the graph and the timelines as drawn), and the
//! front ends [`render`], [`export`], [`ui`] and [`cli`]. ARCHITECTURE.md
//! draws them; `tests/layers.rs` keeps them true.

pub mod analysis;
pub mod base;
pub mod case;
pub mod cli;
pub mod export;
pub mod facts;
pub mod generate;
pub mod import;
pub mod lake;
pub mod logs;
pub mod pipeline;
pub mod render;
pub mod ui;
pub mod views;
