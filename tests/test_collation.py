"""Issue 23, finding 8: units and people in Vietnamese alphabetical order, from ICU's Vietnamese collator
in Python and in the database (PostgreSQL's "vi-x-icu", SQLite's collation of the same name)."""

from __future__ import annotations

import datetime
import random
from io import BytesIO
from typing import Any

from docx import Document
from openpyxl import load_workbook

from switchoff.people.models import User
from switchoff.reports.aggregate import AggregateReport, UnitTotal
from switchoff.reports.documents import report_docx, report_xlsx
from switchoff.units.models import Unit, UnitKind
from switchoff.units.services import unit_create
from tests.conftest import World

# Real names, in the order a Vietnamese reader expects them: the alphabet a ă â b c d đ e ê … o ô ơ … u ư …
# (a letter with a breve or circumflex after the plain one, đ after d), tones only after the letters,
# capitals no different from small letters ("Viettel" before "VNPT", as "Vi" before "Vn").
EXPECTED = [
    "Ái",
    "An",
    "Ăn",
    "Ân",
    "Ấp",
    "Bắc",
    "Chi Lăng",
    "Dương",
    "Đông Kinh",
    "Hoàng Văn Thụ",
    "Tam Thanh",
    "Uông Bí",
    "Ủy ban nhân dân phường Đông Kinh",
    "Ủy ban nhân dân phường Tam Thanh",
    "Ưng",
    "Viettel Lạng Sơn",
    "VNPT Lạng Sơn",
]


def shuffled() -> list[str]:
    names = list(EXPECTED)
    random.Random(23).shuffle(names)
    return names


def unit_table(content: bytes) -> Any:
    """The Word report's table of results by reporting unit."""
    return next(t for t in Document(BytesIO(content)).tables if t.rows[0].cells[1].text == "Đơn vị")


def test_python_sorts_vietnamese_names_in_vietnamese_order() -> None:
    from switchoff.lib.collation import vi_sorted

    assert vi_sorted(shuffled()) == EXPECTED
    # Neither code points nor names without diacritics give it.
    assert sorted(EXPECTED) != EXPECTED


def test_the_database_sorts_units_and_people_in_the_same_order(world: World) -> None:
    from switchoff.lib.collation import vi_order

    kind = UnitKind.objects.get(code="people_committee")
    for name in shuffled():
        unit_create(actor=None, kind=kind, name=name, parent=world.province, log=False)
        User.objects.create(username=f"u{len(name)}-{abs(hash(name)) % 10**6}", full_name=name)
    ours = Unit.objects.filter(kind=kind, name__in=EXPECTED)
    assert list(ours.order_by(vi_order("name")).values_list("name", flat=True)) == EXPECTED
    people = User.objects.filter(full_name__in=EXPECTED).order_by(vi_order("full_name"))
    assert [p.full_name for p in people] == EXPECTED
    assert [u.name for u in ours.order_by(vi_order("name", descending=True))] == EXPECTED[::-1]


def test_the_word_and_excel_reports_list_units_in_vietnamese_order(world: World) -> None:
    from switchoff.reports import services
    from switchoff.reports.aggregate import build_aggregate
    from tests.reporting import make_campaign

    operator = UnitKind.objects.get(code="operator_branch")
    unit_create(actor=None, kind=operator, name="VNPT Lạng Sơn", parent=world.province, log=False)
    campaign = make_campaign(world)
    july = datetime.date(2024, 7, 1)
    form = campaign.forms.get(code="loudspeaker")
    for unit in Unit.objects.filter(pk__in=campaign.assignments.values("unit_id")):
        services.activity_create(
            actor=world.coordinator,
            campaign=campaign,
            unit=unit,
            day=july,
            form=form,
            count=1,
            client_key=f"k{unit.pk}",
        )
        report = services.report_open(actor=None, campaign=campaign, unit=unit, month=july)
        services.report_submit(actor=None, report=report, now=datetime.datetime(2024, 8, 2, tzinfo=datetime.UTC))
        services.report_accept(actor=world.coordinator, report=report)
    aggregate = build_aggregate(campaign=campaign, month=july, now=datetime.datetime(2024, 8, 20, tzinfo=datetime.UTC))
    order = ["UBND phường Đông Kinh", "UBND phường Lương Văn Tri", "Viettel Lạng Sơn", "VNPT Lạng Sơn"]
    assert [t.unit for t in aggregate.by_unit] == order and aggregate.on_time == order
    assert [row.cells[1].text for row in unit_table(report_docx(aggregate)).rows[1:-1]] == order
    sheet = load_workbook(BytesIO(report_xlsx(aggregate)))["Theo đơn vị"]
    assert [row[1] for row in sheet.iter_rows(min_row=3, max_row=6, values_only=True)] == order


def test_a_hand_built_report_keeps_the_order_it_is_given() -> None:
    """The documents write the order the aggregate chose: sorting is the aggregate's, once."""
    report = AggregateReport(
        campaign_name="C",
        technology="2G",
        issuing_body_lines=["A"],
        document_symbol="BC",
        place_name="Lạng Sơn",
        recipient_name="Sở",
        signer_title="T",
        signer_name="N",
        month_from=datetime.date(2024, 7, 1),
        month_to=datetime.date(2024, 7, 1),
        cumulative=False,
        generated_on=datetime.date(2024, 8, 5),
        forms=[("f", "F", "lượt")],
        by_unit=[UnitTotal(unit=name, counts={"f": 1}) for name in EXPECTED],
    )
    assert [row.cells[1].text for row in unit_table(report_docx(report)).rows[1:-1]] == EXPECTED
