"""What a check of a list finds in a row: its problem codes with their level and sentence, the rejected-rows file.

A problem is the shared ``lib.sheets.Problem``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy as _

from switchoff.lib.sheets import Problem, reasons

# Problem codes, their level, and the sentence a person reads.
REASONS: dict[str, tuple[str, Any]] = reasons({
    "number_empty": ("error", _("The number is empty.")),
    "number_not_a_number": ("error", _("The number contains letters or signs.")),
    "number_invalid": ("error", _("Not a valid Vietnamese mobile number.")),
    "number_duplicate": ("error", _("The same number is on an earlier row of this file (row %(row)s).")),
    "number_legacy": ("warning", _("An 11-digit number from before 2018, converted to %(number)s.")),
    "number_other_carrier": (
        "warning",
        _("The prefix belongs to %(carrier)s; kept as a subscriber of the operator that sent the list."),
    ),
    "number_other_operator": ("warning", _("This number is also on the list of %(operator)s.")),
    "imei_invalid": ("warning", _("Not a valid IMEI (15 digits with a check digit); the IMEI was left out.")),
    "address_unresolved": (
        "warning",
        _("The address was not recognised; the subscriber is kept for a person to assign."),
    ),
    "address_ambiguous": (
        "warning",
        _("The address matches several units (%(units)s); the subscriber is kept for a person to choose one."),
    ),
    "address_no_province": (
        "error",
        _("A list for the whole country: the address names no province, so the row belongs to no province's "
          "list. Add the province to the address."),
    ),
    "address_province_ambiguous": (
        "error",
        _("A list for the whole country: the address names more than one province. Correct the address."),
    ),
    "address_partial": (
        "warning",
        _("Placed in %(unit)s by a partial match of the address's words (a market or a place named after it?): "
          "a person should confirm it."),
    ),
})  # fmt: skip


class _Particulars(dict[str, str]):
    """Fills any %(name)s of a reason with an ellipsis: the reason in general, for the summary."""

    def __missing__(self, key: str) -> str:
        return "…"


def reasons_of(codes: dict[str, int]) -> list[tuple[str, str, int]]:
    """(level, reason without its particulars, count) of problem counts by code, errors first, then by count.

    Equal counts keep the order of ``REASONS``: the counts may come back from a JSON column whose keys
    PostgreSQL (jsonb) does not keep in their order.
    """
    order = {code: i for i, code in enumerate(REASONS)}
    used = sorted((c for c, n in codes.items() if n), key=lambda c: (REASONS[c][0] != "error", -codes[c], order[c]))
    return [(REASONS[c][0], (str(REASONS[c][1]) % _Particulars()).rstrip("."), codes[c]) for c in used]


class Refused(ValueError):
    """The person chose to refuse the whole file if any row has an error, and one has."""


def rejected_rows_xlsx(errors: Iterable[Problem]) -> bytes:
    """The rows that will not be imported (``errors``), as they were, with the reason in a last column."""
    from openpyxl.styles import Font

    from switchoff.lib import xlsx

    book = xlsx.new_workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = str(_("Rejected rows"))[:31]
    bold = Font(bold=True)
    xlsx.append(sheet, [str(_("Sheet")), str(_("Row")), str(_("Column")), str(_("Reason")), str(_("Original row"))])
    for cell in sheet[1]:
        cell.font = bold
    for problem in errors:
        original = problem.cells or []
        xlsx.append(sheet, [problem.sheet, problem.row, problem.column, problem.reason, *original])
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCD", (14, 8, 8, 60), strict=True):
        sheet.column_dimensions[column].width = width
    return xlsx.to_bytes(book)
