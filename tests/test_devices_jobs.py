"""A device table is written by a worker as a leased job (``devices.jobs``): the table and the registry's classes
once, whichever worker runs it, a job whose worker died picked up again by the reaper, a stopping worker's job
handed back rolled back, and a job done already never written twice. Huey runs tasks at once in the tests, so a
requeued job runs inside ``reap``."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from switchoff.audit.models import AuditEvent
from switchoff.devices.jobs import message_of, run_device_import
from switchoff.devices.models import DeviceImportJob, DeviceModel, DeviceModelVersion
from switchoff.devices.services import DEVICE_IMPORT, device_import_job_create
from switchoff.devices.tasks import device_import_task
from switchoff.jobs import lease
from switchoff.lib.uploads import find_upload, store_upload
from tests.conftest import World
from tests.devices_helpers import MODELS, gsma_table
from tests.test_device_registry import EXPECTED, _classes, _now_through_the_service

DEAD = "a-dead-host:4242:deadbeef"


def queued_job(world: World, django_capture_on_commit_callbacks: Any) -> DeviceImportJob:
    """A confirmed table, kept in the uploads storage, its task not yet run (as if queued for a worker)."""
    upload_id, _name = store_upload("devices", world.coordinator.pk, SimpleUploadedFile("tac.txt", gsma_table()))
    with django_capture_on_commit_callbacks(execute=False) as queued:
        job = device_import_job_create(actor=world.coordinator, upload_id=upload_id, file_name="tac.txt", columns={})
    assert len(queued) == 1  # the task waits for the commit
    return job


def written_once(world: World) -> None:
    assert DeviceModel.objects.count() == len(MODELS) and DeviceModelVersion.objects.count() == 0
    assert AuditEvent.objects.filter(action="devices.table.imported").count() == 1
    assert _classes() == EXPECTED  # the registry's subscribers classified by the table


def test_a_confirmed_table_is_written_by_the_worker_with_the_registry_classified(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    _now_through_the_service(world)  # subscribers with IMEIs, listed before the table came
    job = queued_job(world, django_capture_on_commit_callbacks)
    assert DeviceModel.objects.count() == 0
    device_import_task(job.pk)
    job.refresh_from_db()
    assert (job.status, job.leased_by, job.lease_until, job.attempts) == (DeviceImportJob.Status.DONE, "", None, 1)
    assert job.result == {"created": len(MODELS), "replaced": 0, "unchanged": 0, "reclassified": 4}
    written_once(world)
    assert find_upload("devices", world.coordinator.pk, job.upload_id) is None  # removed once written
    # A retried confirmation finds its job; the task queued again writes nothing twice.
    again = device_import_job_create(actor=world.coordinator, upload_id=job.upload_id, file_name="x", columns={})
    assert again.pk == job.pk
    device_import_task(job.pk)
    written_once(world)


def test_a_job_whose_worker_died_is_run_again_by_the_reaper_and_writes_the_table_once(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    _now_through_the_service(world)
    job = queued_job(world, django_capture_on_commit_callbacks)
    past = timezone.now() - datetime.timedelta(seconds=5)
    # Killed with kill -9 while writing: its transaction rolled back, its lease lapsed, no beat.
    DeviceImportJob.objects.filter(pk=job.pk).update(
        status=DeviceImportJob.Status.RUNNING, leased_by=DEAD, lease_until=past, attempts=1
    )
    assert lease.reap() == [(DEVICE_IMPORT, job.pk, "requeued")]
    job.refresh_from_db()
    assert (job.status, job.attempts, job.leased_by) == (DeviceImportJob.Status.DONE, 2, "")
    written_once(world)
    assert lease.reap() == []  # another worker's reaper finds nothing left


def test_a_job_done_just_before_its_worker_died_is_not_written_again(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    job = queued_job(world, django_capture_on_commit_callbacks)
    device_import_task(job.pk)
    # The worker died after the commit, before it freed its lease: the reaper queues the job, which is done.
    past = timezone.now() - datetime.timedelta(seconds=5)
    DeviceImportJob.objects.filter(pk=job.pk).update(leased_by=DEAD, lease_until=past, attempts=1)
    assert lease.reap() == [(DEVICE_IMPORT, job.pk, "requeued")]
    assert DeviceModel.objects.count() == len(MODELS)
    assert AuditEvent.objects.filter(action="devices.table.imported").count() == 1


def test_a_stopping_worker_rolls_the_table_back_and_hands_the_job_over(
    world: World, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = queued_job(world, django_capture_on_commit_callbacks)
    handed: list[Any] = []

    def stop_at_the_classification(held: lease.Lease) -> None:
        # SIGTERM arrives while the table is written: the next check stops the write, which rolls back.
        monkeypatch.setattr(lease.Lease, "check", lambda self: (_ for _ in ()).throw(lease.HandedBack()))
        run_device_import(job.pk, held)
        handed.append(True)

    with lease.hold(DEVICE_IMPORT, job.pk) as held:
        assert held is not None
        stop_at_the_classification(held)
    assert handed and DeviceModel.objects.count() == 0
    assert not AuditEvent.objects.filter(action="devices.table.imported").exists()
    job.refresh_from_db()
    assert (job.status, job.leased_by) == (DeviceImportJob.Status.RUNNING, "")  # free for the next worker
    monkeypatch.undo()
    device_import_task(job.pk)
    job.refresh_from_db()
    assert job.status == DeviceImportJob.Status.DONE and DeviceModel.objects.count() == len(MODELS)


@override_settings(JOB_MAX_ATTEMPTS=3, LANGUAGE_CODE="en")
def test_a_job_that_lost_its_worker_too_often_fails_with_a_message(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    job = queued_job(world, django_capture_on_commit_callbacks)
    past = timezone.now() - datetime.timedelta(seconds=5)
    DeviceImportJob.objects.filter(pk=job.pk).update(leased_by=DEAD, lease_until=past, attempts=3)
    assert lease.reap() == [(DEVICE_IMPORT, job.pk, "failed")]
    job.refresh_from_db()
    assert (job.status, job.message) == (DeviceImportJob.Status.FAILED, "worker_lost")
    assert "stopped without finishing" in message_of(job)
    assert DeviceModel.objects.count() == 0


def test_a_job_whose_upload_expired_fails_saying_so(world: World, django_capture_on_commit_callbacks: Any) -> None:
    job = queued_job(world, django_capture_on_commit_callbacks)
    DeviceImportJob.objects.filter(pk=job.pk).update(upload_id="00000000-0000-0000-0000-000000000000")
    device_import_task(job.pk)
    job.refresh_from_db()
    assert (job.status, job.message) == (DeviceImportJob.Status.FAILED, "file_gone")
    assert DeviceModel.objects.count() == 0
