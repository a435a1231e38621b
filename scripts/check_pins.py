#!/usr/bin/env python3
"""Checks the rules of blueprints/README.md ("Quality bar") for GitHub workflows that the linters
do not check, or check only in part.

    python3 scripts/check_pins.py WORKFLOW_OR_ACTION...

A composite action (`action.yml`, `action.yaml`) is held to the rules that apply to its steps: pins
and no `${{ github.event.* }}` inside `run:`.

- Every `uses:` is pinned to a full commit SHA with its version in a comment (`@<sha> # vX.Y.Z`),
  a docker:// action by digest. Exceptions: local `./` actions, and slsa-github-generator's
  reusable workflows, which its verifier requires by exact tag (`@vX.Y.Z`).
- Least privilege: `permissions: {}` at the top, and explicit `permissions:` on every job.
- Every `actions/checkout` sets `persist-credentials: false`.
- No `pull_request_target` trigger; no `${{ github.event.* }}` expanded inside `run:` (pass it
  through `env:`).
- A concurrency group (on the workflow or on every job), and `timeout-minutes` on every job that
  runs steps (a job that calls a reusable workflow cannot have one).

Shared by scripts/validate and scripts/validate_matrix.py, so that both apply the same rules.
Each finding names the file and, where it has one, the line. Exit code 1 when a file breaks a rule.
"""
import os
import re
import sys

import yaml

USES = re.compile(r"""^\s*(?:-\s+)?uses:\s*["']?([^"'\s#]+)["']?\s*(?:#\s*(\S.*))?$""")
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(?:/[^@]+)?@[0-9a-f]{40}$")
SLSA_BY_TAG = re.compile(r"^slsa-framework/slsa-github-generator/\.github/workflows/[\w.-]+\.ya?ml@v\d+\.\d+\.\d+$")
VERSION = re.compile(r"^v?\d+(\.\d+)*\S*$")
EVENT_IN_RUN = re.compile(r"\$\{\{[^}]*\bgithub\.event\.")


def uses_problem(ref: str, comment: str | None) -> str | None:
    if ref.startswith("./"):
        return None
    if ref.startswith("docker://"):
        return None if "@sha256:" in ref else "a docker:// action must be pinned by digest"
    if SLSA_BY_TAG.match(ref):
        return None
    if PINNED.match(ref) and comment and VERSION.match(comment):
        return None
    return "pin it to a full commit SHA with the version in a comment (`@<sha> # vX.Y.Z`)"


def line_of(lines: list[str], needle: str, start: int = 0) -> int:
    for number in range(start, len(lines)):
        if needle in lines[number]:
            return number + 1
    return 0


def check(path: str) -> list[str]:
    problems = []
    with open(path, encoding="utf-8") as f:
        text = f.read()
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        m = USES.match(line)
        if m:
            why = uses_problem(m.group(1), m.group(2))
            if why:
                problems.append(f"{path}:{number}: {m.group(1)}: {why}")
    try:
        # BaseLoader: `on` stays the string "on", not True.
        workflow = yaml.load(text, Loader=yaml.BaseLoader) or {}
    except yaml.YAMLError as error:
        return problems + [f"{path}: does not parse: {' '.join(str(error).split())}"]
    if not isinstance(workflow, dict):
        return problems + [f"{path}: not a workflow (a mapping at the top)"]
    if os.path.basename(path) in ("action.yml", "action.yaml"):
        runs = workflow.get("runs") if isinstance(workflow.get("runs"), dict) else {}
        return problems + step_problems(f"{path}: action", runs.get("steps") or [])
    triggers = workflow.get("on")
    names = triggers if isinstance(triggers, list) else list(triggers) if isinstance(triggers, dict) else [triggers]
    if "pull_request_target" in names:
        problems.append(f"{path}:{line_of(lines, 'pull_request_target')}: `pull_request_target` runs untrusted code with the repository's secrets: use `pull_request`")
    if workflow.get("permissions") not in ({}, "{}"):
        problems.append(f"{path}: the top level must say `permissions: {{}}` (each job asks for what it uses)")
    jobs = workflow.get("jobs") if isinstance(workflow.get("jobs"), dict) else {}
    if not jobs:
        problems.append(f"{path}: no jobs")
    workflow_concurrency = "concurrency" in workflow
    for name, job in jobs.items():
        where = f"{path}:{line_of(lines, f'  {name}:', line_of(lines, 'jobs:'))}: job `{name}`"
        if not isinstance(job, dict):
            problems.append(f"{where}: not a mapping")
            continue
        if "permissions" not in job:
            problems.append(f"{where}: no `permissions:`; declare what it uses (`contents: read`, ...)")
        if not workflow_concurrency and "concurrency" not in job:
            problems.append(f"{where}: no concurrency group (on the workflow or the job)")
        if "uses" not in job and "timeout-minutes" not in job:
            problems.append(f"{where}: no `timeout-minutes:`")
        problems += step_problems(where, job.get("steps") or [])
    return problems


def step_problems(where: str, steps: list) -> list[str]:
    problems = []
    for step in steps if isinstance(steps, list) else []:
        if not isinstance(step, dict):
            continue
        uses = step.get("uses")
        if isinstance(uses, str) and uses.startswith("actions/checkout@"):
            options = step.get("with") if isinstance(step.get("with"), dict) else {}
            if str(options.get("persist-credentials", "")).lower() != "false":
                problems.append(f"{where}: a checkout without `persist-credentials: false` leaves the token on disk")
        run = step.get("run")
        if isinstance(run, str) and EVENT_IN_RUN.search(run):
            problems.append(
                f"{where}, step `{step.get('name', '?')}`: `${{{{ github.event.* }}}}` inside `run:` is a script "
                "injection; pass it through `env:`"
            )
    return problems


def main(paths: list[str]) -> int:
    found = [problem for path in paths for problem in check(path)]
    for problem in found:
        print(problem)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
