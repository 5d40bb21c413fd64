from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from switchoff.lib.filelimits import FileRefused, check_upload, workbook_limits
from switchoff.units.models import UnitKind


class UnitForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ModelChoiceField(label=_("Kind"), queryset=UnitKind.objects.none())


class MergeForm(forms.Form):
    into = forms.TypedChoiceField(label=_("Merge into"), coerce=int)
    last_day = forms.DateField(label=_("Last day of validity (dd/mm/yyyy)"))


class CoverageForm(forms.Form):
    villages = forms.TypedMultipleChoiceField(
        label=_("Villages covered"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )


class WorkbookForm(forms.Form):
    file = forms.FileField(label=_("Workbook (.xlsx)"))

    def clean_file(self) -> UploadedFile[bytes]:
        upload: UploadedFile[bytes] = self.cleaned_data["file"]
        try:
            check_upload(upload, workbook_limits())
        except FileRefused as exc:
            raise forms.ValidationError(exc.message) from None
        return upload


class KindForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = UnitKind
        fields = ["name", "name_en", "covers_area", "order"]
