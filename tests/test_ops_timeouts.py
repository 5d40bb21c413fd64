"""Time limits on PostgreSQL: a web request never hangs behind a lock or a runaway statement, it answers 503 at
once (nothing written); a job takes longer limits inside ``long_running()``. (SQLite has no such limits: these
tests run on PostgreSQL only, as CI does.)"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import OperationalError, connection, connections
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import include, path

from switchoff.lib.db import long_running
from switchoff.subscribers.models import Subscriber
from tests.conftest import World
from tests.test_registry_api import client_for

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="time limits are PostgreSQL's")


def slow(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(5)")
    return HttpResponse("finished")


urlpatterns = [path("slow/", slow), path("", include("switchoff.urls"))]


@pytest.mark.django_db
def test_every_connection_starts_with_the_webs_limits_and_keepalives() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone() == ("25s",)
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone() == ("5s",)
    options = connection.settings_dict["OPTIONS"]
    assert options["keepalives"] == 1 and options["keepalives_idle"] == 60
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True


@pytest.fixture
def short_limits(transactional_db: None) -> Iterator[None]:
    """The web's limits made short (300 ms) so the test does not wait the real 25 s and 5 s."""
    options = connection.settings_dict["OPTIONS"]
    before = options["options"]
    options["options"] = "-c statement_timeout=300 -c lock_timeout=300"
    connection.close()
    try:
        yield
    finally:
        options["options"] = before
        connection.close()


@override_settings(ROOT_URLCONF=__name__)
def test_a_statement_past_the_limit_is_a_clean_503(short_limits: None) -> None:
    response = Client().get("/slow/")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert b'class="card error-page"' in response.content  # the page of errors/503.html, not a trace
    # The connection is usable again at once.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def test_long_running_lifts_the_limit_and_gives_it_back(short_limits: None) -> None:
    with pytest.raises(OperationalError, match="statement timeout"), connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(1)")
    with long_running(statement_timeout_ms=10_000, lock_timeout_ms=10_000), connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(1)")
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone() == ("10s",)
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone() == ("300ms",)
    with pytest.raises(OperationalError, match="statement timeout"), connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(1)")


def test_a_request_behind_an_imports_lock_answers_503_at_once(world: World, short_limits: None) -> None:
    """The import holds its operator's row for its whole transaction; rows posted for that operator meanwhile
    used to wait until gunicorn's 30 s, then 500."""
    holding, release = threading.Event(), threading.Event()

    def an_import_under_way() -> None:
        from django.db import transaction

        with transaction.atomic(), connections["default"].cursor() as cursor:
            cursor.execute("SELECT id FROM units_unit WHERE id = %s FOR UPDATE", [world.operator.pk])
            holding.set()
            release.wait(30)
        connections["default"].close()

    other = threading.Thread(target=an_import_under_way)
    other.start()
    try:
        assert holding.wait(30)
        body: dict[str, Any] = {
            "operator_id": world.operator.pk,
            "area_id": world.province.pk,
            "as_of": "2024-08-01",
            "rows": [{"msisdn": "0868 123 456", "name": "Nguyễn Văn An"}, {"msisdn": "0868 123 457"}],
        }
        response = client_for(world.operator_staff).post("/api/v1/registry/rows", body, content_type="application/json")
    finally:
        release.set()
        other.join(30)
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == "10"
    assert response.json()["error"]["code"] == "busy"
    assert not Subscriber.objects.exists()


def test_a_connection_the_database_dropped_is_replaced_at_the_next_request(transactional_db: None) -> None:
    """The database restarted (or failed over) between two requests: the connection kept from the first is found
    dead when the next request starts (CONN_HEALTH_CHECKS) and replaced, instead of that request answering 500."""
    from django.db import close_old_connections

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    assert connection.settings_dict["CONN_MAX_AGE"] > 0  # kept between requests
    with psycopg_admin() as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    close_old_connections()  # what every request's start does (request_started)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone() != (pid,)


def psycopg_admin() -> Any:
    import psycopg

    db = connection.settings_dict
    return psycopg.connect(dbname="postgres", user=db["USER"], password=db["PASSWORD"] or None,
                           host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, autocommit=True)  # fmt: skip
