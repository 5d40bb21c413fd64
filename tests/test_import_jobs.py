"""Background imports: progress, cancelling, and a worker killed midway."""

from __future__ import annotations

import datetime
import time
from array import array
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from switchoff.counts.models import Count, CountTotal
from switchoff.counts.verify import find_differences
from switchoff.lib.uploads import find_upload, store_upload
from switchoff.subscribers import importer, jobs, services
from switchoff.subscribers.models import ImportJob, Subscriber, SubscriberEvent, SubscriberList
from tests.conftest import World, logged_in
from tests.importing import check_on_page, count_cleanings

ROWS = 6000


def big_list() -> bytes:
    lines = ["STT;Số thuê bao;Họ và tên;Địa chỉ"]
    lines += [f"{n};0868{n:06d};Người Thứ {n};Khối 1, Phường Lương Văn Tri" for n in range(1, ROWS + 1)]
    return ("\n".join(lines) + "\n").encode()


def make_job(world: World, content: bytes) -> ImportJob:
    upload_id, _path = store_upload(
        "subscribers", jobs.owner_key(world.operator.pk, world.province.pk), SimpleUploadedFile("big.csv", content)
    )
    return ImportJob.objects.create(
        operator=world.operator,
        area=world.province,
        as_of=datetime.date(2024, 8, 1),
        upload_id=upload_id,
        file_name="big.csv",
        created_by=world.operator_staff,
    )


class WorkerKilled(BaseException):
    """Stands for the worker process dying: nothing in the job catches it."""


def registry_state() -> tuple[int, int, int, int]:
    return (
        Subscriber.objects.count(),
        SubscriberEvent.objects.count(),
        SubscriberList.objects.count(),
        Count.objects.count(),
    )


def test_killed_worker_leaves_nothing_and_a_restart_completes(
    world: World, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    content = big_list()
    job = make_job(world, content)
    real_import = services.import_list  # type: ignore[attr-defined]  # patched where the job's write path (services.list_write) looks it up

    def dying_import(*args: Any, **kwargs: Any) -> Any:
        def progress(phase: str, done: int, total: int) -> None:
            if done >= ROWS // 2:
                raise WorkerKilled  # midway: half the rows are already sent to the database

        return real_import(*args, **{**kwargs, "progress": progress})

    monkeypatch.setattr(services, "import_list", dying_import)
    with pytest.raises(WorkerKilled):
        jobs.run_job(job.pk)
    assert registry_state() == (0, 0, 0, 0)
    job.refresh_from_db()
    assert not jobs.is_stalled(job)
    assert jobs.is_stalled(job, now=timezone.now() + jobs.STALLED_AFTER * 2)
    # Time passes with no word from the worker.
    cache.delete(jobs.progress_key(job.pk))
    job.heartbeat = job.heartbeat - jobs.STALLED_AFTER * 2  # type: ignore[operator,assignment]
    job.save()
    assert jobs.is_stalled(job)

    monkeypatch.setattr(services, "import_list", real_import)
    client = logged_in(world.operator_staff)
    with django_capture_on_commit_callbacks(execute=True):  # the worker starts once the restart commits
        client.post(reverse("subscribers:job_restart", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert Subscriber.objects.count() == ROWS
    page = client.get(reverse("subscribers:job", args=[job.pk])).content.decode()
    assert "6.000" in page

    third = make_job(world, content)
    jobs.run_job(third.pk)
    third.refresh_from_db()
    assert (third.status, third.message) == (ImportJob.Status.DONE, "already_imported")
    assert Subscriber.objects.count() == ROWS and SubscriberList.objects.count() == 1


def test_cancelling_rolls_the_import_back(world: World) -> None:
    job = make_job(world, big_list())
    jobs.request_cancel(job.pk)  # read at the first progress report, after 5,000 rows
    jobs.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED
    assert registry_state() == (0, 0, 0, 0)


def test_confirming_in_the_browser_queues_the_job_and_starts_it_once_committed(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    client = logged_in(world.operator_staff)
    data = {"operator": world.operator.pk, "area": world.province.pk, "as_of": "01/08/2024"}
    content = "STT;SĐT;Họ tên\n1;0868000001;Lò Văn Em\n".encode()
    page = check_on_page(client, data, SimpleUploadedFile("a.csv", content))
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = client.post(reverse("subscribers:job_confirm", args=[page.context["job"].pk]), {"confirm": "1"})
        # Huey runs tasks immediately in the tests, yet nothing ran: the task waits for the job's commit.
        job = ImportJob.objects.get()
        assert job.status == ImportJob.Status.QUEUED and not Subscriber.objects.exists()
    assert len(queued) == 2  # the check's progress forgotten, then the task, run when the block ends as a commit would
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert response["Location"] == reverse("subscribers:job", args=[job.pk])
    progress = client.get(reverse("subscribers:job", args=[job.pk]), headers={"HX-Request": "true"})
    assert 'id="job-summary"' in progress.content.decode()
    assert Subscriber.objects.count() == 1
    assert logged_in(world.reporter_b).get(reverse("subscribers:job", args=[job.pk])).status_code in {403, 404}


def test_a_second_process_reads_large_files_with_the_same_result(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """On SQLite, large files are read and checked in a forked child while this process stores the rows."""
    from django.db import connection

    from switchoff.lib.sheets import read_file
    from switchoff.subscribers import importer

    content = (
        big_list() + "6001;0868000001;Trùng Số;Khối 1\n6002;09l2;Sai;Khối 1\n6003;01623456789;Cũ;Khối 1\n".encode()
    )
    day, next_month = datetime.date(2024, 8, 1), datetime.date(2024, 9, 1)

    table = Subscriber._meta.db_table
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, table)

    def run(parallel_from: int) -> tuple[object, ...]:
        monkeypatch.setattr(importer.writing, "PARALLEL_FROM", parallel_from)
        # From the same size, SQLite also drops the registry's indexes and builds them after the insert.
        monkeypatch.setattr(importer.writing, "REBUILD_FROM", parallel_from)
        result = importer.import_list(
            read_file(content, "big.csv"), content=content, operator=world.operator, area=world.province, as_of=day
        )
        checked = result.checked
        # A month later: half of them again, moved to Khối 2, and as many new numbers (known and new rows).
        half = ROWS // 2
        lines = ["STT;Số thuê bao;Họ và tên;Địa chỉ"]
        lines += [f"{n};0868{n:06d};Người Thứ {n};Khối 2, Phường Lương Văn Tri" for n in range(1, half + 1)]
        lines += [f"{n};0869{n:06d};Người Mới {n};Khối 1, Phường Lương Văn Tri" for n in range(1, half + 1)]
        later = ("\n".join(lines) + "\n").encode()
        second = importer.import_list(
            read_file(later, "later.csv"),
            content=later,
            operator=world.operator,
            area=world.province,
            as_of=next_month,
            allow_mass_leave=True,  # half of them leave
        )
        state = (
            result.new,
            checked.rows_read,
            checked.good,
            checked.error_count,
            (checked.warning_count, checked.problems),  # phase two counts its problems, keeps none
            (second.new, second.moved, second.unchanged, second.left),
            list(Subscriber.objects.order_by("msisdn").values_list("msisdn", "unit_id", "status")),
            list(Count.objects.order_by("unit_id", "key", "day").values_list("unit_id", "key", "day", "delta")),
            SubscriberEvent.objects.count(),
        )
        assert find_differences() == []  # the counters of both imports, in process or forked
        SubscriberEvent.objects.all().delete()
        Subscriber.objects.all().delete()
        Count.objects.all().delete()
        CountTotal.objects.all().delete()
        SubscriberList.objects.all().delete()
        with connection.cursor() as cursor:
            assert connection.introspection.get_constraints(cursor, table) == indexes
        return state

    rebuilt: list[str] = []
    rebuild = importer.writing.indexes_built_after  # type: ignore[attr-defined]  # patched where the writer looks it up
    monkeypatch.setattr(importer.writing, "indexes_built_after", lambda table: rebuilt.append(table) or rebuild(table))  # type: ignore[func-returns-value]
    in_process = run(10**9)
    # Two errors (a duplicate, a misspelt number), two warnings (the pre-2018 number, its address).
    assert in_process[:5] == (ROWS + 1, ROWS + 3, ROWS + 1, 2, (2, []))
    assert in_process[5] == (ROWS // 2, ROWS // 2, 0, ROWS + 1 - ROWS // 2)
    assert not rebuilt
    assert run(1000) == in_process
    assert rebuilt == ([table] if connection.vendor == "sqlite" else [])
    if connection.vendor == "sqlite":
        # A cancel (here: the progress hook raising) stops the child too, and writes nothing.
        monkeypatch.setattr(importer.writing, "PARALLEL_FROM", 1000)

        def cancel(phase: str, done: int, total: int) -> None:
            raise jobs.Cancelled

        # So does a file with errors when the person chose to refuse it whole.
        stops: list[tuple[type[BaseException], dict[str, Any]]] = [
            (jobs.Cancelled, {"progress": cancel}),
            (importer.Refused, {"refuse_errors": True}),
        ]
        for stop, how in stops:
            with pytest.raises(stop):
                importer.import_list(
                    read_file(content, "big.csv"),
                    content=content,
                    operator=world.operator,
                    area=world.province,
                    as_of=day,
                    **how,
                )
            assert registry_state() == (0, 0, 0, 0)
            with connection.cursor() as cursor:  # the dropped indexes came back with the rollback
                assert connection.introspection.get_constraints(cursor, table) == indexes


def test_the_finished_jobs_registry_link_opens_a_page_its_reader_may_see(world: World) -> None:
    small = "STT;Số thuê bao;Họ và tên;Địa chỉ\n1;0868000001;Nguyễn Văn An;Khối 1, Phường Lương Văn Tri\n".encode()
    job = make_job(world, small)
    jobs.run_job(job.pk)
    for person in (world.operator_staff, world.coordinator):
        client = logged_in(person)
        page = client.get(reverse("subscribers:job", args=[job.pk]))
        link = page.content.decode().split('id="open-registry" href="')[1].split('"')[0].replace("&amp;", "&")
        opened = client.get(link)
        assert opened.status_code == 200, (person.username, link)
        assert "Nguyễn Văn An" in opened.content.decode()


def test_the_check_is_a_step_of_the_job_and_confirming_writes_its_saved_rows_without_checking_again(
    world: World, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    content = big_list() + "6001;0868000001;Trùng Số;Khối 1, Phường Lương Văn Tri\n6002;09x;Sai;Khối 1\n".encode()
    checks = count_cleanings(monkeypatch)
    client = logged_in(world.operator_staff)
    data = {"operator": world.operator.pk, "area": world.province.pk, "as_of": "01/08/2024"}
    with django_capture_on_commit_callbacks(execute=False) as pending:
        response = client.post(reverse("subscribers:import"), {**data, "file": SimpleUploadedFile("big.csv", content)})
    job = ImportJob.objects.get()
    # The request only stored the file and queued the check: nothing was read yet.
    assert response["Location"] == reverse("subscribers:job", args=[job.pk])
    assert (job.status, checks) == (ImportJob.Status.CHECKING, [])
    waiting = client.get(reverse("subscribers:job", args=[job.pk])).content.decode()
    assert 'id="job-status"' in waiting and 'id="check-summary"' not in waiting
    # Nobody took the job for a while: the page says the worker is not running.
    ImportJob.objects.filter(pk=job.pk).update(heartbeat=timezone.now() - datetime.timedelta(minutes=1))
    assert 'id="no-worker"' in client.get(reverse("subscribers:job", args=[job.pk])).content.decode()
    for callback in pending:
        callback()
    job.refresh_from_db()
    assert (job.status, len(checks)) == (ImportJob.Status.CHECKED, 1)
    assert job.checked["summary"]["good"] == ROWS and job.checked["summary"]["rejected"] == {
        "number_duplicate": 1,
        "number_not_a_number": 1,
    }
    # The polled progress asks the browser to show the whole page, where the check's result is.
    assert client.get(reverse("subscribers:job", args=[job.pk]), headers={"HX-Request": "true"})["HX-Refresh"]
    page = client.get(reverse("subscribers:job", args=[job.pk]))
    body = page.content.decode()
    assert 'id="by-commune"' in body and "Phường Lương Văn Tri" in body
    assert "(dòng 2)" in body  # the duplicate names its number's first row
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("subscribers:job_confirm", args=[job.pk]), {"confirm": "1"})
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and len(checks) == 1  # written from the saved rows
    assert Subscriber.objects.count() == ROWS
    assert job.result is not None and job.result.summary["good"] == ROWS and job.result.summary["new"] == ROWS
    # A confirmation sent again changes nothing.
    client.post(reverse("subscribers:job_confirm", args=[job.pk]), {"confirm": "1"})
    assert ImportJob.objects.get().status == ImportJob.Status.DONE and len(checks) == 1


def test_a_check_can_be_cancelled_and_writes_nothing(world: World) -> None:
    job = make_job(world, big_list())
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.CHECKING)
    jobs.request_cancel(job.pk)
    jobs.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED and "state" not in job.checked
    assert registry_state() == (0, 0, 0, 0)


def test_the_seen_numbers_take_a_bit_each_and_find_the_first_row_of_a_duplicate() -> None:
    seen = importer.SeenNumbers()
    assert [seen.met(n) for n in (868000001, 868000002, 868000001, 10**9 + 5, 10**9 + 5)] == [
        False, False, True, False, True
    ]  # fmt: skip
    seen.close()
    numbers, where = array("q", [5, 7, 5, 9]), array("q", [10, 11, 12, 13])
    assert importer.first_rows(numbers, where, [5, 9, 4]) == {5: 10, 9: 13}


def test_stored_uploads_and_what_their_checks_saved_expire(world: World, settings: Any) -> None:
    import os

    from django.core.files.base import ContentFile

    from switchoff.lib.uploads import expire_uploads, problems_name, rows_name, upload_storage
    from switchoff.schedule import expire_stored_uploads

    old, recent = make_job(world, big_list()), make_job(world, big_list())
    owner = jobs.owner_key(world.operator.pk, world.province.pk)
    storage = upload_storage()
    names = {}
    for job in (old, recent):
        stored = find_upload("subscribers", owner, job.upload_id)
        assert stored is not None
        storage.save(rows_name(stored), ContentFile(b"rows"))
        storage.save(problems_name(stored), ContentFile(b"[]\n"))
        names[job.pk] = [stored, rows_name(stored), problems_name(stored)]
    # The small files kept between a check and its confirmation expire too, never confirmed or not yet.
    for kind in ("units", "activities", "devices"):
        names[old.pk].append(store_upload(kind, 7, SimpleUploadedFile("sheet.xlsx", b"PK"))[1])
        names[recent.pk].append(store_upload(kind, 7, SimpleUploadedFile("sheet.xlsx", b"PK"))[1])
    week_ago = time.time() - 8 * 24 * 3600
    for name in names[old.pk]:
        os.utime(storage.path(name), (week_ago, week_ago))
    settings.UPLOAD_KEEP_HOURS = 24 * 7
    expire_stored_uploads.call_local()
    assert not any(storage.exists(name) for name in names[old.pk])
    assert all(storage.exists(name) for name in names[recent.pk])
    jobs.run_job(old.pk)  # confirmed after its file expired: it says so
    old.refresh_from_db()
    assert (old.status, old.message) == (ImportJob.Status.FAILED, "file_gone")
    assert expire_uploads("subscribers", older_than=datetime.timedelta(0)) >= 3


@pytest.mark.parametrize("status", [ImportJob.Status.CHECKING, ImportJob.Status.QUEUED])
def test_a_file_removed_between_the_look_and_the_copy_fails_the_job_as_gone(
    world: World, monkeypatch: pytest.MonkeyPatch, status: str
) -> None:
    job = make_job(world, big_list())
    ImportJob.objects.filter(pk=job.pk).update(status=status, checked={"state": {"digest": "x"}})
    monkeypatch.setattr(jobs, "find_upload", lambda *args: "subscribers/expired-meanwhile")
    jobs.run_job(job.pk)
    job.refresh_from_db()
    assert (job.status, job.message) == (ImportJob.Status.FAILED, "file_gone")
