"""OONI as a public source: measurements from its API or its S3 archive, and its aggregation counts.

Two registered sources read OONI (API-SHAPES.md §2); both give whole measurements in OONI's own
format (:class:`~netvigil.sources.public.MeasurementSource`), which the caller feeds to the OONI
importer (:func:`netvigil.pipeline.ooni.import_lines` after :func:`netvigil.sources.ooni.parse_line`),
so a measurement is classified by netvigil's rules once, like a user's ``.jsonl`` file. Neither
classifies or stores anything here; each raw answer is only checked with the same parser.

- ``ooni`` (:class:`OoniSource`, ``NETVIGIL_OONI_URL``, default ``https://api.ooni.io``): lists
  the measurements of a window with ``/api/v1/measurements`` (paged by ``metadata.next_url``),
  then fetches each one whole with ``/api/v1/raw_measurement``; and gives OONI's own hourly counts
  from ``/api/v1/aggregation`` as context signals. One request per measurement: good for recent
  days and live following, too slow and too costly for OONI (whose docs say the API "is not
  designed for large data transfers") for a long backfill.
- ``ooni-archive`` (:class:`OoniArchiveSource`, ``NETVIGIL_OONI_ARCHIVE_URL``, default the public
  bucket ``https://ooni-data-eu-fra.s3.eu-central-1.amazonaws.com``): the same documents from the
  hourly ``raw/YYYYMMDD/HH/CC/testname/*.jsonl.gz`` files, listed with S3 ListObjectsV2 and
  downloaded with resume into a local cache: a few files per hour instead of a request per
  measurement, so long backfills should use it (``--sources ooni-archive``). It has no signals.

A separate registered name (rather than a switch on one source) because the two read different
services: each gets its own base URL variable, politeness and client, and a user picks one by name.

Entities: ``country:KZ`` → ``probe_cc=KZ``, ``asn:29355`` → ``probe_asn=AS29355`` (the archive is
laid out by country only, so it serves countries; fetch the country to get its networks). Regions
and services are not OONI query keys (OONI locates probes by country and AS only): they yield nothing.

Only the tests netvigil follows are asked for (:data:`TESTS`, the keys of
``netvigil.detect.ooni.CLASSIFIERS``: services, Tor and VPNs; a test keeps them equal).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final
from xml.etree import ElementTree

from netvigil.geo.registry import cache_dir
from netvigil.model.entities import parse_entity
from netvigil.model.errors import SourceError, UnknownEntityError
from netvigil.model.foreign import ForeignEvent
from netvigil.model.signals import SignalPoint
from netvigil.sources.http import SourceClient, SourceSettings, next_url
from netvigil.sources.ooni import BadLine, parse_line, read_jsonl, start_time
from netvigil.sources.public import fetch_windows, register

HOUR: Final = 3600
DAY: Final = 86_400
SETTINGS: Final = SourceSettings(
    name="ooni",
    label="OONI",
    default_url="https://api.ooni.io",
    url_env="NETVIGIL_OONI_URL",
    min_interval=1.0,
    backoff_base=4.0,
    backoff_cap=120.0,
)
"""OONI meters each client IP by the server time its requests cost and answers 429 without
``Retry-After`` when the quota is spent: one request a second, and long backoffs on a 429."""
ARCHIVE_SETTINGS: Final = SourceSettings(
    name="ooni-archive",
    label="OONI archive",
    default_url="https://ooni-data-eu-fra.s3.eu-central-1.amazonaws.com",
    url_env="NETVIGIL_OONI_ARCHIVE_URL",
    min_interval=0.1,
    read_timeout=300.0,
)
"""The public S3 bucket: no stated limit for reads; ten requests a second, long reads for big files."""
TESTS: Final[tuple[str, ...]] = (
    "web_connectivity",
    "whatsapp",
    "telegram",
    "signal",
    "facebook_messenger",
    "tor",
    "vanilla_tor",
    "torsf",
    "psiphon",
    "openvpn",
    "http_invalid_request_line",
)
"""The OONI tests netvigil follows (``netvigil.detect.ooni.CLASSIFIERS``); others are not fetched."""
COUNTS: Final[dict[str, str]] = {
    "ooni.measurements": "measurement_count",
    "ooni.anomalies": "anomaly_count",
    "ooni.confirmed": "confirmed_count",
    "ooni.failures": "failure_count",
}
"""Signal name → the aggregation count it carries (OONI's counts exclude each other, see fetch_signals)."""
PAGE_LIMIT: Final = 500
MAX_PAGES: Final = 1000
AGGREGATION_SPAN: Final = 7 * DAY
"""The longest span asked of ``/aggregation`` at once: OONI allows ``time_grain=hour`` up to 7 days."""
SKIPPED_KINDS: Final = frozenset({"not_found", "malformed"})
"""Failures of one raw measurement that skip it; any other failure stops the window."""
MEASUREMENTS: Final = "api/v1/measurements"
RAW: Final = "api/v1/raw_measurement"
AGGREGATION: Final = "api/v1/aggregation"
S3_NAMESPACE: Final = "{http://s3.amazonaws.com/doc/2006-03-01/}"


@dataclass(frozen=True, slots=True)
class OoniQuery:
    """The query parameter that selects an entity's measurements, and its value."""

    param: str
    value: str


def ooni_query(entity: str) -> OoniQuery:
    """OONI's selector for a netvigil entity; :class:`UnknownEntityError` saying why when it has none."""
    parsed = parse_entity(entity)
    if parsed.type == "country":
        return OoniQuery("probe_cc", parsed.code)
    if parsed.type == "asn":
        return OoniQuery("probe_asn", f"AS{parsed.code}")
    why = {
        "region": "OONI locates probes by country and AS only",
        "service": "OONI tests services from networks; ask for the networks",
    }.get(parsed.type, "OONI has no such entity kind")
    raise UnknownEntityError(f"OONI has no entity for {entity}: {why}; ask for country:CC or asn:N")


def _mapped(entity: str) -> OoniQuery | None:
    """:func:`ooni_query`, or None for an entity OONI does not know (the fetches then yield nothing)."""
    try:
        return ooni_query(entity)
    except UnknownEntityError:
        return None


def api_time(moment: int) -> str:
    """Unix seconds as the measurements API reads ``since`` and ``until``: ``YYYY-MM-DDTHH:MM:SS`` (UTC)."""
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def api_day(moment: int) -> str:
    """The UTC date of ``moment``, as the aggregation API reads ``since`` and ``until``."""
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d")


def utc_seconds(text: object) -> int | None:
    """An OONI API time (``2026-07-11T17:44:07.000000Z``, ``2022-03-01``) as Unix seconds, or None."""
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())


def listing_params(
    query: OoniQuery, since: int, until: int, limit: int = PAGE_LIMIT
) -> dict[str, str | int]:
    """The first ``/measurements`` request for ``[since, until)``.

    OONI keeps ``since < measurement_start_time <= until`` and start times are whole seconds, so
    ``[since, until)`` is exactly ``(since - 1, until - 1]``: adjacent windows neither lose nor
    repeat the measurement that starts on their common edge.
    """
    return {
        query.param: query.value,
        "test_name": ",".join(TESTS),
        "since": api_time(since - 1),
        "until": api_time(until - 1),
        "order_by": "measurement_start_time",
        "order": "asc",
        "limit": limit,
    }


def listed_uids(client: SourceClient, url: str, page: Any, since: int, until: int) -> list[str]:
    """The ``measurement_uid`` of each row of a ``/measurements`` page that started in ``[since, until)``."""
    results = page.get("results") if isinstance(page, dict) else None
    if not isinstance(results, list) or not isinstance(page.get("metadata"), dict):
        raise client.fail("malformed", url, "not a measurements page (no metadata or results)")
    uids = []
    for row in results:
        uid = row.get("measurement_uid") if isinstance(row, dict) else None
        started = utc_seconds(row.get("measurement_start_time")) if isinstance(row, dict) else None
        if not isinstance(uid, str) or not uid or started is None:
            raise client.fail("malformed", url, "a row without measurement_uid or measurement_start_time")
        if since <= started < until and row.get("test_name") in TESTS:
            uids.append(uid)
    return uids


def raw_measurement(client: SourceClient, uid: str) -> bytes | SourceError:
    """The whole measurement ``uid`` as OONI stored it, or the error that skips it (not found, unreadable).

    OONI answers an unknown uid with 200 ``{}``; that is "not_found". A body that is not one valid
    measurement envelope (:func:`~netvigil.sources.ooni.parse_line`) is "malformed".
    """
    url = client.url(RAW, {"measurement_uid": uid})
    try:
        body = client.get_bytes(url)
    except SourceError as error:
        if error.kind in SKIPPED_KINDS:
            return error
        raise
    problem = parse_line(body)
    if isinstance(problem, str):
        return client.fail("not_found" if body.strip() == b"{}" else "malformed", url, problem)
    return body


def aggregation_spans(since: int, until: int) -> list[tuple[int, int]]:
    """``[since, until)`` cut at 7-day boundaries, so each piece's whole days fit OONI's hourly limit."""
    return [(max(w.start, since), min(w.end, until)) for w in fetch_windows(since, until, AGGREGATION_SPAN)]


def aggregation_points(
    client: SourceClient, url: str, body: Any, entity: str, since: int, until: int
) -> list[SignalPoint]:
    """The count points of an ``/aggregation`` answer whose bucket starts in ``[since, until)``."""
    if isinstance(body, dict) and isinstance(body.get("msg"), str) and "result" not in body:
        raise client.fail("rejected", url, body["msg"])
    rows = body.get("result") if isinstance(body, dict) else None
    if isinstance(rows, dict):
        raise client.fail("malformed", url, "an aggregation without measurement_start_day")
    if not isinstance(rows, list):
        raise client.fail("malformed", url, "not an aggregation answer (no result list)")
    points = []
    for row in rows:
        bucket = utc_seconds(row.get("measurement_start_day")) if isinstance(row, dict) else None
        if bucket is None:
            raise client.fail("malformed", url, "an aggregation row without measurement_start_day")
        if since <= bucket < until:
            points.extend(_count_points(row, bucket, entity))
    return points


def _count_points(row: dict[str, Any], bucket: int, entity: str) -> list[SignalPoint]:
    """One point per count the row carries (OONI omits counts that are None)."""
    return [
        SignalPoint(bucket, entity, signal, float(row[key]), source="ooni")
        for signal, key in COUNTS.items()
        if isinstance(row.get(key), int) and not isinstance(row.get(key), bool)
    ]


class OoniSource:
    """OONI's measurements API: whole measurements per window, and OONI's hourly counts as context.

    ``grain`` is the aggregation's ``time_grain`` (``hour``, or ``day`` for coarser context);
    ``page_limit`` the rows asked per listing page.
    """

    def __init__(self, grain: str = "hour", page_limit: int = PAGE_LIMIT) -> None:
        self.grain = grain
        self.page_limit = page_limit
        self.settings = SETTINGS
        self.signals = tuple(COUNTS)
        self.window = DAY

    def fetch_measurements(
        self, client: SourceClient, entity: str, since: int, until: int, *, failures: list[str] | None = None
    ) -> Iterator[list[bytes]]:
        """Whole measurements of ``entity`` started in ``[since, until)``, one list per listing page.

        Each listed measurement is fetched with ``/raw_measurement``; one that is not found or
        unreadable is skipped and the others still come. With ``failures`` given, the skip's
        message is appended there and the window is complete (the skipped measurement is not
        asked again, since a restarted backfill skips stored windows). Without it, the first skip
        is raised once every other measurement has been yielded, so the caller does not record the
        window and a restart fetches it again; the importer keeps each measurement once, by id.
        A failure of the listing, or of the service (offline, rate-limited, 5xx after the
        retries), is raised at once.
        """
        query = _mapped(entity)
        if query is None:
            return
        skipped: list[SourceError] = []
        url = client.url(MEASUREMENTS)
        params = listing_params(query, since, until, self.page_limit)
        pages = client.pages(MEASUREMENTS, params, next_url("metadata", "next_url"), max_pages=MAX_PAGES)
        for page in pages:
            batch = []
            for uid in listed_uids(client, url, page, since, until):
                got = raw_measurement(client, uid)
                if isinstance(got, SourceError):
                    skipped.append(got)
                else:
                    batch.append(got)
            if batch:
                yield batch
        if failures is not None:
            failures.extend(str(error) for error in skipped)
        elif skipped:
            raise skipped[0]

    def fetch_signals(
        self, client: SourceClient, entity: str, since: int, until: int
    ) -> Iterator[list[SignalPoint]]:
        """OONI's own counts for ``entity`` in ``[since, until)``, a list per request: context, not detection.

        From ``/aggregation`` (``axis_x=measurement_start_day``, ``time_grain`` hourly, the tests of
        :data:`TESTS`), per bucket: ``ooni.measurements`` (all), ``ooni.anomalies`` (anomaly, not
        confirmed, not failed), ``ooni.confirmed`` (confirmed, not failed) and ``ooni.failures``
        (failed) — OONI's mutually exclusive counts, by OONI's verdicts, not netvigil's. They say how
        much OONI saw and what it thought, beside the verdicts netvigil makes from the measurements
        themselves. OONI omits empty buckets: an hour without measurements has no point (a gap,
        not a zero), and recent hours grow as late measurements are uploaded.
        """
        query = _mapped(entity)
        if query is None:
            return
        for start, end in aggregation_spans(since, until):
            params = {
                query.param: query.value,
                "test_name": ",".join(TESTS),
                "since": api_day(start),
                "until": api_day(end + DAY - 1),
                "axis_x": "measurement_start_day",
                "time_grain": self.grain,
            }
            url = client.url(AGGREGATION, params)
            yield aggregation_points(client, url, client.get_json(url), entity, start, end)

    def fetch_events(self, client: SourceClient, entity: str, since: int, until: int) -> list[ForeignEvent]:
        """Nothing: OONI publishes measurements and their verdicts, not outage or blocking events.

        (OONI's curated incident reports are prose on its website, with no API.) netvigil makes
        its own events from OONI's measurements.
        """
        return []


def archive_prefix(hour: int, country: str) -> str:
    """The archive prefix of one upload hour and country: ``raw/YYYYMMDD/HH/CC/``."""
    return datetime.fromtimestamp(hour, UTC).strftime(f"raw/%Y%m%d/%H/{country}/")


ARCHIVE_TESTS: Final = frozenset(test.replace("_", "") for test in TESTS)
"""The test directories of the archive (test names without underscores, e.g. ``webconnectivity``)."""


def wanted_key(key: str) -> bool:
    """Whether an archive key is a JSONL file of a test netvigil classifies (postcans are not read)."""
    parts = key.split("/")
    return len(parts) == 6 and parts[4] in ARCHIVE_TESTS and key.endswith(".jsonl.gz")


def s3_listing(client: SourceClient, url: str, body: bytes) -> tuple[list[str], str | None]:
    """The keys of one ListObjectsV2 answer, and the continuation token when it is truncated."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise client.fail("malformed", url, f"not an S3 listing: {exc}") from exc
    if root.tag.removeprefix(S3_NAMESPACE) != "ListBucketResult":
        raise client.fail("malformed", url, f"not an S3 listing: <{root.tag}>")
    keys = [key.text or "" for key in root.iter(f"{S3_NAMESPACE}Key")]
    truncated = root.findtext(f"{S3_NAMESPACE}IsTruncated") == "true"
    token = root.findtext(f"{S3_NAMESPACE}NextContinuationToken")
    if truncated and not token:
        raise client.fail("malformed", url, "a truncated S3 listing without NextContinuationToken")
    return keys, token if truncated else None


def archive_keys(client: SourceClient, prefix: str, max_keys: int | None = None) -> list[str]:
    """Every key under ``prefix`` (ListObjectsV2, ``max_keys`` a page, following continuation tokens)."""
    keys: list[str] = []
    params: dict[str, str | int] = {"list-type": 2, "prefix": prefix}
    if max_keys is not None:
        params["max-keys"] = max_keys
    seen: set[str] = set()
    while True:
        url = client.url("", params)
        if url in seen or len(seen) >= MAX_PAGES:
            raise client.fail("malformed", url, "the listing never ends")
        seen.add(url)
        page, token = s3_listing(client, url, client.get_bytes(url))
        keys.extend(page)
        if token is None:
            return keys
        params = {**params, "continuation-token": token}


def archived_measurements(
    path: Path, country: str, since: int, until: int, bad: list[BadLine]
) -> list[bytes]:
    """The lines of an archive file that are measurements of ``country`` started in ``[since, until)``."""
    return [
        line.raw.rstrip(b"\r\n")
        for line in read_jsonl(path, bad)
        if line.measurement["probe_cc"] == country
        and line.measurement["test_name"] in TESTS
        and since <= start_time(line.measurement) < until
    ]


class OoniArchiveSource:
    """OONI's public S3 archive: whole measurements for long backfills, by country (no signals, no events).

    Files are kept under ``files`` (default ``$NETVIGIL_CACHE_DIR/ooni-archive``) by their key.
    The archive's hours are **upload** hours, not measurement times: a window's measurements are
    looked for in the upload hours from its start to ``late`` seconds after its end (2 days by
    default), then kept by their own ``measurement_start_time``. A measurement uploaded later than
    that (a probe offline for days) is not found here; the API path finds it.
    """

    def __init__(self, late: int = 2 * DAY, files: Path | None = None) -> None:
        self.late = late
        self.files = files
        self.settings = ARCHIVE_SETTINGS
        self.signals: tuple[str, ...] = ()
        self.window = DAY

    def fetch_measurements(
        self, client: SourceClient, entity: str, since: int, until: int, *, failures: list[str] | None = None
    ) -> Iterator[list[bytes]]:
        """Whole measurements of country ``entity`` started in ``[since, until)``, one list per file.

        A bad line of a file is skipped (its line number and reason appended to ``failures`` when
        given): it stays bad in the archive, so it is never a reason to fetch the window again.
        A listing or download that fails is raised.
        """
        query = _mapped(entity)
        if query is None or query.param != "probe_cc":
            return
        for key, path in self.download_files(client, query.value, since, until + self.late):
            bad: list[BadLine] = []
            batch = archived_measurements(path, query.value, since, until, bad)
            if failures is not None:
                failures.extend(f"OONI archive {key}: line {b.line}: {b.reason}" for b in bad)
            if batch:
                yield batch

    def download_files(
        self, client: SourceClient, country: str, since: int, until: int
    ) -> Iterator[tuple[str, Path]]:
        """The archive files of ``country`` uploaded in the hours of ``[since, until)``, downloaded.

        Each as its key and local copy, in upload order; a file already in the cache is not fetched
        again. These are whole files: their measurements may have started before ``since``.
        """
        files = self.files if self.files is not None else cache_dir() / "ooni-archive"
        for hour in range(since - since % HOUR, until, HOUR):
            for key in filter(wanted_key, archive_keys(client, archive_prefix(hour, country))):
                yield key, client.download(key, files / key)

    def fetch_signals(
        self, client: SourceClient, entity: str, since: int, until: int
    ) -> Iterator[list[SignalPoint]]:
        """Nothing: the archive holds measurements only (the ``ooni`` source gives OONI's counts)."""
        yield from ()

    def fetch_events(self, client: SourceClient, entity: str, since: int, until: int) -> list[ForeignEvent]:
        """Nothing: OONI publishes no outage events (see :meth:`OoniSource.fetch_events`)."""
        return []


register(OoniSource())
register(OoniArchiveSource())
