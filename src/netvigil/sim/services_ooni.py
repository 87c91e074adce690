"""A loopback replay of OONI's API v1 and its S3 archive, from SYNTHETIC Kazakhstan January 2022 measurements.

The measurements are SYNTHETIC: :func:`netvigil.sim.ooni.simulate` makes them from the Kazakhstan
timeline (:mod:`netvigil.sim.kazakhstan`: the messenger throttling, the mobile cut of 4 January,
the national blackout from 5 January ~10:35 UTC, Almaty's restoration on the 10th); measurements
made while a network was down carry the later upload time in their ``measurement_uid``, as OONI's
do. The verdict flags of the list and aggregation answers (``anomaly``, ``confirmed``,
``failure``) are netvigil's own classifier's, standing in for OONI's fastpath.

Served as OONI does (API-SHAPES.md §2), the API under ``/api/v1`` and the bucket path-style under
``/ooni-data-eu-fra`` (so ``NETVIGIL_OONI_ARCHIVE_URL=<base>/ooni-data-eu-fra``):

- ``/api/v1/measurements``: ``probe_cc``, ``probe_asn`` (``AS123`` or ``123``), ``test_name``
  (comma lists), ``since`` exclusive and ``until`` inclusive (dates or datetimes), ``order``,
  ``limit``/``offset``; ``metadata.next_url`` built from the request's own URL; ``count`` and
  ``pages`` are -1 until the last page; 400 for a span over 180 days;
- ``/api/v1/raw_measurement?measurement_uid=``: the document, byte for byte the archive's line;
  200 ``{}`` for an unknown uid; 400 without a uid;
- ``/api/v1/aggregation``: ``axis_x=measurement_start_day`` (or none), ``time_grain`` ``hour`` (up
  to 7 days) or ``day``, ``since`` inclusive and ``until`` exclusive dates, the four exclusive
  counts, empty buckets omitted;
- ``/ooni-data-eu-fra/?list-type=2&prefix=…``: ListObjectsV2 XML with ``max-keys`` and
  continuation tokens; ``/ooni-data-eu-fra/raw/YYYYMMDD/HH/KZ/<test>/<file>.jsonl.gz``: one gzip
  JSONL file per upload hour and test, served with ``Range``.

Only ``KZ`` and the four operators are served (:data:`netvigil.sim.kazakhstan.ASNS`). To keep a
14-day replay quick, :func:`ooni_app` takes how many measurements per hour, which tests and which
networks; the defaults make one of each of the four tests per network per hour.
"""

from __future__ import annotations

import gzip
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final
from xml.sax.saxutils import escape

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from netvigil.detect.ooni import classify
from netvigil.sim import kazakhstan
from netvigil.sim.ooni import SERVICE_OF, simulate
from netvigil.sim.services import ranged_answer
from netvigil.sources.ooni import received_time_of_uid, start_time

BUCKET: Final = "ooni-data-eu-fra"
MAX_SPAN: Final = 180 * 86_400
HOURLY_SPAN: Final = 7 * 86_400
RATE_LIMIT_REMAINING: Final = "399000"
"""SYNTHETIC: the ``X-RateLimit-Remaining`` every API answer carries (most of OONI's default daily quota)."""
S3_NS: Final = "http://s3.amazonaws.com/doc/2006-03-01/"


@dataclass(frozen=True, slots=True)
class Measurement:
    """One replayed measurement: what the list and aggregation answers show, and its whole document."""

    uid: str
    start: int
    received: int
    test: str
    cc: str
    asn: int
    input: str | None
    report_id: str
    verdict: str
    body: bytes

    def row(self, base: str) -> dict[str, Any]:
        """The measurement as a ``/measurements`` result row."""
        anomaly = self.verdict in {"anomaly", "confirmed"}
        return {
            "anomaly": anomaly,
            "confirmed": self.verdict == "confirmed",
            "failure": self.verdict == "failure",
            "input": self.input,
            "probe_asn": f"AS{self.asn}",
            "probe_cc": self.cc,
            "report_id": self.report_id,
            "scores": {"blocking_general": 1.0 if anomaly else 0.0, "blocking_country": 0.0},
            "test_name": self.test,
            "measurement_url": f"{base}/api/v1/raw_measurement?measurement_uid={self.uid}",
            "measurement_start_time": _iso(self.start) + ".000000Z",
            "measurement_uid": self.uid,
            "verification_status": "unverified",
        }


def _iso(moment: int) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def replay_measurements(
    *,
    start: int = kazakhstan.START,
    end: int = kazakhstan.END,
    per_hour: int = 1,
    tests: Iterable[str] = tuple(SERVICE_OF),
    asns: Iterable[int] = kazakhstan.ASNS,
    seed: int = 0,
) -> list[Measurement]:
    """The SYNTHETIC measurements the replay serves, in start-time order."""
    wanted = set(tests)
    made = []
    timeline, country = kazakhstan.timeline(), kazakhstan.COUNTRY
    made_by = simulate(timeline, country, list(asns), start=start, end=end, per_hour=per_hour, seed=seed)
    for msm in made_by:
        if msm["test_name"] not in wanted:
            continue
        uid = msm["measurement_uid"]
        made.append(
            Measurement(
                uid=uid,
                start=start_time(msm),
                received=received_time_of_uid(uid) or start_time(msm),
                test=msm["test_name"],
                cc=msm["probe_cc"],
                asn=int(msm["probe_asn"][2:]),
                input=msm["input"],
                report_id=msm["report_id"],
                verdict=classify(msm).verdict,
                body=orjson.dumps(msm),
            )
        )
    return sorted(made, key=lambda m: (m.start, m.uid))


def archive_key(msm: Measurement) -> str:
    """The archive key of the file a measurement is in: its upload hour, country and test."""
    hour = datetime.fromtimestamp(msm.received, UTC)
    test = msm.test.replace("_", "")
    return hour.strftime(f"raw/%Y%m%d/%H/{msm.cc}/{test}/%Y%m%d%H_{msm.cc}_{test}.n0.0.jsonl.gz")


@dataclass
class Replay:
    """The served measurements, indexed by uid and by archive file (files are gzipped when first asked)."""

    measurements: list[Measurement]
    by_uid: dict[str, Measurement] = field(default_factory=dict)
    files: dict[str, list[Measurement]] = field(default_factory=dict)
    _gzipped: dict[str, bytes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_uid = {m.uid: m for m in self.measurements}
        grouped: dict[str, list[Measurement]] = defaultdict(list)
        for msm in sorted(self.measurements, key=lambda m: (m.received, m.uid)):
            grouped[archive_key(msm)].append(msm)
        self.files = dict(sorted(grouped.items()))

    def file(self, key: str) -> bytes:
        """The gzipped JSONL file ``key`` (the same bytes every time)."""
        if key not in self._gzipped:
            lines = b"".join(m.body + b"\n" for m in self.files[key])
            self._gzipped[key] = gzip.compress(lines, compresslevel=1, mtime=0)
        return self._gzipped[key]


def _when(text: str) -> int:
    """A ``since``/``until`` value (date or datetime, UTC) as Unix seconds."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"Invalid datetime: {text}") from None
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())


def _listed(request: Request, name: str) -> set[str] | None:
    """A comma-separated filter, or None when the parameter is absent."""
    value = request.query_params.get(name)
    return {part.strip() for part in value.split(",") if part.strip()} if value else None


def _asns(request: Request) -> set[int] | None:
    """``probe_asn`` as numbers (``AS123`` or ``123``)."""
    names = _listed(request, "probe_asn")
    if names is None:
        return None
    try:
        return {int(name.upper().removeprefix("AS")) for name in names}
    except ValueError:
        raise ValueError("Invalid ASN value in parameter probe_asn") from None


def _filtered(
    replay: Replay, request: Request, since: int, until: int, *, api_edges: bool
) -> list[Measurement]:
    """The measurements selected: ``since < t <= until`` (``api_edges``), else ``since <= t < until``."""
    ccs, asns, tests = _listed(request, "probe_cc"), _asns(request), _listed(request, "test_name")
    return [
        m
        for m in replay.measurements
        if (since < m.start <= until if api_edges else since <= m.start < until)
        and (ccs is None or m.cc in ccs)
        and (asns is None or m.asn in asns)
        and (tests is None or m.test in tests)
    ]


def _api_json(payload: object, status: int = 200) -> Response:
    """An API answer with OONI's rate-limit header."""
    return JSONResponse(payload, status_code=status, headers={"X-RateLimit-Remaining": RATE_LIMIT_REMAINING})


def measurements_endpoint(replay: Replay) -> Any:
    """``/api/v1/measurements``."""

    async def measurements(request: Request) -> Response:
        query = request.query_params
        try:
            until = _when(query["until"]) if "until" in query else kazakhstan.END + 86_400
            since = _when(query["since"]) if "since" in query else until - 30 * 86_400
            if until - since > MAX_SPAN:
                raise ValueError("Time range must not exceed 6 months. Please narrow your search.")
            limit, offset = int(query.get("limit", 100)), int(query.get("offset", 0))
            found = _filtered(replay, request, since, until, api_edges=True)
        except ValueError as exc:
            return _api_json({"detail": str(exc)}, 400)
        if query.get("order", "desc") == "desc":
            found.reverse()
        page = found[offset : offset + limit]
        last = offset + limit >= len(found)
        base = f"{request.url.scheme}://{request.url.netloc}"
        metadata = {
            "count": offset + len(page) if last else -1,
            "current_page": -(-offset // limit) + 1 if limit else 1,
            "limit": limit,
            "next_url": None if last else str(request.url.include_query_params(offset=offset + limit)),
            "offset": offset,
            "pages": -(-len(found) // limit) if last and limit else -1,
            "query_time": 0.01,
        }
        return _api_json({"metadata": metadata, "results": [m.row(base) for m in page]})

    return measurements


def raw_endpoint(replay: Replay) -> Any:
    """``/api/v1/raw_measurement``."""

    async def raw_measurement(request: Request) -> Response:
        uid = request.query_params.get("measurement_uid")
        if not uid and not request.query_params.get("report_id"):
            return _api_json({"detail": "Either report_id or measurement_uid must be provided"}, 400)
        found = replay.by_uid.get(uid or "")
        body = found.body if found is not None else b"{}"
        headers = {"X-RateLimit-Remaining": RATE_LIMIT_REMAINING, "Cache-Control": "max-age=86400"}
        return Response(body, media_type="application/json", headers=headers)

    return raw_measurement


def _bucket(moment: int, grain: str) -> str:
    """The ``measurement_start_day`` label of ``moment``'s bucket."""
    stamp = datetime.fromtimestamp(moment, UTC)
    return stamp.strftime("%Y-%m-%dT%H:00:00Z") if grain == "hour" else stamp.strftime("%Y-%m-%d")


def _counts(found: list[Measurement]) -> dict[str, int]:
    """OONI's four exclusive counts and their total."""
    verdicts = [m.verdict for m in found]
    return {
        "anomaly_count": verdicts.count("anomaly"),
        "confirmed_count": verdicts.count("confirmed"),
        "failure_count": verdicts.count("failure"),
        "ok_count": verdicts.count("ok"),
        "measurement_count": len(verdicts),
    }


def _grain(request: Request, span: int) -> str:
    """The ``time_grain`` asked, checked against the span as OONI does (``auto`` takes the finest)."""
    allowed = ("hour", "day") if span <= HOURLY_SPAN else ("day", "week")
    grain = request.query_params.get("time_grain", "auto")
    grain = allowed[0] if grain == "auto" else grain
    if grain not in allowed:
        raise ValueError(f"Choose time_grain between {', '.join(allowed)} for the given time range")
    return grain


def aggregation_endpoint(replay: Replay) -> Any:
    """``/api/v1/aggregation`` with no axis or ``axis_x=measurement_start_day``."""

    async def aggregation(request: Request) -> Response:
        query = request.query_params
        axis = query.get("axis_x")
        try:
            since, until = _when(query["since"]), _when(query["until"])
            grain = _grain(request, until - since)
            if axis not in {None, "measurement_start_day"} or "axis_y" in query:
                raise ValueError("the replay only aggregates by measurement_start_day")
            found = _filtered(replay, request, since, until, api_edges=False)
        except (ValueError, KeyError) as exc:
            return _api_json({"msg": str(exc), "v": 0}, 400)
        stats = {"row_count": len(found), "bytes": 0, "total_row_count": len(found), "elapsed_seconds": 0.01}
        if axis is None:
            return _api_json({"v": 0, "dimension_count": 0, "db_stats": stats, "result": _counts(found)})
        buckets: dict[str, list[Measurement]] = defaultdict(list)
        for msm in found:
            buckets[_bucket(msm.start, grain)].append(msm)
        rows = [{**_counts(group), "measurement_start_day": day} for day, group in sorted(buckets.items())]
        return _api_json({"v": 0, "dimension_count": 1, "db_stats": stats, "result": rows})

    return aggregation


def _xml(body: str, status: int = 200) -> Response:
    """An S3 XML answer."""
    xml = '<?xml version="1.0" encoding="UTF-8"?>\n' + body
    return Response(xml, status_code=status, media_type="application/xml")


def _contents(replay: Replay, key: str) -> str:
    """One ``<Contents>`` element of a listing."""
    data = replay.file(key)
    modified = datetime.fromtimestamp(max(m.received for m in replay.files[key]), UTC)
    return (
        f"<Contents><Key>{escape(key)}</Key><LastModified>{modified:%Y-%m-%dT%H:%M:%S.000Z}</LastModified>"
        f'<ETag>"{hashlib.md5(data, usedforsecurity=False).hexdigest()}"</ETag><Size>{len(data)}</Size>'
        "<StorageClass>STANDARD</StorageClass></Contents>"
    )


def listing_endpoint(replay: Replay) -> Any:
    """``/<bucket>/?list-type=2&prefix=…`` (ListObjectsV2; the continuation token is the next index)."""

    async def listing(request: Request) -> Response:
        query = request.query_params
        if query.get("list-type") != "2":
            return _xml("<Error><Code>NotImplemented</Code><Message>use list-type=2</Message></Error>", 501)
        prefix = query.get("prefix", "")
        keys = [key for key in replay.files if key.startswith(prefix)]
        first = int(query.get("continuation-token", 0))
        size = int(query.get("max-keys", 1000))
        page = keys[first : first + size]
        truncated = first + size < len(keys)
        token = f"<NextContinuationToken>{first + size}</NextContinuationToken>" if truncated else ""
        body = (
            f'<ListBucketResult xmlns="{S3_NS}"><Name>{BUCKET}</Name><Prefix>{escape(prefix)}</Prefix>'
            f"<KeyCount>{len(page)}</KeyCount><MaxKeys>{size}</MaxKeys>"
            f"<IsTruncated>{'true' if truncated else 'false'}</IsTruncated>{token}"
            + "".join(_contents(replay, key) for key in page)
            + "</ListBucketResult>"
        )
        return _xml(body)

    return listing


def object_endpoint(replay: Replay) -> Any:
    """``/<bucket>/<key>``: an archive file, with ``Range``; S3's NoSuchKey otherwise."""

    async def archive_object(request: Request) -> Response:
        key = request.path_params["key"]
        if key not in replay.files:
            missing = (
                "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>"
                f"<Key>{escape(key)}</Key></Error>"
            )
            return _xml(missing, 404)
        return ranged_answer(request, replay.file(key), "application/gzip")

    return archive_object


def ooni_app(
    *,
    start: int = kazakhstan.START,
    end: int = kazakhstan.END,
    per_hour: int = 1,
    tests: Iterable[str] = tuple(SERVICE_OF),
    asns: Iterable[int] = kazakhstan.ASNS,
    seed: int = 0,
) -> Starlette:
    """The replay as a Starlette app: OONI's API under ``/api/v1``, the bucket under ``/ooni-data-eu-fra``."""
    made = replay_measurements(start=start, end=end, per_hour=per_hour, tests=tests, asns=asns, seed=seed)
    replay = Replay(made)
    app = Starlette(
        routes=[
            Route("/api/v1/measurements", measurements_endpoint(replay)),
            Route("/api/v1/raw_measurement", raw_endpoint(replay)),
            Route("/api/v1/aggregation", aggregation_endpoint(replay)),
            Route(f"/{BUCKET}/", listing_endpoint(replay)),
            Route(f"/{BUCKET}/{{key:path}}", object_endpoint(replay)),
        ]
    )
    app.state.replay = replay
    return app
