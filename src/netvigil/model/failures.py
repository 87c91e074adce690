"""Failures as data: a closed set of strings (OONI's) plus the operation that failed.

A probe or test never raises for a network failure; it records a :class:`Failure`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

FailureString = Literal[
    "dns_nxdomain_error",
    "dns_no_answer",
    "dns_refused_error",
    "dns_server_misbehaving",
    "dns_bogon_error",
    "generic_timeout_error",
    "connection_refused",
    "connection_reset",
    "host_unreachable",
    "network_unreachable",
    "eof_error",
    "ssl_invalid_hostname",
    "ssl_unknown_authority",
    "ssl_invalid_certificate",
    "ssl_failed_handshake",
    "http_request_failed",
    "unknown_failure",
]
FAILURE_STRINGS: Final[frozenset[str]] = frozenset(FailureString.__args__)  # type: ignore[attr-defined]

Operation = Literal[
    "resolve", "connect", "tls_handshake", "http_round_trip", "read", "write", "icmp_echo", "upload"
]


@dataclass(frozen=True, slots=True)
class Failure:
    """What failed (one of :data:`FAILURE_STRINGS`) and during which operation."""

    failure: FailureString
    operation: Operation

    def __str__(self) -> str:
        return f"{self.operation}: {self.failure}"
