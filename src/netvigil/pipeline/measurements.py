"""Measurements in and out: submission (probes, the API, the importer) and search.

:func:`submit_measurements` checks each OONI-format measurement's envelope, classifies it
(:mod:`netvigil.detect.ooni`), and stores the new ones, de-duplicated by measurement id, with the
time the observatory received them so the upload delay stays known. The HTTP API exposes it as
``POST /api/v1/measurements`` and :func:`search_measurements` as ``GET /api/v1/measurements``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from netvigil.detect.ooni import classify
from netvigil.geo.places import region_of_measurement
from netvigil.model.errors import MeasurementError
from netvigil.model.events import MOMENT_RANGE, iso
from netvigil.model.measurements import MeasurementQuery, MeasurementRow
from netvigil.pipeline.reachability import refresh_reachability
from netvigil.sources.ooni import envelope_error, input_text, measurement_id, start_time
from netvigil.store.protocol import Store


@dataclass(frozen=True, slots=True)
class Rejection:
    """One submitted item that was not stored: its position, why, and the field at fault (if one is)."""

    index: int
    reason: str
    field: str | None = None


@dataclass(frozen=True, slots=True)
class SubmitResult:
    """How many items were stored, were already stored (same id), or were rejected (see ``errors``)."""

    accepted: int
    duplicates: int
    rejected: int
    errors: tuple[Rejection, ...] = field(default=())
    ids: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """The result as the API returns it."""
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "errors": [{"index": e.index, "reason": e.reason, "field": e.field} for e in self.errors],
            "measurement_ids": list(self.ids),
        }


def to_row(
    msm: Mapping[str, Any], received_at: int, source: str, body: str | bool | None = True
) -> MeasurementRow:
    """The stored form of one measurement whose envelope was checked; the verdict is computed here.

    ``body`` is the raw JSON text to keep, ``True`` to serialise ``msm``, or ``False``/``None`` to keep
    only the envelope and verdict.
    """
    if body is True:
        body = json.dumps(msm, separators=(",", ":"), ensure_ascii=False)
    return MeasurementRow(*row_values(msm, received_at, source, body or None))


def row_values(msm: Mapping[str, Any], received_at: int, source: str, body: str | None) -> tuple[Any, ...]:
    """:func:`to_row` as a plain tuple in :class:`MeasurementRow`'s field order (the bulk importer's form)."""
    verdict = classify(msm)
    return (
        measurement_id(msm),
        msm.get("measurement_uid") or None,
        str(msm["report_id"]),
        str(msm["test_name"]),
        str(msm.get("test_version") or ""),
        str(msm["probe_cc"]),
        str(msm["probe_asn"]),
        input_text(msm),
        start_time(msm),
        int(received_at),
        verdict.verdict,
        verdict.blocking_type,
        verdict.failure,
        verdict.reason,
        source,
        body,
        region_of_measurement(msm),
    )


def checked_row(item: object, received_at: int, source: str) -> MeasurementRow | MeasurementError:
    """The stored form of one submitted item, or why it is refused (naming the field).

    Submissions are untrusted JSON: besides the envelope (:func:`envelope_error`), the start
    time must fall in :data:`MOMENT_RANGE` (from 1970), and the classifier, which reads OONI's
    ``test_keys`` (shapes vary by test and version), must be able to read them: a shape it
    cannot read refuses that item, not the request.
    """
    problem = envelope_error(item)
    if problem:
        return problem
    assert isinstance(item, Mapping)
    key = "measurement_start_time"
    if not MOMENT_RANGE[0] <= start_time(item) < MOMENT_RANGE[1]:
        return MeasurementError(f"{key} {item[key]!r} is before 1970", field=key)
    try:
        return to_row(item, received_at, source)
    except (AttributeError, TypeError, ValueError, KeyError, IndexError) as exc:
        reason = f"test_keys cannot be read as {item['test_name']!r} keys ({type(exc).__name__}: {exc})"
        return MeasurementError(reason[:300], field="test_keys")


def submit_measurements(
    store: Store,
    items: Sequence[Any],
    received_at: int,
    *,
    source: str = "api",
    refresh_signals: bool = True,
) -> SubmitResult:
    """Store new OONI-format measurements; a bad item is rejected alone, the rest are stored.

    When any is new, the ``reachability`` signal of the hours they cover is recomputed.
    """
    rows: list[MeasurementRow] = []
    errors: list[Rejection] = []
    for index, item in enumerate(items):
        row = checked_row(item, received_at, source)
        if isinstance(row, MeasurementError):
            errors.append(Rejection(index, row.detail, row.field))
            continue
        rows.append(row)
    written = store.measurements.insert(rows)
    if written and refresh_signals:
        times = [r.measurement_start_time for r in rows]
        refresh_reachability(store, min(times), max(times) + 1)
    return SubmitResult(
        accepted=written,
        duplicates=len(rows) - written,
        rejected=len(errors),
        errors=tuple(errors),
        ids=tuple(r.id for r in rows),
    )


def measurement_line(msm: Mapping[str, Any]) -> str:
    """One OONI-format measurement as a JSON line (``reach run``'s output, contract 3.5)."""
    return json.dumps(msm) + "\n"


def row_to_json(row: MeasurementRow) -> dict[str, Any]:
    """A stored measurement as the API lists it (OONI API field names; times ISO 8601 UTC)."""
    out: dict[str, Any] = {
        "measurement_uid": row.measurement_uid or row.id,
        "id": row.id,
        "report_id": row.report_id,
        "test_name": row.test_name,
        "test_version": row.test_version,
        "probe_cc": row.probe_cc,
        "probe_asn": row.probe_asn,
        "probe_region": row.probe_region,
        "input": row.input,
        "measurement_start_time": iso(row.measurement_start_time),
        "received_at": iso(row.received_at),
        "upload_delay_s": row.received_at - row.measurement_start_time,
        "verdict": row.verdict,
        "anomaly": row.verdict in ("anomaly", "confirmed"),
        "confirmed": row.verdict == "confirmed",
        "failure": row.verdict == "failure",
        "blocking_type": row.blocking_type,
        "failure_string": row.failure,
        "reason": row.reason,
        "source": row.source,
    }
    if row.body is not None:
        out["measurement"] = json.loads(row.body)
    return out


def _asn_text(asn: int | str | None) -> str | None:
    if asn is None:
        return None
    text = str(asn).upper()
    return text if text.startswith("AS") else f"AS{int(text)}"


def search_measurements(
    store: Store,
    *,
    probe_cc: str | None = None,
    probe_asn: int | str | None = None,
    test_name: str | None = None,
    since: int | None = None,
    until: int | None = None,
    limit: int = 100,
    probe_region: str | None = None,
) -> list[dict[str, Any]]:
    """Stored measurements, newest first, as JSON-ready dicts (without bodies); ASN as 29355 or AS29355.

    ``probe_region`` (ISO 3166-2, e.g. KZ-75) keeps those placed in that region (vantage points).
    """
    query = MeasurementQuery(
        probe_cc=probe_cc.upper() if probe_cc else None,
        probe_asn=_asn_text(probe_asn),
        test_name=test_name,
        since=since,
        until=until,
        limit=limit,
        probe_region=probe_region.upper() if probe_region else None,
    )
    return [row_to_json(r) for r in store.measurements.search(query)]


def get_measurement(store: Store, measurement_id: str) -> dict[str, Any] | None:
    """One stored measurement with its full OONI body (``measurement``), or ``None``."""
    row = store.measurements.get(measurement_id)
    return row_to_json(row) if row else None
