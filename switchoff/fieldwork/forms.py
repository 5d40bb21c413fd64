"""Forms of the field work pages: a visit, a person found in the field, a reassignment, a conflict settled."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from switchoff.fieldwork.rules import Outcome, Status
from switchoff.people.roles import Role


class VisitForm(forms.Form):
    id = forms.UUIDField(widget=forms.HiddenInput)
    case_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    visited_at = forms.DateTimeField(
        label=_("Date and time of the visit"),
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    outcome = forms.ChoiceField(label=_("What happened"), choices=Outcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    reason = forms.CharField(label=_("Reason for refusing"), required=False, max_length=300)
    moved_to = forms.CharField(label=_("Moved to (if known)"), required=False, max_length=300)
    device_model = forms.CharField(label=_("New phone (optional)"), required=False, max_length=120)
    household = forms.MultipleChoiceField(
        label=_("Other numbers of the household met in this visit (same outcome)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    consent_photo = forms.BooleanField(label=_("The person agreed to a photo"), required=False)
    consent_location = forms.BooleanField(label=_("The person agreed that the location is recorded"), required=False)

    def __init__(self, *args: Any, household: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["household"].choices = [(str(pk), label) for pk, label in household or []]  # type: ignore[attr-defined]
        if not household:
            del self.fields["household"]


class FoundForm(forms.Form):
    id = forms.UUIDField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("Full name"), max_length=200)
    number = forms.CharField(label=_("Phone number"), max_length=40, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    village = forms.TypedChoiceField(label=_("Village"), coerce=int)
    outcome = forms.ChoiceField(label=_("What happened"), choices=Outcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    consent_photo = forms.BooleanField(label=_("The person agreed to a photo"), required=False)
    consent_location = forms.BooleanField(label=_("The person agreed that the location is recorded"), required=False)


class AssignForm(forms.Form):
    team = forms.TypedChoiceField(label=_("Team"), coerce=int, required=False, empty_value=None)
    member = forms.TypedChoiceField(label=_("Member (optional)"), coerce=int, required=False, empty_value=None)
    scope = forms.ChoiceField(
        choices=[("chosen", _("The cases ticked")), ("filter", _("Every case of this list (the filter)"))],
        widget=forms.RadioSelect,
        initial="chosen",
        label=_("Which cases"),
    )


class ResolveForm(forms.Form):
    status = forms.ChoiceField(label=_("The status that stands"), choices=Status.choices)
    note = forms.CharField(label=_("Why (optional)"), required=False, max_length=300)


class MemberForm(forms.Form):
    person = forms.TypedChoiceField(label=_("Person"), coerce=int)
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(Role.TEAM_MEMBER.value, Role.TEAM_MEMBER.label), (Role.TEAM_LEADER.value, Role.TEAM_LEADER.label)],
    )
