"""A bulk file of IMEIs: found in the shared reader's sheets, and written back with each verdict."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from switchoff.devices.answers import explain
from switchoff.devices.bulk import REASON_CODES, Classifier
from switchoff.devices.verdicts import Answer, Verdict
from switchoff.lib import xlsx
from switchoff.lib.sheets import HEADER_LOOK, ReadResult, header_words
from switchoff.lib.sheets import cell_text as _text

_IMEI_HEADERS = {"imei", "so imei", "ma imei", "imei number", "imei 1", "imei1"}
# A column of IMEISVs (16 digits: the IMEI's 14 and a software version): read as their IMEIs.
_IMEISV_HEADERS = {"imeisv", "imei sv", "so imeisv", "ma imeisv"}


@dataclass
class BulkTable:
    header: list[object]
    rows: list[list[object]]
    column: int  # of the IMEIs
    imeisv: bool = False  # the column's header says IMEISV


class NoImeiColumn(ValueError):
    @property
    def message(self) -> str:
        return _("No IMEI column was found: name a column “IMEI”, or put the IMEIs in the first column.")


def _looks_like_imei(value: object) -> bool:
    text = _text(value).replace(" ", "")
    return 14 <= len(text) <= 16 and text.isdigit()


def read_bulk(read: ReadResult) -> BulkTable:
    """The first sheet's IMEI column (by its header, else the first column of 15-digit cells) and every row."""
    if not read.sheets:
        raise NoImeiColumn("empty")
    sheet = read.sheets[0]
    for index, row in enumerate(sheet.head[:HEADER_LOOK]):
        for column, cell in enumerate(row):
            words = header_words(str(cell)[:80]) if cell not in (None, "") else ""
            if words in _IMEI_HEADERS or words in _IMEISV_HEADERS:
                table = _table(sheet.rows(), index, column)
                table.imeisv = words in _IMEISV_HEADERS
                return table
    for row in sheet.head[:HEADER_LOOK]:
        for column, cell in enumerate(row):
            if _looks_like_imei(cell):
                return _table(sheet.rows(), -1, column)
    raise NoImeiColumn("column")


def _table(rows: Iterator[list[object]], header_row: int, column: int) -> BulkTable:
    header: list[object] = []
    body: list[list[object]] = []
    for index, row in enumerate(rows):
        if index < header_row:
            continue
        if index == header_row:
            header = list(row)
            continue
        if any(c not in (None, "") for c in row):
            body.append(list(row))
    return BulkTable(header, body, column)


def bulk_imeis(table: BulkTable) -> list[str]:
    return [_text(row[table.column]) if table.column < len(row) else "" for row in table.rows]


def classified_xlsx(table: BulkTable, classifier: Classifier) -> tuple[bytes, dict[str, int]]:
    """The file back with three more columns (verdict, what it means, certified), and the count per verdict."""
    imeis = bulk_imeis(table)
    result = classifier.classify(imeis, imeisv=table.imeisv)
    book = xlsx.new_workbook(write_only=True)
    sheet = book.create_sheet(_("Verdicts"))
    width = max(1, len(table.header), *(len(r) for r in table.rows[:1000]))
    header = [*(table.header or [""] * width), *[""] * (width - len(table.header))]
    if not table.header:
        header[table.column] = "IMEI"
    xlsx.append(sheet, [*header, _("Verdict"), _("What it means"), _("Not on the certified 2G-only list")])
    words: dict[tuple[int, int, bool], tuple[str, str]] = {}
    totals: dict[str, int] = {}
    for i, row in enumerate(table.rows):
        key = (int(result.verdicts[i]), int(result.reasons[i]), bool(result.uncertified[i]))
        verdict = result.verdict(i)
        totals[verdict] = totals.get(verdict, 0) + 1
        if key not in words:
            # Dates are in the classifier's stops: the words for a verdict are the same on every row.
            on = {
                Verdict.STOPS: classifier.stops.g2,
                Verdict.UNTIL_3G: classifier.stops.g3,
            }.get(verdict)
            told = explain(Answer(verdict, on, key[2]), reason=REASON_CODES[key[1]])
            words[key] = (str(verdict.label), told.headline)
        label, headline = words[key]
        cells = [*row, *[None] * (width - len(row))]
        xlsx.append(sheet, [*cells[:width], label, headline, _("yes") if key[2] else ""])
    return xlsx.to_bytes(book), totals
