"""A table cell's value as the dashboard shows it: a number in the reader's format (1.234,5), text as it is."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def cell(value: Any) -> str:
    """``None`` as a dash; a number with grouping and at most one decimal; anything else as text."""
    if value is None:
        return "–"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and not value.is_integer():
        return number_format(value, 1, force_grouping=True)
    return number_format(int(value), force_grouping=True)
