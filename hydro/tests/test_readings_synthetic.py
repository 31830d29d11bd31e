"""The tidy synthetic county (`hydro.readings.synthetic`): a stuck meter's household still draws water."""

import numpy as np
import pandas as pd

from hydro.readings.synthetic import _inject_anomalies


def test_a_stuck_meter_registers_nothing_while_its_household_still_draws_water():
    # Five customers using 0.01 m³ every hour for 10 days, one anomaly of each kind (the third is the stuck
    # meter, 96 hours). Over its span the meter registers 0 while the household still draws 0.01 m³/h, which
    # the DMA's inflow meter sees; every other hour of every customer is drawn as registered.
    hours = pd.date_range("2024-03-01", periods=240, freq="h")
    use = np.full((5, hours.size), 0.01)
    truth, registered, _missing, drawn = _inject_anomalies(
        np.random.default_rng(7), [f"C{n}" for n in range(5)], use, hours, 1
    )
    stuck = truth[truth.kind == "stuck"].iloc[0]
    row = int(stuck.meter_id[1:])
    span = (hours >= stuck.start) & (hours < stuck.end)
    assert span.sum() == 96
    assert np.all(registered[row, span] == 0.0)
    assert np.all(drawn[row, span] == 0.01)
    outside = np.ones(registered.shape, dtype=bool)
    outside[row, span] = False
    assert np.array_equal(drawn[outside], registered[outside])
