"""Benchmark: batch scoring with reasons, and one-subject score-and-explain latency.

Run from the repository root (after ``make demo``, which registers the champions)::

    .venv/bin/python bench/scoring.py --scale city
    .venv/bin/python bench/scoring.py --scale small --schemes driver

For every scheme with a champion in ``mlruns/`` it measures, on the cached
generated city (``bench/.cache/<scale>-<seed>.duckdb``, generated when missing):

* **batch**: the ratings rows of the scheme's whole indicator frame —
  calibrated PD, score, grade, overrides, exact contributions and the reasons
  JSON with both languages — made part by part by
  :func:`scoring.batch.iter_ratings`, as ``xinping score`` makes them (it
  appends each part to the store and lets it go; here each part is let go
  without the write), in subjects per second; and, on the same rows in the
  same run, LightGBM's own ``Booster.predict(pred_contrib=True)`` (the raw
  TreeSHAP call, on the already prepared matrix, all rows at once), the
  baseline. The ratio is ours / LightGBM's throughput (aim: at least 0.5). A
  scorecard champion has no LightGBM baseline: its row says so.
* **one subject**: rating one subject from the store as a re-rating or a
  look-up does (``scoring.batch.rate_subjects(subjects=[id])``: the store
  sliced for the subject, its indicators evaluated in process, green channel
  and points rule, PD, grade, overrides, reasons JSON), for ``--latency-n``
  subjects drawn with a seed; p50 and p95 in milliseconds (aim: p95 under 100
  ms). Each subject is read once, so its rows are cold in DuckDB's buffer; the
  first five are a warm-up and are not counted.

The models are the champions trained on the small city: the same schemes and
indicators, so the cost per subject is what a city's run pays. Every figure
comes from this run; the table is printed and written to
``bench/RESULTS-scoring.md`` with the machine's facts and the load average.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import pathlib
import re
import sys
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
# run as a script, this file's folder would shadow the packages: put the root first
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.features import ensure_city, machine_facts  # noqa: E402
from features.schemes import modelled  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS-scoring.md"
AIMS = "batch with reasons ≥ 0.5 × LightGBM pred_contrib throughput; one subject p95 < 100 ms"


def ensure_clustered(path: pathlib.Path, threads: int, memory_limit: str) -> float | None:
    """Cluster a city cached before clustering existed (once; a marker file remembers),
    and give a city cached before the look-up indexes existed its indexes."""
    from features.store.duckdb_store import DuckDBStore

    marker = path.with_name(path.name + ".clustered")
    started = time.perf_counter()
    # a writable open creates any declared table or index the file lacks
    with DuckDBStore(path, threads=threads, memory_limit=memory_limit) as store:
        if marker.exists():
            return None
        for table in ("records", "subjects"):
            store.cluster(table, "subject_id")
    marker.write_text(dt.datetime.now().isoformat())
    return time.perf_counter() - started


def _baseline(model, features) -> float | None:
    """Seconds of LightGBM's own pred_contrib on the rows (None for a scorecard)."""
    est = model.pipeline.estimator
    if not hasattr(est, "booster_"):
        return None
    _, matrix = est._read(model.pipeline.model_input(features))
    started = time.perf_counter()
    est.booster_.predict(matrix, pred_contrib=True, num_iteration=est.n_iter_)
    return time.perf_counter() - started


def batch(store, model, as_of: dt.date) -> dict:
    """Throughput of rating with reasons vs the LightGBM baseline on the same rows."""
    from features.build import build_features
    from scoring.batch import iter_ratings

    t0 = time.perf_counter()
    features = build_features(store, model.scheme, as_of)
    built = time.perf_counter() - t0
    # the baseline first and ours second, then again in the other order: the cache
    # and the load move between runs; each side keeps its better time
    base_times, our_times = [], []
    for _ in range(2):
        base = _baseline(model, features)
        if base is not None:
            base_times.append(base)
        t = time.perf_counter()
        rated, chars = 0, 0
        for part in iter_ratings(model, features, as_of, dt.datetime.now()):
            rated += len(part)
            chars += int(part["reasons"].str.len().sum())
        our_times.append(time.perf_counter() - t)
    n = len(features)
    assert rated == n, (rated, n)
    ours = min(our_times)
    out = {
        "rows": n,
        "features_s": built,
        "ours_s": ours,
        "ours_rate": n / ours,
        "family": model.pipeline.family,
        "reasons_chars": chars // max(n, 1),
    }
    if base_times:
        base = min(base_times)
        out.update(base_s=base, base_rate=n / base, ratio=(n / ours) / (n / base))
    return out


def latency(store, model, as_of: dt.date, n: int, seed: int) -> dict:
    """p50/p95 of rating one subject from the store as xinping does it.

    :func:`scoring.batch.rate_subjects` with one subject: the store sliced for
    it, its indicators, green-channel flag (and for a driver the points rule),
    PD, grade, overrides and the reasons JSON — the rows a re-rating writes.
    """
    from features.build import build_features
    from scoring.batch import rate_subjects

    pool = build_features(store, model.scheme, as_of)["subject_id"].to_numpy()
    rng = np.random.default_rng(seed)
    picks = rng.choice(pool, size=min(n + 5, len(pool)), replace=False)
    times = []
    for sid in picks:
        t = time.perf_counter()
        rows = rate_subjects(store, model, as_of, subjects=[sid])
        times.append((time.perf_counter() - t) * 1000)
        assert len(rows) == 1 and rows["reasons"].iloc[0], sid
    kept = np.array(times[5:])
    return {
        "n": len(kept),
        "p50": float(np.percentile(kept, 50)),
        "p95": float(np.percentile(kept, 95)),
        "max": float(kept.max()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="city", choices=["small", "city", "city3"])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--as-of", default="2026-10-31")
    parser.add_argument("--schemes", nargs="*", default=list(modelled()))
    parser.add_argument("--latency-n", type=int, default=200)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--memory-limit", default="8GB")
    parser.add_argument("--mlflow-home", default=str(ROOT / "mlruns"))
    args = parser.parse_args(argv)

    from features.store.duckdb_store import DuckDBStore
    from scoring.loader import NoModelError, load_model

    as_of = dt.date.fromisoformat(args.as_of)
    path = ensure_city(args.scale, args.seed, args.threads, args.memory_limit)
    clustered = ensure_clustered(path, args.threads, args.memory_limit)
    if clustered is not None:
        print(f"clustered {path.name} by subject in {clustered:.0f} s", flush=True)
    facts = machine_facts()
    store = DuckDBStore(path, read_only=True, threads=args.threads, memory_limit=args.memory_limit)
    lines = []
    for scheme in args.schemes:
        try:
            model = load_model(scheme, pathlib.Path(args.mlflow_home))
        except NoModelError as exc:
            print(f"{scheme}: skipped — {exc}", flush=True)
            continue
        load = os.getloadavg()[0]
        b = batch(store, model, as_of)
        lat = latency(store, model, as_of, args.latency_n, args.seed)
        base = (
            f"{b['base_s']:.2f} | {b['base_rate']:,.0f} | {b['ratio']:.2f}"
            if "ratio" in b
            else "— (scorecard: no LightGBM) | — | —"
        )
        line = (
            f"| {scheme} | {b['family']} v{model.version} | {b['rows']:,} "
            f"| {b['features_s']:.1f} | {b['ours_s']:.2f} | {b['ours_rate']:,.0f} | {base} "
            f"| {lat['p50']:.0f} | {lat['p95']:.0f} | {lat['max']:.0f} | {load:.1f} |"
        )
        print(line, flush=True)
        lines.append(line)
    store.close()
    header = (
        "| scheme | model | subjects | indicators s | rating + reasons s | subjects/s "
        "| LightGBM pred_contrib s | LightGBM subjects/s | ratio | one subject p50 ms "
        "| p95 ms | max ms | load avg |\n" + "|---" * 13 + "|"
    )
    key = f"{args.scale}-{args.seed}-{args.as_of}"
    machine = " · ".join(f"{k} {v}" for k, v in facts.items())
    section = (
        f"## {args.scale} city, seed {args.seed}, as of {args.as_of}\n\n"
        f"Aims: {AIMS}. One-subject latency over {args.latency_n} subjects per "
        f"scheme (seeded), after 5 warm-up look-ups.\n\n{header}\n"
        + "\n".join(lines)
        + f"\n\nMachine: {machine}\n"
    )
    write_results(key, section)
    print(f"written to {RESULTS.relative_to(ROOT)}")
    return 0


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
