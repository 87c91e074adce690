"""Run every shell example in docs/ and README.md marked ```console-check, so docs stay true.

A fenced block opened with ```console-check holds commands (lines starting with "$ "), each run
from the repository root with the venv's bin first on PATH, in one temporary directory per block
($DOCS_TMP, with the store $NETVIGIL_DB in it). Every command must exit 0.

The lines after a command, up to the next "$ " line or the end of the block, are its expected
standard output (standard error is not compared; write ``2>&1`` to show it). No lines: only the
exit code is checked. The comparison is exact, except that:

- trailing spaces of every line are ignored (rich pads table cells), and so are blank lines at the
  end of the output;
- a line that is exactly ``...`` stands for any number of lines (none included);
- ``...`` inside a line stands for any text on that line (a path, a time, an id).

Commands run with COLUMNS=100 and without a terminal, so rich renders at a fixed width. A
mismatch prints a unified diff (expected → got) and makes the exit code 1, like a failed command.
Show output only where it is stable: the same on every machine and every run.
"""

from __future__ import annotations

import difflib
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = "100"
ANY_LINES = "..."


@dataclass
class Command:
    """One ``$ command`` of a block and the output the doc shows under it (empty: not checked)."""

    text: str
    expected: list[str] = field(default_factory=list)


def blocks(text: str) -> list[list[Command]]:
    """The console-check blocks of a Markdown text, each a list of commands with their output."""
    found: list[list[Command]] = []
    current: list[Command] | None = None
    for line in text.splitlines():
        if line.strip() == "```console-check":
            current = []
        elif line.strip() == "```" and current is not None:
            found.append(current)
            current = None
        elif current is not None and line.startswith("$ "):
            current.append(Command(line[2:]))
        elif current:
            current[-1].expected.append(line)
    return found


def _trimmed(lines: list[str]) -> list[str]:
    out = [line.rstrip() for line in lines]
    while out and not out[-1]:
        out.pop()
    return out


def _line_pattern(line: str) -> str:
    if line == ANY_LINES:
        return r"(?:[^\n]*\n)*?"
    return "[^\n]*".join(re.escape(part) for part in line.split(ANY_LINES)) + r"\n"


def matches(expected: list[str], got: str) -> bool:
    """True when ``got`` is what ``expected`` shows, placeholders included (see the module doc)."""
    pattern = "".join(_line_pattern(line) for line in _trimmed(expected))
    text = "".join(line + "\n" for line in _trimmed(got.splitlines()))
    return re.fullmatch(pattern, text) is not None


def difference(expected: list[str], got: str) -> str:
    """A unified diff from the doc's expected output to the command's."""
    diff = difflib.unified_diff(
        _trimmed(expected), _trimmed(got.splitlines()), "expected (doc)", "got", lineterm=""
    )
    return "\n".join(diff)


def check(command: Command, env: dict[str, str]) -> str | None:
    """Run one command; None when it exits 0 with the expected output, else what went wrong."""
    done = subprocess.run(
        command.text, check=False, shell=True, cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        return f"exit code {done.returncode}\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
    if command.expected and not matches(command.expected, done.stdout):
        return "output differs:\n" + difference(command.expected, done.stdout)
    return None


def _shown(doc: Path) -> Path:
    return doc.relative_to(ROOT) if doc.is_relative_to(ROOT) else doc


def run_doc(doc: Path, env: dict[str, str]) -> tuple[int, int]:
    """Run every block of one doc; returns (commands run, commands failed), printing each failure."""
    count = failures = 0
    for block in blocks(doc.read_text("utf-8")):
        with tempfile.TemporaryDirectory() as tmp:
            block_env = {**env, "NETVIGIL_DB": str(Path(tmp) / "docs.duckdb"), "DOCS_TMP": tmp}
            for command in block:
                count += 1
                problem = check(command, block_env)
                if problem is not None:
                    failures += 1
                    print(f"FAIL {_shown(doc)}: $ {command.text}\n{problem}")
    return count, failures


def main() -> int:
    """Check README.md and every docs/**/*.md; exit 1 if any command failed or printed otherwise."""
    env = dict(os.environ)
    env["PATH"] = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{env['PATH']}"
    env["COLUMNS"] = COLUMNS
    total = failed = 0
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        count, failures = run_doc(doc, env)
        total += count
        failed += failures
    print(f"docs-check: {total} commands, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
