"""Exactly one run per period: two schedulers queue the counter squash, it runs once; and the periodic tasks have
their own queue, so that no import waits in front of them."""

from __future__ import annotations

import datetime

import pytest
from huey.contrib.djhuey import HUEY

from switchoff.counts.models import Count
from switchoff.counts.services import Delta, counts_add_many
from switchoff.jobs import periodic
from switchoff.jobs.models import PeriodicRun
from switchoff.subscribers import counts as keys
from tests.conftest import World

UTC = datetime.UTC


def test_periods_start_on_their_boundaries() -> None:
    at = datetime.datetime(2026, 12, 7, 16, 48, 31, tzinfo=UTC)
    assert periodic.period_start(at, 5) == datetime.datetime(2026, 12, 7, 16, 45, tzinfo=UTC)
    assert periodic.period_start(at, 60) == datetime.datetime(2026, 12, 7, 16, 0, tzinfo=UTC)
    assert periodic.period_start(at, 24 * 60) == datetime.datetime(2026, 12, 7, tzinfo=UTC)


def test_two_schedulers_squash_once_per_period(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from switchoff import schedule

    squashed: list[int] = []
    monkeypatch.setattr(schedule, "squash_counts", lambda: squashed.append(1))
    first = datetime.datetime(2026, 12, 7, 16, 45, 2, tzinfo=UTC)
    for now in (first, first + datetime.timedelta(seconds=40)):  # the second scheduler's run, same period
        monkeypatch.setattr("django.utils.timezone.now", lambda now=now: now)
        schedule.squash_counts_often()
    assert squashed == [1]
    monkeypatch.setattr("django.utils.timezone.now", lambda: first + datetime.timedelta(minutes=5))
    schedule.squash_counts_often()  # the next period
    assert squashed == [1, 1]
    assert list(PeriodicRun.objects.order_by("period").values_list("task", flat=True)) == ["squash_counts_often"] * 2


def test_the_squash_still_squashes(world: World) -> None:
    from switchoff.schedule import squash_counts_often

    counts_add_many([Delta(unit_id=world.ward_a.pk, key=keys.LISTED, delta=n, dimension=9) for n in (1, -1)])
    squash_counts_often()
    assert not Count.objects.exists()


def test_periodic_tasks_have_their_own_queue() -> None:
    from switchoff import schedule

    assert periodic.PERIODIC.name == HUEY.name + "-periodic"
    tasks = {task.__name__ for task in periodic.PERIODIC._registry._periodic_tasks}
    assert {"squash_counts_often", "daily_report_reminders", "expire_stored_uploads"} <= tasks
    assert not HUEY._registry._periodic_tasks  # the workers' queue holds the long jobs only
    assert schedule.squash_counts_often.huey is periodic.PERIODIC
