"""One HTTP client for every public source: retries, Retry-After, a validator cache, paging, downloads.

Every public source (IODA, OONI, Cloudflare Radar, RIPE Atlas, the RIS and Route Views archives)
reads the network through :class:`SourceClient`, so that the rules are kept in one place:

- the base URL is a setting, overridden by the source's ``NETVIGIL_*_URL`` environment variable;
  tokens come from the environment only;
- timeouts, then up to ``retries`` more attempts with exponential backoff and full jitter
  (``sleep(random() * min(cap, base * 2**attempt))``); 429 and 503 honour ``Retry-After``
  (seconds or HTTP-date) up to ``max_retry_after``, beyond which the source is reported as
  rate-limited at once instead of hammered;
- politeness: at least ``min_interval`` seconds between two requests to one host;
- conditional requests: an answer that carried an ``ETag`` or ``Last-Modified`` is kept under
  ``$NETVIGIL_CACHE_DIR/http/`` and revalidated with ``If-None-Match`` / ``If-Modified-Since``;
  a 304 is served from disk. Entries are written atomically and checked on read (length and
  SHA-256): a damaged entry is ignored and the answer fetched again;
- downloads stream to ``dest.part``, resume with ``Range`` after a dropped connection, and are
  renamed into place only when whole;
- every foreign error (httpx's, JSON's, the disk's) is translated here, once, into
  :class:`~netvigil.model.errors.SourceError` whose message is one line saying what to do.

The random source, the sleep function and both clocks are injectable so tests are deterministic
and do not wait. See docs/design/sources.md.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import json
import os
import random
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Protocol, TypeVar

import httpx
import orjson

from netvigil.geo.registry import cache_dir
from netvigil.model.errors import ConfigError, SourceError, SourceErrorKind
from netvigil.model.foreign import SourceReport

T = TypeVar("T")
ParamValue = str | int | float | bool
Params = Mapping[str, ParamValue | Sequence[ParamValue]] | Sequence[tuple[str, ParamValue]]
Progress = Callable[[int, int | None], None]
"""A download's progress callback: bytes done so far, total bytes (None when the server does not say)."""

USER_AGENT: Final = "netvigil (internet-shutdown observatory; +https://github.com/netvigil/netvigil)"
RETRY_STATUSES: Final = frozenset({429, 500, 502, 503, 504})
RETRY_AFTER_STATUSES: Final = frozenset({429, 503})
_CHUNK: Final = 1 << 16
_DETAIL_CHARS: Final = 120


@dataclass(frozen=True, slots=True)
class SourceSettings:
    """How to reach one public source and how politely; every per-source module declares one.

    ``name`` is the short name used in signal names and reports (``ioda``), ``label`` the name
    people know (``IODA``). Times are seconds.
    """

    name: str
    label: str
    default_url: str
    url_env: str
    token_env: str | None = None
    token_required: bool = False
    auth_scheme: str = "Bearer"
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    retries: int = 4
    backoff_base: float = 1.0
    backoff_cap: float = 60.0
    max_retry_after: float = 120.0
    min_interval: float = 1.0

    def base_url(self, env: Mapping[str, str]) -> str:
        """``$<url_env>`` when set, else the default; without a trailing slash."""
        return (env.get(self.url_env) or self.default_url).rstrip("/")

    def interval(self, env: Mapping[str, str]) -> float:
        """Seconds between requests: ``$NETVIGIL_<NAME>_MIN_INTERVAL`` (a mirror, a replay), else ours."""
        variable = f"NETVIGIL_{self.name.upper().replace('-', '_')}_MIN_INTERVAL"
        value = env.get(variable)
        try:
            return max(0.0, float(value)) if value else self.min_interval
        except ValueError:
            raise ConfigError(f"{variable}={value!r}: expected a number of seconds") from None

    def token(self, env: Mapping[str, str]) -> str | None:
        """The API token from ``$<token_env>``, or None."""
        return (env.get(self.token_env) or None) if self.token_env else None


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    """A body kept for revalidation, with the validators the server gave for it."""

    body: bytes
    etag: str | None
    last_modified: str | None


class ResponseCache:
    """Answers on disk, one file per URL: a JSON header line (validators, length, SHA-256), then the body."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, url: str) -> Path:
        """The entry's file: ``root/<host>/<sha256 of the URL>``."""
        host = httpx.URL(url).netloc.decode("ascii", "replace").replace(":", "_") or "_"
        return self.root / host / hashlib.sha256(url.encode()).hexdigest()

    def load(self, url: str) -> CachedAnswer | None:
        """The entry for ``url``, or None when there is none or it is damaged (it is then removed)."""
        path = self.path(url)
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        head, _, body = raw.partition(b"\n")
        try:
            meta = json.loads(head)
            whole = meta["length"] == len(body) and meta["sha256"] == hashlib.sha256(body).hexdigest()
            answer = CachedAnswer(body, meta.get("etag"), meta.get("last_modified"))
        except (ValueError, KeyError, TypeError):
            whole = False
        if not whole:
            path.unlink(missing_ok=True)
            return None
        return answer

    def store(self, url: str, answer: CachedAnswer) -> None:
        """Write the entry atomically (a temporary file renamed over the old one)."""
        meta = {
            "url": url,
            "etag": answer.etag,
            "last_modified": answer.last_modified,
            "length": len(answer.body),
            "sha256": hashlib.sha256(answer.body).hexdigest(),
        }
        path = self.path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(json.dumps(meta).encode() + b"\n" + answer.body)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


class PageFollower(Protocol):
    """Given a page and the request that got it, the next request, or None after the last page."""

    def __call__(self, page: Any, url: str, params: Params | None) -> tuple[str, Params | None] | None:
        """The next request."""
        ...


def dig(value: Any, *keys: str) -> Any:
    """``value[k1][k2]…``, or None where a key is missing or a value is not an object."""
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def next_url(*keys: str) -> PageFollower:
    """Follow a next-page URL found at ``keys`` (OONI ``metadata.next_url``, Atlas ``next``) until null.

    The link is kept on the origin (scheme, host, port) of the request that got the page: services
    build it from their own public name (OONI's is always ``https://api.ooni.io``), so a mirror or a
    replay set through ``NETVIGIL_*_URL`` would otherwise send the next request to the real service.
    """

    def follow(page: Any, url: str, params: Params | None) -> tuple[str, Params | None] | None:
        link = dig(page, *keys)
        if not isinstance(link, str) or not link:
            return None
        here = httpx.URL(url)
        there = here.join(link).copy_with(scheme=here.scheme, host=here.host, port=here.port)
        return str(there), None

    return follow


def by_offset(items: Sequence[str], limit: int, offset_param: str = "offset") -> PageFollower:
    """Step ``offset_param`` by the items received until a page holds fewer than ``limit`` items."""
    return _stepping(items, limit, offset_param, lambda current, got: current + got)


def by_page(items: Sequence[str], limit: int, page_param: str = "page") -> PageFollower:
    """Step ``page_param`` by one until a page holds fewer than ``limit`` items."""
    return _stepping(items, limit, page_param, lambda current, _got: current + 1)


def _stepping(
    items: Sequence[str], limit: int, param: str, step: Callable[[int, int], int]
) -> PageFollower:
    """A follower that rewrites one numeric parameter; the request's params must be a mapping."""

    def follow(page: Any, url: str, params: Params | None) -> tuple[str, Params | None] | None:
        got = dig(page, *items)
        if not isinstance(got, list) or len(got) < limit:
            return None
        current = dict(params) if isinstance(params, Mapping) else {}
        start = current.get(param, 0)
        current[param] = step(int(start) if isinstance(start, int | str) else 0, len(got))
        return url, current

    return follow


@dataclass(frozen=True, slots=True)
class _Retry:
    """An attempt's failure worth another try (after ``delay`` when the server said how long)."""

    error: SourceError
    delay: float | None = None


@dataclass
class _Counters:
    requests: int = 0
    bytes: int = 0
    cache_hits: int = 0
    retries: int = 0
    last_request: dict[str, float] = field(default_factory=dict)


class SourceClient:
    """The HTTP client of one public source (sync httpx). Use as a context manager, or ``close()``."""

    def __init__(
        self,
        settings: SourceSettings,
        *,
        env: Mapping[str, str] | None = None,
        base_url: str | None = None,
        cache_root: Path | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        environ = os.environ if env is None else env
        self.settings = settings
        self.base_url = (base_url or settings.base_url(environ)).rstrip("/")
        self.token = settings.token(environ)
        self.min_interval = settings.interval(environ)
        self.cache = ResponseCache(cache_root if cache_root is not None else cache_dir() / "http")
        self._sleep, self._rand, self._monotonic, self._wall_clock = sleep, rand, monotonic, wall_clock
        self._counters = _Counters()
        timeout = httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout)
        self._http = httpx.Client(timeout=timeout, headers={"User-Agent": USER_AGENT}, follow_redirects=True)

    def __enter__(self) -> SourceClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    def url(self, path: str, params: Params | None = None) -> str:
        """The absolute URL of ``path`` (relative to the base URL unless already absolute) with ``params``."""
        absolute = path if path.startswith(("http://", "https://")) else f"{self.base_url}/{path.lstrip('/')}"
        if not params:
            return absolute
        return str(httpx.URL(absolute).copy_merge_params(_pairs(params)))

    def report(self) -> SourceReport:
        """What this client has cost so far (requests, bytes, cache hits, retries)."""
        c = self._counters
        return SourceReport(
            self.settings.name, requests=c.requests, bytes=c.bytes, cache_hits=c.cache_hits, retries=c.retries
        )

    def fail(self, kind: SourceErrorKind, url: str, detail: str = "") -> SourceError:
        """The one-line error for ``kind`` at ``url``; source modules raise it for "empty" or "malformed"."""
        message = _message(self.settings, kind, url, detail)
        return SourceError(message, source=self.settings.name, kind=kind, url=url)

    def get_bytes(self, path: str, params: Params | None = None) -> bytes:
        """The body of a GET, revalidated from the cache when the server gave validators."""
        return self._get(self.url(path, params), lambda body: body)

    def get_json(self, path: str, params: Params | None = None) -> Any:
        """The decoded JSON body of a GET; a body that is not JSON is a "malformed" error (and not cached)."""
        url = self.url(path, params)

        def decode(body: bytes) -> Any:
            try:
                return orjson.loads(body)
            except orjson.JSONDecodeError as exc:
                raise self.fail("malformed", url, f"not JSON: {exc}") from exc

        return self._get(url, decode)

    def pages(
        self, path: str, params: Params | None, follow: PageFollower, *, max_pages: int = 10_000
    ) -> Iterator[Any]:
        """Each page's JSON, following ``follow`` (:func:`next_url`, :func:`by_offset`, :func:`by_page`)."""
        request: tuple[str, Params | None] | None = (self.url(path), params)
        seen: set[str] = set()
        while request is not None:
            url = self.url(*request)
            if url in seen or len(seen) >= max_pages:
                raise self.fail("malformed", url, "the pages never end")
            seen.add(url)
            page = self.get_json(url)
            yield page
            request = follow(page, *request)

    def download(self, path: str, dest: Path, progress: Progress | None = None) -> Path:
        """Fetch ``path`` to ``dest`` through ``dest.part``, resumed with Range; kept if present."""
        if dest.exists():
            self._counters.cache_hits += 1
            return dest
        url = self.url(path)
        part = dest.with_name(dest.name + ".part")
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            self._with_retries(url, lambda: self._download_once(url, part, progress))
            os.replace(part, dest)
        except OSError as exc:
            raise self.fail("disk", url, f"{dest}: {exc.strerror or exc}") from exc
        return dest

    def _get(self, url: str, decode: Callable[[bytes], T]) -> T:
        """GET ``url`` with the cache's validators; decode the body before caching it."""
        cached = self.cache.load(url)
        headers = _validators(cached)
        response = self._with_retries(url, lambda: self._fetch(url, headers))
        if response.status_code == 304 and cached is not None:
            self._counters.cache_hits += 1
            return decode(cached.body)
        value = decode(response.content)
        etag, modified = response.headers.get("etag"), response.headers.get("last-modified")
        if etag or modified:
            with contextlib.suppress(OSError):  # a cache that cannot be written only costs a refetch
                self.cache.store(url, CachedAnswer(response.content, etag, modified))
        return value

    def _fetch(self, url: str, headers: Mapping[str, str]) -> httpx.Response | _Retry:
        """One attempt at a GET, body read whole; a failure not worth retrying raises :class:`SourceError`."""
        response = self._http.get(url, headers={**self._auth(url), **headers})
        self._counters.bytes += len(response.content)
        return self._status_outcome(url, response) if response.status_code >= 400 else response

    def _download_once(self, url: str, part: Path, progress: Progress | None) -> _Retry | None:
        """One attempt at streaming ``url`` onto the end of ``part``."""
        have = part.stat().st_size if part.exists() else 0
        headers = {**self._auth(url), "Accept-Encoding": "identity"}
        if have:
            headers["Range"] = f"bytes={have}-"
        with self._http.stream("GET", url, headers=headers) as response:
            if response.status_code == 416 and have:
                if _content_range_total(response) == have:
                    return None
                part.unlink()
                return _Retry(self.fail("server_error", url, "the partial download no longer matches"), 0.0)
            if response.status_code >= 400:
                response.read()
                return self._status_outcome(url, response)
            resumed = response.status_code == 206 and _content_range_start(response) == have
            done = have if resumed else 0
            total = _expected_total(response, done)
            with part.open("ab" if resumed else "wb") as out:
                for chunk in response.iter_raw(_CHUNK):
                    out.write(chunk)
                    done += len(chunk)
                    self._counters.bytes += len(chunk)
                    if progress is not None:
                        progress(done, total)
        if total is not None and done != total:
            return _Retry(self.fail("server_error", url, f"the connection closed at {done} of {total} bytes"))
        return None

    def _with_retries(self, url: str, attempt: Callable[[], T | _Retry]) -> T:
        """Run ``attempt`` (politely), retrying what is worth retrying with backoff or Retry-After."""
        number = 0
        while True:
            self._be_polite(url)
            self._counters.requests += 1
            outcome = self._translated(url, attempt)
            if not isinstance(outcome, _Retry):
                return outcome
            if number == self.settings.retries:
                raise outcome.error
            self._counters.retries += 1
            self._sleep(outcome.delay if outcome.delay is not None else self._backoff(number))
            number += 1

    def _backoff(self, attempt: int) -> float:
        """Full jitter: a random wait up to ``base * 2**attempt``, capped."""
        s = self.settings
        return self._rand() * min(s.backoff_cap, s.backoff_base * 2.0**attempt)

    def _be_polite(self, url: str) -> None:
        """Wait until ``min_interval`` has passed since the last request to this host."""
        host = httpx.URL(url).netloc.decode("ascii", "replace")
        last = self._counters.last_request.get(host)
        if last is not None:
            wait = self.min_interval - (self._monotonic() - last)
            if wait > 0:
                self._sleep(wait)
        self._counters.last_request[host] = self._monotonic()

    def _auth(self, url: str) -> dict[str, str]:
        """The Authorization header, or a clear "needs a token" error when a required token is missing."""
        if self.token:
            return {"Authorization": f"{self.settings.auth_scheme} {self.token}"}
        if self.settings.token_required:
            raise SourceError(
                f"{self.settings.label} needs a token: set {self.settings.token_env}",
                source=self.settings.name,
                kind="unauthorised",
                url=url,
            )
        return {}

    def _translated(self, url: str, attempt: Callable[[], T | _Retry]) -> T | _Retry:
        """Run ``attempt``; httpx's transport errors become a :class:`_Retry` (each is worth another try)."""
        try:
            return attempt()
        except httpx.TimeoutException as exc:
            return _Retry(_caused(self.fail("timeout", url), exc))
        except httpx.ConnectError as exc:
            return _Retry(_caused(self.fail("offline", url), exc))
        except httpx.TransportError as exc:
            return _Retry(_caused(self.fail("server_error", url, f"connection dropped: {exc}"), exc))

    def _status_outcome(self, url: str, response: httpx.Response) -> _Retry:
        """What a 4xx/5xx means: a :class:`_Retry` for 429 and 5xx, else a :class:`SourceError` raised."""
        status = response.status_code
        detail = f"HTTP {status}" + (f": {said}" if (said := _said(response)) else "")
        error = self.fail(_kind_of_status(status), url, detail)
        if status not in RETRY_STATUSES:
            raise error
        delay = None
        if status in RETRY_AFTER_STATUSES:
            delay = retry_after(response.headers.get("retry-after"), self._wall_clock())
        if delay is not None and delay > self.settings.max_retry_after:
            raise self.fail(_kind_of_status(status), url, f"{detail}; asks us to wait {delay:.0f} s")
        return _Retry(error, delay)


def _caused(error: SourceError, cause: BaseException) -> SourceError:
    """``error`` with the foreign error kept as its cause (for tracebacks and logs)."""
    error.__cause__ = cause
    return error


def retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or HTTP-date), or None if unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def _pairs(params: Params) -> list[tuple[str, ParamValue | None]]:
    """Query parameters as (name, value) pairs; a sequence value repeats the name (Radar's multi-series)."""
    items = params.items() if isinstance(params, Mapping) else params
    pairs: list[tuple[str, ParamValue | None]] = []
    for name, value in items:
        values = value if isinstance(value, Sequence) and not isinstance(value, str) else [value]
        pairs.extend((name, one) for one in values)
    return pairs


def _kind_of_status(status: int) -> SourceErrorKind:
    """The error kind an HTTP status means."""
    if status in {401, 403}:
        return "unauthorised"
    if status in {404, 410}:
        return "not_found"
    if status == 429:
        return "rate_limited"
    return "server_error" if status >= 500 else "rejected"


def _said(response: httpx.Response) -> str:
    """What an error body says: IODA's ``error``, OONI's ``detail``/``msg``, Radar's ``errors``, Atlas's."""
    try:
        body = response.json()
    except ValueError:
        return " ".join(response.text.split())[:_DETAIL_CHARS]
    errors = dig(body, "errors")
    first_error = errors[0] if isinstance(errors, list) and errors else None
    for found in (
        dig(body, "error"),
        dig(body, "detail"),
        dig(body, "msg"),
        dig(body, "error", "detail"),
        dig(first_error, "message"),
    ):
        if isinstance(found, str) and found:
            return found
    return ""


def _validators(cached: CachedAnswer | None) -> dict[str, str]:
    """``If-None-Match`` / ``If-Modified-Since`` for a cached answer."""
    headers = {}
    if cached is not None and cached.etag:
        headers["If-None-Match"] = cached.etag
    if cached is not None and cached.last_modified:
        headers["If-Modified-Since"] = cached.last_modified
    return headers


def _content_range_start(response: httpx.Response) -> int | None:
    """The first byte of a 206 answer (``Content-Range: bytes START-END/TOTAL``)."""
    text = response.headers.get("content-range", "")
    try:
        return int(text.split()[1].split("-")[0])
    except (IndexError, ValueError):
        return None


def _content_range_total(response: httpx.Response) -> int | None:
    """The whole length a ``Content-Range`` names (``…/TOTAL``), or None."""
    total = response.headers.get("content-range", "").rpartition("/")[2]
    return int(total) if total.isdigit() else None


def _expected_total(response: httpx.Response, done: int) -> int | None:
    """The size of the whole file, from Content-Range or from what is left plus what we have."""
    if response.status_code == 206:
        return _content_range_total(response)
    length = response.headers.get("content-length", "")
    return done + int(length) if length.isdigit() else None


_MESSAGES: Final[dict[str, str]] = {
    "offline": "{label} is unreachable (offline?){detail}: {url} — check the network or set {url_env}",
    "timeout": "{label} did not answer in time{detail}: {url} — try again later or set {url_env}",
    "unauthorised": "{label} refused our credentials{detail}: {url} — check {token_env}",
    "rate_limited": "{label} is rate-limiting us{detail}: {url} — wait, then run again (it resumes)",
    "server_error": "{label} failed{detail}: {url} — the service is in trouble; try again later",
    "not_found": "{label} has nothing at {url}{detail} — check {url_env} and the entity asked for",
    "rejected": "{label} rejected the request{detail}: {url} — it may not support what was asked",
    "malformed": "{label} sent an answer netvigil cannot read{detail}: {url} — try again later",
    "empty": "{label} has no data{detail}: {url} — it may not cover this entity or time span",
    "disk": "cannot save {label}'s answer{detail}: {url} — check free space and NETVIGIL_CACHE_DIR",
}


def _message(settings: SourceSettings, kind: SourceErrorKind, url: str, detail: str) -> str:
    """One line: what happened at which URL, and what to do about it."""
    one_line = " ".join(detail.split())[: 2 * _DETAIL_CHARS]
    return _MESSAGES[kind].format(
        label=settings.label,
        url=url,
        detail=f" ({one_line})" if one_line else "",
        url_env=settings.url_env,
        token_env=settings.token_env or "the token setting",
    )

