"""Pages of the content library: the list every unit sees, a material's versions, the coordinator's upload,
who has taken the current version, the reminder, and the checked download."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from switchoff.campaigns.models import Campaign
from switchoff.library import selectors, services
from switchoff.library.forms import MaterialForm, VersionForm
from switchoff.library.models import Material, MaterialVersion
from switchoff.people.access import access_campaign, can
from switchoff.people.models import User
from switchoff.people.roles import Perm


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _manages(user: User, campaign: Campaign) -> bool:
    return can(user, Perm.MANAGE_CAMPAIGNS, campaign.area)


def _material(user: User, material_id: int) -> tuple[Material, Campaign]:
    material = Material.objects.filter(pk=material_id).first()
    if material is None:
        raise Http404
    return material, access_campaign(user, material.campaign_id)


def _version_input(data: dict[str, object]) -> services.VersionInput:
    return services.VersionInput(
        dated=data["dated"],  # type: ignore[arg-type]
        text=str(data.get("text") or ""),
        link=str(data.get("link") or ""),
        file=data.get("file"),  # type: ignore[arg-type]
        note=str(data.get("note") or ""),
    )


def _add_errors(form: VersionForm, exc: ValidationError) -> None:
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


@login_required
def library(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Every material of the campaign with its current version, for every unit taking part."""
    user = _user(request)
    campaign = access_campaign(user, campaign_id)
    materials = list(selectors.materials_of(campaign))
    current = selectors.current_versions(materials)
    rows = [(m, current.get(m.pk)) for m in materials]
    context: dict[str, object] = {"campaign": campaign, "rows": rows, "manages": _manages(user, campaign)}
    if can(user, Perm.VIEW_REPORTS, campaign.area):
        context["usage"] = selectors.usage(campaign)
    return render(request, "library/list.html", context)


@login_required
def material_new(request: HttpRequest, campaign_id: int) -> HttpResponse:
    user = _user(request)
    campaign = access_campaign(user, campaign_id, Perm.MANAGE_CAMPAIGNS)
    choices = [(f.pk, f.shown_name) for f in campaign.forms.all()]
    form = MaterialForm(request.POST or None, request.FILES or None, form_choices=choices,
                        initial={"dated": timezone.localdate()})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            material = services.material_create(
                actor=user,
                campaign=campaign,
                title=data["title"],
                kind=data["kind"],
                forms=list(campaign.forms.filter(pk__in=[int(f) for f in data["forms"]])),
                first=_version_input(data),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Added to the library: %(title)s.") % {"title": material.title})
            return redirect("library:material", material.pk)
    return render(request, "library/new.html", {"campaign": campaign, "form": form})


@login_required
def material(request: HttpRequest, material_id: int) -> HttpResponse:
    """A material's versions (the current one first); for the coordinator, who has taken the current one."""
    user = _user(request)
    item, campaign = _material(user, material_id)
    manages = _manages(user, campaign)
    versions = list(item.versions.select_related("uploaded_by"))
    form = VersionForm(request.POST or None, request.FILES or None, initial={"dated": timezone.localdate()})
    if request.method == "POST":
        if not manages:
            raise Http404
        if form.is_valid():
            try:
                version = services.material_version_add(
                    actor=user, material=item, data=_version_input(form.cleaned_data)
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request, _("Version %(n)s added; the earlier ones stay readable.") % {"n": version.number}
                )
                return redirect("library:material", item.pk)
    context: dict[str, object] = {"material": item, "campaign": campaign, "versions": versions, "manages": manages}
    if manages and versions:
        context["form"] = form
        context["taken"] = selectors.units_with(versions[0])
        context["missing"] = selectors.units_without(versions[0])
    return render(request, "library/material.html", context)


@login_required
@require_POST
def remind(request: HttpRequest, material_id: int) -> HttpResponse:
    user = _user(request)
    item, campaign = _material(user, material_id)
    access_campaign(user, campaign.pk, Perm.MANAGE_CAMPAIGNS)
    told = services.material_remind(actor=user, material=item)
    messages.success(request, _("Reminder sent to %(n)s people.") % {"n": told})
    return redirect("library:material", item.pk)


@login_required
@require_POST
def download(request: HttpRequest, version_id: int) -> HttpResponse | FileResponse:
    """The version's file, text or link for anyone taking part in the campaign; who took it is recorded (POST)."""
    user = _user(request)
    version = MaterialVersion.objects.filter(pk=version_id).select_related("material").first()
    if version is None:
        raise Http404
    access_campaign(user, version.material.campaign_id)
    services.material_download_record(actor=user, version=version)
    if version.file:
        try:
            handle = version.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        response: HttpResponse | FileResponse = FileResponse(
            handle, as_attachment=True, filename=version.file_name or f"v{version.number}"
        )
    elif version.link:
        return HttpResponseRedirect(version.link)
    else:
        response = HttpResponse(version.text, content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="v{version.number}.txt"'
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response
