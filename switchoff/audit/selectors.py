"""Reads over the audit trail beyond its list: unusual volumes of searches by full number."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from switchoff.audit.models import AuditEvent
from switchoff.people.models import User

NUMBER_SEARCHED = "subscribers.number.searched"
NUMBER_SEARCH_THROTTLED = "subscribers.number.search_throttled"
# Seven days of searches above this many days' worth of the daily threshold are unusual too.
WEEK_FACTOR = 3


@dataclass(frozen=True)
class SearchVolume:
    person: User
    last_day: int
    last_week: int
    throttled: int


def unusual_number_searches(events: QuerySet[AuditEvent], *, now: datetime.datetime) -> list[SearchVolume]:
    """People whose searches by full number in ``events`` look like enumeration, with their counts.

    Unusual: more than ``NUMBER_SEARCH_UNUSUAL_PER_DAY`` in the last 24 hours,
    more than three times that in the last 7 days, or refused by the per-minute
    limit at least once in the last 7 days. One grouped query, one for the people.
    """
    per_day = settings.NUMBER_SEARCH_UNUSUAL_PER_DAY
    day_ago, week_ago = now - datetime.timedelta(days=1), now - datetime.timedelta(days=7)
    rows = (
        events.filter(action__in=[NUMBER_SEARCHED, NUMBER_SEARCH_THROTTLED], at__gte=week_ago, actor__isnull=False)
        .order_by()
        .values("actor")
        .annotate(
            last_day=Count("id", filter=Q(action=NUMBER_SEARCHED, at__gte=day_ago)),
            last_week=Count("id", filter=Q(action=NUMBER_SEARCHED)),
            throttled=Count("id", filter=Q(action=NUMBER_SEARCH_THROTTLED)),
        )
        .filter(Q(last_day__gt=per_day) | Q(last_week__gt=per_day * WEEK_FACTOR) | Q(throttled__gt=0))
    )
    counts = {row["actor"]: row for row in rows}
    people = User.objects.in_bulk(list(counts))
    found = [
        SearchVolume(people[pk], row["last_day"], row["last_week"], row["throttled"])
        for pk, row in counts.items()
        if pk in people
    ]
    return sorted(found, key=lambda v: (-v.last_day, -v.last_week, -v.throttled, v.person.username))
