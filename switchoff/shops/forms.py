from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from switchoff.lib.collation import vi_order
from switchoff.units.models import Unit

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


class PlaceChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        parent = obj.parent.name if obj.kind.category == "village" and obj.parent else ""
        return f"{obj.name} ({parent})" if parent else str(obj.name)


class ShopForm(forms.Form):
    place = PlaceChoice(label=_("Commune or village"), queryset=Unit.objects.none())
    name = forms.CharField(label=_("Shop's name"), max_length=200)
    owner_name = forms.CharField(label=_("Owner"), max_length=200, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=16, required=False)
    dealer_of = forms.ModelChoiceField(
        label=_("Dealer of"), queryset=Unit.objects.none(), required=False, empty_label=_("independent")
    )

    def __init__(self, *args: Any, places: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = places.select_related("kind", "parent").order_by("path")  # type: ignore[attr-defined]
        self.fields["dealer_of"].queryset = Unit.objects.filter(  # type: ignore[attr-defined]
            kind__code="operator_branch", valid_to__isnull=True
        ).order_by(vi_order("name"))


class InspectionForm(forms.Form):
    inspected_on = forms.DateField(label=_("Inspected on (dd/mm/yyyy)"), input_formats=DATE_FORMATS)
    informed = forms.BooleanField(label=_("The shop was told not to sell phones without 4G"), required=False)
    commitment_signed = forms.BooleanField(label=_("The shop signed the commitment"), required=False)
    commitment = forms.FileField(label=_("Scan of the commitment (optional)"), required=False)
    phones = forms.CharField(
        label=_("Phones without 4G found on sale"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("One a line: the IMEI (dial *#06#, or read it on the box) or the brand and model."),
    )
    follow_up_on = forms.DateField(label=_("Follow up on (dd/mm/yyyy)"), input_formats=DATE_FORMATS, required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
    key = forms.UUIDField(widget=forms.HiddenInput)


class ShopImportForm(forms.Form):
    commune = PlaceChoice(label=_("Commune"), queryset=Unit.objects.none())
    file = forms.FileField(
        label=_("The commune's workbook of shops (XLSX, XLS, CSV or TXT)"),
        help_text=_(
            "Columns: shop's name, owner, address, village, phone, dealer of which operator"
            " (the header's words may differ)."
        ),
    )

    def __init__(self, *args: Any, communes: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = communes.select_related("kind").order_by(vi_order("name"))  # type: ignore[attr-defined]
