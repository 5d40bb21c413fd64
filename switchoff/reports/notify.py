"""Telling people: a notification in the app (the home page's "New for you") and an e-mail where they have an address.

One path for the reminders and for what happens to a report (returned with its reason, accepted,
reopened, submitted on the unit's behalf, a unit asking for its report back). Each person gets the
text in their own language; the e-mails leave once the transaction that made the change commits, so
a change rolled back tells nobody.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy, override

from switchoff.campaigns.models import Campaign
from switchoff.people.models import Membership, User
from switchoff.people.roles import Role
from switchoff.reports.models import Notification
from switchoff.units.models import Unit

# The roles whose people log activities and send a unit's report: they hear about it.
REPORTER_ROLES = [Role.REPORTER, Role.OPERATOR_STAFF, Role.TEAM_LEADER]

SUBJECT = gettext_lazy("switchoff: monthly report %(month)s")


def texts(message: Promise, values: dict[str, object]) -> dict[str, str]:
    """The message in every language, so that each person gets theirs.

    A value may be a function: it is called in each language too (the deadline sentence is translated).
    """
    result = {}
    for language, _name in settings.LANGUAGES:
        with override(language):
            filled = {key: value() if callable(value) else value for key, value in values.items()}
            result[language] = str(message) % filled
    return result


def reporters_of(units: Iterable[Unit]) -> dict[int, list[User]]:
    """The active people who report for each unit (by unit id)."""
    reporters: dict[int, list[User]] = {}
    for membership in Membership.objects.filter(
        unit__in=list(units), role__in=REPORTER_ROLES, user__is_active=True
    ).select_related("user"):
        reporters.setdefault(membership.unit_id, []).append(membership.user)
    return reporters


def coordinators_of(campaign: Campaign) -> list[User]:
    """The active coordinators of the campaign's coordinating unit."""
    return [
        m.user
        for m in Membership.objects.filter(
            unit_id=campaign.coordinating_unit_id, role=Role.COORDINATOR, user__is_active=True
        ).select_related("user")
    ]


def notify(
    users: Iterable[User],
    message: Promise,
    values: dict[str, object],
    *,
    url: str,
    month: datetime.date | None = None,
    subject: Promise = SUBJECT,
    exclude: User | None = None,
) -> int:
    """Notify each of ``users`` (once, ``exclude`` left out) in the app and by e-mail; returns how many.

    The e-mail's ``subject`` is filled with ``values`` and ``month`` ("switchoff: monthly report 11/2024").
    """
    people = list({u.pk: u for u in users if exclude is None or u.pk != exclude.pk}.values())
    if not people:
        return 0
    text_for = texts(message, values)
    subject_for = texts(subject, {**values, "month": month.strftime("%m/%Y") if month else ""})
    Notification.objects.bulk_create(
        [Notification(user=u, text=text_for.get(u.language, text_for["vi"])[:300], url=url) for u in people]
    )
    mails = [
        (
            subject_for.get(u.language, subject_for["vi"]),
            text_for.get(u.language, text_for["vi"]),
            settings.DEFAULT_FROM_EMAIL,
            [u.email],
        )
        for u in people
        if u.email
    ]
    if mails:
        if _in_own_transaction():
            # Once the change is committed: a change rolled back mails nobody.
            transaction.on_commit(lambda: send_mass_mail(mails, fail_silently=True))
        else:
            send_mass_mail(mails, fail_silently=True)  # the daily job, outside any transaction
    return len(people)


def _in_own_transaction() -> bool:
    """Inside a transaction of the code's own (a TestCase's wrapping blocks, which Django marks, do not count)."""
    connection = transaction.get_connection()
    return connection.in_atomic_block and any(
        not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks
    )
