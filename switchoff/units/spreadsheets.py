"""The villages-and-teams workbook of a commune: export, and a two-phase import.

Phase one reads the workbook with the shared reader (``lib.sheets``: title
rows above the header, headers on folded words, totals rows and signatures
left out) and reports every bad row (sheet, row, column, value, reason, in the
user's language) without writing anything. Phase two
writes the good rows in one transaction. Names are matched without diacritics
or case, so importing the same workbook twice creates nothing new.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext_lazy
from openpyxl.styles import Font, PatternFill

from switchoff.audit.services import log_action
from switchoff.lib import xlsx
from switchoff.lib.filelimits import FileRefused, workbook_limits
from switchoff.lib.sheets import (
    Aliases,
    Problem,
    ReadResult,
    Sheet,
    cell_at,
    cell_text,
    column_letter,
    find_header,
    read_file,
    reasons,
    row_label,
)
from switchoff.lib.text import fold
from switchoff.units.models import Unit, UnitKind
from switchoff.units.services import team_set_coverage, unit_create

VILLAGE_SHEET = "Thôn - Tổ dân phố"
TEAM_SHEET = "Tổ công nghệ số"
VILLAGE_HEADER = ["STT", "Tên thôn, bản, khối, tổ dân phố"]
TEAM_HEADER = ["STT", "Tên tổ công nghệ số cộng đồng", "Thôn/tổ phụ trách (cách nhau bởi dấu ;)"]


# Header aliases per sheet as folded words (``lib.sheets.header_words``): "Tên thôn, bản" is "ten thon ban".
VILLAGE_ALIASES = Aliases({
    "name": {
        "ten thon ban khoi to dan pho", "ten", "ten thon", "thon", "ten thon to dan pho", "ten thon to", "thon to",
        "thon ban khoi to dan pho", "thon to dan pho", "ten thon ban", "ten thon xom", "ten khoi", "ten to dan pho",
        "ten thon khoi", "thon khoi", "thon ban", "thon xom", "village", "villages", "village name", "name",
    },
})  # fmt: skip
TEAM_ALIASES = Aliases({
    "name": {
        "ten to cong nghe so cong dong", "ten to cong nghe so", "ten to", "to cong nghe so",
        "to cong nghe so cong dong", "ten", "team", "team name", "name",
    },
    "covers": {
        "thon to phu trach", "thon phu trach", "thon", "thon to", "cac thon", "thon to dan pho phu trach",
        "dia ban phu trach", "pham vi phu trach", "phu trach", "villages", "villages covered", "covers",
    },
})  # fmt: skip
# Where the export puts each field (0-based), read so when no header names it.
VILLAGE_LAYOUT = {"name": 1}
TEAM_LAYOUT = {"name": 1, "covers": 2}

REASONS = reasons({
    "workbook_not_excel": ("error", gettext_lazy("The file is not an Excel workbook (.xlsx).")),
    "workbook_sheets": ("error", gettext_lazy("The workbook has neither a sheet named “%(a)s” nor one named “%(b)s”.")),
    "workbook_village_empty": ("error", gettext_lazy("The village name is empty.")),
    "workbook_team_empty": ("error", gettext_lazy("The team name is empty.")),
    "workbook_repeated": ("error", gettext_lazy("Same name as row %(row)s.")),
    "workbook_too_long": ("error", gettext_lazy("The name is longer than 200 characters.")),
    "workbook_unknown_village": ("error", gettext_lazy("No village of %(commune)s has this name.")),
})  # fmt: skip


@dataclass
class ParsedWorkbook:
    villages: list[tuple[int, str]] = field(default_factory=list)
    teams: list[tuple[int, str, list[str]]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def export_commune(commune: Unit) -> bytes:
    """The commune's current villages and teams, in the layout the import reads."""
    book = xlsx.new_workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = VILLAGE_SHEET
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    children = Unit.objects.current().filter(parent=commune).select_related("kind").order_by("name")
    villages = [u for u in children if u.kind.category == UnitKind.Category.VILLAGE]
    teams = [u for u in children if u.kind.category == UnitKind.Category.TEAM]
    xlsx.append(sheet, VILLAGE_HEADER)
    for number, village in enumerate(villages, start=1):
        xlsx.append(sheet, [number, village.name])
    team_sheet = book.create_sheet(TEAM_SHEET)
    xlsx.append(team_sheet, TEAM_HEADER)
    coverage = {t.pk: sorted(v.name for v in t.covers.all()) for t in teams}
    for number, team in enumerate(teams, start=1):
        xlsx.append(team_sheet, [number, team.name, "; ".join(coverage[team.pk])])
    for ws, widths in ((sheet, [6, 45]), (team_sheet, [6, 45, 70])):
        for cell in ws[1]:
            cell.font, cell.fill = bold, fill
        for index, width in enumerate(widths):
            ws.column_dimensions[chr(ord("A") + index)].width = width
        ws.freeze_panes = "A2"
    return xlsx.to_bytes(book)


def _text(value: Any) -> str:
    # A name the export quoted (it started like a formula) reads back as it was.
    return cell_text(xlsx.unquote(value))


def parse_workbook(stream: IO[bytes], commune: Unit) -> ParsedWorkbook:
    """Phase one: read and check every row; write nothing. A file beyond the limits is refused whole.

    The workbook is read by the shared reader (XLSX, XLS or ODS); each sheet's header is found below
    any title rows from the aliases above (the layout of the export when none matches), and totals
    rows and what stands under the table (signatures, notes) are not villages.
    """
    result = ParsedWorkbook()
    try:
        # No file name: the content says whether it is an XLSX or ODS (a zip) or an XLS.
        read = read_file(stream.read(), "", limits=workbook_limits())
        if read.encoding:  # a text file: no sheets to find the villages and teams in
            result.problems.append(Problem("", 0, "", "", "workbook_not_excel"))
            return result
        _parse_sheets(result, read, commune)
    except FileRefused as exc:
        return ParsedWorkbook(problems=[Problem.refused(exc)])
    return result


def _columns(sheet: Sheet, aliases: Aliases, layout: dict[str, int]) -> tuple[int, dict[str, int]]:
    """The header row (0-based) and each field's column; the export's layout where no header names them."""
    found = find_header(sheet.head, aliases, needs=("name",))
    if found is None:
        return 0, layout
    taken = set(found.columns.values())
    return found.header_row, {**{k: v for k, v in layout.items() if v not in taken}, **found.columns}


def _rows(sheet: Sheet, header_row: int) -> Iterator[tuple[int, list[object]]]:
    """The data rows with their Excel number: not the totals rows, and nothing from the signatures down."""
    for index, cells in enumerate(sheet.rows()):
        if index <= header_row:
            continue
        label = row_label(cells)
        if label == "footer":
            return
        if not label:
            yield index + 1, cells


def _parse_sheets(result: ParsedWorkbook, read: ReadResult, commune: Unit) -> None:
    sheets = {fold(sheet.name): sheet for sheet in read.sheets}
    village_sheet = sheets.get(fold(VILLAGE_SHEET))
    team_sheet = sheets.get(fold(TEAM_SHEET))
    if village_sheet is None and team_sheet is None:
        names = ", ".join(sheet.name for sheet in read.sheets)
        result.problems.append(Problem("", 0, "", names, "workbook_sheets", {"a": VILLAGE_SHEET, "b": TEAM_SHEET}))
        return
    known = {
        fold(u.name) for u in Unit.objects.current().filter(parent=commune, kind__category=UnitKind.Category.VILLAGE)
    }
    seen: dict[str, int] = {}
    if village_sheet is not None:
        sheet = village_sheet.name
        header_row, columns = _columns(village_sheet, VILLAGE_ALIASES, VILLAGE_LAYOUT)
        column = column_letter(columns["name"])
        for number, cells in _rows(village_sheet, header_row):
            name = _text(cell_at(cells, columns["name"]))
            if not name:
                if any(_text(v) for v in cells):
                    result.problems.append(Problem(sheet, number, column, "", "workbook_village_empty"))
                continue
            key = fold(name)
            if key in seen:
                result.problems.append(Problem(sheet, number, column, name, "workbook_repeated", {"row": seen[key]}))
                continue
            if len(name) > 200:
                result.problems.append(Problem(sheet, number, column, name[:50], "workbook_too_long"))
                continue
            seen[key] = number
            result.villages.append((number, name))
    all_villages = known | set(seen)
    seen_teams: dict[str, int] = {}
    if team_sheet is not None:
        sheet = team_sheet.name
        header_row, columns = _columns(team_sheet, TEAM_ALIASES, TEAM_LAYOUT)
        name_column, covers_column = column_letter(columns["name"]), column_letter(columns["covers"])
        for number, cells in _rows(team_sheet, header_row):
            name = _text(cell_at(cells, columns["name"]))
            covered_text = _text(cell_at(cells, columns["covers"]))
            if not name:
                if covered_text:
                    result.problems.append(Problem(sheet, number, name_column, "", "workbook_team_empty"))
                continue
            key = fold(name)
            if key in seen_teams:
                result.problems.append(
                    Problem(sheet, number, name_column, name, "workbook_repeated",
                            {"row": seen_teams[key]})
                )  # fmt: skip
                continue
            covered = [part.strip() for part in covered_text.split(";") if part.strip()]
            unknown = [part for part in covered if fold(part) not in all_villages]
            if unknown:
                result.problems.append(
                    Problem(sheet, number, covers_column, "; ".join(unknown),
                            "workbook_unknown_village", {"commune": commune.name})
                )  # fmt: skip
                continue
            seen_teams[key] = number
            result.teams.append((number, name, covered))


@dataclass
class ImportOutcome:
    villages_created: int = 0
    teams_created: int = 0
    teams_updated: int = 0


@transaction.atomic
def apply_workbook(*, actor: Any, commune: Unit, parsed: ParsedWorkbook) -> ImportOutcome:
    """Phase two: create the villages and teams that are new, set every team's coverage."""
    outcome = ImportOutcome()
    kinds = {k.code: k for k in UnitKind.objects.filter(code__in=["village", "digital_team"])}
    existing = {fold(u.name): u for u in Unit.objects.current().filter(parent=commune).select_related("kind")}
    for _row, name in parsed.villages:
        if fold(name) not in existing:
            existing[fold(name)] = unit_create(actor=actor, kind=kinds["village"], name=name, parent=commune, log=False)
            outcome.villages_created += 1
    for _row, name, covered in parsed.teams:
        team = existing.get(fold(name))
        if team is None:
            team = unit_create(actor=actor, kind=kinds["digital_team"], name=name, parent=commune, log=False)
            existing[fold(name)] = team
            outcome.teams_created += 1
        wanted = sorted(existing[fold(v)].pk for v in covered)
        if sorted(team.covers.values_list("pk", flat=True)) != wanted:
            team_set_coverage(actor=actor, team=team, villages=[existing[fold(v)] for v in covered])
            outcome.teams_updated += 1
    if outcome.villages_created or outcome.teams_created or outcome.teams_updated:
        log_action(
            "units.commune.workbook_imported",
            actor=actor,
            obj=commune,
            unit=commune,
            data={
                "villages_created": outcome.villages_created,
                "teams_created": outcome.teams_created,
                "teams_updated": outcome.teams_updated,
            },
        )
    return outcome
