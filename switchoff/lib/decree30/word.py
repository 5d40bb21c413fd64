"""Decree 30/2020/NĐ-CP's page as a Word document, with python-docx: what every official document reuses.

The values and words come from ``decree30.layout``. The styles carry the formatting, so that someone
editing the document in Word changes the look of a whole table in one place. A national document
has tables of a few thousand rows: python-docx builds rows one element at a time and
``table.add_row()`` re-reads the whole grid on every call, so ``data_table`` writes a table as one
XML string parsed once; the rest, a few dozen paragraphs, uses the ordinary python-docx API.
"""

from __future__ import annotations

import datetime
import io
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

from switchoff.lib.decree30.layout import (
    BODY_PT,
    CAPS_EM_PER_CHAR,
    DATE_LINE_PT,
    FIRST_LINE_INDENT_MM,
    FONT,
    FOOTER_DISTANCE_MM,
    HEADER_CELL_PADDING_MM,
    HEADER_DISTANCE_MM,
    HEADER_LEFT_MM,
    HEADER_OUTDENT_MM,
    HEADER_RIGHT_MM,
    ISSUING_BODY_PT,
    LANDSCAPE_MARGINS_MM,
    MARGIN_BOTTOM_MM,
    MARGIN_LEFT_MM,
    MARGIN_RIGHT_MM,
    MARGIN_TOP_MM,
    MOTTO,
    MOTTO_LINE_MM,
    MOTTO_PT,
    NATIONAL_NAME,
    NATIONAL_NAME_PT,
    NUMBER_PT,
    PAGE_HEIGHT_MM,
    PAGE_NUMBER_PT,
    PAGE_WIDTH_MM,
    PARAGRAPH_AFTER_PT,
    RECIPIENTS_LABEL,
    RECIPIENTS_LABEL_PT,
    RECIPIENTS_PT,
    SHORT_LINE_RATIO,
    SIGNATURE_LEFT_MM,
    SIGNATURE_RIGHT_MM,
    SIGNATURE_SPACE_LINES,
    SIGNER_PT,
    TABLE_PT,
    TEXT_EM_PER_CHAR,
    TEXT_WIDTH_MM,
    TITLE_PT,
    Heading,
    Signature,
    clean,
    estimated_width_mm,
)

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from docx.oxml.table import CT_Tbl
    from docx.section import Section
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph
    from docx.text.run import Run

# Padding inside the cells of the data tables, in mm.
TABLE_CELL_PADDING_MM = 1.0


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
    normal.font.size = Pt(BODY_PT)
    normal.font.color.rgb = RGBColor(0, 0, 0)
    body = normal.paragraph_format
    body.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    body.first_line_indent = Mm(FIRST_LINE_INDENT_MM)
    body.space_before = Pt(0)
    body.space_after = Pt(PARAGRAPH_AFTER_PT)
    body.line_spacing_rule = WD_LINE_SPACING.SINGLE
    body.widow_control = True

    for name in ("Header", "Footer"):
        style = doc.styles[name]
        _set_fonts(style.element.get_or_add_rPr())
        style.paragraph_format.first_line_indent = Mm(0)
        style.paragraph_format.space_after = Pt(0)

    table_text = doc.styles.add_style("Table Text", WD_STYLE_TYPE.PARAGRAPH)
    table_text.base_style = normal
    table_text.font.size = Pt(TABLE_PT)
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
    section.header_distance = Mm(HEADER_DISTANCE_MM)
    section.footer_distance = Mm(FOOTER_DISTANCE_MM)
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
        run = _run(paragraph, text or "", size=PAGE_NUMBER_PT)
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
    run = paragraph.add_run(clean(text))
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


def header_block(doc: DocxDocument, head: Heading) -> None:
    """The issuing body and the number on the left, the national name, motto and date on the right."""
    table = _layout_table(doc, (HEADER_LEFT_MM, HEADER_RIGHT_MM), outdent_mm=HEADER_OUTDENT_MM)
    left, right = table.rows[0].cells
    left_inner = HEADER_LEFT_MM - 2 * HEADER_CELL_PADDING_MM
    right_inner = HEADER_RIGHT_MM - 2 * HEADER_CELL_PADDING_MM

    # The parent body in regular caps, the issuing body itself in bold caps
    # with a short line under it (Decree 30, Appendix I, section II.3).
    lines = [line.upper() for line in head.issuing_body_lines]
    for index, text in enumerate(lines):
        last = index == len(lines) - 1
        _paragraph(left, _Line(text, ISSUING_BODY_PT, bold=last), reuse=index == 0)
    if lines:
        text_width = min(estimated_width_mm(lines[-1], ISSUING_BODY_PT, CAPS_EM_PER_CHAR), left_inner)
        _short_line(left, width_mm=max(15.0, text_width * SHORT_LINE_RATIO), available_mm=left_inner, after=6)
    _paragraph(left, _Line(head.number_line, NUMBER_PT), reuse=not lines)

    _paragraph(right, _Line(NATIONAL_NAME, NATIONAL_NAME_PT, bold=True), reuse=True)
    _paragraph(right, _Line(MOTTO, MOTTO_PT, bold=True))
    _short_line(right, width_mm=MOTTO_LINE_MM, available_mm=right_inner, after=6)
    _paragraph(right, _Line(head.date_line, DATE_LINE_PT, italic=True))


def title_block(doc: DocxDocument, kind: str, summary: str) -> None:
    """The document's type in capitals ("BÁO CÁO") and its summary (trích yếu), with a short line under it."""
    _paragraph(doc, _Line(kind.upper(), TITLE_PT, bold=True, before=24), keep_with_next=True)
    _paragraph(doc, _Line(summary, TITLE_PT, bold=True), keep_with_next=True)
    width = min(estimated_width_mm(summary, TITLE_PT, TEXT_EM_PER_CHAR), TEXT_WIDTH_MM)
    _short_line(doc, width_mm=max(20.0, width * SHORT_LINE_RATIO), available_mm=TEXT_WIDTH_MM, after=18)


def heading(doc: DocxDocument, text: str) -> None:
    paragraph = doc.add_paragraph()
    paragraph.paragraph_format.keep_with_next = True
    paragraph.paragraph_format.space_before = Pt(6)
    _run(paragraph, text, size=BODY_PT, bold=True)


def body(doc: DocxDocument, text: str) -> None:
    paragraph = doc.add_paragraph()
    _run(paragraph, text, size=BODY_PT)


@dataclass(frozen=True)
class Column:
    title: str
    width_mm: float
    align: str  # "left", "center" or "right": the values of w:jc.


def data_table(
    doc: DocxDocument,
    style_id: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[str]],
    totals: Sequence[Sequence[str]],
    total_span: int,
    total_label: str = "Tổng cộng",
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
            cell_open(sum(widths[:total_span]), "center", total_span) + run(total_label, True) + "</w:p></w:tc>"
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
    text = clean(text).replace("\r", " ").replace("\n", " ")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def landscape_section(doc: DocxDocument, *, landscape: bool) -> None:
    """Start a new page in landscape (a wide table) or back in portrait; page numbers carry on."""
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    _setup_section(section, landscape=landscape)
    # The first page of this section is not the document's first page: it
    # shows its number, taken from the first section's header.
    section.different_first_page_header_footer = False


def signature_block(doc: DocxDocument, signature: Signature) -> None:
    """ "Nơi nhận:" and the recipients on the left, the signer's position, room to sign and the name on the right."""
    table = _layout_table(doc, (SIGNATURE_LEFT_MM, SIGNATURE_RIGHT_MM))
    left, right = table.rows[0].cells
    left_align = WD_ALIGN_PARAGRAPH.LEFT
    _paragraph(
        left,
        _Line(RECIPIENTS_LABEL, RECIPIENTS_LABEL_PT, bold=True, italic=True, before=12),
        align=left_align,
        reuse=True,
    )
    for text in signature.recipient_lines:
        _paragraph(left, _Line(text, RECIPIENTS_PT), align=left_align)

    _paragraph(right, _Line(signature.signer_title.upper(), SIGNER_PT, bold=True, before=12), reuse=True)
    for _ in range(SIGNATURE_SPACE_LINES):
        _paragraph(right, _Line("", SIGNER_PT))
    _paragraph(right, _Line(signature.signer_name, SIGNER_PT, bold=True))


def new_document(*, title: str, subject: str, author: str, day: datetime.date) -> tuple[DocxDocument, str]:
    """An empty A4 document with Decree 30's styles, margins and page numbers; returns it and the table text style.

    The core properties are limited to 255 characters and, like the text, must be free of control characters.
    """
    doc = Document()
    style_id = _setup_styles(doc)
    section = doc.sections[0]
    _setup_section(section, landscape=False)
    _page_numbers(section)
    properties = doc.core_properties
    properties.title = clean(title)[:255]
    properties.subject = clean(subject)[:255]
    properties.author = clean(author)[:255]
    properties.last_modified_by = properties.author
    properties.language = "vi-VN"
    moment = datetime.datetime.combine(day, datetime.time())
    properties.created = properties.modified = moment
    properties.revision = 1
    properties.comments = ""
    # python-docx's template starts with one empty paragraph; the header
    # table must be the first thing on the page.
    body = doc.element.body
    for paragraph in list(body.iterchildren(qn("w:p"))):
        body.remove(paragraph)
    return doc, style_id


def to_bytes(doc: DocxDocument) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
