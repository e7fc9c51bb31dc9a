"""The two execution backends behind one small interface: DuckDB (default) and PySpark.

Everything else is Ibis; only these few operations differ between engines: connecting,
handing over an Arrow table, materialising an intermediate result once, and fetching a result.
Spark runs in local mode with two cores unless a master is already configured (spark-submit,
`SPARK_MASTER`-driven `spark-defaults.conf`, or an active session): see docs/strategy.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from fairdebt.errors import FairdebtError

BACKENDS = ("duckdb", "pyspark")


class BackendError(FairdebtError):
    """The execution engine cannot start (e.g. no Java for Spark)."""


@dataclass(slots=True)
class Backend:
    """An Ibis connection and the temporary names it created (dropped by `close`)."""

    kind: str
    con: Any
    session: Any = None  # the SparkSession, for pyspark
    temps: list[str] = field(default_factory=list)

    def register(self, name: str, table: pa.Table) -> ir.Table:
        """An Arrow table as a backend table (DuckDB scans it in place; Spark copies it)."""
        name = ibis.util.gen_name(name)
        if self.kind == "duckdb":
            self.con.con.register(name, table)
        else:
            self.session.createDataFrame(table).createOrReplaceTempView(name)
        self.temps.append(name)
        return self.con.table(name)

    def materialise(self, name: str, expr: ir.Table) -> ir.Table:
        """Compute `expr` once and keep the result, so later queries read it instead."""
        name = ibis.util.gen_name(name)
        if self.kind == "duckdb":
            # Plain CREATE TABLE AS: ibis' create_table inserts into an empty table, slower.
            self.con.con.execute(f'CREATE TEMP TABLE "{name}" AS {self.con.compile(expr)}')
            table = self.con.table(name)
        else:
            frame = self.session.sql(self.con.compile(expr)).cache()
            frame.count()  # compute now, so timings land on this stage
            frame.createOrReplaceTempView(name)
            table = self.con.table(name)
        self.temps.append(name)
        return table

    def fetch(self, expr: ir.Table) -> pa.Table:
        if self.kind == "duckdb":  # straight to Arrow, skipping ibis' per-column re-typing
            return self.con.con.sql(self.con.compile(expr)).to_arrow_table()
        return self.con.to_pyarrow(expr)

    def close(self) -> None:
        if self.kind == "duckdb":
            self.con.disconnect()
            return
        for name in self.temps:
            self.session.catalog.dropTempView(name)
        self.temps.clear()


# Row order carries no meaning in a plan (the store and every comparison sort by account), so
# DuckDB need not keep it: materialised stages and the result are then written in parallel.
DUCKDB_DEFAULTS: dict[str, Any] = {"preserve_insertion_order": False}


def connect(kind: str = "duckdb", *, threads: int | None = None) -> Backend:
    if kind == "duckdb":
        config: dict[str, Any] = dict(DUCKDB_DEFAULTS)
        if threads:
            config["threads"] = threads
        con = ibis.duckdb.connect(**config)
        # A session option: DuckDB would otherwise draw its own bar over Rich's on long queries.
        con.raw_sql("SET enable_progress_bar = false")
        return Backend("duckdb", con)
    if kind == "pyspark":
        session = spark_session(threads)
        return Backend("pyspark", ibis.pyspark.connect(session), session)
    raise BackendError(f"unknown backend {kind!r}", hint="use duckdb or pyspark")


def spark_session(threads: int | None = None) -> Any:
    """The active SparkSession, or a quiet local one (local[threads or 2], UTC, small shuffles)."""
    import shutil

    try:
        from pyspark import SparkConf, SparkContext
        from pyspark.sql import SparkSession
    except ImportError:
        raise BackendError(
            "PySpark is not installed", hint="install the 'spark' extra: uv sync --extra spark"
        ) from None
    if shutil.which("java") is None:
        raise BackendError("Spark needs Java, and `java` is not on PATH", hint="install JDK 17")
    builder = SparkSession.builder.appName("fairdebt-strategy")
    if _configured_master(SparkConf, SparkContext) is None:
        builder = builder.master(f"local[{threads or 2}]")
    for key, value in SPARK_DEFAULTS.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # py4j/JVM start-up failures have no common base class
        raise BackendError(
            f"Spark did not start: {str(exc).strip().splitlines()[0]}",
            hint="check `java -version` (17) and JAVA_HOME",
        ) from None
    session.sparkContext.setLogLevel("ERROR")
    return session


def _configured_master(conf: Any, context: Any) -> str | None:
    """The master set by spark-submit, PYSPARK_SUBMIT_ARGS or spark-defaults.conf, if any.

    Those reach Spark only once its JVM runs, so it is started first (a bare SparkConf() before
    that is empty, and our local default would silently override a cluster). `local[*]` is
    spark-submit's own fallback when nothing is set, so it counts as not configured.
    """
    context._ensure_initialized()  # no public way to load the launch configuration early
    master = conf().get("spark.master", None)
    return None if master in (None, "local[*]") else str(master)


SPARK_DEFAULTS = {
    "spark.sql.session.timeZone": "UTC",  # dates are days; no local-time shifts
    "spark.sql.shuffle.partitions": "8",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.driver.memory": "2g",
}
