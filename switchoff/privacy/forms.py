from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class RetentionForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["months"] = forms.IntegerField(
            label=_("Months personal data is kept after the campaign's end"),
            min_value=settings.RETENTION_MONTHS_MIN,
            max_value=settings.RETENTION_MONTHS_MAX,
        )


class LookupForm(forms.Form):
    number = forms.CharField(label=_("The person's phone number"), max_length=40)
    reference = forms.CharField(
        label=_("Request reference (letter, form or ticket number)"), max_length=100, required=False
    )


class CorrectForm(forms.Form):
    field = forms.ChoiceField(
        label=_("Field"),
        choices=[
            ("name", _("Name on the operator's list")),
            ("address", _("Address on the operator's list")),
            ("found_name", _("Name given at the door")),
            ("found_address", _("Address given at the door")),
        ],
    )
    value = forms.CharField(label=_("Correct value"), max_length=200, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=300)


class EraseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)
    confirm = forms.BooleanField(label=_("I checked that the person asked for the erasure of all their data"))
