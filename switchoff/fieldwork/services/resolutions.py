"""A team leader settling a case in conflict."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from switchoff.audit.services import log_action
from switchoff.fieldwork import rules
from switchoff.fieldwork.access import managed_cases
from switchoff.fieldwork.counts import CaseDeltas, case_key
from switchoff.fieldwork.models import Case, Resolution
from switchoff.fieldwork.services.visits import case_state
from switchoff.people.models import User


@transaction.atomic
def case_resolve(*, actor: User, case: Case, status: str, note: str = "") -> Case:
    """The team leader settles a case in conflict: the status that stands, the flag cleared (both visits stay).

    Only the statuses of ``rules.resolution_choices`` are accepted: "verified" comes from an
    operator's list alone. The resolution is kept (who, when, the status, why) for the case's history.
    """
    if not managed_cases(actor).filter(pk=case.pk).exists():
        raise PermissionDenied
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not case.conflict:
        raise ValidationError(_("This case is not in conflict (any more): nothing to resolve."))
    if status not in rules.resolution_choices(case.status):
        if status == rules.Status.VERIFIED:
            raise ValidationError({"status": _("Only the operator's next list verifies a switch.")})
        raise ValidationError({"status": _("This status cannot be chosen to resolve a conflict.")})
    before = case_key(case)
    old_status = case.status
    after = rules.after_resolution(case_state(case), status=status, day=timezone.localdate())
    case.status, case.stage, case.follow_up_on, case.switched_on = (
        after.status,
        after.stage,
        after.follow_up_on,
        after.switched_on,
    )
    case.conflict = False
    case.version += 1
    case.assigned_version = case.version
    case.changed_at = timezone.now()
    case.save(update_fields=["status", "stage", "follow_up_on", "switched_on", "conflict", "version",
                             "assigned_version", "changed_at"])  # fmt: skip
    Resolution.objects.create(case=case, by=actor, at=case.changed_at, from_status=old_status, status=status,
                              note=note.strip()[:300])  # fmt: skip
    deltas = CaseDeltas()
    deltas.change(before, case_key(case))
    deltas.write()
    log_action("fieldwork.case.resolved", actor=actor, obj=case, unit=case.unit,
               data={"from": old_status, "to": status, "note": note[:300]})  # fmt: skip
    return case
