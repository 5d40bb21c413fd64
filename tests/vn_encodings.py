"""Writing test fixtures the way Vietnamese Windows PCs do."""

from __future__ import annotations

import unicodedata

TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def to_cp1258(text: str) -> bytes:
    """Windows-1258 has precomposed â, ă, ê, ô, ơ, ư, đ but writes the five tones as combining marks."""
    out = []
    for char in text:
        parts = unicodedata.normalize("NFD", char)
        tones = "".join(p for p in parts if p in TONES)
        base = unicodedata.normalize("NFC", "".join(p for p in parts if p not in TONES))
        out.append(base + tones)
    return "".join(out).encode("cp1258")
