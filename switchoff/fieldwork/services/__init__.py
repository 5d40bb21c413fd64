"""Writes of the field work, one module per concern; which to call.

Each service is one transaction with its audit row and its counter deltas.

``visits`` (``visits_record``: the one write of visits, for the field API, the app and the
pages, a batch in a fixed handful of queries), ``visit_photos`` (a visit's photos, only with
the person's consent; the page's visit with its photo), ``calls`` (a tap on "call" and the
numbers sent to a member, each logged), ``devices`` (a phone signed in for field work, its
revocation, when it was last seen), ``assignment`` (cases handed to a team or a member),
``teams`` (a team's villages and members), ``resolutions`` (a leader settling a conflict),
``held`` (visits a revoked phone still sent, held for its team leader to accept or discard).
"""

from switchoff.fieldwork.services.assignment import cases_assign
from switchoff.fieldwork.services.calls import CallInput, calls_record, case_call_from_page, cases_download_record
from switchoff.fieldwork.services.devices import SEEN_PRECISION, device_enrol, device_revoke, device_touch
from switchoff.fieldwork.services.held import HeldResult, held_visits_decide, held_visits_receive
from switchoff.fieldwork.services.resolutions import case_resolve
from switchoff.fieldwork.services.teams import team_member_add, team_member_remove, team_villages_set
from switchoff.fieldwork.services.visit_photos import (
    PhotoRefused,
    PhotoResult,
    photo_check_size,
    photo_prepare,
    visit_photo_add,
    visit_photo_view_record,
    visit_record_from_page,
)
from switchoff.fieldwork.services.visits import (
    CLOCK_SKEW,
    NOTE_MAX,
    FoundPerson,
    VisitInput,
    VisitResult,
    case_state,
    visit_time,
    visits_record,
)

__all__ = [
    "CLOCK_SKEW",
    "NOTE_MAX",
    "SEEN_PRECISION",
    "CallInput",
    "FoundPerson",
    "HeldResult",
    "PhotoRefused",
    "PhotoResult",
    "VisitInput",
    "VisitResult",
    "calls_record",
    "case_call_from_page",
    "case_resolve",
    "case_state",
    "cases_assign",
    "cases_download_record",
    "device_enrol",
    "device_revoke",
    "device_touch",
    "held_visits_decide",
    "held_visits_receive",
    "photo_check_size",
    "photo_prepare",
    "team_member_add",
    "team_member_remove",
    "team_villages_set",
    "visit_photo_add",
    "visit_photo_view_record",
    "visit_record_from_page",
    "visit_time",
    "visits_record",
]
