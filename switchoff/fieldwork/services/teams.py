"""A team's villages and members (a commune's official or the team's leader)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from switchoff.audit.services import log_action
from switchoff.fieldwork.access import managed_cases, may_lead
from switchoff.fieldwork.models import Case, FieldDevice
from switchoff.fieldwork.selectors import team_candidates
from switchoff.fieldwork.services.assignment import cases_assign
from switchoff.fieldwork.services.devices import device_revoke
from switchoff.people.access import can, forget_grants
from switchoff.people.models import Membership, User
from switchoff.people.roles import Perm, Role
from switchoff.units.models import Unit, UnitKind
from switchoff.units.services import team_set_coverage


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
    # Their phones first, while they are still in the team (``device_revoke`` checks that the actor leads them).
    others = Membership.objects.filter(user=person, unit__kind__category=UnitKind.Category.TEAM)
    if not others.exclude(pk=membership.pk).exists():
        for device in FieldDevice.objects.filter(user=person, revoked_at__isnull=True):
            device_revoke(actor=actor, device=device)
    membership.delete()
    theirs = Case.objects.filter(team=team, member=person)
    if theirs.exists():
        cases_assign(actor=actor, cases=theirs, team=team, how="member_removed")
    log_action("fieldwork.team.member_removed", actor=actor, obj=team, unit=team,
               data={"person": str(person), "role": membership.role})  # fmt: skip
