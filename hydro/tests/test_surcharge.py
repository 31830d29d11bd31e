"""Over-plan surcharge: hand-worked cases on a plan of 1,000 m³ at ¥4.00/m³ unless said otherwise."""

import datetime
from decimal import Decimal

import pytest

from hydro.surcharge import (
    BANDED,
    JIANGSU_DRAFT_BANDS,
    SurchargeBand,
    billing_periods,
    format_period,
    parse_period,
    period_kind,
    surcharge,
)

PRICE = Decimal("4.00")

# A five-band rule of the kind other cities use: +1× up to 10 %, +2× to 20 %, +3× to 30 %, +4× to 40 %, +5× above.
FIVE_BANDS = [(0.0, 0.1, 1.0), (0.1, 0.2, 2.0), (0.2, 0.3, 3.0), (0.3, 0.4, 4.0), (0.4, None, 5.0)]


def test_it_charges_nothing_at_or_under_plan():
    for actual in (0, 900, 1000):
        result = surcharge(1000, actual, PRICE, JIANGSU_DRAFT_BANDS)
        assert result.amount_yuan == Decimal("0.00")
        assert result.excess_m3 == 0
        assert result.lines == ()


def test_it_keeps_exactly_ten_percent_over_in_the_first_band():
    # The same in both modes: the whole excess lies in band 1.
    # 100 m³ × 1 × ¥4 = ¥400, all in band 1 (≤ 10 % → 1×).
    result = surcharge(1000, 1100, PRICE, JIANGSU_DRAFT_BANDS)
    assert result.amount_yuan == Decimal("400.00")
    assert result.excess_fraction == pytest.approx(0.10)
    assert [(line.volume_m3, line.multiplier) for line in result.lines] == [(100.0, 1.0)]


def test_banded_it_charges_exactly_thirty_percent_over_in_two_bands():
    # 100 × 1 × 4 + 200 × 2 × 4 = 400 + 1,600 = ¥2,000.
    result = surcharge(1000, 1300, PRICE, JIANGSU_DRAFT_BANDS, mode=BANDED)
    assert result.amount_yuan == Decimal("2000.00")
    assert [line.amount_yuan for line in result.lines] == [Decimal("400"), Decimal("1600")]


def test_banded_it_charges_beyond_thirty_percent_at_three_times_on_the_last_band():
    # 400 + 1,600 + 100 × 3 × 4 = 400 + 1,600 + 1,200 = ¥3,200.
    result = surcharge(1000, 1400, PRICE, JIANGSU_DRAFT_BANDS, mode=BANDED)
    assert result.amount_yuan == Decimal("3200.00")
    assert [line.volume_m3 for line in result.lines] == [100.0, 200.0, 100.0]
    assert result.lines[2].band == SurchargeBand(0.30, None, 3.0)


def test_banded_it_moves_a_litre_past_ten_percent_into_the_second_band():
    # 100 × 1 × 4 = 400, plus 0.001 m³ × 2 × 4 = 0.008 → ¥400.008 → ¥400.01 half-up.
    result = surcharge(1000, 1100.001, PRICE, JIANGSU_DRAFT_BANDS, mode=BANDED)
    assert result.amount_yuan == Decimal("400.01")
    assert len(result.lines) == 2


def test_by_default_it_charges_the_whole_excess_at_the_multiple_of_the_band_reached():
    # [JS-SUPPLY-DRAFT], over-plan clause: "超计划部分的加价水费为基本水价的2倍" — the whole over-plan part.
    # Exactly 10 %: 100 × 1 × 4 = ¥400; exactly 30 %: 300 × 2 × 4 = ¥2,400; 40 %: 400 × 3 × 4 = ¥4,800
    # (band by band the last two would be ¥2,000 and ¥3,200).
    flat = [surcharge(1000, actual, PRICE, JIANGSU_DRAFT_BANDS) for actual in (1100, 1300, 1400)]
    assert [result.amount_yuan for result in flat] == [Decimal("400.00"), Decimal("2400.00"), Decimal("4800.00")]
    assert [result.lines[0].multiplier for result in flat] == [1.0, 2.0, 3.0]


def test_it_charges_five_bands_band_by_band():
    # Plan 2,000 m³, use 2,900 m³ at ¥3.50: excess 900 m³ = 45 %.
    # 200 × 1 + 200 × 2 + 200 × 3 + 200 × 4 + 100 × 5 = 2,500 m³ at 1× base price;
    # 2,500 × ¥3.50 = ¥8,750.
    result = surcharge(2000, 2900, Decimal("3.50"), FIVE_BANDS, mode=BANDED)
    assert result.amount_yuan == Decimal("8750.00")
    assert [line.multiplier for line in result.lines] == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert result.excess_fraction == pytest.approx(0.45)


def test_it_charges_five_bands_at_the_highest_reached_on_the_whole_excess():
    # Plan 2,000, use 2,500 at ¥3.50: 25 % over → band 3 (20–30 %), 500 × 3 × 3.50 = ¥5,250.
    result = surcharge(2000, 2500, Decimal("3.50"), FIVE_BANDS)
    assert result.amount_yuan == Decimal("5250.00")
    # Exactly 40 % over stays in band 4: 800 × 4 × 3.50 = ¥11,200.
    assert surcharge(2000, 2800, Decimal("3.50"), FIVE_BANDS).amount_yuan == Decimal("11200.00")


def test_it_rounds_half_up_to_the_fen_once_at_the_end():
    # Plan 333 m³, use 345.5 m³ at ¥4.15: excess 12.5 m³ (3.75 %) × 1 × 4.15 = 51.875 → ¥51.88.
    assert surcharge(333, 345.5, Decimal("4.15"), JIANGSU_DRAFT_BANDS).amount_yuan == Decimal("51.88")


def test_it_refuses_an_unknown_mode():
    with pytest.raises(ValueError, match="Unknown surcharge mode 'progressive'"):
        surcharge(1000, 1200, PRICE, JIANGSU_DRAFT_BANDS, mode="progressive")


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        ([], "no bands"),
        ([(0.05, None, 1.0)], "first band must start at 0"),
        ([(0.0, 0.1, 1.0), (0.2, None, 2.0)], "contiguous"),
        ([(0.0, 0.1, 1.0), (0.1, 0.1, 2.0), (0.1, None, 3.0)], "must increase"),
        ([(0.0, None, 1.0), (0.1, None, 2.0)], "open-ended but is not the last"),
        ([(0.0, 0.1, 1.0), (0.1, 0.3, 2.0)], "must be open-ended"),
        ([(0.0, None, -1.0)], "negative multiplier"),
    ],
)
def test_it_refuses_invalid_bands_naming_the_problem(bands, message):
    with pytest.raises(ValueError, match=message):
        surcharge(1000, 1200, PRICE, bands)


def test_it_refuses_to_bill_without_a_plan():
    with pytest.raises(ValueError, match="no plan"):
        surcharge(0, 1200, PRICE, JIANGSU_DRAFT_BANDS)


def test_it_lists_monthly_and_quarterly_periods():
    months = billing_periods(2024, "monthly")
    assert len(months) == 12
    assert months[1] == (datetime.date(2024, 2, 1), datetime.date(2024, 2, 29))  # 2024 is a leap year
    assert billing_periods(2024, "quarterly")[3] == (datetime.date(2024, 10, 1), datetime.date(2024, 12, 31))
    with pytest.raises(ValueError, match="Unknown period kind"):
        billing_periods(2024, "weekly")


def test_it_reads_and_writes_months_and_quarters():
    assert parse_period("2024-03") == (datetime.date(2024, 3, 1), datetime.date(2024, 3, 31))
    assert parse_period("2024q1") == (datetime.date(2024, 1, 1), datetime.date(2024, 3, 31))
    assert format_period(*parse_period("2024Q2")) == "2024Q2"
    assert format_period(*parse_period("2024-3")) == "2024-03"
    assert period_kind(*parse_period("2024Q4")) == "quarterly"


@pytest.mark.parametrize("text", ["2024-13", "2024Q5", "March 2024", ""])
def test_it_refuses_what_is_not_a_period(text):
    with pytest.raises(ValueError):
        parse_period(text)
