"""Tables made from the model's dataclasses, so the schema cannot drift from the data it holds.

Scalar fields map to SQL types; tuple fields are kept as JSON text. Optional fields are nullable.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

_SQL_TYPES: dict[Any, str] = {int: "BIGINT", float: "DOUBLE", str: "VARCHAR", bool: "BOOLEAN"}


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its name, SQL type and whether it may be NULL."""

    name: str
    sql_type: str
    nullable: bool
    json: bool


def _column(name: str, hint: Any) -> Column:
    nullable = False
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        nullable = len(args) < len(typing.get_args(hint))
        hint = args[0] if len(args) == 1 else str
        origin = typing.get_origin(hint)
    if origin is typing.Literal:
        return Column(name, "VARCHAR", nullable, json=False)
    if origin in (tuple, list, dict) or hint in (tuple, list, dict):
        return Column(name, "VARCHAR", nullable, json=True)
    return Column(name, _SQL_TYPES.get(hint, "VARCHAR"), nullable, json=False)


def columns_of(cls: type[Any]) -> list[Column]:
    """The columns of a dataclass, in field order."""
    hints = typing.get_type_hints(cls)
    return [_column(f.name, hints[f.name]) for f in dataclasses.fields(cls)]


def create_table_sql(table: str, cls: type[Any], primary_key: Sequence[str] = ()) -> str:
    """``CREATE TABLE`` for a dataclass, with an optional primary key."""
    parts = [f'"{c.name}" {c.sql_type}{"" if c.nullable else " NOT NULL"}' for c in columns_of(cls)]
    if primary_key:
        parts.append("PRIMARY KEY (" + ", ".join(f'"{k}"' for k in primary_key) + ")")
    return f"CREATE TABLE IF NOT EXISTS {table} (\n  " + ",\n  ".join(parts) + "\n)"


def insert_sql(table: str, cls: type[Any], verb: str = "INSERT") -> str:
    """``INSERT INTO table VALUES (?, …)`` with one placeholder per column of the dataclass ``cls``."""
    marks = ", ".join("?" for _ in dataclasses.fields(cls))
    return f"{verb} INTO {table} VALUES ({marks})"


def values_of(record: Any) -> list[Any]:
    """A dataclass record's field values in column order (the order :func:`insert_sql` expects)."""
    return [getattr(record, f.name) for f in dataclasses.fields(record)]
