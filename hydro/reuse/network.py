"""A solved reuse network: its flows, the concentrations they really carry, and checks.

The models assume each operation's outlet at a chosen concentration C̄; the
water really leaves at the concentration its own balance gives,

.. math:: C_u \\sum_{a \\to u} x_a = p_u \\Big(\\sum_{a \\to u} x_a C_{t(a)}\\Big) + 1000\\,L_u

(p_u the share a regenerator lets pass, 1 for an operation; L_u the load
[kg/h]). This module solves these balances for the flows returned, so that
every reported concentration, and every check, is of the network as built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from scipy.sparse import linalg

from hydro.reuse.formulation import UnitData
from hydro.reuse.linear_model import FloatArray
from hydro.reuse.superstructure import Kind, Superstructure

SMALLEST_FLOW_T_PER_H = 1e-6
STATUSES = ("optimal", "feasible", "infeasible")


@dataclass(frozen=True)
class Flow:
    """Water piped from the outlet of one unit to the inlet of another [t/h]."""

    from_id: str
    to_id: str
    flow_t_per_h: float
    interplant: bool = False
    distance_m: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.from_id,
            "to": self.to_id,
            "flow_t_per_h": round(self.flow_t_per_h, 6),
            "interplant": self.interplant,
            "distance_m": round(self.distance_m, 1),
        }


@dataclass(frozen=True)
class Costs:
    """Annual cost of a network [yuan/year], by what it pays for."""

    freshwater: float = 0.0
    wastewater: float = 0.0
    regeneration: float = 0.0
    piping: float = 0.0

    @property
    def total(self) -> float:
        return self.freshwater + self.wastewater + self.regeneration + self.piping


@dataclass(frozen=True)
class Solution:
    """What the optimiser returns for one problem and one scenario.

    Attributes
    ----------
    status : {"optimal", "feasible", "infeasible"}
        "feasible" when a network was found but its freshwater is not proven
        least within the tolerance (see `gap`).
    freshwater_t_per_h, wastewater_t_per_h, regenerated_t_per_h : float
        Totals bought, discharged and treated for reuse [t/h].
    freshwater_lower_bound_t_per_h : float
        Proven least freshwater any network could use [t/h].
    gap : float
        (freshwater − bound) / freshwater: 0 for an exact target.
    pinch_ppm : tuple of float
        Pinch concentrations (single contaminant only) [ppm].
    outlet_ppm : dict
        Concentration leaving each operation and regenerator in use [ppm].
    explanation : tuple of str
        Why an infeasible problem cannot be met: each unit and limit at fault.
    """

    status: str
    method: str
    freshwater_t_per_h: float = 0.0
    freshwater_by_source_t_per_h: dict[str, float] = field(default_factory=dict)
    wastewater_t_per_h: float = 0.0
    regenerated_t_per_h: float = 0.0
    freshwater_lower_bound_t_per_h: float = 0.0
    gap: float = 0.0
    pinch_ppm: tuple[float, ...] = ()
    flows: tuple[Flow, ...] = ()
    costs: Costs = field(default_factory=Costs)
    interplant_connections: int = 0
    outlet_ppm: dict[str, dict[str, float]] = field(default_factory=dict)
    explanation: tuple[str, ...] = ()

    @property
    def feasible(self) -> bool:
        return self.status != "infeasible"

    def to_json(self) -> dict[str, Any]:
        """The solution as one JSON object (the `hydro reuse solve --json` contract)."""
        return {
            "status": self.status,
            "method": self.method,
            "freshwater_t_per_h": round(self.freshwater_t_per_h, 6),
            "freshwater_by_source_t_per_h": {
                key: round(value, 6) for key, value in self.freshwater_by_source_t_per_h.items()
            },
            "wastewater_t_per_h": round(self.wastewater_t_per_h, 6),
            "regenerated_t_per_h": round(self.regenerated_t_per_h, 6),
            "freshwater_lower_bound_t_per_h": round(self.freshwater_lower_bound_t_per_h, 6),
            "gap": self.gap,
            "pinch_ppm": [round(value, 6) for value in self.pinch_ppm],
            "cost_yuan_per_year": {
                "freshwater": round(self.costs.freshwater, 2),
                "wastewater": round(self.costs.wastewater, 2),
                "regeneration": round(self.costs.regeneration, 2),
                "piping": round(self.costs.piping, 2),
                "total": round(self.costs.total, 2),
            },
            "interplant_connections": self.interplant_connections,
            "flows": [flow.to_json() for flow in self.flows],
            "outlet_ppm": {
                unit: {k: round(v, 6) for k, v in values.items()} for unit, values in self.outlet_ppm.items()
            },
            "explanation": list(self.explanation),
        }


def actual_outlet_ppm(structure: Superstructure, data: UnitData, flows: FloatArray) -> FloatArray:
    """Concentration leaving every unit for the given arc flows [ppm] (unit × contaminant).

    Units with a fixed outlet keep it; operations and removal-ratio
    regenerators are solved from their balances (module notes). A unit with no
    flow keeps its assumed outlet.
    """
    outlet = data.outlet_ppm.copy()
    variable = np.flatnonzero(data.variable_outlet)
    if not len(variable):
        return outlet
    position = np.full(len(structure.unit_ids), -1)
    position[variable] = np.arange(len(variable))
    heads, tails = structure.heads, structure.tails
    entering = position[heads] >= 0
    inflow = np.bincount(position[heads[entering]], weights=flows[entering], minlength=len(variable))
    running = inflow > SMALLEST_FLOW_T_PER_H
    passing = data.pass_fraction[variable]
    from_fixed = entering & (position[tails] < 0)
    fixed_mass = np.zeros((len(variable), outlet.shape[1]))
    np.add.at(fixed_mass, position[heads[from_fixed]], flows[from_fixed, None] * outlet[tails[from_fixed]])
    right = passing * fixed_mass + data.load_g_per_h[variable]
    from_variable = entering & (position[tails] >= 0) & (flows > SMALLEST_FLOW_T_PER_H)
    rows, columns = position[heads[from_variable]], position[tails[from_variable]]
    keep = running[rows]
    # B[v, w]: flow from variable unit w into running unit v.
    between = sparse.coo_matrix(
        (flows[from_variable][keep], (rows[keep], columns[keep])), shape=(len(variable), len(variable))
    ).tocsc()
    diagonal = sparse.diags(np.where(running, inflow, 1.0))
    # Pass fractions differ by contaminant, so each contaminant has its own system.
    for contaminant in range(outlet.shape[1]):
        system = (diagonal - sparse.diags(passing[:, contaminant]) @ between).tocsc()
        rhs = np.where(running, right[:, contaminant], outlet[variable, contaminant])
        outlet[variable, contaminant] = np.atleast_1d(linalg.spsolve(system, rhs))
    return outlet


def inlet_ppm(structure: Superstructure, outlet: FloatArray, flows: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Flow entering every unit [t/h] and the concentration of that mixed inlet [ppm]."""
    unit_count = len(structure.unit_ids)
    inflow: FloatArray = np.bincount(structure.heads, weights=flows, minlength=unit_count).astype(float)
    mass = np.zeros((unit_count, outlet.shape[1]))
    np.add.at(mass, structure.heads, flows[:, None] * outlet[structure.tails])
    with np.errstate(invalid="ignore", divide="ignore"):
        concentration: FloatArray = np.where(inflow[:, None] > SMALLEST_FLOW_T_PER_H, mass / inflow[:, None], 0.0)
    return inflow, concentration


def flow_records(structure: Superstructure, flows: FloatArray) -> tuple[Flow, ...]:
    """The arcs carrying water, largest first within each starting unit's order."""
    used = np.flatnonzero(flows > SMALLEST_FLOW_T_PER_H)
    return tuple(
        Flow(
            from_id=structure.unit_ids[structure.tails[arc]],
            to_id=structure.unit_ids[structure.heads[arc]],
            flow_t_per_h=float(flows[arc]),
            interplant=bool(structure.interplant[arc]),
            distance_m=float(structure.distances_m[arc]),
        )
        for arc in used
    )


def totals(structure: Superstructure, flows: FloatArray) -> dict[Kind, float]:
    """Flow leaving each kind of unit [t/h] (freshwater bought, regenerated) and entering the discharge."""
    kinds_out = structure.kinds[structure.tails]
    result = {kind: float(flows[kinds_out == kind].sum()) for kind in (Kind.FRESHWATER, Kind.REGENERATOR)}
    result[Kind.WASTEWATER] = float(flows[structure.kinds[structure.heads] == Kind.WASTEWATER].sum())
    return result
