"""ClickHouse SQL pieces every part uses: values rendered as literals, and tables made from dataclasses.

Values are rendered into the SQL text (strings quoted and escaped here, numbers as numbers), so
one statement runs unchanged on chdb and on a server. Every table is a ``ReplacingMergeTree``
ordered by its natural key, with two bookkeeping columns: ``_version`` (a write's number; the
highest wins) and ``_deleted`` (1 marks a deletion). Re-ingesting a row is therefore idempotent,
and reads with ``FINAL`` see each key once, deletions dropped.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import pyarrow as pa

from netvigil.store.columns import Column, columns_of

VERSION: Final = "_version"
DELETED: Final = "_deleted"

_CH_TYPES: Final[dict[type, str]] = {int: "Int64", float: "Float64", str: "String", bool: "Bool"}
_ARROW_TYPES: Final[dict[type, pa.DataType]] = {
    int: pa.int64(),
    float: pa.float64(),
    str: pa.string(),
    bool: pa.bool_(),
}


def lit(value: Any) -> str:
    """A Python value as a ClickHouse literal (NULL, a number, a quoted string, a bool)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ("nan" if math.isnan(value) else f"{value}")
    text = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


def in_list(column: str, values: Iterable[Any]) -> str:
    """``column IN (…)`` for the values; false (``0``) for none."""
    items = list(values)
    return f"{column} IN ({', '.join(lit(v) for v in items)})" if items else "0"


@dataclass(frozen=True, slots=True)
class Table:
    """One table: its columns, its natural key (the ORDER BY) and its partition expression.

    ``granularity`` (rows per primary-key mark; ClickHouse's default is 8192) is smaller where a
    read wants a few hundred rows of each of many keys.
    """

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    partition: str | None = None
    granularity: int | None = None
    names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", tuple(c.name for c in self.columns))

    @classmethod
    def of(
        cls,
        name: str,
        record: type[Any],
        key: Sequence[str],
        partition: str | None = None,
    ) -> Table:
        """A table holding the fields of the dataclass ``record``."""
        return cls(name, tuple(columns_of(record)), tuple(key), partition)

    def ddl(self) -> str:
        """``CREATE TABLE IF NOT EXISTS`` as a ``ReplacingMergeTree(_version, _deleted)``."""
        columns = [f"`{c.name}` {_ch_type(c)}" for c in self.columns]
        columns += [f"`{VERSION}` UInt64", f"`{DELETED}` UInt8 DEFAULT 0"]
        partition = f" PARTITION BY {self.partition}" if self.partition else ""
        granularity = f" SETTINGS index_granularity = {self.granularity}" if self.granularity else ""
        return (
            f"CREATE TABLE IF NOT EXISTS {self.name} (\n  " + ",\n  ".join(columns) + "\n) "
            f"ENGINE = ReplacingMergeTree({VERSION}, {DELETED}){partition} "
            f"ORDER BY ({', '.join(self.key)}){granularity}"
        )

    def select_list(self) -> str:
        """The table's data columns, quoted, in order."""
        return ", ".join(f"`{n}`" for n in self.names)

    def arrow(self, values: dict[str, Any], version: int, deleted: bool = False) -> pa.Table:
        """An Arrow table of the columns' values (lists or arrays, one per column) and the bookkeeping."""
        size = len(values[self.names[0]]) if self.names else 0
        arrays = {
            c.name: pa.array(values[c.name], type=_ARROW_TYPES[c.kind], from_pandas=c.nullable)
            for c in self.columns
        }
        arrays[VERSION] = pa.array([version] * size, type=pa.uint64())
        arrays[DELETED] = pa.array([int(deleted)] * size, type=pa.uint8())
        return pa.table(arrays)


def month_of(column: str) -> str:
    """The monthly partition of a Unix-seconds column."""
    return f"toYYYYMM(toDateTime({column}))"


def year_of(column: str) -> str:
    """The yearly partition of a Unix-seconds column."""
    return f"toYear(toDateTime({column}))"


def _ch_type(column: Column) -> str:
    base = _CH_TYPES[column.kind]
    return f"Nullable({base})" if column.nullable else base
