"""The over-plan surcharge for a county's worth of water users.

Civic's `hydro.surcharge.surcharge` works in decimals (here band by band) and checks
its inputs, so that a bill on a band boundary is exact. The baseline is the
same progressive arithmetic in plain Python floats in one loop, with no checks:
the ratio says what exact, checked bills cost.
"""

from __future__ import annotations

import random
from decimal import Decimal

from benchmarks.runner import Benchmark
from hydro.surcharge import BANDED, JIANGSU_DRAFT_BANDS, surcharge

USER_COUNT = 100_000
BASE_PRICE_YUAN_PER_M3 = Decimal("4.00")
HALF_A_FEN_YUAN = 0.005


def monthly_uses(user_count: int = USER_COUNT) -> list[tuple[float, float]]:
    """(planned, actual) use of one month for each user [m³]: from 30 % under to 60 % over plan."""
    generator = random.Random(20240301)
    uses = []
    for _ in range(user_count):
        planned_m3 = round(generator.uniform(800, 40_000), 1)
        uses.append((planned_m3, round(planned_m3 * generator.uniform(0.7, 1.6), 1)))
    return uses


def float_total_yuan(uses: list[tuple[float, float]]) -> float:
    price = float(BASE_PRICE_YUAN_PER_M3)
    total = 0.0
    for planned_m3, actual_m3 in uses:
        excess_m3 = actual_m3 - planned_m3
        if excess_m3 <= 0:
            continue
        for lower, upper, multiplier in JIANGSU_DRAFT_BANDS:
            top_m3 = excess_m3 if upper is None else min(excess_m3, upper * planned_m3)
            volume_m3 = top_m3 - lower * planned_m3
            if volume_m3 > 0:
                total += volume_m3 * multiplier * price
    return total


def civic_total_yuan(uses: list[tuple[float, float]]) -> Decimal:
    return sum(
        (
            surcharge(planned_m3, actual_m3, BASE_PRICE_YUAN_PER_M3, JIANGSU_DRAFT_BANDS, mode=BANDED).amount_yuan
            for planned_m3, actual_m3 in uses
        ),
        Decimal(0),
    )


def totals_agree(float_total: object, decimal_total: object) -> bool:
    # Civic rounds each bill to the fen, so the totals may differ by half a fen per user.
    assert isinstance(float_total, float) and isinstance(decimal_total, Decimal)
    return abs(float(decimal_total) - float_total) <= HALF_A_FEN_YUAN * USER_COUNT


def benchmark() -> Benchmark:
    uses = monthly_uses()
    return Benchmark(
        name="surcharge",
        description=f"progressive over-plan surcharge of {USER_COUNT:,} users (Jiangsu draft bands), "
        "hydro.surcharge vs plain floats in one loop",
        baseline=lambda: float_total_yuan(uses),
        candidate=lambda: civic_total_yuan(uses),
        agree=totals_agree,
    )
