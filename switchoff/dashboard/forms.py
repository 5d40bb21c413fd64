"""The coordinator's target form: a date typed dd/mm/yyyy, a number written the Vietnamese way (1.234)."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from switchoff.lib.months import parse_day
from switchoff.units.models import Unit

# Digits, in groups of three after the first separated by dots (or spaces), or none at all: 1.234 · 1 234 · 1234.
_NUMBER = re.compile(r"^\d{1,3}([. ]\d{3})*$|^\d+$")


def parse_count(text: str) -> int | None:
    """A whole number typed with or without thousands separators (1.234, 1 234, 1234); None when it is not one."""
    text = text.strip().replace("\u00a0", " ")
    if not _NUMBER.match(text):
        return None
    return int(text.replace(".", "").replace(" ", ""))


class TargetForm(forms.Form):
    day = forms.CharField(label=gettext_lazy("Date (dd/mm/yyyy)"), max_length=10)
    listed = forms.CharField(label=gettext_lazy("Subscribers still listed on that date"), max_length=20)
    operator = forms.TypedChoiceField(label=gettext_lazy("Operator"), coerce=int, required=False, empty_value=None)

    def __init__(
        self, *args: Any, operators: list[Unit], campaign_days: tuple[datetime.date, datetime.date], **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.operators = {o.pk: o for o in operators}
        operator = self.fields["operator"]
        assert isinstance(operator, forms.ChoiceField)
        operator.choices = [("", _("Every operator together")), *[(o.pk, o.name) for o in operators]]
        self.campaign_days = campaign_days

    def clean_day(self) -> datetime.date:
        day = parse_day(self.cleaned_data["day"])
        if day is None:
            raise forms.ValidationError(_("Write the date as dd/mm/yyyy, for example 30/06/2026."))
        first, last = self.campaign_days
        if not first <= day <= last:
            raise forms.ValidationError(
                _("The date must fall within the campaign, from %(first)s to %(last)s.")
                % {"first": f"{first:%d/%m/%Y}", "last": f"{last:%d/%m/%Y}"}
            )
        return day

    def clean_listed(self) -> int:
        n = parse_count(self.cleaned_data["listed"])
        if n is None:
            raise forms.ValidationError(_("Write a whole number of subscribers, for example 1.234."))
        return n

    def clean_operator(self) -> Unit | None:
        pk = self.cleaned_data.get("operator")
        return None if pk is None else self.operators[pk]
