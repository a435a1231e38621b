#!/usr/bin/env python3
"""Validates every Kubernetes object in the YAML files of a generated platform repository.

    python3 scripts/validate_manifests.py [-v] DIR      (-v: also list every valid object)
    python3 scripts/validate_manifests.py DIR DIR...     (the matrix: see below)

Run it with the Python of scripts/install-validators (scripts/validate puts it first on PATH).

- Every YAML file is parsed, every document of it; a parse error is a failure.
- Built-in kinds (apiVersion without a group, a group without a dot, or a `*.k8s.io` group that
  kubernetes-validate knows) are checked by kubernetes-validate against Kubernetes 1.34, strict
  (unknown fields are errors).
- Other kinds (CRDs) are checked with jsonschema against
  ${LEVELUP_CRD_SCHEMAS:-<levelup repo>/../shared/schemas/crds}/{group}/{kind}_{version}.json.
  A kind with no schema is a failure, never a pass.
- Gatekeeper constraints (group constraints.gatekeeper.sh) are checked against the parameters
  schema of the ConstraintTemplate of the same kind found in DIR.
- Not cluster objects, so not checked: `.git/`, `.github/`, `.levelup/`, Helm charts' Chart.yaml,
  values*.yaml and templates/, the values of a chart charts/<app> per environment
  (apps/overlays/<env>/<app>-values.yaml), the values files an Argo CD source reads as
  `$values/<path>` (a platform controller's remote chart), the root levelup.yaml, kustomization files and the patch and
  generator files they name, Kyverno CLI files (group cli.kyverno.io: Test, Values, ...) and
  Gatekeeper test suites (kind Suite).

- Objects another controller creates or scales must not also come from git, within one file (a
  rendered kustomization or chart is one file): the Services and the `-primary` copies Flagger
  makes for a Canary; a second scaler (HorizontalPodAutoscaler or KEDA ScaledObject) of a
  workload that already has one; a scaler of a Deployment whose pods an Argo Rollout runs
  (`workloadRef`), which the Rollout scales to zero. Either would be reset on every sync.

When the schema folder is missing the CRD check is skipped with a loud warning, unless CI=true,
where that is a failure. Each failure is reported with file, document number (1-based) and line,
kind/name, and the validator's message.

With several DIRs (scripts/validate_matrix.py passes the 120 repositories of the matrix, or their
distinct rendered sets) every file is parsed once per distinct content and every object validated
once per distinct content and context, in one process; an identical failure is printed once,
followed by `in: DIR-NAME...` naming every folder it occurs in. Exit code: 0 when every object is valid, 1 otherwise,
2 on bad usage.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    import jsonschema
    import kubernetes_validate
    import yaml
    from kubernetes_validate import utils as kv_utils
except ImportError as error:  # pragma: no cover - a setup problem, not a validation result
    sys.stderr.write(
        f"validate_manifests: {error}. Run it with the Python that scripts/install-validators "
        "installs (scripts/validate does).\n"
    )
    sys.exit(2)

KUBERNETES_VERSION = "1.34"
SKIP_DIRS = {".git", ".github", ".levelup", "node_modules"}
KUSTOMIZATION_NAMES = {"kustomization.yaml", "kustomization.yml", "Kustomization"}
GATEKEEPER_CONSTRAINTS = "constraints.gatekeeper.sh"
GATEKEEPER_TEMPLATES = "templates.gatekeeper.sh"


# ------------------------------------------------------------------------------ YAML loading
class Loader(yaml.SafeLoader):
    """SafeLoader that keeps timestamps as strings, as Kubernetes' own YAML decoding does."""


Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_documents(text: str) -> list[tuple[int, Any]]:
    """Every document of the text with the line (1-based) it starts on."""
    loader = Loader(text)
    documents = []
    try:
        while loader.check_node():
            node = loader.get_node()
            line = node.start_mark.line + 1 if node is not None else 0
            documents.append((line, loader.construct_document(node) if node is not None else None))
    finally:
        loader.dispose()
    return documents


# ------------------------------------------------------------------------------ results
@dataclass
class Report:
    root: Path
    valid: int = 0
    invalid: int = 0
    failures: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    passes: list[str] = field(default_factory=list)

    def fail(self, where: str, what: str, message: str) -> None:
        self.failures.append(f"FAIL {where} {what}: {message}")

    def skip(self, where: str, what: str, why: str) -> None:
        self.skipped.append(f"skip {where}{' ' + what if what else ''}: {why}")


@dataclass
class Document:
    path: Path
    rel: str
    index: int  # 1-based
    line: int
    obj: Any

    @property
    def where(self) -> str:
        return f"{self.rel} (document {self.index}, line {self.line})"

    @property
    def what(self) -> str:
        if not isinstance(self.obj, dict):
            return "-"
        metadata = self.obj.get("metadata") if isinstance(self.obj.get("metadata"), dict) else {}
        return f"{self.obj.get('kind', '?')}/{metadata.get('name', '?')}"


def split_api_version(api_version: str) -> tuple[str, str]:
    if "/" in api_version:
        group, version = api_version.rsplit("/", 1)
        return group, version
    return "", api_version


# ------------------------------------------------------------------------------ which files
def chart_dirs(root: Path) -> set[Path]:
    return {chart.parent for chart in root.rglob("Chart.yaml") if not skipped_dir(root, chart)}


def skipped_dir(root: Path, path: Path) -> bool:
    return any(part in SKIP_DIRS for part in path.relative_to(root).parts[:-1])


def referenced_by_kustomizations(root: Path) -> dict[Path, str]:
    """Patch and generator files named by a kustomization: partial objects or plain data."""
    referenced: dict[Path, str] = {}
    for name in KUSTOMIZATION_NAMES:
        for kustomization in root.rglob(name):
            if skipped_dir(root, kustomization):
                continue
            try:
                documents = load_documents(kustomization.read_text(encoding="utf-8"))
            except (yaml.YAMLError, UnicodeDecodeError):
                continue  # reported by yamllint and by kubectl kustomize
            for _, data in documents:
                if not isinstance(data, dict):
                    continue
                base = kustomization.parent
                for patch in data.get("patches") or []:
                    if isinstance(patch, dict) and isinstance(patch.get("path"), str):
                        referenced[(base / patch["path"]).resolve()] = "a kustomize patch"
                for key in ("patchesStrategicMerge", "patchesJson6902"):
                    for patch in data.get(key) or []:
                        path = patch.get("path") if isinstance(patch, dict) else patch
                        if isinstance(path, str) and "\n" not in path:
                            referenced[(base / path).resolve()] = "a kustomize patch"
                for key in ("configMapGenerator", "secretGenerator"):
                    for generator in data.get(key) or []:
                        if not isinstance(generator, dict):
                            continue
                        for entry in (generator.get("files") or []) + (generator.get("envs") or []):
                            if isinstance(entry, str):
                                source = entry.split("=", 1)[-1]
                                referenced[(base / source).resolve()] = "kustomize generator data"
                        env = generator.get("env")
                        if isinstance(env, str):
                            referenced[(base / env).resolve()] = "kustomize generator data"
    return referenced


def argocd_value_files(root: Path) -> dict[Path, str]:
    """Helm values of this repository that an Argo CD source names as `$values/<path>`."""
    referenced: dict[Path, str] = {}
    for path in root.rglob("*.y*ml"):
        if not path.is_file() or skipped_dir(root, path):
            continue
        try:
            text = path.read_text(encoding="utf-8")
            if "$values/" not in text:
                continue
            documents = load_documents(text)
        except (yaml.YAMLError, UnicodeDecodeError):
            continue  # reported by yamllint
        for _, data in documents:
            if not isinstance(data, dict) or data.get("kind") not in ("Application", "ApplicationSet"):
                continue
            spec = data.get("spec") if isinstance(data.get("spec"), dict) else {}
            if data.get("kind") == "ApplicationSet":
                template = spec.get("template") if isinstance(spec.get("template"), dict) else {}
                spec = template.get("spec") if isinstance(template.get("spec"), dict) else {}
            sources = list(spec.get("sources") or []) + [spec.get("source")]
            for source in sources:
                helm = source.get("helm") if isinstance(source, dict) else None
                for entry in (helm.get("valueFiles") or []) if isinstance(helm, dict) else []:
                    if isinstance(entry, str) and entry.startswith("$values/"):
                        referenced[(root / entry[len("$values/"):]).resolve()] = "Helm values an Argo CD source reads"
    return referenced


def yaml_files(root: Path, report: Report) -> list[Path]:
    charts = chart_dirs(root)
    referenced = argocd_value_files(root) | referenced_by_kustomizations(root)
    files = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix not in (".yaml", ".yml") or skipped_dir(root, path):
            continue
        rel = path.relative_to(root).as_posix()
        reason = None
        if path.name in KUSTOMIZATION_NAMES:
            reason = "a kustomization, not a cluster object"
        elif path.parent == root and path.name == "levelup.yaml":
            reason = "levelup's configuration, not a cluster object"
        elif path.name.endswith("-values.yaml") and path.parent.parent == root / "apps" / "overlays" and (root / "charts" / path.name[: -len("-values.yaml")] / "Chart.yaml").is_file():
            reason = "Helm values of an environment (checked by helm lint and helm template with them)"
        elif path.resolve() in referenced:
            reason = referenced[path.resolve()] + ", not a whole object"
        else:
            for chart in charts:
                if chart in path.parents:
                    inside = path.relative_to(chart).parts
                    if inside[0] == "templates":
                        reason = "a Helm template (checked by helm lint and helm template)"
                    elif len(inside) == 1 and (path.name == "Chart.yaml" or path.name.startswith("values")):
                        reason = "Helm chart metadata or values"
                    break
        if reason:
            report.skip(rel, "", reason)
        else:
            files.append(path)
    return files


def not_a_cluster_object(obj: dict) -> str | None:
    group, _ = split_api_version(str(obj.get("apiVersion", "")))
    kind = obj.get("kind")
    if group == "cli.kyverno.io":
        return f"a Kyverno CLI file (kind {kind})"
    if kind == "Suite" and group.endswith("gatekeeper.sh"):
        return "a Gatekeeper test suite"
    if kind in ("Kustomization", "Component") and group == "kustomize.config.k8s.io":
        return "a kustomization, not a cluster object"
    return None


# ------------------------------------------------------------------------------ validators
def known_builtin_groups() -> set[str]:
    """The API groups kubernetes-validate has schemas for, read from its own definitions."""
    version = [v for v in kv_utils.all_versions() if kv_utils.major_minor(v) <= KUBERNETES_VERSION][-1]
    definitions = kv_utils.schema_contents(
        f"kubernetes-json-schema/v{version}-local-strict/_definitions.json", KUBERNETES_VERSION
    )
    groups = set()
    for definition in definitions.get("$defs", definitions.get("definitions", {})).values():
        for gvk in definition.get("x-kubernetes-group-version-kind", []):
            groups.add(gvk.get("group", ""))
    return groups


def is_builtin(group: str, builtin_groups: set[str]) -> bool:
    if "." not in group:
        return True
    return group.endswith(".k8s.io") and group in builtin_groups


def error_path(error: jsonschema.ValidationError) -> str:
    return ".".join(str(part) for part in error.absolute_path) or "(root)"


def validate_builtin(doc: Document, report: Report) -> bool:
    try:
        kubernetes_validate.validate(doc.obj, KUBERNETES_VERSION, strict=True)
        return True
    except kubernetes_validate.ValidationError as error:
        report.fail(doc.where, doc.what, f"kubernetes-validate {error.version}: {error_path(error)}: {error.message}")
    except kubernetes_validate.SchemaNotFoundError as error:
        report.fail(doc.where, doc.what, f"no schema: {error.message}")
    except Exception as error:  # noqa: BLE001 - any other problem is a failure too
        report.fail(doc.where, doc.what, f"kubernetes-validate could not check it: {error}")
    return False


def validate_with_schema(doc: Document, report: Report, schema: dict, source: str) -> bool:
    validator_class = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
    try:
        validator_class.check_schema(schema)
    except jsonschema.SchemaError as error:
        report.fail(doc.where, doc.what, f"the schema {source} is itself invalid: {error.message}")
        return False
    errors = sorted(validator_class(schema).iter_errors(doc.obj), key=lambda e: list(e.absolute_path))
    for error in errors:
        report.fail(doc.where, doc.what, f"{source}: {error_path(error)}: {error.message}")
    return not errors


GO_ANCHORED_FLAGS = re.compile(r"^\^\(\?([a-zA-Z]+)\)")


def python_patterns(node: Any) -> Any:
    """The schema with its `pattern`s readable by Python's re. CRD schemas are written for Go's
    regexp, which takes inline flags anywhere: prometheus-operator's PrometheusRule has
    `^(?i)(abort|warn)?$`, which Python (3.11+) refuses unless the flags come first, and
    check_schema would call the whole schema invalid. `^(?i)...` and `(?i)^...` mean the same."""
    if isinstance(node, dict):
        out = {key: python_patterns(value) for key, value in node.items()}
        pattern = node.get("pattern")
        if isinstance(pattern, str):
            out["pattern"] = GO_ANCHORED_FLAGS.sub(r"(?\1)^", pattern)
        return out
    if isinstance(node, list):
        return [python_patterns(item) for item in node]
    return node


class CrdSchemas:
    def __init__(self, folder: Path):
        self.folder = folder
        self.cache: dict[Path, Any] = {}

    def get(self, group: str, version: str, kind: str) -> tuple[Path, Any]:
        path = self.folder / group / f"{kind.lower()}_{version}.json"
        if path not in self.cache:
            self.cache[path] = (
                python_patterns(json.loads(path.read_text(encoding="utf-8"))) if path.is_file() else None
            )
        return path, self.cache[path]


def constraint_schemas(documents: list[Document]) -> dict[str, list[tuple[Document, Any]]]:
    """Gatekeeper constraint kind -> [(its ConstraintTemplate, the parameters schema or None)]."""
    found: dict[str, list[tuple[Document, Any]]] = {}
    for doc in documents:
        obj = doc.obj
        if not isinstance(obj, dict) or obj.get("kind") != "ConstraintTemplate":
            continue
        if split_api_version(str(obj.get("apiVersion", "")))[0] != GATEKEEPER_TEMPLATES:
            continue
        crd = ((obj.get("spec") or {}).get("crd") or {}).get("spec") or {}
        kind = (crd.get("names") or {}).get("kind")
        if isinstance(kind, str):
            schema = (crd.get("validation") or {}).get("openAPIV3Schema")
            found.setdefault(kind, []).append((doc, schema))
    return found


def validate_constraint(doc: Document, report: Report, templates: dict) -> bool:
    kind = doc.obj.get("kind")
    candidates = templates.get(kind, [])
    if not candidates:
        report.fail(doc.where, doc.what, f"no schema: no ConstraintTemplate for kind {kind} in the repository")
        return False
    template, parameters = candidates[0]
    source = f"ConstraintTemplate {template.what} ({template.rel})"
    if parameters is None:
        if (doc.obj.get("spec") or {}).get("parameters") is not None:
            report.fail(doc.where, doc.what, f"{source} declares no parameters schema, yet the constraint has parameters")
            return False
        return True
    schema = {"type": "object", "properties": {"spec": {"type": "object", "properties": {"parameters": parameters}}}}
    return validate_with_schema(doc, report, schema, source)


# ------------------------------------------------------------------------------ main
def default_schema_folder() -> Path:
    repo = Path(__file__).resolve().parent.parent
    return repo.parent / "shared" / "schemas" / "crds"


class Caches:
    """What several DIRs share: parsed files by content, validation results by object and context.

    A result depends only on the object and, for a Gatekeeper constraint, on the ConstraintTemplates
    beside it, so the key is the object's canonical JSON plus that context; the messages are kept
    without the file name, which is added back for each DIR."""

    def __init__(self) -> None:
        self.parsed: dict[bytes, Any] = {}
        self.results: dict[str, tuple[bool, list[str], str]] = {}


def parse_file(path: Path, caches: Caches) -> Any:
    """The documents of a file as [(line, obj)], or the YAML error; parsed once per content."""
    data = path.read_bytes()
    if data not in caches.parsed:
        try:
            caches.parsed[data] = load_documents(data.decode("utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as error:
            caches.parsed[data] = error
    return caches.parsed[data]


def check_root(root: Path, schemas: CrdSchemas, builtin_groups: set[str], crd_check: bool, caches: Caches) -> tuple[Report, int]:
    report = Report(root)
    documents: list[Document] = []
    for path in yaml_files(root, report):
        rel = path.relative_to(root).as_posix()
        loaded = parse_file(path, caches)
        if isinstance(loaded, Exception):
            report.fail(rel, "-", f"does not parse: {' '.join(str(loaded).split())}")
            report.invalid += 1
            continue
        for index, (line, obj) in enumerate(loaded, start=1):
            if obj is None:
                continue  # an empty document
            if isinstance(obj, dict) and obj.get("kind") == "List" and obj.get("apiVersion") == "v1":
                for item in obj.get("items") or []:
                    documents.append(Document(path, rel, index, line, item))
                continue
            documents.append(Document(path, rel, index, line, obj))

    templates = constraint_schemas(documents)
    by_file: dict[Path, list[Document]] = {}
    for doc in documents:
        by_file.setdefault(doc.path, []).append(doc)
    for docs in by_file.values():
        for doc, message in ownership_problems(docs):
            report.fail(doc.where, doc.what, message)
            report.invalid += 1
    crd_skipped = 0
    for doc in documents:
        obj = doc.obj
        if not isinstance(obj, dict) or not isinstance(obj.get("apiVersion"), str) or not isinstance(obj.get("kind"), str):
            report.fail(doc.where, doc.what, "not a Kubernetes object: apiVersion and kind must be strings")
            report.invalid += 1
            continue
        reason = not_a_cluster_object(obj)
        if reason:
            report.skip(doc.where, doc.what, reason)
            continue
        group, version = split_api_version(obj["apiVersion"])
        if group not in (GATEKEEPER_CONSTRAINTS,) and not is_builtin(group, builtin_groups) and not crd_check:
            crd_skipped += 1
            report.skip(doc.where, doc.what, "custom resource: no schema folder")
            continue
        context = ""
        if group == GATEKEEPER_CONSTRAINTS:
            context = json.dumps([schema for _, schema in templates.get(obj["kind"], [])[:1]], sort_keys=True, default=str)
            context += "|" + ",".join(f"{t.what} ({t.rel})" for t, _ in templates.get(obj["kind"], [])[:1])
        key = json.dumps(obj, sort_keys=True, default=str) + "\0" + context
        if key not in caches.results:
            # Validate against a throwaway report, so that the messages can be reused for each DIR.
            scratch = Report(root)
            ok, via = validate_object(doc, scratch, templates, builtin_groups, schemas)
            prefix = f"FAIL {doc.where} {doc.what}: "
            caches.results[key] = (ok, [line[len(prefix):] if line.startswith(prefix) else line for line in scratch.failures], via)
        ok, messages, via = caches.results[key]
        for message in messages:
            report.fail(doc.where, doc.what, message)
        if ok:
            report.valid += 1
            report.passes.append(f"ok   {doc.where} {doc.what}: {via}")
        else:
            report.invalid += 1
    return report, crd_skipped


# ------------------------------------------------------------------------------ ownership
def meta(obj: dict, key: str) -> str:
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    value = metadata.get(key)
    return value if isinstance(value, str) else ""


def text_or(value: Any, default: str) -> str:
    """A string field of a reference, or the default when it is missing or not a string."""
    return value if isinstance(value, str) and value else default


def spec_at(obj: dict, *keys: str) -> Any:
    value: Any = obj.get("spec")
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def scale_target(doc: Document) -> tuple[str, str] | None:
    """(kind, name) a HorizontalPodAutoscaler or a KEDA ScaledObject scales, else None."""
    obj = doc.obj
    group, _ = split_api_version(obj.get("apiVersion", ""))
    if (group, obj.get("kind")) not in (("autoscaling", "HorizontalPodAutoscaler"), ("keda.sh", "ScaledObject")):
        return None
    ref = spec_at(obj, "scaleTargetRef")
    if not isinstance(ref, dict) or not isinstance(ref.get("name"), str):
        return None
    return text_or(ref.get("kind"), "Deployment"), ref["name"]


def ownership_problems(documents: list[Document]) -> list[tuple[Document, str]]:
    """Objects of one file that another object of the same file says a controller owns."""
    # Only well-formed objects: the others are reported as "not a Kubernetes object".
    objects = [
        d for d in documents
        if isinstance(d.obj, dict) and isinstance(d.obj.get("kind"), str) and isinstance(d.obj.get("apiVersion"), str)
    ]
    by_name: dict[tuple[str, str, str], Document] = {}
    for doc in objects:
        by_name.setdefault((meta(doc.obj, "namespace"), doc.obj["kind"], meta(doc.obj, "name")), doc)
    problems: list[tuple[Document, str]] = []

    def owned(namespace: str, kind: str, name: str, why: str) -> None:
        doc = by_name.get((namespace, kind, name))
        if doc is not None:
            problems.append((doc, why))

    scalers: dict[tuple[str, str, str], list[Document]] = {}
    for doc in objects:
        obj, namespace = doc.obj, meta(doc.obj, "namespace")
        group, _ = split_api_version(obj.get("apiVersion", ""))
        target = scale_target(doc)
        if target:
            scalers.setdefault((namespace, *target), []).append(doc)
        if group == "flagger.app" and obj["kind"] == "Canary":
            target_ref = spec_at(obj, "targetRef") or {}
            target_name = target_ref.get("name") if isinstance(target_ref, dict) else None
            if not isinstance(target_name, str):
                continue
            service = text_or(spec_at(obj, "service", "name"), target_name)
            canary = f"the Canary {meta(obj, 'name')} ({doc.rel})"
            for name in (service, f"{service}-primary", f"{service}-canary"):
                owned(
                    namespace,
                    "Service",
                    name,
                    f"Flagger creates this Service for {canary}: from git it is reset on every sync, "
                    "taking the traffic back from the canary; leave it out of this build (a kustomize "
                    "component that deletes it, or the chart's service.enabled: false)",
                )
            owned(namespace, text_or(target_ref.get("kind"), "Deployment"), f"{target_name}-primary", f"Flagger creates this copy for {canary}")
            scaler = spec_at(obj, "autoscalerRef")
            if isinstance(scaler, dict) and isinstance(scaler.get("name"), str):
                owned(namespace, text_or(scaler.get("kind"), ""), f"{scaler['name']}-primary", f"Flagger creates this copy for {canary}")
        if group == "argoproj.io" and obj["kind"] == "Rollout":
            workload = spec_at(obj, "workloadRef")
            if isinstance(workload, dict) and isinstance(workload.get("name"), str):
                workload_kind = text_or(workload.get("kind"), "Deployment")
                for scaler in scalers_of(objects, namespace, workload_kind, workload["name"]):
                    problems.append(
                        (
                            scaler,
                            f"it scales {workload_kind}/{workload['name']}, whose pods the Rollout "
                            f"{meta(obj, 'name')} ({doc.rel}) runs and which it scales down: scale the Rollout instead",
                        )
                    )
    for (_, kind, name), found in scalers.items():
        for doc in found[1:]:
            problems.append(
                (
                    doc,
                    f"{kind}/{name} already has a scaler, {found[0].what} ({found[0].rel}): two scalers of one "
                    "workload undo each other's replica counts (KEDA makes its own HPA; remove the other)",
                )
            )
    return problems


def scalers_of(objects: list[Document], namespace: str, kind: str, name: str) -> list[Document]:
    return [d for d in objects if meta(d.obj, "namespace") == namespace and scale_target(d) == (kind, name)]


def validate_object(doc: Document, report: Report, templates: dict, builtin_groups: set[str], schemas: CrdSchemas) -> tuple[bool, str]:
    obj = doc.obj
    group, version = split_api_version(obj["apiVersion"])
    if group == GATEKEEPER_CONSTRAINTS:
        return validate_constraint(doc, report, templates), "parameters schema of its ConstraintTemplate"
    if is_builtin(group, builtin_groups):
        return validate_builtin(doc, report), f"kubernetes-validate {KUBERNETES_VERSION}, strict"
    path, schema = schemas.get(group, version, obj["kind"])
    if schema is None:
        report.fail(
            doc.where,
            doc.what,
            f"no schema for {obj['kind']} {obj['apiVersion']}: {path} does not exist "
            "(a kind without a schema is a failure)",
        )
        return False, ""
    via = f"schema {group}/{path.name}"
    return validate_with_schema(doc, report, schema, via), via


def main(argv: list[str]) -> int:
    args = argv[1:]
    verbose = bool(args) and args[0] in ("-v", "--verbose")
    if verbose:
        args = args[1:]
    if not args or args[0] in ("-h", "--help"):
        sys.stderr.write("usage: validate_manifests.py [-v] DIR...\n")
        return 2
    for arg in args:
        if not Path(arg).is_dir():
            sys.stderr.write(f"validate_manifests: {arg} is not a folder\n")
            return 2
    roots = [Path(arg).resolve() for arg in args]

    schema_folder = Path(os.environ.get("LEVELUP_CRD_SCHEMAS") or default_schema_folder())
    crd_check = schema_folder.is_dir()
    setup_failures = []
    if not crd_check:
        banner = "!" * 78
        if os.environ.get("CI") == "true":
            setup_failures.append(f"FAIL the CRD schema folder {schema_folder} does not exist (CI=true: no skipping)")
        else:
            sys.stderr.write(
                f"{banner}\nWARNING: the CRD schema folder {schema_folder} does not exist: custom resources\n"
                f"are NOT validated. Set LEVELUP_CRD_SCHEMAS or put shared/ beside the repository.\n{banner}\n"
            )
    schemas = CrdSchemas(schema_folder)
    builtin_groups = known_builtin_groups()
    caches = Caches()

    if len(roots) == 1:
        report, crd_skipped = check_root(roots[0], schemas, builtin_groups, crd_check, caches)
        failures = setup_failures + report.failures
        for line in report.skipped + (report.passes if verbose else []):
            print(line)
        for line in failures:
            print(line)
        summary = f"manifests: {report.valid} valid, {report.invalid} invalid, {len(report.skipped)} skipped"
        if crd_skipped:
            summary += f" (WARNING: {crd_skipped} custom resources NOT checked)"
        print(summary)
        return 1 if failures else 0

    # The matrix: the same checks per DIR, failures grouped so that each is printed once with the
    # folders (repository or rendered-set names) it occurs in.
    where: dict[str, list[str]] = {}
    valid = invalid = skipped = crd_skipped = 0
    for root in roots:
        report, crd = check_root(root, schemas, builtin_groups, crd_check, caches)
        valid, invalid, skipped, crd_skipped = valid + report.valid, invalid + report.invalid, skipped + len(report.skipped), crd_skipped + crd
        for line in report.failures:
            where.setdefault(line, []).append(root.name)
    for line in setup_failures:
        print(line)
    for line, names in where.items():
        print(line)
        print(f"     in: {' '.join(names)}")
    summary = (
        f"manifests: {len(roots)} folders, {len(caches.parsed)} distinct files, {len(caches.results)} distinct objects checked; "
        f"in all {valid} valid, {invalid} invalid, {skipped} skipped"
    )
    if crd_skipped:
        summary += f" (WARNING: {crd_skipped} custom resources NOT checked)"
    print(summary)
    return 1 if where or setup_failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
