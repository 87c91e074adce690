"""OONI measurements (contract 3.5): the envelope check, ids, and reading OONI's JSONL files.

OONI publishes measurements as JSON lines, gzip-compressed in its S3 layout
(``raw/YYYYMMDD/HH/CC/testname/*.jsonl.gz``). :func:`read_jsonl` streams such a file one
measurement at a time; a line that is not a JSON object with a valid envelope is reported with its
line number and skipped, never fatal, so one bad line does not lose a day of data.

Lines are parsed with simdjson into a lazy document: the whole line is validated, but Python
objects are made only for the fields the envelope check and the classifier read, not for the
response bodies that make up most of a measurement's 20 KB (5× faster than building it all).
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any, Final

import simdjson

from netvigil.model.errors import MeasurementError
from netvigil.model.measurements import ooni_time, received_time_of_uid
from netvigil.sources.textfile import open_binary

__all__ = [
    "BadLine",
    "Line",
    "envelope_error",
    "envelope_problem",
    "input_text",
    "measurement_id",
    "ooni_time",
    "read_jsonl",
    "received_time_of_uid",
    "start_time",
]

REQUIRED_TEXT: Final = ("test_name", "probe_cc", "probe_asn", "measurement_start_time")
OPTIONAL_TEXT: Final = ("measurement_uid", "test_version")
_CC = re.compile(r"^[A-Z]{2}$")
_ASN = re.compile(r"^AS\d{1,10}$")
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}Z?$")
_PATTERNS: Final = (
    ("probe_cc", _CC, "two capital letters such as KZ"),
    ("probe_asn", _ASN, "AS followed by up to 10 digits such as AS29355"),
    ("measurement_start_time", _TIME, "'YYYY-MM-DD HH:MM:SS' (UTC)"),
)

# simdjson's lazy documents are read-only mappings and sequences (so typed in its stubs) but do not
# say so to isinstance(); registering them lets the classifier's checks treat them as dicts/lists.
Mapping.register(simdjson.Object)
Sequence.register(simdjson.Array)


@dataclass(frozen=True, slots=True)
class BadLine:
    """A line of an input file that is not a usable measurement, and why."""

    line: int
    reason: str


def _text_problem(msm: Mapping[str, Any]) -> MeasurementError | None:
    """A required text field that is missing, or an optional one that is not text.

    ``report_id`` must be there but may be empty: OONI's fastpath drops a measurement without one
    ("Ignoring measurement without report_id") and scores one whose id is ``""`` (its QA tools').
    """
    if not isinstance(msm.get("report_id"), str):
        return MeasurementError("report_id is missing or not a string", field="report_id")
    for key in REQUIRED_TEXT:
        value = msm.get(key)
        if not value or not isinstance(value, str):
            return MeasurementError(f"{key} is missing or not a string", field=key)
    for key in OPTIONAL_TEXT:
        if msm.get(key) is not None and not isinstance(msm[key], str):
            return MeasurementError(f"{key} must be a string or null", field=key)
    return None


def _form_problem(msm: Mapping[str, Any]) -> MeasurementError | None:
    """A text field that does not have its form, or a start time that is no real time."""
    for key, pattern, expected in _PATTERNS:
        if not pattern.match(msm[key]):
            return MeasurementError(f"{key} {msm[key][:40]!r} is not {expected}", field=key)
    try:
        start_time(msm)
    except ValueError:
        key = "measurement_start_time"
        return MeasurementError(f"{key} {msm[key]!r} is not a real time", field=key)
    return None


def _shape_problem(msm: Mapping[str, Any]) -> MeasurementError | None:
    """``test_keys`` that is not an object, or an ``input`` that is neither text nor a list of text."""
    keys = msm.get("test_keys")
    if keys is not None and not isinstance(keys, Mapping):
        return MeasurementError("test_keys must be an object or null", field="test_keys")
    inp = msm.get("input")
    if inp is None or isinstance(inp, str):
        return None
    if isinstance(inp, Sequence) and all(isinstance(item, str) for item in inp):
        return None
    return MeasurementError("input must be a string, a list of strings or null", field="input")


def envelope_error(msm: object) -> MeasurementError | None:
    """What is wrong with a measurement's envelope (naming the field), or ``None`` when it is usable.

    The rules are those under which OONI's backend stores a measurement: ``report_id`` may be
    empty (the QA measurements of OONI's own tools have none) but not absent, and ``input`` may be
    a list of strings (``meek_fronted_requests_test``), kept as OONI keeps it.
    """
    if not isinstance(msm, Mapping):
        kind = "list" if isinstance(msm, simdjson.Array | list) else type(msm).__name__
        return MeasurementError(f"expected a JSON object, got {kind}", field=None)
    return _text_problem(msm) or _form_problem(msm) or _shape_problem(msm)


def envelope_problem(msm: object) -> str | None:
    """:func:`envelope_error` as its message (``None`` when the envelope is usable)."""
    error = envelope_error(msm)
    return None if error is None else error.detail


def input_text(msm: Mapping[str, Any]) -> str | None:
    """The measurement's ``input`` as stored: text as is, a list as OONI's backend writes it (``{a,b}``)."""
    inp = msm.get("input")
    if isinstance(inp, str):
        return inp
    if isinstance(inp, Sequence) and inp:
        return "{" + ",".join(str(item) for item in inp) + "}"
    return None


_EPOCH: Final = datetime(1970, 1, 1)
_SECOND: Final = timedelta(seconds=1)


def start_time(msm: Mapping[str, Any]) -> int:
    """``measurement_start_time`` (UTC, OONI's ``YYYY-MM-DD HH:MM:SS``) as Unix seconds."""
    naive_utc = datetime.fromisoformat(str(msm["measurement_start_time"]).rstrip("Z"))
    return (naive_utc - _EPOCH) // _SECOND


def measurement_id(msm: Mapping[str, Any]) -> str:
    """``measurement_uid`` when OONI assigned one, else a hash of report id, input and start time."""
    uid = msm.get("measurement_uid")
    if isinstance(uid, str) and uid:
        return uid
    key = f"{msm.get('report_id')}\x1f{input_text(msm) or ''}\x1f{msm.get('measurement_start_time')}"
    return "nv" + hashlib.sha256(key.encode()).hexdigest()[:30]


def _shallow(doc: simdjson.Object) -> dict[str, Any]:
    """One level of a lazy document as a dict (values stay lazy): its lookups, misses too, are fast."""
    return {key: doc[key] for key in doc}


def parse_line(raw: bytes) -> dict[str, Any] | str:
    """One JSONL line as a measurement, or the reason it is not one.

    The measurement and its ``test_keys`` are dicts; deeper values are simdjson's lazy, read-only
    objects and arrays (made into Python values only when read). Each line gets its own parser, so
    a measurement stays readable after the next line is parsed.
    """
    try:
        doc = simdjson.Parser().parse(raw)
    except (ValueError, RuntimeError) as exc:  # RuntimeError: an integer beyond 64 bits
        return f"not valid JSON ({str(exc).splitlines()[0][:120]})"
    if not isinstance(doc, simdjson.Object):
        return envelope_problem(doc) or "expected a JSON object"
    msm = _shallow(doc)
    keys = msm.get("test_keys")
    if isinstance(keys, simdjson.Object):
        msm["test_keys"] = _shallow(keys)
    problem = envelope_problem(msm)
    return problem if problem else msm


_CUT_SHORT: Final = "the compressed stream ends before its end marker (file cut short?)"


def _lines_until_damage(stream: IO[bytes], bad: list[BadLine]) -> Iterator[bytes]:
    """The stream's lines; a decompression failure ends them and is recorded as the next line's fault."""
    number = 0
    while True:
        try:
            raw = stream.readline()
        except EOFError:
            bad.append(BadLine(number + 1, _CUT_SHORT))
            return
        except (OSError, zlib.error) as exc:
            bad.append(BadLine(number + 1, f"the compressed stream is damaged ({exc})"))
            return
        if not raw:
            return
        number += 1
        yield raw


@dataclass(frozen=True, slots=True)
class Line:
    """One good line: its number, the parsed measurement and the raw text (kept as the body)."""

    number: int
    measurement: dict[str, Any]
    raw: bytes


def read_jsonl(
    path: Path, bad: list[BadLine], progress: Callable[[int], None] | None = None
) -> Iterator[Line]:
    """Stream the measurements of a ``.jsonl`` / ``.jsonl.gz`` file; bad lines go into ``bad``.

    A compressed file cut short or damaged keeps the lines before the damage; the damage is one
    bad line, at the number of the line that could not be read.
    """
    stream, raw_file = open_binary(path)
    with stream, raw_file:
        for number, raw in enumerate(_lines_until_damage(stream, bad), start=1):
            if progress is not None and number % 1000 == 0:
                progress(raw_file.tell())
            if not raw.strip():
                continue
            parsed = parse_line(raw)
            if isinstance(parsed, str):
                bad.append(BadLine(number, parsed))
                continue
            yield Line(number, parsed, raw)
        if progress is not None:
            progress(raw_file.tell())
