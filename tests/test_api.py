from __future__ import annotations

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


def test_revoked_token_stops_working(world: World) -> None:
    token, raw = api_token_create(user=world.reporter_a, name="t")
    api_token_revoke(user=world.reporter_a, token=token)
    assert api_client(raw).get("/api/v1/me").status_code == 401


def test_openapi_is_published(db: None) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    assert "/api/v1/units/" in schema["paths"]
    assert Client().get("/api/v1/docs").status_code == 200
