"""Who may see a subscriber's full number: the one decision, from role permissions only.

A full number is shown (revealed on the page, written into a full export) only
to someone whose role grants ``subscribers.reveal``: over the unit where the
subscriber lives (or their list's area while unassigned), or, for operator
staff, over the operator branch that listed them. Holding *some* role on the
branch (a read-only viewer, say) is not enough.
"""

from __future__ import annotations

from switchoff.people.access import can
from switchoff.people.models import Membership, User
from switchoff.people.roles import Perm, role_has
from switchoff.subscribers.models import Subscriber
from switchoff.units.models import Unit


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
