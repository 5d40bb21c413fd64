"""The verdict for a device model: what happens to it at the campaign's switch-off, from its radio bits alone.

Pure functions: no query, no clock. The dates come from the campaign (the
technology switched off, its cut-off and, when known, when 3G stops), never
from the code, so the 3G campaign is a new row.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from switchoff.devices.radio import Radio


class Verdict(models.TextChoices):
    STOPS = "stops", _("Stops working at the switch-off")
    UNTIL_3G = "until_3g", _("Works until 3G stops")
    CALLS_STOP = "calls_stop", _("Data works; calls stop with 2G/3G")
    FINE = "fine", _("Keeps working")
    UNKNOWN = "unknown", _("Model not known")
    INVALID = "invalid", _("Not a valid IMEI")


@dataclass(frozen=True)
class Stops:
    """When each older network stops (None: not known)."""

    g2: datetime.date | None
    g3: datetime.date | None


@dataclass(frozen=True)
class Answer:
    verdict: Verdict
    # When the phone stops working (STOPS, UNTIL_3G) or stops making calls (CALLS_STOP); None if not known.
    on: datetime.date | None = None
    # A 2G-only model the device table says is not on the ministry's list of certified 2G-only models.
    uncertified: bool = False


def stops_of(*, technology: str, cutoff: datetime.date, g3_stop: datetime.date | None) -> Stops:
    """The stop dates a campaign implies. A 3G campaign comes after 2G has stopped, at the latest with 3G."""
    if technology == "3G":
        return Stops(g2=g3_stop if g3_stop and g3_stop < cutoff else cutoff, g3=cutoff)
    return Stops(g2=cutoff, g3=g3_stop)


def _later(*dates: datetime.date | None) -> datetime.date | None:
    # A network whose stop is not known keeps the phone going past every known date.
    if any(d is None for d in dates):
        return None
    return max(d for d in dates if d is not None)


def verdict_of(bits: int | None, stops: Stops, *, certified_2g_only: bool | None = None) -> Answer:
    """What a model with radio ``bits`` does when the campaign's networks stop (None: the TAC is not known)."""
    if not bits or not bits & (Radio.GSM | Radio.UMTS | Radio.LTE | Radio.NR):
        return Answer(Verdict.UNKNOWN)
    if bits & Radio.NR or (bits & Radio.LTE and bits & Radio.VOLTE):
        return Answer(Verdict.FINE)
    if bits & Radio.LTE:
        # Without VoLTE a call falls back to 2G or 3G: calls last as long as the later of the two the phone has.
        present = ([stops.g2] if bits & Radio.GSM else []) + ([stops.g3] if bits & Radio.UMTS else [])
        return Answer(Verdict.CALLS_STOP, _later(*present) if present else None)
    if bits & Radio.UMTS:
        return Answer(Verdict.UNTIL_3G, stops.g3)
    # Said only where the table says the model is not on the list (None: it does not say).
    return Answer(Verdict.STOPS, stops.g2, uncertified=certified_2g_only is False)
