"""Files of a network analysis as an analyst uploads them: Net3's `.inp`, its sensor list, and simulated data.

The data are simulated once per test process (EPANET, noise-free): `TRAINING_DAYS`
leak-free days from 18 December 2018, then `WATCHED_DAYS` days in which the demo's
40 mm hole opens on pipe 171 at noon on 2 January 2019 (`hydro.network.demo.DEMO_LEAK`).
"""

from __future__ import annotations

import copy
import functools
import io

import pandas as pd

from hydro.network.demo import DEMO_LEAK, DEMO_NETWORK, DEMO_SENSORS
from hydro.network.model import load_network, wntr_example_path
from hydro.network.sensors import read_sensor_layout
from hydro.network.simulation import simulate

TRAINING_DAYS = 14
WATCHED_DAYS = 3
FIRST_DAY = pd.Timestamp("2018-12-18")


def net3_inp() -> bytes:
    return wntr_example_path(DEMO_NETWORK).read_bytes()


def sensors_yaml() -> bytes:
    return DEMO_SENSORS.read_bytes()


def data_files() -> dict[str, bytes]:
    """pressures.csv, flows.csv and levels.csv of the training and watched days, as one period: a new dict each
    call, so that a test changing one file leaves the others' files alone."""
    return dict(_simulated_files())


@functools.cache
def _simulated_files() -> dict[str, bytes]:
    network = load_network(DEMO_NETWORK)
    layout = read_sensor_layout(DEMO_SENSORS)
    training = simulate(copy.deepcopy(network), layout, [], TRAINING_DAYS, FIRST_DAY)
    watched_start = FIRST_DAY + pd.Timedelta(days=TRAINING_DAYS)
    watched = simulate(copy.deepcopy(network), layout, [DEMO_LEAK], WATCHED_DAYS, watched_start)
    files = {}
    for kind in ("pressures", "flows", "levels"):
        table = pd.concat([getattr(training, kind), getattr(watched, kind)])
        table.index = table.index.strftime("%Y-%m-%d %H:%M")
        table.index.name = "Timestamp"
        buffer = io.StringIO()
        table.to_csv(buffer, float_format="%.4f")
        files[kind] = buffer.getvalue().encode("utf-8")
    return files
