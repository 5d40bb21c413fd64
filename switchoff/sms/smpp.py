"""The SMPP 3.4 channel to an operator's SMSC, through smpplib: one transceiver bind per sending job.

The job submits a window of messages (``SMSC_<id>_WINDOW``) without waiting for each answer, then reads until
every submit of the window is answered; whatever else the SMSC sends meanwhile is kept for the job: delivery
receipts (``deliver_sm`` with the receipt flag of ``esm_class``) and subscribers' replies (``deliver_sm``
mobile-originated, where the opt-out keyword arrives). Each is answered with ``deliver_sm_resp`` at once, as
the protocol asks. Plain Python, no database: ``services`` records what this reports.
"""

from __future__ import annotations

import functools
import logging
import re
import select
import time
from dataclasses import dataclass, field
from typing import Any

import smpplib.client
import smpplib.consts
import smpplib.exceptions
import smpplib.gsm
import smpplib.smpp
from django.conf import settings
from django.core.cache import cache

from switchoff.lib.sms_text import is_gsm7

logger = logging.getLogger(__name__)

ESME_ROK = 0x00
ESME_RTHROTTLED = 0x58
ESME_RMSGQFUL = 0x14  # the SMSC's queue is full: a throttling too, retried the same way
THROTTLING = frozenset({ESME_RTHROTTLED, ESME_RMSGQFUL})
RECEIPT_FLAG = 0x04  # esm_class: "SMSC delivery receipt"
SINGLE_BYTES = {0: 160, 8: 140}  # the bytes of short_message in one SMS part; longer texts go in message_payload
# message_state (SMPP 3.4, 5.2.28) of a receipt that carries it as an optional parameter.
FINAL_STATES = {2: "DELIVRD", 3: "EXPIRED", 4: "DELETED", 5: "UNDELIV", 7: "UNKNOWN", 8: "REJECTD"}
RECEIPT_TEXT = re.compile(rb"id:(?P<id>\S+).*?stat:(?P<stat>[A-Z]+)(?:.*?err:(?P<err>\w+))?", re.S | re.I)


class SmscError(Exception):
    """The SMSC refused the bind, did not answer in time, or closed the connection."""


@dataclass(frozen=True)
class Smsc:
    """One operator's SMSC (``settings.SMS_SMSC``, from the environment)."""

    host: str
    port: int
    system_id: str
    password: str
    source: str = ""
    tps: int = 50
    window: int = 50


def smsc_for(operator_id: int) -> Smsc | None:
    """The operator's SMSC, or None: it sends through the "log" channel."""
    conf: dict[str, Any] | None = settings.SMS_SMSC.get(operator_id)
    return Smsc(**conf) if conf else None


@dataclass(frozen=True)
class Receipt:
    message_id: str
    delivered: bool
    reason: str  # why not delivered: the receipt's stat and err ("UNDELIV err:001")


@dataclass(frozen=True)
class Reply:
    msisdn: str  # as the SMSC wrote the sender
    text: str


@functools.lru_cache(maxsize=8)  # a batch's one text, submitted to every number
def encode(text: str) -> tuple[bytes, int]:
    """The text's bytes and data_coding: GSM 03.38 (0) when every character is in it, else UCS-2 (8)."""
    if is_gsm7(text):
        return smpplib.gsm.gsm_encode(text), 0
    return text.encode("utf-16-be"), 8


def decode(data: bytes, data_coding: int) -> str:
    if data_coding == 8:
        return data.decode("utf-16-be", errors="replace")
    table = smpplib.gsm.GSM_CHARACTER_TABLE
    out, escaped = [], False
    for byte in data:
        if byte == 0x1B:
            escaped = True
            continue
        index = byte + 0x80 if escaped else byte
        out.append(table[index] if index < len(table) else "?")
        escaped = False
    return "".join(out)


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("ascii", errors="replace")
    return "" if value is None else str(value)


def parse_receipt(pdu: Any) -> Receipt | None:
    """The receipt a deliver_sm carries, or None while it is not final (ENROUTE, ACCEPTD)."""
    body = pdu.short_message or pdu.message_payload or b""
    found = RECEIPT_TEXT.search(body if isinstance(body, bytes) else body.encode())
    message_id = _text(pdu.receipted_message_id) or (_text(found.group("id")) if found else "")
    stat = _text(found.group("stat")).upper() if found else FINAL_STATES.get(pdu.message_state or 0, "")
    if not message_id or stat not in FINAL_STATES.values():
        return None
    err = _text(found.group("err")) if found and found.group("err") else ""
    return Receipt(message_id, stat == "DELIVRD", "" if stat == "DELIVRD" else f"{stat} err:{err or '-'}")


def take_tokens(operator_id: int, want: int, tps: int) -> int:
    """Up to ``want`` sends allowed now under the operator's limit of ``tps`` a second, shared by every worker
    through the cache; waits for the next second when this one is spent."""
    if tps <= 0:
        return want
    while True:
        second = int(time.time())
        key = f"switchoff:sms:tps:{operator_id}:{second}"
        cache.add(key, 0, timeout=5)
        try:
            total = cache.incr(key, want)
        except ValueError:  # expired between add and incr
            continue
        granted = min(want, tps - (total - want))
        if granted > 0:
            return granted
        time.sleep(max(0.0, second + 1 - time.time()))


@dataclass
class Session:
    """A transceiver bind to an SMSC: submits, their answers, and the receipts and replies that arrive."""

    smsc: Smsc
    timeout: float
    # A receiver bind only listens (the late receipts' listener); the sender binds as a transceiver.
    receiver: bool = False
    receipts: list[Receipt] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    client: Any = None
    # PDUs written but not yet sent: a window's submits and the answers to receipts go out in one write each
    # (a write per PDU was half the sending time, bench/sms); flushed before the session waits for anything.
    _out: bytearray = field(default_factory=bytearray)

    def open(self) -> None:
        self.client = smpplib.client.Client(
            self.smsc.host, self.smsc.port, timeout=self.timeout, allow_unknown_opt_params=True
        )
        try:
            self.client.connect()
            bind = self.client.bind_receiver if self.receiver else self.client.bind_transceiver
            bind(system_id=self.smsc.system_id, password=self.smsc.password)
        except (smpplib.exceptions.ConnectionError, smpplib.exceptions.PDUError, OSError) as e:
            self.client.disconnect()
            raise SmscError(str(e)) from e

    def close(self) -> None:
        if self.client is None:
            return
        try:
            self.flush()
            self.client.unbind()
        except Exception:  # the SMSC went away first: nothing to say goodbye to
            logger.info("The SMSC did not answer the unbind.", exc_info=True)
        self.client.disconnect()
        self.client = None

    def submit(self, msisdn: str, text: str) -> int:
        """Hand one message to the SMSC; answers the submit's sequence number (its answer comes later)."""
        data, coding = encode(text)
        fields: dict[str, Any] = {"short_message": data} if len(data) <= SINGLE_BYTES[coding] else {
            "short_message": b"", "message_payload": data}  # fmt: skip
        source = self.smsc.source
        try:
            pdu = smpplib.smpp.make_pdu(
                "submit_sm",
                client=self.client,
                source_addr_ton=smpplib.consts.SMPP_TON_ALNUM if source and not source.isdigit() else 1,
                source_addr_npi=0 if source and not source.isdigit() else 1,
                source_addr=source,
                dest_addr_ton=1,  # international, without the "+"
                dest_addr_npi=1,
                destination_addr=msisdn.lstrip("+"),
                data_coding=coding,
                registered_delivery=1,  # a receipt for each message, delivered or failed
                **fields,
            )
        except (smpplib.exceptions.ConnectionError, OSError) as e:
            raise SmscError(str(e)) from e
        self._out += pdu.generate()
        return int(pdu.sequence)

    def flush(self) -> None:
        if self._out:
            try:
                self.client._socket.sendall(self._out)
            except OSError as e:
                raise SmscError(str(e)) from e
            self._out.clear()

    def answers(self, sequences: set[int]) -> dict[int, tuple[int, str]]:
        """Read until every submit of ``sequences`` is answered: sequence → (command_status, message_id)."""
        got: dict[int, tuple[int, str]] = {}
        while not sequences <= got.keys():
            pdu = self._read(None)
            if pdu is None:
                raise SmscError(f"no answer to {len(sequences - got.keys())} submits in {self.timeout} s")
            if pdu.command in ("submit_sm_resp", "generic_nack") and pdu.sequence in sequences:
                got[int(pdu.sequence)] = (int(pdu.status), _text(getattr(pdu, "message_id", "")))
        return got

    def listen(self, seconds: float) -> None:
        """Wait up to ``seconds`` for what the SMSC sends (receipts, replies), then read all that has arrived."""
        wait = seconds
        while self._read(wait) is not None:
            wait = 0.0

    def _read(self, wait: float | None) -> Any:
        """One PDU within ``wait`` seconds, or the session's timeout when None (None when none came); receipts and
        replies kept and answered."""
        try:
            if self._out and not select.select([self.client._socket], [], [], 0)[0]:
                self.flush()  # nothing to read now: what is written goes out before waiting
            if wait is not None:
                ready, _w, _x = select.select([self.client._socket], [], [], wait)
                if not ready:
                    return None
            try:
                pdu = self.client.read_pdu()  # the socket's own timeout: no select per PDU while answers stream in
            except TimeoutError:
                return None
            if pdu.command in ("deliver_sm", "enquire_link"):
                if pdu.command == "deliver_sm":
                    self._delivered(pdu)
                resp = smpplib.smpp.make_pdu(f"{pdu.command}_resp", client=self.client)
                resp.sequence = pdu.sequence
                self._out += resp.generate()
            elif pdu.command == "unbind":
                raise SmscError("the SMSC unbound")
        except (smpplib.exceptions.ConnectionError, smpplib.exceptions.PDUError, OSError) as e:
            raise SmscError(str(e)) from e
        return pdu

    def _delivered(self, pdu: Any) -> None:
        if (pdu.esm_class or 0) & RECEIPT_FLAG:
            receipt = parse_receipt(pdu)
            if receipt is not None:
                self.receipts.append(receipt)
            return
        body = pdu.short_message or pdu.message_payload or b""
        self.replies.append(Reply(_text(pdu.source_addr), decode(body, int(pdu.data_coding or 0))))
