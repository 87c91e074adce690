"""Types of the C walk over TABLE_DUMP_V2 RIB entries (_ribwalk.c)."""

from collections.abc import Callable
from typing import TypeVar

V = TypeVar("V")

def entries(
    body: bytes, pos: int, addpath: bool, cache: dict[bytes, V], miss: Callable[[bytes], V], /
) -> tuple[list[int], list[V], list[int] | None]: ...
def origins(
    body: bytes, pos: int, addpath: bool, miss: Callable[[bytes], int | None], /
) -> tuple[list[int], list[int | None], list[int] | None]: ...
def lines(
    body: bytes, pos: int, addpath: bool, heads: list[bytes], prefix: bytes, miss: Callable[[bytes], bytes], /
) -> tuple[bytes, int]: ...
