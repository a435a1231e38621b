//! The gap between where a platform is and where it wants to be, as ordered steps.
//!
//! Pure computation over a [`crate::model::Pack`]: no I/O, no formatting.

mod planner;
mod request;

pub use planner::{Plan, PlannedStep};
pub use request::Request;
