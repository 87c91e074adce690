"""Signal files (contract 3.2): ``time,entity,signal,value`` as CSV, CSV.gz or JSON lines.

Every row is checked; the first bad one raises :class:`InputError` with the file, the line and
what was expected, so the caller can write nothing of that file.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

from netvigil.model.entities import parse_entity
from netvigil.model.errors import EntityParseError, InputError
from netvigil.model.events import parse_iso
from netvigil.model.signals import SignalPoint
from netvigil.sources.textfile import open_text

COLUMNS: Final = ("time", "entity", "signal", "value")
CHUNK: Final = 50_000
_SIGNAL = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MIN_TIME: Final = 631_152_000  # 1990-01-01
MAX_TIME: Final = 4_102_444_800  # 2100-01-01

Progress = Callable[[int], None]


def _time(text: str) -> int:
    text = text.strip()
    if re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text):
        value = int(float(text))
    else:
        try:
            value = parse_iso(text)
        except ValueError as exc:
            raise ValueError(
                f"time {text!r} is neither ISO 8601 with a zone (2022-01-05T10:30:00Z) nor Unix seconds"
            ) from exc
    if not MIN_TIME <= value < MAX_TIME:
        raise ValueError(f"time {text!r} is outside 1990–2100; Unix seconds, not milliseconds?")
    return value


def point_from_fields(fields: dict[str, Any], source: str) -> SignalPoint:
    """Validate one row's fields into a :class:`SignalPoint`; raises ValueError saying what is wrong."""
    missing = [c for c in COLUMNS if fields.get(c) in (None, "")]
    if missing:
        raise ValueError(f"missing {', '.join(missing)} (a gap is a missing row, not an empty value)")
    try:
        entity = str(parse_entity(str(fields["entity"])))
    except EntityParseError as exc:
        raise ValueError(str(exc)) from exc
    signal = str(fields["signal"]).strip()
    if not _SIGNAL.match(signal):
        raise ValueError(f"signal {signal!r} must be lower-case letters, digits and _ (e.g. probe)")
    raw_value = fields["value"]
    try:
        value = float(raw_value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"value {raw_value!r} is not a number") from exc
    if not math.isfinite(value):
        raise ValueError(f"value {raw_value!r} is not finite")
    return SignalPoint(_time(str(fields["time"])), entity, signal, value, source)


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
    except (OSError, EOFError) as exc:
        raise InputError(f"cannot be read to the end: {exc}", path=str(path)) from exc
    finally:
        text.close()


def _csv_rows(text: Any, path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.reader(text)
    header = next(reader, None)
    if header is None:
        raise InputError(
            "the file is empty; expected the header time,entity,signal,value", path=str(path), line=1
        )
    names = [h.strip().lstrip("\ufeff") for h in header]
    if names[:4] != list(COLUMNS):
        raise InputError(
            f"expected the header time,entity,signal,value, found {','.join(names)}", path=str(path), line=1
        )
    for row in reader:
        line = reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != len(names):
            raise InputError(f"expected {len(names)} fields, found {len(row)}", path=str(path), line=line)
        yield line, dict(zip(names, row, strict=True))


def _jsonl_rows(text: Any, path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    for line, raw_line in enumerate(text, start=1):
        if not raw_line.strip():
            continue
        try:
            obj = json.loads(raw_line)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"not valid JSON ({exc.msg}); expected one object per line", path=str(path), line=line
            ) from exc
        if not isinstance(obj, dict):
            raise InputError(
                'expected an object like {"time": …, "entity": …, "signal": …, "value": …}',
                path=str(path),
                line=line,
            )
        yield line, obj
