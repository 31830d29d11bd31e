"""Where the analyses of readings run: DuckDB on one machine by default, Apache Spark when a setting says so.

The analyses (`hydro.readings.analysis`, `hydro.readings.night_flow`) are
Ibis expressions, so one text runs on either engine. The engine is chosen by the ``HYDRO_ENGINE``
environment variable (``duckdb`` or ``pyspark``) or by the caller.

DuckDB takes 80 % of the machine's memory unless told otherwise; the
``HYDRO_DUCKDB_MEMORY_LIMIT`` setting (e.g. ``4GB``) caps it, and DuckDB then
spills sorts and joins to temporary files instead of growing. The store's
import check uses the same setting.

Spark on one machine binds to the loopback address only (``SPARK_LOCAL_IP``,
``spark.driver.host`` and ``bindAddress`` 127.0.0.1, user interface off):
left alone it picks the machine's outward address. Its session time zone is
UTC so that the stored wall-clock timestamps (naive, in the county's zone)
are neither shifted nor given a zone, exactly as DuckDB treats them.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
from ibis.backends import BaseBackend

from hydro.readings.store import stored_files

ENGINE_SETTING = "HYDRO_ENGINE"
ENGINES = ("duckdb", "pyspark")
DEFAULT_ENGINE = "duckdb"
DUCKDB_MEMORY_SETTING = "HYDRO_DUCKDB_MEMORY_LIMIT"


def duckdb_config() -> dict[str, Any]:
    """DuckDB configuration from the settings: ``memory_limit`` when ``HYDRO_DUCKDB_MEMORY_LIMIT`` is set."""
    limit = os.environ.get(DUCKDB_MEMORY_SETTING, "").strip()
    return {"memory_limit": limit} if limit else {}


def engine_name(engine: str | None = None) -> str:
    """The engine asked for, else the ``HYDRO_ENGINE`` setting, else DuckDB; an unknown name is an error."""
    name = (engine or os.environ.get(ENGINE_SETTING) or DEFAULT_ENGINE).lower()
    if name not in ENGINES:
        raise ValueError(f"{ENGINE_SETTING}={name!r} is not an engine; choose one of {', '.join(ENGINES)}.")
    return name


def spark_session(cores: int = 1) -> Any:
    """A local Spark session bound to the loopback address, without user interface, in UTC.

    Python tasks (the network sweeps) run in this interpreter, whose packages they need.
    """
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("hydro")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.warehouse.dir", os.path.join(tempfile.gettempdir(), "hydro-spark-warehouse"))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", str(cores))
        .config("spark.default.parallelism", str(cores))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def connect(engine: str | None = None, session: Any = None) -> BaseBackend:
    """An Ibis connection to the chosen engine (an in-memory DuckDB, or Spark over `session` or a local one)."""
    if engine_name(engine) == "pyspark":
        return ibis.pyspark.connect(session if session is not None else spark_session())
    return ibis.duckdb.connect(**duckdb_config())


def readings_table(connection: BaseBackend, store: Path | str, months: Iterable[str] | None = None) -> ibis.Table:
    """The stored readings (of the given ``YYYY-MM`` months) as an Ibis table.

    Raises
    ------
    ValueError
        When the store holds no readings for those months.
    """
    files = stored_files(store, months)
    if not files:
        wanted = f" for {', '.join(sorted(months))}" if months is not None else ""
        raise ValueError(f"{store}: the store holds no readings{wanted}.")
    if connection.name == "pyspark":
        name = f"readings_{abs(hash(tuple(files))):x}"
        session = connection._session
        session.read.parquet(*[str(path) for path in files]).createOrReplaceTempView(name)
        return connection.table(name)
    return connection.read_parquet([str(path) for path in files])


def memory_table(connection: BaseBackend, frame: pd.DataFrame, name: str) -> ibis.Table:
    """A small table (zones, parameters) held by the engine for this session, replacing any of the same name.

    On Spark it is a temporary view, so nothing is written to a warehouse directory.
    """
    if connection.name == "pyspark":
        session = connection._session
        session.createDataFrame(frame).createOrReplaceTempView(name)
        return connection.table(name)
    return connection.create_table(name, frame, overwrite=True, temp=True)


def execute(connection: BaseBackend, expression: ibis.Table) -> pd.DataFrame:
    """Run an expression and return its rows, date columns as `datetime.date` whatever the engine."""
    frame = connection.execute(expression)
    for name, dtype in expression.schema().items():
        if dtype.is_date():
            frame[name] = pd.to_datetime(frame[name]).dt.date
    return frame
