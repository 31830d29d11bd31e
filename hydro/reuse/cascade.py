"""Water cascade analysis: the freshwater target and the pinch of one contaminant.

Demands (sinks) and supplies (sources) of fixed flow are placed on a ladder of
concentration levels C_0 < C_1 < … starting at the freshwater's own
concentration C_fw. Between two levels the water that has reached level i,

.. math:: F^{c}_i = F_{fw} + \\sum_{j \\le i} \\left(\\sum_{\\text{sources at } C_j} F - \\sum_{\\text{sinks at } C_j} F\\right),

can still take up the load Δm_i = F^c_i (C_{i+1} − C_i) [g/h]. The cumulative
load must never be negative; the smallest freshwater flow F_fw that keeps it
so is the target, and the levels where it falls to zero are the pinch
concentrations (Manan, Tan and Foo, 2004). A fixed-load operation counts as a
demand at its highest inlet concentration and a supply at its highest outlet
concentration, both of its limiting flow 1000 L / (C_out − C_in) [t/h]
(Wang and Smith, 1994).

References
----------
.. [1] Manan, Z. A., Tan, Y. L., Foo, D. C. Y. (2004). Targeting the minimum
   water flow rate using water cascade analysis technique. AIChE Journal 50,
   3169–3183.
.. [2] Wang, Y. P., Smith, R. (1994). Wastewater minimisation. Chemical
   Engineering Science 49, 981–1006.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

# A level above every real concentration: water there can take up any load.
TOP_LEVEL_PPM = 1.0e6
RELATIVE_TOLERANCE = 1e-7


@dataclass(frozen=True)
class Stream:
    """A demand or a supply on the cascade: flow [t/h] at a concentration [ppm]."""

    flow_t_per_h: float
    concentration_ppm: float


@dataclass(frozen=True)
class CascadeTarget:
    """Freshwater and wastewater targets [t/h] and the pinch concentrations [ppm]."""

    freshwater_t_per_h: float
    wastewater_t_per_h: float
    pinch_ppm: tuple[float, ...]


def limiting_flow_t_per_h(load_kg_per_h: float, inlet_ppm: float, outlet_ppm: float) -> float:
    """Flow that takes up `load_kg_per_h` between the inlet and outlet limits: 1000 L / ΔC [t/h]."""
    return 1000.0 * load_kg_per_h / (outlet_ppm - inlet_ppm)


def cascade_target(demands: Sequence[Stream], supplies: Sequence[Stream], freshwater_ppm: float = 0.0) -> CascadeTarget:
    """The least freshwater at `freshwater_ppm` that meets every demand, and the pinch.

    Parameters
    ----------
    demands : sequence of Stream
        Sinks: flow needed [t/h] and the highest concentration accepted [ppm].
    supplies : sequence of Stream
        Sources: flow available [t/h] and its concentration [ppm].
    freshwater_ppm : float
        Concentration of the freshwater [ppm].

    Returns
    -------
    CascadeTarget
    """
    levels = sorted(
        {freshwater_ppm, TOP_LEVEL_PPM} | {max(s.concentration_ppm, freshwater_ppm) for s in (*demands, *supplies)}
    )
    net = dict.fromkeys(levels, 0.0)
    for supply in supplies:
        net[max(supply.concentration_ppm, freshwater_ppm)] += supply.flow_t_per_h
    for demand in demands:
        net[max(demand.concentration_ppm, freshwater_ppm)] -= demand.flow_t_per_h
    cumulative_flow, cumulative_load, loads = 0.0, 0.0, []
    for lower, upper in itertools.pairwise(levels):
        cumulative_flow += net[lower]
        cumulative_load += cumulative_flow * (upper - lower)
        loads.append((upper, cumulative_load))
    needed = [-load / (upper - freshwater_ppm) for upper, load in loads]
    balance = sum(d.flow_t_per_h for d in demands) - sum(s.flow_t_per_h for s in supplies)
    freshwater = max(0.0, balance, *needed)
    scale = max(1.0, freshwater, *(abs(load) / (upper - freshwater_ppm) for upper, load in loads))
    pinches = tuple(
        upper
        for upper, load in loads
        if upper < TOP_LEVEL_PPM
        and abs(load + freshwater * (upper - freshwater_ppm)) <= RELATIVE_TOLERANCE * scale * upper
    )
    return CascadeTarget(freshwater, freshwater - balance, pinches if freshwater > 0 else ())
