"""The one checked path from a user to the units (and so the rows) they may see.

Every view, export and API endpoint fetches units through ``visible_units`` or
``access_unit``; rows of other apps are filtered by ``unit__in=visible_units``.
A membership gives its role over an area:

* the unit itself and everything below it;
* for kinds that cover an area (a people's committee, the coordinating office),
  the whole geographic unit they are attached to;
* for a community digital technology team, also the villages it covers;
* legacy units merged into any of these (through ``rollup_path``).

Work assigned to a person or to their team, rather than spread over an area,
is filtered with ``assigned_scope``. Each domain keeps its own checked helpers
beside this core (``subscribers/access.py``), answering from role permissions.

A request made with an API token (``act_by_token``) carries no second
factor: while the token's user has no confirmed two-factor device, the roles
that require one (``roles.TWO_FACTOR_REQUIRED``) and superuser status give it
nothing, whatever else the user holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django_otp.plugins.otp_totp.models import TOTPDevice

from switchoff.people.models import Membership, User
from switchoff.people.roles import TWO_FACTOR_REQUIRED, Perm, Role, role_has
from switchoff.units.models import Unit, UnitKind, UnitQuerySet

if TYPE_CHECKING:
    from switchoff.campaigns.models import Campaign


@dataclass(frozen=True)
class Grant:
    role: Role
    prefixes: tuple[str, ...]
    unit_id: int  # the unit of the membership itself (a team, for ``assigned_scope``)


def act_by_token(user: User) -> None:
    """Mark ``user`` as acting through an API token for the rest of this request."""
    user._switchoff_by_token = True  # type: ignore[attr-defined]
    if hasattr(user, "_switchoff_token_lacks_two_factor"):
        del user._switchoff_token_lacks_two_factor
    forget_grants(user)


def _lacks_two_factor(user: User) -> bool:
    """Whether the request is a token's whose user has no confirmed two-factor device.

    Asked only when it matters (a superuser, a role that requires two-factor), once per request:
    most token requests (a field member's phone) make no query for it.
    """
    if not getattr(user, "_switchoff_by_token", False) or not settings.TWO_FACTOR_ENFORCED:
        return False
    lacks: bool | None = getattr(user, "_switchoff_token_lacks_two_factor", None)
    if lacks is None:
        lacks = not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        user._switchoff_token_lacks_two_factor = lacks  # type: ignore[attr-defined]
    return lacks


def acts_as_superuser(user: User) -> bool:
    """Superuser status counts, unless a token without two-factor carries it (superusers must have two-factor)."""
    return user.is_authenticated and user.is_superuser and not _lacks_two_factor(user)


def _grants(user: User) -> list[Grant]:
    cached: list[Grant] | None = getattr(user, "_switchoff_grants", None)
    if cached is not None:
        return cached
    grants: list[Grant] = []
    if user.is_authenticated and user.is_active:
        memberships = (
            Membership.objects.filter(user=user)
            .select_related("unit__kind", "unit__parent__kind")
            .prefetch_related("unit__covers")
        )
        for membership in memberships:
            if Role(membership.role) in TWO_FACTOR_REQUIRED and _lacks_two_factor(user):
                continue
            unit = membership.unit
            roots = [unit.geographic_anchor() if unit.kind.covers_area else unit]
            if unit.kind.category == UnitKind.Category.TEAM:
                roots.extend(unit.covers.all())
            grants.append(Grant(Role(membership.role), tuple(root.rollup_path for root in roots), unit.pk))
    user._switchoff_grants = grants  # type: ignore[attr-defined]
    return grants


def _held_roles(user: User) -> list[tuple[Role, int]]:
    """(role, unit id) of the memberships that count (as ``_grants``), without the units' tree: one small query.

    Enough for ``assigned_scope`` (a field member's every request), which needs no area prefixes.
    """
    grants: list[Grant] | None = getattr(user, "_switchoff_grants", None)
    if grants is not None:
        return [(g.role, g.unit_id) for g in grants]
    cached: list[tuple[Role, int]] | None = getattr(user, "_switchoff_held_roles", None)
    if cached is not None:
        return cached
    held: list[tuple[Role, int]] = []
    if user.is_authenticated and user.is_active:
        for role_code, unit_id in Membership.objects.filter(user=user).values_list("role", "unit_id"):
            role = Role(role_code)
            if role in TWO_FACTOR_REQUIRED and _lacks_two_factor(user):
                continue
            held.append((role, unit_id))
    user._switchoff_held_roles = held  # type: ignore[attr-defined]
    return held


def forget_grants(user: User) -> None:
    """Drop the per-request cache after memberships changed."""
    for cache in ("_switchoff_grants", "_switchoff_held_roles"):
        if hasattr(user, cache):
            delattr(user, cache)


def _prefixes(user: User, perm: Perm) -> list[str]:
    return sorted({p for g in _grants(user) if role_has(g.role, perm) for p in g.prefixes})


def _covering(prefixes: list[str]) -> Q:
    query = Q(pk__in=[])
    for prefix in prefixes:
        query |= Q(rollup_path__startswith=prefix) | Q(path__startswith=prefix)
    return query


def visible_units(user: User, perm: Perm = Perm.VIEW_UNITS) -> UnitQuerySet:
    """Units on which ``user`` holds ``perm``. Empty for anyone without a membership."""
    if acts_as_superuser(user):
        return Unit.objects.all()
    return Unit.objects.filter(_covering(_prefixes(user, perm)))


def can(user: User, perm: Perm, unit: Unit | None = None) -> bool:
    """Whether ``user`` holds ``perm`` somewhere (``unit`` None) or on ``unit``."""
    if acts_as_superuser(user):
        return True
    prefixes = _prefixes(user, perm)
    if unit is None:
        return bool(prefixes)
    return any(unit.rollup_path.startswith(p) or unit.path.startswith(p) for p in prefixes)


def require(user: User, perm: Perm, unit: Unit | None = None) -> None:
    if not can(user, perm, unit):
        raise PermissionDenied


def access_unit(user: User, unit_id: int, perm: Perm = Perm.VIEW_UNITS) -> Unit:
    """Fetch a unit the user may see, or 404; 403 if they see it but lack ``perm``."""
    try:
        unit = visible_units(user).select_related("kind", "parent", "merged_into").get(pk=unit_id)
    except (Unit.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    require(user, perm, unit)
    return unit


def visible_people(user: User, perm: Perm = Perm.VIEW_PEOPLE) -> QuerySet[User]:
    """Users with a membership in the area where ``user`` holds ``perm``, and ``user``."""
    if acts_as_superuser(user):
        return User.objects.all()
    units = visible_units(user, perm)
    in_area = Membership.objects.filter(unit__in=units).values("user_id")
    if perm == Perm.VIEW_PEOPLE:
        return User.objects.filter(Q(pk__in=in_area) | Q(pk=user.pk))
    return User.objects.filter(pk__in=in_area)


def access_person(user: User, person_id: int, perm: Perm = Perm.VIEW_PEOPLE) -> User:
    """Fetch a person the user may see, or 404; 403 if they see them but lack ``perm``."""
    try:
        person = visible_people(user).get(pk=person_id)
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if perm != Perm.VIEW_PEOPLE and not visible_people(user, perm).filter(pk=person.pk).exists():
        raise PermissionDenied
    return person


def assigned_scope(user: User, perm: Perm, *, member: str = "member", team: str = "team") -> Q:
    """Rows assigned to ``user`` (their ``member`` field) or to a team they belong to (``team``), as a filter.

    For work handed to people rather than spread over an area (a door-to-door
    case): ``Case.objects.filter(assigned_scope(user, Perm.VIEW_SUBSCRIBERS))``.
    A team is a unit, and belonging to it is holding a membership on it, so a
    unit's own members see what is assigned to the unit. Only memberships whose
    role grants ``perm`` count, and the rows assigned to the person themselves
    only while some role of theirs grants it: removing someone's roles takes
    their assigned work away too. Units below a team or covered by it do not
    widen the scope (that is ``visible_units``). Superusers see every row.
    """
    if acts_as_superuser(user):
        return Q()
    teams = sorted({unit_id for role, unit_id in _held_roles(user) if role_has(role, perm)})
    if not teams:
        return Q(pk__in=[])
    return Q(**{member: user.pk}) | Q(**{f"{team}__in": teams})


def scope_roots(user: User) -> UnitQuerySet:
    """The top units of the user's area, for the start of the tree."""
    if acts_as_superuser(user):
        return Unit.objects.filter(parent__isnull=True)
    prefixes = _prefixes(user, Perm.VIEW_UNITS)
    # Keep only prefixes not inside another one.
    tops = [p for p in prefixes if not any(p != q and p.startswith(q) for q in prefixes)]
    return Unit.objects.filter(rollup_path__in=tops, valid_to__isnull=True) | Unit.objects.filter(path__in=tops).filter(
        valid_to__isnull=True
    )


def visible_campaigns(user: User) -> QuerySet[Campaign]:
    """Campaigns whose area holds a unit the user may see."""
    from switchoff.campaigns.models import Campaign

    if acts_as_superuser(user):
        return Campaign.objects.all()
    roots = visible_units(user).values_list("rollup_path", flat=True)
    ids = [
        c.pk for c in Campaign.objects.select_related("area") if any(r.startswith(c.area.rollup_path) for r in roots)
    ]
    return Campaign.objects.filter(pk__in=ids)


def access_campaign(user: User, campaign_id: int, perm: Perm = Perm.VIEW_UNITS) -> Campaign:
    """A campaign the user takes part in, or 404; 403 without ``perm`` over its area when that perm is campaign-wide."""
    try:
        campaign = visible_campaigns(user).select_related("area", "coordinating_unit").get(pk=campaign_id)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if perm in {Perm.MANAGE_CAMPAIGNS, Perm.REVIEW, Perm.VIEW_REPORTS}:
        require(user, perm, campaign.area)
    return campaign


def reporting_units(user: User, campaign: Campaign) -> UnitQuerySet:
    """The assigned units of ``campaign`` for which the user logs activities and submits reports."""
    return visible_units(user, Perm.REPORT).filter(pk__in=campaign.assignments.values("unit_id"))


def access_reporting_unit(user: User, campaign: Campaign, unit_id: int, perm: Perm = Perm.VIEW_UNITS) -> Unit:
    """An assigned unit of the campaign that the user may see (404) and act on with ``perm`` (403)."""
    unit = access_unit(user, unit_id)
    if not campaign.assignments.filter(unit=unit).exists():
        raise Http404
    require(user, perm, unit)
    return unit
