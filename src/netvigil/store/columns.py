"""Columns made from the model's dataclasses, shared by every backend so no schema drifts from its data.

A field's Python kind (``int``, ``float``, ``str``, ``bool``) is what each backend maps to its own SQL
type; tuple, list and dict fields are kept as JSON text; optional fields are nullable; a ``Literal``
is text.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from typing import Any

_KINDS: tuple[type, ...] = (int, float, str, bool)


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its name, its Python kind, whether it may be NULL, whether it holds JSON text."""

    name: str
    kind: type
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
        return Column(name, str, nullable, json=False)
    if origin in (tuple, list, dict) or hint in (tuple, list, dict):
        return Column(name, str, nullable, json=True)
    return Column(name, hint if hint in _KINDS else str, nullable, json=False)


def columns_of(cls: type[Any]) -> list[Column]:
    """The columns of a dataclass, in field order."""
    hints = typing.get_type_hints(cls)
    return [_column(f.name, hints[f.name]) for f in dataclasses.fields(cls)]


def values_of(record: Any) -> list[Any]:
    """A dataclass record's field values in column order."""
    return [getattr(record, f.name) for f in dataclasses.fields(record)]
