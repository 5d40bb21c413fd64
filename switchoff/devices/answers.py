"""Each verdict in plain words for the person who asked, and what to do about it."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from switchoff.devices.imei import REASONS
from switchoff.devices.verdicts import Answer, Verdict


@dataclass(frozen=True)
class Words:
    tone: str  # "bad", "warn", "good", "unknown": the colour of the answer box
    headline: str
    todo: str


def _day(answer: Answer) -> str:
    return date_format(answer.on, "d/m/Y") if answer.on else ""


def _passed(answer: Answer) -> bool:
    # After its day the network has stopped: the answer says so, rather than telling to act "before that day".
    return answer.on is not None and answer.on < timezone.localdate()


def explain(answer: Answer, *, reason: str = "") -> Words:
    """The answer as a person reads it (in the active language), in the past once its day has gone by."""
    v = answer.verdict
    if v in (Verdict.STOPS, Verdict.UNTIL_3G, Verdict.CALLS_STOP) and _passed(answer):
        return _after(answer)
    if v == Verdict.INVALID and reason == "empty":
        return Words(
            "unknown",
            str(REASONS["empty"]),
            _("Type the 15 digits of the IMEI (dial *#06# to see them), or search by the brand and model."),
        )
    if v == Verdict.INVALID and reason in ("short", "long"):
        return Words("unknown", str(REASONS[reason]), _("Type the 15 digits again."))
    if v == Verdict.INVALID:
        return Words("unknown", str(REASONS.get(reason, REASONS["letters"])), _("Check the 15 digits and try again."))
    if v == Verdict.STOPS:
        headline = (
            _("This phone only works on 2G: it stops working on %(day)s.") % {"day": _day(answer)}
            if answer.on
            else _("This phone only works on 2G: it stops working at the switch-off.")
        )
        return Words("bad", headline, _("Change to a 4G phone before that day. Your number stays the same."))
    if v == Verdict.UNTIL_3G:
        headline = (
            _("This phone works on 3G: it keeps working until 3G stops on %(day)s.") % {"day": _day(answer)}
            if answer.on
            else _("This phone works on 3G: it keeps working after the 2G switch-off, until 3G stops.")
        )
        return Words("warn", headline, _("Plan to change to a 4G phone with VoLTE calls when you can."))
    if v == Verdict.CALLS_STOP:
        headline = (
            _("This phone has 4G for the Internet but makes calls over 2G/3G: calls stop on %(day)s.")
            % {"day": _day(answer)}
            if answer.on
            else _("This phone has 4G for the Internet but makes calls over 2G/3G: calls stop when those stop.")
        )
        return Words(
            "warn",
            headline,
            _("Ask your operator to turn on VoLTE (4G calls) for it; if the phone cannot, change it."),
        )
    if v == Verdict.FINE:
        return Words("good", _("This phone keeps working: it makes calls over 4G (VoLTE)."), _("Nothing to do."))
    return Words(
        "unknown",
        _("We do not know this model."),
        _(
            "Look in the phone's settings (Mobile network: is there 4G/LTE and VoLTE?), on its box, "
            "or ask your operator's shop."
        ),
    )


def _after(answer: Answer) -> Words:
    """A phone whose network has already stopped (``answer.on`` is in the past)."""
    day = {"day": _day(answer)}
    if answer.verdict == Verdict.STOPS:
        return Words(
            "bad",
            _("This phone only works on 2G: it stopped working on %(day)s, when 2G was switched off.") % day,
            _("Change to a 4G phone. Your number stays the same."),
        )
    if answer.verdict == Verdict.UNTIL_3G:
        return Words(
            "bad",
            _("This phone works on 3G: it stopped working on %(day)s, when 3G was switched off.") % day,
            _("Change to a 4G phone with VoLTE calls. Your number stays the same."),
        )
    return Words(
        "warn",
        _("This phone has 4G for the Internet but makes calls over 2G/3G: calls stopped on %(day)s.") % day,
        _("Ask your operator to turn on VoLTE (4G calls) for it; if the phone cannot, change it."),
    )
