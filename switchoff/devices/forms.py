from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _


class CheckForm(forms.Form):
    imei = forms.CharField(label=_("IMEI (15 digits)"), max_length=40, required=False)
    model = forms.CharField(label=_("or the phone's brand and model"), max_length=80, required=False)


class SupportForm(forms.Form):
    support_contacts = forms.CharField(
        label=_("Support contacts shown by the device check"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=2000,
        help_text=_("Hotlines, operators' shops, the ward's digital technology team…"),
    )
    g3_stop_date = forms.DateField(
        label=_("3G switch-off date, if announced (dd/mm/yyyy)"),
        required=False,
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
    )

    def clean_g3_stop_date(self) -> datetime.date | None:
        value: datetime.date | None = self.cleaned_data.get("g3_stop_date")
        return value
