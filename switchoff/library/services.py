"""Writes of the content library: a material and its versions, a download recorded, a reminder to the units."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from switchoff.audit.services import log_action
from switchoff.campaigns.models import Campaign, CommunicationForm
from switchoff.lib.links import validate_http_url
from switchoff.library.models import Material, MaterialDownload, MaterialVersion
from switchoff.library.selectors import units_without
from switchoff.people.access import reporting_units
from switchoff.people.models import User
from switchoff.reports.notify import notify, reporters_of
from switchoff.units.models import Unit

REMINDER_TEXT = gettext_lazy(
    "Your unit has not yet downloaded the campaign's material “%(title)s” (version %(number)s): open the library."
)
REMINDER_SUBJECT = gettext_lazy("switchoff: campaign material to download")


@dataclass(frozen=True)
class VersionInput:
    dated: datetime.date
    text: str = ""
    link: str = ""
    file: UploadedFile[bytes] | None = None
    note: str = ""


def _check_version(kind: str, data: VersionInput) -> None:
    errors: dict[str, str] = {}
    if data.file is not None and (data.file.size or 0) > settings.LIBRARY_UPLOAD_MAX_BYTES:
        errors["file"] = _("The file is too large (at most %(mb)s MB).") % {
            "mb": settings.LIBRARY_UPLOAD_MAX_BYTES // 1048576
        }
    if data.link:
        try:
            validate_http_url(data.link)
        except ValidationError as exc:
            errors["link"] = " ".join(exc.messages)
    if kind == Material.Kind.VIDEO and not data.link:
        errors["link"] = _("A video is given by its link.")
    elif kind in {Material.Kind.SCRIPT, Material.Kind.ARTICLE} and not (data.text.strip() or data.file):
        errors["text"] = _("Paste the text or attach the file.")
    elif kind not in {Material.Kind.SCRIPT, Material.Kind.ARTICLE, Material.Kind.VIDEO} and data.file is None:
        errors["file"] = _("Attach the file.")
    if errors:
        raise ValidationError(errors)


def _add_version(*, actor: User, material: Material, data: VersionInput) -> MaterialVersion:
    _check_version(material.kind, data)
    number = (material.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = MaterialVersion(
        material=material,
        number=number,
        dated=data.dated,
        text=data.text.strip(),
        link=data.link.strip(),
        note=data.note.strip(),
        uploaded_by=actor,
    )
    if data.file is not None:
        version.file_name = (data.file.name or "")[-200:]
        version.size = data.file.size or 0
        version.file.save(data.file.name or "file", data.file, save=False)
    version.save()
    return version


@transaction.atomic
def material_create(
    *,
    actor: User,
    campaign: Campaign,
    title: str,
    kind: str,
    forms: list[CommunicationForm],
    first: VersionInput,
) -> Material:
    """Add a material to the campaign's library with its first version (file, text or link)."""
    if kind not in Material.Kind.values:
        raise ValidationError({"kind": _("Choose a kind of material.")})
    if not title.strip():
        raise ValidationError({"title": _("Give the material a title.")})
    material = Material.objects.create(campaign=campaign, title=title.strip()[:200], kind=kind, created_by=actor)
    material.forms.set([f for f in forms if f.campaign_id == campaign.pk])
    version = _add_version(actor=actor, material=material, data=first)
    log_action("library.material.created", actor=actor, obj=material, unit=campaign.coordinating_unit,
               data={"title": material.title, "version": version.number})  # fmt: skip
    return material


@transaction.atomic
def material_version_add(*, actor: User, material: Material, data: VersionInput) -> MaterialVersion:
    """A new version supersedes the current one (which stays readable); the units are to download it again."""
    material = Material.objects.select_for_update().get(pk=material.pk)
    version = _add_version(actor=actor, material=material, data=data)
    log_action("library.version.added", actor=actor, obj=material, unit=material.campaign.coordinating_unit,
               data={"title": material.title, "version": version.number})  # fmt: skip
    return version


@transaction.atomic
def material_download_record(*, actor: User, version: MaterialVersion) -> None:
    """Who took which version, for each unit the person reports for in the campaign (none: recorded without)."""
    campaign = version.material.campaign
    units: list[Unit | None] = [*reporting_units(actor, campaign)] or [None]
    MaterialDownload.objects.bulk_create([MaterialDownload(version=version, unit=unit, user=actor) for unit in units])
    log_action("library.version.downloaded", actor=actor, obj=version.material, unit=units[0],
               data={"title": version.material.title, "version": version.number})  # fmt: skip


@transaction.atomic
def material_remind(*, actor: User, material: Material) -> int:
    """Remind the units that have not downloaded the current version (in the app and by e-mail). Returns people told."""
    version = material.versions.order_by("-number").first()
    if version is None:
        return 0
    units = units_without(version)
    people = [user for users in reporters_of(units).values() for user in users]
    told = notify(
        people,
        REMINDER_TEXT,
        {"title": material.title, "number": version.number},
        url=reverse("library:list", args=[material.campaign_id]),
        subject=REMINDER_SUBJECT,
    )
    data = {"title": material.title, "version": version.number, "units": len(units), "people": told}
    log_action(
        "library.material.reminded", actor=actor, obj=material, unit=material.campaign.coordinating_unit, data=data
    )
    return told
