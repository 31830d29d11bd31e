"""`manage.py run_worker` as real processes against the test database, for the tests of the job queue.

The worker runs with the suite's settings (CIVIC_ENV and DJANGO_SETTINGS_MODULE
are inherited) and DATABASE_URL naming the database the test runs on: the
SQLite test file (WAL, see conftest.py) or the PostgreSQL test database. Its
log lines (CIVIC_LOG_LEVEL=INFO) are gathered as they come, so a test can wait
for a line, e.g. a queue check's "step 2 of 5 written".
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from django.conf import settings
from django.db import connection

DEADLINE_S = 180  # a deadline for a broken worker, not a wait for one to get going


def database_url() -> str:
    """A DATABASE_URL naming the database this test runs on, for a worker's process."""
    database = connection.settings_dict
    if database["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{database['NAME']}"
    configured = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(configured._replace(path="/" + quote(database["NAME"])))


class Worker:
    """One `manage.py run_worker` process (no schedule; quick looks for dead workers' jobs) and its output."""

    def __init__(self, name: str) -> None:
        manage = Path(settings.BASE_DIR) / "manage.py"
        command = [
            sys.executable,
            str(manage),
            "run_worker",
            "--no-schedule",
            "--no-startup-delay",
            "--interval",
            "0.2",
            "--housekeeping-interval",
            "0.5",
            "--worker-id",
            name,
        ]
        environment = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "PYTHONUNBUFFERED": "1",
            "CIVIC_LOG_LEVEL": "INFO",
        }
        self.name = name
        self.process = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.output = bytearray()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        while chunk := os.read(self.process.stdout.fileno(), 65536):
            self.output += chunk

    def text(self) -> str:
        return self.output.decode(errors="replace")

    def wait_for_line(self, fragment: str) -> None:
        wait_for(lambda: fragment in self.text() or self.process.poll() is not None)
        assert fragment in self.text(), f"worker {self.name} ended before {fragment!r}:\n{self.text()}"

    def kill(self) -> None:
        """SIGKILL: the worker gets no chance to tidy up."""
        self.process.send_signal(signal.SIGKILL)
        assert self.process.wait(timeout=30) == -signal.SIGKILL

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.join(timeout=10)


@contextmanager
def running_workers(count: int) -> Iterator[list[Worker]]:
    workers = [Worker(f"test-worker-{number}") for number in range(count)]
    try:
        yield workers
    finally:
        for worker in workers:
            worker.stop()


def wait_for(condition: Callable[[], bool]) -> None:
    """Poll until `condition` holds; fail after a generous deadline (no assertion on how long it took)."""
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.1)
