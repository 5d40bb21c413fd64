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
