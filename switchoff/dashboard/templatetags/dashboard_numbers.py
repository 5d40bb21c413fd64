"""A table cell's value as the dashboard shows it: a number in the reader's format (1.234,5), text as it is.

``Numbers`` reads the language's separators once and formats thousands of cells without going through
``number_format`` for each (a large province's page holds a few thousand figures); ``cell`` is the same
rule as a template filter.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import get_format

register = template.Library()


class Numbers:
    """The reader's number format, read once: grouping every three digits, one decimal at most."""

    def __init__(self) -> None:
        self.thousands = str(get_format("THOUSAND_SEPARATOR"))
        self.decimal = str(get_format("DECIMAL_SEPARATOR"))

    def _swap(self, text: str) -> str:
        return text.replace(",", "\0").replace(".", self.decimal).replace("\0", self.thousands)

    def integer(self, value: int) -> str:
        return f"{value:,}".replace(",", self.thousands)

    def one_decimal(self, value: float | None) -> str:
        """A share or a rate, always with its one decimal (25,0); a dash when there is none."""
        return "–" if value is None else self._swap(f"{value:,.1f}")

    def cell(self, value: Any) -> str:
        """``None`` as a dash; a number with grouping and at most one decimal; anything else as text."""
        if value is None:
            return "–"
        if isinstance(value, bool) or not isinstance(value, int | float):
            return str(value)
        if isinstance(value, float):
            if value.is_integer():
                return self.integer(int(value))
            return self._swap(f"{value:,.1f}")
        return self.integer(value)


@register.filter
def cell(value: Any) -> str:
    return Numbers().cell(value)
