from __future__ import annotations

from pathlib import Path

from django.utils import translation

from switchoff.people.roles import PERMISSIONS, Perm, Role

ROOT = Path(__file__).resolve().parent.parent


def test_readme_roles_table_matches_the_code() -> None:
    text = (ROOT / "README.md").read_text()
    table = text.split("<!-- roles-table:start -->")[1].split("<!-- roles-table:end -->")[0].strip().splitlines()
    with translation.override("en"):
        expected = ["| Role | " + " | ".join(f"`{p.value}`" for p in Perm) + " |", "|" + "---|" * (len(Perm) + 1)]
        for role in Role:
            marks = " | ".join("✓" if p in PERMISSIONS[role] else "" for p in Perm)
            expected.append(f"| {role.label} (`{role.value}`) | {marks} |")
    assert table == expected
