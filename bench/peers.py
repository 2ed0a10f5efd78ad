"""Our estimators against optbinning, toad and scorecardpy on public credit data.

Issue 4: on public credit data, ``ScorecardClassifier`` and ``GbmClassifier`` must rank at
least as well as the best of optbinning, toad and scorecardpy under the same
cross-validation. This script:

1. creates ``bench/.venv-peers`` (git-ignored) from ``bench/peers-requirements.txt`` when
   it is missing or its requirements changed — toad and scorecardpy need pandas 2;
2. exports the German credit data that scorecardpy ships (1,000 applicants, 20 features,
   30% bad; the only public credit data set any of these packages ships — toad and
   optbinning ship none, and nothing may be downloaded at run time);
3. fixes the folds once — stratified 5-fold × 3 repeats, seed 0 — in
   ``bench/peers_folds.json``, checked against the data's SHA-256, so that every tool is
   scored on exactly the same rows;
4. fits each tool's standard scorecard on every training fold: ours and optbinning's
   ``Scorecard`` here (project environment), toad and scorecardpy in the peers' environment
   (``bench/peers_worker.py``);
5. prints mean ± sd of the out-of-fold AUC per tool and the ratio ours / best peer, and
   writes ``bench/RESULTS-peers.md``.

Run from the project root: ``OMP_WAIT_POLICY=passive .venv/bin/python bench/peers.py``
(about 4 minutes on 2 cores, plus a minute to create the peers' environment once).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import subprocess
import sys
import time
import venv
import warnings
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold

from models.gbm import GbmClassifier
from models.scorecard import ScorecardClassifier

BENCH = Path(__file__).resolve().parent
PEERS_VENV = BENCH / ".venv-peers"
REQUIREMENTS = BENCH / "peers-requirements.txt"
WORKER = BENCH / "peers_worker.py"
CACHE = BENCH / ".cache" / "peers"
FOLDS = BENCH / "peers_folds.json"
RESULTS = BENCH / "RESULTS-peers.md"
TARGET = "y"
N_SPLITS, N_REPEATS, SEED = 5, 3, 0

# Fixed before the first run (small-data settings, not tuned on these folds).
GBM_PARAMS = {
    "n_estimators": 400,
    "learning_rate": 0.02,
    "num_leaves": 5,
    "min_child_samples": 30,
    "subsample": 0.8,
    "colsample_bytree": 0.5,
    "reg_lambda": 5.0,
    "n_jobs": 2,
    "random_state": 0,
}


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ensure_peers_venv() -> Path:
    """The peers' interpreter, (re)creating the environment when needed."""
    python = PEERS_VENV / "bin" / "python"
    stamp = PEERS_VENV / ".requirements-sha256"
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text().strip() == wanted:
        return python
    _log(f"creating {PEERS_VENV.relative_to(BENCH.parent)} from {REQUIREMENTS.name} …")
    if not python.exists():
        venv.EnvBuilder(with_pip=True).create(PEERS_VENV)
    (PEERS_VENV / ".gitignore").write_text("*\n")
    result = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "-r", str(REQUIREMENTS)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise SystemExit(
            "could not install the peers (toad, scorecardpy) into bench/.venv-peers:\n"
            + result.stderr[-3000:]
        )
    stamp.write_text(wanted + "\n")
    return python


def load_data(python: Path) -> tuple[pd.DataFrame, str]:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / "germancredit.csv"
    if not path.exists():
        subprocess.run([str(python), str(WORKER), "export", str(path)], check=True)
    return pd.read_csv(path), hashlib.sha256(path.read_bytes()).hexdigest()


def fixed_folds(data: pd.DataFrame, digest: str) -> list[dict]:
    """The folds of ``bench/peers_folds.json``, written on the first run."""
    if FOLDS.exists():
        saved = json.loads(FOLDS.read_text(encoding="utf-8"))
        if saved["data_sha256"] != digest:
            raise SystemExit(
                f"{FOLDS.name} was made for other data (SHA-256 {saved['data_sha256'][:12]}…, "
                f"now {digest[:12]}…): delete it to draw new folds."
            )
        return saved["folds"]
    splitter = RepeatedStratifiedKFold(n_splits=N_SPLITS, n_repeats=N_REPEATS, random_state=SEED)
    folds = [
        {"repeat": i // N_SPLITS, "fold": i % N_SPLITS, "test": sorted(map(int, test))}
        for i, (_, test) in enumerate(splitter.split(data, data[TARGET]))
    ]
    FOLDS.write_text(
        json.dumps(
            {
                "dataset": "German credit (scorecardpy.germancredit()), y = 1 for bad",
                "data_sha256": digest,
                "n_rows": len(data),
                "splitter": f"RepeatedStratifiedKFold(n_splits={N_SPLITS}, "
                f"n_repeats={N_REPEATS}, random_state={SEED})",
                "folds": folds,
            },
            separators=(",", ":"),
        )
        + "\n",
        encoding="utf-8",
    )
    return folds


def _split(data: pd.DataFrame, fold: dict):
    mask = np.zeros(len(data), dtype=bool)
    mask[fold["test"]] = True
    train, test = data[~mask], data[mask]
    return (
        train.drop(columns=TARGET),
        train[TARGET].to_numpy(),
        test.drop(columns=TARGET),
        test[TARGET].to_numpy(),
    )


def ours_scorecard(X, y, X_test) -> np.ndarray:
    return ScorecardClassifier().fit(X, y).predict_proba(X_test)[:, 1]


def ours_gbm(X, y, X_test) -> np.ndarray:
    return GbmClassifier(**GBM_PARAMS).fit(X, y).predict_proba(X_test)[:, 1]


def optbinning_scorecard(X, y, X_test) -> np.ndarray:
    """optbinning's tutorial flow: BinningProcess (IV selection) + LogisticRegression."""
    from optbinning import BinningProcess, Scorecard

    categorical = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    # optbinning's categorical binning wants plain Python objects, not Arrow strings.
    X, X_test = (
        X.astype({c: object for c in categorical}),
        X_test.astype({c: object for c in categorical}),
    )
    process = BinningProcess(
        list(X.columns),
        categorical_variables=categorical,
        selection_criteria={"iv": {"min": 0.02, "max": 1}, "quality_score": {"min": 0.01}},
    )
    card = Scorecard(
        binning_process=process,
        estimator=LogisticRegression(solver="lbfgs"),
        scaling_method="min_max",
        scaling_method_params={"min": 300, "max": 850},
    )
    card.fit(X, y)
    return card.predict_proba(X_test)[:, 1]


LOCAL_TOOLS = {
    "ours: ScorecardClassifier": ours_scorecard,
    "ours: GbmClassifier": ours_gbm,
    "optbinning": optbinning_scorecard,
}


def run_local(data: pd.DataFrame, folds: list[dict]) -> dict:
    results = {}
    for tool, fit_predict in LOCAL_TOOLS.items():
        rows = []
        for fold in folds:
            X, y, X_test, y_test = _split(data, fold)
            started = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                risk = fit_predict(X, y, X_test)
            seconds = time.perf_counter() - started
            auc = float(roc_auc_score(y_test, risk))
            rows.append(
                {**{k: fold[k] for k in ("repeat", "fold")}, "auc": auc, "seconds": seconds}
            )
            _log(
                f"{tool} repeat {fold['repeat']} fold {fold['fold']}: AUC {auc:.4f} "
                f"({seconds:.1f} s)"
            )
        name = "xinping" if tool.startswith("ours") else tool
        results[tool] = {"version": version(name), "folds": rows}
    return results


def run_peers(python: Path, folds_path: Path) -> dict:
    out = CACHE / "peers-scores.json"
    subprocess.run(
        [
            str(python),
            str(WORKER),
            "score",
            str(CACHE / "germancredit.csv"),
            str(folds_path),
            str(out),
        ],
        check=True,
        stdout=sys.stderr,  # scorecardpy's progress messages; stdout is the report
    )
    return json.loads(out.read_text(encoding="utf-8"))


def summarise(results: dict) -> pd.DataFrame:
    rows = []
    for tool, result in results.items():
        if tool.startswith("_"):
            continue
        aucs = np.array([f["auc"] for f in result["folds"]])
        seconds = np.array([f["seconds"] for f in result["folds"]])
        rows.append(
            {
                "tool": tool,
                "version": result["version"],
                "folds": len(aucs),
                "mean_auc": aucs.mean(),
                "sd_auc": aucs.std(ddof=1),
                "min_auc": aucs.min(),
                "max_auc": aucs.max(),
                "fit_seconds": seconds.mean(),
            }
        )
    return pd.DataFrame(rows).set_index("tool")


def report(summary: pd.DataFrame, results: dict, peer_env: dict, elapsed: float) -> str:
    peers = summary[~summary.index.str.startswith("ours")]
    best = peers["mean_auc"].idxmax()
    lines = [
        "# Our estimators against optbinning, toad and scorecardpy",
        "",
        "Written by `bench/peers.py` (see `bench/README.md`). German credit data as shipped by "
        "scorecardpy (1,000 applicants, 20 features, 300 bad = 1); the same "
        f"stratified {N_SPLITS}-fold × {N_REPEATS} repeats (seed {SEED}) for every tool, "
        "fixed in `bench/peers_folds.json`. Out-of-fold AUC, one value per test fold; each tool "
        "fitted on the training fold only with its documented standard flow.",
        "",
        "| tool | version | mean AUC ± sd | min – max | ours / best peer | fit s/fold |",
        "|---|---|---|---|---|---|",
    ]
    for tool, row in summary.iterrows():
        ratio = (
            f"{row['mean_auc'] / peers.loc[best, 'mean_auc']:.3f}"
            if tool.startswith("ours")
            else ("best peer" if tool == best else "")
        )
        lines.append(
            f"| {tool} | {row['version']} | {row['mean_auc']:.4f} ± {row['sd_auc']:.4f} | "
            f"{row['min_auc']:.4f} – {row['max_auc']:.4f} | {ratio} | {row['fit_seconds']:.2f} |"
        )
    # Paired view: the same folds, so the fold-by-fold difference is the fair comparison.
    best_folds = np.array([f["auc"] for f in results[best]["folds"]])
    lines += ["", f"Paired differences against the best peer ({best}), fold by fold:", ""]
    lines += ["| ours | mean difference ± sd | folds ahead |", "|---|---|---|"]
    for tool in summary.index[summary.index.str.startswith("ours")]:
        diff = np.array([f["auc"] for f in results[tool]["folds"]]) - best_folds
        lines.append(
            f"| {tool} | {diff.mean():+.4f} ± {diff.std(ddof=1):.4f} | "
            f"{int((diff > 0).sum())} of {len(diff)} |"
        )
    lines += [
        "",
        "Settings:",
        "",
        "- ours: `ScorecardClassifier()` with its defaults (optbinning CP solver, trend "
        "`auto_asc_desc`, `min_iv=0.02`, `C=1`); `GbmClassifier("
        + ", ".join(f"{k}={v}" for k, v in GBM_PARAMS.items())
        + ")`, fixed before the first "
        "run, not tuned on these folds.",
        "- optbinning: `BinningProcess` with IV in [0.02, 1] and quality score ≥ 0.01, "
        "`LogisticRegression(solver='lbfgs')`, `Scorecard` min–max scaling (its tutorial).",
        "- toad: `selection.select(empty=0.5, iv=0.05, corr=0.7)`, chi-merge `Combiner` "
        "(`min_samples=0.05`), `WOETransformer`, `selection.stepwise(both, aic)`, "
        "`ScoreCard(C=0.1, class_weight='balanced')` (its tutorial); AUC of the score.",
        "- scorecardpy: `var_filter`, `woebin`, `woebin_ply`, "
        "`LogisticRegression(penalty='l1', C=0.9, solver='saga')`, `scorecard`, "
        "`scorecard_ply` (its README); AUC of the score.",
        "",
        "Environments: ours and optbinning in the project's `.venv` "
        f"(Python {platform.python_version()}, pandas {pd.__version__}, numpy {np.__version__}, "
        f"scikit-learn {version('scikit-learn')}, lightgbm {version('lightgbm')}); toad and "
        f"scorecardpy in `bench/.venv-peers` (Python {peer_env['python']}, pandas "
        f"{peer_env['pandas']}, numpy {peer_env['numpy']}, scikit-learn "
        f"{peer_env['scikit-learn']}), because scorecardpy 0.1.9.7 fails under pandas 3 with "
        "`ValueError: invalid error value specified` (it calls `pd.to_numeric(errors='ignore')`, "
        "removed in pandas 3). All three peers install and run here.",
        "",
        "Public data: scorecardpy's German credit set is the only credit data any of these "
        "packages ships (toad and optbinning ship none) and nothing may be downloaded at run "
        "time, so this is the one data set; with 1,000 rows the fold-to-fold sd is large, "
        "compare the paired differences rather than the means alone.",
        "",
        f"Whole run: {elapsed / 60:.1f} minutes on {platform.machine()}.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.parse_args()
    started = time.perf_counter()
    python = ensure_peers_venv()
    data, digest = load_data(python)
    folds = fixed_folds(data, digest)
    _log(f"{len(data)} rows, {len(folds)} folds from {FOLDS.name}")
    results = run_local(data, folds)
    peer_results = run_peers(python, FOLDS)
    peer_env = peer_results.pop("_environment")
    results.update(peer_results)
    summary = summarise(results)
    text = report(summary, results, peer_env, time.perf_counter() - started)
    RESULTS.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
