"""When a month's report is due, computed once for every page, document and reminder.

``Campaign.deadline(month)`` is the first late instant (00:00 on day N of the next month in
Asia/Ho_Chi_Minh, or on N + 1 with the inclusive reading). People read a deadline as its last day
on time, so every page says "due by 09/12/2024 (in 2 days)" from the same ``Due``: the home page,
the report, completeness, the reminders. Rates (completeness, timeliness) are shown only once
``passed``: before it, a unit that has not reported yet is not late.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext, ngettext

from switchoff.campaigns.models import Campaign
from switchoff.lib.months import first_of_month
from switchoff.reports.models import MonthlyReport


@dataclass(frozen=True)
class Due:
    """A month's deadline as people read it, seen at ``now``."""

    month: datetime.date
    deadline: datetime.datetime  # the first late instant
    last_day: datetime.date  # the last day still on time, in Asia/Ho_Chi_Minh
    days_left: int  # from today to the last day on time: 0 on it, negative once passed

    @property
    def passed(self) -> bool:
        return self.days_left < 0

    @property
    def overdue(self) -> bool:
        return self.passed

    @property
    def days_late(self) -> int:
        return -self.days_left

    @property
    def text(self) -> str:
        """ "Due by 09/12/2024 (in 2 days)." in the active language: the one sentence every page shows."""
        day = self.last_day.strftime("%d/%m/%Y")
        if self.days_left < 0:
            return ngettext("Due by %(day)s: %(n)s day late.", "Due by %(day)s: %(n)s days late.", self.days_late) % {
                "day": day,
                "n": self.days_late,
            }
        if self.days_left == 0:
            return gettext("Due by %(day)s: today is the last day.") % {"day": day}
        return ngettext("Due by %(day)s (in %(n)s day).", "Due by %(day)s (in %(n)s days).", self.days_left) % {
            "day": day,
            "n": self.days_left,
        }


def due(
    campaign: Campaign,
    month: datetime.date,
    now: datetime.datetime | None = None,
    deadline: datetime.datetime | None = None,
) -> Due:
    """The deadline of ``month``'s report as every page shows it (``deadline``: another than the units')."""
    now = now or timezone.now()
    month = first_of_month(month)
    deadline = deadline or campaign.deadline(month)
    last_day = timezone.localtime(deadline - datetime.timedelta(microseconds=1)).date()
    return Due(month=month, deadline=deadline, last_day=last_day, days_left=(last_day - timezone.localdate(now)).days)


def report_is_locked(report: MonthlyReport, campaign: Campaign, now: datetime.datetime) -> bool:
    """After the lock time (deadline + the campaign's lock days) only the coordinator reopens a report."""
    if report.reopened_until is not None and now < report.reopened_until:
        return False
    return now >= campaign.lock_time(report.month)
