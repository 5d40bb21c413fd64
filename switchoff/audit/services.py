"""Writing the audit trail. Call inside the transaction of the change it records."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from switchoff.audit.actions import ACTIONS
from switchoff.audit.models import AuditEvent
from switchoff.lib.request_context import current_ip

# Keys whose values never enter the trail in clear.
_SECRET_KEYS = {"password", "token", "secret", "otp", "code"}


def _require_transaction(action: str) -> None:
    connection = transaction.get_connection()
    # A TestCase wraps each test in atomic blocks of its own (Django marks them, and reads the mark for
    # ``durable``): they are not the change's transaction, so the tests see what production would.
    own = [block for block in connection.atomic_blocks if not getattr(block, "_from_testcase", False)]
    if not connection.in_atomic_block or not own:
        raise RuntimeError(
            f"The audit action {action!r} was logged outside a transaction: log it inside the @transaction.atomic "
            "service that makes the change, so that the audit row commits or rolls back with it."
        )


def log_action(
    action: str,
    *,
    actor: Any | None,
    obj: models.Model | None = None,
    unit: Any | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record ``action`` (a namespaced code such as ``units.unit.merged``) in the transaction of the change.

    Raises ``RuntimeError`` outside a transaction: a row written on its own
    could record a change that then rolls back, or miss one that commits.
    """
    if action not in ACTIONS:
        raise ValueError(f"Unregistered audit action {action!r}: add it to switchoff/audit/actions.py")
    _require_transaction(action)
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


def log_actions(action: str, *, actor: Any | None, rows: list[tuple[models.Model, Any | None, dict[str, Any]]]) -> None:
    """``log_action`` for many objects at once (a batch of one import): one row each, in one INSERT per 2,000."""
    if action not in ACTIONS:
        raise ValueError(f"Unregistered audit action {action!r}: add it to switchoff/audit/actions.py")
    _require_transaction(action)
    who = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    ip = current_ip()
    AuditEvent.objects.bulk_create(
        (
            AuditEvent(
                actor=who,
                action=action,
                object_type=obj._meta.label_lower,
                object_id=str(obj.pk),
                object_repr=str(obj)[:200],
                unit=unit,
                data={k: ("***" if k in _SECRET_KEYS else v) for k, v in data.items()},
                ip=ip,
            )
            for obj, unit, data in rows
        ),
        batch_size=2000,
    )
