"""Signal files (contract 3.2): ``time,entity,signal,value`` as CSV, CSV.gz or JSON lines.

Every row is checked; the first bad one raises :class:`InputError` with the file, the line and
what was expected, so the caller can write nothing of that file. Whatever the bytes, reading a
file raises nothing else: numbers too large for a float, times of hundreds of digits, CSV fields
over 128 KB, JSON nested too deep and integers past Python's digit limit are bad rows like any
other. The rules (docs/signals.md): ``country:`` and ``region:`` must name an ISO 3166 country
or subdivision (and ``local:`` entities must lie in one), values are finite numbers ≥ 0
(booleans are not numbers), and a file with no content at all is refused the same way whether it
is CSV or JSON lines.
"""

from __future__ import annotations

import csv
import functools
import json
import math
import re
import sys
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

from netvigil.geo.entities import default_registry
from netvigil.model.entities import EntityId, parse_entity
from netvigil.model.errors import InputError, UnknownEntityError
from netvigil.model.events import parse_iso
from netvigil.model.signals import SignalPoint
from netvigil.sources.textfile import open_text

COLUMNS: Final = ("time", "entity", "signal", "value")
CHUNK: Final = 50_000
_SIGNAL = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_UNIX = re.compile(r"-?[0-9]+(\.[0-9]+)?")
MIN_TIME: Final = 631_152_000  # 1990-01-01
MAX_TIME: Final = 4_102_444_800  # 2100-01-01
CSV_FIELD_LIMIT: Final = csv.field_size_limit()
"""The longest CSV field Python's reader accepts (128 KB); a longer one is a bad row."""

Progress = Callable[[int], None]


def _shown(raw: object) -> str:
    """``raw`` quoted for a message, cut to 40 characters (a row may hold a megabyte of digits)."""
    text = repr(raw) if isinstance(raw, str) else str(raw) if isinstance(raw, int | float) else ""
    if not text:
        return f"(a JSON {type(raw).__name__})"
    return text if len(text) <= 40 else f"{text[:37]}…"


def _refuse_boolean(name: str, raw: object) -> None:
    if isinstance(raw, bool):
        raise ValueError(f"{name} {str(raw).lower()} is a boolean, not a number (write 1 or 0)")


def _time(raw: object) -> int:
    _refuse_boolean("time", raw)
    if not isinstance(raw, str | int | float):
        raise ValueError(f"time {_shown(raw)} is not a time; give ISO 8601 with a zone or Unix seconds")
    number: float
    if isinstance(raw, int | float):
        number = raw
    elif _UNIX.fullmatch(text := raw.strip()):
        number = float(text)
    else:
        try:
            number = parse_iso(text)
        except (ValueError, OverflowError) as exc:
            raise ValueError(
                f"time {_shown(text)} is neither ISO 8601 with a zone (2022-01-05T10:30:00Z) nor Unix seconds"
            ) from exc
    if not MIN_TIME <= number < MAX_TIME:
        raise ValueError(f"time {_shown(raw)} is outside 1990–2100; Unix seconds, not milliseconds?")
    return int(number)


def _value(raw: object) -> float:
    _refuse_boolean("value", raw)
    if not isinstance(raw, str | int | float):
        raise ValueError(f"value {_shown(raw)} is not a number")
    try:
        value = float(raw)
    except ValueError as exc:
        raise ValueError(f"value {_shown(raw)} is not a number") from exc
    except OverflowError as exc:
        raise ValueError(f"value {_shown(raw)} is too large for a number (not finite)") from exc
    if not math.isfinite(value):
        raise ValueError(f"value {_shown(raw)} is not finite")
    if value < 0:
        raise ValueError(f"value {_shown(raw)} is negative; a signal is a count, a volume or a share (≥ 0)")
    return value + 0.0  # -0.0 is stored as 0.0


def _text_field(fields: dict[str, Any], name: str) -> str:
    raw = fields[name]
    if not isinstance(raw, str):
        raise ValueError(f"{name} {_shown(raw)} is not text")
    return raw


_STANDARDS: Final = {
    "country": "is not an ISO 3166-1 country code",
    "region": "is not an ISO 3166-2 subdivision code",
    "local": "does not start with an ISO 3166 country or subdivision code",
}


def _require_known(eid: EntityId) -> None:
    """Countries, regions and a local entity's place must be ISO 3166 codes; ASNs and services are open."""
    if eid.scope is not None:
        _require_known(eid.scope)
    if eid.type not in _STANDARDS:
        return
    try:
        default_registry().get(eid)
    except UnknownEntityError:
        raise ValueError(f"unknown entity {eid}: {eid.code} {_STANDARDS[eid.type]}") from None


@functools.lru_cache(maxsize=4096)
def known_entity(text: str) -> str:
    """The canonical identifier of an entity a signal may be about; ValueError if malformed or unknown."""
    try:
        eid = parse_entity(text)
    except InputError as exc:
        raise ValueError(str(exc)) from exc
    _require_known(eid)
    return str(eid)


def point_from_fields(fields: dict[str, Any], source: str) -> SignalPoint:
    """Validate one row's fields into a :class:`SignalPoint`; raises ValueError saying what is wrong."""
    missing = [c for c in COLUMNS if fields.get(c) is None or fields.get(c) == ""]
    if missing:
        raise ValueError(f"missing {', '.join(missing)} (a gap is a missing row, not an empty value)")
    entity = known_entity(_text_field(fields, "entity"))
    signal = _text_field(fields, "signal").strip()
    if not _SIGNAL.match(signal):
        raise ValueError(f"signal {_shown(signal)} must be lower-case letters, digits and _ (e.g. probe)")
    return SignalPoint(_time(fields["time"]), entity, signal, _value(fields["value"]), source)


def read_points(
    path: Path, progress: Progress | None = None, chunk: int = CHUNK
) -> Iterator[list[SignalPoint]]:
    """Yield validated points in chunks; raises :class:`InputError` at the first bad row."""
    name = path.name.lower()
    jsonl = name.endswith((".jsonl", ".jsonl.gz", ".jsonl.bz2", ".ndjson"))
    if not jsonl and not name.endswith((".csv", ".csv.gz", ".csv.bz2")):
        raise InputError("expected a .csv, .csv.gz or .jsonl signal file", path=str(path))
    text, raw = open_text(path)
    source = f"file:{path.name}"
    try:
        rows = _jsonl_rows(text, path) if jsonl else _csv_rows(text, path)
        batch: list[SignalPoint] = []
        for line, fields in rows:
            try:
                batch.append(point_from_fields(fields, source))
            except ValueError as exc:
                raise InputError(str(exc), path=str(path), line=line) from exc
            if len(batch) >= chunk:
                yield batch
                batch = []
                if progress:
                    progress(raw.tell())
        if batch:
            yield batch
        if progress:
            progress(raw.tell())
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", path=str(path)) from exc
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"cannot be read to the end: {exc}", path=str(path)) from exc
    finally:
        text.close()


EMPTY: Final = "the file is empty; expected {}"


def _csv_records(reader: Any, path: Path) -> Iterator[list[str]]:
    """The reader's non-blank records; a record the csv module cannot split is a bad row at its line."""
    while True:
        try:
            row: list[str] = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            reason = str(exc)
            if "field larger than field limit" in reason:
                reason = f"a field is longer than {CSV_FIELD_LIMIT:,} characters"
            raise InputError(f"not CSV: {reason}", path=str(path), line=reader.line_num) from exc
        if any(cell.strip() for cell in row):
            yield row


def _csv_rows(text: Any, path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.reader(text)
    records = _csv_records(reader, path)
    header = next(records, None)
    if header is None:
        raise InputError(EMPTY.format("the header time,entity,signal,value"), path=str(path), line=1)
    names = [h.strip().lstrip("\ufeff") for h in header]
    if names[:4] != list(COLUMNS):
        shown = _shown(",".join(names)).strip("'")
        found = f"expected the header time,entity,signal,value, found {shown}"
        raise InputError(found, path=str(path), line=reader.line_num)
    for row in records:
        line = reader.line_num
        if len(row) != len(names):
            raise InputError(f"expected {len(names)} fields, found {len(row)}", path=str(path), line=line)
        yield line, dict(zip(names, row, strict=True))


def _json_object(raw_line: str) -> object:
    """One line's JSON value; ValueError saying why it is not JSON netvigil reads."""
    try:
        return json.loads(raw_line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg}); expected one object per line") from exc
    except RecursionError as exc:
        raise ValueError("not a signal row: JSON nested too deep; expected one flat object per line") from exc
    except ValueError as exc:  # an integer past Python's int-str digit limit
        limit = sys.get_int_max_str_digits()
        raise ValueError(f"not a signal row: a number has more than {limit} digits") from exc


def _jsonl_rows(text: Any, path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    seen = False
    for line, raw_line in enumerate(text, start=1):
        if not raw_line.strip():
            continue
        seen = True
        try:
            obj = _json_object(raw_line)
        except ValueError as exc:
            raise InputError(str(exc), path=str(path), line=line) from exc
        if not isinstance(obj, dict):
            raise InputError(
                'expected an object like {"time": …, "entity": …, "signal": …, "value": …}',
                path=str(path),
                line=line,
            )
        yield line, obj
    if not seen:
        raise InputError(EMPTY.format('one object per line like {"time": …, …}'), path=str(path), line=1)
