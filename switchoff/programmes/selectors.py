"""Reads of the support programmes: a programme's stock and history, the referrals a person sees."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from switchoff.people.models import User
from switchoff.programmes.access import visible_referrals
from switchoff.programmes.models import Programme, ProgrammeVersion, Referral, Stock
from switchoff.units.models import Unit

# The fields a programme's history keeps (its stock is kept beside them, as area: quantity).
TRACKED = (
    "name", "sponsor", "sponsor_name", "owner_id", "benefit", "benefit_detail", "categories", "operator_id",
    "conditions", "documents", "area_id", "starts_on", "ends_on",
)  # fmt: skip


def snapshot(programme: Programme) -> dict[str, Any]:
    """A programme's tracked fields as JSON, as its history keeps them."""
    data = {name: getattr(programme, name) for name in TRACKED}
    data["starts_on"], data["ends_on"] = programme.starts_on.isoformat(), programme.ends_on.isoformat()
    data["stock"] = {str(s.unit_id): s.quantity for s in programme.stocks.all()}
    return data


def programme_stock(programme: Programme) -> list[Stock]:
    return list(programme.stocks.select_related("unit").order_by("unit__path"))


@dataclass(frozen=True)
class Change:
    version: ProgrammeVersion
    changed: list[str]


def programme_history(programme: Programme) -> list[Change]:
    """Each edit, newest first, with the names of the fields it changed (against the next version)."""
    versions = list(ProgrammeVersion.objects.filter(programme=programme).select_related("changed_by"))
    after = snapshot(programme)
    changes: list[Change] = []
    for version in versions:
        changes.append(Change(version, sorted(k for k in version.fields if version.fields.get(k) != after.get(k))))
        after = version.fields
    return changes


def unit_names(ids: list[int]) -> dict[int, str]:
    return dict(Unit.objects.filter(pk__in=ids).values_list("pk", "name"))


def referrals_of(user: User, programme: Programme | None = None) -> QuerySet[Referral]:
    rows = visible_referrals(user).select_related("programme", "case", "case__subscriber", "unit", "referred_by")
    if programme is not None:
        rows = rows.filter(programme=programme)
    return rows.order_by("-referred_at", "pk")
