"""`make serve`'s pieces: the supervisor of the web server and the worker, and the demo loaded only once.

The supervisor is run as a real process over two real child processes (Python
one-liners standing in for gunicorn and the worker), so the signals are the
ones a terminal's Ctrl-C and systemd send.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from civic.core.models import User
from civic.water.models import WaterUser
from hydro.readings.store import batch_records, import_file

# A child that writes its pid, then waits; on SIGTERM it records that it was asked to stop and exits 0.
CHILD = textwrap.dedent(
    """
    import os, signal, sys, time
    from pathlib import Path
    folder = Path(sys.argv[1])
    def stop(number, frame):
        (folder / (sys.argv[2] + ".stopped")).write_text("SIGTERM")
        sys.exit(0)
    signal.signal(signal.SIGTERM, stop)
    (folder / (sys.argv[2] + ".pid")).write_text(str(os.getpid()))
    if sys.argv[3] == "end":
        sys.exit(3)
    while True:
        time.sleep(0.05)
    """
)


def start_supervisor(folder: Path, web: str = "wait", worker: str = "wait") -> subprocess.Popen[str]:
    child = folder / "child.py"
    child.write_text(CHILD)
    command = [
        sys.executable,
        "-m",
        "civic.core.serving",
        "--web",
        f"{sys.executable} {child} {folder} web {web}",
        "--worker",
        f"{sys.executable} {child} {folder} worker {worker}",
        "--grace",
        "20",
    ]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_for(path: Path, supervisor: subprocess.Popen[str]) -> None:
    """Wait until a child has written `path` (the supervisor must still be running meanwhile)."""
    while not path.exists():
        assert supervisor.poll() is None, supervisor.stdout.read() if supervisor.stdout else ""
        time.sleep(0.05)


def is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_stops_the_server_and_the_worker_cleanly(tmp_path, stop_signal):
    supervisor = start_supervisor(tmp_path)
    wait_for(tmp_path / "web.pid", supervisor)
    wait_for(tmp_path / "worker.pid", supervisor)

    supervisor.send_signal(stop_signal)
    output, _ = supervisor.communicate(timeout=60)

    assert supervisor.returncode == 0, output
    # Each child was asked to stop with SIGTERM (its graceful stop), not killed, and is gone.
    assert (tmp_path / "web.stopped").read_text() == "SIGTERM"
    assert (tmp_path / "worker.stopped").read_text() == "SIGTERM"
    for name in ("web", "worker"):
        assert not is_running(int((tmp_path / f"{name}.pid").read_text()))
    assert "web server stopped (status 0)" in output
    assert "worker stopped (status 0)" in output


def test_when_one_process_ends_the_other_is_stopped_and_its_status_returned(tmp_path):
    supervisor = start_supervisor(tmp_path, worker="end")

    output, _ = supervisor.communicate(timeout=60)

    assert supervisor.returncode == 3, output
    assert "worker ended with status 3" in output
    assert (tmp_path / "web.stopped").read_text() == "SIGTERM"
    assert not is_running(int((tmp_path / "web.pid").read_text()))


def test_load_demo_if_empty_leaves_a_database_with_records_alone(cast, capsys):
    users, water_users = User.objects.count(), WaterUser.objects.count()

    call_command("load_demo", "--if-empty")

    assert "already holds records: nothing was loaded" in capsys.readouterr().out
    assert (User.objects.count(), WaterUser.objects.count()) == (users, water_users)


def test_load_metering_demo_if_empty_leaves_a_store_with_readings_alone(db, tmp_path, capsys):
    store = tmp_path / "readings"
    readings = tmp_path / "county-readings.csv"
    readings.write_text("meter_id,timestamp,volume_m3\nM1,2024-03-01 00:00,1.5\nM1,2024-03-01 01:00,2.0\n")
    import_file(store, readings)

    call_command("load_metering_demo", "--if-empty", "--store", str(store))

    assert "already holds readings: nothing was generated" in capsys.readouterr().out
    assert [record.source_name for record in batch_records(store)] == ["county-readings.csv"]
