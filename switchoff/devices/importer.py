"""Importing a device table in two phases: ``check_table`` reports every bad row and writes nothing,
``services.devices_import`` writes the good rows in bulk.

Tables come as the GSMA exports them (pipe-separated, "TAC|Marketing Name|…|Bands|…|Radio Interface|
Brand Name|Model Name|…|Device Type"), as operators rework them (2G/3G/4G/5G columns with Yes/No, a
VoLTE column from their own tests) or with Vietnamese headers; the shared reader reads the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from switchoff.devices.radio import Radio, bands_bits, yes_no
from switchoff.lib.sheets import Aliases, Problem, ReadResult, cell_at, column_letter, errors_of, find_header, reasons
from switchoff.lib.sheets import cell_text as _text
from switchoff.lib.text import fold

# One table of header aliases per field, matched on folded words (``lib.sheets.header_words``).
ALIASES = Aliases({
    "tac": {"tac", "ma tac", "tac code", "so tac", "type allocation code"},
    "brand": {"brand name", "brand", "hang", "nhan hieu", "thuong hieu", "hang may"},
    "manufacturer": {"manufacturer", "hang san xuat", "nha san xuat", "manufacturer name"},
    "model": {"model name", "model", "ten model", "mau may", "kieu may", "ten may", "dong may", "model may"},
    "marketing_name": {"marketing name", "ten thuong mai", "ten thuong mai thiet bi", "internal model name"},
    "bands": {"bands", "bang tan", "cac bang tan", "band"},
    "radio_interface": {"radio interface", "giao dien vo tuyen", "cong nghe", "cong nghe ho tro", "radio"},
    "g2": {"2g", "gsm", "ho tro 2g"},
    "g3": {"3g", "umts", "wcdma", "ho tro 3g"},
    "g4": {"4g", "lte", "ho tro 4g"},
    "g5": {"5g", "nr", "ho tro 5g"},
    "volte": {"volte", "ho tro volte", "volte supported", "voice over lte"},
    "device_type": {"device type", "loai thiet bi", "loai may", "type"},
    "certified": {
        "certified 2g only", "certified", "chung nhan", "hop chuan", "da chung nhan", "chung nhan 2g",
        "danh sach chung nhan", "may 2g duoc chung nhan", "certified 2g",
    },
})  # fmt: skip
FIELDS = ALIASES.fields
FIELD_LABELS: dict[str, Any] = {
    "tac": _("TAC"),
    "brand": _("Brand"),
    "manufacturer": _("Manufacturer"),
    "model": _("Model"),
    "marketing_name": _("Marketing name"),
    "bands": _("Bands"),
    "radio_interface": _("Radio interface"),
    "g2": "2G",
    "g3": "3G",
    "g4": "4G",
    "g5": "5G",
    "volte": "VoLTE",
    "device_type": _("Device type"),
    "certified": _("Certified 2G-only"),
}
_YES_BITS = {"g2": Radio.GSM, "g3": Radio.UMTS, "g4": Radio.LTE, "g5": Radio.NR, "volte": Radio.VOLTE}
# Internal model names are the second choice for the model (after "Model Name" and the marketing name).
_MODEL_CHOICE = ("model", "marketing_name")
_BRAND_CHOICE = ("brand", "manufacturer")

# Problems by code: level and message (row and column are shown beside it).
REASONS = reasons({
    "tac_invalid": ("error", _("The TAC must be 8 digits (the first 8 digits of the IMEI).")),
    "tac_repeated": ("error", _("This TAC is already on row %(row)s of the file; the row was left out.")),
    "no_radio": (
        "warning",
        _("No known radio technology (GSM, WCDMA, LTE, NR…) in this row: the model will show as not known."),
    ),
    "yes_no": ("warning", _("Neither yes nor no: read as no.")),
})  # fmt: skip


@dataclass(frozen=True)
class DeviceRow:
    tac: str
    brand: str
    model: str
    radio: int
    device_type: str
    certified_2g_only: bool | None


@dataclass
class CheckedTable:
    rows_read: int = 0
    rows: list[DeviceRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    columns: dict[str, int] = field(default_factory=dict)
    headers: list[str] = field(default_factory=list)
    header_row: int = -1  # 0-based; -1 when no header names a TAC column

    @property
    def errors(self) -> int:
        return errors_of(self.problems)

    @property
    def warnings(self) -> int:
        return len(self.problems) - self.errors


class NoTacColumn(ValueError):
    """No header row names a TAC column."""

    @property
    def message(self) -> str:
        return str(_("No column named TAC was found in the first rows of the file."))


def _tac(value: object) -> str:
    text = _text(value).replace(" ", "")
    # A workbook keeps a TAC as a number and loses its leading zeros.
    if text.isdigit() and len(text) < 8 and isinstance(value, int | float):
        text = text.zfill(8)
    return text


def check_table(read: ReadResult, *, columns: dict[str, int] | None = None) -> CheckedTable:
    """Every row of the first sheet with a TAC header, checked; nothing is written."""
    checked = CheckedTable()
    sheet = None
    for candidate in read.sheets:
        found = find_header(candidate.head, ALIASES, needs=("tac",))
        if found is not None:
            sheet, checked.header_row, checked.columns = candidate, found.header_row, found.columns
            checked.headers = [_text(c) for c in candidate.head[checked.header_row]]
            break
    if columns is not None:
        sheet = sheet or (read.sheets[0] if read.sheets else None)
        checked.columns = {k: v for k, v in columns.items() if k in ALIASES.table}
        checked.header_row = max(checked.header_row, 0)
    if sheet is None or "tac" not in checked.columns:
        raise NoTacColumn("tac")
    if not checked.headers:
        checked.headers = [_text(c) for c in sheet.head[checked.header_row]] if sheet.head else []
    seen: dict[str, int] = {}
    for index, cells in enumerate(sheet.rows()):
        if index <= checked.header_row or not any(c not in (None, "") for c in cells):
            continue
        checked.rows_read += 1
        _check_row(checked, sheet.name, index + 1, cells, seen)
    return checked


def _check_row(checked: CheckedTable, sheet: str, row_number: int, cells: list[object], seen: dict[str, int]) -> None:
    cols = checked.columns

    def cell(name: str) -> object:
        return cell_at(cells, cols.get(name))

    def add(name: str, value: object, code: str, **params: Any) -> None:
        letter = column_letter(cols[name]) if name in cols else ""
        checked.problems.append(Problem(sheet, row_number, letter, _text(value)[:80], code, params))

    tac = _tac(cell("tac"))
    if len(tac) != 8 or not tac.isascii() or not tac.isdigit():
        add("tac", cell("tac"), "tac_invalid")
        return
    if tac in seen:
        add("tac", tac, "tac_repeated", row=seen[tac])
        return
    seen[tac] = row_number
    bits = bands_bits(_text(cell("bands"))) | bands_bits(_text(cell("radio_interface")))
    for name, bit in _YES_BITS.items():
        if name not in cols:
            continue
        value = cell(name)
        answer = yes_no(value)
        if answer is None:
            # A "2G/3G/4G" column may hold the technology's name ("LTE", "WCDMA") rather than Yes/No.
            named = bands_bits(_text(value))
            if named:
                bits |= named
            else:
                add(name, value, "yes_no")
        elif answer:
            bits |= bit
    if not bits & (Radio.GSM | Radio.UMTS | Radio.LTE | Radio.NR):
        add("tac", tac, "no_radio")
    # Without a certification column (a GSMA export) the table says nothing of it: unknown, not "no".
    certified = yes_no(cell("certified")) if "certified" in cols else None
    if certified is None and "certified" in cols:
        add("certified", cell("certified"), "yes_no")
    brand = next((_text(cell(n)) for n in _BRAND_CHOICE if _text(cell(n))), "")
    model = next((_text(cell(n)) for n in _MODEL_CHOICE if _text(cell(n))), "")
    checked.rows.append(DeviceRow(tac, brand[:120], model[:200], bits, _text(cell("device_type"))[:60], certified))


def search_name(brand: str, model: str) -> str:
    return fold(f"{brand} {model}")[:330]
