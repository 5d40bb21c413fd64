"""A minimal SMPP 3.4 server (an SMSC) on loopback for the tests and bench/sms: binds with a system id and a
password, answers submit_sm with a message id (or ESME_RTHROTTLED as configured), sends a delivery receipt
(deliver_sm) for each message accepted, answers enquire_link and unbind, and sends a subscriber's reply
(deliver_sm mobile-originated) on demand.

Written from the specification with ``struct``, independent of smpplib (the client under test): no maintained
server library on PyPI does SMPP's server side. It reads and writes in large chunks so that the bench measures
the client, not this server.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from dataclasses import dataclass, field

BIND_COMMANDS = {0x00000001: 0x80000001, 0x00000002: 0x80000002, 0x00000009: 0x80000009}  # rx, tx, trx
SUBMIT_SM, DELIVER_SM, UNBIND, ENQUIRE_LINK = 0x00000004, 0x00000005, 0x00000006, 0x00000015
DELIVER_SM_RESP, GENERIC_NACK = 0x80000005, 0x80000000
ESME_RTHROTTLED, ESME_RINVPASWD, ESME_RINVBNDSTS = 0x58, 0x0E, 0x04
TAG_RECEIPTED_ID, TAG_MESSAGE_STATE, TAG_PAYLOAD = 0x001E, 0x0427, 0x0424


def _cstr(data: bytes, at: int) -> tuple[bytes, int]:
    end = data.index(b"\0", at)
    return data[at:end], end + 1


def pdu(command: int, status: int, sequence: int, body: bytes = b"") -> bytes:
    return struct.pack(">IIII", 16 + len(body), command, status, sequence) + body


@dataclass
class Submitted:
    destination: str
    data_coding: int
    data: bytes
    message_id: str


@dataclass
class SmppServer:
    """The server; ``start()`` listens on a free loopback port (``port``), in a thread of this process."""

    system_id: str = "switchoff"
    password: str = "secret"
    throttle_first: int = 0  # the first this many submits are answered ESME_RTHROTTLED
    undeliverable: set[str] = field(default_factory=set)  # numbers whose receipt says UNDELIV
    receipts: bool = True
    # Receipts kept by the SMSC instead of sent on the submitting bind (the message reached the phone later):
    # sent to the next bind that may receive (a receiver or a transceiver), as an SMSC stores them for the ESME.
    hold_receipts: bool = False
    _held: list[Submitted] = field(default_factory=list)
    replies_on_bind: list[tuple[str, str]] = field(default_factory=list)  # (number, text) sent to each new bind
    port: int = 0
    submitted: list[Submitted] = field(default_factory=list)
    throttled: int = 0
    binds: int = 0
    receipts_acked: int = 0
    _sessions: list[socket.socket] = field(default_factory=list)
    _listener: socket.socket | None = None
    _next_id: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> SmppServer:
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True, name="smpp-server").start()
        return self

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.close()
        for conn in list(self._sessions):
            with contextlib.suppress(OSError):
                conn.close()

    def reset(
        self,
        *,
        throttle_first: int = 0,
        undeliverable: set[str] | None = None,
        replies_on_bind: list[tuple[str, str]] | None = None,
        hold_receipts: bool = False,
    ) -> None:
        self.submitted.clear()
        self._held.clear()
        self.hold_receipts = hold_receipts
        self.throttled = self.binds = self.receipts_acked = 0
        self.throttle_first = throttle_first
        self.undeliverable = undeliverable or set()
        self.replies_on_bind = replies_on_bind or []

    @classmethod
    def mobile_originated(cls, source: str, text: str, sequence: int) -> bytes:
        """A subscriber's message (deliver_sm, mobile-originated) to the short code 8088."""
        data, coding = (text.encode("ascii"), 0) if text.isascii() else (text.encode("utf-16-be"), 8)
        return pdu(DELIVER_SM, 0, sequence, cls._deliver_body(source, "8088", 0x00, coding, data, b""))

    def _accept(self) -> None:
        assert self._listener is not None
        while True:
            try:
                conn, _addr = self._listener.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        buffer = b""
        bound = False
        sequence = 1
        try:
            while True:
                chunk = conn.recv(262144)
                if not chunk:
                    return
                buffer += chunk
                out = bytearray()
                at = 0
                while len(buffer) - at >= 16:
                    length, command, _status, seq = struct.unpack_from(">IIII", buffer, at)
                    if len(buffer) - at < length:
                        break
                    body = buffer[at + 16 : at + length]
                    at += length
                    if command in BIND_COMMANDS:
                        system_id, i = _cstr(body, 0)
                        password, i = _cstr(body, i)
                        ok = system_id.decode() == self.system_id and password.decode() == self.password
                        out += pdu(BIND_COMMANDS[command], 0 if ok else ESME_RINVPASWD, seq, b"test-smsc\0")
                        if ok:
                            bound = True
                            self.binds += 1
                            self._sessions.append(conn)
                            for source, text in self.replies_on_bind:
                                sequence += 1
                                out += self.mobile_originated(source, text, sequence)
                            if command != 0x00000002:  # a transmitter receives nothing
                                with self._lock:
                                    held, self._held[:] = list(self._held), []
                                for submitted in held:
                                    sequence += 1
                                    out += self._receipt(submitted, sequence)
                    elif command == SUBMIT_SM:
                        if not bound:
                            out += pdu(0x80000004, ESME_RINVBNDSTS, seq, b"\0")
                            continue
                        with self._lock:
                            throttle = self.throttled < self.throttle_first
                            if throttle:
                                self.throttled += 1
                            else:
                                self._next_id += 1
                                message_id = f"{self._next_id:x}"
                        if throttle:
                            out += pdu(0x80000004, ESME_RTHROTTLED, seq, b"\0")
                            continue
                        submitted = self._submitted(body, message_id)
                        self.submitted.append(submitted)
                        out += pdu(0x80000004, 0, seq, message_id.encode() + b"\0")
                        if self.receipts and self.hold_receipts:
                            with self._lock:
                                self._held.append(submitted)
                        elif self.receipts:
                            sequence += 1
                            out += self._receipt(submitted, sequence)
                    elif command == DELIVER_SM_RESP:
                        self.receipts_acked += 1
                    elif command == ENQUIRE_LINK:
                        out += pdu(0x80000015, 0, seq)
                    elif command == UNBIND:
                        out += pdu(0x80000006, 0, seq)
                        conn.sendall(out)
                        return
                    elif not command & 0x80000000:
                        out += pdu(GENERIC_NACK, 0x03, seq)
                buffer = buffer[at:]
                if out:
                    conn.sendall(out)
        except OSError:
            return
        finally:
            if conn in self._sessions:
                self._sessions.remove(conn)
            conn.close()

    @staticmethod
    def _submitted(body: bytes, message_id: str) -> Submitted:
        _service, i = _cstr(body, 0)
        _source, i = _cstr(body, i + 2)
        destination, i = _cstr(body, i + 2)
        i += 3  # esm_class, protocol_id, priority_flag
        _schedule, i = _cstr(body, i)
        _validity, i = _cstr(body, i)
        data_coding = body[i + 2]
        length = body[i + 4]
        data = body[i + 5 : i + 5 + length]
        i += 5 + length
        while i + 4 <= len(body):  # optional parameters: the long texts' message_payload
            tag, size = struct.unpack_from(">HH", body, i)
            if tag == TAG_PAYLOAD:
                data = body[i + 4 : i + 4 + size]
            i += 4 + size
        return Submitted(destination.decode(), data_coding, data, message_id)

    def _receipt(self, submitted: Submitted, sequence: int) -> bytes:
        failed = submitted.destination in self.undeliverable
        stat, err, state = ("UNDELIV", "001", 5) if failed else ("DELIVRD", "000", 2)
        text = f"id:{submitted.message_id} sub:001 dlvd:00{0 if failed else 1} submit date:2609161200 " \
               f"done date:2609161201 stat:{stat} err:{err} text:"  # fmt: skip
        tlvs = struct.pack(">HH", TAG_RECEIPTED_ID, len(submitted.message_id) + 1) + submitted.message_id.encode()
        tlvs += b"\0" + struct.pack(">HHB", TAG_MESSAGE_STATE, 1, state)
        body = self._deliver_body(submitted.destination, "", 0x04, 0, text.encode(), tlvs)
        return pdu(DELIVER_SM, 0, sequence, body)

    @staticmethod
    def _deliver_body(source: str, destination: str, esm_class: int, coding: int, data: bytes, tlvs: bytes) -> bytes:
        return (
            b"\0"  # service_type
            + bytes([1, 1]) + source.encode() + b"\0"
            + bytes([0, 0]) + destination.encode() + b"\0"
            + bytes([esm_class, 0, 0]) + b"\0" + b"\0"  # protocol_id, priority, schedule, validity
            + bytes([0, 0, coding, 0, len(data)]) + data + tlvs
        )  # fmt: skip
