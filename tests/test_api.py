from __future__ import annotations

import pytest
from django.test import Client

from switchoff.audit.models import AuditEvent
from switchoff.people.services import api_token_create, api_token_revoke
from tests.conftest import World


def api_client(raw: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {raw}"})


def test_token_acts_as_its_user(world: World) -> None:
    token, raw = api_token_create(user=world.operator_staff, name="import script")
    client = api_client(raw)
    me = client.get("/api/v1/me").json()
    assert me["username"] == "viettel"
    assert me["memberships"] == [
        {"unit_id": world.operator.pk, "unit_name": "Viettel Lạng Sơn", "role": "operator_staff"}
    ]
    assert AuditEvent.objects.filter(action="people.api_token.created").exists()
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_units_are_keyset_paginated_and_scoped(world: World) -> None:
    _token, raw = api_token_create(user=world.reporter_a, name="t")
    client = api_client(raw)
    first = client.get("/api/v1/units/", {"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_after"] is not None
    seen = [u["id"] for u in first["items"]]
    after = first["next_after"]
    while after is not None:
        page = client.get("/api/v1/units/", {"limit": 2, "after": after}).json()
        seen += [u["id"] for u in page["items"]]
        after = page["next_after"]
    assert world.ward_a.pk in seen and world.legacy_ward.pk in seen and world.ward_b.pk not in seen
    assert len(seen) == len(set(seen))
    found = client.get("/api/v1/units/", {"q": "chi lang"}).json()["items"]
    assert [u["id"] for u in found] == [world.legacy_ward.pk]
    assert found[0]["merged_into_id"] == world.ward_a.pk


def test_errors_have_one_shape(world: World) -> None:
    response = Client().get("/api/v1/me")
    assert response.status_code == 401
    assert set(response.json()["error"]) == {"code", "message", "details"}
    _token, raw = api_token_create(user=world.reporter_a, name="t")
    bad = api_client(raw).get("/api/v1/units/", {"limit": "many"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid"


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/api/v1/units/", {"parent": 10**30}),
        ("get", f"/api/v1/units/{10**30}", None),
        ("get", f"/api/v1/registry/jobs/{2**63}", None),
        ("get", "/api/v1/registry/subscribers", {"unit": 1, "after": 2**63}),
    ],
)
def test_an_id_no_database_holds_is_refused_not_a_server_error(
    world: World, method: str, path: str, data: dict[str, object] | None
) -> None:
    """Found by schemathesis: an id beyond 64 bits overflowed the database driver (500)."""
    _token, raw = api_token_create(user=world.operator_staff, name="t")
    response = getattr(api_client(raw), method)(path, data)
    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] == "invalid"


def test_revoked_token_stops_working(world: World) -> None:
    token, raw = api_token_create(user=world.reporter_a, name="t")
    api_token_revoke(user=world.reporter_a, token=token)
    assert api_client(raw).get("/api/v1/me").status_code == 401


def test_openapi_is_published(db: None) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    assert "/api/v1/units/" in schema["paths"]
    assert Client().get("/api/v1/docs").status_code == 200


def test_activity_api_is_idempotent_and_report_submits(world: World) -> None:
    from tests.reporting import make_campaign

    campaign = make_campaign(world, lock_days=3000)
    _token, raw = api_token_create(user=world.reporter_a, name="field app")
    client = api_client(raw)
    url = f"/api/v1/campaigns/{campaign.pk}/units/{world.committee_a.pk}/activities"
    body = {"client_key": "phone-42", "date": "2024-07-05", "form": "loudspeaker", "count": 4}
    first = client.post(url, body, content_type="application/json")
    again = client.post(url, body, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    bad = client.post(url, {**body, "client_key": "phone-43", "form": "pigeon"}, content_type="application/json")
    assert bad.status_code == 422 and "pigeon" in bad.json()["error"]["message"]
    listed = client.get(url, {"month": "2024-07"}).json()
    assert [(a["form"], a["count"]) for a in listed] == [("loudspeaker", 4)]
    submitted = client.post(f"/api/v1/campaigns/{campaign.pk}/units/{world.committee_a.pk}/reports/2024-07/submit")
    assert submitted.status_code == 200
    data = submitted.json()
    assert data["status"] == "submitted" and data["late"] is True
    assert data["lines"] == [
        {"form": "loudspeaker", "medium_id": data["lines"][0]["medium_id"], "count": 4, "people_reached": None}
    ]


def test_no_two_api_schemas_share_a_name() -> None:
    """OpenAPI names a schema by its class: two apps' ``BatchOut`` made the devices' classify answer be checked
    against the SMS batch's schema. Every schema of switchoff has a name of its own."""
    from ninja import Schema

    import switchoff.api.root  # noqa: F401  (every router's schemas imported)

    def below(cls: type) -> list[type]:
        found: list[type] = []
        subclasses: list[type] = cls.__subclasses__()
        for direct in subclasses:
            found += [direct, *below(direct)]
        return found

    names: dict[str, set[str]] = {}
    for cls in below(Schema):
        if cls.__module__.startswith("switchoff."):
            names.setdefault(cls.__name__, set()).add(cls.__module__)
    assert {name: modules for name, modules in names.items() if len(modules) > 1} == {}
