"""The content library: the coordinator uploads versions, every unit downloads through a checked POST that records
who, the coordinator sees who has not taken the current version and reminds them, superseded versions stay."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile

from switchoff.campaigns.models import Campaign
from switchoff.library.models import Material, MaterialDownload, MaterialVersion
from switchoff.reports.models import Notification
from tests.conftest import World, logged_in
from tests.reporting import make_campaign
from tests.s3 import Bucket, files_under, machine

# 320 words: two minutes on the loudspeakers at 160 words a minute.
SCRIPT = ("Thông báo dừng công nghệ di động 2G từ ngày 16 tháng 9 năm 2024 tỉnh. " * 20).strip()


@pytest.fixture
def campaign(world: World) -> Campaign:
    return make_campaign(world)


def add_script(world: World, campaign: Campaign, text: str = SCRIPT) -> Material:
    coordinator = logged_in(world.coordinator)
    loudspeaker = campaign.forms.get(code="loudspeaker")
    response = coordinator.post(
        f"/library/campaigns/{campaign.pk}/new/",
        {"title": "Bài phát thanh dừng 2G", "kind": "script", "forms": [str(loudspeaker.pk)],
         "dated": "01/08/2024", "text": text},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    return Material.objects.get(title="Bài phát thanh dừng 2G", campaign=campaign)


def test_the_coordinator_uploads_a_script_and_its_reading_time_shows(world: World, campaign: Campaign) -> None:
    material = add_script(world, campaign)
    version = material.versions.get()
    assert version.number == 1 and version.words == 320 and version.reading_time == (2, 0)
    page = logged_in(world.reporter_a).get(f"/library/campaigns/{campaign.pk}/").content.decode()
    assert "Bài phát thanh dừng 2G" in page and "Phát thanh trên loa truyền thanh cơ sở" in page
    assert "320 từ, khoảng 2 phút 0 giây trên loa" in page
    assert "Thêm tài liệu" not in page  # only the coordinator adds


def test_a_unit_downloads_and_the_coordinator_sees_who_has_not_and_reminds_them(
    world: World, campaign: Campaign, django_capture_on_commit_callbacks: Any
) -> None:
    material = add_script(world, campaign)
    version = material.versions.get()
    reporter = logged_in(world.reporter_a)
    assert reporter.get(f"/library/versions/{version.pk}/download/").status_code == 405
    taken = reporter.post(f"/library/versions/{version.pk}/download/")
    assert taken.status_code == 200 and taken["Content-Disposition"] == 'attachment; filename="v1.txt"'
    assert taken.content.decode() == SCRIPT
    assert list(MaterialDownload.objects.values_list("unit", "user")) == [(world.committee_a.pk, world.reporter_a.pk)]
    coordinator = logged_in(world.coordinator)
    page = coordinator.get(f"/library/materials/{material.pk}/").content.decode()
    taken_part = page.split('id="taken"')[1]
    missing_part = page.split('id="missing"')[1].split('id="taken"')[0]
    assert "UBND phường Lương Văn Tri" in taken_part
    assert "UBND phường Đông Kinh" in missing_part and "Viettel Lạng Sơn" in missing_part
    assert "UBND phường Lương Văn Tri" not in missing_part
    world.reporter_b.email = "dongkinh@example.vn"
    world.reporter_b.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        with_mail = coordinator.post(f"/library/materials/{material.pk}/remind/")
    assert with_mail.status_code == 302
    told = set(Notification.objects.values_list("user__username", flat=True))
    assert told == {"reporter.b", "viettel"}
    assert "Bài phát thanh dừng 2G" in Notification.objects.get(user=world.reporter_b).text
    assert [m.to for m in mail.outbox] == [["dongkinh@example.vn"]]
    # A unit's reporter cannot remind, nor add a version.
    assert reporter.post(f"/library/materials/{material.pk}/remind/").status_code in {403, 404}
    assert reporter.post(f"/library/materials/{material.pk}/", {"dated": "2024-08-02", "text": "x"}).status_code == 404


def test_a_new_version_supersedes_the_old_which_stays_readable(world: World, campaign: Campaign) -> None:
    material = add_script(world, campaign)
    coordinator = logged_in(world.coordinator)
    leaflet = SimpleUploadedFile("to-roi-2G-v2.pdf", b"%PDF-1.4 to roi v2", content_type="application/pdf")
    response = coordinator.post(
        f"/library/materials/{material.pk}/",
        {"dated": "2024-08-20", "text": SCRIPT + " Xin cảm ơn.", "note": "Thêm lời cảm ơn", "file": leaflet},
    )
    assert response.status_code == 302
    first, second = MaterialVersion.objects.order_by("number")
    assert second.number == 2 and second.file_name == "to-roi-2G-v2.pdf"
    assert second.file.name and storages["library"].exists(second.file.name)
    with pytest.raises(ValueError):
        storages["library"].url(second.file.name)
    reporter = logged_in(world.reporter_a)
    page = reporter.get(f"/library/materials/{material.pk}/").content.decode()
    assert "hiện hành" in page and "đã thay thế" in page
    old = reporter.post(f"/library/versions/{first.pk}/download/")
    assert old.status_code == 200 and old.content.decode() == SCRIPT
    new = reporter.post(f"/library/versions/{second.pk}/download/")
    assert b"".join(new.streaming_content) == b"%PDF-1.4 to roi v2"  # type: ignore[attr-defined]
    # The current version is v2: the unit that took v1 only is not counted as having it.
    page = coordinator.get(f"/library/materials/{material.pk}/").content.decode()
    assert "Ai đã nhận phiên bản 2" in page


def test_bad_input_names_the_field(world: World, campaign: Campaign) -> None:
    coordinator = logged_in(world.coordinator)
    page = coordinator.post(
        f"/library/campaigns/{campaign.pk}/new/",
        {"title": "Video hướng dẫn", "kind": "video", "dated": "2024-08-01"},
    ).content.decode()
    assert "Video được cung cấp bằng đường liên kết." in page
    page = coordinator.post(
        f"/library/campaigns/{campaign.pk}/new/", {"title": "Tờ rơi", "kind": "leaflet", "dated": "2024-08-01"}
    ).content.decode()
    assert "Hãy đính kèm tệp." in page
    assert not Material.objects.exists()


def test_another_campaigns_unit_sees_nothing(world: World, campaign: Campaign) -> None:
    own = make_campaign(world)
    own.area = world.ward_a
    own.save()
    material = add_script(world, own)
    version = material.versions.get()
    other = logged_in(world.reporter_b)
    assert other.get(f"/library/campaigns/{own.pk}/").status_code == 404
    assert other.get(f"/library/materials/{material.pk}/").status_code == 404
    assert other.post(f"/library/versions/{version.pk}/download/").status_code == 404
    assert not MaterialDownload.objects.exists()


def test_files_written_on_one_machine_are_read_on_another_from_the_bucket(
    world: World, campaign: Campaign, s3_bucket: Bucket, tmp_path: Path
) -> None:
    """A library file and a banner's photo go to the S3-compatible store, each under its own private prefix."""
    import datetime
    import io
    import uuid

    from PIL import Image

    from switchoff.banners.services import PlacementInput, placement_record_from_page

    leaflet = SimpleUploadedFile("to-roi.pdf", b"%PDF-1.4 to roi", content_type="application/pdf")
    image = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(image, "JPEG")
    with machine(s3_bucket, tmp_path / "a"):
        material = add_script(world, campaign)
        coordinator = logged_in(world.coordinator)
        assert coordinator.post(f"/library/materials/{material.pk}/", {"dated": "2024-08-20", "text": SCRIPT,
                                                                       "file": leaflet}).status_code == 302  # fmt: skip
        placement = placement_record_from_page(
            actor=world.reporter_a, campaign=campaign, unit=world.committee_a,
            data=PlacementInput(id=uuid.uuid4(), kind="pano", quantity=1, place_id=world.ward_a.pk,
                                start=datetime.date(2024, 9, 1)),
            photo=image.getvalue(),
        ).placement  # fmt: skip
        assert placement is not None
    with machine(s3_bucket, tmp_path / "b"):
        version = MaterialVersion.objects.get(number=2)
        got = logged_in(world.reporter_b).post(f"/library/versions/{version.pk}/download/")
        assert b"".join(got.streaming_content) == b"%PDF-1.4 to roi"  # type: ignore[attr-defined]
        shown = logged_in(world.reporter_a).get(f"/banners/{placement.pk}/photo/")
        assert b"".join(shown.streaming_content)[:2] == b"\xff\xd8"  # type: ignore[attr-defined]
        with pytest.raises(ValueError, match="no public URL"):
            version.file.url  # noqa: B018
    assert s3_bucket.objects("library/") == [f"library/{version.file.name}"]
    assert s3_bucket.objects("banners/") == [f"banners/{placement.photo.name}"]
    assert files_under(tmp_path) == []


def test_an_activity_names_the_material_it_used_and_the_library_counts_the_uses(
    world: World, campaign: Campaign
) -> None:
    import uuid

    material = add_script(world, campaign)
    version = material.versions.get()
    reporter = logged_in(world.reporter_a)
    url = f"/campaigns/{campaign.pk}/units/{world.committee_a.pk}/activities/?month=2024-08"
    page = reporter.get(url).content.decode()
    assert "Tài liệu trong thư viện đã dùng (không bắt buộc)" in page and "Bài phát thanh dừng 2G v1" in page
    loudspeaker = campaign.forms.get(code="loudspeaker")
    for count in (3, 2):
        answer = reporter.post(url, {"client_key": uuid.uuid4().hex, "month": "2024-08", "date": "05/08/2024",
                                     "form": loudspeaker.pk, "count": count, "material": version.pk})  # fmt: skip
        assert answer.status_code == 302, answer.content.decode()[:2000]
    assert "đã dùng: Bài phát thanh dừng 2G v1" in reporter.get(url).content.decode()
    usage = logged_in(world.coordinator).get(f"/library/campaigns/{campaign.pk}/").content.decode()
    row = usage.split('id="usage"')[1]
    assert "<td>Bài phát thanh dừng 2G v1</td><td>2</td><td>5</td>" in row
    # Another campaign's material is refused, naming the field.
    other = make_campaign(world)
    foreign = add_script(world, other, text="Khác.").versions.get()
    from django.core.exceptions import ValidationError

    from switchoff.reports.services import activity_create

    with pytest.raises(ValidationError) as refused:
        activity_create(actor=world.reporter_a, campaign=campaign, unit=world.committee_a,
                        day=__import__("datetime").date(2024, 8, 6), form=loudspeaker, count=1,
                        client_key="x", material=foreign)  # fmt: skip
    assert "material" in refused.value.message_dict


def test_the_demo_library_has_a_loudspeaker_script_and_a_leaflet_a_reporter_can_take(demo: None) -> None:
    from io import BytesIO

    from docx import Document

    from switchoff.people.models import User

    campaign = Campaign.objects.get()
    reporter = logged_in(User.objects.get(username="reporter.lvt"))
    page = reporter.get(f"/library/campaigns/{campaign.pk}/").content.decode()
    assert "Bài phát thanh: dừng sóng 2G, bà con cần làm gì" in page
    assert "Tờ rơi: dừng sóng 2G – đổi sang điện thoại 4G" in page
    script = MaterialVersion.objects.get(material__kind=Material.Kind.SCRIPT)
    assert "16 tháng 9 năm 2024" in script.text and "*#06#" in script.text and script.reading_time[0] >= 1
    leaflet = MaterialVersion.objects.get(material__kind=Material.Kind.LEAFLET)
    taken = reporter.post(f"/library/versions/{leaflet.pk}/download/")
    assert taken["Content-Disposition"] == 'attachment; filename="to-roi-dung-song-2g.docx"'
    text = "\n".join(p.text for p in Document(BytesIO(b"".join(taken.streaming_content))).paragraphs)  # type: ignore[attr-defined]
    assert "Vì sao dừng sóng 2G?" in text and "Hỗ trợ ở đâu?" in text and "Bạn cần làm gì?" in text
