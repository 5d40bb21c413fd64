"""Registry pages: the list of a unit's subscribers, one subscriber's history, revealing a number, importing a list."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from switchoff.audit.services import log_action
from switchoff.lib.phones import display_phone, mask_phone, parse_subscriber_number
from switchoff.lib.text import fold
from switchoff.lib.uploads import find_upload, store_upload
from switchoff.people.access import access_unit, can, require, scope_roots, visible_units
from switchoff.people.models import User
from switchoff.people.roles import Perm, Role
from switchoff.subscribers.forms import ListFileForm
from switchoff.subscribers.importer import OutOfOrder, apply_list, check_list, rejected_rows_xlsx
from switchoff.subscribers.models import NumberView, Subscriber
from switchoff.subscribers.reader import UnreadableFile, read_file
from switchoff.subscribers.selectors import unit_counts, visible_subscribers
from switchoff.units.models import Unit, UnitKind

PAGE_SIZE = 50
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
    operators = Unit.objects.filter(kind__code="operator_branch").filter(
        pk__in=user.memberships.values("unit_id")
    ) | Unit.objects.filter(kind__code="operator_branch", pk__in=visible_units(user, Perm.IMPORT_SUBSCRIBERS))
    areas = visible_units(user, Perm.VIEW_UNITS).current().filter(
        kind__category__in=["province", "commune"]
    ) | Unit.objects.filter(pk__in=[o.geographic_anchor().pk for o in operators])
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
    owner = operator.pk * 1_000_000_000 + area.pk
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
    checked = check_list(read, content=content, operator=operator, area=area)
    if request.POST.get("rejected"):
        response = HttpResponse(
            rejected_rows_xlsx(read, checked),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="dong-bi-loai.xlsx"'
        return response
    if request.POST.get("confirm") and not (request.POST.get("refuse_errors") and checked.errors):
        try:
            result = apply_list(
                actor=user, checked=checked, operator=operator, area=area, as_of=as_of, file_name=file_name
            )
        except OutOfOrder as exc:
            messages.error(
                request, _("A newer list of this operator and area (as of %(day)s) is already imported.") % {"day": exc}
            )
        else:
            stored.unlink(missing_ok=True)
            if result.already_imported:
                messages.info(request, _("This list was already imported: nothing changed."))
            else:
                messages.success(
                    request,
                    _(
                        "Imported: %(new)s new, %(relisted)s listed again, "
                        "%(left)s left the list, %(unchanged)s unchanged."
                    )
                    % {
                        "new": result.new,
                        "relisted": result.relisted,
                        "left": result.left,
                        "unchanged": result.unchanged,
                    },
                )
            return redirect(reverse("subscribers:registry") + f"?unit={area.pk}")
    context.update(
        {
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
