from __future__ import annotations

import datetime
from typing import Any

from django import template

from switchoff.lib.links import is_http_url

register = template.Library()


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    return mapping.get(key, "") if hasattr(mapping, "get") else ""


@register.simple_tag
def cell_name(day: datetime.date, form: Any) -> str:
    """The input name of one cell of the days × forms grid."""
    return f"c-{day:%Y%m%d}-{form.pk}"


@register.filter
def http_link(value: Any) -> str:
    """The address itself if it is an http(s) link, else "" (a stored ``javascript:`` is never rendered)."""
    return value if is_http_url(value) else ""


@register.filter
def counted(count: int | None, form: Any) -> str:
    """A count with its form's unit of count, as the reader's language writes it: "1 session", "1.200 tờ"."""
    from django.contrib.humanize.templatetags.humanize import intcomma

    return f"{intcomma(count or 0)} {form.count_unit_for(count)}"
