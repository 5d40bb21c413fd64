"""The case rules, in one place: what a visit's outcome makes of a case, and what the next list does.

Pure functions over a small state, tested on their own (tests/test_fieldwork_rules.py).
The services apply them: a visit's outcome moves a case from one status to the next
with a follow-up date where one is needed; an operator's next list closes the loop
on switched cases. Nothing else decides a case's status.

* A visit applies only if it is the case's latest (by the time of the visit): a visit
  made earlier but sent later (a phone that was offline) is kept in the history and
  does not undo what a later visit found.
* "Not at home" three times in a row escalates the case to the team leader.
* A verified case stays verified whatever a later visit says (the operator's list is
  the proof); a closed case (moved, deceased, phone not used) reopens with a new visit.
* A switch and the operator's lists judge each other whatever order they arrive in: a
  switched case whose number is absent from its operator's latest list for the area is
  verified (when the list comes, or when the visit comes after it); one still on a list
  dated after the switch is to be revisited; a case not yet switched whose number left
  the list is closed (it needs no more visits: the number no longer uses 2G only).
* A team leader settling a conflict chooses the status that stands, never "verified"
  (only a list verifies) and never "not visited yet" (a case in conflict has visits);
  a verified case stays verified (the flag is cleared, the status kept).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    NOT_HOME = "not_home", _("Not at home")
    INFORMED = "informed", _("Informed")
    AGREES = "agrees", _("Agrees to switch")
    NEEDS_SUPPORT = "needs_support", _("Needs support")
    SWITCHED = "switched", _("Switched to 4G")
    REFUSES = "refuses", _("Refuses")
    NOT_USED = "not_used", _("Phone no longer used")
    MOVED = "moved", _("Moved away")
    DECEASED = "deceased", _("Deceased")
    WRONG_NUMBER = "wrong_number", _("Wrong number or address")


class Status(models.TextChoices):
    NEW = "new", _("Not visited yet")
    FOLLOW_UP = "follow_up", _("Visit again")
    ESCALATED = "escalated", _("For the team leader")
    AGREED = "agreed", _("Agrees to switch")
    NEEDS_SUPPORT = "needs_support", _("Needs support")
    SWITCHED = "switched", _("Switched (self-reported)")
    VERIFIED = "verified", _("Switched (verified by the list)")
    REVISIT = "revisit", _("Still on the list: revisit")
    REFUSED = "refused", _("Refuses")
    CLOSED = "closed", _("Closed")


class Stage(models.IntegerChoices):
    """The furthest step of the funnel a case reached: listed → visited → agreed → switched → verified.

    The first step holds every case, those found at the door (on no list) too: its label says so.
    """

    LISTED = 0, _("Every case (listed or found at the door)")
    VISITED = 1, _("Visited")
    AGREED = 2, _("Agreed")
    SWITCHED = 3, _("Switched (self-reported)")
    VERIFIED = 4, _("Verified")


ESCALATE_AFTER_NOT_HOME = 3

# Days until the next visit, by outcome; None: no follow-up.
FOLLOW_UP_DAYS: dict[str, int | None] = {
    Outcome.NOT_HOME: 2,
    Outcome.INFORMED: 7,
    Outcome.AGREES: 7,
    Outcome.NEEDS_SUPPORT: 14,
    Outcome.SWITCHED: None,
    Outcome.REFUSES: 30,
    Outcome.NOT_USED: None,
    Outcome.MOVED: None,
    Outcome.DECEASED: None,
    Outcome.WRONG_NUMBER: None,
}

STATUS_OF: dict[str, Status] = {
    Outcome.NOT_HOME: Status.FOLLOW_UP,
    Outcome.INFORMED: Status.FOLLOW_UP,
    Outcome.AGREES: Status.AGREED,
    Outcome.NEEDS_SUPPORT: Status.NEEDS_SUPPORT,
    Outcome.SWITCHED: Status.SWITCHED,
    Outcome.REFUSES: Status.REFUSED,
    Outcome.NOT_USED: Status.CLOSED,
    Outcome.MOVED: Status.CLOSED,
    Outcome.DECEASED: Status.CLOSED,
    # A wrong number or address is for the leader to correct: nobody can visit it as it is.
    Outcome.WRONG_NUMBER: Status.ESCALATED,
}

STAGE_OF: dict[str, Stage] = {
    Outcome.AGREES: Stage.AGREED,
    Outcome.NEEDS_SUPPORT: Stage.AGREED,
    Outcome.SWITCHED: Stage.SWITCHED,
}

# Statuses that wait for someone to go (the "my cases" list puts their due ones on top).
OPEN = frozenset({Status.NEW, Status.FOLLOW_UP, Status.AGREED, Status.NEEDS_SUPPORT, Status.REVISIT, Status.REFUSED})


@dataclass(frozen=True)
class CaseState:
    status: str = Status.NEW
    stage: int = Stage.LISTED
    follow_up_on: datetime.date | None = None
    not_home: int = 0  # consecutive "not at home" visits
    last_visit_at: datetime.datetime | None = None
    switched_on: datetime.date | None = None


def after_visit(
    state: CaseState, *, outcome: str, at: datetime.datetime, day: datetime.date, listed: bool = True
) -> CaseState:
    """The case after a visit with ``outcome`` at ``at`` (``day``: its local date).

    A visit older than the case's latest changes only the funnel's furthest stage. ``listed``: whether
    the case's number is on its operator's latest list; a switch reported for a number already gone from
    it is verified at once (the list came first).
    """
    stage = max(state.stage, STAGE_OF.get(outcome, Stage.VISITED))
    if state.last_visit_at is not None and at < state.last_visit_at:
        return replace(state, stage=stage)
    if state.status == Status.VERIFIED:
        return replace(state, last_visit_at=at, stage=stage)
    not_home = state.not_home + 1 if outcome == Outcome.NOT_HOME else 0
    status = STATUS_OF[outcome]
    days = FOLLOW_UP_DAYS[outcome]
    follow_up = day + datetime.timedelta(days=days) if days is not None else None
    if outcome == Outcome.NOT_HOME and not_home >= ESCALATE_AFTER_NOT_HOME:
        status, follow_up = Status.ESCALATED, None
    switched_on = day if outcome == Outcome.SWITCHED else state.switched_on
    if outcome == Outcome.SWITCHED and not listed:
        return CaseState(status=Status.VERIFIED, stage=Stage.VERIFIED, follow_up_on=None, not_home=0,
                         last_visit_at=at, switched_on=switched_on)  # fmt: skip
    return CaseState(
        status=status, stage=stage, follow_up_on=follow_up, not_home=not_home, last_visit_at=at, switched_on=switched_on
    )


# What a team leader may choose when settling a conflict: verified only comes from a list, and a case
# in conflict was visited (at least twice).
RESOLVABLE = tuple(s for s in Status if s not in {Status.VERIFIED, Status.NEW})

# The funnel's step a status stands for, when a leader chooses it (a case never goes back a step).
STAGE_OF_STATUS: dict[str, Stage] = {
    Status.AGREED: Stage.AGREED,
    Status.NEEDS_SUPPORT: Stage.AGREED,
    Status.SWITCHED: Stage.SWITCHED,
    Status.REVISIT: Stage.SWITCHED,
}

# Days until the next visit of an open status a leader chose, when the case had no date.
RESOLVED_FOLLOW_UP_DAYS: dict[str, int] = {
    Status.FOLLOW_UP: 0,
    Status.REVISIT: 0,
    Status.AGREED: FOLLOW_UP_DAYS[Outcome.AGREES] or 0,
    Status.NEEDS_SUPPORT: FOLLOW_UP_DAYS[Outcome.NEEDS_SUPPORT] or 0,
    Status.REFUSED: FOLLOW_UP_DAYS[Outcome.REFUSES] or 0,
}


def resolution_choices(current: str) -> tuple[Status, ...]:
    """The statuses a leader may choose for a case in conflict now in ``current``."""
    if current == Status.VERIFIED:
        return (Status.VERIFIED,)
    return RESOLVABLE


def after_resolution(state: CaseState, *, status: str, day: datetime.date) -> CaseState:
    """The case after a leader chose ``status`` on ``day`` to settle a conflict.

    Raises ``ValueError`` for a status the leader may not choose (``resolution_choices``).
    An open status keeps its follow-up date, or gets the one its visit would have given (``day`` itself
    for "visit again" and "revisit": the leader sends the team back); a closed one has none. A switch
    chosen by the leader is dated ``day`` unless a visit dated it, so that the next list judges it.
    """
    if status not in resolution_choices(state.status):
        raise ValueError(status)
    if status == state.status:
        return state
    follow_up = None
    if status in OPEN:
        follow_up = state.follow_up_on or day + datetime.timedelta(days=RESOLVED_FOLLOW_UP_DAYS[status])
    switched_on = state.switched_on
    if status in (Status.SWITCHED, Status.REVISIT) and switched_on is None:
        switched_on = day
    stage = max(state.stage, STAGE_OF_STATUS.get(status, Stage.VISITED))
    return replace(state, status=status, stage=stage, follow_up_on=follow_up, switched_on=switched_on)


# The next list of the case's operator, written as filters and updates that the services apply
# set-based to every case of the list (an import of millions of rows cannot afford a loop).
# A switch is sent back only by a list dated after it (a list of the same day may predate the visit);
# a number absent from the latest list verifies it whatever the dates (the list may arrive late).
LOOP_STATUSES = (Status.SWITCHED, Status.REVISIT, Status.VERIFIED)


def list_revisits(as_of: datetime.date) -> tuple[Q, dict[str, object]]:
    """Reported switched, still on the list: to be revisited from the list's date."""
    return (
        Q(status__in=LOOP_STATUSES, switched_on__lt=as_of) & ~Q(status=Status.REVISIT),
        {"status": Status.REVISIT, "follow_up_on": as_of},
    )


def list_verifies() -> tuple[Q, dict[str, object]]:
    """Reported switched, absent from the operator's latest list (whichever was dated first): verified."""
    return (
        Q(status__in=(Status.SWITCHED, Status.REVISIT)),
        {"status": Status.VERIFIED, "stage": Stage.VERIFIED, "follow_up_on": None},
    )


def list_closes() -> tuple[Q, dict[str, object]]:
    """Not switched, gone from the list (the number no longer uses 2G only, or was cancelled): no more visits."""
    return (
        ~Q(status__in=(*LOOP_STATUSES, Status.CLOSED)) & Q(switched_on__isnull=True),
        {"status": Status.CLOSED, "follow_up_on": None},
    )
