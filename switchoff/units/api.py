from __future__ import annotations

import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema

from switchoff.api.types import Id
from switchoff.people.access import access_unit, visible_units
from switchoff.units import selectors
from switchoff.units.models import Unit

router = Router()


class UnitOut(Schema):
    id: int
    name: str
    kind: str = Field(..., alias="kind.code")
    code: str
    code_system: str
    parent_id: int | None
    valid_from: datetime.date | None
    valid_to: datetime.date | None
    merged_into_id: int | None


class UnitPage(Schema):
    items: list[UnitOut]
    next_after: int | None


@router.get("/", response=UnitPage, summary="Units the caller may see")
def list_units(
    request: HttpRequest, q: str = "", parent: Id | None = None, after: Id = 0, limit: int = 100
) -> dict[str, object]:
    """Keyset-paginated by id: pass ``next_after`` back as ``after``."""
    limit = max(1, min(limit, 500))
    units = visible_units(request.user).select_related("kind")  # type: ignore[arg-type]
    if parent is not None:
        units = units.filter(parent_id=parent)
    if q:
        ids = [u.pk for u in selectors.search_units(units, q, limit=limit)]
        units = units.filter(pk__in=ids)
    items = list(units.filter(pk__gt=after).order_by("pk")[: limit + 1])
    more = len(items) > limit
    items = items[:limit]
    return {"items": items, "next_after": items[-1].pk if more else None}


@router.get("/{unit_id}", response=UnitOut, summary="One unit")
def get_unit(request: HttpRequest, unit_id: Id) -> Unit:
    return access_unit(request.user, unit_id)  # type: ignore[arg-type]
