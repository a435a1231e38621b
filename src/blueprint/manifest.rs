//! A blueprint's manifest (`blueprint.yaml`) and what it says about its files.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

use crate::config::{Config, Delivery, GitOps, PolicyEngine, Provider};
use crate::model::Level;

/// A validated blueprint: its manifest and the bytes of its template files.
#[derive(Debug, Clone)]
pub struct Blueprint {
    pub name: String,
    pub description: String,
    pub version: String,
    pub when: When,
    pub files: Vec<FileSpec>,
    /// Files under `templates/`, by their path relative to it.
    pub templates: BTreeMap<String, Vec<u8>>,
}

#[derive(Debug, Clone)]
pub struct FileSpec {
    /// Relative to `templates/`; rendered when it ends in `.hbs`.
    pub source: String,
    /// A Handlebars template for the path in the repository.
    pub target: String,
    pub each: Option<Each>,
    pub when: When,
    /// Written with the executable bit (mode 100755 in git).
    pub executable: bool,
}

impl FileSpec {
    pub fn is_template(&self) -> bool {
        self.source.ends_with(".hbs")
    }
}

/// What a file is produced once for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Each {
    Applications,
    Environments,
    Clusters,
    /// Once per cluster but the management cluster, as `cluster`: what registers a
    /// workload cluster with the management cluster's GitOps engine.
    ManagedClusters,
    /// Once per environment and application (environments outside), as
    /// `environment` and `app`: an application's folder in each overlay.
    EnvironmentApplications,
    /// Once per policy rule in the bundle at the level scaffolded, as `rule`.
    PolicyRules,
    /// Once per sample resource of each such rule, as `rule` and `sample`.
    PolicySamples,
    /// Once when the bundle checks images at the level scaffolded (`policy.images` is set),
    /// none otherwise: the signature policy.
    PolicyImages,
}

impl Each {
    /// Whether each item has an `app`, which `when.delivery` looks at.
    pub fn has_app(self) -> bool {
        matches!(self, Each::Applications | Each::EnvironmentApplications)
    }
}

/// Conditions on the platform's choices; an empty list means "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct When {
    pub gitops: Vec<GitOps>,
    pub policy: Vec<PolicyEngine>,
    pub provider: Vec<Provider>,
    /// On a file produced per application only: the deliveries it is for,
    /// checked against each item's `app.delivery` ([`When::holds_for_item`]).
    pub delivery: Vec<Delivery>,
    /// On a file only: the lowest level it is produced at. A document that records the
    /// outcome of a level-4 step belongs to a level-4 repository, whatever the level of
    /// the blueprint's first step.
    pub from_level: Option<Level>,
}

impl When {
    pub fn holds(&self, config: &Config) -> bool {
        (self.gitops.is_empty() || self.gitops.contains(&config.gitops))
            && (self.policy.is_empty() || self.policy.contains(&config.policy))
            && (self.provider.is_empty() || self.provider.contains(&config.provider))
    }

    /// Whether a file with these conditions is produced at `level`.
    pub fn holds_at(&self, level: Level) -> bool {
        self.from_level.is_none_or(|from| level >= from)
    }

    /// The per-item conditions, on one item of `each` (its context).
    pub fn holds_for_item(&self, item: &serde_json::Value) -> bool {
        self.delivery.is_empty()
            || item
                .pointer("/app/delivery")
                .and_then(serde_json::Value::as_str)
                .and_then(Delivery::from_name)
                .is_some_and(|delivery| self.delivery.contains(&delivery))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
/// `blueprint.yaml` as written; the values the catalog checks carry their position.
pub(super) struct RawManifest {
    pub name: Spanned<String>,
    pub description: String,
    pub version: Spanned<String>,
    #[serde(default)]
    pub when: RawWhen,
    pub files: Spanned<Vec<RawFile>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWhen {
    #[serde(default)]
    pub gitops: Option<OneOrMany<GitOps>>,
    #[serde(default)]
    pub policy: Option<OneOrMany<PolicyEngine>>,
    #[serde(default)]
    pub provider: Option<OneOrMany<Provider>>,
    #[serde(default)]
    pub delivery: Option<Spanned<OneOrMany<Delivery>>>,
    #[serde(default)]
    pub from_level: Option<Spanned<u8>>,
}

impl RawWhen {
    pub fn into_when(self) -> When {
        When {
            gitops: self.gitops.map(OneOrMany::into_vec).unwrap_or_default(),
            policy: self.policy.map(OneOrMany::into_vec).unwrap_or_default(),
            provider: self.provider.map(OneOrMany::into_vec).unwrap_or_default(),
            delivery: self
                .delivery
                .map(|delivery| delivery.value.into_vec())
                .unwrap_or_default(),
            from_level: self.from_level.and_then(|level| Level::new(level.value)),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    fn into_vec(self) -> Vec<T> {
        match self {
            OneOrMany::One(value) => vec![value],
            OneOrMany::Many(values) => values,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFile {
    pub source: Spanned<String>,
    pub target: Spanned<String>,
    #[serde(default)]
    pub each: Option<Each>,
    #[serde(default)]
    pub when: RawWhen,
    #[serde(default)]
    pub executable: bool,
}
