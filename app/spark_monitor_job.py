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
import sys
import time
from collections.abc import Sequence

from app.spark_job import job_parser, job_session, parse_job_args


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line arguments of the job."""
    parser = job_parser(
        "spark_monitor_job.py",
        "Monitor rating batches on Spark from a Parquet lake.",
        "monitor",
        "Monitoring date.",
    )
    parser.add_argument("--ratings", help="Ratings dataset (default: <lake>/ratings).")
    parser.add_argument(
        "--out", help="Folder of the monitoring and monitor_alerts datasets (default: the lake)."
    )
    return parse_job_args(parser, argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the job; return the process exit code."""
    from app.settings import settings

    problem = settings().schemes_problem()
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr, flush=True)
        return 2
    args = parse_args(argv)
    from features.store.spark_store import SparkStore
    from training.monitor import monitor
    from training.spec import load_spec

    spark = job_session(args.master, "xinping-monitor")
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
