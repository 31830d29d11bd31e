"""Checking readings files: every reason a row is refused, and volumes worked out by hand."""

import datetime

import pytest

from hydro.readings.meter_readings import (
    MeterFacts,
    RawReading,
    StoredReading,
    check_readings,
    index_after_readings,
    maximum_plausible_volume_m3,
    parse_date,
    parse_number,
    permanent_flowrate_m3_per_h,
    volume_since_previous_m3,
)

TODAY = datetime.date(2024, 3, 31)
JANUARY_END = datetime.date(2024, 1, 31)

# Runhua Dyeing's DN50 main meter (Q3 = 25 m³/h), last read on 31 January at 1,200 m³.
RUNHUA_METER = MeterFacts(
    serial="M-RH-01",
    installed_on=datetime.date(2018, 1, 1),
    removed_on=None,
    size_mm=50,
    latest_reading=StoredReading(JANUARY_END, 1200.0),
)


def check(*rows: RawReading, meters: tuple[MeterFacts, ...] = (RUNHUA_METER,)):
    return check_readings(rows, {meter.serial: meter for meter in meters}, TODAY)


def codes(result) -> list[tuple[int, str, str]]:
    return [(error.row_number, error.column, error.code) for error in result.errors]


def with_latest(meter: MeterFacts, reading_date: datetime.date, index_m3: float) -> MeterFacts:
    return meter._replace(latest_reading=StoredReading(reading_date, index_m3))


def test_it_turns_an_index_into_the_volume_since_the_stored_reading():
    result = check(RawReading(2, "M-RH-01", "2024-02-29", index_m3="1450.5"))
    assert result.is_clean
    # 1,450.5 − 1,200 = 250.5 m³
    (reading,) = result.readings
    assert (reading.meter_serial, reading.reading_date, reading.index_m3, reading.volume_m3) == (
        "M-RH-01",
        datetime.date(2024, 2, 29),
        1450.5,
        250.5,
    )


def test_it_keeps_a_volume_as_given_and_counts_the_next_index_from_it():
    result = check(
        RawReading(2, "M-RH-01", "2024-02-29", volume_m3="300"),
        RawReading(3, "M-RH-01", "2024-03-31", index_m3="1620"),
    )
    # February moves the index from 1,200 to 1,500 without a reading of it; March: 1,620 − 1,500 = 120 m³
    assert [(reading.index_m3, reading.volume_m3) for reading in result.readings] == [(None, 300.0), (1620.0, 120.0)]


def test_it_takes_the_rows_of_a_meter_in_date_order():
    result = check(
        RawReading(2, "M-RH-01", "2024-03-31", index_m3="1700"),
        RawReading(3, "M-RH-01", "2024-02-29", index_m3="1450"),
    )
    # February 1,450 − 1,200 = 250; March 1,700 − 1,450 = 250
    assert [(reading.row_number, reading.volume_m3) for reading in result.readings] == [(3, 250.0), (2, 250.0)]


@pytest.mark.parametrize("remark", ["rollover", "Rollover", "翻转", "表底数翻转"])
def test_it_counts_a_declared_rollover_over_the_register(remark):
    meter = with_latest(RUNHUA_METER, JANUARY_END, 999_990.0)
    result = check(RawReading(2, "M-RH-01", "2024-02-29", index_m3="40", remark=remark), meters=(meter,))
    # 40 + 1,000,000 − 999,990 = 50 m³
    assert [reading.volume_m3 for reading in result.readings] == [50.0]


def test_it_recognises_an_undeclared_rollover_the_register_explains():
    meter = with_latest(RUNHUA_METER, JANUARY_END, 999_990.0)
    result = check(RawReading(2, "M-RH-01", "2024-02-29", index_m3="40"), meters=(meter,))
    # the drop is a rollover of 50 m³, well within 25 m³/h × 696 h = 17,400 m³
    assert [reading.volume_m3 for reading in result.readings] == [50.0]


def test_it_refuses_an_index_going_backwards():
    meter = with_latest(RUNHUA_METER, JANUARY_END, 5000.0)
    result = check(RawReading(2, "M-RH-01", "2024-02-29", index_m3="4000"), meters=(meter,))
    # as a rollover it would be 4,000 + 1,000,000 − 5,000 = 999,000 m³, far above 17,400 m³
    assert codes(result) == [(2, "index_m3", "index_backwards")]
    assert result.errors[0].details["previous_index"] == "5,000"
    assert result.readings == []


def test_it_refuses_a_declared_rollover_that_would_be_an_implausible_volume():
    meter = with_latest(RUNHUA_METER, JANUARY_END, 500_000.0)
    result = check(RawReading(2, "M-RH-01", "2024-02-29", index_m3="40", remark="rollover"), meters=(meter,))
    # 40 + 1,000,000 − 500,000 = 500,040 m³ > 17,400 m³
    assert codes(result) == [(2, "index_m3", "implausible_jump")]
    assert result.errors[0].details["volume"] == "500,040"


def test_it_refuses_more_than_the_meter_can_pass_at_its_permanent_flowrate():
    small_meter = MeterFacts(
        "M-XL-09",
        datetime.date(2018, 1, 1),
        None,
        size_mm=15,
        latest_reading=StoredReading(datetime.date(2024, 2, 1), 0.0),
    )
    # DN15: Q3 = 2.5 m³/h; 1 Feb → 2 Mar is 30 days = 720 h; 2.5 × 720 = 1,800 m³
    at_limit = check(RawReading(2, "M-XL-09", "2024-03-02", volume_m3="1800"), meters=(small_meter,))
    above_limit = check(RawReading(2, "M-XL-09", "2024-03-02", volume_m3="1800.5"), meters=(small_meter,))
    assert at_limit.is_clean
    assert codes(above_limit) == [(2, "volume_m3", "implausible_jump")]
    assert above_limit.errors[0].details == {
        "value": "1800.5",
        "volume": "1,800.5",
        "size_mm": "15",
        "hours": "720",
        "limit": "1,800",
    }


def test_it_allows_31_days_at_the_permanent_flowrate_for_a_meter_never_read():
    new_meter = MeterFacts("M-NEW-01", datetime.date(2024, 3, 1), None, size_mm=20, initial_index_m3=100.0)
    # DN20: Q3 = 4 m³/h × 31 × 24 h = 2,976 m³, counted from the index at installation, 100 m³
    at_limit = check(RawReading(2, "M-NEW-01", "2024-03-31", index_m3="3076"), meters=(new_meter,))
    above_limit = check(RawReading(2, "M-NEW-01", "2024-03-31", index_m3="3077"), meters=(new_meter,))
    assert [reading.volume_m3 for reading in at_limit.readings] == [2976.0]
    assert codes(above_limit) == [(2, "index_m3", "implausible_jump")]


def test_it_starts_a_replacement_meter_from_its_own_initial_index():
    old_meter = RUNHUA_METER._replace(
        removed_on=datetime.date(2024, 3, 15), latest_reading=StoredReading(datetime.date(2024, 3, 15), 45_000.0)
    )
    new_meter = MeterFacts(
        "M-RH-02", datetime.date(2024, 3, 15), None, size_mm=50, initial_index_m3=3.0, replaces_serial="M-RH-01"
    )
    result = check(RawReading(2, "M-RH-02", "2024-03-31", index_m3="803"), meters=(old_meter, new_meter))
    # 803 − 3 = 800 m³, not 803 − 45,000 against the meter it replaced
    assert [(reading.meter_serial, reading.volume_m3) for reading in result.readings] == [("M-RH-02", 800.0)]


def test_it_refuses_a_reading_of_a_replaced_meter_after_its_removal_and_names_the_new_one():
    old_meter = RUNHUA_METER._replace(removed_on=datetime.date(2024, 3, 15))
    new_meter = MeterFacts("M-RH-02", datetime.date(2024, 3, 15), None, size_mm=50, replaces_serial="M-RH-01")
    result = check(RawReading(2, "M-RH-01", "2024-03-31", index_m3="1300"), meters=(old_meter, new_meter))
    assert codes(result) == [(2, "reading_date", "meter_replaced")]
    assert result.errors[0].message == "Meter M-RH-01 was replaced by meter M-RH-02 on 2024-03-15, before this reading."


def test_it_refuses_a_reading_of_a_removed_meter_after_its_removal():
    old_meter = RUNHUA_METER._replace(removed_on=datetime.date(2024, 3, 15))
    on_removal = check(RawReading(2, "M-RH-01", "2024-03-15", index_m3="1300"), meters=(old_meter,))
    after_removal = check(RawReading(2, "M-RH-01", "2024-03-16", index_m3="1300"), meters=(old_meter,))
    assert on_removal.is_clean
    assert codes(after_removal) == [(2, "reading_date", "meter_removed")]


def test_it_refuses_a_reading_before_the_meter_was_installed():
    new_meter = MeterFacts("M-NEW-01", datetime.date(2024, 3, 1), None, size_mm=20)
    result = check(RawReading(2, "M-NEW-01", "2024-02-29", index_m3="10"), meters=(new_meter,))
    assert codes(result) == [(2, "reading_date", "meter_not_installed")]


def test_it_refuses_an_unknown_meter_and_a_blank_serial():
    result = check(
        RawReading(2, "M-XX-99", "2024-02-29", index_m3="1300"),
        RawReading(3, None, "2024-02-29", index_m3="1300"),
    )
    assert codes(result) == [(2, "meter_serial", "unknown_meter"), (3, "meter_serial", "blank_cell")]
    assert result.errors[0].message == "No meter with serial M-XX-99 is registered."


@pytest.mark.parametrize("bad_date", ["2024-02-30", "31/01/2024", "February", "2024-13-01"])
def test_it_refuses_a_date_it_cannot_read(bad_date):
    result = check(RawReading(2, "M-RH-01", bad_date, index_m3="1300"))
    assert codes(result) == [(2, "reading_date", "bad_date")]
    assert result.errors[0].value == bad_date


def test_it_refuses_a_blank_date():
    result = check(RawReading(2, "M-RH-01", "  ", index_m3="1300"))
    assert codes(result) == [(2, "reading_date", "blank_cell")]


def test_it_refuses_a_reading_dated_after_today():
    result = check(RawReading(2, "M-RH-01", "2024-04-01", index_m3="1300"))
    assert codes(result) == [(2, "reading_date", "future_date")]
    assert result.errors[0].message == "The reading date 2024-04-01 is after today, 2024-03-31."


def test_it_refuses_cells_that_are_not_numbers():
    result = check(
        RawReading(2, "M-RH-01", "2024-02-29", index_m3="12a"),
        RawReading(3, "M-RH-01", "2024-03-31", volume_m3="nan"),
    )
    assert codes(result) == [(2, "index_m3", "not_a_number"), (3, "volume_m3", "not_a_number")]


def test_it_refuses_a_row_with_neither_or_both_of_index_and_volume():
    result = check(
        RawReading(2, "M-RH-01", "2024-02-29"),
        RawReading(3, "M-RH-01", "2024-03-31", index_m3="1500", volume_m3="300"),
    )
    assert codes(result) == [(2, "index_m3", "missing_value"), (3, "index_m3", "both_values")]


def test_it_refuses_negative_values_and_an_index_beyond_the_register():
    result = check(
        RawReading(2, "M-RH-01", "2024-02-27", volume_m3="-5"),
        RawReading(3, "M-RH-01", "2024-02-28", index_m3="-1"),
        RawReading(4, "M-RH-01", "2024-02-29", index_m3="1000000"),
    )
    assert codes(result) == [
        (2, "volume_m3", "negative_volume"),
        (3, "index_m3", "negative_index"),
        (4, "index_m3", "index_beyond_capacity"),
    ]


def test_it_refuses_a_second_reading_of_a_meter_on_the_same_date_naming_the_first():
    result = check(
        RawReading(2, "M-RH-01", "2024-02-29", index_m3="1300"),
        RawReading(3, "M-RH-01", "2024-03-31", index_m3="1400"),
        RawReading(4, "M-RH-01", "2024-02-29", index_m3="1310"),
    )
    assert codes(result) == [(4, "reading_date", "duplicate_in_file")]
    assert result.errors[0].details["first_row"] == "2"


def test_it_refuses_a_reading_already_stored_or_older_than_the_stored_one():
    result = check(
        RawReading(2, "M-RH-01", "2024-01-31", index_m3="1200"),
        RawReading(3, "M-RH-01", "2024-01-15", index_m3="1100"),
    )
    assert codes(result) == [(2, "reading_date", "already_stored"), (3, "reading_date", "before_stored")]


def test_it_reports_a_misread_index_once_without_spoiling_the_rows_after_it():
    result = check(
        RawReading(2, "M-RH-01", "2024-02-29", index_m3="145000"),
        RawReading(3, "M-RH-01", "2024-03-31", index_m3="1700"),
    )
    # February's 143,800 m³ is implausible; March counts from the stored 1,200: 500 m³
    assert codes(result) == [(2, "index_m3", "implausible_jump")]
    assert [(reading.row_number, reading.volume_m3) for reading in result.readings] == [(3, 500.0)]


def test_it_reads_spreadsheet_cells_dates_and_whole_numbers():
    numbered_meter = MeterFacts("12345678", datetime.date(2018, 1, 1), None, size_mm=50)
    result = check(
        RawReading(2, 12345678.0, datetime.datetime(2024, 2, 29, 0, 0), index_m3=1250),
        meters=(numbered_meter,),
    )
    assert [(reading.meter_serial, reading.reading_date, reading.volume_m3) for reading in result.readings] == [
        ("12345678", datetime.date(2024, 2, 29), 1250.0)
    ]


def test_it_reads_numbers_with_thousands_separators_and_slashed_dates():
    assert parse_number("1,234.5") == 1234.5
    assert parse_number("inf") is None
    assert parse_date("2024/2/9") == datetime.date(2024, 2, 9)


def test_it_rates_meter_sizes_by_their_permanent_flowrate():
    assert permanent_flowrate_m3_per_h(50) == 25.0
    # DN60 is not listed: the next larger size, DN65, is rated 40 m³/h
    assert permanent_flowrate_m3_per_h(60) == 40.0
    # DN400: 1,000 m³/h × (400 / 300)² = 1,777.8 m³/h
    assert permanent_flowrate_m3_per_h(400) == pytest.approx(1777.78, abs=0.01)
    # DN100: 100 m³/h × 24 h = 2,400 m³ in a day
    assert maximum_plausible_volume_m3(100, 24) == 2400.0


def test_it_refuses_an_index_going_back_unless_a_rollover_explains_it():
    # 999,990 → 40 on a 1,000,000 m³ register is 50 m³ when within the limit
    assert volume_since_previous_m3(999_990, 40, 1_000_000, False, 100) == 50.0
    assert volume_since_previous_m3(999_990, 40, 1_000_000, False, 49) is None
    assert volume_since_previous_m3(999_990, 40, 1_000_000, True, 49) == 50.0
    # rounding to the litre hides the floating-point noise of 1,234.56 − 1,200.12
    assert volume_since_previous_m3(1200.12, 1234.56, 1_000_000, False, 100) == 34.44


def test_it_works_out_the_index_a_meter_reached_through_readings_of_volume_only():
    # installed at 100; read 400; then +250 → 650; then +999,400 wraps the 1,000,000 register → 50
    readings = [(400.0, 300.0), (None, 250.0), (None, 999_400.0)]
    assert index_after_readings(readings, 100.0, 1_000_000.0) == 50.0
    assert index_after_readings([], 100.0, 1_000_000.0) == 100.0
