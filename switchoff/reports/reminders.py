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
import functools
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy, override

from switchoff.audit.services import log_action
from switchoff.campaigns.models import Campaign
from switchoff.lib.months import add_months, first_of_month
from switchoff.people.models import Membership, User
from switchoff.people.roles import Role
from switchoff.reports.models import Notification, Reminder
from switchoff.reports.selectors import completeness
from switchoff.units.models import Unit, UnitQuerySet

REPORTER_ROLES = [Role.REPORTER, Role.OPERATOR_STAFF, Role.TEAM_LEADER]


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


def _notify(users: list[User], text_for: dict[str, str], url: str, subject_for: dict[str, str]) -> None:
    Notification.objects.bulk_create([Notification(user=u, text=text_for[u.language][:300], url=url) for u in users])
    mails = [
        (subject_for[u.language], text_for[u.language], settings.DEFAULT_FROM_EMAIL, [u.email])
        for u in users
        if u.email
    ]
    if mails:
        send_mass_mail(mails, fail_silently=True)


BEFORE_TEXT = gettext_lazy("The report of %(unit)s for %(month)s is not submitted yet. %(deadline)s")
MISSING_TEXT = gettext_lazy("The report of %(unit)s for %(month)s is missing: the deadline has passed.")
SUMMARY_TEXT = gettext_lazy(
    "Reports for %(month)s: %(actual)s of %(expected)s received (%(late)s late), %(missing)s missing."
)
SUBJECT = gettext_lazy("switchoff: monthly report %(month)s")
BY_HAND_TEXT = gettext_lazy(
    "Reminder from the coordinator: the report of %(unit)s for %(month)s is not submitted yet. %(deadline)s"
)


def _texts(message: Promise, values: dict[str, object]) -> dict[str, str]:
    """The message in every language, so that each person gets theirs.

    A value may be a function: it is called in each language too (the deadline sentence is translated).
    """
    result = {}
    for language, _name in settings.LANGUAGES:
        with override(language):
            filled = {key: value() if callable(value) else value for key, value in values.items()}
            result[language] = str(message) % filled
    return result


def _reporters_of(units: list[Unit]) -> dict[int, list[User]]:
    reporters: dict[int, list[User]] = {}
    for membership in Membership.objects.filter(
        unit__in=units, role__in=REPORTER_ROLES, user__is_active=True
    ).select_related("user"):
        reporters.setdefault(membership.unit_id, []).append(membership.user)
    return reporters


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
    reporters = _reporters_of([r.unit for r in pending])
    run = ByHandRun(skipped=len(status.rows) - len(pending))
    mails: list[tuple[str, str, str, list[str]]] = []
    for row in pending:
        if not _claim(campaign, row.unit, month, Reminder.Kind.BY_HAND, day=today):
            run.skipped += 1
            continue
        values: dict[str, object] = {
            "month": month.strftime("%m/%Y"),
            "unit": row.unit.name,
            "deadline": functools.partial(campaign.deadline_text, month),
        }
        texts, subjects = _texts(BY_HAND_TEXT, values), _texts(SUBJECT, values)
        people = reporters.get(row.unit.pk, [])
        url = reverse("reports:report", args=[campaign.pk, row.unit.pk, f"{month:%Y-%m}"])
        Notification.objects.bulk_create([Notification(user=u, text=texts[u.language][:300], url=url) for u in people])
        mailed = [u for u in people if u.email]
        mails += [(subjects[u.language], texts[u.language], settings.DEFAULT_FROM_EMAIL, [u.email]) for u in mailed]
        log_action(
            "reports.reminder.sent",
            actor=actor,
            obj=campaign,
            unit=row.unit,
            data={"month": f"{month:%Y-%m}", "people": len(people), "emails": len(mailed)},
        )
        run.reminded += 1
    if mails:
        # A rolled-back reminder sends nothing.
        transaction.on_commit(lambda: send_mass_mail(mails, fail_silently=True))
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
        reporters = _reporters_of([r.unit for r in pending])
        for row in pending:
            if not _claim(campaign, row.unit, month, kind):
                continue
            values: dict[str, object] = {
                "month": month.strftime("%m/%Y"),
                "unit": row.unit.name,
                "deadline": functools.partial(campaign.deadline_text, month),
            }
            if kind == Reminder.Kind.BEFORE:
                run.before += 1
            else:
                run.missing += 1
            texts = _texts(BEFORE_TEXT if kind == Reminder.Kind.BEFORE else MISSING_TEXT, values)
            _notify(reporters.get(row.unit.pk, []), texts, url, _texts(SUBJECT, values))
        if kind == Reminder.Kind.MISSING and _claim(campaign, campaign.area, month, Reminder.Kind.SUMMARY):
            coordinators = [
                m.user
                for m in Membership.objects.filter(
                    unit=campaign.coordinating_unit, role=Role.COORDINATOR, user__is_active=True
                ).select_related("user")
            ]
            summary: dict[str, object] = {
                "month": month.strftime("%m/%Y"),
                "actual": status.actual,
                "expected": status.expected,
                "late": sum(1 for r in status.rows if r.late),
                "missing": len(pending),
            }
            _notify(
                coordinators,
                _texts(SUMMARY_TEXT, summary),
                reverse("reports:completeness", args=[campaign.pk]),
                _texts(SUBJECT, summary),
            )
            run.summaries += 1
    return run
