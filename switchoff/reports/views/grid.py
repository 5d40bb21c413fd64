"""The days × forms grid: each cell is the day's total for the form, and changing it changes the log."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from switchoff.campaigns.models import CommunicationForm, Medium
from switchoff.lib.months import last_of_month
from switchoff.lib.text import is_id
from switchoff.people.access import access_campaign, access_reporting_unit
from switchoff.people.roles import Perm
from switchoff.reports import services
from switchoff.reports.models import Activity
from switchoff.reports.views.common import month_shown, user_of


@login_required
def activity_grid(request: HttpRequest, campaign_id: int, unit_id: int) -> HttpResponse:
    """The days × forms grid: each cell shows the day's total for the form, and changing it changes the log."""
    user = user_of(request)
    campaign = access_campaign(user, campaign_id)
    unit = access_reporting_unit(user, campaign, unit_id, Perm.REPORT)
    month = month_shown(campaign, request.GET.get("month") or request.POST.get("month"))
    # A submitted month's cells are part of its report: shown, not editable.
    month_open = not services.month_is_closed(campaign, unit, month)
    # The forms the system counts (deliveries, inspections, banners) have no column: they are never typed.
    forms = services.typed_forms(list(campaign.forms.prefetch_related("media")))
    # By default the first forms of the catalogue and every form logged this month: the grid shows the log.
    logged_forms = set(
        Activity.objects.filter(campaign=campaign, unit=unit, date__gte=month, date__lte=last_of_month(month))
        .values_list("form_id", flat=True)
        .distinct()
    )
    chosen = [f for f in forms if str(f.pk) in request.GET.getlist("f")] or [
        f for index, f in enumerate(forms) if index < 4 or f.pk in logged_forms
    ]
    today = timezone.localdate()
    days = [
        month + datetime.timedelta(days=i)
        for i in range((last_of_month(month) - month).days + 1)
        if campaign.start_date <= month + datetime.timedelta(days=i) <= min(campaign.end_date, today)
    ]
    errors: list[str] = []
    if request.method == "POST" and not month_open:
        errors.append(
            _("The report for %(month)s is already submitted; ask to have it returned first.")
            % {"month": month.strftime("%m/%Y")}
        )
    elif request.method == "POST":
        chosen = [f for f in forms if str(f.pk) in request.POST.getlist("f")]
        cells: dict[tuple[datetime.date, CommunicationForm], int | None] = {}
        for day in days:
            for form in chosen:
                name = f"c-{day:%Y%m%d}-{form.pk}"
                if name not in request.POST:
                    continue
                raw = request.POST.get(name, "").strip()
                # Only the cells the person changed: a cell left as shown leaves the log alone,
                # even if someone logged an activity of that day meanwhile.
                if raw == request.POST.get(f"o-{day:%Y%m%d}-{form.pk}", "").strip():
                    continue
                if raw and not is_id(raw):
                    errors.append(
                        _("%(day)s, %(form)s: “%(value)s” is not a whole number.")
                        % {"day": day.strftime("%d/%m/%Y"), "form": form.shown_name, "value": raw}
                    )
                    continue
                cells[(day, form)] = int(raw) if raw and int(raw) > 0 else None
        medium_by_form: dict[int, Medium | None] = {f.pk: next(iter(f.media.all()), None) for f in chosen}
        if not errors:
            try:
                saved = services.activities_grid_save(
                    actor=user, campaign=campaign, unit=unit, medium_by_form=medium_by_form, cells=cells
                )
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                messages.success(
                    request,
                    _("The grid was saved. Cells added: %(added)s; changed: %(changed)s; cleared: %(removed)s.")
                    % {"added": saved.added, "changed": saved.changed, "removed": saved.removed},
                )
                return redirect(reverse("reports:activities", args=[campaign.pk, unit.pk]) + f"?month={month:%Y-%m}")
    shown = services.grid_cells(campaign=campaign, unit=unit, days=days, forms=chosen)
    posted = request.POST if request.method == "POST" else None
    rows = []
    for day in days:
        row = []
        for form in chosen:
            cell = shown.get((day, form.pk), services.GridCell(0, 0))
            name = f"c-{day:%Y%m%d}-{form.pk}"
            logged = str(cell.total) if cell.total else ""
            row.append(
                {
                    "name": name,
                    "original": f"o-{day:%Y%m%d}-{form.pk}",
                    "logged": logged,
                    "value": posted.get(name, logged) if posted is not None else logged,
                    "single": cell.single,
                    "form": form,
                }
            )
        rows.append({"day": day, "cells": row})
    context = {
        "campaign": campaign,
        "unit": unit,
        "month": month,
        "forms": forms,
        "chosen": chosen,
        "rows": rows,
        "errors": errors,
        "month_open": month_open,
    }
    return render(request, "reports/grid.html", context)
