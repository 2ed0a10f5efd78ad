"""Fixtures shared across packages: a tiny city and champion models in a temporary registry.

Two schemes, one per model family, so reasons are tested in both units: the
enterprise scheme with LightGBM (log-odds) and the driver scheme with the
scorecard (points). Both are trained with the shipped specs (fewer trees) and
promoted with ``--force`` (the tiny city is too small for the gates).

One local Spark session serves every test marked ``spark`` (``spark``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from built_once import built_once
from city_stores import generate_file, generated, rate_city, train_champions

from features.store.duckdb_store import DuckDBStore

#: how ``make test`` spreads the tests over two workers (tests/worker_groups.py)
pytest_plugins = ("worker_groups",)

FAMILY = {"enterprise": "gbm", "driver": "scorecard"}


@pytest.fixture(scope="session")
def scoring_city_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny city file the scoring tests copy before writing to it."""
    return built_once(tmp_path_factory, "tiny-city", lambda root: generate_file(root, "tiny", 5))


@pytest.fixture(scope="session")
def small_city_7(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The small city of seed 7 (the one ``make demo`` generates), generated once per run:
    its DuckDB file (read-only: copy it before writing) and what the generator returned."""

    def generate(root: Path) -> dict:
        path, result = generated(root, "small", 7)
        return {"path": path, "result": result}

    return built_once(tmp_path_factory, "small-city-7", generate)


@pytest.fixture(scope="session")
def mlflow_home(tmp_path_factory: pytest.TempPathFactory, scoring_city_file: Path):
    """An MLflow home with a champion for each scheme of ``FAMILY``."""
    import mlflow

    def train(home: Path) -> Path:
        with pytest.MonkeyPatch.context() as mp:
            mp.delenv("MLFLOW_TRACKING_URI", raising=False)
            mp.delenv("MLFLOW_REGISTRY_URI", raising=False)
            with DuckDBStore(scoring_city_file, read_only=True) as store:
                train_champions(store, home, FAMILY, 60, "tiny test city")
        return home

    yield built_once(tmp_path_factory, "mlruns", train)
    mlflow.set_tracking_uri(None)  # type: ignore[arg-type]
    mlflow.set_registry_uri(None)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def small_rated_city(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The small city (the size ``make demo`` serves) with a champion of every modelled
    scheme and two month ends of ratings: trained once per run, for the browser journeys
    and the sweep of every reason (read-only: copy it before writing)."""
    return built_once(tmp_path_factory, "small-rated-city", lambda root: rate_city(root, "small"))


@pytest.fixture(scope="session")
def champions(mlflow_home: Path) -> dict:
    from scoring.loader import load_model

    return {scheme: load_model(scheme, mlflow_home) for scheme in FAMILY}


#: Where the test JVM writes its log and any crash report (read when it dies).
_JVM_LOG4J = """\
rootLogger.level = error
rootLogger.appenderRef.file.ref = file
appender.file.type = File
appender.file.name = file
appender.file.fileName = {log}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = %d{{HH:mm:ss}} %p %c{{1}}: %m%n
"""
_jvm: dict[str, object] = {}


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory):
    """One local Spark session (two cores) for the whole run."""
    pytest.importorskip("pyspark")
    from features.store.spark_session import local_session

    # The entry point sets the environment (features/ reads none): bind to loopback.
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # Python workers (mapInArrow) run this interpreter and its packages, not the
    # ``python3`` on the PATH; PySpark reads the variable when the context starts.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    # The JVM outlives the test that starts it, whose captured stderr it would
    # write to: its log and crash report go to files :func:`_spark_jvm_alive` reads.
    logs = tmp_path_factory.mktemp("spark-jvm")
    log4j = logs / "log4j2.properties"
    log4j.write_text(_JVM_LOG4J.format(log=logs / "jvm.log"), encoding="utf-8")
    _jvm["logs"] = logs
    # Settings for a short run on tiny tables; results do not depend on them. The
    # JVM's optimising JIT compiler and parallel GC cost more CPU than they save
    # here (the parity queries took 165 JVM CPU-seconds with them, 85 without);
    # adaptive re-planning and parallel shuffles cost another fifth. On these tiny
    # tables compiling each query's generated Java costs more than it saves: evaluated
    # without it, three schemes' indicators built twice took 19.5 s against 22.4-24.8 s
    # (2026-12-07). Spark's interpreted and generated evaluation give the same rows;
    # the spark-submit test (app/test_spark_job.py) runs a job with Spark's defaults.
    session = local_session(
        "local[2]",
        app_name="xinping-tests",
        conf={
            "spark.sql.adaptive.enabled": "false",
            "spark.sql.shuffle.partitions": "1",
            "spark.sql.codegen.wholeStage": "false",
            "spark.sql.codegen.factoryMode": "NO_CODEGEN",
            "spark.driver.memory": "2g",
            # The last -D wins: the file log above replaces the quiet console one.
            "spark.driver.extraJavaOptions": (
                "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC "
                f"-XX:ErrorFile={logs}/hs_err_%p.log -Dlog4j2.configurationFile=file:{log4j}"
            ),
        },
    )
    _jvm["proc"] = session.sparkContext._gateway.proc  # type: ignore[attr-defined]
    yield session
    session.stop()


@pytest.fixture(autouse=True)
def _spark_jvm_alive(request: pytest.FixtureRequest):
    """Fail the test during which the shared Spark JVM died, saying how it died.

    Without this every later Spark test fails with py4j's "Connection refused"
    and nothing says why (a CI run lost the JVM this way once).
    """
    yield
    proc = _jvm.get("proc")
    if proc is None or "spark" not in request.fixturenames or _jvm.get("reported"):
        return
    code = proc.poll()  # type: ignore[attr-defined]
    if code is None:
        return
    _jvm["reported"] = True
    logs = Path(_jvm["logs"])  # type: ignore[arg-type]
    log = logs / "jvm.log"
    tail = log.read_text(errors="replace").splitlines()[-40:] if log.exists() else []
    crashes = [p.read_text(errors="replace")[:4000] for p in logs.glob("hs_err_*.log")]
    last = next((line for line in reversed(tail) if line.strip()), "no log line")
    pytest.fail(
        f"the Spark JVM exited with code {code} during this test "
        "(52: OutOfMemoryError in a task, -9: killed, e.g. by the kernel's OOM "
        f"killer, 0: its stdin closed); last log line: "
        f"{last}\n" + "\n".join(tail) + "\n".join(crashes),
        pytrace=False,
    )
