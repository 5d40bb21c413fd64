"""Writing the audit trail. Call inside the transaction of the change it records."""

from __future__ import annotations

from typing import Any

from django.db import models

from switchoff.audit.actions import ACTIONS
from switchoff.audit.models import AuditEvent
from switchoff.lib.request_context import current_ip

# Keys whose values never enter the trail in clear.
_SECRET_KEYS = {"password", "token", "secret", "otp", "code"}


def log_action(
    action: str,
    *,
    actor: Any | None,
    obj: models.Model | None = None,
    unit: Any | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record ``action`` (a namespaced code such as ``units.unit.merged``)."""
    if action not in ACTIONS:
        raise ValueError(f"Unregistered audit action {action!r}: add it to switchoff/audit/actions.py")
    clean = {k: ("***" if k in _SECRET_KEYS else v) for k, v in (data or {}).items()}
    return AuditEvent.objects.create(
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        unit=unit,
        data=clean,
        ip=current_ip(),
    )
