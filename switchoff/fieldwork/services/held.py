"""Visits of a revoked phone: received when recorded before the revoke, held for the team leader to accept or discard.

A revoke stops new work, not work already done: a member whose phone was signed out (lost, or taken
out of the team) has visits on it that happened. But a lost phone cannot write the record by itself,
so what it sends waits (``HeldVisit``) until a leader of the case's team accepts it (then it is
recorded as the member's through the one write of visits) or discards it. Both are audited.
"""

from __future__ import annotations

import dataclasses
import datetime
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from switchoff.audit.services import log_action
from switchoff.fieldwork.access import managed_cases, may_lead, team_cases
from switchoff.fieldwork.cases import teams_of
from switchoff.fieldwork.models import FieldDevice, HeldVisit, Visit
from switchoff.fieldwork.services.visits import (
    FoundPerson,
    Problem,
    VisitInput,
    VisitResult,
    record_batch,
    visit_problem,
    visit_time,
)
from switchoff.people.access import visible_units
from switchoff.people.models import User
from switchoff.people.roles import Perm
from switchoff.units.models import Unit

# A lost phone in other hands must not fill a leader's page: at most this many of its visits wait at once.
WAITING_PER_DEVICE = 500


@dataclass
class HeldResult:
    """One visit's answer to a revoked phone: ``result`` held | same | refused | invalid, with a code and a message."""

    id: uuid.UUID
    result: str
    code: str | None = None
    message: str | None = None


def _payload(visit: VisitInput, offset_s: int) -> dict[str, object]:
    data = dataclasses.asdict(visit)
    data["id"] = str(visit.id)
    data["visited_at"] = visit.visited_at.isoformat() if visit.visited_at else None
    data["household"] = [list(entry) for entry in visit.household]
    # The correction found on receipt, so that accepting it later gives the same time.
    data["clock_offset_s"] = offset_s
    return data


def _visit(payload: dict[str, object]) -> VisitInput:
    data = dict(payload)
    found, visited_at, household = data.pop("found"), data.pop("visited_at"), data.pop("household")
    data.pop("id")
    return VisitInput(
        **data,  # type: ignore[arg-type]
        id=uuid.UUID(str(payload["id"])),
        visited_at=datetime.datetime.fromisoformat(visited_at) if isinstance(visited_at, str) else None,
        household=tuple((int(c), str(o)) for c, o in household),  # type: ignore[attr-defined]
        found=FoundPerson(**found) if isinstance(found, dict) else None,
    )


@transaction.atomic
def held_visits_receive(
    *, device: FieldDevice, visits: Sequence[VisitInput], sent_at: datetime.datetime | None = None
) -> list[HeldResult]:
    """What a revoked phone still had to send: each visit recorded before the revoke waits for the team leader.

    One result per visit, in order: "held" (waiting for the leader), "same" (already held or recorded),
    "refused" (recorded after the revoke, code ``after_revoke``; or past ``WAITING_PER_DEVICE``), "invalid"
    (a visit the rules refuse anyway, with its code). The phone's clock is corrected as for any visit.
    """
    assert device.revoked_at is not None
    now = timezone.now()
    ids = [v.id for v in visits]
    held = dict(HeldVisit.objects.filter(pk__in=ids).values_list("pk", "digest"))
    recorded = dict(Visit.objects.filter(pk__in=ids).values_list("pk", "digest"))
    # The member's teams' cases, and those of the teams whose leader revoked the phone (a member taken out of a
    # team is revoked by its leader: their visits there still reach that leader). No other case.
    scope = team_cases(device.user)
    if device.revoked_by is not None and device.revoked_by_id != device.user_id:
        scope = scope | managed_cases(device.revoked_by)
    wanted = {v.case_id for v in visits if v.case_id is not None}
    cases = {c.pk: c for c in scope.filter(pk__in=wanted)}
    villages = {v.found.village_id for v in visits if v.found is not None and v.found.village_id is not None}
    village_teams = teams_of(villages) if villages else {}
    room = WAITING_PER_DEVICE - HeldVisit.objects.filter(device=device, state=HeldVisit.State.WAITING).count()
    results: list[HeldResult] = []
    rows: list[HeldVisit] = []
    for visit in visits:
        digest = visit.digest()
        earlier = held.get(visit.id) or recorded.get(visit.id)
        if earlier is not None:
            if earlier == digest:
                results.append(HeldResult(visit.id, "same"))
            else:
                message = _("A different visit was already recorded with this id: nothing was changed.")
                results.append(HeldResult(visit.id, "refused", "id_reused", message))
            continue
        problem = visit_problem(visit)
        case = cases.get(visit.case_id) if visit.case_id is not None else None
        if problem is None and visit.case_id is not None and case is None:
            problem = Problem("not_your_case", _("This case does not exist or is not one of yours."))
        if problem is not None:
            results.append(HeldResult(visit.id, "invalid", problem.code, problem.message))
            continue
        at, phone_at = visit_time(visit, now=now, sent_at=sent_at)
        if at > device.revoked_at:
            message = _("Recorded after this phone was signed out (%(when)s): not kept.") % {
                "when": timezone.localtime(device.revoked_at).strftime("%H:%M %d/%m/%Y")
            }
            results.append(HeldResult(visit.id, "refused", "after_revoke", message))
            continue
        if room <= len(rows):
            message = _("Too many visits of this phone already wait for the team leader: not kept.")
            results.append(HeldResult(visit.id, "refused", "too_many_held", message))
            continue
        if case is not None:
            team_id = case.team_id
        else:
            assert visit.found is not None and visit.found.village_id is not None
            team_id = village_teams.get(visit.found.village_id)
        offset_s = round((at - phone_at).total_seconds()) if phone_at is not None else 0
        row = HeldVisit(id=visit.id, device=device, member_id=device.user_id, case=case, team_id=team_id,
                        visited_at=at, outcome=visit.outcome, payload=_payload(visit, offset_s), digest=digest,
                        received_at=now)  # fmt: skip
        rows.append(row)
        held[visit.id] = digest
        results.append(HeldResult(visit.id, "held"))
    if rows:
        HeldVisit.objects.bulk_create(rows)
        log_action(
            "fieldwork.visits.held",
            actor=device.user,
            obj=device,
            data={"visits": len(rows), "ids": [str(r.pk) for r in rows], "device": device.pk},
        )
    return results


@dataclass
class Decided:
    accepted: int = 0
    discarded: int = 0
    # Accepted but refused by the rules now (the case left the team meanwhile…): they stay, with why.
    refused: list[tuple[HeldVisit, VisitResult]] = dataclasses.field(default_factory=list)


@transaction.atomic
def held_visits_decide(*, actor: User, team: Unit, ids: Sequence[uuid.UUID], accept: bool) -> Decided:
    """A leader of ``team`` accepts (recorded as their member's visits) or discards visits held from revoked phones.

    An accepted visit goes through the one write of visits, reaching the cases the leader directs; one
    the rules refuse now stays waiting with the reason, for the leader to discard.
    """
    if not may_lead(actor, team):
        raise PermissionDenied
    chosen = list(
        HeldVisit.objects.filter(team=team, state=HeldVisit.State.WAITING, pk__in=list(ids))
        .select_related("member", "device")
        .select_for_update(of=("self",))
    )
    done = Decided()
    if not chosen:
        return done
    now = timezone.now()
    if not accept:
        HeldVisit.objects.filter(pk__in=[h.pk for h in chosen]).update(
            state=HeldVisit.State.DISCARDED, decided_by=actor, decided_at=now
        )
        done.discarded = len(chosen)
        log_action("fieldwork.held.discarded", actor=actor, obj=team, unit=team,
                   data={"visits": len(chosen), "ids": [str(h.pk) for h in chosen]})  # fmt: skip
        return done
    by_member: defaultdict[int, list[HeldVisit]] = defaultdict(list)
    for item in chosen:
        by_member[item.member_id].append(item)
    scope = managed_cases(actor)

    def villages() -> QuerySet[Unit]:
        return visible_units(actor, Perm.LEAD_TEAM) | visible_units(actor, Perm.MANAGE_FIELD)

    accepted: list[HeldVisit] = []
    for items in by_member.values():
        results = record_batch(actor=actor, member=items[0].member, visits=[_visit(i.payload) for i in items],
                               device=items[0].device, sent_at=None, scope=scope, villages=villages)  # fmt: skip
        for item, result in zip(items, results, strict=True):
            if result.result in {"created", "same"}:
                item.state, item.decided_by, item.decided_at, item.message = (HeldVisit.State.ACCEPTED, actor, now, "")
                accepted.append(item)
            else:
                item.message = (result.message or "")[:300]
                done.refused.append((item, result))
            item.save(update_fields=["state", "decided_by", "decided_at", "message"])
    done.accepted = len(accepted)
    if accepted:
        log_action("fieldwork.held.accepted", actor=actor, obj=team, unit=team,
                   data={"visits": len(accepted), "ids": [str(h.pk) for h in accepted]})  # fmt: skip
    return done
