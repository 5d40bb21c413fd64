from __future__ import annotations

import datetime
from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    return mapping.get(key, "") if hasattr(mapping, "get") else ""


@register.simple_tag
def cell_name(day: datetime.date, form: Any) -> str:
    """The input name of one cell of the days × forms grid."""
    return f"c-{day:%Y%m%d}-{form.pk}"
