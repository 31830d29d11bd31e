"""Why a reuse problem has no network: which sink or operation, and which limit.

The problem is solved again with one extra, imaginary supply of perfectly
clean water, unlimited and able to reach every sink and operation, and its
use is minimised. The units that still need it are the ones the real
supplies cannot serve; for each, the limit at fault is found by comparing it
with the cleanest real water able to reach it and with the freshwater
capacities the relaxed network exhausts.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from hydro.reuse.formulation import add_objectives, add_quality_limits, start_formulation, unit_data
from hydro.reuse.linear_model import FloatArray, run
from hydro.reuse.network import Solution
from hydro.reuse.problem import FreshwaterSource, Operation, Problem, Sink
from hydro.reuse.superstructure import Kind, Superstructure, build_superstructure

IMAGINARY_SUPPLY_ID = "__imaginary_clean_water__"
SHORTFALL_T_PER_H = 1e-6


def explain(problem: Problem, allow_interplant: bool | None = None, reuse: bool = True) -> Solution:
    """An infeasible Solution whose explanation names each unit that cannot be met and the limit at fault."""
    imaginary = FreshwaterSource(IMAGINARY_SUPPLY_ID, dict.fromkeys(problem.contaminants, 0.0))
    relaxed = replace(problem, freshwater=(*problem.freshwater, imaginary))
    structure = build_superstructure(relaxed, allow_interplant, reuse)
    data = unit_data(relaxed, structure)
    formulation = start_formulation(relaxed, structure, data)
    add_quality_limits(formulation, data.outlet_ppm)
    add_objectives(formulation, relaxed)
    imaginary_unit = structure.index_of(IMAGINARY_SUPPLY_ID)
    costs = np.zeros(formulation.model.column_count)
    costs[formulation.flow_columns[structure.tails == imaginary_unit]] = 1.0
    outcome = run(formulation.model.to_highs(costs))
    messages: list[str] = []
    if outcome.solved:
        flows = outcome.values[formulation.flow_columns]
        messages = _messages(problem, structure, flows, imaginary_unit)
    if not messages:
        messages = ["no network meets every limit: relax a concentration limit or add a supply"]
    return Solution(status="infeasible", method="feasibility relaxation", explanation=tuple(messages))


def _messages(problem: Problem, structure: Superstructure, flows: FloatArray, imaginary_unit: int) -> list[str]:
    shortfall = np.bincount(
        structure.heads,
        weights=np.where(structure.tails == imaginary_unit, flows, 0.0),
        minlength=len(structure.unit_ids),
    )
    sinks = {sink.id: sink for sink in problem.sinks}
    operations = {operation.id: operation for operation in problem.operations}
    messages = []
    for unit in np.flatnonzero(shortfall > SHORTFALL_T_PER_H):
        unit_id = structure.unit_ids[unit]
        cleanest = _cleanest_reaching(problem, structure, int(unit), imaginary_unit)
        if unit_id in sinks:
            reason = _sink_reason(problem, sinks[unit_id], cleanest, structure, flows)
            messages.append(
                f"sink {unit_id!r}: {shortfall[unit]:.4g} of its {sinks[unit_id].flow_t_per_h:g} t/h cannot be supplied: {reason}"
            )
        elif unit_id in operations:
            reason = _operation_reason(problem, operations[unit_id], cleanest, structure, flows)
            messages.append(f"operation {unit_id!r}: {reason}")
    return messages


def _cleanest_reaching(
    problem: Problem, structure: Superstructure, unit: int, imaginary_unit: int
) -> dict[str, tuple[float, str]]:
    """Per contaminant, the lowest concentration [ppm] of real fixed-quality water that can reach a unit, and its id."""
    fixed_kinds = (Kind.FRESHWATER, Kind.SOURCE, Kind.REGENERATOR)
    tails = structure.tails[(structure.heads == unit) & (structure.tails != imaginary_unit)]
    quality = _fixed_quality(problem)
    cleanest: dict[str, tuple[float, str]] = {}
    for tail in tails:
        tail_id = structure.unit_ids[tail]
        if structure.kinds[tail] not in fixed_kinds or tail_id not in quality:
            continue
        for contaminant, value in quality[tail_id].items():
            if contaminant not in cleanest or value < cleanest[contaminant][0]:
                cleanest[contaminant] = (value, tail_id)
    return cleanest


def _fixed_quality(problem: Problem) -> dict[str, dict[str, float]]:
    quality = {supply.id: supply.concentration_ppm for supply in problem.freshwater}
    quality.update({source.id: source.concentration_ppm for source in problem.sources})
    for regenerator in problem.regenerators:
        if regenerator.outlet_concentration_ppm is not None:
            quality[regenerator.id] = regenerator.outlet_concentration_ppm
    return quality


def _sink_reason(
    problem: Problem, sink: Sink, cleanest: dict[str, tuple[float, str]], structure: Superstructure, flows: FloatArray
) -> str:
    for contaminant, limit in sink.max_concentration_ppm.items():
        if contaminant not in cleanest:
            return "no water can reach it"
        value, supply = cleanest[contaminant]
        if limit < value:
            return f"its {contaminant} limit of {limit:g} ppm is below the cleanest water that can reach it ({supply}, {value:g} ppm)"
    return _capacity_reason(problem, structure, flows) or _generic(sink.max_concentration_ppm)


def _operation_reason(
    problem: Problem,
    operation: Operation,
    cleanest: dict[str, tuple[float, str]],
    structure: Superstructure,
    flows: FloatArray,
) -> str:
    for contaminant, limit in operation.max_inlet_ppm.items():
        if contaminant not in cleanest:
            return "no water can reach it"
        value, supply = cleanest[contaminant]
        if limit < value:
            return (
                f"its {contaminant} inlet limit of {limit:g} ppm is below the cleanest water that can reach it "
                f"({supply}, {value:g} ppm)"
            )
        outlet = operation.max_outlet_ppm[contaminant]
        if operation.load_kg_per_h[contaminant] > 0 and outlet <= value:
            return (
                f"its {contaminant} outlet limit of {outlet:g} ppm leaves no room to take up its load of "
                f"{operation.load_kg_per_h[contaminant]:g} kg/h with the cleanest water that can reach it ({supply}, {value:g} ppm)"
            )
    return _capacity_reason(problem, structure, flows) or _generic(operation.max_inlet_ppm)


def _capacity_reason(problem: Problem, structure: Superstructure, flows: FloatArray) -> str:
    used = np.bincount(structure.tails, weights=flows, minlength=len(structure.unit_ids))
    full = [
        f"{supply.id} ({supply.capacity_t_per_h:g} t/h)"
        for supply in problem.freshwater
        if supply.capacity_t_per_h is not None and used[structure.index_of(supply.id)] >= supply.capacity_t_per_h - 1e-6
    ]
    return f"the freshwater capacity is used up: {', '.join(full)}" if full else ""


def _generic(limits: dict[str, float]) -> str:
    stated = ", ".join(f"{contaminant} ≤ {value:g} ppm" for contaminant, value in limits.items())
    return f"the water that can reach it within its limits ({stated}) is not enough"
