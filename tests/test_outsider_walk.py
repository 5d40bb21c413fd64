"""Every URL and every API operation, walked as the reporter of another ward.

A new URL pattern or API operation that is not listed here makes this test
fail, so a page cannot be added without deciding how it is protected.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from switchoff.api.root import api
from switchoff.people.models import ApiToken
from switchoff.people.services import api_token_create
from tests.conftest import World, logged_in

# Pages open to anyone (they show nothing of any unit).
PUBLIC = {
    "web:health",
    "people:login",
    "people:login_verify",
    "people:logout",
    "people:language",
    "people:link",
    "api:openapi-json",
    "api:openapi-view",
}

# Pages about the signed-in user only; checked for not leaking ward A below.
SELF = {
    "web:home",
    "people:account",
    "people:password_change",
    "people:two_factor_setup",
    "people:two_factor_remove",
    "people:token_create",
}


def _unit_target(pick: Callable[[World], Any]) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"unit_id": pick(w).pk}


# Pages addressed to an object of ward A: the outsider must get 403 or 404.
# name -> (method, kwargs builder)
GUARDED: dict[str, tuple[str, Callable[[World], dict[str, Any]]]] = {
    "units:detail": ("get", _unit_target(lambda w: w.ward_a)),
    "units:add_child": ("post", _unit_target(lambda w: w.ward_a)),
    "units:edit": ("post", _unit_target(lambda w: w.ward_a)),
    "units:merge": ("post", _unit_target(lambda w: w.ward_a)),
    "units:coverage": ("post", _unit_target(lambda w: w.team_a)),
    "units:workbook_export": ("get", _unit_target(lambda w: w.ward_a)),
    "units:workbook_import": ("post", _unit_target(lambda w: w.ward_a)),
    "units:kinds": ("get", lambda w: {}),
    "units:kind_edit": ("post", lambda w: {"kind_id": w.ward_a.kind_id}),
    "people:invite": ("post", lambda w: {}),
    "people:person": ("get", lambda w: {"person_id": w.reporter_a.pk}),
    "people:reset_link": ("post", lambda w: {"person_id": w.reporter_a.pk}),
    "people:revoke": (
        "post",
        lambda w: {"person_id": w.reporter_a.pk, "membership_id": w.reporter_a.memberships.get().pk},
    ),
    "people:token_revoke": ("post", lambda w: {"token_id": ApiToken.objects.get(user=w.reporter_a).pk}),
    "audit:list": ("get", lambda w: {}),
}

# Lists scoped to the user: the outsider gets 200 but nothing of ward A.
SCOPED_LISTS: dict[str, tuple[dict[str, str], str]] = {
    "units:tree": ({}, "Lương Văn Tri"),
    "units:search": ({"q": "luong van tri"}, "Lương Văn Tri"),
    "people:list": ({"q": "reporter"}, "reporter.a"),
}

# API operations (method, path) -> how the outsider is checked.
API_GUARDED = {("GET", "/api/v1/units/{unit_id}")}
API_SCOPED = {("GET", "/api/v1/units/"), ("GET", "/api/v1/me")}


def all_url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, None)
    return names


def api_operations() -> set[tuple[str, str]]:
    schema = api.get_openapi_schema()
    return {(method.upper(), path) for path, ops in schema["paths"].items() for method in ops}


def test_every_url_is_classified() -> None:
    unclassified = all_url_names() - PUBLIC - SELF - set(GUARDED) - set(SCOPED_LISTS)
    api_ops = {n for n in unclassified if n.startswith("api:")}
    # ninja names each operation's view after its function; they are covered by
    # the API walk below through the OpenAPI schema.
    assert unclassified - api_ops == set(), f"Add these URLs to the outsider walk: {sorted(unclassified - api_ops)}"


def test_every_api_operation_is_classified() -> None:
    assert api_operations() == API_GUARDED | API_SCOPED


@pytest.mark.django_db
def test_outsider_is_refused_every_guarded_page(world: World) -> None:
    api_token_create(user=world.reporter_a, name="theirs")
    client = logged_in(world.reporter_b)
    for name, (method, kwargs) in GUARDED.items():
        url = reverse(name, kwargs=kwargs(world))
        response = getattr(client, method)(url)
        assert response.status_code in {403, 404}, f"{name} {url} answered {response.status_code}"


@pytest.mark.django_db
def test_outsider_lists_show_nothing_of_the_other_ward(world: World) -> None:
    client = logged_in(world.reporter_b)
    for name, (params, secret) in SCOPED_LISTS.items():
        response = client.get(reverse(name), params)
        assert response.status_code in {200, 403}, name
        assert secret not in response.content.decode(), f"{name} shows {secret}"
    for name in SELF:
        response = client.get(reverse(name))
        assert "Lương Văn Tri" not in response.content.decode(), name


@pytest.mark.django_db
def test_outsider_api_sees_nothing_of_the_other_ward(world: World) -> None:
    _token, raw = api_token_create(user=world.reporter_b, name="mine")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    for method, path in API_GUARDED:
        url = path.replace("{unit_id}", str(world.ward_a.pk))
        response = client.generic(method, url)
        assert response.status_code == 404, (method, path)
        assert response.json()["error"]["code"] == "not_found"
    listed = client.get("/api/v1/units/", {"limit": 500}).json()["items"]
    assert listed, "the outsider sees their own ward"
    assert world.ward_a.pk not in {u["id"] for u in listed}
    assert world.legacy_ward.pk not in {u["id"] for u in listed}
    me = client.get("/api/v1/me").json()
    assert me["username"] == "reporter.b"


@pytest.mark.django_db
def test_anonymous_is_sent_to_login_everywhere(world: World) -> None:
    api_token_create(user=world.reporter_a, name="theirs")
    client = Client()
    for name, (_method, kwargs) in GUARDED.items():
        response = client.get(reverse(name, kwargs=kwargs(world)))
        assert response.status_code in {302, 405}, name
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("people:login"))
    for method, path in API_GUARDED | API_SCOPED:
        response = client.generic(method, path.replace("{unit_id}", str(world.ward_b.pk)))
        assert response.status_code == 401, path
