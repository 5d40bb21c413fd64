"""Helpers for the login-throttle and token tests (tests/security, branch auth)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD

PROXY = "127.0.0.1"
WRONG = "wrong-password-1"
# The four written forms that all name reporter.a (+84912000003 in the test world).
IDENTIFIERS = ("reporter.a", "0912000003", "+84912000003", "84912000003")


def english_client() -> Client:
    """A browser that chose English, so that the tests can read the messages."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def login_from(client: Client, address: str, identifier: str, password: str = PASSWORD) -> HttpResponse:
    """POST the login form through the reverse proxy, as the client ``address``."""
    response: HttpResponse = client.post(
        reverse("people:login"),
        {"username": identifier, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=address,
    )
    return response


def logged_in_now(response: HttpResponse) -> bool:
    return response.status_code == 302 and response["Location"] == reverse("web:home")


def password_was_checked(response: HttpResponse) -> bool:
    """The password was compared (right or wrong), not refused by the throttle first."""
    return logged_in_now(response) or "password is wrong" in response.content.decode()
