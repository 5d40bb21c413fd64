"""Masked numbers cannot be recovered by searching every candidate (hardening item 3).

A search by a full number discloses whether that number is listed: it is
limited per person and minute, logged like a reveal, and shown to the
administrators when its volume is unusual.
"""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from switchoff.audit.models import AuditEvent
from switchoff.lib import throttle
from switchoff.subscribers.models import NumberView, Subscriber
from tests.conftest import World, logged_in
from tests.exporting import export
from tests.security._disclosure import api_client, load_registry

LIMIT = 30


@pytest.fixture(autouse=True)
def _one_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every search of a test falls in one minute, however slow a loaded machine runs it (a test of 200 searches
    once took 100 s, and the window moved under it)."""
    at = throttle.now()
    monkeypatch.setattr(throttle, "now", lambda: at)


SEARCHED = "subscribers.number.searched"
THROTTLED = "subscribers.number.search_throttled"


def candidates(n: int) -> list[str]:
    """``n`` full numbers matching the mask 086****456, the way an enumeration would try them."""
    return [f"0868{i:03d}456" for i in range(n)]


def page_search(client: Client, world: World, text: str) -> str:
    return client.get(reverse("subscribers:registry"), {"unit": str(world.ward_a.pk), "q": text}).content.decode()


def test_thirty_first_number_search_in_a_minute_is_refused_on_the_page(world: World) -> None:
    load_registry(world)
    client = logged_in(world.viewer)
    for number in candidates(LIMIT):
        page_search(client, world, number)
    page = page_search(client, world, "0868123456")  # the right one, too late
    assert "Nguyễn Văn An" not in page
    assert "Wait a minute" in page or "Chờ một phút" in page
    assert NumberView.objects.filter(purpose="search").count() == LIMIT
    assert AuditEvent.objects.filter(action=THROTTLED, actor=world.viewer).count() == 1
    # Further refusals in the same window add no audit row.
    page_search(client, world, "0868123457")
    assert AuditEvent.objects.filter(action=THROTTLED).count() == 1
    # Someone else is not held back by the viewer's searches.
    assert "Nguyễn Văn An" in page_search(logged_in(world.reporter_a), world, "0868123456")


def test_thirty_first_number_search_in_a_minute_is_refused_by_the_api(world: World) -> None:
    load_registry(world)
    client = api_client(world.reporter_a)
    url = "/api/v1/registry/subscribers"
    for number in candidates(LIMIT):
        assert client.get(url, {"unit": str(world.ward_a.pk), "q": number}).status_code == 200
    response = client.get(url, {"unit": str(world.ward_a.pk), "q": "+84 868 123 456"})
    assert response.status_code == 429
    error = response.json()["error"]
    assert error["code"] == "throttled" and error["message"]
    assert error["details"] == {"limit": LIMIT, "window_s": 60}
    # Searching by name is not limited.
    names = client.get(url, {"unit": str(world.ward_a.pk), "q": "bao"}).json()["items"]
    assert [s["number_masked"] for s in names] == ["086****457"]


def test_an_export_searched_by_number_counts_against_the_same_limit(world: World) -> None:
    load_registry(world)
    client = logged_in(world.viewer)
    for number in candidates(LIMIT):
        page_search(client, world, number)
    response = export(client, {"unit": str(world.ward_a.pk), "q": "0868123456"})
    assert response.status_code == 302
    assert not NumberView.objects.filter(purpose="export-masked").exists()


def test_every_search_by_a_full_number_is_logged_like_a_reveal(world: World) -> None:
    load_registry(world)
    an = Subscriber.objects.get(msisdn="+84868123456")
    client = logged_in(world.viewer)
    page_search(client, world, "0868 123 456")
    page_search(client, world, "0868999456")  # no such number: still an answer, still logged
    page_search(client, world, "nguyen van")  # a name: not a disclosure
    views = list(NumberView.objects.filter(user=world.viewer, purpose="search").order_by("pk"))
    assert [v.subscriber_ids for v in views] == [[an.pk], []]
    events = list(AuditEvent.objects.filter(action=SEARCHED, actor=world.viewer).order_by("pk"))
    assert [(e.data["matches"], e.data["via"]) for e in events] == [([an.pk], "page"), ([], "page")]
    api_client(world.reporter_a).get("/api/v1/registry/subscribers", {"unit": str(world.ward_a.pk), "q": "84868123456"})
    assert NumberView.objects.get(user=world.reporter_a, purpose="search").subscriber_ids == [an.pk]
    assert AuditEvent.objects.get(action=SEARCHED, actor=world.reporter_a).data["via"] == "api"
    # The trail keeps the number masked.
    assert {e.data["number"] for e in events} == {"086****456"}
    assert all("0868123456" not in str(e.data) for e in AuditEvent.objects.all())


def test_an_export_searched_by_number_is_logged_and_keeps_the_number_masked(world: World) -> None:
    load_registry(world)
    an = Subscriber.objects.get(msisdn="+84868123456")
    response = export(logged_in(world.viewer), {"unit": str(world.ward_a.pk), "q": "0868123456"})
    assert response.status_code == 200
    assert NumberView.objects.get(purpose="search").subscriber_ids == [an.pk]
    exported = AuditEvent.objects.get(action="subscribers.list.exported")
    assert exported.data["filters"]["q"] == "086****456"


def test_a_mask_or_a_part_of_a_number_matches_nothing(world: World) -> None:
    load_registry(world)
    client = logged_in(world.viewer)
    for text in ("086****456", "086%456", "086_______456", "0868123", "123456", "456", "*456"):
        page = page_search(client, world, text)
        assert "Nguyễn Văn An" not in page, text
    assert not NumberView.objects.exists()
    items = api_client(world.reporter_a).get(
        "/api/v1/registry/subscribers", {"unit": str(world.ward_a.pk), "q": "086****456"}
    )
    assert items.json()["items"] == []


def test_viewer_without_reveal_cannot_enumerate_a_mask(world: World) -> None:
    """The attack of the issue: every candidate of 086****456, as fast as possible, by someone without reveal."""
    load_registry(world)
    client = logged_in(world.viewer)
    found = [n for n in candidates(200) if "Nguyễn Văn An" in page_search(client, world, n)]
    assert found == []  # 0868123456 is candidate 123: the limit stopped the search at 30
    assert NumberView.objects.filter(user=world.viewer, purpose="search").count() == LIMIT


@override_settings(NUMBER_SEARCH_UNUSUAL_PER_DAY=5)
def test_audit_page_shows_unusual_search_volume_to_an_administrator(world: World) -> None:
    load_registry(world)
    client = logged_in(world.viewer)
    for number in candidates(8):
        page_search(client, world, number)
    for number in candidates(2):
        page_search(logged_in(world.reporter_a), world, number)  # a little searching is usual
    page = logged_in(world.admin).get(reverse("audit:list")).content.decode()
    assert 'id="unusual-searches"' in page
    panel = page[page.index('id="unusual-searches"') : page.index("</section>")]
    assert "Viewer" in panel and ">8<" in panel
    assert "Reporter A" not in panel


def test_audit_page_shows_who_was_refused_by_the_limit(world: World) -> None:
    load_registry(world)
    client = logged_in(world.viewer)
    for number in candidates(LIMIT + 1):
        page_search(client, world, number)
    page = logged_in(world.admin).get(reverse("audit:list")).content.decode()
    panel = page[page.index('id="unusual-searches"') : page.index("</section>")]
    assert "Viewer" in panel


def test_the_volume_panel_is_for_those_who_may_read_the_audit_trail(world: World) -> None:
    load_registry(world)
    client = logged_in(world.viewer)
    for number in candidates(LIMIT + 1):
        page_search(client, world, number)
    assert logged_in(world.viewer).get(reverse("audit:list")).status_code == 403
    assert logged_in(world.reporter_a).get(reverse("audit:list")).status_code == 403
    # Nothing unusual, no panel.
    AuditEvent.objects.filter(action__startswith="subscribers.number").delete()
    assert 'id="unusual-searches"' not in logged_in(world.admin).get(reverse("audit:list")).content.decode()
