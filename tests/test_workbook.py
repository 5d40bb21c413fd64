from __future__ import annotations

from io import BytesIO

from django.urls import reverse
from openpyxl import Workbook, load_workbook

from switchoff.audit.models import AuditEvent
from switchoff.units.models import Unit
from switchoff.units.spreadsheets import TEAM_SHEET, VILLAGE_SHEET, apply_workbook, export_commune, parse_workbook
from tests.conftest import World, logged_in


def workbook(villages: list[list[object]], teams: list[list[object]]) -> BytesIO:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = VILLAGE_SHEET
    sheet.append(["STT", "Tên"])
    for row in villages:
        sheet.append(row)
    team_sheet = book.create_sheet(TEAM_SHEET)
    team_sheet.append(["STT", "Tên tổ", "Thôn"])
    for row in teams:
        team_sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def test_export_then_import_changes_nothing(world: World) -> None:
    content = export_commune(world.ward_a)
    sheet = load_workbook(BytesIO(content))[VILLAGE_SHEET]
    assert [c.value for c in sheet["B"]][1:] == ["Khối 1", "Khối 2", "Khối 3"]
    parsed = parse_workbook(BytesIO(content), world.ward_a)
    assert parsed.problems == []
    before = Unit.objects.count()
    outcome = apply_workbook(actor=world.reporter_a, commune=world.ward_a, parsed=parsed)
    assert (outcome.villages_created, outcome.teams_created, outcome.teams_updated) == (0, 0, 0)
    assert Unit.objects.count() == before


def test_bad_rows_are_reported_with_sheet_row_column_and_reason(world: World) -> None:
    stream = workbook(
        villages=[[1, "Khối 4"], [2, "  khoi 4 "], [3, None], [4, "Thôn Mới"]],
        teams=[[1, "Tổ số 2", "Khối 4; Thôn Không Có"], [2, "Tổ số 3", "khoi 3;Thôn Mới"], [3, None, "Khối 1"]],
    )
    parsed = parse_workbook(stream, world.ward_a)
    problems = [(p.sheet, p.row, p.column, p.value, p.reason) for p in parsed.problems]
    assert problems == [
        (VILLAGE_SHEET, 3, "B", "khoi 4", "Trùng tên với dòng 2."),
        (VILLAGE_SHEET, 4, "B", "", "Tên thôn/tổ dân phố đang để trống."),
        (TEAM_SHEET, 2, "C", "Thôn Không Có", "Phường Lương Văn Tri không có thôn/tổ dân phố nào mang tên này."),
        (TEAM_SHEET, 4, "B", "", "Tên tổ đang để trống."),
    ]
    outcome = apply_workbook(actor=world.reporter_a, commune=world.ward_a, parsed=parsed)
    assert (outcome.villages_created, outcome.teams_created) == (2, 1)
    team = Unit.objects.get(name="Tổ số 3")
    assert sorted(v.name for v in team.covers.all()) == ["Khối 3", "Thôn Mới"]
    assert AuditEvent.objects.filter(action="units.commune.workbook_imported").count() == 1


def test_not_a_workbook_is_a_clear_message(world: World) -> None:
    parsed = parse_workbook(BytesIO(b"STT,Ten\n1,Khoi 1\n"), world.ward_a)
    assert parsed.problems[0].reason == "Tệp không phải là tệp Excel (.xlsx)."


def test_import_page_checks_then_writes_on_confirmation(world: World) -> None:
    client = logged_in(world.reporter_a)
    url = reverse("units:workbook_import", args=[world.ward_a.pk])
    stream = workbook(villages=[[1, "Khối 7"]], teams=[])
    stream.name = "thon.xlsx"
    page = client.post(url, {"file": stream})
    assert page.status_code == 200
    assert not Unit.objects.filter(name="Khối 7").exists(), "nothing is written before confirmation"
    upload_id = page.context["upload_id"]
    done = client.post(url, {"upload_id": upload_id})
    assert done.status_code == 302
    assert Unit.objects.filter(name="Khối 7", parent=world.ward_a).count() == 1
    # Replaying the confirmation (a retried request) creates nothing more.
    client.post(url, {"upload_id": upload_id})
    assert Unit.objects.filter(name="Khối 7").count() == 1
