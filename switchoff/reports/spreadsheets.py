"""Importing the activity sheet a unit already keeps (XLSX, XLS or CSV), in two phases, and its template.

The file is read by the shared reader (``lib.sheets``: title rows, any
encoding, the workbook limits). The header row is found from aliases matched on folded
words ("Hình thức tuyên truyền", "Số lượng", "STT"), or from the headers the
unit's people chose last time; they can correct the columns. Forms and media
are matched on folded words against the catalogue and the campaign's table of
other names ("Phát thanh loa" is the loudspeaker broadcast). Phase one checks
every row, naming its row, column, value and reason, and refuses a month whose
report is submitted or locked; it shows the rows as they will be logged.
Phase two logs them through the service, one client key per row.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from switchoff.campaigns.models import Campaign, CatalogueSynonym, CommunicationForm, Medium
from switchoff.lib import xlsx
from switchoff.lib.filelimits import FileRefused, workbook_limits
from switchoff.lib.months import first_of_month
from switchoff.lib.sheets import (
    Aliases,
    Problem,
    Sheet,
    cell_text,
    column_letter,
    find_header,
    header_rows,
    header_words,
    headers_of,
    read_file,
    reasons,
    row_label,
)
from switchoff.reports.models import ActivitySheetMapping, MonthlyReport
from switchoff.reports.services import MAX_COUNT, SheetRow, report_is_locked
from switchoff.units.models import Unit

FIELDS = ("date", "form", "medium", "count", "people", "description")
REQUIRED = ("date", "form", "count")
FIELD_LABELS = {
    "date": gettext_lazy("Date"),
    "form": gettext_lazy("Form of communication"),
    "medium": gettext_lazy("Medium"),
    "count": gettext_lazy("Count"),
    "people": gettext_lazy("People reached"),
    "description": gettext_lazy("Description"),
}
# Header aliases as folded words (``header_words``): "Số lượng (lượt)" is "so luong".
ALIASES = Aliases({
    "date": {
        "ngay", "ngay thang", "ngay thang nam", "ngay thuc hien", "ngay tuyen truyen", "thoi gian",
        "thoi gian thuc hien", "date",
    },
    "form": {
        "hinh thuc", "hinh thuc tuyen truyen", "hinh thuc truyen thong", "loai hinh", "loai hinh tuyen truyen",
        "hoat dong", "form", "form of communication",
    },
    "medium": {
        "phuong tien", "phuong tien truyen thong", "phuong tien tuyen truyen", "kenh", "kenh tuyen truyen",
        "medium",
    },
    "count": {"so luot", "so luong", "so lan", "so buoi", "so luot phat", "sl", "khoi luong", "count"},
    "people": {
        "so nguoi", "so nguoi duoc tiep can", "so nguoi tiep can", "so nguoi tham du", "so ho", "so luot nguoi",
        "people reached", "people",
    },
    "description": {"noi dung", "noi dung tuyen truyen", "mo ta", "ghi chu", "description"},
})  # fmt: skip

# Problems by code (every one an error: the row is not logged); row and column are shown beside them.
REASONS = reasons({
    "activity_columns": (
        "error", gettext_lazy("Choose the columns that hold the date, the form of communication and the count."),
    ),
    "activity_date": ("error", gettext_lazy("Not a date; write it as dd/mm/yyyy.")),
    "activity_date_outside": ("error", gettext_lazy("Outside the campaign's dates.")),
    "activity_date_future": ("error", gettext_lazy("The date cannot be in the future.")),
    "activity_month_submitted": (
        "error", gettext_lazy("The report for %(month)s is already submitted; ask to have it returned first."),
    ),
    "activity_month_locked": (
        "error", gettext_lazy("The report for %(month)s is locked; ask the coordinator to reopen it."),
    ),
    "activity_form": (
        "error", gettext_lazy("Not a form of communication of this campaign, nor one of its other names."),
    ),
    "activity_count": ("error", gettext_lazy("Must be a whole number of at least 1.")),
    "activity_count_most": ("error", gettext_lazy("At most %(most)s.")),
    "activity_medium": ("error", gettext_lazy("Not a medium of this campaign, nor one of its other names.")),
    "activity_medium_of_form": ("error", gettext_lazy("%(medium)s is not a medium of %(form)s.")),
    "activity_people": ("error", gettext_lazy("Must be a whole number.")),
})  # fmt: skip


@dataclass
class ActivityMapping:
    """Which sheet, which row is the header (0-based) and which column (0-based) holds each field."""

    sheet: int
    header_row: int
    columns: dict[str, int] = field(default_factory=dict)
    headers: list[str] = field(default_factory=list)

    def missing(self) -> list[str]:
        return [name for name in REQUIRED if name not in self.columns]


@dataclass
class ParsedSheet:
    digest: str = ""
    mapping: ActivityMapping | None = None
    rows: list[SheetRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    sheets: list[Sheet] = field(default_factory=list)


def _date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value or "").strip()
    for pattern in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d/%m/%y", "%Y-%m-%d %H:%M:%S"):
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


def _empty(value: Any) -> bool:
    return value is None or str(value).strip() == ""


def read_activity_file(content: bytes, file_name: str) -> list[Sheet]:
    """The file's sheets, within the limits of the workbooks people keep; refusals are ``FileRefused``."""
    return read_file(content, file_name, limits=workbook_limits()).sheets


def remembered_headers(unit: Unit) -> dict[str, str]:
    mapping = ActivitySheetMapping.objects.filter(unit=unit).first()
    return dict(mapping.headers) if mapping else {}


def propose_mapping(sheets: list[Sheet], remembered: dict[str, str] | None = None) -> ActivityMapping | None:
    """The first sheet's header row that names a date, a form and a count (or most fields, else None).

    Headers the unit chose last time (``remembered``: field → folded words) win over the aliases.
    """
    remembered_of_words = {words: name for name, words in (remembered or {}).items()}
    for sheet_index, sheet in enumerate(sheets):
        found = find_header(sheet.head, ALIASES, needs=REQUIRED, remembered=remembered_of_words)
        if found is not None:
            return ActivityMapping(sheet_index, found.header_row, found.columns, found.headers)
    # No header names all three: the row naming the most (at least two), for the person to complete.
    best: ActivityMapping | None = None
    for sheet_index, sheet in enumerate(sheets):
        for row in header_rows(sheet.head, ALIASES, remembered=remembered_of_words):
            candidate = ActivityMapping(sheet_index, row.header_row, row.columns, row.headers)
            if best is None or (len(row.columns) - len(candidate.missing())) > (
                len(best.columns) - len(best.missing())
            ):
                best = candidate
    return best if best is not None and len(best.columns) >= 2 else None


def _lookups(campaign: Campaign) -> tuple[dict[str, CommunicationForm], dict[str, Medium]]:
    forms = list(campaign.forms.prefetch_related("media"))
    media = list(campaign.media.all())
    form_of: dict[str, CommunicationForm] = {}
    medium_of: dict[str, Medium] = {}
    by_pk = {f.pk: f for f in forms}
    media_by_pk = {m.pk: m for m in media}
    for synonym in CatalogueSynonym.objects.filter(campaign=campaign):
        if synonym.form_id in by_pk:
            form_of[synonym.words] = by_pk[synonym.form_id]
        elif synonym.medium_id in media_by_pk:
            medium_of[synonym.words] = media_by_pk[synonym.medium_id]
    # The catalogue's own names and codes win over an other name that happens to be the same words.
    for form in forms:
        form_of[header_words(form.code)] = form
        form_of[header_words(form.name)] = form
    for medium in media:
        medium_of[header_words(medium.name)] = medium
    return form_of, medium_of


def _closed_months(campaign: Campaign, unit: Unit, now: datetime.datetime) -> dict[datetime.date, str]:
    """Months the sheet may not log into, with the problem's code: the report is submitted, accepted or locked."""
    closed: dict[datetime.date, str] = {}
    reports = {r.month: r for r in MonthlyReport.objects.filter(campaign=campaign, unit=unit)}
    for month in campaign.months():
        report = reports.get(month)
        if report is not None and report.status in {MonthlyReport.Status.SUBMITTED, MonthlyReport.Status.ACCEPTED}:
            closed[month] = "activity_month_submitted"
        elif report_is_locked(report or MonthlyReport(month=month), campaign, now):
            closed[month] = "activity_month_locked"
    return closed


def parse_activity_sheet(
    content: bytes,
    file_name: str,
    *,
    campaign: Campaign,
    unit: Unit,
    mapping: ActivityMapping | None = None,
    now: datetime.datetime | None = None,
) -> ParsedSheet:
    """Phase one: read the file, find (or take) the columns, check every row. Writes nothing."""
    result = ParsedSheet(digest=hashlib.sha256(content).hexdigest()[:24])
    sheet_name = ""
    try:
        result.sheets = read_activity_file(content, file_name)
        result.mapping = mapping or propose_mapping(result.sheets, remembered_headers(unit))
        if mapping is not None and mapping.sheet < len(result.sheets):
            head = result.sheets[mapping.sheet].head
            mapping.headers = headers_of(head[mapping.header_row]) if mapping.header_row < len(head) else []
        if result.mapping is None or result.mapping.missing() or result.mapping.sheet >= len(result.sheets):
            result.problems.append(Problem("", 0, "", "", "activity_columns"))
            return result
        sheet = result.sheets[result.mapping.sheet]
        sheet_name = sheet.name
        _check_rows(result, sheet, result.mapping, campaign, unit, now or timezone.now())
    except FileRefused as exc:
        refused = Problem.refused(exc)
        refused.sheet = refused.sheet or sheet_name
        result.problems.append(refused)
    return result


def _check_rows(
    result: ParsedSheet,
    sheet: Sheet,
    mapping: ActivityMapping,
    campaign: Campaign,
    unit: Unit,
    now: datetime.datetime,
) -> None:
    form_of, medium_of = _lookups(campaign)
    closed = _closed_months(campaign, unit, now)
    today = timezone.localdate(now)
    for index, values in enumerate(sheet.rows()):
        if index <= mapping.header_row:
            continue
        number = index + 1
        cells = {key: values[column] if column < len(values) else None for key, column in mapping.columns.items()}
        if all(_empty(v) for v in cells.values()) or row_label(list(values)):
            continue  # a blank row, the totals row, the signatures under the table
        problems: list[Problem] = []

        def problem(key: str, code: str, **params: object) -> None:
            column = column_letter(mapping.columns[key])
            value = cell_text(cells.get(key))[:60]  # noqa: B023
            problems.append(Problem(sheet.name, number, column, value, code, params))  # noqa: B023

        day = _date(cells["date"])
        form = form_of.get(header_words(str(cells["form"] or "")))
        count = _whole(cells["count"])
        medium_words = header_words(str(cells.get("medium") or ""))
        medium = medium_of.get(medium_words) if medium_words else None
        people = _whole(cells["people"]) if not _empty(cells.get("people")) else None
        if day is None:
            problem("date", "activity_date")
        elif not campaign.start_date <= day <= campaign.end_date:
            problem("date", "activity_date_outside")
        elif day > today:
            problem("date", "activity_date_future")
        elif first_of_month(day) in closed:
            problem("date", closed[first_of_month(day)], month=first_of_month(day).strftime("%m/%Y"))
        if form is None:
            problem("form", "activity_form")
        if count is None or count < 1:
            problem("count", "activity_count")
        elif count > MAX_COUNT:
            problem("count", "activity_count_most", most=MAX_COUNT)
        if medium_words and medium is None:
            problem("medium", "activity_medium")
        if not _empty(cells.get("people")) and people is None:
            problem("people", "activity_people")
        if form is not None and medium is not None:
            allowed = list(form.media.all())
            if allowed and medium not in allowed:
                problem("medium", "activity_medium_of_form", medium=str(medium), form=str(form))
        if form is not None and medium is None:
            # A form with a single medium needs none (as when logging one by one).
            only = list(form.media.all())
            medium = only[0] if len(only) == 1 else None
        if problems:
            result.problems.extend(problems)
            continue
        assert day is not None and form is not None and count is not None
        description = str(cells.get("description") or "").strip()[:500]
        result.rows.append(SheetRow(number, day, form, medium, count, people, description))


def mapping_headers(mapping: ActivityMapping) -> dict[str, str]:
    """The chosen columns by their header's folded words, to be found again in the unit's next file."""
    return {
        name: header_words(mapping.headers[column])
        for name, column in mapping.columns.items()
        if column < len(mapping.headers) and header_words(mapping.headers[column])
    }


def activity_template(campaign: Campaign, unit: Unit) -> bytes:
    """An XLSX to fill in: title rows, the header the import reads, the catalogue as drop-down lists."""
    book = xlsx.new_workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Activities")[:31]
    catalogue = book.create_sheet(_("Catalogue")[:31])
    xlsx.put(sheet, 1, 1, _("ACTIVITY LOG — %(campaign)s") % {"campaign": campaign.name.upper()})
    xlsx.put(sheet, 2, 1, _("Unit: %(unit)s") % {"unit": unit.name})
    headers = [_("No."), *[str(FIELD_LABELS[name]) for name in FIELDS]]
    for column, text in enumerate(headers, start=1):
        xlsx.put(sheet, 4, column, text)
    forms = list(campaign.forms.all())
    media = list(campaign.media.all())
    xlsx.put(catalogue, 1, 1, str(FIELD_LABELS["form"]))
    xlsx.put(catalogue, 1, 2, str(FIELD_LABELS["medium"]))
    for row, form in enumerate(forms, start=2):
        xlsx.put(catalogue, row, 1, form.name)
    for row, medium in enumerate(media, start=2):
        xlsx.put(catalogue, row, 2, medium.name)
    quoted = "'" + catalogue.title.replace("'", "''") + "'"
    last = 1000
    for column, source, count in ((3, "A", len(forms)), (4, "B", len(media))):
        if count:
            letter = get_column_letter(column)
            validation = DataValidation(
                type="list", formula1=f"{quoted}!${source}$2:${source}${count + 1}", allow_blank=True
            )
            validation.add(f"{letter}5:{letter}{last}")
            sheet.add_data_validation(validation)
    dates = DataValidation(type="date", operator="between", formula1="DATE(2000,1,1)", formula2="DATE(2100,12,31)")
    dates.add(f"B5:B{last}")
    sheet.add_data_validation(dates)
    for name, width in zip("ABCDEFG", (6, 12, 44, 34, 10, 14, 40), strict=True):
        sheet.column_dimensions[name].width = width
    for row in range(5, last + 1):
        sheet.cell(row=row, column=2).number_format = "DD/MM/YYYY"
    return xlsx.to_bytes(book)
