from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from switchoff.campaigns.models import Campaign
from switchoff.lib.collation import vi_order
from switchoff.lib.text import fold
from switchoff.programmes.models import Benefit, Category, Programme, Sponsor
from switchoff.programmes.services import StockLine
from switchoff.units.models import Unit, UnitKind

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
_STOCK_LINE = re.compile(r"^(?P<name>.+?)\s*[:;,\t]\s*(?P<n>[\d.\s]+)$")


class UnitChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class ProgrammeForm(forms.Form):
    campaign = forms.ModelChoiceField(label=gettext_lazy("Campaign"), queryset=Campaign.objects.none())
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    sponsor = forms.ChoiceField(label=gettext_lazy("Sponsor"), choices=Sponsor.choices)
    sponsor_name = forms.CharField(
        label=gettext_lazy("Sponsor's name"),
        max_length=200,
        help_text=gettext_lazy("e.g. Viettel, Quỹ Dịch vụ viễn thông công ích"),
    )
    owner = UnitChoice(label=gettext_lazy("Run by"), queryset=Unit.objects.none())
    benefit = forms.ChoiceField(label=gettext_lazy("Benefit"), choices=Benefit.choices)
    benefit_detail = forms.CharField(
        label=gettext_lazy("Benefit in detail"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("e.g. free, or 500,000 VND with a 6-month package"),
    )
    categories = forms.MultipleChoiceField(
        label=gettext_lazy("Households who qualify (none ticked: any household)"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    operator = UnitChoice(
        label=gettext_lazy("Only subscribers of"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=gettext_lazy("any operator"),
    )
    conditions = forms.CharField(
        label=gettext_lazy("Other conditions"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )
    documents = forms.CharField(
        label=gettext_lazy("Documents to bring"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )
    area = UnitChoice(label=gettext_lazy("Area"), queryset=Unit.objects.none())
    starts_on = forms.DateField(label=gettext_lazy("From (dd/mm/yyyy)"), input_formats=DATE_FORMATS)
    ends_on = forms.DateField(label=gettext_lazy("Until (dd/mm/yyyy)"), input_formats=DATE_FORMATS)
    stock = forms.CharField(
        label=gettext_lazy("Stock per area"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=gettext_lazy(
            "One area a line: its name, a colon, the quantity (Phường Lương Văn Tri: 200). Empty: no limit."
        ),
    )

    def __init__(
        self,
        *args: Any,
        campaigns: QuerySet[Campaign],
        owners: QuerySet[Unit],
        areas: QuerySet[Unit],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = campaigns  # type: ignore[attr-defined]
        self.fields["owner"].queryset = owners.order_by(vi_order("name"))  # type: ignore[attr-defined]
        self.fields["area"].queryset = areas.filter(  # type: ignore[attr-defined]
            valid_to__isnull=True, kind__category__in=[UnitKind.Category.PROVINCE, UnitKind.Category.COMMUNE]
        ).order_by("path")
        self.fields["operator"].queryset = Unit.objects.filter(  # type: ignore[attr-defined]
            kind__code="operator_branch", valid_to__isnull=True
        ).order_by(vi_order("name"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("starts_on"), data.get("ends_on")
        if isinstance(start, datetime.date) and isinstance(end, datetime.date) and end < start:
            self.add_error("ends_on", _("The end comes before the start."))
        area = data.get("area")
        if area is not None and "stock" in data:
            try:
                data["stock_lines"] = parse_stock(data["stock"], area)
            except forms.ValidationError as error:
                self.add_error("stock", error)
        return data

    def programme_fields(self) -> dict[str, Any]:
        names = ("name", "sponsor", "sponsor_name", "owner", "benefit", "benefit_detail", "categories", "operator")
        fields = {name: self.cleaned_data[name] for name in names}
        fields.update({n: self.cleaned_data[n] for n in ("conditions", "documents", "area", "starts_on", "ends_on")})
        return fields


def stock_text(programme: Programme) -> str:
    return "\n".join(
        f"{s.unit.name}: {s.quantity}" for s in programme.stocks.select_related("unit").order_by("unit__path")
    )


def parse_stock(text: str, area: Unit) -> list[StockLine]:
    """Lines "area name: quantity" within ``area``; every wrong line named by its number."""
    units = {
        u.search_name: u
        for u in Unit.objects.filter(valid_to__isnull=True, rollup_path__startswith=area.rollup_path).exclude(
            kind__category=UnitKind.Category.TEAM
        )
    }
    lines: list[StockLine] = []
    problems: list[str] = []
    seen: set[int] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = _STOCK_LINE.match(line)
        digits = re.sub(r"[.\s]", "", match["n"]) if match else ""
        if not match or not digits.isdigit():
            problems.append(_("Line %(n)s: write the area's name, a colon, then the quantity.") % {"n": number})
            continue
        unit = units.get(fold(match["name"]))
        if unit is None:
            problems.append(
                _("Line %(n)s: “%(name)s” is not an area within %(area)s.")
                % {"n": number, "name": match["name"], "area": area.name}
            )
        elif unit.pk in seen:
            problems.append(_("Line %(n)s: %(name)s is written twice.") % {"n": number, "name": unit.name})
        else:
            seen.add(unit.pk)
            lines.append(StockLine(unit=unit, quantity=int(digits)))
    if problems:
        raise forms.ValidationError(problems)
    return lines


class ReferForm(forms.Form):
    programme = forms.ModelChoiceField(label=gettext_lazy("Programme"), queryset=Programme.objects.none())
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, programmes: QuerySet[Programme], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes  # type: ignore[attr-defined]


class DecideForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why (required to refuse)"), max_length=300, required=False)


class DeliveryForm(forms.Form):
    delivered_on = forms.DateField(label=gettext_lazy("Delivered on (dd/mm/yyyy)"), input_formats=DATE_FORMATS)
    place = forms.CharField(label=gettext_lazy("Place"), max_length=200, required=False)
    imei = forms.CharField(label=gettext_lazy("IMEI of the phone (15 digits)"), max_length=40, required=False)
    key = forms.UUIDField(widget=forms.HiddenInput)


class DeliveryListForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("The list (XLSX, XLS, CSV or TXT)"),
        help_text=gettext_lazy("Columns: number, IMEI, date, store (the header's words may differ)."),
    )


class HouseholdListForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("The commune's workbook (XLSX, XLS, CSV or TXT)"),
        help_text=gettext_lazy(
            "Columns: head of household, address, village, category, certificate number, year"
            " (the header's words may differ)."
        ),
    )
    year = forms.IntegerField(label=gettext_lazy("Year of the list"), min_value=2000, max_value=2100)
