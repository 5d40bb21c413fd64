"""Banners and posters: recorded once (page or phone), counted into the report's banner line, listed until the
cut-off (moving with it), taken down, photos in private storage, and nothing of another ward's."""

from __future__ import annotations

import datetime
import io
import uuid
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from django.core.files.storage import storages
from django.test import Client
from django.utils import timezone
from PIL import Image

from switchoff.audit.models import AuditEvent
from switchoff.banners import services
from switchoff.banners.models import Placement
from switchoff.banners.selectors import unit_lists
from switchoff.campaigns.models import Campaign
from switchoff.campaigns.services import campaign_update_rule
from switchoff.reports.models import Activity
from switchoff.reports.selectors import log_totals
from tests.conftest import World, logged_in
from tests.fieldwork_helpers import device_client
from tests.reporting import make_campaign

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> Callable[[datetime.date], None]:
    def freeze(day: datetime.date) -> None:
        moment = datetime.datetime(day.year, day.month, day.day, 9, tzinfo=HCM)
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return freeze


@pytest.fixture
def campaign(world: World) -> Campaign:
    return make_campaign(world)


def jpeg(width: int = 1600, height: int = 1200) -> bytes:
    out = io.BytesIO()
    Image.linear_gradient("L").resize((width, height)).convert("RGB").save(out, "JPEG")
    return out.getvalue()


def form_data(world: World, **extra: object) -> dict[str, object]:
    data: dict[str, object] = {
        "id": str(uuid.uuid4()),
        "kind": "bang_ron",
        "quantity": "3",
        "place": str(world.villages_a[0].pk),
        "address": "Ngã tư  Bà Triệu – Lê Lợi",
        "start": "02/09/2024",
        "until": "",
    }
    data.update(extra)
    return data


def banner_count(campaign: Campaign, world: World, month: datetime.date) -> int:
    form = campaign.forms.get(code="banner")
    return sum(t.count for (f, _m), t in log_totals(campaign, world.committee_a, month).items() if f == form.pk)


def test_a_reporter_records_banners_with_a_photo_once_and_they_count_in_the_report(
    world: World, campaign: Campaign, frozen: Callable[[datetime.date], None]
) -> None:
    frozen(datetime.date(2024, 9, 5))
    client = logged_in(world.reporter_a)
    data = form_data(world)
    data["photo"] = io.BytesIO(jpeg())
    data["photo"].name = "IMG_20240902.jpg"  # type: ignore[attr-defined]
    page = client.get(f"/banners/units/{world.committee_a.pk}/new/")
    assert page.status_code == 200 and "16/09/2024" in page.content.decode()
    response = client.post(f"/banners/units/{world.committee_a.pk}/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    again = form_data(world, id=data["id"], quantity="3")
    assert client.post(f"/banners/units/{world.committee_a.pk}/new/", again).status_code == 302
    placement = Placement.objects.get()
    assert placement.quantity == 3 and placement.address == "Ngã tư Bà Triệu – Lê Lợi"
    assert placement.until is None and placement.last_day == datetime.date(2024, 9, 16)
    # The photo: re-encoded, in the banners' private storage, served only through its checked view.
    assert placement.photo.name and storages["banners"].exists(placement.photo.name)
    with pytest.raises(ValueError):
        storages["banners"].url(placement.photo.name)
    shown = client.get(f"/banners/{placement.pk}/photo/")
    assert shown.status_code == 200 and shown["Cache-Control"] == "no-store, private"
    assert Image.open(io.BytesIO(b"".join(shown.streaming_content))).size == (1280, 960)  # type: ignore[attr-defined]
    # Counted once into the committee's log, form "banner": the monthly report's line follows it.
    activity = Activity.objects.get()
    assert activity.unit == world.committee_a and activity.form.code == "banner" and activity.count == 3
    assert banner_count(campaign, world, datetime.date(2024, 9, 1)) == 3
    assert AuditEvent.objects.filter(action="banners.placement.recorded").count() == 1


def test_the_default_last_day_follows_the_cut_off_and_the_lists_move(
    world: World, campaign: Campaign, frozen: Callable[[datetime.date], None]
) -> None:
    frozen(datetime.date(2024, 9, 10))
    hung = services.placement_record(
        actor=world.reporter_a, campaign=campaign, unit=world.committee_a,
        data=services.PlacementInput(id=uuid.uuid4(), kind="phuon", quantity=10, place_id=world.ward_a.pk,
                                     start=datetime.date(2024, 9, 1)),
    ).placement  # fmt: skip
    assert hung is not None
    own = services.placement_record(
        actor=world.reporter_a, campaign=campaign, unit=world.committee_a,
        data=services.PlacementInput(id=uuid.uuid4(), kind="pano", quantity=1, place_id=world.ward_a.pk,
                                     start=datetime.date(2024, 9, 1), until=datetime.date(2024, 12, 31)),
    ).placement  # fmt: skip
    assert own is not None
    lists = unit_lists(world.ward_a, datetime.date(2024, 9, 10))
    assert lists.expiring == [hung] and lists.up == [own] and lists.pieces_up == 11
    # The switch-off moved to 15/10: the default moves with it, the placement's own day does not.
    campaign_update_rule(actor=None, campaign=campaign, cutoff_date=datetime.date(2024, 10, 15), due_day=10,
                         deadline_inclusive=False, lock_days=5)  # fmt: skip
    lists = unit_lists(world.ward_a, datetime.date(2024, 9, 10))
    assert lists.expiring == [] and {p.pk for p in lists.up} == {hung.pk, own.pk}
    # After the cut-off it is listed as expired, still hanging, until someone checks it off.
    frozen(datetime.date(2024, 10, 20))
    client = logged_in(world.reporter_a)
    page = client.get(f"/banners/units/{world.ward_a.pk}/").content.decode()
    assert "Đã quá ngày cuối, vẫn còn treo" in page and "Phướn" in page
    assert [p.pk for p in unit_lists(world.ward_a, datetime.date(2024, 10, 20)).expired] == [hung.pk]
    assert client.post(f"/banners/{hung.pk}/take-down/", {"unit": world.ward_a.pk}).status_code == 302
    assert client.post(f"/banners/{hung.pk}/take-down/", {"unit": world.ward_a.pk}).status_code == 302
    hung.refresh_from_db()
    assert hung.taken_down_on == datetime.date(2024, 10, 20) and hung.taken_down_by == world.reporter_a
    assert AuditEvent.objects.filter(action="banners.placement.taken_down").count() == 1
    lists = unit_lists(world.ward_a, datetime.date(2024, 10, 20))
    assert lists.expired == [] and lists.down == [hung]


def test_bad_input_names_the_field_and_writes_nothing(
    world: World, campaign: Campaign, frozen: Callable[[datetime.date], None]
) -> None:
    frozen(datetime.date(2024, 9, 5))
    client = logged_in(world.reporter_a)
    page = client.post(f"/banners/units/{world.committee_a.pk}/new/", form_data(world, quantity="0")).content.decode()
    assert 'id="id_quantity_error"' in page or "errorlist" in page
    page = client.post(
        f"/banners/units/{world.committee_a.pk}/new/", form_data(world, start="2024-09-04", until="2024-09-01")
    ).content.decode()
    assert "Ngày cuối không thể trước ngày treo." in page
    photo = io.BytesIO(b"not a photo at all")
    photo.name = "banner.jpg"
    page = client.post(f"/banners/units/{world.committee_a.pk}/new/", form_data(world, photo=photo)).content.decode()
    assert "Tệp này không phải là ảnh" in page
    assert not Placement.objects.exists() and not Activity.objects.exists()


def test_a_member_records_from_the_field_api_once_with_its_photo_and_takes_it_down(
    world: World, campaign: Campaign, frozen: Callable[[datetime.date], None]
) -> None:
    frozen(datetime.date(2024, 9, 12))
    client, _raw = device_client(world.member_a)
    pid = str(uuid.uuid4())
    body = {"placements": [
        {"id": pid, "kind": "banner", "quantity": 2, "place_id": world.villages_a[1].pk, "address": "Chợ Khối 2",
         "start": "2024-09-12", "latitude": "21.853708", "longitude": "106.761519"},
        {"id": str(uuid.uuid4()), "kind": "banner", "quantity": 1, "place_id": world.village_b.pk,
         "start": "2024-09-12"},
    ]}  # fmt: skip
    answer = client.post("/api/v1/field/banners", body, content_type="application/json").json()
    assert [r["result"] for r in answer["results"]] == ["created", "refused"]
    assert answer["results"][1]["code"] == "invalid" and "thuộc địa bàn" in answer["results"][1]["message"]
    again = client.post(
        "/api/v1/field/banners", {"placements": body["placements"][:1]}, content_type="application/json"
    )
    assert again.json()["results"][0]["result"] == "same"
    placement = Placement.objects.get()
    assert placement.unit == world.team_a and placement.recorded_by == world.member_a
    # The team's banners count in the report of the committee of its ward.
    assert banner_count(campaign, world, datetime.date(2024, 9, 1)) == 2
    photo = jpeg()
    sent = client.post(f"/api/v1/field/banners/{pid}/photo", {"photo": io.BytesIO(photo)})
    assert sent.status_code == 201, sent.content
    assert client.post(f"/api/v1/field/banners/{pid}/photo", {"photo": io.BytesIO(photo)}).status_code == 200
    assert client.post(f"/api/v1/field/banners/{pid}/photo", {"photo": io.BytesIO(jpeg(800, 600))}).status_code == 409
    listed = client.get("/api/v1/field/banners").json()
    assert [(i["id"], i["state"], i["has_photo"]) for i in listed["items"]] == [(pid, "expiring", True)]
    assert {k["code"] for k in listed["kinds"]} == set(Placement.Kind.values)
    down = client.post(f"/api/v1/field/banners/{pid}/take-down", {}, content_type="application/json")
    assert down.json()["result"] == "taken_down"
    assert (
        client.post(f"/api/v1/field/banners/{pid}/take-down", {}, content_type="application/json").json()["result"]
        == "same"
    )
    assert client.get("/api/v1/field/banners").json()["items"] == []


def test_another_ward_sees_and_touches_nothing(
    world: World, campaign: Campaign, frozen: Callable[[datetime.date], None]
) -> None:
    frozen(datetime.date(2024, 9, 5))
    mine = services.placement_record_from_page(
        actor=world.reporter_a, campaign=campaign, unit=world.committee_a,
        data=services.PlacementInput(id=uuid.uuid4(), kind="ap_phich", quantity=40, place_id=world.ward_a.pk,
                                     start=datetime.date(2024, 9, 1)),
        photo=jpeg(),
    ).placement  # fmt: skip
    assert mine is not None
    other = logged_in(world.reporter_b)
    assert other.get(f"/banners/{mine.pk}/photo/").status_code == 404
    assert other.post(f"/banners/{mine.pk}/take-down/").status_code == 404
    assert other.get(f"/banners/units/{world.ward_a.pk}/").status_code == 404
    assert other.get(f"/banners/units/{world.committee_a.pk}/new/").status_code == 404
    assert "Áp phích" not in other.get(f"/banners/units/{world.ward_b.pk}/").content.decode()
    # Another ward's team's phone neither lists nor takes it down.
    from switchoff.people.models import Membership
    from switchoff.people.roles import Role
    from tests.conftest import make_user

    member_b = make_user("member.b", world.team_b, Role.TEAM_MEMBER)
    assert Membership.objects.filter(user=member_b).exists()
    client, _raw = device_client(member_b)
    assert client.get("/api/v1/field/banners").json()["items"] == []
    down = client.post(f"/api/v1/field/banners/{mine.pk}/take-down", {}, content_type="application/json")
    assert down.status_code == 404
    assert client.post(f"/api/v1/field/banners/{mine.pk}/photo", {"photo": io.BytesIO(jpeg())}).status_code == 404
    mine.refresh_from_db()
    assert mine.taken_down_on is None


def test_the_communes_page_loads_its_banners(world: World, campaign: Campaign) -> None:
    client: Client = logged_in(world.reporter_a)
    page = client.get(f"/units/{world.ward_a.pk}/").content.decode()
    assert f'hx-get="/banners/units/{world.ward_a.pk}/"' in page
    part = client.get(f"/banners/units/{world.ward_a.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert part.startswith('<div id="banners">') and "<html" not in part


def test_after_the_cutoff_the_page_asks_for_a_last_day_after_today_instead_of_an_expired_banner(
    world: World, campaign: Campaign, frozen: Callable[[datetime.date], None]
) -> None:
    frozen(datetime.date(2024, 9, 20))  # the cut-off, 16/09/2024, has passed
    client = logged_in(world.reporter_a)
    url = f"/banners/units/{world.committee_a.pk}/new/"
    page = client.get(url).content.decode()
    assert "Ngày dừng công nghệ (16/09/2024) đã qua" in page
    empty = client.post(url, form_data(world, start="19/09/2024"))
    assert empty.status_code == 200 and "hãy ghi ngày cuối cùng" in empty.context["form"].errors["until"][0]
    past = client.post(url, form_data(world, start="19/09/2024", until="20/09/2024"))
    assert past.status_code == 200 and "20/09/2024" in past.context["form"].errors["until"][0]
    assert Placement.objects.count() == 0 and Activity.objects.count() == 0
    done = client.post(url, form_data(world, start="19/09/2024", until="30/09/2024"))
    assert done.status_code == 302
    placement = Placement.objects.get()
    assert placement.last_day == datetime.date(2024, 9, 30)
    assert [p.pk for p in unit_lists(world.committee_a, datetime.date(2024, 9, 20)).up] == [placement.pk]
