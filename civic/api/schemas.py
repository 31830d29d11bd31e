"""The shapes the API reads and writes, as they appear in its OpenAPI document."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from civic.api.actions import FIRST_DATA_ROW
from civic.water import readings_reasons
from civic.water.readings_files import LIMITS

MAX_PAGE = 1_000_000
NO_NUL = r"^[^\x00]*$"
"""Text without NUL characters: PostgreSQL stores none, so a NUL is refused as the request's error."""


class ErrorItem(Schema):
    """One thing wrong with a request: for a readings batch, the row (as a file numbers it) and the reading."""

    row: int | None = Field(
        default=None, description="Row as in a readings file: the header is row 1, readings[0] row 2."
    )
    index: int | None = Field(default=None, description="Position of the reading in `readings`, from 0.")
    column: str = ""
    value: str = ""
    code: str
    message: str


class ErrorOut(Schema):
    detail: str
    batch_id: int | None = Field(default=None, description="The import that recorded a refused readings batch.")
    errors: list[ErrorItem] = []


class ReadingIn(Schema):
    meter_serial: str = Field(max_length=100, pattern=NO_NUL, description="表号, the meter's serial number.")
    reading_date: str = Field(max_length=40, pattern=NO_NUL, description="抄表日期, as YYYY-MM-DD.")
    index_m3: float | None = Field(default=None, allow_inf_nan=False, description="表底数 [m³]; give it or the volume.")
    volume_m3: float | None = Field(default=None, allow_inf_nan=False, description="用水量 [m³]; give it or the index.")
    remark: str = Field(
        "", max_length=200, pattern=NO_NUL, description="备注; “rollover” (翻转) when the register rolled over."
    )


class ReadingsBatchIn(Schema):
    batch_key: str = Field(
        min_length=1, max_length=100, pattern=NO_NUL, description="The sender's key; a batch sent again is safe."
    )
    readings: list[ReadingIn] = Field(max_length=LIMITS.max_rows)


class ReadingsBatchOut(Schema):
    batch_key: str
    batch_id: int
    row_count: int
    first_reading_date: datetime.date | None
    last_reading_date: datetime.date | None
    replayed: bool = Field(description="True when these readings were stored before; nothing new was stored.")


class WaterUserOut(Schema):
    code: str
    name: str
    kind: str
    industry_code: str | None
    town: str
    planned_use_status: str


class WaterUserPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[WaterUserOut]


class PlanMonthOut(Schema):
    month: int
    volume_m3: float


class PlanOut(Schema):
    water_user_code: str
    year: int
    status: str
    method: str
    annual_volume_m3: float
    issued_at: datetime.datetime | None
    months: list[PlanMonthOut]


class PlanPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[PlanOut]


class BillOut(Schema):
    number: str
    period_start: datetime.date
    period_end: datetime.date
    planned_m3: float
    actual_m3: float
    excess_m3: float
    amount_yuan: Decimal
    status: str


class MonthUseOut(Schema):
    month: int
    volume_m3: float


class UseOut(Schema):
    water_user_code: str
    year: int
    total_m3: float | None = Field(description="Metered use in the year; null when there is no reading.")
    months: list[MonthUseOut]


class TagCheckOut(Schema):
    number: str
    found: bool
    state: str | None = Field(default=None, description="valid, expired, cancelled or lost.")
    tag_replaced: bool = False
    breed: str | None = None
    colour: str | None = None
    expires_on: datetime.date | None = None
    service_point: str | None = None
    service_point_phone: str | None = None


def error_items(errors: list[dict[str, Any]]) -> list[ErrorItem]:
    """Stored import errors as the API reports them (the message in the caller's language)."""
    return [
        ErrorItem(
            row=error.get("row"),
            index=error["row"] - FIRST_DATA_ROW if isinstance(error.get("row"), int) else None,
            column=error.get("column") or "",
            value=str(error.get("value") if error.get("value") is not None else ""),
            code=error.get("code") or "",
            message=readings_reasons.describe(error),
        )
        for error in errors
    ]
