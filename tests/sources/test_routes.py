"""One route stream from the three decoders: the MRT C fast path, the Python decoder, RIS Live.

Each RIS Live message is made from the MRT file's own elements (tests/tools/mrt_to_ris_live.py,
the tool that made the recorded RIS Live fixture), so all three read the same routes.
"""

from __future__ import annotations

from pathlib import Path

from netvigil.model.routes import Announce, PeerState, Withdraw, peer_key
from netvigil.sources.mrt import ParseReport, read_elements, read_routes
from netvigil.sources.mrt.decoder import MrtDecoder, read_records
from netvigil.sources.ris_live import route_changes
from tests.sources.route_rows import rows
from tests.tools.mrt_to_ris_live import messages

UPDATES = Path(__file__).resolve().parents[1] / "fixtures" / "mrt" / "ris_updates.20160811.1600.gz"


def test_mrt_in_c_in_python_and_as_ris_live_give_one_route_stream() -> None:
    fast = list(read_routes(UPDATES, ParseReport()))
    reference = list(read_records(UPDATES, ParseReport(), MrtDecoder().reference_routes))
    live = [r for m in messages(read_elements(UPDATES, ParseReport())) for r in route_changes(m)]
    assert [(type(r), r) for r in fast] == [(type(r), r) for r in reference]
    assert {type(r) for r in fast} == {Announce, Withdraw, PeerState}
    updates = [row for row in rows(fast) if row[2] != "STATE"]  # the tool makes no peer-state messages
    assert len(updates) == 41_212
    assert rows(live) == updates  # peers included: one peer key, so a RIB and a live stream meet
    assert peer_key("37.49.236.123", 198290) in {r.peer for r in live}

