from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from switchoff.lib.phones import mask_phone, parse_subscriber_number


@pytest.mark.parametrize(
    ("raw", "e164", "converted"),
    [
        ("0912345678", "+84912345678", False),
        ("0912 345 678", "+84912345678", False),
        ("0912.345.678", "+84912345678", False),
        ("+84 912-345-678", "+84912345678", False),
        ("84912345678", "+84912345678", False),
        (912345678, "+84912345678", False),
        (912345678.0, "+84912345678", False),
        ("912345678", "+84912345678", False),
        ("01623456789", "+84323456789", True),
        ("0120 345 6789", "+84703456789", True),
        ("01863456789", "+84563456789", True),
        ("01993456789", "+84593456789", True),
        ("+84 1273456789", "+84813456789", True),
    ],
)
def test_written_forms_give_todays_number(raw: object, e164: str, converted: bool) -> None:
    number = parse_subscriber_number(raw)
    assert (number.e164, number.converted_from_legacy, number.problem) == (e164, converted, None)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [("", "empty"), (None, "empty"), ("09l2345678", "not_a_number"), ("0112345678", "invalid"), ("091234", "invalid")],
)
def test_bad_numbers_name_their_problem(raw: object, problem: str) -> None:
    assert parse_subscriber_number(raw).problem == problem


def test_carrier_comes_from_the_prefix() -> None:
    assert parse_subscriber_number("0323456789").carrier == "Viettel"
    assert parse_subscriber_number("0912345678").carrier == "Vinaphone"


def test_mask_keeps_the_ends_only() -> None:
    assert mask_phone("+84912345678") == "091****678"


@given(st.from_regex(r"0(3[2-9]|5[689]|7[06-9]|8[1-9]|9[0-46-9])[0-9]{7}", fullmatch=True))
def test_agrees_with_phonenumbers_on_every_mobile_number(national: str) -> None:
    ours = parse_subscriber_number(national)
    theirs = phonenumbers.parse(national, "VN")
    assert (ours.e164 is not None) == phonenumbers.is_valid_number(theirs)
    if ours.e164:
        assert ours.e164 == phonenumbers.format_number(theirs, phonenumbers.PhoneNumberFormat.E164)
