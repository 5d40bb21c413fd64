"""Loading the official unit lists into the tree.

The 2025 structure (34 provinces, 3,321 communes) comes from
``vietnam-provinces``; the 2024 structure (districts and pre-merge communes)
and the old-to-new mapping come from ``vietnamadminunits``. Loading is
idempotent: units are matched on their official code within a code system,
so running it again changes nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from vietnam_provinces import Province, Ward

from switchoff.audit.services import log_action
from switchoff.lib.text import fold
from switchoff.units.models import Unit, UnitKind
from switchoff.units.services import _refresh_subtree_moving_counts, unit_create, unit_merge, units_create_bulk

REFORM_DAY = datetime.date(2025, 7, 1)
LAST_LEGACY_DAY = datetime.date(2025, 6, 30)
SYSTEM_2025 = "2025"
SYSTEM_2024 = "2024"


@dataclass
class LoadResult:
    province: Unit
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    legacy_created: int = 0
    merged: list[tuple[str, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.legacy_created or self.merged)


def find_province(name_or_code: str) -> Province:
    """Find a 2025 province by code ("20") or name, with or without diacritics and "Tỉnh"."""
    wanted = fold(name_or_code)
    for prefix in ("tinh ", "thanh pho "):
        wanted = wanted.removeprefix(prefix)
    for province in Province.iter_all():
        if wanted in {str(province.code.value), str(province.code.value).zfill(2), fold(province.name)}:
            return province
    raise ValidationError(_("No province named %(name)s.") % {"name": name_or_code})


def _title(division: str, name: str) -> str:
    # "Thành phố Hồ Chí Minh" is a "thành phố trung ương" already named as a city.
    if fold(name).startswith(fold(division)) or fold(name).split()[:2] == fold(division).split()[:2]:
        return name
    return f"{division[:1].upper()}{division[1:]} {name}"


def _bring_up_to_date(
    existing: Unit,
    *,
    name: str,
    parent: Unit | None,
    valid_from: datetime.date | None,
    valid_to: datetime.date | None,
) -> bool:
    """An official unit already in the tree given its official name, place and dates; True if it changed.

    The official name and place win; a renamed kind or local edits of other fields are kept. A unit that
    moved takes its counters along (``_refresh_subtree_moving_counts``). Shared by ``load_province`` and
    ``load_country`` (``_Tree``).
    """
    changed = False
    if existing.name != name:
        existing.name, changed = name, True
    if existing.parent_id != (parent.pk if parent else None):
        existing.parent, changed = parent, True
    if (existing.valid_from, existing.valid_to) != (valid_from, valid_to) and existing.merged_into_id is None:
        existing.valid_from, existing.valid_to, changed = valid_from, valid_to, True
    if changed:
        old_rollup_path = existing.rollup_path
        existing.save()
        _refresh_subtree_moving_counts(existing, old_rollup_path)
    return changed


def _upsert(
    result: LoadResult,
    *,
    kind: UnitKind,
    name: str,
    parent: Unit | None,
    code: str,
    system: str,
    valid_from: datetime.date | None,
    valid_to: datetime.date | None,
) -> tuple[Unit, bool]:
    existing = Unit.objects.filter(code_system=system, code=code).select_related("parent").first()
    if existing is None:
        unit = unit_create(
            actor=None,
            kind=kind,
            name=name,
            parent=parent,
            code=code,
            code_system=system,
            valid_from=valid_from,
            valid_to=valid_to,
            log=False,
        )
        return unit, True
    if _bring_up_to_date(existing, name=name, parent=parent, valid_from=valid_from, valid_to=valid_to):
        result.updated += 1
    else:
        result.unchanged += 1
    return existing, False


@transaction.atomic
def load_province(name_or_code: str, *, legacy: bool = False, actor: Any | None = None) -> LoadResult:
    """Load (or refresh) a province and its communes; with ``legacy``, also its 2024 structure."""
    kinds = {k.code: k for k in UnitKind.objects.all()}
    province = find_province(name_or_code)
    province_code = str(province.code.value).zfill(2)
    province_name = _title(province.division_type.value, province.name)
    result = LoadResult(province=None)  # type: ignore[arg-type]
    # Under the country when it is loaded (``load_country``), at the top otherwise.
    country = Unit.objects.filter(code_system=SYSTEM_2025, code=COUNTRY_CODE).first()
    province_unit, created = _upsert(
        result,
        kind=kinds["province"],
        name=province_name,
        parent=country,
        code=province_code,
        system=SYSTEM_2025,
        valid_from=None,
        valid_to=None,
    )
    result.province = province_unit
    result.created += int(created)
    for ward in sorted(Ward.iter_by_province(province.code), key=lambda w: w.code.value):
        _, created = _upsert(
            result,
            kind=kinds["commune"],
            name=_title(ward.division_type.value, ward.name),
            parent=province_unit,
            code=str(ward.code.value).zfill(5),
            system=SYSTEM_2025,
            valid_from=REFORM_DAY,
            valid_to=None,
        )
        result.created += int(created)
    if legacy:
        _load_legacy(result, kinds, province_unit)
    if result.changed:
        log_action(
            "units.province.loaded",
            actor=actor,
            obj=province_unit,
            unit=province_unit,
            data={"created": result.created, "updated": result.updated, "legacy_created": result.legacy_created},
        )
    return result


def _upsert_legacy(result: LoadResult, kind: UnitKind, name: str, parent: Unit | None, code: str) -> Unit:
    """A unit of the 2024 structure (valid until the reform), created or brought up to date, and counted."""
    unit, created = _upsert(result, kind=kind, name=name, parent=parent, code=code, system=SYSTEM_2024,
                            valid_from=None, valid_to=LAST_LEGACY_DAY)  # fmt: skip
    result.legacy_created += int(created)
    return unit


def _load_legacy(result: LoadResult, kinds: dict[str, UnitKind], province_unit: Unit) -> None:
    # vietnamadminunits loads its tables on import: imported where used, not at every process's start.
    from vietnamadminunits import convert_address
    from vietnamadminunits.converter.converter_2025 import DICT_PROVINCE
    from vietnamadminunits.database import query

    new_key = query(
        f"SELECT DISTINCT provinceKey FROM admin_units WHERE provinceCode = '{province_unit.code}'"  # noqa: S608
    )[0]["provinceKey"]
    old_keys = DICT_PROVINCE[new_key]
    placeholders = ",".join(f"'{key}'" for key in old_keys if key.isalnum())
    rows = query(
        "SELECT DISTINCT province, provinceCode, district, districtCode, ward, wardCode "  # noqa: S608
        f"FROM admin_units_legacy WHERE provinceKey IN ({placeholders}) ORDER BY provinceCode, districtCode, wardCode"
    )
    current = list(Unit.objects.current().filter(parent=province_unit, code_system=SYSTEM_2025))
    successors = {fold(u.name): u for u in current}
    successors_by_code = {u.code: u for u in current}
    old_provinces: dict[str, Unit] = {}
    districts: dict[str, Unit] = {}
    for row in rows:
        old_province = old_provinces.get(row["provinceCode"])
        if old_province is None:
            if fold(row["province"]) == fold(province_unit.name):
                # The province itself did not change (Lạng Sơn, for one): its
                # 2024 districts hang under the current province.
                old_province = province_unit
            else:
                old_province = _upsert_legacy(result, kinds["province"], row["province"], None, row["provinceCode"])
                if old_province.merged_into_id is None:
                    unit_merge(actor=None, unit=old_province, into=province_unit, last_day=LAST_LEGACY_DAY, log=False)
            old_provinces[row["provinceCode"]] = old_province
        district = districts.get(row["districtCode"])
        if district is None:
            district = _upsert_legacy(result, kinds["district"], row["district"], old_province, row["districtCode"])
            districts[row["districtCode"]] = district
        ward = _upsert_legacy(result, kinds["commune"], row["ward"], district, row["wardCode"])
        if ward.merged_into_id is None:
            converted = convert_address(f"{row['ward']}, {row['district']}, {row['province']}")
            # The two libraries number a few 2025 communes differently
            # (Xã Na Sầm is 06124 in one, 06214 in the other): the name within
            # the province decides, the code is the fallback.
            successor = successors.get(fold(converted.ward or "")) or successors_by_code.get(converted.ward_code)
            if successor is not None:
                unit_merge(actor=None, unit=ward, into=successor, last_day=LAST_LEGACY_DAY, log=False)
                result.merged.append((ward.name, successor.name))


COUNTRY_CODE = "VN"
COUNTRY_NAME = "Việt Nam"


@dataclass
class CountryResult:
    country: Unit
    provinces: int = 0
    communes: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    legacy_created: int = 0
    merged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.legacy_created or self.merged)


class _Tree:
    """The units of the official code systems, read once; new ones created a level at a time in bulk."""

    def __init__(self, result: CountryResult) -> None:
        self.result = result
        self.pending: list[Unit] = []
        self.moved = False
        self._read()

    def _read(self) -> None:
        units = list(Unit.objects.filter(code_system__in=[SYSTEM_2025, SYSTEM_2024]).exclude(code=""))
        self.by_code = {(u.code_system, u.code): u for u in units}
        self.by_id = {u.pk: u for u in units}
        self.moved = False

    def get(self, system: str, code: str) -> Unit | None:
        return self.by_code.get((system, code))

    def upsert(
        self,
        *,
        kind: UnitKind,
        name: str,
        parent: Unit | None,
        code: str,
        system: str,
        valid_from: datetime.date | None = None,
        valid_to: datetime.date | None = None,
        merged_into: Unit | None = None,
        legacy: bool = False,
    ) -> Unit:
        name = " ".join(name.split())
        existing = self.get(system, code)
        if existing is None:
            unit = Unit(
                kind=kind,
                name=name,
                parent=parent,
                code=code,
                code_system=system,
                valid_from=valid_from,
                valid_to=valid_to,
                merged_into=merged_into,
            )
            self.pending.append(unit)
            self.by_code[(system, code)] = unit
            if legacy:
                self.result.legacy_created += 1
                self.result.merged += int(merged_into is not None)
            else:
                self.result.created += 1
            return unit
        if _bring_up_to_date(existing, name=name, parent=parent, valid_from=valid_from, valid_to=valid_to):
            self.moved = True
            self.result.updated += 1
        else:
            self.result.unchanged += 1
        if merged_into is not None and existing.merged_into_id is None:
            unit_merge(actor=None, unit=existing, into=merged_into, last_day=LAST_LEGACY_DAY, log=False)
            self.moved = True
            self.result.merged += 1
        return existing

    def flush(self) -> None:
        """Create the level's new units; after a unit moved, read the tree again (its paths changed)."""
        if self.pending:
            units_create_bulk(self.pending)
            self.by_id.update((u.pk, u) for u in self.pending)
            self.pending = []
        if self.moved:
            self._read()


def _legacy_successors() -> dict[str, tuple[str, str]]:
    """Each 2024 commune's key (province_district_ward) to its 2025 successor's (province code, ward name).

    From vietnamadminunits' conversion tables, read directly: a commune split between several is given to
    its default successor, as the library's converter does for an address without a street.
    """
    from vietnamadminunits.converter.converter_2025 import DICT_PROVINCE_WARD_DIVIDED, DICT_PROVINCE_WARD_NO_DIVIDED
    from vietnamadminunits.database import query

    new_wards = {
        (row["provinceKey"], row["wardKey"]): (row["provinceCode"], row["ward"], row["wardCode"])
        for row in query("SELECT provinceKey, provinceCode, wardKey, ward, wardCode FROM admin_units")
    }
    successors: dict[str, tuple[str, str, str]] = {}
    for province_key, wards in DICT_PROVINCE_WARD_NO_DIVIDED.items():
        for ward_key, old_keys in wards.items():
            for old_key in old_keys:
                if (province_key, ward_key) in new_wards:
                    successors[old_key] = new_wards[(province_key, ward_key)]
    for province_key, divided in DICT_PROVINCE_WARD_DIVIDED.items():
        for old_key, candidates in divided.items():
            default = next((c["newWardKey"] for c in candidates if c["isDefaultNewWard"]), None)
            if old_key not in successors and (province_key, default) in new_wards:
                successors[old_key] = new_wards[(province_key, default)]
    return successors  # type: ignore[return-value]


@transaction.atomic
def load_country(*, legacy: bool = False, actor: Any | None = None) -> CountryResult:
    """Load (or refresh) the country, its 34 provinces and 3,321 communes; with ``legacy``, the 2024 structure.

    Each level is created in bulk (a few queries for thousands of units, the checks of ``unit_create``);
    a province loaded before on its own is placed under the country, its own units kept.
    """
    kinds = {k.code: k for k in UnitKind.objects.all()}
    result = CountryResult(country=None)  # type: ignore[arg-type]
    tree = _Tree(result)
    country = tree.upsert(kind=kinds["country"], name=COUNTRY_NAME, parent=None, code=COUNTRY_CODE, system=SYSTEM_2025)
    tree.flush()
    result.country = country
    for province in Province.iter_all():
        tree.upsert(
            kind=kinds["province"],
            name=_title(province.division_type.value, province.name),
            parent=country,
            code=str(province.code.value).zfill(2),
            system=SYSTEM_2025,
        )
        result.provinces += 1
    tree.flush()
    for ward in sorted(Ward.iter_all(), key=lambda w: w.code.value):
        tree.upsert(
            kind=kinds["commune"],
            name=_title(ward.division_type.value, ward.name),
            parent=tree.get(SYSTEM_2025, str(ward.province_code.value).zfill(2)),
            code=str(ward.code.value).zfill(5),
            system=SYSTEM_2025,
            valid_from=REFORM_DAY,
        )
        result.communes += 1
    tree.flush()
    if legacy:
        _load_country_legacy(tree, kinds)
    if result.changed:
        log_action(
            "units.country.loaded",
            actor=actor,
            obj=country,
            unit=country,
            data={
                "created": result.created,
                "updated": result.updated,
                "legacy_created": result.legacy_created,
                "merged": result.merged,
            },
        )
    return result


def _load_country_legacy(tree: _Tree, kinds: dict[str, UnitKind]) -> None:
    """The 63 provinces of 2024, their districts and communes, each merged into its 2025 successor."""
    from vietnamadminunits.converter.converter_2025 import DICT_PROVINCE
    from vietnamadminunits.database import query

    new_by_key = {
        row["provinceKey"]: row["provinceCode"]
        for row in query("SELECT DISTINCT provinceKey, provinceCode FROM admin_units")
    }
    old_to_new = {old: new_by_key[new] for new, olds in DICT_PROVINCE.items() for old in olds if new in new_by_key}
    rows = query(
        "SELECT DISTINCT province, provinceCode, provinceKey, district, districtCode, districtKey, ward, wardCode, "
        "wardKey FROM admin_units_legacy ORDER BY provinceCode, districtCode, wardCode"
    )
    successors = _legacy_successors()
    # Successors by name within their province (the two libraries number a few 2025 communes differently).
    by_name: dict[tuple[str, str], Unit] = {}
    for (system, _code), unit in tree.by_code.items():
        province = tree.by_id.get(unit.parent_id) if unit.parent_id else None
        if system == SYSTEM_2025 and unit.kind_id == kinds["commune"].pk and province is not None:
            by_name[(province.code, fold(unit.name))] = unit
    # Level by level: the provinces, then their districts, then the communes.
    for row in {r["provinceCode"]: r for r in rows}.values():
        new_province = tree.get(SYSTEM_2025, old_to_new[row["provinceKey"]])
        if new_province is None or fold(row["province"]) == fold(new_province.name):
            continue  # unchanged in 2025 (Lạng Sơn): its districts hang under the current province
        tree.upsert(
            kind=kinds["province"],
            name=row["province"],
            parent=None,
            code=row["provinceCode"],
            system=SYSTEM_2024,
            valid_to=LAST_LEGACY_DAY,
            merged_into=new_province,
            legacy=True,
        )
    tree.flush()
    for row in {r["districtCode"]: r for r in rows}.values():
        new_province = tree.get(SYSTEM_2025, old_to_new[row["provinceKey"]])
        tree.upsert(
            kind=kinds["district"],
            name=row["district"],
            parent=tree.get(SYSTEM_2024, row["provinceCode"]) or new_province,
            code=row["districtCode"],
            system=SYSTEM_2024,
            valid_to=LAST_LEGACY_DAY,
            legacy=True,
        )
    tree.flush()
    for row in rows:
        if not row["ward"] or not row["wardCode"]:
            continue  # an island district without communes (Bạch Long Vĩ, Côn Đảo, Hoàng Sa...)
        found = successors.get(f"{row['provinceKey']}_{row['districtKey']}_{row['wardKey']}")
        successor = None
        if found is not None:
            province_code, ward_name, ward_code = found  # type: ignore[misc]
            successor = by_name.get((province_code, fold(ward_name))) or tree.get(SYSTEM_2025, ward_code)
        tree.upsert(
            kind=kinds["commune"],
            name=row["ward"],
            parent=tree.get(SYSTEM_2024, row["districtCode"]),
            code=row["wardCode"],
            system=SYSTEM_2024,
            valid_to=LAST_LEGACY_DAY,
            merged_into=successor,
            legacy=True,
        )
    tree.flush()
