"""Device check pages: the public check, a bulk file of IMEIs, importing a device table, the campaign's contacts."""

from __future__ import annotations

from collections import Counter

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from switchoff.campaigns.models import Campaign
from switchoff.devices.answers import explain
from switchoff.devices.forms import CheckForm, SupportForm
from switchoff.devices.imei import clean
from switchoff.devices.importer import FIELD_LABELS, FIELDS, NoTacColumn, check_table
from switchoff.devices.jobs import message_of
from switchoff.devices.models import DeviceImportJob
from switchoff.devices.radio import names
from switchoff.devices.selectors import (
    build_classifier,
    campaign_stops,
    check_device,
    check_imei,
    current_campaign,
    search_models,
)
from switchoff.devices.services import campaign_update_device_check, device_import_job_create, verdicts_tally
from switchoff.devices.spreadsheets import NoImeiColumn, classified_xlsx, read_bulk
from switchoff.devices.verdicts import Answer, Verdict
from switchoff.lib.filelimits import FileRefused, bulk_limits
from switchoff.lib.request_context import client_ip
from switchoff.lib.sheets import column_letter, read_file
from switchoff.lib.text import is_id
from switchoff.lib.throttle import hit
from switchoff.lib.uploads import find_upload, read_upload, store_upload
from switchoff.people.access import can, require
from switchoff.people.models import User
from switchoff.people.roles import Perm
from switchoff.subscribers.forms import ListFileForm

CHECK_WINDOW_S = 60
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILE_LABEL = gettext_lazy("The file (XLSX, XLS, CSV or TXT)")


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@require_http_methods(["GET", "POST"])
def public_check(request: HttpRequest) -> HttpResponse:
    """Anyone: an IMEI or a model name in, the answer in plain words out. Only counts per verdict are kept."""
    campaign = current_campaign()
    form = CheckForm(request.POST or None)
    # Whoever manages the campaign finds the way to its support contacts from the page that shows them.
    can_edit = (
        campaign is not None
        and isinstance(request.user, User)
        and can(request.user, Perm.MANAGE_CAMPAIGNS, campaign.area)
    )
    context: dict[str, object] = {
        "form": form,
        "campaign": campaign,
        "can_edit_support": can_edit,
        "cutoff_passed": campaign is not None and campaign.cutoff_date < timezone.localdate(),
    }
    if request.method != "POST" or not form.is_valid():
        return render(request, "devices/check.html", context)
    limit = settings.DEVICE_CHECK_LIMIT_PER_MIN
    if hit(f"device-check:{client_ip(request)}", window_s=CHECK_WINDOW_S, limit=limit) > limit:
        context["throttled"] = _("Too many checks from this connection in a minute. Wait a minute and try again.")
        return render(request, "devices/check.html", context, status=429)
    stops = campaign_stops(campaign)
    imei, model = form.cleaned_data["imei"], form.cleaned_data["model"]
    if clean(imei) and request.POST.get("by") != "model":
        checked = check_imei(imei, stops)
        reason = checked.parsed.reason if checked.parsed else ""
        context["answer"] = explain(checked.answer, reason=reason)
        context["verdict"] = checked.answer
        context["device"] = checked.device
        context["radio"] = names(checked.device.radio) if checked.device else []
        verdicts_tally(verdicts=Counter([checked.answer.verdict.value]))
    elif model.strip():
        found = [(d, check_device(d, stops)) for d in search_models(model)]
        context["models"] = [(d, explain(a), names(d.radio), a.uncertified) for d, a in found]
        context["searched"] = True
        verdicts_tally(verdicts=Counter([a.verdict.value for _d, a in found] or ["unknown"]))
    elif request.POST.get("by") == "model":
        context["models"], context["searched"] = [], True
    else:
        # Nothing typed: say so, rather than showing the page again as if nothing had happened (nothing counted).
        context["answer"] = explain(Answer(Verdict.INVALID), reason="empty")
    return render(request, "devices/check.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def bulk_check(request: HttpRequest) -> HttpResponse:
    """Upload a list of IMEIs, download it back with each verdict (nothing of it is stored)."""
    # Bounded by its own limits (lib/filelimits.bulk_limits): the upload's size in the form, then the
    # sheet's rows before any is read, so a big file is refused before it fills the request's memory.
    limits = bulk_limits()
    form = ListFileForm(request.POST or None, request.FILES or None, label=FILE_LABEL, limits=limits)
    context: dict[str, object] = {
        "form": form,
        "max_rows": limits.rows,
        "can_import": can(_user(request), Perm.IMPORT_DEVICES),
    }
    if request.method != "POST" or not form.is_valid():
        return render(request, "devices/bulk.html", context)
    upload = form.cleaned_data["file"]
    try:
        table = read_bulk(read_file(upload.read(), upload.name, limits=limits))
    except (FileRefused, NoImeiColumn) as exc:
        messages.error(request, exc.message)
        return render(request, "devices/bulk.html", context)
    content, totals = classified_xlsx(table, build_classifier(campaign_stops(current_campaign())))
    verdicts_tally(verdicts=Counter(totals))
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="kiem-tra-imei.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def import_table(request: HttpRequest) -> HttpResponse:
    """Upload a device table, read the check of every row, then confirm to write the good rows."""
    user = _user(request)
    require(user, Perm.IMPORT_DEVICES)
    form = ListFileForm(request.POST or None, request.FILES or None, label=FILE_LABEL)
    jobs = [(job, message_of(job)) for job in DeviceImportJob.objects.select_related("created_by")[:10]]
    running = any(job.status in {DeviceImportJob.Status.QUEUED, DeviceImportJob.Status.RUNNING} for job, _m in jobs)
    context: dict[str, object] = {"form": form, "jobs": jobs, "running": running}
    if request.method != "POST":
        return render(request, "devices/import.html", context)
    upload_id = request.POST.get("upload_id", "")
    if upload_id:
        stored = find_upload("devices", user.pk, upload_id)
        if stored is None:
            messages.error(request, _("The uploaded file has expired. Upload it again."))
            return render(request, "devices/import.html", context)
        file_name = request.POST.get("file_name", "")[:255]
    elif form.is_valid():
        upload = form.cleaned_data["file"]
        upload_id, stored = store_upload("devices", user.pk, upload)
        file_name = upload.name or "file"
    else:
        return render(request, "devices/import.html", context)
    chosen = {n: int(request.POST[f"map-{n}"]) for n in FIELDS if is_id(request.POST.get(f"map-{n}", ""))}
    try:
        checked = check_table(read_file(read_upload(stored), file_name), columns=chosen or None)
    except (FileRefused, NoTacColumn) as exc:
        messages.error(request, exc.message)
        return render(request, "devices/import.html", context)
    if request.POST.get("confirm") and checked.rows:
        # Written by a worker (the registry's classes may be millions of rows): the page lists the job below.
        device_import_job_create(actor=user, upload_id=upload_id, file_name=file_name, columns=chosen)
        messages.success(request, _("The device table is being imported. Its result shows below when it is done."))
        return redirect("devices:import")
    context.update(
        checked=checked,
        upload_id=upload_id,
        file_name=file_name,
        columns=[(n, FIELD_LABELS[n], checked.columns.get(n)) for n in FIELDS],
        column_choices=[(i, f"{column_letter(i)}: {h}") for i, h in enumerate(checked.headers)],
    )
    return render(request, "devices/import.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_support(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The campaign's support contacts and 3G date, as the public device check shows them."""
    user = _user(request)
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    require(user, Perm.MANAGE_CAMPAIGNS, campaign.area)
    initial = {"support_contacts": campaign.support_contacts, "g3_stop_date": campaign.g3_stop_date}
    form = SupportForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        campaign_update_device_check(actor=user, campaign=campaign, **form.cleaned_data)
        messages.success(request, _("Saved."))
        return redirect("devices:support", campaign_id=campaign.pk)
    return render(request, "devices/support.html", {"form": form, "campaign": campaign})
