"""Unit pages: the tree, search, a unit, its villages and teams, merges, kinds."""

from __future__ import annotations

import datetime
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from switchoff.fieldwork.access import may_lead
from switchoff.fieldwork.services import team_villages_set
from switchoff.lib.collation import vi_order
from switchoff.lib.uploads import find_upload, read_upload, remove_upload, store_upload
from switchoff.people.access import access_unit, can, require, scope_roots, visible_units
from switchoff.people.models import Membership, User
from switchoff.people.roles import Perm
from switchoff.units import selectors, services, spreadsheets
from switchoff.units.forms import CoverageForm, KindForm, MergeForm, UnitForm, WorkbookForm
from switchoff.units.loaders import LAST_LEGACY_DAY
from switchoff.units.models import Unit, UnitKind

AS_OF_2024 = datetime.date(2024, 12, 31)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
def tree(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require(user, Perm.VIEW_UNITS)
    roots = scope_roots(user).select_related("kind").order_by("path")
    return render(request, "units/tree.html", {"roots": roots, "query": request.GET.get("q", "")})


@login_required
def search(request: HttpRequest) -> HttpResponse:
    """Search the user's area by name, with or without diacritics (HTMX or plain)."""
    user = _user(request)
    require(user, Perm.VIEW_UNITS)
    query = request.GET.get("q", "")
    results = selectors.search_units(visible_units(user), query)
    template = "units/_search_results.html" if request.headers.get("HX-Request") else "units/search.html"
    return render(request, template, {"results": results, "query": query})


@login_required
def detail(request: HttpRequest, unit_id: int) -> HttpResponse:
    user = _user(request)
    unit = access_unit(user, unit_id)
    as_of = AS_OF_2024 if request.GET.get("as_of") == "2024" else None
    if unit.is_legacy and as_of is None:
        # A unit that no longer exists is shown with what was below it then.
        as_of = unit.valid_to
    # Only ancestors the user may open appear in the breadcrumbs.
    ancestors = {u.pk: u for u in visible_units(user).filter(pk__in=unit.ancestor_ids()[:-1])}
    context = {
        "unit": unit,
        "breadcrumbs": [ancestors[i] for i in unit.ancestor_ids()[:-1] if i in ancestors],
        "children": selectors.children_of(unit, as_of=as_of),
        "as_of": as_of,
        "merged_from": unit.merged_from.select_related("kind").order_by(vi_order("name")),
        "counts": selectors.unit_counts(unit),
        # Each line shows the unit's kind and, for a legacy unit, its successor: loaded with the list.
        "covers": unit.covers.select_related("kind", "merged_into").order_by(vi_order("name"))
        if unit.kind.category == UnitKind.Category.TEAM
        else None,
        "covered_by": unit.covered_by.select_related("kind", "merged_into").order_by(vi_order("name")),
        "members": (
            Membership.objects.filter(unit=unit).select_related("user").order_by("role", vi_order("user__full_name"))
            if can(user, Perm.VIEW_PEOPLE, unit)
            else None
        ),
        "can_edit": can(user, Perm.EDIT_UNITS, unit) and not unit.is_legacy,
        "can_lead": unit.kind.category == UnitKind.Category.TEAM and may_lead(user, unit),
        "can_merge": can(user, Perm.MERGE_UNITS, unit) and not unit.is_legacy,
        "is_commune": unit.kind.category == UnitKind.Category.COMMUNE and not unit.is_legacy,
        "is_team": unit.kind.category == UnitKind.Category.TEAM,
        "has_legacy_children": Unit.objects.filter(parent=unit, valid_to__isnull=False).exists()
        or unit.merged_from.exists(),
    }
    return render(request, "units/detail.html", context)


def _allowed_child_kinds(user: User, unit: Unit) -> list[UnitKind]:
    kinds = UnitKind.objects.exclude(category__in=[UnitKind.Category.PROVINCE, UnitKind.Category.DISTRICT])
    if unit.kind.category != UnitKind.Category.COMMUNE:
        kinds = kinds.exclude(category__in=[UnitKind.Category.VILLAGE, UnitKind.Category.TEAM])
    if unit.kind.category != UnitKind.Category.PROVINCE:
        kinds = kinds.exclude(category=UnitKind.Category.COMMUNE)
    if not can(user, Perm.MERGE_UNITS, unit):
        # Reporters add villages and teams; organisations are the administrator's.
        kinds = kinds.filter(category__in=[UnitKind.Category.VILLAGE, UnitKind.Category.TEAM])
    return list(kinds)


@login_required
def add_child(request: HttpRequest, unit_id: int) -> HttpResponse:
    user = _user(request)
    unit = access_unit(user, unit_id, Perm.EDIT_UNITS)
    if unit.is_legacy:
        raise Http404
    form = UnitForm(request.POST or None)
    kinds = _allowed_child_kinds(user, unit)
    form.fields["kind"].queryset = UnitKind.objects.filter(pk__in=[k.pk for k in kinds])  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        try:
            child = services.unit_create(
                actor=user, kind=form.cleaned_data["kind"], name=form.cleaned_data["name"], parent=unit
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": child.name})
            return redirect("units:detail", unit_id=unit.pk)
    return render(
        request,
        "units/form.html",
        {"form": form, "unit": unit, "title": _("Add a unit under %(name)s") % {"name": unit.name}},
    )


@login_required
def edit(request: HttpRequest, unit_id: int) -> HttpResponse:
    user = _user(request)
    unit = access_unit(user, unit_id, Perm.EDIT_UNITS)
    form = UnitForm(request.POST or None, initial={"name": unit.name, "kind": unit.kind_id})
    same_category = UnitKind.objects.filter(category=unit.kind.category)
    if not can(user, Perm.MERGE_UNITS, unit):
        same_category = same_category.filter(pk=unit.kind_id)
    form.fields["kind"].queryset = same_category  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        services.unit_update(actor=user, unit=unit, name=form.cleaned_data["name"], kind=form.cleaned_data["kind"])
        messages.success(request, _("The unit was saved."))
        return redirect("units:detail", unit_id=unit.pk)
    return render(
        request, "units/form.html", {"form": form, "unit": unit, "title": _("Edit %(name)s") % {"name": unit.name}}
    )


@login_required
def merge(request: HttpRequest, unit_id: int) -> HttpResponse:
    user = _user(request)
    unit = access_unit(user, unit_id, Perm.MERGE_UNITS)
    if unit.is_legacy:
        raise Http404
    form = MergeForm(request.POST or None, initial={"last_day": LAST_LEGACY_DAY})
    candidates = (
        visible_units(user, Perm.MERGE_UNITS)
        .current()
        .filter(kind__category=unit.kind.category)
        .exclude(pk=unit.pk)
        .order_by(vi_order("name"))
    )
    form.fields["into"].choices = [(u.pk, u.name) for u in candidates]  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        into = candidates.get(pk=form.cleaned_data["into"])
        try:
            services.unit_merge(actor=user, unit=unit, into=into, last_day=form.cleaned_data["last_day"])
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("%(old)s was merged into %(new)s.") % {"old": unit.name, "new": into.name})
            return redirect("units:detail", unit_id=into.pk)
    return render(
        request, "units/form.html", {"form": form, "unit": unit, "title": _("Merge %(name)s") % {"name": unit.name}}
    )


def _covered_by_others(team: Unit, villages: QuerySet[Unit]) -> dict[int, str]:
    """For each village another current team covers, those teams' names."""
    rows = Unit.covers.through.objects.filter(to_unit__in=villages, from_unit__valid_to__isnull=True).exclude(
        from_unit=team
    )
    names: dict[int, list[str]] = {}
    for village_id, name in rows.values_list("to_unit_id", "from_unit__name").order_by(vi_order("from_unit__name")):
        names.setdefault(village_id, []).append(name)
    return {pk: ", ".join(n) for pk, n in names.items()}


@login_required
def coverage(request: HttpRequest, unit_id: int) -> HttpResponse:
    user = _user(request)
    team = access_unit(user, unit_id)
    if team.kind.category != UnitKind.Category.TEAM or team.parent is None:
        raise Http404
    # The commune's official or the team's leader; the team's cases without a team follow its villages.
    if not may_lead(user, team):
        raise PermissionDenied
    villages = Unit.objects.current().filter(parent=team.parent, kind__category=UnitKind.Category.VILLAGE)
    form = CoverageForm(request.POST or None, initial={"villages": list(team.covers.values_list("pk", flat=True))})
    covered_by = _covered_by_others(team, villages)
    form.fields["villages"].choices = [  # type: ignore[attr-defined]
        (v.pk, _("%(village)s (already covered by %(teams)s)") % {"village": v.name, "teams": covered_by[v.pk]}
         if v.pk in covered_by else v.name)
        for v in villages.order_by(vi_order("name"))
    ]  # fmt: skip
    if request.method == "POST" and form.is_valid():
        chosen = list(villages.filter(pk__in=form.cleaned_data["villages"]))
        team_villages_set(actor=user, team=team, villages=chosen)
        messages.success(request, _("The team's villages were saved."))
        for v in chosen:
            if v.pk in covered_by:
                messages.warning(
                    request,
                    _("%(village)s is also covered by %(teams)s: its cases stay with the team that has them.")
                    % {"village": v.name, "teams": covered_by[v.pk]},
                )
        return redirect("fieldwork:team", team_id=team.pk)
    return render(
        request,
        "units/form.html",
        {"form": form, "unit": team, "title": _("Villages covered by %(name)s") % {"name": team.name}},
    )


@login_required
def workbook_export(request: HttpRequest, unit_id: int) -> HttpResponse:
    user = _user(request)
    commune = access_unit(user, unit_id)
    if commune.kind.category != UnitKind.Category.COMMUNE:
        raise Http404
    content = spreadsheets.export_commune(commune)
    services.commune_workbook_export_record(actor=user, commune=commune)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="thon-to-{commune.code or commune.pk}.xlsx"'
    return response


@login_required
def workbook_import(request: HttpRequest, unit_id: int) -> HttpResponse:
    """Upload, check every row (phase one), then confirm to write (phase two)."""
    user = _user(request)
    commune = access_unit(user, unit_id, Perm.EDIT_UNITS)
    if commune.kind.category != UnitKind.Category.COMMUNE or commune.is_legacy:
        raise Http404
    form = WorkbookForm(request.POST or None, request.FILES or None)
    upload_id = request.POST.get("upload_id", "")
    if request.method == "POST" and upload_id:
        stored = find_upload("units", commune.pk, upload_id)
        if stored is None:
            messages.error(request, _("The uploaded file has expired. Upload it again."))
            return redirect("units:workbook_import", unit_id=commune.pk)
        confirmed = spreadsheets.parse_workbook(io.BytesIO(read_upload(stored)), commune)
        outcome = spreadsheets.apply_workbook(actor=user, commune=commune, parsed=confirmed)
        remove_upload(stored)
        messages.success(
            request,
            _("Imported: %(v)s new villages, %(t)s new teams, %(u)s teams with changed villages.")
            % {"v": outcome.villages_created, "t": outcome.teams_created, "u": outcome.teams_updated},
        )
        return redirect("units:detail", unit_id=commune.pk)
    parsed: spreadsheets.ParsedWorkbook | None = None
    new_id = ""
    if request.method == "POST" and form.is_valid():
        new_id, stored = store_upload("units", commune.pk, form.cleaned_data["file"])
        parsed = spreadsheets.parse_workbook(io.BytesIO(read_upload(stored)), commune)
    context = {"form": form, "unit": commune, "parsed": parsed, "upload_id": new_id}
    return render(request, "units/import.html", context)


@login_required
def kinds(request: HttpRequest) -> HttpResponse:
    require(_user(request), Perm.MERGE_UNITS)
    return render(request, "units/kinds.html", {"kinds": UnitKind.objects.all()})


@login_required
def kind_edit(request: HttpRequest, kind_id: int) -> HttpResponse:
    user = _user(request)
    require(user, Perm.MERGE_UNITS)
    kind = get_object_or_404(UnitKind, pk=kind_id)
    form = KindForm(request.POST or None, instance=kind)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.kind_update(
            actor=user,
            kind=kind,
            name=data["name"],
            name_en=data["name_en"],
            covers_area=data["covers_area"],
            order=data["order"],
        )
        messages.success(request, _("The kind was saved."))
        return redirect("units:kinds")
    return render(
        request, "units/form.html", {"form": form, "title": _("Edit the kind %(name)s") % {"name": kind.name}}
    )
