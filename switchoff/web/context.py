"""What the page shell needs: the navigation a user's roles allow."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from switchoff.people.access import can
from switchoff.people.roles import Perm


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    items = [(reverse("web:home"), _("Home"))]
    if can(user, Perm.VIEW_REPORTS) or can(user, Perm.REPORT) or can(user, Perm.MANAGE_FIELD):
        items.append((reverse("dashboard:home"), _("Dashboard")))
    if can(user, Perm.VIEW_UNITS):
        items.append((reverse("campaigns:list"), _("Campaigns and reports")))
        items.append((reverse("units:tree"), _("Units")))
    if can(user, Perm.VIEW_SUBSCRIBERS):
        items.append((reverse("subscribers:registry"), _("2G-only subscribers")))
    if can(user, Perm.VISIT) or can(user, Perm.MANAGE_FIELD):
        items.append((reverse("fieldwork:cases"), _("Door to door")))
    if can(user, Perm.VISIT) or can(user, Perm.MANAGE_PROGRAMMES) or can(user, Perm.APPROVE_SUPPORT):
        items.append((reverse("programmes:list"), _("Support programmes")))
    if can(user, Perm.INSPECT_SHOPS):
        items.append((reverse("shops:list"), _("Phone shops")))
    if can(user, Perm.VIEW_PEOPLE):
        items.append((reverse("people:list"), _("People")))
    if can(user, Perm.VIEW_AUDIT):
        items.append((reverse("audit:list"), _("Audit trail")))
    if can(user, Perm.ANSWER_REQUESTS):
        items.append((reverse("privacy:requests"), _("A person's request")))
    if can(user, Perm.MERGE_UNITS):
        items.append((reverse("units:kinds"), _("Unit kinds")))
    # Classifying IMEIs is open to every signed-in person (it shows nothing of any unit).
    items.append((reverse("devices:bulk"), _("Device check")))
    items.append((reverse("people:account"), _("My account")))
    return {"nav": items}
