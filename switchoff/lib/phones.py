"""Vietnamese phone numbers, parsed by ``phonenumbers``."""

from __future__ import annotations

import functools
from typing import NamedTuple

import phonenumbers


def normalize_phone(text: str) -> str | None:
    """Return the E.164 form (+84...) of a valid Vietnamese number, or None.

    Accepts 09x..., +84 9x..., 84 9x..., with spaces, dots or dashes.
    """
    cleaned = text.strip()
    if not cleaned:
        return None
    digits = "".join(ch for ch in cleaned if ch.isdigit())
    if cleaned.startswith("84") or (digits.startswith("84") and len(digits) == 11 and not cleaned.startswith("0")):
        cleaned = "+" + digits
    try:
        number = phonenumbers.parse(cleaned, "VN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    """The national form a Vietnamese reader expects: 0912 345 678."""
    try:
        number = phonenumbers.parse(e164, "VN")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


# Vietnam moved 11-digit mobile numbers to 10 digits in 2018. Old records
# still hold them; phonenumbers does not convert them, so the table is here.
LEGACY_PREFIXES: dict[str, str] = {
    # Viettel
    "0162": "032", "0163": "033", "0164": "034", "0165": "035",
    "0166": "036", "0167": "037", "0168": "038", "0169": "039",
    # MobiFone
    "0120": "070", "0121": "079", "0122": "077", "0126": "076", "0128": "078",
    # VinaPhone
    "0123": "083", "0124": "084", "0125": "085", "0127": "081", "0129": "082",
    # Vietnamobile
    "0186": "056", "0188": "058",
    # Gmobile
    "0199": "059",
}  # fmt: skip


class SubscriberNumber(NamedTuple):
    """A subscriber's number as written, and what it is today (a tuple: a list has millions)."""

    original: str
    e164: str | None
    converted_from_legacy: bool
    carrier: str | None
    problem: str | None  # a code: "empty", "not_a_number", "invalid"
    restored_zero: bool = False  # written without its leading 0 (an Excel number), which was put back


_SEPARATORS = str.maketrans("", "", " .-()/\u00a0\t")


@functools.lru_cache(maxsize=4096)
def mobile_pattern(national_prefix: str, length: int) -> tuple[bool, str | None]:
    """Validity and carrier for numbers starting with ``national_prefix`` of ``length`` digits.

    Vietnamese mobile validity and carrier depend only on the leading digits and
    the length, so phonenumbers is asked once per pattern instead of once per
    row: an operator's list of a million numbers has a few hundred patterns.
    """
    sample = national_prefix + "0" * (length - len(national_prefix))
    number = phonenumbers.parse(sample, "VN")
    if not phonenumbers.is_valid_number(number):
        return False, None
    from phonenumbers import carrier  # its data takes a third of a second to load: at first use, not at start

    return True, carrier.name_for_number(number, "en") or None


def parse_subscriber_number(raw: object) -> SubscriberNumber:
    """Read a number as operators' lists write it.

    Accepts 09x…, +84 9x…, 84 9x…, with spaces, dots or dashes; numbers that
    Excel stored as numbers and so lost their leading 0 (912345678 or
    912345678.0); and pre-2018 11-digit numbers (0162…, 0120…), converted to
    today's number.
    """
    if raw.__class__ is str:
        original = raw.strip()
        if len(original) == 10 and original[0] == "0" and original.isascii() and original.isdigit():
            # The usual case, 0912345678, without the detours below.
            return _national(original, original, converted=False)
    elif isinstance(raw, float) and raw.is_integer():
        original = str(int(raw))
    else:
        original = "" if raw is None else str(raw).strip()
    text = original.translate(_SEPARATORS)
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    if not text:
        return SubscriberNumber(original, None, False, None, "empty")
    if text.startswith("+"):
        text = text[1:]
    if not text.isdigit():
        return SubscriberNumber(original, None, False, None, "not_a_number")
    restored = False
    if text.startswith("84") and len(text) in (11, 12):
        national = "0" + text[2:]
    elif text.startswith("0"):
        national = text
    elif len(text) in (9, 10):
        national, restored = "0" + text, True  # Excel dropped the leading 0
    else:
        national = text
    converted = False
    if len(national) == 11 and national[:4] in LEGACY_PREFIXES:
        national = LEGACY_PREFIXES[national[:4]] + national[4:]
        converted = True
    if len(national) != 10 or not national.startswith("0"):
        return SubscriberNumber(original, None, converted, None, "invalid")
    return _national(original, national, converted=converted, restored=restored)


def _national(original: str, national: str, *, converted: bool, restored: bool = False) -> SubscriberNumber:
    valid, carrier_name = mobile_pattern(national[:4], 10)
    if not valid:
        return SubscriberNumber(original, None, converted, None, "invalid")
    return SubscriberNumber(original, "+84" + national[1:], converted, carrier_name, None, restored)


def mask_phone(e164: str) -> str:
    """0912345678 → 091****678: enough to tell numbers apart, not enough to call."""
    national = "0" + e164[3:] if e164.startswith("+84") else e164
    return national[:3] + "*" * (len(national) - 6) + national[-3:]
