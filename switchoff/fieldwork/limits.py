"""The limits of what a visit holds: one source for the API, the page's form, the field app's form and the database.

The field app receives them in its shell (``fieldapp.views``), so a visit its form accepts is one the
server accepts; the service (``services.visits``) checks them per visit and names the field.
"""

from __future__ import annotations

NOTE_MAX = 2000
REASON_MAX = 300
MOVED_TO_MAX = 300
DEVICE_MODEL_MAX = 120
FOUND_NAME_MAX = 200
FOUND_NUMBER_MAX = 40
FOUND_ADDRESS_MAX = 300
HOUSEHOLD_MAX = 20


def as_dict() -> dict[str, int]:
    """For the field app's forms (``maxlength``), keyed by the visit's field."""
    return {
        "note": NOTE_MAX,
        "reason": REASON_MAX,
        "moved_to": MOVED_TO_MAX,
        "device_model": DEVICE_MODEL_MAX,
        "name": FOUND_NAME_MAX,
        "number": FOUND_NUMBER_MAX,
        "address": FOUND_ADDRESS_MAX,
        "household": HOUSEHOLD_MAX,
    }
