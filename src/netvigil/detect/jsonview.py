"""Defensive, fast views of parsed JSON: an object where an object is expected, else an empty one.

OONI measurements are read as parsed JSON whose shape nobody guarantees (a probe bug, a damaged
file): where a rule expects an object or an array and finds anything else, it reads "absent".
The values may be ``dict``/``list`` or simdjson's lazy ``Object``/``Array`` (registered as
``Mapping``/``Sequence`` by :mod:`netvigil.sources.ooni`); the answer per concrete type is cached,
since an ``isinstance`` against an abstract class costs a microsecond and the classifier asks it
hundreds of times per measurement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, Final, TypeGuard

EMPTY_OBJECT: Final[Mapping[str, Any]] = MappingProxyType({})
_IS_OBJECT: dict[type, bool] = {}
_IS_ARRAY: dict[type, bool] = {}


def as_object(value: object) -> Mapping[str, Any]:
    """``value`` if it is a JSON object, else an empty one."""
    kind = type(value)
    known = _IS_OBJECT.get(kind)
    if known is None:
        known = _IS_OBJECT[kind] = isinstance(value, Mapping)
    return value if known else EMPTY_OBJECT  # type: ignore[return-value]


def as_array(value: object) -> Sequence[Any]:
    """``value`` if it is a JSON array, else an empty one (text is not an array)."""
    kind = type(value)
    known = _IS_ARRAY.get(kind)
    if known is None:
        known = _IS_ARRAY[kind] = isinstance(value, Sequence) and not isinstance(value, str | bytes)
    return value if known else ()  # type: ignore[return-value]


def is_object(value: object) -> TypeGuard[Mapping[str, Any]]:
    """Whether ``value`` is a JSON object (a ``dict`` or a lazy one)."""
    return as_object(value) is value and value is not EMPTY_OBJECT
