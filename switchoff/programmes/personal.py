"""The support programmes' personal fields (``privacy.registry``): a referral's note and decision, a delivery's
place and IMEI, the commune's list entry of a household: its head's name, address and certificate, found through the
subscriber it was matched to or, for a campaign, through its area; an entry only proposed for a subscriber loses the
proposal (its names may be another person's).

Referrals and deliveries keep their rows, programme, household key, states and dates: one household receives a
programme once, after its data is gone too. A list entry keeps its commune, village, category and year.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from switchoff.privacy.registry import PersonalData, Scope, register
from switchoff.programmes.models import Delivery, HouseholdCategory, Referral


def _categories_erase(scope: Scope, pks: list[int]) -> None:
    """The entries matched to the people in scope (or the campaign's) lose their names; every entry found loses its
    match and proposal."""
    rows = HouseholdCategory.objects.filter(pk__in=pks)
    rows.filter(Q(subscriber_id__in=scope.subscriber_ids) | Q(pk__in=scope.category_ids)).update(
        head_name="", search_name="", address="", certificate=""
    )
    rows.update(subscriber=None, household=None, proposed=None, match="none")


register(
    PersonalData(
        model=Referral,
        rows=lambda scope: Referral.objects.filter(case_id__in=scope.case_ids),
        erase={"note": "", "reason": ""},
        label=_("Referral to a support programme"),
        shown=(("programme", _("Programme")), "state", ("referred_at", _("Referred")), "note", "reason"),
    ),
    PersonalData(
        model=Delivery,
        rows=lambda scope: Delivery.objects.filter(case_id__in=scope.case_ids),
        erase={"place": "", "imei": ""},
        label=_("Support programme delivery"),
        shown=(("programme", _("Programme")), "delivered_on", "place", "imei"),
    ),
    PersonalData(
        model=HouseholdCategory,
        rows=lambda scope: HouseholdCategory.objects.filter(
            Q(subscriber_id__in=scope.subscriber_ids)
            | Q(proposed_id__in=scope.subscriber_ids)
            | Q(pk__in=scope.category_ids)
        ),
        apply=_categories_erase,
        label=_("On the commune's list of poor and near-poor households"),
        shown=("head_name", "category", "year"),
    ),
)
