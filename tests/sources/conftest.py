"""What the public-source tests share: a fresh replay per test (``server`` is each module's) and a clock."""

from __future__ import annotations

import pytest

from netvigil.sim.services import ServiceHarness
from tests.sources.clock import Clock


@pytest.fixture
def service(server: ServiceHarness) -> ServiceHarness:
    """The module's replay with its request log and faults cleared."""
    server.requests.clear()
    server.faults.clear()
    return server


@pytest.fixture
def clock() -> Clock:
    """A clock at 2022-01-12 that moves only when the client sleeps."""
    return Clock(1_642_000_000.0)
