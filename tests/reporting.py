"""Helpers for the reporting tests: a campaign over the test world."""

from __future__ import annotations

import datetime

from switchoff.campaigns.models import Campaign
from switchoff.campaigns.services import assignments_add, campaign_create
from tests.conftest import World


def make_campaign(world: World, **extra: object) -> Campaign:
    """A campaign from 7/2024 to 12/2024 over the test world; ``extra`` overrides any setting."""
    settings: dict[str, object] = {
        "start_date": datetime.date(2024, 7, 1),
        "end_date": datetime.date(2024, 12, 31),
        "cutoff_date": datetime.date(2024, 9, 16),
    }
    settings.update(extra)
    campaign = campaign_create(
        actor=None,
        name="Lộ trình dừng công nghệ di động 2G",
        area=world.province,
        coordinating_unit=world.office,
        recipient_name="Sở Thông tin và Truyền thông tỉnh Lạng Sơn",
        issuing_body="ỦY BAN NHÂN DÂN THÀNH PHỐ LẠNG SƠN|PHÒNG VĂN HÓA VÀ THÔNG TIN",
        place_name="Lạng Sơn",
        signer_title="Trưởng phòng",
        signer_name="Nguyễn Văn A",
        **settings,  # type: ignore[arg-type]
    )
    assignments_add(
        actor=None, campaign=campaign, kind_codes=["people_committee", "operator_branch"], within=world.province
    )
    return campaign
