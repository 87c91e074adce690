"""The store's interface, one small protocol per part, and :class:`Store`, which composes them.

Every backend (DuckDB embedded now; chdb and ClickHouse later) fills the same protocols, and code
above ``store/`` types against them, never against a backend class. The core signal and event
methods sit flat on :class:`Store` (nearly every caller needs them); the feature parts hang off it
as attributes (``store.measurements``, ``store.alerts``, ``store.rollups``, …), each typed by its
own small protocol, so a function can ask for exactly the part it uses.

Writes are atomic: each write method is one transaction, and :meth:`Store.transaction` groups
several writes of one thread into one (nested uses join the outer one). Errors of the database
library surface as :class:`~netvigil.model.errors.StoreError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol, Self

from netvigil.model.alerts import AlertDelivery, AlertRule, DeliveryKey, DeliveryStatus
from netvigil.model.annotations import Annotation
from netvigil.model.events import Event, EventFilter
from netvigil.model.foreign import FetchRecord, ForeignEvent, Window
from netvigil.model.measurements import MeasurementQuery, MeasurementRow, ReachabilityCount
from netvigil.model.probing import BlockChange, BlockState
from netvigil.model.series import IngestRecord, SeriesData, SeriesInfo, SeriesSource, SeriesView
from netvigil.model.signals import SignalPoint
from netvigil.model.tokens import ApiToken

if TYPE_CHECKING:
    import pandas as pd


class SignalStore(Protocol):
    """Signal points in and out by series, and the record of ingested files."""

    def is_ingested(self, sha256: str) -> IngestRecord | None:
        """The earlier ingest of these exact bytes, if any."""
        ...

    def ingest_signals(self, chunks: Iterable[Sequence[SignalPoint]], record: IngestRecord) -> int:
        """Write all chunks and the record in one transaction; any exception writes nothing."""
        ...

    def write_signals(self, points: Sequence[SignalPoint]) -> int:
        """Upsert points outside any file record (live sources); returns how many were written."""
        ...

    def list_series(self, entities: Sequence[str] | None = None) -> list[SeriesInfo]:
        """Every stored series, optionally only of the given entities."""
        ...

    def read_series(
        self,
        entities: Sequence[str] | None = None,
        signals: Sequence[str] | None = None,
        since: int | None = None,
        until: int | None = None,
    ) -> Iterator[SeriesData]:
        """Series one by one, points sorted by time, ``since <= time < until``."""
        ...


class EventStore(Protocol):
    """Detected events: replaced per detection run, read by filter or id."""

    def replace_events(self, events: Iterable[Event], entities: Sequence[str]) -> int:
        """Replace every stored event of ``entities`` with ``events`` (one detection run)."""
        ...

    def read_events(self, where: EventFilter) -> list[Event]:
        """Stored events matching the filter, newest start first."""
        ...

    def get_event(self, event_id: str) -> Event | None:
        """One stored event by id."""
        ...


class MeasurementStore(Protocol):
    """OONI-format measurements, de-duplicated by id, searchable by envelope."""

    def insert(self, rows: Sequence[MeasurementRow]) -> int:
        """Insert rows whose id is not stored yet (nor repeated earlier in ``rows``); returns how many."""
        ...

    def insert_values(self, values: Sequence[tuple[Any, ...]]) -> int:
        """:meth:`insert` for rows given as tuples in :class:`MeasurementRow`'s field order (bulk path)."""
        ...

    def existing_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` are already stored."""
        ...

    def search(self, query: MeasurementQuery) -> list[MeasurementRow]:
        """Stored measurements matching ``query`` (without their bodies), newest first."""
        ...

    def get(self, measurement_id: str) -> MeasurementRow | None:
        """One stored measurement, with its body, by id."""
        ...

    def count(self) -> int:
        """How many measurements are stored."""
        ...

    def reachability_counts(self, since: int, until: int, step: int) -> list[ReachabilityCount]:
        """Per bin, test and network: tests that were ``ok`` of those that ran (``failure`` excluded)."""
        ...


class ProbeChangeStore(Protocol):
    """The block prober's state changes (observations)."""

    def write(self, changes: Sequence[BlockChange]) -> int:
        """Upsert state changes in one transaction; returns how many were written."""
        ...

    def read(self, block: str | None = None, since: int | None = None) -> list[BlockChange]:
        """Stored state changes, oldest first, optionally of one block and from ``since`` on."""
        ...

    def latest_states(self, vantage: str) -> dict[str, BlockState]:
        """The last stored state of every block seen from ``vantage``."""
        ...


class AlertStore(Protocol):
    """Alert rules and the delivery ledger (one row per rule, event and transition: the outbox)."""

    def add_rule(self, rule: AlertRule) -> AlertRule:
        """Store a rule (its id must be new)."""
        ...

    def list_rules(self) -> list[AlertRule]:
        """Every rule, oldest first."""
        ...

    def delete_rule(self, rule_id: str) -> bool:
        """Remove a rule and its pending deliveries; False if there was no such rule."""
        ...

    def enqueue(self, deliveries: Sequence[AlertDelivery]) -> int:
        """Queue deliveries not queued before (same rule, event and transition); returns how many are new."""
        ...

    def due_deliveries(self, now: int, limit: int = 100) -> list[AlertDelivery]:
        """Pending deliveries whose next attempt is due, oldest first."""
        ...

    def record_attempt(
        self, delivery: AlertDelivery, *, status: DeliveryStatus, next_attempt_at: int, error: str | None
    ) -> None:
        """Write the outcome of one attempt: sent, retry later (pending), or dead."""
        ...

    def list_deliveries(
        self, status: str | None = None, event_id: str | None = None, limit: int = 100
    ) -> list[AlertDelivery]:
        """Deliveries, newest first, optionally of one status (``dead``: the dead-letter list) or event."""
        ...

    def claim(self, delivery: AlertDelivery, *, now: int, until: int) -> bool:
        """Take a due pending delivery for sending, before it is sent (a lease, written ahead).

        Its next attempt moves to ``until``: no other deliverer takes it meanwhile, and if this one
        dies mid-send the message is due again when the lease ends (sent again with the same id).
        False if it is not due any more (sent, dead, or taken by another deliverer).
        """
        ...

    def requeue_dead(self, keys: Sequence[DeliveryKey], now: int) -> int:
        """Dead letters with these keys back to pending, due at ``now`` with no attempts counted.

        Keys that are not dead letters are left alone; returns how many were requeued.
        """
        ...


class TokenStore(Protocol):
    """API token records (hashes only; :mod:`netvigil.store.tokens` makes and checks tokens)."""

    def add(self, token: ApiToken) -> None:
        """Store a new token record."""
        ...

    def get(self, token_id: str) -> ApiToken | None:
        """One token record by id."""
        ...

    def list_tokens(self) -> list[ApiToken]:
        """Every token record, oldest first."""
        ...

    def revoke(self, token_id: str) -> bool:
        """Revoke a token by id; False if there is no such token."""
        ...


class StateStore(Protocol):
    """A small key-value table of service state (what the watch loop has done, when roll-ups ran)."""

    def get(self, key: str) -> str | None:
        """A stored value, or None."""
        ...

    def set(self, key: str, value: str) -> None:
        """Store a value, replacing the old one."""
        ...


class RollupStore(Protocol):
    """Roll-ups of the signals (mean, minimum, % of ordinary) and views read from them.

    The tiers are :data:`~netvigil.store.rollups.ROLLUP_STEPS`: half-hourly, hourly and daily.
    """

    def refresh(self, since: int | None = None) -> None:
        """Rebuild the roll-ups from ``since`` (floored to a day) on, or all of them; one transaction."""
        ...

    def finest_rows(self, entities: Sequence[str], since: int | None) -> pd.DataFrame:
        """The finest tier of ``entities`` from ``since`` on, sorted by entity, signal and time."""
        ...

    def write_percent(self, scored: pd.DataFrame, since: int | None) -> None:
        """Replace finest-tier rows of the frame's entities (entity, signal, time, value, low, n, percent)."""
        ...

    def derive_coarser(self, since: int | None) -> None:
        """Rebuild every coarser tier (and its % of ordinary) from the finest one, from ``since`` on."""
        ...

    def entities(self) -> list[str]:
        """Every entity with a roll-up."""
        ...

    def fresh(self) -> bool:
        """Whether the roll-ups were built from the signals as they are now."""
        ...

    def latest_time(self) -> int | None:
        """The newest signal time the store holds (as of the last roll-up), or None for an empty store."""
        ...

    def series_views(
        self,
        entities: Sequence[str],
        signals: Sequence[str],
        since: int,
        until: int,
        max_points: int,
        raw_step: int = 300,
        percent: bool = False,
    ) -> list[SeriesView]:
        """Every stored (entity, signal) of the lists in ``[since, until)``, same bins for all."""
        ...

    def series_view(
        self, entity: str, signal: str, since: int, until: int, max_points: int, raw_step: int = 300
    ) -> SeriesView:
        """One series in ``[since, until)`` in at most about ``max_points`` bins (mean and minimum)."""
        ...

    def signals_of(self, entities: Sequence[str]) -> dict[str, list[str]]:
        """The signal names stored for each entity."""
        ...

    def stored_entities(self, like: str | None = None) -> list[str]:
        """Entities with any stored series, optionally matching a LIKE pattern."""
        ...

    def day_spans(self, entities: Sequence[str] | None = None) -> dict[tuple[str, str], tuple[int, int]]:
        """The first and last day (UTC day starts) of each stored (entity, signal), from the daily tier.

        Of ``entities``, or of every entity with None; cheap, so a page can ask which series are
        surely old enough to be judged without reading raw points.
        """
        ...


class AnnotationStore(Protocol):
    """Analysts' cause annotations of events (append-only; the newest of an event is its cause)."""

    def add(self, annotation: Annotation) -> Annotation:
        """Append an annotation; a second one by the same author in the same second replaces the first."""
        ...

    def of(self, event_ids: Sequence[str]) -> list[Annotation]:
        """Every annotation of the given events, oldest first."""
        ...

    def current_causes(self, event_ids: Sequence[str]) -> dict[str, Annotation]:
        """The newest annotation of each given event that has one."""
        ...


class EvidenceStore(Protocol):
    """What a report cites: per series, where its points came from."""

    def series_sources(self, entities: Sequence[str], since: int, until: int) -> list[SeriesSource]:
        """Points per (entity, signal, source) with ``since <= time < until``, for the given entities."""
        ...


class ForeignStore(Protocol):
    """What other observatories said (their events), and which windows of each source are stored.

    The manifest is what makes a backfill resumable: a window is recorded in the same transaction
    as its data, so after a crash a window is either wholly stored and recorded or not at all.
    """

    def add_events(self, events: Sequence[ForeignEvent]) -> int:
        """Store events, replacing stored ones with the same (source, source_id, entity); returns how many."""
        ...

    def read_events(
        self,
        *,
        source: str | None = None,
        entities: Sequence[str] | None = None,
        since: int | None = None,
        until: int | None = None,
    ) -> list[ForeignEvent]:
        """Events of ``source`` (all: None) about ``entities`` overlapping ``[since, until)``, by start."""
        ...

    def record_fetch(self, record: FetchRecord) -> None:
        """Record one fetched window (replacing an earlier, incomplete record of it)."""
        ...

    def completed(self, source: str, entity: str, since: int, until: int) -> set[Window]:
        """The windows of ``source`` and ``entity`` inside ``[since, until)`` stored complete."""
        ...

    def fetches(self, source: str | None = None) -> list[FetchRecord]:
        """The manifest (of one source, or all), by source, entity and start."""
        ...


class Store(SignalStore, EventStore, Protocol):
    """A whole store: signals and events flat, the feature parts as attributes, and its lifecycle."""

    @property
    def read_only(self) -> bool:
        """Whether the store was opened for reading only."""
        ...

    @property
    def measurements(self) -> MeasurementStore:
        """OONI-format measurements."""
        ...

    @property
    def probe_changes(self) -> ProbeChangeStore:
        """The block prober's state changes."""
        ...

    @property
    def alerts(self) -> AlertStore:
        """Alert rules and the delivery ledger."""
        ...

    @property
    def tokens(self) -> TokenStore:
        """API token records."""
        ...

    @property
    def state(self) -> StateStore:
        """Service state (key-value)."""
        ...

    @property
    def rollups(self) -> RollupStore:
        """Roll-ups and serving views."""
        ...

    @property
    def annotations(self) -> AnnotationStore:
        """Analysts' cause annotations."""
        ...

    @property
    def foreign(self) -> ForeignStore:
        """Other observatories' events and the public sources' fetch manifest."""
        ...

    @property
    def evidence(self) -> EvidenceStore:
        """Sources of series (for reports)."""
        ...

    def transaction(self) -> AbstractContextManager[None]:
        """Group this thread's writes into one transaction: all commit, or none on an exception."""
        ...

    def migrate(self) -> int:
        """Apply every migration not applied yet; returns the schema version."""
        ...

    def schema_version(self) -> int:
        """The highest migration applied (0 for an empty store)."""
        ...

    def close(self) -> None:
        """Release the store (and its write lock, if held)."""
        ...

    def __enter__(self) -> Self:
        """The store itself, closed on leaving the block."""
        ...

    def __exit__(self, *exc: object) -> None:
        """Close the store."""
        ...
