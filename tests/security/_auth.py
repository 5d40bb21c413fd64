"""Helpers for the login-throttle and token tests (tests/security, branch auth)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD

if TYPE_CHECKING:
    # What the test client answers: a response with the request and the context attached.
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

PROXY = "127.0.0.1"
WRONG = "wrong-password-1"
# The four written forms that all name reporter.a (+84912000003 in the test world).
IDENTIFIERS = ("reporter.a", "0912000003", "+84912000003", "84912000003")


def english_client() -> Client:
    """A browser that chose English, so that the tests can read the messages."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def login_from(client: Client, address: str, identifier: str, password: str = PASSWORD) -> TestResponse:
    """POST the login form through the reverse proxy, as the client ``address``."""
    response: TestResponse = client.post(
        reverse("people:login"),
        {"username": identifier, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=address,
    )
    return response


def logged_in_now(response: TestResponse) -> bool:
    return response.status_code == 302 and response["Location"] == reverse("web:home")


def password_was_checked(response: TestResponse) -> bool:
    """The password was compared (right or wrong), not refused by the throttle first."""
    return logged_in_now(response) or "password is wrong" in response.content.decode()
