"""The device class of a subscriber in the registry: the kind of phone their IMEI's TAC names, as a small integer.

The registry keeps the class rather than a verdict: the verdict depends on the
campaign's dates, which can move, while the class only changes when the
subscriber's IMEI or the device table does. ``answer_of_class`` turns a class
into the verdict of ``verdicts.verdict_of`` for the campaign's stop dates.

``CLASS_SQL`` is the same rule as ``class_of`` in SQL, for the set-based
UPDATE of ``devices/registry.py``; a test holds the two equal for every radio
value.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from switchoff.devices.radio import Radio
from switchoff.devices.verdicts import Answer, Stops, Verdict, verdict_of


class DeviceClass(models.IntegerChoices):
    UNKNOWN = 0, _("Model not known")
    NO_IMEI = 1, _("No IMEI in the list")
    G2_ONLY = 2, _("2G only")
    G3 = 3, _("3G, no 4G")
    G4_NO_VOLTE = 4, _("4G, calls over 2G/3G")
    G4_VOLTE = 5, _("4G with VoLTE, or 5G")


def class_of(radio: int | None) -> DeviceClass:
    """The class of a model with these radio bits (None: the TAC is not in the table)."""
    if not radio:
        return DeviceClass.UNKNOWN
    if radio & Radio.NR or (radio & Radio.LTE and radio & Radio.VOLTE):
        return DeviceClass.G4_VOLTE
    if radio & Radio.LTE:
        return DeviceClass.G4_NO_VOLTE
    if radio & Radio.UMTS:
        return DeviceClass.G3
    if radio & Radio.GSM:
        return DeviceClass.G2_ONLY
    return DeviceClass.UNKNOWN


def class_sql(radio: str) -> str:
    """``class_of`` as an SQL expression over the column ``radio`` (NULL: no model), for SQLite and PostgreSQL."""
    return (
        f"CASE WHEN {radio} IS NULL THEN {DeviceClass.UNKNOWN:d} "
        f"WHEN ({radio} & {Radio.NR:d}) <> 0 OR (({radio} & {Radio.LTE:d}) <> 0 AND ({radio} & {Radio.VOLTE:d}) <> 0) "
        f"THEN {DeviceClass.G4_VOLTE:d} "
        f"WHEN ({radio} & {Radio.LTE:d}) <> 0 THEN {DeviceClass.G4_NO_VOLTE:d} "
        f"WHEN ({radio} & {Radio.UMTS:d}) <> 0 THEN {DeviceClass.G3:d} "
        f"WHEN ({radio} & {Radio.GSM:d}) <> 0 THEN {DeviceClass.G2_ONLY:d} "
        f"ELSE {DeviceClass.UNKNOWN:d} END"
    )


# The radio bits a class stands for when its verdict is asked. A 4G phone without VoLTE is taken to fall
# back to both 2G and 3G (nearly all do): its calls last until the later of the two stops.
_BITS = {
    DeviceClass.G2_ONLY: Radio.GSM,
    DeviceClass.G3: Radio.GSM | Radio.UMTS,
    DeviceClass.G4_NO_VOLTE: Radio.GSM | Radio.UMTS | Radio.LTE,
    DeviceClass.G4_VOLTE: Radio.GSM | Radio.UMTS | Radio.LTE | Radio.VOLTE,
}


def answer_of_class(device_class: int, stops: Stops) -> Answer | None:
    """The verdict for a subscriber's class and the campaign's dates; None when the list gave no IMEI.

    The registry does not keep whether a 2G-only model is on the ministry's certified list: the
    class answers without that flag (the public check and the bulk file give it).
    """
    if device_class == DeviceClass.NO_IMEI:
        return None
    bits = _BITS.get(DeviceClass(device_class))
    if bits is None:
        return Answer(Verdict.UNKNOWN)
    return verdict_of(int(bits), stops, certified_2g_only=None)
