"""bench/sms: N text messages (default 100,000) through the SMPP path to the loopback SMSC of the tests.

The SMSC (``tests/smpp_server.py``) runs in a process of its own, answering every submit_sm and sending a delivery
receipt for each. First the raw figure: the same N submits by bare smpplib (one transceiver bind, the same window
of submits awaiting their answers, every receipt read and answered). Then switchoff's path, in a fresh SQLite
database: a batch prepared for N subscribers of an operator's ward, and ``sms.services.sms_batch_send`` timed
from the bind to the last receipt recorded (no throughput limit: the bench measures the code, not the SMSC's
contract). ``receipts_lost`` counts the messages without their receipt recorded at the end. The last line prints
key=value pairs.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
N = int(os.environ.get("BENCH_SMS_N", "100000"))
WINDOW = int(os.environ.get("BENCH_SMS_WINDOW", "200"))
PASSWORD = "secret"  # noqa: S105 (the loopback test SMSC's)
TEXT = "Từ 16/9 nhà mạng dừng sóng 2G. Quý khách hãy đổi máy 4G để liên lạc không gián đoạn."


def serve(port_out: Any, stop: Any) -> None:
    from tests.smpp_server import SmppServer

    server = SmppServer().start()
    port_out.put(server.port)
    stop.wait()
    server.stop()


def raw(port: int) -> float:
    """N submits by bare smpplib, windowed, every answer and receipt read: seconds from bind to the last receipt."""
    import smpplib.client
    import smpplib.smpp

    client = smpplib.client.Client("127.0.0.1", port, timeout=10, allow_unknown_opt_params=True)
    started = time.perf_counter()
    client.connect()
    client.bind_transceiver(system_id="switchoff", password=PASSWORD)
    data = TEXT.encode("utf-16-be")
    receipts = sent = 0
    while sent < N or receipts < N:
        window = min(WINDOW, N - sent)
        waiting = set()
        for i in range(window):
            pdu = client.send_message(source_addr_ton=5, source_addr_npi=0, source_addr="Viettel", dest_addr_ton=1,
                                      dest_addr_npi=1, destination_addr=f"8486{sent + i:07d}", data_coding=8,
                                      registered_delivery=1, short_message=data)  # fmt: skip
            waiting.add(pdu.sequence)
        sent += window
        while waiting or (sent == N and receipts < N):
            pdu = client.read_pdu()
            if pdu.command == "submit_sm_resp":
                waiting.discard(pdu.sequence)
            elif pdu.command == "deliver_sm":
                receipts += 1
                resp = smpplib.smpp.make_pdu("deliver_sm_resp", client=client)
                resp.sequence = pdu.sequence
                client.send_pdu(resp)
    client.unbind()
    client.disconnect()
    return time.perf_counter() - started


def through_switchoff(port: int) -> tuple[float, int]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "switchoff.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from switchoff.sms.models import SmsBatch, SmsMessage
    from switchoff.sms.services import sms_batch_create, sms_batch_send
    from switchoff.subscribers.models import Subscriber
    from tests.conftest import build_world
    from tests.reporting import make_campaign

    call_command("migrate", verbosity=0)
    world = build_world()
    campaign = make_campaign(world, end_date=timezone.localdate() + timezone.timedelta(days=365))
    today = timezone.localdate()
    Subscriber.objects.bulk_create(
        [
            Subscriber(
                operator=world.operator,
                msisdn=f"+8486{i:07d}",
                unit=world.ward_a,
                list_area=world.ward_a,
                first_seen=today,
                last_listed=today,
            )
            for i in range(N)
        ],
        batch_size=5000,
    )
    smsc = {"host": "127.0.0.1", "port": port, "system_id": "switchoff", "password": PASSWORD, "source": "Viettel"}
    settings.SMS_SMSC = {world.operator.pk: {**smsc, "tps": 0, "window": WINDOW}}
    settings.SMS_RECEIPT_WAIT_S = 30.0
    batch = sms_batch_create(
        actor=world.operator_staff, campaign=campaign, operator=world.operator, area=world.ward_a,
        audience="listed", text=TEXT, send_at=timezone.now() + timezone.timedelta(hours=1),
    )  # fmt: skip
    SmsBatch.objects.filter(pk=batch.pk).update(send_at=timezone.now())
    started = time.perf_counter()
    sms_batch_send(batch.pk)
    seconds = time.perf_counter() - started
    delivered = SmsMessage.objects.filter(batch=batch, state=SmsMessage.State.DELIVERED).count()
    return seconds, N - delivered


def main() -> None:
    sys.path.insert(0, str(ROOT))
    workdir = tempfile.mkdtemp(prefix="switchoff-bench-sms-")
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
    os.environ["SWITCHOFF_VAR_DIR"] = workdir
    context = multiprocessing.get_context("fork")
    port_out, stop = context.Queue(), context.Event()
    smsc = context.Process(target=serve, args=(port_out, stop), daemon=True)
    smsc.start()
    try:
        port = port_out.get(timeout=10)
        raw_s = raw(port)
        print(f"raw smpplib: {N} submits and receipts in {raw_s:.1f} s ({N / raw_s:.0f}/s)", flush=True)
        app_s, lost = through_switchoff(port)
        print(f"switchoff: {N} messages sent and receipts recorded in {app_s:.1f} s ({N / app_s:.0f}/s)", flush=True)
    finally:
        stop.set()
        smsc.join(timeout=5)
    print(f"sms_per_s={N / app_s:.0f} receipts_lost={lost} ratio_to_raw={app_s / raw_s:.2f}")


if __name__ == "__main__":
    main()
