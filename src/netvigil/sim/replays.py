"""Every public source's loopback replay of January 2022 in Kazakhstan, started together.

:data:`REPLAYS` says, per source, which app answers in that service's format, which variable
points netvigil at it and under which path its API lives. :func:`serving` starts them all on free
loopback ports and gives the environment that sends ``netvigil monitor`` there (base URLs, no
politeness delay against a replay, a demo token for the services that need one):

    with serving() as env:
        os.environ.update(env)   # then: netvigil monitor KZ --until 2022-01-12T00:00:00Z --once

All of it is SYNTHETIC (see each ``services_<name>`` module).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Final

from starlette.types import ASGIApp

from netvigil.sim.services import ServiceHarness
from netvigil.sim.services_atlas import atlas_app
from netvigil.sim.services_bgp_archive import archive_app
from netvigil.sim.services_ioda import ioda_app
from netvigil.sim.services_ooni import ooni_app
from netvigil.sim.services_radar import TOKEN as RADAR_TOKEN
from netvigil.sim.services_radar import radar_app

END: Final = "2022-01-12T00:00:00Z"
"""Where the replays' timeline ends: pass it as ``--until`` to ``netvigil monitor``."""


@dataclass(frozen=True, slots=True)
class Replay:
    """One source's replay: its app, the variable of its base URL and the path of its API."""

    source: str
    app: Callable[[], ASGIApp]
    url_env: str
    path: str = ""
    extra_env: tuple[tuple[str, str], ...] = ()


def _messengers() -> ASGIApp:
    """OONI's replay, WhatsApp and Telegram tests only (so a 14-day backfill takes seconds)."""
    return ooni_app(tests=("whatsapp", "telegram"))


REPLAYS: Final[tuple[Replay, ...]] = (
    Replay("ioda", ioda_app, "NETVIGIL_IODA_URL", "/v2"),
    Replay("ooni", _messengers, "NETVIGIL_OONI_URL"),
    Replay("radar", radar_app, "NETVIGIL_RADAR_URL", "/client/v4", (("CLOUDFLARE_API_TOKEN", RADAR_TOKEN),)),
    Replay("atlas", atlas_app, "NETVIGIL_ATLAS_URL", "/api/v2"),
    Replay("ris", archive_app, "NETVIGIL_RIS_URL", "/ris"),
)


@contextmanager
def serving(replays: tuple[Replay, ...] = REPLAYS) -> Iterator[dict[str, str]]:
    """Run every replay on loopback; yields the environment that points netvigil at them."""
    env: dict[str, str] = {}
    with ExitStack() as stack:
        for replay in replays:
            harness = stack.enter_context(ServiceHarness(replay.app()).running())
            env[replay.url_env] = harness.base_url + replay.path
            env[f"NETVIGIL_{replay.source.upper()}_MIN_INTERVAL"] = "0"
            env.update(replay.extra_env)
        yield env
