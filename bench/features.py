"""Benchmark: feature frames with the compiled SQL on DuckDB vs the plain pandas baseline.

Run from the repository root::

    .venv/bin/python bench/features.py --scale small
    .venv/bin/python bench/features.py --scale city --schemes enterprise

The generated city is cached in ``bench/.cache/<scale>-<seed>.duckdb`` (created
with :func:`~features.records.synthetic.city.generate_city` when missing). Each
measurement runs in its own spawned child process, so the peak memory printed
is that engine's own (the child's ``VmHWM``; see :func:`_peak_mb`), imports included. DuckDB
runs with one thread per core and a memory limit and is timed through
``build_features`` (what the commands call, in parts: features/parts.py); just before
it, a raw scan-and-aggregate (:data:`RAW_SQL`) runs on the same store with the
same settings, and both rates count the same records (every row of the
``records`` table, which both read), so the rate ratio is raw seconds / build
seconds. pandas loads only the columns and the record kinds the indicators
need (bench/pandas_baseline.py) and is timed end to end: reading the tables
out of the same DuckDB file plus computing. Both frames are compared (counts
exact, floats to 1e-9) and the result printed.

The table is printed and written to ``bench/RESULTS-features.md`` (one section
per scale, seed and date, replaced on a re-run) with the machine's facts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import os
import pathlib
import pickle
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field

ROOT = pathlib.Path(__file__).resolve().parents[1]
# run as a script, this file's folder comes first on sys.path and its name would shadow the
# features package: put the repository root first instead
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

CACHE = ROOT / "bench" / ".cache"
RESULTS = ROOT / "bench" / "RESULTS-features.md"
AIM = (
    "enterprise at city scale: DuckDB < 60 s, >= 5x faster than pandas, peak < 6 GB; "
    "every build >= 20 % of the raw scan's rate (issue 20)"
)


# -- the city ----------------------------------------------------------------------------------
def city_path(scale: str, seed: int) -> pathlib.Path:
    """Cached database file of the generated city."""
    return CACHE / f"{scale}-{seed}.duckdb"


#: The side file that says a cached city is sorted as :func:`features.layout.cluster_store`
#: sorts now (a village's households side by side since 2026-12-07; a city cached before is
#: sorted again once).
CLUSTERED_MARKER = ".clustered-groups"


def ensure_city(scale: str, seed: int, threads: int, memory_limit: str) -> pathlib.Path:
    """The cached city, generated first when missing (written aside, then renamed)."""
    path = city_path(scale, seed)
    if path.exists():
        return path
    from features.records.synthetic.city import generate_city
    from features.store.duckdb_store import DuckDBStore

    CACHE.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    print(
        f"generating the {scale} city (seed {seed}) into {path} — city scale takes minutes…",
        flush=True,
    )
    started = time.perf_counter()
    last = [0.0]

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] >= 15 or done == total:
            last[0] = now
            print(f"  {now - started:7.0f} s  {stage} {done}/{total}", flush=True)

    store = DuckDBStore(partial, threads=threads, memory_limit=memory_limit)
    try:
        result = generate_city(store, scale=scale, seed=seed, progress=progress)
    finally:
        store.close()
    partial.rename(path)
    # generate_city clusters as its last step (features.layout.cluster_store):
    # bench.scoring.ensure_clustered need not sort 45 M records again; the store's side
    # files of the partial name go
    path.with_name(path.name + CLUSTERED_MARKER).write_text(dt.datetime.now().isoformat())
    for side in partial.parent.glob(partial.name + ".*"):
        shutil.rmtree(side) if side.is_dir() else side.unlink()
    print(f"generated in {time.perf_counter() - started:.0f} s: {result.tables}", flush=True)
    return path


# -- one measurement per child process -------------------------------------------------------
def _peak_mb() -> float:
    """This process's peak resident size in MB.

    ``VmHWM`` (the high-water mark of this process's own address space) rather
    than ``ru_maxrss``: Linux carries ``ru_maxrss`` across ``execve``, so a
    spawned child would report at least its parent's peak at fork time.
    """
    m = re.search(r"VmHWM:\s+(\d+) kB", pathlib.Path("/proc/self/status").read_text())
    if m:
        return int(m.group(1)) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _run_duckdb(
    db: str,
    scheme: str,
    as_of: str,
    threads: int,
    memory_limit: str,
    out: str,
    rows_per_part: int | None = None,
) -> None:
    from features.build import build_features
    from features.store.duckdb_store import DuckDBStore

    store = DuckDBStore(db, read_only=True, threads=threads, memory_limit=memory_limit)
    started = time.perf_counter()
    frame = build_features(store, scheme, as_of, rows_per_part=rows_per_part)
    seconds = time.perf_counter() - started
    store.close()
    _dump(out, frame, {"seconds": seconds, "peak_mb": _peak_mb()})


def _run_duckdb_parts(
    db: str, scheme: str, as_of: str, threads: int, memory_limit: str, rows: int, out: str
) -> None:
    """:func:`_run_duckdb` with ``rows`` subjects per part (``--rows-per-part``)."""
    _run_duckdb(db, scheme, as_of, threads, memory_limit, out, rows)


#: The raw scan-and-aggregate the indicator query is held against (issue 20): every record
#: read once and aggregated per subject, nothing else.
RAW_SQL = "SELECT subject_id, count(*), sum(amount) FROM records GROUP BY 1"


def _run_raw(db: str, threads: int, memory_limit: str, out: str) -> None:
    """Seconds of :data:`RAW_SQL` on the store as the build opens it (best of two: the
    first run also warms the file cache the build then reads from)."""
    from features.store.duckdb_store import DuckDBStore

    store = DuckDBStore(db, read_only=True, threads=threads, memory_limit=memory_limit)
    times = []
    for _ in range(2):
        started = time.perf_counter()
        rows = store.query_arrow(RAW_SQL).num_rows
        times.append(time.perf_counter() - started)
    store.close()
    _dump(out, rows, {"seconds": min(times), "peak_mb": _peak_mb()})


def _run_pandas(db: str, scheme: str, as_of: str, out: str) -> None:
    from bench.pandas_baseline import build_features_pandas, load_tables
    from features.schemes import SCHEMES
    from features.store.duckdb_store import DuckDBStore

    # the loader only scans: a small buffer pool, so DuckDB's cache does not count as pandas'
    store = DuckDBStore(db, read_only=True, memory_limit="1GB")
    started = time.perf_counter()
    tables = load_tables(store, [SCHEMES[scheme]])
    loaded = time.perf_counter()
    store.close()
    frame = build_features_pandas(tables, scheme, as_of)
    done = time.perf_counter()
    _dump(
        out,
        frame,
        {
            "seconds": done - started,
            "load_seconds": loaded - started,
            "compute_seconds": done - loaded,
            "peak_mb": _peak_mb(),
        },
    )


def _dump(out: str, frame: object, facts: dict) -> None:
    with open(out, "wb") as fh:
        pickle.dump((frame, facts), fh, protocol=pickle.HIGHEST_PROTOCOL)


def _rss_mb(pid: int) -> float:
    try:
        text = pathlib.Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    m = re.search(r"VmRSS:\s+(\d+) kB", text)
    return int(m.group(1)) / 1024 if m else 0.0


@dataclass
class Measure:
    """One engine's run of one scheme."""

    ok: bool
    seconds: float = float("nan")
    peak_mb: float = float("nan")
    extra: dict = field(default_factory=dict)
    frame: object = None
    error: str = ""
    load: float = float("nan")  # 1-minute load average when the child started


def measure(target: Callable[..., None], args: tuple, max_mb: float | None = None) -> Measure:
    """Run ``target(*args, out)`` in a spawned child; kill it above ``max_mb`` resident."""
    ctx = mp.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="xp-bench-") as tmp:
        out = os.path.join(tmp, "result.pkl")
        proc = ctx.Process(target=target, args=(*args, out))
        load = os.getloadavg()[0]
        proc.start()
        watched = 0.0
        while proc.is_alive():
            proc.join(0.5)
            watched = max(watched, _rss_mb(proc.pid) if proc.pid else 0.0)
            if max_mb and watched > max_mb:
                proc.kill()
                proc.join()
                return Measure(
                    False,
                    peak_mb=watched,
                    load=load,
                    error=f"stopped above {max_mb / 1024:.0f} GB resident",
                )
        if proc.exitcode != 0 or not os.path.exists(out):
            return Measure(False, load=load, error=f"child exited with {proc.exitcode}")
        with open(out, "rb") as fh:
            frame, facts = pickle.load(fh)
    return Measure(True, facts.pop("seconds"), facts.pop("peak_mb"), facts, frame, load=load)


# -- report ------------------------------------------------------------------------------------
def machine_facts() -> dict[str, str]:
    """Cores, memory, CPU, versions, date and code version of this run."""
    from importlib.metadata import version

    mem = pathlib.Path("/proc/meminfo").read_text()
    ram = int(re.search(r"MemTotal:\s+(\d+)", mem).group(1)) / 1024**2  # type: ignore[union-attr]
    cpu = re.search(r"model name\s*:\s*(.+)", pathlib.Path("/proc/cpuinfo").read_text())
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        commit += " (uncommitted changes)" if dirty else ""
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {
        "date": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "nproc": str(os.cpu_count()),
        "RAM": f"{ram:.1f} GiB",
        "CPU": cpu.group(1).strip() if cpu else platform.processor(),
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "duckdb": version("duckdb"),
        "pandas": version("pandas"),
        "pyarrow": version("pyarrow"),
        "numpy": version("numpy"),
        "code": commit,
    }


HEADER = (
    "| scheme | rows | records scanned | raw scan s | raw records/s | DuckDB s "
    "| DuckDB records/s | DuckDB / raw rate | DuckDB peak MB "
    "| pandas s (load + compute) | pandas records/s | pandas peak MB "
    "| pandas / DuckDB | frames equal | load avg at start (raw / DuckDB / pandas) |"
)
RULE = "|" + "---|" * 15


def _rate(n: int, seconds: float) -> str:
    return f"{n / seconds / 1e6:,.2f} M" if seconds == seconds and seconds > 0 else "—"


def table_row(
    scheme: str, records: int, raw: Measure, duck: Measure, pand: Measure | None, equal: str
) -> str:
    rows = len(duck.frame) if duck.ok else "—"  # type: ignore[arg-type]
    r_s = f"{raw.seconds:.2f}" if raw.ok else f"failed: {raw.error}"
    # same records counted for both (the whole table): the rate ratio is raw s / DuckDB s
    share = f"{raw.seconds / duck.seconds:.0%}" if raw.ok and duck.ok else "—"
    d_s = f"{duck.seconds:.2f}" if duck.ok else f"failed: {duck.error}"
    d_m = f"{duck.peak_mb:,.0f}" if duck.ok else "—"
    if pand is None:
        p_s = p_r = p_m = ratio = "not run"
    elif pand.ok:
        p_s = (
            f"{pand.seconds:.2f} ({pand.extra['load_seconds']:.2f} + "
            f"{pand.extra['compute_seconds']:.2f})"
        )
        p_r, p_m = _rate(records, pand.seconds), f"{pand.peak_mb:,.0f}"
        ratio = (
            (
                f"{pand.seconds / duck.seconds:.1f}× (compute only "
                f"{pand.extra['compute_seconds'] / duck.seconds:.1f}×)"
            )
            if duck.ok
            else "—"
        )
    else:
        p_s, p_r, ratio = f"failed: {pand.error}", "—", "—"
        p_m = f">{pand.peak_mb:,.0f}" if pand.peak_mb == pand.peak_mb else "—"
    load = f"{raw.load:.1f} / {duck.load:.1f} / " + (
        f"{pand.load:.1f}" if pand is not None else "—"
    )
    return (
        f"| {scheme} | {rows:,} | {records:,} | {r_s} | {_rate(records, raw.seconds)} "
        f"| {d_s} | {_rate(records, duck.seconds)} | {share} "
        f"| {d_m} | {p_s} | {p_r} | {p_m} | {ratio} | {equal} | {load} |"
    )


def aim_verdict(scale: str, duck: Measure, pand: Measure | None, raw: Measure | None = None) -> str:
    """Whether the enterprise run meets the aim (stated for city scale)."""
    if not duck.ok:
        return "Aim: DuckDB failed on enterprise."
    checks = []
    if raw is not None and raw.ok:
        share = raw.seconds / duck.seconds
        checks.append(
            f"{share:.0%} of the raw scan's rate (>= 20 %: {'yes' if share >= 0.2 else 'NO'})"
        )
    checks += [
        f"DuckDB {duck.seconds:.0f} s (< 60 s: {'yes' if duck.seconds < 60 else 'NO'})",
        f"peak {duck.peak_mb / 1024:.1f} GB (< 6 GB: {'yes' if duck.peak_mb < 6144 else 'NO'})",
    ]
    if pand is not None and pand.ok:
        ratio = pand.seconds / duck.seconds
        checks.append(f"pandas / DuckDB {ratio:.1f}× (>= 5×: {'yes' if ratio >= 5 else 'NO'})")
    note = "" if scale == "city" else " (the aim is stated for city scale)"
    return f"Aim, enterprise at {scale} scale{note}: " + "; ".join(checks) + "."


def write_results(key: str, section: str) -> None:
    """Replace (or add) the section ``key`` of bench/RESULTS-features.md."""
    start, end = f"<!-- run {key} -->", f"<!-- end {key} -->"
    text = (
        RESULTS.read_text()
        if RESULTS.exists()
        else (
            "# Feature build benchmark: compiled SQL on DuckDB vs plain pandas\n\n"
            "Written by `bench/features.py`; one section per scale, seed and as-of date.\n"
            "Each engine runs in its own spawned process; peak = that process's VmHWM (its own "
            "peak resident size; ru_maxrss would include the parent's, Linux keeps it across "
            "exec). "
            "Records scanned = rows of the `records` table, the count every rate is taken "
            "over (the raw scan-and-aggregate reads all of it; DuckDB's compiled query "
            "narrows it to the kinds, subjects and dates the scheme can read while scanning; "
            "pandas reads the rows of the scheme's kinds). "
            "pandas time = reading the needed columns out of the same DuckDB file + computing.\n"
        )
    )
    block = f"{start}\n{section.rstrip()}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    text = (
        pattern.sub(lambda _: block, text)
        if pattern.search(text)
        else (text.rstrip() + "\n\n" + block + "\n")
    )
    RESULTS.write_text(text)


# -- main --------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    from features.schemes import SCHEMES

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", default="small", choices=("tiny", "small", "city", "city3"))
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--as-of", default="2026-10-31")
    ap.add_argument("--schemes", nargs="+", default=list(SCHEMES), choices=list(SCHEMES))
    ap.add_argument(
        "--threads",
        type=int,
        default=os.cpu_count() or 1,
        help="DuckDB threads (default: the number of cores)",
    )
    ap.add_argument(
        "--memory-limit",
        default=None,
        help="DuckDB memory_limit (default: the settings', as the commands run)",
    )
    ap.add_argument(
        "--pandas-max-gb",
        type=float,
        default=16.0,
        help="stop the pandas run above this resident size",
    )
    ap.add_argument("--no-pandas", action="store_true", help="time DuckDB only")
    ap.add_argument(
        "--rows-per-part",
        type=int,
        default=None,
        help="subjects per part of the DuckDB build (default: what the commands use, "
        "features.parts.rows_per_part; a huge number builds in one query, as before issue 20)",
    )
    args = ap.parse_args(argv)
    from app.settings import settings

    args.memory_limit = args.memory_limit or settings().store.memory_limit or None

    from bench.pandas_baseline import compare_frames
    from features.store.duckdb_store import DuckDBStore

    db = ensure_city(args.scale, args.seed, args.threads, args.memory_limit)
    with DuckDBStore(db, read_only=True) as store:
        records = store.count("records")
        subjects = store.count("subjects")
    facts = machine_facts()
    print(
        f"{args.scale} city, seed {args.seed}: {records:,} records, {subjects:,} subject rows; "
        f"as of {args.as_of}; DuckDB threads={args.threads} memory_limit={args.memory_limit}",
        flush=True,
    )
    lines = [HEADER, RULE]
    print(HEADER, flush=True)
    print(RULE, flush=True)
    verdict = ""
    for key in args.schemes:
        # the raw scan just before each build: the same store, settings and machine load
        raw = measure(_run_raw, (str(db), args.threads, args.memory_limit))
        common = (str(db), key, args.as_of, args.threads, args.memory_limit)
        duck = (
            measure(_run_duckdb_parts, (*common, args.rows_per_part))
            if args.rows_per_part
            else measure(_run_duckdb, common)
        )
        pand = (
            None
            if args.no_pandas
            else measure(_run_pandas, (str(db), key, args.as_of), max_mb=args.pandas_max_gb * 1024)
        )
        if duck.ok and pand is not None and pand.ok:
            problems = compare_frames(duck.frame, pand.frame, SCHEMES[key])  # type: ignore[arg-type]
            equal = "yes" if not problems else "NO: " + "; ".join(problems[:3])
        else:
            equal = "—"
        line = table_row(key, records, raw, duck, pand, equal)
        lines.append(line)
        print(line, flush=True)
        if key == "enterprise":
            verdict = aim_verdict(args.scale, duck, pand, raw)
    if verdict:
        print("\n" + verdict)

    facts_md = "\n".join(f"- {k}: {v}" for k, v in facts.items())
    section = (
        f"## {args.scale} scale, seed {args.seed}, as of {args.as_of}"
        + (f", {args.rows_per_part:,} subjects per part" if args.rows_per_part else "")
        + "\n\n"
        f"{records:,} records, {subjects:,} subject rows. DuckDB threads={args.threads}, "
        f"memory_limit={args.memory_limit}, "
        + (
            f"{args.rows_per_part:,} subjects per part (not the default). "
            if args.rows_per_part
            else "default parts (what the commands run). "
        )
        + f"Aim: {AIM}. The last column is the machine's "
        f"1-minute load average when each measurement started ({os.cpu_count()} cores): "
        "above the core count, other processes were competing for the CPU.\n\n"
        + "\n".join(lines)
        + (f"\n\n{verdict}" if verdict else "")
        + "\n\nMachine:\n\n"
        + facts_md
        + "\n"
    )
    key = f"{args.scale}-{args.seed}-{args.as_of}"
    write_results(key + (f"-parts-{args.rows_per_part}" if args.rows_per_part else ""), section)
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
