from __future__ import annotations

from django.urls import reverse

from switchoff.people.roles import Role
from switchoff.people.services import membership_grant
from switchoff.units.models import UnitKind
from switchoff.units.services import unit_create
from tests.conftest import World, logged_in, make_user


def test_audit_trail_filters_by_person_and_action(world: World) -> None:
    village = UnitKind.objects.get(code="village")
    unit_create(actor=world.reporter_a, kind=village, name="Khối 9", parent=world.ward_a)
    membership_grant(actor=world.coordinator, user=world.leader_a, unit=world.team_a, role=Role.TEAM_MEMBER)
    client = logged_in(world.coordinator)
    by_person = client.get(reverse("audit:list"), {"actor": "reporter"}).context["page"]
    assert [e.action for e in by_person] == ["units.unit.created"]
    by_action = client.get(reverse("audit:list"), {"action": "people."}).context["page"]
    assert [e.action for e in by_action] == ["people.membership.granted"]


def test_ward_administrator_sees_only_their_wards_trail(world: World) -> None:
    village = UnitKind.objects.get(code="village")
    unit_create(actor=world.reporter_a, kind=village, name="Khối 9", parent=world.ward_a)
    unit_create(actor=world.reporter_b, kind=village, name="Thôn 10", parent=world.ward_b)
    ward_admin = make_user("admin.b", world.ward_b, Role.ADMINISTRATOR)
    page = logged_in(ward_admin).get(reverse("audit:list"), {"action": "units.unit.created"}).context["page"]
    assert [e.object_repr for e in page] == ["Thôn 10"]
