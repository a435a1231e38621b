//! GitHub: where to find it (like `gh`), what levelup's roadmap issues say, and how
//! they are reconciled with what exists. The HTTP client that applies the plan
//! and the commands' logic live in `client`, `issues` and `pr`.

pub mod backoff;
pub mod body;
pub mod client;
pub mod issues;
pub mod pr;
pub mod reconcile;
pub mod target;
pub mod wire;
