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
from vietnamadminunits import convert_address
from vietnamadminunits.converter.converter_2025 import DICT_PROVINCE
from vietnamadminunits.database import query

from switchoff.audit.services import log_action
from switchoff.lib.text import fold
from switchoff.units.models import Unit, UnitKind
from switchoff.units.services import _refresh_subtree, unit_create, unit_merge

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
    return f"{division[:1].upper()}{division[1:]} {name}" if not fold(name).startswith(fold(division)) else name


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
    changed = False
    # The official name and place win; a renamed kind or local edits of other
    # fields are kept.
    if existing.name != name:
        existing.name = name
        changed = True
    if existing.parent_id != (parent.pk if parent else None):
        existing.parent = parent
        changed = True
    if (existing.valid_from, existing.valid_to) != (valid_from, valid_to) and existing.merged_into_id is None:
        existing.valid_from, existing.valid_to = valid_from, valid_to
        changed = True
    if changed:
        existing.save()
        _refresh_subtree(existing)
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
    province_unit, created = _upsert(
        result,
        kind=kinds["province"],
        name=province_name,
        parent=None,
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


def _load_legacy(result: LoadResult, kinds: dict[str, UnitKind], province_unit: Unit) -> None:
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
                old_province, created = _upsert(
                    result,
                    kind=kinds["province"],
                    name=row["province"],
                    parent=None,
                    code=row["provinceCode"],
                    system=SYSTEM_2024,
                    valid_from=None,
                    valid_to=LAST_LEGACY_DAY,
                )
                result.legacy_created += int(created)
                if old_province.merged_into_id is None:
                    unit_merge(actor=None, unit=old_province, into=province_unit, last_day=LAST_LEGACY_DAY, log=False)
            old_provinces[row["provinceCode"]] = old_province
        district = districts.get(row["districtCode"])
        if district is None:
            district, created = _upsert(
                result,
                kind=kinds["district"],
                name=row["district"],
                parent=old_province,
                code=row["districtCode"],
                system=SYSTEM_2024,
                valid_from=None,
                valid_to=LAST_LEGACY_DAY,
            )
            result.legacy_created += int(created)
            districts[row["districtCode"]] = district
        ward, created = _upsert(
            result,
            kind=kinds["commune"],
            name=row["ward"],
            parent=district,
            code=row["wardCode"],
            system=SYSTEM_2024,
            valid_from=None,
            valid_to=LAST_LEGACY_DAY,
        )
        result.legacy_created += int(created)
        if ward.merged_into_id is None:
            converted = convert_address(f"{row['ward']}, {row['district']}, {row['province']}")
            # The two libraries number a few 2025 communes differently
            # (Xã Na Sầm is 06124 in one, 06214 in the other): the name within
            # the province decides, the code is the fallback.
            successor = successors.get(fold(converted.ward or "")) or successors_by_code.get(converted.ward_code)
            if successor is not None:
                unit_merge(actor=None, unit=ward, into=successor, last_day=LAST_LEGACY_DAY, log=False)
                result.merged.append((ward.name, successor.name))
