"""Run the benchmarks: `python -m benchmarks [--repeat N] [--write]` (or `make bench`)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from benchmarks import network, readings, reuse, surcharge
from benchmarks.runner import machine_line, measure, results_table, write_results

BENCHMARKS_FILE = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"
BENCHMARK_FACTORIES = (
    surcharge.benchmark,
    network.benchmark,
    readings.benchmark,
    readings.balance_benchmark,
    readings.night_flow_benchmark,
    reuse.lp_200_benchmark,
    reuse.lp_1000_benchmark,
    reuse.park_benchmark,
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side; the best counts (default 3)")
    parser.add_argument("--write", action="store_true", help=f"also record the results in {BENCHMARKS_FILE.name}")
    arguments = parser.parse_args(argv)
    measurements = [measure(factory(), arguments.repeat) for factory in BENCHMARK_FACTORIES]
    print(machine_line(arguments.repeat))
    print(results_table(measurements))
    if arguments.write:
        write_results(BENCHMARKS_FILE, measurements, arguments.repeat)
        print(f"Recorded in {BENCHMARKS_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
