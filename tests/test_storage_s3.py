"""Files in an S3-compatible bucket, shared by machines that share nothing else of their disks.

Each "machine" is a set of settings with its own var folder and the storages in one bucket of moto's S3 server
(tests/s3.py), started by the tests on loopback. What one machine uploads, checks or records, another checks,
confirms, pages or shows; neither writes anything another one needs to its own folder.
"""

from __future__ import annotations

import datetime
import io
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client, TestCase
from django.urls import reverse
from openpyxl import load_workbook

from switchoff.fieldwork.models import VisitPhoto
from switchoff.fieldwork.photos import sweep_orphan_photos
from switchoff.fieldwork.services import visit_photo_add
from switchoff.lib.storage import local_file
from switchoff.lib.uploads import KINDS, expire_uploads, find_upload, store_upload, upload_storage
from switchoff.subscribers.models import ImportJob, Subscriber
from switchoff.units.models import Unit
from tests.conftest import World, logged_in
from tests.fieldwork_helpers import open_field
from tests.s3 import Bucket, files_under, machine, new_bucket
from tests.test_fieldwork_photos import jpeg, recorded
from tests.test_registry_api import client_for
from tests.test_workbook import workbook

ROOT = Path(__file__).resolve().parent.parent

# An operator's list as it comes: a number without its 0, a repeated number, a number that is not one.
LIST = (
    "STT;Số thuê bao;Họ và tên;Địa chỉ\n"
    "1;868000001;Lò Văn Em;Khối 1, Phường Lương Văn Tri\n"
    "2;0868000002;Hà Thị Hoa;Khối 2, Phường Lương Văn Tri\n"
    "3;0868000001;Trùng Số;Khối 1, Phường Lương Văn Tri\n"
    "4;09x;Nông Văn Tư;Khối 3, Phường Lương Văn Tri\n"
).encode()


def test_a_list_uploaded_on_one_machine_is_checked_by_another_and_confirmed_on_a_third(
    world: World, s3_bucket: Bucket, tmp_path: Path
) -> None:
    a, b, worker = tmp_path / "a", tmp_path / "b", tmp_path / "worker"
    data = {"operator": world.operator.pk, "area": world.province.pk, "as_of": "01/08/2024"}
    with machine(s3_bucket, a), TestCase.captureOnCommitCallbacks(execute=False) as pending:
        answer = logged_in(world.operator_staff).post(
            reverse("subscribers:import"), {**data, "file": SimpleUploadedFile("danh-sach.csv", LIST)}
        )
    job = ImportJob.objects.get()
    assert answer["Location"] == reverse("subscribers:job", args=[job.pk])
    with machine(s3_bucket, worker):  # a worker on another machine takes the check
        for callback in pending:
            callback()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED
    assert job.checked["summary"]["rejected"] == {"number_duplicate": 1, "number_not_a_number": 1}
    with machine(s3_bucket, b):
        client = logged_in(world.operator_staff)
        page = client.get(reverse("subscribers:job", args=[job.pk])).content.decode()
        assert "09x" in page and "(dòng 2)" in page  # the problems, read from the bucket on B
        rejected = client.get(reverse("subscribers:job_rejected", args=[job.pk]))
        sheet = load_workbook(io.BytesIO(rejected.content)).active
        assert sheet is not None
        cells = {str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value is not None}
        assert {"09x", "Nông Văn Tư", "Trùng Số"} <= cells
        with TestCase.captureOnCommitCallbacks(execute=True):
            client.post(reverse("subscribers:job_confirm", args=[job.pk]), {"confirm": "1"})
    job.refresh_from_db()
    assert (job.status, job.message) == (ImportJob.Status.DONE, "")
    assert sorted(Subscriber.objects.values_list("name", flat=True)) == ["Hà Thị Hoa", "Lò Văn Em"]
    # Done: the upload, its rows and problems are gone from the bucket; no machine kept a file of it.
    assert s3_bucket.objects("uploads/") == []
    assert files_under(a) == files_under(b) == files_under(worker) == []


def test_the_apis_upload_on_one_machine_is_read_and_confirmed_on_another(
    world: World, s3_bucket: Bucket, tmp_path: Path
) -> None:
    fields = {"operator_id": world.operator.pk, "area_id": world.province.pk}
    with machine(s3_bucket, tmp_path / "a"), TestCase.captureOnCommitCallbacks(execute=True):  # and A's worker
        checked = client_for(world.operator_staff).post(
            "/api/v1/registry/files", {"file": SimpleUploadedFile("a.csv", LIST), **fields, "as_of": "2024-08-01"}
        )
    assert checked.status_code == 202, checked.content
    upload_id = checked.json()["upload_id"]
    with machine(s3_bucket, tmp_path / "b"):
        client = client_for(world.operator_staff)
        read = client.get(f"/api/v1/registry/files/{upload_id}", fields).json()
        assert read["problems_total"] == 2 and {p["value"] for p in read["problems"]} >= {"09x"}
        with TestCase.captureOnCommitCallbacks(execute=True):
            confirmed = client.post(
                f"/api/v1/registry/files/{upload_id}/confirm", fields, content_type="application/json"
            )
    assert confirmed.status_code == 202, confirmed.content
    assert ImportJob.objects.get().status == ImportJob.Status.DONE
    assert Subscriber.objects.count() == 2
    assert files_under(tmp_path) == []


def test_a_villages_workbook_checked_on_one_machine_is_confirmed_on_another(
    world: World, s3_bucket: Bucket, tmp_path: Path
) -> None:
    url = reverse("units:workbook_import", args=[world.ward_a.pk])
    stream = workbook(villages=[[1, "Khối 7"]], teams=[])
    stream.name = "thon.xlsx"
    with machine(s3_bucket, tmp_path / "a"):
        page = logged_in(world.reporter_a).post(url, {"file": stream})
    assert page.status_code == 200 and not Unit.objects.filter(name="Khối 7").exists()
    with machine(s3_bucket, tmp_path / "b"):
        done = logged_in(world.reporter_a).post(url, {"upload_id": page.context["upload_id"]})
    assert done.status_code == 302, done.content
    assert Unit.objects.filter(name="Khối 7", parent=world.ward_a).count() == 1
    assert s3_bucket.objects("uploads/") == [] and files_under(tmp_path) == []


def test_a_photo_recorded_on_one_machine_is_viewed_on_another_and_orphans_are_swept_from_the_bucket(
    world: World, s3_bucket: Bucket, tmp_path: Path
) -> None:
    field = open_field(world)
    made = recorded(world, field, consent_photo=True)
    content = jpeg()
    with machine(s3_bucket, tmp_path / "a"):
        photo = visit_photo_add(actor=world.member_a, visit_id=made.pk, photo_id=uuid.uuid4(), content=content).photo
        orphan = storages["photos"].save(f"2026/11/{uuid.uuid4()}.jpg", ContentFile(content))
    with machine(s3_bucket, tmp_path / "b"):
        answer = logged_in(world.leader_a).get(reverse("fieldwork:photo", kwargs={"photo_id": photo.pk}))
        assert answer.status_code == 200
        kept = b"".join(answer.streaming_content)  # type: ignore[attr-defined]
        assert kept[:2] == b"\xff\xd8"
        with pytest.raises(ValueError, match="no public URL"):
            VisitPhoto.objects.get().file.url  # noqa: B018
        assert sweep_orphan_photos(older_than=datetime.timedelta(hours=1)) == 0  # too recent to judge
        assert sweep_orphan_photos(older_than=datetime.timedelta(0)) == 1
    remaining = s3_bucket.objects()
    assert s3_bucket.objects("photos/") == [f"photos/{photo.file.name}"] and f"photos/{orphan}" not in remaining
    assert files_under(tmp_path) == []


def test_evidence_logged_on_one_machine_is_downloaded_on_another_by_who_sees_the_log(
    world: World, s3_bucket: Bucket, tmp_path: Path
) -> None:
    from switchoff.reports.services import activity_create
    from tests.reporting import make_campaign

    campaign = make_campaign(world)
    with machine(s3_bucket, tmp_path / "a"):
        activity, _ = activity_create(
            actor=world.reporter_a, campaign=campaign, unit=world.committee_a, day=datetime.date(2024, 7, 5),
            form=campaign.forms.get(code="loudspeaker"), count=3, client_key="evidence",
            evidence_file=SimpleUploadedFile("bien-ban.txt", "Biên bản phát thanh 05/7".encode()),
        )  # fmt: skip
    (key,) = s3_bucket.objects("media/evidence/")
    url = reverse("reports:activity_evidence", args=[campaign.pk, world.committee_a.pk, activity.pk])
    with machine(s3_bucket, tmp_path / "b"):
        page = logged_in(world.reporter_a).get(
            reverse("reports:activities", args=[campaign.pk, world.committee_a.pk]), {"month": "2024-07"}
        )
        assert url in page.content.decode() and s3_bucket.endpoint not in page.content.decode()
        answer = logged_in(world.reporter_a).get(url)
        assert answer.status_code == 200 and answer["Content-Disposition"].startswith("attachment")
        assert b"".join(answer.streaming_content).decode() == "Biên bản phát thanh 05/7"  # type: ignore[attr-defined]
        assert logged_in(world.reporter_b).get(url).status_code in {403, 404}
    assert key.startswith("media/evidence/") and files_under(tmp_path) == []


def test_every_kind_of_upload_expires_from_the_bucket(world: World, s3_bucket: Bucket, tmp_path: Path) -> None:
    with machine(s3_bucket, tmp_path):
        names = [store_upload(kind, 7, SimpleUploadedFile("f.xlsx", b"PK"))[1] for kind in KINDS]
        assert expire_uploads(older_than=datetime.timedelta(hours=1)) == 0
        assert all(
            find_upload(kind, 7, name.split("/")[1][:36]) == name for kind, name in zip(KINDS, names, strict=True)
        )
        assert expire_uploads(older_than=datetime.timedelta(0)) == len(KINDS)
    assert s3_bucket.objects() == []


def test_a_worker_reads_an_object_through_a_temporary_copy_removed_after(s3_bucket: Bucket, tmp_path: Path) -> None:
    with machine(s3_bucket, tmp_path):
        _id, name = store_upload("subscribers", 7, SimpleUploadedFile("big.csv", LIST))
        with local_file(upload_storage(), name) as path:
            assert path.read_bytes() == LIST and not path.is_relative_to(tmp_path)
        assert not path.exists()


def test_a_backup_of_the_bucket_is_restored_into_an_empty_one(
    world: World, s3_server: str, s3_bucket: Bucket, tmp_path: Path
) -> None:
    field = open_field(world)
    made = recorded(world, field, consent_photo=True)
    with machine(s3_bucket, tmp_path / "a"):
        photo = visit_photo_add(actor=world.member_a, visit_id=made.pk, photo_id=uuid.uuid4(), content=jpeg()).photo
        storages["default"].save("evidence/loa-phuong.txt", ContentFile("Phát thanh ngày 05/8".encode()))
        store_upload("units", world.ward_a.pk, SimpleUploadedFile("thon.xlsx", b"PK"))
        call_command("backup_storages", str(tmp_path / "backup.tar"))
    empty = new_bucket(s3_server)
    with machine(empty, tmp_path / "b"):
        call_command("restore_storages", str(tmp_path / "backup.tar"))
        answer = logged_in(world.leader_a).get(reverse("fieldwork:photo", kwargs={"photo_id": photo.pk}))
        with storages["default"].open("evidence/loa-phuong.txt") as evidence:
            assert evidence.read().decode() == "Phát thanh ngày 05/8"
    assert answer.status_code == 200
    assert empty.objects() == s3_bucket.objects() and len(empty.objects()) == 3
    with machine(s3_bucket, tmp_path / "a"), photo.file.open("rb") as original:
        assert b"".join(answer.streaming_content) == original.read()  # type: ignore[attr-defined]


def test_a_process_configured_by_the_environment_reads_what_another_wrote(s3_bucket: Bucket, tmp_path: Path) -> None:
    with machine(s3_bucket, tmp_path / "a"):
        _id, name = store_upload("devices", 7, SimpleUploadedFile("may.csv", "Mã TAC;Hãng\n35000001;Nokia\n".encode()))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SWITCHOFF_", "STORAGE_S3_"))}
    env.update(s3_bucket.env(), SWITCHOFF_VAR_DIR=str(tmp_path / "b"), DJANGO_SETTINGS_MODULE="switchoff.settings")
    script = "import sys, django; django.setup(); from switchoff.lib.uploads import read_upload; "
    script += "sys.stdout.buffer.write(read_upload(sys.argv[1]))"
    read = subprocess.run([sys.executable, "-c", script, name], env=env, cwd=ROOT, capture_output=True, timeout=120,
                          check=False)  # fmt: skip
    assert read.returncode == 0, read.stderr.decode()
    assert read.stdout.decode() == "Mã TAC;Hãng\n35000001;Nokia\n"
    assert not (tmp_path / "b" / "imports").exists()


@pytest.mark.django_db
def test_health_checks_the_bucket(s3_server: str, s3_bucket: Bucket, tmp_path: Path) -> None:
    with machine(s3_bucket, tmp_path):
        assert health() == (200, "ok")
    with machine(Bucket(s3_server, "switchoff-no-such-bucket"), tmp_path):
        status, storage = health()
    assert status == 503 and storage.startswith("failed")


def health() -> tuple[int, Any]:
    answer = Client().get("/health/")
    return answer.status_code, answer.json()["checks"]["storage"]
