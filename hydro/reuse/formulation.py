"""Balances and quality limits of a reuse network as linear rows.

Every connection a carries a flow x_a [t/h]. With the outlet concentration of
each unit fixed (for an operation, at a chosen value C̄ no higher than its
limit), all balances are linear:

.. math::

    \\sum_{a \\to u} x_a = F_u \\quad (\\text{sink } u), \\qquad
    \\sum_{u \\to a} x_a = F_u \\quad (\\text{source } u), \\qquad
    \\sum_{a \\to u} x_a = \\sum_{u \\to a} x_a \\quad (\\text{operation, regenerator})

    \\sum_{a \\to u} x_a \\, C_{t(a),k} \\le C^{max}_{u,k} \\sum_{a \\to u} x_a
    \\quad (\\text{sink, operation inlet})

    \\sum_{a \\to u} x_a \\, C_{t(a),k} + 1000\\,L_{u,k} \\le \\bar C_{u,k} \\sum_{a \\to u} x_a
    \\quad (\\text{operation outlet})

with C in ppm (g/t), so x·C is in g/h and a load L in kg/h counts 1000 L.
The outlet row is an inequality: the water really leaves at or below C̄, so
every stream downstream is no dirtier than assumed and the network is
feasible as built. For one contaminant, C̄ at the outlet limit loses nothing
(Savelski & Bagajewicz, 2000), which makes the minimum exact.

References
----------
.. [1] Savelski, M. J., Bagajewicz, M. J. (2000). On the optimality conditions
   of water utilization systems in process plants with single contaminants.
   Chemical Engineering Science 55, 5035–5048.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hydro.reuse.linear_model import INFINITY, FloatArray, IntArray, LinearModel
from hydro.reuse.problem import Problem
from hydro.reuse.superstructure import Kind, Superstructure

GRAMS_PER_KILOGRAM = 1000.0


@dataclass(frozen=True)
class UnitData:
    """Numbers of every unit, in superstructure order (rows) and contaminant order (columns).

    Attributes
    ----------
    outlet_ppm : ndarray
        Outlet concentration of units with a fixed outlet [ppm]; for
        operations and removal-ratio regenerators, its highest possible value.
    variable_outlet : ndarray of bool
        Units whose outlet concentration depends on what enters them.
    inlet_limit_ppm : ndarray
        Highest inlet concentration [ppm]; infinite where there is none.
    load_g_per_h : ndarray
        Contaminant picked up by operations [g/h].
    pass_fraction : ndarray
        Share of the inlet contaminant that leaves a removal-ratio regenerator [-].
    fixed_flow_t_per_h : ndarray
        Flow of each source and sink [t/h]; NaN for others.
    capacity_t_per_h : ndarray
        Capacity of freshwater sources and regenerators [t/h]; infinite for others.
    flow_bound_t_per_h : ndarray
        A flow no unit ever needs to exceed, for big-M and envelope bounds [t/h].
    price_yuan_per_t : ndarray
        Freshwater price on freshwater units, treatment price on regenerators,
        discharge price on the discharge [yuan/t].
    """

    outlet_ppm: FloatArray
    variable_outlet: np.ndarray
    inlet_limit_ppm: FloatArray
    load_g_per_h: FloatArray
    pass_fraction: FloatArray
    fixed_flow_t_per_h: FloatArray
    capacity_t_per_h: FloatArray
    flow_bound_t_per_h: FloatArray
    price_yuan_per_t: FloatArray


def unit_data(problem: Problem, structure: Superstructure) -> UnitData:
    """Gather the numbers of every unit of a problem into arrays."""
    unit_count, contaminants = len(structure.unit_ids), problem.contaminants
    data = {
        "outlet_ppm": np.zeros((unit_count, len(contaminants))),
        "variable_outlet": np.zeros(unit_count, dtype=bool),
        "inlet_limit_ppm": np.full((unit_count, len(contaminants)), np.inf),
        "load_g_per_h": np.zeros((unit_count, len(contaminants))),
        "pass_fraction": np.ones((unit_count, len(contaminants))),
        "fixed_flow_t_per_h": np.full(unit_count, np.nan),
        "capacity_t_per_h": np.full(unit_count, np.inf),
        "price_yuan_per_t": np.zeros(unit_count),
    }
    _fill_supplies(problem, structure, data)
    _fill_operations(problem, structure, data)
    _fill_regenerators(problem, structure, data)
    data["price_yuan_per_t"][structure.units_of(Kind.WASTEWATER)] = float(problem.wastewater_cost_yuan_per_t)
    data["flow_bound_t_per_h"] = _flow_bounds(problem, structure, data)
    return UnitData(**data)


def _vector(values: dict[str, float], contaminants: tuple[str, ...]) -> list[float]:
    return [values[contaminant] for contaminant in contaminants]


def _fill_supplies(problem: Problem, structure: Superstructure, data: dict[str, np.ndarray]) -> None:
    contaminants = problem.contaminants
    for unit, freshwater in zip(structure.units_of(Kind.FRESHWATER), problem.freshwater, strict=True):
        data["outlet_ppm"][unit] = _vector(freshwater.concentration_ppm, contaminants)
        data["price_yuan_per_t"][unit] = float(freshwater.cost_yuan_per_t)
        if freshwater.capacity_t_per_h is not None:
            data["capacity_t_per_h"][unit] = freshwater.capacity_t_per_h
    for unit, source in zip(structure.units_of(Kind.SOURCE), problem.sources, strict=True):
        data["outlet_ppm"][unit] = _vector(source.concentration_ppm, contaminants)
        data["fixed_flow_t_per_h"][unit] = source.flow_t_per_h
    for unit, sink in zip(structure.units_of(Kind.SINK), problem.sinks, strict=True):
        data["inlet_limit_ppm"][unit] = _vector(sink.max_concentration_ppm, contaminants)
        data["fixed_flow_t_per_h"][unit] = sink.flow_t_per_h


def _fill_operations(problem: Problem, structure: Superstructure, data: dict[str, np.ndarray]) -> None:
    contaminants = problem.contaminants
    for unit, operation in zip(structure.units_of(Kind.OPERATION), problem.operations, strict=True):
        data["outlet_ppm"][unit] = _vector(operation.max_outlet_ppm, contaminants)
        data["variable_outlet"][unit] = True
        data["inlet_limit_ppm"][unit] = _vector(operation.max_inlet_ppm, contaminants)
        data["load_g_per_h"][unit] = np.array(_vector(operation.load_kg_per_h, contaminants)) * GRAMS_PER_KILOGRAM


def _fill_regenerators(problem: Problem, structure: Superstructure, data: dict[str, np.ndarray]) -> None:
    dirtiest = np.max(data["outlet_ppm"], axis=0)
    for unit, regenerator in zip(structure.units_of(Kind.REGENERATOR), problem.regenerators, strict=True):
        if regenerator.outlet_concentration_ppm is not None:
            data["outlet_ppm"][unit] = _vector(regenerator.outlet_concentration_ppm, problem.contaminants)
        else:
            assert regenerator.removal_ratio is not None
            passing = 1.0 - np.array(_vector(regenerator.removal_ratio, problem.contaminants))
            data["pass_fraction"][unit] = passing
            data["outlet_ppm"][unit] = passing * dirtiest
            data["variable_outlet"][unit] = True
        if regenerator.capacity_t_per_h is not None:
            data["capacity_t_per_h"][unit] = regenerator.capacity_t_per_h
        data["price_yuan_per_t"][unit] = float(regenerator.cost_yuan_per_t)


def _flow_bounds(problem: Problem, structure: Superstructure, data: dict[str, np.ndarray]) -> FloatArray:
    """A generous flow no unit needs to exceed.

    An operation never needs more water than every source and sink together
    plus what it would take of the cleanest freshwater alone; the same bound
    serves regenerators without a capacity.
    """
    cleanest = data["outlet_ppm"][structure.units_of(Kind.FRESHWATER)].min(axis=0)
    operations = structure.units_of(Kind.OPERATION)
    rise = np.maximum(data["outlet_ppm"][operations] - cleanest, 1e-9)
    alone = (data["load_g_per_h"][operations] / rise).max(axis=1, initial=0.0)
    total = float(np.nansum(data["fixed_flow_t_per_h"]) + alone.sum()) + 1.0
    bounds = np.where(np.isnan(data["fixed_flow_t_per_h"]), total, data["fixed_flow_t_per_h"])
    return np.minimum(bounds, data["capacity_t_per_h"])


@dataclass
class Formulation:
    """A reuse network as a linear model, with the objective vectors over its columns.

    Attributes
    ----------
    flow_columns : ndarray of int
        Model column of each arc's flow.
    pipe_columns : ndarray of int
        Model column of each arc's pipe (a 0/1 choice); -1 where no pipe is modelled.
    objectives : dict of str to ndarray
        "freshwater" [t/h], "cost" [yuan/year] and "connections" [-], each over all columns.
    """

    model: LinearModel
    structure: Superstructure
    data: UnitData
    flow_columns: IntArray
    pipe_columns: IntArray
    arc_bounds_t_per_h: FloatArray
    objectives: dict[str, FloatArray] = field(default_factory=dict)


def start_formulation(problem: Problem, structure: Superstructure, data: UnitData) -> Formulation:
    """Flow columns and the flow balances of every unit."""
    model = LinearModel()
    arc_bounds = np.minimum(data.flow_bound_t_per_h[structure.tails], data.flow_bound_t_per_h[structure.heads])
    hard_bounds = np.minimum(_hard_bound(data, structure.tails), _hard_bound(data, structure.heads))
    flow_columns = model.add_columns(structure.arc_count, 0.0, hard_bounds)
    formulation = Formulation(model, structure, data, flow_columns, np.full(structure.arc_count, -1), arc_bounds)
    _add_flow_balances(formulation)
    return formulation


def _hard_bound(data: UnitData, units: IntArray) -> FloatArray:
    """Bounds that are facts of the problem (fixed flows, capacities), as column bounds."""
    fixed = np.where(np.isnan(data.fixed_flow_t_per_h), np.inf, data.fixed_flow_t_per_h)
    return np.minimum(fixed, data.capacity_t_per_h)[units]


def _add_flow_balances(formulation: Formulation) -> None:
    structure, data, model = formulation.structure, formulation.data, formulation.model
    columns, tails, heads = formulation.flow_columns, structure.tails, structure.heads
    for kind, ends in ((Kind.SOURCE, tails), (Kind.SINK, heads)):
        units = structure.units_of(kind)
        _add_sums(model, units, ends, columns, data.fixed_flow_t_per_h[units], data.fixed_flow_t_per_h[units])
    passing = np.concatenate([structure.units_of(Kind.OPERATION), structure.units_of(Kind.REGENERATOR)])
    row_of = _row_numbers(len(structure.unit_ids), passing)
    entering, leaving = row_of[heads] >= 0, row_of[tails] >= 0
    rows = np.concatenate([row_of[heads[entering]], row_of[tails[leaving]]])
    values = np.concatenate([np.ones(entering.sum()), -np.ones(leaving.sum())])
    model.add_rows(0.0, 0.0, rows, np.concatenate([columns[entering], columns[leaving]]), values, len(passing))
    for kind, ends in ((Kind.FRESHWATER, tails), (Kind.REGENERATOR, heads)):
        units = structure.units_of(kind)
        units = units[np.isfinite(data.capacity_t_per_h[units])]
        _add_sums(model, units, ends, columns, -INFINITY, data.capacity_t_per_h[units])


def _add_sums(
    model: LinearModel, units: IntArray, ends: IntArray, columns: IntArray, lower: object, upper: object
) -> None:
    """Rows bounding the total flow at one end (tails: leaving, heads: entering) of each unit."""
    row_of = _row_numbers(int(max(ends.max(initial=0), units.max(initial=0))) + 1, units)
    touching = row_of[ends] >= 0
    model.add_rows(lower, upper, row_of[ends[touching]], columns[touching], 1.0, len(units))  # type: ignore[arg-type]


def _row_numbers(unit_count: int, units: IntArray) -> IntArray:
    row_of = np.full(unit_count, -1, dtype=np.int64)
    row_of[units] = np.arange(len(units))
    return row_of


def add_quality_limits(formulation: Formulation, outlet_ppm: FloatArray) -> None:
    """Inlet limits of sinks and operations, outlet limits of operations and regenerators.

    Parameters
    ----------
    outlet_ppm : ndarray
        Concentration each unit's outlet is taken to carry [ppm]; for units
        with a variable outlet, C̄ of the module notes.
    """
    data = formulation.data
    no_load = np.zeros_like(data.load_g_per_h)
    limited = np.flatnonzero(np.isfinite(data.inlet_limit_ppm).any(axis=1))
    _add_mass_rows(formulation, outlet_ppm, limited, data.inlet_limit_ppm, no_load)
    variable = np.flatnonzero(data.variable_outlet)
    # A regenerator passing a share p of what enters meets C̄ when its inlet is at most C̄ / p.
    passing = data.pass_fraction > 0
    outlet_limit = np.divide(outlet_ppm, data.pass_fraction, out=np.full_like(outlet_ppm, np.inf), where=passing)
    _add_mass_rows(formulation, outlet_ppm, variable, outlet_limit, data.load_g_per_h)


def _add_mass_rows(
    formulation: Formulation,
    outlet_ppm: FloatArray,
    units: IntArray,
    limit_ppm: FloatArray,
    offset_g_per_h: FloatArray,
) -> None:
    """Rows ``Σ x_a (C_tail − limit) ≤ −offset`` over the arcs entering each unit, one per contaminant."""
    structure = formulation.structure
    row_of = _row_numbers(len(structure.unit_ids), units)
    entering = np.flatnonzero(row_of[structure.heads] >= 0)
    heads, tails = structure.heads[entering], structure.tails[entering]
    for contaminant in range(outlet_ppm.shape[1]):
        finite = np.isfinite(limit_ppm[units, contaminant])
        values = outlet_ppm[tails, contaminant] - limit_ppm[heads, contaminant]
        keep = np.isfinite(values) & finite[row_of[heads]]
        upper = np.where(finite, -offset_g_per_h[units, contaminant], INFINITY)
        formulation.model.add_rows(
            -INFINITY, upper, row_of[heads[keep]], formulation.flow_columns[entering[keep]], values[keep], len(units)
        )


def add_objectives(formulation: Formulation, problem: Problem) -> None:
    """The freshwater [t/h], annual cost [yuan/year] and connection count vectors."""
    structure, data, column_count = formulation.structure, formulation.data, formulation.model.column_count
    freshwater = np.zeros(column_count)
    from_freshwater = structure.kinds[structure.tails] == Kind.FRESHWATER
    freshwater[formulation.flow_columns[from_freshwater]] = 1.0
    cost = np.zeros(column_count)
    # A flow pays the price of the water where it starts (freshwater) and where it ends (treatment, discharge).
    price = data.price_yuan_per_t[structure.tails] * from_freshwater + data.price_yuan_per_t[structure.heads]
    cost[formulation.flow_columns] = price * problem.hours_per_year
    connections = np.zeros(column_count)
    formulation.objectives.update(freshwater=freshwater, cost=cost, connections=connections)
