"""Readings pushed through the API land in the readings store the smart-metering analyses read, or nowhere.

Runhua's meter M-RH-01 (the suite's cast) is read on 1, 15 and 31 March 2024
at indexes 100, 700 and 1,400 m³. The store keeps each pair of consecutive
indexes as one interval starting at the first reading (midnight, county time):
1–15 March, 14 days = 1,209,600 s, 700 − 100 = 600 m³; 15–31 March, 16 days =
1,382,400 s, 1,400 − 700 = 700 m³ (hydro.readings.store, index readings).
"""

from __future__ import annotations

import datetime

import pyarrow.parquet as pq
import pytest

from civic.api.models import PushedReadingsBatch
from civic.api.testing import Caller, Tokens
from civic.testing import Cast
from civic.water.models import ImportStatus, MeterReading, ReadingImportBatch
from hydro.readings.store import batch_records, import_file, stored_files

pytestmark = pytest.mark.django_db

BATCHES = "/api/readings/batches"
MARCH_INDEXES = [
    {"meter_serial": "M-RH-01", "reading_date": "2024-03-01", "index_m3": 100},
    {"meter_serial": "M-RH-01", "reading_date": "2024-03-15", "index_m3": 700},
    {"meter_serial": "M-RH-01", "reading_date": "2024-03-31", "index_m3": 1400},
]


def stored_rows(store) -> list[tuple[str, datetime.datetime, int, float]]:
    rows = []
    for path in stored_files(store):
        table = pq.read_table(path)
        rows += list(
            zip(
                table.column("meter_id").to_pylist(),
                table.column("timestamp").to_pylist(),
                table.column("duration_s").to_pylist(),
                table.column("volume_m3").to_pylist(),
                strict=True,
            )
        )
    return sorted(rows)


def test_a_pushed_batch_of_register_readings_appears_in_the_store(cast: Cast, tokens: Tokens, readings_store):
    response = Caller(tokens.utility).post(BATCHES, {"batch_key": "march-indexes", "readings": MARCH_INDEXES})

    assert response.status_code == 201, response.content
    assert stored_rows(readings_store) == [
        ("M-RH-01", datetime.datetime(2024, 3, 1), 1_209_600, 600.0),
        ("M-RH-01", datetime.datetime(2024, 3, 15), 1_382_400, 700.0),
    ]
    [record] = batch_records(readings_store)
    assert (record.kind, record.row_count, record.source_name.startswith("api-readings-")) == ("index", 2, True)
    assert record.last_indexes == {"M-RH-01": ["2024-03-31T00:00:00", 1400.0]}
    # The register has them too, as every pushed batch.
    assert MeterReading.objects.filter(batch_id=response.json()["batch_id"]).count() == 3


def test_a_batch_pushed_again_adds_nothing_to_the_store(cast: Cast, tokens: Tokens, readings_store):
    utility = Caller(tokens.utility)
    first = utility.post(BATCHES, {"batch_key": "march-indexes", "readings": MARCH_INDEXES})
    again = utility.post(BATCHES, {"batch_key": "march-indexes", "readings": MARCH_INDEXES})

    assert (first.status_code, again.status_code) == (201, 200)
    assert len(batch_records(readings_store)) == 1
    assert len(stored_rows(readings_store)) == 2


def test_a_bad_batch_is_refused_whole_with_nothing_in_the_store_or_the_database(
    cast: Cast, tokens: Tokens, readings_store
):
    readings = [*MARCH_INDEXES, {"meter_serial": "M-NOPE", "reading_date": "2024-03-31", "index_m3": 5}]

    response = Caller(tokens.utility).post(BATCHES, {"batch_key": "with-a-stranger", "readings": readings})

    assert response.status_code == 422
    assert [(error["row"], error["code"]) for error in response.json()["errors"]] == [(5, "unknown_meter")]
    assert MeterReading.objects.count() == 0
    assert batch_records(readings_store) == []
    assert stored_files(readings_store) == []


def test_a_batch_the_store_refuses_is_taken_out_of_the_database_again(
    cast: Cast, tokens: Tokens, readings_store, tmp_path
):
    # The store holds, from a smart-meter file, an hourly reading of M-RH-01 starting at 15 March 00:00: the
    # pushed interval 15–31 March would start at the same time, which the store refuses (overlap).
    hourly = tmp_path / "head-end-hourly.csv"
    hourly.write_text("meter_id,timestamp,volume_m3\nM-RH-01,2024-03-15 00:00,1.5\nM-RH-01,2024-03-15 01:00,1.25\n")
    import_file(readings_store, hourly)

    response = Caller(tokens.utility).post(BATCHES, {"batch_key": "overlapping", "readings": MARCH_INDEXES})

    assert response.status_code == 422, response.content
    [error] = response.json()["errors"]
    assert error["code"] == "overlap"
    # The store's reason in the caller's language (Chinese by default), from the store's own details
    assert error["message"] == "水表 M-RH-01 在 2024-03-15 00:00:00 已有存入的读数，而本文件的读数与之不一致。"
    english = Caller(tokens.utility)
    english.headers["Accept-Language"] = "en"
    [again] = english.post(BATCHES, {"batch_key": "overlapping-en", "readings": MARCH_INDEXES}).json()["errors"]
    assert (
        again["message"]
        == "Meter M-RH-01 already has stored readings at 2024-03-15 00:00:00 that this file does not repeat."
    )
    assert MeterReading.objects.count() == 0
    batch = ReadingImportBatch.objects.get(pk=response.json()["batch_id"])
    assert batch.status == ImportStatus.REJECTED
    assert [record.source_name for record in batch_records(readings_store)] == ["head-end-hourly.csv"]
    assert PushedReadingsBatch.objects.get(batch_key="overlapping").import_batch == batch


def test_volumes_alone_go_to_the_register_only(cast: Cast, tokens: Tokens, readings_store):
    volumes = [
        {"meter_serial": "M-RH-01", "reading_date": "2024-03-15", "volume_m3": 600},
        {"meter_serial": "M-RH-01", "reading_date": "2024-03-31", "volume_m3": 700},
    ]

    response = Caller(tokens.utility).post(BATCHES, {"batch_key": "volumes", "readings": volumes})

    # A volume has no start time to place it on the store's time line; the register keeps it.
    assert response.status_code == 201
    assert MeterReading.objects.count() == 2
    assert batch_records(readings_store) == []
