"""The reporting period's statuses over more months than one bit set holds (``MONTHS_PER_BITSET``)."""

from __future__ import annotations

import datetime

import pytest

from switchoff.reports.selectors import MONTHS_PER_BITSET, period_statuses
from tests.conftest import World
from tests.reporting import make_campaign


@pytest.mark.django_db
def test_a_period_longer_than_one_bit_set_is_read_in_chunks_that_fit_in_64_bits(world: World) -> None:
    # A campaign of 70 months: the second chunk's bits must not go past bit 63 in the database.
    campaign = make_campaign(world, start_date=datetime.date(2020, 1, 1), end_date=datetime.date(2025, 10, 31))
    months = [datetime.date(2020 + (m // 12), m % 12 + 1, 1) for m in range(70)]
    assert len(months) > MONTHS_PER_BITSET
    statuses = period_statuses(campaign=campaign, months=months)
    assert statuses, "the campaign's units are expected to report"
    for status in statuses:
        # Nothing was submitted: every month the unit was open is missing, none late, the last chunk's too.
        assert status.missing == status.expected
        assert status.late == []
