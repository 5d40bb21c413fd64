"""Calls and disclosures: a tap on "call" is a logged reveal; full numbers sent to a member are logged."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from switchoff.audit.services import log_action
from switchoff.fieldwork.access import field_cases
from switchoff.fieldwork.models import Call, Case
from switchoff.people.models import User
from switchoff.subscribers.models import NumberView


@dataclass(frozen=True)
class CallInput:
    id: uuid.UUID
    case_id: int
    at: datetime.datetime


@transaction.atomic
def calls_record(*, actor: User, calls: Sequence[CallInput]) -> list[tuple[uuid.UUID, str]]:
    """Taps on "call" (tel:) that reached the server: each a reveal of the number (NumberView, audit), once per id."""
    stored = set(Call.objects.filter(pk__in=[c.id for c in calls]).values_list("pk", flat=True))
    cases = {c.pk: c for c in field_cases(actor).filter(pk__in={c.case_id for c in calls})}
    results: list[tuple[uuid.UUID, str]] = []
    new: list[Call] = []
    for call in calls:
        if call.id in stored:
            results.append((call.id, "same"))
        elif call.case_id not in cases or timezone.is_naive(call.at):
            results.append((call.id, "invalid"))
        else:
            stored.add(call.id)
            new.append(Call(id=call.id, case_id=call.case_id, member=actor, at=call.at))
            results.append((call.id, "created"))
    if new:
        Call.objects.bulk_create(new)
        subscriber_ids = sorted({s for c in new if (s := cases[c.case_id].subscriber_id) is not None})
        NumberView.objects.create(user=actor, purpose="call", subscriber_ids=subscriber_ids)
        log_action(
            "fieldwork.case.called",
            actor=actor,
            data={"calls": len(new), "cases": sorted({c.case_id for c in new})},
        )
    return results


@transaction.atomic
def cases_download_record(*, actor: User, cases: Iterable[Case], via: str) -> None:
    """Full numbers sent to a member (the field app's download, a case page): who, when, which cases.

    Like the registry's searches by number, the one write a GET makes: every disclosure is traceable.
    """
    cases = list(cases)
    if not cases:
        return
    NumberView.objects.create(
        user=actor, purpose="field", subscriber_ids=sorted({c.subscriber_id for c in cases if c.subscriber_id})
    )
    log_action("fieldwork.cases.downloaded", actor=actor, data={"cases": len(cases), "via": via})


@transaction.atomic
def case_call_from_page(*, actor: User, case: Case) -> str:
    """A tap on the case page's number: recorded as a call (a reveal), answers the number to dial."""
    calls_record(actor=actor, calls=[CallInput(id=uuid.uuid4(), case_id=case.pk, at=timezone.now())])
    return case.msisdn
