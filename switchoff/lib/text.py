"""Text helpers for Vietnamese names, and for text written into spreadsheets."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


class _Unmarked(dict[int, int | None]):
    """``str.translate``'s table for ``fold``: combining marks (Unicode category Mn) dropped, đ and Đ to d and D,
    every other character kept. Filled as characters are met (a text holds few different ones), so the loop
    over characters runs in C rather than in Python, one lookup each."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.category(chr(code)) == "Mn" else code
        self[code] = kept
        return kept


_UNMARKED = _Unmarked({ord("đ"): ord("d"), ord("Đ"): ord("D")})


def fold(text: str) -> str:
    """Lower-case ``text`` and strip Vietnamese diacritics, so search works without them.

    "Phường Hoàng Văn Thụ" becomes "phuong hoang van thu". The letter đ is not a
    combining mark in Unicode, so it is mapped by hand after decomposition.
    """
    if text.isascii():  # nothing to decompose or strip (the folded forms a national list repeats)
        return _SPACES.sub(" ", text).strip().lower()
    stripped = unicodedata.normalize("NFD", text).translate(_UNMARKED)
    return _SPACES.sub(" ", stripped).strip().lower()


# What makes a spreadsheet read a cell as a formula; a leading tab or carriage return is skipped
# by some (and by a CSV round trip), so it counts too.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def excel_safe(value: object) -> object:
    """Text as it may go into a spreadsheet cell: one starting with = + - @ (or tab, CR) would become a formula.

    Such text is quoted with an apostrophe, the spreadsheet sign for "text".
    Writers call it through ``lib.xlsx``, which every workbook goes through.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def is_id(text: str) -> bool:
    """Whether a value typed or sent (a query parameter, a form field, a cookie) is a whole number that ``int``
    reads and a database column holds: ASCII digits only ("²" is a digit to ``str.isdigit``, not to ``int``), at
    most 18 of them (within a 64-bit integer: 10²⁵ is past every id column and breaks hand-written SQL)."""
    return text.isascii() and text.isdigit() and len(text) <= 18
