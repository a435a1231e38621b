#!/usr/bin/env python3
"""Runs the checks of scripts/validate on many repositories at once, each distinct input only once.

    scripts/validate --matrix DIR...     (this script is not meant to be called directly: scripts/validate
                                          installs the tools, puts them on PATH and passes the skip lists)

The validation matrix (scripts/validate-samples) is 120 repositories that share most of their files.
Running every validator on every repository would take hours on 2 cores; running it on each distinct
input gives the same verdict, because every check here depends only on the content of what it reads:

- yamllint: once per distinct file content (its config is passed inline, nothing else is read);
- manifests (scripts/validate_manifests.py): one process over every repository, which parses each
  distinct file and validates each distinct object once;
- kubectl kustomize: once per distinct *input tree*: the kustomization file and every local file or
  folder it names, recursively, with their paths relative to the kustomization (a remote or unreadable
  reference makes the key the whole repository, which is always safe);
- helm lint/template and the render of a chart: once per distinct chart folder and set of values
  files (apps/overlays/<env>/<chart>-values.yaml), rendered with its defaults and with each;
- actionlint, the workflow rules (check_pins.py), zizmor, checkov github_actions and shellcheck of
  scripts/: once per distinct `.github/` and `scripts/` folders;
- placeholders (the marker LEVELUP-PLACEHOLDER, in a file that needs a value levelup.yaml does not give
  yet): once per distinct file content; a failure, or with --allow-placeholders a loud warning that
  names every file and repository holding one;
- the rendered set of a repository (every apps/overlays/* built, every chart rendered, as in
  scripts/validate) is keyed by the content of what was rendered; each distinct set is materialised
  once, then schema-checked, and scanned by trivy and checkov once.

A failure names every repository and file it affects: the folder names of the matrix are
`gitops-policy-provider-level`, so each can be reproduced with one `levelup init`. Checks run in
parallel (--jobs). The last line is `N passed, N failed`, counting each distinct check once.
Exit code 1 when any check failed, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import yaml

import check_markdown  # beside this script

HERE = Path(__file__).resolve().parent
SKIP_DIRS = {".git", ".levelup", "node_modules"}
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
YAMLLINT_BATCH = 200  # files per yamllint process: few processes, and argv stays short


# ------------------------------------------------------------------------------ results
@dataclass
class Check:
    label: str
    ok: bool
    output: str
    affects: list[str] = field(default_factory=list)  # "repo: path" lines


@dataclass
class Run:
    checks: list[Check] = field(default_factory=list)
    phases: list[tuple[str, float, int]] = field(default_factory=list)  # name, seconds, checks

    def phase(self, name: str, checks: list[Check], started: float) -> None:
        self.checks.extend(checks)
        self.phases.append((name, time.monotonic() - started, len(checks)))
        failed = [c for c in checks if not c.ok]
        print(f"---- {name}: {len(checks) - len(failed)} passed, {len(failed)} failed ({time.monotonic() - started:.1f}s)", flush=True)
        for check in failed:
            print(f"  FAIL  {check.label}")
            for line in affects_lines(check.affects):
                print(f"        {line}")
            for line in check.output.rstrip().splitlines():
                print(f"        | {line}")


def affects_lines(affects: list[str]) -> list[str]:
    """`repo: path` entries grouped by path, so a file shared by 60 repositories is one paragraph."""
    by_path: dict[str, list[str]] = {}
    for entry in affects:
        repo, _, path = entry.partition(": ")
        by_path.setdefault(path, []).append(repo)
    lines = []
    for path, repos in by_path.items():
        head = f"affects {path} in" if path else "affects"
        lines.extend(textwrap.wrap(f"{head} {len(repos)} repositories: {' '.join(repos)}", 110, subsequent_indent="    ", break_on_hyphens=False))
    return lines


def run(cmd: list[str], cwd: Path | None = None) -> tuple[bool, str]:
    done = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
    return done.returncode == 0, done.stdout


def digest(parts: list[str]) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


HASHES: dict[Path, str] = {}  # every file is read and hashed once per run


def file_hash(path: Path) -> str:
    if path not in HASHES:
        HASHES[path] = hashlib.sha256(path.read_bytes()).hexdigest()
    return HASHES[path]


def tree_files(root: Path) -> list[Path]:
    """Every file under root, outside .git/.levelup/node_modules, sorted."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        found.extend(Path(folder) / name for name in sorted(files))
    return found


def tree_key(root: Path, base: Path | None = None) -> str:
    """The content of a folder: each file's path (relative to base, default root) and hash."""
    base = base or root
    return digest([f"{os.path.relpath(f, base)}={file_hash(f)}" for f in tree_files(root)])


# ------------------------------------------------------------------------------ a repository
@dataclass
class Repo:
    path: Path
    files: list[Path]
    charts: list[Path]

    @property
    def name(self) -> str:
        return self.path.name

    def rel(self, path: Path) -> str:
        return path.relative_to(self.path).as_posix()


def load_repo(path: Path) -> Repo:
    files = tree_files(path)
    charts = sorted(f.parent for f in files if f.name == "Chart.yaml")
    return Repo(path, files, charts)


def lint_files(repo: Repo) -> list[Path]:
    """The YAML files scripts/validate lints: all of them but chart templates."""
    return [
        f
        for f in repo.files
        if f.suffix in (".yaml", ".yml") and not any(chart / "templates" in f.parents for chart in repo.charts)
    ]


def chart_values(repo: Repo, chart: Path) -> list[Path]:
    """The values files of charts/<app> per environment: apps/overlays/<env>/<app>-values.yaml."""
    overlays = repo.path / "apps" / "overlays"
    return sorted(f for f in repo.files if f.parent.parent == overlays and f.name == f"{chart.name}-values.yaml")


def kustomization_file(folder: Path) -> Path | None:
    for name in KUSTOMIZATION_NAMES:
        if (folder / name).is_file():
            return folder / name
    return None


def kustomize_inputs(folder: Path, repo: Repo, seen: set[Path]) -> list[Path] | None:
    """Every local file a kustomization reads, recursively; None when that cannot be known."""
    kfile = kustomization_file(folder)
    if kfile is None or folder in seen:
        return [] if folder in seen else None
    seen.add(folder)
    try:
        data = yaml.safe_load(kfile.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    named: list[str] = []
    for key in ("resources", "bases", "components", "crds", "configurations", "transformers", "generators", "validators", "patchesStrategicMerge"):
        named.extend(entry for entry in data.get(key) or [] if isinstance(entry, str))
    for key in ("patches", "patchesJson6902", "replacements"):
        named.extend(entry["path"] for entry in data.get(key) or [] if isinstance(entry, dict) and isinstance(entry.get("path"), str))
    for key in ("configMapGenerator", "secretGenerator"):
        for generator in data.get(key) or []:
            if isinstance(generator, dict):
                entries = (generator.get("files") or []) + (generator.get("envs") or []) + [generator.get("env") or ""]
                named.extend(str(entry).split("=", 1)[-1] for entry in entries if entry)
    if data.get("helmCharts") or data.get("helmGlobals") or isinstance(data.get("openapi"), dict):
        return None  # reads charts or schemas from elsewhere: key on the whole repository
    inputs = [kfile]
    for entry in named:
        if "\n" in entry:
            continue  # an inline patch: part of the kustomization file itself
        if "://" in entry or entry.startswith("github.com/"):
            return None
        target = (folder / entry).resolve()
        if target.is_dir():
            nested = kustomize_inputs(target, repo, seen)
            if nested is None:
                return None
            inputs.extend(nested)
        else:
            inputs.append(target)  # a file, or missing: then the build fails, and the name is in the key
    return inputs


def kustomize_key(folder: Path, repo: Repo) -> str:
    inputs = kustomize_inputs(folder, repo, set())
    if inputs is None:
        return "repo:" + tree_key(repo.path, folder)
    return digest(sorted(f"{os.path.relpath(f, folder)}={file_hash(f) if f.is_file() else 'missing'}" for f in set(inputs)))


def is_component(folder: Path) -> bool:
    kfile = kustomization_file(folder)
    try:
        text = kfile.read_text(encoding="utf-8") if kfile else ""
    except UnicodeDecodeError:
        return False
    return any(line.strip() == "kind: Component" for line in text.splitlines())


# ------------------------------------------------------------------------------ the matrix
class Matrix:
    def __init__(self, args: argparse.Namespace, repos: list[Repo], work: Path):
        self.args = args
        self.repos = repos
        self.work = work
        self.pool = ThreadPoolExecutor(max_workers=args.jobs)
        self.run = Run()
        self.builds: dict[str, tuple[bool, str, Path]] = {}  # kustomize key -> ok, output, rendered file
        self.renders: dict[str, list[tuple[str, tuple[bool, str, Path]]]] = {}  # chart key -> (name, (ok, output, rendered file)) per values file
        self.rendered_sets: dict[str, list[Repo]] = {}  # rendered-set key -> the repositories rendering it
        self.set_dirs: dict[str, Path] = {}  # rendered-set key -> its materialised folder, set-NN
        self.warnings: list[str] = []  # findings that do not fail the run, repeated in the summary

    def parallel(self, jobs: list) -> list:
        return list(self.pool.map(lambda job: job(), jobs))

    # -- placeholders
    def placeholders(self) -> None:
        started = time.monotonic()
        marker = self.args.placeholder_marker.encode()
        where: dict[str, list[str]] = {}
        lines: dict[str, list[str]] = {}
        for repo in self.repos:
            for f in repo.files:
                rel = repo.rel(f)
                if rel == "levelup.yaml":
                    continue  # the user's own file: its comments may name the marker
                h = file_hash(f)
                if h not in lines:
                    data = f.read_bytes()
                    lines[h] = [
                        f"{number}: {text.decode(errors='replace').strip()}"
                        for number, text in enumerate(data.splitlines(), start=1)
                        if marker in text
                    ]
                if lines[h]:
                    where.setdefault(h, []).append(f"{repo.name}: {rel}")
        hint = "set the keys of levelup.yaml each placeholder names (LEVELUP-PLACEHOLDER-set-<section>-<key>-in-levelup-yaml; github.repo for the repository URL), then run `levelup apply`"
        if self.args.allow_placeholders and where:
            repos = sorted({entry.split(": ", 1)[0] for entries in where.values() for entry in entries})
            print(
                f"---- placeholders: WARNING: {len(where)} distinct files in {len(repos)} repositories hold "
                f"{self.args.placeholder_marker} (allowed by --allow-placeholders); they cannot work until you {hint}",
                flush=True,
            )
            for h, entries in where.items():
                for line in affects_lines(entries):
                    print(f"        {line}")
                for line in lines[h]:
                    print(f"        | line {line}")
            self.warnings.append(f"{len(where)} distinct files in {len(repos)} repositories hold {self.args.placeholder_marker}")
            self.run.phases.append(("placeholders", time.monotonic() - started, 0))
            return
        checks = [
            Check(
                f"no placeholder in {entries[0].split(': ', 1)[1]} ({len(entries)} copies)",
                False,
                "\n".join([f"line {line}" for line in lines[h]] + [f"this file holds {self.args.placeholder_marker}: {hint}"]),
                entries,
            )
            for h, entries in where.items()
        ]
        if not checks:
            checks = [Check(f"no placeholder ({self.args.placeholder_marker}) left", True, "")]
        self.run.phase(f"placeholders ({len(where)} distinct files hold one)", checks, started)

    # -- markdown: each distinct document linted once; links per repository (they depend on its tree)
    def markdown(self) -> None:
        started = time.monotonic()
        where: dict[str, list[str]] = {}
        first: dict[str, Path] = {}
        for repo in self.repos:
            for f in repo.files:
                if f.suffix != ".md":
                    continue
                h = file_hash(f)
                first.setdefault(h, f)
                where.setdefault(h, []).append(f"{repo.name}: {repo.rel(f)}")
        # One pymarkdown process per batch; its findings start with the path they are in.
        paths = list(first.values())
        batches = [paths[i:i + YAMLLINT_BATCH] for i in range(0, len(paths), YAMLLINT_BATCH)]
        known = {str(p) for p in paths}
        found: dict[str, list[str]] = {}
        unplaced: list[str] = []
        for ok, output in self.parallel([lambda b=b: check_markdown.lint(b) for b in batches]):
            for line in output.splitlines():
                path = line.split(":", 1)[0]
                if path in known:
                    found.setdefault(path, []).append(line)
                elif not ok:
                    unplaced.append(line)
        checks = []
        for h, path in first.items():
            lines = found.get(str(path), [])
            checks.append(Check(f"markdown lint {where[h][0].split(': ', 1)[1]} ({len(where[h])} copies)", not lines, "\n".join(lines), where[h]))
        if unplaced:  # a message pymarkdown did not tie to a file: never lose it
            checks.append(Check("markdown lint", False, "\n".join(unplaced)))
        # A document's links are judged in its own repository's tree; the same document with
        # the same verdict in several repositories is one check naming them all.
        verdicts: dict[tuple[str, str, tuple[str, ...]], list[str]] = {}
        for repo in self.repos:
            for f in repo.files:
                if f.suffix == ".md":
                    problems = tuple(check_markdown.broken_links(repo.path, f))
                    verdicts.setdefault((repo.rel(f), file_hash(f), problems), []).append(f"{repo.name}: {repo.rel(f)}")
        for (rel, _, problems), affects in verdicts.items():
            checks.append(Check(f"markdown links of {rel} ({len(affects)} copies)", not problems, "\n".join(problems), affects))
        self.run.phase(f"markdown ({len(first)} distinct documents, links of {len(self.repos)} repositories)", checks, started)

    # -- yamllint
    def yamllint(self) -> None:
        started = time.monotonic()
        where: dict[str, list[str]] = {}
        first: dict[str, Path] = {}
        for repo in self.repos:
            for f in lint_files(repo):
                h = file_hash(f)
                first.setdefault(h, f)
                where.setdefault(h, []).append(f"{repo.name}: {repo.rel(f)}")
        paths = [str(p) for p in first.values()]
        batches = [paths[i : i + YAMLLINT_BATCH] for i in range(0, len(paths), YAMLLINT_BATCH)]
        outputs = self.parallel(
            [lambda b=b: run(["yamllint", "--format", "parsable", "--config-data", self.args.yamllint_config, *b]) for b in batches]
        )
        lines: dict[str, list[str]] = {}
        for _, out in outputs:
            for line in out.splitlines():
                lines.setdefault(line.split(":", 1)[0], []).append(line)
        checks = []
        for h, path in first.items():
            found = lines.pop(str(path), [])
            ok = not any("[error]" in line for line in found)
            checks.append(Check(f"yamllint {where[h][0].split(': ', 1)[1]} ({len(where[h])} copies)", ok, "\n".join(found), where[h]))
        for path, found in lines.items():  # a message yamllint did not tie to a file: never lose it
            checks.append(Check(f"yamllint {path}", False, "\n".join(found)))
        self.run.phase(f"yamllint ({len(first)} distinct files)", checks, started)

    # -- manifests
    def manifests(self, name: str, folders: list[Path], owners: dict[str, list[Repo]]) -> None:
        started = time.monotonic()
        ok, out = run([sys.executable, str(HERE / "validate_manifests.py"), *map(str, folders)])
        if len(folders) == 1:  # one folder: validate_manifests.py prints no `in:` lines
            named = [folders[0].name]
        else:
            named = [n for line in out.splitlines() if line.startswith("     in: ") for n in line.split()[1:]]
        affected = sorted({repo.name for n in named for repo in owners.get(n, [])}) if not ok else []
        self.run.phase(name, [Check(name, ok, out, affected)], started)

    # -- kustomize
    def build(self, key: str, folder: Path) -> tuple[bool, str, Path]:
        dest = self.work / "builds" / f"{key}.yaml"
        done = subprocess.run(
            ["kubectl", "kustomize", "--load-restrictor", "LoadRestrictionsNone", str(folder)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace",
        )
        dest.write_text(done.stdout, encoding="utf-8")
        return done.returncode == 0, done.stderr, dest

    def kustomize(self) -> None:
        started = time.monotonic()
        (self.work / "builds").mkdir()
        where: dict[str, list[str]] = {}
        first: dict[str, Path] = {}
        for repo in self.repos:
            for f in repo.files:
                if f.name in KUSTOMIZATION_NAMES and not is_component(f.parent):
                    key = kustomize_key(f.parent, repo)
                    first.setdefault(key, f.parent)
                    where.setdefault(key, []).append(f"{repo.name}: {repo.rel(f.parent)}")
        keys = list(first)
        for key, result in zip(keys, self.parallel([lambda k=k: self.build(k, first[k]) for k in keys])):
            self.builds[key] = result
        checks = [
            Check(f"kubectl kustomize {where[k][0].split(': ', 1)[1]} ({len(where[k])} copies)", self.builds[k][0], self.builds[k][1], where[k])
            for k in keys
        ]
        self.run.phase(f"kubectl kustomize ({len(keys)} distinct builds)", checks, started)

    # -- helm
    def helm_one(self, key: str, chart: Path, values: list[Path]) -> tuple[bool, str, list[tuple[str, tuple[bool, str, Path]]]]:
        """Lint and render the chart with its defaults, then with each environment's values file."""
        ok, out, renders = True, "", []
        for number, extra in enumerate([None, *values]):
            flags = ["-f", str(extra)] if extra else []
            lint_ok, lint_out = run(["helm", "lint", "--strict", str(chart), *flags])
            tpl_ok, tpl_out = run(["helm", "template", "levelup-validate", str(chart), *flags])
            if extra:
                out += f"with {extra.parent.name}/{extra.name}:\n"
            ok, out = ok and lint_ok and tpl_ok, out + lint_out + (tpl_out if not tpl_ok else "")
            # As scripts/validate renders it: into a namespace of its own, set the way kustomize does.
            k = Path(tempfile.mkdtemp(dir=self.work))
            (k / "kustomization.yaml").write_text(
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: levelup-validate\nresources: [chart.yaml]\n"
            )
            ren_ok, ren_out = run(["helm", "template", "levelup-validate", str(chart), "--namespace", "levelup-validate", *flags])
            (k / "chart.yaml").write_text(ren_out if ren_ok else "")
            dest = self.work / "builds" / f"chart-{key}-{number}.yaml"
            built_ok, built = run(["kubectl", "kustomize", str(k)]) if ren_ok else (False, ren_out)
            dest.write_text(built if built_ok else "")
            name = f"chart-{chart.name}" + (f"-{extra.parent.name}" if extra else "")
            renders.append((f"{name}.yaml", (built_ok, "" if built_ok else built, dest)))
        return ok, out, renders

    def chart_key(self, repo: Repo, chart: Path) -> str:
        """The chart's files and the values files of its environments, by name and content."""
        values = chart_values(repo, chart)
        return digest([tree_key(chart), *(f"{v.parent.name}/{v.name}={file_hash(v)}" for v in values)])

    def helm(self) -> None:
        started = time.monotonic()
        where: dict[str, list[str]] = {}
        first: dict[str, tuple[Path, list[Path]]] = {}
        for repo in self.repos:
            for chart in repo.charts:
                key = self.chart_key(repo, chart)
                first.setdefault(key, (chart, chart_values(repo, chart)))
                where.setdefault(key, []).append(f"{repo.name}: {repo.rel(chart)}")
        keys = list(first)
        checks = []
        for key, (ok, out, renders) in zip(keys, self.parallel([lambda k=k: self.helm_one(k, *first[k]) for k in keys])):
            self.renders[key] = renders
            label = f"helm lint --strict + template {where[key][0].split(': ', 1)[1]} ({len(where[key])} copies)"
            checks.append(Check(label, ok, out, where[key]))
        self.run.phase(f"helm ({len(keys)} distinct charts with their values)", checks, started)

    # -- workflows
    def workflows_one(self, repo: Repo) -> list[tuple[str, bool, str]]:
        folder = repo.path / ".github" / "workflows"
        names = sorted(f".github/workflows/{f.name}" for f in folder.iterdir() if f.is_file() and f.suffix in (".yaml", ".yml"))
        if not names:
            return []
        sc = "with shellcheck" if shutil.which("shellcheck") else "without shellcheck"
        results = [(f"actionlint ({len(names)} workflows, {sc})", *run(["actionlint", "-no-color", *names], cwd=repo.path))]
        actions = sorted(f".github/actions/{f.parent.name}/{f.name}" for f in (repo.path / ".github" / "actions").glob("*/action.y*ml"))
        results.append(("workflow rules: pins, permissions, checkout, triggers, concurrency, timeouts", *run([sys.executable, str(HERE / "check_pins.py"), *names, *actions], cwd=repo.path)))
        scripts = sorted(f"scripts/{f.name}" for f in (repo.path / "scripts").glob("*") if f.is_file() and os.access(f, os.X_OK))
        if scripts:
            results.append((f"shellcheck ({len(scripts)} scripts)", *run(["shellcheck", *scripts], cwd=repo.path)))
        results.append(("zizmor --offline", *run(["zizmor", "--offline", "--no-progress", "--min-severity=informational", str(repo.path / ".github")])))
        results.append(("checkov github_actions (every workflow checked)", *run([sys.executable, str(HERE / "checkov_workflows.py"), str(folder), *self.checkov_skip()])))
        return results

    def workflows(self) -> None:
        started = time.monotonic()
        where: dict[str, list[str]] = {}
        first: dict[str, Repo] = {}
        for repo in self.repos:
            if (repo.path / ".github" / "workflows").is_dir():
                # The scripts the workflows run are judged with them (shellcheck).
                key = tree_key(repo.path / ".github") + (tree_key(repo.path / "scripts") if (repo.path / "scripts").is_dir() else "")
                first.setdefault(key, repo)
                where.setdefault(key, []).append(f"{repo.name}: .github/")
        keys = list(first)
        checks = []
        for key, results in zip(keys, self.parallel([lambda k=k: self.workflows_one(first[k]) for k in keys])):
            checks.extend(Check(f"{label} ({len(where[key])} copies)", ok, out, where[key]) for label, ok, out in results)
        self.run.phase(f"workflows ({len(keys)} distinct .github folders)", checks, started)

    def checkov_skip(self) -> list[str]:
        base = ["--skip-download", "--compact", "--quiet"]
        return base + (["--skip-check", self.args.checkov_skip] if self.args.checkov_skip else [])

    # -- rendered sets
    def render(self) -> None:
        started = time.monotonic()
        checks = []
        sets: dict[str, list[tuple[str, tuple[bool, str, Path]]]] = {}
        for repo in self.repos:
            overlays_dir = repo.path / "apps" / "overlays"
            overlays = sorted(p for p in overlays_dir.iterdir() if p.is_dir()) if overlays_dir.is_dir() else []
            if not overlays and not repo.charts:
                continue
            parts = []
            for overlay in overlays:
                key = kustomize_key(overlay, repo)
                if key not in self.builds:  # an overlay folder without a kustomization
                    self.builds[key] = self.build(key, overlay)
                parts.append((f"overlay-{overlay.name}.yaml", self.builds[key]))
            for chart in repo.charts:
                parts.extend(self.renders[self.chart_key(repo, chart)])
            # Keyed on what was rendered, not on its inputs: repositories that differ only where the
            # render does not look (comments, files no overlay names) share one scan.
            key = digest([f"{name}={result[0]}:{file_hash(result[2])}" for name, result in parts])
            sets[key] = parts
            self.rendered_sets.setdefault(key, []).append(repo)
        for number, (key, parts) in enumerate(sets.items(), start=1):
            dest = self.work / "rendered" / f"set-{number:02d}"
            dest.mkdir(parents=True)
            failed = [f"{name}: {result[1]}" for name, result in parts if not result[0]]
            for name, (_, _, built) in parts:
                shutil.copyfile(built, dest / name)
            self.set_dirs[key] = dest
            repos = self.rendered_sets[key]
            checks.append(Check(f"render {dest.name}: {', '.join(n for n, _ in parts)}", not failed, "\n".join(failed), [r.name for r in repos]))
        self.run.phase(f"render ({len(sets)} distinct rendered sets)", checks, started)
        for key, dest in self.set_dirs.items():
            legend = f"{dest.name} is the rendered output of {len(self.rendered_sets[key])} repositories: "
            for line in textwrap.wrap(legend + " ".join(r.name for r in self.rendered_sets[key]), 110, subsequent_indent="    ", break_on_hyphens=False):
                print(f"     {line}")

    def scan_one(self, dest: Path) -> list[tuple[str, bool, str]]:
        trivy = [
            "trivy", "config", "--quiet", "--cache-dir", self.args.trivy_cache, "--ignorefile", self.args.trivy_ignore,
            "--skip-check-update", "--skip-version-check", "--disable-telemetry", "--exit-code", "1", "--severity", "HIGH,CRITICAL", str(dest),
        ]
        return [
            ("trivy config (HIGH,CRITICAL)", *run(trivy)),
            ("checkov kubernetes", *run(["checkov", "-d", str(dest), "--framework", "kubernetes", *self.checkov_skip()])),
        ]

    def scan(self) -> None:
        started = time.monotonic()
        keys = list(self.set_dirs)
        checks = []
        for key, results in zip(keys, self.parallel([lambda k=k: self.scan_one(self.set_dirs[k]) for k in keys])):
            repos = [r.name for r in self.rendered_sets[key]]
            checks.extend(Check(f"{label} {self.set_dirs[key].name}", ok, out, repos) for label, ok, out in results)
        self.run.phase(f"trivy + checkov ({len(keys)} distinct rendered sets)", checks, started)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scripts/validate --matrix")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--yamllint-config", required=True)
    parser.add_argument("--checkov-skip", default="")
    parser.add_argument("--trivy-ignore", required=True)
    parser.add_argument("--trivy-cache", required=True)
    parser.add_argument("--placeholder-marker", default="LEVELUP-PLACEHOLDER")
    parser.add_argument("--allow-placeholders", action="store_true", help="a placeholder is a warning, not a failure")
    parser.add_argument("--phase", action="append", default=[], metavar="NAME=SECONDS", help="a phase the caller timed, for the summary")
    parser.add_argument("dirs", nargs="+", type=Path)
    args = parser.parse_args(argv[1:])
    missing = [str(d) for d in args.dirs if not d.is_dir()]
    if missing:
        sys.stderr.write(f"validate --matrix: not a folder: {' '.join(missing)}\n")
        return 2
    os.environ.update(BC_SKIP_MAPPING="TRUE", CKV_SKIP_PACKAGE_UPDATE_CHECK="true")

    started = time.monotonic()
    repos = [load_repo(d.resolve()) for d in args.dirs]
    names = [r.name for r in repos]
    if len(set(names)) != len(names):
        sys.stderr.write("validate --matrix: the folders must have distinct names (they name the repositories in reports)\n")
        return 2
    distinct = len({file_hash(f) for r in repos for f in r.files})
    print(f"==== matrix: {len(repos)} repositories, {sum(len(r.files) for r in repos)} files, {distinct} distinct", flush=True)

    with tempfile.TemporaryDirectory() as work:
        matrix = Matrix(args, repos, Path(work))
        for phase in args.phase:
            name, _, seconds = phase.rpartition("=")
            matrix.run.phases.append((name, float(seconds), 0))
        matrix.run.phases.append(("read and hash", time.monotonic() - started, 0))
        matrix.placeholders()
        matrix.yamllint()
        matrix.markdown()
        matrix.manifests(f"manifests ({len(repos)} repositories)", [r.path for r in repos], {r.name: [r] for r in repos})
        matrix.kustomize()
        matrix.helm()
        matrix.workflows()
        matrix.render()
        set_owners = {dest.name: matrix.rendered_sets[key] for key, dest in matrix.set_dirs.items()}
        if matrix.set_dirs:
            matrix.manifests(f"manifests of the rendered output ({len(matrix.set_dirs)} sets)", list(matrix.set_dirs.values()), set_owners)
        matrix.scan()
        matrix.pool.shutdown()
        result = matrix.run
        warnings = matrix.warnings

    passed = sum(c.ok for c in result.checks)
    failed = len(result.checks) - passed
    print()
    print("==== summary")
    print(f"  repositories          {len(repos)}")
    print(f"  files                 {sum(len(r.files) for r in repos)} ({distinct} distinct)")
    print(f"  rendered sets         {len(matrix.set_dirs)} distinct")
    print(f"  checks run            {len(result.checks)} (each distinct input once)")
    for name, seconds, count in result.phases:
        print(f"  {seconds:7.1f}s  {name}" + (f": {count} checks" if count else ""))
    for check in result.checks:
        if not check.ok:
            repos = sorted({a.split(": ", 1)[0] for a in check.affects})
            print(f"  FAIL  {check.label}: in {len(repos)} repositories: {' '.join(repos)}")
    for warning in warnings:
        print(f"  WARN  {warning}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
