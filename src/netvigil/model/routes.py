"""The route stream: what every BGP source (MRT archives, RIS Live) says happened to routes.

Four kinds of item, named as the RFCs name them:

- :class:`Announce` — a peer announces prefixes (RFC 4271 4.3, the NLRI of an UPDATE and of
  MP_REACH_NLRI, RFC 4760), with the origin AS of their path;
- :class:`Withdraw` — a peer withdraws prefixes (Withdrawn Routes, MP_UNREACH_NLRI);
- :class:`PeerState` — a peer's session changes state (RFC 4271 8.2.2; MRT records it as
  BGP4MP_STATE_CHANGE, RFC 6396 4.4.1): leaving Established takes the peer's routes away;
- :class:`RibEntries` — the RIB entries of one prefix in a table snapshot (RFC 6396 4.3.2,
  TABLE_DUMP_V2): every peer routing it, each with its origin AS. A snapshot is millions of
  entries, so they come a prefix at a time, not one item per entry.

An item carries what routing visibility needs, no more: times in whole Unix seconds, prefixes as
text, the origin AS (None when the path does not end in an AS_SEQUENCE). A peer is named by
:func:`peer_key`, the one place a :data:`PeerKey` is made.

A consumer implements :class:`RouteSink` (one method per kind) and calls ``route.apply(sink)``:
no dispatch on classes. The items are NamedTuples, not frozen dataclasses: just as immutable,
and made four times faster (docs/design/routes.md has the figures); a file gives millions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, NamedTuple, NewType, Protocol, TypeVar

T_co = TypeVar("T_co", covariant=True)
T = TypeVar("T")

PeerKey = NewType("PeerKey", str)
"""A BGP peer as ``<address>|<AS>`` (``192.0.2.1|64496``), made by :func:`peer_key` only."""

# Session states, RFC 4271 8.2.2, numbered as BGP4MP_STATE_CHANGE records them (RFC 6396 4.4.1).
IDLE: Final = 1
OPEN_CONFIRM: Final = 5
ESTABLISHED: Final = 6


def peer_key(address: str, asn: int) -> PeerKey:
    """The key of a peer: its address and AS.

    No collector: an MRT file does not name the collector that wrote it, and a RIB snapshot and a
    RIS Live stream of the same peers must meet in one table.
    """
    return PeerKey(f"{address}|{asn}")


class RouteSink(Protocol[T_co]):
    """What consumes the route stream: one method per kind of item."""

    def announce(self, route: Announce, /) -> T_co:
        """A peer announces prefixes."""
        ...

    def withdraw(self, route: Withdraw, /) -> T_co:
        """A peer withdraws prefixes."""
        ...

    def peer_state(self, route: PeerState, /) -> T_co:
        """A peer's session changes state."""
        ...

    def rib_entries(self, route: RibEntries, /) -> T_co:
        """The snapshot entries of one prefix."""
        ...


class Announce(NamedTuple):
    """``peer`` announces ``prefixes`` at ``time``; ``origin`` is the last AS of their path."""

    time: int
    peer: PeerKey
    prefixes: Sequence[str]
    origin: int | None

    def apply(self, sink: RouteSink[T]) -> T:
        """Hand this item to the sink's ``announce``."""
        return sink.announce(self)


class Withdraw(NamedTuple):
    """``peer`` withdraws ``prefixes`` at ``time``."""

    time: int
    peer: PeerKey
    prefixes: Sequence[str]

    def apply(self, sink: RouteSink[T]) -> T:
        """Hand this item to the sink's ``withdraw``."""
        return sink.withdraw(self)


class PeerState(NamedTuple):
    """``peer``'s session goes from state ``old`` to ``new`` (RFC 4271 numbering, 1-6)."""

    time: int
    peer: PeerKey
    old: int
    new: int

    @property
    def down(self) -> bool:
        """Whether the session left Established: the peer's routes are gone."""
        return self.old == ESTABLISHED and self.new != ESTABLISHED

    def apply(self, sink: RouteSink[T]) -> T:
        """Hand this item to the sink's ``peer_state``."""
        return sink.peer_state(self)


class RibEntries(NamedTuple):
    """A snapshot's entries for ``prefix``: ``peers[i]`` routes it, originated by ``origins[i]``."""

    time: int
    prefix: str
    peers: Sequence[PeerKey]
    origins: Sequence[int | None]

    def apply(self, sink: RouteSink[T]) -> T:
        """Hand this item to the sink's ``rib_entries``."""
        return sink.rib_entries(self)


Route = Announce | Withdraw | PeerState | RibEntries


def update_routes(
    time: int, peer: PeerKey, withdrawn: Sequence[str], announced: Sequence[str], origin: int | None
) -> list[Route]:
    """The items of one BGP UPDATE: its withdrawals, then its announcements; none for an empty list."""
    out: list[Route] = []
    if withdrawn:
        out.append(Withdraw(time, peer, withdrawn))
    if announced:
        out.append(Announce(time, peer, announced, origin))
    return out
