"""Importing the activity sheet a unit already keeps in Excel, in two phases.

Columns are found by their header (Vietnamese with or without diacritics, or
English): date, form, medium, count, people reached, description. Phase one
checks every row and names the row, column, value and reason; phase two logs
the good rows. Each row's key is derived from the file's content, so
importing the same file again logs nothing twice.
"""

from __future__ import annotations

import datetime
import hashlib
import zipfile
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from switchoff.campaigns.models import Campaign, CommunicationForm, Medium
from switchoff.lib.filelimits import FileRefused, Limits, check_zipped_workbook, checked_rows, workbook_limits
from switchoff.lib.text import fold
from switchoff.reports import services
from switchoff.units.models import Unit

HEADERS = {
    "date": {"ngay", "ngay thuc hien", "date", "thoi gian"},
    "form": {"hinh thuc", "hinh thuc truyen thong", "form"},
    "medium": {"phuong tien", "phuong tien truyen thong", "medium"},
    "count": {"so luot", "so luong", "so lan", "count"},
    "people": {"so nguoi", "so nguoi duoc tiep can", "people reached"},
    "description": {"noi dung", "mo ta", "ghi chu", "description"},
}
REQUIRED = ("date", "form", "count")


@dataclass
class ActivityRow:
    row: int
    day: datetime.date
    form: CommunicationForm
    medium: Medium | None
    count: int
    people: int | None
    description: str


@dataclass
class RowProblem:
    row: int
    column: str
    value: str
    reason: str


@dataclass
class ParsedSheet:
    digest: str = ""
    rows: list[ActivityRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def _date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value or "").strip()
    for pattern in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value or "").strip().replace(".", "").replace(",", "")
    return int(text) if text.isdigit() else None


def parse_activity_sheet(stream: IO[bytes], campaign: Campaign) -> ParsedSheet:
    """Phase one: read the first sheet whose header names a date, a form and a count. Writes nothing."""
    content = stream.read()
    digest = hashlib.sha256(content).hexdigest()[:24]
    limits = workbook_limits()
    try:
        check_zipped_workbook(content, limits)
        return _parse_activity_sheet(content, digest, campaign, limits)
    except FileRefused as exc:
        return ParsedSheet(digest=digest, problems=[RowProblem(exc.row, "", "", exc.message)])


def _parse_activity_sheet(content: bytes, digest: str, campaign: Campaign, limits: Limits) -> ParsedSheet:
    result = ParsedSheet(digest=digest)
    try:
        from io import BytesIO

        book = load_workbook(BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError, zipfile.BadZipFile):
        result.problems.append(RowProblem(0, "", "", _("The file is not an Excel workbook (.xlsx).")))
        return result
    forms = list(campaign.forms.prefetch_related("media"))
    by_name = {fold(f.name): f for f in forms} | {fold(f.code): f for f in forms}
    media = {fold(m.name): m for m in campaign.media.all()}
    for sheet in book.worksheets:
        rows = checked_rows(sheet.iter_rows(values_only=True), sheet=sheet.title, limits=limits)
        columns: dict[str, int] = {}
        header_row = 0
        for number, values in enumerate(rows, start=1):
            found = {
                key: index
                for index, value in enumerate(values)
                for key, names in HEADERS.items()
                if value is not None and fold(str(value)).rstrip(":") in names
            }
            if all(key in found for key in REQUIRED):
                columns, header_row = found, number
                break
            if number > 15:
                break
        if not columns:
            continue
        for number, values in enumerate(rows, start=header_row + 1):
            cells = {key: values[index] if index < len(values) else None for key, index in columns.items()}
            if all(v is None or str(v).strip() == "" for v in cells.values()):
                continue

            def problem(
                key: str, reason: str, row: int = number, where: dict[str, Any] = cells, at: dict[str, int] = columns
            ) -> None:
                column = get_column_letter(at[key] + 1)
                result.problems.append(RowProblem(row, column, str(where.get(key) or "")[:60], reason))

            if fold(str(cells["form"] or "")) in {"tong", "tong cong", "total", "cong"}:
                continue  # the totals row at the bottom of the sheet
            day = _date(cells["date"])
            form = by_name.get(fold(str(cells["form"] or "")))
            count = _whole(cells["count"])
            medium_text = fold(str(cells.get("medium") or ""))
            medium = media.get(medium_text) if medium_text else None
            people = _whole(cells["people"]) if cells.get("people") not in (None, "") else None
            if day is None:
                problem("date", _("Not a date; write it as dd/mm/yyyy."))
            elif not campaign.start_date <= day <= campaign.end_date:
                problem("date", _("Outside the campaign's dates."))
            if form is None:
                problem("form", _("Not a form of communication of this campaign."))
            if count is None or count < 1:
                problem("count", _("Must be a whole number of at least 1."))
            if medium_text and medium is None:
                problem("medium", _("Not a medium of this campaign."))
            if cells.get("people") not in (None, "") and people is None:
                problem("people", _("Must be a whole number."))
            if result.problems and result.problems[-1].row == number:
                continue
            assert day is not None and form is not None and count is not None
            result.rows.append(
                ActivityRow(number, day, form, medium, count, people, str(cells.get("description") or "").strip()[:500])
            )
        break
    else:
        result.problems.append(
            RowProblem(0, "", "", _("No sheet has a header row with a date, a form of communication and a count."))
        )
    book.close()
    return result


@transaction.atomic
def apply_activity_sheet(*, actor: Any, campaign: Campaign, unit: Unit, parsed: ParsedSheet) -> int:
    """Phase two: log the good rows; returns how many were new."""
    created = 0
    for row in parsed.rows:
        _activity, new = services.activity_create(
            actor=actor,
            campaign=campaign,
            unit=unit,
            day=row.day,
            form=row.form,
            medium=row.medium,
            count=row.count,
            people_reached=row.people,
            description=row.description,
            client_key=f"sheet:{unit.pk}:{parsed.digest}:{row.row}",
        )
        created += int(new)
    return created
