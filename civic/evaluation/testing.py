"""Records of the evaluation's tests: Runhua Dyeing's balance test of March 2024, worked by hand.

The figures are those of docs/balance-test.example.json (hydro's worked case):
four units, 12,000 m³ fresh, 29,000 m³ reused, reuse rate 29/41 = 70.7 %,
cooling recirculation 97.4 %, condensate recovery 80 %, leak rate 3.3 %,
wastewater reuse 21.6 %, 10 m³ per 100 m of cloth.
"""

from __future__ import annotations

import datetime
import io
from typing import Any

from pypdf import PdfReader

from civic.core.models import User
from civic.evaluation import actions
from civic.evaluation.defaults import load_carrier_defaults
from civic.evaluation.models import BalanceTest, CarrierSector
from civic.water.models import WaterUser

RUNHUA_UNITS: list[dict[str, Any]] = [
    {"name": "染色车间", "kind": "process", "fresh_m3": 9000, "reused_m3": 6000, "consumed_m3": 900,
     "discharged_m3": 7800, "leaked_m3": 300},
    {"name": "空压机冷却", "kind": "cooling", "fresh_m3": 500, "reused_m3": 19000, "consumed_m3": 450,
     "discharged_m3": 30, "leaked_m3": 20},
    {"name": "锅炉房", "kind": "boiler", "fresh_m3": 1500, "reused_m3": 4000, "consumed_m3": 1450,
     "discharged_m3": 20, "leaked_m3": 30, "steam_t": 5000, "condensate_recovered_t": 4900},
    {"name": "办公与食堂", "kind": "domestic", "fresh_m3": 1000, "reused_m3": 0, "consumed_m3": 100,
     "discharged_m3": 850, "leaked_m3": 50},
]  # fmt: skip
RUNHUA_HEADER = {
    "period_start": datetime.date(2024, 3, 1),
    "period_end": datetime.date(2024, 3, 30),
    "product_output": 1200,
    "product_unit": "100 m",
    "output_value_10k_yuan": 960,
    "metered_fresh_intake_m3": 12000,
    "wastewater_reused_m3": 2400,
}


def unit_rows(**changes: dict[str, Any]) -> list[dict[str, Any]]:
    """Runhua's units, with some fields of named units changed: unit_rows(办公与食堂={"leaked_m3": 250})."""
    return [{**unit, **changes.get(unit["name"], {})} for unit in RUNHUA_UNITS]


def make_balance_test(
    water_user: WaterUser, by_user: User, sector_code: str = "textile_dyeing", **fields: Any
) -> BalanceTest:
    """A draft test of `water_user` with Runhua's figures (condensate 4,900 t of 5,000: 98 %)."""
    load_carrier_defaults()
    units = fields.pop("units", RUNHUA_UNITS)
    test = BalanceTest(
        water_user=water_user, sector=CarrierSector.objects.get(code=sector_code), **{**RUNHUA_HEADER, **fields}
    )
    return actions.save_balance_test(test, units, by_user)


def pdf_text(content: bytes) -> str:
    """The PDF's text without spaces; pypdf reads the embedded CJK font with a NUL before each character."""
    reader = PdfReader(io.BytesIO(content))
    return "".join("".join(page.extract_text() for page in reader.pages).replace("\x00", "").split())
