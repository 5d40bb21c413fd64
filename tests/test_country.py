"""The country above the 34 provinces: loading it in bulk, the 2024 structure merged in, access from the top."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from switchoff.audit.models import AuditEvent
from switchoff.people.access import can, visible_units
from switchoff.people.models import Membership, User
from switchoff.people.roles import Perm, Role
from switchoff.units.loaders import load_country, load_province
from switchoff.units.models import Unit, UnitKind
from switchoff.units.services import units_create_bulk
from tests.test_units import tree_snapshot


@pytest.mark.django_db
def test_the_country_loads_in_bulk_with_the_2024_structure_and_a_second_run_writes_nothing() -> None:
    with CaptureQueriesContext(connection) as queries:
        call_command("load_units", country=True, legacy=True)
    # A few queries per level, never one per unit (13,000 units): what keeps it fast, counted, not timed.
    assert len(queries) < 400, len(queries)
    country = Unit.objects.get(code_system="2025", code="VN")
    assert country.kind.category == UnitKind.Category.COUNTRY and country.parent is None
    provinces = Unit.objects.filter(parent=country, kind__code="province")
    assert provinces.count() == 34
    assert provinces.get(code="79").name == "Thành phố Hồ Chí Minh"
    assert provinces.get(code="20").name == "Tỉnh Lạng Sơn"
    assert Unit.objects.current().filter(parent__in=provinces, kind__code="commune").count() == 3321
    legacy = Unit.objects.filter(code_system="2024", kind__code="commune")
    assert legacy.count() > 10_000
    # Nearly every 2024 commune knows its successor; each rolls up under the country.
    assert legacy.filter(merged_into__isnull=True).count() < 20
    assert not Unit.objects.exclude(rollup_path__startswith=country.rollup_path).exists()
    # As Lạng Sơn's: Chi Lăng (2024) merged into Lương Văn Tri, under the former city.
    chi_lang = Unit.objects.get(code_system="2024", code="05983")
    assert chi_lang.merged_into == Unit.objects.get(code_system="2025", code="05983")
    assert chi_lang.valid_to == datetime.date(2025, 6, 30)
    assert chi_lang.parent is not None and chi_lang.parent.name == "Thành phố Lạng Sơn"
    assert chi_lang.rollup_path.startswith(Unit.objects.get(code_system="2025", code="20").rollup_path)
    # A 2024 province merged into a 2025 one (Hà Giang into Tuyên Quang): its districts roll up under it.
    ha_giang = Unit.objects.get(code_system="2024", kind__code="province", name__icontains="Hà Giang")
    assert ha_giang.merged_into is not None and ha_giang.merged_into.name == "Tỉnh Tuyên Quang"
    first = tree_snapshot()
    events = AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as queries:
        call_command("load_units", country=True, legacy=True)
    assert tree_snapshot() == first
    assert AuditEvent.objects.count() == events, "a re-run that changes nothing writes nothing"
    assert not [q for q in queries if q["sql"].startswith(("INSERT", "UPDATE", "DELETE"))]


@pytest.mark.django_db
def test_a_province_loaded_alone_goes_under_the_country_and_stays_there() -> None:
    load_province("20")
    lang_son = Unit.objects.get(code_system="2025", code="20")
    village = unit_village(lang_son)
    result = load_country()
    lang_son.refresh_from_db()
    village.refresh_from_db()
    assert lang_son.parent == result.country
    assert village.rollup_path.startswith(result.country.rollup_path)
    assert result.updated == 1 and result.created == 1 + 33 + 3321 - 65
    load_province("20")
    lang_son.refresh_from_db()
    assert lang_son.parent == result.country


def unit_village(province: Unit) -> Unit:
    commune = Unit.objects.filter(parent=province).first()
    assert commune is not None
    (village,) = units_create_in(commune, ["Thôn Nà Chuông"])
    return village


def units_create_in(parent: Unit, names: list[str]) -> list[Unit]:
    kind = UnitKind.objects.get(code="village")
    with transaction.atomic():
        return units_create_bulk([Unit(kind=kind, name=name, parent=parent) for name in names])


@pytest.mark.django_db
def test_bulk_creation_keeps_the_checks_of_unit_create() -> None:
    load_province("20")
    province = Unit.objects.get(code_system="2025", code="20")
    kind = UnitKind.objects.get(code="commune")
    with pytest.raises(ValidationError):
        units_create_in(province, ["   "])
    with pytest.raises(ValidationError, match="05983"), transaction.atomic():
        units_create_bulk([Unit(kind=kind, name="Phường Mới", parent=province, code="05983", code_system="2025")])
    with pytest.raises(ValidationError, match="99998"), transaction.atomic():
        units_create_bulk(
            [
                Unit(kind=kind, name="A", parent=province, code="99998", code_system="2025"),
                Unit(kind=kind, name="B", parent=province, code="99998", code_system="2025"),
            ]
        )
    with pytest.raises(ValidationError), transaction.atomic():
        units_create_bulk(
            [
                Unit(
                    kind=kind,
                    name="C",
                    parent=province,
                    valid_from=datetime.date(2025, 7, 1),
                    valid_to=datetime.date(2025, 6, 30),
                )
            ]
        )
    with pytest.raises(ValidationError), transaction.atomic():
        units_create_bulk([Unit(kind=kind, name="x" * 201, parent=province)])
    made = units_create_in(province, ["  Xã   Mới  "])
    assert made[0].name == "Xã Mới" and made[0].search_name == "xa moi"
    assert made[0].path == f"{province.path}{made[0].pk}/" and made[0].depth == 1


@pytest.mark.django_db
def test_a_membership_at_the_country_sees_every_province_and_a_province_only_its_own() -> None:
    load_country()
    country = Unit.objects.get(code_system="2025", code="VN")
    lang_son = Unit.objects.get(code_system="2025", code="20")
    ha_noi = Unit.objects.get(code_system="2025", code="01")
    national = User.objects.create_user(username="national", password="x" * 20)
    Membership.objects.create(user=national, unit=country, role=Role.VIEWER)
    official = User.objects.create_user(username="official", password="x" * 20)
    Membership.objects.create(user=official, unit=lang_son, role=Role.VIEWER)
    assert visible_units(national).count() == Unit.objects.count()
    assert can(national, Perm.VIEW_SUBSCRIBERS, ha_noi) and can(national, Perm.VIEW_SUBSCRIBERS, lang_son)
    assert can(official, Perm.VIEW_SUBSCRIBERS, lang_son) and not can(official, Perm.VIEW_SUBSCRIBERS, ha_noi)
    assert not visible_units(official).filter(pk__in=[country.pk, ha_noi.pk]).exists()


@pytest.mark.django_db
def test_counts_roll_up_to_the_country_read_from_its_own_rows_and_follow_a_merge() -> None:
    from switchoff.counts.models import Count, CountTotal
    from switchoff.counts.selectors import count_totals
    from switchoff.counts.services import count_add
    from switchoff.counts.verify import rollup_differences
    from switchoff.units.services import unit_merge

    load_province("20")  # Lạng Sơn, loaded alone first: its counts follow it under the country
    lang_son = Unit.objects.get(code_system="2025", code="20")
    luong_van_tri = Unit.objects.get(code_system="2025", code="05983")
    with transaction.atomic():
        count_add(unit_id=luong_van_tri.pk, key="test.k", delta=3)
    country = load_country().country
    ha_noi = Unit.objects.get(code_system="2025", code="01")
    hoan_kiem = Unit.objects.filter(parent=ha_noi).order_by("code").first()
    assert hoan_kiem is not None
    with transaction.atomic():
        count_add(unit_id=hoan_kiem.pk, key="test.k", delta=4)
    assert rollup_differences() == []
    with CaptureQueriesContext(connection) as queries:
        assert count_totals(unit=country, keys=["test.k"]) == {("test.k", 0): 7}
    (query,) = queries
    assert "units_unit" not in query["sql"], "the country's figure reads its own rows, not the tree below"
    assert count_totals(unit=lang_son, keys=["test.k"]) == {("test.k", 0): 3}
    assert count_totals(unit=ha_noi, keys=["test.k"]) == {("test.k", 0): 4}
    # A commune merged into one of another province: its counts leave the one province for the other.
    unit_merge(actor=None, unit=hoan_kiem, into=luong_van_tri, last_day=datetime.date(2025, 12, 31))
    assert count_totals(unit=ha_noi, keys=["test.k"]) == {}
    assert count_totals(unit=lang_son, keys=["test.k"]) == {("test.k", 0): 7}
    assert count_totals(unit=luong_van_tri, keys=["test.k"]) == {("test.k", 0): 7}
    assert count_totals(unit=country, keys=["test.k"]) == {("test.k", 0): 7}
    assert rollup_differences() == []
    assert CountTotal.objects.filter(unit=country).count() == 2  # never moved through the country
    Count.objects.filter(key="test.k").delete()
    CountTotal.objects.filter(key="test.k").delete()


@pytest.mark.django_db
def test_a_national_viewer_reads_every_provinces_figures_a_province_official_only_theirs(client: object) -> None:
    from django.test import Client

    from switchoff.counts.services import count_add
    from switchoff.subscribers import counts as keys

    assert isinstance(client, Client)
    country = load_country().country
    lang_son = Unit.objects.get(code_system="2025", code="20")
    ha_noi = Unit.objects.get(code_system="2025", code="01")
    for province, n in ((lang_son, 1234), (ha_noi, 5678)):
        commune = Unit.objects.filter(parent=province).order_by("code").first()
        assert commune is not None
        with transaction.atomic():
            count_add(unit_id=commune.pk, key=keys.LISTED, delta=n, dimension=99)
    national = User.objects.create_user(username="national", password="x" * 20)
    Membership.objects.create(user=national, unit=country, role=Role.VIEWER)
    official = User.objects.create_user(username="official", password="x" * 20)
    Membership.objects.create(user=official, unit=lang_son, role=Role.VIEWER)
    client.force_login(national)
    home = client.get("/registry/")
    assert home.status_code == 200 and "6.912" in home.content.decode()  # the country's figure, by default
    for province, figure in ((lang_son, "1.234"), (ha_noi, "5.678")):
        page = client.get("/registry/", {"unit": province.pk})
        assert page.status_code == 200 and figure in page.content.decode()
    client.force_login(official)
    page = client.get("/registry/")
    assert page.status_code == 200 and "1.234" in page.content.decode() and "6.912" not in page.content.decode()
    assert client.get("/registry/", {"unit": ha_noi.pk}).status_code == 404
    assert client.get("/registry/", {"unit": country.pk}).status_code == 404
    # The API, with roles that may use it (a unit's reporter), by the same rules.
    from switchoff.people.services import api_token_create

    for user, unit in ((national, country), (official, lang_son)):
        Membership.objects.create(user=user, unit=unit, role=Role.REPORTER)
    national_api = Client(headers={"Authorization": f"Bearer {api_token_create(user=national, name='t')[1]}"})
    official_api = Client(headers={"Authorization": f"Bearer {api_token_create(user=official, name='t')[1]}"})
    for province in (lang_son, ha_noi):
        assert national_api.get(f"/api/v1/units/{province.pk}").status_code == 200
    assert official_api.get(f"/api/v1/units/{lang_son.pk}").status_code == 200
    assert official_api.get(f"/api/v1/units/{ha_noi.pk}").status_code == 404
    assert official_api.get(f"/api/v1/units/{country.pk}").status_code == 404
    from switchoff.counts.models import Count, CountTotal

    Count.objects.filter(dimension=99).delete()  # counters without their rows: not left for verify_counts
    CountTotal.objects.filter(dimension=99).delete()


def test_the_national_report_adds_up_by_province_only_the_accepted_reports(world: object) -> None:
    from switchoff.campaigns.services import assignments_add, campaign_create
    from switchoff.reports import services
    from switchoff.reports.aggregate import build_aggregate
    from switchoff.units.services import unit_create
    from tests.reporting import make_campaign
    from tests.test_review_and_aggregate import JULY, at, log, submitted

    country = load_country().country
    ha_noi = Unit.objects.get(code_system="2025", code="01")
    ba_dinh = Unit.objects.get(code_system="2025", code="00004")
    committee_hn = unit_create(
        actor=None, kind=UnitKind.objects.get(code="people_committee"), name="UBND phường Ba Đình", parent=ba_dinh
    )
    w = world
    for moved in (w.office, w.province, w.committee_a, w.committee_b):  # type: ignore[attr-defined]
        moved.refresh_from_db()  # now under the country
    campaign = campaign_create(
        actor=None,
        name="Lộ trình dừng công nghệ di động 2G (toàn quốc)",
        area=country,
        coordinating_unit=w.office,  # type: ignore[attr-defined]
        recipient_name="Bộ Khoa học và Công nghệ",
        issuing_body="BỘ KHOA HỌC VÀ CÔNG NGHỆ|CỤC VIỄN THÔNG",
        place_name="Hà Nội",
        start_date=datetime.date(2024, 7, 1),
        end_date=datetime.date(2024, 12, 31),
        cutoff_date=datetime.date(2024, 9, 16),
    )
    for within in (ha_noi, w.province):  # type: ignore[attr-defined]
        assignments_add(actor=None, campaign=campaign, kind_codes=["people_committee"], within=within)
    for unit, n in ((w.committee_a, 5), (w.committee_b, 7), (committee_hn, 11)):  # type: ignore[attr-defined]
        log(w, campaign, unit, "loudspeaker", n, datetime.date(2024, 7, 3))  # type: ignore[arg-type]
    for unit in (w.committee_a, committee_hn):  # type: ignore[attr-defined]
        services.report_accept(actor=w.coordinator, report=submitted(w, campaign, unit, JULY, at(2024, 8, 2)))  # type: ignore[arg-type, attr-defined]
    submitted(w, campaign, w.committee_b, JULY, at(2024, 8, 3))  # type: ignore[arg-type, attr-defined]
    # The country reads the provinces' own reports only: none yet.
    assert build_aggregate(campaign=campaign, month=JULY, now=at(2024, 8, 20)).by_unit == []
    for province in (ha_noi, w.province):  # type: ignore[attr-defined]
        report = services.level_report_submit(
            actor=None, campaign=campaign, unit=province, month=JULY, now=at(2024, 8, 4)
        )
        services.report_accept(actor=None, report=report, now=at(2024, 8, 5))
    national = build_aggregate(campaign=campaign, month=JULY, now=at(2024, 8, 20))
    # One line per province, from its report: Đông Kinh's, not accepted by Lạng Sơn, is not in Lạng Sơn's.
    assert [(t.unit, t.counts["loudspeaker"]) for t in national.by_unit] == [
        ("Thành phố Hà Nội", 11),
        ("Tỉnh Lạng Sơn", 5),
    ]
    # A province's own campaign keeps a line per reporting unit.
    provincial = make_campaign(world)  # type: ignore[arg-type]
    log(w, provincial, w.committee_a, "loudspeaker", 2, datetime.date(2024, 7, 3))  # type: ignore[arg-type, attr-defined]
    services.report_accept(actor=w.coordinator, report=submitted(w, provincial, w.committee_a, JULY, at(2024, 8, 2)))  # type: ignore[arg-type, attr-defined]
    assert [t.unit for t in build_aggregate(campaign=provincial, month=JULY, now=at(2024, 8, 20)).by_unit] == [
        w.committee_a.name  # type: ignore[attr-defined]
    ]
    # The completeness page of the national campaign: each province's part first, for whoever sees it.
    from django.urls import reverse

    from tests.conftest import logged_in

    ministry = User.objects.create_user(username="national", password="x" * 20)
    Membership.objects.create(user=ministry, unit=country, role=Role.VIEWER)
    url = reverse("reports:completeness", args=[campaign.pk])
    page = logged_in(ministry).get(url, {"month": "2024-07"}).content.decode()
    table = page[page.index('id="by-province"') : page.index("</table>", page.index('id="by-province"'))]
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", table)]
    assert cells == ["Thành phố Hà Nội", "1", "1 (100,0 %)", "1", "1", "Tỉnh Lạng Sơn", "2", "2 (100,0 %)", "2", "1"]
    page = logged_in(w.viewer).get(url, {"month": "2024-07"}).content.decode()  # type: ignore[attr-defined]
    assert "Thành phố Hà Nội" not in page  # a province's viewer: nothing of another province
