"""The audit trail's personal fields (``privacy.registry``): the name an event gave its object, and its data.

An event about an erased subscriber or case keeps who did what and when (the record of processing), with its
object named by its id only.
"""

from __future__ import annotations

from django.db.models import CharField, Q, QuerySet, Value
from django.db.models.functions import Concat

from switchoff.audit.models import AuditEvent
from switchoff.privacy.registry import PersonalData, Scope, register
from switchoff.subscribers.models import Household
from switchoff.subscribers.personal import dismissals_of


def _events(scope: Scope) -> QuerySet[AuditEvent]:
    about = Q(object_type="subscribers.subscriber", object_id__in=[str(i) for i in scope.subscriber_ids])
    about |= Q(object_type="fieldwork.case", object_id__in=[str(i) for i in scope.case_ids])
    households = Household.objects.filter(members__in=scope.subscriber_ids).values_list("pk", flat=True)
    about |= Q(object_type="subscribers.household", object_id__in=[str(i) for i in households])
    dismissals = dismissals_of(scope).values_list("pk", flat=True)
    about |= Q(object_type="subscribers.householddismissal", object_id__in=[str(i) for i in dismissals])
    return AuditEvent.objects.filter(about)


register(
    PersonalData(
        model=AuditEvent,
        rows=_events,
        erase={"object_repr": Concat(Value("#"), "object_id", output_field=CharField()), "data": {}},
        early=True,  # found through the subscribers' names, before they are erased
    )
)
