"""Reads of the device check: the campaign it answers for, one TAC, a model search, the bulk classifier."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Max
from django.utils import timezone

from switchoff.campaigns.models import Campaign
from switchoff.devices.bulk import Classifier
from switchoff.devices.imei import ParsedImei, parse_imei
from switchoff.devices.models import DeviceModel
from switchoff.devices.verdicts import Answer, Stops, Verdict, stops_of, verdict_of
from switchoff.lib.text import fold

SEARCH_LIMIT = 20


def current_campaign() -> Campaign | None:
    """The campaign the public check answers for: the next switch-off still to come, else the latest one."""
    today = timezone.localdate()
    upcoming = Campaign.objects.filter(end_date__gte=today).order_by("cutoff_date", "pk").first()
    return upcoming or Campaign.objects.order_by("-cutoff_date", "-pk").first()


def campaign_stops(campaign: Campaign | None) -> Stops:
    if campaign is None:
        return Stops(g2=None, g3=None)
    return stops_of(technology=campaign.technology, cutoff=campaign.cutoff_date, g3_stop=campaign.g3_stop_date)


@dataclass(frozen=True)
class Check:
    """One IMEI or one model, checked: the parsed IMEI (if one was typed), the model found, the answer."""

    answer: Answer
    parsed: ParsedImei | None = None
    device: DeviceModel | None = None


def check_device(device: DeviceModel | None, stops: Stops) -> Answer:
    if device is None:
        return Answer(Verdict.UNKNOWN)
    return verdict_of(device.radio, stops, certified_2g_only=device.certified_2g_only)


def check_imei(text: str, stops: Stops, *, imeisv: bool = False) -> Check:
    """The verdict for an IMEI as typed: refused with its reason, or the verdict of its TAC's model."""
    parsed = parse_imei(text, imeisv=imeisv)
    if not parsed.valid:
        return Check(Answer(Verdict.INVALID), parsed)
    device = DeviceModel.objects.filter(tac=parsed.tac).first()
    return Check(check_device(device, stops), parsed, device)


def search_models(text: str) -> list[DeviceModel]:
    """Models whose brand and model hold every word typed, without diacritics: "nokia 105", "Nôkia 105"."""
    words = fold(text).split()[:6]
    if not words or not any(len(w) > 1 for w in words):
        return []
    rows = DeviceModel.objects.all()
    for word in words:
        rows = rows.filter(search_name__contains=word)
    return list(rows.order_by("brand", "model", "tac")[:SEARCH_LIMIT])


# The last classifier built in this process, with what it was built from: the table's state and the stop dates.
_built: tuple[tuple[object, ...], Classifier] | None = None


def table_state() -> tuple[int, int, datetime.datetime | None]:
    """What changes whenever the device table does: its rows, its highest id, its latest import (one query).

    An import adds rows (all grow) or replaces them (deleted, then created with higher ids and the
    import's time); a deletion lowers the count. The time also tells apart two tables whose ids a
    rolled-back transaction let SQLite hand out twice.
    """
    state = DeviceModel.objects.aggregate(n=Count("pk"), last=Max("pk"), at=Max("imported_at"))
    return int(state["n"]), int(state["last"] or 0), state["at"]


def build_classifier(stops: Stops) -> Classifier:
    """The whole device table as arrays, for a bulk file or an API batch.

    Built from one query of the whole table, then kept in the process for the next calls while the
    table and the campaign's dates stay the same: consecutive API batches reuse the arrays.
    """
    global _built
    key = (*table_state(), stops)
    if _built is not None and _built[0] == key:
        return _built[1]
    rows = DeviceModel.objects.values_list("tac", "radio", "certified_2g_only").iterator(chunk_size=20000)
    classifier = Classifier(rows, stops)
    _built = (key, classifier)
    return classifier
