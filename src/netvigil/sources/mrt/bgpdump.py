"""The ``bgpdump -m`` line layout (contract 3.4), so any element can be checked against bgpdump."""

from __future__ import annotations

from netvigil.sources.mrt.decoder import MrtElement


def bgpdump_line(e: MrtElement) -> str:
    """One element as ``bgpdump -m`` prints it (without the newline)."""
    time = f"{e.time}.{e.usec:06d}" if e.usec >= 0 else str(e.time)
    head = f"{e.type}|{time}|{e.kind}|{e.peer_ip}|{e.peer_as}|"
    if e.kind == "STATE":
        return f"{head}{e.old_state}|{e.new_state}"
    prefix = e.prefix if e.path_id is None else f"{e.prefix}|{e.path_id}"
    if e.kind == "W":
        return head + prefix
    a = e.attrs
    return f"{head}{prefix}|{a.as_path}|{a.origin}|{e.next_hop}|{a.tail}"
