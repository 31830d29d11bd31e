"""A thin array-based layer over HiGHS: columns and rows added in blocks, solved in one call.

Reuse models have up to millions of connections, so rows are given as
coordinate triplets (row, column, value) in numpy arrays and assembled into
one column-wise matrix passed to HiGHS at once, rather than built term by term.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import highspy
import numpy as np
import numpy.typing as npt
from scipy import sparse

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
INFINITY = highspy.kHighsInf


@dataclass
class LinearModel:
    """Columns and rows of a linear (or mixed-integer) model under construction."""

    costs: list[FloatArray] = field(default_factory=list)
    lowers: list[FloatArray] = field(default_factory=list)
    uppers: list[FloatArray] = field(default_factory=list)
    integers: list[npt.NDArray[np.bool_]] = field(default_factory=list)
    row_lowers: list[FloatArray] = field(default_factory=list)
    row_uppers: list[FloatArray] = field(default_factory=list)
    triplets: list[tuple[IntArray, IntArray, FloatArray]] = field(default_factory=list)
    column_count: int = 0
    row_count: int = 0

    def add_columns(
        self, count: int, lower: float | FloatArray = 0.0, upper: float | FloatArray = INFINITY, integer: bool = False
    ) -> IntArray:
        """Add `count` columns with zero cost; returns their indices."""
        self.costs.append(np.zeros(count))
        self.lowers.append(np.broadcast_to(np.asarray(lower, dtype=float), (count,)).copy())
        self.uppers.append(np.broadcast_to(np.asarray(upper, dtype=float), (count,)).copy())
        self.integers.append(np.full(count, integer))
        first = self.column_count
        self.column_count += count
        return np.arange(first, first + count, dtype=np.int64)

    def add_rows(
        self,
        lower: float | FloatArray,
        upper: float | FloatArray,
        rows: IntArray,
        columns: IntArray,
        values: FloatArray | float,
        count: int,
    ) -> IntArray:
        """Add `count` rows ``lower ≤ Σ value·column ≤ upper``; `rows` number them from 0 within the block."""
        self.row_lowers.append(np.broadcast_to(np.asarray(lower, dtype=float), (count,)).copy())
        self.row_uppers.append(np.broadcast_to(np.asarray(upper, dtype=float), (count,)).copy())
        values_array = np.broadcast_to(np.asarray(values, dtype=float), rows.shape)
        self.triplets.append((rows + self.row_count, columns, values_array.copy()))
        first = self.row_count
        self.row_count += count
        return np.arange(first, first + count, dtype=np.int64)

    def to_highs(self, costs: FloatArray, relax: bool = False) -> highspy.Highs:
        """A HiGHS instance holding the model with the given costs, output silenced.

        `relax` drops integrality: the linear relaxation, for a bound or when the
        objective does not depend on the integer columns.
        """
        highs = highspy.Highs()
        highs.setOptionValue("output_flag", False)
        highs.passModel(self.to_lp(costs, relax))
        return highs

    def to_lp(self, costs: FloatArray, relax: bool = False) -> highspy.HighsLp:
        rows, columns, values = (
            np.concatenate(parts) if parts else np.zeros(0) for parts in zip(*self.triplets, strict=True)
        )
        matrix = sparse.csc_matrix((values, (rows, columns)), shape=(self.row_count, self.column_count))
        matrix.sum_duplicates()
        lp = highspy.HighsLp()
        lp.num_col_ = self.column_count
        lp.num_row_ = self.row_count
        lp.col_cost_ = costs
        lp.col_lower_ = np.concatenate(self.lowers)
        lp.col_upper_ = np.concatenate(self.uppers)
        lp.row_lower_ = np.concatenate(self.row_lowers) if self.row_lowers else np.zeros(0)
        lp.row_upper_ = np.concatenate(self.row_uppers) if self.row_uppers else np.zeros(0)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = matrix.indptr
        lp.a_matrix_.index_ = matrix.indices
        lp.a_matrix_.value_ = matrix.data
        integrality = np.concatenate(self.integers)
        if integrality.any() and not relax:
            lp.integrality_ = [
                highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous for flag in integrality
            ]
        return lp


@dataclass(frozen=True)
class Outcome:
    """What HiGHS returned: whether a solution exists, its values, and the proven bound."""

    solved: bool
    infeasible: bool
    values: FloatArray
    objective: float
    bound: float
    gap: float


def run(highs: highspy.Highs, time_limit_s: float | None = None, mip_gap: float = 1e-6) -> Outcome:
    """Solve the model held by `highs` and read back the column values and the bound."""
    if time_limit_s is not None:
        highs.setOptionValue("time_limit", float(time_limit_s))
    highs.setOptionValue("mip_rel_gap", float(mip_gap))
    highs.run()
    status = highs.getModelStatus()
    if status == highspy.HighsModelStatus.kModelEmpty:
        # Nothing to decide (no streams): every column sits at its lower bound.
        lower = np.asarray(highs.getLp().col_lower_, dtype=float)
        return Outcome(True, False, lower, 0.0, 0.0, 0.0)
    info = highs.getInfo()
    has_solution = info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
    infeasible = status in (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible)
    values = np.asarray(highs.getSolution().col_value, dtype=float) if has_solution else np.zeros(0)
    objective = info.objective_function_value if has_solution else float("nan")
    is_mip = info.mip_node_count >= 0
    bound = info.mip_dual_bound if is_mip else objective
    gap = info.mip_gap if is_mip else 0.0
    return Outcome(has_solution and not infeasible, infeasible, values, objective, bound, gap)
