"""A small worked localisation for pages and demonstrations: one leak on Net3.

Two noise-free training weeks and five days in which a 40 mm hole opens on
pipe 171 at noon on 2 January (about 100 m³/h, the size of a main's burst on a
network that supplies some 2,000 m³/h at night). The result carries what a map
and charts need: node coordinates, links, sensors, the alarm with its ranked
candidate pipes and the night residuals.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pandas as pd
import wntr

from hydro.network.locate import LocateResult, locate_leaks
from hydro.network.model import load_network, node_coordinates
from hydro.network.sensors import SensorData, SensorLayout, read_sensor_layout
from hydro.network.simulation import LeakSpec, simulate

DEMO_NETWORK = "Net3"
DEMO_SENSORS = Path(__file__).parent / "data" / "Net3.sensors.yaml"
DEMO_LEAK = LeakSpec("171", pd.Timestamp("2019-01-02 12:00"), diameter_m=0.04)


def map_layers(network: wntr.network.WaterNetworkModel, layout: SensorLayout) -> dict[str, Any]:
    """Nodes (x, y as in the .inp), links as node pairs with their kind, and the sensors."""
    return {
        "nodes": {name: [round(x, 2), round(y, 2)] for name, (x, y) in node_coordinates(network).items()},
        "links": [
            [name, link.start_node_name, link.end_node_name, link.link_type.lower()] for name, link in network.links()
        ],
        "reservoirs": list(network.reservoir_name_list),
        "tanks": list(network.tank_name_list),
        "sensors": {"pressures": layout.pressures, "flows": layout.flows, "levels": layout.levels},
    }


def demo_localisation(workers: int | None = 1) -> tuple[dict[str, Any], LocateResult]:
    """Simulate the demo leak, locate it, and return the map layers with the true leak."""
    network = load_network(DEMO_NETWORK)
    layout = read_sensor_layout(DEMO_SENSORS)
    training = simulate(copy.deepcopy(network), layout, [], 14, pd.Timestamp("2018-12-18"))
    test = simulate(copy.deepcopy(network), layout, [DEMO_LEAK], 5, pd.Timestamp("2019-01-01"))
    result = locate_leaks(
        network,
        SensorData(test.pressures, test.flows, test.levels),
        SensorData(training.pressures, training.flows, training.levels),
        workers=workers,
    )
    layers = map_layers(network, layout)
    layers["network"] = DEMO_NETWORK
    layers["true_leaks"] = [
        {
            "pipe_id": DEMO_LEAK.pipe_id,
            "start_time": f"{DEMO_LEAK.start:%Y-%m-%d %H:%M}",
            "diameter_m": DEMO_LEAK.diameter_m,
        }
    ]
    return layers, result
