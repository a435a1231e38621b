//! Admission policies found in a repository and the mode each is in, mapping each
//! engine's spelling to audit, warn or enforce.
//!
//! - Kyverno `policies.kyverno.io` ValidatingPolicy, ImageValidatingPolicy (and
//!   their Namespaced variants): `spec.validationActions`, `Deny` when absent.
//! - Kyverno `kyverno.io` ClusterPolicy and Policy with validate rules: each rule's
//!   `validate.failureAction`, else `spec.validationFailureAction`, else `Audit`.
//! - Gatekeeper constraints (`constraints.gatekeeper.sh`): `spec.enforcementAction`,
//!   `deny` when absent; `scoped` takes the actions of `spec.scopedEnforcementActions`.
//! - ValidatingAdmissionPolicyBinding: `spec.validationActions` (required by the API).
//!
//! A policy with several actions is in the strongest of them (enforce > warn > audit).

use serde_json::Value;

use super::Repository;
use super::document::{Document, show};
use crate::model::{PolicyEngineName, PolicyMode};

/// One policy object and what it does with a violation.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub file: String,
    pub document: usize,
    pub engine: PolicyEngineName,
    /// `ValidatingPolicy \`disallow-privileged\``.
    pub describe: String,
    /// `None` when the object sets no action an engine would accept.
    pub mode: Option<PolicyMode>,
    /// Where the mode comes from, as written: `spec.validationActions: [Audit]`.
    pub spelled: String,
}

const KYVERNO_CEL_KINDS: &[&str] = &[
    "ValidatingPolicy",
    "NamespacedValidatingPolicy",
    "ImageValidatingPolicy",
    "NamespacedImageValidatingPolicy",
];

/// Every admission policy in the repository, in path order.
pub fn policies(repo: &Repository) -> Vec<Policy> {
    repo.all_documents()
        .filter_map(|(file, document)| policy(file, document))
        .collect()
}

fn policy(file: &str, document: &Document) -> Option<Policy> {
    let kind = document.kind()?;
    let group = document.group()?;
    let spec = document.value.get("spec");
    let field = |name: &str| spec.and_then(|spec| spec.get(name));
    let (engine, mode, spelled) = match group {
        "policies.kyverno.io" if KYVERNO_CEL_KINDS.contains(&kind) => {
            match field("validationActions") {
                None => (
                    PolicyEngineName::Kyverno,
                    Some(PolicyMode::Enforce),
                    "no `spec.validationActions` (Kyverno's default is Deny)".to_string(),
                ),
                Some(actions) => (
                    PolicyEngineName::Kyverno,
                    strongest(actions, kubernetes_action),
                    format!("`spec.validationActions: {}`", show(actions)),
                ),
            }
        }
        "kyverno.io" if kind == "ClusterPolicy" || kind == "Policy" => {
            let fallback = field("validationFailureAction");
            let rules: Vec<&Value> = field("rules")
                .and_then(Value::as_array)
                .map(|rules| {
                    rules
                        .iter()
                        .filter(|rule| rule.get("validate").is_some())
                        .collect()
                })
                .unwrap_or_default();
            if rules.is_empty() {
                return None; // mutate or generate only: no validation mode
            }
            let mut modes = Vec::new();
            let mut spellings = Vec::new();
            for rule in rules {
                let action = rule
                    .get("validate")
                    .and_then(|validate| validate.get("failureAction"))
                    .or(fallback);
                let text = action.and_then(Value::as_str).unwrap_or("Audit");
                modes.push(match text.to_ascii_lowercase().as_str() {
                    "enforce" => Some(PolicyMode::Enforce),
                    "audit" => Some(PolicyMode::Audit),
                    _ => None,
                });
                spellings.push(text.to_string());
            }
            spellings.dedup();
            (
                PolicyEngineName::Kyverno,
                modes
                    .into_iter()
                    .collect::<Option<Vec<_>>>()
                    .and_then(|m| m.into_iter().max()),
                format!("failure action {}", spellings.join(", ")),
            )
        }
        "constraints.gatekeeper.sh" => match field("enforcementAction").and_then(Value::as_str) {
            None => (
                PolicyEngineName::Gatekeeper,
                Some(PolicyMode::Enforce),
                "no `spec.enforcementAction` (Gatekeeper's default is deny)".to_string(),
            ),
            Some("scoped") => {
                let actions: Vec<Value> = field("scopedEnforcementActions")
                    .and_then(Value::as_array)
                    .map(|scoped| {
                        scoped
                            .iter()
                            .filter_map(|entry| entry.get("action").cloned())
                            .collect()
                    })
                    .unwrap_or_default();
                let actions = Value::Array(actions);
                (
                    PolicyEngineName::Gatekeeper,
                    strongest(&actions, gatekeeper_action),
                    format!("scoped enforcement actions {}", show(&actions)),
                )
            }
            Some(action) => (
                PolicyEngineName::Gatekeeper,
                gatekeeper_action(action),
                format!("`spec.enforcementAction: {action}`"),
            ),
        },
        "admissionregistration.k8s.io" if kind == "ValidatingAdmissionPolicyBinding" => {
            match field("validationActions") {
                None => (
                    PolicyEngineName::Vap,
                    None,
                    "no `spec.validationActions`".to_string(),
                ),
                Some(actions) => (
                    PolicyEngineName::Vap,
                    strongest(actions, kubernetes_action),
                    format!("`spec.validationActions: {}`", show(actions)),
                ),
            }
        }
        _ => return None,
    };
    Some(Policy {
        file: file.to_string(),
        document: document.number,
        engine,
        describe: document.describe(),
        mode,
        spelled,
    })
}

/// The strongest mode among a list of actions; `None` if it is not a list of
/// known actions.
fn strongest(actions: &Value, action: fn(&str) -> Option<PolicyMode>) -> Option<PolicyMode> {
    let actions = actions.as_array()?;
    let modes: Option<Vec<PolicyMode>> = actions
        .iter()
        .map(|value| value.as_str().and_then(action))
        .collect();
    modes?.into_iter().max()
}

/// `Deny`, `Warn`, `Audit` (Kubernetes ValidationAction, also Kyverno's CEL policies).
fn kubernetes_action(action: &str) -> Option<PolicyMode> {
    match action {
        "Deny" => Some(PolicyMode::Enforce),
        "Warn" => Some(PolicyMode::Warn),
        "Audit" => Some(PolicyMode::Audit),
        _ => None,
    }
}

/// `deny`, `warn`, `dryrun` (Gatekeeper, case-insensitive as Gatekeeper reads it).
fn gatekeeper_action(action: &str) -> Option<PolicyMode> {
    match action.to_ascii_lowercase().as_str() {
        "deny" => Some(PolicyMode::Enforce),
        "warn" => Some(PolicyMode::Warn),
        "dryrun" => Some(PolicyMode::Audit),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn modes(text: &str) -> Vec<(PolicyEngineName, Option<PolicyMode>)> {
        let repo = Repository::new([("policies/p.yaml".to_string(), text.as_bytes().to_vec())]);
        policies(&repo)
            .into_iter()
            .map(|policy| (policy.engine, policy.mode))
            .collect()
    }

    #[test]
    fn kyverno_cel_policies_read_validation_actions_and_default_to_deny() {
        let text = "apiVersion: policies.kyverno.io/v1\nkind: ValidatingPolicy\nmetadata: {name: a}\nspec:\n  validationActions: [Audit]\n---\napiVersion: policies.kyverno.io/v1\nkind: ValidatingPolicy\nmetadata: {name: b}\nspec: {}\n---\napiVersion: policies.kyverno.io/v1\nkind: ValidatingPolicy\nmetadata: {name: c}\nspec:\n  validationActions: [Audit, Warn]\n";
        assert_eq!(
            modes(text),
            [
                (PolicyEngineName::Kyverno, Some(PolicyMode::Audit)),
                (PolicyEngineName::Kyverno, Some(PolicyMode::Enforce)),
                (PolicyEngineName::Kyverno, Some(PolicyMode::Warn)),
            ]
        );
    }

    #[test]
    fn kyverno_cluster_policies_read_rule_actions_over_the_deprecated_field() {
        let text = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: a}\nspec:\n  validationFailureAction: enforce\n  rules:\n    - name: r\n      validate: {pattern: {}}\n---\napiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: b}\nspec:\n  validationFailureAction: Enforce\n  rules:\n    - name: r\n      validate: {failureAction: Audit, pattern: {}}\n---\napiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: c}\nspec:\n  rules:\n    - name: r\n      validate: {pattern: {}}\n---\napiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: mutate-only}\nspec:\n  rules:\n    - name: r\n      mutate: {}\n";
        assert_eq!(
            modes(text),
            [
                (PolicyEngineName::Kyverno, Some(PolicyMode::Enforce)),
                (PolicyEngineName::Kyverno, Some(PolicyMode::Audit)),
                (PolicyEngineName::Kyverno, Some(PolicyMode::Audit)),
            ]
        );
    }

    #[test]
    fn gatekeeper_constraints_default_to_deny_and_read_scoped_actions() {
        let text = "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sRequiredLabels\nmetadata: {name: a}\nspec: {}\n---\napiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sRequiredLabels\nmetadata: {name: b}\nspec: {enforcementAction: dryrun}\n---\napiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sRequiredLabels\nmetadata: {name: c}\nspec:\n  enforcementAction: scoped\n  scopedEnforcementActions:\n    - {action: warn, enforcementPoints: [{name: validation.gatekeeper.sh}]}\n    - {action: dryrun, enforcementPoints: [{name: audit.gatekeeper.sh}]}\n---\napiVersion: templates.gatekeeper.sh/v1\nkind: ConstraintTemplate\nmetadata: {name: k8srequiredlabels}\nspec: {}\n";
        assert_eq!(
            modes(text),
            [
                (PolicyEngineName::Gatekeeper, Some(PolicyMode::Enforce)),
                (PolicyEngineName::Gatekeeper, Some(PolicyMode::Audit)),
                (PolicyEngineName::Gatekeeper, Some(PolicyMode::Warn)),
            ]
        );
    }

    #[test]
    fn vap_bindings_carry_the_mode_and_policies_do_not() {
        let text = "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: p}\nspec: {}\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {name: a}\nspec: {policyName: p, validationActions: [Warn, Audit]}\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {name: b}\nspec: {policyName: p}\n";
        assert_eq!(
            modes(text),
            [
                (PolicyEngineName::Vap, Some(PolicyMode::Warn)),
                (PolicyEngineName::Vap, None),
            ]
        );
    }
}
