"""Registry pages: the list of a unit's subscribers, one subscriber's history, revealing a number, importing a list."""

from __future__ import annotations

import datetime
import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from switchoff.audit.services import log_action
from switchoff.lib.phones import display_phone, mask_phone, parse_subscriber_number
from switchoff.lib.text import fold
from switchoff.lib.uploads import find_upload, store_upload
from switchoff.people.access import access_unit, can, require, scope_roots, visible_units
from switchoff.people.models import User
from switchoff.people.roles import Perm, Role
from switchoff.subscribers.forms import ListFileForm
from switchoff.subscribers.importer import (
    check_list,
    column_letter,
    rejected_rows_xlsx,
    remember_columns,
    remembered_columns,
)
from switchoff.subscribers.jobs import clear_cancel, is_stalled, owner_key, progress, request_cancel
from switchoff.subscribers.models import ImportJob, NumberView, Subscriber
from switchoff.subscribers.reader import FIELDS, UnreadableFile, propose_mapping, read_file
from switchoff.subscribers.selectors import import_choices, unit_counts, visible_subscribers
from switchoff.subscribers.tasks import import_job_task
from switchoff.units.models import Unit, UnitKind

PAGE_SIZE = 50
FIELD_LABELS = {
    "msisdn": gettext_lazy("Number"),
    "name": gettext_lazy("Name"),
    "address": gettext_lazy("Address"),
    "village": gettext_lazy("Village / residential group"),
    "commune": gettext_lazy("Commune / ward"),
    "district": gettext_lazy("District (before 7/2025)"),
    "imei": "IMEI",
    "device": gettext_lazy("Device"),
}
GEOGRAPHIC = [UnitKind.Category.PROVINCE, UnitKind.Category.COMMUNE, UnitKind.Category.VILLAGE]


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
def registry(request: HttpRequest) -> HttpResponse:
    """A unit's subscribers (legacy units merged into it included), filtered, searched, keyset-paginated."""
    user = _user(request)
    require(user, Perm.VIEW_SUBSCRIBERS)
    unit_id = request.GET.get("unit", "")
    operator_units = list(
        Unit.objects.filter(pk__in=user.memberships.filter(role=Role.OPERATOR_STAFF).values("unit_id"))
    )
    unit: Unit | None
    if unit_id.isdigit():
        unit = access_unit(user, int(unit_id), Perm.VIEW_SUBSCRIBERS)
        within = Unit.objects.rolling_into(unit)
        subscribers = visible_subscribers(user).filter(Q(unit__in=within) | Q(unit__isnull=True, list_area__in=within))
        counts = unit_counts(unit)
    else:
        # Everything the user may see: their area, and for operator staff their operator's whole list.
        unit = scope_roots(user).filter(kind__category__in=GEOGRAPHIC).order_by("depth", "pk").first()
        subscribers = visible_subscribers(user)
        if unit is not None:
            counts = unit_counts(unit)
        elif operator_units:
            branch = operator_units[0]
            counts = unit_counts(branch.geographic_anchor(), operator=branch)
        else:
            counts = unit_counts(scope_roots(user).order_by("depth", "pk").first() or Unit())
    status = request.GET.get("status", "listed")
    if status in {Subscriber.Status.LISTED, Subscriber.Status.LEFT}:
        subscribers = subscribers.filter(status=status)
    operator = request.GET.get("operator", "")
    if operator.isdigit():
        subscribers = subscribers.filter(operator_id=int(operator))
    query = request.GET.get("q", "").strip()
    if query:
        number = parse_subscriber_number(query)
        if number.e164:
            subscribers = subscribers.filter(msisdn=number.e164)
        else:
            for word in fold(query).split():
                subscribers = subscribers.filter(search_name__contains=word)
    after = request.GET.get("after", "")
    if after.isdigit():
        subscribers = subscribers.filter(pk__gt=int(after))
    page = list(subscribers.select_related("unit", "operator").order_by("pk")[: PAGE_SIZE + 1])
    more = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    villages = (
        Unit.objects.filter(parent=unit, kind__category__in=[UnitKind.Category.VILLAGE, UnitKind.Category.COMMUNE])
        .filter(pk__in=visible_units(user, Perm.VIEW_SUBSCRIBERS))
        .order_by("valid_to", "search_name")
        if unit is not None
        else Unit.objects.none()
    )
    context = {
        "unit": unit,
        "rows": [(s, mask_phone(s.msisdn)) for s in page],
        "next_after": page[-1].pk if more else None,
        "counts": counts,
        "status": status,
        "query": query,
        "operator": operator,
        "operators": Unit.objects.filter(
            kind__code="operator_branch", pk__in=subscribers.values("operator_id")
        ).order_by("name"),
        "children": villages,
        "can_import": can(user, Perm.IMPORT_SUBSCRIBERS),
    }
    return render(request, "subscribers/registry.html", context)


def _subscriber(user: User, subscriber_id: int) -> Subscriber:
    try:
        return visible_subscribers(user).select_related("unit", "operator", "list_area").get(pk=subscriber_id)
    except Subscriber.DoesNotExist:
        raise Http404 from None


@login_required
def subscriber_detail(request: HttpRequest, subscriber_id: int) -> HttpResponse:
    user = _user(request)
    subscriber = _subscriber(user, subscriber_id)
    context = {
        "subscriber": subscriber,
        "masked": mask_phone(subscriber.msisdn),
        "events": subscriber.events.select_related("source").order_by("as_of", "pk"),
        "can_reveal": can(user, Perm.REVEAL_NUMBERS, subscriber.unit or subscriber.list_area)
        or subscriber.operator_id in set(user.memberships.values_list("unit_id", flat=True)),
        "revealed": None,
    }
    return render(request, "subscribers/detail.html", context)


@login_required
@require_POST
def subscriber_reveal(request: HttpRequest, subscriber_id: int) -> HttpResponse:
    """Show the full number once, and log who saw it."""
    user = _user(request)
    subscriber = _subscriber(user, subscriber_id)
    allowed = can(user, Perm.REVEAL_NUMBERS, subscriber.unit or subscriber.list_area) or subscriber.operator_id in set(
        user.memberships.values_list("unit_id", flat=True)
    )
    if not allowed:
        return HttpResponse(status=403)
    NumberView.objects.create(user=user, purpose="reveal", subscriber_ids=[subscriber.pk])
    log_action("subscribers.number.revealed", actor=user, obj=subscriber, unit=subscriber.unit or subscriber.list_area)
    context = {
        "subscriber": subscriber,
        "masked": mask_phone(subscriber.msisdn),
        "events": subscriber.events.select_related("source").order_by("as_of", "pk"),
        "can_reveal": True,
        "revealed": display_phone(subscriber.msisdn),
    }
    return render(request, "subscribers/detail.html", context)


@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    """Upload an operator's list, read the check of every row, then confirm to import the good rows."""
    user = _user(request)
    require(user, Perm.IMPORT_SUBSCRIBERS)
    operators, areas = import_choices(user)
    form = ListFileForm(request.POST or None, request.FILES or None)
    context: dict[str, object] = {
        "form": form,
        "operators": operators.distinct(),
        "areas": areas.distinct().order_by("depth", "search_name"),
    }
    if request.method != "POST":
        return render(request, "subscribers/import.html", context)
    try:
        operator = operators.distinct().get(pk=int(request.POST.get("operator", "0")))
        area = areas.distinct().get(pk=int(request.POST.get("area", "0")))
        as_of = datetime.datetime.strptime(request.POST.get("as_of", ""), "%d/%m/%Y").date()
    except (Unit.DoesNotExist, ValueError):
        messages.error(request, _("Choose the operator, the area and the date of the list (dd/mm/yyyy)."))
        return render(request, "subscribers/import.html", context)
    owner = owner_key(operator.pk, area.pk)
    upload_id = request.POST.get("upload_id", "")
    if upload_id:
        stored = find_upload("subscribers", owner, upload_id)
        if stored is None:
            messages.error(request, _("The uploaded file has expired. Upload it again."))
            return render(request, "subscribers/import.html", context)
        content = stored.read_bytes()
        file_name = request.POST.get("file_name", "")
    elif form.is_valid():
        upload = form.cleaned_data["file"]
        upload_id, stored = store_upload("subscribers", owner, upload)
        content, file_name = stored.read_bytes(), upload.name
    else:
        return render(request, "subscribers/import.html", context)
    try:
        read = read_file(content, file_name)
    except UnreadableFile:
        messages.error(request, _("The file is neither an Excel workbook nor a text file in a known encoding."))
        return render(request, "subscribers/import.html", context)
    # The person's corrections of the columns, or what they chose last time for this operator.
    chosen = {
        name: int(request.POST[f"map-{name}"]) for name in FIELDS if request.POST.get(f"map-{name}", "").isdigit()
    }
    mapping = chosen or remembered_columns(operator, read)
    checked = check_list(read, content=content, operator=operator, area=area, mapping=mapping)
    if request.POST.get("rejected"):
        response = HttpResponse(
            rejected_rows_xlsx(read, checked),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="dong-bi-loai.xlsx"'
        return response
    if request.POST.get("confirm"):
        if chosen:
            remember_columns(operator, read, chosen)
        # The import itself runs in the background worker, with a progress bar.
        job = ImportJob.objects.create(
            operator=operator,
            area=area,
            as_of=as_of,
            upload_id=upload_id,
            file_name=file_name,
            refuse_errors=bool(request.POST.get("refuse_errors")),
            mapping=chosen,
            created_by=user,
        )
        log_action("subscribers.import.queued", actor=user, obj=job, unit=area, data={"file": file_name})
        import_job_task(job.pk)
        return redirect("subscribers:job", job_id=job.pk)
    first = read.sheets[0] if read.sheets else None
    proposal = propose_mapping(first.rows) if first else None
    columns = next(iter(checked.mappings.values()), {})
    context.update(
        {
            "field_choices": [(name, FIELD_LABELS[name], columns.get(name)) for name in FIELDS],
            "column_choices": [
                (index, f"{column_letter(index)} — {text}") for index, text in enumerate(proposal.headers)
            ]
            if proposal
            else [],
            "checked": checked,
            "read": read,
            "upload_id": upload_id,
            "file_name": file_name,
            "operator": operator,
            "area": area,
            "as_of": as_of,
        }
    )
    return render(request, "subscribers/import.html", context)


def _job(user: User, job_id: int) -> ImportJob:
    """A job the user started, or one in an area where they import lists."""
    require(user, Perm.IMPORT_SUBSCRIBERS)
    job = ImportJob.objects.select_related("operator", "area", "result").filter(pk=job_id).first()
    if job is None or not (job.created_by_id == user.pk or can(user, Perm.IMPORT_SUBSCRIBERS, job.area)):
        raise Http404
    return job


def _job_context(job: ImportJob) -> dict[str, object]:
    state = progress(job.pk)
    done, total = int(state.get("done") or 0), int(state.get("total") or 0)
    started = state.get("started")
    rate = 0.0
    left_s = None
    if started and done:
        elapsed = max(time.monotonic() - float(started), 0.001)
        rate = done / elapsed
        left_s = int((total - done) / rate) if rate and total > done else 0
    return {
        "job": job,
        "phase": state.get("phase"),
        "done": done,
        "total": total,
        "percent": int(100 * done / total) if total else (100 if job.status == ImportJob.Status.DONE else 0),
        "rate": int(rate),
        "left_s": left_s,
        "stalled": is_stalled(job),
        "finished": job.status in {ImportJob.Status.DONE, ImportJob.Status.FAILED, ImportJob.Status.CANCELLED},
    }


@login_required
def job_page(request: HttpRequest, job_id: int) -> HttpResponse:
    """The import's progress (rows done, rate, time left), refreshed by HTMX until it finishes."""
    job = _job(_user(request), job_id)
    template = "subscribers/_job_progress.html" if request.headers.get("HX-Request") else "subscribers/job.html"
    return render(request, template, _job_context(job))


@login_required
@require_POST
def job_cancel(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job(_user(request), job_id)
    if job.status in {ImportJob.Status.QUEUED, ImportJob.Status.RUNNING}:
        request_cancel(job.pk)
        if job.status == ImportJob.Status.QUEUED:
            ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.CANCELLED)
        log_action("subscribers.import.cancelled", actor=_user(request), obj=job, unit=job.area)
    return redirect("subscribers:job", job_id=job.pk)


@login_required
@require_POST
def job_restart(request: HttpRequest, job_id: int) -> HttpResponse:
    """Start again a job that stalled (its worker was killed), failed or was cancelled."""
    job = _job(_user(request), job_id)
    if is_stalled(job) or job.status in {ImportJob.Status.FAILED, ImportJob.Status.CANCELLED}:
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED)
        clear_cancel(job.pk)
        log_action("subscribers.import.restarted", actor=_user(request), obj=job, unit=job.area)
        import_job_task(job.pk)
    return redirect("subscribers:job", job_id=job.pk)
