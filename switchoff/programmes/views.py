"""Support programme pages: the list, a programme (its stock, referrals and history), referring a case, a referral."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from switchoff.fieldwork.access import access_case
from switchoff.lib.forms import errors_into, read_uploaded_sheet
from switchoff.lib.phones import mask_phone
from switchoff.people.access import access_unit, can, visible_campaigns, visible_units
from switchoff.people.models import User
from switchoff.people.roles import Perm
from switchoff.programmes import deliveries, services
from switchoff.programmes.access import (
    access_programme,
    access_referral,
    may_approve,
    may_manage,
    owner_units,
    visible_programmes,
)
from switchoff.programmes.deliveries import check_deliveries
from switchoff.programmes.eligibility import household_category, reasons_not
from switchoff.programmes.forms import (
    DecideForm,
    DeliveryForm,
    DeliveryListForm,
    HouseholdListForm,
    ProgrammeForm,
    ReferForm,
    stock_text,
)
from switchoff.programmes.households import (
    category_counts,
    check_households,
    commune_villages,
    household_match_decide,
    households_import,
    proposed_matches,
)
from switchoff.programmes.models import Category, HouseholdCategory, Programme, Referral
from switchoff.programmes.selectors import programme_history, programme_stock, referrals_of
from switchoff.units.models import Unit, UnitKind


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
@require_http_methods(["GET"])
def programme_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    programmes = visible_programmes(user).select_related("area", "owner", "campaign").order_by("-starts_on", "pk")
    return render(
        request,
        "programmes/list.html",
        {
            "programmes": programmes,
            "can_define": owner_units(user).exists(),
            "communes": visible_units(user, Perm.MANAGE_FIELD).filter(
                kind__category=UnitKind.Category.COMMUNE, valid_to__isnull=True
            )[:50],
            "referrals": referrals_of(user)[:50],
            "today": timezone.localdate(),
        },
    )


def _programme_form(request: HttpRequest, user: User, **kwargs: object) -> ProgrammeForm:
    # An operator's staff see only their branch, yet their programme covers the campaign's communes.
    campaigns = visible_campaigns(user)
    within = Q(pk__in=[])
    for path in campaigns.values_list("area__rollup_path", flat=True):
        within |= Q(rollup_path__startswith=path)
    return ProgrammeForm(
        request.POST or None,
        campaigns=campaigns,
        owners=owner_units(user),
        areas=Unit.objects.filter(within),
        **kwargs,
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not owner_units(user).exists():
        raise PermissionDenied
    form = _programme_form(request, user)
    if request.method == "POST" and form.is_valid():
        try:
            programme = services.programme_create(
                actor=user,
                campaign=form.cleaned_data["campaign"],
                fields=form.programme_fields(),
                stock=form.cleaned_data.get("stock_lines", []),
            )
        except ValidationError as error:
            errors_into(form, error)
        else:
            messages.success(request, _("Programme saved."))
            return redirect("programmes:detail", programme_id=programme.pk)
    return render(request, "programmes/form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def programme_edit(request: HttpRequest, programme_id: int) -> HttpResponse:
    user = _user(request)
    programme = access_programme(user, programme_id)
    if not may_manage(user, programme):
        raise PermissionDenied
    initial = {
        "campaign": programme.campaign_id,
        "name": programme.name,
        "sponsor": programme.sponsor,
        "sponsor_name": programme.sponsor_name,
        "owner": programme.owner_id,
        "benefit": programme.benefit,
        "benefit_detail": programme.benefit_detail,
        "categories": programme.categories,
        "operator": programme.operator_id,
        "conditions": programme.conditions,
        "documents": programme.documents,
        "area": programme.area_id,
        "starts_on": programme.starts_on.strftime("%d/%m/%Y"),
        "ends_on": programme.ends_on.strftime("%d/%m/%Y"),
        "stock": stock_text(programme),
    }
    form = _programme_form(request, user, initial=initial)
    form.fields["campaign"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.programme_update(
                actor=user,
                programme=programme,
                fields=form.programme_fields(),
                stock=form.cleaned_data.get("stock_lines", []),
            )
        except ValidationError as error:
            errors_into(form, error)
        else:
            messages.success(request, _("Programme saved."))
            return redirect("programmes:detail", programme_id=programme.pk)
    return render(request, "programmes/form.html", {"form": form, "programme": programme})


@login_required
@require_http_methods(["GET"])
def programme_detail(request: HttpRequest, programme_id: int) -> HttpResponse:
    user = _user(request)
    programme = access_programme(user, programme_id)
    labels = {f.name: f.verbose_name for f in Programme._meta.get_fields() if hasattr(f, "verbose_name")}
    labels["stock"] = _("Stock per area")
    history = [
        (change.version, [str(labels.get(name.removesuffix("_id"), name)) for name in change.changed])
        for change in programme_history(programme)
    ]
    return render(
        request,
        "programmes/detail.html",
        {
            "programme": programme,
            "stock": programme_stock(programme),
            "categories": [Category(c).label for c in programme.categories],
            "history": history,
            "referrals": referrals_of(user, programme)[:200],
            "manage": may_manage(user, programme),
        },
    )


def _programmes_for_case(user: User, case_unit_path: str) -> list[Programme]:
    today = timezone.localdate()
    return [
        p
        for p in visible_programmes(user).select_related("area").filter(ends_on__gte=today)
        if case_unit_path.startswith(p.area.rollup_path)
    ]


@login_required
@require_http_methods(["GET", "POST"])
def refer(request: HttpRequest, case_id: int) -> HttpResponse:
    """Refer a case's person: the answer (qualifies, or every reason why not) comes at once."""
    user = _user(request)
    case = access_case(user, case_id)  # the member working on it, their leader, the commune's official
    offered = _programmes_for_case(user, case.unit.rollup_path)
    form = ReferForm(request.POST or None, programmes=Programme.objects.filter(pk__in=[p.pk for p in offered]))
    today = timezone.localdate()
    judged = [(p, reasons_not(p, case, today=today)) for p in offered]
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.referral_create(
                actor=user, programme=form.cleaned_data["programme"], case=case, note=form.cleaned_data["note"]
            )
        except services.NotEligible as refused:
            form.add_error(None, refused.reasons)
        except ValidationError as error:
            errors_into(form, error)
        else:
            messages.success(request, _("Referred. The person qualifies; the referral waits for approval."))
            return redirect("programmes:referral", referral_id=referral.pk)
    return render(
        request,
        "programmes/refer.html",
        {"case": case, "form": form, "judged": judged, "category": household_category(case)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def referral(request: HttpRequest, referral_id: int) -> HttpResponse:
    """A referral: its decision (approve / refuse) and, once approved, its delivery."""
    user = _user(request)
    found = access_referral(user, referral_id)
    approver = may_approve(user, found.programme, found.unit)
    decide = DecideForm(request.POST if request.POST.get("action") in {"approve", "refuse"} else None)
    deliver = DeliveryForm(
        request.POST if request.POST.get("action") == "deliver" else None,
        initial={"delivered_on": timezone.localdate().strftime("%d/%m/%Y"), "key": uuid.uuid4()},
    )
    if request.method == "POST":
        if not approver:
            raise PermissionDenied
        action = request.POST.get("action")
        if action in {"approve", "refuse"} and decide.is_valid():
            try:
                services.referral_decide(
                    actor=user, referral=found, approve=action == "approve", reason=decide.cleaned_data["reason"]
                )
            except services.NotEligible as refused:
                decide.add_error(None, refused.reasons)
            except ValidationError as error:
                errors_into(decide, error)
            else:
                messages.success(request, _("Approved.") if action == "approve" else _("Refused."))
                return redirect("programmes:referral", referral_id=found.pk)
        elif action == "deliver" and deliver.is_valid():
            data = deliver.cleaned_data
            given = services.DeliveryInput(
                delivered_on=data["delivered_on"], place=data["place"], imei=data["imei"], client_key=data["key"]
            )
            try:
                services.delivery_record(actor=user, referral=found, given=given)
            except ValidationError as error:
                errors_into(deliver, error)
            else:
                messages.success(request, _("Delivery recorded."))
                return redirect("programmes:referral", referral_id=found.pk)
    delivery = getattr(found, "delivery", None) if found.state == Referral.State.DELIVERED else None
    return render(
        request,
        "programmes/referral.html",
        {
            "referral": found,
            "case": found.case,
            "approver": approver,
            "decide": decide,
            "deliver": deliver,
            "delivery": delivery,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def deliveries_import(request: HttpRequest, programme_id: int) -> HttpResponse:
    """The sponsor's list of the phones its stores handed over: each row matched and recorded, or listed."""
    user = _user(request)
    programme = access_programme(user, programme_id)
    if not (may_manage(user, programme) or can(user, Perm.APPROVE_SUPPORT, programme.owner)):
        raise PermissionDenied
    form = DeliveryListForm(request.POST or None, request.FILES or None)
    result = None
    read = read_uploaded_sheet(form) if request.method == "POST" and form.is_valid() else None
    if read is not None:
        result = deliveries.deliveries_import(
            actor=user, programme=programme, checked=check_deliveries(read), file_name=form.cleaned_data["file"].name
        )
    return render(
        request, "programmes/deliveries_import.html", {"programme": programme, "form": form, "result": result}
    )


@login_required
@require_http_methods(["GET", "POST"])
def households(request: HttpRequest, unit_id: int) -> HttpResponse:
    """The commune's list of poor, near-poor and policy households: its counts, and its workbook imported."""
    user = _user(request)
    commune = access_unit(user, unit_id, Perm.MANAGE_FIELD)
    if commune.kind.category != UnitKind.Category.COMMUNE:
        raise Http404
    if request.method == "POST" and "match" in request.POST:
        match = request.POST.get("match", "")
        row = HouseholdCategory.objects.filter(unit=commune, pk=int(match)).first() if match.isdigit() else None
        if row is None:
            raise Http404
        confirm = request.POST.get("decision") == "confirm"
        household_match_decide(actor=user, row=row, confirm=confirm)
        messages.success(request, _("Match confirmed.") if confirm else _("Match dismissed: it is not proposed again."))
        return redirect("programmes:households", unit_id=commune.pk)
    form = HouseholdListForm(request.POST or None, request.FILES or None, initial={"year": timezone.localdate().year})
    result, problems = None, []
    read = read_uploaded_sheet(form) if request.method == "POST" and form.is_valid() else None
    if read is not None:
        checked = check_households(read, commune, commune_villages(commune))
        problems = checked.problems
        result = households_import(actor=user, commune=commune, checked=checked, year=form.cleaned_data["year"])
    counts = category_counts(commune)
    return render(
        request,
        "programmes/households.html",
        {
            "commune": commune,
            "form": form,
            "result": result,
            "problems": problems,
            "counts": [(Category(c).label, counts.get(c, 0)) for c in Category],
            "proposals": [
                (row, mask_phone(row.proposed.msisdn) if row.proposed else "") for row in proposed_matches(commune)
            ],
        },
    )
