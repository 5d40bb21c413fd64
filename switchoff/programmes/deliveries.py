"""An operator's list of the phones its stores handed over: read through the shared reader, checked, then written.

Columns are found by their headers (number, IMEI, date, store; in Vietnamese or English, with or without
diacritics). Every problem is named by row and column; a row whose number matches no case of the
campaign in the programme's area is listed as unmatched, never dropped; each matched row goes through
the one delivery service (``services.delivery_from_operator``), so a second delivery to a household,
a 2G-only phone or an empty stock is refused with the same sentence as on the page.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from switchoff.audit.services import log_action
from switchoff.fieldwork.models import Case
from switchoff.lib.phones import parse_subscriber_number
from switchoff.lib.sheets import Aliases, Problem, ReadResult, cell_text, column_letter, find_header, reasons
from switchoff.people.models import User
from switchoff.programmes import bulk, services
from switchoff.programmes.models import Programme

ALIASES = Aliases({
    "number": {"so thue bao", "so dien thoai", "sdt", "so tb", "thue bao", "msisdn", "number", "phone number",
               "so thue bao nhan may", "dien thoai"},
    "imei": {"imei", "so imei", "ma imei", "imei may", "imei 1", "imei1"},
    "day": {"ngay", "ngay giao", "ngay giao may", "ngay ban giao", "ngay nhan", "ngay trao", "date", "delivered on",
            "delivery date"},
    "store": {"cua hang", "diem giao", "dia diem", "cua hang giao", "diem ban", "store", "place", "shop"},
})  # fmt: skip
FIELD_LABELS = {"number": _("number"), "imei": _("IMEI"), "day": _("date"), "store": _("store")}

REASONS = reasons({
    "delivery_no_header": ("error", _("No header naming the number and the date was found in the first rows.")),
    "delivery_number": ("error", _("Not a Vietnamese mobile number.")),
    "delivery_day": ("error", _("Not a date (write it as dd/mm/yyyy).")),
    "delivery_future": ("error", _("The date is in the future.")),
    "delivery_repeated": ("error", _("This number is already on row %(row)s of the file.")),
    "delivery_unmatched": ("error", _("No case of the campaign in the programme's area has this number.")),
    "delivery_refused": ("error", lambda params: str(params["why"])),
})  # fmt: skip


BATCH = 2000  # rows matched and written together


@dataclass(frozen=True)
class DeliveryRow:
    row: int
    e164: str
    imei: str
    day: datetime.date
    store: str
    cells: list[object]


@dataclass
class DeliveryCheck:
    sheet: str = ""
    rows: list[DeliveryRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    columns: dict[str, int] = field(default_factory=dict)


def _day(value: object) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = cell_text(value).strip()
    for pattern in ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def check_deliveries(read: ReadResult) -> DeliveryCheck:
    """Every row of the first sheet read and judged by itself; nothing written."""
    checked = DeliveryCheck()
    if not read.sheets:
        checked.problems.append(Problem("", 0, "", "", "delivery_no_header"))
        return checked
    sheet = read.sheets[0]
    checked.sheet = sheet.name
    header = find_header(sheet.head, ALIASES, needs=("number", "day"))
    if header is None:
        checked.problems.append(Problem(sheet.name, 0, "", "", "delivery_no_header"))
        return checked
    checked.columns = header.columns
    today = timezone.localdate()
    seen: dict[str, int] = {}

    def cell(row: list[object], name: str) -> object:
        column = header.columns.get(name)
        return row[column] if column is not None and column < len(row) else None

    def problem(row_no: int, name: str, value: object, code: str, **params: object) -> Problem:
        column = header.columns.get(name)
        letter = column_letter(column) if column is not None else ""
        return Problem(sheet.name, row_no, letter, cell_text(value)[:100], code, dict(params))

    for index, row in enumerate(sheet.rows()):
        if index <= header.header_row or not any(c not in (None, "") for c in row):
            continue
        row_no = index + 1
        number = parse_subscriber_number(cell(row, "number"))
        if number.e164 is None:
            checked.problems.append(problem(row_no, "number", cell(row, "number"), "delivery_number"))
            continue
        day = _day(cell(row, "day"))
        if day is None:
            checked.problems.append(problem(row_no, "day", cell(row, "day"), "delivery_day"))
            continue
        if day > today:
            checked.problems.append(problem(row_no, "day", cell(row, "day"), "delivery_future"))
            continue
        if number.e164 in seen:
            checked.problems.append(
                problem(row_no, "number", cell(row, "number"), "delivery_repeated", row=seen[number.e164])
            )
            continue
        seen[number.e164] = row_no
        imei = "".join(ch for ch in cell_text(cell(row, "imei")) if not ch.isspace())
        checked.rows.append(
            DeliveryRow(row_no, number.e164, imei[:40], day, cell_text(cell(row, "store")).strip()[:200], list(row))
        )
    return checked


@dataclass
class DeliveryImport:
    delivered: int = 0
    problems: list[Problem] = field(default_factory=list)  # the check's, the unmatched and the refused rows


@transaction.atomic
def deliveries_import(*, actor: User, programme: Programme, checked: DeliveryCheck, file_name: str) -> DeliveryImport:
    """Write the checked rows: matched to their cases, with the same rules and words as one row at a time.

    On PostgreSQL set-based (``bulk.deliveries_write``: a fixed number of statements, whatever the size); elsewhere,
    or when the database's once-per-household constraint fires there (another request delivered to one of the
    households meanwhile), in batches through the delivery service's set-based twin
    (``services.deliveries_from_operator``). All in one transaction: a failure midway leaves nothing written.
    The audit trail gets the import's row, listing the deliveries it recorded."""
    result = DeliveryImport(problems=list(checked.problems))
    number_column = column_letter(checked.columns["number"]) if "number" in checked.columns else ""
    recorded: list[int] = []
    counted: int | None = None
    done = False
    if connection.vendor == "postgresql":
        locked = (
            Programme.objects.select_for_update(of=("self",))
            .select_related("campaign", "area", "owner")
            .get(pk=programme.pk)
        )
        phones = locked.benefit in services.PHONES
        verdicts: dict[str, tuple[str, str]] = {}
        if phones:
            distinct = sorted({r.imei for r in checked.rows if r.imei})
            verdicts = dict(zip(distinct, services.imei_refusals(distinct, locked.campaign), strict=True))
        try:
            with transaction.atomic():
                outcomes = bulk.deliveries_write(
                    actor=actor, programme=locked, rows=[(r.e164, r.imei, r.day, r.store) for r in checked.rows],
                    verdicts=verdicts, phones=phones,
                )  # fmt: skip
        except IntegrityError:
            pass  # a delivery written meanwhile by another request: the batched path names it
        else:
            done = True
            recorded, counted = outcomes.delivered, outcomes.counted
            for row, said in zip(checked.rows, outcomes.said, strict=True):
                if said is None:
                    result.problems.append(
                        Problem(checked.sheet, row.row, number_column, row.e164, "delivery_unmatched")
                    )
                elif said:
                    result.problems.append(
                        Problem(checked.sheet, row.row, "", row.e164, "delivery_refused", {"why": said})
                    )
            result.delivered = len(recorded)
    if not done:
        recorded = _in_batches(actor, programme, checked, number_column, result)
    result.problems.sort(key=lambda p: (p.row, p.column))
    log_action(
        "programmes.deliveries.imported",
        actor=actor,
        obj=programme,
        unit=programme.area,
        data={"programme": programme.name, "file": file_name[:200], "delivered": result.delivered,
              "left": len(result.problems), "deliveries": recorded,
              **({"counted": counted} if counted is not None else {})},
    )  # fmt: skip
    return result


def _in_batches(
    actor: User, programme: Programme, checked: DeliveryCheck, number_column: str, result: DeliveryImport
) -> list[int]:
    """The rows matched in batches of numbers and recorded in batches by ``services.deliveries_from_operator``."""
    cases: dict[str, Case] = {}
    numbers = [r.e164 for r in checked.rows]
    for start in range(0, len(numbers), BATCH):  # one query per batch of numbers
        for number, case in services.cases_by_number(programme, numbers[start : start + BATCH]).items():
            cases.setdefault(number, case)
    matched: list[tuple[DeliveryRow, Case]] = []
    for row in checked.rows:
        found = cases.get(row.e164)
        if found is None:
            result.problems.append(Problem(checked.sheet, row.row, number_column, row.e164, "delivery_unmatched"))
        else:
            matched.append((row, found))
    recorded: list[int] = []
    for start in range(0, len(matched), BATCH):
        batch = matched[start : start + BATCH]
        given = [(case, services.DeliveryInput(delivered_on=r.day, place=r.store, imei=r.imei)) for r, case in batch]
        done = services.deliveries_from_operator(actor=actor, programme=programme, rows=given, source="list")
        for (row, _case), outcome in zip(batch, done, strict=True):
            if isinstance(outcome, str):
                result.problems.append(
                    Problem(checked.sheet, row.row, "", row.e164, "delivery_refused", {"why": outcome})
                )
            else:
                result.delivered += 1
                recorded.append(outcome.pk)
    return recorded
