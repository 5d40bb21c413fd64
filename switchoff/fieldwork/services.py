"""Writes of the field work: visits (one batch service for the API, the app and the pages), calls,
field devices, assigning cases, teams' villages and members, resolving conflicts.

Each is one transaction with its audit row and its counter deltas. ``visits_record`` is
built for batches: whatever the batch's size, a fixed handful of queries (the visits
already stored, the cases, the other members' visits when a conflict is possible, then
one insert of visits, one of household entries, one update of the cases, one of counts,
one audit row).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Field, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from switchoff.audit.services import log_action
from switchoff.fieldwork import rules
from switchoff.fieldwork.access import field_cases, managed_cases, may_lead, team_cases
from switchoff.fieldwork.cases import campaigns_for, teams_of
from switchoff.fieldwork.counts import CaseDeltas, case_key, found_grouped, grouped
from switchoff.fieldwork.models import (
    Call,
    Case,
    CaseTransfer,
    FieldDevice,
    FieldDeviceSeen,
    HouseholdEntry,
    Resolution,
    Visit,
    VisitPhoto,
    photo_path,
)
from switchoff.fieldwork.photos import NotAnImage, Prepared, prepare_photo
from switchoff.fieldwork.selectors import team_candidates
from switchoff.lib.phones import normalize_phone
from switchoff.ops.metrics import record_visits
from switchoff.people.access import can, forget_grants, visible_units
from switchoff.people.models import Membership, User, token_digest
from switchoff.people.roles import Perm, Role
from switchoff.subscribers.models import NumberView
from switchoff.units.models import Unit, UnitKind
from switchoff.units.services import team_set_coverage

NOTE_MAX = 2000
# A phone's clock may run a little fast; a visit further in the future than this is refused.
CLOCK_SKEW = datetime.timedelta(minutes=10)
SEEN_PRECISION = datetime.timedelta(minutes=1)


# ---------------------------------------------------------------- visits


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


def _state(case: Case) -> rules.CaseState:
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
    state = _state(case)
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
    transaction.on_commit(lambda: record_visits(r.result for r in results))  # /metrics: visits received
    return results


# ---------------------------------------------------------------- photos


class PhotoRefused(Exception):
    """A photo not taken: ``code`` for a client, ``status`` for the API, ``message`` in the actor's language."""

    def __init__(self, code: str, status: int, message: str) -> None:
        super().__init__(message)
        self.code, self.status, self.message = code, status, message


@dataclass
class PhotoResult:
    result: str  # created | same
    photo: VisitPhoto


def _photo_visit(actor: User, visit_id: uuid.UUID) -> Visit:
    """The actor's own visit, on a case of their teams (where their visits are written), or 404."""
    visit = (
        Visit.objects.filter(pk=visit_id, member=actor, case__in=team_cases(actor))
        .select_related("case")
        .select_for_update(of=("self",))
        .first()
    )
    if visit is None:
        raise PhotoRefused("not_found", 404, _("This visit does not exist or is not one of yours."))
    return visit


def photo_check_size(size: int) -> None:
    """413 for a file over ``FIELD_PHOTO_MAX_BYTES``, before it is read."""
    limit = settings.FIELD_PHOTO_MAX_BYTES
    if size > limit:
        raise PhotoRefused(
            "too_large",
            413,
            _("The photo is too large (%(size)s MB); at most %(limit)s MB is accepted.")
            % {"size": f"{size / 1048576:.1f}", "limit": f"{limit / 1048576:.1f}"},
        )


def photo_prepare(content: bytes, *, keep_location: bool) -> Prepared:
    """The photo to keep (``photos.prepare_photo``), or a refusal in the actor's language."""
    photo_check_size(len(content))
    try:
        return prepare_photo(content, keep_location=keep_location)
    except NotAnImage:
        raise PhotoRefused(
            "not_an_image", 422, _("This file is not a photo (JPEG, PNG or WebP): nothing was kept.")
        ) from None


@transaction.atomic
def visit_photo_add(*, actor: User, visit_id: uuid.UUID, photo_id: uuid.UUID, content: bytes) -> PhotoResult:
    """Keep a photo of the actor's visit, only if the person agreed to it (``Visit.consent_photo``).

    Idempotent by the photo's id, made on the phone: the same id with the same bytes answers
    "same" and writes nothing; with other bytes, or for another visit, ``PhotoRefused`` 409.
    The bytes must be an image within ``FIELD_PHOTO_MAX_BYTES`` (413); the file kept is
    re-encoded as a bounded JPEG without EXIF (its place only with the location consent too),
    at most ``FIELD_PHOTOS_PER_VISIT`` per visit.
    """
    visit = _photo_visit(actor, visit_id)
    digest = hashlib.sha256(content).hexdigest()
    stored = VisitPhoto.objects.filter(pk=photo_id).first()
    if stored is not None:
        if stored.visit_id == visit.pk and stored.digest == digest:
            return PhotoResult("same", stored)
        raise PhotoRefused(
            "conflict", 409, _("A different photo was already recorded with this id: nothing was changed.")
        )
    if not visit.consent_photo:
        raise PhotoRefused(
            "no_consent", 422, _("The person did not agree to a photo at this visit: the photo is not kept.")
        )
    if visit.photos.count() >= settings.FIELD_PHOTOS_PER_VISIT:
        raise PhotoRefused(
            "too_many", 422, _("A visit has at most %(n)s photos.") % {"n": settings.FIELD_PHOTOS_PER_VISIT}
        )
    prepared = photo_prepare(content, keep_location=visit.consent_location)
    photo = VisitPhoto(id=photo_id, visit=visit, member=actor, digest=digest, size=len(prepared.data),
                       width=prepared.width, height=prepared.height, located=prepared.located)  # fmt: skip
    # Named after its id, the row first: a second request with the same id stops at the row (the other
    # request's file untouched), and a retry after a failure writes the same file again, never a second one.
    photo.file.name = photo_path(photo, "")
    try:
        with transaction.atomic():
            photo.save(force_insert=True)
    except IntegrityError:
        # The same id sent twice at once for different visits: the other request stored it first.
        raise PhotoRefused(
            "conflict", 409, _("A different photo was already recorded with this id: nothing was changed.")
        ) from None
    written = photo.file.storage.save(photo.file.name, ContentFile(prepared.data))
    assert written == photo.file.name, (written, photo.file.name)
    log_action(
        "fieldwork.photo.added",
        actor=actor,
        obj=visit.case,
        unit=visit.case.unit,
        data={"photo": str(photo.pk), "visit": str(visit.pk), "case": visit.case_id, "located": photo.located},
    )
    return PhotoResult("created", photo)


@transaction.atomic
def visit_record_from_page(
    *, actor: User, visit: VisitInput, photo: tuple[uuid.UUID, bytes] | None = None
) -> VisitResult:
    """The page's visit form: the visit and its photo (id, bytes) in one transaction, both or neither.

    A photo refused (``PhotoRefused``) takes the visit back with it, so the form is sent again whole.
    """
    (result,) = visits_record(actor=actor, visits=[visit])
    if photo is not None and result.result in {"created", "same"}:
        photo_id, content = photo
        visit_photo_add(actor=actor, visit_id=visit.id, photo_id=photo_id, content=content)
    return result


@transaction.atomic
def visit_photo_view_record(*, actor: User, photo: VisitPhoto) -> None:
    """A photo of a person shown to ``actor``: who saw whose photo, when (the one write of its GET, like a reveal)."""
    case = photo.visit.case
    NumberView.objects.create(
        user=actor, purpose="photo", subscriber_ids=[case.subscriber_id] if case.subscriber_id else []
    )
    log_action(
        "fieldwork.photo.viewed",
        actor=actor,
        obj=case,
        unit=case.unit,
        data={"photo": str(photo.pk), "visit": str(photo.visit_id), "case": case.pk},
    )


# ---------------------------------------------------------------- calls and disclosures


@dataclass(frozen=True)
class CallInput:
    id: uuid.UUID
    case_id: int
    at: datetime.datetime


@transaction.atomic
def calls_record(*, actor: User, calls: Sequence[CallInput]) -> list[tuple[uuid.UUID, str]]:
    """Taps on "call" (tel:) that reached the server: each a reveal of the number (NumberView, audit), once per id."""
    stored = set(Call.objects.filter(pk__in=[c.id for c in calls]).values_list("pk", flat=True))
    cases = {c.pk: c for c in field_cases(actor).filter(pk__in={c.case_id for c in calls})}
    results: list[tuple[uuid.UUID, str]] = []
    new: list[Call] = []
    for call in calls:
        if call.id in stored:
            results.append((call.id, "same"))
        elif call.case_id not in cases or timezone.is_naive(call.at):
            results.append((call.id, "invalid"))
        else:
            stored.add(call.id)
            new.append(Call(id=call.id, case_id=call.case_id, member=actor, at=call.at))
            results.append((call.id, "created"))
    if new:
        Call.objects.bulk_create(new)
        subscriber_ids = sorted({s for c in new if (s := cases[c.case_id].subscriber_id) is not None})
        NumberView.objects.create(user=actor, purpose="call", subscriber_ids=subscriber_ids)
        log_action(
            "fieldwork.case.called",
            actor=actor,
            data={"calls": len(new), "cases": sorted({c.case_id for c in new})},
        )
    return results


@transaction.atomic
def cases_download_record(*, actor: User, cases: Iterable[Case], via: str) -> None:
    """Full numbers sent to a member (the field app's download, a case page): who, when, which cases.

    Like the registry's searches by number, the one write a GET makes: every disclosure is traceable.
    """
    cases = list(cases)
    if not cases:
        return
    NumberView.objects.create(
        user=actor, purpose="field", subscriber_ids=sorted({c.subscriber_id for c in cases if c.subscriber_id})
    )
    log_action("fieldwork.cases.downloaded", actor=actor, data={"cases": len(cases), "via": via})


@transaction.atomic
def case_call_from_page(*, actor: User, case: Case) -> str:
    """A tap on the case page's number: recorded as a call (a reveal), answers the number to dial."""
    calls_record(actor=actor, calls=[CallInput(id=uuid.uuid4(), case_id=case.pk, at=timezone.now())])
    return case.msisdn


# ---------------------------------------------------------------- field devices


@transaction.atomic
def device_enrol(*, actor: User, name: str) -> tuple[FieldDevice, str]:
    """A phone signed in for field work as ``actor``: the raw token is answered once and stored as a digest."""
    if not can(actor, Perm.VISIT):
        raise PermissionDenied
    raw = "fd_" + secrets.token_urlsafe(30)
    device = FieldDevice.objects.create(
        user=actor,
        name=name.strip()[:100] or _("Phone"),
        prefix=raw[:8],
        digest=token_digest(raw),
        expires_at=timezone.now() + datetime.timedelta(days=settings.FIELD_DEVICE_DAYS),
    )
    log_action(
        "fieldwork.device.enrolled", actor=actor, obj=device, data={"name": device.name, "prefix": device.prefix}
    )
    return device, raw


@transaction.atomic
def device_revoke(*, actor: User, device: FieldDevice) -> FieldDevice:
    """Stop a phone: its next contact is refused (401) and told to clear what it holds. Its owner, or a team leader."""
    from switchoff.fieldwork.selectors import teams_of_member

    if device.user_id != actor.pk and not any(may_lead(actor, t) for t in teams_of_member(device.user)):
        raise PermissionDenied
    if device.revoked_at is None:
        device.revoked_at = timezone.now()
        device.revoked_by = actor
        device.save(update_fields=["revoked_at", "revoked_by"])
        log_action(
            "fieldwork.device.revoked", actor=actor, obj=device, data={"name": device.name, "prefix": device.prefix}
        )
    return device


def device_touch(*, device: FieldDevice, now: datetime.datetime) -> None:
    """When the phone was last seen, at most once a minute, beside the credential (bookkeeping, not audited)."""
    try:
        seen: datetime.datetime | None = device.seen.at  # read with the device (select_related) by the API's auth
    except FieldDeviceSeen.DoesNotExist:
        seen = None
    if seen is not None and seen > now - SEEN_PRECISION:
        return
    with transaction.atomic():
        updated = FieldDeviceSeen.objects.filter(device=device, at__lt=now - SEEN_PRECISION).update(at=now)
        if not updated:
            FieldDeviceSeen.objects.get_or_create(device=device, defaults={"at": now})


# ---------------------------------------------------------------- assignment


def _team_of_cases(actor: User, team: Unit | None, member: User | None) -> None:
    if team is not None and (team.kind.category != UnitKind.Category.TEAM or not may_lead(actor, team)):
        raise PermissionDenied
    roles = [Role.TEAM_MEMBER, Role.TEAM_LEADER]
    if member is not None and (
        team is None or not Membership.objects.filter(user=member, unit=team, role__in=roles).exists()
    ):
        raise ValidationError(_("%(name)s is not a member of this team.") % {"name": member})


@transaction.atomic
def cases_assign(
    *, actor: User, cases: QuerySet[Case], team: Unit | None, member: User | None = None, how: str = "hand"
) -> int:
    """Hand ``cases`` (those of them the actor directs) to ``team`` and optionally one of its members, set-based.

    ``how`` says how they were chosen, for the trail: "hand", "village", "filter", "coverage".
    The phones that held them drop them at their next sync; their next visit on an older version is a conflict.
    """
    _team_of_cases(actor, team, member)
    chosen = managed_cases(actor).filter(pk__in=cases.values("pk"))
    team_id = team.pk if team else None
    member_id = member.pk if member else None
    moving = (
        chosen.exclude(team_id=team_id, member_id=member_id)
        if team_id
        else chosen.exclude(team__isnull=True, member__isnull=True)
    )
    ids = list(moving.values_list("pk", flat=True))
    if not ids:
        return 0
    deltas = CaseDeltas()
    now = timezone.now()
    transfers = []
    for start in range(0, len(ids), 5000):
        part = Case.objects.filter(pk__in=ids[start : start + 5000])
        for key, n in grouped(part):
            campaign_id, unit_id, _old_team, status, stage, follow_up_on = key
            deltas.change(key, (campaign_id, unit_id, team_id, status, stage, follow_up_on), n)
        for (campaign_id, unit_id, old_team), n in found_grouped(part):
            if old_team != team_id:
                deltas.found(campaign_id=campaign_id, unit_id=unit_id, team_id=old_team, n=-n)
                deltas.found(campaign_id=campaign_id, unit_id=unit_id, team_id=team_id, n=n)
        transfers += [
            CaseTransfer(case_id=pk, from_team_id=t, from_member_id=m, at=now)
            for pk, t, m in part.values_list("pk", "team_id", "member_id")
        ]
        part.update(team_id=team_id, member_id=member_id, version=F("version") + 1,
                    assigned_version=F("version") + 1, changed_at=now)  # fmt: skip
    CaseTransfer.objects.bulk_create(transfers, batch_size=1000)
    deltas.write()
    log_action(
        "fieldwork.cases.assigned",
        actor=actor,
        obj=team,
        unit=team,
        data={
            "cases": len(ids),
            "team": team.name if team else None,
            "member": str(member) if member else None,
            "how": how,
        },
    )
    return len(ids)


@transaction.atomic
def team_villages_set(*, actor: User, team: Unit, villages: list[Unit]) -> int:
    """Set the villages a team covers (a commune official or the team's leader); their cases without a team join it."""
    if team.kind.category != UnitKind.Category.TEAM or not may_lead(actor, team):
        raise PermissionDenied
    team_set_coverage(actor=actor, team=team, villages=villages)
    unassigned = Case.objects.filter(unit__in=[v.pk for v in villages], team__isnull=True)
    if not unassigned.exists() or not managed_cases(actor).filter(pk__in=unassigned.values("pk")).exists():
        return 0
    return cases_assign(actor=actor, cases=unassigned, team=team, how="coverage")


@transaction.atomic
def team_member_add(*, actor: User, team: Unit, person: User, role: Role = Role.TEAM_MEMBER) -> Membership:
    """Put a person of the team's commune (``selectors.team_candidates``) in a team as a member (or leader:
    only a commune official names a leader)."""
    if role not in {Role.TEAM_MEMBER, Role.TEAM_LEADER} or team.kind.category != UnitKind.Category.TEAM:
        raise ValidationError(_("A team has members and leaders only."))
    if not may_lead(actor, team) or (role == Role.TEAM_LEADER and not can(actor, Perm.MANAGE_FIELD, team)):
        raise PermissionDenied
    if not team_candidates(team, include_team=True).filter(pk=person.pk).exists():
        raise ValidationError(
            _("%(name)s is not one of the people of %(commune)s: invite them to the commune first.")
            % {"name": person, "commune": team.geographic_anchor().name}
        )
    membership, created = Membership.objects.get_or_create(user=person, unit=team, role=role)
    if created:
        log_action("fieldwork.team.member_added", actor=actor, obj=team, unit=team,
                   data={"person": str(person), "role": role})  # fmt: skip
    forget_grants(person)
    return membership


@transaction.atomic
def team_member_remove(*, actor: User, membership: Membership) -> None:
    """Take a person out of a team: their cases go back to the team as a whole, their phones are revoked."""
    team = membership.unit
    if not may_lead(actor, team) or (membership.role == Role.TEAM_LEADER and not can(actor, Perm.MANAGE_FIELD, team)):
        raise PermissionDenied
    person = membership.user
    membership.delete()
    theirs = Case.objects.filter(team=team, member=person)
    if theirs.exists():
        cases_assign(actor=actor, cases=theirs, team=team, how="member_removed")
    if not Membership.objects.filter(user=person, unit__kind__category=UnitKind.Category.TEAM).exists():
        for device in FieldDevice.objects.filter(user=person, revoked_at__isnull=True):
            device_revoke(actor=actor, device=device)
    log_action("fieldwork.team.member_removed", actor=actor, obj=team, unit=team,
               data={"person": str(person), "role": membership.role})  # fmt: skip


@transaction.atomic
def case_resolve(*, actor: User, case: Case, status: str, note: str = "") -> Case:
    """The team leader settles a case in conflict: the status that stands, the flag cleared (both visits stay).

    Only the statuses of ``rules.resolution_choices`` are accepted: "verified" comes from an
    operator's list alone. The resolution is kept (who, when, the status, why) for the case's history.
    """
    if not managed_cases(actor).filter(pk=case.pk).exists():
        raise PermissionDenied
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not case.conflict:
        raise ValidationError(_("This case is not in conflict (any more): nothing to resolve."))
    if status not in rules.resolution_choices(case.status):
        if status == rules.Status.VERIFIED:
            raise ValidationError({"status": _("Only the operator's next list verifies a switch.")})
        raise ValidationError({"status": _("This status cannot be chosen to resolve a conflict.")})
    before = case_key(case)
    old_status = case.status
    after = rules.after_resolution(_state(case), status=status, day=timezone.localdate())
    case.status, case.stage, case.follow_up_on, case.switched_on = (
        after.status,
        after.stage,
        after.follow_up_on,
        after.switched_on,
    )
    case.conflict = False
    case.version += 1
    case.assigned_version = case.version
    case.changed_at = timezone.now()
    case.save(update_fields=["status", "stage", "follow_up_on", "switched_on", "conflict", "version",
                             "assigned_version", "changed_at"])  # fmt: skip
    Resolution.objects.create(case=case, by=actor, at=case.changed_at, from_status=old_status, status=status,
                              note=note.strip()[:300])  # fmt: skip
    deltas = CaseDeltas()
    deltas.change(before, case_key(case))
    deltas.write()
    log_action("fieldwork.case.resolved", actor=actor, obj=case, unit=case.unit,
               data={"from": old_status, "to": status, "note": note[:300]})  # fmt: skip
    return case
