//! Evidence: whether a repository's files satisfy a step's evidence rules.
//!
//! Pure: a [`Repository`] is a set of files (path → bytes), read from disk or
//! rendered in memory, and [`evaluate`] answers each rule with a [`Verdict`] and a
//! reason a person can act on (which file, which field). YAML files are parsed once
//! per repository, on first use; files that are not YAML, or do not parse, hold no
//! documents. The shapes of the rules are checked by `crate::content`; their
//! meaning is documented in content/README.md.
//!
//! [`reachable`] follows a GitOps engine from its entry points (Flux
//! Kustomizations, kustomization.yaml `resources`, Argo CD Applications and
//! ApplicationSets, HelmRelease chart sources) and is what the `wired` rule stands
//! on; it also lists the links that lead nowhere.

mod document;
mod policy;
mod reach;
mod repository;
mod rules;

pub use document::Document;
pub use policy::{Policy, policies};
pub use reach::{BrokenLink, Reach, reachable};
pub use repository::{Error, Repository};
pub use rules::{Outcome, Verdict, evaluate};
