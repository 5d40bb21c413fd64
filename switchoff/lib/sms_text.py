"""How a text travels as SMS: GSM-7 when every character is in its alphabet, else UCS-2 (Vietnamese with diacritics),
how many parts it takes, and its unaccented variant (Vietnamese without diacritics fits GSM-7: fewer parts).

Plain functions, no Django: the compose page, the sending job and the tests share them. The parts are those of
concatenated SMS (a 6-byte user data header per part): 160/153 GSM-7 septets, 70/67 UCS-2 characters.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# GSM 03.38 basic alphabet, and the extension table (each of those takes two septets: the escape and itself).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


@dataclass(frozen=True)
class Measure:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    parts: int


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def measure(text: str) -> Measure:
    """The encoding a text needs and how many SMS parts it takes (0 for an empty text)."""
    if is_gsm7(text):
        units = sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)
        single, part, encoding = GSM7_SINGLE, GSM7_PART, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, part, encoding = UCS2_SINGLE, UCS2_PART, "UCS-2"
    if units == 0:
        return Measure(encoding, 0, 0)
    return Measure(encoding, units, 1 if units <= single else -(-units // part))


def unaccented(text: str) -> str:
    """The text without Vietnamese diacritics, case kept ("Đổi máy" → "Doi may"): what a GSM-7 message carries."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn"))
