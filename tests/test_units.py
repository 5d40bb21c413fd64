from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from switchoff.audit.models import AuditEvent
from switchoff.people.access import visible_units
from switchoff.units.loaders import load_province
from switchoff.units.models import Unit, UnitKind
from switchoff.units.selectors import children_of, search_units, unit_counts
from switchoff.units.services import unit_create, unit_merge
from tests.conftest import World


def tree_snapshot() -> list[tuple[object, ...]]:
    return list(
        Unit.objects.order_by("code_system", "code", "name").values_list(
            "code_system",
            "code",
            "name",
            "parent__code",
            "merged_into__code",
            "valid_from",
            "valid_to",
            "path",
            "rollup_path",
        )
    )


@pytest.mark.django_db
def test_load_units_with_legacy_twice_gives_the_same_tree() -> None:
    call_command("load_units", province="Lạng Sơn", legacy=True)
    first = tree_snapshot()
    events = AuditEvent.objects.count()
    call_command("load_units", province="Lang Son", legacy=True)
    assert tree_snapshot() == first
    assert AuditEvent.objects.count() == events, "a re-run that changes nothing writes nothing"
    province = Unit.objects.get(code_system="2025", code="20")
    assert province.name == "Tỉnh Lạng Sơn"
    assert Unit.objects.filter(parent=province, kind__code="commune").count() == 65
    # Every pre-merger commune of the province knows its successor.
    legacy = Unit.objects.filter(code_system="2024", kind__code="commune")
    assert legacy.count() > 150
    assert not legacy.filter(merged_into__isnull=True).exists()


@pytest.mark.django_db
def test_chi_lang_2024_is_merged_into_luong_van_tri_and_its_count_rolls_up() -> None:
    load_province("20", legacy=True)
    chi_lang = Unit.objects.get(code_system="2024", code="05983")
    luong_van_tri = Unit.objects.get(code_system="2025", code="05983")
    assert str(chi_lang) == "Phường Chi Lăng (2024)"
    assert chi_lang.merged_into == luong_van_tri
    assert chi_lang.valid_to == datetime.date(2025, 6, 30)
    assert chi_lang.parent is not None and chi_lang.parent.name == "Thành phố Lạng Sơn"
    before = unit_counts(luong_van_tri)
    village = UnitKind.objects.get(code="village")
    unit_create(actor=None, kind=village, name="Khối 5 (cũ)", parent=chi_lang, valid_to=datetime.date(2025, 6, 30))
    after = unit_counts(luong_van_tri)
    assert after.villages_legacy == before.villages_legacy + 1
    # ... and it still shows in the old structure, as of 2024.
    assert [u.name for u in children_of(chi_lang, as_of=datetime.date(2024, 12, 31))] == ["Khối 5 (cũ)"]


def test_unknown_province_is_a_clear_error(db: None) -> None:
    with pytest.raises(ValidationError):
        load_province("Atlantis")


def test_legacy_village_counts_under_the_successor(world: World) -> None:
    counts = unit_counts(world.ward_a)
    assert counts.villages == 3
    assert counts.villages_legacy == 1
    assert counts.teams == 1
    assert unit_counts(world.ward_b).villages_legacy == 0


def test_search_works_without_diacritics(world: World) -> None:
    found = search_units(Unit.objects.all(), "luong van tri")
    assert found[0] == world.ward_a
    assert search_units(Unit.objects.all(), "  ĐÔNG kinh ")[0] == world.ward_b
    assert search_units(Unit.objects.all(), "") == []


def test_merge_is_audited_and_moves_access(world: World) -> None:
    village = UnitKind.objects.get(code="village")
    old = unit_create(actor=world.admin, kind=village, name="Thôn Cũ", parent=world.ward_b)
    assert old not in visible_units(world.reporter_a)
    unit_merge(actor=world.admin, unit=old, into=world.villages_a[0], last_day=datetime.date(2026, 1, 31))
    event = AuditEvent.objects.get(action="units.unit.merged")
    assert event.actor == world.admin and event.object_id == str(old.pk)
    assert old in visible_units(world.reporter_a)


def test_cannot_merge_into_own_descendant(world: World) -> None:
    with pytest.raises(ValidationError):
        unit_merge(actor=None, unit=world.ward_a, into=world.villages_a[0], last_day=datetime.date(2026, 1, 1))


def test_merge_of_a_parent_carries_its_children(world: World) -> None:
    unit_merge(actor=None, unit=world.ward_b, into=world.ward_a, last_day=datetime.date(2026, 1, 31))
    world.village_b.refresh_from_db()
    assert world.village_b.rollup_path.startswith(world.ward_a.rollup_path)
    assert world.village_b in visible_units(world.reporter_a)
