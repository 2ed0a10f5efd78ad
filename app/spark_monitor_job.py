"""The ``spark-submit`` entry point of monitoring: rating batches in a lake against the
training populations of their model versions (the sibling of :mod:`app.spark_job`).

On a cluster (docs/spark-runbook.md, section 9)::

    spark-submit --master yarn --deploy-mode cluster \\
        --archives xinping-env.tar.gz#env --py-files xinping-0.1.0.zip \\
        app/spark_monitor_job.py --lake hdfs:///xinping/lake \\
        --tracking-uri http://mlflow:5000 --scheme all --as-of 2026-10-31

For each scheme, :func:`training.monitor.monitor` (the use case behind ``xinping
monitor``) has Spark aggregate every batch of the lake's ``ratings`` (or
``--ratings``) into counts per bin and grade, builds the reports on the driver, logs
their MLflow runs (the driver reads the training references from the registry and
writes the monitoring runs: it needs the tracking server, the executors do not) and
writes ``monitoring`` and ``monitor_alerts`` as Parquet (default: the lake's,
partitioned by scheme and monitored_as_of). Thresholds come from the shipped settings
(``[monitor]``, overlaid with ``$XINPING_SETTINGS``) and each spec's ``min_auc``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence

from app.spark_job import _day


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line arguments of the job."""
    from features.schemes import modelled

    parser = argparse.ArgumentParser(
        prog="spark_monitor_job.py",
        description="Monitor rating batches on Spark from a Parquet lake.",
    )
    parser.add_argument("--lake", required=True, help="Lake folder or URI (xinping export-lake).")
    registry = parser.add_mutually_exclusive_group(required=True)
    registry.add_argument("--tracking-uri", help="MLflow tracking server or database.")
    registry.add_argument("--mlflow-home", help="Local MLflow home (mlflow.db, artifacts/).")
    parser.add_argument(
        "--scheme", action="append", required=True, help="Scheme to monitor (repeatable) or all."
    )
    parser.add_argument(
        "--as-of", required=True, type=_day, metavar="YYYY-MM-DD", help="Monitoring date."
    )
    parser.add_argument("--ratings", help="Ratings dataset (default: <lake>/ratings).")
    parser.add_argument(
        "--out", help="Folder of the monitoring and monitor_alerts datasets (default: the lake)."
    )
    parser.add_argument(
        "--master", help="Only without spark-submit: a local master, e.g. local[2]."
    )
    args = parser.parse_args(argv)
    known = modelled()
    schemes = known if "all" in args.scheme else tuple(dict.fromkeys(args.scheme))
    unknown = [s for s in schemes if s not in known]
    if unknown:
        parser.error(f"unknown schemes {unknown}; use {', '.join(known)} or all")
    args.scheme = schemes
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the job; return the process exit code."""
    from app.settings import settings

    problem = settings().schemes_problem()
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr, flush=True)
        return 2
    args = parse_args(argv)
    from features.store.spark_session import local_session, submitted_session
    from features.store.spark_store import SparkStore
    from training.monitor import monitor
    from training.spec import load_spec

    if args.master:  # plain python: a local session
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        spark = local_session(args.master, app_name="xinping-monitor")
    else:
        spark = submitted_session("xinping-monitor")
    cfg = settings()
    home = args.tracking_uri or args.mlflow_home
    started = time.perf_counter()
    paths = {"ratings": args.ratings} if args.ratings else None
    try:
        with SparkStore(args.lake, spark=spark, paths=paths) as store:
            for key in args.scheme:
                result = monitor(
                    store,
                    key,
                    home,
                    args.as_of,
                    cfg.monitor.config(load_spec(key).gates.min_auc),
                    cfg.build_config(),
                    out=args.out,
                )
                for r in result.reports:
                    back = r["backtest"]
                    auc = "—" if not back or back["auc"] is None else f"{back['auc']:.3f}"
                    print(
                        f"{key} {r['batch_as_of']} v{r['model_version']}: {r['rows']:,} rated, "
                        f"score PSI {r['score']['psi']:.3f}, max indicator PSI "
                        f"{r['max_feature_psi'] or 0:.3f}, AUC {auc}, "
                        f"{len(r['alerts'])} alerts, run {r['mlflow_run_id']}",
                        flush=True,
                    )
                for table, where in result.written.items():
                    print(f"{key}: {table} → {where}", flush=True)
        print(f"monitored in {time.perf_counter() - started:.1f} s", flush=True)
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
