//! How library code reports progress without knowing the terminal: a small trait
//! that only the command line implements (with indicatif), after uv's `Reporter`.
//!
//! Library functions take a `&dyn Reporter`; tests and quiet callers pass [`Silent`].

/// What long-running library code says while it works. Every method has a default
/// that does nothing, so a reporter implements only what it shows.
pub trait Reporter {
    /// A stage of the work begins, such as "listing issues".
    fn stage(&self, _message: &str) {}

    /// A service asked to wait `seconds` before continuing, for `reason`.
    fn waiting(&self, _seconds: u64, _reason: &str) {}
}

/// A reporter that shows nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Reporter for Silent {}
