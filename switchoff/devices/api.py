"""API of the device check: classify one IMEI or a batch, for operators and shops (any API token)."""

from __future__ import annotations

from collections import Counter

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from switchoff.devices.answers import explain
from switchoff.devices.bulk import REASON_CODES, Classifier
from switchoff.devices.imei import REASONS
from switchoff.devices.selectors import build_classifier, campaign_stops, check_imei, current_campaign
from switchoff.devices.services import verdicts_tally
from switchoff.devices.verdicts import Answer, Verdict

BATCH_MAX = 10_000
router = Router()


class ImeisIn(Schema):
    imeis: list[str] = Field(max_length=BATCH_MAX, description=f"Up to {BATCH_MAX:,} IMEIs as typed or read.")
    imeisv: bool = Field(
        default=False, description="The numbers are IMEISVs: 16 digits are read as their IMEI (else 'long')."
    )


class VerdictOut(Schema):
    imei: str
    verdict: str = Field(description="stops | until_3g | calls_stop | fine | unknown | invalid")
    reason: str = Field(
        description="Why an IMEI is invalid: empty | letters | length | short (14 digits) | long (16 digits, "
        "not said to be an IMEISV) | luhn; '' otherwise."
    )
    uncertified: bool = Field(description="A 2G-only model not on the ministry's list of certified models.")
    message: str = Field(description="The verdict (or the reason) in plain words, in the caller's language.")


class BatchOut(Schema):
    results: list[VerdictOut]
    totals: dict[str, int]


def _classify(imeis: list[str], classifier: Classifier, *, tally: bool, imeisv: bool = False) -> BatchOut:
    result = classifier.classify(imeis, imeisv=imeisv)
    words: dict[tuple[int, int, bool], str] = {}
    out = []
    totals: Counter[str] = Counter()
    for i, imei in enumerate(imeis):
        key = (int(result.verdicts[i]), int(result.reasons[i]), bool(result.uncertified[i]))
        verdict, reason = result.verdict(i), REASON_CODES[key[1]]
        if key not in words:
            on = {Verdict.STOPS: classifier.stops.g2, Verdict.UNTIL_3G: classifier.stops.g3}.get(verdict)
            words[key] = str(REASONS[reason]) if reason else explain(Answer(verdict, on, key[2])).headline
        totals[verdict.value] += 1
        out.append(
            VerdictOut(imei=imei[:40], verdict=verdict.value, reason=reason, uncertified=key[2], message=words[key])
        )
    if tally:
        verdicts_tally(verdicts=totals)
    return BatchOut(results=out, totals=dict(totals))


@router.get("/imei/{imei}", response=VerdictOut, summary="Classify one IMEI")
def classify_one(request: HttpRequest, imei: str, imeisv: bool = False) -> VerdictOut:
    """One IMEI, one query (``imeisv``: a 16-digit IMEISV, read as its IMEI). A read: not added to the counts per
    verdict (a GET writes nothing)."""
    if len(imei) > 40:
        raise HttpError(422, "imei")
    stops = campaign_stops(current_campaign())
    checked = check_imei(imei, stops, imeisv=imeisv)
    reason = checked.parsed.reason if checked.parsed else ""
    return VerdictOut(
        imei=imei,
        verdict=checked.answer.verdict.value,
        reason=reason,
        uncertified=checked.answer.uncertified,
        message=str(REASONS[reason]) if reason else explain(checked.answer).headline,
    )


@router.post("/classify", response=BatchOut, summary=f"Classify a batch of up to {BATCH_MAX:,} IMEIs")
def classify_batch(request: HttpRequest, payload: ImeisIn) -> BatchOut:
    if any(len(i) > 40 for i in payload.imeis):
        raise HttpError(422, "imei")
    return _classify(
        payload.imeis, build_classifier(campaign_stops(current_campaign())), tally=True, imeisv=payload.imeisv
    )
