"""How alerts are delivered: timeouts, retries with exponential backoff, SMTP and link settings."""

from __future__ import annotations

from dataclasses import dataclass


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

    def retry_delay(self, attempts_made: int) -> float:
        """Seconds before the next attempt after ``attempts_made`` failures (base, 2×base, 4×base, …)."""
        return float(self.backoff_seconds * 2 ** max(0, attempts_made - 1))
