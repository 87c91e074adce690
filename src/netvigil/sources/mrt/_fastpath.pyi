"""Types of the MRT decoder's C fast path (_fastpath.c)."""

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
def update_lines(
    body: bytes, pos: int, asn_len: int, addpath: bool, head_w: bytes, head_a: bytes, /
) -> tuple[bytes, int] | None: ...
def update_routes(
    body: bytes, pos: int, asn_len: int, addpath: bool, /
) -> tuple[list[str], list[str], int | None] | None: ...
