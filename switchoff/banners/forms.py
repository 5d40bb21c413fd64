"""The page's form for banners or posters hung."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from switchoff.banners.models import Placement


class PlacementForm(forms.Form):
    # Made with the form, so that sending it twice records one placement.
    id = forms.UUIDField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("Kind"), choices=Placement.Kind.choices)
    quantity = forms.IntegerField(label=_("How many"), min_value=1, max_value=10_000, initial=1)
    place = forms.TypedChoiceField(label=_("Commune or village"), coerce=int)
    address = forms.CharField(label=_("Where exactly (street, building)"), max_length=200, required=False)
    # Typed as dd/mm/yyyy, as every date in switchoff: a browser's own date picker shows mm/dd/yyyy when its
    # language is English, as it often is on an office PC.
    start = forms.DateField(label=_("Hung on (dd/mm/yyyy)"))
    until = forms.DateField(
        label=_("Until (dd/mm/yyyy)"),
        required=False,
        help_text=_("Leave empty: until the switch-off date (it follows the date if it moves)."),
    )
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )

    def __init__(
        self,
        *args: Any,
        places: list[tuple[int, str]],
        cutoff: datetime.date | None = None,
        today: datetime.date | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = places  # type: ignore[attr-defined]
        self.today = today
        # Once the switch-off date has passed, "until the switch-off" would make a new banner expired at once:
        # the person gives its last day instead.
        self.cutoff_passed = cutoff is not None and today is not None and cutoff < today
        if self.cutoff_passed:
            assert cutoff is not None
            until = self.fields["until"]
            until.required = True
            until.help_text = _(
                "The switch-off date (%(day)s) has passed: write the last day the banner will hang, after today."
            ) % {"day": cutoff.strftime("%d/%m/%Y")}
            until.error_messages["required"] = _(
                "The switch-off date has passed, so the banner cannot hang “until the switch-off”: "
                "write its last day (after today)."
            )

    def clean_until(self) -> datetime.date | None:
        until: datetime.date | None = self.cleaned_data.get("until")
        if self.cutoff_passed and until is not None and self.today is not None and until <= self.today:
            raise forms.ValidationError(_("The last day must be after today (%(day)s).") % {
                "day": self.today.strftime("%d/%m/%Y")
            })  # fmt: skip
        return until
