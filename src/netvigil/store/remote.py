"""A store held by a running ``netvigil serve``, used from another process over loopback HTTP.

:class:`RemoteStore` fills the :class:`~netvigil.store.protocol.Store` protocol by sending each
call to the service (``serve/store_service.py``) with :mod:`httpx`: the method's name, its
arguments pickled (see :mod:`netvigil.store.service` for why that is safe here), and — for an
argument that is an iterator, such as ``ingest_signals``' chunks — its items one frame each, so
an ingest stays one transaction on the server and is never held whole in memory. A result that
is an iterator (``read_series``) comes back item by item. Errors come back as the same
exceptions (:class:`StoreError`, :class:`InputError`, …); a service that dies mid-call is a
:class:`StoreError` saying so.

:meth:`RemoteStore.transaction` opens a transaction on the server for this thread, bound to one
connection of its own: calls of this thread run inside it until it commits or rolls back, and if
this process dies the server rolls it back as the connection closes. Inside a transaction an
iterator result is read whole before it is returned (the connection is needed for the next call).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any, Final, Self, cast

import httpx

from netvigil.model.errors import StoreError
from netvigil.model.events import Event, EventFilter
from netvigil.model.series import IngestRecord, SeriesData, SeriesInfo
from netvigil.model.signals import SignalPoint
from netvigil.store.protocol import (
    AlertStore,
    AnnotationStore,
    EvidenceStore,
    ForeignStore,
    MeasurementStore,
    ProbeChangeStore,
    RollupStore,
    StateStore,
    TokenStore,
)
from netvigil.store.service import (
    CALL_PATH,
    SESSION_HEADER,
    Endpoint,
    Frame,
    FrameReader,
    callable_names,
    decode_error,
    encode,
    is_streamed,
)

CONNECT_TIMEOUT: Final = 1.0


@dataclass(slots=True)
class _Session:
    """The calling thread's open transaction: its id on the server, its own connection, how deep it nests."""

    id: str
    client: httpx.Client
    depth: int = 1


@dataclass(slots=True)
class _Upload:
    """The iterator argument of a call, sent item by item; what it raised, if it raised."""

    items: Iterator[Any]
    failure: BaseException | None = None

    def frames(self, head: bytes) -> Iterator[bytes]:
        yield head
        try:
            for item in self.items:
                yield encode(("item", item))
        except GeneratorExit:
            raise
        except BaseException as exc:
            self.failure = exc
            yield encode(("abort", f"{type(exc).__name__}: {exc}"))
        else:
            yield encode(("end", None))


def _client(endpoint: Endpoint, limits: httpx.Limits) -> httpx.Client:
    return httpx.Client(
        base_url=endpoint.url,
        headers={"Authorization": f"Bearer {endpoint.secret}"},
        timeout=httpx.Timeout(None, connect=CONNECT_TIMEOUT),
        limits=limits,
        trust_env=False,
    )


class _Connection:
    """Sends calls to the service: one pooled client, and a dedicated one per open transaction."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self._client = _client(endpoint, httpx.Limits(max_keepalive_connections=8))
        self._local = threading.local()

    @property
    def session(self) -> _Session | None:
        session: _Session | None = getattr(self._local, "session", None)
        return session

    def call(self, target: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Run ``target`` on the service; an iterator result is returned as an iterator."""
        slot, upload = _streamed_argument(args, kwargs)
        if upload is not None:
            args, kwargs = _without(args, kwargs, slot)
        session = self.session
        head = encode(("call", (target, args, kwargs, slot)))
        client = session.client if session else self._client
        headers = {SESSION_HEADER: session.id} if session else {}
        body: bytes | Iterator[bytes] = upload.frames(head) if upload else head
        responses = self._exchange(client, body, headers)
        first = self._first(responses, upload)
        if first[0] == "value":
            responses.close()
            return first[1]
        items = self._items(responses)
        return iter(list(items)) if session else items

    def control(self, client: httpx.Client, frame: Frame, headers: dict[str, str]) -> Any:
        """A transaction step (``begin``, ``commit``, ``rollback``) on ``client``'s connection."""
        responses = self._exchange(client, encode(frame), headers)
        first = self._first(responses, None)
        responses.close()
        return first[1]

    def open_session(self) -> _Session:
        """Begin a transaction on a connection of its own (one connection: one server thread)."""
        client = _client(self.endpoint, httpx.Limits(max_connections=1, keepalive_expiry=None))
        try:
            session_id = self.control(client, ("begin", None), {})
        except BaseException:
            client.close()
            raise
        session = _Session(str(session_id), client)
        self._local.session = session
        return session

    def close_session(self, session: _Session, *, commit: bool) -> None:
        """Commit or roll back, and let the connection go."""
        self._local.session = None
        try:
            frame = ("commit" if commit else "rollback", session.id)
            self.control(session.client, frame, {SESSION_HEADER: session.id})
        finally:
            session.client.close()

    def _exchange(
        self, client: httpx.Client, body: bytes | Iterator[bytes], headers: dict[str, str]
    ) -> _Answer:
        with self.translated():
            request = client.build_request("POST", CALL_PATH, content=body, headers=headers)
            response = client.send(request, stream=True)
        if response.status_code != 200:
            response.close()
            raise StoreError(
                f"the store service at {self.endpoint.url} (pid {self.endpoint.pid}) refused the call "
                f"(HTTP {response.status_code}); is its endpoint file from another service?"
            )
        return _Answer(self, response)

    def _first(self, responses: _Answer, upload: _Upload | None) -> Frame:
        frame = responses.frame()
        if upload is not None and upload.failure is not None:
            responses.close()
            raise upload.failure
        if frame[0] == "error":
            responses.close()
            raise decode_error(frame[1])
        return frame

    def _items(self, responses: _Answer) -> Iterator[Any]:
        abandoned = False
        try:
            while True:
                tag, payload = responses.frame()
                if tag == "end":
                    return
                if tag == "error":
                    raise decode_error(payload)
                yield payload
        except GeneratorExit:
            abandoned = True
            raise
        finally:
            if abandoned:
                responses.abandon()
            else:
                responses.close()

    @contextmanager
    def translated(self) -> Iterator[None]:
        """Httpx's errors as one :class:`StoreError` saying the service went away (the one place)."""
        try:
            yield
        except (httpx.TransportError, EOFError) as exc:
            raise StoreError(
                f"the store service (netvigil serve, pid {self.endpoint.pid}, {self.endpoint.url}) "
                f"went away during a call ({type(exc).__name__}: {exc or 'connection closed'}); "
                "what the call wrote may not be stored — run the command again"
            ) from exc

    def close(self) -> None:
        """Let the pooled connections go."""
        self._client.close()


class _Answer:
    """One streamed answer: its frames, read as they arrive."""

    def __init__(self, connection: _Connection, response: httpx.Response) -> None:
        self._connection = connection
        self._response = response
        self._chunks = response.iter_raw()
        self._frames = FrameReader(self._chunks)

    def frame(self) -> Frame:
        with self._connection.translated():
            return self._frames.frame()

    def close(self) -> None:
        """Read the answer to its end (so its connection can be reused) and release it."""
        with suppress(StoreError), self._connection.translated():
            for _ in self._chunks:
                pass
        self._response.close()

    def abandon(self) -> None:
        """Drop the answer unread (the caller stopped iterating): its connection is closed."""
        self._response.close()


def _streamed_argument(
    args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[int | str | None, _Upload | None]:
    """The one argument that is an iterator (sent item by item), where it is, or (None, None)."""
    for index, value in enumerate(args):
        if is_streamed(value):
            return index, _Upload(value)
    for name, value in kwargs.items():
        if is_streamed(value):
            return name, _Upload(value)
    return None, None


def _without(
    args: tuple[Any, ...], kwargs: dict[str, Any], slot: int | str | None
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    if isinstance(slot, str):
        return args, {**kwargs, slot: None}
    if isinstance(slot, int):
        return (*args[:slot], None, *args[slot + 1 :]), kwargs
    return args, kwargs


class _Part:
    """A part of the store (``alerts``, ``rollups``, …): every method of its protocol, sent as a call."""

    def __init__(self, connection: _Connection, name: str) -> None:
        self._connection = connection
        self._name = name

    def __getattr__(self, method: str) -> Any:
        if method not in callable_names()[self._name]:
            raise AttributeError(f"the {self._name} part of a store has no method {method!r}")
        target = f"{self._name}.{method}"

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._connection.call(target, args, kwargs)

        call.__name__ = method
        return call


class RemoteStore:
    """The :class:`~netvigil.store.protocol.Store` of a running service, from another process."""

    def __init__(self, endpoint: Endpoint, *, read_only: bool = False) -> None:
        self._connection = _Connection(endpoint)
        self._read_only = read_only
        self.endpoint = endpoint

    @classmethod
    def connect(cls, endpoint: Endpoint, *, read_only: bool = False) -> RemoteStore | None:
        """The store of the service at ``endpoint``, or None if nothing answers there (a stale file)."""
        store = cls(endpoint, read_only=read_only)
        try:
            store.schema_version()
        except StoreError as exc:
            store.close()
            if isinstance(exc.__cause__, httpx.ConnectError):
                return None
            raise
        return store

    def _call(self, target: str, *args: Any, **kwargs: Any) -> Any:
        return self._connection.call(target, args, kwargs)

    def _part(self, name: str) -> Any:
        return _Part(self._connection, name)

    @property
    def read_only(self) -> bool:
        """Whether the store was opened for reading only (the service itself holds it for writing)."""
        return self._read_only

    def is_ingested(self, sha256: str) -> IngestRecord | None:
        """The earlier ingest of these exact bytes, if any."""
        return cast(IngestRecord | None, self._call("is_ingested", sha256))

    def ingest_signals(self, chunks: Iterable[Sequence[SignalPoint]], record: IngestRecord) -> int:
        """All chunks and the record in one transaction on the service, the chunks sent one by one."""
        return cast(int, self._call("ingest_signals", iter(chunks), record))

    def write_signals(self, points: Sequence[SignalPoint]) -> int:
        """Upsert points outside any file record."""
        return cast(int, self._call("write_signals", points))

    def list_series(self, entities: Sequence[str] | None = None) -> list[SeriesInfo]:
        """Every stored series, optionally only of the given entities."""
        return cast(list[SeriesInfo], self._call("list_series", entities))

    def read_series(
        self,
        entities: Sequence[str] | None = None,
        signals: Sequence[str] | None = None,
        since: int | None = None,
        until: int | None = None,
    ) -> Iterator[SeriesData]:
        """Series one by one, as the service reads them."""
        return cast(Iterator[SeriesData], self._call("read_series", entities, signals, since, until))

    def replace_events(self, events: Iterable[Event], entities: Sequence[str]) -> int:
        """Replace every stored event of ``entities`` with ``events``."""
        return cast(int, self._call("replace_events", iter(events), entities))

    def read_events(self, where: EventFilter) -> list[Event]:
        """Stored events matching the filter, newest start first."""
        return cast(list[Event], self._call("read_events", where))

    def get_event(self, event_id: str) -> Event | None:
        """One stored event by id."""
        return cast(Event | None, self._call("get_event", event_id))

    @property
    def measurements(self) -> MeasurementStore:
        """OONI-format measurements."""
        return cast(MeasurementStore, self._part("measurements"))

    @property
    def probe_changes(self) -> ProbeChangeStore:
        """The block prober's state changes."""
        return cast(ProbeChangeStore, self._part("probe_changes"))

    @property
    def alerts(self) -> AlertStore:
        """Alert rules and the delivery ledger."""
        return cast(AlertStore, self._part("alerts"))

    @property
    def tokens(self) -> TokenStore:
        """API token records."""
        return cast(TokenStore, self._part("tokens"))

    @property
    def state(self) -> StateStore:
        """Service state (key-value)."""
        return cast(StateStore, self._part("state"))

    @property
    def rollups(self) -> RollupStore:
        """Roll-ups and serving views."""
        return cast(RollupStore, self._part("rollups"))

    @property
    def annotations(self) -> AnnotationStore:
        """Analysts' cause annotations."""
        return cast(AnnotationStore, self._part("annotations"))

    @property
    def foreign(self) -> ForeignStore:
        """Other observatories' events and the fetch manifest."""
        return cast(ForeignStore, self._part("foreign"))

    @property
    def evidence(self) -> EvidenceStore:
        """Sources of series (for reports)."""
        return cast(EvidenceStore, self._part("evidence"))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """A transaction on the service for this thread's calls; nested uses join the outer one."""
        session = self._connection.session
        if session is not None:
            session.depth += 1
            try:
                yield
            finally:
                session.depth -= 1
            return
        session = self._connection.open_session()
        try:
            yield
        except BaseException:
            with suppress(StoreError):
                self._connection.close_session(session, commit=False)
            raise
        self._connection.close_session(session, commit=True)

    def migrate(self) -> int:
        """The service keeps its store migrated; returns the schema version."""
        return cast(int, self._call("migrate"))

    def schema_version(self) -> int:
        """The highest migration applied."""
        return cast(int, self._call("schema_version"))

    def close(self) -> None:
        """Let the connections go (the service keeps the store open)."""
        self._connection.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
