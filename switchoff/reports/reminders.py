"""Reminders before and after the deadline, and the coordinator's summary.

Each (campaign, unit, month, kind) is reminded at most once: the Reminder row
is created first, under a unique constraint, and only the run that created it
sends. Running the job twice, or two workers at once, sends nothing twice.
The coordinator may also remind units by hand from the completeness page: at
most once per unit and day, claimed the same way. Notifications are marked read
here too.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from switchoff.audit.services import log_action
from switchoff.campaigns.models import Campaign
from switchoff.lib.months import add_months, first_of_month
from switchoff.people.models import User
from switchoff.reports.deadlines import due
from switchoff.reports.models import Notification, Reminder
from switchoff.reports.notify import coordinators_of, notify, reporters_of
from switchoff.reports.selectors import completeness
from switchoff.units.models import Unit, UnitQuerySet


@dataclass
class ReminderRun:
    before: int = 0
    missing: int = 0
    summaries: int = 0


def _claim(campaign: Campaign, unit: Unit, month: datetime.date, kind: str, day: datetime.date | None = None) -> bool:
    """Record the reminder; False when it was already sent."""
    try:
        with transaction.atomic():
            Reminder.objects.create(campaign=campaign, unit=unit, month=month, kind=kind, day=day)
    except IntegrityError:
        return False
    return True


BEFORE_TEXT = gettext_lazy("The report of %(unit)s for %(month)s is not submitted yet. %(deadline)s")
MISSING_TEXT = gettext_lazy("The report of %(unit)s for %(month)s is missing: the deadline has passed.")
SUMMARY_TEXT = gettext_lazy(
    "Reports for %(month)s: %(actual)s of %(expected)s received (%(late)s late), %(missing)s missing."
)
BY_HAND_TEXT = gettext_lazy(
    "Reminder from the coordinator: the report of %(unit)s for %(month)s is not submitted yet. %(deadline)s"
)


def _values(campaign: Campaign, unit: Unit, month: datetime.date, now: datetime.datetime) -> dict[str, object]:
    # The deadline as every page says it, in each person's language.
    return {"month": month.strftime("%m/%Y"), "unit": unit.name, "deadline": lambda: due(campaign, month, now).text}


@dataclass
class ByHandRun:
    reminded: int = 0
    # Units already reminded today, or whose report is in: nothing sent to them.
    skipped: int = 0


@transaction.atomic
def units_remind(
    *,
    actor: User,
    campaign: Campaign,
    month: datetime.date,
    units: UnitQuerySet,
    now: datetime.datetime | None = None,
) -> ByHandRun:
    """Remind, by hand, the people of each of ``units`` whose report of ``month`` is not in.

    Each one gets a notification in the app and, when they have an address, an e-mail (sent once the
    transaction commits). A unit is reminded at most once a day: the claim of the day's Reminder row,
    under a unique constraint, decides. Every unit reminded is logged.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    month = first_of_month(month)
    status = completeness(campaign=campaign, month=month, now=now, units=units)
    pending = status.to_chase
    reporters = reporters_of([r.unit for r in pending])
    run = ByHandRun(skipped=len(status.rows) - len(pending))
    for row in pending:
        if not _claim(campaign, row.unit, month, Reminder.Kind.BY_HAND, day=today):
            run.skipped += 1
            continue
        people = reporters.get(row.unit.pk, [])
        notify(
            people,
            BY_HAND_TEXT,
            _values(campaign, row.unit, month, now),
            url=reverse("reports:report", args=[campaign.pk, row.unit.pk, f"{month:%Y-%m}"]),
            month=month,
        )
        log_action(
            "reports.reminder.sent",
            actor=actor,
            obj=campaign,
            unit=row.unit,
            data={"month": f"{month:%Y-%m}", "people": len(people), "emails": sum(1 for u in people if u.email)},
        )
        run.reminded += 1
    return run


@transaction.atomic
def notifications_mark_read(
    *, user: User, notification_id: int | None = None, now: datetime.datetime | None = None
) -> int:
    """Mark one of ``user``'s notifications read, or all of them; returns how many were unread."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=now or timezone.now())


def send_reminders(*, now: datetime.datetime | None = None) -> ReminderRun:
    """Remind units whose report of last month is not in, and sum up for the coordinator.

    ``REMINDER_DAYS_BEFORE`` days before the deadline: the units not yet
    submitted. From the day the deadline has passed: the units still missing,
    and one summary for the coordinators.
    """
    now = now or timezone.now()
    run = ReminderRun()
    today = timezone.localdate(now)
    month = add_months(first_of_month(today), -1)
    for campaign in Campaign.objects.filter(start_date__lte=today).select_related("area", "coordinating_unit"):
        if not first_of_month(campaign.start_date) <= month <= first_of_month(campaign.end_date):
            continue
        deadline = campaign.deadline(month)
        if now < deadline - datetime.timedelta(days=settings.REMINDER_DAYS_BEFORE):
            continue
        kind = Reminder.Kind.BEFORE if now < deadline else Reminder.Kind.MISSING
        status = completeness(campaign=campaign, month=month, now=now)
        url = reverse("campaigns:detail", args=[campaign.pk])
        pending = status.to_chase
        reporters = reporters_of([r.unit for r in pending])
        for row in pending:
            if not _claim(campaign, row.unit, month, kind):
                continue
            if kind == Reminder.Kind.BEFORE:
                run.before += 1
            else:
                run.missing += 1
            notify(
                reporters.get(row.unit.pk, []),
                BEFORE_TEXT if kind == Reminder.Kind.BEFORE else MISSING_TEXT,
                _values(campaign, row.unit, month, now),
                url=url,
                month=month,
            )
        if kind == Reminder.Kind.MISSING and _claim(campaign, campaign.area, month, Reminder.Kind.SUMMARY):
            summary: dict[str, object] = {
                "month": month.strftime("%m/%Y"),
                "actual": status.actual,
                "expected": status.expected,
                "late": sum(1 for r in status.rows if r.late),
                "missing": len(pending),
            }
            notify(
                coordinators_of(campaign),
                SUMMARY_TEXT,
                summary,
                url=reverse("reports:completeness", args=[campaign.pk]),
                month=month,
            )
            run.summaries += 1
    return run
