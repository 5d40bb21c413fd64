"""Pages of personal data: a campaign's retention, a person's request."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from switchoff.people.access import access_campaign
from switchoff.people.models import User
from switchoff.people.roles import Perm
from switchoff.privacy import selectors, services
from switchoff.privacy.forms import RetentionForm


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
