"""The candidate area of a located leak: the pipes a field crew searches around the pipe named.

A localisation names one pipe, but a report counts as right when the leak lies
within 300 m of pipe distance of it (the BattLeDIM scoring rule), so the crew
is sent to the pipes within that reach. The pipe distance between pipes a and
b is

    d(a, b) = L_a / 2 + min over the end nodes u of a and v of b of D(u, v) + L_b / 2,

with D the shortest path along the network's links (pumps and valves counted
0 m) and L the pipe lengths [m] (`hydro.network.model.pipe_distances`).

Reference: [BATTLEDIM-2020] Vrachimis et al. (2022), "BattLeDIM: Battle of the
Leakage Detection and Isolation Methods", J. Water Resour. Plann. Manage.
148(12), section "Scoring" (a true positive lies within 300 m).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import wntr

from hydro.network.localisation import LOCALISATION_RADIUS_M
from hydro.network.model import pipe_distances


@dataclass(frozen=True)
class AreaPipe:
    """A pipe of a candidate area and its pipe distance from the located pipe [m]."""

    pipe_id: str
    distance_m: float


def candidate_area(
    network: wntr.network.WaterNetworkModel, pipe_id: str, radius_m: float = LOCALISATION_RADIUS_M
) -> list[AreaPipe]:
    """The pipes within `radius_m` of pipe distance of `pipe_id`, nearest first.

    Parameters
    ----------
    network : wntr.network.WaterNetworkModel
    pipe_id : str
        The located pipe.
    radius_m : float
        Reach of the area [m]; 300 m by default, BattLeDIM's reach of a true positive.

    Returns
    -------
    list of AreaPipe
        The located pipe first (0 m), then the others by distance, distances rounded to 0.1 m.
    """
    distances = pipe_distances(network, pipe_id, list(network.pipe_name_list))
    inside = sorted(
        (distance, name) for name, distance in distances.items() if math.isfinite(distance) and distance <= radius_m
    )
    return [AreaPipe(name, round(distance, 1)) for distance, name in inside]
