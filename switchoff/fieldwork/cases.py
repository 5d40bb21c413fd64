"""Cases made and moved set-based from the registry: a campaign's cases follow its operators' lists.

Called inside the transaction that writes a list (``subscribers/services.list_write``), and
when a campaign opens. Every statement works on sets: one INSERT … SELECT for the
new cases (the team found by a correlated lookup of the village's covering team),
grouped counts for their counters, and UPDATEs for the rules of ``rules.py`` on the
cases the list judged. Only cases whose subscriber moved to another village are
read into Python (they are few), to find their new team.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from switchoff.campaigns.models import Campaign
from switchoff.fieldwork import rules
from switchoff.fieldwork.counts import CaseDeltas, grouped
from switchoff.fieldwork.models import Case, CaseTransfer
from switchoff.subscribers.models import Subscriber, SubscriberList
from switchoff.units.models import Unit

_COVERS = Unit.covers.through


def teams_of(village_ids: set[int]) -> dict[int, int]:
    """Village → the team covering it (the first made, when several do)."""
    teams: dict[int, int] = {}
    rows = _COVERS.objects.filter(to_unit_id__in=village_ids).order_by("-from_unit_id")
    for team_id, village_id in rows.values_list("from_unit_id", "to_unit_id"):
        teams[village_id] = team_id
    return teams


def campaigns_for(area: Unit, day: datetime.date) -> list[Campaign]:
    """Campaigns running on ``day`` (or still to start) whose area holds ``area``."""
    return [
        c
        for c in Campaign.objects.select_related("area").filter(end_date__gte=day)
        if area.rollup_path.startswith(c.area.rollup_path)
    ]


# The covering team of each village (the first made when several cover it), joined once rather than
# looked up row by row: a correlated subquery per row doubled PostgreSQL's time for a million rows.
_TEAMS = "SELECT to_unit_id AS village_id, MIN(from_unit_id) AS team_id FROM units_unit_covers GROUP BY to_unit_id"
_COLUMNS = (
    "campaign_id, subscriber_id, unit_id, team_id, status, stage, not_home, conflict, version, assigned_version, "
    "changed_at, found_in_field, found_name, found_msisdn, found_address, last_outcome"
)


def _insert_cases(campaign: Campaign, subscribers: QuerySet[Subscriber]) -> int:
    """One case per listed subscriber of ``subscribers`` without one in ``campaign``: one INSERT … SELECT.

    The counters come first, from the same rows grouped by unit (the operator is locked by the
    import: nothing changes between the two statements).
    """
    rows_sql, rows_params = (
        subscribers.filter(status=Subscriber.Status.LISTED).values("id", "unit_id", "list_area_id").order_by()
    ).query.sql_with_params()
    rows = f"FROM ({rows_sql}) s "  # Django's own SQL
    new = "NOT EXISTS (SELECT 1 FROM fieldwork_case c WHERE c.campaign_id = %s AND c.subscriber_id = s.id)"
    place = "COALESCE(s.unit_id, s.list_area_id)"
    params = [*rows_params, campaign.pk]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {place}, COUNT(*) {rows} WHERE {new} GROUP BY 1", params)
        per_unit = cursor.fetchall()
        if not per_unit:
            return 0
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        cursor.execute(
            f"INSERT INTO fieldwork_case ({_COLUMNS}) "
            f"SELECT %s, s.id, {place}, t.team_id, %s, 0, 0, %s, 1, 1, %s, %s, '', '', '', '' "
            f"{rows} LEFT JOIN ({_TEAMS}) t ON t.village_id = {place} WHERE {new}",
            [campaign.pk, str(rules.Status.NEW), False, now, False, *params],
        )
    teams = teams_of({unit_id for unit_id, _n in per_unit})
    deltas = CaseDeltas()
    for unit_id, n in per_unit:
        deltas.add((campaign.pk, unit_id, teams.get(unit_id), rules.Status.NEW, rules.Stage.LISTED, None), n)
    deltas.write()
    return sum(n for _unit, n in per_unit)


def _move_cases(campaign: Campaign, subscribers: QuerySet[Subscriber]) -> int:
    """Cases whose subscriber lives elsewhere now follow them to the team covering it (the old team sees them leave)."""
    moved = list(
        Case.objects.filter(campaign=campaign, subscriber__in=subscribers.values("pk"))
        .annotate(place=Coalesce("subscriber__unit_id", "subscriber__list_area_id"))
        .exclude(unit_id=F("place"))
        .values_list("pk", "unit_id", "team_id", "status", "stage", "follow_up_on", "place")
    )
    if not moved:
        return 0
    teams = teams_of({row[6] for row in moved})
    deltas = CaseDeltas()
    by_target: defaultdict[tuple[int, int | None], list[int]] = defaultdict(list)
    members = dict(Case.objects.filter(pk__in=[row[0] for row in moved]).values_list("pk", "member_id"))
    transfers = []
    for pk, unit_id, team_id, status, stage, follow_up_on, place in moved:
        team = teams.get(place)
        if team != team_id or members.get(pk):
            transfers.append(CaseTransfer(case_id=pk, from_team_id=team_id, from_member_id=members.get(pk)))
        deltas.change((campaign.pk, unit_id, team_id, status, stage, follow_up_on),
                      (campaign.pk, place, team, status, stage, follow_up_on))  # fmt: skip
        by_target[(place, team)].append(pk)
    now = timezone.now()
    for (place, team), ids in by_target.items():
        for start in range(0, len(ids), 5000):
            Case.objects.filter(pk__in=ids[start : start + 5000]).update(
                unit_id=place, team_id=team, member=None, version=F("version") + 1,
                assigned_version=F("version") + 1, changed_at=now,
            )  # fmt: skip
    CaseTransfer.objects.bulk_create(transfers, batch_size=1000)
    deltas.write()
    return len(moved)


def _apply_rule(cases: QuerySet[Case], rule: tuple[Q, dict[str, object]], now: datetime.datetime) -> int:
    condition, values = rule
    judged = cases.filter(condition)
    deltas = CaseDeltas()
    changed = 0
    for key, n in grouped(judged):
        campaign_id, unit_id, team_id, status, stage, follow_up_on = key
        after = (
            campaign_id,
            unit_id,
            team_id,
            str(values.get("status", status)),
            int(values.get("stage", stage)),  # type: ignore[call-overload]
            values.get("follow_up_on", follow_up_on),
        )
        deltas.change(key, after, n)  # type: ignore[arg-type]
        changed += n
    if changed:
        judged.update(**values, version=F("version") + 1, assigned_version=F("version") + 1, changed_at=now)
        deltas.write()
    return changed


@transaction.atomic
def cases_after_list(*, source: SubscriberList) -> dict[str, int]:
    """What an operator's list does to the cases of the campaigns it concerns (see ``rules``): in its transaction.

    New subscribers get a case, moved ones move their case, and the loop closes on the
    switched cases: still on a list dated after the switch, revisit; absent from the operator's
    latest list (this one, or an earlier one that arrived before the switch was reported),
    verified; a case not switched whose number left is closed. Answers the numbers, for the
    import's summary.
    """
    area = source.area
    of_list = Subscriber.objects.filter(
        operator_id=source.operator_id, list_area__in=Unit.objects.rolling_into(area).values("pk")
    )
    listed = of_list.filter(status=Subscriber.Status.LISTED, last_listed=source.as_of)
    left = of_list.filter(status=Subscriber.Status.LEFT, left_on=source.as_of)
    # Absent from the latest list: this one's leavers, and those who left an earlier one (it may have been
    # dated before a switch reported since, and imported after it).
    absent = of_list.filter(status=Subscriber.Status.LEFT)
    now = timezone.now()
    result: defaultdict[str, int] = defaultdict(int)
    for campaign in campaigns_for(area, source.as_of):
        # The cases there were before the list first: moved, then judged by the rules (a new case is where its
        # subscriber is, and is judged by none: it is not switched, and its subscriber is listed), so that a first
        # list does not look again at the million cases it has just made. The new cases last.
        result["cases_moved"] += _move_cases(campaign, listed)
        cases = Case.objects.filter(campaign=campaign)
        still = cases.filter(subscriber__in=listed.values("pk"))
        gone = cases.filter(subscriber__in=left.values("pk"))
        result["cases_revisit"] += _apply_rule(still, rules.list_revisits(source.as_of), now)
        result["cases_verified"] += _apply_rule(
            cases.filter(subscriber__in=absent.values("pk")), rules.list_verifies(), now
        )
        result["cases_closed"] += _apply_rule(gone, rules.list_closes(), now)
        result["cases_new"] += _insert_cases(campaign, listed)
    order = ("cases_new", "cases_moved", "cases_revisit", "cases_verified", "cases_closed")
    return {key: result[key] for key in order if key in result}


@transaction.atomic
def cases_follow(*, subscribers: QuerySet[Subscriber]) -> int:
    """The cases of ``subscribers`` follow them to their unit now (a person placed an address), in every campaign."""
    campaigns = Campaign.objects.filter(pk__in=Case.objects.filter(subscriber__in=subscribers).values("campaign_id"))
    return sum(_move_cases(campaign, subscribers) for campaign in campaigns)


@transaction.atomic
def campaign_cases_open(*, campaign: Campaign) -> int:
    """A case for every subscriber listed in the campaign's area who has none yet (a campaign that opens)."""
    units = Unit.objects.rolling_into(campaign.area).values("pk")
    return _insert_cases(campaign, Subscriber.objects.filter(list_area__in=units))
