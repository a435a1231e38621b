//! GitHub: where to find it (like `gh`), what levelup's roadmap issues say, and how
//! they are reconciled with what exists. The HTTP client that applies the plan
//! comes with `levelup issues`; everything here is pure and tested on its own.

pub mod body;
pub mod reconcile;
pub mod target;
