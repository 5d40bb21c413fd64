"""The support programmes' personal fields (``privacy.registry``): a referral's note and decision, a delivery's
place and IMEI, the commune's list entry matched (or proposed) to a subscriber.

Referrals and deliveries keep their rows, programme, household key, states and dates: one household receives a
programme once, after its data is gone too.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from switchoff.privacy.registry import PersonalData, register
from switchoff.programmes.models import Delivery, HouseholdCategory, Referral

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
            Q(subscriber_id__in=scope.subscriber_ids) | Q(proposed_id__in=scope.subscriber_ids)
        ),
        erase={"subscriber": None, "household": None, "proposed": None, "match": "none"},
        label=_("On the commune's list of poor and near-poor households"),
        shown=("head_name", "category", "year"),
    ),
)
