//! levelup's integration tests: the real binary, run as a user would.

mod bad_input;
mod content_check;
mod embedded;
mod model_text;
mod plan;
mod scaffold;
mod support;
