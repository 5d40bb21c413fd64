"""A device model's radio capabilities as bits, read from the texts device tables really hold.

Our own small bit values (GSM=1, UMTS=2, LTE=4, VOLTE=8, NR=16) rather than
DIRBS's (2G=64, 3G=512, 4G=4096): DIRBS has no bit for VoLTE (the GSMA export
does not say it; operators add it from their own tests) nor for 5G, and the
verdict needs both. The keywords that set each bit are DIRBS's: GSM, GPRS and
EDGE are 2G; WCDMA, UMTS, HSPA, EVDO, TD-SCDMA and CDMA2000 are 3G; LTE, CA_,
DC_ and WiMAX are 4G; we add NR/5G.
"""

from __future__ import annotations

import enum
import re

from switchoff.lib.text import fold


class Radio(enum.IntFlag):
    GSM = 1
    UMTS = 2
    LTE = 4
    VOLTE = 8
    NR = 16


ALL_BITS = int(Radio.GSM | Radio.UMTS | Radio.LTE | Radio.VOLTE | Radio.NR)

# Each keyword is matched on folded, upper-cased text at the start of a word ("LTE FDD BAND 3",
# "CA_1A-3A", "WCDMA FDD Band I"). Order does not matter: a text sets every bit it names.
_KEYWORDS: tuple[tuple[str, Radio], ...] = (
    ("GSM", Radio.GSM),
    ("GPRS", Radio.GSM),
    ("EDGE", Radio.GSM),
    ("2G", Radio.GSM),
    ("WCDMA", Radio.UMTS),
    ("UMTS", Radio.UMTS),
    ("HSPA", Radio.UMTS),
    ("HSDPA", Radio.UMTS),
    ("HSUPA", Radio.UMTS),
    ("EVDO", Radio.UMTS),
    ("TD-SCDMA", Radio.UMTS),
    ("TDSCDMA", Radio.UMTS),
    ("CDMA2000", Radio.UMTS),
    ("3G", Radio.UMTS),
    ("LTE", Radio.LTE),
    ("CA_", Radio.LTE),
    ("DC_", Radio.LTE),
    ("WIMAX", Radio.LTE),
    ("4G", Radio.LTE),
    ("VOLTE", Radio.VOLTE),
    ("NR ", Radio.NR),
    ("NR-", Radio.NR),
    ("NR,", Radio.NR),
    ("5G", Radio.NR),
)
_PATTERN = re.compile(
    r"(?<![A-Z0-9])(" + "|".join(re.escape(k) for k, _ in sorted(_KEYWORDS, key=lambda k: -len(k[0]))) + r")"
)
_BIT_OF = {k: int(bit) for k, bit in _KEYWORDS}


def bands_bits(text: str) -> int:
    """The bits a bands / radio interface text names: "GSM 900,GSM 1800,WCDMA FDD Band I,LTE FDD BAND 3" is 7."""
    bits = 0
    for match in _PATTERN.finditer(fold(text).upper() + " "):
        bits |= _BIT_OF[match.group(1)]
    return bits


_YES = frozenset({"yes", "y", "co", "x", "1", "true", "v", "ok", "c"})
_NO = frozenset({"no", "n", "khong", "0", "false", "", "-"})


def yes_no(value: object) -> bool | None:
    """A Yes/No cell ("Có", "x", "1", "Yes"…) as True/False; None when it says neither."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    text = fold(str(value)).strip()
    if text in _YES:
        return True
    if text in _NO:
        return False
    return None


# What the public page calls each bit: the generations its answers speak of, not the standards' names.
_NAMES = {Radio.GSM: "2G", Radio.UMTS: "3G", Radio.LTE: "4G", Radio.VOLTE: "VoLTE", Radio.NR: "5G"}


def names(bits: int) -> list[str]:
    """The names of the bits set, for pages: ["2G", "4G", "VoLTE"]."""
    return [_NAMES[flag] for flag in Radio if bits & flag]
