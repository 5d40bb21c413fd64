from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from switchoff.audit.actions import ACTIONS, action_choices, codes_matching, event_line
from switchoff.audit.models import AuditEvent
from switchoff.audit.selectors import unusual_number_searches
from switchoff.lib.months import parse_day
from switchoff.lib.phones import normalize_phone
from switchoff.lib.throttle import Throttled
from switchoff.people.access import require, visible_people, visible_units
from switchoff.people.models import User
from switchoff.people.roles import Perm
from switchoff.privacy import person
from switchoff.subscribers.services import number_search_admit, number_search_record


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    """The audit trail of the user's area, filterable by action, person and dates."""
    user = request.user
    require(user, Perm.VIEW_AUDIT)  # type: ignore[arg-type]
    events = AuditEvent.objects.select_related("actor", "unit")
    if not user.is_superuser:
        units = visible_units(user, Perm.VIEW_AUDIT)  # type: ignore[arg-type]
        # Events without a unit (logins, password changes) are shown for the
        # people of the area only.
        people = visible_people(user, Perm.VIEW_AUDIT)  # type: ignore[arg-type]
        events = events.filter(unit__in=units) | events.filter(unit__isnull=True, actor__in=people)
    # Before the filters: the panel of unusual searches covers the whole area whatever the list shows.
    volumes = unusual_number_searches(events, now=timezone.now())
    action = request.GET.get("action", "").strip()
    actor = request.GET.get("actor", "").strip()
    date_from = parse_day(request.GET.get("from", ""))
    date_to = parse_day(request.GET.get("to", ""))
    # A part of a code, whole words only ("subscribers.number", the panel's link): shown as the labels it covers.
    action_part = action.rstrip(".") + "." if action and action not in ACTIONS else ""
    if action in ACTIONS:
        events = events.filter(action__in=codes_matching(action))
    elif action_part:
        events = events.filter(action__startswith=action_part)
    if actor:
        events = events.filter(Q(actor__username__icontains=actor) | Q(actor__full_name__icontains=actor))
    if date_from:
        events = events.filter(at__date__gte=date_from)
    if date_to:
        events = events.filter(at__date__lte=date_to)
    # "Who looked at this number": the number is a full-number search, logged and limited like the registry's.
    number = request.GET.get("number", "").strip()
    looks, number_error = None, ""
    if number:
        e164 = normalize_phone(number)
        if e164 is None:
            number_error = _("“%(value)s” is not a Vietnamese phone number.") % {"value": number[:40]}
        else:
            try:
                number_search_admit(actor=user, unit=None)  # type: ignore[arg-type]
            except Throttled as exc:
                number_error = str(exc)
            else:
                scope = person.person_scope(user, e164, Perm.VIEW_AUDIT)  # type: ignore[arg-type]
                found = sorted(scope.subscriber_ids)
                number_search_record(actor=user, number=e164, subscriber_ids=found, unit=None, via="audit")  # type: ignore[arg-type]
                looks = person.looks(scope, since=date_from, until=date_to)
                about = Q(object_type="subscribers.subscriber", object_id__in=[str(i) for i in scope.subscriber_ids])
                about |= Q(object_type="fieldwork.case", object_id__in=[str(i) for i in scope.case_ids])
                events = events.filter(about)
    # "What did this person look at": their disclosures, when the list is narrowed to people of the area.
    viewed = None
    if actor:
        people = visible_people(user, Perm.VIEW_AUDIT) if not user.is_superuser else User.objects.all()  # type: ignore[arg-type]
        matching = people.filter(Q(username__icontains=actor) | Q(full_name__icontains=actor))
        viewed = person.viewed_by(matching, since=date_from, until=date_to)
    page = Paginator(events.order_by("-at", "-id"), 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "lines": [event_line(event) for event in page],
        "action_choices": action_choices(),
        "action_part_labels": "; ".join(str(a.label) for code, a in ACTIONS.items() if code.startswith(action_part))
        if action_part
        else "",
        "filters": request.GET,
        "volumes": volumes,
        "looks": looks,
        "number_error": number_error,
        "viewed": viewed,
        "unusual_per_day": settings.NUMBER_SEARCH_UNUSUAL_PER_DAY,
    }
    return render(request, "audit/list.html", context)
