"""Errors and warnings look like what they are wherever a page marks them (issue 21, finding 10).

The CSS coloured ``p.error``, ``ul.errorlist`` and ``.messages .error`` only: the list check's rows outside
the area (``tr.error``), its "addresses not recognised" line (``li.error``) and its count of errors
(``span.error``) looked like plain text, and the device import coloured every problem red, warnings too.
Every element a template marks ``error`` or ``warning`` (or its problem's level) must have a rule, red for
an error, amber for a warning.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.conftest import World, logged_in

ROOT = Path(__file__).resolve().parents[1] / "switchoff"
CSS = (ROOT / "static" / "css" / "app.css").read_text(encoding="utf-8")
TAG = re.compile(r"<(\w+)\b[^>]*?\bclass=\"([^\"]*)\"", re.S)


def rules() -> dict[str, str]:
    """Each selector of app.css and the declarations of its rule."""
    out: dict[str, str] = {}
    text = re.sub(r"/\*.*?\*/", "", CSS, flags=re.S)
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", text):
        for selector in selectors.split(","):
            out[" ".join(selector.split())] = out.get(" ".join(selector.split()), "") + body
    return out


def marked() -> set[tuple[str, str]]:
    """(element, "error" or "warning") for every element a template marks, the problem's level included."""
    found: set[tuple[str, str]] = set()
    for path in ROOT.rglob("templates/**/*.html"):
        for tag, classes in TAG.findall(path.read_text(encoding="utf-8")):
            if "p.level" in classes or "level ==" in classes:
                found |= {(tag, "error"), (tag, "warning")}
            for word in ("error", "warning"):
                if re.search(rf"(^|[\s}}]){word}($|[\s{{])", classes):
                    found.add((tag, word))
    return found


def test_every_element_marked_as_an_error_or_a_warning_is_coloured_as_such() -> None:
    styles = rules()
    found = marked()
    assert {("tr", "error"), ("li", "error"), ("span", "error"), ("tr", "warning"), ("p", "warning")} <= found
    for tag, word in sorted(found):
        if tag == "div" and word == "warning":
            continue  # .card.warning, a bordered card: its own rule
        colour = "var(--bad)" if word == "error" else "var(--warn)"
        declared = styles.get(f"{tag}.{word}", "") + styles.get(f"{tag}.{word} td", "")
        assert colour in declared, f'<{tag} class="{word}"> has no {colour} in app.css'
    # An error is never styled as a warning, nor the reverse; the rule that painted every problem red is gone.
    assert "var(--warn)" not in styles["tr.error td"] and "var(--bad)" not in styles["tr.warning td"]
    assert ".problems td:nth-child(5)" not in styles


@pytest.mark.django_db
def test_the_device_import_marks_each_problem_by_its_level(world: World) -> None:
    table = (
        "Mã TAC;Hãng sản xuất;Tên thương mại;2G;3G;4G;VoLTE;Hợp chuẩn\n"
        "35000001;Acme;Torch;Có;Không;Không;Không;Có\n"
        "3500;Acme;Short;Có;;;;\n"  # an error: a TAC has 8 digits
        "35000001;Acme;Again;Có;;;;\n"  # an error: the same TAC twice
        "35000012;Acme;Odd;Có;;;hmm;\n"  # a warning: neither yes nor no (read as no)
    ).encode()
    page = logged_in(world.coordinator).post(reverse("devices:import"), {"file": SimpleUploadedFile("tb.csv", table)})
    rows = re.findall(r'<tr class="(\w+)"><td data-label="[^"]*">(\d+)</td>', page.content.decode())
    levels = {row: level for level, row in rows}
    assert levels == {"3": "error", "4": "error", "5": "warning"}, rows
