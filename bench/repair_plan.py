"""One subject's repair plan (``xinping repair plan``) against what a user would write.

Times exactly the function the command calls — :func:`scoring.repair_plan.guidance` with the
settings' casework (MLflow home, indicator build, rating policies) and ``[repair_plan]`` — for
a C-class firm with a serious penalty counting on the day, on a copy of a store, and in the
same run two baselines a competent user would write with the existing API for the
**projection alone** (no repair options, which they cannot rate without writing repairs):

* ``subset``: :func:`scoring.batch.rate_subjects` with ``subjects=[id]`` per month-end per
  scheme (each call fetches the subject's slice again);
* ``whole``: ``rate_subjects`` over the whole store per month-end per scheme, the subject's
  row picked out.

The plan does more (records, options, pairs, the best repair's curve) and is compared with
the projection-only baselines: the ratios understate its advantage. The baselines' grades
are checked equal to the plan's projection. The plan's first call (champions loaded from
MLflow, cold caches) and its warm calls (median of ``--repeats``) are both printed.

Run from the project root (never on the lead's files: copy them first)::

    cp /work/main/.data/xinping.duckdb /tmp/x.duckdb; cp -r /work/main/mlruns /tmp/mlruns
    OMP_NUM_THREADS=1 .venv/bin/python bench/repair_plan.py --store /tmp/x.duckdb \\
        --mlflow-home /tmp/mlruns

Results are printed and appended to ``bench/RESULTS-repair_plan.md`` with the commit.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.settings import load_settings  # noqa: E402
from features.store.duckdb_store import DuckDBStore  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS-repair_plan.md"


def _commit() -> str:
    out = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return out.stdout.strip() or "unknown"


def pick_subject(store: DuckDBStore, on: dt.date) -> str:
    """The first (by id) firm rated C in the latest stored enterprise batch with a serious
    penalty counting on ``on``."""
    sid = store.scalar(
        """WITH r AS (SELECT subject_id FROM ratings WHERE scheme = 'enterprise'
                      AND as_of = (SELECT max(as_of) FROM ratings WHERE scheme = 'enterprise')
                      AND final_grade = 'C')
           SELECT min(r.subject_id) FROM r JOIN records x ON x.subject_id = r.subject_id
           WHERE x.kind = 'administrative_penalty' AND x.severity = 'serious'
             AND x.published_on <= ? AND x.valid_until > ?""",
        [on, on],
    )
    if sid is None:
        raise SystemExit("no C-class firm with a serious penalty in this store")
    return str(sid)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, required=True, help="a COPY of a rated store")
    ap.add_argument("--mlflow-home", type=Path, required=True, help="its MLflow home (a copy)")
    ap.add_argument("--subject", help="default: a C-class firm with a serious penalty")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--skip-whole", action="store_true", help="skip the whole-store baseline")
    args = ap.parse_args(argv)

    os.environ["XINPING_STORE"] = str(args.store)
    cfg = load_settings()
    cfg = cfg.model_copy(
        update={"mlflow": cfg.mlflow.model_copy(update={"home": str(args.mlflow_home)})}
    )
    home, build, policies = cfg.casework()
    requirements = cfg.repair_plan.load()
    months, pairs = cfg.repair_plan.months, cfg.repair_plan.pair_of_best

    from scoring.batch import rate_subjects
    from scoring.repair_plan import guidance, month_ends

    load = os.getloadavg()[0]
    with DuckDBStore(args.store, read_only=True, threads=2) as store:
        # the command's default day: [dates] latest on this store (the data date or today)
        on = cfg.dates.limit(store).day
        sid = args.subject or pick_subject(store, on)

        def plan_once():
            return guidance(store, sid, on, home, build, policies, requirements, months, pairs)

        t0 = time.perf_counter()
        plan = plan_once()
        cold = time.perf_counter() - t0
        warm_runs = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            plan = plan_once()
            warm_runs.append(time.perf_counter() - t0)
        warm = statistics.median(warm_runs)

        from scoring.loader import champions

        models, _ = champions(home, [p.scheme for p in plan.projections])
        days = month_ends(on, months)

        def baseline(subset: bool) -> float:
            t0 = time.perf_counter()
            for proj in plan.projections:
                model = models[proj.scheme]
                for day, point in zip(days, proj.points, strict=True):
                    rows = rate_subjects(
                        store, model, day, build, [sid] if subset else None, policies=policies
                    )
                    row = rows[rows["subject_id"] == sid].iloc[0]
                    assert row["final_grade"] == point.grade, (proj.scheme, day)
            return time.perf_counter() - t0

        subset = baseline(True)
        whole = None if args.skip_whole else baseline(False)
        n_records = store.count("records")

    enterprise = next(p for p in plan.projections if p.scheme == "enterprise")
    lines = [
        f"## {dt.date.today()} · commit {_commit()} · {platform.node()} · load {load:.2f}",
        "",
        f"Store {args.store.name}: {n_records:,} records; subject {sid} "
        f"(enterprise {enterprise.points[0].grade} on {on}), schemes "
        f"{', '.join(p.scheme for p in plan.projections)}; {len(plan.records)} negative "
        f"records counting, {len(plan.options)} options rated "
        f"({sum(len(o.record_ids) == 1 for o in plan.options)} single, "
        f"{sum(len(o.record_ids) == 2 for o in plan.options)} pairs), {months} months.",
        "",
        "| what | seconds | plan is faster by |",
        "|---|---|---|",
        f"| plan, first call (champions loaded, cold) | {cold:.3f} | |",
        f"| plan, warm (median of {args.repeats}: "
        f"{', '.join(f'{x:.3f}' for x in warm_runs)}) | {warm:.3f} | |",
        f"| baseline subset: rate_subjects([id]) per month-end per scheme, projection only "
        f"| {subset:.3f} | {subset / warm:.1f}× |",
    ]
    if whole is not None:
        lines.append(
            f"| baseline whole store: rate_subjects(None) per month-end per scheme, "
            f"projection only | {whole:.3f} | {whole / warm:.1f}× |"
        )
    lines += [
        "",
        f"Target: one subject's {months}-month plan < 1 s: "
        f"{'met' if warm < 1 else 'NOT met'} warm ({warm:.3f} s), "
        f"{'met' if cold < 1 else 'not met'} on the first call ({cold:.3f} s).",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not RESULTS.exists():
        RESULTS.write_text(
            "# Repair plan (`bench/repair_plan.py`)\n\nOne subject's plan as `xinping repair "
            "plan` computes it against projection-only baselines (bench/repair_plan.py's "
            "docstring). Newest runs last; the 2 cores are shared, the load average is given."
            "\n\n",
            encoding="utf-8",
        )
    with RESULTS.open("a", encoding="utf-8") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    main()
