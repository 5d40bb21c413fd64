"""The map's pages: the boundaries of a unit's children as GeoJSON, and their import by an administrator."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from switchoff.dashboard.selectors import children_of
from switchoff.lib.uploads import find_upload, read_upload, remove_upload, store_upload
from switchoff.maps import geojson, services
from switchoff.maps.forms import BoundaryFileForm
from switchoff.maps.models import Boundary
from switchoff.people.access import access_unit
from switchoff.people.models import User
from switchoff.people.roles import Perm
from switchoff.units.models import Unit, UnitKind

# The units under which boundaries are imported: a province (its communes), a district, the country.
IMPORT_ROOTS = (UnitKind.Category.COUNTRY, UnitKind.Category.PROVINCE, UnitKind.Category.DISTRICT)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
@require_GET
def geo(request: HttpRequest, unit_id: int) -> HttpResponse:
    """The boundaries of the units the dashboard of ``unit_id`` lists below it: the same access as that page."""
    unit = access_unit(_user(request), unit_id, Perm.VIEW_UNITS)
    children = {u.pk: u for u in children_of(unit)}
    features = [
        {
            "type": "Feature",
            "id": b.unit_id,
            # ECharts finds a region's figure by its "name": the unit's id, which the page's figures carry too.
            "properties": {"name": str(b.unit_id), "unit": children[b.unit_id].name},
            "geometry": json.loads(b.geometry),
        }
        for b in Boundary.objects.filter(unit_id__in=list(children)).order_by("unit_id")
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})


def _root(request: HttpRequest, unit_id: int) -> Unit:
    unit = access_unit(_user(request), unit_id, Perm.MERGE_UNITS)
    if unit.kind.category not in IMPORT_ROOTS or unit.is_legacy:
        raise Http404
    return unit


@login_required
def boundaries_import(request: HttpRequest, unit_id: int) -> HttpResponse:
    """Upload a GeoJSON file, see every feature's problem (phase one), then confirm to store the matched ones."""
    root = _root(request, unit_id)
    form = BoundaryFileForm(request.POST or None, request.FILES or None)
    upload_id = request.POST.get("upload_id", "")
    if request.method == "POST" and upload_id:
        stored = find_upload("boundaries", root.pk, upload_id)
        if stored is None:
            messages.error(request, _("The uploaded file has expired. Upload it again."))
            return redirect("maps:import", unit_id=root.pk)
        try:
            confirmed = geojson.parse(read_upload(stored), root)
        except geojson.FileRefused as exc:
            messages.error(request, str(exc))
            return redirect("maps:import", unit_id=root.pk)
        name = request.POST.get("source_name", "")[:255] or "boundaries.geojson"
        n = services.boundaries_import(actor=_user(request), root=root, parsed=confirmed, source_name=name)
        remove_upload(stored)
        messages.success(request, _("Boundaries imported for %(n)s units.") % {"n": n})
        return redirect("maps:import", unit_id=root.pk)
    parsed: geojson.Parsed | None = None
    refused = ""
    new_id = ""
    source_name = ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        source_name = upload.name or ""
        new_id, stored = store_upload("boundaries", root.pk, upload)
        try:
            parsed = geojson.parse(read_upload(stored), root)
        except geojson.FileRefused as exc:
            refused = str(exc)
            remove_upload(stored)
            new_id = ""
    existing = (
        Boundary.objects.filter(unit__rollup_path__startswith=root.rollup_path)
        .select_related("unit", "imported_by")
        .order_by("unit__path")
    )
    context = {
        "form": form,
        "unit": root,
        "parsed": parsed,
        "refused": refused,
        "upload_id": new_id,
        "source_name": source_name,
        "existing": existing,
        "limits": {
            "bytes": geojson.MAX_BYTES,
            "features": geojson.MAX_FEATURES,
            "vertices": geojson.MAX_FEATURE_VERTICES,
        },
    }
    return render(request, "maps/import.html", context)
