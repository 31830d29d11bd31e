"""Time a benchmark's candidate against its baseline and report the ratio."""

from __future__ import annotations

import datetime
import os
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

RESULTS_START = "<!-- results start -->"
RESULTS_END = "<!-- results end -->"


@dataclass(frozen=True)
class Benchmark:
    """Civic's code (`candidate`) and a plain baseline doing the same work on the same input.

    Both return the figure they computed; `agree` says whether the two figures match,
    so a benchmark cannot report a ratio for a candidate that computes something else.
    """

    name: str
    description: str
    baseline: Callable[[], object]
    candidate: Callable[[], object]
    agree: Callable[[object, object], bool]


@dataclass(frozen=True)
class Measurement:
    benchmark: Benchmark
    baseline_seconds: float
    candidate_seconds: float

    @property
    def ratio(self) -> float:
        return self.candidate_seconds / self.baseline_seconds


def best_time(function: Callable[[], object], repeat: int) -> tuple[float, object]:
    """The shortest of `repeat` runs [s] (the one least disturbed by the machine), and the result."""
    timings = []
    result: object = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        timings.append(time.perf_counter() - started)
    return min(timings), result


def measure(benchmark: Benchmark, repeat: int) -> Measurement:
    baseline_seconds, baseline_result = best_time(benchmark.baseline, repeat)
    candidate_seconds, candidate_result = best_time(benchmark.candidate, repeat)
    if not benchmark.agree(baseline_result, candidate_result):
        raise AssertionError(
            f"{benchmark.name}: the candidate computed {candidate_result!r}, the baseline {baseline_result!r}"
        )
    return Measurement(benchmark, baseline_seconds, candidate_seconds)


def results_table(measurements: Sequence[Measurement]) -> str:
    lines = [
        "| benchmark | what is timed | baseline [s] | Civic [s] | ratio |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for measurement in measurements:
        lines.append(
            f"| {measurement.benchmark.name} | {measurement.benchmark.description} "
            f"| {measurement.baseline_seconds:.3f} | {measurement.candidate_seconds:.3f} | {measurement.ratio:.1f}× |"
        )
    return "\n".join(lines)


def machine_line(repeat: int) -> str:
    return (
        f"Measured {datetime.date.today().isoformat()} with Python {platform.python_version()} "
        f"on {os.cpu_count()} CPU cores ({platform.machine()}), best of {repeat} runs each."
    )


def write_results(path: Path, measurements: Sequence[Measurement], repeat: int) -> None:
    """Replace the results between the markers in `path` (BENCHMARKS.md), leaving the prose alone."""
    text = path.read_text(encoding="utf-8")
    before, found_start, rest = text.partition(RESULTS_START)
    _, found_end, after = rest.partition(RESULTS_END)
    if not (found_start and found_end):
        raise ValueError(f"{path} has no {RESULTS_START} … {RESULTS_END} section to update")
    results = f"{RESULTS_START}\n{machine_line(repeat)}\n\n{results_table(measurements)}\n{RESULTS_END}"
    path.write_text(before + results + after, encoding="utf-8")
