"""The whole readings analysis gives the same rows on DuckDB and on Spark (local mode)."""

import pandas as pd
import pytest

from hydro.readings.analysis import AnalysisResults, AnomalySettings, analyse
from hydro.readings.engine import connect, readings_table
from hydro.readings.periods import Period, read_zones
from hydro.readings.store import import_file
from hydro.tests import readings_cases

TWO_DAYS = Period.parse("2024-03-01..2024-03-02")


def run_on(engine: str, store, zones: pd.DataFrame, session=None) -> AnalysisResults:
    connection = connect(engine, session)
    readings = readings_table(connection, store, TWO_DAYS.months())
    return analyse(
        connection,
        readings,
        zones,
        TWO_DAYS,
        anomaly_settings=AnomalySettings(stuck_hours=12.0, continuous_flow_hours=48.0, gap_hours=3.0),
    )


def assert_same_rows(duckdb_rows: pd.DataFrame, spark_rows: pd.DataFrame) -> None:
    assert list(duckdb_rows.columns) == list(spark_rows.columns)
    assert len(duckdb_rows) == len(spark_rows)
    for duckdb_row, spark_row in zip(
        duckdb_rows.itertuples(index=False), spark_rows.itertuples(index=False), strict=True
    ):
        for duckdb_value, spark_value in zip(duckdb_row, spark_row, strict=True):
            if isinstance(duckdb_value, float):
                assert spark_value == pytest.approx(duckdb_value, rel=1e-9, abs=1e-9, nan_ok=True)
            else:
                assert spark_value == duckdb_value


@pytest.mark.slow
def test_duckdb_and_spark_give_the_same_analysis_row_for_row(tmp_path, spark_session):
    (tmp_path / "readings.csv").write_text(readings_cases.readings_csv())
    # and a customer meter read at midnight, too seldom for its leaks to be looked for
    (tmp_path / "daily.csv").write_text(
        "meter_id,timestamp,index_m3\nC-DAILY,2024-03-01 00:00,10.0\nC-DAILY,2024-03-02 00:00,10.4\n"
        "C-DAILY,2024-03-03 00:00,10.9\n"
    )
    (tmp_path / "zones.csv").write_text(readings_cases.ZONES_CSV + "C-DAILY,HX,customer\n")
    for name in ("readings.csv", "daily.csv"):
        import_file(tmp_path / "store", tmp_path / name)
    zones = read_zones(tmp_path / "zones.csv")
    on_duckdb = run_on("duckdb", tmp_path / "store", zones)
    on_spark = run_on("pyspark", tmp_path / "store", zones, spark_session)
    # Not an empty comparison: two DMAs, four DMA-nights, five anomalies
    # (see test_readings_night_flow and test_readings_analysis), one meter not checked for leaks.
    assert (len(on_duckdb.balance), len(on_duckdb.nights), len(on_duckdb.anomalies)) == (2, 4, 5)
    assert list(on_duckdb.leak_unchecked.itertuples(index=False, name=None)) == [("C-DAILY", 86_400)]
    for name in ("balance", "nights", "alarms", "anomalies", "leak_unchecked"):
        assert_same_rows(getattr(on_duckdb, name), getattr(on_spark, name))
