"""Who sees which shops: those holding ``shops.inspect`` over the shop's commune or village (``people/access.py``)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from switchoff.people.access import acts_as_superuser, visible_units
from switchoff.people.models import User
from switchoff.people.roles import Perm
from switchoff.shops.models import Inspection, Shop
from switchoff.units.models import Unit, UnitKind


def shop_places(user: User) -> QuerySet[Unit]:
    """The communes and villages where ``user`` registers and inspects shops."""
    return visible_units(user, Perm.INSPECT_SHOPS).filter(
        valid_to__isnull=True, kind__category__in=[UnitKind.Category.COMMUNE, UnitKind.Category.VILLAGE]
    )


def visible_shops(user: User) -> QuerySet[Shop]:
    if acts_as_superuser(user):
        return Shop.objects.all()
    units = visible_units(user, Perm.INSPECT_SHOPS)
    return Shop.objects.filter(Q(unit__in=units) | Q(village__in=units))


def access_shop(user: User, shop_id: int) -> Shop:
    try:
        return visible_shops(user).select_related("unit", "village", "dealer_of", "created_by").get(pk=shop_id)
    except (Shop.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def access_inspection(user: User, inspection_id: int) -> Inspection:
    try:
        return Inspection.objects.select_related("shop").get(pk=inspection_id, shop__in=visible_shops(user))
    except (Inspection.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
