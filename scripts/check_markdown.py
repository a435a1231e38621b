#!/usr/bin/env python3
"""Checks the Markdown documents of generated platform repositories.

    check_markdown.py DIR...

Two checks, each failing with the file and line of every problem:

- lint: pymarkdown (PyPI pymarkdownlnt, installed by scripts/install-validators) with its
  default rules, but MD013 (line length): tables and command lines are as long as their
  content, and a wrapped command no longer pastes;
- links: every relative link of a document (`[text](path)`, `[text](path#section)`,
  `[text](#section)`) leads to a file or folder of the same repository, and a `#section`
  of a Markdown file to one of its headings (GitHub's anchors: lowercase, punctuation
  dropped, spaces as `-`). Links out of the repository (`http://`, `https://`, `mailto:`)
  are not followed: no network here.

scripts/validate runs it on one repository; scripts/validate_matrix.py imports `lint` and
`broken_links` to judge each distinct file once.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

# Rules left out, with why (see the module docstring).
DISABLED_RULES = ["md013"]

LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def markdown_files(root: Path) -> list[Path]:
    skip = {".git", ".levelup", "node_modules"}
    return sorted(
        path
        for path in root.rglob("*.md")
        if path.is_file() and not skip.intersection(path.relative_to(root).parts)
    )


def lint(files: list[Path]) -> tuple[bool, str]:
    """pymarkdown on the files; (passed, what it printed)."""
    if not files:
        return True, ""
    command = ["pymarkdown", "--disable-rules", ",".join(DISABLED_RULES), "scan", *map(str, files)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    return result.returncode == 0, (result.stdout + result.stderr).strip()


def anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lowercase, punctuation but `-` and `_` dropped, spaces to `-`."""
    text = re.sub(r"`([^`]*)`", r"\1", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    inside = False
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if FENCE.match(line):
            inside = not inside
            continue
        match = None if inside else HEADING.match(line)
        if match:
            base = anchor(match.group(2))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(path: Path) -> list[tuple[int, str]]:
    """(line, target) of every link outside code blocks and code spans."""
    found = []
    inside = False
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
        if FENCE.match(line):
            inside = not inside
            continue
        if inside:
            continue
        for match in LINK.finditer(re.sub(r"`[^`]*`", "", line)):
            found.append((number, match.group(1)))
    return found


def broken_links(root: Path, path: Path) -> list[str]:
    """What is wrong with the relative links of one document of the repository at root."""
    problems = []
    for number, target in links(path):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):
            continue  # a URL: not followed
        file_part, _, section = target.partition("#")
        where = f"{path.relative_to(root)}:{number}"
        destination = (path.parent / file_part).resolve() if file_part else path.resolve()
        try:
            destination.relative_to(root.resolve())
        except ValueError:
            problems.append(f"{where}: `{target}` leads out of the repository")
            continue
        if not destination.exists():
            problems.append(f"{where}: `{target}`: no such file in the repository")
            continue
        if section and destination.suffix == ".md" and section not in anchors(destination):
            problems.append(f"{where}: `{target}`: {destination.name} has no heading `#{section}`")
    return problems


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        sys.stderr.write("usage: check_markdown.py DIR...\n")
        return 2
    failed = False
    for directory in argv:
        root = Path(directory)
        files = markdown_files(root)
        ok, output = lint(files)
        if output:
            print(output.replace(f"{root}/", ""))
        problems = [problem for path in files for problem in broken_links(root, path)]
        for problem in problems:
            print(problem)
        print(f"{root}: {len(files)} documents: lint {'passed' if ok else 'failed'}, {len(problems)} broken links")
        failed = failed or not ok or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
