"""``lib.text.fold``: lower case without diacritics, as search and address matching read names."""

import unicodedata

import pytest

from switchoff.lib.text import fold


def _reference(text: str) -> str:
    """Fold as defined: NFD, every combining mark (Mn) dropped, đ/Đ to d/D, spaces collapsed, lower case."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn").replace("đ", "d")
    return " ".join(stripped.replace("Đ", "D").split()).lower()


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Phường Hoàng Văn Thụ", "phuong hoang van thu"),
        ("  ĐẮK   LẮK ", "dak lak"),
        ("Xã Đồng Đăng", "xa dong dang"),
        ("thon 5, p. nghia do, ha noi", "thon 5, p. nghia do, ha noi"),
        ("TP\tHà  Nội", "tp ha noi"),
        ("", ""),
    ],
)
def test_fold_vietnamese(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_fold_matches_its_definition_on_other_scripts_and_lone_marks() -> None:
    # Marks of other scripts, a lone combining acute, a precomposed letter with two marks, and letters kept.
    texts = ["Ångström naïve", "\u0301a\u0323", "Ệ ệ Ỡ", "ß Æ Ø ı", "हिन्दी", "שָׁלוֹם", "x\u00a0y", "Ω\u0342"]
    for text in texts:
        assert fold(text) == _reference(text), text
