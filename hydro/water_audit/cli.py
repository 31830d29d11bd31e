"""`hydro audit INPUTS.yaml [--json]`: the annual water audit of the county's utilities.

The YAML file::

    banding: low_middle_income     # or high_income: the ILI band table
    cjj92:                         # optional: CJJ 92-2016 corrections, as in hydro.water_audit.CJJ92Corrections
      residential_factor: 0.08
    utilities:
      - name: Wujin Water
        system_input_m3: 10000000
        billed_metered_m3: 8200000
        mains_length_km: 500
        service_connections: 20000
        average_pressure_m: 40
        # … any other field of hydro.water_audit.AuditInputs

prints each utility's water balance, UARL, ILI and its band, and CJJ 92
rates, then the county's supply-weighted leakage rate; with ``--json`` one
object ``{"utilities": [...], "county_leakage_rate_pct": …}``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import yaml

from hydro.water_audit import (
    ILI_BANDS,
    AuditResult,
    audit_inputs_from_mapping,
    corrections_from_mapping,
    county_leakage_rate_pct,
    water_audit,
)

EXAMPLE = """example INPUTS.yaml (volumes in m³ over the year; every field of hydro.water_audit.AuditInputs):

  banding: low_middle_income        # or high_income
  cjj92: {residential_factor: 0.08} # optional CJJ 92-2016 corrections
  utilities:
    - name: Wujin Water
      system_input_m3: 10000000
      billed_metered_m3: 8200000
      unbilled_unmetered_m3: 150000
      meter_under_registration_pct: 2
      mains_length_km: 500
      service_connections: 20000
      average_pressure_m: 40
      residential_household_metered_m3: 5000000
      average_outlet_pressure_mpa: 0.4
"""


def register(subparsers: Any) -> None:
    """Add the `audit` command to the `hydro` parser."""
    parser = subparsers.add_parser(
        "audit",
        help="annual water audit: IWA balance, UARL, ILI, CJJ 92 leakage rate",
        description="The IWA water balance, UARL, ILI and CJJ 92-2016 leakage rates of each utility in a YAML "
        "file, and the county's supply-weighted leakage rate.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("inputs", metavar="INPUTS.yaml", type=Path, help="the utilities' figures for the year")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.set_defaults(handler=run_audit)


def load_audit(path: Path) -> tuple[list[AuditResult], float | None]:
    """Audit every utility in the file; a bad document or field is an error naming the file and utility."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ValueError(f"{path}: not YAML ({error})") from None
    if not isinstance(document, dict) or not isinstance(document.get("utilities"), list) or not document["utilities"]:
        raise ValueError(f"{path}: give a list of utilities under 'utilities:'.")
    banding = document.get("banding", "low_middle_income")
    if banding not in ILI_BANDS:
        raise ValueError(f"{path}: banding {banding!r}: choose {', '.join(ILI_BANDS)}.")
    try:
        corrections = corrections_from_mapping(document.get("cjj92") or {})
        results = []
        for number, values in enumerate(document["utilities"], start=1):
            if not isinstance(values, dict):
                raise ValueError(f"utility {number} is not a mapping of fields")
            results.append(water_audit(audit_inputs_from_mapping(values), corrections, banding))
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None
    complete = all(result.leakage_rate_pct is not None for result in results)
    return results, county_leakage_rate_pct(results) if complete else None


def run_audit(arguments: argparse.Namespace) -> int:
    results, county_rate = load_audit(arguments.inputs)
    if arguments.json:
        payload = {"utilities": [result.as_dict() for result in results], "county_leakage_rate_pct": county_rate}
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print("\n\n".join(format_result(result) for result in results))
        county_text = (
            "incomplete (a utility lacks the length of DN ≥ 75 mains)"
            if county_rate is None
            else f"{county_rate:.2f} %"
        )
        print(f"\ncounty leakage rate (CJJ 92, supply-weighted): {county_text}")
    return 0


def format_result(result: AuditResult) -> str:
    """One utility's audit as aligned text lines."""
    ili = f"{result.ili:.2f} (band {result.ili_band})" if result.ili is not None else "—"
    corrections = ", ".join(
        f"{name.upper()} {'—' if value is None else f'{value:.2f}'}" for name, value in result.corrections_pct.items()
    )
    rate = "incomplete" if result.leakage_rate_pct is None else f"{result.leakage_rate_pct:.2f}"
    rows = [
        ("system input [m³]", f"{result.system_input_m3:,.0f}"),
        ("billed authorised [m³]", f"{result.billed_authorised_m3:,.0f}"),
        ("unbilled authorised [m³]", f"{result.unbilled_authorised_m3:,.0f}"),
        ("water losses [m³]", f"{result.water_losses_m3:,.0f}"),
        ("  apparent losses [m³]", f"{result.apparent_losses_m3:,.0f}"),
        ("  real losses [m³]", f"{result.real_losses_m3:,.0f}"),
        ("non-revenue water [m³]", f"{result.non_revenue_water_m3:,.0f} ({result.non_revenue_water_pct:.1f} %)"),
        ("cost of non-revenue water [yuan]", f"{result.non_revenue_water_cost_yuan:,.0f}"),
        ("UARL [m³]", f"{result.uarl_m3:,.0f}"),
        ("ILI", ili),
        ("CJJ 92 gross loss rate [%]", f"{result.gross_loss_rate_pct:.2f}"),
        ("CJJ 92 corrections [%]", corrections),
        ("CJJ 92 leakage rate [%]", f"{rate} ({result.cjj92_grade or 'no grade'})"),
    ]
    width = max(len(label) for label, _ in rows)
    lines = [result.name, *(f"  {label.ljust(width)}  {value}" for label, value in rows)]
    lines.extend(f"  warning: {warning}" for warning in result.warnings)
    return "\n".join(lines)
