"""The readings store: files read and checked, indexes turned into intervals, batches all-or-nothing."""

import datetime
import gzip
import os
import threading
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hydro.intake import TableError
from hydro.readings import store as readings_store
from hydro.readings.readings_file import read_readings_file
from hydro.readings.store import batch_records, import_file, stored_files


def write(path: Path, text: str) -> Path:
    path.write_text(text.strip() + "\n")
    return path


def stored_rows(store: Path) -> list[tuple]:
    files = stored_files(store)
    if not files:
        return []
    frame = pd.concat([pq.read_table(file).to_pandas() for file in files]).sort_values(["meter_id", "timestamp"])
    return [
        (meter_id, timestamp.to_pydatetime(), int(duration_s), float(volume_m3))
        for meter_id, timestamp, duration_s, volume_m3 in frame.itertuples(index=False)
    ]


def problems_of(error: pytest.ExceptionInfo) -> list[tuple]:
    return [(problem.row_number, problem.column) for problem in error.value.errors]


def test_it_stores_interval_readings_as_hourly_intervals_in_shanghai_time(tmp_path):
    source = write(
        tmp_path / "hourly.csv",
        """
meter_id,timestamp,volume_m3
DMA-HX-IN,2024-03-01 02:00,12.5
DMA-HX-IN,2024-03-01 03:00,11.0
C-0001,2024-03-01 02:00,0.0
""",
    )
    outcome = import_file(tmp_path / "store", source)
    assert not outcome.already_imported
    assert outcome.record.row_count == 3
    assert stored_rows(tmp_path / "store") == [
        ("C-0001", datetime.datetime(2024, 3, 1, 2), 3600, 0.0),
        ("DMA-HX-IN", datetime.datetime(2024, 3, 1, 2), 3600, 12.5),
        ("DMA-HX-IN", datetime.datetime(2024, 3, 1, 3), 3600, 11.0),
    ]


def test_a_meter_number_is_kept_as_written_leading_zeros_and_all(tmp_path):
    # Head ends number meters 0000123456: read as a number, meter 000123 would become 123 and merge with it,
    # and match no zone file, which names it as written.
    source = write(
        tmp_path / "numbered.csv",
        """
meter_id,timestamp,index_m3
000123,2024-03-01 00:00,10.0
000123,2024-03-01 01:00,10.5
123,2024-03-01 00:00,20.0
123,2024-03-01 01:00,20.25
""",
    )
    import_file(tmp_path / "store", source)
    assert stored_rows(tmp_path / "store") == [
        ("000123", datetime.datetime(2024, 3, 1, 0), 3600, 0.5),
        ("123", datetime.datetime(2024, 3, 1, 0), 3600, 0.25),
    ]


def test_a_gbk_file_with_chinese_headings_and_units_is_read_as_its_columns(tmp_path):
    # Excel in China saves CSV as GBK and dates as 2024/3/1 0:00; head ends head their columns in Chinese.
    source = tmp_path / "抄表.csv"
    source.write_bytes(
        "表号,抄表时间,读数（立方米）,备注\n0017,2024/3/1 0:00,10.0,\n0017,2024/3/1 1:00,2.0,换表\n".encode("gbk")
    )
    frame, kind = read_readings_file(source)
    assert kind == "index"
    assert frame[["meter_id", "index_m3", "remark"]].values.tolist() == [["0017", 10.0, ""], ["0017", 2.0, "换表"]]
    import_file(tmp_path / "store", source)
    assert stored_rows(tmp_path / "store") == [("0017", datetime.datetime(2024, 3, 1, 0), 3600, 2.0)]


def test_a_gzipped_csv_is_read_as_the_csv_it_holds_and_a_broken_one_refused(tmp_path):
    text = "表号,抄表时间,用水量\n0017,2024-03-01 00:00,0.012\n0017,2024-03-01 01:00,0.0\n"
    source = tmp_path / "month.csv.gz"
    source.write_bytes(gzip.compress(text.encode("gbk")))
    import_file(tmp_path / "store", source)
    assert stored_rows(tmp_path / "store") == [
        ("0017", datetime.datetime(2024, 3, 1, 0), 3600, 0.012),
        ("0017", datetime.datetime(2024, 3, 1, 1), 3600, 0.0),
    ]
    broken = tmp_path / "broken.csv.gz"
    broken.write_bytes(gzip.compress(text.encode())[:-12])  # cut short in transfer
    with pytest.raises(TableError) as error:
        import_file(tmp_path / "store", broken)
    assert [problem.code for problem in error.value.errors] == ["not_a_table"]
    assert [record.source_name for record in batch_records(tmp_path / "store")] == ["month.csv.gz"]


def test_a_column_given_under_two_headings_is_refused(tmp_path):
    source = write(tmp_path / "twice.csv", "meter_id,timestamp,用水量,volume_m3\nC-1,2024-03-01 00:00,0.1,0.1")
    with pytest.raises(TableError) as error:
        read_readings_file(source)
    [problem] = error.value.errors
    assert (problem.column, problem.code, problem.details) == (
        "volume_m3",
        "column_twice",
        {"headings": "用水量, volume_m3"},
    )


def test_a_file_stamped_at_each_interval_s_end_is_stored_from_its_start(tmp_path):
    # A smart meter stamps the hour 23:00–24:00 of 29 February "2024-03-01 00:00": stored from 23:00 on the 29th,
    # in February's files; 00:00–01:00 of 1 March, stamped 01:00, from 00:00.
    source = write(
        tmp_path / "hour-ending.csv",
        """
meter_id,timestamp,volume_m3
C-0001,2024-03-01 00:00,0.012
C-0001,2024-03-01 01:00,0.0
""",
    )
    outcome = import_file(tmp_path / "store", source, stamped="end")
    assert outcome.record.stamped == "end"
    assert stored_rows(tmp_path / "store") == [
        ("C-0001", datetime.datetime(2024, 2, 29, 23), 3600, 0.012),
        ("C-0001", datetime.datetime(2024, 3, 1, 0), 3600, 0.0),
    ]
    assert [Path(name).parent.name for name in outcome.record.files] == ["month=2024-02", "month=2024-03"]
    index_file = write(tmp_path / "index.csv", "meter_id,timestamp,index_m3\nC-0002,2024-03-01 00:00,10.0")
    with pytest.raises(ValueError, match=r"index\.csv: an index is read at an instant"):
        import_file(tmp_path / "store", index_file, stamped="end")


def test_it_converts_timestamps_with_an_offset_to_the_county_time_zone(tmp_path):
    # 2024-02-29 18:00 UTC is 2024-03-01 02:00 in Shanghai (UTC+8): the reading lands in March.
    source = write(tmp_path / "utc.csv", "meter_id,timestamp,volume_m3\nC-0001,2024-02-29T18:00:00Z,0.25\n")
    import_file(tmp_path / "store", source)
    assert stored_rows(tmp_path / "store") == [("C-0001", datetime.datetime(2024, 3, 1, 2), 3600, 0.25)]
    assert [path.parent.name for path in stored_files(tmp_path / "store")] == ["month=2024-03"]


def test_it_reads_parquet_with_time_zone_aware_timestamps(tmp_path):
    source = tmp_path / "readings.parquet"
    timestamps = pd.to_datetime(["2024-03-01 02:00", "2024-03-01 03:00"]).tz_localize("Asia/Shanghai")
    frame = pd.DataFrame({"meter_id": ["C-1", "C-1"], "timestamp": timestamps, "volume_m3": [0.1, -0.02]})
    pq.write_table(pa.Table.from_pandas(frame), source)
    import_file(tmp_path / "store", source)
    # The negative volume (a meter running backwards) is kept for the anomaly analysis.
    assert stored_rows(tmp_path / "store") == [
        ("C-1", datetime.datetime(2024, 3, 1, 2), 3600, 0.1),
        ("C-1", datetime.datetime(2024, 3, 1, 3), 3600, -0.02),
    ]


def test_it_refuses_a_mix_of_naive_and_aware_timestamps(tmp_path):
    source = write(
        tmp_path / "mixed.csv",
        "meter_id,timestamp,volume_m3\nC-1,2024-03-01 02:00+08:00,0.1\nC-1,2024-03-01 03:00,0.1\n",
    )
    with pytest.raises(TableError, match="mix a time zone and none") as error:
        import_file(tmp_path / "store", source)
    assert problems_of(error) == [(3, "timestamp")]
    assert not (tmp_path / "store").exists() or stored_files(tmp_path / "store") == []


def test_it_names_each_bad_row_and_column_and_stores_nothing(tmp_path):
    source = write(
        tmp_path / "bad.csv",
        """
meter_id,timestamp,volume_m3
C-1,2024-03-01 02:00,0.1
,2024-03-01 03:00,0.1
C-1,yesterday,0.1
C-1,2024-03-01 05:00,lots
C-1,2024-03-01 02:00,0.2
""",
    )
    with pytest.raises(TableError) as error:
        import_file(tmp_path / "store", source)
    assert problems_of(error) == [(3, "meter_id"), (4, "timestamp"), (5, "volume_m3")]
    assert "bad.csv: row 4, column timestamp: 'yesterday' is not a timestamp" in str(error.value)
    assert stored_files(tmp_path / "store") == []


def test_refusing_conflicts_it_names_a_meter_read_twice_in_a_file_with_two_values(tmp_path):
    source = write(
        tmp_path / "twice.csv", "meter_id,timestamp,volume_m3\nC-1,2024-03-01 02:00,0.1\nC-1,2024-03-01 02:00,0.2\n"
    )
    with pytest.raises(TableError, match=r"row 3, column timestamp: meter C-1 has another reading .* in row 2, of 0.1"):
        read_readings_file(source, conflicts="refuse")
    with pytest.raises(TableError, match=r"row 3, column timestamp: meter C-1 has another reading"):
        import_file(tmp_path / "store", source, conflicts="refuse")
    assert stored_files(tmp_path / "store") == []


def test_a_clock_put_right_keeps_the_larger_volume_and_names_the_row_left_out(tmp_path):
    # The meter's clock ran an hour late from 02:00 and was put right at 05:00: the volumes of 02:00–04:00
    # came stamped 03:00–05:00, so 02:00 is missing and 05:00 is stamped twice: 0.3 m³ (the hour 04:00)
    # in row 4, then 0.5 m³ (the hour 05:00) in row 5. The larger stays; row 4 is left out and named.
    source = write(
        tmp_path / "clock.csv",
        """
meter_id,timestamp,volume_m3
C-1,2024-03-01 03:00,0.1
C-1,2024-03-01 04:00,0.2
C-1,2024-03-01 05:00,0.3
C-1,2024-03-01 05:00,0.5
C-1,2024-03-01 05:00,0.5
C-1,2024-03-01 06:00,0.4
""",
    )
    record = import_file(tmp_path / "store", source).record
    assert (record.row_count, record.repeated_rows, record.conflicting_rows) == (4, 1, 1)
    assert record.conflicts == [[4, "C-1", "2024-03-01T05:00:00", 0.3, 0.5, 5]]
    assert [row[3] for row in stored_rows(tmp_path / "store")] == [0.1, 0.2, 0.5, 0.4]
    assert batch_records(tmp_path / "store")[0].conflicts == record.conflicts


def test_of_two_indexes_at_one_time_the_larger_is_kept_and_the_volume_is_whole(tmp_path):
    # Indexes 100.0, 100.4 (03:00), 100.3 (03:00 again, the clock put right), 101.0: keeping 100.4 the
    # intervals are 0.4 and 0.6 m³, and the meter's 1.0 m³ over the file is all there.
    source = write(
        tmp_path / "index.csv",
        """
meter_id,timestamp,index_m3
C-1,2024-03-01 02:00,100.0
C-1,2024-03-01 03:00,100.4
C-1,2024-03-01 03:00,100.3
C-1,2024-03-01 04:00,101.0
""",
    )
    record = import_file(tmp_path / "store", source).record
    assert record.conflicts == [[4, "C-1", "2024-03-01T03:00:00", 100.3, 100.4, 3]]
    assert [round(row[3], 6) for row in stored_rows(tmp_path / "store")] == [0.4, 0.6]


def test_a_row_repeated_whole_is_stored_once_and_counted(tmp_path):
    # Meter-reading systems export a reading twice now and then; the second copy adds nothing.
    source = write(
        tmp_path / "repeated.csv",
        """
meter_id,timestamp,volume_m3
C-1,2024-03-01 02:00,0.1
C-1,2024-03-01 03:00,0.2
C-1,2024-03-01 02:00,0.1
""",
    )
    record = import_file(tmp_path / "store", source).record
    assert (record.row_count, record.repeated_rows) == (2, 1)
    assert stored_rows(tmp_path / "store") == [
        ("C-1", datetime.datetime(2024, 3, 1, 2), 3600, 0.1),
        ("C-1", datetime.datetime(2024, 3, 1, 3), 3600, 0.2),
    ]


def test_it_names_missing_columns(tmp_path):
    source = write(tmp_path / "columns.csv", "meter,time,volume_m3\nC-1,2024-03-01 02:00,0.1\n")
    with pytest.raises(TableError) as error:
        read_readings_file(source)
    assert problems_of(error) == [(None, "meter_id"), (None, "timestamp")]


def test_it_refuses_a_truncated_parquet_file(tmp_path):
    source = tmp_path / "truncated.parquet"
    frame = pd.DataFrame({"meter_id": ["C-1"] * 100, "timestamp": pd.date_range("2024-03-01", periods=100, freq="h")})
    frame["volume_m3"] = 0.1
    pq.write_table(pa.Table.from_pandas(frame), source)
    source.write_bytes(source.read_bytes()[:-200])
    with pytest.raises(TableError, match=r"truncated\.parquet: the file cannot be read"):
        import_file(tmp_path / "store", source)


def test_it_turns_indexes_into_intervals_across_a_rollover_and_a_replacement(tmp_path):
    # Hand-worked: 999,998 → 3 rolls a 10⁶ m³ register over: 3 + 1,000,000 − 999,998 = 5 m³ in one hour;
    # the meter is then replaced, the new one reading 0.4 m³ an hour later counts from zero: 0.4 m³.
    source = write(
        tmp_path / "indexes.csv",
        """
meter_id,timestamp,index_m3,remark
C-9,2024-03-01 00:00,999990,
C-9,2024-03-01 01:00,999998,
C-9,2024-03-01 02:00,3,
C-9,2024-03-01 03:00,0.4,replaced
""",
    )
    import_file(tmp_path / "store", source)
    assert stored_rows(tmp_path / "store") == [
        ("C-9", datetime.datetime(2024, 3, 1, 0), 3600, 8.0),
        ("C-9", datetime.datetime(2024, 3, 1, 1), 3600, 5.0),
        ("C-9", datetime.datetime(2024, 3, 1, 2), 3600, 0.4),
    ]


def test_it_refuses_an_index_that_goes_back_without_explanation(tmp_path):
    source = write(
        tmp_path / "backwards.csv",
        "meter_id,timestamp,index_m3\nC-9,2024-03-01 00:00,500\nC-9,2024-03-01 01:00,480\n",
    )
    with pytest.raises(TableError, match="row 3, column index_m3: the index went back from 500 to 480"):
        import_file(tmp_path / "store", source)


def test_an_index_going_back_a_little_is_water_flowing_back(tmp_path):
    # Backflow turns a register backwards: 100.00, 99.96, 99.93, then 100.10 m³ hourly are −0.04, −0.03 and
    # +0.17 m³. A DN15 meter passes at most Q3 = 2.5 m³/h (GB/T 778.1-2018), so 20 m³ back in an hour above is
    # refused, and so is 70 m³ back in two days (at most a day's 60 m³ counts as backflow).
    source = write(
        tmp_path / "backflow.csv",
        """
meter_id,timestamp,index_m3
C-9,2024-03-01 00:00,100.00
C-9,2024-03-01 01:00,99.96
C-9,2024-03-01 02:00,99.93
C-9,2024-03-01 03:00,100.10
""",
    )
    import_file(tmp_path / "store", source)
    assert [round(row[3], 3) for row in stored_rows(tmp_path / "store")] == [-0.04, -0.03, 0.17]
    daily = write(
        tmp_path / "daily.csv", "meter_id,timestamp,index_m3\nC-8,2024-03-01 00:00,500\nC-8,2024-03-03 00:00,430\n"
    )
    with pytest.raises(TableError, match="row 3, column index_m3: the index went back from 500 to 430"):
        import_file(tmp_path / "store", daily)


def test_an_index_of_zero_between_readings_that_count_on_is_a_failed_read(tmp_path):
    # C-9 reads 100, 0 at 01:00, 100.5, then 0 and 0 at 04:00 and 05:00, then 101.7: the register did not go to
    # 0 and back, so the zeros are reads that failed. The intervals run 00:00–02:00 (0.5 m³), 02:00–03:00 (no
    # use) and 03:00–06:00 (1.2 m³). C-8's new meter reads 0 from its first reading:
    # no reading before, so its zeros are its own.
    source = write(
        tmp_path / "failed.csv",
        """
meter_id,timestamp,index_m3
C-9,2024-03-01 00:00,100
C-9,2024-03-01 01:00,0
C-9,2024-03-01 02:00,100.5
C-9,2024-03-01 03:00,100.5
C-9,2024-03-01 04:00,0
C-9,2024-03-01 05:00,0
C-9,2024-03-01 06:00,101.7
C-8,2024-03-01 00:00,0
C-8,2024-03-01 01:00,0
C-8,2024-03-01 02:00,0.2
""",
    )
    record = import_file(tmp_path / "store", source).record
    assert stored_rows(tmp_path / "store") == [
        ("C-8", datetime.datetime(2024, 3, 1, 0), 3600, 0.0),
        ("C-8", datetime.datetime(2024, 3, 1, 1), 3600, 0.2),
        ("C-9", datetime.datetime(2024, 3, 1, 0), 7200, 0.5),
        ("C-9", datetime.datetime(2024, 3, 1, 2), 3600, 0.0),
        ("C-9", datetime.datetime(2024, 3, 1, 3), 10800, 1.2),
    ]
    assert (record.unread_rows, record.unread) == (
        3,
        [[3, "C-9", "2024-03-01T01:00:00"], [6, "C-9", "2024-03-01T04:00:00"], [7, "C-9", "2024-03-01T05:00:00"]],
    )


def test_a_zero_the_register_does_not_count_on_from_is_refused_as_before(tmp_path):
    # 500 then 0 then 0.3: the register counts on from 0, a replaced meter; without the remark it is refused.
    # A 0 that is the meter's last reading has nothing after it to show that the register counted on.
    for name, text in (
        ("replaced.csv", "meter_id,timestamp,index_m3\nC-9,2024-03-01 00:00,500\nC-9,2024-03-01 01:00,0\n"
         "C-9,2024-03-01 02:00,0.3\n"),
        ("last.csv", "meter_id,timestamp,index_m3\nC-9,2024-03-01 00:00,500\nC-9,2024-03-01 01:00,0\n"),
    ):  # fmt: skip
        with pytest.raises(TableError, match="row 3, column index_m3: the index went back from 500 to 0"):
            import_file(tmp_path / "store", write(tmp_path / name, text))


def test_it_refuses_a_negative_index(tmp_path):
    source = write(tmp_path / "negative.csv", "meter_id,timestamp,index_m3\nC-9,2024-03-01 00:00,-1\n")
    with pytest.raises(TableError, match="row 2, column index_m3: the index -1 m³ is negative"):
        import_file(tmp_path / "store", source)


def test_the_next_index_file_continues_from_the_last_stored_index(tmp_path):
    first = write(
        tmp_path / "a.csv", "meter_id,timestamp,index_m3\nC-9,2024-03-31 22:00,100\nC-9,2024-03-31 23:00,101\n"
    )
    second = write(tmp_path / "b.csv", "meter_id,timestamp,index_m3\nC-9,2024-04-01 00:00,101.5\n")
    import_file(tmp_path / "store", first)
    import_file(tmp_path / "store", second)
    assert stored_rows(tmp_path / "store")[-1] == ("C-9", datetime.datetime(2024, 3, 31, 23), 3600, 0.5)


def test_importing_the_same_file_again_changes_nothing(tmp_path):
    source = write(tmp_path / "hourly.csv", "meter_id,timestamp,volume_m3\nC-1,2024-03-01 02:00,0.1\n")
    import_file(tmp_path / "store", source)
    before = sorted(path.name for path in (tmp_path / "store").rglob("*"))
    again = import_file(tmp_path / "store", source)
    assert again.already_imported
    assert sorted(path.name for path in (tmp_path / "store").rglob("*")) == before
    assert len(batch_records(tmp_path / "store")) == 1


def test_a_different_file_overlapping_stored_readings_is_refused(tmp_path):
    import_file(
        tmp_path / "store", write(tmp_path / "a.csv", "meter_id,timestamp,volume_m3\nC-1,2024-03-01 02:00,0.1\n")
    )
    overlapping = write(tmp_path / "b.csv", "meter_id,timestamp,volume_m3\nC-1,2024-03-01 02:00,0.3\n")
    with pytest.raises(TableError, match="already has a stored reading"):
        import_file(tmp_path / "store", overlapping)
    assert len(stored_rows(tmp_path / "store")) == 1


def test_a_file_repeating_stored_readings_adds_only_its_new_ones(tmp_path):
    # A monthly export that repeats the last hours of the month before: those are already stored, same volumes.
    import_file(
        tmp_path / "store",
        write(
            tmp_path / "march.csv", "meter_id,timestamp,volume_m3\nC-1,2024-03-31 22:00,0.1\nC-1,2024-03-31 23:00,0.2\n"
        ),
    )
    april = write(
        tmp_path / "april.csv",
        "meter_id,timestamp,volume_m3\nC-1,2024-03-31 23:00,0.2\nC-1,2024-04-01 00:00,0.3\n",
    )
    record = import_file(tmp_path / "store", april).record
    assert (record.row_count, record.repeated_rows) == (1, 1)
    assert [volume for *_, volume in stored_rows(tmp_path / "store")] == [0.1, 0.2, 0.3]


def test_an_index_file_repeating_the_last_stored_reading_continues_from_it(tmp_path):
    # The stored file ends at 23:00 with 101 m³; the next repeats 22:00 and 23:00 and goes on:
    # its 22:00–23:00 interval (1 m³) is the stored one, and 23:00–00:00 is 102.5 − 101 = 1.5 m³.
    import_file(
        tmp_path / "store",
        write(tmp_path / "a.csv", "meter_id,timestamp,index_m3\nC-9,2024-03-31 22:00,100\nC-9,2024-03-31 23:00,101\n"),
    )
    b = write(
        tmp_path / "b.csv",
        "meter_id,timestamp,index_m3\nC-9,2024-03-31 22:00,100\nC-9,2024-03-31 23:00,101\nC-9,2024-04-01 00:00,102.5\n",
    )
    record = import_file(tmp_path / "store", b).record
    assert (record.row_count, record.repeated_rows) == (1, 1)
    assert stored_rows(tmp_path / "store") == [
        ("C-9", datetime.datetime(2024, 3, 31, 22), 3600, 1.0),
        ("C-9", datetime.datetime(2024, 3, 31, 23), 3600, 1.5),
    ]


def test_an_index_file_disagreeing_with_the_stored_readings_is_refused(tmp_path):
    import_file(
        tmp_path / "store",
        write(tmp_path / "a.csv", "meter_id,timestamp,index_m3\nC-9,2024-03-31 22:00,100\nC-9,2024-03-31 23:00,101\n"),
    )
    # begins before the stored 23:00 reading without repeating it
    without = write(
        tmp_path / "b.csv", "meter_id,timestamp,index_m3\nC-9,2024-03-31 22:30,100.5\nC-9,2024-04-01 00:00,102\n"
    )
    with pytest.raises(TableError, match="row 2, column timestamp: meter C-9 already has a stored index"):
        import_file(tmp_path / "store", without)
    # repeats 23:00 but gives 22:00–23:00 another volume (0.5 m³ against the stored 1 m³)
    other = write(
        tmp_path / "c.csv",
        "meter_id,timestamp,index_m3\nC-9,2024-03-31 22:00,100.5\nC-9,2024-03-31 23:00,101\nC-9,2024-04-01 00:00,102\n",
    )
    with pytest.raises(TableError, match=r"already has a stored reading at 2024-03-31 22:00:00 of 1 m³, against 0\.5"):
        import_file(tmp_path / "store", other)
    # repeats 23:00 but was read at 22:30 before it: that interval is not a stored one
    shifted = write(
        tmp_path / "d.csv",
        "meter_id,timestamp,index_m3\nC-9,2024-03-31 22:30,100.5\nC-9,2024-03-31 23:00,101\nC-9,2024-04-01 00:00,102\n",
    )
    with pytest.raises(TableError, match="the file's interval from 2024-03-31 22:30:00 is not one of them"):
        import_file(tmp_path / "store", shifted)
    assert len(stored_rows(tmp_path / "store")) == 1


def test_a_batch_spanning_two_months_is_recorded_with_its_span(tmp_path):
    source = write(
        tmp_path / "span.csv", "meter_id,timestamp,volume_m3\nC-1,2024-03-31 23:00,0.1\nC-1,2024-04-01 00:00,0.2\n"
    )
    record = import_file(tmp_path / "store", source).record
    assert (record.row_count, record.first_timestamp, record.last_timestamp) == (
        2,
        "2024-03-31T23:00:00",
        "2024-04-01T00:00:00",
    )
    assert [name.split("/")[0] for name in record.files] == ["month=2024-03", "month=2024-04"]
    assert len(stored_files(tmp_path / "store", ["2024-04"])) == 1


def test_an_import_killed_before_its_record_leaves_nothing_visible(tmp_path, monkeypatch):
    source = write(
        tmp_path / "span.csv", "meter_id,timestamp,volume_m3\nC-1,2024-03-31 23:00,0.1\nC-1,2024-04-01 00:00,0.2\n"
    )
    real_replace = os.replace

    def die_on_the_record(source_path, target_path):
        if str(target_path).endswith(".json"):
            raise KeyboardInterrupt  # the process is killed between the data files and the record
        real_replace(source_path, target_path)

    monkeypatch.setattr(readings_store.os, "replace", die_on_the_record)
    with pytest.raises(KeyboardInterrupt):
        import_file(tmp_path / "store", source)
    assert stored_files(tmp_path / "store") == []
    monkeypatch.setattr(readings_store.os, "replace", real_replace)
    assert not import_file(tmp_path / "store", source).already_imported
    assert len(stored_rows(tmp_path / "store")) == 2


def test_two_imports_at_once_of_overlapping_files_store_each_reading_once(tmp_path, monkeypatch):
    # A web upload and a pushed batch hold the same hour of C-1 (2 March 00:00, 0.3 m³). The first import,
    # having checked its file against the store, waits there until the second reaches the same check (or 5 s
    # pass): without the lock both would find the hour not stored and write it. With it the second checks
    # once the first has written, and leaves the hour out as a repeat.
    first = write(
        tmp_path / "upload.csv", "meter_id,timestamp,volume_m3\nC-1,2024-03-01 23:00,0.2\nC-1,2024-03-02 00:00,0.3\n"
    )
    second = write(
        tmp_path / "pushed.csv", "meter_id,timestamp,volume_m3\nC-1,2024-03-02 00:00,0.3\nC-1,2024-03-02 01:00,0.1\n"
    )
    checking = threading.Semaphore(0)
    second_checks = threading.Event()
    original = readings_store._without_stored

    def without_stored(store: Path, path: Path, stored: pd.DataFrame) -> pd.DataFrame:
        new = original(store, path, stored)
        if path.name == "upload.csv":
            checking.release()
            second_checks.wait(timeout=5)
        else:
            second_checks.set()
        return new

    monkeypatch.setattr(readings_store, "_without_stored", without_stored)
    outcomes: dict[str, readings_store.ImportOutcome] = {}
    upload = threading.Thread(target=lambda: outcomes.setdefault("upload", import_file(tmp_path / "store", first)))
    upload.start()
    checking.acquire(timeout=30)
    outcomes["pushed"] = import_file(tmp_path / "store", second)
    upload.join()
    assert stored_rows(tmp_path / "store") == [
        ("C-1", datetime.datetime(2024, 3, 1, 23), 3600, 0.2),
        ("C-1", datetime.datetime(2024, 3, 2, 0), 3600, 0.3),
        ("C-1", datetime.datetime(2024, 3, 2, 1), 3600, 0.1),
    ]
    assert outcomes["pushed"].record.repeated_rows == 1
