"""Pages of SMS: an operator's staff composes a message to its own subscribers of an area (the count and the SMS
parts shown as they type), sends it at once or later, and follows each message's state."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from switchoff.fieldwork.access import access_case
from switchoff.fieldwork.selectors import campaign_for
from switchoff.lib.phones import mask_phone
from switchoff.lib.sheets import UnreadableFile, read_file
from switchoff.lib.sms_text import measure, unaccented
from switchoff.people.models import User
from switchoff.sms import optouts, services
from switchoff.sms.models import Audience, OptOut, SmsBatch, SmsMessage
from switchoff.units.models import Unit


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _operator(user: User, operator_id: int) -> Unit:
    return services.access_operator(user, operator_id)


class ComposeForm(forms.Form):
    area = forms.TypedChoiceField(label=gettext_lazy("Commune or ward"), coerce=int)
    audience = forms.ChoiceField(label=gettext_lazy("Who"), choices=Audience.choices, initial=Audience.NOT_VISITED)
    text = forms.CharField(label=gettext_lazy("Message"), max_length=1000, widget=forms.Textarea(attrs={"rows": 4}))
    send_at = forms.DateTimeField(
        label=gettext_lazy("Send at (empty: at once)"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


def _areas(operator: Unit) -> list[Unit]:
    return services.operator_areas(operator)


@login_required
def compose(request: HttpRequest, operator_id: int) -> HttpResponse:
    user = _user(request)
    operator = _operator(user, operator_id)
    campaign = campaign_for(operator)
    if campaign is None:
        raise Http404
    areas = _areas(operator)
    form = ComposeForm(request.POST or None)
    form.fields["area"].choices = [(a.pk, a.name) for a in areas]  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        area = next(a for a in areas if a.pk == data["area"])
        send_at: datetime.datetime | None = data["send_at"]
        batch = services.sms_batch_create(
            actor=user, campaign=campaign, operator=operator, area=area, audience=data["audience"],
            text=data["text"], send_at=send_at,
        )  # fmt: skip
        messages.success(request, _("The message is on its way to %(n)s numbers.") % {"n": batch.messages.count()})
        return redirect("sms:batch", batch.pk)
    return render(request, "sms/compose.html", {"operator": operator, "form": form, "campaign": campaign})


@login_required
def preview(request: HttpRequest, operator_id: int) -> HttpResponse:
    """How many would receive it and how long it is in SMS parts (HTMX, as the staff types)."""
    user = _user(request)
    operator = _operator(user, operator_id)
    campaign = campaign_for(operator)
    area = next((a for a in _areas(operator) if str(a.pk) == request.GET.get("area")), None)
    audience = request.GET.get("audience", Audience.NOT_VISITED)
    count = (
        services.recipients(operator=operator, area=area, audience=audience, campaign=campaign).count()
        if area is not None and campaign is not None and audience in Audience.values
        else 0
    )
    text = request.GET.get("text", "")
    plain = unaccented(text)
    context = {"count": count, "measure": measure(text), "plain": plain if plain != text else "",
               "plain_measure": measure(plain)}  # fmt: skip
    return render(request, "sms/_preview.html", context)


@login_required
def batch(request: HttpRequest, batch_id: int) -> HttpResponse:
    user = _user(request)
    found = SmsBatch.objects.filter(pk=batch_id, operator__in=services.staff_operators(user)).first()
    if found is None:
        raise Http404
    states = dict(found.messages.values_list("state").annotate(n=Count("pk")).order_by())
    rows = [(mask_phone(m.msisdn), m.get_state_display(), m.reason) for m in found.messages.order_by("pk")[:200]]
    labels = dict(SmsMessage.State.choices)
    context = {"batch": found, "states": [(labels[s], states.get(s, 0)) for s in SmsMessage.State.values],
               "rows": rows, "now": timezone.now(), "waiting": _waiting(found, states)}  # fmt: skip
    return render(request, "sms/batch.html", context)


def _waiting(batch: SmsBatch, states: dict[str, int]) -> bool:
    """Whether the page should look again: messages still to send, or sent through the SMSC without a receipt."""
    pending = states.get(SmsMessage.State.QUEUED, 0) + states.get(SmsMessage.State.SUBMITTING, 0)
    return bool(pending or (batch.channel == services.CHANNEL_SMPP and states.get(SmsMessage.State.SENT, 0)))


@login_required
def case_messages(request: HttpRequest, case_id: int) -> HttpResponse:
    """The messages the case's person received (the case's page loads them), for whoever may see the case."""
    case = access_case(_user(request), case_id)
    received = (
        SmsMessage.objects.filter(subscriber_id=case.subscriber_id)
        .exclude(state=SmsMessage.State.SKIPPED)
        .select_related("batch", "batch__operator")
        .order_by("-batch__send_at")[:50]
        if case.subscriber_id
        else []
    )
    return render(request, "sms/_case.html", {"received": received})


class OptOutListForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("The list (XLSX, XLS, CSV or TXT)"),
        help_text=gettext_lazy("A column of numbers under a header such as “Số thuê bao”."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def opt_outs(request: HttpRequest, operator_id: int) -> HttpResponse:
    """The operator's numbers that want no more messages: how many, and its own list uploaded (problems by row)."""
    user = _user(request)
    operator = _operator(user, operator_id)
    form = OptOutListForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            read = read_file(upload.read(), upload.name or "list")
            checked = optouts.check_opt_outs(read)
        except UnreadableFile as error:
            form.add_error("file", str(getattr(error, "message", error)))
        else:
            new = optouts.opt_outs_import(actor=user, operator=operator, checked=checked, file_name=upload.name or "")
            result = {"numbers": len(checked.numbers), "new": new, "problems": checked.problems}
    by_source = dict(OptOut.objects.filter(operator=operator).values_list("source").annotate(n=Count("pk")).order_by())
    context = {"operator": operator, "form": form, "result": result,
               "keyword": by_source.get("keyword", 0), "listed": by_source.get("list", 0)}  # fmt: skip
    return render(request, "sms/opt_outs.html", context)
