"""The annual water audit of a supply utility: IWA water balance, UARL and ILI, and the CJJ 92-2016 leakage rate.

Volumes are m³ over the audit period (normally a year), lengths km,
pressures m of head (CJJ 92's outlet pressure in MPa), money in yuan.
The command `hydro audit` (module `hydro.water_audit.cli`) audits the
utilities listed in a YAML file.

IWA/AWWA water balance::

    system input = authorised consumption + water losses
    authorised   = billed (metered + unmetered) + unbilled (metered + unmetered)
    water losses = apparent losses (unauthorised use, customer-meter
                   under-registration, data handling errors) + real losses
    non-revenue water = system input − billed authorised
                      = unbilled authorised + apparent + real losses

References
----------
Alegre, H. et al. (2006). *Performance Indicators for Water Supply Services*,
2nd ed. IWA Publishing (the standard water balance).
Lambert, A. O., Brown, T. G., Takizawa, M. & Weimer, D. (1999). A review of
performance indicators for real losses from water supply systems. *J. Water
SRT – Aqua* 48(6), 227–237 (UARL formula and ILI).
AWWA (2016). *M36 Water Audits and Loss Control Programs*, 4th ed. (meter
under-registration, valuing apparent losses at the retail price and real
losses at the variable production cost).
Liemberger, R. et al. (2005), World Bank Institute ILI banding, as tabulated
in AWWA M36 (bands A–D for high-income and for low/middle-income countries).
[CJJ 92-2016] 城镇供水管网漏损控制及评定标准, partly revised 2018 (in force
2019-02-01), §5.1–5.3: R_BL = R_WL − R_n, R_WL = (Q_s − Q_a)/Q_s, two
grades 10 % and 12 %, supply-weighted rates for a region; §5.2.3: R2 from the
length of mains of DN ≥ 75 only.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

LITRES_PER_M3 = 1000.0
TEN_THOUSAND_M3 = 10_000.0

ILI_BANDS = {
    "high_income": ((2.0, "A"), (4.0, "B"), (8.0, "C")),
    "low_middle_income": ((4.0, "A"), (8.0, "B"), (16.0, "C")),
}
"""World Bank Institute bands: ILI below each bound falls in its band, at or above the last in band D."""


@dataclass(frozen=True)
class CJJ92Corrections:
    """The corrections of CJJ 92-2016 §5.2.3 as editable parameters (defaults as read from the 2018 revision).

    Attributes
    ----------
    residential_factor : float
        R1 = residential_factor · r · 100 %, r the share of the supply metered
        to households (居民抄表到户水量 / 供水总量); 0.08.
    length_factor, length_reference_km_per_10k_m3, length_bounds_pct : float, float, (float, float)
        R2 = length_factor · (A − reference) · 100 %, A = L / Q_s the length of
        DN ≥ 75 mains [km] per 10⁴ m³ supplied, held within the bounds; 0.99,
        0.0693, ±3 %.
    pressure_steps : tuple of (MPa, %)
        R3: the correction of the highest step whose pressure the average
        outlet pressure exceeds; 0.35 → 0.5 %, 0.55 → 1 %, 0.75 → 2 %.
    frost_depth_m, frost_correction_pct : float
        R4: frost_correction_pct when the greatest frost depth exceeds frost_depth_m; 1.4 m → 1 %.
    grades_pct : tuple of (bound %, grade)
        The grades a leakage rate at or below each bound earns; 10 % first, 12 % second.

    Notes
    -----
    The factors above are kept as data because the bureau may adopt a
    revision or a provincial variant; check them against the standard's text.
    """

    residential_factor: float = 0.08
    length_factor: float = 0.99
    length_reference_km_per_10k_m3: float = 0.0693
    length_bounds_pct: tuple[float, float] = (-3.0, 3.0)
    pressure_steps: tuple[tuple[float, float], ...] = ((0.35, 0.5), (0.55, 1.0), (0.75, 2.0))
    frost_depth_m: float = 1.4
    frost_correction_pct: float = 1.0
    grades_pct: tuple[tuple[float, str], ...] = ((10.0, "first"), (12.0, "second"))


@dataclass(frozen=True)
class AuditInputs:
    """One utility's figures for the audit period.

    Attributes
    ----------
    name : str
    system_input_m3 : float
        Water put into supply [m³] (供水总量).
    billed_metered_m3, billed_unmetered_m3, unbilled_metered_m3, unbilled_unmetered_m3 : float
        Authorised consumption [m³].
    unauthorised_m3, data_handling_errors_m3 : float
        Apparent losses estimated directly [m³].
    meter_under_registration_pct : float
        Share of the true volume through customer meters they fail to record [%].
    mains_length_km, service_connections, private_pipe_length_km, average_pressure_m : float
        Lm, Nc, Lp (kerb to meter) and P of the UARL formula.
    days : float
        Length of the audit period [d].
    retail_price_yuan_per_m3, variable_production_cost_yuan_per_m3 : float
        Prices for the cost of non-revenue water.
    residential_household_metered_m3 : float
        Water metered to households (居民抄表到户水量) [m³], for CJJ 92's R1.
    mains_length_dn75_km : float or None
        Length of mains of DN ≥ 75 [km] for R2 (CJJ 92-2016 §5.2.3). When not
        given, R2 and the leakage rate are not worked out (the total mains
        length would overstate A and so R2, and understate the rate).
    average_outlet_pressure_mpa : float
        Average pressure leaving the works [MPa], for R3.
    maximum_frost_depth_m : float
        Greatest frost depth [m], for R4.
    """

    name: str
    system_input_m3: float
    billed_metered_m3: float
    mains_length_km: float
    service_connections: float
    average_pressure_m: float
    billed_unmetered_m3: float = 0.0
    unbilled_metered_m3: float = 0.0
    unbilled_unmetered_m3: float = 0.0
    unauthorised_m3: float = 0.0
    data_handling_errors_m3: float = 0.0
    meter_under_registration_pct: float = 0.0
    private_pipe_length_km: float = 0.0
    days: float = 365.0
    retail_price_yuan_per_m3: float = 0.0
    variable_production_cost_yuan_per_m3: float = 0.0
    residential_household_metered_m3: float = 0.0
    mains_length_dn75_km: float | None = None
    average_outlet_pressure_mpa: float = 0.0
    maximum_frost_depth_m: float = 0.0


@dataclass(frozen=True)
class AuditResult:
    """The water balance, real-loss indicators and CJJ 92 rates of one utility (volumes m³, rates %).

    `leakage_rate_pct` (and the grade, R2 and Rn) is None when the figures do
    not allow it: without the length of DN ≥ 75 mains the rate is incomplete.
    """

    name: str
    system_input_m3: float
    billed_authorised_m3: float
    unbilled_authorised_m3: float
    authorised_m3: float
    water_losses_m3: float
    meter_under_registration_m3: float
    apparent_losses_m3: float
    real_losses_m3: float
    non_revenue_water_m3: float
    non_revenue_water_pct: float
    non_revenue_water_cost_yuan: float
    uarl_m3: float
    ili: float | None
    ili_band: str | None
    gross_loss_rate_pct: float
    corrections_pct: dict[str, float | None]
    leakage_rate_pct: float | None
    cjj92_grade: str | None
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def unavoidable_annual_real_losses_m3(
    mains_length_km: float,
    service_connections: float,
    private_pipe_length_km: float,
    average_pressure_m: float,
    days: float = 365.0,
) -> float:
    """Unavoidable annual real losses (UARL) of a system [m³ over `days`].

    Notes
    -----
    UARL [L/d] = (18 · Lm + 0.8 · Nc + 25 · Lp) · P (Lambert et al. 1999),
    Lm mains [km], Nc service connections, Lp private pipe from the property
    line to the meter [km], P average pressure [m].
    """
    litres_per_day = (18.0 * mains_length_km + 0.8 * service_connections + 25.0 * private_pipe_length_km) * (
        average_pressure_m
    )
    return litres_per_day * days / LITRES_PER_M3


UARL_PRESSURE_RANGE_M = (25.0, 100.0)


def uarl_warnings(mains_length_km: float, service_connections: float, average_pressure_m: float) -> list[str]:
    """Where the UARL formula was not calibrated: fewer than 5,000 connections, < 20 per km, P outside 25–100 m.

    References
    ----------
    .. [1] [LAMBERT-1999] Lambert et al. (1999), section on the UARL's range
       of validity: systems of 5,000 connections or more (3,000 in later
       guidance), 20 or more per km of mains, average pressure 25 to 100 m.
    """
    warnings = []
    if service_connections < 5000:
        warnings.append("UARL is calibrated for systems of 5,000 connections or more.")
    if mains_length_km > 0 and service_connections / mains_length_km < 20:
        warnings.append("UARL is calibrated for 20 connections or more per km of mains.")
    low, high = UARL_PRESSURE_RANGE_M
    if average_pressure_m < low:
        warnings.append("UARL is calibrated for average pressures of 25 m or more.")
    if average_pressure_m > high:
        warnings.append("UARL is calibrated for average pressures up to 100 m.")
    return warnings


def ili_band(ili: float, banding: str = "low_middle_income") -> str:
    """The World Bank Institute band (A best … D worst) of an ILI."""
    for bound, band in ILI_BANDS[banding]:
        if ili < bound:
            return band
    return "D"


def meter_under_registration_m3(registered_m3: float, under_registration_pct: float) -> float:
    """Water customer meters passed but did not record [m³]: R · u / (1 − u), R the registered volume."""
    share = under_registration_pct / 100.0
    if not 0.0 <= share < 1.0:
        raise ValueError(f"meter under-registration {under_registration_pct} % must be from 0 to under 100 %.")
    return registered_m3 * share / (1.0 - share)


def cjj92_corrections_pct(inputs: AuditInputs, corrections: CJJ92Corrections | None = None) -> dict[str, float | None]:
    """R1 (household metering), R2 (mains length per supply), R3 (outlet pressure), R4 (frost) and their sum Rn [%].

    R2 (and so Rn) is None when the length of DN ≥ 75 mains is not given:
    CJJ 92-2016 §5.2.3 counts those mains only, and the total length of
    mains in its place would inflate R2 towards its cap.
    """
    corrections = corrections or CJJ92Corrections()
    household_share = inputs.residential_household_metered_m3 / inputs.system_input_m3
    r1 = corrections.residential_factor * household_share * 100.0
    r2 = _length_correction_pct(inputs, corrections)
    r3 = max(
        (pct for mpa, pct in corrections.pressure_steps if inputs.average_outlet_pressure_mpa > mpa),
        default=0.0,
    )
    r4 = corrections.frost_correction_pct if inputs.maximum_frost_depth_m > corrections.frost_depth_m else 0.0
    rn = None if r2 is None else r1 + r2 + r3 + r4
    return {"r1": r1, "r2": r2, "r3": r3, "r4": r4, "rn": rn}


def _length_correction_pct(inputs: AuditInputs, corrections: CJJ92Corrections) -> float | None:
    """R2 = 0.99 · (A − 0.0693) · 100 %, A the DN ≥ 75 mains [km] per 10⁴ m³ supplied, within ±3 % (§5.2.3)."""
    if inputs.mains_length_dn75_km is None:
        return None
    length_per_supply = inputs.mains_length_dn75_km / (inputs.system_input_m3 / TEN_THOUSAND_M3)
    r2 = corrections.length_factor * (length_per_supply - corrections.length_reference_km_per_10k_m3) * 100.0
    low, high = corrections.length_bounds_pct
    return min(max(r2, low), high)


def cjj92_grade(leakage_rate_pct: float, corrections: CJJ92Corrections | None = None) -> str | None:
    """The grade a leakage rate earns ("first" ≤ 10 %, "second" ≤ 12 %), or None when it meets neither."""
    for bound, grade in (corrections or CJJ92Corrections()).grades_pct:
        if leakage_rate_pct <= bound:
            return grade
    return None


def water_audit(
    inputs: AuditInputs, corrections: CJJ92Corrections | None = None, banding: str = "low_middle_income"
) -> AuditResult:
    """The audit of one utility: IWA water balance, cost of non-revenue water, UARL, ILI and CJJ 92 rates.

    Notes
    -----
    Meter under-registration applies to the volume recorded by customer
    meters (billed and unbilled metered). Real losses = water losses −
    apparent losses; a negative figure means the inputs overstate use or
    apparent losses, and is reported with a warning, not hidden. The cost of
    NRW values unbilled authorised use and real losses at the variable
    production cost and apparent losses at the retail price (AWWA M36).
    ILI = real losses / UARL. CJJ 92: R_WL = (Q_s − Q_a) / Q_s with Q_a the
    authorised consumption (注册用户用水量), R_BL = R_WL − R_n.
    """
    billed = inputs.billed_metered_m3 + inputs.billed_unmetered_m3
    unbilled = inputs.unbilled_metered_m3 + inputs.unbilled_unmetered_m3
    authorised = billed + unbilled
    losses = inputs.system_input_m3 - authorised
    under_registration = meter_under_registration_m3(
        inputs.billed_metered_m3 + inputs.unbilled_metered_m3, inputs.meter_under_registration_pct
    )
    apparent = inputs.unauthorised_m3 + under_registration + inputs.data_handling_errors_m3
    real = losses - apparent
    non_revenue = inputs.system_input_m3 - billed
    cost = (unbilled + real) * inputs.variable_production_cost_yuan_per_m3 + apparent * inputs.retail_price_yuan_per_m3
    uarl = unavoidable_annual_real_losses_m3(
        inputs.mains_length_km,
        inputs.service_connections,
        inputs.private_pipe_length_km,
        inputs.average_pressure_m,
        inputs.days,
    )
    warnings = uarl_warnings(inputs.mains_length_km, inputs.service_connections, inputs.average_pressure_m)
    if real < 0:
        warnings.append("Apparent losses exceed the water losses: real losses come out negative.")
    ili = real / uarl if uarl > 0 else None
    gross_rate = 100.0 * losses / inputs.system_input_m3
    corrections_pct = cjj92_corrections_pct(inputs, corrections)
    rn = corrections_pct["rn"]
    leakage_rate = None if rn is None else gross_rate - rn
    if leakage_rate is None:
        warnings.append(
            "The CJJ 92 leakage rate is incomplete: R2 needs the length of mains of DN 75 and above (§5.2.3)."
        )
    return AuditResult(
        name=inputs.name,
        system_input_m3=inputs.system_input_m3,
        billed_authorised_m3=billed,
        unbilled_authorised_m3=unbilled,
        authorised_m3=authorised,
        water_losses_m3=losses,
        meter_under_registration_m3=under_registration,
        apparent_losses_m3=apparent,
        real_losses_m3=real,
        non_revenue_water_m3=non_revenue,
        non_revenue_water_pct=100.0 * non_revenue / inputs.system_input_m3,
        non_revenue_water_cost_yuan=cost,
        uarl_m3=uarl,
        ili=ili,
        ili_band=ili_band(ili, banding) if ili is not None else None,
        gross_loss_rate_pct=gross_rate,
        corrections_pct=corrections_pct,
        leakage_rate_pct=leakage_rate,
        cjj92_grade=None if leakage_rate is None else cjj92_grade(leakage_rate, corrections),
        warnings=warnings,
    )


def county_leakage_rate_pct(results: list[AuditResult]) -> float:
    """The county's CJJ 92 leakage rate: the utilities' rates weighted by their supply (§5.3.3).

    Raises
    ------
    ValueError
        If no water was supplied, or a utility's rate is incomplete (named).
    """
    supplied = sum(result.system_input_m3 for result in results)
    if supplied <= 0:
        raise ValueError("the utilities supplied no water.")
    incomplete = [result.name for result in results if result.leakage_rate_pct is None]
    if incomplete:
        raise ValueError(
            f"the leakage rate of {', '.join(incomplete)} is incomplete: give mains_length_dn75_km (CJJ 92 §5.2.3)."
        )
    return sum((result.leakage_rate_pct or 0.0) * result.system_input_m3 for result in results) / supplied


def audit_inputs_from_mapping(values: dict[str, Any]) -> AuditInputs:
    """AuditInputs from a mapping (a YAML document's utility), naming any unknown or missing field."""
    known = {item.name for item in fields(AuditInputs)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"unknown field {', '.join(unknown)}; the fields are {', '.join(sorted(known))}.")
    try:
        return AuditInputs(**values)
    except TypeError as error:
        raise ValueError(f"{values.get('name', 'a utility')}: {error}") from None


def corrections_from_mapping(values: dict[str, Any]) -> CJJ92Corrections:
    """CJJ92Corrections from a mapping, lists becoming tuples; unknown fields are an error."""
    known = {item.name for item in fields(CJJ92Corrections)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"unknown CJJ 92 parameter {', '.join(unknown)}; they are {', '.join(sorted(known))}.")
    converted: dict[str, Any] = {
        name: tuple(tuple(item) if isinstance(item, list) else item for item in value)
        if isinstance(value, list)
        else value
        for name, value in values.items()
    }
    return CJJ92Corrections(**converted)
