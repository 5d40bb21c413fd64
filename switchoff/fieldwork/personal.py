"""The field work's personal fields (``privacy.registry``): people found at the door, visits' notes and places,
photos (files deleted through their storage), leaders' reasons, visits a revoked phone still holds.

Cases and visits keep their rows, statuses, outcomes, dates, teams and members: the counters and progress
count them.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from switchoff.fieldwork.models import Case, HeldVisit, Resolution, Visit, VisitPhoto
from switchoff.privacy.registry import PersonalData, Scope, register


def _cases(scope: Scope) -> QuerySet[Case]:
    return Case.objects.filter(pk__in=scope.case_ids)


register(
    PersonalData(
        model=Case,
        rows=_cases,
        erase={"found_name": "", "found_msisdn": "", "found_address": ""},
        label=_("Door-to-door case"),
        shown=(
            ("campaign", _("Campaign")),
            "status",
            ("found_name", _("Name given at the door")),
            ("found_msisdn", _("Number given at the door")),
            ("found_address", _("Address given at the door")),
            ("last_visit_at", _("Last visit")),
        ),
    ),
    PersonalData(
        model=Visit,
        rows=lambda scope: Visit.objects.filter(case_id__in=scope.case_ids),
        erase={"note": "", "reason": "", "moved_to": "", "device_model": "", "lat": None, "lon": None},
        label=_("Visit"),
        shown=(
            "visited_at",
            "outcome",
            "note",
            "reason",
            "moved_to",
            "device_model",
            ("lat", _("Latitude")),
            ("lon", _("Longitude")),
        ),
    ),
    PersonalData(
        model=VisitPhoto,
        rows=lambda scope: VisitPhoto.objects.filter(visit__case_id__in=scope.case_ids),
        files=("file",),
        delete_rows=True,
        label=_("Photo taken at a visit"),
        shown=(("received_at", _("Received")), ("width", _("Width")), ("height", _("Height"))),
    ),
    PersonalData(
        model=Resolution,
        rows=lambda scope: Resolution.objects.filter(case_id__in=scope.case_ids),
        erase={"note": ""},
        label=_("Conflict settled by the team leader"),
        shown=(("at", _("When")), "status", "note"),
    ),
    PersonalData(
        model=HeldVisit,
        rows=lambda scope: HeldVisit.objects.filter(case_id__in=scope.case_ids),
        erase={"payload": {}},
        label=_("Visit sent by a signed-out phone"),
        shown=(("visited_at", _("Visited at")), "outcome", ("state", _("State"))),
    ),
)
