"""Whether a case's person qualifies for a programme, and each reason why not, in the reader's language.

Asked when a member refers someone (the answer comes at once) and again at approval and delivery:
dates, area, operator, household category, stock and one delivery per household.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from switchoff.fieldwork.models import Case
from switchoff.lib.text import fold
from switchoff.programmes.models import Category, Delivery, HouseholdCategory, Match, Programme, Referral, Stock


def household_key(case: Case) -> str:
    """One household, whichever of its numbers: a confirmed household, else the subscriber, else the case."""
    subscriber = case.subscriber
    if subscriber is not None and subscriber.household_id is not None:
        return f"h{subscriber.household_id}"
    if subscriber is not None:
        return f"s{subscriber.pk}"
    return f"c{case.pk}"


def _day(day: datetime.date) -> str:
    return date_format(day, "d/m/Y")


def stock_for(programme: Programme, case: Case) -> Stock | None:
    """The stock of the narrowest area holding the case's unit (None: the programme keeps no stock there)."""
    return narrowest_stock(list(programme.stocks.select_related("unit")), case.unit.rollup_path)


def narrowest_stock(stocks: list[Stock], path: str) -> Stock | None:
    """Of ``stocks`` (their units loaded), the one of the narrowest area holding the unit at ``path``."""
    found = [s for s in stocks if path.startswith(s.unit.rollup_path)]
    return max(found, key=lambda s: len(s.unit.rollup_path)) if found else None


def household_category(case: Case) -> HouseholdCategory | None:
    """The case's household on its commune's list: matched to the household or the number, else by name."""
    subscriber = case.subscriber
    rows = HouseholdCategory.objects.all()
    if subscriber is not None:
        matched = rows.filter(subscriber=subscriber).first()
        if matched is None and subscriber.household_id is not None:
            matched = rows.filter(household_id=subscriber.household_id).first()
        if matched is not None:
            return matched
    name = fold(case.name)
    if not name:
        return None
    units = [case.unit_id, *([case.unit.parent_id] if case.unit.parent_id else [])]
    if subscriber is not None:  # the official said this subscriber is not that household's head
        rows = rows.exclude(match=Match.DISMISSED, proposed=subscriber)
    return (
        rows.filter(search_name=name, unit_id__in=units).order_by("-year").first()
        or rows.filter(search_name=name, village_id=case.unit_id).order_by("-year").first()
    )


def earlier_delivery(programme: Programme, key: str) -> Delivery | None:
    return Delivery.objects.filter(programme=programme, household_key=key).first()


def no_stock_message(stock: Stock | None) -> str:
    """Why a delivery finds no stock: none left in the area's stock, or no stock for the area at all."""
    if stock is None:
        return _("The programme holds no stock for this area.")
    return _("No stock left in %(area)s.") % {"area": stock.unit.name}


def delivered_message(delivery: Delivery) -> str:
    return delivered_words(delivery.pk, delivery.delivered_on, delivery.place)


def delivered_words(no: int, day: datetime.date, place: str) -> str:
    """``delivered_message`` from the delivery's number, day and place (a list's refusals, without a model each)."""
    return _("This household already received this programme: delivery no. %(no)s on %(day)s%(place)s.") % {
        "no": no,
        "day": _day(day),
        "place": f" ({place})" if place else "",
    }


def reasons_not(
    programme: Programme, case: Case, *, today: datetime.date, referral: Referral | None = None
) -> list[str]:
    """Every reason ``case``'s person does not qualify for ``programme`` today; empty: they qualify."""
    reasons: list[str] = []
    if not programme.starts_on <= today <= programme.ends_on:
        reasons.append(
            _("The programme runs from %(start)s to %(end)s.")
            % {"start": _day(programme.starts_on), "end": _day(programme.ends_on)}
        )
    if not case.unit.rollup_path.startswith(programme.area.rollup_path):
        reasons.append(_("The person lives outside the programme's area (%(area)s).") % {"area": programme.area.name})
    if programme.operator_id is not None and (
        case.subscriber is None or case.subscriber.operator_id != programme.operator_id
    ):
        reasons.append(_("Only subscribers of %(operator)s qualify.") % {"operator": programme.operator})
    if programme.categories:
        row = household_category(case)
        labels = ", ".join(str(Category(c).label).lower() for c in programme.categories)
        if row is None:
            reasons.append(_("The household is not on the commune's list (%(categories)s).") % {"categories": labels})
        elif row.category not in programme.categories:
            reasons.append(
                _("The household is listed as %(category)s; the programme is for: %(categories)s.")
                % {"category": row.get_category_display().lower(), "categories": labels}
            )
    if programme.stocks.exists():
        stock = stock_for(programme, case)
        if stock is None:
            reasons.append(_("The programme holds no stock for this area."))
        elif stock.left <= 0:
            reasons.append(_("No stock left in %(area)s.") % {"area": stock.unit.name})
    key = household_key(case)
    delivery = earlier_delivery(programme, key)
    if delivery is not None:
        reasons.append(delivered_message(delivery))
    else:
        others = Referral.objects.filter(programme=programme, household_key=key).exclude(state=Referral.State.REFUSED)
        if referral is not None:
            others = others.exclude(pk=referral.pk)
        open_referral = others.first()
        if open_referral is not None:
            reasons.append(
                _("This household was already referred to this programme on %(day)s (referral no. %(no)s).")
                % {"day": _day(timezone.localdate(open_referral.referred_at)), "no": open_referral.pk}
            )
    return reasons
