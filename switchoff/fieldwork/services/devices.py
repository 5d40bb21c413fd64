"""Field devices: a phone signed in once for field work, revoked by its member or a team leader."""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from switchoff.audit.services import log_action
from switchoff.fieldwork.access import may_lead, teams_of_member
from switchoff.fieldwork.models import FieldDevice, FieldDeviceSeen
from switchoff.people.access import can
from switchoff.people.models import User, token_digest
from switchoff.people.roles import Perm

SEEN_PRECISION = datetime.timedelta(minutes=1)


@transaction.atomic
def device_enrol(*, actor: User, name: str) -> tuple[FieldDevice, str]:
    """A phone signed in for field work as ``actor``: the raw token is answered once and stored as a digest."""
    if not can(actor, Perm.VISIT):
        raise PermissionDenied
    raw = "fd_" + secrets.token_urlsafe(30)
    device = FieldDevice.objects.create(
        user=actor,
        name=name.strip()[:100] or _("Phone"),
        prefix=raw[:8],
        digest=token_digest(raw),
        expires_at=timezone.now() + datetime.timedelta(days=settings.FIELD_DEVICE_DAYS),
    )
    log_action(
        "fieldwork.device.enrolled", actor=actor, obj=device, data={"name": device.name, "prefix": device.prefix}
    )
    return device, raw


@transaction.atomic
def device_revoke(*, actor: User, device: FieldDevice) -> FieldDevice:
    """Stop a phone: its next contact is refused (401) and told to clear what it holds. Its owner, or a team leader."""
    if device.user_id != actor.pk and not any(may_lead(actor, t) for t in teams_of_member(device.user)):
        raise PermissionDenied
    if device.revoked_at is None:
        device.revoked_at = timezone.now()
        device.revoked_by = actor
        device.save(update_fields=["revoked_at", "revoked_by"])
        log_action(
            "fieldwork.device.revoked", actor=actor, obj=device, data={"name": device.name, "prefix": device.prefix}
        )
    return device


def device_touch(*, device: FieldDevice, now: datetime.datetime, unsent: int | None = None) -> None:
    """When the phone was last seen, at most once a minute, beside the credential (bookkeeping, not audited), and
    what it said it still held unsent (written when it changes)."""
    try:
        seen: FieldDeviceSeen | None = device.seen  # read with the device (select_related) by the API's auth
    except FieldDeviceSeen.DoesNotExist:
        seen = None
    changed = unsent is not None and (seen is None or seen.unsent != unsent)
    if seen is not None and seen.at > now - SEEN_PRECISION and not changed:
        return
    values: dict[str, object] = {"at": now} if unsent is None else {"at": now, "unsent": unsent}
    with transaction.atomic():
        updated = FieldDeviceSeen.objects.filter(device=device).update(**values)
        if not updated:
            FieldDeviceSeen.objects.get_or_create(device=device, defaults=values)
