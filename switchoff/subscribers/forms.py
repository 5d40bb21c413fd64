from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from switchoff.lib.filelimits import FileRefused, Limits, check_upload, list_limits

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise  # the stubs' name for a lazy translation


class ListFileForm(forms.Form):
    """One uploaded sheet (XLSX, XLS, CSV or TXT), refused here when it is larger than ``limits`` allow.

    An operator's list by default; the device check's pages give their own label and limits.
    """

    file = forms.FileField(label=_("The operator's file (XLSX, XLS, CSV or TXT)"))

    def __init__(self, *args: Any, label: str | _StrPromise | None = None, limits: Limits | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if label is not None:
            self.fields["file"].label = label
        self.limits = limits or list_limits()

    def clean_file(self) -> UploadedFile[bytes]:
        upload: UploadedFile[bytes] = self.cleaned_data["file"]
        try:
            check_upload(upload, self.limits)
        except FileRefused as exc:
            raise forms.ValidationError(exc.message) from None
        return upload
