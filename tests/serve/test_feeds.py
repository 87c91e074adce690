"""The Atom feed of events, read back with feedparser."""

from __future__ import annotations

import feedparser
from fastapi.testclient import TestClient


def test_feed_parses_and_says_what_happened(client: TestClient) -> None:
    response = client.get("/feeds/events.atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    assert feed.feed.title == "netvigil: internet disruptions"
    ids = [e.id for e in feed.entries]
    assert set(ids) == {
        "urn:netvigil:event:kz-2022-blackout",
        "urn:netvigil:event:kz-2022-kcell",
        "urn:netvigil:event:kz-2022-kazakhtelecom",
    }
    national = next(e for e in feed.entries if e.id.endswith("kz-2022-blackout"))
    assert national.title == (
        "Blackout in Kazakhstan (national): 3.0 % of ordinary, ended 2022-01-10T05:00:00Z"
    )
    assert national.link == "http://localhost:8000/event/kz-2022-blackout"
    assert national.published == "2022-01-05T10:35:00Z" and national.updated == "2022-01-10T05:00:00Z"
    assert {t.term for t in national.tags} == {"blackout", "national"}
    assert "partial restoration" in national.summary


def test_feed_filters_and_validates(client: TestClient) -> None:
    national = feedparser.parse(client.get("/feeds/events.atom", params={"scope": "national"}).content)
    assert [e.id for e in national.entries] == ["urn:netvigil:event:kz-2022-blackout"]
    kcell = feedparser.parse(client.get("/feeds/events.atom", params={"entity": "asn:29355"}).content)
    assert [e.id for e in kcell.entries] == ["urn:netvigil:event:kz-2022-kcell"]
    empty = feedparser.parse(client.get("/feeds/events.atom", params={"kind": "throttling"}).content)
    assert empty.entries == [] and not empty.bozo
    bad = client.get("/feeds/events.atom", params={"entity": "kz"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_error"
