"""The water audit worked by hand for the demo county's utility, and the formulas' own published forms."""

import dataclasses

import pytest

from hydro.water_audit import (
    AuditInputs,
    CJJ92Corrections,
    audit_inputs_from_mapping,
    cjj92_corrections_pct,
    county_leakage_rate_pct,
    ili_band,
    meter_under_registration_m3,
    unavoidable_annual_real_losses_m3,
    water_audit,
)

# Wujin Water's year, figures chosen to work by hand.
WUJIN_WATER = AuditInputs(
    name="Wujin Water",
    system_input_m3=10_000_000,
    billed_metered_m3=8_200_000,
    billed_unmetered_m3=100_000,
    unbilled_metered_m3=50_000,
    unbilled_unmetered_m3=150_000,
    unauthorised_m3=50_000,
    data_handling_errors_m3=20_000,
    meter_under_registration_pct=2.0,
    mains_length_km=500,
    service_connections=20_000,
    private_pipe_length_km=20,
    average_pressure_m=40,
    retail_price_yuan_per_m3=3.0,
    variable_production_cost_yuan_per_m3=1.0,
    residential_household_metered_m3=5_000_000,
    mains_length_dn75_km=80,
    average_outlet_pressure_mpa=0.40,
    maximum_frost_depth_m=0.3,
)


def test_the_water_balance_of_a_year():
    result = water_audit(WUJIN_WATER)
    # Billed 8.2 M + 0.1 M; unbilled 0.05 M + 0.15 M; losses 10 M − 8.5 M = 1.5 M m³.
    assert (result.billed_authorised_m3, result.unbilled_authorised_m3, result.water_losses_m3) == (
        8_300_000,
        200_000,
        1_500_000,
    )
    # Meters record 98 % of 8.25 M m³ passed through them: 8.25 M × 0.02 / 0.98 = 168,367.35 m³ unrecorded.
    assert result.meter_under_registration_m3 == pytest.approx(168_367.3469, abs=1e-3)
    assert result.apparent_losses_m3 == pytest.approx(238_367.3469, abs=1e-3)
    assert result.real_losses_m3 == pytest.approx(1_261_632.6531, abs=1e-3)
    # NRW = 10 M − 8.3 M = 1.7 M m³ = 17 %; cost (0.2 M + 1,261,632.65) × ¥1 + 238,367.35 × ¥3 = ¥2,176,734.69.
    assert (result.non_revenue_water_m3, result.non_revenue_water_pct) == (1_700_000, 17.0)
    assert result.non_revenue_water_cost_yuan == pytest.approx(2_176_734.694, abs=1e-2)


def test_uarl_and_ili_of_a_year():
    result = water_audit(WUJIN_WATER)
    # (18 × 500 + 0.8 × 20,000 + 25 × 20) × 40 m = 1,020,000 L/d = 1,020 m³/d × 365 = 372,300 m³.
    assert result.uarl_m3 == pytest.approx(372_300)
    # ILI = 1,261,632.65 / 372,300 = 3.389: band A below 4 for low- and middle-income countries, B for high income.
    assert result.ili == pytest.approx(3.38875, abs=1e-5)
    assert result.ili_band == "A"
    assert water_audit(WUJIN_WATER, banding="high_income").ili_band == "B"
    assert result.warnings == []


def test_uarl_per_connection_form():
    # Lambert & McKenzie (2002) write UARL per connection: (18 · Lm/Nc + 0.8 + 25 · Lp/Nc) · P L/conn/d.
    # At 50 connections per km, no private pipe and 50 m: (18 / 50 + 0.8) × 50 = 58 L/conn/d.
    per_day_m3 = unavoidable_annual_real_losses_m3(100, 5000, 0, 50, days=1)
    assert per_day_m3 * 1000 / 5000 == pytest.approx(58.0)


def test_the_cjj92_corrections_and_leakage_rate():
    corrections = cjj92_corrections_pct(WUJIN_WATER)
    # R1 = 0.08 × (5 M / 10 M) = 4 %; A = 80 km / 1,000 × 10⁴ m³ = 0.08 → R2 = 0.99 × (0.08 − 0.0693) = 1.0593 %;
    # 0.40 MPa is above 0.35: R3 = 0.5 %; frost 0.3 m: R4 = 0.
    assert corrections == pytest.approx({"r1": 4.0, "r2": 1.0593, "r3": 0.5, "r4": 0.0, "rn": 5.5593})
    result = water_audit(WUJIN_WATER)
    # R_WL = 1.5 M / 10 M = 15 %; R_BL = 15 − 5.5593 = 9.4407 %: first grade (≤ 10 %).
    assert result.gross_loss_rate_pct == pytest.approx(15.0)
    assert result.leakage_rate_pct == pytest.approx(9.4407)
    assert result.cjj92_grade == "first"


def test_the_mains_length_correction_is_held_within_its_bounds():
    long_mains = cjj92_corrections_pct(dataclasses.replace(WUJIN_WATER, mains_length_dn75_km=400))
    assert long_mains["r2"] == 3.0  # 0.99 × (0.4 − 0.0693) = 32.7 %, held at 3 %


def test_without_the_dn75_mains_length_r2_and_the_leakage_rate_are_not_worked_out():
    # CJJ 92-2016 §5.2.3: A counts mains of DN ≥ 75 only. The total 500 km would give A = 0.5 and R2 held at
    # its 3 % cap, and a leakage rate of 15 − (4 + 3 + 0.5) = 7.5 % instead of 9.4407 %: refused, not guessed.
    unknown = dataclasses.replace(WUJIN_WATER, mains_length_dn75_km=None)
    corrections = cjj92_corrections_pct(unknown)
    assert (corrections["r2"], corrections["rn"]) == (None, None)
    assert corrections["r1"] == pytest.approx(4.0)
    result = water_audit(unknown)
    assert (result.leakage_rate_pct, result.cjj92_grade) == (None, None)
    assert result.gross_loss_rate_pct == pytest.approx(15.0)
    assert any("DN 75" in warning for warning in result.warnings)
    with pytest.raises(ValueError, match="Wujin Water is incomplete"):
        county_leakage_rate_pct([result])


def test_uarl_warns_above_its_upper_pressure_limit():
    # Lambert et al. (1999): the UARL formula holds for average pressures of 25 to 100 m.
    assert (
        "UARL is calibrated for average pressures up to 100 m."
        in water_audit(dataclasses.replace(WUJIN_WATER, average_pressure_m=110)).warnings
    )
    assert water_audit(dataclasses.replace(WUJIN_WATER, average_pressure_m=100)).warnings == []


def test_edited_corrections_change_the_grade():
    strict = CJJ92Corrections(residential_factor=0.0, grades_pct=((9.0, "target 2025"),))
    result = water_audit(WUJIN_WATER, corrections=strict)
    # Without R1 the rate is 15 − 1.5593 = 13.4407 %, above the 9 % target.
    assert result.leakage_rate_pct == pytest.approx(13.4407)
    assert result.cjj92_grade is None


def test_the_county_rate_is_weighted_by_supply():
    second = water_audit(
        AuditInputs(
            name="Hutang Water",
            system_input_m3=5_000_000,
            billed_metered_m3=4_350_000,
            mains_length_km=200,
            mains_length_dn75_km=200,
            service_connections=8000,
            average_pressure_m=30,
        )
    )
    # Hutang: R_WL = 650,000 / 5 M = 13 %; A = 200 km / 500 × 10⁴ m³ = 0.4 holds R2 at 3 %: R_BL = 10 %.
    assert second.leakage_rate_pct == pytest.approx(10.0)
    # (9.4407 × 10 M + 10 × 5 M) / 15 M = 9.6271 %.
    assert county_leakage_rate_pct([water_audit(WUJIN_WATER), second]) == pytest.approx(9.6271, abs=1e-4)


def test_ili_bands():
    assert [ili_band(value) for value in (3.9, 4.0, 15.9, 16.0)] == ["A", "B", "C", "D"]


def test_under_registration_of_100_percent_is_refused():
    with pytest.raises(ValueError, match="under-registration"):
        meter_under_registration_m3(100.0, 100.0)


def test_an_unknown_field_is_named():
    with pytest.raises(ValueError, match="unknown field pressure_bar"):
        audit_inputs_from_mapping({"name": "X", "pressure_bar": 4})
