"""The aggregated report's content, as a Word document (Decree 30/2020/NĐ-CP) and as an Excel workbook.

Both functions take the plain ``AggregateReport`` and return bytes: they run no queries, so they
can be tested and timed without a database. The page itself (margins, fonts, the national name and
motto, the number, the date line, the signature and the recipients) is ``lib.decree30``'s, shared
by every official document; this module writes what this report says: results by form and medium,
by reporting unit (each column naming its unit of count), who reported on time, late or not at all
over the whole period, and the units' other results.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter

from switchoff.lib import xlsx
from switchoff.lib.decree30.layout import (
    FONT,
    LANDSCAPE_TEXT_WIDTH_MM,
    NOT_REPORTED,
    TEXT_WIDTH_MM,
    Heading,
    Signature,
    date_line,
    vietnamese_date,
    vn_number,
)

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument

    from switchoff.reports.aggregate import AggregateReport

__all__ = ["FORM_MEDIUM_HEADERS", "date_line", "report_docx", "report_xlsx", "vietnamese_date", "vn_number"]

# Widths of the data tables' columns, in mm. In a number column narrower than VALUE_COLUMN_MM the
# longest syllables of a form's name in bold 12 pt ("Truyền", 13.4 mm) would break in the middle,
# and so would "1.234.567".
STT_MM = 12.0
UNIT_NAME_MM = 55.0
UNIT_NAME_MIN_MM = 45.0
VALUE_COLUMN_MM = 16.5


def period_text(report: AggregateReport) -> str:
    """The report's period in words: "tháng 07/2024" or "từ tháng 03/2024 đến tháng 07/2024"."""
    if report.cumulative:
        return f"từ tháng {report.month_from:%m/%Y} đến tháng {report.month_to:%m/%Y}"
    return f"tháng {report.month_to:%m/%Y}"


def report_title(report: AggregateReport) -> str:
    """The summary line under "BÁO CÁO" (the document's trích yếu)."""
    return (
        "Kết quả thực hiện công tác truyền thông về lộ trình dừng công nghệ di động "
        f"{report.technology} {period_text(report)}"
    )


# The tables' contents, shared by the Word and the Excel versions.

# "Số lượng", not "Số lượt": the counts are of broadcasts, articles, pieces, messages..., each
# named in the "Đơn vị tính" column beside it.
FORM_MEDIUM_HEADERS = (
    "STT",
    "Hình thức truyền thông",
    "Phương tiện",
    "Đơn vị tính",
    "Số lượng",
    "Số người được tiếp cận",
)


def _used_forms(report: AggregateReport) -> list[tuple[str, str]]:
    """(code, column title) of the forms that any unit reported, in catalogue order.

    Each column names its unit of count: "Phát thanh trên loa truyền thanh cơ sở (lượt phát)".
    """
    used = {code for total in report.by_unit for code, count in total.counts.items() if count}
    return [(code, f"{name} ({unit})" if unit else name) for code, name, unit in report.forms if code in used]


def _people(value: int | None, count: int = 0, covers: int | None = None, count_unit: str = "") -> str | int:
    """People reached: "Chưa báo cáo" where nobody said; a part only reads as one ("85 (1/3 buổi có số liệu)")."""
    if value is None:
        return NOT_REPORTED
    if covers is not None and covers < count:
        return f"{vn_number(value)} ({vn_number(covers)}/{vn_number(count)} {count_unit} có số liệu)"
    return value


def _form_medium_rows(report: AggregateReport) -> list[tuple[int, str, str, str, int, str | int]]:
    return [
        (
            index,
            t.form,
            t.medium,
            t.count_unit,
            t.count,
            _people(t.people_reached, t.count, t.people_covers, t.count_unit),
        )
        for index, t in enumerate(report.by_form_medium, start=1)
    ]


def _count_unit_totals(report: AggregateReport) -> list[list[str | int]]:
    """The "Tổng cộng" rows of the form table: one per unit of count, never one sum over all.

    A unit of count with a single line gets none: its total would repeat the line.
    """
    lines: dict[str, int] = {}
    for t in report.by_form_medium:
        lines[t.count_unit] = lines.get(t.count_unit, 0) + 1
    return [
        [t.count_unit, t.count, _people(t.people_reached, t.count, t.people_covers, t.count_unit)]
        for t in report.totals_by_count_unit
        if lines[t.count_unit] > 1
    ]


def _unit_rows(report: AggregateReport, codes: Sequence[str]) -> list[list[str | int]]:
    # No "Tổng" column: a unit's broadcasts, articles and banners do not add up.
    return [
        [index, total.unit, *(total.counts.get(code, 0) for code in codes)]
        for index, total in enumerate(report.by_unit, start=1)
    ]


def _unit_totals(report: AggregateReport, codes: Sequence[str]) -> list[int]:
    """Per form (one unit of count each), over the units."""
    return [sum(total.counts.get(code, 0) for total in report.by_unit) for code in codes]


def _text(value: str | int) -> str:
    return vn_number(value) if isinstance(value, int) else value


def other_results_by_month(report: AggregateReport) -> list[tuple[datetime.date, list[tuple[list[str], str]]]]:
    """The units' free-text results grouped by month, the units that wrote the same text together."""
    months: dict[datetime.date, dict[str, list[str]]] = {}
    for result in report.other_results:
        months.setdefault(result.month, {}).setdefault(result.text, []).append(result.unit)
    return [(month, [(units, text) for text, units in texts.items()]) for month, texts in months.items()]


# Past this many names a list of units in the Word report becomes a count: a national report
# would otherwise list thousands of on-time units over pages. The Excel workbook always lists every unit.
MAX_NAMES_IN_TEXT = 60


def _months_text(months: list[datetime.date]) -> str:
    return ", ".join(f"{month:%m/%Y}" for month in months)


def _submission_lines(report: AggregateReport) -> list[str]:
    """Section 3: over every month of the period, who reported on time, late (how often, when), or not at all."""

    def listed(
        label: str, names: list[str], months: dict[str, list[datetime.date]] | None = None, times: str = ""
    ) -> str:
        if not names:
            return f"- {label}: Không có."
        if len(names) > MAX_NAMES_IN_TEXT:
            return f"- {label}: {vn_number(len(names))} đơn vị (danh sách chi tiết tại tệp Excel kèm theo)."
        shown = names
        if months is not None and report.cumulative:
            # "Đông Kinh (3 lần: tháng 08/2024, 09/2024, 10/2024)", "Viettel (1 tháng: 11/2024)".
            shown = [
                f"{name} ({len(months[name])} {times} {_months_text(months[name])})" if months.get(name) else name
                for name in names
            ]
        return f"- {label}: {vn_number(len(names))} đơn vị, gồm: {'; '.join(shown)}."

    expected = f"- Số đơn vị phải báo cáo: {vn_number(report.expected)} đơn vị"
    if report.cumulative:
        expected += f"; số báo cáo phải gửi trong kỳ: {vn_number(report.reports_expected)}"
    on_time = "Gửi báo cáo đúng hạn tất cả các tháng" if report.cumulative else "Gửi báo cáo đúng hạn"
    return [
        expected + ".",
        listed(on_time, report.on_time),
        listed("Gửi báo cáo muộn", report.late, report.late_months, "lần: tháng"),
        listed("Chưa gửi báo cáo", report.missing, report.missing_months, "tháng:"),
    ]


def _unreviewed_text(report: AggregateReport) -> str:
    """Which reports the figures hold: accepted ones only, or the submitted ones not yet reviewed too, named."""
    names = "; ".join(f"{r.unit} (tháng {r.month:%m/%Y})" for r in report.unreviewed[:MAX_NAMES_IN_TEXT])
    if len(report.unreviewed) > MAX_NAMES_IN_TEXT:
        names += f" và {vn_number(len(report.unreviewed) - MAX_NAMES_IN_TEXT)} báo cáo khác"
    if report.include_submitted and report.unreviewed:
        return (
            "Số liệu gồm các báo cáo đã được chấp nhận và "
            f"{vn_number(len(report.unreviewed))} báo cáo đã gửi nhưng chưa được xem xét: {names}."
        )
    if report.unreviewed:
        return (
            "Số liệu chỉ gồm các báo cáo đã được chấp nhận; chưa tính "
            f"{vn_number(len(report.unreviewed))} báo cáo đã gửi nhưng chưa được xem xét: {names}."
        )
    return "Số liệu tổng hợp từ các báo cáo đã được chấp nhận."


# Word.


def _form_medium_section(doc: DocxDocument, report: AggregateReport, style_id: str) -> None:
    from switchoff.lib.decree30.word import Column, body, data_table, heading

    heading(doc, "1. Kết quả theo hình thức và phương tiện truyền thông")
    if not report.by_form_medium:
        body(doc, "Không có số liệu.")
        return
    columns = [
        Column(FORM_MEDIUM_HEADERS[0], STT_MM, "center"),
        Column(FORM_MEDIUM_HEADERS[1], 47, "left"),
        Column(FORM_MEDIUM_HEADERS[2], 32, "left"),
        Column(FORM_MEDIUM_HEADERS[3], 22, "center"),
        Column(FORM_MEDIUM_HEADERS[4], 21, "right"),
        Column(FORM_MEDIUM_HEADERS[5], 31, "right"),
    ]
    rows = ([_text(value) for value in row] for row in _form_medium_rows(report))
    # One "Tổng cộng" per unit of count: broadcasts and articles do not add up.
    totals = [[_text(value) for value in total] for total in _count_unit_totals(report)]
    data_table(doc, style_id, columns, rows, totals, total_span=3)


def _unit_columns(names: Sequence[str]) -> tuple[bool, list[Any]]:
    """The unit table's columns, and whether they need a landscape page.

    Decree 30 lets a document with tables be laid out across the width of the
    page: with more than a few forms the numbers would not fit on a portrait
    page, so the table gets a landscape section of its own.
    """
    from switchoff.lib.decree30.word import Column

    count = max(len(names), 1)
    landscape = False
    unit_mm = UNIT_NAME_MM
    value_mm = (TEXT_WIDTH_MM - STT_MM - unit_mm) / count
    if value_mm < VALUE_COLUMN_MM:
        # Across the page the unit names give way to the numbers first, down
        # to UNIT_NAME_MIN_MM.
        landscape = True
        unit_mm = max(
            UNIT_NAME_MIN_MM, min(UNIT_NAME_MM + 10, LANDSCAPE_TEXT_WIDTH_MM - STT_MM - count * VALUE_COLUMN_MM)
        )
        value_mm = (LANDSCAPE_TEXT_WIDTH_MM - STT_MM - unit_mm) / count
    columns = [Column("STT", STT_MM, "center"), Column("Đơn vị", unit_mm, "left")]
    columns += [Column(name, value_mm, "right") for name in names]
    return landscape, columns


def _unit_section(doc: DocxDocument, report: AggregateReport, style_id: str) -> None:
    from switchoff.lib.decree30.word import body, data_table, heading, landscape_section

    forms = _used_forms(report)
    if not report.by_unit:
        heading(doc, "2. Kết quả theo đơn vị báo cáo")
        body(doc, "Không có số liệu.")
        return
    landscape, columns = _unit_columns([name for _code, name in forms])
    if landscape:
        landscape_section(doc, landscape=True)
    heading(doc, "2. Kết quả theo đơn vị báo cáo")
    codes = [code for code, _name in forms]
    rows = (
        [str(values[0]), str(values[1]), *(vn_number(cast(int, value)) for value in values[2:])]
        for values in _unit_rows(report, codes)
    )
    total = [vn_number(value) for value in _unit_totals(report, codes)]
    data_table(doc, style_id, columns, rows, [total], total_span=2)
    if landscape:
        landscape_section(doc, landscape=False)


def report_docx(report: AggregateReport) -> bytes:
    """The aggregated report as a Word document laid out per Decree 30/2020/NĐ-CP, Appendix I.

    Sections: results by form and medium, by reporting unit (on a landscape
    page when the forms do not fit across a portrait one), who reported on
    time, late or not at all, and the units' other results; then the
    recipients and the signature. Everything is real text and tables, so the
    office can edit it before signing.
    """
    # python-docx loads only when a document is asked for.
    from switchoff.lib.decree30.word import (
        body,
        header_block,
        heading,
        new_document,
        signature_block,
        title_block,
        to_bytes,
    )

    doc, style_id = new_document(
        title=report_title(report),
        subject=report.campaign_name,
        author=report.issuing_body_lines[-1] if report.issuing_body_lines else "",
        day=report.generated_on,
    )
    header_block(
        doc,
        Heading(
            issuing_body_lines=report.issuing_body_lines,
            document_symbol=report.document_symbol,
            place_name=report.place_name,
            day=report.generated_on,
        ),
    )
    title_block(doc, "Báo cáo", report_title(report))
    body(
        doc,
        f"Thực hiện {report.campaign_name}, trên cơ sở báo cáo của các đơn vị, "
        f"kết quả thực hiện công tác truyền thông {period_text(report)} như sau:",
    )
    body(doc, _unreviewed_text(report))
    _form_medium_section(doc, report, style_id)
    _unit_section(doc, report, style_id)
    heading(doc, "3. Tình hình gửi báo cáo")
    for line in _submission_lines(report):
        body(doc, line)
    heading(doc, "4. Kết quả khác")
    if report.other_results:
        grouped = other_results_by_month(report)
        for month, texts in grouped:
            if report.cumulative:
                body(doc, f"Tháng {month:%m/%Y}:")
            for units, text in texts:
                # Each line of a unit's text is a paragraph of its own: a line
                # break inside a justified paragraph would stretch the line
                # before it across the page.
                first, *rest = [line.strip() for line in text.splitlines() if line.strip()] or [""]
                body(doc, f"- {'; '.join(units)}: {first}")
                for line in rest:
                    body(doc, line)
    else:
        body(doc, "Không có.")
    signature_block(
        doc,
        Signature(signer_title=report.signer_title, signer_name=report.signer_name, recipients=[report.recipient_name]),
    )
    return to_bytes(doc)


# Excel.

XLSX_FONT_SIZE = 12
# Characters of Times New Roman 12 pt per unit of Excel column width (the width
# of a "0" in the default Calibri 11), and the height of a line in points:
# measured on the rendered sheets, rounded down so that estimates err taller.
XLSX_CHARS_PER_WIDTH = 1.15
XLSX_BOLD_CHARS_PER_WIDTH = 1.0
XLSX_LINE_HEIGHT = 15.5
SHEET_BY_FORM = "Theo hình thức"
SHEET_BY_UNIT = "Theo đơn vị"
SHEET_SUBMISSION = "Tình hình gửi báo cáo"
SHEET_OTHER = "Kết quả khác"


def _register_xlsx_styles(book: Workbook) -> None:
    """Named cell styles, registered once.

    Assigning a style by name sets all of a cell's formatting in one step and
    creates no Font, Border or Alignment per cell, which matters for a
    national workbook's 40,000 cells; the styles also show in Excel's "Cell
    Styles" gallery for whoever edits the workbook.
    """
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    font = Font(name=FONT, size=XLSX_FONT_SIZE)
    bold = Font(name=FONT, size=XLSX_FONT_SIZE, bold=True)
    wrap_top = Alignment(vertical="center", wrap_text=True)
    styles = [
        NamedStyle(name="so_title", font=Font(name=FONT, size=14, bold=True), alignment=Alignment(horizontal="center")),
        NamedStyle(
            name="so_header",
            font=bold,
            border=border,
            fill=PatternFill(fill_type="solid", start_color="D9E1F2", end_color="D9E1F2"),
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
        ),
        NamedStyle(name="so_text", font=font, border=border, alignment=wrap_top),
        NamedStyle(
            name="so_centre", font=font, border=border, alignment=Alignment(horizontal="center", vertical="center")
        ),
        NamedStyle(name="so_number", font=font, border=border, number_format="#,##0", alignment=wrap_top),
        NamedStyle(name="so_total_text", font=bold, border=border, alignment=Alignment(horizontal="center")),
        NamedStyle(name="so_total_number", font=bold, border=border, number_format="#,##0"),
        NamedStyle(name="so_note", font=Font(name=FONT, size=XLSX_FONT_SIZE, italic=True)),
    ]
    for style in styles:
        book.add_named_style(style)


def _put(sheet: Any, row: int, column: int, value: str | int, style: str) -> None:
    # Through the one guard: a unit's name or free text never becomes a formula.
    xlsx.put(sheet, row, column, value).style = style


def _fit_row_height(
    sheet: Any, row: int, values: Sequence[str | int], widths: Sequence[float], *, bold: bool = False
) -> None:
    """Give a row with wrapped text the height of its tallest cell.

    Neither openpyxl nor LibreOffice's import (which skips the measuring for
    speed) sizes a row to its wrapped text, so the text would be cut off. The
    number of lines is estimated from the number of characters; rows that fit
    on one line keep the default height and cost nothing.
    """
    per_width = XLSX_BOLD_CHARS_PER_WIDTH if bold else XLSX_CHARS_PER_WIDTH
    lines = 1
    for value, width in zip(values, widths, strict=False):
        if isinstance(value, str) and (len(value) > width * per_width or "\n" in value):
            capacity = max(1, int(width * per_width))
            lines = max(lines, sum(-(-max(1, len(part)) // capacity) for part in value.split("\n")))
    if lines > 1:
        sheet.row_dimensions[row].height = XLSX_LINE_HEIGHT * lines + 2


def _xlsx_table(
    sheet: Any,
    *,
    title: str,
    headers: Sequence[str],
    widths: Sequence[float],
    rows: Iterable[Sequence[str | int]],
    totals: Sequence[Sequence[str | int]] = (),
    centred: Sequence[int] = (0,),
    freeze: str = "A3",
) -> int:
    """Title in row 1, header in row 2, then the rows and the total; returns the last row written."""
    last_column = get_column_letter(len(headers))
    _put(sheet, 1, 1, title, "so_title")
    sheet.merge_cells(f"A1:{last_column}1")
    sheet.row_dimensions[1].height = 24
    for column, header in enumerate(headers, start=1):
        _put(sheet, 2, column, header, "so_header")
    _fit_row_height(sheet, 2, headers, widths, bold=True)
    row_number = 2
    for row_number, values in enumerate(rows, start=3):
        for column, value in enumerate(values):
            style = ("so_centre" if column in centred else "so_number") if isinstance(value, int) else "so_text"
            _put(sheet, row_number, column + 1, value, style)
        _fit_row_height(sheet, row_number, values, widths)
    if row_number > 2:
        sheet.auto_filter.ref = f"A2:{last_column}{row_number}"
    for total in totals:
        row_number += 1
        for column, value in enumerate(total, start=1):
            _put(sheet, row_number, column, value, "so_total_number" if isinstance(value, int) else "so_total_text")
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = freeze
    # Printed on A4 across, as wide as the page, the header row on every page.
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "2:2"
    return row_number


def report_xlsx(report: AggregateReport) -> bytes:
    """The aggregated report's tables as an Excel workbook, one sheet per table.

    Sheets: "Theo hình thức", "Theo đơn vị", "Tình hình gửi báo cáo" and
    "Kết quả khác". Numbers are stored as numbers (shown as 1.234 in a
    Vietnamese Excel), totals as computed values, so that the workbook can be
    summed and filtered further.
    """
    book = xlsx.new_workbook()
    _register_xlsx_styles(book)
    period = period_text(report)

    by_form = book.active
    by_form.title = SHEET_BY_FORM
    last = _xlsx_table(
        by_form,
        title=f"Kết quả theo hình thức và phương tiện truyền thông, {period}",
        headers=FORM_MEDIUM_HEADERS,
        widths=(6, 40, 30, 14, 14, 22),
        rows=_form_medium_rows(report),
        # One "Tổng cộng" per unit of count, never one sum over all.
        totals=[["", "Tổng cộng", "", *total] for total in _count_unit_totals(report)],
    )
    # Which reports the figures hold, under the table as in the Word report.
    _put(by_form, last + 2, 2, _unreviewed_text(report), "so_note")

    forms = _used_forms(report)
    codes = [code for code, _name in forms]
    by_unit = book.create_sheet(SHEET_BY_UNIT)
    # Each form's column names its unit of count.
    _xlsx_table(
        by_unit,
        title=f"Kết quả theo đơn vị báo cáo, {period}",
        headers=["STT", "Đơn vị", *(name for _code, name in forms)],
        widths=[6, 45, *(16 for _ in forms)],
        rows=_unit_rows(report, codes),
        totals=[["", "Tổng cộng", *_unit_totals(report, codes)]],
        freeze="C3",
    )

    submission = book.create_sheet(SHEET_SUBMISSION)
    if report.cumulative:
        # Every month of the period: how often each unit was on time, late or missing, and when.
        units = report.units_expected
        _xlsx_table(
            submission,
            title=f"Tình hình gửi báo cáo, {period}",
            headers=(
                "STT",
                "Đơn vị",
                "Số tháng phải báo cáo",
                "Gửi muộn (số lần)",
                "Tháng gửi muộn",
                "Chưa gửi (số tháng)",
                "Tháng chưa gửi",
            ),
            widths=(6, 45, 14, 12, 34, 12, 34),
            rows=(
                [
                    index,
                    name,
                    report.months_expected.get(name, 0),
                    len(report.late_months.get(name, [])),
                    _months_text(report.late_months.get(name, [])),
                    len(report.missing_months.get(name, [])),
                    _months_text(report.missing_months.get(name, [])),
                ]
                for index, name in enumerate(units, start=1)
            ),
            centred=(0, 2, 3, 5),
        )
        column = 9
    else:
        statuses = (
            [(name, "Đúng hạn") for name in report.on_time]
            + [(name, "Gửi muộn") for name in report.late]
            + [(name, "Chưa gửi") for name in report.missing]
        )
        _xlsx_table(
            submission,
            title=f"Tình hình gửi báo cáo, {period}",
            headers=("STT", "Đơn vị", "Tình hình"),
            widths=(6, 45, 16),
            rows=([index, name, status] for index, (name, status) in enumerate(statuses, start=1)),
        )
        column = 5
    # The counts sit beside the list, visible without scrolling to its end.
    submission.column_dimensions[get_column_letter(column - 1)].width = 3
    submission.column_dimensions[get_column_letter(column)].width = 28
    submission.column_dimensions[get_column_letter(column + 1)].width = 12
    _put(submission, 2, column, "Chỉ tiêu", "so_header")
    _put(submission, 2, column + 1, "Số đơn vị", "so_header")
    summary = [
        ("Phải báo cáo", report.expected),
        ("Đúng hạn", len(report.on_time)),
        ("Gửi muộn", len(report.late)),
        ("Chưa gửi", len(report.missing)),
    ]
    for row, (label, value) in enumerate(summary, start=3):
        _put(submission, row, column, label, "so_text")
        _put(submission, row, column + 1, value, "so_number")

    other = book.create_sheet(SHEET_OTHER)
    _xlsx_table(
        other,
        title=f"Kết quả khác, {period}",
        headers=("STT", "Tháng", "Đơn vị", "Kết quả"),
        widths=(6, 10, 40, 90),
        rows=(
            [index, f"{result.month:%m/%Y}", result.unit, result.text]
            for index, result in enumerate(report.other_results, start=1)
        ),
    )

    return xlsx.to_bytes(book)
