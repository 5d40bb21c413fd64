"""Vietnamese phone numbers, parsed by ``phonenumbers``."""

from __future__ import annotations

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
