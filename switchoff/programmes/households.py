"""A commune's list of poor, near-poor and policy households, read from its own workbook through the shared reader.

Columns are found by their headers (head of household, address, village, category, certificate number,
year), with or without diacritics, below title rows. Every problem is named by row and column. Each
household is proposed a match in the registry when exactly one listed subscriber of the commune bears the head's
name (folded), and then that subscriber's confirmed household; the rest keep their name and address,
which eligibility also matches by name. The match is a proposal the commune's official confirms or dismisses,
as households are confirmed in the registry. Importing the commune's list of a year again replaces it (and keeps
the decisions taken on its households).
This is personal data: only the commune's officials (``fieldwork.manage`` over the commune) import it,
and pages show counts, never the list.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from switchoff.audit.services import log_action
from switchoff.lib.sheets import Aliases, Problem, ReadResult, cell_text, column_letter, find_header, reasons
from switchoff.lib.text import fold
from switchoff.people.access import can
from switchoff.people.models import User
from switchoff.people.roles import Perm
from switchoff.programmes.models import Category, HouseholdCategory, Match
from switchoff.subscribers.models import Subscriber
from switchoff.units.models import Unit, UnitKind

ALIASES = Aliases({
    "head": {"ho ten chu ho", "chu ho", "ho va ten chu ho", "ten chu ho", "ho ten", "ho va ten"},
    "address": {"dia chi", "noi o", "dia chi thuong tru", "noi cu tru"},
    "village": {"thon", "thon to", "thon/to", "to dan pho", "khoi", "thon xom", "thon ban", "thon, to dan pho"},
    "category": {"loai ho", "phan loai", "phan loai ho", "doi tuong", "ho ngheo/can ngheo", "ho ngheo can ngheo"},
    "certificate": {"so giay chung nhan", "so gcn", "so chung nhan", "ma ho", "so so", "so giay chung nhan ho ngheo"},
    "year": {"nam", "nam cong nhan", "nam xet duyet", "nam ra soat"},
})  # fmt: skip

REASONS = reasons({
    "household_no_header": ("error", _("No header naming the head of household and the category was found.")),
    "household_head": ("error", _("The head of household's name is empty.")),
    "household_category": (
        "error",
        _("Not a category: write poor, near-poor or policy household (hộ nghèo, hộ cận nghèo, hộ chính sách)."),
    ),
    "household_year": ("error", _("Not a year (for example 2025).")),
    "household_village": ("warning", _("No village of the commune has this name: the household is kept without one.")),
})  # fmt: skip


def category_of(text: str) -> str | None:
    words = fold(text).replace("-", " ").strip()
    if not words:
        return None
    if "can ngheo" in words or words in {"hcn", "cn"}:
        return Category.NEAR_POOR
    if "ngheo" in words or words == "hn" or words in {"poor"}:
        return Category.POOR
    if "near" in words:
        return Category.NEAR_POOR
    if "chinh sach" in words or "policy" in words or words == "cs":
        return Category.POLICY
    return None


@dataclass(frozen=True)
class HouseholdRow:
    row: int
    head: str
    address: str
    village_id: int | None
    category: str
    certificate: str
    year: int


@dataclass
class HouseholdCheck:
    rows: list[HouseholdRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def check_households(read: ReadResult, commune: Unit, villages: dict[str, int] | None = None) -> HouseholdCheck:
    """Every row of the first sheet judged by itself (nothing written); ``villages``: folded name → id."""
    checked = HouseholdCheck()
    sheet = read.sheets[0] if read.sheets else None
    header = find_header(sheet.head, ALIASES, needs=("head", "category")) if sheet else None
    if sheet is None or header is None:
        checked.problems.append(Problem(sheet.name if sheet else "", 0, "", "", "household_no_header"))
        return checked
    villages = villages or {}

    def cell(row: list[object], name: str) -> str:
        column = header.columns.get(name)
        return cell_text(row[column]).strip() if column is not None and column < len(row) else ""

    def problem(row_no: int, name: str, value: str, code: str) -> Problem:
        column = header.columns.get(name)
        return Problem(sheet.name, row_no, column_letter(column) if column is not None else "", value[:100], code)

    for index, row in enumerate(sheet.rows()):
        if index <= header.header_row or not any(c not in (None, "") for c in row):
            continue
        row_no = index + 1
        head = cell(row, "head")
        if not head:
            checked.problems.append(problem(row_no, "head", head, "household_head"))
            continue
        category = category_of(cell(row, "category"))
        if category is None:
            checked.problems.append(problem(row_no, "category", cell(row, "category"), "household_category"))
            continue
        year_text = cell(row, "year").removesuffix(".0")
        year = int(year_text) if year_text.isdigit() and 2000 <= int(year_text) <= 2100 else None
        if "year" in header.columns and year is None:
            checked.problems.append(problem(row_no, "year", cell(row, "year"), "household_year"))
            continue
        village_name = cell(row, "village")
        village_id = villages.get(fold(village_name)) if village_name else None
        if village_name and village_id is None:
            checked.problems.append(problem(row_no, "village", village_name, "household_village"))
        checked.rows.append(
            HouseholdRow(row_no, head[:200], cell(row, "address")[:300], village_id, category,
                         cell(row, "certificate")[:60], year or 0)
        )  # fmt: skip
    return checked


def commune_villages(commune: Unit) -> dict[str, int]:
    rows = Unit.objects.filter(parent=commune, kind__category=UnitKind.Category.VILLAGE, valid_to__isnull=True)
    return {fold(name): pk for pk, name in rows.values_list("pk", "name")}


@dataclass
class HouseholdImport:
    written: int = 0
    matched: int = 0  # proposed (the single listed namesake) or carried over from the list imported before


@transaction.atomic
def households_import(*, actor: User, commune: Unit, checked: HouseholdCheck, year: int) -> HouseholdImport:
    """Replace the commune's list of ``year`` (rows without their own year take it) with the checked rows.

    A household whose head has exactly one listed namesake in the commune gets that subscriber as a proposed
    match, which the commune's official confirms or dismisses (``household_match_decide``); a household
    imported again keeps the decision taken on it (same head and certificate, or same head and address).
    """
    if not can(actor, Perm.MANAGE_FIELD, commune):
        raise PermissionDenied
    names = {fold(r.head) for r in checked.rows}
    found: dict[str, list[tuple[int, int | None]]] = {}
    for subscriber_pk, name, household_pk in Subscriber.objects.filter(
        unit__rollup_path__startswith=commune.rollup_path, search_name__in=names, status=Subscriber.Status.LISTED
    ).values_list("pk", "search_name", "household_id"):
        found.setdefault(name, []).append((subscriber_pk, household_pk))
    # The rows' own years (a list imported again replaces itself), or the year given for rows without one.
    years = {r.year or year for r in checked.rows} or {year}
    replaced = HouseholdCategory.objects.filter(unit=commune, year__in=years)
    decided = {}
    for old in replaced.filter(match__in=[Match.CONFIRMED, Match.DISMISSED]):
        decided[(old.search_name, old.certificate or old.address)] = old
    replaced.delete()
    result = HouseholdImport()
    rows = []
    for r in checked.rows:
        row = HouseholdCategory(
            unit=commune, village_id=r.village_id, head_name=r.head, search_name=fold(r.head), address=r.address,
            category=r.category, certificate=r.certificate, year=r.year or year,
        )  # fmt: skip
        earlier = decided.get((row.search_name, row.certificate or row.address))
        candidates = found.get(row.search_name, [])
        if earlier is not None:
            row.proposed_id, row.match = earlier.proposed_id, earlier.match
            row.subscriber_id, row.household_id = earlier.subscriber_id, earlier.household_id
            row.matched_by_id, row.matched_at = earlier.matched_by_id, earlier.matched_at
        elif len(candidates) == 1:  # two namesakes: nothing proposed
            row.proposed_id, row.match = candidates[0][0], Match.PROPOSED
        result.matched += row.match != Match.NONE
        rows.append(row)
    HouseholdCategory.objects.bulk_create(rows, batch_size=1000)
    result.written = len(rows)
    log_action(
        "programmes.households.imported",
        actor=actor,
        unit=commune,
        data={"year": year, "rows": result.written, "matched": result.matched, "left": len(checked.problems)},
    )
    return result


def proposed_matches(commune: Unit, limit: int = 50) -> list[HouseholdCategory]:
    """The commune's households with a proposed match waiting for the official, oldest list first."""
    return list(
        HouseholdCategory.objects.filter(unit=commune, match=Match.PROPOSED)
        .select_related("proposed", "proposed__unit", "proposed__operator", "village")
        .order_by("year", "head_name", "pk")[:limit]
    )


@transaction.atomic
def household_match_decide(*, actor: User, row: HouseholdCategory, confirm: bool) -> HouseholdCategory:
    """The commune's official says whether the proposed subscriber is this household's head. Confirmed, the
    household on the list is that subscriber and their confirmed household; dismissed, it is not proposed again
    (and eligibility no longer matches that subscriber by name). Deciding again changes nothing."""
    if not can(actor, Perm.MANAGE_FIELD, row.unit):
        raise PermissionDenied
    row = HouseholdCategory.objects.select_for_update(of=("self",)).select_related("proposed").get(pk=row.pk)
    if row.match != Match.PROPOSED or row.proposed is None:
        return row
    if confirm:
        row.subscriber, row.household_id, row.match = row.proposed, row.proposed.household_id, Match.CONFIRMED
    else:
        row.match = Match.DISMISSED
    row.matched_by, row.matched_at = actor, timezone.now()
    row.save(update_fields=["subscriber", "household", "match", "matched_by", "matched_at"])
    data = {"year": row.year, "category": row.category}
    if confirm:
        log_action("programmes.households.match_confirmed", actor=actor, obj=row, unit=row.unit, data=data)
    else:
        log_action("programmes.households.match_dismissed", actor=actor, obj=row, unit=row.unit, data=data)
    return row


def category_counts(commune: Unit) -> dict[str, int]:
    rows = HouseholdCategory.objects.filter(unit=commune).values("category").annotate(n=Count("pk"))
    counts: Counter[str] = Counter({r["category"]: r["n"] for r in rows})
    return dict(counts)
