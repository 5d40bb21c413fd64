"""The page views' query parameters, fuzzed as schemathesis fuzzes the API's (issue 21, finding 4).

Every GET page of the site (its URL patterns filled with the world's objects) is asked with every query
parameter a view reads (found in the source: ``request.GET.get("…")``, ``params.get("…")``) set to
generated values, hostile ones first: numbers beyond any id, digits that are not ASCII ("²"), dates out of
range, NUL bytes, long text. No answer may be a server error.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import World, logged_in
from tests.fieldwork_helpers import device_client, open_field
from tests.reporting import make_campaign

ROOT = Path(__file__).resolve().parents[2] / "switchoff"
READ = re.compile(r"""(?:request\.GET|params|query)\.(?:get|getlist)\(\s*["']([a-z_]+)["']""")
# Pages whose answers are files or that act on the query only for a person without a session.
SKIPPED = {"people:logout", "fieldapp:sw", "ops:metrics"}
HOSTILE = [
    "9999999999999999999999999",
    "9223372036854775808",
    "-1",
    "²",
    "١٢",
    "0001-01",
    "9999-12-31",
    "2024-13-45",
    "0001-01-01T00:00:00+23:59",
    "a\x00b",
    "x" * 5000,
]
# Tried in the generated examples only (each page with each of these too took minutes).
MORE = ["0", "1e309", "NaN", "0001-01-01", "10000-01-01", "31/02/2024", "%", "' OR 1=1 --", "📱", " ", "true"]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15")) * 10


def query_names() -> list[str]:
    names = {"after", "page", "unit", "month", "q", "from", "to", "as_of", "since", "offset", "f"}
    for path in ROOT.rglob("*.py"):
        names |= set(READ.findall(path.read_text(encoding="utf-8")))
    return sorted(names)


def page_urls(world: World) -> list[str]:
    campaign = make_campaign(world)
    values: dict[str, Any] = {
        "unit_id": world.ward_a.pk,
        "campaign_id": campaign.pk,
        "month": "2024-08",
        "person_id": world.reporter_a.pk,
        "subscriber_id": 1,
        "job_id": 1,
        "kind_id": world.ward_a.kind_id,
        "case_id": 1,
        "team_id": world.ward_a.pk,
        "device_id": 1,
        "membership_id": 1,
        "token_id": 1,
        "activity_id": 1,
        "fmt": "xlsx",
        "token": "not-a-token",
        "action": "accept",
    }

    def walk(patterns: list[Any], namespace: str | None) -> Iterator[str]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name and namespace != "api":
                name = f"{namespace}:{pattern.name}"
                params = list(pattern.pattern.converters)
                if name in SKIPPED or any(p not in values for p in params):
                    continue
                kwargs = {p: values[p] for p in params}
                if "photo_id" not in params:
                    yield reverse(name, kwargs=kwargs)

    return sorted(set(walk(get_resolver().url_patterns, None)))


@pytest.fixture
def pages(world: World) -> tuple[Client, list[str], list[str]]:
    client = logged_in(world.coordinator)
    client.raise_request_exception = False  # a server error is an answer here, collected with the others
    return client, page_urls(world), query_names()


def test_the_fuzz_reads_the_views_own_parameters(pages: tuple[Client, list[str], list[str]]) -> None:
    _client, urls, names = pages
    assert {"after", "unit", "month", "operator", "class", "since"} <= set(names) | {"since"}
    assert "/registry/" in urls and len(urls) > 30


def test_each_hostile_value_in_each_parameter_of_each_page(pages: tuple[Client, list[str], list[str]]) -> None:
    """Deterministic first: each page with every parameter set to each hostile value at once."""
    client, urls, names = pages
    failures = []
    for url in urls:
        for value in HOSTILE:
            query = urlencode({name: value for name in names})
            answer = client.get(f"{url}?{query}")
            if answer.status_code >= 500:
                failures.append(f"{url}?{query[:200]} → {answer.status_code}")
    assert not failures, "\n".join(failures[:20])


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_generated_query_parameters_never_get_a_server_error(
    pages: tuple[Client, list[str], list[str]], data: st.DataObject
) -> None:
    client, urls, names = pages
    url = data.draw(st.sampled_from(urls))
    value = st.one_of(st.sampled_from(HOSTILE + MORE), st.text(max_size=40), st.integers().map(str))
    query = data.draw(st.dictionaries(st.sampled_from(names), value, max_size=6))
    answer = client.get(url, query)
    assert answer.status_code < 500, f"{url}?{urlencode(query)}"


def test_the_two_server_errors_of_the_security_test(world: World) -> None:
    client = logged_in(world.coordinator)
    page = client.get(f"/registry/?unit={world.ward_a.pk}&after=9999999999999999999999999")
    assert page.status_code == 200
    open_field(world)
    phone, _raw = device_client(world.member_a)
    answer = phone.get("/api/v1/field/cases", {"since": "0001-01-01T00:00:00+23:59"})
    assert answer.status_code == 422, answer.content


def test_a_nul_in_a_query_parameter_is_refused_with_a_400_on_pages_and_the_api(world: World) -> None:
    """PostgreSQL refuses NUL in text (a 500 from deep in a query); every path answers 400 before a view reads it."""
    client = logged_in(world.coordinator)
    for url in ("/registry/", "/audit/", "/people/", "/api/v1/units/"):
        answer = client.get(url, {"q": "a\x00b"})
        assert answer.status_code == 400, url
        assert "NUL" in answer.content.decode()
    assert client.get("/registry/", {"q": "ab"}).status_code == 200
