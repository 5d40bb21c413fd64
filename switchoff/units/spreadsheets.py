"""The villages-and-teams workbook of a commune: export, and a two-phase import.

Phase one reads the workbook and reports every bad row (sheet, row, column,
value, reason, in the user's language) without writing anything. Phase two
writes the good rows in one transaction. Names are matched without diacritics
or case, so importing the same workbook twice creates nothing new.
"""

from __future__ import annotations

import itertools
import zipfile
from dataclasses import dataclass, field
from io import BytesIO
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException

from switchoff.audit.services import log_action
from switchoff.lib import xlsx
from switchoff.lib.filelimits import FileRefused, Limits, check_zipped_workbook, checked_rows, workbook_limits
from switchoff.lib.text import fold
from switchoff.units.models import Unit, UnitKind
from switchoff.units.services import team_set_coverage, unit_create

VILLAGE_SHEET = "Thôn - Tổ dân phố"
TEAM_SHEET = "Tổ công nghệ số"
VILLAGE_HEADER = ["STT", "Tên thôn, bản, khối, tổ dân phố"]
TEAM_HEADER = ["STT", "Tên tổ công nghệ số cộng đồng", "Thôn/tổ phụ trách (cách nhau bởi dấu ;)"]


@dataclass
class RowProblem:
    sheet: str
    row: int
    column: str
    value: str
    reason: str


@dataclass
class ParsedWorkbook:
    villages: list[tuple[int, str]] = field(default_factory=list)
    teams: list[tuple[int, str, list[str]]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


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
    return " ".join(str(xlsx.unquote(value)).split()) if value is not None else ""


def parse_workbook(stream: IO[bytes], commune: Unit) -> ParsedWorkbook:
    """Phase one: read and check every row; write nothing. A file beyond the limits is refused whole."""
    content = stream.read()
    limits = workbook_limits()
    try:
        check_zipped_workbook(content, limits)
        return _parse_workbook(BytesIO(content), commune, limits)
    except FileRefused as exc:
        return ParsedWorkbook(problems=[RowProblem(exc.sheet, exc.row, "", "", exc.message)])


def _parse_workbook(stream: IO[bytes], commune: Unit, limits: Limits) -> ParsedWorkbook:
    result = ParsedWorkbook()
    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError, zipfile.BadZipFile):
        result.problems.append(RowProblem("", 0, "", "", _("The file is not an Excel workbook (.xlsx).")))
        return result
    sheets = {fold(name): name for name in book.sheetnames}
    village_sheet = sheets.get(fold(VILLAGE_SHEET))
    team_sheet = sheets.get(fold(TEAM_SHEET))
    if village_sheet is None and team_sheet is None:
        result.problems.append(
            RowProblem(
                "",
                0,
                "",
                ", ".join(book.sheetnames),
                _("The workbook has neither a sheet named “%(a)s” nor one named “%(b)s”.")
                % {"a": VILLAGE_SHEET, "b": TEAM_SHEET},
            )
        )
        return result
    known = {
        fold(u.name) for u in Unit.objects.current().filter(parent=commune, kind__category=UnitKind.Category.VILLAGE)
    }
    seen: dict[str, int] = {}
    if village_sheet is not None:
        rows = checked_rows(book[village_sheet].iter_rows(values_only=True), sheet=village_sheet, limits=limits)
        for number, row in enumerate(itertools.islice(rows, 1, None), start=2):
            name = _text(row[1] if len(row) > 1 else None)
            if not name:
                if any(_text(v) for v in row):
                    result.problems.append(RowProblem(village_sheet, number, "B", "", _("The village name is empty.")))
                continue
            key = fold(name)
            if key in seen:
                result.problems.append(
                    RowProblem(village_sheet, number, "B", name, _("Same name as row %(row)s.") % {"row": seen[key]})
                )
                continue
            if len(name) > 200:
                result.problems.append(
                    RowProblem(village_sheet, number, "B", name[:50], _("The name is longer than 200 characters."))
                )
                continue
            seen[key] = number
            result.villages.append((number, name))
    all_villages = known | set(seen)
    seen_teams: dict[str, int] = {}
    if team_sheet is not None:
        rows = checked_rows(book[team_sheet].iter_rows(values_only=True), sheet=team_sheet, limits=limits)
        for number, row in enumerate(itertools.islice(rows, 1, None), start=2):
            name = _text(row[1] if len(row) > 1 else None)
            covered_text = _text(row[2] if len(row) > 2 else None)
            if not name:
                if covered_text:
                    result.problems.append(RowProblem(team_sheet, number, "B", "", _("The team name is empty.")))
                continue
            key = fold(name)
            if key in seen_teams:
                result.problems.append(
                    RowProblem(team_sheet, number, "B", name, _("Same name as row %(row)s.") % {"row": seen_teams[key]})
                )
                continue
            covered = [part.strip() for part in covered_text.split(";") if part.strip()]
            unknown = [part for part in covered if fold(part) not in all_villages]
            if unknown:
                result.problems.append(
                    RowProblem(
                        team_sheet,
                        number,
                        "C",
                        "; ".join(unknown),
                        _("No village of %(commune)s has this name.") % {"commune": commune.name},
                    )
                )
                continue
            seen_teams[key] = number
            result.teams.append((number, name, covered))
    book.close()
    return result


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
