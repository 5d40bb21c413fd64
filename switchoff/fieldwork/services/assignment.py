"""Handing cases to a team or one of its members, set-based, with the transfers the phones read."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from switchoff.audit.services import log_action
from switchoff.fieldwork.access import managed_cases, may_lead
from switchoff.fieldwork.counts import CaseDeltas, found_grouped, grouped
from switchoff.fieldwork.models import Case, CaseTransfer
from switchoff.people.models import Membership, User
from switchoff.people.roles import Role
from switchoff.units.models import Unit, UnitKind


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
