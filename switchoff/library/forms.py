"""The coordinator's forms of the library: a material with its first version, a new version."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from switchoff.library.models import Material


class VersionForm(forms.Form):
    dated = forms.DateField(label=_("Date (dd/mm/yyyy)"))
    text = forms.CharField(
        label=_("Text (a script or an article)"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    file = forms.FileField(label=_("File"), required=False)
    link = forms.URLField(label=_("Link (a video)"), required=False, assume_scheme="https")
    note = forms.CharField(label=_("What changed"), required=False, max_length=300)


class MaterialForm(VersionForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Material.Kind.choices)
    forms = forms.MultipleChoiceField(
        label=_("Forms of communication it is for"), required=False, widget=forms.CheckboxSelectMultiple
    )
    field_order = ["title", "kind", "forms", "dated", "text", "file", "link"]

    def __init__(self, *args: Any, form_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["forms"].choices = form_choices  # type: ignore[attr-defined]
        del self.fields["note"]
