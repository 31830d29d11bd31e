"""Peak memory of readings uploads, and how long a large import makes other users' writes wait on SQLite.

`python -m benchmarks.intake` (about half a minute on 2 cores). Each file is
imported through `civic.water.actions.import_readings_file`, as the upload
page and `manage.py import_readings` do, in a fresh process of its own
against a fresh SQLite file, and the process reports its peak resident memory
(``ru_maxrss``) before and after the import:

* the largest accepted readings file: 200,000 rows (the limit of
  `civic.water.readings_files.LIMITS`), 20,000 meters × 10 monthly readings,
  as CSV (4.9 MB);
* a refused oversized file: 99 MB of CSV, above the 20 MB limit;
* a refused file of 250,001 distinct meters (more rows than the limit);
* a 5 KB workbook whose sheet declares the largest range Excel allows.

Only the tables of the readings import are created (the full migration takes
longer than the benchmark), with foreign keys not enforced, so the meters
need no water users. While the largest file is imported, this process writes
one row every 50 ms to the same database from another connection (busy
timeout 60 s) and reports the longest wait: what another user's save would
have waited. The import's write phase (staging and the final commit) is
timed too: one transaction over it, as before the staging table, would have
kept every other writer waiting that long.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
METERS = 20_000
READINGS_PER_METER = 10
PROBE_INTERVAL_S = 0.05
SCENARIOS = ("largest_accepted", "oversized_99_mb", "distinct_meters_250001", "declared_huge_xlsx")


# --- the files ------------------------------------------------------------------------------------------------

HEADER = "表号,抄表日期,表底数,用水量,备注\r\n"


def largest_accepted_csv() -> bytes:
    """20,000 meters × 10 month-end index readings, each meter passing 100 m³ a month."""
    month_ends = [datetime.date(2024, month + 1, 1) - datetime.timedelta(days=1) for month in range(1, 11)]
    lines = [HEADER]
    for meter in range(METERS):
        serial = f"B-{meter:06d}"
        lines += [f"{serial},{day.isoformat()},{100 * (month + 1)},,\r\n" for month, day in enumerate(month_ends)]
    return "".join(lines).encode()


def oversized_csv(path: Path) -> Path:
    """99 MB of valid-looking readings: the size the limit is for."""
    line = b"B-000001,2024-01-31,100,,\r\n"
    with path.open("wb") as handle:
        handle.write(HEADER.encode())
        block = line * 40_000
        while handle.tell() < 99 * 1024 * 1024:
            handle.write(block)
    return path


def distinct_meters_csv() -> bytes:
    return (HEADER + "".join(f"X-{number:07d},2024-01-31,1,,\r\n" for number in range(250_001))).encode()


def declared_huge_xlsx() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet: Any = workbook.active
    sheet.append(["表号", "抄表日期", "表底数", "用水量", "备注"])
    sheet.append(["B-000000", "2024-01-31", 100, None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                start = data.index(b"<dimension ref=")
                data = data[:start] + b'<dimension ref="A1:XFD1048576"/>' + data[data.index(b"/>", start) + 2 :]
                data = data.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" s="0"/></row></sheetData>')
            target.writestr(item.filename, data)
    return output.getvalue()


# --- one import in a child process ----------------------------------------------------------------------------


def child(scenario: str, database: str, source: str) -> None:
    """Set up the readings tables, report readiness, import the file, report memory and times as JSON."""
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civic.settings")
    import django

    django.setup()
    from django.db import connection

    from civic.water import actions
    from civic.water.models import Meter, MeterReading, ReadingImportBatch, StagedReading

    with connection.schema_editor(collect_sql=True) as editor:  # the statements only: the tables they refer
        for model in (Meter, ReadingImportBatch, MeterReading, StagedReading):  # to are left out
            editor.create_model(model)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys = OFF")
        cursor.execute("CREATE TABLE probe (id INTEGER PRIMARY KEY, at REAL)")
        for statement in editor.collected_sql:
            cursor.execute(statement)
    installed = datetime.date(2020, 1, 1)
    Meter.objects.bulk_create(
        (Meter(serial=f"B-{meter:06d}", water_user_id=1, installed_on=installed) for meter in range(METERS)),
        batch_size=5000,
    )
    before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print("ready", flush=True)
    sys.stdin.readline()  # the parent's writer is running
    times: dict[str, float] = {}

    def checked(_rows: int) -> None:
        times["checked"] = time.perf_counter()

    with Path(source).open("rb") as content:
        started = time.perf_counter()
        batch = actions.import_readings_file(Path(source).name, content, None, on_checked=checked)
        finished = time.perf_counter()
    after_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = {
        "scenario": scenario,
        "status": batch.status,
        "codes": sorted({error["code"] for error in batch.errors}),
        "rows": batch.row_count,
        "peak_before_mb": before_kb / 1024,
        "peak_mb": after_kb / 1024,
        "import_s": finished - started,
        "write_phase_s": finished - times["checked"] if "checked" in times else 0.0,
    }
    print(json.dumps(result), flush=True)


# --- the parent: files, children, the concurrent writer -------------------------------------------------------


class Writer(threading.Thread):
    """Another user's saves: one short write transaction every 50 ms; records each one's wait."""

    def __init__(self, database: str) -> None:
        super().__init__(daemon=True)
        self.database = database
        self.waits: list[float] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        connection = sqlite3.connect(self.database, timeout=60, isolation_level=None)
        while not self.stopping.is_set():
            started = time.perf_counter()
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("INSERT INTO probe (at) VALUES (?)", (started,))
            connection.execute("COMMIT")
            self.waits.append(time.perf_counter() - started)
            time.sleep(PROBE_INTERVAL_S)
        connection.close()


def run_scenario(scenario: str, source: Path, directory: Path, with_writer: bool) -> dict[str, Any]:
    database = directory / f"{scenario}.sqlite3"
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.intake", "--child", scenario, str(database), str(source)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    writer = Writer(str(database))
    if with_writer:
        writer.start()
        time.sleep(0.2)
    process.stdin.write("go\n")
    process.stdin.flush()
    result: dict[str, Any] = json.loads(process.stdout.readline())
    process.wait(timeout=120)
    if with_writer:
        writer.stopping.set()
        writer.join()
        result["writes"] = len(writer.waits)
        result["longest_write_wait_s"] = max(writer.waits)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.intake", description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=3, metavar=("SCENARIO", "DATABASE", "FILE"), help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.child:
        child(*arguments.child)
        return 0
    with tempfile.TemporaryDirectory(prefix="civic-intake-bench-") as name:
        directory = Path(name)
        files = {
            "largest_accepted": directory / "largest.csv",
            "oversized_99_mb": oversized_csv(directory / "oversized.csv"),
            "distinct_meters_250001": directory / "meters.csv",
            "declared_huge_xlsx": directory / "huge.xlsx",
        }
        files["largest_accepted"].write_bytes(largest_accepted_csv())
        files["distinct_meters_250001"].write_bytes(distinct_meters_csv())
        files["declared_huge_xlsx"].write_bytes(declared_huge_xlsx())
        print("| file | size | outcome | peak RSS before [MB] | peak RSS [MB] | import [s] |")
        print("| --- | ---: | --- | ---: | ---: | ---: |")
        for scenario in SCENARIOS:
            source = files[scenario]
            result = run_scenario(scenario, source, directory, with_writer=scenario == "largest_accepted")
            outcome = result["status"] + (f" ({', '.join(result['codes'])})" if result["codes"] else "")
            print(
                f"| {scenario} | {source.stat().st_size / 1024 / 1024:.3g} MB | {outcome} | "
                f"{result['peak_before_mb']:.0f} | {result['peak_mb']:.0f} | {result['import_s']:.1f} |"
            )
            if "writes" in result:
                writer_line = (
                    f"\nWhile {scenario} ({result['rows']:,} rows) was imported: {result['writes']} writes from another "
                    f"connection, the longest waited {result['longest_write_wait_s']:.2f} s; the import's write phase "
                    f"(staging and the final commit) took {result['write_phase_s']:.1f} s.\n"
                )
        print(writer_line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
