"""Hypothesis over the operator's delivery-list reader: whatever the cells, never an exception, every problem
named by its row (and column where one cell is at fault)."""

from __future__ import annotations

import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from switchoff.lib.sheets import Sheet
from switchoff.lib.sheets.reading import ReadResult
from switchoff.programmes.deliveries import check_deliveries

HEADER = ["STT", "Số thuê bao", "IMEI", "Ngày giao", "Cửa hàng"]
cells = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.integers(min_value=-(10**16), max_value=10**16),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2100, 1, 1)),
    st.sampled_from(["0868123456", "+84 868 123 456", "868123456", "05/09/2025", "2025-09-05", "31/02/2025"]),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(cells, min_size=0, max_size=7), max_size=25), st.booleans())
def test_the_delivery_reader_never_fails_and_names_every_problem(rows: list[list[object]], with_header: bool) -> None:
    header: list[list[object]] = [list(HEADER)] if with_header else []
    sheet = Sheet.from_rows("Sheet1", [*header, *rows])
    checked = check_deliveries(ReadResult(sheets=[sheet]))
    for problem in checked.problems:
        assert problem.reason
        if problem.code != "delivery_no_header":
            assert problem.row >= 2
            assert problem.column in {"B", "D"}
    assert len(checked.rows) + len([p for p in checked.problems if p.row]) <= len(rows)


HOUSEHOLD_HEADER = ["STT", "Họ tên chủ hộ", "Địa chỉ", "Thôn", "Loại hộ", "Số GCN", "Năm"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(cells, min_size=0, max_size=8), max_size=25), st.booleans())
def test_the_household_reader_never_fails_and_names_every_problem(rows: list[list[object]], with_header: bool) -> None:
    from switchoff.programmes.households import check_households
    from switchoff.units.models import Unit

    header: list[list[object]] = [list(HOUSEHOLD_HEADER)] if with_header else []
    sheet = Sheet.from_rows("Sheet1", [*header, *rows])
    checked = check_households(ReadResult(sheets=[sheet]), Unit(name="Phường X"), {"khoi 1": 1})
    for problem in checked.problems:
        assert problem.reason
        if problem.code != "household_no_header":
            assert problem.row >= 2
            assert problem.column in {"B", "D", "E", "G"}
