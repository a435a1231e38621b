//! levelup: turns the CNCF Cloud Native Maturity Model into an ordered roadmap.
//!
//! Data flows one way: a content pack is loaded into the [`model`], the [`plan`]
//! computes the gap between two levels, and [`report`] renders it. Only [`cli`]
//! talks to the terminal.

pub mod blueprint;
pub mod cli;
pub mod config;
pub mod content;
pub mod diagnostic;
pub mod evidence;
pub mod files;
pub mod git;
pub mod github;
pub mod model;
pub mod plan;
pub mod progress;
pub mod repo_path;
pub mod report;
pub mod scaffold;
pub mod suggest;
pub mod tree;
pub mod yaml;
