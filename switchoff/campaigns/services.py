"""Writes about campaigns: creation with the default catalogue, who must report, the catalogue."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from switchoff.audit.services import log_action
from switchoff.campaigns import catalogue
from switchoff.campaigns.models import (
    Campaign,
    CatalogueSynonym,
    CommunicationForm,
    Medium,
    ReportingAssignment,
    SynonymProposal,
)
from switchoff.units.models import Unit


@transaction.atomic
def campaign_create(
    *,
    actor: Any | None,
    name: str,
    area: Unit,
    coordinating_unit: Unit,
    start_date: datetime.date,
    end_date: datetime.date,
    cutoff_date: datetime.date,
    recipient_name: str,
    issuing_body: str,
    place_name: str,
    technology: str = "2G",
    signer_title: str = "",
    signer_name: str = "",
    due_day: int = 10,
    deadline_inclusive: bool = False,
    lock_days: int = 5,
    name_en: str = "",
    submission_from_day: int | None = None,
) -> Campaign:
    """Create a campaign with the catalogue of forms and media the letter names."""
    campaign = Campaign(
        name=name.strip(),
        name_en=name_en.strip(),
        technology=technology,
        area=area,
        coordinating_unit=coordinating_unit,
        start_date=start_date,
        end_date=end_date,
        cutoff_date=cutoff_date,
        recipient_name=recipient_name.strip(),
        issuing_body=issuing_body.strip(),
        place_name=place_name.strip(),
        signer_title=signer_title.strip(),
        signer_name=signer_name.strip(),
        due_day=due_day,
        deadline_inclusive=deadline_inclusive,
        lock_days=lock_days,
        submission_from_day=submission_from_day,
    )
    campaign.full_clean()
    campaign.save()
    media = {
        code: Medium.objects.create(campaign=campaign, name=label, name_en=label_en, order=index)
        for index, (code, label, label_en) in enumerate(catalogue.MEDIA)
    }
    for index, (code, label, label_en, count_unit, count_unit_en, media_codes) in enumerate(catalogue.FORMS):
        form = CommunicationForm.objects.create(
            campaign=campaign,
            code=code,
            name=label,
            name_en=label_en,
            count_unit=count_unit,
            count_unit_en=count_unit_en,
            count_unit_en_one=catalogue.COUNT_UNIT_EN_ONE.get(code, ""),
            order=index,
        )
        form.media.set([media[m] for m in media_codes])
    _seed_synonyms(campaign)
    log_action("campaigns.campaign.created", actor=actor, obj=campaign, unit=area, data={"name": campaign.name})
    return campaign


@transaction.atomic
def campaign_update_rule(
    *,
    actor: Any | None,
    campaign: Campaign,
    cutoff_date: datetime.date,
    due_day: int,
    deadline_inclusive: bool,
    lock_days: int,
    submission_from_day: int | None = None,
) -> Campaign:
    """Change the switch-off date or the reporting rule (the real cut-off moved from 16/9 to 15/10/2024).

    ``submission_from_day`` None: reports are submitted from the month's last day.
    """
    before = {
        "cutoff_date": campaign.cutoff_date.isoformat(),
        "due_day": campaign.due_day,
        "deadline_inclusive": campaign.deadline_inclusive,
        "lock_days": campaign.lock_days,
        "submission_from_day": campaign.submission_from_day,
    }
    campaign.cutoff_date, campaign.due_day = cutoff_date, due_day
    campaign.deadline_inclusive, campaign.lock_days = deadline_inclusive, lock_days
    campaign.submission_from_day = submission_from_day
    campaign.full_clean()
    campaign.save(update_fields=["cutoff_date", "due_day", "deadline_inclusive", "lock_days", "submission_from_day"])
    log_action(
        "campaigns.campaign.rule_changed", actor=actor, obj=campaign, unit=campaign.area, data={"before": before}
    )
    return campaign


@transaction.atomic
def assignments_add(*, actor: Any | None, campaign: Campaign, kind_codes: list[str], within: Unit) -> int:
    """Make every current unit of the given kinds within ``within`` a reporting unit. Returns how many were new."""
    if not within.rollup_path.startswith(campaign.area.rollup_path):
        raise ValidationError(_("The units must be inside the campaign's area."))
    units = Unit.objects.rolling_into(within).current().filter(kind__code__in=kind_codes)
    existing = set(campaign.assignments.values_list("unit_id", flat=True))
    new = [
        ReportingAssignment(campaign=campaign, unit_id=pk)
        for pk in units.values_list("pk", flat=True)
        if pk not in existing
    ]
    ReportingAssignment.objects.bulk_create(new, ignore_conflicts=True)
    if new:
        log_action(
            "campaigns.assignments.added",
            actor=actor,
            obj=campaign,
            unit=within,
            data={"kinds": kind_codes, "added": len(new)},
        )
    return len(new)


@transaction.atomic
def assignment_remove(*, actor: Any | None, campaign: Campaign, unit: Unit) -> None:
    deleted, _rows = ReportingAssignment.objects.filter(campaign=campaign, unit=unit).delete()
    if deleted:
        log_action("campaigns.assignments.removed", actor=actor, obj=campaign, unit=unit, data={"unit": unit.pk})


@transaction.atomic
def form_save(
    *,
    actor: Any | None,
    campaign: Campaign,
    form: CommunicationForm | None,
    code: str,
    name: str,
    count_unit: str,
    media: list[Medium],
    name_en: str = "",
    count_unit_en: str = "",
    count_unit_en_one: str = "",
) -> CommunicationForm:
    """Add a form of communication to the catalogue, or change one."""
    if any(m.campaign_id != campaign.pk for m in media):
        raise ValidationError(_("A medium of another campaign was chosen."))
    if form is None:
        form = CommunicationForm(campaign=campaign, order=campaign.forms.count())
    form.code, form.name, form.count_unit = code, name.strip(), count_unit.strip()
    form.name_en, form.count_unit_en = name_en.strip(), count_unit_en.strip()
    form.count_unit_en_one = count_unit_en_one.strip()
    form.full_clean()
    form.save()
    form.media.set(media)
    log_action("campaigns.form.saved", actor=actor, obj=form, unit=campaign.area, data={"name": form.name})
    return form


@transaction.atomic
def medium_add(*, actor: Any | None, campaign: Campaign, name: str, name_en: str = "") -> Medium:
    """Add a medium of communication to the campaign's catalogue (adding it twice is harmless)."""
    medium, created = Medium.objects.get_or_create(
        campaign=campaign, name=name.strip(), defaults={"order": campaign.media.count(), "name_en": name_en.strip()}
    )
    if created:
        log_action("campaigns.medium.added", actor=actor, obj=medium, unit=campaign.area, data={"name": medium.name})
    return medium


def _seed_synonyms(campaign: Campaign) -> None:
    """The other names of the default catalogue (``catalogue.SYNONYMS``), for a new campaign."""
    from switchoff.lib.sheets import header_words

    forms = {f.code: f for f in campaign.forms.all()}
    media = {code: campaign.media.filter(name=label).first() for code, label, *_english in catalogue.MEDIA}
    rows: dict[tuple[str, str], CatalogueSynonym] = {}
    for kind, code, text in catalogue.SYNONYMS:
        form = forms.get(code) if kind == "form" else None
        medium = media.get(code) if kind == "medium" else None
        if form is not None or medium is not None:
            rows.setdefault(
                (kind, header_words(text)),
                CatalogueSynonym(campaign=campaign, text=text, words=header_words(text), form=form, medium=medium),
            )
    CatalogueSynonym.objects.bulk_create(rows.values())


@transaction.atomic
def synonym_add(
    *,
    actor: Any | None,
    campaign: Campaign,
    text: str,
    form: CommunicationForm | None = None,
    medium: Medium | None = None,
) -> CatalogueSynonym:
    """Teach the import another name for a form or a medium; the same words again move the synonym."""
    from switchoff.lib.sheets import header_words

    words = header_words(text)
    if not words:
        raise ValidationError({"text": _("Write the name as units write it.")})
    if (form is None) == (medium is None):
        raise ValidationError(_("Choose a form or a medium, not both."))
    if (form or medium).campaign_id != campaign.pk:  # type: ignore[union-attr]
        raise ValidationError(_("A form or medium of another campaign was given."))
    synonym, _created = CatalogueSynonym.objects.update_or_create(
        campaign=campaign,
        words=words,
        form__isnull=form is None,
        defaults={"text": text.strip(), "form": form, "medium": medium},
    )
    log_action(
        "campaigns.synonym.saved",
        actor=actor,
        obj=synonym,
        unit=campaign.area,
        data={"text": synonym.text, "target": str(form or medium)},
    )
    return synonym


@transaction.atomic
def synonym_delete(*, actor: Any | None, synonym: CatalogueSynonym) -> None:
    log_action(
        "campaigns.synonym.deleted",
        actor=actor,
        obj=synonym,
        unit=synonym.campaign.area,
        data={"text": synonym.text, "target": str(synonym.form or synonym.medium)},
    )
    synonym.delete()


@transaction.atomic
def synonym_propose(
    *,
    actor: Any,
    campaign: Campaign,
    unit: Unit,
    text: str,
    form: CommunicationForm | None = None,
    medium: Medium | None = None,
) -> SynonymProposal:
    """A unit's own wording for a form or a medium, proposed as a name of the whole campaign (the unit's
    latest choice for the same words wins)."""
    from switchoff.lib.sheets import header_words

    if (form is None) == (medium is None):
        raise ValidationError(_("Choose a form or a medium, not both."))
    if (form or medium).campaign_id != campaign.pk:  # type: ignore[union-attr]
        raise ValidationError(_("A form or medium of another campaign was given."))
    proposal, _created = SynonymProposal.objects.update_or_create(
        campaign=campaign,
        unit=unit,
        words=header_words(text),
        defaults={"text": text.strip()[:160], "form": form, "medium": medium, "proposed_by": actor},
    )
    log_action(
        "campaigns.synonym.proposed",
        actor=actor,
        obj=proposal,
        unit=unit,
        data={"text": proposal.text, "target": str(form or medium)},
    )
    return proposal


@transaction.atomic
def synonym_proposal_decide(*, actor: Any | None, proposal: SynonymProposal, accept: bool) -> CatalogueSynonym | None:
    """Make a unit's proposed wording a name of the whole campaign, or dismiss it; either way it leaves the list."""
    synonym = None
    if accept:
        synonym = synonym_add(
            actor=actor, campaign=proposal.campaign, text=proposal.text, form=proposal.form, medium=proposal.medium
        )
    else:
        log_action(
            "campaigns.synonym.dismissed",
            actor=actor,
            obj=proposal,
            unit=proposal.unit,
            data={"text": proposal.text, "target": str(proposal.form or proposal.medium)},
        )
    proposal.delete()
    return synonym
