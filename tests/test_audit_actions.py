"""The audit trail reads as sentences: every code written is registered, labelled in both languages, shown."""

from __future__ import annotations

import importlib
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

import switchoff
from switchoff.audit.actions import ACTIONS, FORMER_CODES
from switchoff.audit.models import AuditEvent
from switchoff.audit.services import log_action
from switchoff.people.models import OneTimeLink
from switchoff.subscribers.models import Subscriber
from switchoff.subscribers.services import number_reveal, registry_export_record
from tests.conftest import World, logged_in
from tests.security._disclosure import load_registry

SOURCE = Path(switchoff.__file__).resolve().parent
CALL = re.compile(r"(?<!def )\blog_action\(")
LITERAL = re.compile(r"\s*(f?)\"([^\"]+)\"")
# The codes that an f-string stands for; a new f-string fails the scan until it is listed here.
F_STRINGS = {"people.{link.purpose}.redeemed": [f"people.{p}.redeemed" for p in OneTimeLink.Purpose.values]}
CODE = re.compile(r"^(?P<app>[a-z]+)\.[a-z][a-z_]*\.[a-z][a-z_]*$")
PER_PAGE = 50


def codes_written() -> dict[str, str]:
    """Every code a ``log_action(...)`` call of the code base writes, with where it is written."""
    found: dict[str, str] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for call in CALL.finditer(text):
            where = f"{path.relative_to(SOURCE.parent)}:{text.count(chr(10), 0, call.start()) + 1}"
            literal = LITERAL.match(text, call.end())
            assert literal is not None, f"{where}: log_action's code is not a string this test can read"
            is_f, code = literal.groups()
            if is_f:
                assert code in F_STRINGS, f"{where}: list the codes of f-string {code!r} in F_STRINGS"
                found.update(dict.fromkeys(F_STRINGS[code], where))
            else:
                found[code] = where
    return found


class _VisibleText(HTMLParser):
    """The text a person sees: no attributes, no <title>/<script>/<style>."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self._hidden += tag in {"title", "script", "style"}

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in {"title", "script", "style"}

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def in_language(client: Client, language: str) -> Client:
    client.post(reverse("people:language"), {"language": language})
    return client


def test_the_scan_finds_the_calls_it_should() -> None:
    written = codes_written()
    assert "units.unit.merged" in written and "people.reset.redeemed" in written
    assert len(written) > 40


def test_every_code_the_code_base_writes_is_registered() -> None:
    missing = {code: where for code, where in codes_written().items() if code not in ACTIONS}
    assert missing == {}, "register these in switchoff/audit/actions.py"


def test_every_registered_code_is_still_written() -> None:
    assert sorted(set(ACTIONS) - set(codes_written())) == []


@pytest.mark.parametrize("code", sorted(ACTIONS))
def test_code_reads_app_noun_verb(code: str) -> None:
    match = CODE.match(code)
    assert match is not None, f"{code} is not app.noun.verb"
    assert apps.is_installed(f"switchoff.{match['app']}")


@pytest.mark.parametrize("code", sorted(ACTIONS))
def test_label_is_translated_into_vietnamese(code: str) -> None:
    with translation.override("en"):
        english = str(ACTIONS[code].label)
    with translation.override("vi"):
        vietnamese = str(ACTIONS[code].label)
    assert english and vietnamese != english


def test_former_codes_point_at_registered_ones() -> None:
    assert set(FORMER_CODES.values()) <= set(ACTIONS)
    assert not set(FORMER_CODES) & set(ACTIONS)


def test_log_action_refuses_an_unregistered_code(world: World) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(ValueError, match=r"subscribers\.exported"):
        log_action("subscribers.exported", actor=world.admin, unit=world.province)
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("language", ["vi", "en"])
def test_page_shows_every_action_by_its_label_and_never_its_code(world: World, language: str) -> None:
    AuditEvent.objects.bulk_create(
        AuditEvent(action=code, actor=world.admin, unit=world.province, object_repr="x") for code in ACTIONS
    )
    client = in_language(logged_in(world.admin), language)
    text = ""
    for page in range(1, math.ceil(len(ACTIONS) / PER_PAGE) + 1):
        response = client.get(reverse("audit:list"), {"page": page})
        assert response["Content-Language"] == language
        text += visible_text(response.content.decode())
    with translation.override(language):
        absent = [code for code, action in ACTIONS.items() if str(action.label) not in text]
    assert absent == []
    assert [code for code in ACTIONS if code in text] == []


def test_filter_offers_labels_not_codes(world: World) -> None:
    html = logged_in(world.admin).get(reverse("audit:list")).content.decode()
    select = html[html.index('<select id="f-action"') : html.index("</select>")]
    assert '<option value="subscribers.list.exported">Xuất danh sách thuê bao</option>' in select
    assert [code for code in ACTIONS if code in visible_text(select)] == []


@pytest.mark.parametrize(
    ("language", "masked", "full", "reveal", "imported"),
    [
        (
            "vi",
            "số đã che, 2 dòng",
            "số đầy đủ, 1 dòng",
            "086****456",
            "3 dòng đã đọc, 3 mới, 0 ra khỏi danh sách",
        ),
        ("en", "numbers masked, 2 rows", "full numbers, 1 row", "086****456", "3 rows read, 3 new, 0 left the list"),
    ],
)
def test_page_says_what_each_disclosure_showed(
    world: World, language: str, masked: str, full: str, reveal: str, imported: str
) -> None:
    load_registry(world)
    an = Subscriber.objects.get(msisdn="+84868123456")
    registry_export_record(actor=world.admin, unit=world.ward_a, subscriber_ids=[1, 2], full=False, filters={})
    registry_export_record(actor=world.admin, unit=world.ward_a, subscriber_ids=[an.pk], full=True, filters={})
    number_reveal(actor=world.admin, subscriber=an)
    text = visible_text(in_language(logged_in(world.admin), language).get(reverse("audit:list")).content.decode())
    assert masked in text and full in text and reveal in text and imported in text
    assert "0868123456" not in text and "+84868123456" not in text


def test_trail_names_a_subscriber_without_a_name_by_the_masked_number(world: World) -> None:
    load_registry(world)
    Subscriber.objects.filter(msisdn="+84868123456").update(name="")
    number_reveal(actor=world.admin, subscriber=Subscriber.objects.get(msisdn="+84868123456"))
    assert AuditEvent.objects.get(action="subscribers.number.revealed").object_repr == "086****456"


def test_an_event_under_a_former_code_reads_and_filters_as_the_new_one(world: World) -> None:
    AuditEvent.objects.create(
        action="subscribers.exported", unit=world.province, data={"rows": 3, "full_numbers": False}
    )
    client = logged_in(world.admin)
    page = client.get(reverse("audit:list"), {"action": "subscribers.list.exported"})
    assert [e.action for e in page.context["page"]] == ["subscribers.exported"]
    assert "Xuất danh sách thuê bao" in visible_text(page.content.decode())


def test_an_unregistered_code_in_the_trail_is_shown_as_such(world: World) -> None:
    AuditEvent.objects.create(action="units.thing.vanished", unit=world.province)
    text = visible_text(logged_in(world.admin).get(reverse("audit:list")).content.decode())
    assert "Thao tác không xác định units.thing.vanished" in text


def test_migration_renames_former_codes(world: World) -> None:
    migration = importlib.import_module("switchoff.audit.migrations.0003_rename_action_codes")
    ids = [AuditEvent.objects.create(action=old).pk for old in FORMER_CODES]
    events = AuditEvent.objects.filter(pk__in=ids).order_by("pk")
    migration.forwards(apps, None)
    assert list(events.values_list("action", flat=True)) == list(FORMER_CODES.values())
    migration.backwards(apps, None)
    assert list(events.values_list("action", flat=True)) == list(FORMER_CODES)


def test_page_query_count_does_not_grow_with_rows(world: World) -> None:
    client = logged_in(world.admin)
    people = [world.admin, world.coordinator, world.reporter_a, world.reporter_b]
    units = [world.province, world.ward_a, world.ward_b, world.team_a]

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("audit:list")).status_code == 200
        return len(captured)

    # The panel of unusual searches costs one query more once it names someone: let it name someone in both.
    AuditEvent.objects.create(action="subscribers.number.search_throttled", actor=world.admin, unit=world.province)
    few = queries()
    AuditEvent.objects.bulk_create(
        AuditEvent(action=code, actor=people[i % 4], unit=units[i % 4], data={"rows": i, "full_numbers": True})
        for i, code in enumerate(list(ACTIONS)[:40])
    )
    assert queries() == few
