"""The subsidy (奖补) for a water-saving project, from the county's policy rules.

The county pays for water actually saved, not for promises: the amount is
worked out from the *verified* annual saving (``hydro.savings``) and the
eligible investment, under rules the bureau keeps as dated data:

.. math::

    A_{saving} &= r \\cdot S \\qquad A_{investment} = s \\cdot I \\\\
    A_{base} &= \\min(A_{saving}, A_{investment}) \\\\
    A_{bonus} &= b \\cdot A_{base} \\quad \\text{(demonstration projects only)} \\\\
    A &= \\min(A_{base} + A_{bonus},\\; C_{project},\\; C_{firm} - P_{firm},\\; B - P_{budget})

with r the amount per m³ of verified annual saving S [yuan/m³], s the share
of the eligible investment I [fraction], b the demonstration bonus
[fraction], C the caps per project and per firm and year [yuan], P what the
firm and the budget have already committed this year [yuan], and B the
year's budget [yuan]. Nothing is paid for a saving that is not positive.

Money is handled as ``Decimal`` yuan, rounded down to the fen.

References
----------
.. [1] The saving-based award capped by a share of the investment, per-project
   and per-firm ceilings and a yearly budget are the common shape of county
   water-saving award rules in Jiangsu; the figures are the county's own,
   entered as data (the district's own amounts were not published).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

FEN = Decimal("0.01")
ZERO = Decimal("0")


@dataclass(frozen=True)
class SubsidyRules:
    """The policy rules of one year.

    Attributes
    ----------
    effective_from : datetime.date
        First day the rules apply.
    amount_per_m3_yuan : Decimal
        r, paid per m³ of verified annual saving [yuan/m³].
    investment_share : Decimal
        s, the largest share of the eligible investment paid [fraction].
    project_cap_yuan : Decimal
        C_project, the most one project receives [yuan].
    firm_annual_cap_yuan : Decimal
        C_firm, the most one firm receives in a year, over all its projects [yuan].
    demonstration_bonus_share : Decimal
        b, added to a demonstration project's base amount [fraction].
    annual_budget_yuan : Decimal
        B, the year's budget [yuan].
    """

    effective_from: datetime.date
    amount_per_m3_yuan: Decimal
    investment_share: Decimal
    project_cap_yuan: Decimal
    firm_annual_cap_yuan: Decimal
    demonstration_bonus_share: Decimal
    annual_budget_yuan: Decimal


@dataclass(frozen=True)
class SubsidyCalculation:
    """The subsidy and every step of its working.

    Attributes
    ----------
    saving_amount_yuan, investment_amount_yuan : Decimal
        r·S and s·I.
    base_yuan : Decimal
        The smaller of the two.
    bonus_yuan : Decimal
        The demonstration bonus b·A_base (0 for other projects).
    firm_room_yuan, budget_room_yuan : Decimal
        What the firm's yearly cap and the budget still allow.
    amount_yuan : Decimal
        The subsidy A.
    limited_by : str
        What set the amount: ``"saving"``, ``"investment"``, ``"project_cap"``,
        ``"firm_cap"``, ``"budget"`` or ``"no_saving"``.
    """

    saving_amount_yuan: Decimal
    investment_amount_yuan: Decimal
    base_yuan: Decimal
    bonus_yuan: Decimal
    firm_room_yuan: Decimal
    budget_room_yuan: Decimal
    amount_yuan: Decimal
    limited_by: str


def subsidy(
    rules: SubsidyRules,
    verified_annual_saving_m3: float | Decimal,
    eligible_investment_yuan: Decimal,
    demonstration: bool,
    firm_committed_this_year_yuan: Decimal = ZERO,
    budget_committed_yuan: Decimal = ZERO,
) -> SubsidyCalculation:
    """The subsidy of a project under ``rules`` (the equations of this module's docstring).

    Parameters
    ----------
    rules : SubsidyRules
        The rules in force on the day of the decision.
    verified_annual_saving_m3 : float or Decimal
        S, the verified saving over a year [m³/a].
    eligible_investment_yuan : Decimal
        I [yuan].
    demonstration : bool
        Whether the project is a demonstration project (earns the bonus).
    firm_committed_this_year_yuan : Decimal
        P_firm, subsidies already decided for the firm this year [yuan].
    budget_committed_yuan : Decimal
        P_budget, subsidies already decided against this year's budget [yuan].

    Examples
    --------
    >>> rules = SubsidyRules(datetime.date(2024, 1, 1), Decimal("2"), Decimal("0.3"), Decimal("500000"),
    ...                      Decimal("800000"), Decimal("0.2"), Decimal("3000000"))
    >>> subsidy(rules, 100000, Decimal("1000000"), demonstration=False).amount_yuan
    Decimal('200000.00')
    """
    saving = Decimal(str(verified_annual_saving_m3))
    saving_amount = _fen(rules.amount_per_m3_yuan * max(saving, ZERO))
    investment_amount = _fen(rules.investment_share * max(eligible_investment_yuan, ZERO))
    base = min(saving_amount, investment_amount)
    bonus = _fen(rules.demonstration_bonus_share * base) if demonstration else ZERO
    firm_room = max(rules.firm_annual_cap_yuan - firm_committed_this_year_yuan, ZERO)
    budget_room = max(rules.annual_budget_yuan - budget_committed_yuan, ZERO)
    candidates = [
        (base + bonus, "saving" if saving_amount <= investment_amount else "investment"),
        (rules.project_cap_yuan, "project_cap"),
        (firm_room, "firm_cap"),
        (budget_room, "budget"),
    ]
    amount, limited_by = min(candidates, key=lambda candidate: candidate[0])
    if saving <= 0:
        amount, limited_by = ZERO, "no_saving"
    return SubsidyCalculation(
        saving_amount_yuan=saving_amount,
        investment_amount_yuan=investment_amount,
        base_yuan=base,
        bonus_yuan=bonus,
        firm_room_yuan=firm_room,
        budget_room_yuan=budget_room,
        amount_yuan=_fen(amount),
        limited_by=limited_by,
    )


def _fen(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_DOWN)
