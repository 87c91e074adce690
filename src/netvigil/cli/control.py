"""``netvigil control serve``: the control server web_connectivity compares with."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from netvigil.cli.common import console, handles_errors
from netvigil.probe.reachability.control import make_server
from netvigil.probe.reachability.netx import NetConfig

app = typer.Typer(
    help=(
        "The control server: repeats DNS, TCP, TLS and HTTP for a URL from outside the censored "
        "network, so web_connectivity can tell blocking from a site that is down for everyone. "
        "It answers OONI's test-helper requests (POST / with JSON).\n\n"
        "Example: netvigil control serve --host 0.0.0.0 --port 8080"
    ),
    no_args_is_help=True,
)


@app.command("serve")
@handles_errors
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port to listen on.")] = 8080,
    resolver: Annotated[
        str | None, typer.Option(help="DNS resolver IP[:port] to use (default: the system's).")
    ] = None,
    ca_bundle: Annotated[
        Path | None, typer.Option(help="PEM file of CAs to trust (default: the system's).")
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds per network step.")] = 10.0,
    allow_network: Annotated[
        list[str] | None, typer.Option(help="Private prefix that is a legitimate answer (a lab).")
    ] = None,
) -> None:
    """Serve control measurements until interrupted (Ctrl-C).

    Example: netvigil control serve --port 8080 --resolver 9.9.9.9
    """
    net = NetConfig(
        resolver=resolver,
        ca_bundle=str(ca_bundle) if ca_bundle else None,
        timeout=timeout,
        allowed_networks=tuple(allow_network or ()),
    )
    server = make_server(host, port, net)
    console.print(f"control server on http://{host}:{server.server_address[1]}/", highlight=False)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
