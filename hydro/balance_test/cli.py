"""`hydro balance-test assess TEST.json [--json]`: the indicators and closure checks of a water-balance test.

TEST.json holds the enterprise, its output and metered intake over the test
period, and its water-using units (see `hydro.balance_test`); the command
prints every indicator of [GB/T 12452-2022] and [GB/T 7119-2018], each unit's
closure error and whether the test closes. With ``--json`` it prints one
object whose keys are the fields of `hydro.balance_test.BalanceAssessment`.
A missing or negative figure is an error naming its field, e.g.
``units[2].fresh_m3``, and the exit code is 2.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from hydro.balance_test import DEFAULT_CLOSURE_TOLERANCE, BalanceAssessment, assess, balance_test_from_mapping

EXAMPLE = """example TEST.json (volumes in m³ over the test period, steam in t):

  {"enterprise": "常州润华印染有限公司", "industry": "棉印染精加工", "period_days": 30,
   "product_output": 1200, "product_unit": "100 m", "output_value_10k_yuan": 960,
   "metered_fresh_intake_m3": 12000, "wastewater_reused_m3": 2400,
   "units": [
     {"name": "染色车间", "kind": "process", "fresh_m3": 9000, "reused_m3": 6000,
      "consumed_m3": 900, "discharged_m3": 7800, "leaked_m3": 300},
     {"name": "锅炉房", "kind": "boiler", "fresh_m3": 1500, "reused_m3": 0, "consumed_m3": 1450,
      "discharged_m3": 20, "leaked_m3": 30, "steam_t": 5000, "condensate_recovered_t": 4000}]}

rates are fractions; a rate whose denominator is zero is null.
"""


def register(subparsers: Any) -> None:
    """Add the `balance-test` command group to the `hydro` parser."""
    group = subparsers.add_parser(
        "balance-test",
        help="water-balance test: GB/T 12452 / GB/T 7119 indicators and closure checks",
        description="Indicators and closure checks of an enterprise's water-balance test.",
    )
    commands = group.add_subparsers(dest="balance_test_command", required=True, metavar="COMMAND")
    parser = commands.add_parser(
        "assess",
        help="indicators, each unit's closure error, and whether the test closes",
        description="Reuse, cooling recirculation, process reuse, condensate recovery, leak and wastewater "
        "reuse rates, intake per product and per 10⁴ yuan, and the closure checks of a balance test.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("test", metavar="TEST.json", type=Path, help="the balance test's figures")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.add_argument(
        "--tolerance",
        type=float,
        default=DEFAULT_CLOSURE_TOLERANCE,
        help=f"largest closure error accepted, as a fraction (default {DEFAULT_CLOSURE_TOLERANCE})",
    )
    parser.set_defaults(handler=run_assess)


def load_assessment(path: Path, tolerance: float) -> BalanceAssessment:
    """Read and assess a test file; a bad file or field is an error naming the file and field."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not JSON ({error})") from None
    if not 0 <= tolerance < 1:
        raise ValueError(f"--tolerance {tolerance}: give a fraction between 0 and 1.")
    try:
        return assess(balance_test_from_mapping(document), tolerance)
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None


def run_assess(arguments: argparse.Namespace) -> int:
    assessment = load_assessment(arguments.test, arguments.tolerance)
    if arguments.json:
        print(json.dumps(assessment.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_assessment(assessment))
    return 0


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def figure(value: float | None) -> str:
    return "—" if value is None else f"{value:,.3f}"


def format_assessment(assessment: BalanceAssessment) -> str:
    """The assessment as aligned text lines."""
    rows = [
        ("fresh intake [m³]", f"{assessment.fresh_m3:,.1f}"),
        ("reused [m³]", f"{assessment.reused_m3:,.1f}"),
        ("total use [m³]", f"{assessment.total_use_m3:,.1f}"),
        ("reuse rate", percent(assessment.reuse_rate)),
        ("cooling recirculation rate", percent(assessment.cooling_recirculation_rate)),
        ("process reuse rate", percent(assessment.process_reuse_rate)),
        ("condensate recovery rate", percent(assessment.condensate_recovery_rate)),
        ("leak rate", percent(assessment.leak_rate)),
        ("wastewater reuse rate", percent(assessment.wastewater_reuse_rate)),
        ("intake per product", figure(assessment.intake_per_product)),
        ("intake per 10⁴ yuan [m³]", figure(assessment.intake_per_10k_yuan)),
        ("intake closure error", percent(assessment.intake_closure_error)),
    ]
    rows += [(f"  unit {unit.name} ({unit.kind})", percent(unit.closure_error)) for unit in assessment.units]
    rows.append((f"closes (tolerance {percent(assessment.tolerance)})", "yes" if assessment.closes else "no"))
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label:<{width}}  {value}" for label, value in rows)
