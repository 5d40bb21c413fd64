"""Reading an IMEI as a person types it, with the reason when it is not one.

``parse_imei`` is the one check (python-stdnum decides); ``classify_many`` in
``bulk.py`` does the same for millions at once and a test holds the two equal.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from stdnum import imei as stdnum_imei
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError

# Why an IMEI was refused, by code (the API's ``reason``), in the reader's language.
REASONS = {
    "empty": _("No IMEI was entered."),
    "letters": _("An IMEI has only digits (letters or other signs were found)."),
    "length": _("An IMEI has 15 digits (14 without its check digit, 16 for an IMEISV)."),
    "luhn": _("The last digit (the check digit) does not match: a digit was probably mistyped."),
}
_SEPARATORS = str.maketrans("", "", " -./\t")


@dataclass(frozen=True)
class ParsedImei:
    imei: str  # digits only; "" when refused
    reason: str  # "" when valid, else a key of REASONS

    @property
    def tac(self) -> str:
        return self.imei[:8]

    @property
    def valid(self) -> bool:
        return not self.reason


def clean(text: str) -> str:
    return text.strip().translate(_SEPARATORS)


def parse_imei(text: str) -> ParsedImei:
    """The IMEI's digits (spaces, dashes and dots allowed between them), or why it is not an IMEI."""
    compact = clean(text)
    if not compact:
        return ParsedImei("", "empty")
    if not compact.isascii() or not compact.isdigit():
        return ParsedImei("", "letters")
    try:
        return ParsedImei(stdnum_imei.validate(compact), "")
    except InvalidFormat:
        return ParsedImei("", "letters")
    except InvalidLength:
        return ParsedImei("", "length")
    except InvalidChecksum:
        return ParsedImei("", "luhn")
    except ValidationError:  # pragma: no cover - stdnum's other errors
        return ParsedImei("", "letters")
