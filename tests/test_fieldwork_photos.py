"""A visit's photo: kept only with the person's consent, checked to be an image, stripped of its EXIF,
idempotent by the phone's id, and shown on the case page only to who may see the case, each view logged."""

from __future__ import annotations

import datetime
import io
import os
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from PIL import ExifTags, Image

from switchoff.audit.models import AuditEvent
from switchoff.fieldwork.models import Visit, VisitPhoto
from switchoff.fieldwork.photos import sweep_orphan_photos
from switchoff.fieldwork.services import PhotoRefused, visit_photo_add, visits_record
from switchoff.people.roles import Role
from switchoff.subscribers.models import NumberView
from tests.conftest import World, logged_in, make_user
from tests.fieldwork_helpers import Field, device_client, open_field, visit, visit_json


def jpeg(size: tuple[int, int] = (2000, 1500), colour: str = "red", *, gps: bool = True) -> bytes:
    """A camera's JPEG: its maker, an orientation and (by default) the place where it was taken in its EXIF."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Orientation] = 6  # taken sideways: the kept photo is turned upright
    if gps:
        exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (21.0, 50.0, 0.0)}
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", exif=exif)
    return out.getvalue()


def recorded(world: World, field: Field, **consent: Any) -> Visit:
    (result,) = visits_record(actor=world.member_a, visits=[visit(field.an, "informed", **consent)])
    assert result.result == "created"
    return Visit.objects.get(pk=result.id)


def upload(client: Client, visit_id: Any, photo_id: Any, content: bytes, name: str = "p.jpg") -> Any:
    return client.post(
        f"/api/v1/field/visits/{visit_id}/photos",
        {"id": str(photo_id), "photo": SimpleUploadedFile(name, content, content_type="image/jpeg")},
    )


def kept(photo: VisitPhoto) -> Image.Image:
    with photo.file.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


def test_a_photo_with_consent_is_kept_upright_bounded_and_without_exif(world: World) -> None:
    field = open_field(world)
    made = recorded(world, field, consent_photo=True)
    client, _raw = device_client(world.member_a)
    photo_id = uuid.uuid4()
    answer = upload(client, made.pk, photo_id, jpeg())
    assert answer.status_code == 201, answer.content
    assert answer.json()["result"] == "created"
    photo = VisitPhoto.objects.get()
    assert photo.pk == photo_id and photo.visit_id == made.pk and photo.member == world.member_a
    image = kept(photo)
    assert image.format == "JPEG"
    # Turned upright (the camera said "sideways"), then bounded to the longest side.
    assert (image.width, image.height) == (960, 1280) == (photo.width, photo.height)
    assert dict(image.getexif()) == {} and not photo.located
    assert AuditEvent.objects.filter(action="fieldwork.photo.added").count() == 1


def test_the_place_in_the_photo_stays_only_with_the_location_consent_too(world: World) -> None:
    field = open_field(world)
    made = recorded(world, field, consent_photo=True, consent_location=True)
    result = visit_photo_add(actor=world.member_a, visit_id=made.pk, photo_id=uuid.uuid4(), content=jpeg())
    image = kept(result.photo)
    assert result.photo.located
    assert dict(image.getexif().get_ifd(ExifTags.IFD.GPSInfo))[ExifTags.GPS.GPSLatitudeRef] == "N"
    assert ExifTags.Base.Make not in image.getexif()  # the camera's maker does not survive


def test_without_the_persons_consent_the_photo_is_refused_422(world: World) -> None:
    field = open_field(world)
    made = recorded(world, field)
    client, _raw = device_client(world.member_a)
    answer = upload(client, made.pk, uuid.uuid4(), jpeg())
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "no_consent"
    assert "không đồng ý chụp ảnh" in answer.json()["error"]["message"]
    assert not VisitPhoto.objects.exists()


def test_a_retried_upload_is_harmless_and_the_same_id_with_other_bytes_is_409(world: World) -> None:
    field = open_field(world)
    made = recorded(world, field, consent_photo=True)
    client, _raw = device_client(world.member_a)
    photo_id = uuid.uuid4()
    content = jpeg()
    assert upload(client, made.pk, photo_id, content).status_code == 201
    again = upload(client, made.pk, photo_id, content)
    assert again.status_code == 200 and again.json()["result"] == "same"
    other = upload(client, made.pk, photo_id, jpeg(colour="blue"))
    assert other.status_code == 409 and other.json()["error"]["code"] == "conflict"
    assert VisitPhoto.objects.count() == 1
    assert AuditEvent.objects.filter(action="fieldwork.photo.added").count() == 1
    # Its file holds the first photo still (red), not the refused one.
    red, _g, blue = kept(VisitPhoto.objects.get()).getpixel((10, 10))  # type: ignore[misc]
    assert red > 200 and blue < 50


@pytest.mark.parametrize(
    "content",
    [b"not a photo at all", b"%PDF-1.4\n" + b"0" * 200, jpeg()[:400]],
    ids=["text", "pdf", "truncated-jpeg"],
)
def test_a_file_that_is_not_an_image_is_refused_422(world: World, content: bytes) -> None:
    field = open_field(world)
    made = recorded(world, field, consent_photo=True)
    client, _raw = device_client(world.member_a)
    answer = upload(client, made.pk, uuid.uuid4(), content)
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "not_an_image"
    assert not VisitPhoto.objects.exists()


@override_settings(FIELD_PHOTO_MAX_BYTES=20_000)
def test_a_photo_over_the_limit_is_refused_413(world: World) -> None:
    field = open_field(world)
    made = recorded(world, field, consent_photo=True)
    client, _raw = device_client(world.member_a)
    big = io.BytesIO()
    Image.effect_noise((400, 400), 100).convert("RGB").save(big, "PNG")
    assert len(big.getvalue()) > 20_000
    answer = upload(client, made.pk, uuid.uuid4(), big.getvalue(), "p.png")
    assert answer.status_code == 413 and answer.json()["error"]["code"] == "too_large"
    assert not VisitPhoto.objects.exists()


@override_settings(FIELD_PHOTOS_PER_VISIT=1)
def test_a_visit_holds_a_few_photos_at_most(world: World) -> None:
    field = open_field(world)
    made = recorded(world, field, consent_photo=True)
    visit_photo_add(actor=world.member_a, visit_id=made.pk, photo_id=uuid.uuid4(), content=jpeg())
    with pytest.raises(PhotoRefused) as refused:
        visit_photo_add(actor=world.member_a, visit_id=made.pk, photo_id=uuid.uuid4(), content=jpeg(colour="blue"))
    assert refused.value.code == "too_many" and refused.value.status == 422


def test_another_teams_member_cannot_add_a_photo_to_a_visit_of_team_a(world: World) -> None:
    field = open_field(world)
    made = recorded(world, field, consent_photo=True)
    member_b = make_user("member.b", world.team_b, Role.TEAM_MEMBER)
    client, _raw = device_client(member_b)
    answer = upload(client, made.pk, uuid.uuid4(), jpeg())
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
    # Nor a teammate on someone else's visit: a photo belongs to the visit's own member.
    with pytest.raises(PhotoRefused):
        visit_photo_add(actor=world.leader_a, visit_id=made.pk, photo_id=uuid.uuid4(), content=jpeg())
    assert not VisitPhoto.objects.exists()


def test_the_photo_is_shown_only_to_who_sees_the_case_never_cached_and_each_view_is_logged(world: World) -> None:
    field = open_field(world)
    made = recorded(world, field, consent_photo=True)
    photo = visit_photo_add(actor=world.member_a, visit_id=made.pk, photo_id=uuid.uuid4(), content=jpeg()).photo
    url = reverse("fieldwork:photo", kwargs={"photo_id": photo.pk})
    leader = logged_in(world.leader_a)
    page = leader.get(reverse("fieldwork:case", kwargs={"case_id": field.an.pk}))
    assert url in page.content.decode()
    # Opening the case page shows the link, not the photo: nothing logged yet.
    assert not AuditEvent.objects.filter(action="fieldwork.photo.viewed").exists()
    answer = leader.get(url)
    assert answer.status_code == 200 and answer["Content-Type"] == "image/jpeg"
    assert answer["Cache-Control"] == "no-store, private"
    assert b"".join(answer.streaming_content)[:2] == b"\xff\xd8"  # type: ignore[attr-defined]
    leader.get(url)
    views = AuditEvent.objects.filter(action="fieldwork.photo.viewed", actor=world.leader_a)
    assert views.count() == 2 and views.first().data["case"] == field.an.pk  # type: ignore[union-attr]
    assert NumberView.objects.filter(user=world.leader_a, purpose="photo").count() == 2
    # Another ward's official and another team's member: refused, and nothing is logged for them.
    member_b = make_user("member.b", world.team_b, Role.TEAM_MEMBER)
    for outsider in (world.reporter_b, member_b):
        assert logged_in(outsider).get(url).status_code == 404
        assert not AuditEvent.objects.filter(action="fieldwork.photo.viewed", actor=outsider).exists()
    assert Client().get(url).status_code == 302  # to the login page
    # Never a public URL: the file's storage has none.
    with pytest.raises(ValueError):
        photo.file.url  # noqa: B018


def test_the_page_visit_form_takes_a_photo_with_consent_and_refuses_one_without(world: World) -> None:
    field = open_field(world)
    client = logged_in(world.member_a)
    url = reverse("fieldwork:case_visit", kwargs={"case_id": field.an.pk})
    form = client.get(url).content.decode()
    assert 'capture="environment"' in form and 'enctype="multipart/form-data"' in form
    base = {"id": str(uuid.uuid4()), "photo_id": str(uuid.uuid4()), "case_version": field.an.version,
            "visited_at": "2026-12-01T09:00", "outcome": "informed"}  # fmt: skip
    refused = client.post(url, {**base, "photo": SimpleUploadedFile("p.jpg", jpeg(), content_type="image/jpeg")})
    assert refused.status_code == 200
    assert "Đánh dấu người được thăm đồng ý chụp ảnh" in refused.content.decode()
    assert not Visit.objects.exists()
    # Not an image: neither the visit nor the photo is kept (both or neither).
    bad = client.post(url, {**base, "consent_photo": "on", "photo": SimpleUploadedFile("p.jpg", b"nope")})
    assert bad.status_code == 200 and not Visit.objects.exists() and not VisitPhoto.objects.exists()
    fields = {**base, "consent_photo": "on", "photo": SimpleUploadedFile("p.jpg", jpeg(), content_type="image/jpeg")}
    assert client.post(url, fields).status_code == 302
    again = {**fields, "photo": SimpleUploadedFile("p.jpg", jpeg(), content_type="image/jpeg")}
    assert client.post(url, again).status_code == 302  # sent twice: the same visit, the same photo
    assert Visit.objects.count() == 1 and VisitPhoto.objects.get().visit_id == uuid.UUID(str(base["id"]))


def test_the_visit_json_of_the_app_carries_the_consent(world: World) -> None:
    """The phone sends the visit first (its consent recorded), then the photo with the visit's id."""
    field = open_field(world)
    client, _raw = device_client(world.member_a)
    body = visit_json(field.an, "informed", consent_photo=True)
    assert client.put(f"/api/v1/field/visits/{body['id']}", body, content_type="application/json").status_code == 201
    assert upload(client, body["id"], uuid.uuid4(), jpeg()).status_code == 201


def test_a_photo_file_left_without_its_row_is_swept_once_it_is_old(world: World) -> None:
    field = open_field(world)
    made = recorded(world, field, consent_photo=True)
    client, _raw = device_client(world.member_a)
    assert upload(client, made.pk, uuid.uuid4(), jpeg()).status_code == 201
    kept_file = Path(VisitPhoto.objects.get().file.path)
    # A file written by a request whose transaction was then rolled back: no row names it.
    orphan = Path(settings.FIELD_PHOTO_DIR) / "2026/11" / f"{uuid.uuid4()}.jpg"
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(jpeg())
    recent = orphan.with_name(f"{uuid.uuid4()}.jpg")
    recent.write_bytes(jpeg())
    two_hours_ago = time.time() - 7200
    for path in (orphan, kept_file):
        os.utime(path, (two_hours_ago, two_hours_ago))
    assert sweep_orphan_photos(older_than=datetime.timedelta(hours=1)) == 1
    assert not orphan.exists()
    assert kept_file.exists() and recent.exists()  # its row names it; too recent to judge
    recent.unlink()
