"""Local Spark sessions for the Spark store: settings, quiet logs, shared lifetime.

:func:`local_session` starts (or gets) a local session with the settings the
store relies on (UTC session time zone, Arrow transfers set explicitly —
their default differs between PySpark 4.0 and 4.3, STACK.md), no UI and only
errors in the log. Stores that start a session themselves share it through
:func:`acquire` / :func:`release`; it stops when the last of them closes.
"""

from __future__ import annotations

import tempfile
import threading
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from pyspark.sql import SparkSession

#: Settings of a session the store starts itself.
LOCAL_CONF: dict[str, str] = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "4",
    "spark.sql.session.timeZone": "UTC",
    # Its default differs between PySpark 4.0 and 4.3 (STACK.md): set it.
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    # In local mode the driver JVM runs the tasks too; Spark's 1g default leaves
    # no room for two tasks' batches next to a collected result, and a task's
    # OutOfMemoryError ends the whole JVM.
    "spark.driver.memory": "4g",
}
#: Settings of the store's own session (also on a session passed in).
SESSION_CONF: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}

_QUIET_LOG4J = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n
"""

# The session this module started and how many open stores use it.
_lock = threading.RLock()
_started: SparkSession | None = None
_users = 0


@contextmanager
def quiet() -> Iterator[None]:
    """Silence PySpark's warning that it does not fully support pandas 3."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*PySpark does not yet fully support")
        yield


def local_session(
    master: str = "local[2]",
    *,
    app_name: str = "xinping",
    local_ip: str = "127.0.0.1",
    conf: Mapping[str, str] | None = None,
) -> SparkSession:
    """Start (or get) a local Spark session with quiet logs and the store's settings.

    Parameters
    ----------
    master
        Spark master, ``local[2]`` by default (two cores).
    local_ip
        Address the driver binds to and advertises. Set the environment
        variable ``SPARK_LOCAL_IP`` to the same value at the entry point to
        silence Spark's loopback warning (this layer reads no environment).
    conf
        Further settings; they win over :data:`LOCAL_CONF`. Java options given
        in ``spark.driver.extraJavaOptions`` are kept next to the quiet log
        configuration.
    """
    log4j = Path(tempfile.gettempdir()) / "xinping-spark-log4j2.properties"
    if not log4j.exists() or log4j.read_text() != _QUIET_LOG4J:
        log4j.write_text(_QUIET_LOG4J)
    settings = {
        **LOCAL_CONF,
        "spark.driver.host": local_ip,
        "spark.driver.bindAddress": local_ip,
        **(conf or {}),
    }
    java = settings.get("spark.driver.extraJavaOptions", "")
    settings["spark.driver.extraJavaOptions"] = (
        f"-Dlog4j2.configurationFile=file:{log4j} {java}".strip()
    )
    builder = SparkSession.builder.master(master).appName(app_name)
    for key, value in settings.items():
        builder = builder.config(key, value)
    with quiet():
        spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def submitted_session(app_name: str = "xinping") -> SparkSession:
    """The session of a job started by ``spark-submit`` (master and settings from it).

    Unlike :func:`local_session` it sets no master, address or log settings:
    the cluster's (``--master yarn``, ``k8s://…``, ``--conf``) apply. Only the
    store's SQL settings (:data:`SESSION_CONF`) are set, on the store's own
    session.
    """
    with quiet():
        return SparkSession.builder.appName(app_name).getOrCreate()


def acquire(spark: SparkSession | None, master: str) -> tuple[SparkSession, bool]:
    """The base session for a new store and whether this module started it."""
    global _started, _users
    with _lock:
        if spark is not None:
            return spark, False
        active = SparkSession.getActiveSession()
        if active is not None and active is not _started:
            return active, False
        if _started is None:
            _started = local_session(master)
        _users += 1
        return _started, True


def release() -> None:
    """A store that :func:`acquire` gave the module's session is done with it."""
    global _started, _users
    with _lock:
        _users -= 1
        if _users <= 0 and _started is not None:
            _started.stop()
            _started, _users = None, 0
