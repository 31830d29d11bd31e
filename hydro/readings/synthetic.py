"""A synthetic county of smart meters with known leaks and anomalies, to test and measure the analyses.

Customers use water in a diurnal pattern (low at night, peaks in the morning
and evening), later and flatter at weekends and on holidays, with random
hours of no use and multiplicative noise. Each DMA's inflow meter records its
customers' use plus a background leakage; chosen DMAs get a leak of known
size from a known night. Chosen customers get one injected anomaly of each
kind. Everything follows from the seed.

Volumes m³, flows m³/h, hourly intervals, wall-clock times.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np
import pandas as pd

HOURLY_WEIGHTS = np.array(
    [
        0.2,
        0.1,
        0.1,
        0.1,
        0.2,
        0.6,
        1.4,
        2.0,
        1.8,
        1.2,
        1.0,
        1.1,
        1.3,
        1.1,
        0.9,
        0.9,
        1.0,
        1.3,
        1.8,
        2.0,
        1.7,
        1.3,
        0.8,
        0.4,
    ]
)
"""Relative use by hour of a working day (mean 1)."""
WEEKEND_WEIGHTS = np.roll(HOURLY_WEIGHTS, 1)
"""Rest days (weekends and holidays) start an hour later."""
ACTIVE_PROBABILITY = np.clip(HOURLY_WEIGHTS / 2.0, 0.15, 0.95)
"""Chance that a customer uses any water in an hour (at night a flush or a drink now and then)."""
BACKGROUND_LEAKAGE_SHARE = 0.2
"""Background leakage of a DMA as a share of its customers' mean use: most of a typical night flow."""


@dataclass(frozen=True)
class SyntheticCounty:
    """Readings (stored columns), zones, and the truth: DMA leaks and customer anomalies injected."""

    readings: pd.DataFrame
    zones: pd.DataFrame
    dma_leaks: pd.DataFrame
    """dma_id, start (night the leak began, 00:00), leak_m3_per_h, share_of_inflow."""
    anomalies: pd.DataFrame
    """meter_id, kind, start, end, rate_m3_per_h."""


def generate_county(
    dma_count: int = 4,
    customers_per_dma: int = 50,
    start: datetime.date = datetime.date(2024, 3, 1),
    days: int = 31,
    seed: int = 2024,
    leaking_dmas: int = 2,
    leak_share_of_inflow: float = 0.03,
    anomalous_customers_per_kind: int = 4,
    holidays: tuple[datetime.date, ...] = (),
    dma_ids: list[str] | None = None,
    background_leakage_range: tuple[float, float] | None = None,
) -> SyntheticCounty:
    """A county of `dma_count` DMAs (or those named by `dma_ids`) of `customers_per_dma` hourly customer meters.

    Each customer's mean use is lognormal around 0.4 m³/d (a household).
    Background leakage is 20 % of a DMA's mean use (or, with `background_leakage_range`, a share
    drawn for each DMA from that range); the leaks of the first
    `leaking_dmas` DMAs add `leak_share_of_inflow` of the mean inflow from a
    night in the second half of the span. Anomalies: continuous flow of
    10–40 L/h for three days or more, a burst of 0.5–1.5 m³/h for 6 h, a stuck
    meter for 4 days (its household's water still enters the DMA: the
    inflow meter registers it, no customer meter does), reverse flow of
    20 L/h for 3 h, and a 12 h gap.
    """
    generator = np.random.default_rng(seed)
    hours = pd.date_range(pd.Timestamp(start), periods=days * 24, freq="h")
    weights = _weights(hours, holidays)
    dma_ids = dma_ids or [f"DMA-{number:02d}" for number in range(1, dma_count + 1)]
    customer_ids = [f"{dma}-C{number:04d}" for dma in dma_ids for number in range(1, customers_per_dma + 1)]
    daily_m3 = generator.lognormal(np.log(0.4), 0.5, size=len(customer_ids))
    use = _customer_use(generator, daily_m3, weights)
    anomalies, use, missing, drawn = _inject_anomalies(
        generator, customer_ids, use, hours, anomalous_customers_per_kind
    )
    inflow, leaks = _dma_inflows(
        generator, dma_ids, customers_per_dma, drawn, hours, leaking_dmas, leak_share_of_inflow
    )
    if background_leakage_range is not None:
        inflow = _vary_background_leakage(
            np.random.default_rng(seed + 1), inflow, drawn, dma_ids, background_leakage_range
        )
    readings = _readings(customer_ids, dma_ids, hours, use, inflow, missing)
    zones = pd.DataFrame(
        [(f"{dma}-IN", dma, "inflow") for dma in dma_ids]
        + [(meter, meter.rsplit("-C", 1)[0], "customer") for meter in customer_ids],
        columns=["meter_id", "dma_id", "role"],
    )
    return SyntheticCounty(readings, zones, leaks, anomalies)


def _weights(hours: pd.DatetimeIndex, holidays: tuple[datetime.date, ...]) -> np.ndarray:
    rest_day = (hours.day_of_week >= 5) | pd.Index(hours.date).isin(holidays)
    return np.where(rest_day, WEEKEND_WEIGHTS[hours.hour], HOURLY_WEIGHTS[hours.hour])


def _customer_use(generator: np.random.Generator, daily_m3: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Hourly use [m³], customers × hours: zero in idle hours, noisy in active ones, to the litre."""
    hour_of_day = np.arange(weights.size) % 24
    active = generator.random((daily_m3.size, weights.size)) < ACTIVE_PROBABILITY[hour_of_day]
    mean_when_active = daily_m3[:, None] / 24.0 * weights[None, :] / ACTIVE_PROBABILITY[hour_of_day][None, :]
    noise = generator.lognormal(-0.125, 0.5, size=active.shape)
    return np.round(np.where(active, mean_when_active * noise, 0.0), 3)


def _inject_anomalies(
    generator: np.random.Generator, customer_ids: list[str], use: np.ndarray, hours: pd.DatetimeIndex, per_kind: int
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """Give distinct customers one anomaly each; returns the truth, the use the meters register, the missing
    hours, and the use the households draw (a stuck meter's household still draws water, which enters the DMA
    and is registered by no meter)."""
    original = use
    use = use.copy()
    missing = np.zeros(use.shape, dtype=bool)
    stuck = np.zeros(use.shape, dtype=bool)
    count = hours.size
    chosen = generator.choice(len(customer_ids), size=min(5 * per_kind, len(customer_ids)), replace=False)
    kinds = ["continuous_flow", "burst", "stuck", "reverse", "gap"]
    truth = []
    for position, customer in enumerate(chosen):
        kind = kinds[position % len(kinds)]
        first = int(generator.integers(24, max(25, count - 5 * 24)))
        if kind == "continuous_flow":
            rate = float(generator.uniform(0.010, 0.040))
            last = min(count, first + int(generator.integers(72, 120)))
            use[customer, first:last] = np.round(use[customer, first:last] + rate, 3)
        elif kind == "burst":
            rate = float(generator.uniform(0.5, 1.5))
            last = first + 6
            use[customer, first:last] += rate
        elif kind == "stuck":
            rate, last = 0.0, min(count, first + 96)
            use[customer, first:last] = 0.0
            stuck[customer, first:last] = True
        elif kind == "reverse":
            rate, last = 0.02, first + 3
            use[customer, first:last] = -0.02
        else:
            rate, last = 0.0, first + 12
            missing[customer, first:last] = True
        end = hours[last - 1] + pd.Timedelta(hours=1)
        truth.append((customer_ids[customer], kind, hours[first], end, rate))
    columns = ["meter_id", "kind", "start", "end", "rate_m3_per_h"]
    return pd.DataFrame(truth, columns=columns), use, missing, np.where(stuck, original, use)


def _dma_inflows(
    generator: np.random.Generator,
    dma_ids: list[str],
    customers_per_dma: int,
    use: np.ndarray,
    hours: pd.DatetimeIndex,
    leaking_dmas: int,
    leak_share: float,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Each DMA's inflow [m³/h]: its customers' use, background leakage, and the injected leak."""
    by_dma = use.reshape(len(dma_ids), customers_per_dma, -1).sum(axis=1)
    mean_use = by_dma.mean(axis=1, keepdims=True)
    inflow = by_dma + BACKGROUND_LEAKAGE_SHARE * mean_use * generator.lognormal(0.0, 0.02, size=by_dma.shape)
    leaks = []
    days = hours.size // 24
    for position in range(min(leaking_dmas, len(dma_ids))):
        start_day = int(generator.integers(days // 2, max(days // 2 + 1, days - 3)))
        rate = leak_share * float(inflow[position].mean())
        inflow[position, start_day * 24 :] += rate
        leaks.append((dma_ids[position], hours[start_day * 24].date(), rate, leak_share))
    return np.round(inflow, 3), pd.DataFrame(leaks, columns=["dma_id", "start", "leak_m3_per_h", "share_of_inflow"])


def _vary_background_leakage(
    generator: np.random.Generator,
    inflow: np.ndarray,
    use: np.ndarray,
    dma_ids: list[str],
    share_range: tuple[float, float],
) -> np.ndarray:
    """Give each DMA its own background leakage, a share of its mean use drawn from `share_range`."""
    mean_use = use.reshape(len(dma_ids), -1, use.shape[1]).sum(axis=1).mean(axis=1, keepdims=True)
    shares = generator.uniform(*share_range, size=(len(dma_ids), 1))
    return np.round(inflow + (shares - BACKGROUND_LEAKAGE_SHARE) * mean_use, 3)


def _readings(
    customer_ids: list[str],
    dma_ids: list[str],
    hours: pd.DatetimeIndex,
    use: np.ndarray,
    inflow: np.ndarray,
    missing: np.ndarray,
) -> pd.DataFrame:
    meters = np.array(customer_ids + [f"{dma}-IN" for dma in dma_ids])
    volumes = np.vstack([use, inflow])
    present = np.vstack([~missing, np.ones(inflow.shape, dtype=bool)])
    rows, columns = np.nonzero(present)
    frame = pd.DataFrame(
        {
            "meter_id": meters[rows],
            "timestamp": hours.values[columns].astype("datetime64[us]"),
            "duration_s": np.full(rows.size, 3600, dtype="int32"),
            "volume_m3": volumes[rows, columns],
        }
    )
    return frame
