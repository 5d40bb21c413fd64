"""The field app's sync token (CommCare's pattern): the phone sends the token of its last sync and gets only
what changed since; a token too old, or made for another scope (a team joined or left), is answered 412 and
the phone downloads its whole list again.

The token is signed (``django.core.signing``), never stored: it carries the member, a watermark (the time
its sync started, less ``FIELD_SYNC_MARGIN_S``, so that a change whose transaction was still open then is
sent again rather than missed) and a hash of the member's scope (their teams and roles).
"""

from __future__ import annotations

import datetime
import hashlib

from django.conf import settings
from django.core import signing

from switchoff.people.access import acts_as_superuser
from switchoff.people.models import Membership, User
from switchoff.people.roles import Perm, role_has

SALT = "switchoff.fieldwork.sync-token"


class StaleToken(Exception):
    """The phone must download its whole list again: ``reason`` is unreadable, other_member, too_old or scope."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def scope_hash(user: User) -> str:
    """What decides which cases reach the member (``access.field_filter``): their teams and roles there."""
    if acts_as_superuser(user):
        held = ["superuser"]
    else:
        held = sorted(
            f"{role}:{unit_id}"
            for role, unit_id in Membership.objects.filter(user=user).values_list("role", "unit_id")
            if role_has(role, Perm.VISIT) or role_has(role, Perm.LEAD_TEAM)
        )
    return hashlib.sha256("|".join([str(user.pk), *held]).encode()).hexdigest()[:16]


def make(user: User, *, started: datetime.datetime) -> str:
    """The token of a sync that started at ``started``: the next one sends what changed since (less the margin)."""
    watermark = started - datetime.timedelta(seconds=settings.FIELD_SYNC_MARGIN_S)
    return signing.dumps({"m": user.pk, "at": watermark.isoformat(), "s": scope_hash(user)}, salt=SALT)


def read(token: str, user: User, *, now: datetime.datetime) -> datetime.datetime:
    """The time to send changes after, or ``StaleToken``."""
    try:
        data = signing.loads(token, salt=SALT)
        watermark = datetime.datetime.fromisoformat(data["at"])
        member, scope = data["m"], data["s"]
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise StaleToken("unreadable") from None
    if member != user.pk:
        raise StaleToken("other_member")
    if watermark.tzinfo is None or now - watermark > datetime.timedelta(days=settings.FIELD_SYNC_TOKEN_DAYS):
        raise StaleToken("too_old")
    if scope != scope_hash(user):
        raise StaleToken("scope")
    return watermark
