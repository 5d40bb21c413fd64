"""A phone's name from its browser: "Samsung SM-A105F", read by ua-parser (the uap-core rules) from the
User-Agent or, where Chrome reduced it ("Android 10; K"), from the model Client Hint (``Sec-CH-UA-Model``)."""

from __future__ import annotations

from ua_parser import parse

# Chrome's reduced User-Agent names every Android phone "K": no model to read there.
_NO_MODEL = {"", "K"}


def phone_name(user_agent: str, model_hint: str = "") -> str:
    """The brand and model ("Samsung SM-A105F", "XiaoMi Redmi Note 8"), else the system ("iPhone", "Android",
    "Windows"), else ""."""
    model = model_hint.strip().strip('"')
    if model and model not in _NO_MODEL:
        # The hint carries the model only: read it as a User-Agent would give it, for its brand.
        found = parse(f"Mozilla/5.0 (Linux; Android 10; {model}) AppleWebKit/537.36 Mobile Safari/537.36").device
        if found is not None and found.brand and not found.brand.startswith("Generic"):
            return f"{found.brand} {found.model or model}"[:100]
        return model[:100]
    result = parse(user_agent[:1000])
    device = result.device
    if device is not None and device.model not in _NO_MODEL:
        if device.brand and not device.brand.startswith("Generic") and device.model:
            return f"{device.brand} {device.model}"[:100]
        if device.family and device.family not in {"Other", "Spider"}:
            return device.family[:100]
    if result.os is not None and result.os.family != "Other":
        return result.os.family[:100]
    return ""
