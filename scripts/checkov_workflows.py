#!/usr/bin/env python3
"""Runs checkov's github_actions framework on the workflows of a repository, without letting it
skip a file silently.

    python3 scripts/checkov_workflows.py WORKFLOWS_DIR [CHECKOV_ARG...]

checkov 3.3.30 checks a workflow only when the workflow matches its own copy of GitHub's schema, and
passes over one that does not without a word. Its copy predates the job permissions `attestations`
and `artifact-metadata`, which `actions/attest` needs, so the release and deploy workflows would go
unchecked. This script copies the workflows, turns each line that grants one of those two
permissions into a comment (the line count stays, so findings keep their line numbers), fails on
any workflow that still does not match checkov's schema (naming it and why), and runs checkov on
the copies. Shared by scripts/validate and scripts/validate_matrix.py. Exit code: checkov's, or 1
when a workflow would have been skipped.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml
from checkov.github_actions.utils import is_schema_valid

UNKNOWN_TO_CHECKOV = re.compile(r"^([ \t]+)(attestations|artifact-metadata):[ \t]*(read|write|none)[ \t]*$", re.MULTILINE)


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: checkov_workflows.py WORKFLOWS_DIR [CHECKOV_ARG...]", file=sys.stderr)
        return 2
    source, extra = argv[0], argv[1:]
    names = sorted(f for f in os.listdir(source) if f.endswith((".yaml", ".yml")))
    with tempfile.TemporaryDirectory() as work:
        # checkov's github_actions framework reads only files under a .github/workflows folder.
        copies = os.path.join(work, ".github", "workflows")
        os.makedirs(copies)
        unchecked = []
        for name in names:
            with open(os.path.join(source, name), encoding="utf-8") as f:
                lines = f.read().splitlines(keepends=True)
            lines = [UNKNOWN_TO_CHECKOV.sub(r"\1# \2: \3 (not in checkov's schema)", line) for line in lines]
            text = "".join(lines)
            with open(os.path.join(copies, name), "w", encoding="utf-8") as f:
                f.write(text)
            try:
                documents = list(yaml.safe_load_all(text))
            except yaml.YAMLError as error:
                unchecked.append(f"{name}: does not parse: {' '.join(str(error).split())}")
                continue
            # PyYAML reads the key `on` as True; checkov's own loader keeps it as `on`.
            documents = [{("on" if key is True else key): value for key, value in d.items()} if isinstance(d, dict) else d for d in documents]
            if not all(map(is_schema_valid, documents)):
                unchecked.append(f"{name}: does not match checkov's GitHub Actions schema, so checkov would skip it "
                                 "without a finding; write what the schema accepts (a literal boolean where an "
                                 "expression is not needed, say)")
        for problem in unchecked:
            print(f"{source}/{problem}")
        shutil.rmtree(os.path.join(work, ".checkov"), ignore_errors=True)
        result = subprocess.run(["checkov", "-d", copies, "--framework", "github_actions", *extra])
        return 1 if unchecked else result.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
