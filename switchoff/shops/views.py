"""Shop pages: a commune's shops (never informed, found selling phones without 4G, due for a follow-up), a shop
with its inspections, registering a shop (or the commune's workbook of them), recording an inspection, a
commitment's scan."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from switchoff.devices.verdicts import Verdict
from switchoff.lib.forms import errors_into, read_uploaded_sheet
from switchoff.people.access import can
from switchoff.people.models import User
from switchoff.people.roles import Perm
from switchoff.programmes.households import commune_villages
from switchoff.shops import importing, services
from switchoff.shops.access import access_inspection, access_shop, shop_places
from switchoff.shops.forms import InspectionForm, ShopForm, ShopImportForm
from switchoff.shops.selectors import FILTERS, shop_counts, shop_list
from switchoff.units.models import UnitKind


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
@require_http_methods(["GET"])
def shop_list_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not can(user, Perm.INSPECT_SHOPS):
        raise PermissionDenied
    communes = shop_places(user).filter(kind__category="commune").order_by("name")
    unit_id = request.GET.get("unit", "")
    chosen = next((c for c in communes if str(c.pk) == unit_id), None)
    which = request.GET.get("which", "")
    which = which if which in FILTERS else ""
    unit_pk = chosen.pk if chosen else None
    return render(
        request,
        "shops/list.html",
        {
            "shops": shop_list(user, unit_id=unit_pk, which=which)[:500],
            "counts": shop_counts(user, unit_id=unit_pk),
            "communes": communes,
            "chosen": chosen,
            "which": which,
            "today": timezone.localdate(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def shop_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    places = shop_places(user)
    if not places.exists():
        raise PermissionDenied
    form = ShopForm(request.POST or None, places=places)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        given = services.ShopInput(
            name=data["name"],
            owner_name=data["owner_name"],
            address=data["address"],
            phone=data["phone"],
            dealer_of=data["dealer_of"],
        )
        try:
            shop = services.shop_register(actor=user, place=data["place"], given=given)
        except ValidationError as error:
            errors_into(form, error)
        else:
            messages.success(request, _("Shop registered."))
            return redirect("shops:detail", shop_id=shop.pk)
    return render(request, "shops/new.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def shop_import(request: HttpRequest) -> HttpResponse:
    """The commune's own workbook of shops: every problem by row and column, the new shops registered."""
    user = _user(request)
    communes = shop_places(user).filter(kind__category=UnitKind.Category.COMMUNE)
    if not communes.exists():
        raise PermissionDenied
    form = ShopImportForm(request.POST or None, request.FILES or None, communes=communes)
    result, problems = None, []
    read = read_uploaded_sheet(form) if request.method == "POST" and form.is_valid() else None
    if read is not None:
        commune = form.cleaned_data["commune"]
        checked = importing.check_shops(read, commune_villages(commune), importing.operators_by_name())
        problems = checked.problems
        result = importing.shops_import(actor=user, commune=commune, checked=checked)
    return render(request, "shops/import.html", {"form": form, "result": result, "problems": problems})


@login_required
@require_http_methods(["GET", "POST"])
def shop_detail(request: HttpRequest, shop_id: int) -> HttpResponse:
    """A shop, its inspections with each phone found and its verdict, and the form of the next inspection."""
    user = _user(request)
    shop = access_shop(user, shop_id)
    form = InspectionForm(
        request.POST or None,
        request.FILES or None,
        initial={"inspected_on": timezone.localdate().strftime("%d/%m/%Y"), "key": uuid.uuid4()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        given = services.InspectionInput(
            inspected_on=data["inspected_on"],
            informed=data["informed"],
            commitment_signed=data["commitment_signed"],
            phones=data["phones"].splitlines(),
            follow_up_on=data["follow_up_on"],
            note=data["note"],
            commitment=data["commitment"],
            client_key=data["key"],
        )
        try:
            services.inspection_record(actor=user, shop=shop, given=given)
        except ValidationError as error:
            errors_into(form, error)
        else:
            messages.success(request, _("Inspection recorded."))
            return redirect("shops:detail", shop_id=shop.pk)
    inspections = list(shop.inspections.select_related("inspector").prefetch_related("items"))
    return render(
        request,
        "shops/detail.html",
        {
            "shop": shop,
            "inspections": inspections,
            "form": form,
            "bad": {Verdict.STOPS, Verdict.UNTIL_3G, Verdict.CALLS_STOP},
        },
    )


@login_required
@require_http_methods(["GET"])
def commitment(request: HttpRequest, inspection_id: int) -> FileResponse:
    """A signed commitment's scan, for whoever may see the shop; each view is logged, never cached."""
    user = _user(request)
    inspection = access_inspection(user, inspection_id)
    if not inspection.commitment:
        raise Http404
    try:
        handle = inspection.commitment.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    services.commitment_view_record(actor=user, inspection=inspection)
    response = FileResponse(handle)
    response["Cache-Control"] = "private, no-store"
    return response
