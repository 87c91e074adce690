"""``netvigil probe …``: the Trinocular-style /24 block prober and its hitlist."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated, Final

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from netvigil.cli.common import DbOption, echo_json_line, err_console, handles_errors
from netvigil.cli.options import parse_entities
from netvigil.model.errors import InputError
from netvigil.model.probing import BlockRound
from netvigil.pipeline.probing import build_hitlist, probe_hitlist
from netvigil.probe.hitlist import (
    parse_block,
    read_hitlist,
    read_opt_out,
    scan_addresses,
    select_blocks,
    without_opted_out,
    write_hitlist,
)
from netvigil.probe.icmp import SocketKind
from netvigil.probe.trinocular import DEFAULT_RATE, DEFAULT_ROUND_SECONDS, ProberConfig
from netvigil.store import open_store

FORMATS: Final = ("table", "jsonl")

app = typer.Typer(
    help=(
        "Active probing of /24 (and /48) blocks with Trinocular's Bayesian inference.\n\n"
        "Example: netvigil probe hitlist build 127.1.2.0/24 --out hit.csv --entity asn:64500\n"
        "         netvigil probe run --hitlist hit.csv --rate 100 --rounds 3 --round-seconds 5 --format jsonl"
    ),
    no_args_is_help=True,
)
hitlist_app = typer.Typer(help="Make hitlists: the blocks to probe and their responsive addresses.")
app.add_typer(hitlist_app, name="hitlist")


@app.command("run")
@handles_errors
def run(
    hitlist: Annotated[
        Path, typer.Option("--hitlist", help="Hitlist CSV: block,addresses,availability[,entity].")
    ],
    rate: Annotated[
        float, typer.Option("--rate", help="Global cap in packets per second (be polite).")
    ] = DEFAULT_RATE,
    rounds: Annotated[
        int | None, typer.Option("--rounds", min=1, help="Stop after N rounds (default: run until Ctrl-C).")
    ] = None,
    round_seconds: Annotated[
        float, typer.Option("--round-seconds", help="Round length; every block is judged once a round.")
    ] = DEFAULT_ROUND_SECONDS,
    output: Annotated[str, typer.Option("--format", help="table (a summary per round) or jsonl.")] = "table",
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for each echo reply.")] = 3.0,
    entity: Annotated[
        str | None, typer.Option("--entity", help="Entity of blocks with no entity column, e.g. asn:64500.")
    ] = None,
    block: Annotated[
        list[str] | None, typer.Option("--block", help="Probe only this hitlist block (repeatable).")
    ] = None,
    opt_out: Annotated[
        Path | None, typer.Option("--opt-out", help="Prefixes never to probe, one a line (# comments).")
    ] = None,
    vantage: Annotated[str, typer.Option("--vantage", help="Name of this prober in the store.")] = "local",
    seed: Annotated[int, typer.Option("--seed", help="Seed of the random probing order.")] = 0,
    socket_kind: Annotated[
        str, typer.Option("--socket", help="auto (raw if allowed, else dgram), raw or dgram.")
    ] = "auto",
    db: DbOption = None,
) -> None:
    """Probe hitlist blocks in rounds and store block state changes and the `probe` signal.

    Each round every block gets 1 to 15 echo requests to its known-responsive addresses, one at a
    time, until the belief that it is up is >= 0.9 or <= 0.1; the per-entity count of blocks up is
    written as the `probe` signal at the round's start. Needs root (raw socket) or unprivileged
    ICMP sockets (sysctl net.ipv4.ping_group_range). Bad hitlist lines stop with FILE:LINE (exit 2).

    Example: netvigil probe run --hitlist hit.csv --rate 100 --rounds 2 --round-seconds 5 --format jsonl
    """
    if output not in FORMATS:
        raise InputError(f"--format {output!r}: expected one of {', '.join(FORMATS)}")
    if not timeout > 0:
        raise InputError(f"--timeout {timeout}: expected a number of seconds above 0")
    if socket_kind not in ("auto", "raw", "dgram"):
        raise InputError(f"--socket {socket_kind!r}: expected auto, raw or dgram")
    kind: SocketKind | None = None if socket_kind == "auto" else socket_kind  # type: ignore[assignment]
    entity_text = canonical_entity(entity)
    blocks = read_hitlist(hitlist)
    if block:
        blocks = select_blocks(blocks, block)
    if opt_out is not None:
        blocks = without_opted_out(blocks, read_opt_out(opt_out))
    if not blocks:
        raise InputError("every block of the hitlist is opted out; nothing to probe", path=str(hitlist))
    config = ProberConfig(rate=rate, round_seconds=round_seconds, seed=seed)
    sink = echo_round if output == "jsonl" else summarise_round
    with open_store(db) as store:
        try:
            asyncio.run(
                probe_hitlist(
                    store, blocks, config, timeout=timeout, rounds=rounds, entity=entity_text,
                    vantage=vantage, sinks=[sink], kind=kind,
                )
            )  # fmt: skip
        except KeyboardInterrupt:
            err_console.print("stopped; rounds completed so far are stored")


def canonical_entity(text: str | None) -> str | None:
    """The --entity value in canonical form (an input error if malformed), or ``None``."""
    parsed = parse_entities([text]) if text else None
    return parsed[0] if parsed else None


def echo_round(verdicts: list[BlockRound]) -> None:
    """Print one JSON line per block of a round, flushed so a reader sees each round as it ends."""
    for verdict in verdicts:
        echo_json_line(verdict.to_json())
    sys.stdout.flush()


def summarise_round(verdicts: list[BlockRound]) -> None:
    """Print how many blocks were up, down and uncertain in a round, and the probes spent."""
    if not verdicts:
        return
    counts = {state: sum(v.state == state for v in verdicts) for state in ("up", "down", "uncertain")}
    probes = sum(v.probes for v in verdicts)
    head = verdicts[0]
    err_console.print(
        f"round {head.round} {head.to_json()['time']}: {counts['up']} up, {counts['down']} down, "
        f"{counts['uncertain']} uncertain; {probes} probes ({probes / len(verdicts):.2f} per block)"
    )


@hitlist_app.command("build")
@handles_errors
def hitlist_build(
    blocks: Annotated[list[str], typer.Argument(help="Blocks to scan: IPv4 /24s (or IPv6 /48s).")],
    out: Annotated[Path, typer.Option("--out", help="Hitlist CSV to write.")],
    rate: Annotated[float, typer.Option("--rate", help="Packets per second during the scan.")] = DEFAULT_RATE,
    passes: Annotated[int, typer.Option("--passes", min=1, max=10, help="Scan passes (availability).")] = 2,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for each reply.")] = 2.0,
    entity: Annotated[str | None, typer.Option("--entity", help="Entity column, e.g. asn:64500.")] = None,
) -> None:
    """Scan blocks (.1-.254 of each /24) and write a hitlist of the addresses that answered.

    Availability is the mean share of a block's responsive addresses that answered per pass.
    Blocks where nothing answered are left out (and named on stderr).

    Example: netvigil probe hitlist build 127.1.2.0/24 127.1.3.0/24 --out hit.csv --entity asn:64500
    """
    networks = [parse_block(text.strip(), "argument") for text in blocks]
    entity_text = canonical_entity(entity)
    total = sum(len(scan_addresses(n)) for n in networks) * passes
    progress = Progress(
        TextColumn("[bold]scan"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=err_console, transient=True, disable=not err_console.is_terminal,
    )  # fmt: skip
    with progress:
        task = progress.add_task("scan", total=total)

        def tick(sent: int) -> None:
            progress.update(task, completed=sent)

        found = asyncio.run(
            build_hitlist(networks, rate=rate, passes=passes, timeout=timeout, entity=entity_text, tick=tick)
        )
    silent = sorted({str(n) for n in networks} - {b.block for b in found})
    if silent:
        err_console.print(f"no answer from {len(silent)} block(s): {', '.join(silent[:10])}")
    if not found:
        raise InputError("no block answered; nothing to write")
    write_hitlist(out, found)
    err_console.print(f"{out}: {len(found)} block(s)")
