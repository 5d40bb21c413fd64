"""The aggregated report as a Word document (Decree 30/2020/NĐ-CP) and as an Excel workbook.

Both functions take the plain ``AggregateReport`` and return bytes: they run no
queries, so they can be tested and timed without a database.

The Word document follows Appendix I of Decree 30/2020/NĐ-CP on the layout of
administrative documents: A4, margins 20/20/30/15 mm, Times New Roman, the
issuing body and the national motto side by side in a borderless table, the
title and summary centred in bold, page numbers centred in the top margin but
not on the first page, and the "Nơi nhận" list beside the signature.

A national report has a few thousand units in its second table. python-docx
builds table rows one element at a time and ``table.add_row()`` re-reads the
whole grid on every call, so the data tables are written as one XML string and
parsed once; the rest of the document, a few dozen paragraphs, uses the
ordinary python-docx API.
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter

from switchoff.lib import xlsx

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from docx.oxml.table import CT_Tbl
    from docx.section import Section
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph
    from docx.text.run import Run

    from switchoff.reports.aggregate import AggregateReport

FONT = "Times New Roman"

# Decree 30, Appendix I, section I.1: A4 paper, top and bottom margins 20-25 mm,
# left 30-35 mm (the binding side) and right 15-20 mm; the smallest allowed
# values leave the most room for the tables.
PAGE_WIDTH_MM = 210.0
PAGE_HEIGHT_MM = 297.0
MARGIN_TOP_MM = 20.0
MARGIN_BOTTOM_MM = 20.0
MARGIN_LEFT_MM = 30.0
MARGIN_RIGHT_MM = 15.0
TEXT_WIDTH_MM = PAGE_WIDTH_MM - MARGIN_LEFT_MM - MARGIN_RIGHT_MM

# A landscape page in a report bound on the left is read turned clockwise, so
# its binding margin is the top one: the portrait margins turn with the page.
LANDSCAPE_MARGINS_MM = (MARGIN_LEFT_MM, MARGIN_RIGHT_MM, MARGIN_BOTTOM_MM, MARGIN_TOP_MM)  # top, bottom, left, right
LANDSCAPE_TEXT_WIDTH_MM = PAGE_HEIGHT_MM - LANDSCAPE_MARGINS_MM[2] - LANDSCAPE_MARGINS_MM[3]

# The header block is wider than the text: "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
# in bold 12 pt is about 90 mm and "ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN" in 13 pt
# caps about 82 mm, and both should stay on one line, as on printed documents.
# The table reaches 10 mm into the 30 mm left margin and 5 mm into the right
# one to fit them.
HEADER_LEFT_MM = 86.0
HEADER_RIGHT_MM = 94.0
HEADER_OUTDENT_MM = 10.0
HEADER_CELL_PADDING_MM = 0.5

# The line under the motto is as long as the motto (Decree 30: "có độ dài bằng
# độ dài của dòng chữ"): "Độc lập - Tự do - Hạnh phúc" in Times New Roman bold
# 13 pt measures 12.24 em, 56 mm (Liberation Serif has the same metrics).
MOTTO = "Độc lập - Tự do - Hạnh phúc"
MOTTO_LINE_MM = 56.0
NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"

# The lines under the issuing body and under the summary are 1/3 to 1/2 as long
# as the text above them. Their width is estimated from the number of
# characters, which is within that range for the usual names.
CAPS_EM_PER_CHAR = 0.68
TEXT_EM_PER_CHAR = 0.5
SHORT_LINE_RATIO = 0.4

SIGNATURE_LEFT_MM = 80.0
SIGNATURE_RIGHT_MM = TEXT_WIDTH_MM - SIGNATURE_LEFT_MM

# Widths of the data tables' columns, in mm. In a number column narrower than
# VALUE_COLUMN_MM (with TABLE_CELL_PADDING_MM on each side) the longest
# syllables of a form's name in bold 12 pt ("Truyền", 13.4 mm) would break in
# the middle, and so would "1.234.567".
STT_MM = 12.0
UNIT_NAME_MM = 55.0
UNIT_NAME_MIN_MM = 45.0
VALUE_COLUMN_MM = 16.5
TABLE_CELL_PADDING_MM = 1.0

# Characters that XML 1.0 forbids: a pasted free text may contain them, and
# both lxml and openpyxl refuse to write them.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def vietnamese_date(day: datetime.date) -> str:
    """The date as written on a Vietnamese administrative document, e.g. "ngày 05 tháng 8 năm 2024".

    Decree 30 writes days below 10 and the months January and February with a
    leading zero (so that nobody can add a digit to "1" or "2" afterwards), and
    other months without.
    """
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def date_line(place_name: str, day: datetime.date) -> str:
    """The place and date line under the motto, e.g. "Lạng Sơn, ngày 05 tháng 8 năm 2024"."""
    return f"{place_name}, {vietnamese_date(day)}"


def vn_number(value: int) -> str:
    """An integer with "." as the thousands separator, as Vietnamese writes it (1.234)."""
    return f"{value:,}".replace(",", ".")


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


def _clean(text: str) -> str:
    return _ILLEGAL_XML.sub("", text)


# The tables' contents, shared by the Word and the Excel versions.

FORM_MEDIUM_HEADERS = (
    "STT",
    "Hình thức truyền thông",
    "Phương tiện",
    "Đơn vị tính",
    "Số lượt",
    "Số người được tiếp cận",
)


def _used_forms(report: AggregateReport) -> list[tuple[str, str]]:
    """(code, name) of the forms that any unit reported, in catalogue order."""
    used = {code for total in report.by_unit for code, count in total.counts.items() if count}
    return [(code, name) for code, name, _unit in report.forms if code in used]


# Where no unit said how many people were reached: not 0, which would be a figure.
NOT_REPORTED = "Chưa báo cáo"


def _people(value: int | None) -> str | int:
    return NOT_REPORTED if value is None else value


def _form_medium_rows(report: AggregateReport) -> list[tuple[int, str, str, str, int, str | int]]:
    return [
        (index, t.form, t.medium, t.count_unit, t.count, _people(t.people_reached))
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
        [t.count_unit, t.count, _people(t.people_reached)]
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


# Past this many names a list of units in the Word report becomes a count: a
# national report would otherwise list thousands of on-time units over pages.
# The Excel workbook always lists every unit.
MAX_NAMES_IN_TEXT = 60


def _submission_lines(report: AggregateReport) -> list[str]:
    def listed(label: str, names: list[str]) -> str:
        if not names:
            return f"- {label}: Không có."
        if len(names) > MAX_NAMES_IN_TEXT:
            return f"- {label}: {vn_number(len(names))} đơn vị (danh sách chi tiết tại tệp Excel kèm theo)."
        return f"- {label}: {vn_number(len(names))} đơn vị, gồm: {'; '.join(names)}."

    return [
        f"- Số đơn vị phải báo cáo: {vn_number(report.expected)} đơn vị.",
        listed("Gửi báo cáo đúng hạn", report.on_time),
        listed("Gửi báo cáo muộn", report.late),
        listed("Chưa gửi báo cáo", report.missing),
    ]


# Word.


def _mm_twips(mm: float) -> int:
    return round(mm * 1440 / 25.4)


def _set_fonts(rpr: Any) -> None:
    """Times New Roman for every script of a ``w:rPr``, the theme fonts removed.

    python-docx's ``font.name`` sets only the ascii and hAnsi fonts; Word picks
    the eastAsia one for some characters depending on the language settings,
    and a theme attribute (the template has them) wins over a font name.
    """
    fonts = rpr.get_or_add_rFonts()
    for attribute in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attribute}"), None)
    for attribute in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{attribute}"), FONT)


def _setup_styles(doc: DocxDocument) -> str:
    """Fonts, sizes and spacing of the document's styles; returns the table text style's id.

    The styles carry the formatting, so that someone editing the report in
    Word changes the look of a whole table in one place, and the big tables'
    cells need no formatting of their own.
    """
    styles_element = doc.styles.element
    defaults = styles_element.find(qn("w:docDefaults"))
    run_defaults = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(run_defaults)
    # Vietnamese, so that Word checks the spelling in the right language.
    language = run_defaults.find(qn("w:lang"))
    language.set(qn("w:val"), "vi-VN")
    paragraph_defaults = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    paragraph_defaults.set(qn("w:after"), "0")
    paragraph_defaults.set(qn("w:line"), "240")

    # Body text: 14 pt, justified, first line indented, 6 pt between
    # paragraphs, single line spacing (Decree 30, Appendix I, section II.8).
    normal = doc.styles["Normal"]
    _set_fonts(normal.element.get_or_add_rPr())
    normal.font.size = Pt(14)
    normal.font.color.rgb = RGBColor(0, 0, 0)
    body = normal.paragraph_format
    body.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    body.first_line_indent = Mm(12.7)
    body.space_before = Pt(0)
    body.space_after = Pt(6)
    body.line_spacing_rule = WD_LINE_SPACING.SINGLE
    body.widow_control = True

    for name in ("Header", "Footer"):
        style = doc.styles[name]
        _set_fonts(style.element.get_or_add_rPr())
        style.paragraph_format.first_line_indent = Mm(0)
        style.paragraph_format.space_after = Pt(0)

    table_text = doc.styles.add_style("Table Text", WD_STYLE_TYPE.PARAGRAPH)
    table_text.base_style = normal
    table_text.font.size = Pt(12)
    table_text.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    table_text.paragraph_format.first_line_indent = Mm(0)
    table_text.paragraph_format.space_before = Pt(2)
    table_text.paragraph_format.space_after = Pt(2)
    table_text.paragraph_format.widow_control = False
    return table_text.style_id


def _setup_section(section: Section, *, landscape: bool) -> None:
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(PAGE_HEIGHT_MM), Mm(PAGE_WIDTH_MM)
        top, bottom, left, right = LANDSCAPE_MARGINS_MM
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
        top, bottom, left, right = MARGIN_TOP_MM, MARGIN_BOTTOM_MM, MARGIN_LEFT_MM, MARGIN_RIGHT_MM
    section.top_margin, section.bottom_margin = Mm(top), Mm(bottom)
    section.left_margin, section.right_margin = Mm(left), Mm(right)
    section.header_distance = Mm(10)
    section.footer_distance = Mm(10)
    section.gutter = Mm(0)


def _page_numbers(section: Section) -> None:
    """A PAGE field centred in the header, and an empty header on the first page (Decree 30)."""
    section.different_first_page_header_footer = True
    section.first_page_header.is_linked_to_previous = False
    header = section.header
    header.is_linked_to_previous = False
    paragraph = header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER

    def field_run(kind: str | None = None, instruction: str | None = None, text: str | None = None) -> None:
        run = _run(paragraph, text or "", size=13)
        if kind is not None:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        if instruction is not None:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = instruction
            run._r.append(instr)

    # A complex field (begin, instruction, separate, result, end) rather than
    # w:fldSimple, which some editors drop when the document is saved again.
    field_run(kind="begin")
    field_run(instruction=" PAGE ")
    field_run(kind="separate")
    field_run(text="2")
    field_run(kind="end")


def _run(paragraph: Paragraph, text: str, *, size: float, bold: bool = False, italic: bool = False) -> Run:
    run = paragraph.add_run(_clean(text))
    run.font.size = Pt(size)
    if bold:
        run.bold = True
    if italic:
        run.italic = True
    _set_fonts(run._r.get_or_add_rPr())
    return run


@dataclass(frozen=True)
class _Line:
    """One paragraph of the header, title or signature blocks."""

    text: str
    size: float
    bold: bool = False
    italic: bool = False
    before: float = 0
    after: float = 0


def _paragraph(
    container: DocxDocument | _Cell,
    line: _Line,
    *,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.CENTER,
    reuse: bool = False,
    keep_with_next: bool = False,
) -> Paragraph:
    """A paragraph without the body's indent; ``reuse`` fills the empty paragraph a new cell comes with."""
    paragraph = container.paragraphs[0] if reuse else container.add_paragraph()
    paragraph.alignment = align
    fmt = paragraph.paragraph_format
    fmt.first_line_indent = Mm(0)
    fmt.space_before = Pt(line.before)
    fmt.space_after = Pt(line.after)
    if keep_with_next:
        fmt.keep_with_next = True
    if line.text:
        _run(paragraph, line.text, size=line.size, bold=line.bold, italic=line.italic)
    else:
        # An empty paragraph is as tall as its paragraph mark's font.
        mark = paragraph._p.get_or_add_pPr()
        mark_rpr = OxmlElement("w:rPr")
        size = OxmlElement("w:sz")
        size.set(qn("w:val"), str(round(line.size * 2)))
        mark_rpr.append(size)
        mark.append(mark_rpr)
    return paragraph


def _short_line(container: DocxDocument | _Cell, *, width_mm: float, available_mm: float, after: float = 0) -> None:
    """A centred horizontal line ``width_mm`` long, right under the previous paragraph.

    It is the bottom border of an empty paragraph 1 pt high, indented on both
    sides: it stays editable (no drawing object), and it moves with the text.
    """
    paragraph = container.add_paragraph()
    side = max(0.0, (available_mm - width_mm) / 2)
    fmt = paragraph.paragraph_format
    fmt.left_indent = Mm(side)
    fmt.right_indent = Mm(side)
    fmt.first_line_indent = Mm(0)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(after)
    fmt.line_spacing = Pt(1)
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", "6"), ("space", "1"), ("color", "000000")):
        bottom.set(qn(f"w:{key}"), value)
    borders.append(bottom)
    ppr.insert_element_before(borders, "w:shd", "w:tabs", "w:spacing", "w:ind", "w:jc", "w:rPr")
    mark_rpr = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "2")
    mark_rpr.append(size)
    ppr.append(mark_rpr)


def _estimated_width_mm(text: str, size: float, em_per_char: float) -> float:
    return len(text) * em_per_char * size * 25.4 / 72


def _layout_table(doc: DocxDocument, widths_mm: Sequence[float], *, outdent_mm: float = 0) -> Table:
    """A one-row borderless table for the header and signature blocks, with fixed column widths."""
    table = doc.add_table(rows=1, cols=len(widths_mm))
    table.style = None
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    tbl = table._tbl
    for col, width in zip(tbl.tblGrid.gridCol_lst, widths_mm, strict=True):
        col.w = Mm(width)
    for cell, width in zip(table.rows[0].cells, widths_mm, strict=True):
        cell.width = Mm(width)
    tbl_pr = tbl.tblPr
    width = tbl_pr.find(qn("w:tblW"))
    width.set(qn("w:type"), "dxa")
    width.set(qn("w:w"), str(sum(_mm_twips(mm) for mm in widths_mm)))
    # Word rejects a document whose elements are out of the schema's order, so
    # each one goes before the elements that must follow it.
    margins = parse_xml(
        f"<w:tblCellMar {nsdecls('w')}>"
        f'<w:left w:w="{_mm_twips(HEADER_CELL_PADDING_MM)}" w:type="dxa"/>'
        f'<w:right w:w="{_mm_twips(HEADER_CELL_PADDING_MM)}" w:type="dxa"/>'
        "</w:tblCellMar>"
    )
    tbl_pr.insert_element_before(margins, "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange")
    if outdent_mm:
        indent = parse_xml(f'<w:tblInd {nsdecls("w")} w:w="{-_mm_twips(outdent_mm)}" w:type="dxa"/>')
        tbl_pr.insert_element_before(indent, "w:tblBorders", "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook")
    # A block split over two pages would separate the signer's title from the name.
    row_pr = table.rows[0]._tr.get_or_add_trPr()
    row_pr.append(OxmlElement("w:cantSplit"))
    return table


def _header_block(doc: DocxDocument, report: AggregateReport) -> None:
    table = _layout_table(doc, (HEADER_LEFT_MM, HEADER_RIGHT_MM), outdent_mm=HEADER_OUTDENT_MM)
    left, right = table.rows[0].cells
    left_inner = HEADER_LEFT_MM - 2 * HEADER_CELL_PADDING_MM
    right_inner = HEADER_RIGHT_MM - 2 * HEADER_CELL_PADDING_MM

    # The parent body in regular caps, the issuing body itself in bold caps
    # with a short line under it (Decree 30, Appendix I, section II.3).
    lines = [line.upper() for line in report.issuing_body_lines]
    for index, text in enumerate(lines):
        last = index == len(lines) - 1
        _paragraph(left, _Line(text, 13, bold=last), reuse=index == 0)
    if lines:
        text_width = min(_estimated_width_mm(lines[-1], 13, CAPS_EM_PER_CHAR), left_inner)
        _short_line(left, width_mm=max(15.0, text_width * SHORT_LINE_RATIO), available_mm=left_inner, after=6)
    # The number is left blank for the clerk who registers the outgoing document.
    _paragraph(left, _Line(f"Số:{' ' * 6}/{report.document_symbol}", 13), reuse=not lines)

    _paragraph(right, _Line(NATIONAL_NAME, 12, bold=True), reuse=True)
    _paragraph(right, _Line(MOTTO, 13, bold=True))
    _short_line(right, width_mm=MOTTO_LINE_MM, available_mm=right_inner, after=6)
    _paragraph(right, _Line(date_line(report.place_name, report.generated_on), 13, italic=True))


def _title_block(doc: DocxDocument, report: AggregateReport) -> None:
    _paragraph(doc, _Line("BÁO CÁO", 14, bold=True, before=24), keep_with_next=True)
    title = report_title(report)
    _paragraph(doc, _Line(title, 14, bold=True), keep_with_next=True)
    width = min(_estimated_width_mm(title, 14, TEXT_EM_PER_CHAR), TEXT_WIDTH_MM)
    _short_line(doc, width_mm=max(20.0, width * SHORT_LINE_RATIO), available_mm=TEXT_WIDTH_MM, after=18)


def _heading(doc: DocxDocument, text: str) -> None:
    paragraph = doc.add_paragraph()
    paragraph.paragraph_format.keep_with_next = True
    paragraph.paragraph_format.space_before = Pt(6)
    _run(paragraph, text, size=14, bold=True)


def _body(doc: DocxDocument, text: str) -> None:
    paragraph = doc.add_paragraph()
    _run(paragraph, text, size=14)


@dataclass(frozen=True)
class _Column:
    title: str
    width_mm: float
    align: str  # "left", "center" or "right": the values of w:jc.


def _data_table(
    doc: DocxDocument,
    style_id: str,
    columns: Sequence[_Column],
    rows: Iterable[Sequence[str]],
    totals: Sequence[Sequence[str]],
    total_span: int,
) -> None:
    """A bordered table with a repeated bold header row, the rows, and bold "Tổng cộng" rows.

    Each of ``totals`` is a row of values for the columns after the first
    ``total_span`` (which the words "Tổng cộng" span).

    The XML is written as one string and parsed once, which takes a fraction
    of a second for thousands of rows where python-docx's ``add_row`` takes
    minutes. Cells only name the table text style and their alignment.
    """
    widths = [_mm_twips(column.width_mm) for column in columns]
    padding = _mm_twips(TABLE_CELL_PADDING_MM)
    head = (
        f"<w:tbl {nsdecls('w')}><w:tblPr>"
        '<w:tblStyle w:val="TableGrid"/>'
        f'<w:tblW w:w="{sum(widths)}" w:type="dxa"/>'
        '<w:jc w:val="center"/>'
        '<w:tblLayout w:type="fixed"/>'
        f'<w:tblCellMar><w:left w:w="{padding}" w:type="dxa"/><w:right w:w="{padding}" w:type="dxa"/></w:tblCellMar>'
        '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="1" w:firstColumn="0" w:lastColumn="0" '
        'w:noHBand="1" w:noVBand="1"/>'
        "</w:tblPr><w:tblGrid>" + "".join(f'<w:gridCol w:w="{width}"/>' for width in widths) + "</w:tblGrid>"
    )

    def cell_open(width: int, align: str, span: int = 1) -> str:
        grid_span = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
        return (
            f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{grid_span}<w:vAlign w:val="center"/></w:tcPr>'
            f'<w:p><w:pPr><w:pStyle w:val="{style_id}"/><w:jc w:val="{align}"/></w:pPr>'
        )

    def run(text: str, bold: bool) -> str:
        if not text:
            return ""
        properties = "<w:rPr><w:b/><w:bCs/></w:rPr>" if bold else ""
        escaped = _xml_text(text)
        return f'<w:r>{properties}<w:t xml:space="preserve">{escaped}</w:t></w:r>'

    # The header row repeats at the top of every page and, like every row,
    # is never split over two pages.
    parts = [head, "<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>"]
    parts.extend(
        cell_open(width, "center") + run(column.title, True) + "</w:p></w:tc>"
        for column, width in zip(columns, widths, strict=True)
    )
    parts.append("</w:tr>")
    openers = [cell_open(width, column.align) for column, width in zip(columns, widths, strict=True)]
    for row in rows:
        parts.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>")
        parts.extend(opener + run(value, False) + "</w:p></w:tc>" for opener, value in zip(openers, row, strict=True))
        parts.append("</w:tr>")
    for total in totals:
        parts.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>")
        parts.append(
            cell_open(sum(widths[:total_span]), "center", total_span) + run("Tổng cộng", True) + "</w:p></w:tc>"
        )
        parts.extend(
            cell_open(width, column.align) + run(value, True) + "</w:p></w:tc>"
            for column, width, value in zip(columns[total_span:], widths[total_span:], total, strict=True)
        )
        parts.append("</w:tr>")
    parts.append("</w:tbl>")
    tbl = cast("CT_Tbl", parse_xml("".join(parts)))
    doc.element.body._insert_tbl(tbl)


def _xml_text(text: str) -> str:
    text = _clean(text).replace("\r", " ").replace("\n", " ")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _form_medium_section(doc: DocxDocument, report: AggregateReport, style_id: str) -> None:
    _heading(doc, "1. Kết quả theo hình thức và phương tiện truyền thông")
    if not report.by_form_medium:
        _body(doc, "Không có số liệu.")
        return
    columns = [
        _Column(FORM_MEDIUM_HEADERS[0], STT_MM, "center"),
        _Column(FORM_MEDIUM_HEADERS[1], 49, "left"),
        _Column(FORM_MEDIUM_HEADERS[2], 34, "left"),
        _Column(FORM_MEDIUM_HEADERS[3], 22, "center"),
        _Column(FORM_MEDIUM_HEADERS[4], 21, "right"),
        _Column(FORM_MEDIUM_HEADERS[5], 27, "right"),
    ]
    rows = ([_text(value) for value in row] for row in _form_medium_rows(report))
    # One "Tổng cộng" per unit of count: broadcasts and articles do not add up.
    totals = [[_text(value) for value in total] for total in _count_unit_totals(report)]
    _data_table(doc, style_id, columns, rows, totals, total_span=3)


def _unit_columns(names: Sequence[str]) -> tuple[bool, list[_Column]]:
    """The unit table's columns, and whether they need a landscape page.

    Decree 30 lets a document with tables be laid out across the width of the
    page: with more than a few forms the numbers would not fit on a portrait
    page, so the table gets a landscape section of its own.
    """
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
    columns = [_Column("STT", STT_MM, "center"), _Column("Đơn vị", unit_mm, "left")]
    columns += [_Column(name, value_mm, "right") for name in names]
    return landscape, columns


def _new_section(doc: DocxDocument, *, landscape: bool) -> None:
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    _setup_section(section, landscape=landscape)
    # The first page of this section is not the document's first page: it
    # shows its number, taken from the first section's header.
    section.different_first_page_header_footer = False


def _unit_section(doc: DocxDocument, report: AggregateReport, style_id: str) -> None:
    forms = _used_forms(report)
    if not report.by_unit:
        _heading(doc, "2. Kết quả theo đơn vị báo cáo")
        _body(doc, "Không có số liệu.")
        return
    landscape, columns = _unit_columns([name for _code, name in forms])
    if landscape:
        _new_section(doc, landscape=True)
    _heading(doc, "2. Kết quả theo đơn vị báo cáo")
    codes = [code for code, _name in forms]
    rows = (
        [str(values[0]), str(values[1]), *(vn_number(cast(int, value)) for value in values[2:])]
        for values in _unit_rows(report, codes)
    )
    total = [vn_number(value) for value in _unit_totals(report, codes)]
    _data_table(doc, style_id, columns, rows, [total], total_span=2)
    if landscape:
        _new_section(doc, landscape=False)


def _signature_block(doc: DocxDocument, report: AggregateReport) -> None:
    table = _layout_table(doc, (SIGNATURE_LEFT_MM, SIGNATURE_RIGHT_MM))
    left, right = table.rows[0].cells
    left_align = WD_ALIGN_PARAGRAPH.LEFT
    _paragraph(left, _Line("Nơi nhận:", 12, bold=True, italic=True, before=12), align=left_align, reuse=True)
    recipients = [f"- {report.recipient_name};", "- Lưu: VT."]
    for text in recipients:
        _paragraph(left, _Line(text, 11), align=left_align)

    _paragraph(right, _Line(report.signer_title.upper(), 14, bold=True, before=12), reuse=True)
    # Room for the handwritten signature and the seal.
    for _ in range(4):
        _paragraph(right, _Line("", 14))
    _paragraph(right, _Line(report.signer_name, 14, bold=True))


def report_docx(report: AggregateReport) -> bytes:
    """The aggregated report as a Word document laid out per Decree 30/2020/NĐ-CP, Appendix I.

    Sections: results by form and medium, by reporting unit (on a landscape
    page when the forms do not fit across a portrait one), who reported on
    time, late or not at all, and the units' other results; then the
    recipients and the signature. Everything is real text and tables, so the
    office can edit it before signing.
    """
    doc = Document()
    style_id = _setup_styles(doc)
    section = doc.sections[0]
    _setup_section(section, landscape=False)
    _page_numbers(section)
    # The core properties are limited to 255 characters and, like the text,
    # must be free of control characters.
    properties = doc.core_properties
    properties.title = _clean(report_title(report))[:255]
    properties.subject = _clean(report.campaign_name)[:255]
    properties.author = _clean(report.issuing_body_lines[-1])[:255] if report.issuing_body_lines else ""
    properties.last_modified_by = properties.author
    properties.language = "vi-VN"
    moment = datetime.datetime.combine(report.generated_on, datetime.time())
    properties.created = properties.modified = moment
    properties.revision = 1
    properties.comments = ""

    # python-docx's template starts with one empty paragraph; the header
    # table must be the first thing on the page.
    body = doc.element.body
    for paragraph in list(body.iterchildren(qn("w:p"))):
        body.remove(paragraph)

    _header_block(doc, report)
    _title_block(doc, report)
    _body(
        doc,
        f"Thực hiện {report.campaign_name}, trên cơ sở báo cáo của các đơn vị, "
        f"kết quả thực hiện công tác truyền thông {period_text(report)} như sau:",
    )
    _form_medium_section(doc, report, style_id)
    _unit_section(doc, report, style_id)
    _heading(doc, "3. Tình hình gửi báo cáo")
    for line in _submission_lines(report):
        _body(doc, line)
    _heading(doc, "4. Kết quả khác")
    if report.other_results:
        grouped = other_results_by_month(report)
        for month, texts in grouped:
            if report.cumulative:
                _body(doc, f"Tháng {month:%m/%Y}:")
            for units, text in texts:
                # Each line of a unit's text is a paragraph of its own: a line
                # break inside a justified paragraph would stretch the line
                # before it across the page.
                first, *rest = [line.strip() for line in text.splitlines() if line.strip()] or [""]
                _body(doc, f"- {'; '.join(units)}: {first}")
                for line in rest:
                    _body(doc, line)
    else:
        _body(doc, "Không có.")
    _signature_block(doc, report)

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


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
    _xlsx_table(
        by_form,
        title=f"Kết quả theo hình thức và phương tiện truyền thông, {period}",
        headers=FORM_MEDIUM_HEADERS,
        widths=(6, 40, 30, 14, 14, 16),
        rows=_form_medium_rows(report),
        # One "Tổng cộng" per unit of count, never one sum over all.
        totals=[["", "Tổng cộng", "", *total] for total in _count_unit_totals(report)],
    )

    forms = _used_forms(report)
    codes = [code for code, _name in forms]
    by_unit = book.create_sheet(SHEET_BY_UNIT)
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
    statuses = (
        [(name, "Đúng hạn") for name in report.on_time]
        + [(name, "Gửi muộn") for name in report.late]
        + [(name, "Chưa gửi") for name in report.missing]
    )
    _xlsx_table(
        submission,
        title=f"Tình hình gửi báo cáo, {period}",
        headers=("STT", "Đơn vị", "Tình hình"),
        widths=(6, 45, 16, 3, 28, 12),
        rows=([index, name, status] for index, (name, status) in enumerate(statuses, start=1)),
    )
    # The counts sit beside the list, visible without scrolling to its end.
    _put(submission, 2, 5, "Chỉ tiêu", "so_header")
    _put(submission, 2, 6, "Số đơn vị", "so_header")
    summary = [
        ("Phải báo cáo", report.expected),
        ("Đúng hạn", len(report.on_time)),
        ("Gửi muộn", len(report.late)),
        ("Chưa gửi", len(report.missing)),
    ]
    for row, (label, value) in enumerate(summary, start=3):
        _put(submission, row, 5, label, "so_text")
        _put(submission, row, 6, value, "so_number")

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
