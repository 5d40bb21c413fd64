"""Importing an operator's list in two phases.

``check_list`` reads and validates every row and writes nothing: it returns
the good rows, and every problem with its sheet, row, column, value and
reason. ``apply_list`` then writes the snapshot in one transaction, so a crash
(or a worker killed midway) leaves the registry exactly as it was, and running
it again completes it. The same content for the same operator and area is
recognised and changes nothing.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openpyxl.utils import get_column_letter
from stdnum import imei as stdnum_imei
from vietnamadminunits import ParseMode, parse_address

from switchoff.audit.services import log_action
from switchoff.lib.bulk import bulk_insert
from switchoff.lib.phones import parse_subscriber_number
from switchoff.lib.text import fold
from switchoff.subscribers.models import Subscriber, SubscriberEvent, SubscriberList, UnitCount
from switchoff.subscribers.reader import Mapping, ReadResult, propose_mapping
from switchoff.units.models import Unit, UnitKind

# Problem codes, their level, and the sentence a person reads.
REASONS: dict[str, tuple[str, Any]] = {
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
}  # fmt: skip

OPERATOR_CARRIERS = {"viettel": "Viettel", "vnpt": "Vinaphone", "vinaphone": "Vinaphone", "mobifone": "MobiFone",
                     "vietnamobile": "Vietnamobile", "gmobile": "G-Mobile"}  # fmt: skip
SUBSCRIBER_COLUMNS = (
    "operator_id", "msisdn", "msisdn_original", "name", "search_name", "address", "unit_id",
    "list_area_id", "imei", "device", "status", "first_seen", "last_listed", "left_on",
)  # fmt: skip
EVENT_COLUMNS = ("subscriber_id", "source_id", "kind", "as_of", "data")


@functools.lru_cache(maxsize=65536)
def _fold_name(name: str) -> str:
    return fold(name)


TOTAL_WORDS = {"tong", "tong cong", "cong", "total"}
DISTRICT_WORDS = ("huyen ", "quan ", "thi xa ", "thanh pho ", "tp ", "tp.")


@dataclass
class Problem:
    sheet: str
    row: int  # 1-based, as Excel shows it
    column: str
    value: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def level(self) -> str:
        return REASONS[self.code][0]

    @property
    def reason(self) -> str:
        return str(REASONS[self.code][1]) % self.params


@dataclass
class Row:
    sheet: str
    row: int
    msisdn: str
    original: str
    name: str
    address: str
    unit_id: int | None
    imei: str
    device: str


@dataclass
class CheckedList:
    digest: str
    rows_read: int = 0
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    mappings: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "warning"]

    def by_reason(self) -> list[tuple[str, str, int]]:
        counts = Counter((p.level, p.code) for p in self.problems)
        return [
            (level, str(REASONS[code][1]).split("%")[0].rstrip(" (").rstrip(), n) for (level, code), n in counts.items()
        ]


@functools.lru_cache(maxsize=256)
def column_letter(index: int) -> str:
    """The Excel name of a 0-based column: 0 is A, 27 is AB."""
    return get_column_letter(index + 1)


def _cell(row: list[object], index: int | None) -> str:
    if index is None or index >= len(row) or row[index] is None:
        return ""
    value = row[index]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


class AddressResolver:
    """Addresses (2024 with a district, or 2025) to units, cached: a list repeats the same few hundred."""

    def __init__(self, area: Unit) -> None:
        self.area = area
        province = area
        while province.parent_id is not None and province.kind.category != UnitKind.Category.PROVINCE:
            province = province.parent  # type: ignore[assignment]
        self.province_name = province.name
        self._communes: dict[tuple[str, str], Unit | None] = {}
        self._villages: dict[tuple[int, str], int | None] = {}
        # Operators' lists repeat the same addresses: the answer is kept per written form.
        self._rows: dict[tuple[str, str, str, str], int | None] = {}

    def resolve(self, *, address: str, village: str, commune: str, district: str) -> int | None:
        key = (address, village, commune, district)
        if key not in self._rows:
            self._rows[key] = self._resolve(address=address, village=village, commune=commune, district=district)
        return self._rows[key]

    def _resolve(self, *, address: str, village: str, commune: str, district: str) -> int | None:
        place = ", ".join(part for part in (commune, district) if part) or address
        if not place:
            return None
        legacy = bool(district) or any(word in f" {fold(place)} " for word in DISTRICT_WORDS)
        key = (("legacy" if legacy else "2025"), fold(place))
        if key not in self._communes:
            self._communes[key] = self._commune(place, legacy)
        unit = self._communes[key]
        if unit is None:
            return None
        village_text = village or (address.split(",")[0] if "," in address else "")
        if village_text:
            found = self._village(unit, village_text)
            if found is not None:
                return found
        return unit.pk

    def _commune(self, place: str, legacy: bool) -> Unit | None:
        text = place if fold(self.province_name) in fold(place) else f"{place}, {self.province_name}"
        try:
            parsed = parse_address(
                text, mode=ParseMode.LEGACY if legacy else ParseMode.FROM_2025, level=3 if legacy else 2
            )
        except Exception:
            return None
        code = getattr(parsed, "ward_code", None)
        if not code:
            return None
        return Unit.objects.filter(code_system="2024" if legacy else "2025", code=code).first()

    def _village(self, commune: Unit, text: str) -> int | None:
        key = (commune.pk, fold(text))
        if key not in self._villages:
            self._villages[key] = (
                Unit.objects.filter(parent=commune, kind__category=UnitKind.Category.VILLAGE, search_name=fold(text))
                .values_list("pk", flat=True)
                .first()
            )
        return self._villages[key]


def _expected_carrier(operator: Unit) -> str | None:
    name = fold(operator.name)
    return next((carrier for word, carrier in OPERATOR_CARRIERS.items() if word in name), None)


ProgressHook = Callable[[str, int, int], None]


def _no_progress(phase: str, done: int, total: int) -> None:
    return None


def check_list(
    read: ReadResult,
    *,
    content: bytes,
    operator: Unit,
    area: Unit,
    mapping: dict[str, int] | None = None,
    progress: ProgressHook = _no_progress,
) -> CheckedList:
    """Phase one: every row checked, nothing written. ``mapping`` overrides the proposed columns."""
    result = CheckedList(digest=hashlib.sha256(content).hexdigest())
    resolver = AddressResolver(area)
    carrier = _expected_carrier(operator)
    seen: dict[str, int] = {}
    total_rows = sum(len(sheet.rows) for sheet in read.sheets)
    done_rows = 0
    for sheet in read.sheets:
        proposed = propose_mapping(sheet.rows)
        if proposed is None and mapping is None:
            continue
        found = proposed or Mapping(header_row=0)
        columns = {**found.columns, **(mapping or {})}
        result.mappings[sheet.name] = columns
        for index in range(found.header_row + 1, len(sheet.rows)):
            done_rows += 1
            if done_rows % 5000 == 0:
                progress("checking", done_rows, total_rows)
            cells = sheet.rows[index]
            number_text = _cell(cells, columns.get("msisdn"))
            if not number_text:
                values = [_cell(cells, i) for i in range(len(cells))]
                if not any(values):
                    continue  # a blank row
                if any(fold(v) in TOTAL_WORDS for v in values):
                    continue  # the totals row at the bottom
            result.rows_read += 1
            excel_row = index + 1
            msisdn_column = column_letter(columns["msisdn"]) if "msisdn" in columns else ""

            def problem(
                code: str, column: str, value: str, _row: int = excel_row, _sheet: str = sheet.name, **params: Any
            ) -> None:
                result.problems.append(Problem(_sheet, _row, column, value, code, params))

            number = parse_subscriber_number(
                cells[columns["msisdn"]] if "msisdn" in columns and columns["msisdn"] < len(cells) else None
            )
            if number.e164 is None:
                problem(f"number_{number.problem}", msisdn_column, number_text)
                continue
            if number.e164 in seen:
                problem("number_duplicate", msisdn_column, number_text, row=seen[number.e164])
                continue
            seen[number.e164] = excel_row
            if number.converted_from_legacy:
                problem("number_legacy", msisdn_column, number_text, number="0" + number.e164[3:])
            if carrier and number.carrier and number.carrier != carrier:
                problem("number_other_carrier", msisdn_column, number_text, carrier=number.carrier)
            imei_text = _cell(cells, columns.get("imei")).replace(" ", "")
            if imei_text and not stdnum_imei.is_valid(imei_text):
                problem("imei_invalid", column_letter(columns["imei"]), imei_text)
                imei_text = ""
            address = _cell(cells, columns.get("address"))
            unit_id = resolver.resolve(
                address=address,
                village=_cell(cells, columns.get("village")),
                commune=_cell(cells, columns.get("commune")),
                district=_cell(cells, columns.get("district")),
            )
            if unit_id is None:
                column = columns.get("address", columns.get("commune"))
                problem("address_unresolved", column_letter(column) if column is not None else "", address)
            result.rows.append(
                Row(
                    sheet=sheet.name,
                    row=excel_row,
                    msisdn=number.e164,
                    original=number.original[:40],
                    name=_cell(cells, columns.get("name"))[:200],
                    address=address[:300],
                    unit_id=unit_id,
                    imei=stdnum_imei.compact(imei_text)[:15] if imei_text else "",
                    device=_cell(cells, columns.get("device"))[:120],
                )
            )
    _flag_other_operators(result, operator)
    return result


def _flag_other_operators(result: CheckedList, operator: Unit) -> None:
    """The same number from two operators is flagged, never silently merged."""
    by_number = {row.msisdn: row for row in result.rows}
    numbers = list(by_number)
    for start in range(0, len(numbers), 5000):
        chunk = numbers[start : start + 5000]
        for msisdn, other in (
            Subscriber.objects.filter(msisdn__in=chunk, status=Subscriber.Status.LISTED)
            .exclude(operator=operator)
            .values_list("msisdn", "operator__name")
        ):
            row = by_number[msisdn]
            result.problems.append(
                Problem(row.sheet, row.row, "", msisdn, "number_other_operator", {"operator": other})
            )


@dataclass
class ApplyResult:
    source: SubscriberList
    already_imported: bool = False
    new: int = 0
    relisted: int = 0
    moved: int = 0
    unchanged: int = 0
    left: int = 0


class OutOfOrder(ValueError):
    """A newer list of this operator and area was already imported."""


@transaction.atomic
def apply_list(
    *,
    actor: Any | None,
    checked: CheckedList,
    operator: Unit,
    area: Unit,
    as_of: datetime.date,
    file_name: str = "",
    progress: ProgressHook = _no_progress,
) -> ApplyResult:
    """Phase two: the list is the operator's snapshot of ``area`` on ``as_of``; write it in one transaction."""
    previous = (
        SubscriberList.objects.select_for_update()
        .filter(operator=operator, area=area, status=SubscriberList.Status.DONE)
        .order_by("-as_of", "-pk")
        .first()
    )
    if previous is not None and previous.digest == checked.digest and previous.as_of == as_of:
        return ApplyResult(source=previous, already_imported=True)
    if previous is not None and previous.as_of > as_of:
        raise OutOfOrder(previous.as_of)
    source = SubscriberList.objects.create(
        operator=operator,
        area=area,
        as_of=as_of,
        file_name=file_name[:255],
        digest=checked.digest,
        status=SubscriberList.Status.IMPORTING,
        mapping=checked.mappings,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    result = ApplyResult(source=source)
    deltas: dict[tuple[int | None, str], int] = defaultdict(int)
    news: dict[int | None, int] = defaultdict(int)
    events: list[SubscriberEvent] = []
    incoming = {row.msisdn: row for row in checked.rows}
    existing: dict[str, Subscriber] = {}
    numbers = list(incoming)
    for start in range(0, len(numbers), 5000):
        for subscriber in Subscriber.objects.filter(operator=operator, msisdn__in=numbers[start : start + 5000]):
            existing[subscriber.msisdn] = subscriber
    to_create: list[tuple[object, ...]] = []
    to_update: list[Subscriber] = []
    for position, (msisdn, row) in enumerate(incoming.items(), start=1):
        if position % 5000 == 0:
            progress("importing", position, len(incoming))
        found = existing.get(msisdn)
        if found is None:
            to_create.append(
                (operator.pk, msisdn, row.original, row.name, _fold_name(row.name), row.address, row.unit_id,
                 area.pk, row.imei, row.device, "listed", as_of, as_of, None)
            )  # fmt: skip
            deltas[(row.unit_id, "listed")] += 1
            news[row.unit_id] += 1
            continue
        subscriber = found
        kind = None
        if row.unit_id is None:
            # A list without an address does not forget where the subscriber lives.
            row.unit_id = subscriber.unit_id
        if subscriber.status == Subscriber.Status.LEFT:
            kind = SubscriberEvent.Kind.RELISTED
            deltas[(row.unit_id, "listed")] += 1
            subscriber.status, subscriber.left_on = Subscriber.Status.LISTED, None
            result.relisted += 1
        elif subscriber.unit_id != row.unit_id:
            kind = SubscriberEvent.Kind.MOVED
            deltas[(subscriber.unit_id, "listed")] -= 1
            deltas[(row.unit_id, "listed")] += 1
            result.moved += 1
        else:
            result.unchanged += 1
        if kind is not None:
            events.append(
                SubscriberEvent(
                    subscriber=subscriber,
                    source=source,
                    kind=kind,
                    as_of=as_of,
                    data={"unit": row.unit_id, "from": subscriber.unit_id},
                )
            )
        subscriber.unit_id, subscriber.list_area = row.unit_id, area
        subscriber.last_listed = as_of
        subscriber.name = row.name or subscriber.name
        subscriber.search_name = fold(subscriber.name)
        subscriber.address = row.address or subscriber.address
        subscriber.imei = row.imei or subscriber.imei
        subscriber.device = row.device or subscriber.device
        to_update.append(subscriber)
    # New subscribers go in through the database's bulk path (COPY on PostgreSQL):
    # the ORM would build a model instance and compile SQL for every row.
    before = Subscriber.objects.aggregate(top=Max("pk"))["top"] or 0
    bulk_insert(Subscriber._meta.db_table, SUBSCRIBER_COLUMNS, to_create)
    result.new = len(to_create)
    # Their "listed" events, a chunk at a time: PostgreSQL runs no other query on
    # a connection while a COPY is open, so each chunk is read before it is copied.
    last = before
    while True:
        chunk = list(
            Subscriber.objects.filter(operator=operator, pk__gt=last)
            .order_by("pk")
            .values_list("pk", "unit_id")[:20000]
        )
        if not chunk:
            break
        bulk_insert(
            SubscriberEvent._meta.db_table,
            EVENT_COLUMNS,
            [
                (pk, source.pk, SubscriberEvent.Kind.LISTED.value, as_of, json.dumps({"unit": unit}))
                for pk, unit in chunk
            ],
        )
        last = chunk[-1][0]
    Subscriber.objects.bulk_update(
        to_update,
        ["status", "left_on", "unit", "list_area", "last_listed", "name", "search_name", "address", "imei", "device"],
        batch_size=2000,
    )
    # Whoever was on this operator's lists for this area and is not on this one has left.
    gone = (
        Subscriber.objects.filter(operator=operator, status=Subscriber.Status.LISTED)
        .filter(Q(list_area__rollup_path__startswith=area.rollup_path))
        .exclude(last_listed=as_of)
    )
    left_rows = list(gone.values_list("pk", "unit_id"))
    for pk, unit_id in left_rows:
        deltas[(unit_id, "listed")] -= 1
        deltas[(unit_id, "left")] += 1
        events.append(SubscriberEvent(subscriber_id=pk, source=source, kind=SubscriberEvent.Kind.LEFT, as_of=as_of))
    gone.update(status=Subscriber.Status.LEFT, left_on=as_of)
    result.left = len(left_rows)
    SubscriberEvent.objects.bulk_create(events, batch_size=5000)
    units = {unit for unit, _kind in deltas} | set(news)
    UnitCount.objects.bulk_create(
        [
            UnitCount(
                unit_id=unit,
                operator=operator,
                day=as_of,
                listed=deltas.get((unit, "listed"), 0),
                new=news.get(unit, 0),
                left=deltas.get((unit, "left"), 0),
            )
            for unit in units
        ]
    )
    source.status = SubscriberList.Status.DONE
    source.finished_at = timezone.now()
    source.summary = {
        "rows_read": checked.rows_read,
        "good": len(checked.rows),
        "errors": len(checked.errors),
        "warnings": len(checked.warnings),
        "new": result.new,
        "relisted": result.relisted,
        "moved": result.moved,
        "unchanged": result.unchanged,
        "left": result.left,
    }
    source.save(update_fields=["status", "finished_at", "summary"])
    log_action("subscribers.list.imported", actor=actor, obj=source, unit=area, data=source.summary)
    return result


def rejected_rows_xlsx(read: ReadResult, checked: CheckedList) -> bytes:
    """The rows that will not be imported, as they were, with the reason in a last column."""
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = str(_("Rejected rows"))[:31]
    sheets = {s.name: s for s in read.sheets}
    bold = Font(bold=True)
    sheet.append([str(_("Sheet")), str(_("Row")), str(_("Column")), str(_("Reason")), *[str(_("Original row"))]])
    for cell in sheet[1]:
        cell.font = bold
    for problem in checked.errors:
        original = sheets[problem.sheet].rows[problem.row - 1] if problem.sheet in sheets else []
        sheet.append([problem.sheet, problem.row, problem.column, problem.reason, *[_excel_safe(v) for v in original]])
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCD", (14, 8, 8, 60), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _excel_safe(value: object) -> object:
    # A cell that starts with "=" would become a formula in Excel.
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@")):
        return "'" + value
    return value


def remembered_columns(operator: Unit, read: ReadResult) -> dict[str, int] | None:
    """The operator's remembered choices, applied to this file's header row, or None."""
    from switchoff.subscribers.models import RememberedMapping

    remembered = RememberedMapping.objects.filter(operator=operator).first()
    if remembered is None or not read.sheets:
        return None
    proposed = propose_mapping(read.sheets[0].rows)
    if proposed is None:
        return None
    by_header = {fold(text): index for index, text in enumerate(proposed.headers) if text}
    columns = {name: by_header[header] for name, header in remembered.headers.items() if header in by_header}
    return columns or None


def remember_columns(operator: Unit, read: ReadResult, columns: dict[str, int]) -> None:
    """Keep the header text of each chosen column for the operator's next file."""
    from switchoff.subscribers.models import RememberedMapping

    proposed = propose_mapping(read.sheets[0].rows) if read.sheets else None
    if proposed is None:
        return
    headers = {name: fold(proposed.headers[index]) for name, index in columns.items() if index < len(proposed.headers)}
    RememberedMapping.objects.update_or_create(operator=operator, defaults={"headers": headers})


def same_list_imported(*, operator: Unit, area: Unit, as_of: datetime.date, content: bytes) -> SubscriberList | None:
    """The earlier import of exactly this content, so that it need not be read and checked again."""
    digest = hashlib.sha256(content).hexdigest()
    return SubscriberList.objects.filter(
        operator=operator, area=area, as_of=as_of, digest=digest, status=SubscriberList.Status.DONE
    ).first()
