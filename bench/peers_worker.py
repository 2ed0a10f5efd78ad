"""The peers that need their own environment: toad and scorecardpy (run by bench/peers.py).

Runs inside ``bench/.venv-peers`` (see bench/README.md): scorecardpy 0.1.9.7 calls
``pd.to_numeric(..., errors="ignore")``, which pandas 3 removed, so that environment
keeps pandas 2. Two commands:

    python bench/peers_worker.py export OUT.csv
        write scorecardpy's German credit data with the target ``y`` (1 = bad)
    python bench/peers_worker.py score DATA.csv FOLDS.json OUT.json [--tools toad,scorecardpy]
        fit each tool's standard scorecard on every training fold and write the
        out-of-fold AUC of each test fold

Each tool follows its own documentation's standard flow, fitted on the training fold only.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from importlib.metadata import version

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

TARGET = "y"


def export(out: str) -> None:
    import scorecardpy as sc

    data = sc.germancredit()
    data[TARGET] = (data.pop("creditability").astype(str) == "bad").astype(int)
    data.to_csv(out, index=False)
    print(f"wrote {out}: {data.shape[0]} rows, {data.shape[1] - 1} features", file=sys.stderr)


def toad_scorecard(train: pd.DataFrame, test: pd.DataFrame) -> np.ndarray:
    """toad's tutorial flow: select → chi-merge Combiner → WOE → stepwise → ScoreCard."""
    import toad

    selected = toad.selection.select(train, target=TARGET, empty=0.5, iv=0.05, corr=0.7)
    combiner = toad.transform.Combiner()
    combiner.fit(selected, y=TARGET, method="chi", min_samples=0.05)
    woe = toad.transform.WOETransformer()
    train_woe = woe.fit_transform(combiner.transform(selected), selected[TARGET], exclude=[TARGET])
    final = toad.selection.stepwise(
        train_woe, target=TARGET, estimator="ols", direction="both", criterion="aic"
    )
    columns = [c for c in final.columns if c != TARGET]
    card = toad.ScoreCard(
        combiner=combiner,
        transer=woe,
        class_weight="balanced",
        C=0.1,
        base_score=600,
        base_odds=35,
        pdo=60,
        rate=2,
    )
    card.fit(final[columns], final[TARGET])
    return -np.asarray(card.predict(test[columns]), dtype=float)  # higher score = safer


def scorecardpy_scorecard(train: pd.DataFrame, test: pd.DataFrame) -> np.ndarray:
    """scorecardpy's README flow: var_filter → woebin → woebin_ply → L1 LR → scorecard."""
    import scorecardpy as sc

    kept = sc.var_filter(train, y=TARGET)
    bins = sc.woebin(kept, y=TARGET, print_step=0)
    train_woe = sc.woebin_ply(kept, bins, print_step=0)
    x_cols = [c for c in train_woe.columns if c != TARGET]
    lr = LogisticRegression(penalty="l1", C=0.9, solver="saga", max_iter=5000)
    lr.fit(train_woe[x_cols], train_woe[TARGET])
    card = sc.scorecard(bins, lr, x_cols)
    score = sc.scorecard_ply(test, card, print_step=0)
    return -score["score"].to_numpy(dtype=float)  # higher score = safer


TOOLS = {"toad": toad_scorecard, "scorecardpy": scorecardpy_scorecard}


def score(data_path: str, folds_path: str, out: str, tools: list[str]) -> None:
    data = pd.read_csv(data_path)
    with open(folds_path, encoding="utf-8") as handle:
        folds = json.load(handle)["folds"]
    results = {}
    for tool in tools:
        rows = []
        for fold in folds:
            test_rows = np.asarray(fold["test"])
            mask = np.zeros(len(data), dtype=bool)
            mask[test_rows] = True
            train, test = data[~mask].reset_index(drop=True), data[mask].reset_index(drop=True)
            started = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                risk = TOOLS[tool](train, test)
            seconds = time.perf_counter() - started
            auc = float(roc_auc_score(test[TARGET], risk))
            rows.append(
                {"repeat": fold["repeat"], "fold": fold["fold"], "auc": auc, "seconds": seconds}
            )
            print(
                f"{tool} repeat {fold['repeat']} fold {fold['fold']}: AUC {auc:.4f} "
                f"({seconds:.1f} s)",
                file=sys.stderr,
            )
        results[tool] = {"version": version(tool), "folds": rows}
    results["_environment"] = {
        "python": sys.version.split()[0],
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "scikit-learn": version("scikit-learn"),
    }
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(results, handle, indent=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_export = sub.add_parser("export")
    p_export.add_argument("out")
    p_score = sub.add_parser("score")
    p_score.add_argument("data")
    p_score.add_argument("folds")
    p_score.add_argument("out")
    p_score.add_argument("--tools", default="toad,scorecardpy")
    args = parser.parse_args()
    if args.command == "export":
        export(args.out)
    else:
        score(args.data, args.folds, args.out, args.tools.split(","))


if __name__ == "__main__":
    main()
