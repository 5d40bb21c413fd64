"""The registry's export is made by a worker as a leased job (``subscribers/exporting.py``): listed on the page for
its maker to download, logged once with its rows whichever worker makes it, picked up again when its worker died,
never logged twice. Huey runs tasks at once in the tests, so a requeued job runs inside ``reap``."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from switchoff.audit.models import AuditEvent
from switchoff.jobs import lease
from switchoff.lib.uploads import expire_uploads, upload_storage
from switchoff.subscribers import exporting
from switchoff.subscribers.models import ExportJob, NumberView, Subscriber
from switchoff.subscribers.progress import EXPORT_KIND
from switchoff.subscribers.services import registry_export_job_create
from tests.conftest import World, logged_in
from tests.exporting import content, export
from tests.security._disclosure import load_registry

DEAD = "a-dead-host:4242:deadbeef"


def numbers_in(response: Any) -> list[str]:
    rows = load_workbook(io.BytesIO(content(response))).active.iter_rows(min_row=4, values_only=True)
    return [str(row[1]) for row in rows]


def logged_once() -> None:
    assert NumberView.objects.filter(purpose__startswith="export").count() == 1
    assert AuditEvent.objects.filter(action="subscribers.list.exported").count() == 1


def queued(world: World, django_capture_on_commit_callbacks: Any, **query: str) -> ExportJob:
    """An export asked for, its task not yet run (as if queued for a worker)."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = registry_export_job_create(
            actor=world.coordinator, unit=world.ward_a, query={"unit": str(world.ward_a.pk), **query}, full=False
        )
    assert len(callbacks) == 1  # the task waits for the commit
    return job


def test_an_export_is_made_by_the_worker_listed_for_its_maker_and_logged_once(world: World) -> None:
    load_registry(world)
    client = logged_in(world.coordinator)
    downloaded = export(client, {"unit": str(world.ward_a.pk)})
    assert downloaded.status_code == 200 and downloaded["Content-Disposition"].startswith("attachment")
    expected = Subscriber.objects.filter(unit__in=[world.ward_a, *world.villages_a], status="listed").count()
    numbers = numbers_in(downloaded)
    assert len(numbers) == expected and all("****" in n for n in numbers)
    logged_once()
    job = ExportJob.objects.get()
    assert (job.status, job.rows, job.leased_by, job.attempts) == (ExportJob.Status.DONE, expected, "", 1)
    page = client.get(reverse("subscribers:registry"), {"unit": world.ward_a.pk}).content.decode()
    assert reverse("subscribers:export_download", args=[job.pk]) in page and 'class="export-done"' in page
    # Nobody else downloads it, and downloading logs nothing more (it was logged when made).
    other = logged_in(world.admin).get(reverse("subscribers:export_download", args=[job.pk]))
    assert other.status_code == 404
    logged_once()


def test_an_export_whose_worker_died_is_made_again_by_the_reaper_and_logged_once(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    load_registry(world)
    job = queued(world, django_capture_on_commit_callbacks)
    past = timezone.now() - datetime.timedelta(seconds=5)
    # Killed with kill -9 while writing the file: no log, its lease lapsed, no beat.
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.RUNNING, leased_by=DEAD, lease_until=past, attempts=1
    )
    upload_storage().save(exporting.stored_name(job), io.BytesIO(b"half a file"))
    assert lease.reap() == [(EXPORT_KIND, job.pk, "requeued")]
    job.refresh_from_db()
    assert (job.status, job.attempts) == (ExportJob.Status.DONE, 2)
    downloaded = logged_in(world.coordinator).get(reverse("subscribers:export_download", args=[job.pk]))
    assert len(numbers_in(downloaded)) == job.rows > 0  # the whole file, not the dead worker's half
    logged_once()
    assert lease.reap() == []


def test_an_export_made_just_before_its_worker_died_is_not_logged_again(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    load_registry(world)
    job = queued(world, django_capture_on_commit_callbacks)
    exporting.run_export(job.pk)
    past = timezone.now() - datetime.timedelta(seconds=5)
    ExportJob.objects.filter(pk=job.pk).update(leased_by=DEAD, lease_until=past, attempts=1)
    assert lease.reap() == [(EXPORT_KIND, job.pk, "requeued")]
    logged_once()


def test_a_stopping_worker_hands_its_export_over_without_a_log(
    world: World, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_registry(world)
    job = queued(world, django_capture_on_commit_callbacks)
    with lease.hold(EXPORT_KIND, job.pk) as held:
        assert held is not None
        monkeypatch.setattr(lease.Lease, "check", lambda self: (_ for _ in ()).throw(lease.HandedBack()))
        exporting.run_export(job.pk, held)
    job.refresh_from_db()
    assert (job.status, job.leased_by) == (ExportJob.Status.RUNNING, "")
    assert not NumberView.objects.exists() and not AuditEvent.objects.filter(action="subscribers.list.exported")
    monkeypatch.undo()
    exporting.run_export(job.pk)
    logged_once()


def test_a_searched_number_is_kept_masked_once_the_export_is_made(world: World) -> None:
    load_registry(world)
    export(logged_in(world.viewer), {"unit": str(world.ward_a.pk), "q": "0868123456"})
    job = ExportJob.objects.get()
    assert job.query["q"] == "086****456" and "0868123456" not in str(job.query)


def test_too_many_rows_fail_the_export_with_a_message(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    load_registry(world)
    monkeypatch.setattr(exporting, "EXPORT_LIMIT", 1)
    asked = export(logged_in(world.coordinator), {"unit": str(world.ward_a.pk)})
    assert asked.status_code == 302
    job = ExportJob.objects.get()
    assert (job.status, job.message) == (ExportJob.Status.FAILED, "too_many")
    with translation.override("en"):
        assert "More than 1 subscribers match" in exporting.message_of(job)
    assert not NumberView.objects.exists()


def test_an_export_expires_like_an_upload(world: World) -> None:
    load_registry(world)
    client = logged_in(world.coordinator)
    assert export(client, {"unit": str(world.ward_a.pk)}).status_code == 200
    job = ExportJob.objects.get()
    assert upload_storage().exists(job.stored)
    assert expire_uploads("exports", older_than=datetime.timedelta(minutes=-1)) >= 1  # written before now
    assert not upload_storage().exists(job.stored)
    assert client.get(reverse("subscribers:export_download", args=[job.pk])).status_code == 404
