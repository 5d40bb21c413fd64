"""Each limit on files is checked before the work, names its setting, and is a setting."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone, translation

from switchoff.lib.filelimits import FileRefused
from switchoff.lib.sheets import read_file
from switchoff.lib.uploads import store_upload
from switchoff.people.services import api_token_create
from switchoff.subscribers import jobs, services
from switchoff.subscribers.models import ImportJob, Subscriber
from tests.conftest import World, logged_in
from tests.security.hostile_files import HEADER, ROW, bomb_xlsx, csv_text, xlsx

pytestmark = pytest.mark.django_db


def refusal(content: bytes, name: str) -> FileRefused:
    with pytest.raises(FileRefused) as caught:
        read = read_file(content, name)
        for sheet in read.sheets:
            for _row in sheet.rows():
                pass
    return caught.value


def test_a_field_of_exactly_the_limit_is_read_and_one_more_is_refused() -> None:
    with override_settings(FIELD_MAX_CHARS=50):
        read_file(csv_text([HEADER, [1, "0868123456", "a" * 50, "b"]]).encode(), "ok.csv")
        refused = refusal(csv_text([HEADER, ROW, [2, "0868123457", "a" * 51, "b"]]).encode(), "long.csv")
        assert (refused.reason, refused.row) == ("field", 3)
        assert refused.message == "Dòng 3 có ô dài hơn 50 ký tự (giới hạn FIELD_MAX_CHARS)."
        refused = refusal(xlsx([HEADER, ROW, [2, "0868123457", "a" * 51, "b"]]), "long.xlsx")
        assert refused.message == "Dòng 3 của trang “Danh sách” có ô dài hơn 50 ký tự (giới hạn FIELD_MAX_CHARS)."


def test_a_stray_quote_is_refused_at_the_row_where_it_opens() -> None:
    content = csv_text([HEADER, ROW]) + '2;0868123457;"Lê Văn;Khối 2\n' + csv_text([ROW]) * 3000
    assert refusal(content.encode(), "quote.csv").row == 3


def test_a_zip_bomb_is_refused_by_its_ratio_before_it_is_opened() -> None:
    refused = refusal(bomb_xlsx(100_000), "bomb.xlsx")
    assert refused.limit == "XLSX_MAX_RATIO"
    assert "nén hơn 100 lần" in refused.message


def test_a_workbook_inflating_past_the_limit_is_refused() -> None:
    with override_settings(XLSX_MAX_RATIO=1_000_000, XLSX_MAX_UNCOMPRESSED_BYTES=5 * 1024 * 1024):
        refused = refusal(bomb_xlsx(100_000), "bomb.xlsx")
    assert refused.limit == "XLSX_MAX_UNCOMPRESSED_BYTES"
    assert refused.message == "Khi giải nén, tệp Excel sẽ chiếm hơn 5 MB (giới hạn XLSX_MAX_UNCOMPRESSED_BYTES)."


def test_rows_of_a_workbook_are_counted_while_inflating_before_it_is_read() -> None:
    with override_settings(XLSX_MAX_RATIO=1_000_000, SHEET_MAX_ROWS=50_000):
        refused = refusal(bomb_xlsx(100_000), "bomb.xlsx")
    assert (refused.reason, refused.limit) == ("rows", "SHEET_MAX_ROWS")


def test_too_many_rows_or_columns_in_a_text_file() -> None:
    with override_settings(SHEET_MAX_ROWS=10):
        assert refusal(csv_text([HEADER] + [ROW] * 20).encode(), "rows.csv").limit == "SHEET_MAX_ROWS"
    with override_settings(SHEET_MAX_COLUMNS=5):
        wide = csv_text([HEADER, ROW] * 40 + [[*ROW, "x", "y"]]).encode()
        refused = refusal(wide, "wide.csv")
    assert (refused.limit, refused.row) == ("SHEET_MAX_COLUMNS", 81)


def test_utf16_without_a_byte_order_mark_is_read() -> None:
    read = read_file(csv_text([HEADER, ROW]).encode("utf-16-le"), "list.csv")
    assert read.encoding == "utf-16-le"
    assert read.sheets[0].head[1][2] == "Nguyễn Văn An"


def test_the_upload_size_is_a_setting_on_the_page_and_the_api(world: World) -> None:
    content = csv_text([HEADER, ROW]).encode()
    data = {"operator": world.operator.pk, "area": world.province.pk, "as_of": "01/08/2024"}
    with override_settings(UPLOAD_MAX_BYTES=len(content) - 1, WORKBOOK_UPLOAD_MAX_BYTES=10):
        page = logged_in(world.operator_staff).post(
            reverse("subscribers:import"), {**data, "file": SimpleUploadedFile("a.csv", content)}
        )
        assert "(giới hạn UPLOAD_MAX_BYTES)" in page.content.decode()
        _token, raw = api_token_create(user=world.operator_staff, name="script")
        client = logged_in(world.operator_staff)
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
        fields = {"operator_id": world.operator.pk, "area_id": world.province.pk, "as_of": "2024-08-01"}
        response = client.post("/api/v1/registry/files", {"file": SimpleUploadedFile("a.csv", content), **fields})
        assert response.status_code == 413
        assert "UPLOAD_MAX_BYTES" in response.json()["error"]["message"]
        assert not ImportJob.objects.exists()
        url = reverse("units:workbook_import", args=[world.ward_a.pk])
        page = logged_in(world.reporter_a).post(url, {"file": SimpleUploadedFile("t.xlsx", xlsx([HEADER]))})
        assert "(giới hạn WORKBOOK_UPLOAD_MAX_BYTES)" in page.content.decode()


def test_the_small_workbooks_have_their_own_row_limit(world: World) -> None:
    rows: list[Sequence[object]] = [["STT", "Tên thôn, bản, khối, tổ dân phố"]] + [[n, f"Thôn {n}"] for n in range(30)]
    url = reverse("units:workbook_import", args=[world.ward_a.pk])
    with override_settings(WORKBOOK_MAX_ROWS=20):
        page = logged_in(world.reporter_a).post(
            url, {"file": SimpleUploadedFile("t.xlsx", xlsx(rows, title="Thôn - Tổ dân phố"))}
        )
    assert page.status_code == 200
    parsed = page.context["parsed"]
    assert not parsed.villages
    assert "WORKBOOK_MAX_ROWS" in parsed.problems[0].reason


# Background jobs


def make_job(world: World, content: bytes, name: str = "list.csv") -> ImportJob:
    upload_id, _path = store_upload(
        "subscribers", jobs.owner_key(world.operator.pk, world.province.pk), SimpleUploadedFile(name, content)
    )
    return ImportJob.objects.create(
        operator=world.operator,
        area=world.province,
        as_of=datetime.date(2024, 8, 1),
        upload_id=upload_id,
        file_name=name,
        created_by=world.operator_staff,
    )


def test_an_unexpected_error_ends_the_job_failed_and_is_logged(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    job = make_job(world, csv_text([HEADER, ROW]).encode())

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug in a library")

    monkeypatch.setattr(services, "import_list", broken)  # where services.list_write finds it
    with caplog.at_level(logging.ERROR, logger="switchoff.subscribers.jobs"):
        jobs.run_job(job.pk)
    job.refresh_from_db()
    assert (job.status, job.message) == (ImportJob.Status.FAILED, "crashed")
    assert "a bug in a library" in caplog.text
    page = logged_in(world.operator_staff).get(reverse("subscribers:job", args=[job.pk]))
    assert "Đã xảy ra lỗi ngoài dự kiến" in page.content.decode()


def test_a_refusal_found_by_the_forked_reader_fails_the_job_with_its_reason(world: World) -> None:
    """On SQLite a long list is read by a forked child: its refusal reaches the job, not a crash."""
    rows = [[n, f"0868{n:06d}", f"Người {n}", "Khối 1, Phường Lương Văn Tri"] for n in range(1, 60_001)]
    content = (csv_text([HEADER, *rows]) + "60001;0868999999;" + "x" * 20_000 + ";Khối 1\n").encode()
    job = make_job(world, content)
    jobs.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert FileRefused.from_code(job.message).row == 60_002
    assert not Subscriber.objects.exists()


def test_a_failed_job_is_explained_in_the_language_of_whoever_reads_it(world: World) -> None:
    with override_settings(FIELD_MAX_CHARS=20):
        job = make_job(world, csv_text([HEADER, [1, "0868123456", "a" * 30, "b"]]).encode())
        jobs.run_job(job.pk)
    job.refresh_from_db()
    assert job.message.startswith("file:field:")
    world.operator_staff.language = "en"
    world.operator_staff.save()
    page = logged_in(world.operator_staff).get(reverse("subscribers:job", args=[job.pk]))
    assert "Row 2 has a cell longer than 20 characters (limit FIELD_MAX_CHARS)." in page.content.decode()
    with translation.override("vi"):
        assert jobs.message_of(job) == "Dòng 2 có ô dài hơn 20 ký tự (giới hạn FIELD_MAX_CHARS)."


def test_a_job_running_past_the_time_out_is_stalled_even_while_it_beats(world: World) -> None:
    job = make_job(world, csv_text([HEADER, ROW]).encode())
    started = timezone.now() - datetime.timedelta(hours=4)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, heartbeat=started)
    cache.set(jobs.progress_key(job.pk), {"beat": timezone.now().timestamp()}, 3600)
    job.refresh_from_db()
    assert jobs.is_stalled(job)
    with override_settings(IMPORT_JOB_TIMEOUT_S=5 * 3600):
        assert not jobs.is_stalled(job)
    _token, raw = api_token_create(user=world.operator_staff, name="script")
    client = logged_in(world.operator_staff)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    assert client.get(f"/api/v1/registry/jobs/{job.pk}").json()["stalled"] is True
    with TestCase.captureOnCommitCallbacks(execute=True):  # the worker starts once the restart commits
        logged_in(world.operator_staff).post(reverse("subscribers:job_restart", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE


def test_a_job_stops_itself_past_the_time_out(world: World) -> None:
    job = make_job(world, csv_text([HEADER, ROW]).encode())
    with override_settings(IMPORT_JOB_TIMEOUT_S=-1):
        jobs.run_job(job.pk)
    job.refresh_from_db()
    assert (job.status, job.message) == (ImportJob.Status.FAILED, "timed_out")
    assert not Subscriber.objects.exists()
