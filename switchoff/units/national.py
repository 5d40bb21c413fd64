"""Addresses of a national list (a list for the whole country): the province each names, then the unit inside it.

An operator's national list mixes every province's subscribers. Each address is
read in two steps: first the province it names ("Tỉnh Lạng Sơn", "Lang Son",
"TP.HCM", a 2024 province such as "Tỉnh Bắc Kạn", which counts as its 2025
successor), then the rest of it by that province's own ``AddressResolver``,
exactly as a list for the province would be read. The province is the context:
a commune's name is matched only inside it, so the same name in two provinces
is never confused.

An address that names no province, or two different ones, is not guessed: the
row cannot belong to any province's snapshot, and the importer refuses it with
its row number (``problem``).
"""

from __future__ import annotations

import contextlib
import re

from switchoff.lib.text import fold
from switchoff.units.addresses import _PARTS, AddressResolver, Cells, FormAnswers, ProvinceUnits, _text, split_level
from switchoff.units.models import Unit, UnitKind

# Names clerks write for provinces besides the official ones (folded).
_ALIASES = {"hcm": "ho chi minh", "tphcm": "ho chi minh", "tp.hcm": "ho chi minh", "sai gon": "ho chi minh",
            "sg": "ho chi minh", "hn": "ha noi", "tp hn": "ha noi"}  # fmt: skip
# "T." before a province's name ("T. Lạng Sơn"): only with its dot, a lone T is too often an initial.
_T_DOT = re.compile(r"^t\.\s*(.+)$")

NO_PROVINCE = "address_no_province"
PROVINCE_AMBIGUOUS = "address_province_ambiguous"


class NationalResolver(FormAnswers):
    """Addresses of a list for the country to units: the province named, then inside it.

    The same interface as ``AddressResolver`` (``resolve_cells`` and the dicts the
    importer reads), plus ``province_by_cells`` (the province of each written form,
    None when it names none or several) and ``problem`` (why not). Every province's
    resolver is built up front: PostgreSQL takes no other query on a connection
    during the COPY an import streams its rows into.
    """

    national = True

    def __init__(self, country: Unit) -> None:
        self.area = country
        provinces = Unit.objects.filter(
            rollup_path__startswith=country.rollup_path, kind__category=UnitKind.Category.PROVINCE
        ).values_list("pk", "name", "rollup_path", "merged_into_id")
        depth = len(country.rollup_path.strip("/").split("/"))
        self._names: dict[str, set[int]] = {}
        current: list[int] = []
        for pk, name, rollup, merged in provinces:
            # A 2024 province counts under its successor: the province step of its rollup path.
            target = int(rollup.strip("/").split("/")[depth])
            if merged is None and target == pk:
                current.append(pk)
            key = split_level(name)[2]
            for part in {key, *(piece.strip() for piece in key.split("-") if piece.strip())}:
                self._names.setdefault(part, set()).add(target)
        for alias, name in _ALIASES.items():
            if name in self._names:
                self._names.setdefault(alias, set()).update(self._names[name])
        # A text without commas that ends with a province's name ("Mai Pha Lang Son").
        self._ending = re.compile(
            r"(?:^|[\s,.;\-])(" + "|".join(re.escape(k) for k in sorted(self._names, key=len, reverse=True)) + r")\W*$"
        )
        self.provinces = {unit.pk: unit for unit in Unit.objects.select_related("kind").filter(pk__in=current)}
        units = ProvinceUnits.by_province(country.rollup_path, depth=depth)
        self.resolvers = {pk: AddressResolver(unit, units=units.get(pk)) for pk, unit in self.provinces.items()}
        self.labels: dict[int, str] = {}
        for resolver in self.resolvers.values():
            self.labels.update(resolver.labels)
        self.by_cells: dict[Cells, int | None] = {}
        self.province_by_cells: dict[Cells, int | None] = {}
        self.partial_by_cells: dict[Cells, int] = {}
        self.legacy_by_cells: dict[Cells, int] = {}
        self._problems: dict[Cells, str] = {}
        self._candidates: dict[Cells, list[int]] = {}

    def resolve_cells(self, address: str, village: object, commune: object, district: object) -> int | None:
        """The unit of a row's address parts (None: no commune found, or no province: see ``province_of``)."""
        key = (address, village, commune, district)
        try:
            return self.by_cells[key]
        except KeyError:
            pass
        except TypeError:  # a cell that cannot be a key: worked out, not kept
            return self._resolve(key, keep=False)
        return self._resolve(key, keep=True)

    def province_of(
        self, address: str, village: object = "", commune: object = "", district: object = ""
    ) -> int | None:
        """The current province a resolved form names (None: none, or several)."""
        key = (address, village, commune, district)
        try:
            if key not in self.province_by_cells:
                self.resolve_cells(*key)
            return self.province_by_cells.get(key)
        except TypeError:
            return self._province(*(_text(part) for part in key))[0]

    def problem(self, address: str, village: object = "", commune: object = "", district: object = "") -> str:
        """Why a form has no province: ``NO_PROVINCE`` or ``PROVINCE_AMBIGUOUS``."""
        try:
            return self._problems.get((address, village, commune, district), NO_PROVINCE)
        except TypeError:
            return self._province(*(_text(part) for part in (address, village, commune, district)))[1] or NO_PROVINCE

    def _resolve(self, key: Cells, *, keep: bool) -> int | None:
        texts = tuple(_text(part) for part in key)
        province, problem = self._province(texts[0], texts[2], texts[3])
        unit: int | None = None
        if province is not None:
            resolver = self.resolvers[province]
            unit = resolver.resolve_cells(*key)
            if keep:
                with contextlib.suppress(KeyError):
                    self.partial_by_cells[key] = resolver.partial_by_cells[key]
                with contextlib.suppress(KeyError):
                    self.legacy_by_cells[key] = resolver.legacy_by_cells[key]
                if unit is None and (candidates := resolver.candidates(*key)):
                    self._candidates[key] = candidates
        if keep:
            self.province_by_cells[key] = province
            if problem:
                self._problems[key] = problem
            self.by_cells[key] = unit
        return unit

    def _province(self, address: str, commune: str = "", district: str = "") -> tuple[int | None, str]:
        """The one current province the text names, or None and the reason."""
        explicit: set[int] = set()
        bare: set[int] = set()
        parts = [*(_PARTS.split(address) if address else ()), commune, district]
        for part in parts:
            if not part:
                continue
            kind, level, name = split_level(part)
            if not kind and (dotted := _T_DOT.match(name)):
                kind, name = "province", dotted.group(1)
            name = name.strip(" .")
            found = self._names.get(name)
            if not found:
                continue
            if kind == "province" or (kind == "district" and level == "thanh pho"):
                explicit |= found
            elif not kind:
                bare |= found
        named = explicit or bare
        if not named and address:
            ending = self._ending.search(fold(address))
            if ending is not None:
                named = self._names[ending.group(1)]
        if len(named) == 1:
            return next(iter(named)), ""
        return None, PROVINCE_AMBIGUOUS if named else NO_PROVINCE


def is_national(area: Unit) -> bool:
    """Whether a list for ``area`` is a national one: its rows split by the province each names."""
    return area.kind.category == UnitKind.Category.COUNTRY


def resolver_for(area: Unit) -> AddressResolver | NationalResolver:
    """The resolver of a list's addresses: the country's, province by province, or the area's province's."""
    return NationalResolver(area) if is_national(area) else AddressResolver(area)
