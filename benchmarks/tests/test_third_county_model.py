"""The third county's generator, checked on properties worked out by hand (`benchmarks.third_county_model`)."""

import numpy as np
import pandas as pd
import pytest

from benchmarks.third_county_model import FILE_NAMES, HEADINGS, HOURS, START, generate, leak_flow, through_float_valve


@pytest.fixture(scope="module")
def county():
    return generate(1)


def test_a_steady_leak_adds_its_rate_times_its_hours():
    # 0.025 m³/h for 48 h: 0.025 × 48 = 1.2 m³, the same every hour.
    volumes = leak_flow(np.random.default_rng(0), "steady", 0.025, 0.0, 48)
    assert volumes.sum() == pytest.approx(1.2)
    assert np.ptp(volumes) == 0.0


def test_a_growing_leak_rises_in_equal_steps():
    # From 4 to 20 L/h over 5 h: 4, 8, 12, 16, 20 L, 60 L in all.
    volumes = leak_flow(np.random.default_rng(0), "growing", 0.020, 0.004, 5)
    assert volumes == pytest.approx([0.004, 0.008, 0.012, 0.016, 0.020])
    assert volumes.sum() == pytest.approx(0.060)


def test_a_leaking_cistern_refills_in_whole_refills_averaging_its_rate():
    # 12 L/h let in 1.5–3 L at a time is 4–8 refills an hour: each hour holds the floor or the ceiling of that
    # many, so its volumes take two values one refill apart, and 100 h hold 1.2 m³ to within one refill.
    volumes = leak_flow(np.random.default_rng(0), "cistern", 0.012, 0.0, 100)
    values = np.unique(np.round(volumes, 9))
    assert len(values) == 2
    refill = values[1] - values[0]
    assert 0.0015 <= refill <= 0.003
    assert 4 <= round(values[0] / refill) <= 8
    assert abs(volumes.sum() - 1.2) <= refill


def test_a_float_valve_refills_the_tank_once_it_is_down_by_its_dead_band():
    # A full 1 m³ tank, dead band 0.3 m³, inlet 0.5 m³/h; 0.1 m³ drawn at 10:00, 11:00 and 12:00 leaves it at
    # 0.9, 0.8, 0.7 m³: the valve opens at 12:00 and lets in min(0.5, 1 − 0.7) = 0.3 m³ that hour, all of the use.
    use = np.zeros(HOURS)
    use[10:13] = 0.1
    inflow = through_float_valve(use, capacity=1.0, dead_band=0.3, rate=0.5)
    assert inflow[12] == pytest.approx(0.3)
    assert np.count_nonzero(inflow) == 1


def _rows(county, meter_id):
    """A meter's rows as (time, value), from the file its head end writes."""
    export = county.premises.set_index("meter_id").export[meter_id]
    rows = county.files[FILE_NAMES[export]]
    meter, time, value = HEADINGS[export]
    mine = rows[rows[meter] == meter_id]
    return export, pd.DataFrame({"time": pd.to_datetime(mine[time]), "value": mine[value].to_numpy()})


def test_a_stuck_register_reads_the_same_from_its_start_to_its_end(county):
    # A stopped register: every index read from the episode's start to its end is one value; volumes are 0.
    for episode in county.truth[county.truth.kind == "stuck"].itertuples():
        export, rows = _rows(county, episode.meter_id)
        during = rows[(rows.time >= episode.start) & (rows.time <= episode.end)]
        if export.endswith("index"):
            during = rows[(rows.time >= episode.start.ceil("D") if export == "daily_index" else rows.time >= episode.start)
                          & (rows.time <= episode.end)]  # fmt: skip
            assert during.value.nunique() <= 1, episode
        else:
            assert (during[during.time < episode.end].value == 0).all(), episode


def test_a_gap_has_no_rows_and_a_reversed_meter_counts_back(county):
    for episode in county.truth[county.truth.kind == "gap"].itertuples():
        _, rows = _rows(county, episode.meter_id)
        assert not ((rows.time >= episode.start) & (rows.time < episode.end)).any(), episode
    for episode in county.truth[county.truth.kind == "reverse"].itertuples():
        counted = county.registered[episode.premises, episode.first_hour : episode.end_hour]
        assert (counted <= 0).all() and counted.sum() < 0, episode


def test_the_truth_is_stamped_as_the_meter_stamps_its_readings(county):
    # Truth times are the meter's own: its first and end hours, shifted by its clock's offset.
    offsets = county.premises.clock_offset_h.to_numpy()[county.truth.premises]
    expected = START + pd.to_timedelta(county.truth.first_hour + offsets, unit="h")
    assert (county.truth.start == expected).all()


def test_the_inflow_exceeds_what_the_customer_meters_counted(county):
    # Inflow = water through the meters (counted or not) + background leakage + noise of at most 2 %: above the
    # registers' total in every DMA.
    inflow = county.files["dma_inflow.csv"].groupby("meter_id").volume_m3.sum()
    for dma_id in county.premises.dma_id.unique():
        counted = county.registered[(county.premises.dma_id == dma_id).to_numpy()].sum()
        assert inflow[f"{dma_id}-IN"] > counted
