from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from switchoff.fieldwork.selectors import waiting_for_leader
from switchoff.fieldwork.views import managed_unassigned
from switchoff.lib.text import is_id
from switchoff.people.access import can, visible_campaigns
from switchoff.people.models import Membership, User
from switchoff.people.roles import Perm, Role
from switchoff.reports.home_cards import reporting_cards, review_cards
from switchoff.reports.models import Notification
from switchoff.reports.reminders import notifications_mark_read
from switchoff.reports.selectors import STATUS_LABELS


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The landing page: what is due for this person, then what they do for each of their roles."""
    user: User = request.user  # type: ignore[assignment]
    memberships = list(Membership.objects.filter(user_id=user.pk).select_related("unit__kind", "unit__parent"))
    roles = {Role(m.role) for m in memberships}
    campaigns = list(visible_campaigns(user).select_related("area"))
    context = {
        "notifications": Notification.objects.filter(user_id=user.pk, read_at__isnull=True)[:5],
        "campaigns": campaigns,
        "reporting": reporting_cards(user),
        "reviewing": review_cards(user, campaigns),
        "labels": STATUS_LABELS,
        "memberships": memberships,
        "roles": roles,
        "Role": Role,
        "can_manage": can(user, Perm.MANAGE_PEOPLE),
        "can_audit": can(user, Perm.VIEW_AUDIT),
        "can_api": can(user, Perm.USE_API),
        "unassigned": managed_unassigned(user) if can(user, Perm.MANAGE_FIELD) else None,
        # A team leader's cases to decide on (conflicts, escalated), per team they lead.
        "to_lead": waiting_for_leader([m.unit_id for m in memberships if m.role == Role.TEAM_LEADER]),
    }
    return render(request, "web/home.html", context)


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    """The person's notifications, newest first, read ones too."""
    user: User = request.user  # type: ignore[assignment]
    page = Paginator(Notification.objects.filter(user_id=user.pk), 50).get_page(request.GET.get("page"))
    return render(request, "web/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    """Mark one notification read (``id``), or all of them; then back where the person was."""
    user: User = request.user  # type: ignore[assignment]
    raw = request.POST.get("id", "")
    marked = notifications_mark_read(user=user, notification_id=int(raw) if is_id(raw) else None)
    if not raw and marked:
        messages.success(request, _("All notifications were marked as read."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("web:home")
    return redirect(target or reverse("web:home"))
