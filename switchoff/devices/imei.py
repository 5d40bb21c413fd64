"""Reading an IMEI as a person types it, with the reason when it is not one.

``parse_imei`` is the one check (python-stdnum decides); ``classify_many`` in
``bulk.py`` does the same for millions at once and a test holds the two equal.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from stdnum import imei as stdnum_imei
from stdnum import luhn
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError

# Why an IMEI was refused, by code (the API's ``reason``), in the reader's language.
REASONS = {
    "empty": _("No IMEI was entered."),
    "letters": _("An IMEI has only digits (letters or other signs were found)."),
    "length": _("An IMEI has 15 digits."),
    "short": _("One digit is missing: an IMEI has 15 digits. Dial *#06# and check the 15 digits under “IMEI”."),
    "long": _(
        "One digit too many: an IMEI has 15 digits (16 is the IMEISV, with the software version). Dial *#06# and "
        "check the 15 digits under “IMEI”."
    ),
    "luhn": _("The last digit (the check digit) does not match: a digit was probably mistyped."),
}


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
    """The text without the spaces, dashes, dots and slashes people write between digits."""
    # A chain of replace is several times quicker than str.translate (a bulk file's odd rows come here).
    return text.strip().replace(" ", "").replace("-", "").replace(".", "").replace("/", "").replace("\t", "")


def parse_imei(text: str, *, imeisv: bool = False) -> ParsedImei:
    """The IMEI's digits (spaces, dashes and dots allowed between them), or why it is not an IMEI.

    python-stdnum also takes 14 digits (an IMEI without its check digit) and 16 (an IMEISV); people
    who type 14 or 16 digits have nearly always missed or doubled one, so they are told so, and the
    15 digits to check. A 16-digit IMEISV is read as its IMEI (its first 14 digits and their check
    digit) only where the caller says the number is one (``imeisv``: an IMEISV column, the API's flag).
    """
    compact = clean(text)
    if not compact:
        return ParsedImei("", "empty")
    if not compact.isascii() or not compact.isdigit():
        return ParsedImei("", "letters")
    if len(compact) == 16 and imeisv:
        return ParsedImei(compact[:14] + luhn.calc_check_digit(compact[:14]), "")
    if len(compact) == 14:
        return ParsedImei("", "short")
    if len(compact) == 16:
        return ParsedImei("", "long")
    if len(compact) != 15:
        # What stdnum would say, without its cost (a bulk file's odd rows come here).
        return ParsedImei("", "length")
    try:
        return ParsedImei(stdnum_imei.validate(compact), "")
    except InvalidLength:  # a subclass of InvalidFormat: first
        return ParsedImei("", "length")
    except InvalidFormat:
        return ParsedImei("", "letters")
    except InvalidChecksum:
        return ParsedImei("", "luhn")
    except ValidationError:  # pragma: no cover - stdnum's other errors
        return ParsedImei("", "letters")
