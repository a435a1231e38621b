//! Whether the blueprints a step names can satisfy the step's evidence: each step's
//! blueprints are rendered for a sample platform, once per combination of GitOps
//! engine, policy engine, provider and application delivery their `when`
//! conditions tell apart (the sample's one application delivered each way), and
//! the step's rules are evaluated on the files (`manual` rules are skipped).
//!
//! `levelup content check` runs this after loading the pack, so a blueprint that
//! stops writing what its step asks for is caught before a repository is.

use std::collections::BTreeMap;
use std::path::Path;

use super::Error;
use crate::blueprint::{self, Catalog, When};
use crate::config::{self, Application, Delivery, GitOps, PolicyEngine, Provider};
use crate::evidence::{self, Repository, Verdict};
use crate::model::{EvidenceRule, Language, Pack, Step, StepId};

/// A rule of a step that the step's blueprints do not satisfy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsatisfied {
    pub step: StepId,
    /// The index of the rule in the step's `evidence`.
    pub rule: usize,
    pub blueprints: Vec<String>,
    /// The platforms it fails for, as `flux/kyverno/docker` (and `/helm` or
    /// `/kustomize` when the sample's application was delivered both ways).
    pub platforms: Vec<String>,
    /// Why, for the first of them.
    pub reason: String,
}

/// The choices a sample platform is rendered with when no `when` tells them apart.
const DEFAULT: Sample = (
    GitOps::Flux,
    PolicyEngine::Kyverno,
    Provider::Docker,
    Delivery::Kustomize,
);

type Sample = (GitOps, PolicyEngine, Provider, Delivery);

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
    let samples = platforms(&whens);
    let varies_delivery = samples.iter().any(|sample| sample.3 != DEFAULT.3);
    for (gitops, policy, provider, delivery) in samples {
        let application = Application {
            delivery,
            ..config::example_application()
        };
        let text = config::default_file("sample", gitops, policy, provider, &[application], None);
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
                entry.0.push(if varies_delivery {
                    format!("{gitops}/{policy}/{provider}/{delivery}")
                } else {
                    format!("{gitops}/{policy}/{provider}")
                });
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
fn platforms(whens: &[&When]) -> Vec<Sample> {
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
    let deliveries: Vec<Delivery> = if whens.iter().any(|when| !when.delivery.is_empty()) {
        Delivery::ALL.to_vec()
    } else {
        vec![DEFAULT.3]
    };
    let mut all = Vec::new();
    for gitops in &gitops {
        for policy in &policies {
            for provider in &providers {
                for delivery in &deliveries {
                    all.push((*gitops, *policy, *provider, *delivery));
                }
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
        let helm_only = When {
            delivery: vec![Delivery::Helm],
            ..When::default()
        };
        let samples = platforms(&[&flux_only, &helm_only]);
        assert_eq!(samples.len(), 4);
        assert!(samples.contains(&(GitOps::Argocd, DEFAULT.1, DEFAULT.2, Delivery::Helm)));
    }
}
