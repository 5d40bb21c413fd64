"""Writes to the unit tree. Each service runs in one transaction with its audit row."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from switchoff.audit.services import log_action
from switchoff.counts.services import count_totals_move, rollup_ids
from switchoff.lib.text import fold
from switchoff.units.models import Unit, UnitKind


def _paths_for(unit: Unit) -> tuple[str, str, int]:
    """The structural path, the roll-up path and the depth of ``unit``."""
    own = f"{unit.pk}/"
    if unit.parent is None:
        path, depth = f"/{own}", 0
        parent_rollup = "/"
    else:
        path, depth = unit.parent.path + own, unit.parent.depth + 1
        parent_rollup = unit.parent.rollup_path
    if unit.merged_into is not None:
        rollup = unit.merged_into.rollup_path + own
    else:
        rollup = parent_rollup + own if unit.parent is not None else path
    return path, rollup, depth


def _refresh_subtree(unit: Unit) -> None:
    """Recompute the paths of ``unit`` and of every unit that hangs below it or rolls into it."""
    path, rollup, depth = _paths_for(unit)
    if (unit.path, unit.rollup_path, unit.depth) != (path, rollup, depth):
        unit.path, unit.rollup_path, unit.depth = path, rollup, depth
        Unit.objects.filter(pk=unit.pk).update(path=path, rollup_path=rollup, depth=depth)
    dependants = Unit.objects.filter(parent=unit) | Unit.objects.filter(merged_into=unit)
    for child in dependants.select_related("parent", "merged_into").exclude(pk=unit.pk):
        if child.parent_id == unit.pk:
            child.parent = unit
        if child.merged_into_id == unit.pk:
            child.merged_into = unit
        _refresh_subtree(child)


def _refresh_subtree_moving_counts(unit: Unit, old_rollup_path: str) -> None:
    """``_refresh_subtree`` after ``unit`` moved (a new parent, a merge): its subtree's counts follow it.

    ``unit`` is not refreshed yet; its old roll-up path says which figures the counts below it leave.
    """
    moved = list(Unit.objects.filter(rollup_path__startswith=old_rollup_path).values_list("pk", flat=True))
    _refresh_subtree(unit)
    count_totals_move(
        moved=moved, old_above=rollup_ids(old_rollup_path)[:-1], new_above=rollup_ids(unit.rollup_path)[:-1]
    )


@transaction.atomic
def unit_create(
    *,
    actor: Any | None,
    kind: UnitKind,
    name: str,
    parent: Unit | None,
    code: str = "",
    code_system: str = "",
    valid_from: datetime.date | None = None,
    valid_to: datetime.date | None = None,
    log: bool = True,
) -> Unit:
    """Create a unit under ``parent`` and place it in the tree."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError(_("A unit needs a name."))
    unit = Unit(
        kind=kind,
        name=name,
        parent=parent,
        code=code,
        code_system=code_system,
        valid_from=valid_from,
        valid_to=valid_to,
        path="/",
        rollup_path="/",
    )
    unit.full_clean(exclude=["path", "rollup_path", "search_name"])
    unit.save()
    unit.path, unit.rollup_path, unit.depth = _paths_for(unit)
    unit.save(update_fields=["path", "rollup_path", "depth"])
    if log:
        log_action("units.unit.created", actor=actor, obj=unit, unit=unit, data={"name": name, "kind": kind.code})
    return unit


# Validated per unit without a query: the kind, the parent and the successor are objects the caller holds,
# the unique official code is checked for the whole batch in one query, the constraints below in Python.
_BULK_EXCLUDE = ["path", "rollup_path", "search_name", "kind", "parent", "merged_into"]


def units_create_bulk(units: list[Unit]) -> list[Unit]:
    """Create many units at once (loading the country's 13,000): the checks of ``unit_create``, a few queries in all.

    Each unit's parent and successor (``merged_into``) must already be in the tree. Not logged one by one:
    the caller logs the load. Runs in the caller's transaction.
    """
    assert transaction.get_connection().in_atomic_block, "units are created in the transaction of their load"
    seen: set[tuple[str, str]] = set()
    for unit in units:
        unit.name = " ".join(unit.name.split())
        if not unit.name:
            raise ValidationError(_("A unit needs a name."))
        unit.full_clean(exclude=_BULK_EXCLUDE, validate_unique=False, validate_constraints=False)
        if unit.valid_from and unit.valid_to and unit.valid_to < unit.valid_from:
            raise ValidationError(_("%(unit)s ends before it starts.") % {"unit": unit.name})
        if unit.merged_into is not None and unit.valid_to is None:
            raise ValidationError(_("%(unit)s is merged but has no last day.") % {"unit": unit.name})
        if unit.code:
            if (unit.code_system, unit.code) in seen:
                raise ValidationError(_("The official code %(code)s is given twice.") % {"code": unit.code})
            seen.add((unit.code_system, unit.code))
        unit.search_name = fold(unit.name)
        unit.path = unit.rollup_path = "/"
    taken = Unit.objects.none()
    for system in {system for system, _code in seen}:
        taken |= Unit.objects.filter(code_system=system, code__in=[c for s, c in seen if s == system])
    clash = taken.values_list("code", flat=True).first()
    if clash is not None:
        raise ValidationError(_("The official code %(code)s is already a unit's.") % {"code": clash})
    Unit.objects.bulk_create(units, batch_size=1000)
    for unit in units:
        unit.path, unit.rollup_path, unit.depth = _paths_for(unit)
    # One prepared statement run for each unit (``bulk_update``'s CASE over thousands of ids is far slower).
    table = Unit._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET path = %s, rollup_path = %s, depth = %s WHERE id = %s",  # noqa: S608  # constant
            [(u.path, u.rollup_path, u.depth, u.pk) for u in units],
        )
    return units


@transaction.atomic
def unit_update(*, actor: Any | None, unit: Unit, name: str, kind: UnitKind | None = None) -> Unit:
    """Rename a unit (or change its kind) and record the old values."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError(_("A unit needs a name."))
    before = {"name": unit.name, "kind": unit.kind.code}
    unit.name = name
    if kind is not None:
        unit.kind = kind
    unit.save(update_fields=["name", "search_name", "kind", "updated_at"])
    log_action(
        "units.unit.updated",
        actor=actor,
        obj=unit,
        unit=unit,
        data={"before": before, "name": name, "kind": unit.kind.code},
    )
    return unit


@transaction.atomic
def unit_merge(*, actor: Any | None, unit: Unit, into: Unit, last_day: datetime.date, log: bool = True) -> Unit:
    """Merge ``unit`` into ``into``: it stays valid until ``last_day`` and rolls up into ``into`` after.

    Nothing attached to ``unit`` moves: its records count under ``into`` from
    now on through the roll-up path, and keep their place in the old tree.
    """
    # The paths as the tree has them now (the counts move by them), not as the caller read them.
    into.refresh_from_db(fields=["path", "rollup_path", "depth", "valid_to"])
    unit.refresh_from_db(fields=["path", "rollup_path", "depth"])
    if into.pk == unit.pk or into.rollup_path.startswith(unit.rollup_path):
        raise ValidationError(_("A unit cannot be merged into itself or into a unit below it."))
    if into.valid_to is not None:
        raise ValidationError(_("The unit to merge into is no longer valid."))
    unit.valid_to = last_day
    unit.merged_into = into
    unit.full_clean(exclude=["path", "rollup_path", "search_name"])
    unit.save(update_fields=["valid_to", "merged_into", "updated_at"])
    _refresh_subtree_moving_counts(unit, unit.rollup_path)
    if log:
        log_action(
            "units.unit.merged",
            actor=actor,
            obj=unit,
            unit=into,
            data={"into": into.pk, "into_name": into.name, "last_day": last_day.isoformat()},
        )
    return unit


@transaction.atomic
def team_set_coverage(*, actor: Any | None, team: Unit, villages: list[Unit]) -> None:
    """Set the villages a community digital technology team covers (all in its commune)."""
    commune = team.geographic_anchor()
    for village in villages:
        if not village.path.startswith(commune.path) or village.kind.category != UnitKind.Category.VILLAGE:
            raise ValidationError(
                _("%(village)s is not a village of %(commune)s.") % {"village": village, "commune": commune}
            )
    team.covers.set(villages)
    log_action(
        "units.team.coverage_set", actor=actor, obj=team, unit=team, data={"villages": sorted(v.pk for v in villages)}
    )


@transaction.atomic
def kind_update(
    *, actor: Any | None, kind: UnitKind, name: str, name_en: str, covers_area: bool, order: int
) -> UnitKind:
    """Rename a unit kind (departments are renamed; kinds are data)."""
    before = {"name": kind.name, "name_en": kind.name_en, "covers_area": kind.covers_area, "order": kind.order}
    kind.name, kind.name_en, kind.covers_area, kind.order = name.strip(), name_en.strip(), covers_area, order
    kind.full_clean()
    kind.save(update_fields=["name", "name_en", "covers_area", "order"])
    log_action("units.kind.updated", actor=actor, obj=kind, data={"before": before, "name": kind.name})
    return kind


@transaction.atomic
def commune_workbook_export_record(*, actor: Any, commune: Unit) -> None:
    """Log a download of the commune's villages-and-teams workbook (names and phones of team members).

    A GET: like the registry's exports, the log of who looked is its one write.
    """
    log_action("units.commune.workbook_exported", actor=actor, obj=commune, unit=commune)
