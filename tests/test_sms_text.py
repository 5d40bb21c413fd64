"""The length of a text in SMS parts: GSM-7 or UCS-2 (Vietnamese with diacritics), and the unaccented variant."""

from __future__ import annotations

from switchoff.lib.sms_text import Measure, measure, unaccented

VI = (
    "Từ ngày 16/9/2024 nhà mạng dừng sóng 2G. Máy của Quý khách chỉ dùng 2G, hãy đổi máy 4G. "
    "Soạn TC gửi 1234 để từ chối."
)


def test_vietnamese_with_diacritics_goes_as_ucs2_and_its_unaccented_variant_as_gsm7() -> None:
    assert measure(VI) == Measure("UCS-2", len(VI), 2)
    plain = unaccented(VI)
    assert plain.startswith("Tu ngay 16/9/2024 nha mang dung song 2G. May cua Quy khach chi dung 2G, hay doi may 4G.")
    assert measure(plain) == Measure("GSM-7", len(plain), 1)


def test_the_limits_of_one_part_and_of_concatenated_parts() -> None:
    assert measure("") == Measure("GSM-7", 0, 0)
    assert measure("a" * 160).parts == 1 and measure("a" * 161).parts == 2
    assert measure("a" * 306).parts == 2 and measure("a" * 307).parts == 3
    assert measure("ă" * 70).parts == 1 and measure("ă" * 71).parts == 2 and measure("ă" * 135).parts == 3
    # The euro sign and braces take two septets each.
    assert measure("€" * 80) == Measure("GSM-7", 160, 1) and measure("€" * 81).parts == 2


def test_unaccented_keeps_case_and_the_d_with_stroke() -> None:
    assert unaccented("Đổi máy ĐIỆN THOẠI ở Lạng Sơn") == "Doi may DIEN THOAI o Lang Son"
