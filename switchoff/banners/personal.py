"""The banners' photos (``privacy.registry``): a street with whoever passed by. They go with the campaign's personal
data (``privacy.retention``); the placement stays with its kind, quantity, place and dates, as its counts do."""

from __future__ import annotations

from switchoff.banners.models import Placement
from switchoff.privacy.registry import PersonalData, register

register(
    PersonalData(
        model=Placement,
        rows=lambda scope: Placement.objects.filter(campaign_id__in=scope.campaign_ids).exclude(photo=""),
        files=("photo",),
        erase={"photo": "", "photo_digest": ""},
    )
)
