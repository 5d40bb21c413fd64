"""Reports level by level: communes to their province, provinces to the country."""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum

from switchoff.audit.models import AuditEvent
from switchoff.campaigns.models import Campaign
from switchoff.campaigns.services import assignments_add, campaign_create
from switchoff.people.models import Membership, User
from switchoff.people.roles import Role
from switchoff.reports import services
from switchoff.reports.aggregate import build_aggregate
from switchoff.reports.levels import level_units
from switchoff.reports.models import MonthlyReport, Notification, ReportLine
from switchoff.reports.selectors import StatusRow, UnitStatus, completeness
from switchoff.units.models import Unit, UnitKind
from switchoff.units.services import unit_create

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
JULY = datetime.date(2024, 7, 1)


def at(day: int, month: int = 8) -> datetime.datetime:
    return datetime.datetime(2024, month, day, 9, tzinfo=HCM)


@dataclass
class Country:
    country: Unit
    province_a: Unit
    province_b: Unit
    committees_a: list[Unit]
    committees_b: list[Unit]
    campaign: Campaign
    ministry: User
    official_a: User
    official_b: User


def _unit(kind: str, name: str, parent: Unit | None) -> Unit:
    return unit_create(actor=None, kind=UnitKind.objects.get(code=kind), name=name, parent=parent)


@pytest.fixture
def country(db: None) -> Country:
    return make_country()


def make_country() -> Country:
    """A country of two provinces of two communes each, a national campaign over it, and its coordinators."""
    nation = _unit("country", "Việt Nam (thử)", None)
    a = _unit("province", "Tỉnh An Thử", nation)
    b = _unit("province", "Tỉnh Bình Thử", nation)
    committees: dict[int, list[Unit]] = {}
    for province in (a, b):
        for n in (1, 2):
            commune = _unit("commune", f"Xã Số {n} {province.name}", province)
            committees.setdefault(province.pk, []).append(_unit("people_committee", f"UBND {commune.name}", commune))
    office = _unit("coordinating_office", "Cục Viễn thông (thử)", nation)
    campaign = campaign_create(
        actor=None,
        name="Dừng công nghệ 2G toàn quốc (thử)",
        area=nation,
        coordinating_unit=office,
        recipient_name="Bộ Khoa học và Công nghệ",
        issuing_body="BỘ KHOA HỌC VÀ CÔNG NGHỆ|CỤC VIỄN THÔNG",
        place_name="Hà Nội",
        start_date=datetime.date(2024, 7, 1),
        end_date=datetime.date(2024, 12, 31),
        cutoff_date=datetime.date(2024, 9, 16),
    )
    assignments_add(actor=None, campaign=campaign, kind_codes=["people_committee"], within=nation)
    people = {}
    for name, unit in (("ministry", office), ("official_a", a), ("official_b", b)):
        people[name] = User.objects.create_user(username=name, password="x" * 20, full_name=name)
        Membership.objects.create(user=people[name], unit=unit, role=Role.COORDINATOR)
    # The ministry's coordinator reviews over the whole country.
    Membership.objects.create(user=people["ministry"], unit=nation, role=Role.COORDINATOR)
    return Country(nation, a, b, committees[a.pk], committees[b.pk], campaign, **people)


def _report(c: Country, unit: Unit, counts: dict[str, int], *, accept_by: User | None) -> MonthlyReport:
    """The unit's July report, logged with ``counts`` by form, submitted, and accepted by ``accept_by``."""
    for code, n in counts.items():
        form = c.campaign.forms.get(code=code)
        services.activity_create(
            actor=c.ministry,
            campaign=c.campaign,
            unit=unit,
            day=datetime.date(2024, 7, 3),
            form=form,
            medium=form.media.first(),
            count=n,
            client_key=f"{unit.pk}-{code}",
        )
    report = services.report_open(actor=None, campaign=c.campaign, unit=unit, month=JULY)
    report = services.report_submit(actor=None, report=report, now=at(2))
    if accept_by is not None:
        report = services.report_accept(actor=accept_by, report=report, now=at(3))
    return report


def _raw_sum(c: Country, provinces: list[Unit]) -> dict[str, int]:
    """An independent sum: the raw lines of the communes' accepted reports under ``provinces``, by form code."""
    rows = (
        ReportLine.objects.filter(
            report__campaign=c.campaign,
            report__month=JULY,
            report__status=MonthlyReport.Status.ACCEPTED,
            report__unit__kind__code="people_committee",
            report__unit__parent__parent__in=provinces,
        )
        .values_list("form__code")
        .annotate(n=Sum("count"))
    )
    return {code: n for code, n in rows if n}


def _national(c: Country) -> tuple[dict[str, dict[str, int]], list[str], list[str]]:
    report = build_aggregate(campaign=c.campaign, month=JULY, now=at(20))
    return {t.unit: {k: v for k, v in t.counts.items() if v} for t in report.by_unit}, report.missing, report.late


def test_the_country_counts_only_the_provinces_reports_it_accepted(country: Country) -> None:
    c = country
    a, b = c.province_a, c.province_b
    _report(c, c.committees_a[0], {"loudspeaker": 5, "meeting": 2}, accept_by=c.official_a)
    _report(c, c.committees_a[1], {"loudspeaker": 7}, accept_by=c.official_a)
    _report(c, c.committees_b[0], {"loudspeaker": 11}, accept_by=c.official_b)
    waiting = _report(c, c.committees_b[1], {"meeting": 13}, accept_by=None)  # submitted, not yet reviewed by B

    # Nothing counts at the country before a province submits, however many communes' reports it accepted.
    figures, missing, _late = _national(c)
    assert figures == {} and missing == [a.name, b.name]

    # A province's coordinator submits its report: the sum of what it accepted.
    for someone_else in (c.official_b, c.ministry):  # another province's, or the country's who reviews it
        with pytest.raises(PermissionDenied):
            services.level_report_submit(actor=someone_else, campaign=c.campaign, unit=a, month=JULY, now=at(4))
    report_a = services.level_report_submit(actor=c.official_a, campaign=c.campaign, unit=a, month=JULY, now=at(4))
    assert report_a.status == MonthlyReport.Status.SUBMITTED and not report_a.late
    again = services.level_report_submit(actor=c.official_a, campaign=c.campaign, unit=a, month=JULY, now=at(4))
    assert again.pk == report_a.pk and report_a.lines.count() == 2  # a retry writes nothing twice
    assert AuditEvent.objects.filter(action="reports.level_report.submitted", unit=a).count() == 1
    # The province cannot accept its own report: the country does.
    with pytest.raises(PermissionDenied):
        services.report_accept(actor=c.official_a, report=report_a, now=at(5))
    assert _national(c)[0] == {}  # submitted, not accepted: not a figure yet
    services.report_accept(actor=c.ministry, report=report_a, now=at(5))

    figures, missing, _late = _national(c)
    assert figures == {a.name: _raw_sum(c, [a])} == {a.name: {"loudspeaker": 12, "meeting": 2}}
    assert missing == [b.name]  # B never submitted: named as missing
    # The province's page of its own communes still counts them, never its own report besides.
    provincial = build_aggregate(campaign=c.campaign, month=JULY, now=at(20), units=Unit.objects.rolling_into(a))
    assert {t.unit: t.counts["loudspeaker"] for t in provincial.by_unit} == {
        c.committees_a[0].name: 5,
        c.committees_a[1].name: 7,
    }
    # The country's completeness: the provinces, with their own reports.
    rows = {row.unit.pk: row.status for row in completeness_of(c)}
    assert rows == {a.pk: UnitStatus.ACCEPTED, b.pk: UnitStatus.MISSING}

    # B accepts its last commune late, then submits after its deadline (the units' + 5 days): late.
    services.report_accept(actor=c.official_b, report=waiting, now=at(14))
    report_b = services.level_report_submit(actor=c.official_b, campaign=c.campaign, unit=b, month=JULY, now=at(16))
    assert report_b.late
    # The country returns it with its reason: it goes back to B's coordinator, and counts nowhere.
    services.report_return(actor=c.ministry, report=report_b, reason="Thiếu số liệu xã Số 2", now=at(17))
    report_b.refresh_from_db()
    assert report_b.status == MonthlyReport.Status.RETURNED and report_b.return_reason == "Thiếu số liệu xã Số 2"
    told = Notification.objects.filter(user=c.official_b, text__contains="Thiếu số liệu xã Số 2")
    assert told.count() == 1 and "completeness" in told.get().url
    assert b.name not in _national(c)[0]
    assert {row.unit.pk: row.status for row in completeness_of(c)}[b.pk] == UnitStatus.RETURNED
    # B submits again; the country accepts: B counts, as the raw lines say.
    services.level_report_submit(actor=c.official_b, campaign=c.campaign, unit=b, month=JULY, now=at(18))
    services.report_accept(actor=c.ministry, report=report_b, now=at(19))
    figures, missing, late = _national(c)
    assert figures == {a.name: _raw_sum(c, [a]), b.name: _raw_sum(c, [b])}
    assert figures[b.name] == {"loudspeaker": 11, "meeting": 13}
    assert missing == [] and late == [b.name]
    # Each province's figures once: the national total equals the raw sum over every accepted commune's lines.
    national = build_aggregate(campaign=c.campaign, month=JULY, now=at(20))
    assert {t.form: t.count for t in national.by_form_medium} == {
        c.campaign.forms.get(code=code).name: n for code, n in _raw_sum(c, [a, b]).items()
    }
    # The counters of reports by state count the units' reports only: a province's would add up with its
    # communes' in the country's totals (verify_counts, run after every test, rebuilds them the same way).
    from switchoff.counts.models import Count

    assert not Count.objects.filter(unit__in=[a, b], key__startswith=f"reports.{c.campaign.pk}.report.").exists()
    assert Count.objects.filter(unit__in=c.committees_a, key__startswith=f"reports.{c.campaign.pk}.report.").exists()


def completeness_of(c: Country) -> list[StatusRow]:
    return completeness(campaign=c.campaign, month=JULY, now=at(20), reporting=level_units(c.campaign)).rows


def test_a_province_submits_only_with_an_accepted_report_and_only_as_a_province(country: Country) -> None:
    c = country
    _report(c, c.committees_a[0], {"loudspeaker": 5}, accept_by=None)
    with pytest.raises(ValidationError, match=r"review them first|xem xét"):
        services.level_report_submit(actor=c.official_a, campaign=c.campaign, unit=c.province_a, month=JULY)
    with pytest.raises(ValidationError):  # a commune is not a level that reports to the country
        services.level_report_submit(actor=None, campaign=c.campaign, unit=c.committees_a[0], month=JULY)
    assert not MonthlyReport.objects.filter(unit=c.province_a).exists()


def test_a_national_viewer_sees_every_provinces_report_a_province_official_only_theirs(country: Country) -> None:
    import re

    from django.test import Client
    from django.urls import reverse

    from switchoff.people.services import api_token_create
    from tests.conftest import logged_in

    c = country
    a, b = c.province_a, c.province_b
    _report(c, c.committees_a[0], {"loudspeaker": 5}, accept_by=c.official_a)
    _report(c, c.committees_b[0], {"loudspeaker": 11}, accept_by=c.official_b)
    viewer = User.objects.create_user(username="national.viewer", password="x" * 20)
    Membership.objects.create(user=viewer, unit=c.country, role=Role.VIEWER)
    page_url = reverse("reports:completeness", args=[c.campaign.pk])

    def provinces_on(client: Client) -> list[str]:
        page = client.get(page_url, {"month": "2024-07"})
        assert page.status_code == 200
        html = page.content.decode()
        if 'id="province-statuses"' not in html:
            return []
        table = html[
            html.index('id="province-statuses"') : html.index("</table>", html.index('id="province-statuses"'))
        ]
        return re.findall(r"<tr><td data-label=\"[^\"]+\">([^<]+)</td>", table)

    official_a = logged_in(c.official_a)
    assert provinces_on(logged_in(viewer)) == [a.name, b.name]
    assert provinces_on(official_a) == [a.name]
    assert f'id="submit-province-{a.pk}"' in official_a.get(page_url, {"month": "2024-07"}).content.decode()
    # A's official submits A's report, never B's; reviewing it is the country's.
    submit = reverse("reports:level_submit", args=[c.campaign.pk, b.pk, "2024-07"])
    assert official_a.post(submit).status_code == 404
    assert official_a.post(reverse("reports:level_submit", args=[c.campaign.pk, a.pk, "2024-07"])).status_code == 302
    report_a = MonthlyReport.objects.get(unit=a, month=JULY)
    assert report_a.status == MonthlyReport.Status.SUBMITTED
    accept = reverse("reports:level_review", args=[c.campaign.pk, a.pk, "2024-07", "accept"])
    assert official_a.post(accept).status_code == 403
    assert official_a.get(accept).status_code == 405  # a GET never writes
    # The country's coordinator returns it: a reason is required, then A's official reads it on the page.
    ministry = logged_in(c.ministry)
    html = ministry.get(page_url, {"month": "2024-07"}).content.decode()
    assert f'id="accept-province-{a.pk}"' in html and f'id="return-province-{a.pk}"' in html
    assert f'id="submit-province-{b.pk}"' not in html  # the country reviews; it does not submit for a province
    give_back = reverse("reports:level_review", args=[c.campaign.pk, a.pk, "2024-07", "return"])
    ministry.post(give_back, {"reason": " "})
    report_a.refresh_from_db()
    assert report_a.status == MonthlyReport.Status.SUBMITTED
    ministry.post(give_back, {"reason": "Số liệu loa chưa khớp"})
    report_a.refresh_from_db()
    assert report_a.status == MonthlyReport.Status.RETURNED
    assert "Số liệu loa chưa khớp" in official_a.get(page_url, {"month": "2024-07"}).content.decode()
    # The API, by the same rules.
    api = {
        user.username: Client(headers={"Authorization": f"Bearer {api_token_create(user=user, name='t')[1]}"})
        for user in (c.ministry, c.official_a)
    }
    url = f"/api/v1/campaigns/{c.campaign.pk}/completeness"
    national = api["ministry"].get(url, {"month": "2024-07"}).json()["provinces"]
    assert [(p["unit_name"], p["status"]) for p in national] == [(a.name, "returned"), (b.name, "missing")]
    assert national[0]["return_reason"] == "Số liệu loa chưa khớp"
    assert [p["unit_name"] for p in api["official_a"].get(url, {"month": "2024-07"}).json()["provinces"]] == [a.name]
    submit_api = f"/api/v1/campaigns/{c.campaign.pk}/provinces/{{}}/reports/2024-07/submit"
    assert api["official_a"].post(submit_api.format(b.pk)).status_code == 404
    answer = api["official_a"].post(submit_api.format(a.pk))
    assert answer.status_code == 200 and answer.json()["status"] == "submitted"
    assert [line["count"] for line in answer.json()["lines"]] == [5]
