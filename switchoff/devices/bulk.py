"""Classifying many IMEIs at once: a table of TACs and their verdicts built once, then array operations.

A million IMEIs are one string join, one reshape into a matrix of digits, the
Luhn sum as two column sums, the TAC as a dot product and one binary search in
the sorted TACs: no loop per IMEI in Python and no query. IMEIs that are not
15 plain ASCII characters (spaces, dashes, 14 or 16 digits, letters) are few
and go through ``imei.parse_imei`` one by one; a test holds both paths equal to
python-stdnum.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from switchoff.devices.imei import parse_imei
from switchoff.devices.verdicts import Answer, Stops, Verdict, verdict_of

VERDICTS: tuple[Verdict, ...] = tuple(Verdict)
REASON_CODES: tuple[str, ...] = ("", "empty", "letters", "length", "luhn")
_V = {v: i for i, v in enumerate(VERDICTS)}
_R = {r: i for i, r in enumerate(REASON_CODES)}
_INVALID = _V[Verdict.INVALID]
_UNKNOWN = _V[Verdict.UNKNOWN]
# Luhn: every second digit from the right (the check digit is the last) is doubled, its digits added.
_DOUBLED = np.array([0, 2, 4, 6, 8, 1, 3, 5, 7, 9], dtype=np.uint8)
_TAC_WEIGHTS = 10 ** np.arange(7, -1, -1, dtype=np.int64)


@dataclass
class Classified:
    """Per IMEI, in the order given: the index of its verdict in ``VERDICTS``, of its reason in ``REASON_CODES``,
    and whether the model is a 2G-only one not on the ministry's list."""

    verdicts: npt.NDArray[np.uint8]
    reasons: npt.NDArray[np.uint8]
    uncertified: npt.NDArray[np.bool_]

    def verdict(self, i: int) -> Verdict:
        return VERDICTS[int(self.verdicts[i])]

    def reason(self, i: int) -> str:
        return REASON_CODES[int(self.reasons[i])]


class Classifier:
    """The device table as sorted arrays: TAC → verdict index and uncertified flag."""

    def __init__(self, rows: Iterable[tuple[str, int, bool]], stops: Stops) -> None:
        by_kind: dict[tuple[int, bool], Answer] = {}
        tacs: list[int] = []
        codes: list[int] = []
        flags: list[bool] = []
        for tac, radio, certified in rows:
            answer = by_kind.get((radio, certified))
            if answer is None:
                answer = by_kind[(radio, certified)] = verdict_of(radio, stops, certified_2g_only=certified)
            tacs.append(int(tac))
            codes.append(_V[answer.verdict])
            flags.append(answer.uncertified)
        order = np.argsort(np.array(tacs, dtype=np.int64), kind="stable")
        self.tacs = np.array(tacs, dtype=np.int64)[order]
        self.codes = np.array(codes, dtype=np.uint8)[order]
        self.flags = np.array(flags, dtype=np.bool_)[order]
        self.stops = stops

    def _lookup(self, tac: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.bool_]]:
        if not len(self.tacs):
            return np.full(len(tac), _UNKNOWN, dtype=np.uint8), np.zeros(len(tac), dtype=np.bool_)
        index = np.minimum(np.searchsorted(self.tacs, tac), len(self.tacs) - 1)
        found = self.tacs[index] == tac
        return np.where(found, self.codes[index], _UNKNOWN).astype(np.uint8), found & self.flags[index]

    def classify(self, imeis: Sequence[str]) -> Classified:
        """The verdict of each IMEI (text as typed or read from a file)."""
        n = len(imeis)
        verdicts = np.full(n, _INVALID, dtype=np.uint8)
        reasons = np.zeros(n, dtype=np.uint8)
        uncertified = np.zeros(n, dtype=np.bool_)
        lengths = np.fromiter(map(len, imeis), dtype=np.int64, count=n)
        plain = lengths == 15
        text = "".join(itertools.compress(imeis, plain))
        if not text.isascii():
            # Rare: a 15-character text with a non-ASCII sign; those go the slow way.
            ascii_ok = np.fromiter((s.isascii() for s in imeis), dtype=np.bool_, count=n)
            plain &= ascii_ok
            text = "".join(itertools.compress(imeis, plain))
        where = np.flatnonzero(plain)
        if len(where):
            digits = (np.frombuffer(text.encode("ascii"), dtype=np.uint8).reshape(-1, 15) - 48).astype(np.uint8)
            numeric = (digits < 10).all(axis=1)
            safe = np.minimum(digits, 9)
            luhn = (
                safe[:, 0::2].sum(axis=1, dtype=np.int64) + _DOUBLED[safe[:, 1::2]].sum(axis=1, dtype=np.int64)
            ) % 10
            good = numeric & (luhn == 0)
            codes, flags = self._lookup(safe[:, :8].astype(np.int64) @ _TAC_WEIGHTS)
            verdicts[where] = np.where(good, codes, _INVALID)
            uncertified[where] = good & flags
            reasons[where] = np.where(good, 0, np.where(numeric, _R["luhn"], _R["letters"]))
        for i in np.flatnonzero(~plain).tolist():
            parsed = parse_imei(imeis[i])
            if parsed.valid:
                code, flag = self._lookup(np.array([int(parsed.tac)], dtype=np.int64))
                verdicts[i], uncertified[i] = code[0], flag[0]
            else:
                reasons[i] = _R[parsed.reason]
        return Classified(verdicts, reasons, uncertified)
