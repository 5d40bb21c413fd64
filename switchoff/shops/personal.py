"""The phone shops' personal fields (``privacy.registry``): a shop's owner (name and phone), its inspections' notes
and the commitments the owner signed (scans, deleted through their storage).

A shop keeps its row, name, address, commune and dealer, and its inspections their dates, what was found and
whether the shop was told and signed: the business on the street and the figures of the shops' page stay.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from switchoff.privacy.registry import PersonalData, Scope, register
from switchoff.shops.models import Inspection, Shop


def _inspections(scope: Scope) -> QuerySet[Inspection]:
    return Inspection.objects.filter(shop_id__in=scope.shop_ids)


register(
    PersonalData(
        model=Shop,
        rows=lambda scope: Shop.objects.filter(pk__in=scope.shop_ids),
        erase={"owner_name": "", "phone": ""},
        label=_("Phone shop owned"),
        shown=("name", "owner_name", "phone", "address"),
    ),
    PersonalData(
        model=Inspection,
        rows=_inspections,
        files=("commitment",),
        erase={"commitment": "", "note": ""},
        label=_("Inspection of the phone shop"),
        shown=("inspected_on", "informed", "commitment_signed", ("commitment", _("Commitment (scan)")), "note"),
    ),
)
