"""Solve a reuse problem: least freshwater, then least annual cost (or fewest pipes).

Stages (the usual two of water network synthesis):

1. least freshwater [t/h]: a linear program with every operation's outlet at
   its limit, exact for one contaminant (Savelski and Bagajewicz, 2000); with
   several contaminants or removal-ratio regenerators the balances are
   bilinear and `hydro.reuse.bilinear` finds the outlets by spatial branch and
   bound, reporting the proven bound and the gap;
2. with freshwater held at that least value, least annual cost [yuan/year]
   (freshwater, discharge, regeneration, pipes) or fewest inter-plant pipes:
   a mixed-integer program when pipes between plants carry a fixed cost or
   their number is capped.

The objective ``cost`` skips stage 1; ``freshwater`` skips stage 2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import highspy
import numpy as np

from hydro.reuse import bilinear, diagnosis, nearest_neighbours
from hydro.reuse.cascade import TOP_LEVEL_PPM, Stream, cascade_target, limiting_flow_t_per_h
from hydro.reuse.formulation import (
    Formulation,
    UnitData,
    add_objectives,
    add_quality_limits,
    start_formulation,
    unit_data,
)
from hydro.reuse.linear_model import INFINITY, FloatArray, IntArray, LinearModel, Outcome, run
from hydro.reuse.network import (
    Costs,
    Flow,
    Solution,
    actual_outlet_ppm,
    flow_records,
    totals,
)
from hydro.reuse.problem import Problem
from hydro.reuse.superstructure import Kind, Superstructure, build_superstructure

FRESHWATER_SLACK_RELATIVE = 1e-7
SMALLEST_FLOW_T_PER_H = 1e-6
FRESHWATER_SLACK_T_PER_H = 1e-6
DEFAULT_TIME_LIMIT_S = 60.0
DEFAULT_MIP_GAP = 1e-4


@dataclass(frozen=True)
class Scenario:
    """How much reuse a solve may use.

    Attributes
    ----------
    allow_interplant : bool or None
        False keeps every stream within its plant; None follows the problem.
    reuse : bool
        False: no reuse at all, every demand met by purchased water.
    regeneration : bool
        False leaves the regenerators out.
    """

    allow_interplant: bool | None = None
    reuse: bool = True
    regeneration: bool = True


def solve(
    problem: Problem,
    scenario: Scenario | None = None,
    objective: str | None = None,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    mip_gap: float = DEFAULT_MIP_GAP,
) -> Solution:
    """Least freshwater and least cost network of a problem.

    Parameters
    ----------
    problem : Problem
    scenario : Scenario, optional
        Restrictions on reuse (default: as the problem allows).
    objective : str, optional
        One of `hydro.reuse.problem.OBJECTIVES`; the problem's own by default.
    time_limit_s : float
        Limit on each solver call [s].
    mip_gap : float
        Relative gap at which mixed-integer and branch-and-bound searches stop.

    Returns
    -------
    Solution
        With status "infeasible" and an explanation when no network meets the limits.
    """
    scenario = scenario or Scenario()
    if not scenario.regeneration:
        problem = _without_regenerators(problem)
    objective = objective or problem.objective
    if nearest_neighbours.applies(problem, scenario.allow_interplant, scenario.reuse):
        network = nearest_neighbours.nearest_neighbour_network(problem)
        if network is not None:
            return _neighbour_solution(problem, network)
    structure = build_superstructure(problem, scenario.allow_interplant, scenario.reuse)
    data = unit_data(problem, structure)
    outlet, bound, method, searched = data.outlet_ppm, None, "linear program", None
    if bilinear.needs_global_search(problem):
        searched = bilinear.global_minimum(problem, structure, data, time_limit_s, mip_gap)
        if searched.infeasible:
            return diagnosis.explain(problem, scenario.allow_interplant, scenario.reuse)
        outlet, bound, method = searched.outlet_ppm, searched.lower_bound, "spatial branch and bound (McCormick)"
    formulation = build_model(problem, structure, data, outlet)
    freshwater_outcome: Outcome | None = None
    if objective != "cost":
        freshwater_outcome = _least_freshwater(formulation, problem, time_limit_s, mip_gap)
        if not freshwater_outcome.solved:
            return diagnosis.explain(problem, scenario.allow_interplant, scenario.reuse)
    outcome = _second_stage(formulation, objective, freshwater_outcome, time_limit_s, mip_gap)
    if not outcome.solved:
        return diagnosis.explain(problem, scenario.allow_interplant, scenario.reuse)
    if method == "linear program" and _has_integers(formulation):
        method = "mixed-integer program"
    return _solution(problem, formulation, outcome, bound, method, searched, scenario, mip_gap)


def _neighbour_solution(problem: Problem, network: nearest_neighbours.NeighbourNetwork) -> Solution:
    """A Solution from the nearest neighbour network: exact, so its bound is its freshwater."""
    plant_of = {source.id: source.plant for source in problem.sources} | {sink.id: sink.plant for sink in problem.sinks}
    where = {plant.id: (plant.x_m, plant.y_m) for plant in problem.plants}
    flows = []
    for (tail, head), flow in network.flows.items():
        ends = (plant_of.get(tail), plant_of.get(head))
        between = None not in ends and ends[0] != ends[1]
        distance = math.dist(where.get(ends[0] or "", (0, 0)), where.get(ends[1] or "", (0, 0))) if between else 0.0
        flows.append(Flow(tail, head, flow, between, distance))
    hours, supply = problem.hours_per_year, problem.freshwater[0]
    costs = Costs(
        freshwater=network.freshwater_t_per_h * float(supply.cost_yuan_per_t) * hours,
        wastewater=network.wastewater_t_per_h * float(problem.wastewater_cost_yuan_per_t) * hours,
    )
    return Solution(
        status="optimal",
        method="water cascade and nearest neighbours",
        freshwater_t_per_h=network.freshwater_t_per_h,
        freshwater_by_source_t_per_h={supply.id: network.freshwater_t_per_h},
        wastewater_t_per_h=network.wastewater_t_per_h,
        freshwater_lower_bound_t_per_h=network.freshwater_t_per_h,
        pinch_ppm=network.pinch_ppm,
        flows=tuple(flows),
        costs=costs,
        interplant_connections=len({(plant_of.get(f.from_id), plant_of.get(f.to_id)) for f in flows if f.interplant}),
    )


def _without_regenerators(problem: Problem) -> Problem:
    return replace(problem, regenerators=())


def build_model(problem: Problem, structure: Superstructure, data: UnitData, outlet_ppm: FloatArray) -> Formulation:
    """Balances, quality limits at the given outlets, pipes and objective vectors."""
    formulation = start_formulation(problem, structure, data)
    add_quality_limits(formulation, outlet_ppm)
    add_objectives(formulation, problem)
    _add_pipes(formulation, problem)
    _add_regeneration_reuse_rule(formulation, problem)
    return formulation


def _add_regeneration_reuse_rule(formulation: Formulation, problem: Problem) -> None:
    """Regeneration-reuse: water from a "reuse" regenerator never reaches an operation upstream of it.

    For each such regenerator R a 0/1 mark u per operation (1: its water may
    reach R), with X an arc's flow bound:

    .. math::

        x_{op \\to R} \\le X u_{op}, \\qquad x_{a \\to b} \\le X (1 + u_a - u_b), \\qquad x_{R \\to op} \\le X (1 - u_{op})

    so the marks spread upstream along every flow and no loop passes through R
    twice (Wang and Smith, 1994).
    """
    structure, model = formulation.structure, formulation.model
    operations = structure.units_of(Kind.OPERATION)
    mark_position = np.full(len(structure.unit_ids), -1)
    mark_position[operations] = np.arange(len(operations))
    for unit, regenerator in zip(structure.units_of(Kind.REGENERATOR), problem.regenerators, strict=True):
        if regenerator.mode == "reuse" and len(operations):
            marks = model.add_columns(len(operations), 0.0, 1.0, integer=True)
            _add_mark_rows(formulation, unit, marks, mark_position)
    _pad_objectives(formulation)


def _add_mark_rows(formulation: Formulation, regenerator: int, marks: IntArray, position: IntArray) -> None:
    structure, model = formulation.structure, formulation.model
    tails, heads = structure.tails, structure.heads
    bounds, flows = formulation.arc_bounds_t_per_h, formulation.flow_columns
    feeding = np.flatnonzero((heads == regenerator) & (position[tails] >= 0))
    fed = np.flatnonzero((tails == regenerator) & (position[heads] >= 0))
    between = np.flatnonzero((position[tails] >= 0) & (position[heads] >= 0))
    # x(op → R) − X u_op ≤ 0
    rows = np.repeat(np.arange(len(feeding)), 2)
    columns = np.column_stack([flows[feeding], marks[position[tails[feeding]]]]).ravel()
    model.add_rows(
        -INFINITY, 0.0, rows, columns, np.column_stack([np.ones(len(feeding)), -bounds[feeding]]).ravel(), len(feeding)
    )
    # x(R → op) + X u_op ≤ X
    rows = np.repeat(np.arange(len(fed)), 2)
    columns = np.column_stack([flows[fed], marks[position[heads[fed]]]]).ravel()
    model.add_rows(
        -INFINITY, bounds[fed], rows, columns, np.column_stack([np.ones(len(fed)), bounds[fed]]).ravel(), len(fed)
    )
    # x(a → b) − X u_a + X u_b ≤ X
    rows = np.repeat(np.arange(len(between)), 3)
    columns = np.column_stack(
        [flows[between], marks[position[tails[between]]], marks[position[heads[between]]]]
    ).ravel()
    values = np.column_stack([np.ones(len(between)), -bounds[between], bounds[between]]).ravel()
    model.add_rows(-INFINITY, bounds[between], rows, columns, values, len(between))


def _pad_objectives(formulation: Formulation) -> None:
    """Zero costs on columns added after the objective vectors."""
    for name, vector in formulation.objectives.items():
        missing = formulation.model.column_count - len(vector)
        formulation.objectives[name] = np.concatenate([vector, np.zeros(missing)])


def _pipes_needed(problem: Problem, structure: Superstructure) -> bool:
    piping = problem.piping
    if piping is None or not structure.interplant.any():
        return False
    fixed = piping.fixed_cost_yuan > 0 or piping.cost_yuan_per_m > 0
    return fixed or piping.max_interplant_connections is not None


def _add_pipes(formulation: Formulation, problem: Problem) -> None:
    """A 0/1 pipe per ordered pair of plants: flow between them only through a pipe built; its annual cost.

    One pipe from plant P to plant Q carries every stream sent from P to Q. A
    pipe of length d costs A (c_fixed + c_m d) a year once built and
    A c_tm F d with the flow F it carries (A the annualisation factor [1/year]).
    """
    structure, model, piping = formulation.structure, formulation.model, problem.piping
    if piping is not None:
        per_flow = piping.annualisation_factor * float(piping.cost_yuan_per_t_per_h_m) * structure.distances_m
        formulation.objectives["cost"][formulation.flow_columns] += np.where(structure.interplant, per_flow, 0.0)
    if not _pipes_needed(problem, structure):
        return
    assert piping is not None
    pair_of_arc, pair_count = pipe_pairs(structure)
    arcs = np.flatnonzero(pair_of_arc >= 0)
    pipes = model.add_columns(pair_count, 0.0, 1.0, integer=True)
    formulation.pipe_columns[arcs] = pipes[pair_of_arc[arcs]]
    bounds = _quality_bounds(formulation)[arcs]
    rows = np.repeat(np.arange(len(arcs)), 2)
    columns = np.column_stack([formulation.flow_columns[arcs], pipes[pair_of_arc[arcs]]]).ravel()
    values = np.column_stack([np.ones(len(arcs)), -bounds]).ravel()
    model.add_rows(-INFINITY, 0.0, rows, columns, values, len(arcs))
    if piping.max_interplant_connections is not None:
        cap = float(piping.max_interplant_connections)
        model.add_rows(-INFINITY, cap, np.zeros(pair_count, dtype=np.int64), pipes, 1.0, 1)
    _pad_objectives(formulation)
    length = np.zeros(pair_count)
    length[pair_of_arc[arcs]] = structure.distances_m[arcs]
    formulation.objectives["cost"][pipes] = piping.annualisation_factor * (
        float(piping.fixed_cost_yuan) + float(piping.cost_yuan_per_m) * length
    )
    formulation.objectives["connections"][pipes] = 1.0


def pipe_pairs(structure: Superstructure) -> tuple[IntArray, int]:
    """The pipe (ordered pair of plants) each inter-plant arc runs through, -1 for others; and how many pipes."""
    plant_names = sorted({plant for plant in structure.plants if plant is not None})
    code = {plant: index for index, plant in enumerate(plant_names)}
    unit_codes = np.array([code.get(plant, -1) if plant is not None else -1 for plant in structure.plants])
    keys = unit_codes[structure.tails] * max(1, len(plant_names)) + unit_codes[structure.heads]
    pair_of_arc = np.full(structure.arc_count, -1, dtype=np.int64)
    crossing = np.flatnonzero(structure.interplant)
    unique_keys, inverse = np.unique(keys[crossing], return_inverse=True)
    pair_of_arc[crossing] = inverse
    return pair_of_arc, len(unique_keys)


def _quality_bounds(formulation: Formulation) -> FloatArray:
    """Flow bounds of arcs tightened by quality, for the pipes' big-M rows.

    Water at C_s above a sink's limit C^max can make up at most the share
    (C^max − C_0) / (C_s − C_0) of its flow F, C_0 the cleanest water there is:

    .. math:: x \\le F \\min_k \\frac{C^{max}_k - C_{0,k}}{C_{s,k} - C_{0,k}}
    """
    structure, data = formulation.structure, formulation.data
    bounds = formulation.arc_bounds_t_per_h.copy()
    into_sinks = np.flatnonzero(
        (structure.kinds[structure.heads] == Kind.SINK) & ~data.variable_outlet[structure.tails]
    )
    cleanest = data.outlet_ppm[structure.units_of(Kind.FRESHWATER)].min(axis=0)
    tails, heads = structure.tails[into_sinks], structure.heads[into_sinks]
    excess = data.outlet_ppm[tails] - cleanest
    room = np.maximum(data.inlet_limit_ppm[heads] - cleanest, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(data.outlet_ppm[tails] > data.inlet_limit_ppm[heads], room / excess, 1.0)
    bounds[into_sinks] = np.minimum(bounds[into_sinks], data.fixed_flow_t_per_h[heads] * share.min(axis=1, initial=1.0))
    return bounds


def _has_integers(formulation: Formulation) -> bool:
    return bool(formulation.model.integers) and bool(np.concatenate(formulation.model.integers).any())


def _least_freshwater(formulation: Formulation, problem: Problem, time_limit_s: float, mip_gap: float) -> Outcome:
    """Stage 1. Pipes only matter here when their number is capped; the reuse rule always does."""
    capped = problem.piping is not None and problem.piping.max_interplant_connections is not None
    reuse_rule = any(regenerator.mode == "reuse" for regenerator in problem.regenerators)
    relax = not ((capped or reuse_rule) and _has_integers(formulation))
    highs = formulation.model.to_highs(formulation.objectives["freshwater"], relax=relax)
    return run(highs, time_limit_s, mip_gap)


def _second_stage(
    formulation: Formulation, objective: str, first: Outcome | None, time_limit_s: float, mip_gap: float
) -> Outcome:
    if objective == "freshwater":
        assert first is not None
        return first if not _has_integers(formulation) else _integer_repair(formulation, first, time_limit_s, mip_gap)
    name = "connections" if objective == "freshwater_then_connections" else "cost"
    model = formulation.model
    if first is not None:
        limit = first.objective * (1 + FRESHWATER_SLACK_RELATIVE) + FRESHWATER_SLACK_T_PER_H
        used = np.flatnonzero(formulation.objectives["freshwater"])
        model.add_rows(-INFINITY, limit, np.zeros(len(used), dtype=np.int64), used, 1.0, 1)
    try:
        highs = model.to_highs(formulation.objectives[name])
        if first is not None and _has_integers(formulation):
            _start_from(highs, formulation, first)
        return run(highs, time_limit_s, mip_gap)
    finally:
        if first is not None:
            _drop_last_row_block(model)


def _start_from(highs: Any, formulation: Formulation, first: Outcome) -> None:
    """Give the mixed-integer search the first stage's network as a start: its flows, with the pipes they use.

    Presolve is left off: on parks of many plants it spent the whole time
    limit at the root without branching (seen with HiGHS 1.15).
    """
    values = first.values.copy()
    pipes = formulation.pipe_columns >= 0
    used = pipes & (values[formulation.flow_columns] > SMALLEST_FLOW_T_PER_H)
    integer_columns = np.concatenate(formulation.model.integers)
    values[integer_columns] = 0.0
    values[formulation.pipe_columns[used]] = 1.0
    highs.setOptionValue("presolve", "off")
    start = highspy.HighsSolution()
    start.col_value = list(values)
    start.value_valid = True
    highs.setSolution(start)


def _integer_repair(formulation: Formulation, first: Outcome, time_limit_s: float, mip_gap: float) -> Outcome:
    """Least freshwater with pipes as 0/1: re-solved with the pipes' integrality, cost second."""
    return _second_stage(formulation, "freshwater_then_cost", first, time_limit_s, mip_gap)


def _drop_last_row_block(model: LinearModel) -> None:
    model.row_lowers.pop()
    model.row_uppers.pop()
    model.triplets.pop()
    model.row_count -= 1


def _solution(
    problem: Problem,
    formulation: Formulation,
    outcome: Outcome,
    bound: float | None,
    method: str,
    searched: bilinear.SearchResult | None,
    scenario: Scenario,
    mip_gap: float,
) -> Solution:
    structure, data = formulation.structure, formulation.data
    flows = np.clip(outcome.values[formulation.flow_columns], 0.0, None)
    summed = totals(structure, flows)
    freshwater = summed[Kind.FRESHWATER]
    lower = freshwater if bound is None else min(bound, freshwater)
    gap = 0.0 if freshwater <= 0 else max(0.0, (freshwater - lower) / freshwater)
    outlet = actual_outlet_ppm(structure, data, flows)
    proven = searched is None or searched.proven
    return Solution(
        status="optimal" if proven and outcome.gap <= mip_gap * (1 + 1e-6) else "feasible",
        method=method,
        freshwater_t_per_h=freshwater,
        freshwater_by_source_t_per_h=_by_freshwater_source(structure, flows),
        wastewater_t_per_h=summed[Kind.WASTEWATER],
        regenerated_t_per_h=summed[Kind.REGENERATOR],
        freshwater_lower_bound_t_per_h=lower,
        gap=round(gap, 9),
        pinch_ppm=pinch_concentrations(problem, structure, flows, scenario),
        flows=flow_records(structure, flows),
        costs=annual_costs(problem, structure, data, flows),
        interplant_connections=_pipes_built(structure, flows),
        outlet_ppm=_outlets(problem, structure, outlet, flows),
    )


def _pipes_built(structure: Superstructure, flows: FloatArray) -> int:
    """Pipes between plants carrying water: ordered pairs of plants with a flow from one to the other."""
    pair_of_arc, _ = pipe_pairs(structure)
    return len(np.unique(pair_of_arc[(flows > SMALLEST_FLOW_T_PER_H) & structure.interplant]))


def _by_freshwater_source(structure: Superstructure, flows: FloatArray) -> dict[str, float]:
    supplies = structure.units_of(Kind.FRESHWATER)
    used = np.bincount(structure.tails, weights=flows, minlength=len(structure.unit_ids))
    return {structure.unit_ids[unit]: float(used[unit]) for unit in supplies}


def _outlets(
    problem: Problem, structure: Superstructure, outlet: FloatArray, flows: FloatArray
) -> dict[str, dict[str, float]]:
    inflow = np.bincount(structure.heads, weights=flows, minlength=len(structure.unit_ids))
    units = np.concatenate([structure.units_of(Kind.OPERATION), structure.units_of(Kind.REGENERATOR)])
    return {
        structure.unit_ids[unit]: dict(zip(problem.contaminants, map(float, outlet[unit]), strict=True))
        for unit in units
        if inflow[unit] > 1e-6
    }


def annual_costs(problem: Problem, structure: Superstructure, data: UnitData, flows: FloatArray) -> Costs:
    """Annual cost of the flows as built [yuan/year]: water bought, discharged, treated, and pipes."""
    hours = problem.hours_per_year
    tail_kinds, head_kinds = structure.kinds[structure.tails], structure.kinds[structure.heads]
    bought = flows * data.price_yuan_per_t[structure.tails] * hours
    treated = flows * data.price_yuan_per_t[structure.heads] * hours
    piping = 0.0
    if problem.piping is not None:
        p = problem.piping
        built = (flows > SMALLEST_FLOW_T_PER_H) & structure.interplant
        pair_of_arc, _ = pipe_pairs(structure)
        _, first = np.unique(pair_of_arc[built], return_index=True)
        lengths = structure.distances_m[built][first]
        piping = p.annualisation_factor * float(
            np.sum(float(p.fixed_cost_yuan) + float(p.cost_yuan_per_m) * lengths)
            + float(p.cost_yuan_per_t_per_h_m) * np.sum(flows[built] * structure.distances_m[built])
        )
    return Costs(
        freshwater=float(bought[tail_kinds == Kind.FRESHWATER].sum()),
        wastewater=float(treated[head_kinds == Kind.WASTEWATER].sum()),
        regeneration=float(treated[head_kinds == Kind.REGENERATOR].sum()),
        piping=piping,
    )


def pinch_concentrations(
    problem: Problem, structure: Superstructure, flows: FloatArray, scenario: Scenario
) -> tuple[float, ...]:
    """Pinch concentrations [ppm] of the water cascade, one contaminant only.

    The cascade is drawn at the returned network's purchases of every
    freshwater but the cleanest and its regenerated flows (a regenerator
    is a demand that accepts any water and a supply at its outlet); plant by
    plant when streams may not cross plants. Empty for several contaminants.
    """
    if len(problem.contaminants) != 1 or not scenario.reuse:
        return ()
    contaminant = problem.contaminants[0]
    cleanest = min(problem.freshwater, key=lambda supply: supply.concentration_ppm[contaminant])
    crossing = problem.allow_interplant if scenario.allow_interplant is None else scenario.allow_interplant
    plants: set[str | None] = {None} if crossing else {plant for plant in structure.plants if plant is not None}
    pinches: set[float] = set()
    for plant in plants:
        demands, supplies = _cascade_streams(problem, structure, flows, contaminant, cleanest.id, plant)
        if demands:
            pinches.update(cascade_target(demands, supplies, cleanest.concentration_ppm[contaminant]).pinch_ppm)
    return tuple(sorted(pinches))


def _cascade_streams(
    problem: Problem, structure: Superstructure, flows: FloatArray, contaminant: str, cleanest: str, plant: str | None
) -> tuple[list[Stream], list[Stream]]:
    def here(unit_plant: str | None) -> bool:
        return plant is None or unit_plant == plant

    demands = [
        Stream(sink.flow_t_per_h, sink.max_concentration_ppm[contaminant]) for sink in problem.sinks if here(sink.plant)
    ]
    supplies = [Stream(s.flow_t_per_h, s.concentration_ppm[contaminant]) for s in problem.sources if here(s.plant)]
    for operation in problem.operations:
        inlet, outlet = operation.max_inlet_ppm[contaminant], operation.max_outlet_ppm[contaminant]
        load = operation.load_kg_per_h[contaminant]
        if here(operation.plant) and load > 0 and outlet > inlet:
            flow = limiting_flow_t_per_h(load, inlet, outlet)
            demands.append(Stream(flow, inlet))
            supplies.append(Stream(flow, outlet))
    leaving = np.bincount(structure.tails, weights=flows, minlength=len(structure.unit_ids))
    head_plants = np.array([structure.plants[head] for head in structure.heads], dtype=object)
    for unit in structure.units_of(Kind.FRESHWATER):
        unit_id = structure.unit_ids[unit]
        into_here = (structure.tails == unit) & np.array([here(p) for p in head_plants], dtype=bool)
        bought = float(flows[into_here].sum())
        if unit_id != cleanest and bought > 0:
            supply = next(s for s in problem.freshwater if s.id == unit_id)
            supplies.append(Stream(bought, supply.concentration_ppm[contaminant]))
    for unit, regenerator in zip(structure.units_of(Kind.REGENERATOR), problem.regenerators, strict=True):
        if here(regenerator.plant) and leaving[unit] > 0 and regenerator.outlet_concentration_ppm is not None:
            demands.append(Stream(float(leaving[unit]), TOP_LEVEL_PPM))
            supplies.append(Stream(float(leaving[unit]), regenerator.outlet_concentration_ppm[contaminant]))
    return demands, supplies
