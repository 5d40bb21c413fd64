from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ListFileForm(forms.Form):
    file = forms.FileField(label=_("The operator's file (XLSX, XLS, CSV or TXT)"))
