"""Pages of personal data: a campaign's retention, a person's request."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from switchoff.people.access import access_campaign, can, require
from switchoff.people.models import User
from switchoff.people.roles import Perm
from switchoff.privacy import person, selectors, services
from switchoff.privacy.forms import CorrectForm, EraseForm, LookupForm, RetentionForm
from switchoff.privacy.models import PersonRequest


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
def retention_page(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """How long the campaign keeps personal data, what goes then and what stays; the coordinator sets the period."""
    user = _user(request)
    campaign = access_campaign(user, campaign_id, Perm.MANAGE_CAMPAIGNS)
    today = timezone.localdate()
    state = selectors.retention_state(campaign, today)
    form = RetentionForm(request.POST or None, initial={"months": state.months})
    if request.method == "POST" and form.is_valid():
        try:
            services.retention_set(actor=user, campaign=campaign, months=form.cleaned_data["months"])
        except services.RetentionError as exc:
            form.add_error("months", str(exc))
        else:
            messages.success(request, _("The retention period was saved."))
            return redirect("privacy:retention", campaign_id=campaign.pk)
    limits = {"settings_low": settings.RETENTION_MONTHS_MIN, "settings_high": settings.RETENTION_MONTHS_MAX}
    return render(request, "privacy/retention.html", {"campaign": campaign, "state": state, "form": form, **limits})


@login_required
def retention_figures(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The campaign's figures without any person: what may be kept after the erasure."""
    campaign = access_campaign(_user(request), campaign_id, Perm.MANAGE_CAMPAIGNS)
    response = HttpResponse(
        selectors.figures_workbook(campaign),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.pk}-figures.xlsx"'
    return response


def _request(user: User, request_id: int) -> PersonRequest:
    """A request the user looked up, while they still answer requests; anyone else gets a 404."""
    if not can(user, Perm.ANSWER_REQUESTS):
        raise Http404
    found = PersonRequest.objects.filter(pk=request_id, by=user, kind=PersonRequest.Kind.ACCESS).first()
    if found is None:
        raise Http404
    return found


@login_required
def requests_page(request: HttpRequest) -> HttpResponse:
    """A person's request: look their number up (logged like a reveal), then see, correct or erase."""
    user = _user(request)
    require(user, Perm.ANSWER_REQUESTS)
    form = LookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = services.person_lookup(actor=user, **form.cleaned_data)
        except services.RequestError as exc:
            form.add_error("number", str(exc))
        else:
            return redirect("privacy:request", request_id=made.pk)
    mine = PersonRequest.objects.filter(by=user).select_related("erasure")[:50]
    return render(request, "privacy/requests.html", {"form": form, "requests": mine})


@login_required
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    user = _user(request)
    found = _request(user, request_id)
    scope = services.request_scope(found)
    context = {
        "req": found,
        "held": person.held(scope),
        "looks": person.looks(scope),
        "correct_form": CorrectForm(prefix="correct"),
        "erase_form": EraseForm(prefix="erase"),
    }
    return render(request, "privacy/request.html", context)


@login_required
def request_file(request: HttpRequest, request_id: int) -> HttpResponse:
    """Everything held about the person as one Excel file (a sheet per kind, and who looked); logged."""
    user = _user(request)
    found = _request(user, request_id)
    scope = services.request_scope(found)
    kinds, looks = person.held(scope), person.looks(scope)
    services.person_file_record(actor=user, request=found, records=sum(len(kind.rows) for kind in kinds))
    response = HttpResponse(
        selectors.person_workbook(kinds, looks),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="request-{found.pk}.xlsx"'
    return response


@login_required
def request_correct(request: HttpRequest, request_id: int) -> HttpResponse:
    user = _user(request)
    found = _request(user, request_id)
    if request.method != "POST":
        return redirect("privacy:request", request_id=found.pk)
    form = CorrectForm(request.POST, prefix="correct")
    if form.is_valid():
        try:
            rows = services.person_correct(actor=user, request=found, **form.cleaned_data)
        except services.RequestError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, ngettext("%(n)s record corrected.", "%(n)s records corrected.", rows) % {"n": rows}
            )
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("privacy:request", request_id=found.pk)


@login_required
def request_erase(request: HttpRequest, request_id: int) -> HttpResponse:
    user = _user(request)
    found = _request(user, request_id)
    if request.method != "POST":
        return redirect("privacy:request", request_id=found.pk)
    form = EraseForm(request.POST, prefix="erase")
    if form.is_valid():
        try:
            erasure = services.person_erase(actor=user, request=found, reason=form.cleaned_data["reason"])
        except services.RequestError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("Everything held about the person was erased: %(rows)s rows, %(files)s files. The figures stay.")
                % {"rows": erasure.total_rows, "files": erasure.files},
            )
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("privacy:request", request_id=found.pk)
