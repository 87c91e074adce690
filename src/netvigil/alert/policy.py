"""How alerts are delivered: timeouts, retries with exponential backoff, parallelism, SMTP and links."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

LEASE_FLOOR: Final = 60
"""The shortest lease (s) a deliverer takes on a message it is sending."""


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """Delivery settings (the service's settings list fills these in)."""

    timeout: float = 10.0
    max_attempts: int = 6
    backoff_seconds: float = 30.0
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_from: str = "netvigil@localhost"
    public_url: str = "http://localhost:8000"
    workers: int = 8

    @property
    def lease_seconds(self) -> int:
        """How long a message being sent is held (see :meth:`AlertStore.claim`): well past a timeout.

        A deliverer killed mid-send leaves the message due again after this; one that is still
        sending after it (a receiver trickling its answer) may see the message sent twice.
        """
        return max(LEASE_FLOOR, math.ceil(4 * self.timeout))

    def retry_delay(self, attempts_made: int) -> float:
        """Seconds before the next attempt after ``attempts_made`` failures (base, 2×base, 4×base, …)."""
        return float(self.backoff_seconds * 2 ** max(0, attempts_made - 1))
