"""Tables made from the model's dataclasses, so the schema cannot drift from the data it holds.

The columns come from :mod:`netvigil.store.columns` (shared by every backend); here they get DuckDB
types. Tuple fields are kept as JSON text. Optional fields are nullable.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from netvigil.store.columns import Column, columns_of, values_of

__all__ = ["Column", "columns_of", "create_table_sql", "insert_sql", "values_of"]

_SQL_TYPES: dict[type, str] = {int: "BIGINT", float: "DOUBLE", str: "VARCHAR", bool: "BOOLEAN"}


def _sql_type(column: Column) -> str:
    return _SQL_TYPES[column.kind]


def create_table_sql(table: str, cls: type[Any], primary_key: Sequence[str] = ()) -> str:
    """``CREATE TABLE`` for a dataclass, with an optional primary key."""
    parts = [f'"{c.name}" {_sql_type(c)}{"" if c.nullable else " NOT NULL"}' for c in columns_of(cls)]
    if primary_key:
        parts.append("PRIMARY KEY (" + ", ".join(f'"{k}"' for k in primary_key) + ")")
    return f"CREATE TABLE IF NOT EXISTS {table} (\n  " + ",\n  ".join(parts) + "\n)"


def insert_sql(table: str, cls: type[Any], verb: str = "INSERT") -> str:
    """``INSERT INTO table VALUES (?, …)`` with one placeholder per column of the dataclass ``cls``."""
    marks = ", ".join("?" for _ in dataclasses.fields(cls))
    return f"{verb} INTO {table} VALUES ({marks})"
