"""Item 2 of the hardening issue: one address must not lock everyone out, nor rotating ones let an attacker in."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from switchoff.lib.request_context import client_ip
from switchoff.people import throttle
from tests.conftest import World
from tests.security._auth import (
    IDENTIFIERS,
    PROXY,
    WRONG,
    english_client,
    logged_in_now,
    login_from,
    password_was_checked,
)
from tests.test_settings import start

pytestmark = pytest.mark.usefixtures("_frozen_clock")


@pytest.fixture
def _frozen_clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    clock = [1_800_000_000.0]
    monkeypatch.setattr(throttle, "now", lambda: clock[0], raising=False)
    return clock


def _ip(remote: str, forwarded: str | None = None) -> str:
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **meta))  # type: ignore[arg-type]


@override_settings(TRUSTED_PROXIES=["127.0.0.1", "10.0.0.0/8"])
def test_client_address_comes_from_the_header_only_through_a_trusted_proxy() -> None:
    assert _ip("127.0.0.1", "203.0.113.7") == "203.0.113.7"
    # The client wrote the left-most entry; our proxies appended the others.
    assert _ip("127.0.0.1", "1.1.1.1, 203.0.113.7, 10.1.2.3") == "203.0.113.7"
    assert _ip("127.0.0.1", "garbage, 203.0.113.7") == "203.0.113.7"
    assert _ip("127.0.0.1") == "127.0.0.1"
    # Anyone else's header is ignored: they could write any address.
    assert _ip("198.51.100.9", "203.0.113.7") == "198.51.100.9"


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    assert _ip("127.0.0.1", "203.0.113.7") == "127.0.0.1"


@override_settings(TRUSTED_PROXIES=[PROXY])
def test_failures_of_others_behind_the_proxy_do_not_lock_a_user_out(world: World) -> None:
    for n in range(25):
        login_from(Client(), f"203.0.113.{n}", f"nobody{n}", WRONG)
    assert logged_in_now(login_from(Client(), "198.51.100.20", "reporter.b"))


@override_settings(TRUSTED_PROXIES=[PROXY])
def test_rotating_the_written_form_of_the_account_does_not_escape_its_limit(world: World) -> None:
    for identifier in IDENTIFIERS * 2:
        login_from(Client(), "203.0.113.5", identifier, WRONG)
    refused = login_from(english_client(), "203.0.113.5", "reporter.a")
    assert not password_was_checked(refused)
    assert "_auth_user_id" not in refused.wsgi_request.session


@override_settings(TRUSTED_PROXIES=[PROXY])
def test_attacker_rotating_addresses_is_limited_and_the_owner_still_gets_in(
    world: World, _frozen_clock: list[float]
) -> None:
    owner = english_client()
    assert logged_in_now(login_from(owner, "198.51.100.20", "reporter.a"))
    owner.post("/logout/")
    checked = 0
    for n in range(60):
        response = login_from(english_client(), f"203.0.113.{n}", IDENTIFIERS[n % 4], WRONG)
        checked += password_was_checked(response)
        _frozen_clock[0] += 5
    assert checked <= 20
    # The owner's own browser is checked whatever the attacker did.
    assert logged_in_now(login_from(owner, "198.51.100.20", "+84 912 000 003"))
    assert checked == settings.LOGIN_FAILURE_LIMIT_NEW_DEVICES
    # A browser that never logged in to the account waits for the window, even with the right password.
    stranger = login_from(english_client(), "198.51.100.21", "reporter.a")
    assert not password_was_checked(stranger)
    assert "device you used before" in stranger.content.decode()
    _frozen_clock[0] += settings.LOGIN_FAILURE_WINDOW_S + 120
    assert logged_in_now(login_from(english_client(), "198.51.100.21", "reporter.a"))


@override_settings(TRUSTED_PROXIES=[PROXY], LOGIN_FAILURE_LIMIT_IP=3, LOGIN_FAILURE_LIMIT_ACCOUNT=100)
def test_one_address_spraying_many_accounts_is_slowed_down(world: World) -> None:
    for name in ("a1", "a2", "a3"):
        login_from(Client(), "203.0.113.9", name, WRONG)
    assert not password_was_checked(login_from(english_client(), "203.0.113.9", "reporter.b"))
    assert logged_in_now(login_from(Client(), "203.0.113.10", "reporter.b"))


def test_a_malformed_trusted_proxy_stops_the_start_with_its_name(tmp_path: Path) -> None:
    result = start({"TRUSTED_PROXIES": "127.0.0.1, nginx.local", "SWITCHOFF_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "TRUSTED_PROXIES: 'nginx.local' is not an IP address" in result.stderr


@override_settings(TRUSTED_PROXIES=[PROXY])
def test_wrong_two_factor_codes_count_against_the_account_and_address(world: World) -> None:
    device = TOTPDevice.objects.create(user=world.admin, name="app", confirmed=True)
    client = english_client()
    assert login_from(client, "203.0.113.30", "admin")["Location"] == reverse("people:login_verify")
    for _ in range(settings.LOGIN_FAILURE_LIMIT_ACCOUNT):
        device.throttle_reset()  # django-otp's own delay would refuse the codes first
        client.post(
            reverse("people:login_verify"), {"code": "000000"}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.30"
        )
    device.refresh_from_db()
    device.throttle_reset()
    right = f"{totp(device.bin_key):06d}"
    refused = client.post(
        reverse("people:login_verify"), {"code": right}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.30"
    )
    assert refused.status_code == 200 and "Too many failed logins" in refused.content.decode()
