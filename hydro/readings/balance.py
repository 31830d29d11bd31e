"""The water balance of each DMA (产销差) from smart-meter readings.

The balance is an Ibis expression over the stored readings
(``meter_id, timestamp, duration_s, volume_m3``; see `hydro.readings.store`)
and the zone membership (``meter_id, dma_id, role``;
`hydro.readings.periods`), so it runs unchanged on DuckDB or Spark
(`hydro.readings.engine`). The monthly analysis scans the readings once for
the daily balance, which the stuck-meter test reads
(`hydro.readings.stuck_balance`), and sums it to months or to the period
(`rolled_up_balance`).

Units: volumes m³. An interval belongs to the day or month in which it starts.

References
----------
Farley, M. & Trow, S. (2003). *Losses in Water Distribution Networks*. IWA
Publishing, ch. 6 (the DMA balance).
"""

from __future__ import annotations

import ibis
import pandas as pd

from hydro.readings.periods import Period, in_period

BALANCE_COLUMNS = ["dma_id", "period", "inflow_m3", "outflow_m3", "consumption_m3", "nrw_m3", "nrw_pct"]
GRANULARITIES = ("day", "month", "period")


def dma_balance(readings: ibis.Table, zones: ibis.Table, period: Period, granularity: str = "month") -> ibis.Table:
    """Water balance of each DMA per day or month (产销差).

    Parameters
    ----------
    readings : Ibis table of stored readings
    zones : Ibis table ``meter_id, dma_id, role``
    period : Period analysed
    granularity : ``"day"``, ``"month"`` or ``"period"`` (the whole period)

    Returns
    -------
    Ibis table ``dma_id, period`` (first day of the day, month or period),
    ``inflow_m3, outflow_m3, consumption_m3, nrw_m3, nrw_pct``.

    Notes
    -----
    Q_in and Q_out are the volumes through the DMA's inflow and outflow
    meters, C the volume through its customer meters, in the period:

        NRW = (Q_in − Q_out) − C,   NRW% = 100 · NRW / (Q_in − Q_out),

    the percentage being empty when no net water entered the DMA.
    """
    if granularity not in GRANULARITIES:
        raise ValueError(f"granularity {granularity!r}: choose {', '.join(GRANULARITIES)}.")
    joined = in_period(readings, period).join(zones, "meter_id")
    buckets = {
        "day": joined.timestamp.date(),
        "month": joined.timestamp.truncate("M").date(),
        "period": ibis.literal(period.start.date(), "date"),
    }
    bucket = buckets[granularity]
    totals = (
        joined.mutate(period=bucket)
        .group_by(["dma_id", "period"])
        .agg(
            inflow_m3=joined.volume_m3.sum(where=joined.role == "inflow"),
            outflow_m3=joined.volume_m3.sum(where=joined.role == "outflow"),
            consumption_m3=joined.volume_m3.sum(where=joined.role == "customer"),
        )
    )
    totals = totals.mutate(
        inflow_m3=totals.inflow_m3.fill_null(0.0),
        outflow_m3=totals.outflow_m3.fill_null(0.0),
        consumption_m3=totals.consumption_m3.fill_null(0.0),
    )
    net_input = totals.inflow_m3 - totals.outflow_m3
    nrw = net_input - totals.consumption_m3
    nrw_pct = ibis.ifelse(net_input > 0, 100.0 * nrw / net_input, ibis.null("float64"))
    return totals.mutate(nrw_m3=nrw, nrw_pct=nrw_pct).select(BALANCE_COLUMNS).order_by(["dma_id", "period"])


def rolled_up_balance(daily: pd.DataFrame, period: Period, granularity: str) -> pd.DataFrame:
    """The executed daily `dma_balance` summed to months or to the whole period, as `dma_balance` gives them.

    The volumes of a month or period are the sums of its days', so one scan
    of the readings serves both the daily balance (which the stuck-meter test
    reads) and the period's; NRW and NRW% are then worked from the sums as in
    `dma_balance` (NRW% empty when no net water entered the DMA).
    """
    if granularity not in GRANULARITIES:
        raise ValueError(f"granularity {granularity!r}: choose {', '.join(GRANULARITIES)}.")
    if granularity == "day":
        return daily[BALANCE_COLUMNS].reset_index(drop=True)
    days = pd.to_datetime(pd.Series(daily.period, dtype=object))
    buckets = {"month": days.dt.to_period("M").dt.start_time.dt.date, "period": period.start.date()}
    volumes = ["inflow_m3", "outflow_m3", "consumption_m3"]
    totals = (
        daily.assign(period=buckets[granularity]).groupby(["dma_id", "period"], sort=True)[volumes].sum().reset_index()
    )
    net_input = totals.inflow_m3 - totals.outflow_m3
    totals["nrw_m3"] = net_input - totals.consumption_m3
    totals["nrw_pct"] = (100.0 * totals.nrw_m3 / net_input).where(net_input > 0)
    return totals[BALANCE_COLUMNS]
