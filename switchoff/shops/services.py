"""Writes of the shops' registry: a shop registered, an inspection with the phones found and their verdicts."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from switchoff.audit.services import log_action
from switchoff.devices.selectors import campaign_stops, check_device, check_imei, current_campaign, search_models
from switchoff.devices.verdicts import Verdict
from switchoff.people.access import can
from switchoff.people.models import User
from switchoff.people.roles import Perm
from switchoff.programmes.reporting import INFORMED_FORM, INSPECTION_FORM, campaign_at, count_into_report
from switchoff.shops.models import Inspection, InspectionItem, Shop
from switchoff.units.models import Unit, UnitKind

MAX_ITEMS = 200
COMMITMENT_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class ShopInput:
    name: str
    owner_name: str = ""
    address: str = ""
    phone: str = ""
    dealer_of: Unit | None = None


@transaction.atomic
def shop_register(*, actor: User, place: Unit, given: ShopInput) -> Shop:
    """A shop of a commune (``place``: the commune, or one of its villages)."""
    if not can(actor, Perm.INSPECT_SHOPS, place):
        raise PermissionDenied
    village = place if place.kind.category == UnitKind.Category.VILLAGE else None
    commune = place.parent if village is not None and place.parent is not None else place
    if not given.name.strip():
        raise ValidationError({"name": _("Write the shop's name.")})
    shop = Shop.objects.create(
        unit=commune,
        village=village,
        name=given.name.strip()[:200],
        owner_name=given.owner_name.strip()[:200],
        address=given.address.strip()[:300],
        phone=given.phone.strip()[:16],
        dealer_of=given.dealer_of,
        created_by=actor,
    )
    log_action("shops.shop.registered", actor=actor, obj=shop, unit=commune, data={"name": shop.name})
    return shop


@dataclass(frozen=True)
class Found:
    written: str
    imei: str
    device: str
    verdict: str


def judge(lines: Sequence[str]) -> list[Found]:
    """Each phone found as written: an IMEI is checked as the public check does, a model by its name."""
    stops = campaign_stops(current_campaign())
    found: list[Found] = []
    for raw in lines:
        text = raw.strip()[:100]
        if not text:
            continue
        digits = "".join(ch for ch in text if not ch.isspace() and ch not in "-./")
        if digits.isdigit() and len(digits) >= 14:
            check = check_imei(digits, stops)
            device = f"{check.device.brand} {check.device.model}".strip() if check.device else ""
            imei = check.parsed.imei if check.parsed and check.parsed.valid else ""
            found.append(Found(text, imei, device, check.answer.verdict))
            continue
        models = search_models(text)
        if models:
            answer = check_device(models[0], stops)
            found.append(Found(text, "", f"{models[0].brand} {models[0].model}".strip(), answer.verdict))
        else:
            found.append(Found(text, "", "", Verdict.UNKNOWN))
    return found


@dataclass(frozen=True)
class InspectionInput:
    inspected_on: datetime.date
    informed: bool
    commitment_signed: bool
    phones: Sequence[str] = ()
    follow_up_on: datetime.date | None = None
    note: str = ""
    commitment: UploadedFile[bytes] | None = None
    client_key: uuid.UUID | None = None


@transaction.atomic
def inspection_record(*, actor: User, shop: Shop, given: InspectionInput) -> Inspection:
    """An inspection of ``shop``: each phone found judged by the device check and kept with its verdict.

    Sent again with the same ``client_key`` (a phone retrying), the first one is answered.
    """
    if given.client_key is not None:
        existing = Inspection.objects.filter(client_key=given.client_key).first()
        if existing is not None:
            if existing.shop_id != shop.pk:
                raise ValidationError(_("This key was already used for another inspection."))
            return existing
    if not can(actor, Perm.INSPECT_SHOPS, shop.village or shop.unit):
        raise PermissionDenied
    today = timezone.localdate()
    if given.inspected_on > today:
        raise ValidationError({"inspected_on": _("The inspection date is in the future.")})
    if given.follow_up_on is not None and given.follow_up_on < given.inspected_on:
        raise ValidationError({"follow_up_on": _("The follow-up comes before the inspection.")})
    lines = [line for line in given.phones if line.strip()]
    if len(lines) > MAX_ITEMS:
        raise ValidationError({"phones": _("At most %(n)s phones in one inspection.") % {"n": MAX_ITEMS}})
    if given.commitment is not None and (given.commitment.size or 0) > COMMITMENT_MAX_BYTES:
        raise ValidationError({"commitment": _("The scan is larger than 10 MB.")})
    items = judge(lines)
    inspection = Inspection(
        shop=shop,
        inspected_on=given.inspected_on,
        inspector=actor,
        informed=given.informed,
        commitment_signed=given.commitment_signed,
        found=len(items),
        follow_up_on=given.follow_up_on,
        note=given.note.strip()[:500],
        client_key=given.client_key,
    )
    if given.commitment is not None:
        inspection.commitment.save(given.commitment.name or "scan", given.commitment, save=False)
    inspection.save()
    InspectionItem.objects.bulk_create(
        InspectionItem(inspection=inspection, written=f.written, imei=f.imei, device=f.device[:330], verdict=f.verdict)
        for f in items
    )
    counted = _count(actor, inspection)
    log_action(
        "shops.inspection.recorded",
        actor=actor,
        obj=inspection,
        unit=shop.unit,
        data={"name": shop.name, "found": len(items), "informed": given.informed, "counted": counted},
    )
    return inspection


def _count(actor: User, inspection: Inspection) -> bool:
    """The inspection (and, when the shop was told, the shop informed) counted into the commune's report."""
    shop = inspection.shop
    campaign = campaign_at(shop.unit, inspection.inspected_on)
    if campaign is None:
        return False
    forms = [INSPECTION_FORM, INFORMED_FORM] if inspection.informed else [INSPECTION_FORM]
    counted = [
        count_into_report(
            actor=actor,
            campaign=campaign,
            place=shop.unit,
            day=inspection.inspected_on,
            form_code=code,
            key=f"{code}:{inspection.pk}",
            description=shop.name,
        )
        for code in forms
    ]
    return all(activity is not None for activity in counted)


@transaction.atomic
def commitment_view_record(*, actor: User, inspection: Inspection) -> None:
    log_action(
        "shops.commitment.viewed",
        actor=actor,
        obj=inspection,
        unit=inspection.shop.unit,
        data={"name": inspection.shop.name},
    )
