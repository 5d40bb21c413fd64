"""A list of 200,000 rows through the import page: the check runs in the worker with its own progress bar, the
summary shows where the subscribers were placed, and confirming writes the saved rows without checking again."""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from playwright.sync_api import Browser, expect
from playwright.sync_api import Error as PlaywrightError

from switchoff.jobs import lease
from switchoff.subscribers import jobs
from switchoff.subscribers.models import ImportJob, Subscriber
from switchoff.subscribers.progress import IMPORT_KIND
from tests.conftest import CHROMIUM, World, build_world
from tests.importing import count_cleanings
from tests.test_browser import SCREENSHOTS, log_in

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make browser)")

ROWS = 200_000
WARDS = ("Khối {n}, Phường Lương Văn Tri", "Khối {n}, Phường Đông Kinh")


@pytest.fixture
def check_world(transactional_db: None) -> World:
    return build_world()


def national_like(folder: Path) -> Path:
    lines = ["DANH SÁCH THUÊ BAO 2G ONLY - VIETTEL LẠNG SƠN", "STT;Số thuê bao;Họ và tên;Địa chỉ"]
    lines += [f"{n};0868{n:06d};Người Thứ {n};{WARDS[n % 2].format(n=n % 9 + 1)}" for n in range(1, ROWS + 1)]
    path = folder / "DS_2G_200k.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class Worker:
    """Stands for run_huey beside the web server: a check runs in a thread of its own (Huey's immediate mode
    would run it inside the request, and the page would never see it under way). The write runs as in
    immediate mode: the test database (SQLite's shared in-memory cache) takes one writing transaction at a
    time, and the write's long one would refuse the pages' session writes meanwhile."""

    def __init__(self) -> None:
        self.threads: list[threading.Thread] = []

    def __call__(self, job_id: int) -> None:
        if ImportJob.objects.get(pk=job_id).status != ImportJob.Status.CHECKING:
            jobs.run_job(job_id)
            return

        def run() -> None:
            try:
                jobs.run_job(job_id)
            finally:
                connection.close()

        thread = threading.Thread(target=run, daemon=True)
        self.threads.append(thread)
        thread.start()

    def join(self) -> None:
        for thread in self.threads:
            thread.join(timeout=120)


def test_a_200k_list_is_checked_in_the_background_then_written_without_checking_again(
    browser: Browser,
    live_server: object,
    check_world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    worker = Worker()
    monkeypatch.setitem(lease.KINDS, IMPORT_KIND, dataclasses.replace(lease.KINDS[IMPORT_KIND], enqueue=worker))
    if connection.vendor == "sqlite":
        # The pages read through the test's connection (shared with the live server) while the check's thread
        # writes the job: in SQLite's shared in-memory cache a reader's table lock makes that write fail at once
        # ("database table is locked"), seen on a loaded machine. Readers that take no such lock, as in WAL.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA read_uncommitted = 1")
    # Every reading and cleaning of the file's rows goes through clean_rows: counted.
    cleanings = count_cleanings(monkeypatch)
    # A national list takes minutes; this one would take a second. Each progress report (every 5,000 rows)
    # waits a little so that the page's one-second polling sees the bar between its ends.
    real_reporter = jobs._reporter

    def slower_reporter(job_id: int, started: float, held: lease.Lease | None = None) -> Any:
        report = real_reporter(job_id, started, held)

        def slowly(phase: str, done: int, total: int) -> None:
            report(phase, done, total)
            if phase == "checking":
                time.sleep(0.08)

        return slowly

    monkeypatch.setattr(jobs, "_reporter", slower_reporter)

    base = str(live_server)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    log_in(page, base, "viettel")
    page.goto(f"{base}/registry/import/")
    page.get_by_label("Danh sách tính đến ngày (dd/mm/yyyy)").fill("01/08/2024")
    page.locator("#id_file").set_input_files(str(national_like(tmp_path)))
    page.get_by_role("button", name="Kiểm tra tệp").click()
    expect(page.locator("#job-status")).to_have_text("Đang kiểm tra", timeout=20_000)
    # The bar moves while the check runs, before any summary.
    seen: set[int] = set()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not page.locator("#check-summary").count():
        # The bar and the card's text read in one go: the page's polling may swap the card out in between.
        try:
            state = page.evaluate(
                "() => { const bar = document.querySelector('progress'), card = document.querySelector('#job-card');"
                " return bar && card ? [bar.getAttribute('value'), card.textContent] : null; }"
            )
        except PlaywrightError as error:  # the check ended and the page went to its summary while it was read
            if "context was destroyed" not in str(error):
                raise
            state = None
        if state is not None and state[0] is not None and state[0].isdigit():
            value, rate = int(state[0]), state[1] or ""
            seen.add(value)
            if 0 < value < 100:
                assert "dòng/giây" in rate and "còn khoảng" in rate, rate  # the rate and the time left
                page.screenshot(path=str(SCREENSHOTS / "registry-checking-1366.png"))
        page.wait_for_timeout(150)
    assert any(0 < value < 100 for value in seen), seen
    summary = page.locator("#check-summary")
    expect(summary).to_contain_text(f"Số dòng đã đọc: {ROWS}")
    table = page.locator("#by-commune")
    expect(table).to_contain_text("Phường Lương Văn Tri")
    expect(table).to_contain_text("Phường Đông Kinh")
    expect(table).to_contain_text("100.000")
    page.screenshot(path=str(SCREENSHOTS / "registry-checked-1366.png"), full_page=False)
    assert cleanings == ["checking"] and not Subscriber.objects.exists()

    page.get_by_role("button", name="Nhập các dòng hợp lệ").click()
    expect(page.locator("#job-status")).to_have_text("Đã xong", timeout=120_000)
    worker.join()
    assert cleanings == ["checking"], "the write read and cleaned the file again"
    assert Subscriber.objects.count() == ROWS
    job = ImportJob.objects.get()
    assert job.result is not None and job.result.summary["new"] == ROWS
    context.close()
