"""Links that people type in and others click: web addresses only (http and https).

A ``javascript:`` or ``data:`` address stored as evidence would run in the
browser of whoever opens the activity log; an ``ftp:`` or ``file:`` one is no
evidence anyone can open. Services validate with ``validate_http_url``; pages
render a stored link only when ``is_http_url`` (rows stored before the check).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

HTTP_SCHEMES = ["http", "https"]

validate_http_url = URLValidator(
    schemes=HTTP_SCHEMES, message=_("Enter a web address that starts with http:// or https://.")
)


def is_http_url(value: object) -> bool:
    """Whether ``value`` is an http(s) address that may be rendered as a link."""
    if not isinstance(value, str) or not value:
        return False
    try:
        validate_http_url(value)
    except ValidationError:
        return False
    return True
