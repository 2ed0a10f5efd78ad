"""The benchmark suite behind ``make bench``: every path measured, at two sizes, in one run.

Run from the repository root (after ``make demo``, which registers the champions)::

    .venv/bin/python bench/suite.py                       # small and city
    .venv/bin/python bench/suite.py --scales small --skip-train

For each scale the generated city is made once and cached in ``bench/.cache``
(with a Parquet lake beside it for Spark). Each measurement runs in its own
spawned process so its peak memory is its own: the peak resident size of the
process and its children (Spark's JVM included), sampled every 0.2 s. Measured:

* **indicators** per scheme: DuckDB, Spark ``local[1]`` and ``local[2]`` on the
  lake, and the plain pandas baseline (bench/pandas_baseline.py) — seconds,
  records per second, peak memory and the ratios to DuckDB; every frame is
  compared with DuckDB's;
* **training** per scheme (``training.run.train_scheme`` with the shipped spec
  into a throw-away MLflow home): seconds and peak memory;
* **batch scoring with reasons** and the ratio to LightGBM's own ``pred_contrib``
  on the same rows, and **one-subject latency** p50/p95 (bench/scoring.py);
* **growth**: every figure at both scales and the ratio city / small beside the
  ratio of the data sizes.

Everything is written to ``bench/RESULTS.md`` with the machine, the versions,
the date and the load average at the start of each measurement (on 2 cores,
a load above 2 means something else was competing for the CPU).
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import os
import pathlib
import pickle
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.commands import CommandRun, measure_commands, tree_rss_mb  # noqa: E402
from bench.features import (  # noqa: E402  # noqa: E402
    CACHE,
    _dump,
    _peak_mb,
    _run_duckdb,
    _run_pandas,
    ensure_city,
    machine_facts,
)
from bench.scoring import ensure_clustered  # noqa: E402
from features.schemes import modelled, schemes  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS.md"


# the modelled schemes of the declarations, household last: at city scale its training is by
# far the longest (1 M households x 13 snapshots)
def modelled_household_last() -> tuple[str, ...]:
    """The modelled schemes, read from the registry when called, household last."""
    return tuple(sorted(modelled(), key=lambda k: k == "household"))


@dataclass
class Result:
    """One measurement."""

    ok: bool
    seconds: float = float("nan")
    peak_mb: float = float("nan")
    load: float = float("nan")
    facts: dict = field(default_factory=dict)
    frame: object = None
    error: str = ""


def run(target, args: tuple, timeout_s: float = 3600) -> Result:
    """Run ``target(*args, out)`` in a spawned child; peak = its process tree's max RSS."""
    ctx = mp.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="xp-suite-") as tmp:
        out = os.path.join(tmp, "result.pkl")
        proc = ctx.Process(target=target, args=(*args, out))
        load = os.getloadavg()[0]
        started = time.perf_counter()
        proc.start()
        peak = 0.0
        while proc.is_alive():
            proc.join(0.2)
            if proc.pid:
                peak = max(peak, tree_rss_mb(proc.pid))
            if time.perf_counter() - started > timeout_s:
                proc.kill()
                proc.join()
                return Result(False, peak_mb=peak, load=load, error=f"over {timeout_s:.0f} s")
        if proc.exitcode != 0 or not os.path.exists(out):
            return Result(False, peak_mb=peak, load=load, error=f"exit {proc.exitcode}")
        with open(out, "rb") as fh:
            frame, facts = pickle.load(fh)
    seconds = facts.pop("seconds")
    facts.pop("peak_mb", None)
    return Result(True, seconds, max(peak, 1.0), load, facts, frame)


# -- children -----------------------------------------------------------------------------------
def _run_spark(lake: str, scheme: str, as_of: str, master: str, out: str) -> None:
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from features.build import build_features
    from features.store.spark_session import local_session
    from features.store.spark_store import SparkStore

    cores = master[master.index("[") + 1 : -1]
    spark = local_session(
        master,
        app_name=f"xinping-bench-{scheme}",
        conf={
            "spark.sql.shuffle.partitions": str(max(2, 4 * int(cores))),
            "spark.driver.memory": "6g",
        },
    )
    store = SparkStore(lake, spark=spark, create=False)
    started = time.perf_counter()
    frame = build_features(store, scheme, as_of, engine="spark")
    seconds = time.perf_counter() - started
    store.close()
    spark.stop()
    _dump(out, frame, {"seconds": seconds, "peak_mb": _peak_mb()})


def _run_scoring(db: str, scheme: str, as_of: str, home: str, n: int, out: str) -> None:
    from bench.scoring import batch, latency_apart
    from features.store.duckdb_store import DuckDBStore
    from scoring.loader import load_model

    model = load_model(scheme, pathlib.Path(home))
    store = DuckDBStore(db, read_only=True)
    started = time.perf_counter()
    b = batch(store, model, dt.date.fromisoformat(as_of))
    store.close()
    lat = latency_apart(db, scheme, home, dt.date.fromisoformat(as_of), n, 7)
    _dump(
        out,
        None,
        {
            "seconds": time.perf_counter() - started,
            "peak_mb": _peak_mb(),
            **b,
            **{f"lat_{k}": v for k, v in lat.items()},
        },
    )


# -- the suite ------------------------------------------------------------------------------------
def ensure_lake(db: pathlib.Path) -> pathlib.Path:
    """The city's tables as a Parquet lake beside the cached file (exported once)."""
    from features.store.duckdb_store import DuckDBStore

    lake = db.with_name(db.stem + "-lake")
    done = lake / "_exported"
    if not done.exists():
        with DuckDBStore(db, read_only=True) as store:
            store.export_parquet(lake)
        done.write_text(dt.datetime.now().isoformat())
    return lake


def _s(r: Result) -> str:
    return f"{r.seconds:.1f}" if r.ok else f"failed ({r.error})"


def _mb(r: Result) -> str:
    return f"{r.peak_mb:,.0f}" if r.peak_mb == r.peak_mb else "—"


def _x(r: Result, base: Result) -> str:
    return f"{r.seconds / base.seconds:.1f}×" if r.ok and base.ok else "—"


def features_section(
    scale: str,
    db: pathlib.Path,
    as_of: str,
    schemes,
    threads: int,
    memory_limit: str,
    spark: bool,
    pandas: bool,
    rows: list[str],
    figures: dict,
    flush,
) -> None:
    """Indicator builds per scheme on every engine; rows and figures appended as measured."""
    from bench.pandas_baseline import compare_frames
    from features.schemes import SCHEMES as DECLARED
    from features.store.duckdb_store import DuckDBStore

    with DuckDBStore(db, read_only=True) as store:
        records = store.count("records")
    lake = ensure_lake(db) if spark else None
    for key in schemes:
        duck = run(_run_duckdb, (str(db), key, as_of, threads, memory_limit))
        engines = (
            ["DuckDB"]
            + ([f"Spark local[{n}]" for n in (1, 2)] if spark else [])
            + (["pandas"] if pandas else [])
        )
        for name in engines:
            if name == "DuckDB":
                r = duck
            elif name == "pandas":
                r = run(_run_pandas, (str(db), key, as_of))
            else:
                r = run(_run_spark, (str(lake), key, as_of, name.split(" ")[1]))
            equal = "—"
            if name != "DuckDB" and r.ok and duck.ok:
                problems = compare_frames(duck.frame, r.frame, DECLARED[key])
                equal = "yes" if not problems else "NO: " + "; ".join(problems[:2])
            if r is not duck:
                r.frame = None  # compared; do not keep every frame of the run in memory
            rate = f"{records / r.seconds / 1e6:.2f} M" if r.ok else "—"
            rows.append(
                f"| {scale} | {key} | {name} | {_s(r)} | {rate} | {_mb(r)} "
                f"| {_x(r, duck)} | {equal} | {r.load:.1f} |"
            )
            print(rows[-1], flush=True)
            figures[f"{key}|{name}"] = r
            flush()
        duck.frame = None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", nargs="+", default=["small", "city"])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--as-of", default="2026-10-31")
    ap.add_argument("--schemes", nargs="+", default=list(schemes()))
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    ap.add_argument(
        "--memory-limit",
        default=None,
        help="DuckDB memory_limit (default: the settings', as the commands run)",
    )
    ap.add_argument("--mlflow-home", default=str(ROOT / "mlruns"))
    ap.add_argument("--latency-n", type=int, default=200)
    ap.add_argument("--skip-spark", action="store_true")
    ap.add_argument("--skip-pandas", action="store_true")
    ap.add_argument("--skip-train", action="store_true")
    ap.add_argument(
        "--skip-commands",
        action="store_true",
        help="do not run the commands (score, lists, watch, monitor, rural, quality, draw, train)",
    )
    ap.add_argument(
        "--train-timeout",
        type=float,
        default=3600,
        help="seconds one training may take before it is stopped and reported",
    )
    args = ap.parse_args(argv)
    from app.settings import settings

    args.memory_limit = args.memory_limit or settings().store.memory_limit or None

    from features.store.duckdb_store import DuckDBStore

    facts = machine_facts()
    started = time.perf_counter()
    sizes, feat_rows, train_rows, score_rows, all_fig = {}, [], [], [], {}
    cmd_rows: list[str] = []

    def flush(done: bool = False) -> None:
        # written after every measurement, so a run stopped early still leaves its figures
        write(
            args,
            facts,
            sizes,
            feat_rows,
            train_rows,
            score_rows,
            all_fig,
            time.perf_counter() - started,
            done,
            cmd_rows,
        )

    for scale in args.scales:
        db = ensure_city(scale, args.seed, args.threads, args.memory_limit)
        ensure_clustered(db, args.threads, args.memory_limit)
        with DuckDBStore(db, read_only=True) as store:
            sizes[scale] = (store.count("subjects"), store.count("records"))
        n_subjects, n_records = sizes[scale]
        print(f"\n== {scale}: {n_subjects:,} subjects, {n_records:,} records", flush=True)
        all_fig[scale] = fig = {}
        features_section(
            scale,
            db,
            args.as_of,
            args.schemes,
            args.threads,
            args.memory_limit,
            not args.skip_spark,
            not args.skip_pandas,
            feat_rows,
            fig,
            flush,
        )
        trained = (
            ()
            if args.skip_train
            else tuple(k for k in modelled_household_last() if k in args.schemes)
        )
        if not args.skip_commands:

            def report(r: CommandRun, scale: str = scale, fig: dict = fig) -> None:
                fig[f"{r.name}|command"] = Result(r.ok, r.seconds, r.peak_mb, r.load)
                flag = "" if r.within_limit else " ⚠ over 6 GB"
                cmd_rows.append(
                    f"| {scale} | `xinping {' '.join(r.argv)}` | {_s(fig[f'{r.name}|command'])} "
                    f"| {r.peak_mb:,.0f}{flag} | {r.load:.1f} |"
                )
                if r.name.startswith("train "):
                    auc = re.search(r"OOT AUC (\d\.\d+)", r.tail)
                    fam = re.search(r": (\w+) → xinping", r.tail)
                    train_rows.append(
                        f"| {scale} | {r.name[6:]} | {_s(fig[f'{r.name}|command'])} "
                        f"| {r.peak_mb:,.0f} | {auc.group(1) if auc else '—'}"
                        f" ({fam.group(1) if fam else '—'}) | {r.load:.1f} |"
                    )
                print(cmd_rows[-1], flush=True)
                if not r.ok:
                    print(f"  {r.name} failed: {r.tail}", flush=True)
                flush()

            measure_commands(
                db,
                pathlib.Path(args.mlflow_home),
                args.as_of,
                trained,
                timeout_s=args.train_timeout,
                report=report,
            )
        for key in [s for s in modelled_household_last() if s in args.schemes]:
            s = run(_run_scoring, (str(db), key, args.as_of, args.mlflow_home, args.latency_n))
            fig[f"{key}|score"] = s
            if s.ok:
                f = s.facts
                base = (
                    f"{f['base_rate']:,.0f} | {f['ratio']:.2f}"
                    if "ratio" in f
                    else "— (scorecard) | —"
                )
                score_rows.append(
                    f"| {scale} | {key} | {f['family']} | {f['rows']:,} | {f['ours_rate']:,.0f} "
                    f"| {base} | {f['lat_p50']:.0f} | {f['lat_p95']:.0f} | {_mb(s)} "
                    f"| {s.load:.1f} |"
                )
            else:
                score_rows.append(f"| {scale} | {key} | failed ({s.error}) |" + " |" * 8)
            print(score_rows[-1], flush=True)
            flush()
    flush(done=True)
    return 0


#: a step whose time or peak memory grows faster than this power of the data is flagged
GROWTH_LIMIT = 1.1


def growth_exponent(sizes: list[float], values: list[float]) -> float:
    """The least-squares slope of log(value) on log(size): value ~ size ** exponent.

    1 is linear growth; 2 is what a step costing population × parts would show.
    """
    x, y = np.log(np.asarray(sizes, float)), np.log(np.asarray(values, float))
    return float(np.polyfit(x, y, 1)[0])


def _growth(args, sizes, all_fig) -> list[str]:
    scales = [s for s in args.scales if s in sizes]
    if len(scales) < 2:
        return ["(fewer than two scales measured yet)"]
    records = [sizes[s][1] for s in scales]
    first, last = scales[0], scales[-1]
    lines = [
        f"Data: {', '.join(f'{s} {sizes[s][1]:,} records' for s in scales)} "
        f"(×{records[-1] / records[0]:.0f} from {first} to {last}). Exponent = slope of "
        f"log(seconds or peak MB) on log(records) over the scales measured: 1 is linear; a "
        f"step above {GROWTH_LIMIT} is flagged ⚠. Peak memory of a process has a fixed "
        "floor (the interpreter, the libraries, a JVM), so its exponent from a small "
        "scale understates the growth; read the largest two scales.",
        "",
        "| step | "
        + " | ".join(f"{s} s" for s in scales)
        + " | time exponent | "
        + " | ".join(f"{s} peak MB" for s in scales)
        + " | memory exponent | last two: time, memory |",
        "|---" * (2 * len(scales) + 4) + "|",
    ]
    for key in all_fig[first]:
        runs = [all_fig[s].get(key) for s in scales]
        if not all(isinstance(r, Result) and r.ok for r in runs):
            continue
        t = growth_exponent(records, [r.seconds for r in runs])
        m = growth_exponent(records, [r.peak_mb for r in runs])
        t2 = growth_exponent(records[-2:], [r.seconds for r in runs[-2:]])
        m2 = growth_exponent(records[-2:], [r.peak_mb for r in runs[-2:]])

        def mark(e: float) -> str:
            return f"{e:.2f}" + (" ⚠" if e > GROWTH_LIMIT else "")

        lines.append(
            f"| {key.replace('|', ' · ')} | "
            + " | ".join(f"{r.seconds:.1f}" for r in runs)
            + f" | {mark(t)} | "
            + " | ".join(f"{r.peak_mb:,.0f}" for r in runs)
            + f" | {mark(m)} | {mark(t2)}, {mark(m2)} |"
        )
    return lines


def write(
    args,
    facts,
    sizes,
    feat_rows,
    train_rows,
    score_rows,
    all_fig,
    total_s,
    done: bool = True,
    cmd_rows=(),
) -> None:
    status = (
        ""
        if done
        else f"**Incomplete: written {dt.datetime.now():%Y-%m-%d %H:%M} while the run was "
        "still going; a run that ends without the final write stopped early.**\n\n"
    )
    took = "took" if done else "running for"
    size_lines = "\n".join(
        f"- {s}: {n:,} subject rows, {r:,} records" for s, (n, r) in sizes.items()
    )
    text = f"""# Benchmark suite (`make bench`)

{status}Run of `bench/suite.py` started {facts["date"]}, {took} {total_s / 60:.0f} min. Every figure
below was measured in this run; each measurement in its own process, peak = max resident size of
that process and its children (Spark's JVM included). The last column of each table is the
1-minute load average when the measurement started ({facts["nproc"]} cores).

{size_lines}

## Indicator builds (as of {args.as_of})

Ratio = seconds / DuckDB's seconds (above 1: slower than DuckDB). Spark reads the same tables as
a Parquet lake; pandas reads the needed columns from the DuckDB file and computes in memory.
"Equal" compares each frame with DuckDB's (counts exact, floats to 1e-9).

| scale | scheme | engine | seconds | records/s | peak MB | ratio | equal | load |
|---|---|---|---|---|---|---|---|---|
{chr(10).join(feat_rows)}

## Commands as users run them

Each `xinping` command exactly as typed, default settings, on a writable copy of the scale's
city (`bench/commands.py`); peak = the largest resident size of the process and its children.
Ceiling: 6 GB per command at default settings (flagged ⚠ when above).

| scale | command | seconds | peak MB | load |
|---|---|---|---|---|
{chr(10).join(cmd_rows) if cmd_rows else "| not run |"}

## Training (`xinping train --subject …`, shipped specs, into the run's MLflow home)

| scale | scheme | seconds | peak MB | OOT AUC (family) | load |
|---|---|---|---|---|---|
{chr(10).join(train_rows) if train_rows else "| not run |"}

## Batch scoring with reasons, one-subject latency

Subjects/s of the ratings rows (PD, score, grade, overrides, contributions, reasons JSON in
both languages) of the whole population, made 5,000 at a time by `iter_ratings` as `xinping
score` makes them (the write to the store not counted); LightGBM = the raw
`Booster.predict(pred_contrib=True)` on the same rows; ratio = ours / LightGBM (aim ≥ 0.5).
One subject = rate it from the store as a re-rating does (`rate_subjects`: the store sliced
for it, indicators evaluated in process, green channel, points rule, PD, grade, reasons JSON;
aim p95 < 100 ms), over {args.latency_n} seeded subjects, each read once (cold). Models: the
champions in `mlruns/` (trained on the small city).

| scale | scheme | family | n | ours /s | LightGBM /s | ratio | p50 ms | p95 ms | MB | load |
|---|---|---|---|---|---|---|---|---|---|---|
{chr(10).join(score_rows)}

## Growth over the scales

{chr(10).join(_growth(args, sizes, all_fig))}

## Machine

{chr(10).join(f"- {k}: {v}" for k, v in facts.items())}
"""
    RESULTS.write_text(text)
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}", flush=True)


if __name__ == "__main__":
    CACHE.mkdir(parents=True, exist_ok=True)
    sys.exit(main())
