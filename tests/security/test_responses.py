"""Item 8 of the hardening issue: private responses, the project's own error pages, deploy checks."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.core.checks import WARNING, run_checks
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import reverse

from switchoff.lib.sheets import read_file
from switchoff.subscribers.importer import import_list
from switchoff.subscribers.models import Subscriber
from switchoff.web.middleware import NoStoreMiddleware
from tests.conftest import World, logged_in
from tests.exporting import export

LIST = "Số thuê bao;Họ và tên;Địa chỉ\n0868123456;Nguyễn Văn An;Khối 1, Phường Lương Văn Tri\n".encode()


def test_a_revealed_number_and_an_export_are_never_stored_by_a_cache(world: World) -> None:
    import_list(
        read_file(LIST, "a.csv"),
        content=LIST,
        operator=world.operator,
        area=world.province,
        as_of=datetime.date(2024, 8, 1),
    )
    client = logged_in(world.member_a)
    an = Subscriber.objects.get()
    revealed = client.post(reverse("subscribers:reveal", args=[an.pk]))
    assert revealed.status_code == 200 and "no-store" in revealed["Cache-Control"]
    exported = export(logged_in(world.coordinator), {"full": "1"})
    assert exported.status_code == 200 and "no-store" in exported["Cache-Control"]
    page = client.get(reverse("subscribers:registry"))
    assert "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"]


def test_api_answers_are_not_stored_either(world: World) -> None:
    from switchoff.people.services import api_token_create

    _token, raw = api_token_create(user=world.operator_staff, name="t")
    answer = Client().get("/api/v1/registry/subscribers", headers={"Authorization": f"Bearer {raw}"})
    assert "no-store" in answer["Cache-Control"]


def test_static_files_and_views_that_choose_keep_their_own_caching() -> None:
    # WhiteNoise answers static files before the middleware runs.
    order = settings.MIDDLEWARE
    assert order.index("whitenoise.middleware.WhiteNoiseMiddleware") < order.index(
        "switchoff.web.middleware.NoStoreMiddleware"
    )
    chosen = HttpResponse("x")
    chosen["Cache-Control"] = "max-age=60"
    assert NoStoreMiddleware(lambda request: chosen)(HttpRequest())["Cache-Control"] == "max-age=60"
    plain = NoStoreMiddleware(lambda request: HttpResponse("x"))(HttpRequest())
    assert "no-store" in plain["Cache-Control"]


def test_a_missing_page_is_the_projects_own_in_vietnamese_and_in_english(world: World) -> None:
    client = logged_in(world.reporter_a)
    page = client.get("/no-such-page/")
    assert page.status_code == 404
    assert "Không tìm thấy trang" in page.content.decode() and "switchoff" in page.content.decode()
    world.reporter_a.language = "en"
    world.reporter_a.save()
    page = logged_in(world.reporter_a).get("/no-such-page/")
    assert "Page not found" in page.content.decode()


def test_a_refused_page_is_the_projects_own(world: World) -> None:
    # The audit trail needs audit.view, which a ward reporter does not have.
    page = logged_in(world.reporter_a).get(reverse("audit:list"))
    assert page.status_code == 403
    assert "Bạn không có quyền truy cập trang này" in page.content.decode()


def test_an_expired_form_says_so_in_vietnamese(world: World) -> None:
    page = Client(enforce_csrf_checks=True).post(reverse("people:login"), {"username": "x", "password": "y"})
    assert page.status_code == 403
    text = page.content.decode()
    assert "Biểu mẫu đã hết hạn" in text and "CSRF verification failed" not in text


@override_settings(ROOT_URLCONF="tests.security._misc_urls")
def test_a_server_error_is_the_projects_own_page(db: None) -> None:
    page = Client(raise_request_exception=False).get("/boom/")
    assert page.status_code == 500
    text = page.content.decode()
    assert "Đã xảy ra lỗi ở máy chủ" in text and "Server Error (500)" not in text


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"PRODUCTION": False}, "switchoff.E001"),
        ({"DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}}, "switchoff.E002"),
        # The same SQLite behind django-prometheus's counting backend, as settings.py sets it.
        (
            {"DATABASES": {"default": {"ENGINE": "django_prometheus.db.backends.sqlite3", "NAME": ":memory:"}}},
            "switchoff.E002",
        ),
        ({"DEMO_REQUESTED": True}, "switchoff.E003"),
        ({"TWO_FACTOR_ENFORCED": False}, "switchoff.E004"),
        ({"ALLOWED_HOSTS": ["*"]}, "switchoff.E005"),
        ({"DEBUG": True}, "switchoff.E006"),
        # Issue 21, finding 6: behind the proxy (BEHIND_PROXY=1 sets the header) without its address.
        ({"SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"), "TRUSTED_PROXIES": []}, "switchoff.W001"),
    ],
)
def test_check_deploy_names_each_unsafe_setting(overrides: dict[str, object], code: str) -> None:
    safe = {
        "PRODUCTION": True,
        "DATABASES": {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "switchoff"}},
        "DEMO_REQUESTED": False,
        "TWO_FACTOR_ENFORCED": True,
        "ALLOWED_HOSTS": ["switchoff.example.gov.vn"],
        "DEBUG": False,
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
        "TRUSTED_PROXIES": ["127.0.0.1"],
    }
    with override_settings(**safe):
        assert not [m for m in run_checks(include_deployment_checks=True) if (m.id or "").startswith("switchoff.")]
    with override_settings(**{**safe, **overrides}):
        messages = [m for m in run_checks(include_deployment_checks=True) if (m.id or "").startswith("switchoff.")]
    assert {m.id for m in messages} == {code}
    if code == "switchoff.W001":  # a warning (the site works), naming the variable to set
        assert messages[0].level == WARNING and "TRUSTED_PROXIES" in f"{messages[0].msg} {messages[0].hint}"
