"""Training on the full snapshots against training on the bounded sample, side by side.

Each arm calls what ``xinping train --subject <scheme>`` calls — ``training.run.train_scheme``
with the scheme's spec, on the store opened as the command opens it (read-only, the
settings' DuckDB memory limit), registering into a throw-away MLflow home —
in its own spawned process, so each peak memory (``VmHWM``) is its own:

* ``full``: the spec with ``[sample] max_rows = 0`` (every row of every snapshot);
* ``bounded``: the spec as shipped (``max_rows`` 1,000,000), or ``--max-rows N`` to force
  a bound on a store whose snapshots are below it (the small city).

Printed and written to ``bench/RESULTS-training.md``: seconds, peak MB, rows held, the
share of non-defaults kept, and the out-of-time metrics (AUC, Gini, KS, Brier, observed /
predicted level, Gini / oracle, gates passed) of both arms, with the commit and the
1-minute load average at the start and end of each arm.

    OMP_NUM_THREADS=1 .venv/bin/python bench/training.py --store bench/.cache/small-7.duckdb \\
        --schemes household enterprise --max-rows 30000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import queue as queue_module
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# run as a script, this file's folder comes first on sys.path and bench/features.py would
# shadow the features package (in the spawned arms too: they re-import this module)
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "RESULTS-training.md"


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _arm(
    store: str,
    scheme: str,
    max_rows: int | None,
    engine: str,
    out: mp.Queue,
    share: float | None = None,
    lake: str | None = None,
) -> None:
    """One training run in this (spawned) process; puts its figures on ``out``.
    ``share``: the bound is that share of the fitted snapshots' rows (counted first,
    outside the timed run). ``lake``: with engine ``spark``, the lake opened as
    ``xinping train --engine spark --lake`` opens it, instead of ``store``."""
    from app.cli_root import open_store
    from app.lake_cli import open_lake
    from features.build import snapshot_counts
    from training.run import train_scheme
    from training.spec import Sample, load_spec

    spec = load_spec(scheme)
    load = [os.getloadavg()[0]]
    # the store opened as `xinping train` opens it (read-only, settings' memory limit)
    opened = open_lake(Path(lake)) if lake else open_store(Path(store), read_only=True)
    with tempfile.TemporaryDirectory() as home, opened as st:
        if share is not None:
            dates = spec.snapshots.train + spec.snapshots.validation
            counted = snapshot_counts(st, scheme, dates, engine)
            max_rows = round(share * int(counted["subjects"].sum()))
        if max_rows is not None:
            spec = spec.model_copy(update={"sample": Sample(max_rows=max_rows)})
        started = time.perf_counter()
        result = train_scheme(st, scheme, spec, Path(home), "bench", engine=engine)
        seconds = time.perf_counter() - started
    load.append(os.getloadavg()[0])
    r = result.report
    oot = r["discrimination"]["oot"]
    gates = r["gates"]
    out.put(
        {
            "seconds": seconds,
            "peak_mb": _peak_mb(),
            "load": load,
            "family": result.family,
            "sample": r.get("sample") or {},
            "fit_rows": r["discrimination"]["train"]["n"] + r["discrimination"]["validation"]["n"],
            "oot_rows": oot["n"],
            "oot_events": oot["events"],
            "cv_auc": r["validation_auc"],
            "oot_auc": oot["auc"],
            "oot_gini": oot["gini"],
            "oot_ks": oot["ks"],
            "oot_brier": oot["brier"],
            "level_ratio": r["calibration"]["in_the_large"].get("ratio"),
            "oracle_ratio": (r.get("oracle") or {}).get("ratio"),
            "gates_failed": [g["gate"] for g in gates if not g["passed"]],
            "cutoffs": r["cutoffs"],
        }
    )


def run_arm(
    store: str,
    scheme: str,
    max_rows: int | None,
    engine: str,
    share: float | None = None,
    lake: str | None = None,
) -> dict:
    """:func:`_arm` in a spawned process."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_arm, args=(store, scheme, max_rows, engine, queue, share, lake))
    proc.start()
    while True:
        try:
            result = queue.get(timeout=5)
            break
        except queue_module.Empty:  # fail fast when the arm died
            if not proc.is_alive():
                raise RuntimeError(
                    f"{scheme}: the training arm died (exit {proc.exitcode})"
                ) from None
    proc.join()
    return result


def auc_se(auc: float, events: int, rows: int) -> float:
    """Hanley & McNeil's (1982) standard error of an AUC: the noise a difference of two
    models' out-of-time AUCs on the same rows is read against."""
    n1, n0 = events, rows - events
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    var = (auc * (1 - auc) + (n1 - 1) * (q1 - auc**2) + (n0 - 1) * (q2 - auc**2)) / (n1 * n0)
    return var**0.5


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.4f}"
    return str(v)


def table(rows: list[tuple[str, dict, dict]]) -> str:
    """Markdown: one row per scheme and measure, full and bounded side by side."""
    lines = [
        "| scheme | measure | full | bounded | bounded − full |",
        "|---|---|---:|---:|---:|",
    ]
    for scheme, full, bounded in rows:
        for key, label in (
            ("seconds", "train s"),
            ("peak_mb", "peak MB"),
            ("fit_rows", "fitted rows held"),
            ("oot_rows", "out-of-time rows"),
            ("oot_auc", "OOT AUC"),
            ("oot_gini", "OOT Gini"),
            ("oot_ks", "OOT KS"),
            ("oot_brier", "OOT Brier"),
            ("level_ratio", "OOT observed / predicted"),
            ("oracle_ratio", "Gini / oracle"),
        ):
            a, b = full.get(key), bounded.get(key)
            diff = b - a if isinstance(a, int | float) and isinstance(b, int | float) else ""
            lines.append(f"| {scheme} | {label} | {_fmt(a)} | {_fmt(b)} | {_fmt(diff)} |")
        se = auc_se(full["oot_auc"], full["oot_events"], full["oot_rows"])
        lines.append(f"| {scheme} | OOT AUC standard error (Hanley–McNeil) | {se:.4f} | | |")
        share = bounded["sample"].get("non_default_share")
        lines.append(
            f"| {scheme} | non-defaults kept | all | "
            f"{'all' if share is None else f'{share:.2%}'} | |"
        )
        lines.append(
            f"| {scheme} | family · gates failed | {full['family']} · "
            f"{', '.join(full['gates_failed']) or 'none'} | {bounded['family']} · "
            f"{', '.join(bounded['gates_failed']) or 'none'} | |"
        )
        lines.append(
            f"| {scheme} | load (start → end) | {full['load'][0]:.2f} → {full['load'][1]:.2f} "
            f"| {bounded['load'][0]:.2f} → {bounded['load'][1]:.2f} | |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", required=True)
    parser.add_argument("--schemes", nargs="+", required=True)
    parser.add_argument("--max-rows", type=int, default=None, help="bounded arm's bound")
    parser.add_argument(
        "--share", type=float, default=None, help="bounded arm's bound: this share of the rows"
    )
    parser.add_argument("--engine", default="duckdb")
    parser.add_argument("--lake", default=None, help="with --engine spark: the lake to read")
    parser.add_argument("--skip-full", action="store_true", help="only the bounded arm")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    rows = []
    for scheme in args.schemes:
        full = {} if args.skip_full else run_arm(args.store, scheme, 0, args.engine, lake=args.lake)
        if full:
            print(scheme, "full", json.dumps(full, default=str), flush=True)
        bounded = run_arm(args.store, scheme, args.max_rows, args.engine, args.share, args.lake)
        print(scheme, "bounded", json.dumps(bounded, default=str), flush=True)
        if full:
            rows.append((scheme, full, bounded))
    if not rows:
        return
    text = table(rows)
    print(text)
    if args.no_write:
        return
    bound = "as shipped (1,000,000)" if args.max_rows is None else f"{args.max_rows:,}"
    if args.share is not None:
        bound = f"{args.share:.0%} of the fitted rows"
    header = (
        f"\n## {Path(args.store).name} · bound {bound} · engine {args.engine} · "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC · commit {commit}"
        f"{' (uncommitted changes)' if dirty else ''}\n\n"
    )
    if not RESULTS.exists():
        RESULTS.write_text("# Training: full snapshots against the bounded sample\n")
    with RESULTS.open("a", encoding="utf-8") as f:
        f.write(header + text + "\n")


if __name__ == "__main__":
    main()
