"""What the pages of support programmes and shops share about forms: a service's refusal shown on the form, and a
spreadsheet uploaded through it read with the shared reader (its refusal shown under the file field)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.forms import Form

from switchoff.lib.filelimits import FileRefused
from switchoff.lib.sheets import ReadResult, UnreadableFile, read_file


def errors_into(form: Form, error: ValidationError) -> None:
    """A service's refusal on the form: field errors under their field, the rest above it."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def read_uploaded_sheet(form: Form, field: str = "file") -> ReadResult | None:
    """The valid form's uploaded table read through the shared reader, or None with the reason on ``field``."""
    upload = form.cleaned_data[field]
    try:
        return read_file(upload.read(), upload.name or "list")
    except (UnreadableFile, FileRefused) as error:
        form.add_error(field, str(getattr(error, "message", error)))
        return None
