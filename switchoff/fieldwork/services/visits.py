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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Exists, Field, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from switchoff.audit.services import log_action
from switchoff.fieldwork import limits, rules
from switchoff.fieldwork.access import team_cases
from switchoff.fieldwork.cases import campaigns_for, teams_of
from switchoff.fieldwork.counts import CaseDeltas, case_key
from switchoff.fieldwork.models import Case, FieldDevice, HouseholdEntry, Visit
from switchoff.lib.phones import normalize_phone
from switchoff.ops.metrics import record_visits
from switchoff.people.access import visible_units
from switchoff.people.models import User
from switchoff.people.roles import Perm
from switchoff.subscribers.models import Subscriber
from switchoff.units.models import Unit, UnitKind

NOTE_MAX = limits.NOTE_MAX
# A phone's clock within this of the server's is taken as it is; beyond it, the visit's time is corrected
# by the phone's offset (measured at its last contact with the server, or when it sent the visit).
CLOCK_SKEW = datetime.timedelta(minutes=2)
# An offset beyond this is not a clock a person set wrong but nonsense: the visit takes the time it arrived.
CLOCK_OFFSET_MAX_S = 10 * 366 * 24 * 3600


@dataclass(frozen=True)
class FoundPerson:
    name: str
    number: str
    address: str
    village_id: int | None


@dataclass(frozen=True)
class VisitInput:
    """A visit as a phone or a page sends it (the contract's Visit).

    ``visited_at`` is the phone's clock (None: the phone's time could not be read; the visit takes the
    time it arrived). ``clock_offset_s`` is the server's time minus the phone's at the phone's last
    contact before the visit: the server corrects a wrong clock with it. It is not part of the content
    (``digest``): the same visit sent again after another contact is the same visit.
    """

    id: uuid.UUID
    case_id: int | None
    visited_at: datetime.datetime | None
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
    clock_offset_s: int | None = None

    def digest(self) -> str:
        """The content, canonical: the same visit sent again has the same digest whatever the JSON's order."""
        return hashlib.sha256(self.canonical().encode()).hexdigest()

    def canonical(self) -> str:
        """The text ``digest`` hashes (a bulk writer may build it in SQL from this text's pieces)."""
        # As ``dataclasses.asdict`` would give (the digests stored depend on it), without its deep copies.
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "clock_offset_s"}
        data["id"] = str(self.id)
        data["found"] = {f.name: getattr(self.found, f.name) for f in fields(self.found)} if self.found else None
        data["visited_at"] = self.visited_at.astimezone(datetime.UTC).isoformat() if self.visited_at else None
        data["household"] = sorted([list(entry) for entry in self.household])
        return json.dumps(data, sort_keys=True, default=str)


@dataclass
class VisitResult:
    """One visit's answer: ``result`` created | same | conflict | invalid; ``code`` a stable reason for a client
    (None for a plain "created" or "same"); ``message`` in the actor's language."""

    id: uuid.UUID
    result: str
    message: str | None = None
    case: Case | None = None
    code: str | None = None


@dataclass
class _Batch:
    actor: User
    device: FieldDevice | None
    now: datetime.datetime
    # Whose visits they are (the actor, or the member of a held visit a leader accepts) and where they may go.
    member: User
    scope: QuerySet[Case]
    cases: dict[int, Case] = field(default_factory=dict)
    visits: list[Visit] = field(default_factory=list)
    entries: list[HouseholdEntry] = field(default_factory=list)
    found: list[Case] = field(default_factory=list)
    changed: dict[int, Case] = field(default_factory=dict)
    deltas: CaseDeltas = field(default_factory=CaseDeltas)
    # Per case, (member, version after) of its visits since the versions the phones saw.
    others: dict[int, list[tuple[int, int]]] = field(default_factory=dict)


class Problem(NamedTuple):
    code: str
    message: str


# Each text a visit holds, its limit and the code of its refusal; its name for the message (read only then).
_TEXTS = (
    ("note", limits.NOTE_MAX, "note_too_long"),
    ("reason", limits.REASON_MAX, "reason_too_long"),
    ("moved_to", limits.MOVED_TO_MAX, "moved_to_too_long"),
    ("device_model", limits.DEVICE_MODEL_MAX, "device_model_too_long"),
)
_FOUND_TEXTS = (
    ("name", limits.FOUND_NAME_MAX, "name_too_long"),
    ("number", limits.FOUND_NUMBER_MAX, "number_too_long"),
    ("address", limits.FOUND_ADDRESS_MAX, "address_too_long"),
)
_LABELS = {
    "note": gettext_lazy("The note"),
    "reason": gettext_lazy("The reason for refusing"),
    "moved_to": gettext_lazy("Where they moved"),
    "device_model": gettext_lazy("The new phone's model"),
    "name": gettext_lazy("The name"),
    "number": gettext_lazy("The phone number"),
    "address": gettext_lazy("The address"),
}


def _text_problem(holder: object, texts: tuple[tuple[str, int, str], ...]) -> Problem | None:
    for name, limit, code in texts:
        text: str = getattr(holder, name)
        if len(text) > limit:
            message = _("%(field)s is limited to %(limit)s characters (it has %(n)s): shorten it and send it again.")
            return Problem(code, message % {"field": _LABELS[name], "limit": limit, "n": len(text)})
        # No keyboard types a NUL, and PostgreSQL stores none: a client's bug, refused for this visit alone.
        if "\x00" in text:
            message = _("%(field)s holds a character that cannot be stored.") % {"field": _LABELS[name]}
            return Problem("unreadable_text", message)
    return None


def visit_problem(visit: VisitInput) -> Problem | None:
    """What is wrong with the visit on its own, in the actor's language, or None. Every rule about one visit
    is here (the API's schema takes any visit-shaped item), so that a visit never refuses its neighbours."""
    if visit.outcome not in rules.Outcome.values:
        return Problem("unknown_outcome", _("Unknown outcome “%(code)s”.") % {"code": visit.outcome[:40]})
    if (visit.case_id is None) == (visit.found is None):
        return Problem(
            "case_or_found", _("A visit is to a case, or to a person found in the field, not both and not neither.")
        )
    if (problem := _text_problem(visit, _TEXTS)) is not None:
        return problem
    if visit.found is not None and (problem := _text_problem(visit.found, _FOUND_TEXTS)) is not None:
        return problem
    if len(visit.household) > limits.HOUSEHOLD_MAX:
        return Problem(
            "household_too_many",
            _("A visit records at most %(n)s others of the household.") % {"n": limits.HOUSEHOLD_MAX},
        )
    if any(outcome not in rules.Outcome.values for _case, outcome in visit.household):
        return Problem("household_outcome", _("Unknown outcome in the household."))
    if visit.found is not None:
        if not visit.found.name.strip():
            return Problem("name_required", _("A person found in the field needs a name."))
        if visit.found.number and normalize_phone(visit.found.number) is None:
            return Problem(
                "bad_number",
                _("“%(number)s” is not a Vietnamese phone number.") % {"number": visit.found.number[:20]},
            )
        if visit.found.village_id is None:
            return Problem("village_required", _("Choose the village or residential group of the person found."))
    return None


def visit_time(
    visit: VisitInput, *, now: datetime.datetime, sent_at: datetime.datetime | None = None
) -> tuple[datetime.datetime, datetime.datetime | None]:
    """The time the visit happened, and the phone's own time when the server corrected it (else None).

    A phone's clock is often wrong. Within ``CLOCK_SKEW`` of the server's it is taken as it is;
    beyond it, the visit's time is corrected by the offset the phone measured at its last contact
    before the visit (``clock_offset_s``) or, without one, by how far its clock was off when it sent
    the batch (``sent_at``). A time still in the future is the time the visit arrived; an unreadable
    one too. Never a reason to refuse a visit (as ODK and CommCare do).
    """
    phone = visit.visited_at
    if phone is None:
        return now, None
    try:
        phone = phone.astimezone(datetime.UTC) if timezone.is_aware(phone) else timezone.make_aware(phone)
    except (OverflowError, ValueError):
        return now, None
    offset: datetime.timedelta | None = None
    if visit.clock_offset_s is not None and abs(visit.clock_offset_s) <= CLOCK_OFFSET_MAX_S:
        offset = datetime.timedelta(seconds=visit.clock_offset_s)
    elif sent_at is not None:
        try:
            offset = now - (sent_at if timezone.is_aware(sent_at) else timezone.make_aware(sent_at))
        except (OverflowError, ValueError):
            offset = None
    at = phone
    if offset is not None and abs(offset) > CLOCK_SKEW:
        try:
            at = phone + offset
        except OverflowError:
            at = now
    if at > now:
        at = now
    return at, (phone if at != phone else None)


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
    listed = not getattr(case, "gone_from_list", False)
    after = rules.after_visit(state, outcome=outcome, at=at, day=timezone.localdate(at), listed=listed)
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
    return any(m != batch.member.pk and v > seen for m, v in batch.others.get(case.pk, ()))


def _found_case(batch: _Batch, visit: VisitInput, villages: dict[int, Unit]) -> Case | Problem:
    found = visit.found
    assert found is not None and found.village_id is not None
    village = villages.get(found.village_id)
    if village is None:
        return Problem("village_not_yours", _("That village is not one of your team's."))
    campaigns = campaigns_for(village, timezone.localdate())
    if not campaigns:
        return Problem("no_campaign", _("No campaign is running in that village."))
    teams = [t for t in teams_of({village.pk}).values()]
    number = (normalize_phone(found.number) or "") if found.number else ""
    same = batch.scope.filter(Q(subscriber__msisdn=number) | Q(found_msisdn=number)) if number else None
    if same is not None and (known := same.filter(campaign=campaigns[0]).first()) is not None:
        message = _("This number is already case no. %(id)s (%(name)s): record the visit on that case.")
        return Problem("already_a_case", message % {"id": known.pk, "name": known.name or known.number_masked})
    case = Case(
        campaign=campaigns[0],
        unit=village,
        team_id=teams[0] if teams else None,
        member=batch.member,
        found_in_field=True,
        found_name=found.name.strip(),
        found_msisdn=number,
        found_address=found.address.strip(),
        found_by=batch.member,
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
def visits_record(
    *,
    actor: User,
    visits: Sequence[VisitInput],
    device: FieldDevice | None = None,
    sent_at: datetime.datetime | None = None,
) -> list[VisitResult]:
    """Record a batch of visits (the field app's sync, the API, a page), one result per visit, in order.

    Idempotent by visit id: an id already stored with the same content answers "same"
    and writes nothing; with other content, "conflict" (nothing written). A visit made
    on an older version of its case (reassigned, or another member's visit since) is
    recorded all the same and flags the case for the team leader. The household's
    other numbers get their own outcome. Only the actor's own and their teams' cases
    (``field_cases``) are reachable; any other answers "invalid", like a case that does not exist.
    Every rule is judged per visit (``visit_problem``): a refused visit never holds back the others.
    A wrong clock is corrected (``visit_time``, with ``sent_at``: the phone's clock when it sent them).
    """
    return record_batch(
        actor=actor,
        member=actor,
        visits=visits,
        device=device,
        sent_at=sent_at,
        scope=team_cases(actor),
        villages=lambda: visible_units(actor, Perm.VISIT),
    )


def record_batch(
    *,
    actor: User,
    member: User,
    visits: Sequence[VisitInput],
    device: FieldDevice | None,
    sent_at: datetime.datetime | None,
    scope: QuerySet[Case],
    villages: Callable[[], QuerySet[Unit]],
) -> list[VisitResult]:
    """``visits_record`` for ``member``'s visits, reaching the cases of ``scope`` and the villages of ``villages``:
    the member's own (``visits_record``), or those a leader directs when accepting a held visit (``held``);
    ``villages`` is asked only when a visit is to a person found at the door (it costs queries).
    Runs in the caller's transaction."""
    now = timezone.now()
    batch = _Batch(actor=actor, device=device, now=now, member=member, scope=scope)
    results: list[VisitResult] = []
    stored = dict(Visit.objects.filter(pk__in=[v.id for v in visits]).order_by().values_list("pk", "digest"))
    case_ids = {v.case_id for v in visits if v.case_id is not None}
    case_ids |= {case_id for v in visits for case_id, _outcome in v.household}
    # The team's cases, not only the member's list: one handed to a teammate while the phone was offline
    # keeps the visit and is flagged in conflict below. Whether each number left its operator's latest list
    # comes with it: a switch reported for a number already gone is verified at once.
    # (Asked only when a switch is reported: no other outcome looks at it.)
    locked = scope.filter(pk__in=case_ids)
    switched = rules.Outcome.SWITCHED
    if any(v.outcome == switched or any(o == switched for _c, o in v.household) for v in visits):
        gone = Subscriber.objects.filter(pk=OuterRef("subscriber_id"), status=Subscriber.Status.LEFT)
        locked = locked.annotate(gone_from_list=Exists(gone))
    cases: dict[int, Case] = {c.pk: c for c in locked.order_by("pk").select_for_update(of=("self",))}
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
    places: dict[int, Unit] = {}
    if any(v.found for v in visits):
        wanted = {v.found.village_id for v in visits if v.found and v.found.village_id is not None}
        places = {u.pk: u for u in villages().filter(pk__in=wanted, kind__category=UnitKind.Category.VILLAGE)}
    seen_in_batch: dict[uuid.UUID, str] = {}
    for visit in visits:
        digest = visit.digest()
        earlier = stored.get(visit.id) or seen_in_batch.get(visit.id)
        if earlier is not None:
            if earlier == digest:
                results.append(VisitResult(visit.id, "same"))
            else:
                message = _("A different visit was already recorded with this id: nothing was changed.")
                results.append(VisitResult(visit.id, "conflict", message, code="id_reused"))
            continue
        problem = visit_problem(visit)
        case: Case | None = None
        if problem is None and visit.case_id is not None:
            case = cases.get(visit.case_id)
            if case is None:
                problem = Problem("not_your_case", _("This case does not exist or is not one of yours."))
        if problem is None and any(c not in cases or c == visit.case_id for c, _o in visit.household):
            problem = Problem("household_not_yours", _("A household number is not one of your cases."))
        if problem is None and visit.found is not None:
            made = _found_case(batch, visit, places)
            if isinstance(made, Problem):
                problem = made
            else:
                case = made
        if problem is not None or case is None:
            assert problem is not None
            results.append(VisitResult(visit.id, "invalid", problem.message, code=problem.code))
            continue
        at, phone_at = visit_time(visit, now=now, sent_at=sent_at)
        conflict = _in_conflict(batch, case, visit)
        unit_id, team_id = case.unit_id, case.team_id
        _apply(batch, case, outcome=visit.outcome, at=at)
        if conflict:
            case.conflict = True
        # The location is kept only with the person's consent (and only a place on Earth).
        located = (
            visit.consent_location
            and visit.lat is not None
            and visit.lon is not None
            and -90 <= visit.lat <= 90
            and -180 <= visit.lon <= 180
        )
        row = Visit(
            id=visit.id,
            case=case,
            member=member,
            unit_id=unit_id,
            team_id=team_id,
            device=device,
            visited_at=at,
            phone_visited_at=phone_at,
            outcome=visit.outcome,
            note=visit.note,
            reason=visit.reason,
            moved_to=visit.moved_to,
            device_model=visit.device_model,
            consent_photo=visit.consent_photo,
            consent_location=visit.consent_location,
            lat=visit.lat if located else None,
            lon=visit.lon if located else None,
            case_version=visit.case_version,
            version_after=case.version,
            in_conflict=conflict,
            digest=digest,
            received_at=now,
        )
        batch.visits.append(row)
        batch.others.setdefault(case.pk, []).append((member.pk, case.version))
        batch.deltas.visit(
            campaign_id=case.campaign_id,
            unit_id=unit_id,
            team_id=team_id,
            member_id=member.pk,
            day=timezone.localdate(at),
        )
        for other_id, outcome in visit.household:
            other = cases[other_id]
            _apply(batch, other, outcome=outcome, at=at)
            batch.entries.append(HouseholdEntry(visit=row, case=other, outcome=outcome))
        seen_in_batch[visit.id] = digest
        if conflict:
            note = _("Recorded; the case had changed meanwhile and is marked for the team leader.")
            results.append(VisitResult(visit.id, "created", note, case, code="case_changed"))
        else:
            results.append(VisitResult(visit.id, "created", None, case, code="time_corrected" if phone_at else None))
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
                **({"member": member.pk} if member.pk != actor.pk else {}),
                **({"time_corrected": n} if (n := sum(1 for v in batch.visits if v.phone_visited_at)) else {}),
            },
        )
    transaction.on_commit(lambda: record_visits(r.result for r in results))  # /metrics: visits received
    return results
