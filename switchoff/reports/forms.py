from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from switchoff.lib.links import validate_http_url
from switchoff.units.forms import WorkbookForm


class ActivityForm(forms.Form):
    """One activity of the month the page shows: its date must be in that month."""

    client_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    month = forms.CharField(widget=forms.HiddenInput, required=False)
    date = forms.DateField(label=_("Date (dd/mm/yyyy)"))
    form = forms.TypedChoiceField(label=_("Form of communication"), coerce=int)
    medium = forms.TypedChoiceField(label=_("Medium"), coerce=int, required=False, empty_value=None)
    count = forms.IntegerField(label=_("How many times"), min_value=1, max_value=100000)
    people_reached = forms.IntegerField(label=_("People reached (optional)"), min_value=0, required=False)
    place = forms.TypedChoiceField(label=_("Place"), coerce=int, required=False, empty_value=None)
    description = forms.CharField(label=_("Short description"), max_length=500, required=False)
    evidence_url = forms.URLField(
        label=_("Evidence: a link"), required=False, assume_scheme="https", validators=[validate_http_url]
    )
    evidence_file = forms.FileField(label=_("Evidence: a photo or file"), required=False)
    material = forms.TypedChoiceField(
        label=_("Material of the library used (optional)"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args: Any, month: datetime.date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shown_month = month

    def clean_date(self) -> datetime.date:
        day: datetime.date = self.cleaned_data["date"]
        if self.shown_month is not None and (day.year, day.month) != (self.shown_month.year, self.shown_month.month):
            raise forms.ValidationError(
                _("This page logs the activities of %(month)s: choose a day of it, or open the month of %(day)s.")
                % {"month": self.shown_month.strftime("%m/%Y"), "day": day.strftime("%d/%m/%Y")}
            )
        return day


class SubmitForm(forms.Form):
    """What submitting may need besides the figures: the statement of an empty month, the reason of a coordinator."""

    no_activity = forms.BooleanField(
        label=_("The unit carried out no communication activity this month"), required=False
    )
    on_behalf_reason = forms.CharField(
        label=_("Why you submit it on the unit's behalf"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        required=False,
    )


class SheetForm(WorkbookForm):
    """The unit's own activity sheet: within the workbook limits, in any of the formats the reader takes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].label = _("Your activity sheet (XLSX, XLS or CSV)")


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)


class RuleForm(forms.Form):
    cutoff_date = forms.DateField(label=_("Switch-off date (dd/mm/yyyy)"))
    due_day = forms.IntegerField(label=_("Reports are due before day"), min_value=1, max_value=28)
    deadline_inclusive = forms.BooleanField(label=_("The due day itself is still on time"), required=False)
    lock_days = forms.IntegerField(
        label=_("Days after the deadline a report can still be changed"), min_value=0, max_value=60
    )
    submission_from_day = forms.IntegerField(
        label=_("Reports can be submitted from day"),
        min_value=1,
        max_value=31,
        required=False,
        help_text=_("Of the month reported on. Empty: its last day (a report tells the whole month)."),
    )


class AssignForm(forms.Form):
    kinds = forms.MultipleChoiceField(label=_("Kinds of units that must report"), widget=forms.CheckboxSelectMultiple)
    within = forms.TypedChoiceField(label=_("Within"), coerce=int)


class CatalogueForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=160)
    name_en = forms.CharField(label=_("Name in English"), max_length=160, required=False)
    count_unit = forms.CharField(label=_("Unit of count"), max_length=40)
    count_unit_en = forms.CharField(label=_("Unit of count in English"), max_length=40, required=False)
    count_unit_en_one = forms.CharField(
        label=_("Unit of count in English, for one"),
        max_length=40,
        required=False,
        help_text=_("“session” where the unit of count is “sessions”."),
    )
    # Not "media": a form's .media holds its CSS and JavaScript.
    media_ids = forms.TypedMultipleChoiceField(
        label=_("Media"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    name_en = forms.CharField(label=_("Name in English"), max_length=200, required=False)
    technology = forms.ChoiceField(label=_("Technology switched off"), choices=[("2G", "2G"), ("3G", "3G")])
    area = forms.TypedChoiceField(label=_("Area"), coerce=int)
    coordinating_unit = forms.TypedChoiceField(label=_("Coordinating unit"), coerce=int)
    start_date = forms.DateField(label=_("Start (dd/mm/yyyy)"))
    end_date = forms.DateField(label=_("End (dd/mm/yyyy)"))
    cutoff_date = forms.DateField(label=_("Switch-off date (dd/mm/yyyy)"))
    due_day = forms.IntegerField(label=_("Reports are due before day"), min_value=1, max_value=28, initial=10)
    deadline_inclusive = forms.BooleanField(label=_("The due day itself is still on time"), required=False)
    lock_days = forms.IntegerField(
        label=_("Days after the deadline a report can still be changed"), min_value=0, max_value=60, initial=5
    )
    recipient_name = forms.CharField(label=_("Recipient of the aggregated report"), max_length=200)
    issuing_body = forms.CharField(
        label=_("Issuing body (document header)"),
        max_length=200,
        help_text=_("Several lines allowed, separated by |"),
    )
    place_name = forms.CharField(label=_("Place name for the date line"), max_length=80)
    signer_title = forms.CharField(label=_("Signer's position"), max_length=120, required=False)
    signer_name = forms.CharField(label=_("Signer's name"), max_length=120, required=False)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end must come after the start."))
        return data


class MediumForm(forms.Form):
    medium_name = forms.CharField(label=_("New medium"), max_length=120)
    medium_name_en = forms.CharField(label=_("Its name in English"), max_length=120, required=False)


class SynonymForm(forms.Form):
    text = forms.CharField(label=_("Name as units write it"), max_length=160)
    target = forms.ChoiceField(label=_("Read as"))
