"""Run the web server and the job worker side by side, and stop both together (`make serve`).

    python -m civic.core.serving --web "gunicorn civic.wsgi" --worker "python manage.py run_worker"

Each process runs in a session of its own, so Ctrl-C reaches only this
supervisor, which then asks both to stop (SIGTERM: the web server finishes the
requests under way, the worker the job under way) and waits for them; one that
has not stopped after `--grace` seconds is killed. When either process ends by
itself, the other is stopped too: a server without its worker, or a worker
without its server, is not Civic running. The exit status is the first
process's to end (0 after Ctrl-C).
"""

from __future__ import annotations

import argparse
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from types import FrameType

POLL_SECONDS = 0.2


class Supervisor:
    def __init__(self, commands: Mapping[str, Sequence[str]], grace_s: float) -> None:
        self.commands = commands
        self.grace_s = grace_s
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.stop_asked = False

    def ask_to_stop(self, signal_number: int, frame: FrameType | None) -> None:
        self.stop_asked = True

    def run(self) -> int:
        """Start every process, wait until one ends or a stop is asked, then stop them all; the exit status."""
        signal.signal(signal.SIGINT, self.ask_to_stop)
        signal.signal(signal.SIGTERM, self.ask_to_stop)
        for name, command in self.commands.items():
            self.processes[name] = subprocess.Popen(command, start_new_session=True)
            print(f"civic serving: started {name} (process {self.processes[name].pid})", flush=True)
        ended = self.first_to_end()
        if ended is not None:
            print(f"civic serving: {ended} ended with status {self.processes[ended].returncode}", flush=True)
        self.stop_all()
        return 0 if ended is None else (self.processes[ended].returncode or 0)

    def first_to_end(self) -> str | None:
        """The name of the first process to end by itself, or None when a stop was asked first."""
        while not self.stop_asked:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    return name
            time.sleep(POLL_SECONDS)
        return None

    def stop_all(self) -> None:
        running = [process for process in self.processes.values() if process.poll() is None]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + self.grace_s
        for process in running:
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for name, process in self.processes.items():
            print(f"civic serving: {name} stopped (status {process.returncode})", flush=True)


def main(arguments: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--web", required=True, help="The web server's command line.")
    parser.add_argument("--worker", required=True, help="The job worker's command line.")
    parser.add_argument("--grace", type=float, default=30.0, help="Seconds each may take to stop (default 30).")
    options = parser.parse_args(arguments)
    commands = {"web server": shlex.split(options.web), "worker": shlex.split(options.worker)}
    return Supervisor(commands, options.grace).run()


if __name__ == "__main__":
    sys.exit(main())
