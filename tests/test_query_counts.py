"""Every list page and API list costs the same number of queries with 5 rows or hundreds.

Each scenario grows its rows in two steps under the same units, requests the
list as a persona who sees them after each step, and compares the number of
queries (printed on failure). A page that loads a relation row by row (N+1)
fails here.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from switchoff.audit.models import AuditEvent
from switchoff.campaigns import services as campaign_services
from switchoff.campaigns.models import Campaign
from switchoff.campaigns.services import assignments_add
from switchoff.devices.importer import check_table
from switchoff.devices.services import devices_import
from switchoff.lib.months import add_months, first_of_month, last_of_month
from switchoff.lib.sheets import read_file
from switchoff.people.models import User
from switchoff.people.roles import Role
from switchoff.people.services import api_token_create
from switchoff.reports import services as reports
from switchoff.reports.models import Notification
from switchoff.subscribers.importer import import_list
from switchoff.subscribers.services import list_write
from switchoff.units.models import Unit, UnitKind
from switchoff.units.services import team_set_coverage, unit_create
from tests.conftest import World, logged_in, make_user
from tests.devices_helpers import gsma_table, imei_of
from tests.reporting import make_campaign

SMALL = 5
JULY = datetime.date(2024, 7, 1)
ON_TIME = datetime.datetime(2024, 8, 5, 9, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh"))


@dataclass(frozen=True)
class Scenario:
    """A list, who reads it, and how to grow its rows from ``start`` to ``stop`` (cumulative)."""

    persona: str
    # The URL and its query, from the world and the state the growth keeps (a campaign, say).
    url: Callable[[World, dict[str, Any]], tuple[str, dict[str, Any]]]
    grow: Callable[[World, dict[str, Any], int, int], None]
    large: int
    api: bool = False
    headers: dict[str, str] | None = None


# Growing the data -------------------------------------------------------------------------------


def grow_subscribers(world: World, state: dict[str, Any], start: int, stop: int) -> None:
    """The operator's whole list again, ``stop`` rows now: the first ones relisted, none leaving.

    Pairs of rows share a name and an address, so that the households page has a group per pair.
    Everything goes through the importer, so the counters stay what verify_counts expects.
    """
    lines = ["STT;Số thuê bao;Họ và tên;Địa chỉ"]
    for i in range(stop):
        pair = i // 2
        lines.append(f"{i + 1};0868{i:06d};Nguyễn Văn Hộ {pair};Khối {1 + pair % 3}, Phường Lương Văn Tri")
    content = ("\n".join(lines) + "\n").encode()
    import_list(
        read_file(content, "list.csv"),
        content=content,
        operator=world.operator,
        area=world.province,
        as_of=datetime.date(2024, 8, 1) + datetime.timedelta(days=stop),
    )


def _kind(code: str) -> UnitKind:
    return UnitKind.objects.get(code=code)


def grow_villages(world: World, state: dict[str, Any], start: int, stop: int) -> None:
    """Villages under ward A, every one covered by team A."""
    village = _kind("village")
    for i in range(start, stop):
        unit_create(actor=None, kind=village, name=f"Khối tìm {i}", parent=world.ward_a, log=False)
    covered = Unit.objects.filter(parent=world.ward_a, kind=village, valid_to__isnull=True)
    team_set_coverage(actor=None, team=world.team_a, villages=list(covered))


def grow_teams(world: World, state: dict[str, Any], start: int, stop: int) -> None:
    """Digital technology teams of ward A, each covering Khối 1."""
    team = _kind("digital_team")
    for i in range(start, stop):
        unit = unit_create(actor=None, kind=team, name=f"Tổ công nghệ số {i}", parent=world.ward_a, log=False)
        team_set_coverage(actor=None, team=unit, villages=[world.villages_a[0]])


def grow_roles(world: World, state: dict[str, Any], start: int, stop: int) -> None:
    """Villages of ward B where member A also has a role: each one more root of their tree."""
    village = _kind("village")
    for i in range(start, stop):
        unit = unit_create(actor=None, kind=village, name=f"Thôn {i}", parent=world.ward_b, log=False)
        world.member_a.memberships.create(unit=unit, role=Role.VIEWER)


def grow_people(world: World, state: dict[str, Any], start: int, stop: int) -> None:
    """Members of team A, each also with a role in a village."""
    for i in range(start, stop):
        person = make_user(f"member.{i}", world.team_a, Role.TEAM_MEMBER)
        person.memberships.create(unit=world.villages_a[i % 3], role=Role.VIEWER)


def grow_commune_people(world: World, state: dict[str, Any], start: int, stop: int) -> None:
    """People of ward A's villages, not in team A: the people its leader may add."""
    for i in range(start, stop):
        make_user(f"village.{i}", world.villages_a[i % 3], Role.VIEWER)


def grow_campaigns(world: World, state: dict[str, Any], start: int, stop: int) -> None:
    for _i in range(start, stop):
        state["campaign"] = make_campaign(world)


def _campaign(world: World, state: dict[str, Any]) -> Campaign:
    if "campaign" not in state:
        state["campaign"] = make_campaign(world)
    campaign: Campaign = state["campaign"]
    return campaign


def grow_activities(world: World, state: dict[str, Any], start: int, stop: int) -> None:
    """Activities of committee A in July, on the forms, media and places of the catalogue."""
    campaign = _campaign(world, state)
    forms = list(campaign.forms.prefetch_related("media").order_by("pk"))
    for i in range(start, stop):
        form = forms[i % len(forms)]
        reports.activity_create(
            actor=world.reporter_a,
            campaign=campaign,
            unit=world.committee_a,
            day=datetime.date(2024, 7, 1 + i % 28),
            form=form,
            medium=form.media.first(),
            count=1 + i,
            place=world.villages_a[i % 3],
            client_key=f"activity-{i}",
        )


def grow_synonyms(world: World, state: dict[str, Any], start: int, stop: int) -> None:
    """Other names of the campaign's forms and media, alternately."""
    campaign = _campaign(world, state)
    forms, media = list(campaign.forms.all()), list(campaign.media.all())
    for i in range(start, stop):
        target = {"form": forms[i % len(forms)]} if i % 2 else {"medium": media[i % len(media)]}
        campaign_services.synonym_add(actor=None, campaign=campaign, text=f"Tên gọi khác {i}", **target)


def grow_reporting_units(world: World, state: dict[str, Any], start: int, stop: int) -> None:
    """Communes with a people's committee that must report; every other one has submitted July's report."""
    campaign = _campaign(world, state)
    commune, committee = _kind("commune"), _kind("people_committee")
    for i in range(start, stop):
        ward = unit_create(actor=None, kind=commune, name=f"Xã {i}", parent=world.province, log=False)
        unit = unit_create(actor=None, kind=committee, name=f"UBND xã {i}", parent=ward, log=False)
        assignments_add(actor=None, campaign=campaign, kind_codes=["people_committee"], within=ward)
        if i % 2 == 0:
            report = reports.report_open(actor=None, campaign=campaign, unit=unit, month=JULY)
            reports.report_submit(actor=None, report=report, now=ON_TIME, no_activity=True)


def _running(world: World, state: dict[str, Any]) -> Campaign:
    """A campaign running now (the home page shows this month and the last)."""
    if "campaign" not in state:
        today = timezone.localdate()
        state["campaign"] = make_campaign(
            world,
            start_date=add_months(first_of_month(today), -3),
            end_date=last_of_month(add_months(first_of_month(today), 2)),
        )
    campaign: Campaign = state["campaign"]
    return campaign


def grow_running_activities(world: World, state: dict[str, Any], start: int, stop: int) -> None:
    """Activities of committee A this month, on every form of the catalogue."""
    campaign = _running(world, state)
    forms = list(campaign.forms.order_by("pk"))
    for i in range(start, stop):
        reports.activity_create(
            actor=world.reporter_a,
            campaign=campaign,
            unit=world.committee_a,
            day=first_of_month(timezone.localdate()),
            form=forms[i % len(forms)],
            count=1 + i,
            client_key=f"home-{i}",
        )


def grow_running_reporting_units(world: World, state: dict[str, Any], start: int, stop: int) -> None:
    """Communes that must report; every other one has submitted last month's report."""
    campaign = _running(world, state)
    last = add_months(first_of_month(timezone.localdate()), -1)
    commune, committee = _kind("commune"), _kind("people_committee")
    for i in range(start, stop):
        ward = unit_create(actor=None, kind=commune, name=f"Xã {i}", parent=world.province, log=False)
        unit = unit_create(actor=None, kind=committee, name=f"UBND xã {i}", parent=ward, log=False)
        assignments_add(actor=None, campaign=campaign, kind_codes=["people_committee"], within=ward)
        if i % 2 == 0:
            reports.report_submit(
                actor=None,
                report=reports.report_open(actor=None, campaign=campaign, unit=unit, month=last),
                no_activity=True,
            )


def grow_notifications(world: World, state: dict[str, Any], start: int, stop: int) -> None:
    Notification.objects.bulk_create(
        Notification(user=world.reporter_a, text=f"Thông báo {i}", url="/") for i in range(start, stop)
    )


def grow_audit(world: World, state: dict[str, Any], start: int, stop: int) -> None:
    """Audit rows of ward A by a few people, and rows without a unit by people of the area."""
    actors = [world.reporter_a, world.leader_a, world.member_a]
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=actors[i % 3],
            action="test.something.done",
            object_repr=f"row {i}",
            unit=world.ward_a if i % 2 else None,
        )
        for i in range(start, stop)
    )


# The lists --------------------------------------------------------------------------------------


def page(name: str, **query: Any) -> Callable[[World, dict[str, Any]], tuple[str, dict[str, Any]]]:
    def url(world: World, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return reverse(name), {key: value(world) if callable(value) else value for key, value in query.items()}

    return url


def grow_subscribers_with_phones(world: World, state: dict[str, Any], start: int, stop: int) -> None:
    """The operator's list with an IMEI on each row (2G-only and 5G phones by turns), through the one write path
    that classifies them; the device table comes first."""
    if not start:
        checked = check_table(read_file(gsma_table(), "tac.txt"))
        devices_import(actor=None, checked=checked, source="tac.txt")
    lines = ["STT;Số thuê bao;Họ và tên;Địa chỉ;IMEI"]
    for i in range(stop):
        tac = "35000001" if i % 2 else "35000004"
        lines.append(f"{i + 1};0868{i:06d};Nguyễn Văn Hộ {i};Khối 1, Phường Lương Văn Tri;{imei_of(tac, f'{i:06d}')}")
    content = ("\n".join(lines) + "\n").encode()
    as_of = datetime.date(2024, 8, 1) + datetime.timedelta(days=stop)
    list_write(read_file(content, "list.csv"), content=content, operator=world.operator, area=world.province,
               as_of=as_of, actor=None, mapping=None, file_name="list.csv", refuse_errors=False,
               allow_mass_leave=False)  # fmt: skip


def ward_a(world: World) -> int:
    return world.ward_a.pk


SCENARIOS: dict[str, Scenario] = {
    "registry": Scenario("reporter_a", page("subscribers:registry", unit=ward_a), grow_subscribers, 120),
    "registry-all-statuses": Scenario(
        "coordinator", page("subscribers:registry", unit=ward_a, status="all"), grow_subscribers, 120
    ),
    "registry-search-by-name": Scenario(
        "reporter_a", page("subscribers:registry", unit=ward_a, q="nguyen van"), grow_subscribers, 120
    ),
    "registry-by-phone-class": Scenario(
        "reporter_a", page("subscribers:registry", unit=ward_a, **{"class": "2"}), grow_subscribers_with_phones, 120
    ),
    "registry-own-area": Scenario("reporter_a", page("subscribers:registry"), grow_subscribers, 120),
    "registry-operator-staff": Scenario("operator_staff", page("subscribers:registry"), grow_subscribers, 120),
    "households": Scenario("reporter_a", page("subscribers:households", unit=ward_a), grow_subscribers, 130),
    "units-search": Scenario("reporter_a", page("units:search", q="tim"), grow_villages, 40),
    "units-search-htmx": Scenario(
        "reporter_a", page("units:search", q="khoi"), grow_villages, 40, headers={"HX-Request": "true"}
    ),
    "units-tree": Scenario("member_a", page("units:tree"), grow_roles, 60),
    "unit-detail-children": Scenario(
        "reporter_a", lambda w, s: (reverse("units:detail", args=[w.ward_a.pk]), {}), grow_villages, 60
    ),
    "unit-detail-team-coverage": Scenario(
        "leader_a", lambda w, s: (reverse("units:detail", args=[w.team_a.pk]), {}), grow_villages, 60
    ),
    "unit-detail-teams": Scenario(
        "reporter_a", lambda w, s: (reverse("units:detail", args=[w.villages_a[0].pk]), {}), grow_teams, 30
    ),
    "unit-detail-members": Scenario(
        "leader_a", lambda w, s: (reverse("units:detail", args=[w.team_a.pk]), {}), grow_people, 60
    ),
    "team-page-members": Scenario(
        "leader_a", lambda w, s: (reverse("fieldwork:team", args=[w.team_a.pk]), {}), grow_people, 40
    ),
    "team-page-candidates": Scenario(
        "leader_a", lambda w, s: (reverse("fieldwork:team", args=[w.team_a.pk]), {}), grow_commune_people, 40
    ),
    "people": Scenario("coordinator", page("people:list"), grow_people, 60),
    "people-search": Scenario("coordinator", page("people:list", q="member"), grow_people, 60),
    "campaigns": Scenario("reporter_a", page("campaigns:list"), grow_campaigns, 15),
    "home": Scenario("reporter_a", page("web:home"), grow_campaigns, 15),
    "home-activities": Scenario("reporter_a", page("web:home"), grow_running_activities, 40),
    "home-coordinator": Scenario("coordinator", page("web:home"), grow_running_reporting_units, 30),
    "notifications": Scenario("reporter_a", page("web:notifications"), grow_notifications, 60),
    "campaign-detail": Scenario(
        "coordinator",
        lambda w, s: (reverse("campaigns:detail", args=[_campaign(w, s).pk]), {}),
        grow_reporting_units,
        30,
    ),
    "campaign-reporting-units": Scenario(
        "coordinator",
        lambda w, s: (reverse("campaigns:assignments", args=[_campaign(w, s).pk]), {}),
        grow_reporting_units,
        30,
    ),
    "activities": Scenario(
        "reporter_a",
        lambda w, s: (reverse("reports:activities", args=[_campaign(w, s).pk, w.committee_a.pk]), {"month": "2024-07"}),
        grow_activities,
        60,
    ),
    "activity-grid": Scenario(
        "reporter_a",
        lambda w, s: (reverse("reports:grid", args=[_campaign(w, s).pk, w.committee_a.pk]), {"month": "2024-07"}),
        grow_activities,
        60,
    ),
    "catalogue-synonyms": Scenario(
        "coordinator",
        lambda w, s: (reverse("campaigns:synonyms", args=[_campaign(w, s).pk]), {}),
        grow_synonyms,
        40,
    ),
    "completeness": Scenario(
        "coordinator",
        lambda w, s: (reverse("reports:completeness", args=[_campaign(w, s).pk]), {"month": "2024-07"}),
        grow_reporting_units,
        30,
    ),
    "audit": Scenario("coordinator", page("audit:list"), grow_audit, 120),
    "audit-filtered": Scenario("coordinator", page("audit:list", action="test", actor="reporter"), grow_audit, 200),
    # Pages of 50 rather than the default 100, so that 60 rows fill more than one.
    "api-units": Scenario("reporter_a", lambda w, s: ("/api/v1/units/", {"limit": 50}), grow_villages, 60, api=True),
    "api-units-search": Scenario(
        "reporter_a", lambda w, s: ("/api/v1/units/", {"q": "tim", "limit": 50}), grow_villages, 60, api=True
    ),
    "api-units-children": Scenario(
        "reporter_a",
        lambda w, s: ("/api/v1/units/", {"parent": w.ward_a.pk, "limit": 50}),
        grow_villages,
        60,
        api=True,
    ),
    "api-subscribers": Scenario(
        "reporter_a", lambda w, s: ("/api/v1/registry/subscribers", {"unit": w.ward_a.pk}), grow_subscribers, 120, True
    ),
    "api-campaigns": Scenario("reporter_a", lambda w, s: ("/api/v1/campaigns/", {}), grow_campaigns, 15, api=True),
    "api-activities": Scenario(
        "reporter_a",
        lambda w, s: (
            f"/api/v1/campaigns/{_campaign(w, s).pk}/units/{w.committee_a.pk}/activities",
            {"month": "2024-07"},
        ),
        grow_activities,
        60,
        api=True,
    ),
    "api-completeness": Scenario(
        "coordinator",
        lambda w, s: (f"/api/v1/campaigns/{_campaign(w, s).pk}/completeness", {"month": "2024-07"}),
        grow_reporting_units,
        30,
        api=True,
    ),
}


def client_for(user: User, *, api: bool) -> Client:
    if not api:
        return logged_in(user)
    # A coordinator's token acts with its roles once the person has two-factor.
    TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
    _token, raw = api_token_create(user=user, name="query counts")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def queries_of(client: Client, scenario: Scenario, url: str, query: dict[str, Any]) -> tuple[list[str], int]:
    """The queries of one request, and the length of its answer."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, query, headers=scenario.headers)
    assert response.status_code == 200, (url, response.status_code)
    return [q["sql"] for q in captured.captured_queries], len(response.content)


def listing(queries: list[str]) -> str:
    return "\n".join(f"{n:3}. {sql}" for n, sql in enumerate(queries, 1))


@pytest.mark.parametrize("name", SCENARIOS)
def test_a_list_costs_the_same_queries_whatever_its_length(world: World, name: str) -> None:
    scenario = SCENARIOS[name]
    state: dict[str, Any] = {}
    client = client_for(getattr(world, scenario.persona), api=scenario.api)
    scenario.grow(world, state, 0, SMALL)
    url, query = scenario.url(world, state)
    queries_of(client, scenario, url, query)  # the first request fills the caches (content types, the session)
    small, small_length = queries_of(client, scenario, url, query)
    scenario.grow(world, state, SMALL, scenario.large)
    large, large_length = queries_of(client, scenario, url, query)
    assert large_length > small_length, f"{name}: the persona does not see the rows added"
    assert len(large) <= len(small), (
        f"{name}: {len(small)} queries with {SMALL} rows, {len(large)} with {scenario.large}.\n"
        f"With {SMALL}:\n{listing(small)}\n\nWith {scenario.large}:\n{listing(large)}"
    )
