"""Log lines: one JSON object per event, with the time in UTC, the level, the logger, the message, the request
id and the user id, and nothing a person wrote (no name, no number, no query string)."""

from __future__ import annotations

import datetime
import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import include, path

from switchoff.ops.logs import logging_config
from tests.conftest import World, logged_in

NUMBER = "0912345678"
IMEI = "990000011234566"


def boom(request: HttpRequest, imei: str) -> HttpResponse:
    raise RuntimeError("the view failed")


# The project's pages plus one that fails, addressed by an IMEI in its path.
urlpatterns = [path("boom/<str:imei>/", boom), path("", include("switchoff.urls"))]
handler500 = "switchoff.web.errors.server_error"


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """The production handler (JSON lines, with its filters) writing into a buffer."""
    config = logging_config(json_lines=True)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_json_formatter(config))
    for name in config["handlers"]["console"]["filters"]:
        handler.addFilter(_instance(config["filters"][name]))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


def _instance(spec: dict[str, str]) -> Any:
    module, _, name = spec["()"].rpartition(".")
    return getattr(__import__(module, fromlist=[name]), name)()


def _json_formatter(config: dict[str, Any]) -> logging.Formatter:
    formatter: logging.Formatter = _instance(config["formatters"]["json"])
    return formatter


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def a_person(world: World) -> Any:
    user = world.coordinator
    user.full_name, user.phone = "Nguyễn Thị Hoa", NUMBER
    user.save(update_fields=["full_name", "phone"])
    return user


def assert_nothing_personal(text: str, user: Any) -> None:
    for secret in (NUMBER, "912345678", IMEI, user.full_name, user.username, "Hoa"):
        assert secret not in text, secret


def test_a_request_line_carries_the_request_id_and_user_id_and_nothing_personal(
    world: World, json_lines: io.StringIO
) -> None:
    user = a_person(world)
    client = logged_in(user)
    response = client.get("/registry/", {"q": NUMBER})
    assert response.status_code == 200
    request_id = response["X-Request-ID"]
    (line,) = [line for line in lines(json_lines) if line["logger"] == "switchoff.request"]
    assert line["request_id"] == request_id
    assert line["user_id"] == user.pk
    assert line["level"] == "INFO"
    assert line["message"] == "GET /registry/ 200"
    assert line["route"] == "/registry/" and line["status"] == 200 and line["method"] == "GET"
    time = datetime.datetime.fromisoformat(line["time"])
    assert time.utcoffset() == datetime.timedelta(0)
    assert list(line)[:4] == ["time", "level", "logger", "message"]
    assert_nothing_personal(json_lines.getvalue(), user)


@override_settings(ROOT_URLCONF=__name__)
def test_an_errors_line_carries_the_request_id_and_user_id_and_nothing_personal(
    world: World, json_lines: io.StringIO
) -> None:
    user = a_person(world)
    client = logged_in(user)
    client.raise_request_exception = False
    response = client.get(f"/boom/{IMEI}/", {"q": NUMBER})
    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    assert request_id.encode() in response.content  # the error page gives the code to quote
    found = lines(json_lines)
    (error,) = [line for line in found if line["level"] == "ERROR"]
    assert error["logger"] == "django.request"
    assert error["message"] == "Internal Server Error: /boom/<str:imei>/"
    assert error["request_id"] == request_id and error["user_id"] == user.pk
    assert "RuntimeError: the view failed" in error["exc_info"]
    (request_line,) = [line for line in found if line["logger"] == "switchoff.request"]
    assert request_line["status"] == 500 and request_line["request_id"] == request_id
    assert_nothing_personal(json_lines.getvalue(), user)


def test_a_404_is_one_line(world: World, json_lines: io.StringIO) -> None:
    response = Client().get(f"/registry/{IMEI}/nowhere")
    assert response.status_code == 404
    (line,) = lines(json_lines)
    assert line["message"] == "GET (no route) 404"
    assert line["user_id"] is None


@override_settings(TRUSTED_PROXIES=["10.0.0.1"])
@pytest.mark.django_db
def test_the_request_id_comes_from_the_trusted_proxy_only(json_lines: io.StringIO) -> None:
    sent = "0f3c2a9b8d7e6f5a4b3c2d1e0f9a8b7c"
    through_proxy = Client(REMOTE_ADDR="10.0.0.1").get("/health/live", HTTP_X_REQUEST_ID=sent)
    assert through_proxy["X-Request-ID"] == sent
    forged = Client(REMOTE_ADDR="203.0.113.5").get("/health/live", HTTP_X_REQUEST_ID=sent)
    assert forged["X-Request-ID"] != sent and len(forged["X-Request-ID"]) == 32
    odd = Client(REMOTE_ADDR="10.0.0.1").get("/health/live", HTTP_X_REQUEST_ID="<script>")
    assert odd["X-Request-ID"] != "<script>"
    assert [line["request_id"] for line in lines(json_lines)] == [sent, forged["X-Request-ID"], odd["X-Request-ID"]]


def test_huey_and_gunicorn_lines_go_through_the_one_handler_once() -> None:
    config = logging_config(json_lines=True)
    for name in ("huey", "gunicorn.error", "gunicorn.access"):
        assert config["loggers"][name] == {"handlers": ["console"], "level": "INFO", "propagate": False}
    assert config["handlers"]["console"]["formatter"] == "json"
    assert logging_config(json_lines=False)["handlers"]["console"]["formatter"] == "plain"


@pytest.mark.django_db
def test_a_tasks_lines_carry_its_id_and_the_request_keeps_its_own() -> None:
    """A task run at once (HUEY_IMMEDIATE, as here) runs inside the request that queued it."""
    from switchoff.ops import context
    from switchoff.schedule import squash_counts_often

    seen: list[str | None] = []
    token = context.request_id.set("the-request")
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("switchoff.schedule.squash_counts", lambda: seen.append(context.request_id.get()))
            squash_counts_often()
        assert context.request_id.get() == "the-request"
    finally:
        context.request_id.reset(token)
    (during,) = seen
    assert during is not None and during.startswith("task-")


@pytest.mark.django_db
def test_a_static_files_line_says_so(json_lines: io.StringIO) -> None:
    Client().get("/static/css/app.css?v=0912345678")
    (line,) = lines(json_lines)
    assert line["route"] == "/static/…" and "0912345678" not in json_lines.getvalue()
