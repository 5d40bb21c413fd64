"""Reads of the content library: the current version of each material, who took it and who has not."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Max, QuerySet, Sum

from switchoff.campaigns.models import Campaign
from switchoff.lib.collation import vi_order
from switchoff.library.models import Material, MaterialDownload, MaterialVersion
from switchoff.reports.models import Activity
from switchoff.units.models import Unit


def materials_of(campaign: Campaign) -> QuerySet[Material]:
    return (
        Material.objects.filter(campaign=campaign)
        .annotate(current=Max("versions__number"))
        .prefetch_related("forms")
        .order_by("kind", vi_order("title"))
    )


def current_version(material: Material) -> MaterialVersion | None:
    return material.versions.order_by("-number").first()


def current_versions(materials: list[Material]) -> dict[int, MaterialVersion]:
    """The current version of each material (one query)."""
    latest: dict[int, MaterialVersion] = {}
    for version in MaterialVersion.objects.filter(material__in=materials).order_by("material_id", "number"):
        latest[version.material_id] = version
    return latest


def units_without(version: MaterialVersion) -> list[Unit]:
    """The campaign's reporting units whose people have not taken ``version``."""
    campaign_id = version.material.campaign_id
    taken = MaterialDownload.objects.filter(version=version, unit__isnull=False).values("unit_id")
    return list(
        Unit.objects.filter(pk__in=Campaign.objects.get(pk=campaign_id).assignments.values("unit_id"))
        .exclude(pk__in=taken)
        .select_related("kind")
        .order_by(vi_order("name"))
    )


@dataclass(frozen=True)
class Taken:
    unit: Unit
    at: object


def units_with(version: MaterialVersion) -> list[Taken]:
    """The units that took ``version``, with the first time."""
    first: dict[int, object] = {}
    for unit_id, at in (
        MaterialDownload.objects.filter(version=version, unit__isnull=False).order_by("at").values_list("unit_id", "at")
    ):
        first.setdefault(unit_id, at)
    units = {u.pk: u for u in Unit.objects.filter(pk__in=first).select_related("kind")}
    return sorted((Taken(units[i], at) for i, at in first.items()), key=lambda t: t.unit.name)


@dataclass(frozen=True)
class Use:
    version: MaterialVersion
    activities: int
    count: int  # what those activities count (broadcasts, leaflets…)


def usage(campaign: Campaign) -> list[Use]:
    """How often each version was named by an activity of the campaign's log, most used first (one query each)."""
    rows = (
        Activity.objects.filter(campaign=campaign, material__isnull=False)
        .values("material")
        .annotate(activities=Count("pk"), total=Sum("count"))
    )
    counts = {r["material"]: (r["activities"], r["total"] or 0) for r in rows}
    versions = MaterialVersion.objects.filter(pk__in=counts).select_related("material")
    uses = [Use(v, *counts[v.pk]) for v in versions]
    return sorted(uses, key=lambda u: (-u.activities, u.version.material.title, -u.version.number))
