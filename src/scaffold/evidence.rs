//! Whether the blueprints a step names can satisfy the step's evidence: each step's
//! blueprints are rendered for a sample platform, once per combination of GitOps
//! engine, policy engine and provider their `when` conditions tell apart, and the
//! step's rules are evaluated on the files (`manual` rules are skipped).
//!
//! `levelup content check` runs this after loading the pack, so a blueprint that
//! stops writing what its step asks for is caught before a repository is.

use std::collections::BTreeMap;
use std::path::Path;

use super::Error;
use crate::blueprint::{self, Catalog, When};
use crate::config::{self, GitOps, PolicyEngine, Provider};
use crate::evidence::{self, Repository, Verdict};
use crate::model::{EvidenceRule, Language, Pack, Step, StepId};

/// A rule of a step that the step's blueprints do not satisfy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsatisfied {
    pub step: StepId,
    /// The index of the rule in the step's `evidence`.
    pub rule: usize,
    pub blueprints: Vec<String>,
    /// The platforms it fails for, as `flux/kyverno/docker`.
    pub platforms: Vec<String>,
    /// Why, for the first of them.
    pub reason: String,
}

/// The choices a sample platform is rendered with when no `when` tells them apart.
const DEFAULT: (GitOps, PolicyEngine, Provider) =
    (GitOps::Flux, PolicyEngine::Kyverno, Provider::Docker);

/// Every rule of every step with blueprints that those blueprints do not satisfy.
/// Steps naming a blueprint the catalog does not have are skipped: loading the
/// pack already reported them.
pub fn unsatisfied_evidence(pack: &Pack, catalog: &Catalog) -> Result<Vec<Unsatisfied>, Error> {
    let mut found = Vec::new();
    for step in &pack.steps {
        if step.blueprints.is_empty()
            || step
                .blueprints
                .iter()
                .any(|name| catalog.get(name).is_none())
            || step
                .evidence
                .iter()
                .all(|rule| matches!(rule, EvidenceRule::Manual(_)))
        {
            continue;
        }
        found.extend(check_step(pack, catalog, step)?);
    }
    Ok(found)
}

fn check_step(pack: &Pack, catalog: &Catalog, step: &Step) -> Result<Vec<Unsatisfied>, Error> {
    // By rule: the platforms it fails for and the first reason.
    let mut failures: BTreeMap<usize, (Vec<String>, String)> = BTreeMap::new();
    let whens: Vec<&When> = step
        .blueprints
        .iter()
        .filter_map(|name| catalog.get(name))
        .flat_map(|blueprint| {
            std::iter::once(&blueprint.when).chain(blueprint.files.iter().map(|file| &file.when))
        })
        .collect();
    for (gitops, policy, provider) in platforms(&whens) {
        let text = config::default_file("sample", gitops, policy, provider, &[], None);
        let config = config::parse(Path::new(config::FILE_NAME), &text)?;
        if !step
            .blueprints
            .iter()
            .filter_map(|name| catalog.get(name))
            .any(|blueprint| blueprint.when.holds(&config))
        {
            continue; // none of the step's blueprints applies to this platform
        }
        let language = Language::new(config.language.clone());
        let input = blueprint::Input {
            config: &config,
            level: step.level,
            blueprints: step.blueprints.clone(),
            roadmap: super::roadmap_after(pack, step.level, &language),
        };
        let rendered = blueprint::render(catalog, &input)?;
        let repository = Repository::new(
            rendered
                .into_iter()
                .map(|(path, file)| (path.to_string(), file.content)),
        );
        for (index, rule) in step.evidence.iter().enumerate() {
            let outcome = evidence::evaluate(&repository, rule);
            if outcome.verdict == Verdict::DoesNotHold {
                let entry = failures
                    .entry(index)
                    .or_insert_with(|| (Vec::new(), outcome.reason.clone()));
                entry.0.push(format!("{gitops}/{policy}/{provider}"));
            }
        }
    }
    Ok(failures
        .into_iter()
        .map(|(rule, (platforms, reason))| Unsatisfied {
            step: step.id.clone(),
            rule,
            blueprints: step.blueprints.clone(),
            platforms,
            reason,
        })
        .collect())
}

/// The combinations worth rendering: every value of a choice some `when` names,
/// the default value of a choice none names.
fn platforms(whens: &[&When]) -> Vec<(GitOps, PolicyEngine, Provider)> {
    let gitops: Vec<GitOps> = if whens.iter().any(|when| !when.gitops.is_empty()) {
        GitOps::ALL.to_vec()
    } else {
        vec![DEFAULT.0]
    };
    let policies: Vec<PolicyEngine> = if whens.iter().any(|when| !when.policy.is_empty()) {
        PolicyEngine::ALL.to_vec()
    } else {
        vec![DEFAULT.1]
    };
    let providers: Vec<Provider> = if whens.iter().any(|when| !when.provider.is_empty()) {
        Provider::ALL.to_vec()
    } else {
        vec![DEFAULT.2]
    };
    let mut all = Vec::new();
    for gitops in &gitops {
        for policy in &policies {
            for provider in &providers {
                all.push((*gitops, *policy, *provider));
            }
        }
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_choices_a_condition_names_are_varied() {
        assert_eq!(platforms(&[&When::default()]), [DEFAULT]);
        let flux_only = When {
            gitops: vec![GitOps::Flux],
            ..When::default()
        };
        let aws_only = When {
            provider: vec![Provider::Aws],
            ..When::default()
        };
        assert_eq!(platforms(&[&When::default(), &flux_only]).len(), 2);
        assert_eq!(platforms(&[&flux_only, &aws_only]).len(), 8);
    }
}
