"""Addresses as operators write them, to units of the tree.

An operator's list holds addresses of 2024 ("Khối 5, Phường Vĩnh Trại",
"Thôn Pắc Mòng, Xã Hoàng Đồng, TP Lạng Sơn") and of 2025 ("Phường Lương Văn
Tri, Tỉnh Lạng Sơn"), with level words written out or abbreviated ("P.", "TT.",
"TDP"). ``AddressResolver`` reads each one both ways inside the list's
province, from names indexed from the unit tree itself:

- the level word is respected: a phường is never a xã, a khối never a thôn;
- a commune of 2024 lands on its 2025 successor (``merged_into``), and on the
  village the text names where the system knows one (under the successor or
  recorded under the legacy commune);
- a match inside the list's area wins over one elsewhere in the province;
- an address that matches two units equally is not guessed: it stays
  unresolved and ``candidates`` tells which units a person may pick from.

vietnamadminunits reads the forms this parser cannot split (no commas), and
its answer is kept only if it agrees with the level word written.
"""

from __future__ import annotations

import abc
import contextlib
import functools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from switchoff.lib.text import fold
from switchoff.units.models import Unit, UnitKind

# Level words, as written (lower case, with diacritics), to (class, level). Full words without
# diacritics count only in a text written without any; abbreviations count in every text.
_FULL_WORDS: dict[str, tuple[str, str]] = {
    "tỉnh": ("province", "tinh"),
    "huyện": ("district", "huyen"), "quận": ("district", "quan"), "thị xã": ("district", "thi xa"),
    "thành phố": ("district", "thanh pho"),
    "phường": ("commune", "phuong"), "xã": ("commune", "xa"), "thị trấn": ("commune", "thi tran"),
    "đặc khu": ("commune", "dac khu"),
    "tổ dân phố": ("village", "to"), "tổ": ("village", "to"), "thôn": ("village", "thon"),
    "bản": ("village", "ban"), "khối": ("village", "khoi"), "xóm": ("village", "xom"), "ấp": ("village", "ap"),
    "khu phố": ("village", "khu pho"), "khu": ("village", "khu"), "làng": ("village", "lang"),
    "buôn": ("village", "buon"), "bon": ("village", "bon"), "sóc": ("village", "soc"),
}  # fmt: skip
# "lang" alone is left out: without diacritics it is the first word of "Lạng Sơn".
_ASCII_WORDS = {fold(word): level for word, level in _FULL_WORDS.items() if fold(word) != "lang"}
_ABBREVIATIONS: dict[str, tuple[str, str]] = {
    "tp": ("district", "thanh pho"), "tx": ("district", "thi xa"), "q": ("district", "quan"),
    "h": ("district", "huyen"),
    "p": ("commune", "phuong"), "f": ("commune", "phuong"), "x": ("commune", "xa"), "tt": ("commune", "thi tran"),
    "tdp": ("village", "to"), "kp": ("village", "khu pho"),
}  # fmt: skip
# "K." is read as khối only with its dot or a number ("K.5", "K5"): a lone K is too often an initial.
_DOTTED_ONLY = {"k": ("village", "khoi")}


def _alternatives(words: object) -> str:
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))  # type: ignore[call-overload]


# A full word followed by a space, a dot or a number; an abbreviation followed by a dot, a space or a number.
_FULL = re.compile(rf"^({_alternatives(_FULL_WORDS)})(?:\s*[.:]\s*|\s+|(?=\d))(.+)$")
_ASCII = re.compile(rf"^({_alternatives(_ASCII_WORDS)})(?:\s*[.:]\s*|\s+|(?=\d))(.+)$")
_ABBREVIATED = re.compile(rf"^({_alternatives(_ABBREVIATIONS)})(?:\.\s*|\s+|(?=\d))(.+)$")
_DOTTED = re.compile(rf"^({_alternatives(_DOTTED_ONLY)})(?:\.\s*|(?=\d))(.+)$")
# Parts of an address: commas, semicolons, and dashes between words ("Khối 3 - P. Chi Lăng").
# The level word just before a name, in a folded text (the check of vietnamadminunits' answers).
_ENDINGS = {**_ASCII_WORDS, **_ABBREVIATIONS, **_DOTTED_ONLY}
_ENDING = re.compile(rf"(?:^|[\s,;.\-])({_alternatives(_ENDINGS)})[.:]?\s*$")
_PARTS = re.compile(r"\s*[,;]\s*|\s+[-–—]+\s*|\s*[-–—]+\s+")


@functools.lru_cache(maxsize=1 << 16)
def split_level(text: str) -> tuple[str, str, str]:
    """A part of an address as (class, level, name folded): "P. Chi Lăng" is ("commune", "phuong", "chi lang").

    Class and level are empty when the part begins with no level word. Kept per text: the parts of a list's
    addresses repeat ("TP Hà Nội", "Thôn 3"), each read by the national resolver and then by the province's.
    """
    lower = unicodedata.normalize("NFC", " ".join(text.split())).lower()
    for pattern, words in ((_FULL, _FULL_WORDS), (_ABBREVIATED, _ABBREVIATIONS), (_DOTTED, _DOTTED_ONLY)):
        match = pattern.match(lower)
        if match:
            kind, level = words[match.group(1)]
            return kind, level, _name_key(match.group(2))
    if lower.isascii():
        match = _ASCII.match(lower)
        if match:
            kind, level = _ASCII_WORDS[match.group(1)]
            return kind, level, _name_key(match.group(2))
    return "", "", _name_key(lower)


def _name_key(name: str) -> str:
    """A name folded, numbers without their leading zeros ("Khối 05" is "Khối 5")."""
    folded = fold(name).strip(" .:")
    return re.sub(r"\b0+(\d)", r"\1", folded)


_COMMUNE_FIELDS = ("pk", "name", "parent_id", "merged_into_id", "code_system", "code", "rollup_path", "path")


def parse_address(text: str, **options: Any) -> Any:
    """vietnamadminunits' parser, imported at its first use: the library loads its tables on import (half a second
    at every process's start: each worker, each command, each test that starts Python)."""
    from vietnamadminunits import parse_address as parse

    return parse(text, **options)


@dataclass(slots=True)
class ProvinceUnits:
    """The units of a province an ``AddressResolver`` indexes (the 2024 ones rolling into it included)."""

    provinces: list[str] = field(default_factory=list)  # names: the province's and those merged into it
    districts: list[tuple[int, str]] = field(default_factory=list)
    communes: list[tuple[Any, ...]] = field(default_factory=list)  # ``_COMMUNE_FIELDS``
    villages: list[tuple[int, int, str]] = field(default_factory=list)  # (pk, parent, name)

    @classmethod
    def of(cls, province: Unit) -> ProvinceUnits:
        return cls.by_province(province.rollup_path, depth=len(province.rollup_path.strip("/").split("/")) - 1).get(
            province.pk, cls()
        )

    @classmethod
    def by_province(cls, rollup_path: str, *, depth: int) -> dict[int, ProvinceUnits]:
        """Every unit under ``rollup_path`` in one query, by the province they roll into (the ``depth``-th step
        of their rollup path): for a national list, the country's in one reading rather than one per province."""
        found: dict[int, ProvinceUnits] = {}
        categories = [UnitKind.Category.PROVINCE, UnitKind.Category.DISTRICT, UnitKind.Category.COMMUNE,
                      UnitKind.Category.VILLAGE]  # fmt: skip
        rows = Unit.objects.filter(rollup_path__startswith=rollup_path, kind__category__in=categories).values_list(
            "kind__category", *_COMMUNE_FIELDS
        )
        for category, *row in rows:
            steps = row[6].strip("/").split("/")
            if len(steps) <= depth:
                continue
            units = found.setdefault(int(steps[depth]), cls())
            if category == UnitKind.Category.PROVINCE:
                units.provinces.append(row[1])
            elif category == UnitKind.Category.DISTRICT:
                units.districts.append((row[0], row[1]))
            elif category == UnitKind.Category.COMMUNE:
                units.communes.append(tuple(row))
            else:
                units.villages.append((row[0], row[2], row[1]))
        return found


@dataclass(frozen=True, slots=True)
class _Commune:
    pk: int
    level: str  # "phuong", "xa", "thi tran", "dac khu", or "" when the unit's name has none
    district: int | None  # the legacy district it was in (None for a 2025 commune)
    target: int  # where it is today: itself, or the end of its ``merged_into`` chain
    in_area: bool


@dataclass(slots=True)
class _Reading:
    """What an address says, part by part."""

    communes: list[tuple[str, str]]  # (level or "", name): explicit commune parts first
    bare_communes: bool  # the communes are names without a level word, to try right to left
    villages: list[tuple[str, str]]
    districts: list[str]
    other_province: bool


Cells = tuple[str, object, object, object]


class FormAnswers(abc.ABC):
    """What a resolver knows of each written form it met (an address's cells): the lookups the importer and
    the check make, shared by ``AddressResolver`` and ``units.national.NationalResolver``."""

    _candidates: dict[Cells, list[int]]
    partial_by_cells: dict[Cells, int]
    legacy_by_cells: dict[Cells, int]

    @abc.abstractmethod
    def resolve_cells(self, address: str, village: object, commune: object, district: object) -> int | None:
        """The unit of an address's cells (one text, or its parts), None when it resolved to none."""

    def resolve(self, address: str, *, village: str = "", commune: str = "", district: str = "") -> int | None:
        """The unit of an address written in one text, or in parts."""
        return self.resolve_cells(address, village, commune, district)

    def candidates(self, address: str, village: object = "", commune: object = "", district: object = "") -> list[int]:
        """The units an unresolved address matched equally (none when it matched nothing), current units."""
        try:
            return self._candidates.get((address, village, commune, district), [])
        except TypeError:
            return []

    def partial_match(
        self, address: str, village: object = "", commune: object = "", district: object = ""
    ) -> int | None:
        """The commune a resolved form was placed in by a partial match of its words (None: matched exactly)."""
        try:
            return self.partial_by_cells.get((address, village, commune, district))
        except TypeError:
            return None

    def legacy_commune(
        self, address: str, village: object = "", commune: object = "", district: object = ""
    ) -> int | None:
        """The legacy commune a resolved form names, as written (None: it names a current one, or either)."""
        try:
            return self.legacy_by_cells.get((address, village, commune, district))
        except TypeError:
            return None


class AddressResolver(FormAnswers):
    """Addresses of a list for ``area`` to units, within the area's province.

    The communes and villages are read once, up front: an import sends rows to
    the database while it reads them, and PostgreSQL takes no other query on a
    connection during a COPY. Answers are cached per written form, as a list
    repeats the same few hundred addresses. ``candidates`` gives, for a form
    that matched several units equally, the units a person may choose from.
    """

    def __init__(self, area: Unit, *, units: ProvinceUnits | None = None) -> None:
        province = area
        while province.parent_id is not None and province.kind.category != UnitKind.Category.PROVINCE:
            province = province.parent  # type: ignore[assignment]
        self.province_name = province.name
        self.area = area
        units = units if units is not None else ProvinceUnits.of(province)
        # Provinces merged into this one (2024 provinces) count as this province in an address.
        self._provinces = {split_level(name)[2] for name in units.provinces}
        self._districts: dict[str, set[int]] = {}
        for pk, name in units.districts:
            self._districts.setdefault(split_level(name)[2], set()).add(pk)
        rows = units.communes
        merged = {row[0]: row[3] for row in rows if row[3] is not None}
        # What a person reads among the candidates: a legacy unit with the year of its structure.
        self.labels = {
            row[0]: f"{row[1]} ({row[4]})" if row[0] in merged or row[4] == "2024" else row[1] for row in rows
        }
        self._keys: dict[int, str] = {}
        self._communes: dict[str, list[_Commune]] = {}
        self._codes: dict[tuple[str, str], _Commune] = {}
        for pk, name, parent, _into, system, code, rollup, path in rows:
            target = pk
            for _ in range(10):  # a chain of mergers, never a loop
                if target not in merged:
                    break
                target = merged[target]
            _kind, level, key = split_level(name)
            self._keys[pk] = key
            legacy = pk in merged or system == "2024"
            # In the area where it counts today, or in the structure of its time (a list for a 2024 district).
            in_area = rollup.startswith(area.rollup_path) or path.startswith(area.path)
            entry = _Commune(pk=pk, level=level, district=parent if legacy else None, target=target, in_area=in_area)
            self._communes.setdefault(key, []).append(entry)
            if code:
                self._codes[(system, code)] = entry
        # Villages under current and legacy communes: by (commune, level, name), and by name alone.
        self._villages: dict[tuple[int, str, str], set[int]] = {}
        for pk, parent, name in units.villages:
            _kind, level, key = split_level(name)
            # A village named without a level word ("Nà Chuông") answers to any.
            keys = {(parent, level or "?", key), (parent, "", key), (parent, "", fold(name))}
            for index_key in keys:
                self._villages.setdefault(index_key, set()).add(pk)
        self._area_communes = [e for entries in self._communes.values() for e in entries if e.target == area.pk]
        self.by_cells: dict[tuple[str, object, object, object], int | None] = {}
        self._candidates: dict[tuple[str, object, object, object], list[int]] = {}
        # Forms placed by words found inside the text, not by a commune named as such ("Chợ Đông Kinh, ki ốt 12"):
        # the commune they were placed in, for a person to confirm.
        self.partial_by_cells: dict[tuple[str, object, object, object], int] = {}
        # Forms that name a legacy commune (a 2024 ward, in its district): that commune, shown beside its successor.
        self.legacy_by_cells: dict[tuple[str, object, object, object], int] = {}

    def resolve_cells(self, address: str, village: object, commune: object, district: object) -> int | None:
        """The unit of a row's address parts, as the cells hold them (cached on exactly that)."""
        key = (address, village, commune, district)
        try:
            return self.by_cells[key]
        except KeyError:
            found = self.by_cells[key] = self._resolve(key)
            return found
        except TypeError:  # a cell that cannot be a key
            return self._resolve(key)

    def _resolve(self, key: tuple[str, object, object, object]) -> int | None:
        address, village_cell, commune_cell, district_cell = (_text(part) for part in key)
        reading = self._read(address, village=village_cell, commune=commune_cell, district=district_cell)
        if reading.other_province:
            return None
        districts: set[int] | None = None
        if reading.districts:
            known = [self._districts[name] for name in reading.districts if name in self._districts]
            # A district the tree does not know (misspelt, or the province's name) says nothing.
            districts = set().union(*known) if known else None
        matched: list[_Commune] = []
        for level, name in reading.communes:
            matched = self._matches(level, name, districts)
            if matched or not reading.bare_communes:
                break
        partial = False
        if not reading.communes:
            matched, partial = self._fallback(address or ", ".join(p for p in (commune_cell, district_cell) if p))
        if not matched:
            if not reading.communes and self._area_communes:
                # A ward's list that names only the village: the village of the ward, if it knows one.
                return self._village(self._area_communes, reading.villages)
            return None
        best = [entry for entry in matched if entry.in_area] or matched
        targets = sorted({entry.target for entry in best})
        if len(targets) > 1:
            with contextlib.suppress(TypeError):  # a cell that cannot be a key
                self._candidates[key] = targets
            return None
        with contextlib.suppress(TypeError):  # a cell that cannot be a key
            if partial:
                self.partial_by_cells[key] = targets[0]
            legacy = {entry.pk for entry in best if entry.pk != entry.target or entry.district is not None}
            if len(legacy) == 1 and len(best) == 1:
                self.legacy_by_cells[key] = best[0].pk
        village = self._village(best, reading.villages)
        return village if village is not None else targets[0]

    def _read(self, address: str, *, village: str, commune: str, district: str) -> _Reading:
        explicit: list[tuple[str, str]] = []
        bare: list[str] = []
        villages: list[tuple[str, str]] = []
        districts: list[str] = []
        other_province = False
        for part in _PARTS.split(address) if address else ():
            kind, level, name = split_level(part)
            if not name:
                continue
            if kind == "district" and level == "thanh pho" and name not in self._districts and name in self._provinces:
                kind = "province"
            if kind == "province":
                other_province = other_province or name not in self._provinces
            elif kind == "district":
                districts.append(name)
            elif kind == "commune":
                explicit.append((level, name))
            elif kind == "village":
                villages.append((level, name))
            else:
                bare.append(name)
        if district:
            districts.insert(0, split_level(district)[2])
        if village:
            _kind, level, name = split_level(village)
            villages.insert(0, ("" if _kind != "village" else level, name))
        if commune:
            kind, level, name = split_level(commune)
            explicit.insert(0, (level if kind == "commune" else "", name))
        bare_communes = not explicit
        if bare_communes:
            # Names without a level word: the commune is the last that is not the province or a district.
            names = [n for n in bare if n not in self._provinces and n not in self._districts]
            explicit = [("", name) for name in reversed(names) if name in self._communes]
            if not villages and len(names) > 1:
                villages = [("", names[0])]
        elif not villages and bare:
            villages = [("", bare[0])]
        return _Reading(explicit, bare_communes, villages, districts, other_province)

    def _matches(self, level: str, name: str, districts: set[int] | None) -> list[_Commune]:
        entries = self._communes.get(name, [])
        if level:
            entries = [e for e in entries if not e.level or e.level == level]
        if districts is not None:
            entries = [e for e in entries if e.district in districts]
        return entries

    def _village(self, communes: list[_Commune], villages: list[tuple[str, str]]) -> int | None:
        """The one village the text names under these communes (legacy first, then where they are today)."""
        for level, name in villages:
            for place in [*(e.pk for e in communes), *(e.target for e in communes)]:
                found = self._villages.get((place, level, name), set())
                if level:
                    found = found | self._villages.get((place, "?", name), set())
                if found:
                    return next(iter(found)) if len(found) == 1 else None
        return None

    def _fallback(self, text: str) -> tuple[list[_Commune], bool]:
        """vietnamadminunits' reading of a text this parser could not split, if it agrees with the words written,
        and whether it was partial: no commune's name follows its level word, the name was found among other
        words (a market or a landmark named after the ward)."""
        if not text:
            return [], False
        folded = fold(text)
        if fold(self.province_name) not in folded:
            text = f"{text}, {self.province_name}"
        from vietnamadminunits import ParseMode

        found: list[_Commune] = []
        named = False
        for mode, level, system in ((ParseMode.FROM_2025, 2, "2025"), (ParseMode.LEGACY, 3, "2024")):
            try:
                parsed = parse_address(text, mode=mode, level=level)
            except Exception:  # noqa: S112  # the library raises on text it cannot read
                continue
            entry = self._codes.get((system, getattr(parsed, "ward_code", None) or ""))
            written = self._written(entry, folded) if entry is not None and entry not in found else None
            if entry is not None and written is not None:
                found.append(entry)
                named = named or written
        return found, bool(found) and not named

    def _written(self, entry: _Commune, folded: str) -> bool | None:
        """Whether the text names the commune after its own level word (True), after none (False), or not (None)."""
        name = self._keys[entry.pk]
        bare = False
        for match in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", folded):
            before = _ENDING.search(folded[: match.start()])
            if before is None:
                bare = True
                continue
            kind, level = _ENDINGS[before.group(1)]
            if kind == "commune" and (not entry.level or level == entry.level):
                return True
        return False if bare else None


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).replace("\x00", "").split())
