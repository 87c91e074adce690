"""scripts/check_docs.py: commands in docs must exit 0 and print the output the doc shows."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "check_docs.py"


@pytest.fixture(scope="module")
def check_docs() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_docs", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_docs"] = module
    spec.loader.exec_module(module)
    return module


PASSING = """# A doc

```console-check
$ printf 'one\\ntwo  \\nthree\\n'
one
two
three
$ printf 'made /tmp/x7/file at 12:00\\n'
made ... at ...
$ printf 'head\\na\\nb\\nc\\ntail\\n'
head
...
tail
$ true
```
"""

FAILING = """```console-check
$ printf 'Kazakhstan (country:KZ)\\n'
Kazakhstan (country:UZ)
```
"""


def _run(check_docs: ModuleType, tmp_path: Path, text: str) -> tuple[int, int]:
    doc = tmp_path / "doc.md"
    doc.write_text(text, "utf-8")
    result: tuple[int, int] = check_docs.run_doc(doc, dict(os.environ))
    return result


def test_a_doc_whose_output_matches_passes(check_docs: ModuleType, tmp_path: Path) -> None:
    assert _run(check_docs, tmp_path, PASSING) == (4, 0)


def test_a_doc_whose_output_differs_fails_with_a_diff(
    check_docs: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(check_docs, tmp_path, FAILING) == (1, 1)
    printed = capsys.readouterr().out
    assert "output differs" in printed
    assert "-Kazakhstan (country:UZ)\n+Kazakhstan (country:KZ)" in printed


def test_blocks_keep_each_commands_expected_lines(check_docs: ModuleType) -> None:
    commands = check_docs.blocks(PASSING)[0]
    assert [c.text for c in commands][-1] == "true"
    assert commands[0].expected == ["one", "two", "three"]
    assert commands[-1].expected == []


@pytest.mark.parametrize(
    ("expected", "got", "ok"),
    [
        (["a", "...", "z"], "a\nz\n", True),
        (["a", "...", "z"], "a\nb\nc\nz\n", True),
        (["a", "...", "z"], "a\nb\n", False),
        (["x = ..."], "x = 42\n", True),
        (["x = ..."], "x = 42\ny\n", False),
        (["a"], "a\n\n\n", True),
        (["a"], "b\n", False),
    ],
)
def test_placeholders(check_docs: ModuleType, expected: list[str], got: str, ok: bool) -> None:
    assert check_docs.matches(expected, got) is ok
