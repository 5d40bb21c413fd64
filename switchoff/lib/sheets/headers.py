"""Finding a table's header row and which column holds which field, from an import's table of aliases.

Headers are matched on folded words (``header_words``): "Thôn/Khối", "thon - khoi" and "THÔN, KHỐI"
are all "thon khoi". ``find_header`` looks below any title rows and across a two-row merged header
("Địa chỉ" above "Thôn/Tổ | Phường/Xã"); ``row_label`` tells a totals row and the signature block or
notes under a table, which are not data.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from switchoff.lib.text import fold

HEADER_LOOK = 25  # rows from the top where a header is looked for
HEADER_CHARS = 200  # no header is longer: a longer cell is data


@functools.lru_cache(maxsize=4096)
def header_words(text: str) -> str:
    """A header as folded words: signs between the words and a note in brackets dropped ("Thôn/Khối (*)")."""
    folded = fold(text)
    folded = re.sub(r"\([^)]*\)", " ", folded)
    return " ".join(re.split(r"[^0-9a-z]+", folded)).strip()


class Aliases:
    """One import's table of header aliases: each field with the folded words of the headers that name it."""

    def __init__(self, table: Mapping[str, set[str]]) -> None:
        self.table = dict(table)
        self.fields = tuple(table)
        self._field_of_words: dict[str, str] = {}
        for name, aliases in table.items():
            for alias in aliases:
                other = self._field_of_words.setdefault(alias, name)
                assert other == name, f"the header {alias!r} names both {other} and {name}"

    def field_of(self, cell: object, remembered: Mapping[str, str] | None = None) -> str | None:
        """The field a header cell names; ``remembered`` (folded words → field, a person's earlier choice) wins."""
        if cell is None or cell == "":
            return None
        words = header_words(str(cell)[:HEADER_CHARS])
        return (remembered.get(words) if remembered else None) or self._field_of_words.get(words)

    def columns(self, row: Sequence[object], remembered: Mapping[str, str] | None = None) -> dict[str, int]:
        """The column (0-based) of each field a row's cells name, the first where two name the same."""
        columns: dict[str, int] = {}
        for column, cell in enumerate(row):
            name = self.field_of(cell, remembered)
            if name and name not in columns:
                columns[name] = column
        return columns


@dataclass
class Header:
    """Where a table's header is and which column (0-based) holds each field."""

    header_row: int  # 0-based index of the last header row; data starts below it
    columns: dict[str, int] = field(default_factory=dict)
    headers: list[str] = field(default_factory=list)

    def missing(self, needs: Sequence[str]) -> list[str]:
        return [name for name in needs if name not in self.columns]


def headers_of(row: Sequence[object]) -> list[str]:
    return [str(cell or "") for cell in row]


def header_rows(
    rows: Sequence[Sequence[object]],
    aliases: Aliases,
    *,
    look: int = HEADER_LOOK,
    remembered: Mapping[str, str] | None = None,
) -> list[Header]:
    """Each of the first ``look`` rows read as a header (the fields its cells name)."""
    return [Header(index, aliases.columns(row, remembered), headers_of(row)) for index, row in enumerate(rows[:look])]


def find_header(
    rows: Sequence[Sequence[object]],
    aliases: Aliases,
    *,
    needs: Sequence[str] = (),
    look: int = HEADER_LOOK,
    remembered: Mapping[str, str] | None = None,
) -> Header | None:
    """The header among the first ``look`` rows: the one naming every field of ``needs`` and the most fields.

    Title rows above it name no field (or fewer). Where the row below names other fields and
    holds no number, the two are a merged two-row header ("Địa chỉ" above "Thôn/Tổ | Phường/Xã
    | Huyện", "Kết quả" above "Số lượt | Số người"): the sub-headers win over the group header
    above them, and the data starts below the second row.
    """
    candidates = header_rows(rows, aliases, look=look + 1, remembered=remembered)
    best: Header | None = None
    for index, candidate in enumerate(candidates[:look]):
        below = candidates[index + 1] if index + 1 < len(candidates) else None
        if (
            below is not None
            and set(below.columns) - set(candidate.columns)
            and not any(map(_is_data, rows[index + 1]))
        ):
            candidate = _merged(candidate, below)
        complete = candidate.columns and not candidate.missing(needs)
        if complete and (best is None or len(candidate.columns) > len(best.columns)):
            best = candidate
    return best


def _merged(top: Header, below: Header) -> Header:
    """A two-row header as one: the sub-headers, and the headers above that stand alone."""
    taken = set(below.columns.values())
    columns = {
        name: column for name, column in top.columns.items() if name not in below.columns and column not in taken
    }
    headers = [a or (below.headers[i] if i < len(below.headers) else "") for i, a in enumerate(top.headers)]
    return Header(below.header_row, {**columns, **below.columns}, headers + below.headers[len(headers) :])


def _is_data(cell: object) -> bool:
    """A number, or digits written with spaces or signs (a phone number, a code): data, never a header."""
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return True
    if not isinstance(cell, str):
        return False
    digits = cell.translate(_NUMBER_SIGNS)
    return digits.isdigit() and len(digits) * 2 > len(cell.strip())


_NUMBER_SIGNS = str.maketrans("", "", " .,+-/()")


# Rows that are not data: a totals row (its label in any cell, whatever the number cell holds), and
# the signature block or notes under the table. Folded labels, each followed in its cell by nothing,
# a colon, a number or a parenthesis.
TOTAL_LABELS = ("tong cong", "tong so", "tong", "cong", "total", "grand total")
FOOTER_LABELS = (
    "nguoi lap bieu", "nguoi lap", "nguoi ky", "nguoi duyet", "ghi chu", "luu y", "chu thich", "ky ghi ro ho ten",
    "ky va ghi ro ho ten", "ky ten", "thu truong don vi", "giam doc", "truong phong", "xac nhan cua", "prepared by",
    "note", "notes",
)  # fmt: skip
_LABEL = re.compile(
    rf"^\W*(?:(?P<total>{'|'.join(TOTAL_LABELS)})(?:\s+so)?(?:\s+thue bao)?|(?P<footer>{'|'.join(FOOTER_LABELS)}))"
    r"(?:$|\s*[:()\d]|\s+\d)"
)


@functools.lru_cache(maxsize=4096)
def _label_of(text: str) -> str:
    match = _LABEL.match(fold(text).replace(",", ""))
    if match is None:
        return ""
    return "total" if match.group("total") else "footer"


def row_label(cells: Sequence[object]) -> str:
    """ "total" for a totals row, "footer" for a signature or a note under the table, else "".

    A footer label counts only in a row of a few cells: a data row may have a notes column.
    """
    filled = [cell for cell in cells if cell is not None and cell != ""]
    for cell in filled:
        if cell.__class__ is str:
            label = _label_of(cell)
            if label == "total" or (label == "footer" and len(filled) <= 3):
                return label
    return ""
