"""Reads of the field work: a member's cases (paged, changed since), households, a case's history, progress."""

from __future__ import annotations

import base64
import datetime
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from switchoff.campaigns.models import Campaign
from switchoff.counts.selectors import count_by_day, count_totals, total
from switchoff.fieldwork import counts as keys
from switchoff.fieldwork.access import field_cases, teams_of_member
from switchoff.fieldwork.cases import campaigns_for
from switchoff.fieldwork.models import Case, CaseTransfer, HeldVisit, HouseholdEntry, Resolution, Visit
from switchoff.fieldwork.rules import OPEN, Stage, Status
from switchoff.lib.collation import vi_order
from switchoff.lib.text import fold
from switchoff.people.models import Membership, User
from switchoff.people.roles import Role
from switchoff.units.models import Unit, UnitKind

PROGRESS_DAYS = 14


CANDIDATES_SHOWN = 50


def team_candidates(team: Unit, query: str = "", *, include_team: bool = False) -> QuerySet[User]:
    """Who a team's leader or its commune's official may put in the team: the active people of the team's
    commune (a membership in the commune, its villages, its other teams, its offices), not yet in the team
    (``include_team``: those in it too, who may be named leader).

    A ward's teams are made of the ward's own people (its staff, village heads, volunteers already given an
    account); anyone else is invited first (people.manage). ``query`` narrows by name (diacritics optional),
    username or phone number.
    """
    commune = team.geographic_anchor()
    in_commune = Membership.objects.filter(unit__in=Unit.objects.rolling_into(commune).values("pk")).values("user_id")
    people = User.objects.filter(pk__in=in_commune, is_active=True)
    if not include_team:
        in_team = Membership.objects.filter(unit=team, role__in=[Role.TEAM_MEMBER, Role.TEAM_LEADER])
        people = people.exclude(pk__in=in_team.values("user_id"))
    if query := query.strip():
        folded = fold(query)
        people = people.filter(
            Q(search_name__contains=folded) | Q(username__istartswith=query) | Q(phone__startswith=query)
        )
    return people.order_by(vi_order("full_name"), "username")


def villages_of_teams(team_ids: list[int]) -> list[dict[str, Any]]:
    """The villages the teams cover, by name (a person found at the door is placed in one of them): one query."""
    covers = Unit.covers.through.objects.filter(from_unit_id__in=team_ids).select_related("to_unit")
    seen: dict[int, dict[str, Any]] = {}
    for row in covers.order_by("to_unit__search_name", "from_unit_id"):
        seen.setdefault(row.to_unit_id, {"id": row.to_unit_id, "name": row.to_unit.name, "team_id": row.from_unit_id})
    return list(seen.values())


def member_workload(team: Unit, member_ids: list[int]) -> dict[int | None, tuple[int, int]]:
    """For each member of ``team``, (open cases handed to them, of which follow-ups due by today), and under
    ``None`` the team's cases handed to nobody: one query."""
    open_cases = Q(status__in=list(OPEN))
    rows = (
        Case.objects.filter(team=team)
        .filter(Q(member_id__in=member_ids) | Q(member__isnull=True))
        .values_list("member_id")
        .annotate(
            open=Count("pk", filter=open_cases),
            due=Count("pk", filter=open_cases & Q(follow_up_on__lte=timezone.localdate())),
        )
        .order_by()
    )
    return {member_id: (n_open, n_due) for member_id, n_open, n_due in rows}


def waiting_for_leader(team_ids: list[int]) -> dict[int, dict[str, int]]:
    """For each team, what a leader must decide on: its cases in conflict, and escalated (three times not at
    home, a wrong number), and the visits of revoked phones held for them; two queries, for the team page and
    the leader's home page."""
    rows = (
        Case.objects.filter(team_id__in=team_ids)
        .values_list("team_id")
        .annotate(
            conflict=Count("pk", filter=Q(conflict=True)), escalated=Count("pk", filter=Q(status=Status.ESCALATED))
        )
        .order_by()
    )
    found = {team: {"conflict": conflict, "escalated": escalated, "held": 0} for team, conflict, escalated in rows}
    held = (
        HeldVisit.objects.filter(team_id__in=team_ids, state=HeldVisit.State.WAITING)
        .values_list("team_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for team, n in held:
        found.setdefault(team, {"conflict": 0, "escalated": 0, "held": 0})["held"] = n
    return {team: found.get(team, {"conflict": 0, "escalated": 0, "held": 0}) for team in team_ids}


def held_visits(team: Unit) -> list[HeldVisit]:
    """The visits of revoked phones waiting for ``team``'s leader, with their member, phone and case: one query."""
    return list(
        HeldVisit.objects.filter(team=team, state=HeldVisit.State.WAITING)
        .select_related("member", "device", "case", "case__subscriber", "case__unit")
        .order_by("member__search_name", "visited_at")
    )


def with_address(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Cases with ``addr`` (the subscriber's address, or the found person's) and their village's folded name."""
    return cases.annotate(
        addr=Coalesce(NullIf("found_address", Value("")), "subscriber__address", Value("")),
    ).select_related("subscriber", "subscriber__operator", "unit", "team")


def _encode(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _decode(cursor: str) -> list[Any] | None:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError):
        return None
    if not (isinstance(values, list) and len(values) in (3, 4) and isinstance(values[2], int)):
        return None
    if not all(isinstance(v, str) for v in values[:2] + values[3:]):
        return None
    if len(values) == 4:
        try:
            started = datetime.datetime.fromisoformat(values[3])
        except ValueError:
            return None
        if started.tzinfo is None:
            return None
    return values


class BadCursor(ValueError):
    pass


@dataclass
class CasePage:
    items: list[Case]
    next_cursor: str | None
    removed: list[int]
    households: dict[int, list[int]]
    # When the first page of this walk was read: the sync token of the walk is made from it.
    started: datetime.datetime


def member_cases(
    *,
    user: User,
    since: datetime.datetime | None,
    cursor: str | None,
    limit: int,
    now: datetime.datetime | None = None,
) -> CasePage:
    """The member's cases (``access.field_cases``), by village then address; with ``since`` only those changed after it.

    The cursor is opaque to the caller: the last (village, address, id) of the previous page and when
    the first page was read (``started``).
    ``removed``: cases that left the member or their teams since ``since`` and are not theirs now.
    """
    started = now or timezone.now()
    scope = field_cases(user)
    cases = with_address(scope).annotate(village=Coalesce("unit__search_name", Value("")))
    if since is not None:
        cases = cases.filter(changed_at__gt=since)
    if cursor:
        last = _decode(cursor)
        if last is None:
            raise BadCursor(cursor)
        village, addr, pk = last[:3]
        if len(last) == 4:
            started = datetime.datetime.fromisoformat(last[3])
        cases = cases.filter(
            Q(village__gt=village)
            | Q(village=village, **{"addr__gt": addr})
            | Q(village=village, pk__gt=pk, **{"addr": addr})
        )
    items: list[Case] = list(cases.order_by("village", "addr", "pk")[: limit + 1])  # type: ignore[misc]
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        tail = items[-1]
        next_cursor = _encode([tail.village, tail.addr, tail.pk, started.isoformat()])  # type: ignore[attr-defined]
    removed: list[int] = []
    if since is not None and not cursor:
        teams = {t.pk for t in teams_of_member(user)}
        left = CaseTransfer.objects.filter(at__gt=since).filter(Q(from_team__in=teams) | Q(from_member=user))
        left_ids = set(left.values_list("case_id", flat=True))
        if left_ids:
            still = set(scope.filter(pk__in=left_ids).values_list("pk", flat=True))
            removed = sorted(left_ids - still)
    return CasePage(
        items=items, next_cursor=next_cursor, removed=removed, households=households(scope, items), started=started
    )


def households(scope: QuerySet[Case], cases: list[Case]) -> dict[int, list[int]]:
    """For each case, the other cases of ``scope`` at the same address in the same unit (one query)."""
    addresses = {(c.unit_id, getattr(c, "addr", c.address)) for c in cases}
    addresses = {(u, a) for u, a in addresses if a}
    if not addresses:
        return {}
    rows = (
        with_address(scope)
        .filter(unit_id__in={u for u, _a in addresses})
        .filter(**{"addr__in": {a for _u, a in addresses}})
        .values_list("pk", "unit_id", "addr")  # type: ignore[misc]
    )
    by_place: defaultdict[tuple[int, str], list[int]] = defaultdict(list)
    for pk, unit_id, addr in rows:
        if (unit_id, addr) in addresses:
            by_place[(unit_id, addr)].append(pk)
    return {
        c.pk: [pk for pk in by_place.get((c.unit_id, getattr(c, "addr", c.address)), []) if pk != c.pk] for c in cases
    }


def last_visits(case_ids: list[int]) -> dict[int, Visit]:
    """The latest visit of each case (one query)."""
    latest: dict[int, Visit] = {}
    for visit in Visit.objects.filter(case_id__in=case_ids).order_by("case_id", "visited_at"):
        latest[visit.case_id] = visit
    return latest


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime.datetime
    member: str
    outcome: str
    outcome_label: str
    visit: Visit | None  # None for a resolution
    household_of: int | None  # the case visited, when this was recorded as one of its household
    resolution: Resolution | None = None  # a leader settling a conflict


def case_history(case: Case) -> list[HistoryEntry]:
    """Every visit of the case, the household entries recorded for it in visits to its neighbours, and the
    conflicts settled on it (who, when, the status chosen, why): newest first, three queries."""
    entries: list[HistoryEntry] = []
    for v in Visit.objects.filter(case=case).select_related("member"):
        entries.append(HistoryEntry(v.visited_at, str(v.member), v.outcome, v.get_outcome_display(), v, None))
    for e in HouseholdEntry.objects.filter(case=case).select_related("visit", "visit__member"):
        entries.append(
            HistoryEntry(
                e.visit.visited_at, str(e.visit.member), e.outcome, e.get_outcome_display(), e.visit, e.visit.case_id
            )
        )
    for r in Resolution.objects.filter(case=case).select_related("by"):
        entries.append(HistoryEntry(r.at, str(r.by), r.status, r.get_status_display(), None, None, r))
    return sorted(entries, key=lambda entry: entry.at, reverse=True)


def campaign_for(unit: Unit) -> Campaign | None:
    """The campaign whose field work a unit's pages show: the running one holding it, else the latest holding it."""
    running = campaigns_for(unit, timezone.localdate())
    if running:
        return sorted(running, key=lambda c: (c.start_date, c.pk))[-1]
    for campaign in Campaign.objects.select_related("area").order_by("-end_date", "-pk"):
        if unit.rollup_path.startswith(campaign.area.rollup_path):
            return campaign
    return None


@dataclass(frozen=True)
class TeamProgress:
    team: Unit | None
    cases: int
    without_visit: int
    switched: int  # self-reported or verified
    verified: int


@dataclass
class Progress:
    campaign: Campaign
    unit: Unit
    team: Unit | None
    by_status: list[tuple[str, str, int]]
    funnel: list[tuple[int, str, int]]
    without_visit: int
    overdue: int
    visits_per_day: list[tuple[datetime.date, int]]
    per_member: list[tuple[User, int]]
    total: int
    found: int  # of ``total``, the cases of people found at the door (on no list)
    # A commune's teams (None: its cases without a team), each with its cases, never visited, switched, verified.
    per_team: list[TeamProgress] = field(default_factory=list)

    @property
    def on_lists(self) -> int:
        """Of ``total``, the cases of subscribers on an operator's list."""
        return self.total - self.found

    @property
    def self_reported(self) -> int:
        return next(n for stage, _label, n in self.funnel if stage == Stage.SWITCHED)

    @property
    def verified(self) -> int:
        return next(n for stage, _label, n in self.funnel if stage == Stage.VERIFIED)

    def as_dict(self) -> dict[str, Any]:
        return {
            "campaign": {"id": self.campaign.pk, "name": self.campaign.name},
            "unit": {"id": self.unit.pk, "name": self.unit.name},
            "team": {"id": self.team.pk, "name": self.team.name} if self.team else None,
            "cases": self.total,
            "cases_on_lists": self.on_lists,
            "cases_found_in_field": self.found,
            "by_status": [{"status": s, "label": label, "count": n} for s, label, n in self.by_status],
            "funnel": [{"stage": Stage(s).name.lower(), "label": label, "count": n} for s, label, n in self.funnel],
            "self_reported_switched": self.self_reported,
            "verified": self.verified,
            "without_visit": self.without_visit,
            "follow_ups_overdue": self.overdue,
            "visits_per_day": [{"day": d.isoformat(), "visits": n} for d, n in self.visits_per_day],
            "per_member": [{"id": u.pk, "name": str(u), "visits": n} for u, n in self.per_member],
            "per_team": [
                {
                    "team": {"id": t.team.pk, "name": t.team.name} if t.team else None,
                    "cases": t.cases,
                    "without_visit": t.without_visit,
                    "switched": t.switched,
                    "verified": t.verified,
                }
                for t in self.per_team
            ],
        }


def progress(*, campaign: Campaign, unit: Unit, team: Unit | None = None) -> Progress:
    """The field work under ``unit`` (or of ``team``, read under its commune) from the counters: a few queries."""
    c = campaign.pk
    where = team.geographic_anchor() if team is not None else unit
    status_keys = [keys.status_key(c, s) for s in Status.values]
    stage_keys = [keys.stage_key(c, s) for s in Stage.values]
    totals = count_totals(unit=where, keys=[*status_keys, *stage_keys, keys.found_key(c)])
    overdue_totals = count_totals(
        unit=where, keys=[keys.follow_up_key(c)], until=timezone.localdate() - datetime.timedelta(days=1)
    )
    dim = team.pk if team is not None else None
    by_status = [(s.value, str(s.label), total(totals, keys.status_key(c, s), dimension=dim)) for s in Status]
    at_stage = {s: total(totals, keys.stage_key(c, s), dimension=dim) for s in Stage.values}
    funnel = [(s.value, str(s.label), sum(n for k, n in at_stage.items() if k >= s)) for s in Stage]
    since = timezone.localdate() - datetime.timedelta(days=PROGRESS_DAYS - 1)
    per_day = count_by_day(unit=where, key=keys.visits_key(c), since=since, dimensions=[dim] if dim else None)
    days = [since + datetime.timedelta(days=i) for i in range(PROGRESS_DAYS)]
    member_totals = count_totals(unit=where, keys=[keys.member_visits_key(c)])
    if team is not None:
        member_ids = set(Membership.objects.filter(unit=team).values_list("user_id", flat=True))
    else:
        member_ids = {d for (_k, d) in member_totals}
    people = {u.pk: u for u in User.objects.filter(pk__in=member_ids)}
    per_member = sorted(
        ((people[pk], total(member_totals, keys.member_visits_key(c), dimension=pk)) for pk in people),
        key=lambda pair: (-pair[1], str(pair[0])),
    )
    per_team: list[TeamProgress] = []
    if team is None and unit.kind.category == UnitKind.Category.COMMUNE:
        per_team = _per_team(totals, c)
    return Progress(
        campaign=campaign,
        unit=unit,
        team=team,
        by_status=by_status,
        funnel=funnel,
        without_visit=at_stage[Stage.LISTED],
        overdue=total(overdue_totals, keys.follow_up_key(c), dimension=dim),
        visits_per_day=[(d, per_day.get(d, 0)) for d in days],
        per_member=per_member,
        total=sum(at_stage.values()),
        found=total(totals, keys.found_key(c), dimension=dim),
        per_team=per_team,
    )


def _per_team(totals: dict[tuple[str, int], int], c: int) -> list[TeamProgress]:
    """A commune's progress per team, from the counters already read (their dimension is the team): one query."""
    stage_keys = {keys.stage_key(c, s) for s in Stage.values}
    dims = sorted({d for (k, d) in totals if k in stage_keys})
    teams = {u.pk: u for u in Unit.objects.filter(pk__in=[d for d in dims if d])}
    rows = []
    for d in dims:
        at = {s: total(totals, keys.stage_key(c, s), dimension=d) for s in Stage.values}
        cases = sum(at.values())
        if not cases:
            continue
        switched = at[Stage.SWITCHED] + at[Stage.VERIFIED]
        rows.append(TeamProgress(teams.get(d), cases, at[Stage.LISTED], switched, at[Stage.VERIFIED]))
    return sorted(rows, key=lambda r: (r.team is None, r.team.search_name if r.team else ""))
