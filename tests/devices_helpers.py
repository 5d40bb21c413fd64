"""A small device table in the GSMA export's shape, with one model of each kind, and valid IMEIs for it."""

from __future__ import annotations

from collections.abc import Sequence

from stdnum import luhn

GSMA_HEADER = (
    "TAC|Marketing Name|Internal Model Name|Manufacturer|Bands|Allocation Date|Country Code|Fixed Code|"
    "Manufacturer Code|Radio Interface|Brand Name|Model Name|Operating System|NFC|Bluetooth|WLAN|Device Type"
)
# tac, marketing name, manufacturer, bands, radio interface, brand, model
MODELS = [
    ("35000001", "Torch 2G", "Acme Mobile Ltd", "GSM 900,GSM 1800", "NONE", "Acme", "Torch 2G"),
    ("35000002", "Lantern 3G", "Acme Mobile Ltd", "GSM 900,GSM 1800,WCDMA FDD Band I", "NONE", "Acme", "Lantern 3G"),
    ("35000003", "Beacon 4G", "Acme Mobile Ltd", "GSM 900,WCDMA FDD Band I,LTE FDD BAND 3", "NONE", "Acme", "Beacon"),
    ("35000004", "Pharos 5G", "Acme Mobile Ltd", "GSM 900,LTE FDD BAND 3", "NR n78", "Acme", "Pharos"),
]


def gsma_table(rows: Sequence[tuple[str, ...]] | None = None) -> bytes:
    lines = [GSMA_HEADER]
    for tac, marketing, maker, bands, radio, brand, model in rows or MODELS:
        lines.append(
            f"{tac}|{marketing}|X1|{maker}|{bands}|01-Jan-2020|VN|N|M1|{radio}|{brand}|{model}|KaiOS|N|Y|N|"
            "Mobile Phone/Feature phone"
        )
    return ("\n".join(lines) + "\n").encode()


def imei_of(tac: str, serial: str = "123456") -> str:
    body = tac + serial
    return body + luhn.calc_check_digit(body)
