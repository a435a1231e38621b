//! levelup's integration tests: the real binary, run as a user would.

mod alerts;
mod applications;
mod architecture;
mod backups;
mod bad_input;
mod blueprints;
mod cluster_api;
mod config_values;
mod content_check;
mod embedded;
mod engine_features;
mod engine_switch;
mod fake_github;
mod git_http;
mod github;
mod model_text;
mod plan;
mod policies;
mod scaffold;
mod support;
mod terminal_text;
mod wiring;
mod workflows;
