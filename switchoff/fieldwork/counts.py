"""The field work's counters, per campaign: cases by status and by funnel stage, follow-ups by day, visits.

Every key carries the campaign's id (``fieldwork.<campaign>.…``); a case counts in its
unit (its village, or its commune while unplaced), so the counts roll up the unit
tree. The dimension is the case's team (0: none), or for ``member_visits`` the
member. ``follow_up`` is written on the follow-up's own day, so the follow-ups
overdue are the counts up to yesterday. Visits count where the case was and for
the team it belonged to when the visit was made (both kept on the visit). ``found``
counts the cases of people found at the door (on no list), where they are and for
their team, so that the pages show them apart from the cases on the lists.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import CharField, Count, F, IntegerField, QuerySet, Value
from django.db.models.functions import Cast, Coalesce, Concat

from switchoff.counts.services import Delta, counts_add_many
from switchoff.counts.verify import register
from switchoff.fieldwork.models import Case, Visit

PREFIX = "fieldwork."


def status_key(campaign_id: int, status: str) -> str:
    return f"{PREFIX}{campaign_id}.status.{status}"


def stage_key(campaign_id: int, stage: int) -> str:
    return f"{PREFIX}{campaign_id}.stage.{stage}"


def follow_up_key(campaign_id: int) -> str:
    return f"{PREFIX}{campaign_id}.follow_up"


def visits_key(campaign_id: int) -> str:
    return f"{PREFIX}{campaign_id}.visits"


def found_key(campaign_id: int) -> str:
    return f"{PREFIX}{campaign_id}.found"


def member_visits_key(campaign_id: int) -> str:
    return f"{PREFIX}{campaign_id}.member_visits"


# What of a case its counters depend on: (campaign, unit, team, status, stage, follow-up day).
CaseKey = tuple[int, int, int | None, str, int, datetime.date | None]


class CaseDeltas:
    """Deltas of case counters, added up before they are written (a few rows per change, not one per case)."""

    def __init__(self) -> None:
        self.sums: defaultdict[tuple[int, str, int, datetime.date | None], int] = defaultdict(int)

    def add(self, key: CaseKey, n: int) -> None:
        campaign_id, unit_id, team_id, status, stage, follow_up_on = key
        team = team_id or 0
        self.sums[(unit_id, status_key(campaign_id, status), team, None)] += n
        self.sums[(unit_id, stage_key(campaign_id, stage), team, None)] += n
        if follow_up_on is not None:
            self.sums[(unit_id, follow_up_key(campaign_id), team, follow_up_on)] += n

    def change(self, before: CaseKey, after: CaseKey, n: int = 1) -> None:
        if before != after:
            self.add(before, -n)
            self.add(after, n)

    def found(self, *, campaign_id: int, unit_id: int, team_id: int | None, n: int = 1) -> None:
        """Cases found in the field added (or, ``n`` < 0, leaving ``unit_id`` and ``team_id``)."""
        self.sums[(unit_id, found_key(campaign_id), team_id or 0, None)] += n

    def visit(
        self, *, campaign_id: int, unit_id: int, team_id: int | None, member_id: int, day: datetime.date, n: int = 1
    ) -> None:
        self.sums[(unit_id, visits_key(campaign_id), team_id or 0, day)] += n
        self.sums[(unit_id, member_visits_key(campaign_id), member_id, day)] += n

    def write(self) -> None:
        counts_add_many(
            Delta(unit_id=u, key=k, delta=n, dimension=d, day=day) for (u, k, d, day), n in self.sums.items()
        )
        self.sums.clear()


def case_key(case: Case) -> CaseKey:
    return (case.campaign_id, case.unit_id, case.team_id, case.status, case.stage, case.follow_up_on)


CASE_KEY_FIELDS = ("campaign_id", "unit_id", "team_id", "status", "stage", "follow_up_on")


def grouped(cases: QuerySet[Case]) -> Iterable[tuple[CaseKey, int]]:
    """The cases of ``cases`` grouped by what their counters depend on, one query."""
    rows = cases.values_list(*CASE_KEY_FIELDS).annotate(n=Count("pk")).order_by()
    for *key, n in rows:
        yield tuple(key), n


def found_grouped(cases: QuerySet[Case]) -> Iterable[tuple[tuple[int, int, int | None], int]]:
    """The cases found in the field among ``cases`` by (campaign, unit, team), one query."""
    rows = (
        cases.filter(found_in_field=True)
        .values_list("campaign_id", "unit_id", "team_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for campaign_id, unit_id, team_id, n in rows:
        yield (campaign_id, unit_id, team_id), n


def _key(*parts: Any) -> Concat:
    return Concat(*parts, output_field=CharField())


@register(PREFIX)
def rebuild() -> QuerySet[Any, Any]:
    cases = Case.objects.annotate(campaign_text=Cast("campaign_id", CharField()), team_dim=Coalesce("team_id", 0))
    by_status = (
        cases.annotate(
            count_unit=F("unit_id"),
            count_key=_key(Value(PREFIX), "campaign_text", Value(".status."), "status"),
            count_dimension=F("team_dim"),
        )
        .values("count_unit", "count_key", "count_dimension")
        .annotate(count_total=Count("pk"))
        .order_by()
    )
    by_stage = (
        cases.annotate(
            count_unit=F("unit_id"),
            count_key=_key(Value(PREFIX), "campaign_text", Value(".stage."), Cast("stage", CharField())),
            count_dimension=F("team_dim"),
        )
        .values("count_unit", "count_key", "count_dimension")
        .annotate(count_total=Count("pk"))
        .order_by()
    )

    def per_unit_and_team(subset: QuerySet[Any, Any], suffix: str) -> QuerySet[Any, Any]:
        return (
            subset.annotate(
                count_unit=F("unit_id"),
                count_key=_key(Value(PREFIX), "campaign_text", Value(suffix)),
                count_dimension=F("team_dim"),
            )
            .values("count_unit", "count_key", "count_dimension")
            .annotate(count_total=Count("pk"))
            .order_by()
        )

    follow_ups = per_unit_and_team(cases.filter(follow_up_on__isnull=False), ".follow_up")
    found = per_unit_and_team(cases.filter(found_in_field=True), ".found")
    visits = Visit.objects.annotate(campaign_text=Cast("case__campaign_id", CharField()))
    by_team = (
        visits.annotate(
            count_unit=F("unit_id"),
            count_key=_key(Value(PREFIX), "campaign_text", Value(".visits")),
            count_dimension=Coalesce("team_id", 0, output_field=IntegerField()),
        )
        .values("count_unit", "count_key", "count_dimension")
        .annotate(count_total=Count("pk"))
        .order_by()
    )
    by_member = (
        visits.annotate(
            count_unit=F("unit_id"),
            count_key=_key(Value(PREFIX), "campaign_text", Value(".member_visits")),
            count_dimension=F("member_id"),
        )
        .values("count_unit", "count_key", "count_dimension")
        .annotate(count_total=Count("pk"))
        .order_by()
    )
    return by_status.union(by_stage, follow_ups, found, by_team, by_member, all=True)
