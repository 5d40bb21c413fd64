"""Item 5 of the hardening issue: API tokens end with their reasons."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from switchoff.audit.actions import ACTIONS
from switchoff.audit.models import AuditEvent
from switchoff.fieldwork.models import FieldDevice
from switchoff.fieldwork.services import device_revoke
from switchoff.people.models import ApiToken, User
from switchoff.people.roles import Role
from switchoff.people.services import api_token_create, membership_grant, password_change
from tests.conftest import PASSWORD, World, logged_in
from tests.fieldwork_helpers import device_client, open_field
from tests.reporting import make_campaign


def api(raw: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {raw}"})


def _at(monkeypatch: pytest.MonkeyPatch, moment: datetime.datetime) -> None:
    monkeypatch.setattr(timezone, "now", lambda: moment)


def test_a_token_expires_after_the_lifetime_set_at_its_creation(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    made = timezone.now()
    _at(monkeypatch, made)
    _token, raw = api_token_create(user=world.reporter_a, name="field app")
    _at(monkeypatch, made + datetime.timedelta(days=89))
    assert api(raw).get("/api/v1/me").status_code == 200
    _at(monkeypatch, made + datetime.timedelta(days=90, seconds=1))
    assert api(raw).get("/api/v1/me").status_code == 401


def test_a_password_reset_revokes_the_tokens(world: World) -> None:
    _token, raw = api_token_create(user=world.reporter_a, name="t")
    coordinator = logged_in(world.coordinator)
    coordinator.post(reverse("people:reset_link", args=[world.reporter_a.pk]))
    page = coordinator.get(reverse("people:person", args=[world.reporter_a.pk])).content.decode()
    link = re.search(r"http://testserver(/link/[^<\s]+/)", page)
    assert link
    Client().post(link.group(1), {"password": "mot-mat-khau-moi-dai", "password2": "mot-mat-khau-moi-dai"})
    assert api(raw).get("/api/v1/me").status_code == 401
    event = AuditEvent.objects.get(action="people.api_token.revoked_with_password")
    assert event.data["reason"] == "reset" and event.data["prefixes"] == [raw[:8]]


def test_a_password_change_revokes_the_tokens(world: World) -> None:
    _token, raw = api_token_create(user=world.reporter_a, name="t")
    password_change(user=world.reporter_a, old_password=PASSWORD, new_password="mot-mat-khau-moi-dai")
    assert api(raw).get("/api/v1/me").status_code == 401
    assert AuditEvent.objects.filter(action="people.api_token.revoked_with_password", actor=world.reporter_a).exists()


def test_a_reporter_made_coordinator_needs_two_factor_before_the_token_reads_coordinator_data(world: World) -> None:
    campaign = make_campaign(world)
    _token, raw = api_token_create(user=world.reporter_a, name="script")
    membership_grant(actor=world.admin, user=world.reporter_a, unit=world.office, role=Role.COORDINATOR)
    client = api(raw)
    completeness = f"/api/v1/campaigns/{campaign.pk}/completeness"
    assert client.get(completeness, {"month": "2024-08"}).status_code == 403
    # The reporter's own permissions still work through the token.
    units = [u["id"] for u in client.get("/api/v1/units/", {"limit": 200}).json()["items"]]
    assert world.ward_a.pk in units and world.ward_b.pk not in units
    TOTPDevice.objects.create(user=world.reporter_a, name="app", confirmed=True)
    assert client.get(completeness, {"month": "2024-08"}).status_code == 200
    units = [u["id"] for u in client.get("/api/v1/units/", {"limit": 200}).json()["items"]]
    assert world.ward_b.pk in units


def test_a_superuser_token_without_two_factor_is_refused(world: World) -> None:
    root = User.objects.create(username="root", full_name="Root", is_superuser=True)
    _token, raw = api_token_create(user=root, name="t")
    assert api(raw).get("/api/v1/units/").status_code == 403
    TOTPDevice.objects.create(user=root, name="app", confirmed=True)
    assert api(raw).get("/api/v1/units/").status_code == 200


def test_the_token_list_shows_last_use_and_expiry_in_vietnam_time(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 20:00 UTC is 03:00 the next day in Hà Nội.
    _at(monkeypatch, datetime.datetime(2026, 3, 1, 20, 0, tzinfo=datetime.UTC))
    token, raw = api_token_create(user=world.reporter_a, name="field app")
    _at(monkeypatch, datetime.datetime(2026, 3, 9, 18, 30, tzinfo=datetime.UTC))
    api(raw).get("/api/v1/me")
    monkeypatch.undo()
    page = logged_in(world.reporter_a).get(reverse("people:account")).content.decode()
    assert "02/03/2026" in page  # made
    assert "10/03/2026" in page  # last used
    assert "31/05/2026" in page  # expires, 90 days after it was made
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(days=1))
    assert "hết hạn" in logged_in(world.reporter_a).get(reverse("people:account")).content.decode()


def _reset_by_link(world: World, user: User) -> None:
    coordinator = logged_in(world.coordinator)
    coordinator.post(reverse("people:reset_link", args=[user.pk]))
    page = coordinator.get(reverse("people:person", args=[user.pk])).content.decode()
    link = re.search(r"http://testserver(/link/[^<\s]+/)", page)
    assert link
    Client().post(link.group(1), {"password": "mot-mat-khau-moi-dai", "password2": "mot-mat-khau-moi-dai"})


def test_a_password_reset_signs_the_field_phones_out_and_tells_them(world: World) -> None:
    """Issue 21, finding 2: the phone's ``Device fd_…`` token read full numbers for a year after a reset."""
    open_field(world)
    phone, raw = device_client(world.member_a)
    assert phone.get("/api/v1/field/cases").status_code == 200
    _reset_by_link(world, world.member_a)
    answer = phone.get("/api/v1/field/cases")
    assert answer.status_code == 401
    # The shape the field app reads (tests/test_browser_field_sync.py): it keeps what it holds and asks to log in.
    body = answer.json()["error"]
    assert body["code"] == "device_revoked" and body["details"] == {"reason": "password_changed"}
    assert "Mật khẩu" in body["message"]  # in the member's language, Vietnamese by default
    assert "Clear-Site-Data" not in answer, "the member's unsent visits are not wiped by their own new password"
    event = AuditEvent.objects.get(action="people.api_token.revoked_with_password")
    assert event.data["reason"] == "reset" and event.data["devices"] == [raw[:8]]
    with translation.override("en"):
        assert ACTIONS[event.action].describe(event.data) == f"1 field phone: {raw[:8]}…"


def test_a_password_change_signs_the_field_phones_out(world: World) -> None:
    open_field(world)
    phone, _raw = device_client(world.member_a)
    password_change(user=world.member_a, old_password=PASSWORD, new_password="mot-mat-khau-moi-dai")
    assert phone.get("/api/v1/field/cases").json()["error"]["details"] == {"reason": "password_changed"}
    # A phone its team leader signs out is still told to forget everything (Clear-Site-Data).
    other, _ = device_client(world.member_a)
    device = FieldDevice.objects.get(revoked_at__isnull=True, user=world.member_a)
    device_revoke(actor=world.member_a, device=device)
    lost = other.get("/api/v1/field/cases")
    assert lost.status_code == 401 and lost.json()["error"]["details"] is None and lost["Clear-Site-Data"]
