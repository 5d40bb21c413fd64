"""The registry as an Excel file, the way ward offices work: a title, a frozen header, readable columns."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.styles import Font

from switchoff.lib import xlsx
from switchoff.lib.phones import display_phone, mask_phone
from switchoff.subscribers.models import Subscriber
from switchoff.units.models import Unit


def registry_xlsx(unit: Unit, rows: Sequence[Subscriber], *, full: bool) -> bytes:
    book = xlsx.new_workbook(write_only=True)
    sheet = book.create_sheet(str(_("Subscribers"))[:31])
    sheet.freeze_panes = "A4"
    # Printed as ward offices print it: landscape, all columns on the page width, the header on every page.
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = "9"  # A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.print_title_rows = "3:3"
    for column, width in zip("ABCDEFGHIJK", (6, 16, 26, 34, 24, 20, 16, 20, 22, 18, 20), strict=True):
        sheet.column_dimensions[column].width = width
    bold = Font(bold=True)
    title = xlsx.write_only_cell(sheet, _("2G-only subscribers — %(unit)s") % {"unit": unit.name})
    title.font = Font(bold=True, size=14)
    xlsx.append(sheet, [title])
    note = _("Exported on %(date)s; full numbers: %(full)s.") % {
        "date": timezone.localdate().strftime("%d/%m/%Y"),
        "full": _("yes") if full else _("no (masked)"),
    }
    xlsx.append(sheet, [note])
    header = [
        _("No."), _("Number"), _("Full name"), _("Address"), _("Unit"), _("Operator"), _("Device"),
        _("Phone (from the IMEI)"), _("Status"), _("First listed"), _("Left the list on"),
    ]  # fmt: skip
    cells = []
    for text in header:
        cell = xlsx.write_only_cell(sheet, str(text))
        cell.font = bold
        cells.append(cell)
    xlsx.append(sheet, cells)
    for number, s in enumerate(rows, start=1):
        xlsx.append(
            sheet,
            [
                number,
                display_phone(s.msisdn) if full else mask_phone(s.msisdn),
                s.name,
                s.address,
                s.unit.name if s.unit else str(_("not assigned")),
                s.operator.name,
                s.device,
                s.get_device_class_display(),
                s.get_status_display(),
                s.first_seen.strftime("%d/%m/%Y"),
                s.left_on.strftime("%d/%m/%Y") if s.left_on else "",
            ],
        )
    return xlsx.to_bytes(book)
