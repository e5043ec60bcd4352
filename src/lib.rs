//! Hydrascope: an analyst workbench for investigating distillation campaigns
//! against a large-language-model API.
//!
//! Layers point one way: [`logs`] (the interchange format) and [`case`] (the
//! SQLite case file, all SQL) at the bottom; [`import`] and [`generate`]
//! build cases; the front ends ([`cli`], [`ui`]) call only library functions.

pub mod analysis;
pub mod base;
pub mod case;
pub mod cli;
pub mod export;
pub mod facts;
pub mod generate;
pub mod import;
pub mod logs;
pub mod pipeline;
pub mod render;
pub mod ui;
pub mod views;
