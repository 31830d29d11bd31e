"""Candidate sweeps on Spark: the same in-process toolkit solves, one task per chunk of candidates.

`localisation.sensitivity_matrices` splits its candidates over worker processes
on one machine; given a Spark session it hands the chunks to Spark instead, so
a sweep can use a cluster's cores. Each partition writes the working copy of
the network from its text (shipped with the task, so executors need no shared
disk), opens one toolkit session, solves its chunks exactly as a worker
process does, and closes the session; there are two partitions per core, since
opening a session costs about as much as solving a few dozen candidates. The chunks come back in order, and the
progress callback is told as each one arrives.

The cluster is the one `hydro.readings.engine` connects to (``HYDRO_ENGINE=pyspark``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from hydro.network import localisation


def spark_sweep(
    chunks: list[list[tuple[str, list[str]]]],
    settings: localisation.SweepSettings,
    session: Any,
    progress: Callable[[int], object] | None = None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The sweep's results per chunk, in the order of `chunks`, computed by Spark tasks."""
    network_text = Path(settings.inp_path).read_text(encoding="utf-8")
    numbered = list(enumerate(chunks))
    # a few partitions per core: each opens the network once, then solves its chunks
    partitions = max(1, min(len(numbered), 2 * int(session.sparkContext.defaultParallelism)))
    tasks = session.sparkContext.parallelize(numbered, partitions)
    results: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for index, result in tasks.mapPartitions(
        lambda items: _run_partition(network_text, settings, items)
    ).toLocalIterator():
        results[index] = result
        if progress:
            progress(len(chunks[index]))
    return [results[index] for index in range(len(chunks))]


def _run_partition(
    network_text: str,
    settings: localisation.SweepSettings,
    items: Iterator[tuple[int, list[tuple[str, list[str]]]]],
) -> Iterator[tuple[int, tuple[np.ndarray, np.ndarray]]]:
    work = list(items)
    if not work:
        return
    with tempfile.TemporaryDirectory(prefix="hydro-spark-sweep-") as folder:
        inp_path = Path(folder) / "network.inp"
        inp_path.write_text(network_text, encoding="utf-8")
        localisation.start_worker(replace(settings, inp_path=str(inp_path)))
        try:
            for index, chunk in work:
                yield index, localisation.sweep_chunk(chunk)
        finally:
            localisation.stop_worker()
