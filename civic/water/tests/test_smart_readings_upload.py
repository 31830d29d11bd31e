"""Smart-meter readings files uploaded on the web into the county's readings store.

The readings are Hongxing's and Fenghuang's two hand-worked days (hydro/tests/readings_cases.py): 380 hourly
volumes of 8 meters from 1 March 00:00 to 2 March 23:00 (C-GAP's readings stop for its gap).
"""

import gzip

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from civic.testing import sign_in
from hydro.readings.store import batch_records
from hydro.tests import readings_cases

URL = reverse("water:smart_readings_upload")


@pytest.fixture
def store(settings, tmp_path):
    settings.CIVIC_READINGS_STORE = tmp_path / "store"
    return settings.CIVIC_READINGS_STORE


def posted(client, cast, name: str, text: str, **fields):
    sign_in(client, cast.bureau_staff)
    upload = SimpleUploadedFile(name, text.encode(), content_type="text/csv")
    with translation.override("en"):
        return client.post(URL, {"readings_file": upload, "stamped": "start", "conflicts": "keep-larger", **fields},
                           HTTP_ACCEPT_LANGUAGE="en", follow=True)  # fmt: skip


def shown(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def form_errors(response) -> list[str]:
    with translation.override("en"):
        return [str(error) for error in response.context["form"].errors["readings_file"]]


def test_a_file_is_stored_and_listed_by_month_and_batch(client, cast, store):
    response = posted(client, cast, "readings.csv", readings_cases.readings_csv())
    assert shown(response) == ["readings.csv: 380 intervals stored, 2024-03-01 00:00 to 2024-03-02 23:00."]
    [record] = batch_records(store)
    assert (record.source_name, record.kind, record.row_count) == ("readings.csv", "interval", 380)
    assert [(month.month, month.batches) for month in response.context["months"]] == [("2024-03", 1)]
    assert "readings.csv" in response.content.decode()
    again = posted(client, cast, "readings.csv", readings_cases.readings_csv())
    assert shown(again) == ["readings.csv was imported before; nothing changed."]
    assert len(batch_records(store)) == 1


def test_a_bad_row_is_named_and_nothing_of_the_file_is_stored(client, cast, store):
    text = "meter_id,timestamp,volume_m3\nC-1,2024-03-01 00:00,0.2\nC-1,2024-03-01 01:00,lots\n"
    response = posted(client, cast, "bad.csv", text)
    assert response.status_code == 400
    assert form_errors(response) == ["bad.csv, row 3, volume_m3: lots is not a number."]
    assert batch_records(store) == []


def test_the_store_s_reasons_read_in_the_page_s_language(client, cast, store):
    indexes = "meter_id,timestamp,index_m3\nC-1,2024-03-01 00:00,500\nC-1,2024-03-01 01:00,480\n"
    response = posted(client, cast, "indexes.csv", indexes)
    assert form_errors(response) == [
        "indexes.csv, row 3, index_m3: The index went back from 500 to 480 m³; if the register rolled over write "
        "“rollover” in the remark, if the meter was replaced write “replaced”."
    ]
    sign_in(client, cast.bureau_staff)
    upload = SimpleUploadedFile("indexes.csv", indexes.encode(), content_type="text/csv")
    page = client.post(URL, {"readings_file": upload, "stamped": "start", "conflicts": "keep-larger"})
    assert "indexes.csv, 第 3 行, index_m3: 表底数从 500 倒退到 480 m³" in page.content.decode()


def test_the_page_takes_csv_and_parquet_only_and_an_index_file_has_no_stamped_end(client, cast, store):
    response = posted(client, cast, "readings.xlsx", "not a sheet")
    assert form_errors(response) == ["readings.xlsx is not a CSV file (.csv, or gzipped .csv.gz) or a Parquet file."]
    indexes = "meter_id,timestamp,index_m3\nC-1,2024-03-01 00:00,12.5\nC-1,2024-03-01 01:00,12.9\n"
    response = posted(client, cast, "indexes.csv", indexes, stamped="end")
    assert form_errors(response) == [
        "indexes.csv: an index is read at an instant; only volume files are stamped at their end"
    ]
    assert batch_records(store) == []


def test_an_index_of_zero_between_readings_is_said_to_be_left_out(client, cast, store):
    indexes = (
        "meter_id,timestamp,index_m3\nC-1,2024-03-01 00:00,12.5\nC-1,2024-03-01 01:00,0\nC-1,2024-03-01 02:00,12.9\n"
    )
    response = posted(client, cast, "indexes.csv", indexes)
    assert shown(response) == [
        "indexes.csv: 1 intervals stored, 2024-03-01 00:00 to 2024-03-01 00:00. 1 indexes of 0 between readings "
        "that count on were left out as failed reads."
    ]


def test_the_page_reads_in_chinese(client, cast, store):
    sign_in(client, cast.network_analyst)
    page = client.get(URL).content.decode()
    assert "智能水表读数" in page and "尚未存入任何读数。" in page


def test_a_gbk_file_from_excel_with_chinese_headings_is_stored(client, cast, store):
    # Excel in China saves CSV as GBK, with the sheet's headings and its own date format.
    text = "表号,抄表时间,读数（立方米）,备注\n000123,2024/3/1 0:00,10.0,\n000123,2024/3/1 1:00,10.5,新装\n"
    sign_in(client, cast.bureau_staff)
    upload = SimpleUploadedFile("抄表.csv", text.encode("gbk"), content_type="text/csv")
    with translation.override("en"):
        response = client.post(URL, {"readings_file": upload, "stamped": "start", "conflicts": "keep-larger"},
                               HTTP_ACCEPT_LANGUAGE="en", follow=True)  # fmt: skip
    assert shown(response) == ["抄表.csv: 1 intervals stored, 2024-03-01 00:00 to 2024-03-01 00:00."]
    [record] = batch_records(store)
    assert (record.kind, record.last_indexes) == ("index", {"000123": ["2024-03-01T01:00:00", 10.5]})


def test_a_column_given_twice_is_named_in_the_page_s_language(client, cast, store):
    text = "meter_id,表号,timestamp,volume_m3\nC-1,C-1,2024-03-01 00:00,0.1\n"
    assert form_errors(posted(client, cast, "twice.csv", text)) == [
        "twice.csv, meter_id: This column is given twice (meter_id, 表号); keep one."
    ]
    upload = SimpleUploadedFile("twice.csv", text.encode(), content_type="text/csv")
    page = client.post(URL, {"readings_file": upload, "stamped": "start", "conflicts": "keep-larger"})
    assert "twice.csv, meter_id: 此列出现了两次（meter_id, 表号），请只保留一列。" in page.content.decode()
    assert batch_records(store) == []


def test_a_gzipped_month_is_stored_as_the_csv_it_holds(client, cast, store):
    sign_in(client, cast.bureau_staff)
    packed = gzip.compress(readings_cases.readings_csv().encode())
    upload = SimpleUploadedFile("readings.csv.gz", packed, content_type="application/gzip")
    with translation.override("en"):
        response = client.post(URL, {"readings_file": upload, "stamped": "start", "conflicts": "keep-larger"},
                               HTTP_ACCEPT_LANGUAGE="en", follow=True)  # fmt: skip
    assert shown(response) == ["readings.csv.gz: 380 intervals stored, 2024-03-01 00:00 to 2024-03-02 23:00."]
