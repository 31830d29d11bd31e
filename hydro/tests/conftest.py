"""Fixtures of hydro's tests: one local Spark session for the whole test run (starting one takes seconds)."""

import pytest

from hydro.readings.engine import spark_session as local_spark_session


@pytest.fixture(scope="session")
def spark_session():
    session = local_spark_session(cores=1)
    yield session
    session.stop()
