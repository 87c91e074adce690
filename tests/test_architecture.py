"""The module graph of netvigil: no import cycle anywhere, and only the store reaches a backend.

Built with grimp (import-linter's graph), which counts every import: at module level, inside
functions, and under ``TYPE_CHECKING``, so a cycle hidden by a local import still shows.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from pathlib import Path

import grimp

ROOT = Path(__file__).parents[1]
BACKENDS = "netvigil.store.duckdb"


@cache
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("netvigil", include_external_packages=False)


def extension_modules() -> set[str]:
    """C extensions (declared in pyproject.toml): grimp sees no file, so it names their package."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return {ext["name"] for ext in project["tool"]["setuptools"].get("ext-modules", [])}


def imports_only_an_extension(importer: str, imported: str) -> bool:
    """``from pkg import _ext`` reads as an import of ``pkg``; it is one of the extension."""
    names = [e.rsplit(".", 1)[1] for e in extension_modules() if e.rsplit(".", 1)[0] == imported]
    details = graph().get_import_details(importer=importer, imported=imported)
    pattern = re.compile(rf"from {re.escape(imported)} import ({'|'.join(map(re.escape, names))})\b")
    return bool(names and details) and all(pattern.search(d["line_contents"]) for d in details)


def edges(module: str) -> Iterator[str]:
    """The modules ``module`` imports directly (an extension's package excepted, see above)."""
    for imported in sorted(graph().find_modules_directly_imported_by(module)):
        if not imports_only_an_extension(module, imported):
            yield imported


def strongly_connected(modules: Iterable[str], edges: Callable[[str], Iterator[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative: the groups of modules that import each other in a circle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in modules:
        if root in index:
            continue
        work = [(root, edges(root))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, todo = work[-1]
            step = next(todo, None)
            if step is not None:
                if step not in index:
                    index[step] = low[step] = len(index)
                    stack.append(step)
                    on_stack.add(step)
                    work.append((step, edges(step)))
                elif step in on_stack:
                    low[node] = min(low[node], index[step])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def test_no_package_has_an_import_cycle() -> None:
    assert strongly_connected(sorted(graph().modules), edges) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    made_up = {"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a", "e"], "e": []}
    assert strongly_connected(sorted(made_up), lambda m: iter(made_up[m])) == [["a", "b", "c"]]


def test_only_the_store_imports_a_backend() -> None:
    outside = sorted(m for m in graph().modules if not m.startswith("netvigil.store"))
    reaching = [
        (m, i)
        for m in outside
        for i in graph().find_modules_directly_imported_by(m)
        if i == BACKENDS or i.startswith(BACKENDS + ".")
    ]
    assert reaching == []
