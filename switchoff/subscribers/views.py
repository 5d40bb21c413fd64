"""Registry pages: the list of a unit's subscribers, one subscriber's history, revealing a number, importing a list."""

from __future__ import annotations

import datetime
import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from switchoff.devices.answers import Words, explain
from switchoff.devices.classes import DeviceClass, answer_of_class
from switchoff.devices.selectors import campaign_stops, current_campaign
from switchoff.fieldwork.access import visible_cases
from switchoff.lib.collation import vi_order
from switchoff.lib.months import parse_day
from switchoff.lib.phones import mask_phone
from switchoff.lib.sheets import ENCODINGS, SEPARATORS, column_letter
from switchoff.lib.text import is_id
from switchoff.lib.throttle import Throttled
from switchoff.lib.uploads import store_upload, upload_storage
from switchoff.people.access import access_unit, can, require, scope_roots, visible_units
from switchoff.people.models import User
from switchoff.people.roles import Perm, Role
from switchoff.subscribers import exporting
from switchoff.subscribers.access import access_import_job, access_subscriber, may_reveal, may_reveal_in
from switchoff.subscribers.forms import ListFileForm
from switchoff.subscribers.guards import FutureList, ImportRefusal, MassLeave, refuse_future
from switchoff.subscribers.importer import CheckedList, rejected_rows_xlsx
from switchoff.subscribers.importer.columns import FIELDS
from switchoff.subscribers.jobs import is_stalled, message_of, owner_key, progress, review_of, stored_problems
from switchoff.subscribers.models import ExportJob, ImportJob, Subscriber
from switchoff.subscribers.selectors import (
    RegistryFilters,
    household_suggestions,
    import_choices,
    registry_page,
    subscriber_history,
    unit_counts,
    unit_operators,
    visible_subscribers,
)
from switchoff.subscribers.services import (
    household_confirm,
    household_dismiss,
    import_check_create,
    import_job_cancel,
    import_job_confirm,
    import_job_recheck,
    import_job_restart,
    may_place,
    number_reveal,
    number_search_admit,
    number_search_record,
    registry_export_job_create,
    subscriber_assign,
)
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
ENCODING_LABELS = [
    ("utf-8", "UTF-8"),
    ("utf-8-sig", "UTF-8 (BOM)"),
    ("utf-16", gettext_lazy("UTF-16 (Excel “Unicode text”)")),
    ("cp1258", gettext_lazy("Windows-1258 (Vietnamese Windows)")),
]
SEPARATOR_LABELS = [
    (",", gettext_lazy("comma (,)")),
    (";", gettext_lazy("semicolon (;)")),
    ("\t", gettext_lazy("tab")),
    ("|", gettext_lazy("vertical bar (|)")),
]
GEOGRAPHIC = [
    UnitKind.Category.COUNTRY,
    UnitKind.Category.PROVINCE,
    UnitKind.Category.COMMUNE,
    UnitKind.Category.VILLAGE,
]


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _filters(request: HttpRequest) -> RegistryFilters:
    return RegistryFilters.of(request.GET)


def _scope(request: HttpRequest, user: User, query: QueryDict | None = None) -> tuple[Unit | None, list[Unit]]:
    """The unit asked for in ``query`` (the query string by default; checked), or the user's own area; and the
    operator branches they work for."""
    operator_units = list(
        Unit.objects.filter(pk__in=user.memberships.filter(role=Role.OPERATOR_STAFF).values("unit_id"))
    )
    unit_id = (request.GET if query is None else query).get("unit", "")
    if is_id(unit_id):
        return access_unit(user, int(unit_id), Perm.VIEW_SUBSCRIBERS), operator_units
    unit = scope_roots(user).filter(kind__category__in=GEOGRAPHIC).order_by("depth", "pk").first()
    return unit, operator_units


@login_required
def registry(request: HttpRequest) -> HttpResponse:
    """A unit's subscribers (legacy units merged into it included), filtered, searched, keyset-paginated."""
    user = _user(request)
    require(user, Perm.VIEW_SUBSCRIBERS)
    unit, operator_units = _scope(request, user)
    filters = _filters(request)
    after = request.GET.get("after", "")
    after_id = int(after) if is_id(after) else 0
    number = filters.searched_number
    refused = False
    if number is not None:
        try:
            number_search_admit(actor=user, unit=unit)
        except Throttled as exc:
            messages.error(request, exc.message)
            refused = True
    page: list[Subscriber] = []
    if unit is not None:
        if not refused:
            page = registry_page(user, unit, filters, after=after_id, size=PAGE_SIZE + 1)
        # The strip follows the operator filter; the filter's choices are every operator counted here.
        counts = unit_counts(unit, operator=filters.operator)
        operators = unit_operators(counts)
    else:
        # Operator staff without an area of their own: their operator's whole list.
        if not refused:
            subscribers = filters.apply(visible_subscribers(user)).filter(pk__gt=after_id)
            page = list(subscribers.select_related("unit", "operator").order_by("pk")[: PAGE_SIZE + 1])
        if operator_units:
            branch = operator_units[0]
            counts = unit_counts(branch.geographic_anchor(), operator=branch.pk)
        else:
            counts = unit_counts(scope_roots(user).order_by("depth", "pk").first() or Unit())
        operators = Unit.objects.filter(pk__in=[u.pk for u in operator_units])
    more = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    if number is not None and not refused:
        number_search_record(actor=user, number=number, subscriber_ids=[s.pk for s in page], unit=unit, via="page")
    villages = (
        Unit.objects.filter(parent=unit, kind__category__in=[UnitKind.Category.VILLAGE, UnitKind.Category.COMMUNE])
        .filter(pk__in=visible_units(user, Perm.VIEW_SUBSCRIBERS))
        .order_by("valid_to", vi_order("name"))
        if unit is not None
        else Unit.objects.none()
    )
    query = request.GET.copy()
    query.pop("after", None)
    context = {
        "unit": unit,
        "rows": [(s, mask_phone(s.msisdn)) for s in page],
        "next_after": page[-1].pk if more else None,
        "counts": counts,
        "filters": filters,
        "status": filters.status,
        "query": filters.query,
        "operator": str(filters.operator or ""),
        "device_classes": DeviceClass.choices,
        "first_from": request.GET.get("from", ""),
        "first_to": request.GET.get("to", ""),
        "operators": operators,
        "children": villages,
        "params": query.urlencode(),
        # The export takes the page's query as it shows it (its unit, filters and search), in its form's body.
        "export_fields": [(name, value) for name in query for value in query.getlist(name)],
        "exports": [
            (job, exporting.message_of(job))
            for job in ExportJob.objects.filter(created_by=user).select_related("unit")[:5]
        ],
        "can_import": can(user, Perm.IMPORT_SUBSCRIBERS),
        "can_export_full": unit is not None and may_reveal_in(user, unit),
        "can_group": unit is not None and can(user, Perm.REPORT, unit),
    }
    return render(request, "subscribers/registry.html", context)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@require_POST
def registry_export(request: HttpRequest) -> HttpResponse:
    """Queue the filtered list of a unit as an Excel file, made by a worker and listed on the registry page for
    its download; full numbers only for those who may reveal them. Logged once made."""
    user = _user(request)
    require(user, Perm.VIEW_SUBSCRIBERS)
    # The registry page's filters come in the form's body (hidden fields), the page's query as it showed it.
    unit, _operator_units = _scope(request, user, request.POST)
    if unit is None:
        raise Http404
    full = request.POST.get("full") == "1"
    if full and not may_reveal_in(user, unit):
        return HttpResponse(status=403)
    query = {k: v for k, v in request.POST.dict().items() if k not in {"csrfmiddlewaretoken", "full", "after"}}
    if RegistryFilters.of(query).searched_number is not None:
        # An export of one searched number is a search too: the same limit (its log comes with the export's).
        try:
            number_search_admit(actor=user, unit=unit)
        except Throttled as exc:
            messages.error(request, exc.message)
            return redirect(f"{reverse('subscribers:registry')}?unit={unit.pk}")
    registry_export_job_create(actor=user, unit=unit, query=query | {"unit": str(unit.pk)}, full=full)
    messages.success(request, _("The export is being made. It is listed on this page: download it once it is ready."))
    # Back to the unit's page, not to its search: a searched number in the address would be a new search.
    return redirect(f"{reverse('subscribers:registry')}?unit={unit.pk}#exports")


@login_required
@require_GET
def export_download(request: HttpRequest, export_id: int) -> HttpResponseBase:
    """One's own export, once ready, while one may still see the unit's list (the export was logged when made)."""
    user = _user(request)
    require(user, Perm.VIEW_SUBSCRIBERS)
    job = ExportJob.objects.filter(pk=export_id, created_by=user, status=ExportJob.Status.DONE).first()
    if job is None:
        raise Http404
    access_unit(user, job.unit_id, Perm.VIEW_SUBSCRIBERS)
    try:
        handle = upload_storage().open(job.stored, "rb")
    except FileNotFoundError:  # expired (UPLOAD_KEEP_HOURS)
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=job.file_name, content_type=XLSX)


@login_required
def households(request: HttpRequest) -> HttpResponse:
    """Numbers with the same name and address under a unit, suggested as households for a person to confirm."""
    user = _user(request)
    unit_id = request.GET.get("unit") or request.POST.get("unit", "")
    if not is_id(str(unit_id)):
        raise Http404
    unit = access_unit(user, int(unit_id), Perm.VIEW_SUBSCRIBERS)
    require(user, Perm.REPORT, unit)
    if request.method == "POST" and request.POST.get("dismiss"):
        household_dismiss(
            actor=user,
            unit=unit,
            search_name=request.POST.get("search_name", ""),
            address=request.POST.get("address", ""),
        )
        messages.success(request, _("Noted: these numbers are not one household; they will not be suggested again."))
        return redirect(f"{reverse('subscribers:households')}?unit={unit.pk}")
    if request.method == "POST":
        ids = [int(v) for v in request.POST.getlist("subscriber") if is_id(v)]
        try:
            household = household_confirm(actor=user, unit=unit, subscriber_ids=ids)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("Household confirmed: %(name)s, %(n)s numbers.") % {"name": household.name, "n": len(ids)}
            )
        return redirect(f"{reverse('subscribers:households')}?unit={unit.pk}")
    suggestions = [(s, [(m, mask_phone(m.msisdn)) for m in s.members]) for s in household_suggestions(user, unit)]
    return render(request, "subscribers/households.html", {"unit": unit, "suggestions": suggestions})


def _household(user: User, subscriber: Subscriber) -> list[tuple[Subscriber, str]]:
    """The other numbers of the subscriber's household that the user may see, masked."""
    if subscriber.household_id is None:
        return []
    others = visible_subscribers(user).filter(household_id=subscriber.household_id).exclude(pk=subscriber.pk)
    return [(s, mask_phone(s.msisdn)) for s in others.select_related("operator").order_by("pk")]


def _assign_choices(user: User, subscriber: Subscriber) -> list[tuple[int, str]]:
    """The units a person may put a subscriber in: for one with no unit, the current communes and villages
    of the list's area; for one placed only in a commune, its villages."""
    return assign_choices(user, subscriber)


def assign_choices(user: User, subscriber: Subscriber) -> list[tuple[int, str]]:
    if not may_place(user, subscriber):
        return []
    inside = subscriber.unit or subscriber.list_area
    categories = [UnitKind.Category.VILLAGE]
    if subscriber.unit_id is None:
        categories.append(UnitKind.Category.COMMUNE)
    units = (
        Unit.objects.rolling_into(inside)
        .current()
        .filter(kind__category__in=categories)
        .exclude(pk=subscriber.unit_id or 0)
        .select_related("parent", "kind")
        .order_by("rollup_path")
    )
    village = UnitKind.Category.VILLAGE
    return [(u.pk, f"{u.parent} › {u.name}" if u.kind.category == village and u.parent else u.name) for u in units]


@login_required
@require_POST
def subscriber_assign_view(request: HttpRequest, subscriber_id: int) -> HttpResponse:
    """Put a subscriber whose address was not recognised in a unit."""
    user = _user(request)
    subscriber = access_subscriber(user, subscriber_id)
    if not may_place(user, subscriber):
        return HttpResponse(status=403)
    unit_id = request.POST.get("unit", "")
    unit = Unit.objects.filter(pk=int(unit_id)).first() if is_id(unit_id) else None
    if unit is None:
        messages.error(request, _("Choose a unit."))
    else:
        try:
            subscriber_assign(actor=user, subscriber=subscriber, unit=unit)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Assigned to %(unit)s.") % {"unit": unit.name})
    back = request.POST.get("next", "")
    if back.startswith("/fieldwork/cases/") and url_has_allowed_host_and_scheme(back, allowed_hosts=None):
        return redirect(back)
    return redirect("subscribers:detail", subscriber_id=subscriber.pk)


def _phone(subscriber: Subscriber) -> Words | None:
    """What the subscriber's device class means at the campaign's switch-off, in plain words (None: no IMEI)."""
    answer = answer_of_class(subscriber.device_class, campaign_stops(current_campaign()))
    return explain(answer) if answer is not None else None


def _detail(request: HttpRequest, user: User, subscriber: Subscriber, *, revealed: str | None) -> HttpResponse:
    context = {
        "phone": _phone(subscriber),
        "subscriber": subscriber,
        "masked": mask_phone(subscriber.msisdn),
        "events": subscriber_history(subscriber),
        "household": _household(user, subscriber),
        "assign_choices": _assign_choices(user, subscriber),
        "can_reveal": revealed is not None or may_reveal(user, subscriber),
        "revealed": revealed,
        "cases": visible_cases(user).filter(subscriber=subscriber).select_related("team"),
    }
    return render(request, "subscribers/detail.html", context)


@login_required
def subscriber_detail(request: HttpRequest, subscriber_id: int) -> HttpResponse:
    user = _user(request)
    return _detail(request, user, access_subscriber(user, subscriber_id), revealed=None)


@login_required
@require_POST
def subscriber_reveal(request: HttpRequest, subscriber_id: int) -> HttpResponse:
    """Show the full number once, and log who saw it."""
    user = _user(request)
    subscriber = access_subscriber(user, subscriber_id)
    try:
        number = number_reveal(actor=user, subscriber=subscriber)
    except PermissionDenied:
        return HttpResponse(status=403)
    return _detail(request, user, subscriber, revealed=number)


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
        "areas": areas.distinct().order_by("depth", vi_order("name")),
    }
    if request.method != "POST":
        return render(request, "subscribers/import.html", context)
    try:
        operator = operators.distinct().get(pk=int(request.POST.get("operator", "0")))
        area = areas.distinct().get(pk=int(request.POST.get("area", "0")))
        day = parse_day(request.POST.get("as_of", ""))
        if day is None:
            raise ValueError("as_of")
        as_of = day
    except (Unit.DoesNotExist, ValueError):
        messages.error(request, _("Choose the operator, the area and the date of the list (dd/mm/yyyy)."))
        return render(request, "subscribers/import.html", context)
    try:
        refuse_future(as_of)
    except FutureList as exc:
        messages.error(request, exc.message)
        return render(request, "subscribers/import.html", context)
    if not form.is_valid():
        return render(request, "subscribers/import.html", context)
    upload = form.cleaned_data["file"]
    upload_id, _stored = store_upload("subscribers", owner_key(operator.pk, area.pk), upload)
    # The check runs in the background worker, with its own progress bar; the job's page shows the result.
    job = import_check_create(actor=user, operator=operator, area=area, as_of=as_of, upload_id=upload_id,
                              file_name=upload.name or "", via="page")  # fmt: skip
    return redirect("subscribers:job", job_id=job.pk)


PROBLEMS_PAGE = 500


def _check_context(job: ImportJob, offset: int) -> dict[str, object]:
    """The stored check of a job as the page shows it, in the reader's language."""
    data = job.checked
    checked = CheckedList.from_state(data["state"])
    review = review_of(data)
    refusal: ImportRefusal | None = None
    try:
        review.enforce(allow_mass_leave=True)
    except ImportRefusal as exc:
        refusal = exc
    columns = data.get("columns", {})
    headers = data.get("headers", [])
    total = int(data.get("problems", 0))
    problems = list(stored_problems(job, offset=offset, limit=PROBLEMS_PAGE))
    return {
        "checked": checked,
        "summary": data["summary"],
        "review": review,
        "refusal": refusal,
        # Refused whatever the person confirms: no confirm button (a mass leave only asks for the box).
        "blocked": refusal is not None and not isinstance(refusal, MassLeave),
        "problems": problems,
        "problems_total": total,
        "problems_from": offset + 1 if problems else 0,
        "problems_to": offset + len(problems),
        "next_offset": offset + PROBLEMS_PAGE if offset + PROBLEMS_PAGE < total else None,
        "previous_offset": max(offset - PROBLEMS_PAGE, 0) if offset else None,
        "field_choices": [(name, FIELD_LABELS[name], columns.get(name)) for name in FIELDS],
        "column_choices": [(index, f"{column_letter(index)} — {text}") for index, text in enumerate(headers)],
        "encoding": data.get("encoding", ""),
        "encodings": ENCODING_LABELS,
        "separators": [
            ("tab" if sep == "\t" else sep, label, sep == data.get("separator")) for sep, label in SEPARATOR_LABELS
        ],
        "separator": data.get("separator", ""),
    }


def _job_context(job: ImportJob, user: User) -> dict[str, object]:
    state = progress(job.pk)
    done, total = int(state.get("done") or 0), int(state.get("total") or 0)
    started = state.get("started")
    rate = 0.0
    left_s = None
    if started and done:
        elapsed = max(time.monotonic() - float(started), 0.001)
        rate = done / elapsed
        left_s = int((total - done) / rate) if rate and total > done else 0
    # Operator staff see their operator's list, not the area's registry: the link opens what they may see.
    registry_url = reverse("subscribers:registry")
    if can(user, Perm.VIEW_SUBSCRIBERS, job.area):
        registry_url += f"?unit={job.area_id}"
    return {
        "job": job,
        "registry_url": registry_url,
        "message": message_of(job),
        "phase": state.get("phase"),
        "done": done,
        "total": total,
        "percent": int(100 * done / total) if total else (100 if job.status == ImportJob.Status.DONE else 0),
        "rate": int(rate),
        "left_s": left_s,
        "stalled": is_stalled(job),
        "finished": job.status
        in {ImportJob.Status.DONE, ImportJob.Status.FAILED, ImportJob.Status.CANCELLED, ImportJob.Status.CHECKED},
        # Nobody has picked the job up: the worker (run_huey) is not running, or is busy with another list.
        "no_worker": job.status in {ImportJob.Status.CHECKING, ImportJob.Status.QUEUED}
        and not state.get("beat")
        and job.heartbeat is not None
        and timezone.now() - job.heartbeat > NO_WORKER_AFTER,
    }


NO_WORKER_AFTER = datetime.timedelta(seconds=15)


@login_required
@require_GET
def job_page(request: HttpRequest, job_id: int) -> HttpResponse:
    """The check's, then the import's, progress (rows done, rate, time left), refreshed by HTMX until it finishes;
    once checked, what the check found and the confirmation."""
    job = access_import_job(_user(request), job_id)
    context = _job_context(job, _user(request))
    if request.headers.get("HX-Request"):
        response = render(request, "subscribers/_job_progress.html", context)
        if job.status == ImportJob.Status.CHECKED:
            response["HX-Refresh"] = "true"  # the check is done: the whole page shows what it found
        return response
    if job.status == ImportJob.Status.CHECKED:
        offset = request.GET.get("offset", "")
        context.update(_check_context(job, int(offset) if is_id(offset) else 0))
    return render(request, "subscribers/job.html", context)


def _columns(request: HttpRequest) -> tuple[dict[str, int], str, str]:
    """The person's corrections: the columns, and a text file's encoding and separator."""
    chosen = {name: int(request.POST[f"map-{name}"]) for name in FIELDS if is_id(request.POST.get(f"map-{name}", ""))}
    encoding = request.POST.get("encoding", "")
    separator = {"tab": "\t"}.get(request.POST.get("separator", ""), request.POST.get("separator", ""))
    return chosen, encoding if encoding in ENCODINGS else "", separator if separator in SEPARATORS else ""


@login_required
@require_POST
def job_confirm(request: HttpRequest, job_id: int) -> HttpResponse:
    """Queue the write of a checked list (the check is not run again), or check it again with other columns."""
    user = _user(request)
    job = access_import_job(user, job_id)
    if request.POST.get("recheck"):
        chosen, encoding, separator = _columns(request)
        job = import_job_recheck(actor=user, job=job, mapping=chosen, encoding=encoding, separator=separator)
        return redirect("subscribers:job", job_id=job.pk)
    try:
        job = import_job_confirm(actor=user, job=job, refuse_errors=bool(request.POST.get("refuse_errors")),
                                 allow_mass_leave=bool(request.POST.get("allow_mass_leave")))  # fmt: skip
    except ImportRefusal as exc:
        messages.error(request, exc.message)
    return redirect("subscribers:job", job_id=job.pk)


@login_required
@require_GET
def job_rejected(request: HttpRequest, job_id: int) -> HttpResponse:
    """The rows the check rejected, as they were, with the reason, as an Excel file."""
    job = access_import_job(_user(request), job_id)
    if not job.checked:
        raise Http404
    errors = (p for p in stored_problems(job) if p.level == "error")
    response = HttpResponse(
        rejected_rows_xlsx(errors), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="dong-bi-loai.xlsx"'
    return response


@login_required
@require_POST
def job_cancel(request: HttpRequest, job_id: int) -> HttpResponse:
    user = _user(request)
    job = import_job_cancel(actor=user, job=access_import_job(user, job_id))
    return redirect("subscribers:job", job_id=job.pk)


@login_required
@require_POST
def job_restart(request: HttpRequest, job_id: int) -> HttpResponse:
    """Start again a job that stalled (its worker was killed), failed or was cancelled."""
    user = _user(request)
    job = import_job_restart(actor=user, job=access_import_job(user, job_id))
    return redirect("subscribers:job", job_id=job.pk)
