"""manage.py import_subscribers FILE --operator "Viettel Lạng Sơn" --as-of 2024-08-01 [--area "Tỉnh Lạng Sơn"]

``--map name=C`` (or ``--map "name=Họ và tên"``) corrects a column as the import page does: by its
letter or by its header's text.
"""

from __future__ import annotations

import datetime
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from switchoff.lib.db import long_running
from switchoff.lib.sheets import ReadResult, UnreadableFile, header_words, read_file
from switchoff.lib.text import fold
from switchoff.subscribers.guards import FutureList, ImportRefusal, MassLeave, NoGoodRows, refuse_future
from switchoff.subscribers.importer import Refused, same_list_imported
from switchoff.subscribers.importer.columns import FIELDS, propose_mapping
from switchoff.subscribers.services import list_check, list_import
from switchoff.units.models import Unit


def _unit(text: str, **filters: Any) -> Unit:
    units = Unit.objects.current().filter(**filters)
    found = units.filter(Q(code=text) | Q(search_name=fold(text)))
    if found.count() != 1:
        raise CommandError(f"No single current unit named or coded {text!r}.")
    return found.get()


def parse_columns(pairs: list[str], read: ReadResult) -> dict[str, int]:
    """``field=column`` pairs as a mapping: the column by its header's text, else by its letter (A, AB)."""
    from openpyxl.utils import column_index_from_string

    first = read.sheets[0] if read.sheets else None
    proposal = propose_mapping(first.head) if first else None
    headers = (
        {header_words(text): index for index, text in reversed(list(enumerate(proposal.headers)))} if proposal else {}
    )
    columns: dict[str, int] = {}
    for pair in pairs:
        name, sep, column = (part.strip() for part in pair.partition("="))
        if not sep or name not in FIELDS:
            raise CommandError(f"--map {pair!r}: expected field=column, the field one of {', '.join(FIELDS)}.")
        if header_words(column) in headers:
            columns[name] = headers[header_words(column)]
        elif column.isascii() and column.isalpha() and len(column) <= 3:
            columns[name] = column_index_from_string(column.upper()) - 1
        else:
            raise CommandError(f"--map {pair!r}: no column has the header {column!r}; give its letter (A, B, …).")
    return columns


class Bar:
    """A progress bar on the terminal: phase, a bar, rows done of the total, rows per second."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.shown = 0.0

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.shown < 0.2 and done < total:
            return
        self.shown = now
        share = done / total if total else 1.0
        filled = int(30 * share)
        rate = done / max(now - self.started, 0.001)
        self.stream.write(f"\r{phase:<10} [{'#' * filled}{'.' * (30 - filled)}] {done:>10,}/{total:,} {rate:,.0f}/s")
        self.stream.flush()

    def end(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "Import an operator's list of 2G-only subscribers (checked first; errors are listed, good rows imported)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--operator", required=True, help="The operator's branch unit, by name or code")
        parser.add_argument("--as-of", required=True, help="The date of the list, YYYY-MM-DD")
        parser.add_argument("--area", help="The area the list covers (default: the operator branch's province)")
        parser.add_argument("--refuse-errors", action="store_true", help="Import nothing if any row has an error")
        parser.add_argument(
            "--map",
            dest="columns",
            action="append",
            default=[],
            metavar="FIELD=COLUMN",
            help=f"The column of a field, by letter or header text (repeatable); fields: {', '.join(FIELDS)}",
        )
        parser.add_argument(
            "--allow-mass-leave",
            action="store_true",
            help="Import even if more than REGISTRY_MASS_LEAVE_SHARE of the area's subscribers would be marked as left",
        )

    def handle(
        self,
        *args: Any,
        file: str,
        operator: str,
        as_of: str,
        area: str | None,
        refuse_errors: bool,
        allow_mass_leave: bool = False,
        columns: list[str] | None = None,
        **options: Any,
    ) -> None:
        try:
            day = datetime.date.fromisoformat(as_of)
        except ValueError:
            raise CommandError("--as-of must be YYYY-MM-DD.") from None
        try:
            refuse_future(day)
        except FutureList as exc:
            raise CommandError(exc.message) from None
        branch = _unit(operator, kind__code="operator_branch")
        area_unit = _unit(area) if area else branch.geographic_anchor()
        path = Path(file)
        content = path.read_bytes()
        if same_list_imported(operator=branch, area=area_unit, as_of=day, content=content):
            self.stdout.write("This list was already imported: nothing changed.")
            return
        self.stdout.write(f"Checking {path.name}…")
        bar = Bar(sys.stderr)
        try:
            # The check of every path (services.list_check): an empty file is a list without a good row.
            read = read_file(content, path.name)
            mapping = parse_columns(columns or [], read) or None
            # The check keeps its cleaned rows: the write streams them, as the page's confirmation does.
            with long_running():  # a national list takes far longer than a web request may
                check = list_check(operator=branch, area=area_unit, as_of=day, content=content,
                                   file_name=path.name, read=read, mapping=mapping, progress=bar,
                                   save_rows=True)  # fmt: skip
        except UnreadableFile as exc:
            raise CommandError(NoGoodRows().message if exc.reason == "empty" else exc.message) from None
        except NoGoodRows as exc:
            raise CommandError(exc.message) from None
        bar.end()
        checked, review = check.checked, check.review
        for problem in checked.problems[:50]:
            where = f"{problem.sheet} row {problem.row} column {problem.column}"
            self.stdout.write(f"  {problem.level}: {where} “{problem.value}”: {problem.reason}")
        if len(checked.problems) > 50:
            self.stdout.write(f"  … and {len(checked.problems) - 50} more")
        for warning in checked.column_warnings():
            self.stdout.write(f"  warning: {warning} (--map name=COLUMN)")
        summary = checked.summary()
        self.stdout.write(
            f"Rows read {checked.rows_read}, good {checked.good}, "
            f"errors {checked.error_count}, warnings {checked.warning_count}."
        )
        self.stdout.write(
            f"Leading 0 restored {summary['restored_zero']}, pre-2018 numbers converted {summary['legacy_converted']}, "
            f"addresses placed {summary['resolved']}, not recognised {summary['unresolved']}."
        )
        for commune in checked.communes[:30]:
            outside = "" if commune.in_area else "  (outside the area of the list)"
            self.stdout.write(f"  {commune.subscribers:>10,}  {commune.name}{outside}")
        if refuse_errors and checked.error_count:
            raise CommandError("Refused: the file has errors (--refuse-errors).")
        if review.current:
            self.stdout.write(
                f"{review.leaving} of {review.current} subscribers of this operator in this area would leave."
            )
        try:
            review.enforce(allow_mass_leave=allow_mass_leave)
        except MassLeave as exc:
            raise CommandError(f"{exc.message} (--allow-mass-leave)") from None
        except ImportRefusal as exc:
            raise CommandError(exc.message) from None
        bar = Bar(sys.stderr)
        try:
            with long_running():
                result = list_import(
                    actor=None,
                    operator=branch,
                    area=area_unit,
                    as_of=day,
                    check=check,
                    content=content,
                    file_name=path.name,
                    refuse_errors=refuse_errors,
                    allow_mass_leave=allow_mass_leave,
                    progress=bar,
                )
        except Refused:
            raise CommandError("Refused: the file has errors (--refuse-errors).") from None
        except ImportRefusal as exc:
            raise CommandError(exc.message) from None
        bar.end()
        if result.already_imported:
            self.stdout.write("This list was already imported: nothing changed.")
            return
        self.stdout.write(
            f"Imported: {result.new} new, {result.relisted} listed again, {result.moved} moved, "
            f"{result.unchanged} unchanged, {result.left} left the list."
        )
        sys.stdout.flush()
