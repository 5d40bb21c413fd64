"""The catalogue's forms that programmes and shops count into (deliveries, shops informed, inspections), for the
campaigns that exist already (a new campaign gets them from ``campaigns.catalogue``)."""

from typing import Any

from django.db import migrations

# As this migration knows them (the catalogue module may change later):
# code, name, name in English, unit of count, in English, in English for one.
FORMS = [
    ("support_delivery", "Hỗ trợ điện thoại 4G, gói cước (chương trình hỗ trợ)",
     "Support given: 4G phones and tariffs (programmes)", "suất", "deliveries", "delivery"),
    ("shop_informed", "Thông báo cửa hàng kinh doanh điện thoại", "Phone shops informed", "cửa hàng", "shops", "shop"),
    ("shop_inspection", "Kiểm tra cửa hàng kinh doanh điện thoại", "Phone shop inspections", "lượt kiểm tra",
     "inspections", "inspection"),
]  # fmt: skip
DIRECT = "Trực tiếp"  # the catalogue's medium "in person"


def add_forms(apps: Any, schema_editor: Any) -> None:
    campaign_model = apps.get_model("campaigns", "Campaign")
    form_model = apps.get_model("campaigns", "CommunicationForm")
    for campaign in campaign_model.objects.all():
        codes = set(campaign.forms.values_list("code", flat=True))
        order = max(campaign.forms.values_list("order", flat=True), default=0)
        direct = campaign.media.filter(name=DIRECT).first()
        for code, name, name_en, unit, unit_en, unit_en_one in FORMS:
            if code in codes:
                continue
            order += 1
            form = form_model.objects.create(
                campaign=campaign, code=code, name=name, name_en=name_en, count_unit=unit, count_unit_en=unit_en,
                count_unit_en_one=unit_en_one, order=order,
            )  # fmt: skip
            if direct is not None:
                form.media.add(direct)


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0006_synonym_proposals_and_english_singular"),
        ("programmes", "0001_programmes_referrals_deliveries"),
    ]

    operations = [migrations.RunPython(add_forms, migrations.RunPython.noop)]
