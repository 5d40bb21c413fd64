"""The activities' evidence files (``privacy.registry``): photos of a meeting or a broadcast may show the people
there. They go with the campaign's personal data (``privacy.retention``); the activity stays with its counts, its
description and its link, as the monthly reports and the aggregated documents show them."""

from __future__ import annotations

from switchoff.privacy.registry import PersonalData, register
from switchoff.reports.models import Activity

register(
    PersonalData(
        model=Activity,
        rows=lambda scope: Activity.objects.filter(campaign_id__in=scope.campaign_ids).exclude(evidence_file=""),
        files=("evidence_file",),
        erase={"evidence_file": ""},
    )
)
