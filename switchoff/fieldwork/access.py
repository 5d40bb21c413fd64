"""Who sees and acts on which cases: the field work's checked helpers beside ``people/access.py``.

* ``field_cases``: the cases a member works on: those handed to them, and their teams' cases
  handed to nobody (``assigned_scope`` with ``fieldwork.visit``); a case handed to another
  member leaves their list. A team leader works on all of the team's cases. The field app,
  the API and the visit form go through it: a member of one team never reads or writes
  another team's cases.
* ``team_cases``: where a member's visits may be written: also their teams' cases handed to
  another member since (the visit is kept and the case flagged in conflict).
* ``managed_cases``: the cases an official directs, those in the units where they hold
  ``fieldwork.manage`` (a commune's committee: its villages), and a team leader's team's cases.
* ``visible_cases``: either of the two, for the pages.

The bottom of the field work's imports: selectors and services read through it, never the reverse.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from switchoff.fieldwork.models import Case, FieldDevice
from switchoff.lib.collation import vi_order
from switchoff.people.access import acts_as_superuser, assigned_scope, can, visible_units
from switchoff.people.models import User
from switchoff.people.roles import Perm, Role
from switchoff.units.models import Unit, UnitKind


def teams_of_member(user: User) -> list[Unit]:
    """The teams ``user`` belongs to (as member or leader)."""
    return list(
        Unit.objects.filter(
            memberships__user=user,
            memberships__role__in=[Role.TEAM_MEMBER, Role.TEAM_LEADER],
            kind__category=UnitKind.Category.TEAM,
        )
        .distinct()
        .order_by(vi_order("name"))
    )


def field_filter(user: User) -> Q:
    """``field_cases`` as a filter."""
    if acts_as_superuser(user):
        return Q()
    mine = assigned_scope(user, Perm.VISIT) & (Q(member=user.pk) | Q(member__isnull=True))
    return mine | assigned_scope(user, Perm.LEAD_TEAM)


def field_cases(user: User) -> QuerySet[Case]:
    return Case.objects.filter(field_filter(user))


def team_cases(user: User) -> QuerySet[Case]:
    """Where a member's visits are written: ``field_cases`` and the cases of their teams handed to another member
    since. A phone that was offline when a case was handed to a teammate keeps its visit: recorded, and the case
    flagged in conflict for the leader (the issue: a visit is never rejected because the case changed)."""
    if acts_as_superuser(user):
        return Case.objects.all()
    return Case.objects.filter(assigned_scope(user, Perm.VISIT) | assigned_scope(user, Perm.LEAD_TEAM))


def managed_filter(user: User) -> Q:
    if acts_as_superuser(user):
        return Q()
    return Q(unit__in=visible_units(user, Perm.MANAGE_FIELD)) | assigned_scope(user, Perm.LEAD_TEAM)


def managed_cases(user: User) -> QuerySet[Case]:
    return Case.objects.filter(managed_filter(user))


def visible_cases(user: User) -> QuerySet[Case]:
    if acts_as_superuser(user):
        return Case.objects.all()
    return Case.objects.filter(managed_filter(user) | field_filter(user))


def access_case(user: User, case_id: int) -> Case:
    """A case the user may see, or 404."""
    try:
        return (
            visible_cases(user)
            .select_related("subscriber", "subscriber__operator", "unit", "team", "member")
            .get(pk=case_id)
        )
    except (Case.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def may_manage(user: User, case: Case) -> bool:
    """Whether ``user`` reassigns ``case`` and resolves its conflicts."""
    return managed_cases(user).filter(pk=case.pk).exists()


def may_lead(user: User, team: Unit) -> bool:
    """Whether ``user`` directs ``team`` (its leader, or an official of its commune)."""
    return can(user, Perm.LEAD_TEAM, team) or can(user, Perm.MANAGE_FIELD, team)


def access_device(user: User, device_id: int) -> FieldDevice:
    """A field device of a team ``user`` directs (or their own), or 404."""
    device = FieldDevice.objects.select_related("user").filter(pk=device_id).first()
    if device is None:
        raise Http404
    if device.user_id == user.pk:
        return device
    if not any(may_lead(user, team) for team in teams_of_member(device.user)):
        raise Http404
    return device
