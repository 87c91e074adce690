"""What every command shares: the --db option, the console, progress bars and error exits."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from netvigil.model.errors import InputError, NetvigilError

if TYPE_CHECKING:
    from rich.progress import Progress

P = ParamSpec("P")
R = TypeVar("R")

EXIT_INPUT = 2
EXIT_FAILURE = 1

console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="NETVIGIL_DB",
        metavar="<path|url>",
        help=(
            "Store: a DuckDB file path or a URL: duckdb:///abs/path, chdb:///abs/dir (embedded "
            "ClickHouse), clickhouse://host:8123/database (a ClickHouse server). "
            "Default: $NETVIGIL_DB, else ~/.local/share/netvigil/netvigil.duckdb."
        ),
        show_default=False,
    ),
]


def fail(message: str, code: int = EXIT_INPUT) -> typer.Exit:
    """Print ``error: message`` on stderr and return the exit to raise."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, markup=True, soft_wrap=True)
    return typer.Exit(code)


def handles_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn netvigil's own errors into a one-line message: exit 2 for bad input, 1 otherwise."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            raise fail(str(exc), EXIT_INPUT) from None
        except NetvigilError as exc:
            raise fail(str(exc), EXIT_FAILURE) from None

    return wrapper


@contextmanager
def file_progress(enabled: bool = True) -> Iterator[Callable[[Path, int], Callable[[int], None]]]:
    """A rich progress bar per file, fed with bytes read; silent when stderr is not a terminal."""
    from rich.progress import (  # noqa: PLC0415 - only file commands need it
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=err_console,
        disable=not (enabled and sys.stderr.isatty()),
        transient=True,
    )

    def factory(path: Path, total: int) -> Callable[[int], None]:
        task = progress.add_task(path.name, total=total)

        def tick(done: int) -> None:
            progress.update(task, completed=done)

        return tick

    with progress:
        yield factory


@contextmanager
def download_progress(enabled: bool = True) -> Iterator[Callable[[str], Callable[[int, int | None], None]]]:
    """A rich progress bar per download (name → callback of bytes done and total, total maybe unknown).

    The factory fits :data:`netvigil.sources.bgp_archive.DownloadProgress` and so ``client.download``'s
    progress; silent when stderr is not a terminal.
    """
    from rich.progress import (  # noqa: PLC0415 - only downloading commands need it
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TransferSpeedColumn,
    )

    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=err_console,
        disable=not (enabled and sys.stderr.isatty()),
        transient=True,
    )

    def factory(name: str) -> Callable[[int, int | None], None]:
        task = progress.add_task(name, total=None)

        def tick(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total)

        return tick

    with progress:
        yield factory


def counted_bar(enabled: bool) -> Progress:
    """A rich bar with its description, done of total and time elapsed, on stderr; silent off a terminal."""
    from rich.progress import (  # noqa: PLC0415 - only batch and multi-step commands need it
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        disable=not (enabled and sys.stderr.isatty()),
        transient=True,
    )


@contextmanager
def task_progress(description: str, enabled: bool = True) -> Iterator[Callable[[int, int], None]]:
    """One rich progress bar over batch tasks, fed ``(done, total)``; silent when stderr is not a terminal."""
    progress = counted_bar(enabled)
    task = progress.add_task(description, total=None)

    def tick(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total)

    with progress:
        yield tick


def echo_json_line(obj: Any) -> None:
    """Print one JSON object as a line on stdout (no colour, no wrapping)."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


@contextmanager
def step_progress(total: int, enabled: bool = True) -> Iterator[Callable[[str], None]]:
    """A rich progress bar over ``total`` named steps, fed each step's description as it starts.

    Each step is also printed as a dim ``… step`` line (the log a script keeps); the bar itself is
    on stderr and silent when stderr is not a terminal.
    """
    progress = counted_bar(enabled)
    task = progress.add_task("starting", total=total)
    started = 0

    def advance(description: str) -> None:
        nonlocal started
        if started:
            progress.advance(task)
        started += 1
        progress.update(task, description=description)
        console.print(f"[dim]… {description}[/]", highlight=False)

    with progress:
        yield advance
        progress.update(task, completed=total)
