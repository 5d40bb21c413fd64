from __future__ import annotations

import base64
import re
from typing import TYPE_CHECKING

from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from switchoff.audit.models import AuditEvent
from switchoff.people.models import Membership, User
from switchoff.people.roles import Role
from tests.conftest import PASSWORD, World, logged_in

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse


def login(client: Client, username: str, password: str = PASSWORD) -> TestResponse:
    return client.post(reverse("people:login"), {"username": username, "password": password})


def test_login_page_is_vietnamese_by_default(db: None) -> None:
    page = Client().get(reverse("people:login")).content.decode()
    assert "Đăng nhập" in page
    assert 'lang="vi"' in page


def test_login_by_username_or_any_written_phone(world: World) -> None:
    for identifier in ("reporter.a", "0912 000 003", "+84 912.000.003", "84912000003"):
        client = Client()
        response = login(client, identifier)
        assert response.status_code == 302 and response["Location"] == reverse("web:home"), identifier


def test_wrong_password_is_refused_and_throttled_per_account(world: World) -> None:
    client = Client()
    for _ in range(settings.LOGIN_FAILURE_LIMIT_ACCOUNT):
        response = login(client, "reporter.a", "wrong-password")
        assert response.status_code == 200
    response = login(client, "reporter.a")  # right password, but the account waits now
    assert response.status_code == 200
    assert "15" in response.content.decode()
    assert "_auth_user_id" not in client.session


@override_settings(LOGIN_FAILURE_LIMIT_IP=3, LOGIN_FAILURE_LIMIT_ACCOUNT=100)
def test_failed_logins_are_throttled_per_address(world: World) -> None:
    client = Client()
    for name in ("a1", "a2", "a3"):
        login(client, name, "x")
    assert login(client, "reporter.b").status_code == 200  # blocked although right


def test_coordinator_must_set_up_two_factor(world: World) -> None:
    TOTPDevice.objects.filter(user=world.coordinator).delete()
    client = Client()
    assert login(client, "coordinator")["Location"] == reverse("web:home")
    response = client.get(reverse("units:tree"))
    assert response.status_code == 302 and response["Location"] == reverse("people:two_factor_setup")
    page = client.get(reverse("people:two_factor_setup"))
    assert page.status_code == 200
    assert not TOTPDevice.objects.filter(user=world.coordinator).exists()  # looking writes nothing
    # The secret shown on the page (grouped by four) is the one the code must come from.
    shown = page.content.decode().split('id="secret">')[1].split("<")[0].replace(" ", "")
    wrong = client.post(reverse("people:two_factor_setup"), {"code": "000000"})
    assert wrong.status_code == 200 and not TOTPDevice.objects.filter(user=world.coordinator).exists()
    code = f"{totp(base64.b32decode(shown + '=' * (-len(shown) % 8))):06d}"
    client.post(reverse("people:two_factor_setup"), {"code": code})
    assert TOTPDevice.objects.get(user=world.coordinator).confirmed
    assert client.get(reverse("units:tree")).status_code == 200
    assert AuditEvent.objects.filter(action="people.two_factor.enabled", actor=world.coordinator).exists()


def test_login_with_two_factor_asks_for_the_code(world: World) -> None:
    device = TOTPDevice.objects.create(user=world.admin, name="app", confirmed=True)
    client = Client()
    assert login(client, "admin")["Location"] == reverse("people:login_verify")
    assert client.get(reverse("web:home")).status_code == 302  # not logged in yet
    bad = client.post(reverse("people:login_verify"), {"code": "000000"})
    assert bad.status_code == 200
    device.refresh_from_db()
    device.throttle_reset()  # django-otp slows down guessing after a wrong code
    good = client.post(reverse("people:login_verify"), {"code": f"{totp(device.bin_key):06d}"})
    assert good["Location"] == reverse("web:home")
    assert client.get(reverse("audit:list")).status_code == 200


def test_invitation_link_sets_a_password_once(world: World) -> None:
    client = logged_in(world.coordinator)
    response = client.post(
        reverse("people:invite"),
        {
            "full_name": "Nguyễn Văn Tư",
            "username": "tu.nguyen",
            "phone": "0987 654 321",
            "email": "",
            "unit": world.team_a.pk,
            "role": Role.TEAM_MEMBER,
        },
    )
    person = User.objects.get(username="tu.nguyen")
    assert response["Location"] == reverse("people:person", args=[person.pk])
    assert person.phone == "+84987654321"
    assert Membership.objects.filter(user=person, unit=world.team_a, role=Role.TEAM_MEMBER).exists()
    page = client.get(response["Location"]).content.decode()
    link = re.search(r"http://testserver(/link/[^<\s]+/)", page)
    assert link, "the coordinator sees the link to hand over"
    visitor = Client()
    visitor.post(link.group(1), {"password": "mot-mat-khau-dai", "password2": "mot-mat-khau-dai"})
    assert login(visitor, "0987654321", "mot-mat-khau-dai")["Location"] == reverse("web:home")
    again = Client().post(link.group(1), {"password": "khac-hoan-toan-1", "password2": "khac-hoan-toan-1"})
    assert "hết hạn" in again.content.decode()


def test_reporter_cannot_invite_or_grant(world: World) -> None:
    client = logged_in(world.reporter_a)
    assert client.get(reverse("people:invite")).status_code == 403
    response = client.post(
        reverse("people:person", args=[world.leader_a.pk]), {"unit": world.ward_a.pk, "role": "administrator"}
    )
    assert response.status_code == 403


def test_coordinator_cannot_grant_administrator(world: World) -> None:
    client = logged_in(world.coordinator)
    response = client.post(
        reverse("people:person", args=[world.reporter_a.pk]), {"unit": world.ward_a.pk, "role": Role.ADMINISTRATOR}
    )
    assert response.status_code == 200
    assert not Membership.objects.filter(user=world.reporter_a, role=Role.ADMINISTRATOR).exists()


def test_language_choice_is_kept_per_user(world: World) -> None:
    client = logged_in(world.reporter_a)
    client.post(reverse("people:language"), {"language": "en"})
    world.reporter_a.refresh_from_db()
    assert world.reporter_a.language == "en"
    fresh = Client()
    login(fresh, "reporter.a")
    assert "Units" in fresh.get(reverse("units:tree")).content.decode()


def test_pages_carry_a_strict_content_security_policy(world: World) -> None:
    response = logged_in(world.reporter_a).get(reverse("web:home"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "<script>" not in response.content.decode()


def test_each_role_lands_on_a_page_for_it(world: World) -> None:
    for user, words in [
        (world.reporter_a, "trước ngày 10"),
        (world.member_a, "từng nhà"),
        (world.operator_staff, "thuê bao"),
        (world.coordinator, "điều phối"),
        (world.admin, "nhật ký"),
        (world.viewer, "xem"),
    ]:
        page = logged_in(user).get(reverse("web:home")).content.decode().lower()
        assert words in page, (user.username, words)
