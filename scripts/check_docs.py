"""Run every shell example in docs/ and README.md marked ```console-check, so docs stay true.

A fenced block opened with ```console-check holds commands (lines starting with "$ ");
each must exit 0 when run from the repository root with the venv's bin first on PATH.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def blocks(text: str) -> list[list[str]]:
    found: list[list[str]] = []
    current: list[str] | None = None
    for line in text.splitlines():
        if line.strip() == "```console-check":
            current = []
        elif line.strip() == "```" and current is not None:
            found.append(current)
            current = None
        elif current is not None and line.startswith("$ "):
            current.append(line[2:])
    return found


def main() -> int:
    env = dict(os.environ)
    env["PATH"] = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{env['PATH']}"
    failures = 0
    count = 0
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    for doc in docs:
        for block in blocks(doc.read_text("utf-8")):
            with tempfile.TemporaryDirectory() as tmp:
                env["NETVIGIL_DB"] = str(Path(tmp) / "docs.duckdb")
                env["DOCS_TMP"] = tmp
                for command in block:
                    count += 1
                    done = subprocess.run(command, shell=True, cwd=ROOT, env=env, capture_output=True, text=True)
                    if done.returncode != 0:
                        failures += 1
                        print(f"FAIL {doc.relative_to(ROOT)}: $ {command}\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    print(f"docs-check: {count} commands, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
