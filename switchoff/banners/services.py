"""Writes of banners and posters: a placement (page or phone, exactly once by its id), its photo, its take-down.

A placement is counted into the monthly report of the unit that reports for whoever hung it, through
one activity of the log (form ``banner``), so nobody types the same banners twice.
"""

from __future__ import annotations

import datetime
import hashlib
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from switchoff.audit.services import log_action
from switchoff.banners.models import Placement, banner_photo_path
from switchoff.campaigns.models import Campaign
from switchoff.fieldwork.services.visit_photos import PhotoRefused, photo_prepare
from switchoff.people.access import can
from switchoff.people.models import User
from switchoff.people.roles import Perm
from switchoff.reports.selectors import activity_places
from switchoff.reports.services.activities import activity_create
from switchoff.units.models import Unit

BANNER_FORM = "banner"
NO_TEAM_TEXT = gettext_lazy("You are in no team of a running campaign: nothing was recorded.")
NOT_YOURS_TEXT = gettext_lazy("This placement does not exist or is not one of your teams'.")


class PlacementRefused(Exception):
    """A placement not recorded: ``code`` for a client, ``message`` in the actor's language."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class PlacementInput:
    id: uuid.UUID
    kind: str
    quantity: int
    place_id: int
    start: datetime.date
    until: datetime.date | None = None
    address: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None


@dataclass(frozen=True)
class PlacementResult:
    id: uuid.UUID
    result: str  # created | same | refused
    placement: Placement | None = None
    code: str = ""
    message: str = ""


def may_record(actor: User, unit: Unit) -> bool:
    """Whether ``actor`` records banners for ``unit``: its reporter (or above), or a member of its team."""
    return can(actor, Perm.REPORT, unit) or can(actor, Perm.VISIT, unit)


def reporting_unit_for(campaign: Campaign, unit: Unit) -> Unit | None:
    """The unit whose monthly report counts what ``unit`` hung: itself when it reports, else the reporting unit
    beside it in its commune (a team's banners count in its commune's committee's report), else none."""
    assigned = Unit.objects.filter(pk__in=campaign.assignments.values("unit_id"))
    if assigned.filter(pk=unit.pk).exists():
        return unit
    anchor = unit.geographic_anchor()
    return assigned.filter(Q(pk=anchor.pk) | Q(parent=anchor, kind__covers_area=True)).order_by("depth", "pk").first()


def _refuse_input(campaign: Campaign, unit: Unit, data: PlacementInput) -> None:
    errors: dict[str, str] = {}
    if data.kind not in Placement.Kind.values:
        errors["kind"] = _("Choose a kind: cloth banner, streamer, banner, billboard or poster.")
    if not 1 <= data.quantity <= 10_000:
        errors["quantity"] = _("How many must be between 1 and 10,000.")
    if not activity_places(unit).filter(pk=data.place_id).exists():
        errors["place"] = _("The place must be a current commune or village inside the unit's area.")
    if data.start > timezone.localdate():
        errors["start"] = _("The day it was hung cannot be in the future.")
    elif not campaign.start_date <= data.start <= campaign.end_date:
        errors["start"] = _("The day it was hung must be within the campaign (%(start)s – %(end)s).") % {
            "start": campaign.start_date.strftime("%d/%m/%Y"),
            "end": campaign.end_date.strftime("%d/%m/%Y"),
        }
    if data.until is not None and data.until < data.start:
        errors["until"] = _("The last day cannot be before the day it was hung.")
    if (data.latitude is None) != (data.longitude is None) or (
        data.latitude is not None
        and data.longitude is not None
        and not (-90 <= data.latitude <= 90 and -180 <= data.longitude <= 180)
    ):
        errors["location"] = _("The location is not a valid latitude and longitude.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def placement_record(*, actor: User, campaign: Campaign, unit: Unit, data: PlacementInput) -> PlacementResult:
    """Record banners hung by ``unit`` and count them into its reporting unit's log (form ``banner``).

    Idempotent by the id made on the phone or the form: the same id again answers "same" and
    writes nothing; the id of someone else's placement is refused. ``ValidationError`` names the
    field (kind, quantity, place, start, until, location) and nothing is written.
    """
    if not may_record(actor, unit):
        raise PlacementRefused("forbidden", _("You do not record banners for this unit."))
    existing = Placement.objects.filter(pk=data.id).first()
    if existing is not None:
        if existing.recorded_by_id != actor.pk:
            raise PlacementRefused("conflict", _("Another placement was already recorded with this id."))
        return PlacementResult(data.id, "same", existing)
    _refuse_input(campaign, unit, data)
    placement = Placement(
        id=data.id,
        campaign=campaign,
        unit=unit,
        kind=data.kind,
        quantity=data.quantity,
        place_id=data.place_id,
        address=" ".join(data.address.split())[:200],
        latitude=data.latitude,
        longitude=data.longitude,
        start=data.start,
        until=data.until,
        recorded_by=actor,
    )
    form = campaign.forms.filter(code=BANNER_FORM).first()
    reporting = reporting_unit_for(campaign, unit)
    if form is not None and reporting is not None:
        placement.activity, _created = activity_create(
            actor=actor,
            campaign=campaign,
            unit=reporting,
            day=data.start,
            form=form,
            count=data.quantity,
            place=placement.place,
            description=f"{placement.get_kind_display()}: {placement.address}".rstrip(": "),
            client_key=f"banner:{data.id}",
        )
    try:
        with transaction.atomic():
            placement.save(force_insert=True)
    except IntegrityError:
        # The same id sent twice at once: the other request recorded it.
        return PlacementResult(data.id, "same", Placement.objects.get(pk=data.id))
    log_action(
        "banners.placement.recorded",
        actor=actor,
        obj=placement,
        unit=unit,
        data={"kind": data.kind, "quantity": data.quantity, "place": placement.place.name, "start": str(data.start)},
    )
    return PlacementResult(data.id, "created", placement)


def placements_record(
    *, actor: User, campaign: Campaign, unit: Unit, items: list[PlacementInput]
) -> list[PlacementResult]:
    """A phone's batch: each placement on its own (one refused does not hold back the others)."""
    results = []
    for data in items:
        try:
            results.append(placement_record(actor=actor, campaign=campaign, unit=unit, data=data))
        except ValidationError as exc:
            message = " ".join(" ".join(m) for m in exc.message_dict.values())
            results.append(PlacementResult(data.id, "refused", code="invalid", message=message))
        except PlacementRefused as exc:
            results.append(PlacementResult(data.id, "refused", code=exc.code, message=exc.message))
    return results


@transaction.atomic
def placement_photo_add(*, actor: User, placement: Placement, content: bytes) -> str:
    """Keep the photo of a placement (one each), re-encoded as a bounded JPEG without EXIF, in private storage.

    Idempotent: the same bytes again answer "same"; other bytes for a placement that has a photo
    are refused 409. Returns "created" or "same"; ``PhotoRefused`` as for a visit's photo.
    """
    placement = Placement.objects.select_for_update().get(pk=placement.pk)
    if not may_record(actor, placement.unit):
        raise PhotoRefused("not_found", 404, str(NOT_YOURS_TEXT))
    digest = hashlib.sha256(content).hexdigest()
    if placement.photo:
        if placement.photo_digest == digest:
            return "same"
        raise PhotoRefused("conflict", 409, _("This placement already has another photo: nothing was changed."))
    prepared = photo_prepare(content, keep_location=False)
    name = banner_photo_path(placement, "")
    written = placement.photo.storage.save(name, ContentFile(prepared.data))
    placement.photo.name = written
    placement.photo_digest = digest
    placement.save(update_fields=["photo", "photo_digest"])
    log_action(
        "banners.photo.added", actor=actor, obj=placement, unit=placement.unit, data={"bytes": len(prepared.data)}
    )
    return "created"


@transaction.atomic
def placement_take_down(*, actor: User, placement: Placement, day: datetime.date | None = None) -> bool:
    """Check off a placement as taken down (``day``, today by default). Returns False when it already was."""
    placement = Placement.objects.select_for_update().get(pk=placement.pk)
    if not may_record(actor, placement.unit):
        raise PlacementRefused("forbidden", _("You do not record banners for this unit."))
    if placement.taken_down_on is not None:
        return False
    day = day or timezone.localdate()
    if day < placement.start or day > timezone.localdate():
        raise ValidationError(
            {"taken_down_on": _("The day it was taken down must be between the day it was hung and today.")}
        )
    placement.taken_down_on = day
    placement.taken_down_by = actor
    placement.save(update_fields=["taken_down_on", "taken_down_by"])
    log_action(
        "banners.placement.taken_down",
        actor=actor,
        obj=placement,
        unit=placement.unit,
        data={"kind": placement.kind, "quantity": placement.quantity, "day": str(day)},
    )
    return True


@transaction.atomic
def placement_record_from_page(
    *, actor: User, campaign: Campaign, unit: Unit, data: PlacementInput, photo: bytes | None = None
) -> PlacementResult:
    """The page's form: the placement and its photo in one transaction, both or neither (a refused photo
    takes the placement back with it, so that the form is sent again whole)."""
    result = placement_record(actor=actor, campaign=campaign, unit=unit, data=data)
    if photo is not None and result.placement is not None:
        placement_photo_add(actor=actor, placement=result.placement, content=photo)
        result.placement.refresh_from_db(fields=["photo", "photo_digest"])
    return result
