"""Revealing a full number needs the reveal permission, on an operator branch too (groundwork regression)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from switchoff.audit.models import AuditEvent
from switchoff.people.models import Membership
from switchoff.people.roles import Role
from switchoff.subscribers.access import may_reveal
from switchoff.subscribers.models import NumberView, Subscriber
from switchoff.subscribers.services import number_reveal
from tests.conftest import World, logged_in, make_user
from tests.exporting import export
from tests.security._disclosure import load_registry


def test_viewer_on_an_operator_branch_cannot_reveal_its_subscribers_numbers(world: World) -> None:
    load_registry(world)
    # The province's read-only viewer is also a viewer on Viettel's branch: no reveal from either.
    watcher = world.viewer
    Membership.objects.create(user=watcher, unit=world.operator, role=Role.VIEWER)
    an = Subscriber.objects.get(msisdn="+84868123456")
    assert not may_reveal(watcher, an)
    with pytest.raises(PermissionDenied):
        number_reveal(actor=watcher, subscriber=an)
    client = logged_in(watcher)
    page = client.get(reverse("subscribers:detail", args=[an.pk]))
    assert page.status_code == 200  # they may see the masked record
    assert reverse("subscribers:reveal", args=[an.pk]) not in page.content.decode()
    response = client.post(reverse("subscribers:reveal", args=[an.pk]))
    assert response.status_code == 403
    assert "0868 123 456" not in response.content.decode()
    assert not NumberView.objects.exists()
    assert not AuditEvent.objects.filter(action="subscribers.number.revealed").exists()


def test_operator_staff_reveal_their_operators_subscribers_anywhere(world: World) -> None:
    load_registry(world)
    cuc = Subscriber.objects.get(msisdn="+84868123458")
    assert may_reveal(world.operator_staff, cuc)
    page = logged_in(world.operator_staff).post(reverse("subscribers:reveal", args=[cuc.pk]))
    assert page.status_code == 200 and "0868 123 458" in page.content.decode()


def test_viewer_only_on_an_operator_branch_sees_no_subscriber(world: World) -> None:
    load_registry(world)
    watcher = make_user("viettel.viewer", world.operator, Role.VIEWER)
    an = Subscriber.objects.get(msisdn="+84868123456")
    assert not may_reveal(watcher, an)
    assert logged_in(watcher).post(reverse("subscribers:reveal", args=[an.pk])).status_code == 404


def test_viewer_cannot_export_full_numbers(world: World) -> None:
    load_registry(world)
    client = logged_in(world.viewer)
    response = export(client, {"unit": str(world.ward_a.pk), "full": "1"})
    assert response.status_code == 403
