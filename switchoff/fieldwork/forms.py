"""Forms of the field work pages: a visit, a person found in the field, a reassignment, a conflict settled."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from switchoff.fieldwork import limits
from switchoff.fieldwork.rules import Outcome, resolution_choices
from switchoff.lib.text import is_id
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
    note = forms.CharField(
        label=_("Note"), required=False, max_length=limits.NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    reason = forms.CharField(label=_("Reason for refusing"), required=False, max_length=limits.REASON_MAX)
    moved_to = forms.CharField(label=_("Moved to (if known)"), required=False, max_length=limits.MOVED_TO_MAX)
    device_model = forms.CharField(label=_("New phone (optional)"), required=False, max_length=limits.DEVICE_MODEL_MAX)
    household = forms.MultipleChoiceField(
        label=_("Other numbers of the household met in this visit (same outcome)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    consent_photo = forms.BooleanField(label=_("The person agreed to a photo"), required=False)
    consent_location = forms.BooleanField(label=_("The person agreed that the location is recorded"), required=False)
    # Made with the form, so that sending it twice keeps one photo (without it, one derived from the visit's id).
    photo_id = forms.UUIDField(widget=forms.HiddenInput, required=False)
    photo = forms.FileField(
        label=_("Take a photo (only with the person's consent)"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )

    # The photo right under the consent to it (it shows once that box is ticked).
    field_order = ["id", "case_version", "visited_at", "outcome", "note", "reason", "moved_to", "device_model",
                   "household", "consent_photo", "photo_id", "photo", "consent_location"]  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("photo") and not data.get("consent_photo"):
            self.add_error("photo", _("Tick that the person agreed to a photo, or leave the photo out."))
        return data

    def __init__(self, *args: Any, household: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["household"].choices = [(str(pk), label) for pk, label in household or []]  # type: ignore[attr-defined]
        if not household:
            del self.fields["household"]


class FoundForm(forms.Form):
    id = forms.UUIDField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("Full name"), max_length=limits.FOUND_NAME_MAX)
    number = forms.CharField(label=_("Phone number"), max_length=limits.FOUND_NUMBER_MAX, required=False)
    address = forms.CharField(label=_("Address"), max_length=limits.FOUND_ADDRESS_MAX, required=False)
    village = forms.TypedChoiceField(label=_("Village"), coerce=int)
    outcome = forms.ChoiceField(label=_("What happened"), choices=Outcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=limits.NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    consent_photo = forms.BooleanField(label=_("The person agreed to a photo"), required=False)
    consent_location = forms.BooleanField(label=_("The person agreed that the location is recorded"), required=False)


KEEP = "keep"
NO_TEAM = "none"


class AssignForm(forms.Form):
    """Hand cases over: the team (by default each case keeps its own), a member of it, which cases.

    A member's choice is "team:user", so choosing only a member names the team too.
    """

    team = forms.ChoiceField(label=_("Team"), initial=KEEP, required=False)
    member = forms.ChoiceField(label=_("Member (optional)"), required=False)
    scope = forms.ChoiceField(
        choices=[("chosen", _("The cases ticked")), ("filter", _("Every case of this list (the filter)"))],
        widget=forms.RadioSelect,
        initial="chosen",
        label=_("Which cases"),
    )
    confirm = forms.BooleanField(
        label=_("Yes, hand over every case of this list (needed for “every case of this list”)"), required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        team, member = data.get("team"), data.get("member") or ""
        member_team, member_id = (int(x) for x in member.split(":")) if member else (None, None)
        if not team and member_team is None:
            raise forms.ValidationError(_("Choose the team (or one of its members) to hand the cases to."))
        if member_team is not None and not team:
            team = data["team"] = str(member_team)
        if member_team is not None and team == NO_TEAM:
            raise forms.ValidationError(_("A member can only be chosen with their team: keep the team or choose it."))
        if member_team is not None and team not in (KEEP, str(member_team)):
            raise forms.ValidationError(
                _("The member chosen is not in the team chosen: choose their team, or “Keep the current team”.")
            )
        if data.get("scope") == "filter" and not data.get("confirm"):
            raise forms.ValidationError(_("Tick the confirmation to hand over every case of this list."))
        data["team_id"] = member_team if member_team is not None else (int(team) if team and is_id(team) else None)
        data["member_id"] = member_id
        return data


class ResolveForm(forms.Form):
    """Settle a conflict: the statuses offered are the rules' (never "verified": only a list verifies)."""

    status = forms.ChoiceField(label=_("The status that stands"))
    note = forms.CharField(label=_("Why (optional)"), required=False, max_length=300)

    def __init__(self, *args: Any, current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(s.value, s.label) for s in resolution_choices(current)]  # type: ignore[attr-defined]


class MemberForm(forms.Form):
    # The people offered are the team's candidates (``selectors.team_candidates``), searched on the page.
    person = forms.IntegerField(label=_("Person"))
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(Role.TEAM_MEMBER.value, Role.TEAM_MEMBER.label), (Role.TEAM_LEADER.value, Role.TEAM_LEADER.label)],
    )
