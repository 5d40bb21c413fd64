from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ActivityForm(forms.Form):
    client_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    date = forms.DateField(label=_("Date (dd/mm/yyyy)"))
    form = forms.TypedChoiceField(label=_("Form of communication"), coerce=int)
    medium = forms.TypedChoiceField(label=_("Medium"), coerce=int, required=False, empty_value=None)
    count = forms.IntegerField(label=_("How many times"), min_value=1, max_value=100000)
    people_reached = forms.IntegerField(label=_("People reached (optional)"), min_value=0, required=False)
    place = forms.TypedChoiceField(label=_("Place"), coerce=int, required=False, empty_value=None)
    description = forms.CharField(label=_("Short description"), max_length=500, required=False)
    evidence_url = forms.URLField(label=_("Evidence: a link"), required=False, assume_scheme="https")
    evidence_file = forms.FileField(label=_("Evidence: a photo or file"), required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)


class RuleForm(forms.Form):
    cutoff_date = forms.DateField(label=_("Switch-off date (dd/mm/yyyy)"))
    due_day = forms.IntegerField(label=_("Reports are due before day"), min_value=1, max_value=28)
    deadline_inclusive = forms.BooleanField(label=_("The due day itself is still on time"), required=False)
    lock_days = forms.IntegerField(
        label=_("Days after the deadline a report can still be changed"), min_value=0, max_value=60
    )


class AssignForm(forms.Form):
    kinds = forms.MultipleChoiceField(label=_("Kinds of units that must report"), widget=forms.CheckboxSelectMultiple)
    within = forms.TypedChoiceField(label=_("Within"), coerce=int)


class CatalogueForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=160)
    count_unit = forms.CharField(label=_("Unit of count"), max_length=40)
    # Not "media": a form's .media holds its CSS and JavaScript.
    media_ids = forms.TypedMultipleChoiceField(
        label=_("Media"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
