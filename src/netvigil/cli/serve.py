"""``netvigil serve``, ``netvigil watch``, ``netvigil token …`` and ``netvigil alert …``."""

from __future__ import annotations

import signal
import threading
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
import uvicorn

from netvigil.alert import DeliveryPolicy, dead_letters, deliver_due, plan_alerts, resend
from netvigil.cli.common import (
    EXIT_FAILURE,
    DbOption,
    console,
    echo_json_line,
    err_console,
    fail,
    handles_errors,
)
from netvigil.model.alerts import AlertDelivery
from netvigil.model.events import Event, EventFilter, iso
from netvigil.model.tokens import TOKEN_SCOPES
from netvigil.pipeline.alert_rules import (
    RULE_ADDED_FIELDS,
    RULE_FILTER_FIELDS,
    RuleRequest,
    new_rule,
    rule_json,
)
from netvigil.pipeline.alert_status import rule_statuses
from netvigil.pipeline.rollups import ensure_rollups
from netvigil.pipeline.watch import AfterRound, Collector, RoundReport, Watcher
from netvigil.serve.app import create_app
from netvigil.serve.middleware import ResponseCache
from netvigil.serve.settings import Settings, load_settings, parse_assignments
from netvigil.serve.store_service import Freshener, store_service
from netvigil.store import Store, open_store
from netvigil.store.tokens import create_token

SettingOption = Annotated[
    list[str] | None,
    typer.Option("--setting", "-s", help="NAME=VALUE, repeatable; see docs/api.md for every setting."),
]
HostOption = Annotated[str, typer.Option(help="Address to listen on.")]
PortOption = Annotated[int, typer.Option(help="TCP port to listen on.")]


def _settings(items: list[str] | None) -> Settings:
    return load_settings(parse_assignments(items or []))


def delivery_policy(settings: Settings) -> DeliveryPolicy:
    """The alert delivery policy from the service settings."""
    return DeliveryPolicy(
        timeout=settings.number("webhook_timeout"),
        max_attempts=settings.integer("alert_max_attempts"),
        backoff_seconds=settings.number("alert_backoff_seconds"),
        smtp_host=settings.text("smtp_host"),
        smtp_port=settings.integer("smtp_port"),
        smtp_from=settings.text("smtp_from"),
        public_url=settings.text("public_url"),
        workers=settings.integer("alert_workers"),
    )


def _stop_cleanly_on_sigterm() -> None:
    """SIGTERM ends ``serve`` as Ctrl-C does: the endpoint withdrawn and the store closed on the way out.

    uvicorn catches SIGTERM while it runs, then raises it again under the handler found before;
    the default one would kill the process before the ``with`` blocks unwind.
    """

    def stop(signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)


def _server(
    store: Store, settings: Settings, host: str, port: int
) -> tuple[uvicorn.Server, ResponseCache]:
    app = create_app(store, settings)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", server_header=False)
    return uvicorn.Server(config), app.state.cache


@handles_errors
def serve_command(
    db: DbOption = None,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    setting: SettingOption = None,
) -> None:
    """Serve the API, the Atom feed and the dashboard from a store.

    The dashboard is at http://HOST:PORT/ , the API under /api/v1 (OpenAPI at
    /api/v1/openapi.json), the feed at /feeds/events.atom. Stop with Ctrl-C.

    While it runs, other netvigil commands on the same store (ingest, detect, events, report, …)
    go through it: it answers their store calls on a private loopback port published in
    DB.serve.json (see docs/api.md, "serve and other commands at once").

    Example: netvigil serve --db kz.duckdb --port 8000
    """
    settings = _settings(setting)
    with open_store(db, through_service=False) as store, store_service(store, db) as service:
        server, cache = _server(store, settings, host, port)
        console.print(f"netvigil: dashboard at http://{host}:{port}/  (Ctrl-C stops)")
        _stop_cleanly_on_sigterm()
        with Freshener(store, ensure_rollups, cache.clear) as freshener:
            if service is not None:
                service.notify(freshener.changed)
            server.run()


def _after_round(store: Store, policy: DeliveryPolicy, cache: ResponseCache | None) -> AfterRound:
    def after(events: list[Event], detected: bool) -> None:
        if events:
            plan_alerts(store.alerts, events, policy)
        report = deliver_due(store.alerts, policy)
        if report.sent or report.dead:
            console.print(f"alerts: {report.sent} sent, {report.retried} to retry, {report.dead} dead")
        if cache is not None and detected:
            cache.clear()

    return after


def _print_round(report: RoundReport) -> None:
    for name in report.ingested:
        console.print(f"ingested {name}")
    for name in report.failed:
        console.print(f"[red]failed[/] {name} (see failed/{name}.error)")
    if report.detected:
        console.print(f"detected: {report.events} events")


@handles_errors
def watch_command(
    inbox: Annotated[
        Path | None,
        typer.Option(help="Directory where signal files are dropped (moved to done/ or failed/)."),
    ] = None,
    db: DbOption = None,
    interval: Annotated[
        float | None, typer.Option(help="Seconds between rounds (setting watch_interval).")
    ] = None,
    once: Annotated[
        bool, typer.Option("--once", help="Run one round and exit (for scripts and cron).")
    ] = False,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Also serve the dashboard and API.")
    ] = False,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    setting: SettingOption = None,
) -> None:
    """Watch an inbox: ingest new signal files, detect, send alerts; repeat until SIGTERM or Ctrl-C.

    Stopping is clean: the round in progress finishes its current step; unread files stay in the
    inbox, a pending detection and unsent alerts stay in the store, and the next start resumes.
    Writers should write FILE.part (or .FILE) and rename it when complete. While it runs, other
    netvigil commands on the same store go through it (as with serve).

    Example: netvigil watch --inbox /srv/netvigil/inbox --db obs.duckdb --serve --port 8000
    """
    settings = _settings(setting)
    if inbox is not None and not inbox.is_dir():
        raise fail(f"{inbox}: not a directory")
    with open_store(db, through_service=False) as store, store_service(store, db):
        every = interval if interval is not None else settings.number("watch_interval")
        run_watch(store, settings, WatchOptions(inbox, every, once, serve, host, port))


@dataclass(frozen=True, slots=True)
class WatchOptions:
    """How a watch loop runs: its inbox, its pace, once or for ever, with or without the dashboard."""

    inbox: Path | None
    interval: float
    once: bool = False
    serve: bool = False
    host: str = "127.0.0.1"
    port: int = 8000
    name: str = "watch"


def run_watch(
    store: Store, settings: Settings, options: WatchOptions, collect: Collector | None = None
) -> None:
    """The watch loop (with the dashboard when asked) until SIGTERM or Ctrl-C, or one round."""
    server, cache = _server(store, settings, options.host, options.port) if options.serve else (None, None)
    watcher = Watcher(
        store,
        options.inbox,
        options.interval,
        after_round=_after_round(store, delivery_policy(settings), cache),
        collect=collect,
    )
    if options.once:
        _print_round(watcher.run_once())
        return
    thread = threading.Thread(target=server.run, daemon=True) if server else None
    if thread is not None:
        thread.start()
        console.print(f"netvigil: dashboard at http://{options.host}:{options.port}/")

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        console.print(f"netvigil {options.name}: {signal.Signals(signum).name}, stopping after this step")
        watcher.stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    console.print(f"netvigil {options.name}: running (SIGTERM or Ctrl-C stops cleanly)")
    watcher.run(_print_round)
    if server is not None and thread is not None:
        server.should_exit = True
        thread.join(timeout=10)
    console.print(f"netvigil {options.name}: stopped")


token_app = typer.Typer(
    help="API tokens: made once, stored hashed, scoped (submit, admin).", no_args_is_help=True
)


@token_app.command("create")
@handles_errors
def token_create(
    name: Annotated[str, typer.Argument(help="What the token is for, e.g. probe-almaty.")],
    scope: Annotated[list[str], typer.Option("--scope", help=f"Repeatable: {', '.join(TOKEN_SCOPES)}.")],
    db: DbOption = None,
) -> None:
    """Make a token and print it once (only its hash is stored).

    Example: netvigil token create probe-almaty --scope submit
    """
    with open_store(db) as store:
        record, text = create_token(store.tokens, name, scope)
    console.print(f"token {record.id} ({record.scopes}) — shown once, keep it safe:", highlight=False)
    print(text)


@token_app.command("list")
@handles_errors
def token_list(db: DbOption = None) -> None:
    """List tokens (id, name, scopes, created, revoked) as JSON lines; never the secrets."""
    with open_store(db) as store:
        for t in store.tokens.list_tokens():
            echo_json_line(
                {
                    "id": t.id,
                    "name": t.name,
                    "scopes": t.scopes,
                    "created": iso(t.created_at),
                    "revoked": t.revoked,
                }
            )


@token_app.command("revoke")
@handles_errors
def token_revoke(
    token_id: Annotated[str, typer.Argument(help="The id shown by token list.")], db: DbOption = None
) -> None:
    """Revoke a token at once."""
    with open_store(db) as store:
        if not store.tokens.revoke(token_id):
            raise fail(f"no token {token_id!r}")
    console.print(f"revoked {token_id}")


alert_app = typer.Typer(help="Alert rules (webhook, e-mail) and their deliveries.", no_args_is_help=True)


@alert_app.command("add")
@handles_errors
def alert_add(
    name: Annotated[str, typer.Argument(help="A name for the rule.")],
    channel: Annotated[str, typer.Option(help="webhook or email.")],
    target: Annotated[str, typer.Option(help="The webhook URL or the e-mail address.")],
    entity: Annotated[
        str | None, typer.Option(help="Only this entity (a country also covers its networks).")
    ] = None,
    scope: Annotated[str | None, typer.Option(help="national, regional, network or service.")] = None,
    kind: Annotated[
        str | None, typer.Option(help="blackout, disruption, throttling or service_blocking.")
    ] = None,
    max_level: Annotated[
        float | None, typer.Option(help="Only events at or below this % of ordinary.")
    ] = None,
    secret: Annotated[
        str | None, typer.Option(help="Webhook signing secret (default: a new random one).")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(help="Ignore events that ended before this ISO time (default: now, see --replay)."),
    ] = None,
    replay: Annotated[
        bool,
        typer.Option(
            "--replay", help="Also send the stored events that were over before the rule was made."
        ),
    ] = False,
    db: DbOption = None,
) -> None:
    """Add an alert rule; prints it (with the webhook secret, shown once) as JSON.

    A new rule sends events that start after it (and those still going on); --replay sends the
    stored history too, --since from a given time.

    Example: netvigil alert add kz-ops --channel webhook --target https://example.org/hook
    --entity country:KZ --max-level 50
    """
    request = RuleRequest(
        name=name,
        channel=channel,
        target=target,
        entity=entity,
        scope=scope,
        kind=kind,
        max_level=max_level,
        secret=secret,
        since=since,
        replay=replay,
    )
    rule = new_rule(request)
    with open_store(db) as store:
        store.alerts.add_rule(rule)
    echo_json_line(rule_json(rule, RULE_ADDED_FIELDS))


@alert_app.command("list")
@handles_errors
def alert_list(db: DbOption = None) -> None:
    """List alert rules as JSON lines (without secrets)."""
    with open_store(db) as store:
        for r in store.alerts.list_rules():
            echo_json_line(rule_json(r, RULE_FILTER_FIELDS))


@alert_app.command("remove")
@handles_errors
def alert_remove(rule_id: Annotated[str, typer.Argument(help="The rule id.")], db: DbOption = None) -> None:
    """Remove a rule and its unsent messages."""
    with open_store(db) as store:
        if not store.alerts.delete_rule(rule_id):
            raise fail(f"no alert rule {rule_id!r}")
    console.print(f"removed {rule_id}")


def _delivery_json(delivery: AlertDelivery) -> dict[str, object]:
    return {
        "id": delivery.id,
        "rule_id": delivery.rule_id,
        "event_id": delivery.event_id,
        "transition": delivery.transition,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "last_error": delivery.last_error,
    }


@alert_app.command("status")
@handles_errors
def alert_status(db: DbOption = None) -> None:
    """Each rule's deliveries as JSON lines: sent, pending, retrying, dead, and why the newest failed.

    A failing rule exits 1 after printing, so a script (or cron) notices a receiver that cannot be
    reached. Example: netvigil alert status --db kz.duckdb
    """
    with open_store(db, read_only=True) as store:
        statuses = rule_statuses(store.alerts)
    for status in statuses:
        echo_json_line(status.to_json())
    failing = [s for s in statuses if s.failing]
    for status in failing:
        err_console.print(
            f"[bold red]rule {status.rule.id} ({status.rule.name}) is failing:[/] {status.last_error}",
            highlight=False,
            soft_wrap=True,
        )
    if failing:
        raise typer.Exit(EXIT_FAILURE)


@alert_app.command("deliveries")
@handles_errors
def alert_deliveries(
    status: Annotated[str | None, typer.Option(help="pending, sent or dead (the dead-letter list).")] = None,
    db: DbOption = None,
) -> None:
    """List alert messages as JSON lines, newest first; "id" is the delivery id receivers see."""
    with open_store(db) as store:
        for d in store.alerts.list_deliveries(status=status, limit=1000):
            echo_json_line(_delivery_json(d))


@alert_app.command("resend")
@handles_errors
def alert_resend(
    ids: Annotated[
        list[str] | None,
        typer.Argument(help="Delivery ids (RULE:EVENT:STEP, the \"id\" of the listing) to send again."),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Send every dead letter again.")] = False,
    db: DbOption = None,
    setting: SettingOption = None,
) -> None:
    """List the dead letters, or send some of them (or --all) again.

    A dead letter is a message given up on after alert_max_attempts failed tries. With no ID and
    no --all this only lists them, one JSON line each (its "id", attempts and last error). With IDs
    or --all those go back to the queue with a fresh count of attempts and everything due is
    delivered at once; each keeps its delivery id, so a receiver that did get an earlier try can
    drop the repeat. An id that names no dead letter is an error and nothing is sent.

    Example (list, resend one, resend all): netvigil alert resend --db kz.duckdb ;
    netvigil alert resend 3fa1c2d4e5f6:kz-2022-blackout:started --db kz.duckdb ;
    netvigil alert resend --all --db kz.duckdb
    """
    if ids and all_:
        raise fail("give delivery ids or --all, not both")
    with open_store(db) as store:
        if not ids and not all_:
            for d in dead_letters(store.alerts):
                echo_json_line(_delivery_json(d))
            return
        policy = delivery_policy(_settings(setting))
        requeued, report = resend(store.alerts, policy, None if all_ else ids)
    console.print(
        f"{requeued} requeued; {report.sent} sent, {report.retried} to retry, {report.dead} dead"
    )


@alert_app.command("send")
@handles_errors
def alert_send(db: DbOption = None, setting: SettingOption = None) -> None:
    """Queue messages for every stored event the rules match, then deliver what is due now.

    Example: netvigil alert send --db kz.duckdb
    """
    policy = delivery_policy(_settings(setting))
    with open_store(db) as store:
        queued = plan_alerts(store.alerts, store.read_events(EventFilter()), policy)
        report = deliver_due(store.alerts, policy)
    console.print(f"{queued} queued; {report.sent} sent, {report.retried} to retry, {report.dead} dead")
