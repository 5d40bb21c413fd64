"""Calendar months, as the first day of the month; days as people type them (dd/mm/yyyy)."""

from __future__ import annotations

import calendar
import datetime


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def last_of_month(month: datetime.date) -> datetime.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def parse_month(text: str) -> datetime.date | None:
    """ "2024-08" or "08/2024" to 1 August 2024; None if it is neither."""
    for pattern in ("%Y-%m", "%m/%Y"):
        try:
            return datetime.datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return None


def parse_day(text: str) -> datetime.date | None:
    """A day typed as dd/mm/yyyy, or None when it is not one."""
    try:
        return datetime.datetime.strptime(text.strip(), "%d/%m/%Y").date()
    except ValueError:
        return None
