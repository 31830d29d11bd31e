"""The reuse superstructure: every unit of a problem and every connection it may use.

Units are numbered in one sequence: freshwater sources, process sources,
operations, regenerators, process sinks, and last the discharge
(``wastewater``). A connection (an *arc*) joins the outlet of one unit to
the inlet of another:

============== ===========================================
from           to
============== ===========================================
freshwater     operations, sinks
source         operations, regenerators, sinks, discharge
operation      other operations, regenerators, sinks, discharge
regenerator    operations, sinks
============== ===========================================

Connections between two plants are *inter-plant*; without
``allow_interplant`` they are left out. A freshwater source with no plant is a
utility main that reaches every plant at no piping cost; one placed at a plant
(a wastewater plant's effluent) is piped like any inter-plant stream.
Arrays make the superstructure so that a park of thousands of streams builds
in well under a second.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import numpy.typing as npt

from hydro.reuse.problem import WASTEWATER_ID, Problem

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


class Kind(IntEnum):
    """What a unit is; the order of the unit sequence."""

    FRESHWATER = 0
    SOURCE = 1
    OPERATION = 2
    REGENERATOR = 3
    SINK = 4
    WASTEWATER = 5


ALLOWED_HEADS: dict[Kind, tuple[Kind, ...]] = {
    Kind.FRESHWATER: (Kind.OPERATION, Kind.SINK),
    Kind.SOURCE: (Kind.OPERATION, Kind.REGENERATOR, Kind.SINK, Kind.WASTEWATER),
    Kind.OPERATION: (Kind.OPERATION, Kind.REGENERATOR, Kind.SINK, Kind.WASTEWATER),
    Kind.REGENERATOR: (Kind.OPERATION, Kind.SINK),
}
UTILITY_PLANT = None


@dataclass(frozen=True)
class Superstructure:
    """Units and candidate connections of a problem, as arrays.

    Attributes
    ----------
    unit_ids : tuple of str
    kinds : ndarray of int
        `Kind` of each unit.
    plants : tuple of str or None
        Plant of each unit; None for a utility main and for the discharge.
    tails, heads : ndarray of int
        Unit at the start and at the end of each arc.
    interplant : ndarray of bool
        Whether each arc runs between two sites and so needs a pipe.
    distances_m : ndarray of float
        Length of each arc's pipe [m], 0 within a plant or where a plant has no coordinates.
    """

    unit_ids: tuple[str, ...]
    kinds: IntArray
    plants: tuple[str | None, ...]
    tails: IntArray
    heads: IntArray
    interplant: BoolArray
    distances_m: FloatArray

    @property
    def arc_count(self) -> int:
        return len(self.tails)

    def units_of(self, kind: Kind) -> IntArray:
        """Indices of the units of one kind, in problem order."""
        return np.flatnonzero(self.kinds == kind)

    def index_of(self, unit_id: str) -> int:
        return self.unit_ids.index(unit_id)


def build_superstructure(problem: Problem, allow_interplant: bool | None = None, reuse: bool = True) -> Superstructure:
    """Enumerate the units and the connections a problem allows.

    Parameters
    ----------
    problem : Problem
    allow_interplant : bool, optional
        Overrides the problem's own `allow_interplant` when given.
    reuse : bool
        False keeps only freshwater to users and users to the discharge: the
        "no reuse" scenario, each demand met by purchased water alone.

    Returns
    -------
    Superstructure
    """
    unit_ids, kinds, plants = _units(problem)
    coordinates = _plant_coordinates(problem, plants)
    tails, heads = _candidate_arcs(kinds)
    keep_self_loops_out = tails != heads
    tails, heads = tails[keep_self_loops_out], heads[keep_self_loops_out]
    interplant = _between_sites(plants, tails, heads)
    distances = np.hypot(*(coordinates[tails] - coordinates[heads]).T)
    distances[~interplant] = 0.0
    keep = _within_reach(problem, interplant, distances, tails, heads, plants, allow_interplant)
    if not reuse:
        keep &= (kinds[tails] == Kind.FRESHWATER) | (kinds[heads] == Kind.WASTEWATER)
    return Superstructure(
        unit_ids=unit_ids,
        kinds=kinds,
        plants=plants,
        tails=tails[keep],
        heads=heads[keep],
        interplant=interplant[keep],
        distances_m=distances[keep],
    )


def _units(problem: Problem) -> tuple[tuple[str, ...], IntArray, tuple[str | None, ...]]:
    groups: list[tuple[Kind, list[tuple[str, str | None]]]] = [
        (Kind.FRESHWATER, [(unit.id, unit.plant) for unit in problem.freshwater]),
        (Kind.SOURCE, [(unit.id, unit.plant) for unit in problem.sources]),
        (Kind.OPERATION, [(unit.id, unit.plant) for unit in problem.operations]),
        (Kind.REGENERATOR, [(unit.id, unit.plant) for unit in problem.regenerators]),
        (Kind.SINK, [(unit.id, unit.plant) for unit in problem.sinks]),
        (Kind.WASTEWATER, [(WASTEWATER_ID, None)]),
    ]
    entries = [(kind, unit_id, plant) for kind, members in groups for unit_id, plant in members]
    return (
        tuple(unit_id for _, unit_id, _ in entries),
        np.array([kind for kind, _, _ in entries], dtype=np.int64),
        tuple(plant for _, _, plant in entries),
    )


def _candidate_arcs(kinds: IntArray) -> tuple[IntArray, IntArray]:
    tail_blocks: list[IntArray] = []
    head_blocks: list[IntArray] = []
    for tail_kind, head_kinds in ALLOWED_HEADS.items():
        tail_units = np.flatnonzero(kinds == tail_kind)
        head_units = np.flatnonzero(np.isin(kinds, head_kinds))
        tail_blocks.append(np.repeat(tail_units, len(head_units)))
        head_blocks.append(np.tile(head_units, len(tail_units)))
    return np.concatenate(tail_blocks), np.concatenate(head_blocks)


def _between_sites(plants: tuple[str | None, ...], tails: IntArray, heads: IntArray) -> BoolArray:
    """An arc is inter-plant when both ends sit at plants and the plants differ."""
    codes = {plant: code for code, plant in enumerate(sorted({p for p in plants if p is not None}))}
    plant_codes = np.array([codes.get(plant, -1) if plant is not None else -1 for plant in plants], dtype=np.int64)
    tail_codes, head_codes = plant_codes[tails], plant_codes[heads]
    return (tail_codes >= 0) & (head_codes >= 0) & (tail_codes != head_codes)


def _plant_coordinates(problem: Problem, plants: tuple[str | None, ...]) -> FloatArray:
    where = {plant.id: (plant.x_m, plant.y_m) for plant in problem.plants}
    return np.array([where.get(plant, (0.0, 0.0)) if plant is not None else (0.0, 0.0) for plant in plants])


def _within_reach(
    problem: Problem,
    interplant: BoolArray,
    distances: FloatArray,
    tails: IntArray,
    heads: IntArray,
    plants: tuple[str | None, ...],
    allow_interplant: bool | None,
) -> BoolArray:
    """Arcs kept: all within a plant; between plants only if allowed and, with piping limits, near enough."""
    allowed = problem.allow_interplant if allow_interplant is None else allow_interplant
    if not allowed:
        return ~interplant
    keep = np.ones(len(tails), dtype=bool)
    piping = problem.piping
    if piping is not None and piping.max_distance_m is not None:
        keep &= ~interplant | (distances <= piping.max_distance_m)
    if piping is not None and piping.nearest_plants is not None:
        keep &= ~interplant | _among_nearest(problem, piping.nearest_plants, tails, heads, plants)
    return keep


def _among_nearest(
    problem: Problem, neighbour_count: int, tails: IntArray, heads: IntArray, plants: tuple[str | None, ...]
) -> BoolArray:
    """Whether the tail's plant is among the `neighbour_count` plants nearest the head's plant."""
    plant_ids = [plant.id for plant in problem.plants]
    positions = np.array([(plant.x_m, plant.y_m) for plant in problem.plants])
    gaps = np.hypot(*(positions[:, None, :] - positions[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(gaps, math.inf)
    rank = np.argsort(np.argsort(gaps, axis=1, kind="stable"), axis=1, kind="stable")
    plant_index = {plant_id: index for index, plant_id in enumerate(plant_ids)}
    unit_plant = np.array([plant_index.get(plant, -1) if plant is not None else -1 for plant in plants])
    tail_plant, head_plant = unit_plant[tails], unit_plant[heads]
    known = (tail_plant >= 0) & (head_plant >= 0)
    near = np.zeros(len(tails), dtype=bool)
    near[known] = rank[head_plant[known], tail_plant[known]] < neighbour_count
    return near | ~known
