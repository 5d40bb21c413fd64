"""A unit's activity log for a month, and the form to log one more activity of that month."""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from switchoff.lib.collation import vi_order
from switchoff.lib.months import last_of_month
from switchoff.library.models import MaterialVersion
from switchoff.people.access import access_campaign, access_reporting_unit, can
from switchoff.people.roles import Perm
from switchoff.reports import services
from switchoff.reports.forms import ActivityForm
from switchoff.reports.models import Activity
from switchoff.reports.selectors import activity_places, totals_by_count_unit
from switchoff.reports.views.common import month_shown, user_of
from switchoff.units.models import Unit


def _places(unit: Unit) -> list[Unit]:
    return list(activity_places(unit).order_by("depth", vi_order("name"))[:500])


@login_required
def activities(request: HttpRequest, campaign_id: int, unit_id: int) -> HttpResponse:
    """The unit's activity log for a month, and the form to log one more in that month.

    The form belongs to the month shown: its date starts in that month and must stay in it, so that
    an entry made while looking at November never lands in December. A month whose report is
    submitted takes no more activities: the page says so instead of showing the form.
    """
    user = user_of(request)
    campaign = access_campaign(user, campaign_id)
    unit = access_reporting_unit(user, campaign, unit_id)
    month = month_shown(campaign, request.GET.get("month") or request.POST.get("month"))
    month_open = not services.month_is_closed(campaign, unit, month)
    can_report = can(user, Perm.REPORT, unit)
    forms = list(campaign.forms.prefetch_related("media"))
    media = list(campaign.media.all())
    places = _places(unit)
    form = ActivityForm(
        request.POST or None,
        request.FILES or None,
        month=month,
        initial={
            "client_key": uuid.uuid4().hex,
            "month": f"{month:%Y-%m}",
            "date": min(timezone.localdate(), last_of_month(month), campaign.end_date),
        },
    )
    # The forms the system counts (deliveries, inspections, banners) are shown in the log, never offered.
    typed = [(f.pk, f"{f.shown_name} ({f.shown_count_unit})") for f in services.typed_forms(forms)]
    form.fields["form"].choices = typed  # type: ignore[attr-defined]
    form.fields["medium"].choices = [("", "—")] + [(m.pk, m.shown_name) for m in media]  # type: ignore[attr-defined]
    form.fields["place"].choices = [("", "—")] + [(p.pk, p.name) for p in places]  # type: ignore[attr-defined]
    materials = list(
        MaterialVersion.objects.filter(material__campaign=campaign)
        .select_related("material")
        .order_by(vi_order("material__title"), "-number")
    )
    form.fields["material"].choices = [("", "—")] + [(v.pk, f"{v.material.title} v{v.number}") for v in materials]  # type: ignore[attr-defined]
    if request.method == "POST":
        if not can_report:
            return HttpResponse(status=403)
        if form.is_valid():
            data = form.cleaned_data
            try:
                activity, _created = services.activity_create(
                    actor=user,
                    campaign=campaign,
                    unit=unit,
                    day=data["date"],
                    form=next(f for f in forms if f.pk == data["form"]),
                    medium=next((m for m in media if m.pk == data["medium"]), None),
                    count=data["count"],
                    people_reached=data["people_reached"],
                    place=next((p for p in places if p.pk == data["place"]), None),
                    description=data["description"],
                    evidence_url=data["evidence_url"],
                    evidence_file=data["evidence_file"],
                    client_key=data["client_key"],
                    material=next((v for v in materials if v.pk == data["material"]), None),
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]:
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("The activity was logged."))
                url = reverse("reports:activities", args=[campaign.pk, unit.pk]) + f"?month={activity.date:%Y-%m}"
                return redirect(url)
    log = (
        Activity.objects.filter(campaign=campaign, unit=unit, date__gte=month, date__lte=last_of_month(month))
        .select_related("form", "medium", "place", "sheet_import", "material__material")
        .order_by("-date", "-pk")
    )
    context = {
        "campaign": campaign,
        "unit": unit,
        "month": month,
        "months": campaign.months(),
        "log": log,
        "form": form,
        "can_report": can_report,
        # Activities of a submitted month are part of that report: none added, none deleted.
        "month_open": month_open,
        # Never one sum over different units of count (broadcasts, articles, banners).
        "totals": totals_by_count_unit(
            [(a.form, a.count) for a in sorted(log, key=lambda a: (a.form.order, a.form_id))]
        ),
    }
    return render(request, "reports/activities.html", context)


@login_required
@require_GET
def activity_evidence(request: HttpRequest, campaign_id: int, unit_id: int, activity_id: int) -> FileResponse:
    """An activity's evidence file, for whoever may see the unit's log: read through its storage (a folder or the
    bucket) by this server, never from a URL of the storage itself. Downloaded, never shown inline."""
    user = user_of(request)
    campaign = access_campaign(user, campaign_id)
    unit = access_reporting_unit(user, campaign, unit_id)
    activity = get_object_or_404(Activity, pk=activity_id, campaign=campaign, unit=unit)
    if not activity.evidence_file:
        raise Http404
    try:
        handle = activity.evidence_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    name = PurePosixPath(activity.evidence_file.name or "evidence").name
    response = FileResponse(handle, as_attachment=True, filename=name)
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def activity_delete(request: HttpRequest, campaign_id: int, unit_id: int, activity_id: int) -> HttpResponse:
    user = user_of(request)
    campaign = access_campaign(user, campaign_id)
    unit = access_reporting_unit(user, campaign, unit_id, Perm.REPORT)
    activity = get_object_or_404(Activity, pk=activity_id, campaign=campaign, unit=unit)
    try:
        services.activity_delete(actor=user, activity=activity)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(reverse("reports:activities", args=[campaign.pk, unit.pk]) + f"?month={activity.date:%Y-%m}")
