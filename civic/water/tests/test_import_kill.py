"""A readings import killed midway leaves nothing of it behind.

`manage.py import_readings` runs as a real process against the test database
(a file for SQLite, the test database itself for PostgreSQL). Once it has
checked the file it stages the readings chunk by chunk, each chunk in its own
short transaction (so other users' writes are not held up for the whole
import), reporting each chunk on its progress bar, and then stores the batch
and its readings in one short transaction. The test waits for a chunk to be
reported, stops the process and shows from the database's side that rows are
staged, kills it with SIGKILL, and finds neither the batch nor any of its
readings. The same file then imports whole, and a third import stores
nothing new.
"""

from __future__ import annotations

import csv
import datetime
import io
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

from civic.water.models import Meter, MeterReading, ReadingImportBatch, StagedReading

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

METER_COUNT = 30
DAYS = 730
READING_COUNT = METER_COUNT * DAYS  # 21,900 rows: a few seconds of checking and writing, in 22 chunks of 1,000
CHUNK_ROWS = 1000
FIRST_DAY = datetime.date(2023, 1, 1)
MARKER_TIMEOUT_S = 180  # a deadline for a broken import, not a wait for one to get going
PROGRESS = re.compile(rb"(\d+)/(\d+) \[")  # tqdm's "1000/43800 [00:01<...]"


def make_meters(water_user) -> list[str]:
    serials = [f"M-KILL-{number:03d}" for number in range(METER_COUNT)]
    Meter.objects.bulk_create(
        Meter(serial=serial, water_user=water_user, installed_on=datetime.date(2022, 1, 1)) for serial in serials
    )
    return serials


def readings_csv(serials: list[str]) -> bytes:
    """One index reading per meter per day, each meter passing 5 m³ a day (well within a DN50 meter)."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(["表号", "抄表日期", "表底数", "用水量", "备注"])
    for serial in serials:
        for day in range(DAYS):
            writer.writerow([serial, (FIRST_DAY + datetime.timedelta(days=day)).isoformat(), 5 * (day + 1), "", ""])
    return text.getvalue().encode("utf-8")


def database_url_for_the_command() -> str:
    """A DATABASE_URL naming the database this test runs on, for the command's process."""
    database = connection.settings_dict
    if database["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{database['NAME']}"
    configured = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(configured._replace(path="/" + quote(database["NAME"])))


def command(path: Path) -> list[str]:
    manage = Path(settings.BASE_DIR) / "manage.py"
    return [
        sys.executable,
        str(manage),
        "import_readings",
        str(path),
        "--by",
        "wangfang",
        "--chunk-rows",
        str(CHUNK_ROWS),
    ]


def command_environment() -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url_for_the_command(), "PYTHONUNBUFFERED": "1"}


class ProgressWatcher:
    """Reads a process's stderr as it comes and notes when a chunk is reported written but not the last."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stderr is not None
        self.stream = process.stderr
        self.output = bytearray()
        self.mid_write = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        while chunk := os.read(self.stream.fileno(), 65536):
            self.output += chunk
            if any(0 < int(done) < int(total) for done, total in PROGRESS.findall(bytes(self.output))):
                self.mid_write.set()

    def rows_reported(self) -> list[int]:
        self.thread.join(timeout=30)  # the process is dead: its stderr ends
        self.stream.close()
        return [int(done) for done, _total in PROGRESS.findall(bytes(self.output))]


def kill_midway(path: Path) -> list[int]:
    """Run the import, SIGKILL it while it is writing, and return the row counts it had reported."""
    process = subprocess.Popen(
        command(path), env=command_environment(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    watcher = ProgressWatcher(process)
    try:
        reached = watcher.mid_write.wait(timeout=MARKER_TIMEOUT_S)
        assert reached, f"the import never reported a chunk written:\n{watcher.output.decode(errors='replace')}"
        process.send_signal(signal.SIGSTOP)  # frozen mid-import, so the database can be asked
        os.waitpid(process.pid, os.WUNTRACED)
        assert StagedReading.objects.exists(), "the stopped import has staged no readings"
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return watcher.rows_reported()


def test_it_leaves_nothing_of_an_import_killed_midway_then_imports_the_file_once(cast, tmp_path):
    path = tmp_path / "readings-2023-2024.csv"
    path.write_bytes(readings_csv(make_meters(cast.runhua)))

    rows_reported = kill_midway(path)

    assert 0 < max(rows_reported) < READING_COUNT  # killed with some chunks staged and the last not
    assert MeterReading.objects.count() == 0
    assert ReadingImportBatch.objects.count() == 0

    completed = subprocess.run(command(path), env=command_environment(), capture_output=True, check=False)
    assert completed.returncode == 0, completed.stderr.decode(errors="replace")
    assert "21900 readings stored (2023-01-01 – 2024-12-30)." in completed.stdout.decode()
    assert MeterReading.objects.count() == READING_COUNT
    batch = ReadingImportBatch.objects.get()
    assert (batch.status, batch.row_count) == ("accepted", READING_COUNT)
    assert MeterReading.objects.filter(meter__serial="M-KILL-029").latest("reading_date").index_m3 == 5 * DAYS

    again = subprocess.run(command(path), env=command_environment(), capture_output=True, check=False)
    assert again.returncode == 0, again.stderr.decode(errors="replace")
    assert f"imported before as batch {batch.pk}; nothing new stored." in again.stdout.decode()
    assert MeterReading.objects.count() == READING_COUNT
    assert ReadingImportBatch.objects.count() == 1
