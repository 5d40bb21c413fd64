"""The registry's checked helpers beside the grant core (``people/access.py``), from role permissions only.

``access_subscriber`` fetches one subscriber the user may see (every detail,
reveal and assign path goes through it); ``access_import_job`` one import job
(the page and the API); ``may_reveal`` decides who sees a full number.

Who may follow an import job: whoever holds ``subscribers.import`` over the
job's area, or over the operator branch whose list it is (its operator staff),
and the person who started it while they still hold ``subscribers.import``
somewhere. Anyone else gets a 404, as for a job that does not exist.

A full number is shown (revealed on the page, written into a full export) only
to someone whose role grants ``subscribers.reveal``: over the unit where the
subscriber lives (or their list's area while unassigned), or, for operator
staff, over the operator branch that listed them. Holding *some* role on the
branch (a read-only viewer, say) is not enough.
"""

from __future__ import annotations

from django.http import Http404

from switchoff.people.access import can
from switchoff.people.models import Membership, User
from switchoff.people.roles import Perm, role_has
from switchoff.subscribers.models import ImportJob, Subscriber
from switchoff.subscribers.selectors import visible_subscribers
from switchoff.units.models import Unit


def access_subscriber(user: User, subscriber_id: int) -> Subscriber:
    """A subscriber the user may see (``visible_subscribers``), or 404."""
    try:
        return visible_subscribers(user).select_related("unit", "operator", "list_area").get(pk=subscriber_id)
    except (Subscriber.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def access_import_job(user: User, job_id: int) -> ImportJob:
    """An import job the user may follow, cancel and restart (see the module's rule), or 404."""
    if not can(user, Perm.IMPORT_SUBSCRIBERS):
        raise Http404
    job = ImportJob.objects.select_related("operator", "area", "result").filter(pk=job_id).first()
    if job is None or not (
        job.created_by_id == user.pk
        or can(user, Perm.IMPORT_SUBSCRIBERS, job.area)
        or can(user, Perm.IMPORT_SUBSCRIBERS, job.operator)
    ):
        raise Http404
    return job


def may_reveal_in(user: User, unit: Unit) -> bool:
    """Whether ``user`` may see the full numbers of the subscribers under ``unit`` (a full export of it)."""
    return can(user, Perm.REVEAL_NUMBERS, unit)


def may_reveal(user: User, subscriber: Subscriber) -> bool:
    """Whether ``user`` may see ``subscriber``'s full number."""
    if may_reveal_in(user, subscriber.unit or subscriber.list_area):
        return True
    # Operator staff reveal their own operator's subscribers wherever they live, if their role there allows it.
    roles = Membership.objects.filter(user=user, unit_id=subscriber.operator_id).values_list("role", flat=True)
    return any(role_has(role, Perm.REVEAL_NUMBERS) for role in roles)
