"""A commune's own workbook of its phone shops, read through the shared reader, checked, then written.

Columns are found by their headers (shop's name, owner, address, village, phone, dealer of which operator), with or
without diacritics, below title rows. Every problem is named by row and column; nothing is written before the
person sees them. A shop already registered in the commune under the same name (folded) and village is kept, not
doubled, so the workbook imported again adds only the new shops.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from switchoff.audit.services import log_action
from switchoff.lib.sheets import Aliases, Problem, ReadResult, cell_text, column_letter, find_header, reasons
from switchoff.lib.text import fold
from switchoff.people.access import can
from switchoff.people.models import User
from switchoff.people.roles import Perm
from switchoff.shops.models import Shop
from switchoff.units.models import Unit, UnitKind

ALIASES = Aliases({
    "name": {"ten cua hang", "cua hang", "ten co so", "co so kinh doanh", "ten cua hang, co so", "shop", "name",
             "ten diem ban", "diem ban"},
    "owner": {"chu cua hang", "chu co so", "ho ten chu cua hang", "chu ho kinh doanh", "nguoi dai dien", "owner"},
    "address": {"dia chi", "dia chi kinh doanh", "address"},
    "village": {"thon", "thon to", "thon/to", "to dan pho", "khoi", "thon xom", "thon ban", "village"},
    "phone": {"so dien thoai", "dien thoai", "sdt", "phone"},
    "dealer": {"dai ly cua", "dai ly", "nha mang", "dai ly nha mang", "dealer of", "dealer"},
})  # fmt: skip

REASONS = reasons({
    "shop_no_header": ("error", _("No header naming the shop was found in the first rows.")),
    "shop_name": ("error", _("The shop's name is empty.")),
    "shop_village": ("warning", _("No village of the commune has this name: the shop is kept without one.")),
    "shop_dealer": ("warning", _("No operator has this name: the shop is kept as independent.")),
    "shop_repeated": ("error", _("This shop is already on row %(row)s of the file.")),
})  # fmt: skip

INDEPENDENT = {"", "doc lap", "khong", "tu do", "independent", "none", "-"}


@dataclass(frozen=True)
class ShopRow:
    row: int
    name: str
    owner: str
    address: str
    phone: str
    village_id: int | None
    dealer_id: int | None


@dataclass
class ShopCheck:
    rows: list[ShopRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def operators_by_name() -> dict[str, int]:
    """Folded words of each current operator branch's name → its id ("Viettel Lạng Sơn" is found by "viettel")."""
    found: dict[str, int] = {}
    rows = Unit.objects.filter(kind__code="operator_branch", valid_to__isnull=True).order_by("pk")
    for pk, name in rows.values_list("pk", "name"):
        found.setdefault(fold(name), pk)
        found.setdefault(fold(name).split(" ")[0], pk)  # its brand, the first word
    return found


def check_shops(read: ReadResult, villages: dict[str, int], operators: dict[str, int]) -> ShopCheck:
    """Every row of the first sheet judged by itself (nothing written); ``villages``, ``operators``: folded → id."""
    checked = ShopCheck()
    sheet = read.sheets[0] if read.sheets else None
    header = find_header(sheet.head, ALIASES, needs=("name",)) if sheet else None
    if sheet is None or header is None:
        checked.problems.append(Problem(sheet.name if sheet else "", 0, "", "", "shop_no_header"))
        return checked

    def cell(row: list[object], name: str) -> str:
        column = header.columns.get(name)
        return cell_text(row[column]).strip() if column is not None and column < len(row) else ""

    def problem(row_no: int, name: str, value: str, code: str, **params: object) -> Problem:
        column = header.columns.get(name)
        letter = column_letter(column) if column is not None else ""
        return Problem(sheet.name, row_no, letter, value[:100], code, dict(params))

    seen: dict[tuple[str, int | None], int] = {}
    for index, row in enumerate(sheet.rows()):
        if index <= header.header_row or not any(c not in (None, "") for c in row):
            continue
        row_no = index + 1
        name = " ".join(cell(row, "name").split())
        if not name:
            checked.problems.append(problem(row_no, "name", name, "shop_name"))
            continue
        village_name = cell(row, "village")
        village_id = villages.get(fold(village_name)) if village_name else None
        if village_name and village_id is None:
            checked.problems.append(problem(row_no, "village", village_name, "shop_village"))
        key = (fold(name), village_id)
        if key in seen:
            checked.problems.append(problem(row_no, "name", name, "shop_repeated", row=seen[key]))
            continue
        seen[key] = row_no
        dealer = fold(cell(row, "dealer"))
        dealer_id = operators.get(dealer) or operators.get(dealer.split(" ")[0]) if dealer not in INDEPENDENT else None
        if dealer not in INDEPENDENT and dealer_id is None:
            checked.problems.append(problem(row_no, "dealer", cell(row, "dealer"), "shop_dealer"))
        checked.rows.append(
            ShopRow(row_no, name[:200], cell(row, "owner")[:200], cell(row, "address")[:300],
                    cell(row, "phone")[:16], village_id, dealer_id)
        )  # fmt: skip
    return checked


@dataclass
class ShopImport:
    created: int = 0
    kept: int = 0  # already registered under the same name and village


@transaction.atomic
def shops_import(*, actor: User, commune: Unit, checked: ShopCheck) -> ShopImport:
    """Register the checked rows as shops of ``commune`` (those already registered are kept as they are)."""
    if commune.kind.category != UnitKind.Category.COMMUNE or not can(actor, Perm.INSPECT_SHOPS, commune):
        raise PermissionDenied
    existing = {
        (fold(name), village) for name, village in Shop.objects.filter(unit=commune).values_list("name", "village_id")
    }
    result = ShopImport()
    new = []
    for r in checked.rows:
        if (fold(r.name), r.village_id) in existing:
            result.kept += 1
            continue
        new.append(Shop(unit=commune, village_id=r.village_id, name=r.name, owner_name=r.owner, address=r.address,
                        phone=r.phone, dealer_of_id=r.dealer_id, created_by=actor))  # fmt: skip
    Shop.objects.bulk_create(new, batch_size=1000)
    result.created = len(new)
    log_action(
        "shops.shops.imported",
        actor=actor,
        unit=commune,
        data={"created": result.created, "kept": result.kept, "left": len(checked.problems)},
    )
    return result
