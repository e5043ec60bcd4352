//! Sharing front end: files made from a case for people and other tools
//! (reports for briefings, graph files for Gephi and Cytoscape). The case
//! file itself is exported by [`crate::case::export`].

pub mod graph_file;
pub mod report;
