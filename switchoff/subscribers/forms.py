from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from switchoff.lib.filelimits import FileRefused, check_upload, list_limits


class ListFileForm(forms.Form):
    file = forms.FileField(label=_("The operator's file (XLSX, XLS, CSV or TXT)"))

    def clean_file(self) -> UploadedFile[bytes]:
        upload: UploadedFile[bytes] = self.cleaned_data["file"]
        try:
            check_upload(upload, list_limits())
        except FileRefused as exc:
            raise forms.ValidationError(exc.message) from None
        return upload
