"""Visits: one batch service for the API, the app and the pages (``visits_record``).

One transaction with its audit row and its counter deltas: whatever the batch's size, a fixed
handful of queries (the visits already stored, the cases, the other members' visits when a conflict
is possible, then one insert of visits, one of household entries, one update of the cases, one of
counts, one audit row).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, fields

from django.db import connection, transaction
from django.db.models import Field, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from switchoff.audit.services import log_action
from switchoff.fieldwork import rules
from switchoff.fieldwork.access import field_cases, team_cases
from switchoff.fieldwork.cases import campaigns_for, teams_of
from switchoff.fieldwork.counts import CaseDeltas, case_key
from switchoff.fieldwork.models import Case, FieldDevice, HouseholdEntry, Visit
from switchoff.lib.phones import normalize_phone
from switchoff.people.access import visible_units
from switchoff.people.models import User
from switchoff.people.roles import Perm
from switchoff.units.models import Unit, UnitKind

NOTE_MAX = 2000
# A phone's clock may run a little fast; a visit further in the future than this is refused.
CLOCK_SKEW = datetime.timedelta(minutes=10)


@dataclass(frozen=True)
class FoundPerson:
    name: str
    number: str
    address: str
    village_id: int


@dataclass(frozen=True)
class VisitInput:
    """A visit as a phone or a page sends it (the contract's Visit)."""

    id: uuid.UUID
    case_id: int | None
    visited_at: datetime.datetime
    outcome: str
    case_version: int | None = None
    note: str = ""
    reason: str = ""
    moved_to: str = ""
    device_model: str = ""
    household: tuple[tuple[int, str], ...] = ()
    found: FoundPerson | None = None
    consent_photo: bool = False
    consent_location: bool = False
    lat: float | None = None
    lon: float | None = None

    def digest(self) -> str:
        """The content, canonical: the same visit sent again has the same digest whatever the JSON's order."""
        # As ``dataclasses.asdict`` would give (the digests stored depend on it), without its deep copies.
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["id"] = str(self.id)
        data["found"] = {f.name: getattr(self.found, f.name) for f in fields(self.found)} if self.found else None
        data["visited_at"] = self.visited_at.astimezone(datetime.UTC).isoformat()
        data["household"] = sorted([list(entry) for entry in self.household])
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class VisitResult:
    id: uuid.UUID
    result: str  # created | same | conflict | invalid
    message: str | None = None
    case: Case | None = None


@dataclass
class _Batch:
    actor: User
    device: FieldDevice | None
    now: datetime.datetime
    cases: dict[int, Case] = field(default_factory=dict)
    visits: list[Visit] = field(default_factory=list)
    entries: list[HouseholdEntry] = field(default_factory=list)
    found: list[Case] = field(default_factory=list)
    changed: dict[int, Case] = field(default_factory=dict)
    deltas: CaseDeltas = field(default_factory=CaseDeltas)
    # Per case, (member, version after) of its visits since the versions the phones saw.
    others: dict[int, list[tuple[int, int]]] = field(default_factory=dict)


def _problem(visit: VisitInput, now: datetime.datetime) -> str | None:
    """What is wrong with the visit on its own, in the actor's language, or None."""
    if visit.outcome not in rules.Outcome.values:
        return _("Unknown outcome “%(code)s”.") % {"code": visit.outcome[:40]}
    if timezone.is_naive(visit.visited_at):
        return _("The time of the visit must carry its offset (e.g. +07:00).")
    if visit.visited_at > now + CLOCK_SKEW:
        return _("The time of the visit is in the future.")
    if (visit.case_id is None) == (visit.found is None):
        return _("A visit is to a case, or to a person found in the field, not both and not neither.")
    if any(len(text) > NOTE_MAX for text in (visit.note, visit.reason, visit.moved_to, visit.device_model)):
        return _("A note is limited to %(n)s characters.") % {"n": NOTE_MAX}
    if any(outcome not in rules.Outcome.values for _case, outcome in visit.household):
        return _("Unknown outcome in the household.")
    if visit.found is not None:
        if not visit.found.name.strip():
            return _("A person found in the field needs a name.")
        if visit.found.number and normalize_phone(visit.found.number) is None:
            return _("“%(number)s” is not a Vietnamese phone number.") % {"number": visit.found.number[:20]}
    return None


def case_state(case: Case) -> rules.CaseState:
    """What the rules know of a case."""
    return rules.CaseState(
        status=case.status,
        stage=case.stage,
        follow_up_on=case.follow_up_on,
        not_home=case.not_home,
        last_visit_at=case.last_visit_at,
        switched_on=case.switched_on,
    )


def _apply(batch: _Batch, case: Case, *, outcome: str, at: datetime.datetime) -> None:
    before = case_key(case)
    state = case_state(case)
    after = rules.after_visit(state, outcome=outcome, at=at, day=timezone.localdate(at))
    if after.last_visit_at == at and after.last_visit_at != state.last_visit_at:
        case.last_outcome = outcome
    case.status, case.stage, case.follow_up_on = after.status, after.stage, after.follow_up_on
    case.not_home, case.last_visit_at, case.switched_on = after.not_home, after.last_visit_at, after.switched_on
    case.version += 1
    case.changed_at = batch.now
    batch.changed[case.pk] = case
    batch.deltas.change(before, case_key(case))


def _in_conflict(batch: _Batch, case: Case, visit: VisitInput) -> bool:
    """The phone saw an older case: reassigned since, or another member's visit since."""
    seen = visit.case_version
    if seen is None or seen >= case.version:
        return False
    if case.assigned_version > seen:
        return True
    return any(m != batch.actor.pk and v > seen for m, v in batch.others.get(case.pk, ()))


def _found_case(batch: _Batch, visit: VisitInput, villages: dict[int, Unit]) -> Case | str:
    found = visit.found
    assert found is not None
    village = villages.get(found.village_id)
    if village is None:
        return _("That village is not one of your team's.")
    campaigns = campaigns_for(village, timezone.localdate())
    if not campaigns:
        return _("No campaign is running in that village.")
    teams = [t for t in teams_of({village.pk}).values()]
    number = (normalize_phone(found.number) or "") if found.number else ""
    same = field_cases(batch.actor).filter(Q(subscriber__msisdn=number) | Q(found_msisdn=number)) if number else None
    if same is not None and (known := same.filter(campaign=campaigns[0]).first()) is not None:
        return _("This number is already case no. %(id)s (%(name)s): record the visit on that case.") % {
            "id": known.pk,
            "name": known.name or known.number_masked,
        }
    case = Case(
        campaign=campaigns[0],
        unit=village,
        team_id=teams[0] if teams else None,
        member=batch.actor,
        found_in_field=True,
        found_name=found.name.strip()[:200],
        found_msisdn=number,
        found_address=found.address.strip()[:300],
        found_by=batch.actor,
        changed_at=batch.now,
    )
    case.save()
    batch.deltas.add(case_key(case), 1)
    batch.deltas.found(campaign_id=case.campaign_id, unit_id=case.unit_id, team_id=case.team_id)
    batch.found.append(case)
    return case


# What a visit changes on its case (and on the household's other cases).
_VISITED_FIELDS = ("status", "stage", "follow_up_on", "not_home", "last_visit_at", "last_outcome", "switched_on",
                   "conflict", "version", "changed_at")  # fmt: skip


def _cases_update(cases: list[Case]) -> None:
    """Write ``_VISITED_FIELDS`` of ``cases`` (locked by the caller) in one statement.

    ``bulk_update`` builds a CASE WHEN per row and field in Python, most of a batch's time;
    on PostgreSQL one ``UPDATE … FROM UNNEST(arrays)`` with a fixed text, elsewhere (SQLite)
    one prepared UPDATE by primary key run for each row.
    """
    if not cases:
        return
    meta = Case._meta
    fields = [f for name in _VISITED_FIELDS if isinstance(f := meta.get_field(name), Field)]
    table = connection.ops.quote_name(meta.db_table)
    assert meta.pk is not None
    pk = connection.ops.quote_name(meta.pk.attname)
    columns = [connection.ops.quote_name(f.attname) for f in fields]
    rows = [[f.get_db_prep_save(getattr(c, f.attname), connection) for f in fields] for c in cases]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            types = [f.cast_db_type(connection) for f in fields]
            sets = ", ".join(f"{col} = v.{col}" for col in columns)
            arrays = ", ".join(f"%s::{t}[]" for t in types)
            names = ", ".join(columns)
            # Names and types from the model, every value a parameter.
            sql = f"UPDATE {table} AS c SET {sets} FROM UNNEST(%s::bigint[], {arrays}) AS v({pk}, {names}) WHERE c.{pk} = v.{pk}"  # noqa: S608,E501
            cursor.execute(sql, [[c.pk for c in cases], *map(list, zip(*rows, strict=True))])
        else:
            sql = f"UPDATE {table} SET {', '.join(f'{col} = %s' for col in columns)} WHERE {pk} = %s"  # noqa: S608
            cursor.executemany(sql, [[*row, c.pk] for row, c in zip(rows, cases, strict=True)])


@transaction.atomic
def visits_record(*, actor: User, visits: Sequence[VisitInput], device: FieldDevice | None = None) -> list[VisitResult]:
    """Record a batch of visits (the field app's sync, the API, a page), one result per visit, in order.

    Idempotent by visit id: an id already stored with the same content answers "same"
    and writes nothing; with other content, "conflict" (nothing written). A visit made
    on an older version of its case (reassigned, or another member's visit since) is
    recorded all the same and flags the case for the team leader. The household's
    other numbers get their own outcome. Only the actor's own and their teams' cases
    (``field_cases``) are reachable; any other answers "invalid", like a case that does not exist.
    """
    now = timezone.now()
    batch = _Batch(actor=actor, device=device, now=now)
    results: list[VisitResult] = []
    stored = dict(Visit.objects.filter(pk__in=[v.id for v in visits]).order_by().values_list("pk", "digest"))
    case_ids = {v.case_id for v in visits if v.case_id is not None}
    case_ids |= {case_id for v in visits for case_id, _outcome in v.household}
    # The team's cases, not only the member's list: one handed to a teammate while the phone was offline
    # keeps the visit and is flagged in conflict below.
    scope = team_cases(actor)
    cases = {c.pk: c for c in scope.filter(pk__in=case_ids).order_by("pk").select_for_update(of=("self",))}
    batch.cases = cases
    stale = [
        c.pk
        for v in visits
        if v.case_id in cases and v.case_version is not None
        for c in [cases[v.case_id]]
        if v.case_version < c.version
    ]
    if stale:
        oldest = min(v.case_version for v in visits if v.case_version is not None)
        for case_id, member_id, version_after in Visit.objects.filter(
            case_id__in=stale, version_after__gt=oldest
        ).values_list("case_id", "member_id", "version_after"):
            batch.others.setdefault(case_id, []).append((member_id, version_after))
    villages: dict[int, Unit] = {}
    if any(v.found for v in visits):
        wanted = {v.found.village_id for v in visits if v.found}
        villages = {
            u.pk: u
            for u in visible_units(actor, Perm.VISIT).filter(pk__in=wanted, kind__category=UnitKind.Category.VILLAGE)
        }
    seen_in_batch: dict[uuid.UUID, str] = {}
    for visit in visits:
        digest = visit.digest()
        earlier = stored.get(visit.id) or seen_in_batch.get(visit.id)
        if earlier is not None:
            if earlier == digest:
                results.append(VisitResult(visit.id, "same"))
            else:
                message = _("A different visit was already recorded with this id: nothing was changed.")
                results.append(VisitResult(visit.id, "conflict", message))
            continue
        problem = _problem(visit, now)
        case: Case | None = None
        if problem is None and visit.case_id is not None:
            case = cases.get(visit.case_id)
            if case is None:
                problem = _("This case does not exist or is not one of yours.")
        if problem is None and any(c not in cases or c == visit.case_id for c, _o in visit.household):
            problem = _("A household number is not one of your cases.")
        if problem is None and visit.found is not None:
            made = _found_case(batch, visit, villages)
            if isinstance(made, str):
                problem = made
            else:
                case = made
        if problem is not None or case is None:
            results.append(VisitResult(visit.id, "invalid", problem))
            continue
        conflict = _in_conflict(batch, case, visit)
        unit_id, team_id = case.unit_id, case.team_id
        _apply(batch, case, outcome=visit.outcome, at=visit.visited_at)
        if conflict:
            case.conflict = True
        located = visit.consent_location and visit.lat is not None and visit.lon is not None
        row = Visit(
            id=visit.id,
            case=case,
            member=actor,
            unit_id=unit_id,
            team_id=team_id,
            device=device,
            visited_at=visit.visited_at,
            outcome=visit.outcome,
            note=visit.note,
            reason=visit.reason[:300],
            moved_to=visit.moved_to[:300],
            device_model=visit.device_model[:120],
            consent_photo=visit.consent_photo,
            consent_location=visit.consent_location,
            # The location is kept only with the person's consent.
            lat=visit.lat if located else None,
            lon=visit.lon if located else None,
            case_version=visit.case_version,
            version_after=case.version,
            in_conflict=conflict,
            digest=digest,
            received_at=now,
        )
        batch.visits.append(row)
        batch.others.setdefault(case.pk, []).append((actor.pk, case.version))
        batch.deltas.visit(
            campaign_id=case.campaign_id,
            unit_id=unit_id,
            team_id=team_id,
            member_id=actor.pk,
            day=timezone.localdate(visit.visited_at),
        )
        for other_id, outcome in visit.household:
            other = cases[other_id]
            _apply(batch, other, outcome=outcome, at=visit.visited_at)
            batch.entries.append(HouseholdEntry(visit=row, case=other, outcome=outcome))
        seen_in_batch[visit.id] = digest
        note: str | None = None
        if conflict:
            note = _("Recorded; the case had changed meanwhile and is marked for the team leader.")
        results.append(VisitResult(visit.id, "created", note, case))
    if batch.visits:
        Visit.objects.bulk_create(batch.visits)
        HouseholdEntry.objects.bulk_create(batch.entries)
        _cases_update(list(batch.changed.values()))
        batch.deltas.write()
        log_action(
            "fieldwork.visits.recorded",
            actor=actor,
            data={
                "visits": len(batch.visits),
                "ids": [str(v.id) for v in batch.visits],
                "conflicts": sum(1 for v in batch.visits if v.in_conflict),
                "found": len(batch.found),
                "device": device.pk if device else None,
            },
        )
    return results
