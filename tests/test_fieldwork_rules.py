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
    after_resolution,
    after_visit,
    resolution_choices,
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


def test_a_leader_never_chooses_verified_nor_not_visited_to_settle_a_conflict() -> None:
    visited = after_visit(CaseState(), outcome=Outcome.INFORMED, at=AT, day=DAY)
    assert Status.VERIFIED not in resolution_choices(visited.status)
    assert Status.NEW not in resolution_choices(visited.status)
    assert Status.AGREED in resolution_choices(visited.status)
    with pytest.raises(ValueError, match="verified"):
        after_resolution(visited, status=Status.VERIFIED, day=DAY)


def test_a_verified_case_in_conflict_stays_verified() -> None:
    verified = CaseState(status=Status.VERIFIED, stage=Stage.VERIFIED, switched_on=DAY)
    assert resolution_choices(Status.VERIFIED) == (Status.VERIFIED,)
    assert after_resolution(verified, status=Status.VERIFIED, day=DAY) == verified
    with pytest.raises(ValueError, match="follow_up"):
        after_resolution(verified, status=Status.FOLLOW_UP, day=DAY)


def test_a_switch_chosen_by_the_leader_moves_the_funnel_and_is_dated_for_the_next_list() -> None:
    visited = after_visit(CaseState(), outcome=Outcome.INFORMED, at=AT, day=DAY)
    _when, day = at(3)
    state = after_resolution(visited, status=Status.SWITCHED, day=day)
    assert state.stage == Stage.SWITCHED and state.switched_on == day and state.follow_up_on is None


def test_an_open_status_chosen_by_the_leader_keeps_or_gets_a_follow_up_date() -> None:
    informed = after_visit(CaseState(), outcome=Outcome.INFORMED, at=AT, day=DAY)
    assert after_resolution(informed, status=Status.AGREED, day=DAY).follow_up_on == informed.follow_up_on
    escalated = CaseState(status=Status.ESCALATED, stage=Stage.VISITED, last_visit_at=AT)
    assert after_resolution(escalated, status=Status.FOLLOW_UP, day=DAY).follow_up_on == DAY
    refused = after_resolution(escalated, status=Status.REFUSED, day=DAY)
    assert refused.follow_up_on == DAY + datetime.timedelta(days=FOLLOW_UP_DAYS[Outcome.REFUSES] or 0)
    assert after_resolution(informed, status=Status.CLOSED, day=DAY).follow_up_on is None
