"""pipeline.cluster on a real LocalCluster: results, bounded submission, a killed worker, errors."""

from __future__ import annotations

import os
import signal
import warnings
from pathlib import Path

import pytest

from netvigil.model.errors import ClusterError, InputError
from netvigil.pipeline.cluster import ClusterSpec, connect, run_tasks


def square(n: int) -> tuple[int, int]:
    """A task: the square of n and the worker process that computed it."""
    return n * n, os.getpid()


def fail_on_three(n: int) -> int:
    """A task that raises netvigil's own error for one item."""
    if n == 3:
        raise InputError("three is bad", path="item-3")
    return n


def die_once(marker: str) -> int:
    """A task that kills its worker the first time it runs (the marker file remembers), then succeeds."""
    path = Path(marker)
    if not path.exists():
        path.write_text("died")
        os.kill(os.getpid(), signal.SIGKILL)
    return len(marker)


@pytest.fixture(scope="module")
def two_workers():  # type: ignore[no-untyped-def]
    spec = ClusterSpec(workers=2)
    with connect(spec) as client:
        yield spec, client


def test_every_item_runs_once_and_both_workers_take_part(two_workers) -> None:  # type: ignore[no-untyped-def]
    spec, client = two_workers
    results = dict(run_tasks(client, spec, square, range(40), name=lambda n: f"square-{n}"))
    assert {n: r[0] for n, r in results.items()} == {n: n * n for n in range(40)}
    assert len({pid for _, pid in results.values()}) == 2
    assert os.getpid() not in {pid for _, pid in results.values()}


def test_a_task_whose_worker_is_killed_is_run_again(two_workers, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    spec, client = two_workers
    marker = str(tmp_path / "marker")
    results = list(run_tasks(client, spec, die_once, [marker], name=lambda m: "die-once"))
    assert results == [(marker, len(marker))]
    assert Path(marker).read_text() == "died"


def test_netvigil_errors_in_a_task_pass_through_unchanged(two_workers) -> None:  # type: ignore[no-untyped-def]
    spec, client = two_workers
    with pytest.raises(InputError, match="three is bad"):
        list(run_tasks(client, spec, fail_on_three, range(6), name=lambda n: f"f3-{n}"))


def test_an_unreachable_scheduler_is_one_cluster_error() -> None:
    with pytest.raises(ClusterError, match=r"cannot start Dask \(scheduler tcp://127.0.0.1:9\)"), connect(
        ClusterSpec(scheduler="tcp://127.0.0.1:9")
    ):
        pass


def test_zero_workers_is_refused() -> None:
    with pytest.raises(ClusterError, match="at least one worker"), connect(ClusterSpec(workers=0)):
        pass


def test_describe_names_where_work_runs() -> None:
    assert ClusterSpec(workers=1).describe() == "1 local worker"
    assert ClusterSpec(workers=3).describe() == "3 local workers"
    assert ClusterSpec(scheduler="tcp://h:8786").describe() == "scheduler tcp://h:8786"


def test_a_large_item_travels_in_its_task_without_dask_warning(two_workers) -> None:  # type: ignore[no-untyped-def]
    spec, client = two_workers
    big = b"x" * (12 * 2**20)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = list(run_tasks(client, spec, len, [big], name=lambda b: "big-item"))
    assert [r for _, r in results] == [len(big)]
    assert not [w for w in caught if "large graph" in str(w.message)]
