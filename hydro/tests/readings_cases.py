"""Small, hand-worked readings of the demo county's Hongxing DMA, shared by the readings tests.

Two days, 2024-03-01 and 2024-03-02, hourly. Hongxing (HX) is fed by meter
HX-IN at 1 m³/h, except 0.6 m³/h at 02:00 and 0.5 m³/h at 03:00; it passes
water on to Fenghuang (FH) through HX-OUT at 0.2 m³/h. Its customers:

* C-LEAK: 10 L/h that never stops, and 0.2 m³ at 07:00 (a leak behind the meter);
* C-NORMAL: 0.1 m³ at 07:00, 08:00, 18:00 and 19:00, nothing otherwise;
* C-BURST: as C-NORMAL, plus 1 m³/h from 10:00 to 14:00 on the second day;
* C-STUCK: 0.05 m³/h all the first day, then zero all the second;
* C-REVERSE: as C-NORMAL, plus −0.02 m³ at 03:00 and 04:00 on the first day;
* and, in Fenghuang, C-GAP: as C-NORMAL, but nothing stored from 12:00 to 16:00 on the first day.
"""

import datetime
import math

import pandas as pd

START = datetime.datetime(2024, 3, 1)
HOURS = [START + datetime.timedelta(hours=hour) for hour in range(48)]
PEAK_HOURS = (7, 8, 18, 19)


def inflow(moment: datetime.datetime) -> float:
    return {2: 0.6, 3: 0.5}.get(moment.hour, 1.0)


def normal_use(moment: datetime.datetime) -> float:
    return 0.1 if moment.hour in PEAK_HOURS else 0.0


def meter_series() -> dict[str, list[tuple[datetime.datetime, float]]]:
    second_day = START + datetime.timedelta(days=1)
    return {
        "HX-IN": [(moment, inflow(moment)) for moment in HOURS],
        "HX-OUT": [(moment, 0.2) for moment in HOURS],
        "C-LEAK": [(moment, 0.2 if moment.hour == 7 else 0.01) for moment in HOURS],
        "C-NORMAL": [(moment, normal_use(moment)) for moment in HOURS],
        "C-BURST": [
            (moment, 1.0 if moment >= second_day and 10 <= moment.hour < 14 else normal_use(moment)) for moment in HOURS
        ],
        "C-STUCK": [(moment, 0.05 if moment < second_day else 0.0) for moment in HOURS],
        "C-REVERSE": [
            (moment, -0.02 if moment < second_day and moment.hour in (3, 4) else normal_use(moment)) for moment in HOURS
        ],
        "C-GAP": [
            (moment, normal_use(moment)) for moment in HOURS if not (moment < second_day and 12 <= moment.hour < 16)
        ],
    }


def readings_frame() -> pd.DataFrame:
    """The readings as stored rows (meter_id, timestamp, duration_s, volume_m3)."""
    rows = [
        (meter_id, moment, 3600, volume) for meter_id, series in meter_series().items() for moment, volume in series
    ]
    frame = pd.DataFrame(rows, columns=["meter_id", "timestamp", "duration_s", "volume_m3"])
    return frame.astype({"timestamp": "datetime64[us]", "duration_s": "int32"})


def readings_csv() -> str:
    frame = readings_frame()
    lines = ["meter_id,timestamp,volume_m3"] + [
        f"{meter_id},{moment:%Y-%m-%d %H:%M},{volume}"
        for meter_id, moment, volume in frame[["meter_id", "timestamp", "volume_m3"]].itertuples(index=False)
    ]
    return "\n".join(lines) + "\n"


ZONES_CSV = """meter_id,dma_id,role
HX-IN,HX,inflow
HX-OUT,HX,outflow
HX-OUT,FH,inflow
C-LEAK,HX,customer
C-NORMAL,HX,customer
C-BURST,HX,customer
C-STUCK,HX,customer
C-REVERSE,HX,customer
C-GAP,FH,customer
"""


def rounded(frame: pd.DataFrame, digits: int = 6) -> list[tuple]:
    """Rows as tuples, floats rounded and a missing value (the flow of an event that is not a leak) as None."""
    return [
        tuple(
            (None if math.isnan(value) else round(value, digits)) if isinstance(value, float) else value
            for value in row
        )
        for row in frame.itertuples(index=False)
    ]
