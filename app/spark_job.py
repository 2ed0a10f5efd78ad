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
(``--tracking-uri``, or ``--mlflow-home`` for a local folder) before Spark
starts (a missing one fails the job at once), broadcast, and the use case
behind ``xinping score`` (:func:`scoring.population.rate_population` with the
Spark engine, :func:`scoring.spark_batch.score_scheme_spark`) builds the
indicators on Spark, rates every partition and writes ``ratings`` as Parquet
partitioned by scheme and as_of (default ``<lake>/ratings``). Executors never
contact MLflow. ``--as-of`` is parsed by :func:`app.dates.parse_day`, as on the
command line.

Publication windows, severity weights, policies and the scheme folders (``[schemes]
folders``: the driver reads each folder's declaration, scale and spec) come from the
shipped settings (``app/settings.toml``), overlaid with ``$XINPING_SETTINGS`` if set.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections.abc import Sequence


def _day(text: str) -> dt.date:
    """:func:`app.dates.parse_day` for argparse: a bad date names the option's value."""
    from app.dates import parse_day

    try:
        return parse_day(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def job_parser(prog: str, description: str, verb: str, as_of_help: str) -> argparse.ArgumentParser:
    """The arguments every xinping spark-submit job takes: the lake, the registry, the
    schemes (``verb``: what is done to each) and the date, and a local master."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument(
        "--lake", required=True, help="Lake folder or URI (xinping export-lake; hdfs://, s3a://…)."
    )
    registry = parser.add_mutually_exclusive_group(required=True)
    registry.add_argument(
        "--tracking-uri", help="MLflow tracking server or database holding the registry."
    )
    registry.add_argument("--mlflow-home", help="Local MLflow home (mlflow.db, artifacts/).")
    parser.add_argument(
        "--scheme", action="append", required=True, help=f"Scheme to {verb} (repeatable) or all."
    )
    parser.add_argument("--as-of", required=True, type=_day, metavar="YYYY-MM-DD", help=as_of_help)
    parser.add_argument(
        "--master", help="Only without spark-submit: a local master, e.g. local[2]."
    )
    return parser


def parse_job_args(
    parser: argparse.ArgumentParser, argv: Sequence[str] | None
) -> argparse.Namespace:
    """Parse ``argv``; ``--scheme all`` becomes every modelled scheme, an unknown one an error."""
    from features.schemes import modelled

    args = parser.parse_args(argv)
    known = modelled()  # the active registry's, with the configured folders
    schemes = known if "all" in args.scheme else tuple(dict.fromkeys(args.scheme))
    unknown = [s for s in schemes if s not in known]
    if unknown:
        parser.error(f"unknown schemes {unknown}; use {', '.join(known)} or all")
    args.scheme = schemes
    return args


def job_session(master: str | None, name: str):
    """A local Spark session for ``--master`` (plain python), else spark-submit's."""
    from features.store.spark_session import local_session, submitted_session

    if master:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        return local_session(master, app_name=name)
    return submitted_session(name)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line arguments of the job."""
    parser = job_parser(
        "spark_job.py",
        "Score schemes on Spark from a Parquet lake with their champion models.",
        "score",
        "As-of date.",
    )
    parser.add_argument("--out", help="Ratings dataset (default: <lake>/ratings).")
    return parse_job_args(parser, argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the job; return the process exit code."""
    from app.settings import settings

    # the configured scheme folders join the registry before --scheme is checked against it
    problem = settings().schemes_problem()
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr, flush=True)
        return 2
    args = parse_args(argv)
    import scoring
    from features.store.spark_store import SparkStore
    from scoring.loader import champions
    from scoring.population import rate_population

    print(f"xinping from {os.path.dirname(scoring.__file__)}", flush=True)
    # every champion is loaded on the driver before Spark starts: a missing one fails fast
    models, missing = champions(args.tracking_uri or args.mlflow_home, args.scheme)
    for message in missing:
        print(f"error: {message}", file=sys.stderr, flush=True)
    if missing:
        return 2
    spark = job_session(args.master, "xinping-score")
    cfg = settings()
    started = time.perf_counter()
    try:
        with SparkStore(args.lake, spark=spark) as store:
            for run in rate_population(
                store,
                models,
                [args.as_of],
                cfg.build_config(),
                cfg.rating_policies(),
                engine="spark",
                out=args.out,
            ):
                print(run.summary(), flush=True)
            target = args.out or store.table_path("ratings")
        print(f"ratings → {target} ({time.perf_counter() - started:.1f} s)", flush=True)
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
