//! Each kind of evidence rule, evaluated against a repository.

use globset::{Glob, GlobMatcher};
use serde_json::Value;

use super::Repository;
use super::document::{Document, lookup, same, show};
use super::policy::policies;
use super::reach::reachable;
use crate::model::{EvidenceRule, Expectation, FieldCheck, PolicyEngineName, PolicyMode};

/// The answer to one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Holds,
    DoesNotHold,
    /// A `manual` rule: a person checks it.
    Manual,
}

/// A verdict, and what it rests on: the file that shows it, or what is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub verdict: Verdict,
    pub reason: String,
}

impl Outcome {
    fn holding(reason: String) -> Outcome {
        Outcome {
            verdict: Verdict::Holds,
            reason,
        }
    }

    fn failing(reason: String) -> Outcome {
        Outcome {
            verdict: Verdict::DoesNotHold,
            reason,
        }
    }

    pub fn holds(&self) -> bool {
        self.verdict == Verdict::Holds
    }
}

const WORKFLOWS: &str = ".github/workflows";

/// Whether `rule` holds in `repo`, and why.
pub fn evaluate(repo: &Repository, rule: &EvidenceRule) -> Outcome {
    match rule {
        EvidenceRule::Path(glob) => path(repo, glob),
        EvidenceRule::Kind {
            kind,
            api_version,
            fields,
        } => kind_rule(repo, kind, api_version, fields),
        EvidenceRule::Workflow(pattern) => workflow(repo, pattern),
        EvidenceRule::WorkflowStep { run, uses } => {
            workflow_step(repo, run.as_deref(), uses.as_deref())
        }
        EvidenceRule::PolicyMode {
            engine,
            mode,
            every,
        } => policy_mode(repo, *engine, *mode, *every),
        EvidenceRule::Wired {
            from,
            kind,
            api_version,
        } => wired(repo, from, kind, api_version.as_deref()),
        EvidenceRule::AnyOf(rules) => {
            let outcomes: Vec<Outcome> = rules.iter().map(|rule| evaluate(repo, rule)).collect();
            match outcomes.iter().find(|outcome| outcome.holds()) {
                Some(found) => Outcome::holding(found.reason.clone()),
                None => Outcome::failing(format!(
                    "none of the alternatives holds: {}",
                    outcomes
                        .iter()
                        .map(|outcome| outcome.reason.as_str())
                        .collect::<Vec<_>>()
                        .join("; ")
                )),
            }
        }
        EvidenceRule::Manual(reason) => Outcome {
            verdict: Verdict::Manual,
            reason: format!("a person checks: {reason}"),
        },
    }
}

fn matcher(glob: &str) -> Result<GlobMatcher, Outcome> {
    Glob::new(glob)
        .map(|glob| glob.compile_matcher())
        .map_err(|error| Outcome::failing(format!("invalid glob `{glob}`: {}", error.kind())))
}

fn path(repo: &Repository, glob: &str) -> Outcome {
    let matcher = match matcher(glob) {
        Ok(matcher) => matcher,
        Err(outcome) => return outcome,
    };
    match repo.paths().find(|path| matcher.is_match(path)) {
        Some(found) => Outcome::holding(format!("`{found}` matches `{glob}`")),
        None => Outcome::failing(format!("no file matches `{glob}`")),
    }
}

/// `file` or `file` (document 2): where a document is, for a reason.
fn place(file: &str, document: &Document, repo: &Repository) -> String {
    if repo.documents(file).len() > 1 {
        format!("`{file}` (document {})", document.number)
    } else {
        format!("`{file}`")
    }
}

/// Why `check` fails on `document`, or `None` when it holds.
fn field_problem(document: &Document, check: &FieldCheck) -> Option<String> {
    let found = lookup(&document.value, check.path.segments());
    let path = &check.path;
    match &check.expect {
        Expectation::Present if found.is_empty() => Some(format!("`{path}` is missing")),
        Expectation::Absent if !found.is_empty() => Some(format!(
            "`{path}` is set (to `{}`) but must be absent",
            show(found[0])
        )),
        Expectation::Equals(want) if !found.iter().any(|value| same(value, want)) => {
            Some(match found.first() {
                None => format!("`{path}` is missing (want `{}`)", show(want)),
                Some(value) => format!("`{path}` is `{}`, not `{}`", show(value), show(want)),
            })
        }
        _ => None,
    }
}

fn kind_rule(repo: &Repository, kind: &str, api_version: &str, fields: &[FieldCheck]) -> Outcome {
    let candidates: Vec<(&str, &Document)> = repo
        .all_documents()
        .filter(|(_, document)| {
            document.kind() == Some(kind) && document.api_version() == Some(api_version)
        })
        .collect();
    if candidates.is_empty() {
        let other_version = repo
            .all_documents()
            .find(|(_, document)| document.kind() == Some(kind));
        let mut reason =
            format!("no YAML document declares `kind: {kind}` with `apiVersion: {api_version}`");
        if let Some((file, document)) = other_version {
            reason.push_str(&format!(
                " (`{file}` declares it with `apiVersion: {}`)",
                document.api_version().unwrap_or("none")
            ));
        }
        return Outcome::failing(reason);
    }
    let mut best: Option<(usize, String)> = None;
    for (file, document) in &candidates {
        let problems: Vec<String> = fields
            .iter()
            .filter_map(|check| field_problem(document, check))
            .collect();
        if problems.is_empty() {
            let with = if fields.is_empty() {
                String::new()
            } else {
                format!(
                    " with {}",
                    fields
                        .iter()
                        .map(|check| format!("`{}`", check.path))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            return Outcome::holding(format!(
                "{} declares {}{with}",
                place(file, document, repo),
                document.describe()
            ));
        }
        if best
            .as_ref()
            .is_none_or(|(count, _)| problems.len() < *count)
        {
            best = Some((
                problems.len(),
                format!(
                    "{} declares {}, but {}",
                    place(file, document, repo),
                    document.describe(),
                    problems.join(", ")
                ),
            ));
        }
    }
    let (_, closest) = best.unwrap_or_default();
    let others = candidates.len() - 1;
    Outcome::failing(if others == 0 {
        closest
    } else {
        format!(
            "{closest} (the closest of {} `{kind}` documents)",
            candidates.len()
        )
    })
}

/// The workflow files: `.github/workflows/*.yml` and `*.yaml`.
fn workflow_files(repo: &Repository) -> Vec<&str> {
    repo.files_under(WORKFLOWS)
        .filter(|path| {
            let name = &path[WORKFLOWS.len() + 1..];
            !name.contains('/') && (name.ends_with(".yml") || name.ends_with(".yaml"))
        })
        .collect()
}

fn compile(pattern: &str) -> Result<regex::Regex, Outcome> {
    regex::Regex::new(pattern)
        .map_err(|_| Outcome::failing(format!("invalid regular expression `{pattern}`")))
}

fn workflow(repo: &Repository, pattern: &str) -> Outcome {
    let regex = match compile(pattern) {
        Ok(regex) => regex,
        Err(outcome) => return outcome,
    };
    let files = workflow_files(repo);
    if files.is_empty() {
        return Outcome::failing(format!("there is no workflow under `{WORKFLOWS}/`"));
    }
    for file in &files {
        let text = String::from_utf8_lossy(repo.bytes(file).unwrap_or_default());
        if regex.is_match(&text) {
            return Outcome::holding(format!("`{file}` matches `{pattern}`"));
        }
    }
    Outcome::failing(format!(
        "no workflow matches `{pattern}` (read {})",
        quoted(&files)
    ))
}

fn quoted(items: &[&str]) -> String {
    items
        .iter()
        .map(|item| format!("`{item}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn workflow_step(repo: &Repository, run: Option<&str>, uses: Option<&str>) -> Outcome {
    let regex = match run.map(compile).transpose() {
        Ok(regex) => regex,
        Err(outcome) => return outcome,
    };
    let wanted = match (run, uses) {
        (Some(run), Some(uses)) => format!("uses `{uses}` and runs a script matching `{run}`"),
        (Some(run), None) => format!("runs a script matching `{run}`"),
        (None, Some(uses)) => format!("uses `{uses}`"),
        (None, None) => "does anything".to_string(),
    };
    let files = workflow_files(repo);
    if files.is_empty() {
        return Outcome::failing(format!(
            "no step {wanted}: there is no workflow under `{WORKFLOWS}/`"
        ));
    }
    let uses_matches = |value: Option<&Value>| match uses {
        None => true,
        Some(wanted) => {
            value
                .and_then(Value::as_str)
                .map(|value| value.split('@').next().unwrap_or_default().trim())
                == Some(wanted)
        }
    };
    let run_matches = |value: Option<&Value>| match &regex {
        None => true,
        Some(regex) => value
            .and_then(Value::as_str)
            .is_some_and(|script| regex.is_match(script)),
    };
    let mut steps = 0;
    let mut unreadable = Vec::new();
    for file in &files {
        if let Some(error) = repo.parse_error(file) {
            unreadable.push(format!("`{file}` does not parse ({error})"));
            continue;
        }
        for document in repo.documents(file) {
            let Some(jobs) = document.value.get("jobs").and_then(Value::as_object) else {
                continue;
            };
            for (job_id, job) in jobs {
                // A job that calls a reusable workflow has `uses` and no steps.
                if run.is_none() && uses_matches(job.get("uses")) && job.get("uses").is_some() {
                    return Outcome::holding(format!(
                        "`{file}`, job `{job_id}` uses `{}`",
                        uses.unwrap_or_default()
                    ));
                }
                let Some(list) = job.get("steps").and_then(Value::as_array) else {
                    continue;
                };
                for (index, step) in list.iter().enumerate() {
                    steps += 1;
                    if uses_matches(step.get("uses")) && run_matches(step.get("run")) {
                        let name = step.get("name").and_then(Value::as_str).map_or_else(
                            || format!("step {}", index + 1),
                            |name| format!("step `{name}`"),
                        );
                        return Outcome::holding(format!(
                            "`{file}`, job `{job_id}`, {name} {wanted}"
                        ));
                    }
                }
            }
        }
    }
    let mut reason = format!(
        "no step {wanted} (read {steps} steps in {})",
        quoted(&files)
    );
    if !unreadable.is_empty() {
        reason.push_str(&format!("; {}", unreadable.join("; ")));
    }
    Outcome::failing(reason)
}

fn policy_mode(
    repo: &Repository,
    engine: Option<PolicyEngineName>,
    mode: PolicyMode,
    every: bool,
) -> Outcome {
    let found: Vec<_> = policies(repo)
        .into_iter()
        .filter(|policy| engine.is_none_or(|engine| policy.engine == engine))
        .collect();
    let which = engine.map_or_else(
        || "admission".to_string(),
        |engine| engine.as_str().to_string(),
    );
    if found.is_empty() {
        return Outcome::failing(format!(
            "no {which} policy in the repository (read Kyverno ValidatingPolicy, ClusterPolicy and Policy, Gatekeeper constraints, ValidatingAdmissionPolicyBinding)"
        ));
    }
    let describe = |policy: &super::Policy| {
        let mode = policy.mode.map_or("in no valid mode", PolicyMode::as_str);
        format!(
            "`{}` {} is {mode} ({})",
            policy.file, policy.describe, policy.spelled
        )
    };
    let (matching, other): (Vec<_>, Vec<_>) =
        found.iter().partition(|policy| policy.mode == Some(mode));
    let mode_name = mode.as_str();
    if every {
        if other.is_empty() {
            return Outcome::holding(format!(
                "every {which} policy is {mode_name}: {} of them",
                found.len()
            ));
        }
        let listed: Vec<String> = other
            .iter()
            .take(3)
            .map(|policy| describe(policy))
            .collect();
        let more = if other.len() > 3 {
            format!(" and {} more", other.len() - 3)
        } else {
            String::new()
        };
        return Outcome::failing(format!(
            "{} of {} {which} policies are not {mode_name}: {}{more}",
            other.len(),
            found.len(),
            listed.join("; ")
        ));
    }
    match matching.first() {
        Some(policy) => Outcome::holding(describe(policy)),
        None => Outcome::failing(format!(
            "no {which} policy is {mode_name}: {}",
            found
                .iter()
                .take(3)
                .map(describe)
                .collect::<Vec<_>>()
                .join("; ")
        )),
    }
}

fn wired(repo: &Repository, from: &str, kind: &str, api_version: Option<&str>) -> Outcome {
    let matcher = match matcher(from) {
        Ok(matcher) => matcher,
        Err(outcome) => return outcome,
    };
    // A folder matches as `clusters/dev/` and as `clusters/dev`.
    let mut entries: Vec<String> = repo
        .folders()
        .iter()
        .filter(|folder| {
            matcher.is_match(format!("{folder}/")) || matcher.is_match(folder.as_str())
        })
        .cloned()
        .collect();
    entries.extend(
        repo.paths()
            .filter(|path| matcher.is_match(path))
            .map(String::from),
    );
    let what = match api_version {
        Some(api_version) => format!("`kind: {kind}` with `apiVersion: {api_version}`"),
        None => format!("`kind: {kind}`"),
    };
    if entries.is_empty() {
        return Outcome::failing(format!(
            "no entry point: nothing in the repository matches `{from}`"
        ));
    }
    let is_wanted = |document: &Document| {
        document.kind() == Some(kind)
            && api_version.is_none_or(|api| document.api_version() == Some(api))
    };
    let reach = reachable(repo, &entries);
    for file in reach.manifests.keys() {
        if let Some(document) = repo
            .documents(file)
            .iter()
            .find(|document| is_wanted(document))
        {
            return Outcome::holding(format!(
                "{} declares {}, reached by {}",
                place(file, document, repo),
                document.describe(),
                reach
                    .chain(file)
                    .iter()
                    .map(|step| format!("`{step}`"))
                    .collect::<Vec<_>>()
                    .join(" → ")
            ));
        }
    }
    let unreached = repo
        .all_documents()
        .find(|(_, document)| is_wanted(document));
    let mut reason = match unreached {
        Some((file, document)) => format!(
            "{} declares {}, but nothing from `{from}` reaches it",
            place(file, document, repo),
            document.describe()
        ),
        None => format!("no YAML document declares {what}"),
    };
    if !reach.broken.is_empty() {
        let broken: Vec<String> = reach
            .broken
            .iter()
            .take(3)
            .map(|link| {
                format!(
                    "`{}` `{}`: `{}` {}",
                    link.file, link.field, link.target, link.reason
                )
            })
            .collect();
        reason.push_str(&format!("; broken links: {}", broken.join("; ")));
    }
    Outcome::failing(reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FieldPath;

    fn repository(files: &[(&str, &str)]) -> Repository {
        Repository::new(
            files
                .iter()
                .map(|(path, text)| (path.to_string(), text.as_bytes().to_vec())),
        )
    }

    fn check(path: &str, expect: Expectation) -> FieldCheck {
        FieldCheck {
            path: FieldPath::parse(path).expect("path"),
            expect,
        }
    }

    const APPS: &str = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps}\nspec:\n  prune: true\n  wait: false\n  path: ./apps\n";

    fn kustomization_rule(fields: Vec<FieldCheck>) -> EvidenceRule {
        EvidenceRule::Kind {
            kind: "Kustomization".into(),
            api_version: "kustomize.toolkit.fluxcd.io/v1".into(),
            fields,
        }
    }

    #[test]
    fn a_kind_rule_names_the_field_that_is_missing_or_wrong() {
        let repo = repository(&[("clusters/dev/apps.yaml", APPS)]);
        let rule = kustomization_rule(vec![
            check("spec.prune", Expectation::Equals(Value::Bool(true))),
            check("spec.wait", Expectation::Equals(Value::Bool(true))),
            check("spec.dependsOn", Expectation::Present),
        ]);
        assert_eq!(
            evaluate(&repo, &rule),
            Outcome::failing("`clusters/dev/apps.yaml` declares Kustomization `apps`, but `spec.wait` is `false`, not `true`, `spec.dependsOn` is missing".into())
        );
        let rule = kustomization_rule(vec![
            check("spec.prune", Expectation::Equals(Value::Bool(true))),
            check("spec.timeout", Expectation::Absent),
        ]);
        assert_eq!(
            evaluate(&repo, &rule),
            Outcome::holding("`clusters/dev/apps.yaml` declares Kustomization `apps` with `spec.prune`, `spec.timeout`".into())
        );
    }

    #[test]
    fn a_kind_rule_without_fields_needs_the_kind_and_version() {
        let repo = repository(&[(
            "a.yaml",
            "apiVersion: kustomize.toolkit.fluxcd.io/v1beta2\nkind: Kustomization\n",
        )]);
        assert_eq!(
            evaluate(&repo, &kustomization_rule(Vec::new())),
            Outcome::failing("no YAML document declares `kind: Kustomization` with `apiVersion: kustomize.toolkit.fluxcd.io/v1` (`a.yaml` declares it with `apiVersion: kustomize.toolkit.fluxcd.io/v1beta2`)".into())
        );
        let repo = repository(&[("a.yaml", "---\nkind: X\n---\n"), ("b.yaml", APPS)]);
        assert!(evaluate(&repo, &kustomization_rule(Vec::new())).holds());
    }

    #[test]
    fn the_closest_candidate_is_reported() {
        let nearly = APPS.replace("wait: false", "wait: true");
        let repo = repository(&[("a.yaml", APPS), ("b.yaml", &nearly)]);
        let rule = kustomization_rule(vec![
            check("spec.wait", Expectation::Equals(Value::Bool(true))),
            check(
                "spec.dependsOn[*].name",
                Expectation::Equals(Value::from("infra")),
            ),
        ]);
        assert_eq!(
            evaluate(&repo, &rule).reason,
            "`b.yaml` declares Kustomization `apps`, but `spec.dependsOn[*].name` is missing (want `infra`) (the closest of 2 `Kustomization` documents)"
        );
    }

    const VALIDATE: &str = "name: validate\non: [pull_request]\njobs:\n  validate:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1\n      - name: Validate\n        run: |\n          kubectl kustomize apps/overlays/dev | kubeconform -strict -summary\n  release:\n    uses: slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@v2.1.0\n";

    #[test]
    fn a_workflow_step_matches_run_and_uses_on_one_step() {
        let repo = repository(&[
            (".github/workflows/validate.yaml", VALIDATE),
            (".github/workflows/notes/x.yaml", "jobs: {}\n"),
        ]);
        let rule = |run: Option<&str>, uses: Option<&str>| EvidenceRule::WorkflowStep {
            run: run.map(String::from),
            uses: uses.map(String::from),
        };
        assert_eq!(
            evaluate(&repo, &rule(Some("kubeconform +-strict"), None)),
            Outcome::holding("`.github/workflows/validate.yaml`, job `validate`, step `Validate` runs a script matching `kubeconform +-strict`".into())
        );
        assert!(evaluate(&repo, &rule(None, Some("actions/checkout"))).holds());
        assert!(evaluate(&repo, &rule(None, Some("slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml"))).holds());
        assert_eq!(
            evaluate(&repo, &rule(Some("kubeconform"), Some("actions/checkout"))),
            Outcome::failing("no step uses `actions/checkout` and runs a script matching `kubeconform` (read 2 steps in `.github/workflows/validate.yaml`)".into())
        );
        assert_eq!(
            evaluate(&repository(&[("README.md", "")]), &rule(Some("x"), None)).reason,
            "no step runs a script matching `x`: there is no workflow under `.github/workflows/`"
        );
    }

    #[test]
    fn a_workflow_regex_reads_the_text() {
        let repo = repository(&[(".github/workflows/validate.yaml", VALIDATE)]);
        assert!(evaluate(&repo, &EvidenceRule::Workflow("kubeconform".into())).holds());
        assert_eq!(
            evaluate(&repo, &EvidenceRule::Workflow("trivy".into())).reason,
            "no workflow matches `trivy` (read `.github/workflows/validate.yaml`)"
        );
    }

    #[test]
    fn policy_mode_needs_every_policy_of_the_engine_in_the_mode() {
        let repo = repository(&[
            (
                "policies/kyverno/a.yaml",
                "apiVersion: policies.kyverno.io/v1\nkind: ValidatingPolicy\nmetadata: {name: a}\nspec: {validationActions: [Deny]}\n",
            ),
            (
                "policies/kyverno/b.yaml",
                "apiVersion: policies.kyverno.io/v1\nkind: ValidatingPolicy\nmetadata: {name: b}\nspec: {validationActions: [Audit]}\n",
            ),
            (
                "policies/gatekeeper/c.yaml",
                "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sRequiredLabels\nmetadata: {name: c}\nspec: {enforcementAction: dryrun}\n",
            ),
        ]);
        let rule = |engine, mode, every| EvidenceRule::PolicyMode {
            engine,
            mode,
            every,
        };
        assert_eq!(
            evaluate(&repo, &rule(Some(PolicyEngineName::Kyverno), PolicyMode::Enforce, true)),
            Outcome::failing("1 of 2 kyverno policies are not enforce: `policies/kyverno/b.yaml` ValidatingPolicy `b` is audit (`spec.validationActions: [\"Audit\"]`)".into())
        );
        assert!(
            evaluate(
                &repo,
                &rule(Some(PolicyEngineName::Kyverno), PolicyMode::Enforce, false)
            )
            .holds()
        );
        assert!(
            evaluate(
                &repo,
                &rule(Some(PolicyEngineName::Gatekeeper), PolicyMode::Audit, true)
            )
            .holds()
        );
        assert!(!evaluate(&repo, &rule(None, PolicyMode::Audit, true)).holds());
        assert_eq!(
            evaluate(
                &repo,
                &rule(Some(PolicyEngineName::Vap), PolicyMode::Audit, true)
            )
            .reason,
            "no vap policy in the repository (read Kyverno ValidatingPolicy, ClusterPolicy and Policy, Gatekeeper constraints, ValidatingAdmissionPolicyBinding)"
        );
    }

    #[test]
    fn wired_follows_the_entry_points_and_says_what_is_not_reached() {
        let flux = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps}\nspec: {path: ./apps/overlays/dev}\n";
        let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n";
        let rule = EvidenceRule::Wired {
            from: "clusters/*/".into(),
            kind: "Deployment".into(),
            api_version: Some("apps/v1".into()),
        };
        let wired = repository(&[
            ("clusters/dev/apps.yaml", flux),
            (
                "apps/overlays/dev/kustomization.yaml",
                "resources: [../../base/web]\n",
            ),
            (
                "apps/base/web/kustomization.yaml",
                "resources: [deployment.yaml]\n",
            ),
            ("apps/base/web/deployment.yaml", deployment),
        ]);
        assert_eq!(
            evaluate(&wired, &rule),
            Outcome::holding("`apps/base/web/deployment.yaml` declares Deployment `web`, reached by `clusters/dev` → `clusters/dev/apps.yaml` → `apps/overlays/dev/kustomization.yaml` → `apps/base/web/kustomization.yaml` → `apps/base/web/deployment.yaml`".into())
        );
        let unwired = repository(&[
            ("clusters/dev/apps.yaml", flux),
            ("apps/base/web/deployment.yaml", deployment),
        ]);
        assert_eq!(
            evaluate(&unwired, &rule).reason,
            "`apps/base/web/deployment.yaml` declares Deployment `web`, but nothing from `clusters/*/` reaches it; broken links: `clusters/dev/apps.yaml` `spec.path`: `./apps/overlays/dev` no such folder"
        );
        assert_eq!(
            evaluate(&repository(&[("apps/a.yaml", deployment)]), &rule).reason,
            "no entry point: nothing in the repository matches `clusters/*/`"
        );
    }

    #[test]
    fn any_of_holds_with_one_alternative_and_manual_is_for_people() {
        let repo = repository(&[("docs/slo.md", "")]);
        let rule = EvidenceRule::AnyOf(vec![
            EvidenceRule::Path("docs/slos/*.md".into()),
            EvidenceRule::Path("docs/slo.md".into()),
        ]);
        assert_eq!(
            evaluate(&repo, &rule),
            Outcome::holding("`docs/slo.md` matches `docs/slo.md`".into())
        );
        let rule = EvidenceRule::AnyOf(vec![
            EvidenceRule::Path("x".into()),
            EvidenceRule::Path("y".into()),
        ]);
        assert_eq!(
            evaluate(&repo, &rule).reason,
            "none of the alternatives holds: no file matches `x`; no file matches `y`"
        );
        assert_eq!(
            evaluate(&repo, &EvidenceRule::Manual("m".into())).verdict,
            Verdict::Manual
        );
    }
}
