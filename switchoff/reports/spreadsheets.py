"""Importing the activity sheet a unit already keeps (XLSX, XLS or CSV), in two phases, and its template.

The file is read by the shared reader (``lib.sheets``: title rows, any
encoding, the workbook limits). The header row is found from aliases matched on folded
words ("Hình thức tuyên truyền", "Số lượng", "STT"), or from the headers the
unit's people chose last time; they can correct the columns. Forms and media
are matched on folded words against the catalogue, the campaign's table of
other names ("Phát thanh loa" is the loudspeaker broadcast) and the unit's own
words its people taught at an earlier check. A clerk's sheet is read as the clerk
wrote it: dates as "01/12" or a day number under a "THÁNG 12/2024" title, counts
with their unit word ("2 lượt"), and whatever stands under the totals row (the
signatures and the names under "Người lập biểu") is not a row. Phase one checks
every row, naming its row, column, value and reason, and refuses a month whose
report is submitted or locked; it shows the rows as they will be logged, what
earlier imports of those months they replace, and the rows that match an activity
already logged another way (``sheet_rows``). Phase two logs them through the service.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from switchoff.campaigns.catalogue import COUNTED_BY_SYSTEM
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
from switchoff.lib.text import fold
from switchoff.reports.deadlines import report_is_locked
from switchoff.reports.models import Activity, ActivitySheetMapping, MonthlyReport
from switchoff.reports.services.activities import MAX_COUNT, counted_refusal
from switchoff.reports.sheet_rows import ReplacedImport, SheetRow, logged_matches, months_of, replaced_imports
from switchoff.units.models import Unit

FIELDS = ("date", "form", "medium", "count", "people", "description", "reference")
REQUIRED = ("date", "form", "count")
FIELD_LABELS = {
    "date": gettext_lazy("Date"),
    "form": gettext_lazy("Form of communication"),
    "medium": gettext_lazy("Medium"),
    "count": gettext_lazy("Count"),
    "people": gettext_lazy("People reached"),
    "description": gettext_lazy("Description"),
    "reference": gettext_lazy("Your reference"),
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
    "reference": {"ma", "ma hoat dong", "so hieu", "so ky hieu", "ky hieu", "so van ban", "reference", "ref"},
})  # fmt: skip

# Problems by code (every one an error: the row is not logged); row and column are shown beside them.
REASONS = reasons({
    "activity_columns": (
        "error", gettext_lazy("Choose the columns that hold the date, the form of communication and the count."),
    ),
    "activity_date": ("error", gettext_lazy("Not a date; write it as dd/mm/yyyy.")),
    "activity_date_day": (
        "error", gettext_lazy("A day without its month: write the date, or the month in the title (“THÁNG 12/2024”)."),
    ),
    "activity_date_year": (
        "error", gettext_lazy("No day of the campaign until today falls on this day and month; write the year too."),
    ),
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
    "activity_form_counted": ("error", lambda params: counted_refusal(params["form"], params["counted"])),
    "activity_count": ("error", gettext_lazy("Must be a whole number of at least 1.")),
    "activity_count_most": ("error", gettext_lazy("At most %(most)s.")),
    "activity_count_unit": (
        "error",
        gettext_lazy("“%(written)s” is not the unit of count of %(form)s (%(unit)s): units are never mixed."),
    ),
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
    # The unit's wordings the check did not know, by folded words (the text as first written): the
    # person maps each to a form or medium of the catalogue, and the check reads them.
    unknown_forms: dict[str, str] = field(default_factory=dict)
    unknown_media: dict[str, str] = field(default_factory=dict)
    # Rows (by number) matching an activity already logged another way: left out unless the person says.
    matches: dict[int, list[Activity]] = field(default_factory=dict)
    # What earlier imports of the unit logged in the months these rows fall in: the import replaces it.
    replaces: list[ReplacedImport] = field(default_factory=list)
    # The month the sheet's title names ("THÁNG 12/2024"), that day numbers and dates without a year take.
    title_month: tuple[int, int | None] | None = None

    @property
    def to_log(self) -> list[SheetRow]:
        """The rows the import logs unless the person keeps a matching one too."""
        return [row for row in self.rows if row.row not in self.matches]

    @property
    def replaced_rows(self) -> int:
        return sum(r.rows for r in self.replaces)


def shown_cell(value: object) -> str:
    """A cell as a person wrote it: a date as 05/12/2024, a whole number without ".0"."""
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time.min:
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return cell_text(value)


# "THÁNG 12/2024", "Tháng 12 năm 2024", "tháng 12", "T12/2024" in a title row (folded).
_TITLE_MONTH = re.compile(r"(?:\bthang|\bt)\s*(\d{1,2})(?:\s*(?:/|-|\.|nam)\s*(\d{4}))?\b")
_DAY_MONTH = re.compile(r"^(?:ngay\s*)?(\d{1,2})\s*[/.-]\s*(\d{1,2})(?:\s*[/.-]\s*(\d{2}|\d{4}))?$")
_DAY = re.compile(r"^(?:ngay\s*)?(\d{1,2})$")


def title_month(sheet: Sheet, header_row: int) -> tuple[int, int | None] | None:
    """The month (and year, if written) that the title rows above the header, or the sheet's name, name."""
    texts = [str(cell) for row in sheet.head[:header_row] for cell in row if isinstance(cell, str) and cell.strip()]
    found: list[tuple[int, int | None]] = []
    for text in [*texts, sheet.name]:
        match = _TITLE_MONTH.search(fold(text))
        if match and 1 <= int(match.group(1)) <= 12:
            found.append((int(match.group(1)), int(match.group(2)) if match.group(2) else None))
    # A title that gives the year too wins ("THÁNG 11/2024" over a sheet named "T11").
    return next((f for f in found if f[1] is not None), found[0] if found else None)


def _on(year: int, month: int, day: int) -> datetime.date | None:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _year_for(month: int, day: int, campaign: Campaign, today: datetime.date) -> datetime.date | None:
    """The date of ``day``/``month`` without a year: the latest one in the campaign, not after today."""
    for year in range(min(today.year, campaign.end_date.year), campaign.start_date.year - 1, -1):
        found = _on(year, month, day)
        if found is not None and campaign.start_date <= found <= min(today, campaign.end_date):
            return found
    return None


def _date(
    value: Any, title: tuple[int, int | None] | None, campaign: Campaign, today: datetime.date
) -> tuple[datetime.date | None, str]:
    """The date of a cell and "" , or None and the problem's code.

    Full dates in any usual writing; "01/12" (the year from the title, else the one within the
    campaign); a day number ("2") under a title naming the month.
    """
    if isinstance(value, datetime.datetime):
        return value.date(), ""
    if isinstance(value, datetime.date):
        return value, ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = fold(str(value or ""))
    for pattern in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d/%m/%y", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.datetime.strptime(text, pattern).date(), ""
        except ValueError:
            continue
    day_month, day_only = _DAY_MONTH.match(text), _DAY.match(text)
    if day_month is None and day_only is None:
        return None, "activity_date"
    if day_month is not None:
        day, month = int(day_month.group(1)), int(day_month.group(2))
        year = int(day_month.group(3)) if day_month.group(3) else None
        year = year + 2000 if year is not None and year < 100 else year
        if year is None and title is not None and title[0] == month:
            year = title[1]
    else:
        if title is None:
            return None, "activity_date_day"
        day, (month, year) = int(day_only.group(1)), title  # type: ignore[union-attr]
    if not 1 <= month <= 12:
        return None, "activity_date"
    if year is not None:
        found = _on(year, month, day)
        return (found, "") if found is not None else (None, "activity_date")
    if _on(2024, month, day) is None:  # 2024 is a leap year: any real day and month is a date in it
        return None, "activity_date"
    found = _year_for(month, day, campaign, today)
    return (found, "") if found is not None else (None, "activity_date_year")


_COUNT = re.compile(r"^(\d{1,3}(?:[.,]\d{3})+|\d+)\s*([^\W\d_].*)?$")
# Words that count anything: "2 lượt", "3 lần" fit every form.
GENERIC_COUNT_WORDS = {"luot", "lan"}


def _count(value: Any) -> tuple[int | None, str]:
    """A whole number, with the unit word written after it if any ("2 lượt" is 2 and "lượt")."""
    if isinstance(value, bool):
        return None, ""
    if isinstance(value, int):
        return value, ""
    if isinstance(value, float):
        return (int(value), "") if value.is_integer() else (None, "")
    match = _COUNT.match(" ".join(str(value or "").split()))
    if match is None:
        return None, ""
    return int(re.sub(r"[.,]", "", match.group(1))), (match.group(2) or "").strip()


def count_word_fits(written: str, form: CommunicationForm) -> bool:
    """Whether a unit word written after a count is the form's unit of count (or one that counts anything)."""
    words, unit = header_words(written), header_words(form.count_unit)
    if not words or words in GENERIC_COUNT_WORDS or words == unit:
        return True
    return bool(unit) and (unit.startswith(words + " ") or words.startswith(unit + " ") or words.split()[0] == unit)


PEOPLE_WORDS = {"nguoi", "luot nguoi", "nguoi dan"}


def _whole(value: Any) -> int | None:
    """People reached: a whole number, "45 người" too."""
    count, written = _count(value)
    return count if not written or header_words(written) in PEOPLE_WORDS else None


def _empty(value: Any) -> bool:
    return value is None or str(value).strip() == ""


def read_activity_file(content: bytes, file_name: str) -> list[Sheet]:
    """The file's sheets, within the limits of the workbooks people keep; refusals are ``FileRefused``."""
    return read_file(content, file_name, limits=workbook_limits()).sheets


def remembered(unit: Unit) -> ActivitySheetMapping:
    """What the unit's people taught the import last time (an unsaved, empty one if nothing)."""
    return ActivitySheetMapping.objects.filter(unit=unit).first() or ActivitySheetMapping(unit=unit)


def remembered_headers(unit: Unit) -> dict[str, str]:
    return dict(remembered(unit).headers)


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


def _lookups(
    campaign: Campaign,
    taught_forms: dict[str, CommunicationForm],
    taught_media: dict[str, Medium],
) -> tuple[dict[str, CommunicationForm], dict[str, Medium]]:
    """Folded words → form and → medium: the campaign's other names, then the unit's own words, then the catalogue."""
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
    # The unit's own words, as its people mapped them at a check.
    form_of.update({words: by_pk[f.pk] for words, f in taught_forms.items() if f.pk in by_pk})
    medium_of.update({words: media_by_pk[m.pk] for words, m in taught_media.items() if m.pk in media_by_pk})
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
    taught_forms: dict[str, CommunicationForm] | None = None,
    taught_media: dict[str, Medium] | None = None,
) -> ParsedSheet:
    """Phase one: read the file, find (or take) the columns, check every row. Writes nothing.

    ``taught_forms`` and ``taught_media`` (folded words → target) are the wordings the person maps
    at this check; those the unit's people mapped before are read too.
    """
    result = ParsedSheet(digest=hashlib.sha256(content).hexdigest()[:24])
    sheet_name = ""
    memory = remembered(unit)
    try:
        result.sheets = read_activity_file(content, file_name)
        result.mapping = mapping or propose_mapping(result.sheets, dict(memory.headers))
        if mapping is not None and mapping.sheet < len(result.sheets):
            head = result.sheets[mapping.sheet].head
            mapping.headers = headers_of(head[mapping.header_row]) if mapping.header_row < len(head) else []
        if result.mapping is None or result.mapping.missing() or result.mapping.sheet >= len(result.sheets):
            result.problems.append(Problem("", 0, "", "", "activity_columns"))
            return result
        sheet = result.sheets[result.mapping.sheet]
        sheet_name = sheet.name
        forms = {f.pk: f for f in campaign.forms.all()}
        media = {m.pk: m for m in campaign.media.all()}
        known_forms = {words: forms[pk] for words, pk in memory.forms.items() if pk in forms}
        known_media = {words: media[pk] for words, pk in memory.media.items() if pk in media}
        _check_rows(
            result,
            sheet,
            result.mapping,
            campaign,
            unit,
            now or timezone.now(),
            {**known_forms, **(taught_forms or {})},
            {**known_media, **(taught_media or {})},
        )
    except FileRefused as exc:
        refused = Problem.refused(exc)
        refused.sheet = refused.sheet or sheet_name
        result.problems.append(refused)
    result.matches = logged_matches(campaign, unit, result.rows)
    result.replaces = replaced_imports(campaign, unit, months_of(result.to_log))
    return result


def _check_rows(
    result: ParsedSheet,
    sheet: Sheet,
    mapping: ActivityMapping,
    campaign: Campaign,
    unit: Unit,
    now: datetime.datetime,
    taught_forms: dict[str, CommunicationForm],
    taught_media: dict[str, Medium],
) -> None:
    form_of, medium_of = _lookups(campaign, taught_forms, taught_media)
    closed = _closed_months(campaign, unit, now)
    today = timezone.localdate(now)
    result.title_month = title_month(sheet, mapping.header_row)
    under_table = False  # below a totals row or a signature label: the signature block, names, notes
    for index, values in enumerate(sheet.rows()):
        if index <= mapping.header_row:
            continue
        number = index + 1
        cells = {key: values[column] if column < len(values) else None for key, column in mapping.columns.items()}
        if all(_empty(v) for v in cells.values()):
            continue  # a blank row
        label = row_label(list(values))
        if label:
            under_table = True
            continue  # the totals row, the signatures' labels under the table
        day, date_code = _date(cells["date"], result.title_month, campaign, today)
        count, count_word = _count(cells["count"])
        if under_table and (day is None or count is None):
            # Under the totals row, what is not an activity (a date and a count) is the signature
            # block: the signer's position, "(Ký, ghi rõ họ tên)", the names.
            continue
        problems: list[Problem] = []

        def problem(key: str, code: str, **params: object) -> None:
            column = column_letter(mapping.columns[key])
            value = shown_cell(cells.get(key))[:60]  # noqa: B023
            problems.append(Problem(sheet.name, number, column, value, code, params))  # noqa: B023

        form_text = " ".join(str(cells["form"] or "").split())
        form = form_of.get(header_words(form_text))
        medium_text = " ".join(str(cells.get("medium") or "").split())
        medium_words = header_words(medium_text)
        medium = medium_of.get(medium_words) if medium_words else None
        people = _whole(cells["people"]) if not _empty(cells.get("people")) else None
        if day is None:
            problem("date", date_code)
        elif not campaign.start_date <= day <= campaign.end_date:
            problem("date", "activity_date_outside")
        elif day > today:
            problem("date", "activity_date_future")
        elif first_of_month(day) in closed:
            problem("date", closed[first_of_month(day)], month=first_of_month(day).strftime("%m/%Y"))
        if form is None:
            problem("form", "activity_form")
            if header_words(form_text):
                result.unknown_forms.setdefault(header_words(form_text), form_text[:160])
        elif form.counted_by_system:
            problem("form", "activity_form_counted", form=form.name, counted=COUNTED_BY_SYSTEM[form.code])
        if count is None or count < 1:
            problem("count", "activity_count")
        elif count > MAX_COUNT:
            problem("count", "activity_count_most", most=MAX_COUNT)
        elif count_word and form is not None and not count_word_fits(count_word, form):
            problem("count", "activity_count_unit", written=count_word, form=form.name, unit=form.count_unit)
        if medium_words and medium is None:
            problem("medium", "activity_medium")
            result.unknown_media.setdefault(medium_words, medium_text[:160])
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
        reference = " ".join(shown_cell(cells.get("reference")).split())[:60]
        result.rows.append(SheetRow(number, day, form, medium, count, people, description, reference))


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
    # The forms the system counts (deliveries, inspections, banners) are not in the drop-down: never typed.
    forms = [form for form in campaign.forms.all() if not form.counted_by_system]
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
