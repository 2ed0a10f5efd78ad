"""The ``spark-submit`` entry point: score schemes from a lake with their champions.

On a cluster (docs/spark-runbook.md)::

    spark-submit --master yarn --deploy-mode cluster \\
        --archives xinping-env.tar.gz#env --py-files xinping-0.1.0.zip \\
        app/spark_job.py --lake hdfs:///xinping/lake --tracking-uri http://mlflow:5000 \\
        --scheme all --as-of 2026-10-31

(``xinping-0.1.0.zip`` is the wheel under a name PySpark puts on the workers' path.)
The session is the one ``spark-submit`` configures (master, memory, ``--conf``);
``--master`` here only serves a run with plain ``python`` (local mode). For
each scheme the champion is loaded once on the driver from the registry
(``--tracking-uri``, or ``--mlflow-home`` for a local folder), broadcast, and
:func:`scoring.spark_batch.score_scheme_spark` builds the indicators on Spark,
rates every partition and writes ``ratings`` as Parquet partitioned by scheme
and as_of (default ``<lake>/ratings``). Executors never contact MLflow.

Publication windows, severity weights and policies come from the shipped
settings (``app/settings.toml``), overlaid with ``$XINPING_SETTINGS`` if set.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections.abc import Sequence

MODELLED = ("enterprise", "sme", "household", "driver")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line arguments of the job."""
    parser = argparse.ArgumentParser(
        prog="spark_job.py",
        description="Score schemes on Spark from a Parquet lake with their champion models.")
    parser.add_argument("--lake", required=True,
                        help="Lake folder or URI (xinping export-lake; hdfs://, s3a://…).")
    registry = parser.add_mutually_exclusive_group(required=True)
    registry.add_argument("--tracking-uri",
                          help="MLflow tracking server or database holding the registry.")
    registry.add_argument("--mlflow-home", help="Local MLflow home (mlflow.db, artifacts/).")
    parser.add_argument("--scheme", action="append", required=True,
                        help="Scheme to score (repeatable) or all.")
    parser.add_argument("--as-of", required=True, type=dt.date.fromisoformat,
                        help="As-of date YYYY-MM-DD.")
    parser.add_argument("--out", help="Ratings dataset (default: <lake>/ratings).")
    parser.add_argument("--master", help="Only without spark-submit: a local master, "
                        "e.g. local[2].")
    args = parser.parse_args(argv)
    schemes = MODELLED if "all" in args.scheme else tuple(dict.fromkeys(args.scheme))
    unknown = [s for s in schemes if s not in MODELLED]
    if unknown:
        parser.error(f"unknown schemes {unknown}; use {', '.join(MODELLED)} or all")
    args.scheme = schemes
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the job; return the process exit code."""
    args = parse_args(argv)
    import scoring
    from app.settings import settings
    from features.store.spark_session import local_session, submitted_session
    from features.store.spark_store import SparkStore
    from scoring.loader import load_model
    from scoring.spark_batch import score_scheme_spark

    print(f"xinping from {os.path.dirname(scoring.__file__)}", flush=True)
    if args.master:  # plain python: a local session
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        spark = local_session(args.master, app_name="xinping-score")
    else:
        spark = submitted_session("xinping-score")
    registry = args.tracking_uri or args.mlflow_home
    cfg, policies = settings().build_config(), settings().rating_policies()
    started = time.perf_counter()
    try:
        with SparkStore(args.lake, spark=spark) as store:
            for scheme in args.scheme:
                model = load_model(scheme, registry)
                run = score_scheme_spark(store, model, args.as_of, cfg=cfg, policies=policies,
                                         out=args.out)
                print(run.summary(), flush=True)
            target = args.out or store.table_path("ratings")
        print(f"ratings → {target} ({time.perf_counter() - started:.1f} s)", flush=True)
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
