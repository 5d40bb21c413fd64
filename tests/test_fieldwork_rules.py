"""The case rules (fieldwork/rules.py) on their own: what each outcome makes of a case, and what a list does."""

from __future__ import annotations

import datetime

import pytest

from switchoff.fieldwork.rules import (
    ESCALATE_AFTER_NOT_HOME,
    FOLLOW_UP_DAYS,
    CaseState,
    Outcome,
    Stage,
    Status,
    after_visit,
)

DAY = datetime.date(2024, 8, 5)
AT = datetime.datetime(2024, 8, 5, 9, 0, tzinfo=datetime.UTC)


def at(days: int) -> tuple[datetime.datetime, datetime.date]:
    return AT + datetime.timedelta(days=days), DAY + datetime.timedelta(days=days)


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        (Outcome.NOT_HOME, Status.FOLLOW_UP),
        (Outcome.INFORMED, Status.FOLLOW_UP),
        (Outcome.AGREES, Status.AGREED),
        (Outcome.NEEDS_SUPPORT, Status.NEEDS_SUPPORT),
        (Outcome.SWITCHED, Status.SWITCHED),
        (Outcome.REFUSES, Status.REFUSED),
        (Outcome.NOT_USED, Status.CLOSED),
        (Outcome.MOVED, Status.CLOSED),
        (Outcome.DECEASED, Status.CLOSED),
        (Outcome.WRONG_NUMBER, Status.ESCALATED),
    ],
)
def test_each_outcome_gives_its_status_and_follow_up(outcome: str, status: str) -> None:
    state = after_visit(CaseState(), outcome=outcome, at=AT, day=DAY)
    assert state.status == status
    days = FOLLOW_UP_DAYS[outcome]
    assert state.follow_up_on == (DAY + datetime.timedelta(days=days) if days is not None else None)


def test_not_home_three_times_in_a_row_escalates_to_the_team_leader() -> None:
    state = CaseState()
    for n in range(ESCALATE_AFTER_NOT_HOME):
        when, day = at(n)
        state = after_visit(state, outcome=Outcome.NOT_HOME, at=when, day=day)
    assert state.status == Status.ESCALATED and state.follow_up_on is None


def test_a_visit_in_between_starts_the_not_home_count_again() -> None:
    state = CaseState()
    for n, outcome in enumerate([Outcome.NOT_HOME, Outcome.NOT_HOME, Outcome.INFORMED, Outcome.NOT_HOME]):
        when, day = at(n)
        state = after_visit(state, outcome=outcome, at=when, day=day)
    assert state.status == Status.FOLLOW_UP and state.not_home == 1


def test_an_older_visit_sent_late_does_not_undo_a_later_one() -> None:
    later, later_day = at(2)
    state = after_visit(CaseState(), outcome=Outcome.SWITCHED, at=later, day=later_day)
    state = after_visit(state, outcome=Outcome.REFUSES, at=AT, day=DAY)
    assert state.status == Status.SWITCHED and state.last_visit_at == later


def test_an_older_visit_still_counts_in_the_funnel() -> None:
    later, later_day = at(2)
    state = after_visit(CaseState(), outcome=Outcome.INFORMED, at=later, day=later_day)
    state = after_visit(state, outcome=Outcome.AGREES, at=AT, day=DAY)
    assert state.stage == Stage.AGREED and state.status == Status.FOLLOW_UP


def test_a_verified_case_stays_verified_and_the_funnel_never_goes_back() -> None:
    verified = CaseState(status=Status.VERIFIED, stage=Stage.VERIFIED, switched_on=DAY)
    when, day = at(3)
    state = after_visit(verified, outcome=Outcome.NOT_HOME, at=when, day=day)
    assert state.status == Status.VERIFIED and state.stage == Stage.VERIFIED


def test_a_closed_case_reopens_with_a_new_visit() -> None:
    state = after_visit(CaseState(), outcome=Outcome.MOVED, at=AT, day=DAY)
    when, day = at(5)
    state = after_visit(state, outcome=Outcome.AGREES, at=when, day=day)
    assert state.status == Status.AGREED


def test_switched_records_the_day_the_next_list_judges() -> None:
    state = after_visit(CaseState(), outcome=Outcome.SWITCHED, at=AT, day=DAY)
    assert state.switched_on == DAY and state.stage == Stage.SWITCHED and state.follow_up_on is None
