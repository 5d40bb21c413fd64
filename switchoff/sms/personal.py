"""SMS's personal fields (``privacy.registry``): the number each message went to, and the opt-outs of the people
in scope. The messages keep their rows and states: the operator's counts of sent messages stay."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from switchoff.privacy.registry import PersonalData, Scope, register
from switchoff.sms.models import OptOut, SmsMessage
from switchoff.subscribers.models import Subscriber


def _messages(scope: Scope) -> QuerySet[SmsMessage]:
    return SmsMessage.objects.filter(subscriber_id__in=scope.subscriber_ids)


def _opt_outs(scope: Scope) -> QuerySet[OptOut]:
    numbers = Subscriber.objects.filter(pk__in=scope.subscriber_ids).values("msisdn")
    return OptOut.objects.filter(msisdn__in=numbers)


register(
    PersonalData(
        model=SmsMessage,
        rows=_messages,
        erase={"msisdn": ""},
        label=_("Text message"),
        shown=(("msisdn", _("Number")), "state", "updated_at"),
    ),
    PersonalData(
        model=OptOut,
        rows=_opt_outs,
        delete_rows=True,
        label=_("No more text messages"),
        shown=(("msisdn", _("Number")), "created_at"),
    ),
)
