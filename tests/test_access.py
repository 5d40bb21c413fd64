from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from switchoff.people.access import access_person, access_unit, can, visible_people, visible_units
from switchoff.people.roles import Perm
from tests.conftest import World


def test_reporter_sees_their_ward_and_its_legacy_units(world: World) -> None:
    units = set(visible_units(world.reporter_a))
    assert {world.ward_a, world.committee_a, world.legacy_ward, world.legacy_village, *world.villages_a} <= units
    assert world.ward_b not in units
    assert world.province not in units
    assert world.legacy_district not in units


def test_coordinator_sees_the_whole_campaign_area(world: World) -> None:
    units = set(visible_units(world.coordinator))
    assert {world.province, world.ward_a, world.ward_b, world.legacy_ward, world.village_b} <= units


def test_team_member_sees_their_team_and_its_villages_only(world: World) -> None:
    units = set(visible_units(world.member_a))
    assert units == {world.team_a, *world.villages_a[:2]}


def test_outsider_cannot_open_another_wards_unit(world: World) -> None:
    with pytest.raises(Http404):
        access_unit(world.reporter_b, world.ward_a.pk)
    with pytest.raises(Http404):
        access_unit(world.reporter_b, world.legacy_ward.pk)


def test_viewer_sees_but_cannot_edit(world: World) -> None:
    assert access_unit(world.viewer, world.ward_a.pk) == world.ward_a
    with pytest.raises(PermissionDenied):
        access_unit(world.viewer, world.ward_a.pk, Perm.EDIT_UNITS)


def test_people_are_visible_only_in_the_area(world: World) -> None:
    assert world.reporter_a not in visible_people(world.reporter_b)
    assert world.reporter_a in visible_people(world.coordinator)
    with pytest.raises(Http404):
        access_person(world.reporter_b, world.reporter_a.pk)
    assert not can(world.reporter_a, Perm.MANAGE_PEOPLE)
    with pytest.raises(PermissionDenied):
        access_person(world.reporter_a, world.leader_a.pk, Perm.MANAGE_PEOPLE)


def test_user_without_membership_sees_nothing(world: World) -> None:
    from switchoff.people.models import User

    nobody = User.objects.create(username="nobody", full_name="Nobody")
    assert not visible_units(nobody).exists()
