"""The field app's referrals and shop inspections through the field API: each once by its id, refusals with their
reason, and nothing of another team's cases or another commune's shops."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from switchoff.people.roles import Role
from switchoff.programmes.models import Referral
from switchoff.shops.models import Inspection
from switchoff.shops.services import ShopInput, shop_register
from tests.conftest import World, make_user
from tests.devices_helpers import imei_of
from tests.fieldwork_helpers import Field, device_client
from tests.test_programmes import _programme, field  # noqa: F401  # the fixture

JSON = "application/json"


@pytest.mark.django_db
def test_a_members_phone_refers_and_inspects_each_once(world: World, field: Field) -> None:  # noqa: F811
    programme = _programme(world, field)
    shop = shop_register(actor=world.reporter_a, place=world.villages_a[0], given=ShopInput(name="Minh Anh Mobile"))
    phone, _raw = device_client(world.member_a)
    assert [p["id"] for p in phone.get("/api/v1/field/programmes").json()["items"]] == [programme.pk]
    assert [s["id"] for s in phone.get("/api/v1/field/shops").json()["items"]] == [shop.pk]
    an, hoa = str(uuid.uuid4()), str(uuid.uuid4())
    body = {"referrals": [{"id": an, "programme_id": programme.pk, "case_id": field.an.pk, "note": "Cần máy"}]}
    first = phone.post("/api/v1/field/programmes/referrals", body, content_type=JSON).json()["results"]
    body["referrals"].append({"id": hoa, "programme_id": programme.pk, "case_id": field.hoa.pk})
    again = phone.post("/api/v1/field/programmes/referrals", body, content_type=JSON).json()["results"]
    assert first[0]["result"] == "created" and again[0]["result"] == "same"
    # Hoa lives at An's address but is not confirmed as his household: she qualifies too.
    assert again[1]["result"] == "created", again[1]
    assert Referral.objects.filter(client_key=uuid.UUID(an), case=field.an).count() == 1
    assert Referral.objects.count() == 2
    inspection = {
        "id": str(uuid.uuid4()), "shop_id": shop.pk, "inspected_on": timezone.localdate().isoformat(),
        "informed": True, "phones": [imei_of("35000001"), imei_of("35000004")],
    }  # fmt: skip
    for expected in ("created", "same"):
        (answer,) = phone.post(
            "/api/v1/field/shops/inspections", {"inspections": [inspection]}, content_type=JSON
        ).json()["results"]
        assert answer["result"] == expected
        assert [i["verdict"] for i in answer["items"]] == ["stops", "fine"] and answer["found"] == 2
    assert Inspection.objects.count() == 1


@pytest.mark.django_db
def test_another_teams_member_refers_and_inspects_nothing_of_team_a(world: World, field: Field) -> None:  # noqa: F811
    programme = _programme(world, field)
    shop = shop_register(actor=world.reporter_a, place=world.villages_a[0], given=ShopInput(name="Minh Anh Mobile"))
    member_b = make_user("member.b", world.team_b, Role.TEAM_MEMBER)
    phone, _raw = device_client(member_b)
    assert phone.get("/api/v1/field/shops").json()["items"] == []
    body = {"referrals": [{"id": str(uuid.uuid4()), "programme_id": programme.pk, "case_id": field.an.pk}]}
    (referral,) = phone.post("/api/v1/field/programmes/referrals", body, content_type=JSON).json()["results"]
    assert (referral["result"], referral["code"]) == ("refused", "not_found")
    inspection = {"id": str(uuid.uuid4()), "shop_id": shop.pk, "inspected_on": "2024-09-01", "informed": True}
    (answer,) = phone.post("/api/v1/field/shops/inspections", {"inspections": [inspection]}, content_type=JSON).json()[
        "results"
    ]
    assert (answer["result"], answer["code"]) == ("refused", "not_found")
    assert not Referral.objects.exists() and not Inspection.objects.exists()
    assert phone.get("/api/v1/field/shops").status_code == 200
    anonymous = phone.__class__()
    assert anonymous.get("/api/v1/field/programmes").status_code == 401
