"""Batch work on Dask distributed: a LocalCluster by default, an existing scheduler when named.

Backfill and batch detection split their work into independent tasks (one archive file, one
partition of entities) whose results the caller merges in a fixed order, so 1 worker, N workers
and the single-process path give the same answer. This module is the only place that talks to
Dask: :func:`connect` opens a client on a :class:`ClusterSpec`, :func:`run_tasks` runs a function
over items with a bounded number in flight (memory stays flat over years of archive files) and
yields each result as it finishes, so the caller can record it at once (a resumable manifest) and
show progress. A worker killed mid-task is restarted by its nanny and the task re-run elsewhere;
a task that keeps killing workers, a scheduler that cannot be reached, or a task's own error
become one :class:`~netvigil.model.errors.ClusterError` (a netvigil error raised inside a task is
passed on as it is).

Task functions must be importable module-level functions (workers are other processes).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, TypeVar

from netvigil.model.errors import ClusterError, NetvigilError

if TYPE_CHECKING:
    from distributed import Client, as_completed

T = TypeVar("T")
R = TypeVar("R")

CONNECT_TIMEOUT: Final = 10.0
"""Seconds to wait for a named scheduler before saying it cannot be reached."""

TASK_RETRIES: Final = 2
"""How many times a task whose worker died is run again before the run fails."""


@dataclass(frozen=True, slots=True)
class ClusterSpec:
    """Where batch work runs: ``workers`` local processes, or the cluster behind ``scheduler``."""

    workers: int = 1
    scheduler: str | None = None

    def describe(self) -> str:
        """One line for progress output: ``2 local workers`` or ``scheduler tcp://…``."""
        if self.scheduler:
            return f"scheduler {self.scheduler}"
        return f"{self.workers} local worker{'s' if self.workers != 1 else ''}"

    def slots(self, client: Client) -> int:
        """How many tasks run at once: the workers' threads (one per local worker)."""
        if self.scheduler:
            workers = client.scheduler_info().get("workers", {})
            return max(1, sum(int(w.get("nthreads", 1)) for w in workers.values()))
        return max(1, self.workers)


@contextmanager
def translated_errors(what: str) -> Iterator[None]:
    """Dask's and the network's errors as :class:`ClusterError`; netvigil's own pass through."""
    try:
        yield
    except NetvigilError:
        raise
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"{what}: {exc or type(exc).__name__}") from exc
    except Exception as exc:
        if type(exc).__module__.startswith(("distributed", "dask")):
            raise ClusterError(f"{what}: {type(exc).__name__}: {exc}") from exc
        raise


@contextmanager
def connect(spec: ClusterSpec) -> Iterator[Client]:
    """A Dask client on a fresh LocalCluster of ``spec.workers`` processes, or on ``spec.scheduler``.

    Local workers are processes with one thread each (the work is CPU-bound Python) and no
    dashboard; the cluster is closed when the block ends, whatever happens inside it.
    """
    from distributed import Client, LocalCluster  # noqa: PLC0415 - Dask loads only for batch work

    if spec.scheduler is None and spec.workers < 1:
        raise ClusterError(f"need at least one worker, got {spec.workers}")
    with translated_errors(f"cannot start Dask ({spec.describe()})"):
        if spec.scheduler:
            client = Client(spec.scheduler, timeout=CONNECT_TIMEOUT)
            cluster = None
        else:
            cluster = LocalCluster(
                n_workers=spec.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_tasks(
    client: Client,
    spec: ClusterSpec,
    task: Callable[[T], R],
    items: Iterable[T],
    *,
    name: Callable[[T], str],
) -> Iterator[tuple[T, R]]:
    """Run ``task`` on every item on the cluster; yield ``(item, result)`` as each one finishes.

    At most twice as many tasks as the cluster has slots are submitted at a time, so a backlog
    of a hundred thousand files costs no scheduler memory. ``name(item)`` names the task in
    Dask (and in errors); names must be unique within one run. The order of results is the
    order they finish in: callers that merge must sort. An item travels inside its task (so a
    task whose worker died can run again); a large one (a partition's series) is intended, so
    Dask's warning about large graphs is silenced.
    """
    import dask  # noqa: PLC0415 - Dask loads only for batch work
    from distributed import as_completed  # noqa: PLC0415 - Dask loads only for batch work

    pending = iter(items)
    window = 2 * spec.slots(client)
    submitted: dict[str, T] = {}

    def submit_next(queue: as_completed) -> bool:
        for item in pending:
            key = name(item)
            submitted[key] = item
            queue.add(client.submit(task, item, key=key, pure=False, retries=TASK_RETRIES))
            return True
        return False

    quiet = dask.config.set({"distributed.admin.large-graph-warning-threshold": "1PiB"})
    with translated_errors("batch task failed"), quiet:
        queue = as_completed([])
        for _ in range(window):
            if not submit_next(queue):
                break
        for future in queue:
            result = future.result()
            yield submitted.pop(future.key), result
            future.release()
            submit_next(queue)
