"""`hydro savings estimate`: the measured saving of a project from monthly use before and after.

::

    hydro savings estimate --baseline BASE.csv --reporting REP.csv [--json]

Both files have the columns ``period`` (YYYY-MM) and ``use_m3`` and the same
regressor columns: every other column holding numbers is a regressor (the
firm's output, degree days, working days …); a column of text only, such as
a note, is left out. With ``--json`` one object is printed::

    {"savings_m3": …, "savings_ci90_m3": [low, high], "adjusted_baseline_m3": …,
     "reporting_use_m3": …, "cv_rmse": …, "nmbe": …, "r2": …,
     "certifiable": true|false, "reasons": [...]}

A file that cannot be read exits with code 2 and a message naming the file,
row and column (rows are counted as in a spreadsheet, the heading being row 1).
"""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hydro.savings import FitCriteria, SavingsEstimate, estimate_savings

PERIOD_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")
REQUIRED_COLUMNS = ("period", "use_m3")


@dataclass(frozen=True)
class MonthlyUse:
    """Monthly use and regressors read from one file, in period order."""

    periods: tuple[str, ...]
    use_m3: tuple[float, ...]
    regressor_names: tuple[str, ...]
    regressors: tuple[tuple[float, ...], ...]


def register(subparsers: Any) -> None:
    """Add the `savings` command group to the `hydro` parser."""
    savings = subparsers.add_parser("savings", help="measured water savings of a project (M&V)")
    commands = savings.add_subparsers(dest="savings_command", required=True, metavar="COMMAND")
    parser = commands.add_parser(
        "estimate",
        help="saving, 90 %% interval and fit of the baseline model (IPMVP Option C, ASHRAE 14)",
        description="Fit a baseline model of monthly use (OLS on every other numeric column) to BASE.csv, apply "
        "it to REP.csv's regressors, and report the saving, its 90 %% confidence interval and whether the fit "
        "meets ASHRAE Guideline 14-2014's criteria.",
    )
    parser.add_argument("--baseline", required=True, type=Path, metavar="BASE.csv", help="months before the project")
    parser.add_argument("--reporting", required=True, type=Path, metavar="REP.csv", help="months after the project")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.set_defaults(handler=run_estimate)


def run_estimate(arguments: Any) -> int:
    baseline = read_monthly_use(arguments.baseline)
    reporting = read_monthly_use(arguments.reporting)
    estimate = estimate_from_files(baseline, reporting, str(arguments.reporting))
    result = estimate_as_mapping(estimate)
    if arguments.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(describe(result))
    return 0


def estimate_from_files(baseline: MonthlyUse, reporting: MonthlyUse, reporting_name: str) -> SavingsEstimate:
    """The saving of ``reporting`` against a baseline model of ``baseline``; regressors matched by name."""
    check_periods_apart(baseline, reporting)
    columns = []
    for name in baseline.regressor_names:
        if name not in reporting.regressor_names:
            raise ValueError(f"{reporting_name}: the baseline regressor column {name} is missing or holds no numbers")
        columns.append(reporting.regressor_names.index(name))
    for name in reporting.regressor_names:
        if name not in baseline.regressor_names:
            raise ValueError(f"{reporting_name}: column {name} is not a regressor of the baseline")
    reporting_regressors = [[row[column] for column in columns] for row in reporting.regressors]
    return estimate_savings(
        baseline.use_m3,
        [list(row) for row in baseline.regressors],
        reporting.use_m3,
        reporting_regressors,
        baseline.regressor_names,
        FitCriteria(),
    )


def estimate_as_mapping(estimate: SavingsEstimate) -> dict[str, Any]:
    """The contract's output fields of an estimate."""
    low, high = estimate.savings_ci90_m3
    return {
        "savings_m3": estimate.savings_m3,
        "savings_ci90_m3": [low, high],
        "adjusted_baseline_m3": estimate.adjusted_baseline_m3,
        "reporting_use_m3": estimate.reporting_use_m3,
        "cv_rmse": estimate.model.cv_rmse,
        "nmbe": estimate.model.nmbe,
        "r2": estimate.model.r2,
        "certifiable": estimate.certifiable,
        "reasons": list(estimate.reasons),
    }


def describe(result: dict[str, Any]) -> str:
    low, high = result["savings_ci90_m3"]
    lines = [
        f"saving              {result['savings_m3']:.1f} m³ (90 % interval {low:.1f} to {high:.1f} m³)",
        f"adjusted baseline   {result['adjusted_baseline_m3']:.1f} m³",
        f"reporting use       {result['reporting_use_m3']:.1f} m³",
        f"CV(RMSE) {result['cv_rmse']:.2%}   NMBE {result['nmbe']:.3%}   R² {result['r2']:.3f}",
        "certifiable         " + ("yes" if result["certifiable"] else "no"),
    ]
    lines += [f"  - {reason}" for reason in result["reasons"]]
    return "\n".join(lines)


def read_monthly_use(path: Path) -> MonthlyUse:
    """Read a monthly-use CSV; any bad cell is a ValueError naming the file, row and column."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        raise ValueError(f"{path}: the file is empty")
    header = [name.strip() for name in rows[0]]
    _check_header(path, header)
    body = [(number, row) for number, row in enumerate(rows[1:], start=2) if any(cell.strip() for cell in row)]
    if not body:
        raise ValueError(f"{path}: the file has no periods")
    for number, row in body:
        if len(row) != len(header):
            raise ValueError(f"{path}: row {number} has {len(row)} cells, the heading {len(header)}")
    periods = _read_periods(path, header.index("period"), body)
    regressor_names = tuple(name for name in header if name not in REQUIRED_COLUMNS and _is_numeric(header, name, body))
    columns = ("use_m3", *regressor_names)
    values = {name: _read_column(path, header.index(name), name, body) for name in columns}
    order = sorted(range(len(periods)), key=lambda index: periods[index])
    return MonthlyUse(
        periods=tuple(periods[index] for index in order),
        use_m3=tuple(values["use_m3"][index] for index in order),
        regressor_names=regressor_names,
        regressors=tuple(tuple(values[name][index] for name in regressor_names) for index in order),
    )


def check_periods_apart(baseline: MonthlyUse, reporting: MonthlyUse) -> None:
    """A month cannot be both before and after the project."""
    shared = sorted(set(baseline.periods) & set(reporting.periods))
    if shared:
        raise ValueError(f"period {shared[0]} is in both the baseline and the reporting file")


def _check_header(path: Path, header: list[str]) -> None:
    for name in REQUIRED_COLUMNS:
        if name not in header:
            raise ValueError(f"{path}: column {name} is missing (the heading is {', '.join(header)})")
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise ValueError(f"{path}: column {duplicates[0]} appears twice in the heading")


def _read_periods(path: Path, column: int, body: list[tuple[int, list[str]]]) -> list[str]:
    seen: dict[str, int] = {}
    for number, row in body:
        text = row[column].strip()
        match = PERIOD_PATTERN.match(text)
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ValueError(f"{path}: row {number}, column period: {text!r} is not a month YYYY-MM")
        if text in seen:
            raise ValueError(f"{path}: row {number}, column period: {text} repeats row {seen[text]}")
        seen[text] = number
    return list(seen)


def _is_numeric(header: list[str], name: str, body: list[tuple[int, list[str]]]) -> bool:
    """A column is a regressor when any of its cells holds a number; a column of text only is a label."""
    column = header.index(name)
    return any(_number(row[column]) is not None for _row_number, row in body)


def _read_column(path: Path, column: int, name: str, body: list[tuple[int, list[str]]]) -> list[float]:
    values = []
    for number, row in body:
        value = _number(row[column])
        if value is None:
            raise ValueError(f"{path}: row {number}, column {name}: {row[column].strip()!r} is not a number")
        values.append(value)
    return values


def _number(text: str) -> float | None:
    try:
        value = float(text.strip().replace(",", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None
