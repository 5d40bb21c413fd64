"""The before-the-10th rule, read exactly, in Asia/Ho_Chi_Minh whatever the server's clock."""

from __future__ import annotations

import datetime
import os
import time
import zoneinfo
from collections.abc import Iterator

import pytest
from django.core.exceptions import ValidationError

from switchoff.campaigns.services import campaign_update_rule
from switchoff.reports.models import MonthlyReport
from switchoff.reports.selectors import UnitStatus, completeness, expected_units
from switchoff.reports.services import report_open, report_reopen, report_save, report_submit
from switchoff.units.models import UnitKind
from switchoff.units.services import unit_create, unit_merge
from tests.conftest import World
from tests.reporting import make_campaign

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
JULY = datetime.date(2024, 7, 1)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, second, tzinfo=HCM)


@pytest.fixture(params=["Asia/Ho_Chi_Minh", "UTC"])
def server_clock(request: pytest.FixtureRequest) -> Iterator[None]:
    """Run the test with the process clock in Vietnam and in UTC: the answers must not change."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def submit_at(world: World, moment: datetime.datetime, **campaign_extra: object) -> MonthlyReport:
    campaign = make_campaign(world, **campaign_extra)
    report = report_open(actor=world.reporter_a, campaign=campaign, unit=world.committee_a, month=JULY)
    return report_submit(actor=world.reporter_a, report=report, now=moment, no_activity=True)


def test_last_second_of_the_9th_is_on_time(world: World, server_clock: None) -> None:
    assert submit_at(world, at(2024, 8, 9, 23, 59, 59)).late is False


def test_midnight_of_the_10th_is_late(world: World, server_clock: None) -> None:
    assert submit_at(world, at(2024, 8, 10, 0, 0, 0)).late is True


def test_utc_instant_is_read_in_vietnam(world: World, server_clock: None) -> None:
    # 16:59:59 UTC on the 9th is 23:59:59 in Hà Nội: on time; one second later is late.
    utc = zoneinfo.ZoneInfo("UTC")
    assert submit_at(world, datetime.datetime(2024, 8, 9, 16, 59, 59, tzinfo=utc)).late is False
    # A new campaign each time (submit_at): the earlier report stays, counted where it is.
    assert submit_at(world, datetime.datetime(2024, 8, 9, 17, 0, 0, tzinfo=utc)).late is True


def test_inclusive_reading_keeps_the_10th_on_time(world: World) -> None:
    assert submit_at(world, at(2024, 8, 10, 23, 59, 59), deadline_inclusive=True).late is False
    # A new campaign each time (submit_at): the earlier report stays, counted where it is.
    assert submit_at(world, at(2024, 8, 11, 0, 0, 0), deadline_inclusive=True).late is True


def test_deadline_is_shown_exactly(world: World) -> None:
    campaign = make_campaign(world)
    text = campaign.deadline_text(JULY)
    assert "10/08/2024" in text and "23:59:59 09/08/2024" in text
    campaign_update_rule(
        actor=None,
        campaign=campaign,
        cutoff_date=campaign.cutoff_date,
        due_day=10,
        deadline_inclusive=True,
        lock_days=5,
    )
    assert "23:59:59 10/08/2024" in campaign.deadline_text(JULY)


def test_moving_the_cutoff_is_recorded(world: World) -> None:
    campaign = make_campaign(world)
    campaign_update_rule(
        actor=world.coordinator,
        campaign=campaign,
        cutoff_date=datetime.date(2024, 10, 15),
        due_day=10,
        deadline_inclusive=False,
        lock_days=5,
    )
    campaign.refresh_from_db()
    assert campaign.cutoff_date == datetime.date(2024, 10, 15)


def test_after_the_lock_only_the_coordinator_can_reopen(world: World) -> None:
    campaign = make_campaign(world)
    report = report_open(actor=world.reporter_a, campaign=campaign, unit=world.committee_a, month=JULY)
    after_lock = at(2024, 8, 15, 0, 0, 1)
    with pytest.raises(ValidationError):
        report_save(actor=world.reporter_a, report=report, lines=[], comment="", other_results="", now=after_lock)
    report_reopen(actor=world.coordinator, report=report, reason="Sửa số liệu", now=after_lock)
    report.refresh_from_db()
    report_save(actor=world.reporter_a, report=report, lines=[], comment="đã sửa", other_results="", now=after_lock)
    assert report_submit(actor=world.reporter_a, report=report, now=after_lock, no_activity=True).late is True


def test_unit_created_mid_month_is_expected_that_month(world: World) -> None:
    campaign = make_campaign(world)
    kind = UnitKind.objects.get(code="people_committee")
    new = unit_create(
        actor=None, kind=kind, name="UBND xã mới", parent=world.province, valid_from=datetime.date(2024, 7, 20)
    )
    campaign.assignments.create(unit=new)
    assert new in expected_units(campaign, JULY)
    assert new not in expected_units(campaign, datetime.date(2024, 6, 1))


def test_unit_merged_away_is_expected_until_its_last_month(world: World) -> None:
    campaign = make_campaign(world)
    unit_merge(actor=None, unit=world.committee_b, into=world.committee_a, last_day=datetime.date(2024, 8, 31))
    assert world.committee_b in expected_units(campaign, datetime.date(2024, 8, 1))
    assert world.committee_b not in expected_units(campaign, datetime.date(2024, 9, 1))


def test_completeness_rates_follow_dhis2(world: World) -> None:
    campaign = make_campaign(world)
    expected = {u.name for u in expected_units(campaign, JULY)}
    assert expected == {"UBND phường Lương Văn Tri", "UBND phường Đông Kinh", "Viettel Lạng Sơn"}
    on_time = report_open(actor=None, campaign=campaign, unit=world.committee_a, month=JULY)
    report_submit(actor=world.reporter_a, report=on_time, now=at(2024, 8, 5, 9, 0), no_activity=True)
    late = report_open(actor=None, campaign=campaign, unit=world.operator, month=JULY)
    report_submit(actor=world.operator_staff, report=late, now=at(2024, 8, 12, 9, 0), no_activity=True)
    result = completeness(campaign=campaign, month=JULY, now=at(2024, 8, 20))
    assert (result.expected, result.actual, result.on_time) == (3, 2, 1)
    assert result.completeness_rate == 66.7 and result.timeliness_rate == 33.3
    statuses = {r.unit.name: r.status for r in result.rows}
    assert statuses == {
        "UBND phường Lương Văn Tri": UnitStatus.SUBMITTED,
        "Viettel Lạng Sơn": UnitStatus.LATE,
        "UBND phường Đông Kinh": UnitStatus.MISSING,
    }
    before_deadline = completeness(campaign=campaign, month=JULY, now=at(2024, 8, 1))
    assert {r.unit.name: r.status for r in before_deadline.rows}["UBND phường Đông Kinh"] == UnitStatus.NOT_STARTED
