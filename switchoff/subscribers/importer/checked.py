"""What the check of a list found (``CheckedList``): counts, problems, columns, and what the summary says."""

from __future__ import annotations

import pickle
import tempfile
from array import array
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any, NamedTuple

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from switchoff.lib.sheets import Problem
from switchoff.subscribers.importer.problems import (
    REASONS,
    reasons_of,
)
from switchoff.subscribers.importer.rows import (
    CHUNK,
    CleanRow,
)
from switchoff.subscribers.importer.seen import SeenNumbers, first_rows
from switchoff.subscribers.models import Subscriber
from switchoff.units.models import Unit, UnitKind


@dataclass
class CheckedList:
    digest: str
    rows_read: int = 0
    good: int = 0
    problems: list[Problem] = field(default_factory=list)
    mappings: dict[str, dict[str, int]] = field(default_factory=dict)
    rows: list[CleanRow] = field(default_factory=list)  # only when asked to keep them
    error_count: int = 0
    warning_count: int = 0
    # Phase two only counts the problems: phase one already showed them (and a national
    # list has hundreds of thousands, each keeping its row for the rejected-rows file).
    keep_problems: bool = True
    new_by_unit: Counter[int | None] = field(default_factory=Counter)  # while importing: new subscribers by unit
    no_name: list[str] = field(default_factory=list)  # sheets read without a column of names
    from_content: list[str] = field(default_factory=list)  # fields whose column no header named (found by content)
    # Each good number (national digits as an int) and where it was first seen (sheet index << 32 | row),
    # in file order, as two arrays of 8 bytes an entry; ``seen`` says whether a number was met.
    seen: SeenNumbers | None = field(default=None, repr=False)
    seen_numbers: array[int] = field(default_factory=lambda: array("q"), repr=False)
    seen_where: array[int] = field(default_factory=lambda: array("q"), repr=False)
    # Duplicates met while reading: their earlier row is filled in once the file is read.
    # Duplicates met while reading: their earlier row is filled in once the file is read. With a sink they wait in
    # a temporary file (a list can have hundreds of thousands, each with its row), their numbers in an array.
    duplicates: list[tuple[int, Problem]] = field(default_factory=list, repr=False)
    duplicate_numbers: array[int] = field(default_factory=lambda: array("q"), repr=False)
    duplicate_file: IO[bytes] | None = field(default=None, repr=False)
    # Where problems go when not kept in ``problems`` (the background check writes them to a file).
    sink: Callable[[Problem], None] | None = field(default=None, repr=False)
    # What the summary tells besides errors and warnings, counted per batch or by the rare rows concerned.
    codes: Counter[str] = field(default_factory=Counter)  # problems by code (kept or not)
    by_unit: Counter[int | None] = field(default_factory=Counter)  # good rows by the unit of their address
    partial_by_unit: Counter[int] = field(default_factory=Counter)  # rows placed by a partial match, by commune
    legacy_by_unit: Counter[int] = field(default_factory=Counter)  # rows naming a legacy commune, by that commune
    restored_zero: int = 0  # numbers written without their leading 0 (Excel numbers)
    communes: list[CommuneCount] = field(default_factory=list)  # by_unit by current commune (check_list)
    provinces: list[ProvinceCount] = field(default_factory=list)  # a national list's: by_unit by province
    below_footer: bool = False  # the last sheet read ended below a signature block or a note

    def pack_seen(self) -> None:
        """The file is read: the duplicates get the row of their number's first sighting, the bitmap goes."""
        if self.seen is not None:
            self.seen.close()
            self.seen = None
        if self.duplicates:
            first = first_rows(self.seen_numbers, self.seen_where, (number for number, _p in self.duplicates))
            for number, problem in self.duplicates:
                problem.params = {"row": first.get(number, 0) & 0xFFFFFFFF}
                self.emit(problem)
            self.duplicates = []
        if self.duplicate_file is not None:
            first = first_rows(self.seen_numbers, self.seen_where, self.duplicate_numbers)
            self.duplicate_file.seek(0)
            for number in self.duplicate_numbers:
                problem = Problem(*pickle.load(self.duplicate_file))  # noqa: S301  # our own temporary file
                problem.params = {"row": first.get(number, 0) & 0xFFFFFFFF}
                self.emit(problem)
            self.duplicate_file.close()
            self.duplicate_file, self.duplicate_numbers = None, array("q")

    def hold_duplicate(self, number: int, problem: Problem) -> None:
        """A duplicate, counted, waiting for the row of its number's first sighting (``pack_seen``)."""
        self.count(problem)
        self.hold_counted(number, problem)

    def hold_counted(self, number: int, problem: Problem) -> None:
        """A duplicate already counted, waiting for ``pack_seen``."""
        if self.sink is None:
            self.duplicates.append((number, problem))
            return
        if self.duplicate_file is None:
            self.duplicate_file = tempfile.TemporaryFile()  # noqa: SIM115  # closed by pack_seen, or with the process
        self.duplicate_numbers.append(number)
        pickle.dump((problem.sheet, problem.row, problem.column, problem.value, problem.code, {}, problem.cells),
                    self.duplicate_file, protocol=pickle.HIGHEST_PROTOCOL)  # fmt: skip

    def count(self, problem: Problem) -> None:
        self.codes[problem.code] += 1
        if problem.level == "error":
            self.error_count += 1
        else:
            self.warning_count += 1

    def emit(self, problem: Problem) -> None:
        if self.sink is not None:
            self.sink(problem)
        elif self.keep_problems:
            self.problems.append(problem)

    def add(self, problem: Problem) -> None:
        self.count(problem)
        self.emit(problem)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    def by_reason(self) -> list[tuple[str, str, int]]:
        """(level, reason without its particulars, count), errors first, the most frequent first."""
        return reasons_of(self.codes)

    def column_warnings(self) -> list[str]:
        """What a person must know about the columns before confirming: a list read without names, guessed columns."""
        warnings = []
        sheets = ", ".join(f"“{name}”" for name in self.no_name if name)
        if sheets:
            message = _("No column of names was found in sheet %(sheets)s: the subscribers would be imported "
                        "without names. Choose the name column below.")  # fmt: skip
            warnings.append(str(message) % {"sheets": sheets})
        elif self.no_name:
            warnings.append(str(_("No column of names was found: the subscribers would be imported without names. "
                                  "Choose the name column below.")))  # fmt: skip
        labels = {"msisdn": _("number"), "name": _("name")}
        for name in dict.fromkeys(self.from_content):
            warnings.append(str(_("No header names the %(field)s column: it was chosen from the cells' content. "
                                  "Check it below.") % {"field": labels.get(name, name)}))  # fmt: skip
        return warnings

    @property
    def unresolved(self) -> int:
        """Good rows whose address named no unit (or several): they count under the list's area (a national
        list's: under the province the address names), each with its warning."""
        return self.codes["address_unresolved"] + self.codes["address_ambiguous"]

    def by_province(self, communes_each: int = 10) -> list[tuple[ProvinceCount, list[CommuneCount]]]:
        """A national list's provinces, each with its largest communes below it (what the check shows)."""
        below: dict[int | None, list[CommuneCount]] = {}
        for commune in self.communes:  # the largest first already
            below.setdefault(commune.province_id, []).append(commune)
        return [(province, below.get(province.unit_id, [])[:communes_each]) for province in self.provinces]

    @property
    def partly_placed(self) -> bool:
        """Whether a commune of the check has rows placed by a partial match (the table then shows them)."""
        return any(c.partial for c in self.communes)

    def summary(self) -> dict[str, Any]:
        """The counts a person reads before confirming (and a job's status names), as plain data."""
        levels = {code: REASONS[code][0] for code in self.codes}
        return {
            "rows_read": self.rows_read,
            "good": self.good,
            "errors": self.error_count,
            "warnings": self.warning_count,
            "restored_zero": self.restored_zero,
            "legacy_converted": self.codes["number_legacy"],
            "resolved": self.good - self.unresolved,
            "unresolved": self.unresolved,
            "rejected": {code: n for code, n in sorted(self.codes.items()) if levels[code] == "error"},
            "warned": {code: n for code, n in sorted(self.codes.items()) if levels[code] == "warning"},
        }

    STATE = ("digest", "rows_read", "good", "error_count", "warning_count", "mappings", "restored_zero", "no_name",
             "from_content")  # fmt: skip

    def state(self) -> dict[str, Any]:
        """What the write needs of a check, as JSON data (stored on the job beside the cleaned rows)."""
        return {
            **{name: getattr(self, name) for name in self.STATE},
            "codes": dict(self.codes),
            "by_unit": [[pk, n] for pk, n in self.by_unit.items()],
            "communes": [list(c) for c in self.communes],
            "provinces": [list(p) for p in self.provinces],
        }

    @classmethod
    def from_state(cls, state: dict[str, Any], *, keep_problems: bool = False) -> CheckedList:
        checked = cls(digest=state["digest"], keep_problems=keep_problems)
        for name in cls.STATE:
            setattr(checked, name, state[name])
        checked.codes = Counter(state["codes"])
        checked.by_unit = Counter({pk: n for pk, n in state["by_unit"]})
        checked.communes = [CommuneCount(*c) for c in state["communes"]]
        checked.provinces = [ProvinceCount(*p) for p in state.get("provinces", ())]
        return checked


class CommuneCount(NamedTuple):
    """Good rows placed in one current commune (or ward): the check's table of where the list's people live."""

    unit_id: int
    name: str
    subscribers: int
    in_area: bool  # inside the area the list is about
    # The operator's subscribers listed there now, from its previous lists (None: it has none in the area yet).
    previous: int | None = None
    partial: int = 0  # of ``subscribers``, those placed by a partial match of their address, for a person to confirm
    # The legacy communes their addresses name, as written ("Phường Chi Lăng (2024), Thành phố Lạng Sơn"), and
    # how many each: where a wrong placement shows.
    written: tuple[tuple[str, int], ...] = ()
    province_id: int | None = None  # the province it is in (a national list's check groups communes by it)

    @property
    def change(self) -> int | None:
        return None if self.previous is None else self.subscribers - self.previous

    @property
    def jump(self) -> bool:
        """A change a person should look at before confirming: the commune's count halves or doubles (from 10
        subscribers), or a commune of 50 or more appears or disappears: a wrong placement shows here."""
        if self.previous is None:
            return False
        if self.previous == 0 or self.subscribers == 0:
            return max(self.previous, self.subscribers) >= JUMP_FROM_NOTHING
        return self.previous >= JUMP_FROM and not self.previous / 2 <= self.subscribers <= self.previous * 2


JUMP_FROM = 10
JUMP_FROM_NOTHING = 50


class ProvinceCount(NamedTuple):
    """A national list's good rows in one province: the part of the list that becomes the province's snapshot."""

    unit_id: int
    name: str
    subscribers: int
    unplaced: int  # of ``subscribers``, those whose commune was not found (counted in the province)
    previous: int | None = None  # the operator's subscribers listed in the province now


def _countries() -> set[int]:
    return set(Unit.objects.filter(kind__category=UnitKind.Category.COUNTRY).values_list("pk", flat=True))


def _steps(rollup: str, countries: set[int]) -> list[int]:
    """A rollup path's steps from the province down (province, commune, village…), without the country above."""
    steps = [int(step) for step in rollup.strip("/").split("/")]
    return steps[1:] if steps and steps[0] in countries else steps


def _by_level(by_unit: Counter[int], counted: Counter[int], level: int) -> None:
    """Add ``by_unit`` into ``counted`` by the unit at ``level`` of their rollup path (0: the province, 1: the
    current commune), so that a legacy commune or a village recorded under it rolls up into its successor, as
    the counts do; a unit above that level counts as itself."""
    ids, countries = list(by_unit), _countries()
    for start in range(0, len(ids), CHUNK):
        for pk, rollup in Unit.objects.filter(pk__in=ids[start : start + CHUNK]).values_list("pk", "rollup_path"):
            steps = _steps(rollup, countries)
            counted[steps[level] if len(steps) > level else pk] += by_unit[pk]


def _by_commune(by_unit: Counter[int], counted: Counter[int]) -> None:
    _by_level(by_unit, counted, 1)


def province_counts(by_unit: Counter[int | None], *, operator: Unit, area: Unit) -> list[ProvinceCount]:
    """A national list's good rows (``by_unit``, by the unit each counts in) summed by province, the largest
    first, beside the operator's subscribers listed in each province now."""
    counted: Counter[int] = Counter()
    _by_level(Counter({pk: n for pk, n in by_unit.items() if pk is not None}), counted, 0)
    listed = (
        Subscriber.objects.filter(
            operator=operator, status=Subscriber.Status.LISTED, list_area__rollup_path__startswith=area.rollup_path
        )
        .values("list_area_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    before: Counter[int] = Counter()
    _by_level(Counter({row["list_area_id"]: row["n"] for row in listed}), before, 0)
    units = Unit.objects.in_bulk(list(set(counted) | set(before)))
    rows = [
        ProvinceCount(pk, unit.name, counted.get(pk, 0), by_unit.get(pk, 0), before.get(pk, 0))
        for pk, unit in units.items()
    ]
    return sorted(rows, key=lambda row: (-row.subscribers, -(row.previous or 0), row.name))


def commune_counts(
    by_unit: Counter[int | None],
    area: Unit,
    *,
    previous: Counter[int] | None = None,
    partial: Counter[int] | None = None,
    legacy: Counter[int] | None = None,
) -> list[CommuneCount]:
    """``by_unit`` summed by current commune, the largest first: a commune the list is not about stands out;
    with ``previous`` (the operator's listed subscribers by unit, before this list), each commune's change
    against the previous lists, a commune they had and this list empties included."""
    communes: Counter[int] = Counter()
    _by_commune(Counter({pk: n for pk, n in by_unit.items() if pk is not None}), communes)
    before: Counter[int] | None = None
    if previous:
        before = Counter()
        _by_commune(previous, before)
    partly: Counter[int] = Counter()
    if partial:
        _by_commune(partial, partly)
    written = _written(legacy) if legacy else {}
    legacy_area = _legacy_area(area)
    keys = set(communes) | set(before or ())
    # A national list's rows placed only in their province are shown by province (``province_counts``).
    units = Unit.objects.exclude(kind__category=UnitKind.Category.PROVINCE).in_bulk(list(keys))
    countries = _countries()
    rows = [
        CommuneCount(
            pk,
            units[pk].name,
            communes.get(pk, 0),
            units[pk].rollup_path.startswith(area.rollup_path) or pk in legacy_area,
            None if before is None else before.get(pk, 0),
            partly.get(pk, 0),
            tuple(written.get(pk, ())),
            _steps(units[pk].rollup_path, countries)[0],
        )
        for pk in keys
        if pk in units
    ]
    return sorted(rows, key=lambda row: (-row.subscribers, -(row.previous or 0), row.name))


def _legacy_area(area: Unit) -> set[int]:
    """For a legacy city or district, the current communes its communes went into (none for another area)."""
    if area.kind.category != UnitKind.Category.DISTRICT:
        return set()
    rollups = Unit.objects.filter(path__startswith=area.path, kind__category=UnitKind.Category.COMMUNE).values_list(
        "rollup_path", flat=True
    )
    countries = _countries()
    return {steps[1] for steps in (_steps(r, countries) for r in rollups) if len(steps) > 1}


def _written(legacy: Counter[int]) -> dict[int, list[tuple[str, int]]]:
    """Legacy communes, each as written (its name, the year of its structure, its district) with its count, by the
    current commune they roll up into, the most first."""
    written: dict[int, list[tuple[str, int]]] = {}
    units = Unit.objects.select_related("parent__kind").in_bulk(list(legacy))
    countries = _countries()
    for pk, n in legacy.most_common():
        unit = units.get(pk)
        if unit is None:
            continue
        steps = _steps(unit.rollup_path, countries)
        label = f"{unit.name} ({unit.code_system or '2024'})"
        if unit.parent is not None and unit.parent.kind.category == UnitKind.Category.DISTRICT:
            label = f"{label}, {unit.parent.name}"
        written.setdefault(steps[1] if len(steps) > 1 else pk, []).append((label, n))
    return written


def listed_by_unit(*, operator: Unit, area: Unit) -> Counter[int]:
    """The operator's subscribers listed in the area now (what its previous lists left), by their unit."""
    rows = (
        Subscriber.objects.filter(
            operator=operator, status=Subscriber.Status.LISTED, list_area__rollup_path__startswith=area.rollup_path
        )
        .exclude(unit__isnull=True)
        .values("unit_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return Counter({row["unit_id"]: row["n"] for row in rows})
