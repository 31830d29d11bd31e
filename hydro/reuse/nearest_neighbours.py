"""Least-freshwater networks of one contaminant with fixed flows, without a solver.

For sources and sinks of fixed flow and one contaminant, the water cascade's
target (`hydro.reuse.cascade`) is the optimum of the linear program exactly
(Manan, Tan and Foo, 2004). A network that meets it is built by the nearest
neighbour algorithm (Prakash and Shenoy, 2005): sinks are served from the
cleanest limit up; each takes a mix of the two supplies whose concentrations
bracket its limit most closely, in the proportion that lands exactly on the
limit,

.. math:: x_b = F \\frac{C^{max} - C_a}{C_b - C_a}, \\qquad x_a = F - x_b,

moving on to the next neighbour out as one is used up; freshwater (the
cleanest supply, at its target flow) is taken last. What is left goes to the
discharge. If a sink cannot be served the function returns None and the
caller solves the linear program instead, so the result is never worse than
the solver's; when it succeeds it uses exactly the target, which no network
can beat. It runs in O(n log n) plus the flows it returns, where the linear
program over every source–sink pair has n² columns.

References
----------
.. [1] Prakash, R., Shenoy, U. V. (2005). Targeting and design of water
   networks for fixed flowrate and fixed contaminant load operations.
   Chemical Engineering Science 60, 255–268.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from hydro.reuse.cascade import Stream, cascade_target
from hydro.reuse.problem import WASTEWATER_ID, Problem

SMALLEST_FLOW_T_PER_H = 1e-9


@dataclass
class _Supply:
    concentration_ppm: float
    available_t_per_h: float
    unit_id: str


@dataclass
class NeighbourNetwork:
    """Flows [t/h] keyed by (from, to), with the cascade's target and pinch."""

    flows: dict[tuple[str, str], float] = field(default_factory=dict)
    freshwater_t_per_h: float = 0.0
    wastewater_t_per_h: float = 0.0
    pinch_ppm: tuple[float, ...] = ()


def applies(problem: Problem, allow_interplant: bool | None, reuse: bool) -> bool:
    """Whether the problem is one the nearest neighbour algorithm solves exactly at least cost too.

    One contaminant, only sources and sinks, one freshwater without a
    capacity, reuse allowed everywhere and no pipe costs: then cost follows
    freshwater (the discharge is fixed by the balance), so least freshwater is
    least cost.
    """
    crossing = problem.allow_interplant if allow_interplant is None else allow_interplant
    one_site = len({source.plant for source in problem.sources} | {sink.plant for sink in problem.sinks}) <= 1
    unpiped = problem.piping is None or (
        problem.piping.max_distance_m is None and problem.piping.nearest_plants is None and not _costed(problem)
    )
    return (
        reuse
        and len(problem.contaminants) == 1
        and not problem.operations
        and not problem.regenerators
        and len(problem.freshwater) == 1
        and problem.freshwater[0].capacity_t_per_h is None
        and (one_site or (crossing and unpiped))
    )


def _costed(problem: Problem) -> bool:
    piping = problem.piping
    assert piping is not None
    costs = (piping.fixed_cost_yuan, piping.cost_yuan_per_m, piping.cost_yuan_per_t_per_h_m)
    return any(cost > 0 for cost in costs) or piping.max_interplant_connections is not None


def nearest_neighbour_network(problem: Problem) -> NeighbourNetwork | None:
    """The least-freshwater network, or None when the algorithm cannot serve every sink."""
    contaminant = problem.contaminants[0]
    freshwater = problem.freshwater[0]
    fresh_ppm = freshwater.concentration_ppm[contaminant]
    sinks = sorted(problem.sinks, key=lambda sink: sink.max_concentration_ppm[contaminant])
    if sinks and sinks[0].max_concentration_ppm[contaminant] < fresh_ppm:
        return None
    demands = [Stream(sink.flow_t_per_h, sink.max_concentration_ppm[contaminant]) for sink in problem.sinks]
    offers = [Stream(source.flow_t_per_h, source.concentration_ppm[contaminant]) for source in problem.sources]
    target = cascade_target(demands, offers, fresh_ppm)
    supplies = sorted(
        [_Supply(fresh_ppm, target.freshwater_t_per_h * (1 + 1e-12) + 1e-9, freshwater.id)]
        + [
            _Supply(source.concentration_ppm[contaminant], source.flow_t_per_h, source.id) for source in problem.sources
        ],
        # Freshwater first among equal concentrations, so that it is the last clean neighbour taken.
        key=lambda supply: (supply.concentration_ppm, supply.unit_id != freshwater.id),
    )
    network = NeighbourNetwork(pinch_ppm=target.pinch_ppm)
    levels = [supply.concentration_ppm for supply in supplies]
    for sink in sinks:
        if not _serve(network, supplies, levels, sink.id, sink.flow_t_per_h, sink.max_concentration_ppm[contaminant]):
            return None
    for supply in supplies:
        if supply.unit_id != freshwater.id and supply.available_t_per_h > SMALLEST_FLOW_T_PER_H:
            _add(network, supply.unit_id, WASTEWATER_ID, supply.available_t_per_h)
    network.freshwater_t_per_h = sum(flow for (tail, _), flow in network.flows.items() if tail == freshwater.id)
    network.wastewater_t_per_h = sum(flow for (_, head), flow in network.flows.items() if head == WASTEWATER_ID)
    return network


def _serve(
    network: NeighbourNetwork, supplies: list[_Supply], levels: list[float], sink_id: str, flow: float, limit: float
) -> bool:
    """Meet one sink from the supplies bracketing its limit, nearest first; False when the clean ones run out."""
    clean = bisect.bisect_right(levels, limit) - 1  # nearest supply at or below the limit
    dirty = clean + 1  # nearest above it
    remaining = flow
    while remaining > SMALLEST_FLOW_T_PER_H * max(1.0, flow):
        while clean >= 0 and supplies[clean].available_t_per_h <= SMALLEST_FLOW_T_PER_H:
            clean -= 1
        if clean < 0:
            return False
        while dirty < len(supplies) and supplies[dirty].available_t_per_h <= SMALLEST_FLOW_T_PER_H:
            dirty += 1
        a = supplies[clean]
        if dirty == len(supplies) or a.concentration_ppm >= limit:
            taken = min(a.available_t_per_h, remaining)
            _take(network, a, sink_id, taken)
            remaining -= taken
            continue
        b = supplies[dirty]
        share_b = (limit - a.concentration_ppm) / (b.concentration_ppm - a.concentration_ppm)
        mixed = min(remaining, a.available_t_per_h / (1 - share_b), b.available_t_per_h / share_b)
        _take(network, a, sink_id, mixed * (1 - share_b))
        _take(network, b, sink_id, mixed * share_b)
        remaining -= mixed
    return True


def _take(network: NeighbourNetwork, supply: _Supply, sink_id: str, flow: float) -> None:
    supply.available_t_per_h = max(0.0, supply.available_t_per_h - flow)
    _add(network, supply.unit_id, sink_id, flow)


def _add(network: NeighbourNetwork, tail: str, head: str, flow: float) -> None:
    if flow > 0:
        network.flows[(tail, head)] = network.flows.get((tail, head), 0.0) + flow
