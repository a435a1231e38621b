//! levelup's integration tests: the real binary, run as a user would.

mod architecture;
mod bad_input;
mod blueprints;
mod content_check;
mod embedded;
mod engine_features;
mod fake_github;
mod git_http;
mod github;
mod model_text;
mod plan;
mod scaffold;
mod support;
mod terminal_text;
