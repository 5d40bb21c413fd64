"""Pages of the field work: a team, its cases and their assignment, a case with its history, a visit, progress.

Thin: each parses its input, reads through ``access``/``selectors`` and writes through ``services``.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from switchoff.fieldwork import selectors, services
from switchoff.fieldwork.access import access_case, access_device, managed_cases, may_lead, may_manage, visible_cases
from switchoff.fieldwork.forms import KEEP, NO_TEAM, AssignForm, FoundForm, MemberForm, ResolveForm, VisitForm
from switchoff.fieldwork.models import Case, FieldDevice, VisitPhoto
from switchoff.fieldwork.rules import OPEN, Outcome, Stage, Status, resolution_choices
from switchoff.lib.phones import display_phone
from switchoff.lib.text import is_id
from switchoff.people.access import access_unit, can, visible_units
from switchoff.people.models import Membership, User
from switchoff.people.roles import Perm, Role
from switchoff.units.models import Unit, UnitKind

PAGE = 50


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _team(user: User, team_id: int) -> Unit:
    team = access_unit(user, team_id)
    if team.kind.category != UnitKind.Category.TEAM:
        raise Http404
    return team


@login_required
def team(request: HttpRequest, team_id: int) -> HttpResponse:
    """A team: the villages it covers (with their cases), its members, its progress, its phones."""
    user = _user(request)
    unit = _team(user, team_id)
    lead = may_lead(user, unit)
    villages = list(unit.covers.select_related("kind").order_by("search_name"))
    cases = Case.objects.filter(team=unit)
    per_village = dict(cases.values_list("unit_id").annotate(n=Count("pk")).order_by())
    village_ids = {v.pk for v in villages}
    elsewhere = sum(n for unit_id, n in per_village.items() if unit_id not in village_ids)
    others = dict(
        Case.objects.filter(unit__in=village_ids)
        .exclude(team=unit)
        .values_list("unit_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    members = list(
        Membership.objects.filter(unit=unit, role__in=[Role.TEAM_LEADER, Role.TEAM_MEMBER])
        .select_related("user")
        .order_by("role", "user__search_name")
    )
    campaign = selectors.campaign_for(unit.geographic_anchor())
    devices: list[FieldDevice] = []
    if lead:
        devices = list(
            FieldDevice.objects.filter(user__in=[m.user_id for m in members], revoked_at__isnull=True)
            .select_related("user", "seen")
            .order_by("user__search_name")
        )
    member_form = None
    who = request.GET.get("who", "").strip()[:100]
    candidates: list[User] = []
    more = 0
    if lead:
        member_form = MemberForm()
        found = selectors.team_candidates(unit, who)
        candidates = list(found[: selectors.CANDIDATES_SHOWN + 1])
        if len(candidates) > selectors.CANDIDATES_SHOWN:
            candidates = candidates[: selectors.CANDIDATES_SHOWN]
            more = found.count() - selectors.CANDIDATES_SHOWN
        if not can(user, Perm.MANAGE_FIELD, unit):
            member_form.fields["role"].choices = [(Role.TEAM_MEMBER.value, Role.TEAM_MEMBER.label)]  # type: ignore[attr-defined]
    workload = selectors.member_workload(unit, [m.user_id for m in members]) if lead else {}
    to_lead = selectors.waiting_for_leader([unit.pk])[unit.pk] if lead else {}
    context = {
        "team": unit,
        "villages": [(v, per_village.get(v.pk, 0), others.get(v.pk, 0)) for v in villages],
        "elsewhere": elsewhere,
        "members": [(m, workload.get(m.user_id, (0, 0))) for m in members],
        "unassigned": workload.get(None, (0, 0)),
        "candidates": candidates,
        "more_candidates": more,
        "who": who,
        "commune": unit.geographic_anchor(),
        "cases_total": sum(per_village.values()),
        "progress": selectors.progress(campaign=campaign, unit=unit, team=unit) if campaign else None,
        "devices": devices,
        "lead": lead,
        "manage": can(user, Perm.MANAGE_FIELD, unit),
        "to_lead": to_lead,
        "member_form": member_form,
        "is_member": any(m.user_id == user.pk for m in members),
    }
    return render(request, "fieldwork/team.html", context)


@login_required
@require_POST
def team_members(request: HttpRequest, team_id: int) -> HttpResponse:
    """Add a person to the team (``person``, ``role``) or take one out (``remove``: a membership id)."""
    user = _user(request)
    unit = _team(user, team_id)
    if not may_lead(user, unit):
        raise PermissionDenied
    if request.POST.get("remove"):
        membership = Membership.objects.filter(pk=request.POST["remove"], unit=unit).select_related("user", "unit")
        found = membership.first()
        if found is None:
            raise Http404
        if request.POST.get("confirm") != "yes":
            messages.error(request, _("Tick the confirmation to take %(name)s out of the team.") % {"name": found.user})
            return redirect("fieldwork:team", unit.pk)
        services.team_member_remove(actor=user, membership=found)
        messages.success(request, _("%(name)s is no longer in the team.") % {"name": found.user})
        return redirect("fieldwork:team", unit.pk)
    form = MemberForm(request.POST)
    person = None
    if form.is_valid():
        person = selectors.team_candidates(unit, include_team=True).filter(pk=form.cleaned_data["person"]).first()
    if person is None:
        messages.error(request, _("Choose a person of the commune and a role."))
        return redirect("fieldwork:team", unit.pk)
    try:
        services.team_member_add(actor=user, team=unit, person=person, role=Role(form.cleaned_data["role"]))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(name)s is now in the team.") % {"name": person})
    return redirect("fieldwork:team", unit.pk)


@login_required
@require_POST
def device_revoke(request: HttpRequest, device_id: int) -> HttpResponse:
    user = _user(request)
    device = access_device(user, device_id)
    target = request.POST.get("team", "")
    if request.POST.get("confirm") != "yes":
        messages.error(
            request,
            _(
                "Tick the confirmation to sign out “%(name)s”: the visits it recorded before now and sends later "
                "will wait for the team leader."
            )
            % {"name": device.name},
        )
        return redirect("fieldwork:team", int(target)) if is_id(target) else redirect("web:home")
    services.device_revoke(actor=user, device=device)
    messages.success(
        request,
        _("The phone “%(name)s” is signed out; it forgets its cases at its next contact.") % {"name": device.name},
    )
    return redirect("fieldwork:team", int(target)) if is_id(target) else redirect("web:home")


@login_required
def held(request: HttpRequest, team_id: int) -> HttpResponse:
    """Visits a revoked phone sent, recorded before its revoke: the team's leader accepts or discards them."""
    user = _user(request)
    unit = _team(user, team_id)
    if not may_lead(user, unit):
        raise PermissionDenied
    if request.method == "POST":
        action = request.POST.get("action", "")
        ids = []
        for raw in request.POST.getlist("visit"):
            try:
                ids.append(uuid.UUID(raw))
            except ValueError:
                continue
        if action not in {"accept", "discard"} or not ids:
            messages.error(request, _("Tick the visits, then accept or discard them."))
            return redirect("fieldwork:held", unit.pk)
        done = services.held_visits_decide(actor=user, team=unit, ids=ids, accept=action == "accept")
        if done.accepted:
            messages.success(
                request, _("%(n)s visits accepted: they are recorded as their member's.") % {"n": done.accepted}
            )
        if done.discarded:
            messages.success(request, _("%(n)s visits discarded.") % {"n": done.discarded})
        for item, result in done.refused:
            messages.error(
                request,
                _("The visit of %(name)s could not be recorded: %(why)s")
                % {
                    "name": item.case.name if item.case else item.payload.get("found", {}).get("name", ""),
                    "why": result.message,
                },
            )
        return redirect("fieldwork:held", unit.pk)
    rows = []
    for item in selectors.held_visits(unit):
        found = item.payload.get("found") or {}
        rows.append(
            {
                "item": item,
                "who": item.case.name if item.case else found.get("name", ""),
                "number": item.case.number_masked if item.case else "",
                "place": item.case.address_line if item.case else found.get("address", ""),
                "note": item.payload.get("note", ""),
                "outcome": Outcome(item.outcome).label if item.outcome in Outcome.values else item.outcome,
            }
        )
    return render(request, "fieldwork/held.html", {"team": unit, "rows": rows})


def _filtered(user: User, params: Any) -> tuple[QuerySet[Case], dict[str, Any]]:
    """The cases the user may see, narrowed by the list's filters (also the set a bulk reassignment acts on)."""
    cases = visible_cases(user)
    chosen: dict[str, Any] = {}
    if is_id(unit_id := params.get("unit", "")):
        unit = access_unit(user, int(unit_id))
        chosen["unit"] = unit
        if unit.kind.category == UnitKind.Category.TEAM:
            cases = cases.filter(team=unit)
        else:
            cases = cases.filter(unit__in=Unit.objects.rolling_into(unit).values("pk"))
    if (status := params.get("status", "")) in Status.values:
        cases = cases.filter(status=status)
        chosen["status"] = status
    missing = params.get("missing", "")
    if missing == "team":
        cases = cases.filter(team__isnull=True)
    elif missing == "village":
        cases = cases.exclude(unit__kind__category=UnitKind.Category.VILLAGE)
    chosen["missing"] = missing if missing in {"team", "village"} else ""
    if params.get("conflict") == "1":
        cases = cases.filter(conflict=True)
        chosen["conflict"] = True
    if params.get("overdue") == "1":
        cases = cases.filter(follow_up_on__lt=timezone.localdate())
        chosen["overdue"] = True
    if params.get("novisit") == "1":
        # Never visited, whatever the status (a case closed unvisited too): the progress page's figure.
        cases = cases.filter(stage=Stage.LISTED)
        chosen["novisit"] = True
    if params.get("open") == "1":
        # Still waiting for a visit: the figure a team page shows per member.
        cases = cases.filter(status__in=list(OPEN))
        chosen["open"] = True
    if params.get("due") == "1":
        cases = cases.filter(status__in=list(OPEN), follow_up_on__lte=timezone.localdate())
        chosen["due"] = True
    if params.get("found") == "1":
        cases = cases.filter(found_in_field=True)
        chosen["found"] = True
    if is_id(member := params.get("member", "")):
        cases = cases.filter(member_id=int(member))
        chosen["member"] = int(member)
    elif member == "none":
        cases = cases.filter(member__isnull=True)
        chosen["member"] = "none"
    return cases, chosen


def _assignable_teams(user: User) -> list[Unit]:
    teams = visible_units(user, Perm.MANAGE_FIELD) | visible_units(user, Perm.LEAD_TEAM)
    return list(
        teams.filter(kind__category=UnitKind.Category.TEAM, valid_to__isnull=True).distinct().order_by("search_name")
    )


def _assign_form(user: User, data: Any = None, *, without_team: bool = False) -> AssignForm:
    """The hand-over form; on the list of cases without a team, keeping their team does nothing: a team is chosen."""
    form = AssignForm(data, initial={"team": ""} if without_team else None)
    teams = _assignable_teams(user)
    first = [("", _("— choose the team —"))] if without_team else [(KEEP, _("Keep the current team"))]
    form.fields["team"].choices = [  # type: ignore[attr-defined]
        *first,
        (NO_TEAM, _("No team (take the cases off their team)")),
    ] + [(str(t.pk), t.name) for t in teams]
    members = Membership.objects.filter(unit__in=teams, role__in=[Role.TEAM_MEMBER, Role.TEAM_LEADER]).select_related(
        "user", "unit"
    )
    form.fields["member"].choices = [("", _("The whole team"))] + [  # type: ignore[attr-defined]
        (f"{m.unit_id}:{m.user_id}", f"{m.user} — {m.unit.name}")
        for m in members.order_by("unit__search_name", "user__search_name")
    ]
    return form


@login_required
def cases(request: HttpRequest) -> HttpResponse:
    """The cases in the user's area or team, filtered; a POST hands the ticked (or all filtered) cases to a team."""
    user = _user(request)
    if not (can(user, Perm.VISIT) or can(user, Perm.MANAGE_FIELD) or can(user, Perm.LEAD_TEAM)):
        raise PermissionDenied
    found, chosen = _filtered(user, request.GET)
    manager = can(user, Perm.MANAGE_FIELD) or can(user, Perm.LEAD_TEAM)
    if request.method == "POST":
        if not manager:
            raise PermissionDenied
        form = _assign_form(user, request.POST, without_team=chosen["missing"] == "team")
        if form.is_valid():
            team_id, member_id = form.cleaned_data["team_id"], form.cleaned_data["member_id"]
            if form.cleaned_data["scope"] == "filter":
                target, how = found, "filter" if len(request.GET) else "hand"
                if "unit" in chosen and chosen["unit"].kind.category == UnitKind.Category.VILLAGE:
                    how = "village"
            else:
                ids = [int(i) for i in request.POST.getlist("case") if is_id(i)]
                target, how = found.filter(pk__in=ids), "hand"
            if form.cleaned_data["team"] == KEEP and team_id is None:
                # Each case keeps its team: one handover per team (its member taken off).
                groups = [(t, target.filter(team_id=t)) for t in set(target.values_list("team_id", flat=True))]
            else:
                groups = [(team_id, target)]
            member = User.objects.filter(pk=member_id).first() if member_id else None
            try:
                n = 0
                for group_team, group in groups:
                    team_unit = (
                        Unit.objects.filter(pk=group_team).select_related("kind").first() if group_team else None
                    )
                    n += services.cases_assign(actor=user, cases=group, team=team_unit, member=member, how=how)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                if n:
                    messages.success(request, _("%(n)s cases handed over.") % {"n": n})
                else:
                    messages.warning(
                        request,
                        _("Nothing changed: tick cases (or choose every case of the list) and a team or member they "
                          "do not have yet."),
                    )  # fmt: skip
            return redirect(request.get_full_path())
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(request.get_full_path())
    ordered = found.select_related("subscriber", "unit", "team", "member").order_by("unit__search_name", "pk")
    page = Paginator(ordered, PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "chosen": chosen,
        "statuses": Status.choices,
        "form": _assign_form(user, without_team=chosen["missing"] == "team") if manager else None,
        "query": request.GET.urlencode(),
        "paging": _without_page(request),
        "units": visible_units(user, Perm.VIEW_SUBSCRIBERS)
        .filter(kind__category__in=[UnitKind.Category.COMMUNE, UnitKind.Category.VILLAGE, UnitKind.Category.TEAM])
        .filter(valid_to__isnull=True)
        .order_by("path")[:300],
        "title": _title(user, chosen),
    }
    return render(request, "fieldwork/cases.html", context)


def _title(user: User, chosen: dict[str, Any]) -> str:
    """What the list holds, in words: the list a team page's figure or a home page's card links to."""
    if chosen["missing"] == "team":
        return _("Cases without a team")
    if chosen["missing"] == "village":
        return _("Cases without a village (address not placed)")
    member = chosen.get("member")
    if member == "none":
        return _("Cases handed to nobody yet")
    if isinstance(member, int):
        # Named only when they are in a team the user sees: an id in the address reveals nobody's name.
        teams = visible_units(user).filter(kind__category=UnitKind.Category.TEAM)
        in_teams = Membership.objects.filter(unit__in=teams, role__in=[Role.TEAM_MEMBER, Role.TEAM_LEADER])
        person = User.objects.filter(pk=member, pk__in=in_teams.values("user_id")).first()
        if person is not None:
            return _("Cases handed to %(name)s") % {"name": person}
    return _("Door-to-door cases")


def _without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode() + "&" if params else ""


def _now_minute() -> Any:
    return timezone.localtime().replace(second=0, microsecond=0)


def _household_choices(user: User, case: Case) -> list[tuple[int, str]]:
    from switchoff.fieldwork.access import field_cases

    others = selectors.households(field_cases(user), [case]).get(case.pk, [])
    return [
        (c.pk, f"{c.name} ({c.number_masked})") for c in Case.objects.filter(pk__in=others).select_related("subscriber")
    ]


@login_required
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    case = access_case(user, case_id)
    manage = may_manage(user, case)
    context = {
        "case": case,
        "history": selectors.case_history(case),
        "manage": manage,
        "can_visit": services_can_visit(user, case),
        "resolve": _resolve_form(case) if manage and case.conflict else None,
        "household": _household_choices(user, case),
        "due": case.follow_up_on is not None and case.follow_up_on <= timezone.localdate(),
        "place": _place_choices(user, case),
        "photos": list(
            VisitPhoto.objects.filter(visit__case=case).select_related("visit", "member").order_by("visit__visited_at")
        ),
    }
    return render(request, "fieldwork/case.html", context)


def _resolve_form(case: Case) -> ResolveForm:
    choices = resolution_choices(case.status)
    return ResolveForm(current=case.status, initial={"status": case.status if case.status in choices else None})


@login_required
@require_GET
def photo(request: HttpRequest, photo_id: uuid.UUID) -> FileResponse:
    """A visit's photo, for whoever may see its case; each view is logged (who saw whose photo), never cached."""
    user = _user(request)
    found = VisitPhoto.objects.filter(pk=photo_id).select_related("visit").first()
    if found is None:
        raise Http404
    case = access_case(user, found.visit.case_id)
    found.visit.case = case
    try:
        handle = found.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    services.visit_photo_view_record(actor=user, photo=found)
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "no-store, private"
    response["Content-Disposition"] = f'inline; filename="{found.pk}.jpg"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _place_choices(user: User, case: Case) -> list[tuple[int, str]]:
    """The villages an official may put a case without a village in (through its subscriber, the registry's way)."""
    from switchoff.subscribers.views import assign_choices

    if case.subscriber is None or case.unit.kind.category == UnitKind.Category.VILLAGE:
        return []
    return assign_choices(user, case.subscriber)


def services_can_visit(user: User, case: Case) -> bool:
    from switchoff.fieldwork.access import field_cases

    return field_cases(user).filter(pk=case.pk).exists()


@login_required
@require_POST
def case_call(request: HttpRequest, case_id: int) -> HttpResponse:
    """The tap on "call": logged as a reveal, answered with the number to dial (an HTMX fragment)."""
    user = _user(request)
    case = access_case(user, case_id)
    if not services_can_visit(user, case):
        raise PermissionDenied
    number = services.case_call_from_page(actor=user, case=case)
    context = {
        "case": case,
        "dial": "0" + number[3:] if number.startswith("+84") else number,
        "shown": display_phone(number),
    }
    if request.headers.get("HX-Request"):
        return render(request, "fieldwork/_call.html", context)
    return render(request, "fieldwork/call.html", context)


@login_required
def case_visit(request: HttpRequest, case_id: int) -> HttpResponse:
    """Record a visit from the page, through the same service as the field app."""
    user = _user(request)
    case = access_case(user, case_id)
    if not services_can_visit(user, case):
        raise PermissionDenied
    household = _household_choices(user, case)
    form = VisitForm(request.POST or None, request.FILES or None, household=household,
                     initial={"id": uuid.uuid4(), "photo_id": uuid.uuid4(), "case_version": case.version,
                              "visited_at": _now_minute()})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        household_ids = tuple((int(pk), data["outcome"]) for pk in data.get("household", []))
        visit = services.VisitInput(
            id=data["id"], case_id=case.pk, case_version=data["case_version"], visited_at=data["visited_at"],
            outcome=data["outcome"], note=data["note"], reason=data["reason"], moved_to=data["moved_to"],
            device_model=data["device_model"], household=household_ids,
            consent_photo=data["consent_photo"], consent_location=data["consent_location"],
        )  # fmt: skip
        photo = data.get("photo")
        try:
            if photo is not None:
                services.photo_check_size(photo.size or 0)
            photo_id = data["photo_id"] or uuid.uuid5(data["id"], "photo")
            result = services.visit_record_from_page(
                actor=user, visit=visit, photo=(photo_id, photo.read()) if photo is not None else None
            )
        except services.PhotoRefused as exc:
            form.add_error("photo", exc.message)
        else:
            if result.result in {"created", "same"}:
                messages.success(request, result.message or _("The visit was recorded."))
                return redirect("fieldwork:case", case.pk)
            form.add_error(None, result.message or _("The visit could not be recorded."))
    return render(request, "fieldwork/visit.html", {"case": case, "form": form})


@login_required
def team_found(request: HttpRequest, team_id: int) -> HttpResponse:
    """A person met at the door who is on no list: a new case of the team, "found in the field"."""
    user = _user(request)
    unit = _team(user, team_id)
    if not can(user, Perm.VISIT, unit):
        raise PermissionDenied
    form = FoundForm(request.POST or None, initial={"id": uuid.uuid4()})
    form.fields["village"].choices = [(v.pk, v.name) for v in unit.covers.order_by("search_name")]  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        visit = services.VisitInput(
            id=data["id"], case_id=None, visited_at=timezone.now(), outcome=data["outcome"], note=data["note"],
            found=services.FoundPerson(data["name"], data["number"], data["address"], data["village"]),
            consent_photo=data["consent_photo"], consent_location=data["consent_location"],
        )  # fmt: skip
        (result,) = services.visits_record(actor=user, visits=[visit])
        if result.case is not None:
            messages.success(request, _("The person was added as a case found in the field."))
            return redirect("fieldwork:case", result.case.pk)
        form.add_error(None, result.message or _("The visit could not be recorded."))
    return render(request, "fieldwork/found.html", {"team": unit, "form": form})


@login_required
@require_POST
def case_resolve(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    case = access_case(user, case_id)
    if not may_manage(user, case):
        raise PermissionDenied
    form = ResolveForm(request.POST, current=case.status)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(str(e) for e in errors))
        return redirect("fieldwork:case", case.pk)
    try:
        services.case_resolve(actor=user, case=case, status=form.cleaned_data["status"], note=form.cleaned_data["note"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The conflict is resolved."))
    return redirect("fieldwork:case", case.pk)


@login_required
def progress(request: HttpRequest, unit_id: int) -> HttpResponse:
    """Progress of a team, a commune or the campaign's area, from the counters."""
    user = _user(request)
    unit = access_unit(user, unit_id, Perm.VIEW_SUBSCRIBERS)
    team_unit = unit if unit.kind.category == UnitKind.Category.TEAM else None
    campaign = selectors.campaign_for(unit.geographic_anchor())
    if campaign is None:
        raise Http404
    data = selectors.progress(campaign=campaign, unit=unit, team=team_unit)
    peak = max([n for _d, n in data.visits_per_day] + [1])
    context = {
        "p": data,
        "unit": unit,
        "days": [(d, n, round(100 * n / peak)) for d, n in data.visits_per_day],
        "peak": peak,
        "funnel": [(s, label, n, round(100 * n / max(data.total, 1))) for s, label, n in data.funnel],
        "cases_url": reverse("fieldwork:cases") + f"?unit={unit.pk}",
    }
    return render(request, "fieldwork/progress.html", context)


def managed_unassigned(user: User) -> dict[str, int]:
    """How many cases without a team / without a village the user must assign (the home page's card)."""
    mine = managed_cases(user).filter(Q(team__isnull=True) | ~Q(unit__kind__category=UnitKind.Category.VILLAGE))
    return {
        "team": mine.filter(team__isnull=True).count(),
        "village": mine.exclude(unit__kind__category=UnitKind.Category.VILLAGE).count(),
    }
