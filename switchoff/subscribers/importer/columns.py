"""The registry's columns: which column of an operator's list holds which field.

The header is found by the shared reader (``lib.sheets.find_header``) from this
table of aliases; where no header names the number or the name column, a column
is proposed from its content (phone numbers; Vietnamese personal names).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from switchoff.lib.sheets import Aliases, Header, find_header
from switchoff.lib.text import fold

FIELDS = ("msisdn", "name", "address", "village", "commune", "district", "imei", "device")

# One table of header aliases per field, matched on folded words: "Thôn/Khối", "thon - khoi"
# and "THÔN, KHỐI" are all "thon khoi" (see ``header_words``).
ALIASES = Aliases({
    "msisdn": {
        "so thue bao", "sdt", "so dien thoai", "msisdn", "so tb", "thue bao", "isdn", "phone", "phone number",
        "so may", "dien thoai", "so thue bao di dong", "so dt", "so dtdd", "mobile", "mobile number", "subscriber",
        "so isdn", "thue bao isdn",
    },
    "name": {
        "ho va ten", "ho ten", "ten khach hang", "ten thue bao", "ten chu thue bao", "name", "full name", "customer",
        "ho va ten chu thue bao", "ho ten chu thue bao", "customer name", "subscriber name", "ten kh", "ho ten kh",
        "ho va ten khach hang", "ho ten khach hang", "chu thue bao", "ten chu tb", "ten",
    },
    "address": {
        "dia chi", "address", "dia chi lien he", "dia chi thuong tru", "dia chi khach hang", "dia chi cu tru",
        "noi o", "noi o hien nay", "dia chi thue bao", "dia chi lap dat",
    },
    "village": {
        "thon to", "thon", "to", "khoi", "village", "thon ban to dan pho", "to dan pho", "thon xom", "thon khoi",
        "khoi to", "ban", "xom", "thon ban", "to khoi", "khoi thon", "ap", "khu pho", "tdp",
    },
    "commune": {
        "phuong xa", "xa phuong", "xa", "phuong", "commune", "ward", "xa phuong thi tran", "phuong xa thi tran",
    },
    "district": {"huyen", "quan huyen", "huyen thanh pho", "district", "huyen tp", "quan", "huyen thi xa thanh pho"},
    "imei": {"imei", "so imei", "ma imei"},
    "device": {"loai may", "model", "ten may", "device", "thiet bi", "dong may", "loai thiet bi"},
})  # fmt: skip

# Family names (folded) that open most Vietnamese personal names: a column of them is a column of names.
_FAMILIES = (
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Nông Lương Vi Hà Triệu Lăng Chu Lò "
    "Đinh Mã Mai Đào Lưu Tô Hứa Lục Ma Sầm Đàm Phùng Lâm Tạ Trương Cao Quách Thân Tăng Vy La Hoàng Lộc Hầu Giàng "
    "Thào Mạc Văn Đoàn Kiều Khổng Tống Trịnh Lã Hán Chẩu Hoàng Bế Đàm Tằng Linh Nhữ Âu Thái Từ Quan Diệp Kim"
)
FAMILY_NAMES = frozenset(fold(name) for name in _FAMILIES.split())
SAMPLE_ROWS = 20
CONTENT_SHARE = 0.6  # of a column's filled cells below the header that must look like its field


def _looks_like_phone(cell: object) -> bool:
    from switchoff.lib.phones import parse_subscriber_number

    if cell is None or cell == "" or isinstance(cell, bool):
        return False
    if isinstance(cell, str) and sum(ch.isdigit() for ch in cell) < 9:
        return False
    return parse_subscriber_number(cell).e164 is not None


def _looks_like_name(cell: object) -> bool:
    if not isinstance(cell, str):
        return False
    words = fold(cell).split()
    return 2 <= len(words) <= 6 and words[0] in FAMILY_NAMES and all(word.isalpha() for word in words)


def _content_column(rows: list[list[object]], looks: Callable[[object], bool], taken: set[int]) -> int | None:
    """The first column not taken whose filled cells mostly look like the field."""
    width = max((len(row) for row in rows), default=0)
    for column in range(width):
        if column in taken:
            continue
        cells = [row[column] for row in rows if column < len(row) and row[column] not in (None, "")]
        if len(cells) >= 1 and sum(map(looks, cells)) >= CONTENT_SHARE * len(cells):
            return column
    return None


def _header_by_content(rows: list[list[object]], look: int) -> int | None:
    """The header row above rows whose cells are phone numbers, when no header names the number column."""
    for index, row in enumerate(rows[:look]):
        if sum(1 for cell in row if cell not in (None, "")) < 2 or any(_looks_like_phone(cell) for cell in row):
            continue
        below = rows[index + 1 : index + 1 + SAMPLE_ROWS]
        column = _content_column(below, _looks_like_phone, set())
        if column is not None and column < len(row) and row[column] not in (None, ""):
            return index
    return None


@dataclass
class Mapping(Header):
    """The header found, and the fields whose column was proposed from its cells (``from_content``)."""

    from_content: list[str] = field(default_factory=list)


def propose_mapping(rows: list[list[object]], *, look: int = 25) -> Mapping | None:
    """The header row with a number column, and the fields found in it (and in a sub-header below).

    Where no header names the number or the name column, a column is proposed from its content
    (phone numbers; Vietnamese personal names), and listed in ``Mapping.from_content``.
    """
    found = find_header(rows, ALIASES, needs=("msisdn",), look=look)
    if found is None:
        index = _header_by_content(rows, look)
        if index is None:
            return None
        best = Mapping(index, ALIASES.columns(rows[index]), [str(c or "") for c in rows[index]])
    else:
        best = Mapping(found.header_row, found.columns, found.headers)
    below = rows[best.header_row + 1 : best.header_row + 1 + SAMPLE_ROWS]
    for name, looks in (("msisdn", _looks_like_phone), ("name", _looks_like_name)):
        if name not in best.columns:
            column = _content_column(below, looks, set(best.columns.values()))
            if column is not None:
                best.columns[name] = column
                best.from_content.append(name)
    return best
