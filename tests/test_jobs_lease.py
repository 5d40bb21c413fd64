"""Jobs that survive their worker: a lease on the job's row, extended while the worker lives; a job whose lease
lapsed is queued again by any worker's reaper (then failed after JOB_MAX_ATTEMPTS runs); a stopping worker hands
its job back at once. Huey runs tasks at once in the tests, so a requeued job runs inside ``reap``."""

from __future__ import annotations

import datetime
import threading
import time
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from switchoff.jobs import lease
from switchoff.subscribers import jobs, services
from switchoff.subscribers.models import ImportJob, Subscriber, SubscriberList
from switchoff.subscribers.progress import IMPORT_KIND as IMPORT
from switchoff.subscribers.tasks import import_job_task
from tests.conftest import World
from tests.test_import_jobs import ROWS, big_list, make_job, registry_state

DEAD = "a-dead-host:4242:deadbeef"


def lapsed_job(world: World, *, attempts: int = 1) -> ImportJob:
    """A confirmed import whose worker was killed with kill -9 midway: running, its lease lapsed, no beat."""
    job = make_job(world, big_list())
    past = timezone.now() - datetime.timedelta(seconds=5)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, leased_by=DEAD, lease_until=past, attempts=attempts
    )
    return job


def test_a_job_whose_worker_died_is_run_again_by_the_reaper_and_writes_each_subscriber_once(world: World) -> None:
    job = lapsed_job(world)
    assert lease.reap() == [(IMPORT, job.pk, "requeued")]
    job.refresh_from_db()
    assert (job.status, job.leased_by, job.lease_until) == (ImportJob.Status.DONE, "", None)
    assert job.attempts == 2
    assert Subscriber.objects.count() == ROWS and SubscriberList.objects.count() == 1
    # A second reaper (another worker) finds nothing left to do; the counters are checked by conftest.
    assert lease.reap() == []


@override_settings(JOB_MAX_ATTEMPTS=3)
def test_a_job_that_lost_its_worker_too_often_fails_with_a_message(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    job = lapsed_job(world, attempts=3)
    assert lease.reap() == [(IMPORT, job.pk, "failed")]
    job.refresh_from_db()
    assert (job.status, job.message) == (ImportJob.Status.FAILED, "worker_lost")
    with override_settings(LANGUAGE_CODE="en"):
        assert "stopped 3 times" in jobs.message_of(job)
    assert registry_state() == (0, 0, 0, 0)
    # A person starts it again: the attempts count from zero, and it completes.
    with django_capture_on_commit_callbacks(execute=True):
        services.import_job_restart(actor=world.operator_staff, job=job)
    job.refresh_from_db()
    assert (job.status, job.attempts) == (ImportJob.Status.DONE, 1) and Subscriber.objects.count() == ROWS


def test_a_live_worker_keeps_its_job(world: World) -> None:
    """A lease past due whose worker still beats in the cache (SQLite: the row cannot be written while the
    import's transaction is) is not taken; a task queued twice runs once."""
    job = lapsed_job(world)
    cache.set(lease._beat_key(IMPORT, job.pk), time.time(), 60)
    assert lease.reap() == []
    held_until = timezone.now() + datetime.timedelta(seconds=60)
    ImportJob.objects.filter(pk=job.pk).update(lease_until=held_until)
    import_job_task(job.pk)  # the same task again, from a retried request or a second reaper
    job.refresh_from_db()
    assert (job.status, job.leased_by) == (ImportJob.Status.RUNNING, DEAD)
    assert not Subscriber.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_beats_reach_the_row_from_their_own_connection(world: World) -> None:
    """The beat thread writes the lease outside the job's transaction, so another worker sees it."""
    job = make_job(world, big_list())
    with override_settings(JOB_LEASE_S=0.6), lease.hold(IMPORT, job.pk) as held:
        assert held is not None
        first = ImportJob.objects.get(pk=job.pk).lease_until
        time.sleep(0.7)
        later = ImportJob.objects.get(pk=job.pk).lease_until
        assert first is not None and later is not None and later > first
    assert ImportJob.objects.get(pk=job.pk).lease_until is None


@pytest.mark.django_db(transaction=True)
def test_a_stopping_worker_hands_its_job_back_at_once(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGTERM: Huey's consumer signals, from its main thread, the task it leaves; the lease is freed and the job
    queued again, and the worker's own run stops at its next progress report, rolled back, without failing the job.
    (Transactional: the main thread's connection is its own, as in the consumer.)"""
    job = make_job(world, big_list())
    requeued: list[int] = []
    kind = lease.KINDS[IMPORT]
    monkeypatch.setitem(lease.KINDS, IMPORT, lease.Kind(IMPORT, ImportJob, requeued.append, kind.give_up))
    real_import = services.import_list  # type: ignore[attr-defined]

    def consumer_stops() -> None:
        try:
            lease._interrupted("interrupted", None)
        finally:
            connection.close()

    def stopped_midway(*args: Any, **kwargs: Any) -> Any:
        report = kwargs["progress"]

        def progress(phase: str, done: int, total: int) -> None:
            if done >= ROWS // 2 and not requeued:
                # What Huey's consumer does on SIGTERM, from its main thread (on PostgreSQL this thread's connection
                # is busy copying rows and takes no other query).
                # On SQLite, whose one writer is this very thread, the hand-back can only be written from it.
                if connection.vendor == "sqlite":
                    lease._interrupted("interrupted", None)
                else:
                    consumer = threading.Thread(target=consumer_stops)
                    consumer.start()
                    consumer.join(timeout=30)
            report(phase, done, total)

        return real_import(*args, **{**kwargs, "progress": progress})

    monkeypatch.setattr(services, "import_list", stopped_midway)
    try:
        import_job_task(job.pk)
    finally:
        lease._stopping.clear()
    job.refresh_from_db()
    assert requeued == [job.pk]
    assert (job.status, job.message, job.leased_by, job.lease_until) == (ImportJob.Status.RUNNING, "", "", None)
    assert registry_state() == (0, 0, 0, 0)
    # The other worker runs the queued task: the list is written once.
    monkeypatch.setattr(services, "import_list", real_import)
    import_job_task(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and Subscriber.objects.count() == ROWS


def test_the_api_restarts_a_job_as_the_page_does_for_the_same_people(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    from django.test import Client

    from switchoff.people.services import api_token_create

    job = lapsed_job(world, attempts=3)
    lease.reap()  # failed: it lost its worker three times
    url = f"/api/v1/registry/jobs/{job.pk}/restart"
    _token, outsider = api_token_create(user=world.reporter_b, name="script")
    assert Client(headers={"Authorization": f"Bearer {outsider}"}).post(url).status_code == 404
    _token, raw = api_token_create(user=world.operator_staff, name="script")
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post(url)
    assert answer.status_code == 202
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and Subscriber.objects.count() == ROWS
    again = api.post(url)  # done: answered as it is, nothing runs twice
    assert (again.status_code, again.json()["status"]) == (202, "done")
    assert SubscriberList.objects.count() == 1
