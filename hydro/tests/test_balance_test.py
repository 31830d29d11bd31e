"""Water-balance test indicators and checks, worked by hand on a month of a dyeing works.

The case (docs/balance-test.example.json): four units over 30 days, in m³.

==========  =====  ======  ========  ==========  ======
unit        Vf     Vr      Vco       Vd          Vl
==========  =====  ======  ========  ==========  ======
process     9,000   6,000       900       7,800     300
cooling       500  19,000       450          30      20
boiler      1,500   4,000     1,450          20      30
domestic    1,000       0       100         850      50
total      12,000  29,000     2,900       8,700     400
==========  =====  ======  ========  ==========  ======

Steam 5,000 t, condensate recovered 4,000 t; treated wastewater reused
2,400 m³; output 1,200 (100 m of cloth), value ¥9.6 million (960 × 10⁴ yuan);
metered intake 12,000 m³. Equations of GB/T 12452-2008 3.1–3.2 and
GB/T 7119-2018 Annex A.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from hydro.balance_test import (
    assess,
    balance_test_from_mapping,
    condensate_recovery_rate,
    cooling_recirculation_rate,
    intake_closure_error,
    leak_rate,
    process_reuse_rate,
    reuse_rate,
    sankey_links,
    unit_closure_error,
    wastewater_reuse_rate,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "balance-test.example.json"


@pytest.fixture
def document() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


@pytest.fixture
def dyeing(document):
    return balance_test_from_mapping(document)


def test_total_use_and_reuse_rate(dyeing):
    # Vt = 12,000 + 29,000 = 41,000 m³; R = 29,000 / 41,000 = 0.70732.
    result = assess(dyeing)
    assert (result.fresh_m3, result.reused_m3, result.total_use_m3) == (12_000, 29_000, 41_000)
    assert result.reuse_rate == pytest.approx(29_000 / 41_000)
    assert result.reuse_rate == pytest.approx(0.707317, abs=1e-6)


def test_cooling_recirculation_rate_counts_only_cooling_units(dyeing):
    # rc = 19,000 / (500 + 19,000) = 0.974359.
    assert cooling_recirculation_rate(dyeing.units) == pytest.approx(0.974359, abs=1e-6)


def test_process_reuse_rate_counts_only_process_units(dyeing):
    # rg = 6,000 / (9,000 + 6,000) = 0.4.
    assert process_reuse_rate(dyeing.units) == pytest.approx(0.4)


def test_condensate_recovery_rate_is_recovered_over_raised_steam(dyeing):
    # rb = 4,000 t / 5,000 t = 0.8.
    assert condensate_recovery_rate(dyeing.units) == pytest.approx(0.8)


def test_leak_rate_is_leaked_over_fresh(dyeing):
    # Kl = 400 / 12,000 = 0.033333.
    assert assess(dyeing).leak_rate == pytest.approx(1 / 30)
    assert leak_rate(0, 100) == 0


def test_wastewater_reuse_rate_is_reused_over_reused_plus_discharged(dyeing):
    # Kw = 2,400 / (2,400 + 8,700) = 0.216216.
    assert assess(dyeing).wastewater_reuse_rate == pytest.approx(0.216216, abs=1e-6)
    assert wastewater_reuse_rate(50, 150) == pytest.approx(0.25)


def test_intake_per_product_and_per_output_value(dyeing):
    # Vuf = 12,000 / 1,200 = 10 m³ per 100 m; Vwf = 12,000 / 960 = 12.5 m³ per 10⁴ yuan.
    result = assess(dyeing)
    assert result.intake_per_product == pytest.approx(10.0)
    assert result.intake_per_10k_yuan == pytest.approx(12.5)


def test_a_balanced_test_closes(dyeing):
    result = assess(dyeing)
    assert result.intake_closure_error == 0
    assert [unit.closure_error for unit in result.units] == [0, 0, 0, 0]
    assert result.closes is True


def test_a_unit_that_does_not_balance_opens_the_test(document):
    # Domestic leaks 250 instead of 50: out 100 + 850 + 250 = 1,200 against 1,000 in → ε = −0.2, beyond 10 %.
    document["units"][3]["leaked_m3"] = 250
    result = assess(balance_test_from_mapping(document))
    domestic = result.units[3]
    assert domestic.outflow_m3 == 1_200
    assert domestic.closure_error == pytest.approx(-0.2)
    assert domestic.closes is False
    assert result.closes is False
    assert [unit.closes for unit in result.units[:3]] == [True, True, True]


def test_a_unit_within_tolerance_still_closes():
    # In 1,000, out 920: ε = 0.08 ≤ 0.10 closes; with a 5 % tolerance it does not.
    from hydro.balance_test import WaterUnit

    unit = WaterUnit("清洗", "process", 1_000, 0, 100, 800, 20)
    assert unit_closure_error(unit) == pytest.approx(0.08)
    test = dataclasses.replace(
        balance_test_from_mapping(json.loads(EXAMPLE.read_text(encoding="utf-8"))), units=(unit,)
    )
    test = dataclasses.replace(test, metered_fresh_intake_m3=1_000)
    assert assess(test).closes is True
    assert assess(test, tolerance=0.05).closes is False


def test_the_intake_check_compares_units_with_the_meter(dyeing):
    # Units 12,000 against a meter of 12,500: (12,000 − 12,500) / 12,500 = −0.04 → closes;
    # against 10,000: +0.2 → open.
    assert intake_closure_error(12_000, 12_500) == pytest.approx(-0.04)
    assert assess(dataclasses.replace(dyeing, metered_fresh_intake_m3=12_500)).closes is True
    assert assess(dataclasses.replace(dyeing, metered_fresh_intake_m3=10_000)).closes is False


def test_a_zero_denominator_gives_none_not_a_number():
    # No cooling, no steam, nothing metered: those indicators do not apply.
    from hydro.balance_test import WaterUnit

    units = [WaterUnit("门诊楼", "domestic", 100, 0, 20, 75, 5)]
    assert cooling_recirculation_rate(units) is None
    assert process_reuse_rate(units) is None
    assert condensate_recovery_rate(units) is None
    assert reuse_rate(0, 0) is None
    assert intake_closure_error(100, 0) is None


def test_a_unit_with_outflow_but_no_fresh_water_cannot_balance():
    from hydro.balance_test import WaterUnit

    assert unit_closure_error(WaterUnit("x", "other", 0, 10, 0, 10, 0)) is None
    assert unit_closure_error(WaterUnit("y", "other", 0, 10, 0, 0, 0)) == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["units"][2].update(fresh_m3=-1), "units[2].fresh_m3: -1 is negative"),
        (lambda d: d["units"][1].pop("leaked_m3"), "units[1].leaked_m3: missing"),
        (lambda d: d["units"][0].update(kind="cleaning"), "units[0].kind: 'cleaning'"),
        (lambda d: d["units"][3].update(discharged_m3="many"), "units[3].discharged_m3: 'many' is not a number"),
        (lambda d: d.pop("metered_fresh_intake_m3"), "metered_fresh_intake_m3: missing"),
        (lambda d: d.update(wastewater_reused_m3=-5), "wastewater_reused_m3: -5 is negative"),
        (lambda d: d["units"][0].update(condensate_recovered_t=3), "units[0].steam_t: missing"),
        (lambda d: d.update(units=[]), "units: missing"),
    ],
)
def test_bad_input_names_its_field(document, change, message):
    change(document)
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")):
        balance_test_from_mapping(document)


def test_sankey_links_carry_every_volume_once(dyeing):
    links = sankey_links(dyeing)
    assert sum(volume for source, _, volume in links if source == "fresh intake") == 12_000
    assert sum(volume for source, _, volume in links if source == "reused water") == 29_000
    assert sum(volume for _, target, volume in links if target == "leaked") == 400
    assert ("办公与食堂", "leaked", 50) in links
    assert all(volume > 0 for *_, volume in links)
