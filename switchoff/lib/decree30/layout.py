"""Decree 30/2020/NĐ-CP, Appendix I, as values and texts: what every official document's page shares.

Nothing here depends on a document library: the Word writer (``decree30.word``) and an HTML page
printed to PDF read the same margins, sizes and words, so that two documents of the office look alike.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

FONT = "Times New Roman"

# Section I.1: A4 paper, top and bottom margins 20-25 mm, left 30-35 mm (the binding side) and
# right 15-20 mm; the smallest allowed values leave the most room for the tables.
PAGE_WIDTH_MM = 210.0
PAGE_HEIGHT_MM = 297.0
MARGIN_TOP_MM = 20.0
MARGIN_BOTTOM_MM = 20.0
MARGIN_LEFT_MM = 30.0
MARGIN_RIGHT_MM = 15.0
TEXT_WIDTH_MM = PAGE_WIDTH_MM - MARGIN_LEFT_MM - MARGIN_RIGHT_MM
# Where the page number sits in the top margin, and where the footer would.
HEADER_DISTANCE_MM = 10.0
FOOTER_DISTANCE_MM = 10.0

# A landscape page in a document bound on the left is read turned clockwise, so its binding
# margin is the top one: the portrait margins turn with the page.
LANDSCAPE_MARGINS_MM = (MARGIN_LEFT_MM, MARGIN_RIGHT_MM, MARGIN_BOTTOM_MM, MARGIN_TOP_MM)  # top, bottom, left, right
LANDSCAPE_TEXT_WIDTH_MM = PAGE_HEIGHT_MM - LANDSCAPE_MARGINS_MM[2] - LANDSCAPE_MARGINS_MM[3]

# Sizes in points (section II): the national name 12-13 bold caps, the motto 13-14 bold, the
# issuing body 12-13 caps, the place and date 13-14 italic, the document type 13-14 bold caps,
# the body 13-14, the signer 13-14 bold, the recipients' label 12 bold italic and their list 11.
NATIONAL_NAME_PT = 12
MOTTO_PT = 13
ISSUING_BODY_PT = 13
NUMBER_PT = 13
DATE_LINE_PT = 13
TITLE_PT = 14
BODY_PT = 14
TABLE_PT = 12
SIGNER_PT = 14
RECIPIENTS_LABEL_PT = 12
RECIPIENTS_PT = 11
PAGE_NUMBER_PT = 13
FIRST_LINE_INDENT_MM = 12.7
PARAGRAPH_AFTER_PT = 6

# The header block is wider than the text: "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in bold 12 pt is
# about 90 mm and "ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN" in 13 pt caps about 82 mm, and both should stay
# on one line, as on printed documents. The block reaches 10 mm into the 30 mm left margin and
# 5 mm into the right one to fit them.
HEADER_LEFT_MM = 86.0
HEADER_RIGHT_MM = 94.0
HEADER_OUTDENT_MM = 10.0
HEADER_CELL_PADDING_MM = 0.5

NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
# The line under the motto is as long as the motto ("có độ dài bằng độ dài của dòng chữ"):
# "Độc lập - Tự do - Hạnh phúc" in Times New Roman bold 13 pt measures 12.24 em, 56 mm
# (Liberation Serif has the same metrics).
MOTTO_LINE_MM = 56.0

# The lines under the issuing body and under the summary are 1/3 to 1/2 as long as the text above
# them. Their width is estimated from the number of characters, which is within that range for the
# usual names.
CAPS_EM_PER_CHAR = 0.68
TEXT_EM_PER_CHAR = 0.5
SHORT_LINE_RATIO = 0.4

SIGNATURE_LEFT_MM = 80.0
SIGNATURE_RIGHT_MM = TEXT_WIDTH_MM - SIGNATURE_LEFT_MM
SIGNATURE_SPACE_LINES = 4  # room for the handwritten signature and the seal

RECIPIENTS_LABEL = "Nơi nhận:"
ARCHIVE_LINE = "- Lưu: VT."
NOT_REPORTED = "Chưa báo cáo"  # where a figure was not given: not 0, which would be a figure

# Characters that XML 1.0 forbids: a pasted free text may contain them, and both lxml and
# openpyxl refuse to write them.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: str) -> str:
    """``text`` without the control characters a document cannot hold."""
    return _ILLEGAL_XML.sub("", text)


def vietnamese_date(day: datetime.date) -> str:
    """The date as written on a Vietnamese administrative document, e.g. "ngày 05 tháng 8 năm 2024".

    Decree 30 writes days below 10 and the months January and February with a leading zero (so
    that nobody can add a digit to "1" or "2" afterwards), and other months without.
    """
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def date_line(place_name: str, day: datetime.date) -> str:
    """The place and date line under the motto, e.g. "Lạng Sơn, ngày 05 tháng 8 năm 2024"."""
    return f"{place_name}, {vietnamese_date(day)}"


def number_line(document_symbol: str) -> str:
    """ "Số:      /BC-VHTT": the number is left blank for the clerk who registers the outgoing document."""
    return f"Số:{' ' * 6}/{document_symbol}"


def vn_number(value: int) -> str:
    """An integer with "." as the thousands separator, as Vietnamese writes it (1.234)."""
    return f"{value:,}".replace(",", ".")


def estimated_width_mm(text: str, size: float, em_per_char: float) -> float:
    return len(text) * em_per_char * size * 25.4 / 72


@dataclass(frozen=True)
class Heading:
    """The block at the top of the first page: who issues it (left) and the national name (right)."""

    issuing_body_lines: list[str]  # the parent body first; the last is the issuing body itself, in bold
    document_symbol: str
    place_name: str
    day: datetime.date

    @property
    def date_line(self) -> str:
        return date_line(self.place_name, self.day)

    @property
    def number_line(self) -> str:
        return number_line(self.document_symbol)


@dataclass(frozen=True)
class Signature:
    """The block at the end: the recipients (left) and the signer's position and name (right)."""

    signer_title: str
    signer_name: str
    recipients: list[str] = field(default_factory=list)

    @property
    def recipient_lines(self) -> list[str]:
        """ "- Sở Khoa học và Công nghệ;" for each recipient, then the office's own archive copy."""
        return [f"- {name};" for name in self.recipients] + [ARCHIVE_LINE]
