from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from switchoff.people.access import can, visible_campaigns
from switchoff.people.models import Membership, User
from switchoff.people.roles import Perm, Role
from switchoff.reports.models import Notification


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The landing page: what this person does, for each of their roles."""
    user: User = request.user  # type: ignore[assignment]
    memberships = list(Membership.objects.filter(user_id=user.pk).select_related("unit__kind", "unit__parent"))
    roles = {Role(m.role) for m in memberships}
    context = {
        "notifications": Notification.objects.filter(user_id=user.pk, read_at__isnull=True)[:5],
        "campaigns": visible_campaigns(user),
        "memberships": memberships,
        "roles": roles,
        "Role": Role,
        "can_manage": can(user, Perm.MANAGE_PEOPLE),
        "can_audit": can(user, Perm.VIEW_AUDIT),
        "can_api": can(user, Perm.USE_API),
    }
    return render(request, "web/home.html", context)


def health(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
