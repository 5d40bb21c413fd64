"""Pages of banners and posters: a unit's lists (also on the commune's page), recording, taking down, the photo."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from switchoff.banners import selectors, services
from switchoff.banners.forms import PlacementForm
from switchoff.fieldwork.selectors import campaign_for
from switchoff.fieldwork.services.visit_photos import PhotoRefused, photo_check_size
from switchoff.lib.collation import vi_order
from switchoff.people.access import access_unit
from switchoff.people.models import User
from switchoff.reports.selectors import activity_places
from switchoff.units.models import Unit


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
def unit_banners(request: HttpRequest, unit_id: int) -> HttpResponse:
    """The unit's lists; only the lists when HTMX asks (the commune's page loads them)."""
    user = _user(request)
    unit = access_unit(user, unit_id)
    today = timezone.localdate()
    context = {
        "unit": unit,
        "lists": selectors.unit_lists(unit, today),
        "today": today,
        "may_record": services.may_record(user, unit) and not unit.is_legacy,
    }
    template = "banners/_lists.html" if request.headers.get("HX-Request") else "banners/unit.html"
    return render(request, template, context)


def _places(unit: Unit) -> list[tuple[int, str]]:
    return [(u.pk, u.name) for u in activity_places(unit).order_by("depth", vi_order("name"))[:500]]


@login_required
def record(request: HttpRequest, unit_id: int) -> HttpResponse:
    """Record banners or posters hung by the unit, with a photo taken on the spot."""
    user = _user(request)
    unit = access_unit(user, unit_id)
    if not services.may_record(user, unit):
        raise PermissionDenied
    campaign = campaign_for(unit)
    if campaign is None:
        raise Http404
    today = timezone.localdate()
    form = PlacementForm(
        request.POST or None,
        request.FILES or None,
        places=_places(unit),
        cutoff=campaign.cutoff_date,
        today=today,
        initial={"id": uuid.uuid4(), "start": today, "quantity": 1},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        photo = data["photo"]
        try:
            if photo is not None:
                photo_check_size(photo.size or 0)
            _record_with_photo(user, campaign, unit, data, photo.read() if photo is not None else None)
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        except PhotoRefused as exc:
            form.add_error("photo", exc.message)
        except services.PlacementRefused as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Recorded: %(n)s × %(kind)s.") % {
                "n": data["quantity"], "kind": dict(form.fields["kind"].choices)[data["kind"]],  # type: ignore[attr-defined]
            })  # fmt: skip
            return redirect("banners:unit", unit.pk)
    return render(request, "banners/record.html", {"unit": unit, "form": form, "campaign": campaign})


def _record_with_photo(user: User, campaign: object, unit: Unit, data: dict[str, object], photo: bytes | None) -> None:
    services.placement_record_from_page(
        actor=user,
        campaign=campaign,  # type: ignore[arg-type]
        unit=unit,
        data=services.PlacementInput(
            id=data["id"],  # type: ignore[arg-type]
            kind=str(data["kind"]),
            quantity=int(data["quantity"]),  # type: ignore[call-overload]
            place_id=int(data["place"]),  # type: ignore[call-overload]
            address=str(data["address"] or ""),
            start=data["start"],  # type: ignore[arg-type]
            until=data["until"],  # type: ignore[arg-type]
        ),
        photo=photo,
    )


@login_required
@require_POST
def take_down(request: HttpRequest, placement_id: uuid.UUID) -> HttpResponse:
    user = _user(request)
    placement = selectors.visible_placement(user, placement_id)
    if placement is None:
        raise Http404
    try:
        done = services.placement_take_down(actor=user, placement=placement)
    except services.PlacementRefused:
        raise PermissionDenied from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if done:
            messages.success(request, _("Checked off as taken down: %(what)s.") % {"what": placement})
    unit_id = request.POST.get("unit")
    return redirect("banners:unit", int(unit_id) if unit_id and unit_id.isdigit() else placement.unit_id)


@login_required
def photo(request: HttpRequest, placement_id: uuid.UUID) -> FileResponse:
    """A placement's photo, for whoever sees its unit or place (private storage, never cached)."""
    placement = selectors.visible_placement(_user(request), placement_id)
    if placement is None or not placement.photo:
        raise Http404
    try:
        handle = placement.photo.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response
