"""Water-balance test (水平衡测试) of an enterprise or institution: indicators and closure checks.

A water-balance test measures, over a test period, every water-using unit
(用水单元) of an enterprise or institution: the fresh water it takes (新水量
Vf), the water it reuses (重复利用水量 Vr: recirculated, cascaded from another
unit, or treated wastewater returned to use), and where the water goes:
consumed (耗水量 Vco), discharged (排水量 Vd) or leaked (漏溢水量 Vl). From these
come the indicators on which a water-saving enterprise or unit (节水型企业/单位)
is assessed, and two checks that the test closes.

Symbols follow [GB/T 12452-2022] and its predecessor [GB/T 12452-2008] 3.2:

==========  ==========================================================  ======
symbol      meaning                                                     unit
==========  ==========================================================  ======
Vf          fresh intake, the sum of the units' fresh water             m³
Vr          reused water, the sum of the units' reused water            m³
Vt          total use, Vt = Vf + Vr                                     m³
Vcf, Vcr    fresh and recirculated water of indirect cooling units      m³
Vgf, Vgr    fresh and reused water of process units                     m³
D           steam raised by boilers over the period                     t
Vbr·ρ       steam condensate recovered over the period                  t
Vco         water consumed (evaporated, in product, drift)              m³
Vd          water discharged                                            m³
Vl          water leaked or overflowed                                  m³
Vw          treated wastewater returned to use                          m³
Q           product output over the period                              (product unit)
Z           output value over the period                                10⁴ yuan
==========  ==========================================================  ======

Every volume is over the same test period; rates are fractions, not per cent.
A rate whose denominator is zero is undefined and returned as ``None`` (for
example the cooling recirculation rate of a firm with no cooling unit): the
indicator does not apply, rather than being 0 or 1.

The command `hydro balance-test assess` (module `hydro.balance_test.cli`)
assesses a test given as a JSON file.

The balance of a unit, [GB/T 12452-2008] 3.1 (the water balance equation,
kept in [GB/T 12452-2022]): what enters the unit equals what leaves it,

    Vf + Vr = Vco + Vd + Vl + Vr,

the reused water entering the unit and leaving it for the next use (or for the
same unit's circuit) cancelling, so that Vf = Vco + Vd + Vl. Its closure error
is ε = (Vf − (Vco + Vd + Vl)) / Vf. The whole test closes when the units'
fresh intake agrees with the metered intake at the boundary,
ε_in = (ΣVf − V_metered) / V_metered, and every unit balances, each within a
tolerance (default 10 %, `DEFAULT_CLOSURE_TOLERANCE`, a dated parameter in
Civic; the figure is taken from provincial practice and is to be verified
against the text of [GB/T 12452-2022]).

References
----------
.. [1] GB/T 12452-2022 《水平衡测试通则》 (General principles of water balance
   test), SAMR/SAC, in force 2022-11-01. The clause numbers cited here are
   those of GB/T 12452-2008 3.1–3.2, whose equations the 2022 edition keeps;
   the 2022 clause numbers are to be verified.
.. [2] GB/T 7119-2018 《节水型企业评价导则》 (Evaluating guide for
   water-saving enterprises), Annex A: the technical indicators (reuse rate,
   indirect-cooling recirculation rate, condensate recovery rate, wastewater
   reuse rate, comprehensive leak rate, intake per unit product and per 10⁴
   yuan output value); clause numbers to be verified against the 2018 text.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

UNIT_KINDS = ("process", "cooling", "boiler", "domestic", "other")
VOLUME_FIELDS = ("fresh_m3", "reused_m3", "consumed_m3", "discharged_m3", "leaked_m3")
STEAM_FIELDS = ("steam_t", "condensate_recovered_t")
# Default tolerance of both closure checks [fraction]; provincial practice, to verify in GB/T 12452-2022.
DEFAULT_CLOSURE_TOLERANCE = 0.10


@dataclass(frozen=True)
class WaterUnit:
    """One water-using unit of a balance test, its volumes over the test period.

    Attributes
    ----------
    name : str
        The unit's name, e.g. "染色车间".
    kind : str
        One of `UNIT_KINDS`: process, cooling (indirect cooling), boiler, domestic, other.
    fresh_m3, reused_m3, consumed_m3, discharged_m3, leaked_m3 : float
        Vf, Vr, Vco, Vd and Vl of the unit [m³].
    steam_t, condensate_recovered_t : float or None
        Steam raised D and condensate recovered Vbr·ρ, for boilers [t].
    """

    name: str
    kind: str
    fresh_m3: float
    reused_m3: float
    consumed_m3: float
    discharged_m3: float
    leaked_m3: float
    steam_t: float | None = None
    condensate_recovered_t: float | None = None


@dataclass(frozen=True)
class BalanceTest:
    """A water-balance test: the enterprise, its output over the period, the metered intake and its units.

    Attributes
    ----------
    enterprise, industry : str
        Names of the enterprise or institution and of its industry.
    period_days : float
        Length of the test period [d].
    product_output : float
        Product output over the period, Q [product unit].
    product_unit : str
        Unit of the product output, e.g. "t" or "100 m".
    output_value_10k_yuan : float
        Output value over the period, Z [10⁴ yuan].
    metered_fresh_intake_m3 : float
        Fresh intake metered at the boundary over the period [m³].
    wastewater_reused_m3 : float
        Treated wastewater returned to use over the period, Vw [m³].
    units : tuple of WaterUnit
        The water-using units.
    """

    enterprise: str
    industry: str
    period_days: float
    product_output: float
    product_unit: str
    output_value_10k_yuan: float
    metered_fresh_intake_m3: float
    wastewater_reused_m3: float
    units: tuple[WaterUnit, ...]


@dataclass(frozen=True)
class UnitClosure:
    """A unit's balance: what came in fresh, what went out, and the relative difference."""

    name: str
    kind: str
    fresh_m3: float
    outflow_m3: float
    closure_error: float | None
    closes: bool


@dataclass(frozen=True)
class BalanceAssessment:
    """The indicators and closure checks of a balance test (rates as fractions, volumes in m³)."""

    fresh_m3: float
    reused_m3: float
    total_use_m3: float
    reuse_rate: float | None
    cooling_recirculation_rate: float | None
    process_reuse_rate: float | None
    condensate_recovery_rate: float | None
    leak_rate: float | None
    wastewater_reuse_rate: float | None
    intake_per_product: float | None
    intake_per_10k_yuan: float | None
    intake_closure_error: float | None
    units: tuple[UnitClosure, ...]
    closes: bool
    tolerance: float

    def as_dict(self) -> dict[str, Any]:
        """The assessment as JSON-ready values, in the field order of the command-line contract."""
        return asdict(self)


def rate(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, or None when the denominator is zero (the indicator does not apply)."""
    return numerator / denominator if denominator else None


def total_use_m3(fresh_m3: float, reused_m3: float) -> float:
    """Total use Vt = Vf + Vr [m³], [GB/T 12452-2008] 3.2.1."""
    return fresh_m3 + reused_m3


def reuse_rate(fresh_m3: float, reused_m3: float) -> float | None:
    """Reuse rate R = Vr / (Vf + Vr) [fraction], [GB/T 12452-2008] 3.2.1 (eq. 4), [GB/T 7119-2018] Annex A.

    Examples
    --------
    >>> reuse_rate(fresh_m3=100.0, reused_m3=300.0)
    0.75
    """
    return rate(reused_m3, total_use_m3(fresh_m3, reused_m3))


def units_of_kind(units: Iterable[WaterUnit], kind: str) -> list[WaterUnit]:
    return [unit for unit in units if unit.kind == kind]


def cooling_recirculation_rate(units: Iterable[WaterUnit]) -> float | None:
    """Indirect-cooling recirculation rate rc = Vcr / (Vcf + Vcr) over the cooling units [fraction].

    [GB/T 12452-2008] 3.2.2 (eq. 5); [GB/T 7119-2018] Annex A. None when the
    test has no cooling water.
    """
    cooling = units_of_kind(units, "cooling")
    return reuse_rate(sum(unit.fresh_m3 for unit in cooling), sum(unit.reused_m3 for unit in cooling))


def process_reuse_rate(units: Iterable[WaterUnit]) -> float | None:
    """Process-water reuse rate rg = Vgr / (Vgf + Vgr) over the process units [fraction].

    [GB/T 12452-2008] 3.2.3 (eq. 6). None when the test has no process water.
    """
    process = units_of_kind(units, "process")
    return reuse_rate(sum(unit.fresh_m3 for unit in process), sum(unit.reused_m3 for unit in process))


def condensate_recovery_rate(units: Iterable[WaterUnit]) -> float | None:
    """Steam condensate recovery rate rb = Vbr·ρ / (D·h) [fraction].

    [GB/T 12452-2008] 3.2.4 (eq. 7) writes it with the boiler's steam rate D
    [kg/h] and its working hours h; over a test period D·h is the steam raised
    and Vbr·ρ the condensate recovered, both in tonnes here, summed over every
    unit that reports steam. None when no unit raised steam.
    """
    steam_units = [unit for unit in units if unit.steam_t is not None]
    steam_t = sum(unit.steam_t or 0.0 for unit in steam_units)
    recovered_t = sum(unit.condensate_recovered_t or 0.0 for unit in steam_units)
    return rate(recovered_t, steam_t)


def leak_rate(leaked_m3: float, fresh_m3: float) -> float | None:
    """Comprehensive leak rate Kl = Vl / Vf [fraction], [GB/T 7119-2018] Annex A (用水综合漏失率)."""
    return rate(leaked_m3, fresh_m3)


def wastewater_reuse_rate(wastewater_reused_m3: float, discharged_m3: float) -> float | None:
    """Wastewater reuse rate Kw = Vw / (Vw + Vd) [fraction], [GB/T 7119-2018] Annex A (废水回用率).

    Vw is the treated wastewater returned to use and Vd the water discharged.
    """
    return rate(wastewater_reused_m3, wastewater_reused_m3 + discharged_m3)


def intake_per_product(fresh_m3: float, product_output: float) -> float | None:
    """Intake per unit product Vuf = Vyf / Q [m³ per product unit], [GB/T 12452-2008] 3.2.5 (eq. 8)."""
    return rate(fresh_m3, product_output)


def intake_per_10k_yuan(fresh_m3: float, output_value_10k_yuan: float) -> float | None:
    """Intake per 10⁴ yuan output value Vwf = Vyf / Z [m³/10⁴ yuan], [GB/T 12452-2008] 3.2.6 (eq. 9)."""
    return rate(fresh_m3, output_value_10k_yuan)


def intake_closure_error(units_fresh_m3: float, metered_fresh_intake_m3: float) -> float | None:
    """Relative difference of the units' fresh intake from the metered intake, (ΣVf − V_metered) / V_metered.

    Positive when the units account for more water than the boundary meter
    measured. None when nothing was metered (the check cannot be made).
    """
    return rate(units_fresh_m3 - metered_fresh_intake_m3, metered_fresh_intake_m3)


def unit_outflow_m3(unit: WaterUnit) -> float:
    """What leaves a unit other than its reused water: Vco + Vd + Vl [m³]."""
    return unit.consumed_m3 + unit.discharged_m3 + unit.leaked_m3


def unit_closure_error(unit: WaterUnit) -> float | None:
    """A unit's closure error ε = (Vf − (Vco + Vd + Vl)) / Vf [fraction], [GB/T 12452-2008] 3.1.

    The balance Vf + Vr = Vco + Vd + Vl + Vr loses its reused water on both
    sides. A unit with neither fresh water nor outflow balances exactly (0);
    one with outflow but no fresh water cannot balance (None).

    Examples
    --------
    >>> unit_closure_error(WaterUnit("染色", "process", 100.0, 50.0, 10.0, 80.0, 5.0))
    0.05
    """
    outflow = unit_outflow_m3(unit)
    if unit.fresh_m3 == 0:
        return 0.0 if outflow == 0 else None
    return (unit.fresh_m3 - outflow) / unit.fresh_m3


def within(error: float | None, tolerance: float) -> bool:
    """Whether a closure error is known and its size at most `tolerance` (with a hair for rounding)."""
    return error is not None and abs(error) <= tolerance + 1e-12


def unit_closure(unit: WaterUnit, tolerance: float) -> UnitClosure:
    error = unit_closure_error(unit)
    return UnitClosure(unit.name, unit.kind, unit.fresh_m3, unit_outflow_m3(unit), error, within(error, tolerance))


def assess(test: BalanceTest, tolerance: float = DEFAULT_CLOSURE_TOLERANCE) -> BalanceAssessment:
    """Every indicator and check of a balance test.

    Parameters
    ----------
    test : BalanceTest
        The test's figures over its period.
    tolerance : float, optional
        Largest closure error accepted, for the intake and for each unit [fraction].

    Returns
    -------
    BalanceAssessment
        ``closes`` is true only when the intake closure and every unit's
        closure are known and within `tolerance`.
    """
    fresh = sum(unit.fresh_m3 for unit in test.units)
    reused = sum(unit.reused_m3 for unit in test.units)
    leaked = sum(unit.leaked_m3 for unit in test.units)
    discharged = sum(unit.discharged_m3 for unit in test.units)
    closures = tuple(unit_closure(unit, tolerance) for unit in test.units)
    intake_error = intake_closure_error(fresh, test.metered_fresh_intake_m3)
    return BalanceAssessment(
        fresh_m3=fresh,
        reused_m3=reused,
        total_use_m3=total_use_m3(fresh, reused),
        reuse_rate=reuse_rate(fresh, reused),
        cooling_recirculation_rate=cooling_recirculation_rate(test.units),
        process_reuse_rate=process_reuse_rate(test.units),
        condensate_recovery_rate=condensate_recovery_rate(test.units),
        leak_rate=leak_rate(leaked, fresh),
        wastewater_reuse_rate=wastewater_reuse_rate(test.wastewater_reused_m3, discharged),
        intake_per_product=intake_per_product(fresh, test.product_output),
        intake_per_10k_yuan=intake_per_10k_yuan(fresh, test.output_value_10k_yuan),
        intake_closure_error=intake_error,
        units=closures,
        closes=within(intake_error, tolerance) and all(closure.closes for closure in closures),
        tolerance=tolerance,
    )


def sankey_links(test: BalanceTest) -> list[tuple[str, str, float]]:
    """The balance as (source, target, m³) links for a Sankey diagram: intake → units → fates, reuse loops.

    Reused water is drawn from a "reused water" node into each unit, so the
    diagram stays acyclic. Links of zero volume are left out.
    """
    links: list[tuple[str, str, float]] = []
    for unit in test.units:
        links += [("fresh intake", unit.name, unit.fresh_m3), ("reused water", unit.name, unit.reused_m3)]
        links += [(unit.name, "consumed", unit.consumed_m3), (unit.name, "discharged", unit.discharged_m3)]
        links.append((unit.name, "leaked", unit.leaked_m3))
    return [link for link in links if link[2] > 0]


# --- reading a test from a mapping (JSON) -----------------------------------------------------------


def number_field(mapping: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> float | None:
    """A non-negative finite number at `key`; errors name the field as `where` + key (e.g. units[2].fresh_m3)."""
    name = f"{where}{key}"
    if key not in mapping or mapping[key] is None:
        if required:
            raise ValueError(f"{name}: missing; give a number ≥ 0.")
        return None
    value = mapping[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name}: {value!r} is not a number.")
    if value < 0:
        raise ValueError(f"{name}: {value} is negative; give a number ≥ 0.")
    return float(value)


def text_field(mapping: Mapping[str, Any], key: str, where: str) -> str:
    value = mapping.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}{key}: missing; give a text.")
    return value


def unit_from_mapping(values: Any, index: int) -> WaterUnit:
    """One unit of a test document; `index` counts from 0 as in JSON, e.g. units[2]."""
    where = f"units[{index}]."
    if not isinstance(values, Mapping):
        raise ValueError(f"units[{index}]: not an object of fields.")
    kind = text_field(values, "kind", where)
    if kind not in UNIT_KINDS:
        raise ValueError(f"{where}kind: {kind!r}; choose one of {', '.join(UNIT_KINDS)}.")
    volumes = {key: number_field(values, key, where) for key in VOLUME_FIELDS}
    steam = {key: number_field(values, key, where, required=False) for key in STEAM_FIELDS}
    if steam["condensate_recovered_t"] is not None and steam["steam_t"] is None:
        raise ValueError(f"{where}steam_t: missing; condensate recovered needs the steam raised.")
    return WaterUnit(name=text_field(values, "name", where), kind=kind, **volumes, **steam)  # type: ignore[arg-type]


def balance_test_from_mapping(document: Any) -> BalanceTest:
    """A `BalanceTest` from a JSON-like mapping; a missing or negative figure is an error naming its field."""
    if not isinstance(document, Mapping):
        raise ValueError("the test must be a JSON object of fields.")
    units = document.get("units")
    if not isinstance(units, list) or not units:
        raise ValueError("units: missing; give a list of water-using units.")
    numbers = {
        key: number_field(document, key, "")
        for key in (
            "period_days",
            "product_output",
            "output_value_10k_yuan",
            "metered_fresh_intake_m3",
            "wastewater_reused_m3",
        )
    }
    if numbers["period_days"] == 0:
        raise ValueError("period_days: 0; give the length of the test period in days.")
    return BalanceTest(
        enterprise=text_field(document, "enterprise", ""),
        industry=text_field(document, "industry", ""),
        product_unit=text_field(document, "product_unit", ""),
        units=tuple(unit_from_mapping(values, index) for index, values in enumerate(units)),
        **numbers,  # type: ignore[arg-type]
    )
