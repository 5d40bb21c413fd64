"""Writes of the support programmes: a programme and its stock, referrals, their decision, deliveries.

Each is one transaction with its audit row. A delivery is recorded once per household and programme
(checked here with a message naming the earlier one, and by the database's unique constraint for two
requests at the same instant), takes one from the area's stock in one conditional UPDATE, refuses a
phone the device check does not answer "keeps working" for, and records a "switched" visit on the case
through the field work's one write of visits (an id derived from the delivery, so a retry writes nothing).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from switchoff.audit.services import log_action, log_actions
from switchoff.campaigns.models import Campaign
from switchoff.devices.answers import explain
from switchoff.devices.imei import REASONS
from switchoff.devices.selectors import build_classifier, campaign_stops, check_imei
from switchoff.devices.verdicts import Verdict
from switchoff.fieldwork.models import Case
from switchoff.fieldwork.rules import Outcome
from switchoff.fieldwork.services.visits import VisitInput, record_batch
from switchoff.people.access import visible_units
from switchoff.people.models import User
from switchoff.people.roles import Perm
from switchoff.programmes.access import may_approve, may_manage
from switchoff.programmes.eligibility import (
    delivered_message,
    earlier_delivery,
    household_key,
    narrowest_stock,
    no_stock_message,
    reasons_not,
    stock_for,
)
from switchoff.programmes.models import Benefit, Delivery, Programme, ProgrammeVersion, Referral, Stock
from switchoff.programmes.reporting import DELIVERY_FORM, count_into_report, count_many_into_report
from switchoff.programmes.selectors import snapshot
from switchoff.units.models import Unit

PHONES = frozenset({Benefit.FEATURE_PHONE, Benefit.SMARTPHONE})
# Delivered phones are recorded on the case as a visit with this namespace's ids.
DELIVERY_VISITS = uuid.UUID("6f1d1b1e-6c7e-4a53-9a55-2a43f1c0b7d1")


@dataclass(frozen=True)
class StockLine:
    unit: Unit
    quantity: int


def _check(programme: Programme) -> None:
    if programme.ends_on < programme.starts_on:
        raise ValidationError({"ends_on": _("The end comes before the start.")})
    if not programme.area.rollup_path.startswith(programme.campaign.area.rollup_path):
        raise ValidationError({"area": _("The area must lie within the campaign's area.")})


def _stock_set(programme: Programme, stock: Sequence[StockLine]) -> None:
    wanted: dict[int, StockLine | None] = {line.unit.pk: line for line in stock}
    for given in stock:
        if not given.unit.rollup_path.startswith(programme.area.rollup_path):
            raise ValidationError({"stock": _("%(unit)s is outside the programme's area.") % {"unit": given.unit.name}})
    for row in programme.stocks.select_for_update():
        kept = wanted.pop(row.unit_id, None)
        if kept is None:
            if row.delivered:
                raise ValidationError(
                    {"stock": _("%(unit)s has deliveries: its stock cannot be removed.") % {"unit": row.unit}}
                )
            row.delete()
        elif kept.quantity < row.delivered:
            raise ValidationError(
                {
                    "stock": _("%(unit)s already delivered %(n)s: the quantity cannot be lower.")
                    % {"unit": kept.unit.name, "n": row.delivered}
                }
            )
        else:
            row.quantity = kept.quantity
            row.save(update_fields=["quantity"])
    Stock.objects.bulk_create(
        Stock(programme=programme, unit=line.unit, quantity=line.quantity)
        for line in wanted.values()
        if line is not None
    )


@transaction.atomic
def programme_create(
    *, actor: User, campaign: Campaign, fields: dict[str, Any], stock: Sequence[StockLine] = ()
) -> Programme:
    """A new programme run by ``fields["owner"]``, a unit where ``actor`` holds ``programmes.manage``."""
    programme = Programme(campaign=campaign, created_by=actor, **fields)
    if not may_manage(actor, programme):
        raise PermissionDenied
    _check(programme)
    programme.save()
    _stock_set(programme, stock)
    log_action(
        "programmes.programme.created",
        actor=actor,
        obj=programme,
        unit=programme.area,
        data={"name": programme.name, "stock": sum(line.quantity for line in stock)},
    )
    return programme


@transaction.atomic
def programme_update(
    *, actor: User, programme: Programme, fields: dict[str, Any], stock: Sequence[StockLine] | None = None
) -> Programme:
    """Change a programme; the row as it was is kept (``ProgrammeVersion``) and the audit names what changed."""
    programme = (
        Programme.objects.select_for_update(of=("self",))
        .select_related("campaign", "area", "owner")
        .get(pk=programme.pk)
    )
    if not may_manage(actor, programme):
        raise PermissionDenied
    before = snapshot(programme)
    for name, value in fields.items():
        setattr(programme, name, value)
    if not may_manage(actor, programme):  # a new owner must be one of the actor's units too
        raise PermissionDenied
    _check(programme)
    if stock is not None:
        _stock_set(programme, stock)
    after = snapshot(programme)
    changed = sorted(k for k in after if after[k] != before[k])
    if not changed:
        return programme
    ProgrammeVersion.objects.create(programme=programme, version=programme.version, fields=before, changed_by=actor)
    programme.version += 1
    programme.updated_at = timezone.now()
    programme.save()
    log_action(
        "programmes.programme.updated",
        actor=actor,
        obj=programme,
        unit=programme.area,
        data={"name": programme.name, "changed": changed, "version": programme.version},
    )
    return programme


class NotEligible(ValidationError):
    """The person does not qualify: ``reasons``, each a sentence."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(reasons)
        self.reasons = reasons


@transaction.atomic
def referral_create(
    *, actor: User, programme: Programme, case: Case, note: str = "", client_key: uuid.UUID | None = None
) -> Referral:
    """Refer ``case``'s person to ``programme`` (the case seen by ``actor``), or ``NotEligible`` with every reason.

    Sent again with the same ``client_key``, the referral made the first time is answered.
    """
    if client_key is not None:
        existing = Referral.objects.filter(client_key=client_key).first()
        if existing is not None:
            if existing.programme_id != programme.pk or existing.case_id != case.pk:
                raise ValidationError(_("This key was already used for another referral."))
            return existing
    # Two members referring one household at the same instant: the second waits, then sees the first.
    Programme.objects.select_for_update().filter(pk=programme.pk).first()
    reasons = reasons_not(programme, case, today=timezone.localdate())
    if reasons:
        raise NotEligible(reasons)
    referral = Referral.objects.create(
        programme=programme,
        case=case,
        unit=case.unit,
        household_key=household_key(case),
        note=note[:300],
        referred_by=actor,
        client_key=client_key,
    )
    log_action(
        "programmes.referral.created",
        actor=actor,
        obj=referral,
        unit=case.unit,
        data={"programme": programme.name, "case": case.pk},
    )
    return referral


@transaction.atomic
def referral_decide(*, actor: User, referral: Referral, approve: bool, reason: str = "") -> Referral:
    """Approve or refuse a waiting referral (a refusal says why). Approval checks eligibility again."""
    referral = Referral.objects.select_for_update(of=("self",)).select_related("programme", "unit").get(pk=referral.pk)
    if not may_approve(actor, referral.programme, referral.unit):
        raise PermissionDenied
    if referral.state != Referral.State.REFERRED:
        raise ValidationError(_("This referral was already decided."))
    if approve:
        case = Case.objects.select_related("subscriber", "unit").get(pk=referral.case_id)
        reasons = reasons_not(referral.programme, case, today=timezone.localdate(), referral=referral)
        if reasons:
            raise NotEligible(reasons)
    elif not reason.strip():
        raise ValidationError({"reason": _("Say why the referral is refused.")})
    referral.state = Referral.State.APPROVED if approve else Referral.State.REFUSED
    referral.decided_by, referral.decided_at, referral.reason = actor, timezone.now(), reason.strip()[:300]
    referral.save(update_fields=["state", "decided_by", "decided_at", "reason"])
    data = {"programme": referral.programme.name, "reason": referral.reason}
    if approve:
        log_action("programmes.referral.approved", actor=actor, obj=referral, unit=referral.unit, data=data)
    else:
        log_action("programmes.referral.refused", actor=actor, obj=referral, unit=referral.unit, data=data)
    return referral


def imei_refusal(imei: str, campaign: Campaign) -> tuple[str, str]:
    """The verdict of a delivered phone's IMEI and, unless it is "fine", why it is refused ("" when it is)."""
    check = check_imei(imei, campaign_stops(campaign))
    verdict = check.answer.verdict
    if verdict == Verdict.FINE:
        return verdict, ""
    if verdict == Verdict.INVALID:
        reason = str(REASONS.get(check.parsed.reason if check.parsed else "letters", REASONS["letters"]))
        return verdict, _("The IMEI is refused: %(reason)s") % {"reason": reason}
    words = explain(check.answer)
    return verdict, _("This phone cannot be given: %(why)s") % {"why": words.headline}


@dataclass(frozen=True)
class DeliveryInput:
    delivered_on: datetime.date
    place: str = ""
    imei: str = ""
    client_key: uuid.UUID | None = None


@transaction.atomic
def delivery_record(
    *, actor: User, referral: Referral, given: DeliveryInput, source: str = "page", check_access: bool = True
) -> Delivery:
    """Record the benefit handed over for an approved referral (see the module's docstring for the checks).

    Raises ``ValidationError`` naming the field (``imei``, ``delivered_on``) or the earlier delivery.
    """
    if given.client_key is not None:
        existing = Delivery.objects.filter(client_key=given.client_key).first()
        if existing is not None:
            if existing.referral_id != referral.pk:
                raise ValidationError(_("This key was already used for another delivery."))
            return existing
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("programme", "programme__campaign", "unit", "case", "case__unit", "case__subscriber")
        .get(pk=referral.pk)
    )
    programme = referral.programme
    if check_access and not may_approve(actor, programme, referral.unit):
        raise PermissionDenied
    return _deliver(
        actor=actor, programme=programme, case=referral.case, unit=referral.unit, key=referral.household_key,
        referral=referral, given=given, source=source,
    )  # fmt: skip


def _deliver(
    *,
    actor: User,
    programme: Programme,
    case: Case,
    unit: Unit,
    key: str,
    referral: Referral | None,
    given: DeliveryInput,
    source: str,
) -> Delivery:
    """The checks and writes of a delivery, for an approved referral (locked) or, reported by the sponsor with no
    referral of the household open, for none."""
    earlier = earlier_delivery(programme, key)
    if earlier is not None:
        raise ValidationError(delivered_message(earlier))
    if referral is not None and referral.state != Referral.State.APPROVED:
        raise ValidationError(_("Only an approved referral can be delivered."))
    if given.delivered_on > timezone.localdate():
        raise ValidationError({"delivered_on": _("The delivery date is in the future.")})
    verdict = ""
    imei = "".join(ch for ch in given.imei if not ch.isspace())
    if programme.benefit in PHONES:
        if not imei:
            raise ValidationError({"imei": _("A phone's IMEI is required (dial *#06# to see it).")})
        verdict, refusal = imei_refusal(imei, programme.campaign)
        if refusal:
            raise ValidationError({"imei": refusal})
    stock = stock_for(programme, case)
    if stock is not None:
        taken = Stock.objects.filter(pk=stock.pk, delivered__lt=F("quantity")).update(delivered=F("delivered") + 1)
        if not taken:
            raise ValidationError(no_stock_message(stock))
    elif programme.stocks.exists():
        raise ValidationError(no_stock_message(None))
    try:
        with transaction.atomic():
            delivery = Delivery.objects.create(
                programme=programme,
                referral=referral,
                case=case,
                unit=unit,
                household_key=key,
                delivered_on=given.delivered_on,
                place=given.place.strip()[:200],
                imei=imei[:15],
                verdict=verdict,
                recorded_by=actor,
                source=source,
                client_key=given.client_key,
            )
    except IntegrityError:
        earlier = earlier_delivery(programme, key)
        raise ValidationError(delivered_message(earlier) if earlier else _("Recorded already.")) from None
    if referral is not None:
        referral.state = Referral.State.DELIVERED
        referral.save(update_fields=["state"])
    if programme.benefit in PHONES:
        _case_switched(actor, delivery)
    counted = count_into_report(
        actor=actor, campaign=programme.campaign, place=unit, day=given.delivered_on,
        form_code=DELIVERY_FORM, key=f"delivery:{delivery.pk}", description=programme.name,
    )  # fmt: skip
    log_action(
        "programmes.delivery.recorded",
        actor=actor,
        obj=delivery,
        unit=unit,
        data={"programme": programme.name, "day": given.delivered_on.isoformat(), "verdict": verdict, "via": source,
              "counted": counted is not None},
    )  # fmt: skip
    return delivery


def imei_refusals(imeis: Sequence[str], campaign: Campaign) -> list[tuple[str, str]]:
    """``imei_refusal`` for many IMEIs: classified together on the device table's arrays (as a bulk file is);
    the words of each distinct answer come from ``imei_refusal`` itself on its first IMEI, so they are the same."""
    if not imeis:
        return []
    result = build_classifier(campaign_stops(campaign)).classify(list(imeis))
    said: dict[tuple[int, int, bool], tuple[str, str]] = {}
    out = []
    for i, imei in enumerate(imeis):
        key = (int(result.verdicts[i]), int(result.reasons[i]), bool(result.uncertified[i]))
        if key not in said:
            said[key] = imei_refusal(imei, campaign)
        out.append(said[key])
    return out


def _switched_visit(actor: User, delivery: Delivery) -> VisitInput:
    noon = datetime.datetime.combine(delivery.delivered_on, datetime.time(12), tzinfo=timezone.get_current_timezone())
    return VisitInput(
        id=uuid.uuid5(DELIVERY_VISITS, str(delivery.pk)),
        case_id=delivery.case_id,
        visited_at=min(noon, timezone.now()),
        outcome=Outcome.SWITCHED,
        note=_("4G phone delivered by the programme “%(name)s”.") % {"name": delivery.programme.name},
        clock_offset_s=0,
    )


def _cases_switched(actor: User, deliveries: Sequence[Delivery]) -> None:
    """Delivered 4G phones move their cases towards "switched" (the operator's next list verifies it)."""
    if not deliveries:
        return
    record_batch(
        actor=actor,
        member=actor,
        visits=[_switched_visit(actor, d) for d in deliveries],
        device=None,
        sent_at=None,
        scope=Case.objects.filter(pk__in=[d.case_id for d in deliveries]),
        villages=lambda: visible_units(actor, Perm.VISIT),
    )


def _case_switched(actor: User, delivery: Delivery) -> None:
    """A delivered 4G phone moves the case towards "switched" (the operator's next list verifies it)."""
    noon = datetime.datetime.combine(delivery.delivered_on, datetime.time(12), tzinfo=timezone.get_current_timezone())
    visit = VisitInput(
        id=uuid.uuid5(DELIVERY_VISITS, str(delivery.pk)),
        case_id=delivery.case_id,
        visited_at=min(noon, timezone.now()),
        outcome=Outcome.SWITCHED,
        note=_("4G phone delivered by the programme “%(name)s”.") % {"name": delivery.programme.name},
        clock_offset_s=0,
    )
    record_batch(
        actor=actor,
        member=actor,
        visits=[visit],
        device=None,
        sent_at=None,
        scope=Case.objects.filter(pk=delivery.case_id),
        villages=lambda: visible_units(actor, Perm.VISIT),
    )


def cases_by_number(programme: Programme, numbers: Sequence[str]) -> dict[str, Case]:
    """The programme's campaign's cases in its area for these E.164 numbers (a number listed twice: its first case)."""
    found: dict[str, Case] = {}
    rows = (
        Case.objects.filter(
            campaign=programme.campaign,
            subscriber__msisdn__in=list(numbers),
            unit__rollup_path__startswith=programme.area.rollup_path,
        )
        .select_related("subscriber", "unit")
        .order_by("pk")
    )
    for case in rows:
        assert case.subscriber is not None
        found.setdefault(case.subscriber.msisdn, case)
    return found


@transaction.atomic
def delivery_from_operator(
    *, actor: User, programme: Programme, case: Case, given: DeliveryInput, source: str = "api"
) -> Delivery:
    """A delivery the sponsor's own system reports (the API, an operator's list): the phone was handed over in
    its store, so no earlier referral is needed; the household's open one is used (and marked delivered), else
    the delivery stands without one (none was made in real life; the delivery's own constraint keeps the
    household to one). The same checks as on the page: once per household (naming the first), a phone that
    keeps working, stock.
    """
    if not may_approve(actor, programme, case.unit):
        raise PermissionDenied
    if given.client_key is not None:
        existing = Delivery.objects.filter(client_key=given.client_key).first()
        if existing is not None:
            if existing.programme_id != programme.pk or existing.case_id != case.pk:
                raise ValidationError(_("This key was already used for another delivery."))
            return existing
    Programme.objects.select_for_update().filter(pk=programme.pk).first()
    key = household_key(case)
    earlier = earlier_delivery(programme, key)
    if earlier is not None:
        raise ValidationError(delivered_message(earlier))
    referral = (
        Referral.objects.filter(programme=programme, household_key=key).exclude(state=Referral.State.REFUSED).first()
    )
    now = timezone.now()
    if referral is None:
        return _deliver(
            actor=actor, programme=programme, case=case, unit=case.unit, key=key, referral=None, given=given,
            source=source,
        )  # fmt: skip
    if referral.state == Referral.State.REFERRED:
        referral.state, referral.decided_by, referral.decided_at = Referral.State.APPROVED, actor, now
        referral.save(update_fields=["state", "decided_by", "decided_at"])
    return delivery_record(actor=actor, referral=referral, given=given, source=source, check_access=False)


@transaction.atomic
def deliveries_from_operator(
    *, actor: User, programme: Programme, rows: Sequence[tuple[Case, DeliveryInput]], source: str = "list"
) -> list[Delivery | str]:
    """``delivery_from_operator`` for a batch of rows, set-based: for each row in order its delivery or the
    sentence it is refused with, the same checks in the same order and the same words as the one-row path
    (once per household, also within the batch; an approved referral; the date; the IMEI; the stock).

    A few queries per batch: earlier deliveries and open referrals of the batch's households, the stock rows
    locked, the IMEIs classified together, then deliveries, referrals, visits and audit rows in bulk. The
    database's once-per-household constraint stays the last guard: if it fires (a delivery written by another
    request meanwhile), the batch is rolled back to its savepoint and done row by row by the one-row path.
    """
    if any(given.client_key is not None for _case, given in rows):
        raise ValueError("a batch of deliveries carries no client keys")
    units_seen: dict[int, bool] = {}
    for case, _given in rows:
        if case.unit_id not in units_seen:
            units_seen[case.unit_id] = may_approve(actor, programme, case.unit)
        if not units_seen[case.unit_id]:
            raise PermissionDenied
    programme = (
        Programme.objects.select_for_update(of=("self",)).select_related("campaign", "area").get(pk=programme.pk)
    )
    try:
        with transaction.atomic():
            return _deliveries_batch(actor, programme, rows, source)
    except IntegrityError:
        out: list[Delivery | str] = []
        for case, given in rows:
            try:
                with transaction.atomic():
                    out.append(
                        delivery_from_operator(actor=actor, programme=programme, case=case, given=given, source=source)
                    )
            except ValidationError as error:
                out.append(" ".join(error.messages))
        return out


def _deliveries_batch(
    actor: User, programme: Programme, rows: Sequence[tuple[Case, DeliveryInput]], source: str
) -> list[Delivery | str]:
    keys = [household_key(case) for case, _given in rows]
    earlier: dict[str, Delivery] = {
        d.household_key: d for d in Delivery.objects.filter(programme=programme, household_key__in=set(keys))
    }
    referrals: dict[str, Referral] = {}
    for referral in (
        Referral.objects.filter(programme=programme, household_key__in=set(keys))
        .exclude(state=Referral.State.REFUSED)
        .order_by("pk")
    ):
        referrals.setdefault(referral.household_key, referral)
    stocks = list(programme.stocks.select_related("unit").select_for_update(of=("self",)).order_by("pk"))
    taken: dict[int, int] = {}
    phones = programme.benefit in PHONES
    imeis = ["".join(ch for ch in given.imei if not ch.isspace()) for _case, given in rows]
    verdicts: dict[str, tuple[str, str]] = {}
    if phones:
        distinct = sorted({i for i in imeis if i})
        verdicts = dict(zip(distinct, imei_refusals(distinct, programme.campaign), strict=True))
    today = timezone.localdate()
    out: list[Delivery | str] = []
    fresh: dict[str, int] = {}  # household key → the index in ``out`` of this batch's delivery to it
    pending: list[tuple[int, Delivery]] = []
    later: list[tuple[int, str]] = []  # refused as already delivered in this batch: the message once it has a pk
    for index, ((case, given), key, imei) in enumerate(zip(rows, keys, imeis, strict=True)):
        if key in earlier:
            out.append(delivered_message(earlier[key]))
            continue
        if key in fresh:
            out.append("")
            later.append((index, key))
            continue
        open_referral = referrals.get(key)
        if open_referral is not None and open_referral.state not in (Referral.State.REFERRED, Referral.State.APPROVED):
            out.append(_("Only an approved referral can be delivered."))
            continue
        if given.delivered_on > today:
            out.append(_("The delivery date is in the future."))
            continue
        verdict = ""
        if phones:
            if not imei:
                out.append(_("A phone's IMEI is required (dial *#06# to see it)."))
                continue
            verdict, refusal = verdicts[imei]
            if refusal:
                out.append(refusal)
                continue
        stock = narrowest_stock(stocks, case.unit.rollup_path)
        if stock is not None:
            if stock.delivered + taken.get(stock.pk, 0) >= stock.quantity:
                out.append(no_stock_message(stock))
                continue
            taken[stock.pk] = taken.get(stock.pk, 0) + 1
        elif stocks:
            out.append(no_stock_message(None))
            continue
        delivery = Delivery(
            programme=programme, referral=open_referral, case=case, unit=case.unit, household_key=key,
            delivered_on=given.delivered_on, place=given.place.strip()[:200], imei=imei[:15], verdict=verdict,
            recorded_by=actor, source=source,
        )  # fmt: skip
        fresh[key] = index
        pending.append((index, delivery))
        out.append(delivery)
    now = timezone.now()
    if not pending:
        return out
    for stock in stocks:
        if taken.get(stock.pk):
            Stock.objects.filter(pk=stock.pk).update(delivered=F("delivered") + taken[stock.pk])
    waiting = [d.referral.pk for _i, d in pending if d.referral is not None and d.referral.state == "referred"]
    approved = [d.referral.pk for _i, d in pending if d.referral is not None and d.referral.state == "approved"]
    Referral.objects.filter(pk__in=waiting).update(state=Referral.State.DELIVERED, decided_by=actor, decided_at=now)
    Referral.objects.filter(pk__in=approved).update(state=Referral.State.DELIVERED)
    deliveries = [d for _i, d in pending]
    with transaction.atomic():  # the last guard: another request's delivery to one of these households
        Delivery.objects.bulk_create(deliveries, batch_size=2000)
    by_key = {d.household_key: d for d in deliveries}
    for index, key in later:
        out[index] = delivered_message(by_key[key])
    if phones:
        _cases_switched(actor, deliveries)
    counted = count_many_into_report(
        actor=actor, campaign=programme.campaign, form_code=DELIVERY_FORM,
        items=[(d.unit, d.delivered_on, f"delivery:{d.pk}", programme.name) for d in deliveries],
    )  # fmt: skip
    log_actions(
        "programmes.delivery.recorded",
        actor=actor,
        rows=[
            (
                d,
                d.unit,
                {
                    "programme": programme.name,
                    "day": d.delivered_on.isoformat(),
                    "verdict": d.verdict,
                    "via": source,
                    "counted": c is not None,
                },
            )
            for d, c in zip(deliveries, counted, strict=True)
        ],
    )
    return out
