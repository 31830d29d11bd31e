"""Fixtures of hydro's tests: one local Spark session for the whole test run (starting one takes seconds), and
Hongxing's two hand-worked days (`hydro.tests.readings_cases`) on DuckDB."""

import ibis
import pytest

from hydro.readings.engine import spark_session as local_spark_session
from hydro.readings.periods import read_zones
from hydro.tests import readings_cases


@pytest.fixture(scope="session")
def spark_session():
    session = local_spark_session(cores=1)
    yield session
    session.stop()


@pytest.fixture
def tables(tmp_path):
    """Hongxing's readings and zones (read from their CSV file) on an in-memory DuckDB: connection, readings, zones."""
    connection = ibis.duckdb.connect()
    readings = connection.create_table("readings", readings_cases.readings_frame())
    (tmp_path / "zones.csv").write_text(readings_cases.ZONES_CSV)
    zones = connection.create_table("zones", read_zones(tmp_path / "zones.csv"))
    return connection, readings, zones
