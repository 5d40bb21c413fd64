"""No text the project writes into a spreadsheet becomes a formula (hardening item 7).

Every text field that any export contains is given a hostile value, every
export is generated (through its page where it has one) and opened: no cell is
a formula and no text cell starts like one. And no module but ``lib/xlsx.py``
makes a workbook, so a new export goes through the same guard.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io
import pathlib
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from switchoff.campaigns.models import Campaign, CommunicationForm, Medium
from switchoff.counts.verify import find_differences, fix_differences
from switchoff.lib import xlsx
from switchoff.reports import services
from switchoff.reports.aggregate import AggregateReport, FormMediumTotal, OtherResult, UnitTotal
from switchoff.reports.documents import report_xlsx
from switchoff.subscribers.models import Subscriber
from switchoff.units.models import Unit, UnitKind
from switchoff.units.services import team_set_coverage, unit_create
from tests.conftest import World, logged_in
from tests.exporting import content, export
from tests.importing import check_on_page
from tests.reporting import make_campaign
from tests.security._disclosure import load_registry

HOSTILE = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "-1+1", "@SUM(A1)", "\t=1", "\r=1"]
STARTS = ("=", "+", "-", "@", "\t", "\r")
HCM = datetime.timezone(datetime.timedelta(hours=7))
JULY = datetime.date(2024, 7, 1)


def cells(content: bytes) -> list[Any]:
    book = load_workbook(io.BytesIO(content))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def assert_no_formula(content: bytes, hostile: str) -> None:
    """No formula anywhere, no text starting like one; and the hostile text is there, quoted (it was exported)."""
    found = cells(content)
    formulas = [(c.coordinate, c.value) for c in found if c.data_type == "f"]
    assert formulas == []
    starting = [(c.coordinate, c.value) for c in found if isinstance(c.value, str) and c.value.startswith(STARTS)]
    assert starting == []
    core = hostile.strip()
    assert any(isinstance(c.value, str) and core in c.value for c in found), f"{hostile!r} was not exported"


def test_only_lib_xlsx_makes_a_workbook() -> None:
    """A new export cannot forget the guard: workbooks are made (and saved) through ``lib/xlsx.py`` only."""
    root = pathlib.Path(__file__).resolve().parents[2] / "switchoff"
    makers = re.compile(r"\bWorkbook\(|\bWriteOnlyCell\(|xlsxwriter|csv\.writer|\.to_excel\(")
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if path.name != "xlsx.py" and "migrations" not in path.parts and makers.search(path.read_text())
    ]
    assert offenders == []


@pytest.mark.parametrize("hostile", HOSTILE)
def test_villages_workbook(world: World, hostile: str) -> None:
    kinds = {k.code: k for k in UnitKind.objects.all()}
    village = unit_create(actor=None, kind=kinds["village"], name="Thôn tạm", parent=world.ward_a, log=False)
    team = unit_create(actor=None, kind=kinds["digital_team"], name="Tổ tạm", parent=world.ward_a, log=False)
    team_set_coverage(actor=None, team=team, villages=[village])
    # Names as any path could have stored them (an import, an old row), not only as the form cleans them.
    Unit.objects.filter(pk__in=[village.pk, team.pk]).update(name=hostile)
    response = logged_in(world.reporter_a).get(reverse("units:workbook_export", args=[world.ward_a.pk]))
    assert response.status_code == 200
    assert_no_formula(response.content, hostile)


def test_villages_workbook_reads_back_a_quoted_name_as_it_was(world: World) -> None:
    """The apostrophe is the export's, not part of the name: export then import creates nothing."""
    from switchoff.units.spreadsheets import export_commune, parse_workbook

    kinds = {k.code: k for k in UnitKind.objects.all()}
    unit_create(actor=None, kind=kinds["village"], name="- Khối 9", parent=world.ward_a, log=False)
    parsed = parse_workbook(io.BytesIO(export_commune(world.ward_a)), world.ward_a)
    assert "- Khối 9" in [name for _row, name in parsed.villages]
    assert not parsed.problems


@pytest.mark.parametrize("hostile", HOSTILE)
@pytest.mark.parametrize("full", [False, True])
def test_registry_export(world: World, hostile: str, full: bool) -> None:
    load_registry(world)
    Subscriber.objects.update(name=hostile, address=hostile, device=hostile, unit=world.villages_a[0])
    fix_differences(find_differences())  # the rows were moved by hand, not by a service that counts
    Unit.objects.filter(pk__in=[world.villages_a[0].pk, world.operator.pk, world.ward_a.pk]).update(name=hostile)
    client = logged_in(world.admin if full else world.reporter_a)
    response = export(client, {"unit": world.ward_a.pk, "full": "1" if full else ""})
    assert response.status_code == 200
    assert_no_formula(content(response), hostile)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_rejected_rows_of_an_import(world: World, hostile: str) -> None:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";")
    writer.writerow(["STT", "Số thuê bao", "Họ và tên", "Địa chỉ", "Loại máy"])
    writer.writerow(["1", "0868123456", "Nguyễn Văn An", "Khối 1, Phường Lương Văn Tri", "Nokia 105"])
    writer.writerow(["2", hostile, hostile, hostile, hostile])  # a number that is no number: rejected
    content = text.getvalue().encode()
    client = logged_in(world.operator_staff)
    data = {"operator": world.operator.pk, "area": world.province.pk, "as_of": "01/08/2024"}
    page = check_on_page(client, data, SimpleUploadedFile("v.csv", content))
    response = client.get(reverse("subscribers:job_rejected", args=[page.context["job"].pk]))
    assert response.status_code == 200
    assert_no_formula(response.content, hostile)


def _submitted_report(world: World, campaign: Campaign, hostile: str) -> None:
    form = campaign.forms.get(code="loudspeaker")
    services.activity_create(
        actor=world.reporter_a,
        campaign=campaign,
        unit=world.committee_a,
        day=datetime.date(2024, 7, 5),
        form=form,
        medium=form.media.first(),
        count=5,
        client_key="a",
    )
    report = services.report_open(actor=world.reporter_a, campaign=campaign, unit=world.committee_a, month=JULY)
    services.report_save(
        actor=world.reporter_a,
        report=report,
        lines=[services.LineInput(form=line.form, medium=line.medium, count=line.count) for line in report.lines.all()],
        comment=hostile,
        other_results=hostile,
        now=datetime.datetime(2024, 8, 1, tzinfo=HCM),
    )
    services.report_submit(actor=world.reporter_a, report=report, now=datetime.datetime(2024, 8, 2, tzinfo=HCM))


@pytest.mark.parametrize("hostile", HOSTILE)
def test_aggregated_report_workbook(world: World, hostile: str) -> None:
    campaign = make_campaign(world)
    _submitted_report(world, campaign, hostile)
    Campaign.objects.filter(pk=campaign.pk).update(
        name=hostile, place_name=hostile, recipient_name=hostile, signer_name=hostile, signer_title=hostile
    )
    CommunicationForm.objects.filter(campaign=campaign).update(name=hostile, count_unit=hostile)
    for number, medium in enumerate(Medium.objects.filter(campaign=campaign)):
        Medium.objects.filter(pk=medium.pk).update(name=f"{hostile} {number}")  # names are unique
    Unit.objects.filter(pk__in=[world.committee_a.pk, world.committee_b.pk, world.operator.pk]).update(name=hostile)
    response = logged_in(world.coordinator).get(reverse("reports:aggregate", args=[campaign.pk, "2024-07", "xlsx"]))
    assert response.status_code == 200
    assert_no_formula(response.content, hostile)


def _hostile_everywhere(value: Any, hostile: str) -> Any:
    """Every string inside ``value`` (a dataclass, list, tuple or dict) replaced by ``hostile``."""
    if isinstance(value, str):
        return hostile
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _hostile_everywhere(getattr(value, f.name), hostile) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    if isinstance(value, list):
        return [_hostile_everywhere(v, hostile) for v in value]
    if isinstance(value, tuple):
        return tuple(_hostile_everywhere(v, hostile) for v in value)
    if isinstance(value, dict):
        return {k: _hostile_everywhere(v, hostile) for k, v in value.items()}
    return value


@pytest.mark.parametrize("hostile", HOSTILE)
def test_aggregated_report_with_every_text_field_hostile(hostile: str) -> None:
    """Every text field of the aggregated report, whatever its source, at once."""
    report = AggregateReport(
        campaign_name="c",
        technology="2G",
        issuing_body_lines=["a", "b"],
        document_symbol="s",
        place_name="p",
        recipient_name="r",
        signer_title="t",
        signer_name="n",
        month_from=JULY,
        month_to=JULY,
        cumulative=False,
        generated_on=datetime.date(2024, 8, 5),
        forms=[("f", "form", "lượt")],
        by_form_medium=[FormMediumTotal(form="form", count_unit="lượt", medium="m", count=1, people_reached=2)],
        by_unit=[UnitTotal(unit="u", counts={"f": 1})],
        on_time=["u"],
        late=["v"],
        missing=["w"],
        expected=3,
        other_results=[OtherResult(JULY, "u", "x")],
    )
    hostile_report = _hostile_everywhere(report, hostile)
    # The codes key the counts: keep them matching so the numbers still land in their columns.
    hostile_report = dataclasses.replace(hostile_report, by_unit=[UnitTotal(unit=hostile, counts={hostile: 1})])
    assert_no_formula(report_xlsx(hostile_report), hostile)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_the_guard_itself(hostile: str) -> None:
    book = xlsx.new_workbook()
    sheet = book.active
    xlsx.append(sheet, [hostile, 1, None])
    xlsx.put(sheet, 2, 1, hostile)
    sheet.cell(row=3, column=1, value=hostile)  # written past the guard: to_bytes catches it
    sheet.cell(row=4, column=1, value="=1+1")
    content = xlsx.to_bytes(book)
    assert_no_formula(content, hostile)
    assert xlsx.unquote(xlsx.safe(hostile)) == hostile
    assert xlsx.unquote("'abc") == "'abc"
