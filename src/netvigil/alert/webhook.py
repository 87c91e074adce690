"""The webhook channel: POST the message as JSON, signed with HMAC-SHA256 over ``timestamp.body``.

Headers: ``X-Netvigil-Signature: sha256=<hex>``, ``X-Netvigil-Timestamp`` (Unix s, part of what
is signed, so a captured request cannot be replayed later), ``Idempotency-Key`` and
``X-Netvigil-Delivery`` (both the delivery id, stable per rule, event and step, so a receiver can
drop a repeat: delivery is at least once), ``X-Netvigil-Transition``. Any 2xx answer
is success; anything else, or no answer, is a failure to retry. :func:`send` is where httpx's
errors enter: each becomes the failure string it returns (data, never an exception).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ssl
import time
from typing import Final
from urllib.parse import urlsplit

import httpx

from netvigil.alert.policy import DeliveryPolicy
from netvigil.model.alerts import AlertDelivery, AlertRule

REFUSAL_TEXT: Final = 160
"""How much of a refusing receiver's answer a failure keeps."""


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256(secret, timestamp + "." + body)."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


@functools.cache
def _tls() -> ssl.SSLContext:
    """The TLS settings httpx uses, made once: making them for every request costs more than the request."""
    return httpx.create_ssl_context()


def send(delivery: AlertDelivery, rule: AlertRule, policy: DeliveryPolicy) -> str | None:
    """Deliver one message; returns None on success, else what went wrong."""
    body = delivery.payload.encode("utf-8")
    stamp = str(int(time.time()))
    headers = {
        "content-type": "application/json",
        "user-agent": "netvigil-alerts/1",
        "idempotency-key": delivery.id,
        "x-netvigil-delivery": delivery.id,
        "x-netvigil-transition": delivery.transition,
        "x-netvigil-timestamp": stamp,
    }
    if rule.secret:
        headers["x-netvigil-signature"] = signature(rule.secret, stamp, body)
    try:
        response = httpx.post(
            rule.target, content=body, headers=headers, timeout=policy.timeout, verify=_tls()
        )
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        return f"webhook {_host(rule.target)} unreachable: {type(exc).__name__}: {exc}"
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:  # ValueError: a host IDNA rejects
        return f"webhook {_host(rule.target)} failed: {type(exc).__name__}: {exc}"
    if 200 <= response.status_code < 300:
        return None
    return _refusal(response)


def _host(target: str) -> str:
    """The host (and port) of a webhook URL, for error messages (never its path or query)."""
    return urlsplit(target).netloc or target


def _refusal(response: httpx.Response) -> str:
    """Why a receiver refused: who, its status and reason phrase, and the start of what it said.

    E.g. ``webhook hooks.example.org answered HTTP 503 Service Unavailable (server error); said: busy``.
    """
    status = response.status_code
    side = "server error" if status >= 500 else ("client error" if status >= 400 else "not a 2xx success")
    said = " ".join(response.text.split())[:REFUSAL_TEXT]
    answer = f"HTTP {status} {response.reason_phrase}".rstrip()
    return f"webhook {_host(str(response.request.url))} answered {answer} ({side})" + (
        f"; said: {said}" if said else ""
    )
