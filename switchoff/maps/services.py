"""Writing boundaries: the one place they change."""

from __future__ import annotations

import json

from django.db import transaction

from switchoff.audit.services import log_action
from switchoff.maps.geojson import Parsed
from switchoff.maps.models import Boundary
from switchoff.people.models import User
from switchoff.units.models import Unit


@transaction.atomic
def boundaries_import(*, actor: User, root: Unit, parsed: Parsed, source_name: str) -> int:
    """Store each matched feature as its unit's boundary (replacing an earlier one); how many were stored."""
    for m in parsed.matched:
        Boundary.objects.update_or_create(
            unit=m.unit,
            defaults={
                "geometry": json.dumps(m.geometry, separators=(",", ":")),
                "vertices": m.vertices,
                "kept": m.kept,
                "source_name": source_name[:255],
                "imported_by": actor,
            },
        )
    log_action(
        "maps.boundaries.imported",
        actor=actor,
        obj=root,
        unit=root,
        data={"units": len(parsed.matched), "problems": len(parsed.problems), "file": source_name[:255]},
    )
    return len(parsed.matched)
