from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy

from switchoff.maps import geojson


class BoundaryFileForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Boundaries (GeoJSON)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".geojson,.json,application/geo+json,application/json"}),
    )

    def clean_file(self) -> UploadedFile[bytes]:
        upload: UploadedFile[bytes] = self.cleaned_data["file"]
        if upload.size is not None and upload.size > geojson.MAX_BYTES:
            raise forms.ValidationError(geojson.too_large(upload.size))
        return upload
