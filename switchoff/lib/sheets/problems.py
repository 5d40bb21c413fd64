"""What an import's check finds in a row: one ``Problem`` type for every import, and the text helpers.

A problem keeps a code and its particulars, never a sentence: the sentence is
made when it is read, in the reader's language (a stored check is read later,
perhaps by someone who speaks the other one). Each import registers its codes
with their level and sentence once (``reasons``); a code means one thing
across the project.
"""

from __future__ import annotations

import functools
import itertools
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from openpyxl.utils import get_column_letter

from switchoff.lib.filelimits import FileRefused

# Every import's problem codes: level ("error": the row is left out, "warning": it is kept) and the
# sentence a person reads, with %(name)s particulars, or a function of the particulars.
Sentence = Promise | str | Callable[[dict[str, Any]], str]
REASONS: dict[str, tuple[str, Sentence]] = {}


def reasons(table: Mapping[str, tuple[str, Sentence]]) -> dict[str, tuple[str, Sentence]]:
    """Register an import's problem codes (``REASONS``) and give its table back."""
    for code, reason in table.items():
        assert REASONS.get(code, reason) == reason, f"the problem code {code!r} is registered twice"
        REASONS[code] = reason
    return dict(table)


def _refusal(params: dict[str, Any]) -> str:
    return FileRefused.from_code(params["refusal"]).message


reasons(
    {
        # The whole file is refused (unreadable, beyond a limit): the refusal's own sentence.
        "file_refused": ("error", _refusal),
    }
)


@dataclass(slots=True)
class Problem:
    """A problem of one cell (or one row, or the file: row 0), with its code and particulars."""

    sheet: str
    row: int  # 1-based, as Excel shows it; 0 for the whole file
    column: str  # the column's letter, "" when it concerns the row
    value: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)
    cells: list[object] | None = None  # the row as it was, kept where the rejected rows are given back

    @property
    def level(self) -> str:
        return REASONS[self.code][0]

    @property
    def reason(self) -> str:
        sentence = REASONS[self.code][1]
        if callable(sentence) and not isinstance(sentence, Promise):
            return sentence(self.params)
        return str(sentence) % self.params if self.params else str(sentence)

    @property
    def where(self) -> str:
        """Where it is, in words: "Sheet “A”, row 5, column B"; "" for the whole file."""
        if not self.row:
            return ""
        place = {"sheet": self.sheet, "row": self.row, "column": self.column}
        if self.sheet and self.column:
            return str(_("Sheet “%(sheet)s”, row %(row)s, column %(column)s")) % place
        if self.sheet:
            return str(_("Sheet “%(sheet)s”, row %(row)s")) % place
        if self.column:
            return str(_("Row %(row)s, column %(column)s")) % place
        return str(_("Row %(row)s")) % place

    @property
    def message(self) -> str:
        """The reason with where it is, for a line of text (a command's output)."""
        where = self.where
        return f"{where}: {self.reason}" if where else self.reason

    @classmethod
    def refused(cls, exc: FileRefused) -> Problem:
        """The whole file refused: the row (and sheet) the refusal names, its sentence."""
        return cls(exc.sheet, exc.row, "", "", "file_refused", {"refusal": exc.code})


class ProblemLines:
    """Problems written to a file as they are found, one JSON line each (``count`` of them so far).

    A national list can have hundreds of thousands, each with its row: they are read back a page at a
    time (``read_problem_lines``), never held together in memory or in one JSON document.
    """

    def __init__(self, handle: IO[str]) -> None:
        self.handle = handle
        self.count = 0

    def __call__(self, p: Problem) -> None:
        fields = [p.sheet, p.row, p.column, p.value, p.code, p.params, p.cells]
        try:
            # orjson: a large list's millions of problems (json.dumps took a third of such a check's time).
            line = orjson.dumps(fields, default=str, option=orjson.OPT_APPEND_NEWLINE).decode()
        except (orjson.JSONEncodeError, TypeError):  # what orjson does not take (a whole number beyond 64 bits)
            line = json.dumps(fields, ensure_ascii=False, default=str) + "\n"
        self.handle.write(line)
        self.count += 1


def read_problem_lines(
    source: Path | Iterable[bytes], *, offset: int = 0, limit: int | None = None
) -> Iterator[Problem]:
    """The problems ``ProblemLines`` wrote (to a file, or the lines of a stored one: ``lib.uploads.problem_lines``),
    from the ``offset``-th, at most ``limit`` of them."""
    if isinstance(source, Path):
        if source.exists():
            with source.open("rb") as lines:
                yield from read_problem_lines(lines, offset=offset, limit=limit)
        return
    stop = None if limit is None else offset + limit
    for line in itertools.islice(source, offset, stop):
        sheet, row, column, value, code, params, cells = json.loads(line)
        yield Problem(sheet, row, column, value, code, params, cells)


def errors_of(problems: list[Problem]) -> int:
    return sum(1 for problem in problems if problem.level == "error")


@functools.lru_cache(maxsize=256)
def column_letter(index: int) -> str:
    """The Excel name of a 0-based column: 0 is A, 27 is AB."""
    return get_column_letter(index + 1)


def cell_text(value: object) -> str:
    """A cell as text: whole numbers without ".0", whitespace collapsed, NUL dropped (PostgreSQL cannot hold it)."""
    if value.__class__ is not str:
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        value = str(value)
    if "\x00" in value:
        value = value.replace("\x00", "")  # PostgreSQL text cannot hold it
    return " ".join(value.split())


def cell_at(cells: list[object], column: int | None) -> object:
    """The cell of a row in a column, None when the row is shorter or the column is not in the file."""
    return cells[column] if column is not None and column < len(cells) else None
