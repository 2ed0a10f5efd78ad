"""Benchmark: batch scoring with reasons, and one-subject score-and-explain latency.

Run from the repository root (after ``make demo``, which registers the champions)::

    .venv/bin/python bench/scoring.py --scale city
    .venv/bin/python bench/scoring.py --scale small --schemes driver

For every scheme with a champion in ``mlruns/`` it measures, on the cached
generated city (``bench/.cache/<scale>-<seed>.duckdb``, generated when missing):

* **batch**: ``xinping score --subject <scheme>`` as the command runs it —
  :func:`score_command` calls :func:`scoring.population.rate_population` with the
  settings in force (the indicator build and the rating policies of
  ``app/settings.py``, the default chunk size), on a throw-away copy of the store
  opened as the command opens it, so the ratings rows (calibrated PD, score, grade,
  overrides, the reasons JSON in both languages) are made *and written*. Its
  progress reports time the phases: indicators, rating with reasons, write. In the
  same run, on the same rows (indicators built with the same settings): LightGBM's
  own ``Booster.predict(pred_contrib=True)`` (the raw TreeSHAP call, on the prepared
  matrix, all rows at once, with as many threads as our explanation uses), the
  baseline. Ratios: LightGBM's seconds ÷ ours, for the rating phase and for the
  whole command. A scorecard champion has no LightGBM baseline: its row says so.
  ``tests/bench_equivalence/test_bench_paths.py`` fails when this call drifts from
  the command's.
* **one subject**: rating one subject from the store as a re-rating or a look-up
  does (``scoring.batch.rate_subjects(subjects=[id])`` with the settings' build and
  policies: the store sliced for the subject, its indicators evaluated in process,
  green channel and points rule, PD, grade, overrides, reasons JSON), for
  ``--latency-n`` subjects drawn with a seed; p50 and p95 in milliseconds, cold (the
  subject's first look-up in the process) and warm (the same subject again).

The models are the champions trained on the small city: the same schemes and
indicators, so the cost per subject is what a city's run pays. Every figure
comes from this run; the table is printed and written to
``bench/RESULTS-scoring.md`` with the machine's facts and the load average
(at the start and the end of each scheme's measurement).

Needs disk for one copy of the store in ``--scratch`` (default: the temporary folder).
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import os
import pathlib
import pickle
import re
import shutil
import sys
import tempfile
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
# run as a script, this file's folder would shadow the packages: put the root first
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.features import CLUSTERED_MARKER, ensure_city, machine_facts  # noqa: E402
from features.schemes import modelled  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS-scoring.md"
AIMS = "batch with reasons ≥ 0.9 × LightGBM pred_contrib throughput; one subject p95 ≤ 20 ms (warm)"
HOW = (
    "The batch is `xinping score`'s own call (`scoring.population.rate_population` with the "
    "settings' build and policies) on a throw-away copy of the store, ratings written; its "
    "phases come from the command's progress reports. Ratio = LightGBM pred_contrib seconds "
    "÷ ours on the same rows (same threads): *rating* is the rating-with-reasons phase, "
    "*command* the whole command (indicators, rating, write). One subject: "
    "`rate_subjects(subjects=[id])` with the settings, in a process of its own; cold = the "
    "subject's first look-up in the process, warm = the same subject again at once."
)


def ensure_clustered(path: pathlib.Path, threads: int, memory_limit: str) -> float | None:
    """Cluster a city cached before clustering existed, or before a village's households'
    records were put side by side (once; a marker file remembers), and give a city cached
    before the look-up indexes or the records' row directory existed its indexes and its
    directory (``xinping cluster`` does the same)."""
    from features.layout import cluster_store
    from features.store.duckdb_store import DuckDBStore

    marker = path.with_name(path.name + CLUSTERED_MARKER)
    if marker.exists():  # clustered already: the file is only read (others may read it too)
        return None
    started = time.perf_counter()
    # a writable open creates any declared table or index the file lacks
    with DuckDBStore(path, threads=threads, memory_limit=memory_limit) as store:
        cluster_store(store)
    marker.write_text(dt.datetime.now().isoformat())
    return time.perf_counter() - started


def _progress_clock(marks: list[tuple[str, int, int, float]]):
    """A ``progress(stage, done, total)`` that notes when each stage reports."""

    def report(stage: str, done: int, total: int) -> None:
        marks.append((stage, done, total, time.perf_counter()))

    return report


def score_command(store, models, as_of: dt.date, progress=None) -> list:
    """What ``xinping score --subject S --as-of D`` runs on the embedded store.

    The same call as :func:`app.scoring_cli.score`: :func:`scoring.population.rate_population`
    with the settings in force (``settings().build_config()``,
    ``settings().rating_policies()``), the DuckDB engine and no ``out``; the chunk size is
    the one ``score_scheme`` takes by default, as for the command.
    ``tests/bench_equivalence/test_bench_paths.py`` holds this call to the command's.
    """
    from app.settings import settings
    from scoring import population  # looked up when called, as the command does

    cfg = settings()
    return list(
        population.rate_population(
            store,
            models,
            [as_of],
            cfg.build_config(),
            cfg.rating_policies(),
            engine="duckdb",
            out=None,
            progress=progress,
        )
    )


def scratch_copy(source: pathlib.Path, folder: pathlib.Path) -> pathlib.Path:
    """A throw-away copy of a store (with its workflow side file) that a run may write."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    for src in (source, source.with_name(source.name + ".workflow.sqlite")):
        if src.exists():
            shutil.copyfile(src, folder / src.name)
    return target


def _baseline(model, features, threads: int) -> float | None:
    """Seconds of LightGBM's own pred_contrib on the rows (None for a scorecard), with
    as many threads as our explanation uses."""
    est = model.pipeline.estimator
    if not hasattr(est, "booster_"):
        return None
    _, matrix = est._read(model.pipeline.model_input(features))
    started = time.perf_counter()
    est.booster_.predict(matrix, pred_contrib=True, num_iteration=est.n_iter_, num_threads=threads)
    return time.perf_counter() - started


def _phases(marks: list[tuple[str, int, int, float]], started: float, ended: float) -> dict:
    """Indicators / rating (with reasons) / write seconds from the command's progress marks.

    ``score_scheme`` builds the population in parts and rates each as it comes: it
    reports every built part (``指标``) and every rated chunk (``评分``). The time up to
    an indicators mark is the build's, up to a scoring mark the rating's; each rated
    chunk is spilled to Arrow when the next is asked for, so the rating phase holds the
    spills but the last, and the write phase is the last spill and the one transaction.
    """
    spent = {"指标": 0.0, "评分": 0.0}
    last = started
    for stage, _, _, t in sorted(marks, key=lambda m: m[3]):
        kind = stage[:2]
        if kind in spent:
            spent[kind] += t - last
            last = t
    return {
        "indicators_s": spent["指标"],
        "rate_s": spent["评分"],
        "write_s": ended - last,
        "command_s": ended - started,
    }


def batch(
    store,
    model,
    as_of: dt.date,
    scratch: pathlib.Path | None = None,
    rounds: int = 2,
    apart: bool = True,
) -> dict:
    """The command on a copy of ``store`` (phases timed) against LightGBM on the same rows.

    ``store`` is the city (a path or an open store: read only, never written); the
    command runs :func:`score_command` for the one scheme on a throw-away copy of it
    in ``scratch`` (a temporary folder by default), opened as the command opens its
    store (:func:`app.cli_root.open_store`), so the rows are rated *and written* as
    ``xinping score`` does. The baseline is ``Booster.predict(pred_contrib=True)`` on
    the same rows (the indicators built with the same settings), all at once, with the
    threads our explanation uses. Each side runs ``rounds`` times, alternating; each
    keeps its best. ``apart``: each run of the command in a process of its own, as
    ``xinping score`` runs, not in this one, which holds the population's indicators for
    the baseline and the heap of the runs before; False: in this process (the tests,
    which watch the call). Every run starts after the pages written before it (the copy,
    the run before) are flushed to disk.
    """
    from app.settings import settings
    from features.store.duckdb_store import DuckDBStore
    from scoring.batch import _inputs

    source = pathlib.Path(getattr(store, "path", store))
    threads = getattr(model.pipeline.estimator, "_threads", lambda: 1)()
    cfg = settings()
    with DuckDBStore(source, read_only=True, memory_limit=cfg.store.memory_limit or None) as st:
        features, _ = _inputs(
            st, model, as_of, cfg.build_config(), None, cfg.rating_policies(), None
        )
    n = len(features)
    base_times: list[float] = []
    runs: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="xp-score-", dir=scratch) as folder:
        copy = scratch_copy(source, pathlib.Path(folder))
        for _ in range(rounds):
            # the copy's (and the last run's) written pages go to disk before the
            # command starts: the command's own writes are then not queued behind them
            os.sync()
            base = _baseline(model, features, threads)
            if base is not None:
                base_times.append(base)
            args = (copy, model, as_of)
            rows, marks, started, ended, chars = _command_apart(*args) if apart else _command(*args)
            assert rows == n, (rows, n)
            runs.append(_phases(marks, started, ended))
    del features
    best = min(runs, key=lambda r: r["command_s"])
    rate_s = min(r["rate_s"] for r in runs)
    out = {
        "rows": n,
        "threads": threads,
        "features_s": best["indicators_s"],
        "ours_s": rate_s,
        "ours_rate": n / rate_s,
        "write_s": best["write_s"],
        "command_s": best["command_s"],
        "command_rate": n / best["command_s"],
        "family": model.pipeline.family,
        "reasons_chars": int(chars or 0) // max(n, 1),
        "runs": runs,
    }
    if base_times:
        base = min(base_times)
        out.update(
            base_s=base,
            base_rate=n / base,
            ratio=base / rate_s,
            command_ratio=base / best["command_s"],
        )
    return out


def _command(
    path: pathlib.Path, model, as_of: dt.date
) -> tuple[int, list[tuple[str, int, int, float]], float, float, int]:
    """:func:`score_command` for ``model``'s scheme on the store at ``path``, opened as
    the command opens it: the rows rated, the progress marks, the start and end times and
    the characters of the reasons written."""
    from app.cli_root import open_store

    marks: list[tuple[str, int, int, float]] = []
    with open_store(path) as target:
        started = time.perf_counter()
        (done,) = score_command(target, {model.scheme: model}, as_of, _progress_clock(marks))
        ended = time.perf_counter()
        chars = target.scalar(
            "SELECT sum(length(reasons)) FROM ratings WHERE scheme = ? AND as_of = ?",
            [model.scheme, as_of],
        )
    return done.rows, marks, started, ended, int(chars or 0)


def _child(function, args: tuple, out: str) -> None:
    pathlib.Path(out).write_bytes(pickle.dumps(function(*args)))


def _apart(function, args: tuple, what: str):
    """``function(*args)`` (a module-level function, its result picklable) in a spawned
    process of its own; ``what`` names it when the process fails."""
    with tempfile.TemporaryDirectory(prefix="xp-apart-") as folder:
        out = os.path.join(folder, "result.pickle")
        child = mp.get_context("spawn").Process(target=_child, args=(function, args, out))
        child.start()
        child.join()
        if child.exitcode != 0:
            raise RuntimeError(f"{what} failed (exit code {child.exitcode})")
        return pickle.loads(pathlib.Path(out).read_bytes())


def _command_apart(path: pathlib.Path, model, as_of: dt.date):
    """:func:`_command` in a spawned process of its own (``perf_counter`` is the
    machine's monotonic clock: its marks and times compare with this process's)."""
    return _apart(_command, (path, model, as_of), f"xinping score of {model.scheme}")


def latency(store, model, as_of: dt.date, n: int, seed: int) -> dict:
    """p50/p95 of rating one subject from the store as a look-up or a re-rating does.

    :func:`scoring.batch.rate_subjects` with one subject and the settings in force (the
    indicator build and the rating policies, as :mod:`scoring.casework` passes them):
    the store sliced for it, its indicators, green-channel flag (and for a driver the
    points rule), PD, grade, overrides and the reasons JSON. Warm process: the model
    loaded and its explanation prepared, settings read, five look-ups of other subjects
    first. **cold** is each subject's first look-up (its rows not yet read by this
    process: DuckDB's buffer may or may not hold them, the OS cache usually does);
    **warm** is the same subject looked up again at once (its rows in DuckDB's buffer).
    """
    from app.settings import settings
    from features.build import build_features
    from scoring.batch import rate_subjects

    cfg = settings()
    build, policies = cfg.build_config(), cfg.rating_policies()
    pool = build_features(store, model.scheme, as_of)["subject_id"].to_numpy()
    rng = np.random.default_rng(seed)
    picks = rng.choice(pool, size=min(n + 5, len(pool)), replace=False)
    cold, warm = [], []
    for sid in picks:
        for times in (cold, warm):
            t = time.perf_counter()
            rows = rate_subjects(store, model, as_of, build, subjects=[sid], policies=policies)
            times.append((time.perf_counter() - t) * 1000)
            assert len(rows) == 1 and rows["reasons"].iloc[0], sid
    kept, again = np.array(cold[5:]), np.array(warm[5:])
    return {
        "n": len(kept),
        "p50": float(np.percentile(kept, 50)),
        "p95": float(np.percentile(kept, 95)),
        "max": float(kept.max()),
        "warm_p50": float(np.percentile(again, 50)),
        "warm_p95": float(np.percentile(again, 95)),
    }


def _latency_of(
    path: str,
    scheme: str,
    home: str,
    as_of: dt.date,
    n: int,
    seed: int,
    threads: int | None,
    memory_limit: str | None,
) -> dict:
    from features.store.duckdb_store import DuckDBStore
    from scoring.loader import champions

    model = champions(pathlib.Path(home), [scheme])[0][scheme]
    with DuckDBStore(path, read_only=True, threads=threads, memory_limit=memory_limit) as store:
        return latency(store, model, as_of, n, seed)


def latency_apart(
    path: str | pathlib.Path,
    scheme: str,
    home: str | pathlib.Path,
    as_of: dt.date,
    n: int,
    seed: int,
    threads: int | None = None,
    memory_limit: str | None = None,
) -> dict:
    """:func:`latency` of ``scheme``'s champion (in ``home``) in a spawned process of its
    own: a process that serves look-ups, as the app's or the API's, not one that has just
    rated a population (its heap and caches full of the batch: about +2 ms at p50 and
    +3–5 ms at p95 on the city's firms, measured)."""
    args = (str(path), scheme, str(home), as_of, n, seed, threads, memory_limit)
    return _apart(_latency_of, args, f"latency of {scheme}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="city", choices=["small", "city", "city3"])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--as-of", default="2026-10-31")
    parser.add_argument("--schemes", nargs="*", default=list(modelled()))
    parser.add_argument("--latency-n", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2, help="command runs per scheme")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument(
        "--memory-limit",
        default=None,
        help="DuckDB memory_limit (default: the settings', as the commands run)",
    )
    parser.add_argument("--mlflow-home", default=str(ROOT / "mlruns"))
    parser.add_argument(
        "--scratch", type=pathlib.Path, default=None, help="folder of the store's throw-away copy"
    )
    parser.add_argument(
        "--store", type=pathlib.Path, default=None, help="this store instead of the cached city"
    )
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-batch", action="store_true")
    args = parser.parse_args(argv)

    from app.settings import settings
    from scoring.loader import champions

    args.memory_limit = args.memory_limit or settings().store.memory_limit or None
    as_of = dt.date.fromisoformat(args.as_of)
    path = args.store or ensure_city(args.scale, args.seed, args.threads, args.memory_limit)
    clustered = ensure_clustered(path, args.threads, args.memory_limit)
    if clustered is not None:
        print(f"clustered {path.name} by subject in {clustered:.0f} s", flush=True)
    facts = machine_facts()
    lines = []
    for scheme in args.schemes:
        models, missing = champions(pathlib.Path(args.mlflow_home), [scheme])
        if not models:
            print(f"{scheme}: skipped — {' '.join(missing)}", flush=True)
            continue
        model = models[scheme]
        load = os.getloadavg()[0]
        b = {} if args.skip_batch else batch(path, model, as_of, args.scratch, args.rounds)
        load_after = os.getloadavg()[0]
        lat = {}
        if not args.skip_latency:
            lat = latency_apart(
                path,
                scheme,
                args.mlflow_home,
                as_of,
                args.latency_n,
                args.seed,
                args.threads,
                args.memory_limit,
            )
        line = _row(scheme, model, b, lat, f"{load:.1f}–{max(load_after, os.getloadavg()[0]):.1f}")
        print(line, flush=True)
        lines.append(line)
    header = (
        "| scheme | model | subjects | threads | indicators s | rating + reasons s "
        "| write s | command s | LightGBM pred_contrib s | ratio rating | ratio command "
        "| one subject p50 / p95 ms (cold) | p50 / p95 ms (warm) | load avg |\n" + "|---" * 14 + "|"
    )
    key = f"{args.scale}-{args.seed}-{args.as_of}"
    machine = " · ".join(f"{k} {v}" for k, v in facts.items())
    section = (
        f"## {args.scale} city, seed {args.seed}, as of {args.as_of}\n\n"
        f"Aims: {AIMS}.\n\n{HOW}\n\n{header}\n" + "\n".join(lines) + f"\n\nMachine: {machine}\n"
    )
    write_results(key, section)
    print(f"written to {RESULTS.relative_to(ROOT)}")
    return 0


def _row(scheme: str, model, b: dict, lat: dict, load: str) -> str:
    """One line of the results table."""
    if b:
        cells = (
            f"{b['rows']:,} | {b['threads']} | {b['features_s']:.1f} | {b['ours_s']:.2f} "
            f"| {b['write_s']:.2f} | {b['command_s']:.2f} | "
        )
        cells += (
            f"{b['base_s']:.2f} | {b['ratio']:.2f} | {b['command_ratio']:.2f}"
            if "ratio" in b
            else "— (scorecard: no LightGBM) | — | —"
        )
    else:
        cells = "— | — | — | — | — | — | — | — | —"
    lat_cells = (
        f"{lat['p50']:.1f} / {lat['p95']:.1f} | {lat['warm_p50']:.1f} / {lat['warm_p95']:.1f}"
        if lat
        else "— | —"
    )
    return (
        f"| {scheme} | {model.pipeline.family} v{model.version} | {cells} | {lat_cells} | {load} |"
    )


def write_results(key: str, section: str) -> None:
    """Replace (or add) the section ``key`` of bench/RESULTS-scoring.md."""
    start, end = f"<!-- run {key} -->", f"<!-- end {key} -->"
    text = (
        RESULTS.read_text()
        if RESULTS.exists()
        else (
            "# Scoring benchmark: batch scoring with reasons, one-subject latency\n\n"
            "Written by `bench/scoring.py`; one section per scale, seed and as-of date. "
            "Ratio = our subjects/s ÷ LightGBM `pred_contrib` subjects/s on the same rows in "
            "the same run (each side the better of two runs).\n"
        )
    )
    block = f"{start}\n{section.rstrip()}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    text = (
        pattern.sub(lambda _: block, text)
        if pattern.search(text)
        else text.rstrip() + "\n\n" + block + "\n"
    )
    RESULTS.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
