"""Least freshwater with several contaminants: spatial branch and bound on outlet concentrations.

With several contaminants (or a regenerator removing a share of what enters)
an operation's outlet concentration C_u,k is unknown, and the contaminant it
carries along each outgoing arc, f_a,k = x_a C_u,k [g/h], is a product of two
unknowns: the problem is bilinear and non-convex.

*Lower bound.* Each product is replaced by its McCormick envelope over the box
x_a ∈ [0, X_a], C_u,k ∈ [C^L, C^U]:

.. math::

    f \\ge C^L x, \\quad f \\ge X C + C^U x - X C^U, \\quad
    f \\le C^U x, \\quad f \\le X C + C^L x - X C^L

which, with the contaminant balances of every unit written in f, is a linear
program whose optimum no network in the box can beat.

*Upper bound.* Outlets fixed at trial values C̄ give a linear program whose
networks are feasible as built (`hydro.reuse.formulation`); its flows give the
concentrations the water really carries, which become the next C̄, so the
freshwater never rises from one round to the next (successive linear
programming, as in Doyle and Smith, 1997).

*Branching* splits the box of the concentration whose envelope is loosest at
the relaxation's optimum, near that optimum; boxes whose bound is no better
than the best network are dropped. The search stops when the best network is
within the relative gap of the least bound, or at the time or node limit,
reporting both figures.

References
----------
.. [1] McCormick, G. P. (1976). Computability of global solutions to
   factorable nonconvex programs. Mathematical Programming 10, 147–175.
.. [2] Karuppiah, R., Grossmann, I. E. (2006). Global optimization for the
   synthesis of integrated water systems in chemical processes. Computers &
   Chemical Engineering 30, 650–673.
.. [3] Doyle, S. J., Smith, R. (1997). Targeting water reuse with multiple
   contaminants. Process Safety and Environmental Protection 75, 181–189.
"""

from __future__ import annotations

import heapq
import itertools
import time
from dataclasses import dataclass

import numpy as np

from hydro.reuse.formulation import UnitData, add_objectives, add_quality_limits, start_formulation
from hydro.reuse.linear_model import INFINITY, FloatArray, IntArray, LinearModel, run
from hydro.reuse.network import actual_outlet_ppm
from hydro.reuse.problem import Problem
from hydro.reuse.superstructure import BoolArray, Kind, Superstructure

MAX_NODES = 5000
SUCCESSIVE_ROUNDS = 8
ABSOLUTE_TOLERANCE_T_PER_H = 1e-6


@dataclass(frozen=True)
class SearchResult:
    """Best outlets found and what is proven about them.

    Attributes
    ----------
    outlet_ppm : ndarray
        Outlet concentration of every unit for the best network (unit × contaminant) [ppm].
    upper_bound, lower_bound : float
        Freshwater of the best network, and least freshwater of any network [t/h].
    proven : bool
        Whether the gap closed to the tolerance.
    nodes : int
        Boxes examined.
    """

    outlet_ppm: FloatArray
    upper_bound: float
    lower_bound: float
    infeasible: bool
    proven: bool
    nodes: int


def needs_global_search(problem: Problem) -> bool:
    """Whether any balance is bilinear: operations with several contaminants, or removal-ratio regenerators."""
    several = len(problem.contaminants) > 1 and bool(problem.operations)
    return several or any(regenerator.removal_ratio is not None for regenerator in problem.regenerators)


@dataclass(frozen=True)
class _Relaxation:
    bound: float
    concentration: FloatArray
    looseness: FloatArray


def global_minimum(
    problem: Problem, structure: Superstructure, data: UnitData, time_limit_s: float, relative_gap: float
) -> SearchResult:
    """Least freshwater [t/h] over all outlet concentrations, within `relative_gap`."""
    started = time.monotonic()
    variable = np.flatnonzero(data.variable_outlet)
    low, high = _initial_box(structure, data, variable)
    root = _relax(problem, structure, data, variable, low, high)
    if root is None:
        return SearchResult(data.outlet_ppm, np.inf, np.inf, True, True, 1)
    best_value, best_outlet = successive_linear(problem, structure, data, data.outlet_ppm.copy())
    counter = itertools.count()
    queue = [(root.bound, next(counter), low, high, root)]
    nodes, lower = 1, root.bound
    while queue:
        lower = queue[0][0]
        if _closed(best_value, lower, relative_gap) or nodes >= MAX_NODES or time.monotonic() - started > time_limit_s:
            break
        bound, _, box_low, box_high, relaxation = heapq.heappop(queue)
        trial = data.outlet_ppm.copy()
        trial[variable] = np.clip(relaxation.concentration, box_low, box_high)
        value, outlet = successive_linear(problem, structure, data, trial)
        if value < best_value:
            best_value, best_outlet = value, outlet
        for child_low, child_high in _split(box_low, box_high, relaxation):
            child = _relax(problem, structure, data, variable, child_low, child_high)
            nodes += 1
            if child is not None and not _closed(best_value, child.bound, relative_gap):
                heapq.heappush(queue, (max(child.bound, bound), next(counter), child_low, child_high, child))
    lower = min(queue[0][0], best_value) if queue else best_value
    proven = _closed(best_value, lower, relative_gap)
    return SearchResult(best_outlet, best_value, lower, not np.isfinite(best_value) and not queue, proven, nodes)


def _closed(best: float, bound: float, relative_gap: float) -> bool:
    return bool(np.isfinite(best)) and best - bound <= relative_gap * max(abs(best), 1.0) + ABSOLUTE_TOLERANCE_T_PER_H


def _initial_box(structure: Superstructure, data: UnitData, variable: IntArray) -> tuple[FloatArray, FloatArray]:
    """Bounds on outlet concentrations: no cleaner than the cleanest fixed water, no dirtier than the limit."""
    fixed = np.flatnonzero(
        ~data.variable_outlet & (structure.kinds != Kind.WASTEWATER) & (structure.kinds != Kind.SINK)
    )
    cleanest = data.outlet_ppm[fixed].min(axis=0) if len(fixed) else np.zeros(data.outlet_ppm.shape[1])
    high = data.outlet_ppm[variable].copy()
    low = np.minimum(data.pass_fraction[variable] * cleanest, high)
    return low, high


def _split(low: FloatArray, high: FloatArray, relaxation: _Relaxation) -> list[tuple[FloatArray, FloatArray]]:
    """Two boxes split at the relaxation's value of the loosest concentration (kept off the box's edges)."""
    width = high - low
    score = relaxation.looseness * (width > 1e-9 * np.maximum(1.0, high))
    if score.max(initial=0.0) <= 1e-9:
        return []
    unit, contaminant = np.unravel_index(int(np.argmax(score)), score.shape)
    span = width[unit, contaminant]
    point = float(
        np.clip(
            relaxation.concentration[unit, contaminant],
            low[unit, contaminant] + 0.1 * span,
            high[unit, contaminant] - 0.1 * span,
        )
    )
    left_high, right_low = high.copy(), low.copy()
    left_high[unit, contaminant] = point
    right_low[unit, contaminant] = point
    return [(low, left_high), (right_low, high)]


def successive_linear(
    problem: Problem, structure: Superstructure, data: UnitData, outlet_ppm: FloatArray
) -> tuple[float, FloatArray]:
    """Least freshwater with outlets at `outlet_ppm`, improved round by round; (inf, input) when infeasible."""
    best_value, best_outlet = np.inf, outlet_ppm
    for _ in range(SUCCESSIVE_ROUNDS):
        formulation = start_formulation(problem, structure, data)
        add_quality_limits(formulation, outlet_ppm)
        add_objectives(formulation, problem)
        outcome = run(formulation.model.to_highs(formulation.objectives["freshwater"]))
        if not outcome.solved or outcome.objective >= best_value - ABSOLUTE_TOLERANCE_T_PER_H:
            break
        best_value, best_outlet = outcome.objective, outlet_ppm
        flows = np.clip(outcome.values[formulation.flow_columns], 0.0, None)
        outlet_ppm = np.minimum(actual_outlet_ppm(structure, data, flows), outlet_ppm)
    return best_value, best_outlet


def _relax(
    problem: Problem, structure: Superstructure, data: UnitData, variable: IntArray, low: FloatArray, high: FloatArray
) -> _Relaxation | None:
    """The McCormick relaxation over a box of outlet concentrations; None when it is infeasible."""
    formulation = start_formulation(problem, structure, data)
    model = formulation.model
    position = np.full(len(structure.unit_ids), -1)
    position[variable] = np.arange(len(variable))
    contaminant_count = data.outlet_ppm.shape[1]
    concentration = model.add_columns(len(variable) * contaminant_count, low.ravel(), high.ravel()).reshape(
        len(variable), contaminant_count
    )
    carrying = np.flatnonzero(position[structure.tails] >= 0)
    owner = position[structure.tails[carrying]]
    ceiling = formulation.arc_bounds_t_per_h[carrying]
    mass = model.add_columns(len(carrying) * contaminant_count, 0.0, (ceiling[:, None] * high[owner]).ravel()).reshape(
        len(carrying), contaminant_count
    )
    mass_of_arc = np.full(structure.arc_count, -1)
    mass_of_arc[carrying] = np.arange(len(carrying))
    blocks = _Blocks(structure, data, formulation.flow_columns, mass, mass_of_arc, position)
    for contaminant in range(contaminant_count):
        blocks.envelopes(model, contaminant, carrying, owner, ceiling, concentration, low, high)
        blocks.inlet_limits(model, contaminant)
        blocks.balances(model, contaminant, variable)
    add_objectives(formulation, problem)
    costs = np.zeros(model.column_count)
    costs[: len(formulation.objectives["freshwater"])] = formulation.objectives["freshwater"]
    outcome = run(model.to_highs(costs))
    if not outcome.solved:
        return None
    values = outcome.values
    flows = values[formulation.flow_columns[carrying]]
    gap = np.abs(values[mass] - flows[:, None] * values[concentration][owner])
    looseness = np.zeros((len(variable), contaminant_count))
    np.add.at(looseness, owner, gap)
    return _Relaxation(outcome.objective, values[concentration], looseness)


@dataclass
class _Blocks:
    """Rows of the relaxation, contaminant by contaminant."""

    structure: Superstructure
    data: UnitData
    flow_columns: IntArray
    mass: IntArray
    mass_of_arc: IntArray
    position: IntArray

    def envelopes(
        self,
        model: LinearModel,
        contaminant: int,
        carrying: IntArray,
        owner: IntArray,
        ceiling: FloatArray,
        concentration: IntArray,
        low: FloatArray,
        high: FloatArray,
    ) -> None:
        """The four McCormick rows of f = x C on every arc leaving a unit of variable outlet."""
        count = len(carrying)
        f, x, c = self.mass[:, contaminant], self.flow_columns[carrying], concentration[owner, contaminant]
        lo, hi, ones = low[owner, contaminant], high[owner, contaminant], np.ones(count)
        pair_rows, triple_rows = np.repeat(np.arange(count), 2), np.repeat(np.arange(count), 3)
        pair_columns, triple_columns = np.column_stack([f, x]).ravel(), np.column_stack([f, c, x]).ravel()
        # f ≥ C^L x;  f ≥ X C + C^U x − X C^U
        model.add_rows(0.0, INFINITY, pair_rows, pair_columns, np.column_stack([ones, -lo]).ravel(), count)
        values = np.column_stack([ones, -ceiling, -hi]).ravel()
        model.add_rows(-ceiling * hi, INFINITY, triple_rows, triple_columns, values, count)
        # f ≤ C^U x;  f ≤ X C + C^L x − X C^L
        model.add_rows(-INFINITY, 0.0, pair_rows, pair_columns, np.column_stack([ones, -hi]).ravel(), count)
        values = np.column_stack([ones, -ceiling, -lo]).ravel()
        model.add_rows(-INFINITY, -ceiling * lo, triple_rows, triple_columns, values, count)

    def _entering(self, heads_wanted: IntArray) -> tuple[IntArray, IntArray, BoolArray]:
        """Arcs entering the wanted units, and their row number within the block."""
        row_of = np.full(len(self.structure.unit_ids), -1, dtype=np.int64)
        row_of[heads_wanted] = np.arange(len(heads_wanted))
        arcs = np.flatnonzero(row_of[self.structure.heads] >= 0).astype(np.int64)
        carries = self.mass_of_arc[arcs] >= 0
        return arcs, row_of[self.structure.heads[arcs]], carries

    def inlet_limits(self, model: LinearModel, contaminant: int) -> None:
        """Σ mass in − limit · Σ flow in ≤ 0 at every sink and operation with a limit."""
        limit = self.data.inlet_limit_ppm[:, contaminant]
        units = np.flatnonzero(np.isfinite(limit))
        arcs, rows, carries = self._entering(units)
        tails = self.structure.tails[arcs]
        lim = limit[self.structure.heads[arcs]]
        fixed_values = np.where(carries, -lim, self.data.outlet_ppm[tails, contaminant] - lim)
        all_rows = np.concatenate([rows, rows[carries]])
        all_columns = np.concatenate([self.flow_columns[arcs], self.mass[self.mass_of_arc[arcs[carries]], contaminant]])
        all_values = np.concatenate([fixed_values, np.ones(carries.sum())])
        model.add_rows(-INFINITY, 0.0, all_rows, all_columns, all_values, len(units))

    def balances(self, model: LinearModel, contaminant: int, variable: IntArray) -> None:
        """Σ mass out − p · Σ mass in = 1000 L at every operation and removal-ratio regenerator."""
        arcs, rows, carries = self._entering(variable)
        passing = self.data.pass_fraction[variable, contaminant][rows]
        tails = self.structure.tails[arcs]
        leaving = np.flatnonzero(self.position[self.structure.tails] >= 0)
        out_rows = self.position[self.structure.tails[leaving]]
        all_rows = np.concatenate([rows[~carries], rows[carries], out_rows])
        all_columns = np.concatenate(
            [
                self.flow_columns[arcs[~carries]],
                self.mass[self.mass_of_arc[arcs[carries]], contaminant],
                self.mass[self.mass_of_arc[leaving], contaminant],
            ]
        )
        all_values = np.concatenate(
            [
                -passing[~carries] * self.data.outlet_ppm[tails[~carries], contaminant],
                -passing[carries],
                np.ones(len(leaving)),
            ]
        )
        load = self.data.load_g_per_h[variable, contaminant]
        model.add_rows(load, load, all_rows, all_columns, all_values, len(variable))
