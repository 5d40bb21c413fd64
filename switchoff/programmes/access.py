"""Who sees and acts on which programmes and referrals: the programmes' checked helpers beside ``people/access.py``.

* A programme is seen by the people of its area (a coordinator, a commune, a team) and by the members
  of the unit that runs it (an operator's branch); it is defined and edited by those holding
  ``programmes.manage`` on that unit.
* A referral is seen by whoever sees its case (``fieldwork.access``), by the officials of its unit and by
  the unit running its programme; it is approved, and its delivery recorded, by the operator for an
  operator's programme and by the commune's official for a public fund or the local government.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from switchoff.fieldwork.access import visible_cases
from switchoff.people.access import acts_as_superuser, can, visible_units
from switchoff.people.models import User
from switchoff.people.roles import Perm
from switchoff.programmes.models import Programme, Referral, Sponsor
from switchoff.units.models import Unit


def visible_programmes(user: User) -> QuerySet[Programme]:
    if acts_as_superuser(user):
        return Programme.objects.all()
    roots = list(visible_units(user).values_list("rollup_path", flat=True))
    ids = [
        pk
        for pk, area_path in Programme.objects.values_list("pk", "area__rollup_path")
        if any(r.startswith(area_path) for r in roots)
    ]
    return Programme.objects.filter(Q(pk__in=ids) | Q(owner__in=visible_units(user)))


def access_programme(user: User, programme_id: int) -> Programme:
    """A programme the user may see, or 404."""
    try:
        return (
            visible_programmes(user)
            .select_related("campaign", "owner", "area", "operator", "created_by")
            .get(pk=programme_id)
        )
    except (Programme.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def owner_units(user: User) -> QuerySet[Unit]:
    """The units whose programmes ``user`` defines."""
    return visible_units(user, Perm.MANAGE_PROGRAMMES).filter(valid_to__isnull=True)


def may_manage(user: User, programme: Programme) -> bool:
    return can(user, Perm.MANAGE_PROGRAMMES, programme.owner)


def visible_referrals(user: User) -> QuerySet[Referral]:
    if acts_as_superuser(user):
        return Referral.objects.all()
    return Referral.objects.filter(
        Q(programme__owner__in=visible_units(user, Perm.APPROVE_SUPPORT))
        | Q(unit__in=visible_units(user, Perm.APPROVE_SUPPORT))
        | Q(case__in=visible_cases(user).values("pk"))
    )


def access_referral(user: User, referral_id: int) -> Referral:
    try:
        return (
            visible_referrals(user)
            .select_related(
                "programme",
                "programme__owner",
                "programme__area",
                "case",
                "case__subscriber",
                "case__subscriber__operator",
                "case__unit",
                "unit",
                "referred_by",
                "decided_by",
            )
            .get(pk=referral_id)
        )
    except (Referral.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def may_approve(user: User, programme: Programme, unit: Unit) -> bool:
    """Whether ``user`` approves referrals of ``programme`` in ``unit`` and records their deliveries."""
    if programme.sponsor == Sponsor.OPERATOR:
        return can(user, Perm.APPROVE_SUPPORT, programme.owner)
    return can(user, Perm.APPROVE_SUPPORT, unit)
