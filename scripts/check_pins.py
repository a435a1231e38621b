#!/usr/bin/env python3
"""Checks the quality bar of blueprints/README.md that no other tool checks, on GitHub workflows.

    python3 scripts/check_pins.py WORKFLOW...

Every action is pinned to a full commit SHA with its version in a comment (a docker:// action by
digest), and `permissions:` is declared (top level or on every job). Shared by scripts/validate and
scripts/validate_matrix.py so the single-repository and the matrix runs apply the same rule.
Exit code 1 when a file breaks it.
"""
import re, sys, yaml
USES = re.compile(r"""^\s*(?:-\s+)?uses:\s*["']?([^"'\s#]+)["']?\s*(?:#\s*(\S.*))?$""")
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(?:/[^@]+)?@[0-9a-f]{40}$")
bad = 0
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for number, line in enumerate(text.splitlines(), start=1):
        m = USES.match(line)
        if not m:
            continue
        ref, comment = m.group(1), m.group(2)
        if ref.startswith("./"):
            continue
        if ref.startswith("docker://"):
            ok, why = "@sha256:" in ref, "a docker:// action must be pinned by digest"
        else:
            ok, why = bool(PINNED.match(ref)) and bool(comment), "pin it to a full commit SHA with the version in a comment (`@<sha> # vX.Y.Z`)"
        if not ok:
            print(f"{path}:{number}: {ref}: {why}")
            bad += 1
    try:
        workflow = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        print(f"{path}: does not parse: {error}")
        bad += 1
        continue
    jobs = workflow.get("jobs") or {}
    if "permissions" not in workflow:
        missing = [name for name, job in jobs.items() if not isinstance(job, dict) or "permissions" not in job]
        if missing or not jobs:
            print(f"{path}: no top-level `permissions:` and none on job(s) {', '.join(missing) or '-'}: declare least privilege")
            bad += 1
sys.exit(1 if bad else 0)
