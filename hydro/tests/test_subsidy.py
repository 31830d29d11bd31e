"""Subsidies under the county's rules, worked by hand at every cap and tier boundary.

Rules of the cases: ¥2 per m³ of verified annual saving, at most 30 % of the
eligible investment, ¥500,000 per project, ¥800,000 per firm and year, a 20 %
bonus for demonstration projects, a ¥3,000,000 budget.
"""

import datetime
from decimal import Decimal

import pytest

from hydro.subsidy import SubsidyRules, subsidy

RULES = SubsidyRules(
    effective_from=datetime.date(2024, 1, 1),
    amount_per_m3_yuan=Decimal("2"),
    investment_share=Decimal("0.30"),
    project_cap_yuan=Decimal("500000"),
    firm_annual_cap_yuan=Decimal("800000"),
    demonstration_bonus_share=Decimal("0.20"),
    annual_budget_yuan=Decimal("3000000"),
)


@pytest.mark.parametrize(
    ("saving_m3", "investment", "demonstration", "firm_committed", "budget_committed", "amount", "limited_by"),
    [
        # 100,000 m³ × 2 = 200,000 < 30 % × 1,000,000 = 300,000: the saving sets it.
        (100_000, "1000000", False, "0", "0", "200000.00", "saving"),
        # 150,000 × 2 = 300,000 = 30 % × 1,000,000: the boundary, both give 300,000.
        (150_000, "1000000", False, "0", "0", "300000.00", "saving"),
        # 150,001 × 2 = 300,002 > 300,000: the investment share sets it.
        (150_001, "1000000", False, "0", "0", "300000.00", "investment"),
        # 250,000 × 2 = 500,000 = 30 % × 2,000,000 = 500,000 = the project cap exactly.
        (250_000, "2000000", False, "0", "0", "500000.00", "saving"),
        # 300,000 × 2 = 600,000; 30 % × 3,000,000 = 900,000; the project cap 500,000 binds.
        (300_000, "3000000", False, "0", "0", "500000.00", "project_cap"),
        # Demonstration: base 200,000 + 20 % bonus 40,000 = 240,000.
        (100_000, "1000000", True, "0", "0", "240000.00", "saving"),
        # Demonstration at the cap: base 250,000 × 2 … 500,000 + 100,000 bonus → project cap 500,000.
        (250_000, "2000000", True, "0", "0", "500000.00", "project_cap"),
        # The firm already has 600,000 this year: room 200,000 = the 200,000 earned, exactly.
        (100_000, "1000000", False, "600000", "0", "200000.00", "saving"),
        # 650,000 committed: room 150,000 < 200,000 earned.
        (100_000, "1000000", False, "650000", "0", "150000.00", "firm_cap"),
        # The firm is at its cap: nothing.
        (100_000, "1000000", False, "800000", "0", "0.00", "firm_cap"),
        # The budget has 2,800,000 committed: room 200,000 = earned, exactly.
        (100_000, "1000000", False, "0", "2800000", "200000.00", "saving"),
        # 2,900,000 committed: room 100,000.
        (100_000, "1000000", False, "0", "2900000", "100000.00", "budget"),
        # Over-committed budget: nothing, never negative.
        (100_000, "1000000", False, "0", "3100000", "0.00", "budget"),
        # No verified saving, nothing paid, whatever the investment.
        (0, "1000000", True, "0", "0", "0.00", "no_saving"),
        (-5_000, "1000000", False, "0", "0", "0.00", "no_saving"),
        # Fractions of a fen are cut: 0.333 m³ × 2 = 0.666 → ¥0.66.
        (0.333, "1000000", False, "0", "0", "0.66", "saving"),
    ],
)
def test_subsidy_at_each_boundary(
    saving_m3, investment, demonstration, firm_committed, budget_committed, amount, limited_by
):
    calculation = subsidy(
        RULES, saving_m3, Decimal(investment), demonstration, Decimal(firm_committed), Decimal(budget_committed)
    )
    assert calculation.amount_yuan == Decimal(amount)
    assert calculation.limited_by == limited_by


def test_the_working_shows_each_step():
    calculation = subsidy(RULES, 120_000, Decimal("700000"), True, Decimal("100000"), Decimal("1000000"))
    # 120,000 × 2 = 240,000; 30 % × 700,000 = 210,000 → base 210,000; bonus 42,000; total 252,000.
    assert calculation.saving_amount_yuan == Decimal("240000.00")
    assert calculation.investment_amount_yuan == Decimal("210000.00")
    assert calculation.base_yuan == Decimal("210000.00")
    assert calculation.bonus_yuan == Decimal("42000.00")
    assert calculation.firm_room_yuan == Decimal("700000")
    assert calculation.budget_room_yuan == Decimal("2000000")
    assert calculation.amount_yuan == Decimal("252000.00")
    assert calculation.limited_by == "investment"
