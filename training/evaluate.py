"""The validation report of a rating model (DESIGN.md §8), as plain data.

Everything a bank's model validator asks for: discrimination (AUC, Gini, KS,
Brier), calibration per grade with a binomial test, monotone default rates,
grade concentration (HHI), stability (PSI of the score and of every feature
between training and out-of-time), the migration matrix between the two latest
snapshots and, on generated data, the ratio to the oracle's Gini.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models import metrics
from models.pipeline import RatingPipeline
from training.spec import Gates


def _disc(y: np.ndarray, pd_: np.ndarray) -> dict[str, float]:
    if len(np.unique(y)) < 2:
        return {
            "n": len(y),
            "events": int(y.sum()),
            "auc": float("nan"),
            "gini": float("nan"),
            "ks": float("nan"),
            "brier": float("nan"),
        }
    return {
        "n": len(y),
        "events": int(y.sum()),
        "event_rate": float(np.mean(y)),
        "mean_pd": float(np.mean(pd_)),
        "auc": metrics.auc(y, pd_),
        "gini": metrics.gini(y, pd_),
        "ks": metrics.ks(y, pd_),
        "brier": metrics.brier(y, pd_),
    }


def grade_table(
    grades: np.ndarray, pd_: np.ndarray, y: np.ndarray, keys: tuple[str, ...]
) -> pd.DataFrame:
    """Per grade: count, share, mean predicted PD, observed rate, binomial test."""
    frame = pd.DataFrame({"grade": grades, "pd": pd_, "y": y})
    g = frame.groupby("grade", observed=False).agg(
        count=("y", "size"), defaults=("y", "sum"), predicted_pd=("pd", "mean")
    )
    g = g.reindex(list(keys)).fillna({"count": 0, "defaults": 0})
    g["predicted_pd"] = g["predicted_pd"].fillna(0.0)
    test = metrics.binomial_test(
        g["count"].to_numpy(int),
        g["defaults"].to_numpy(int),
        g["predicted_pd"].to_numpy(float),
        grades=list(keys),
    )
    test.insert(1, "share", test["count"] / max(int(test["count"].sum()), 1))
    return test


def feature_psi(
    train: pd.DataFrame, oot: pd.DataFrame, features: tuple[str, ...]
) -> dict[str, float]:
    """PSI of every feature (categories as their own bins, missing as a bin)."""
    out = {}
    for f in features:
        a, b = train[f], oot[f]
        if a.dtype == object or str(a.dtype) in ("str", "string", "category"):
            cats = sorted(set(a.dropna().astype(str)) | set(b.dropna().astype(str)))
            ea = a.astype(str).where(a.notna(), "<NA>").value_counts()
            eb = b.astype(str).where(b.notna(), "<NA>").value_counts()
            idx = [*cats, "<NA>"]
            pa_ = ea.reindex(idx, fill_value=0).to_numpy(float)
            pb_ = eb.reindex(idx, fill_value=0).to_numpy(float)
            pa_, pb_ = pa_ / pa_.sum() + 1e-6, pb_ / pb_.sum() + 1e-6
            out[f] = float(np.sum((pb_ - pa_) * np.log(pb_ / pa_)))
        else:
            x, z = a.to_numpy(float), b.to_numpy(float)
            miss_a, miss_b = np.isnan(x).mean(), np.isnan(z).mean()
            xs, zs = x[~np.isnan(x)], z[~np.isnan(z)]
            if len(xs) == 0 or len(zs) == 0 or np.unique(xs).size < 2:
                base = 0.0
            else:
                edges = np.unique(np.quantile(xs, np.linspace(0, 1, 11)[1:-1]))
                base = metrics.psi(xs, zs, bins=edges.tolist()) if len(edges) else 0.0
            miss = (miss_b - miss_a) * np.log((miss_b + 1e-6) / (miss_a + 1e-6))
            out[f] = float(base + miss)
    return out


def evaluate(
    pipeline: RatingPipeline,
    train: pd.DataFrame,
    validation: pd.DataFrame,
    oot: pd.DataFrame,
    truth: pd.DataFrame | None = None,
) -> dict:
    """Build the validation report.

    Parameters
    ----------
    pipeline
        The fitted rating pipeline.
    train, validation, oot
        Snapshot frames with ``subject_id``, ``as_of``, the indicators and ``label``.
    truth
        Optional ``subject_id``, ``as_of``, ``pd_true`` (generated data only).
    """
    keys = pipeline.scale.keys
    parts = {"train": train, "validation": validation, "oot": oot}
    rated = {k: pipeline.rate(v, contributions=False) for k, v in parts.items()}
    report: dict = {
        "scheme": pipeline.scheme,
        "family": pipeline.family,
        "grades": list(keys),
        "cutoffs": list(pipeline.scale.cutoffs),
    }
    report["discrimination"] = {
        k: _disc(parts[k]["label"].to_numpy(int), rated[k]["pd"].to_numpy()) for k in parts
    }
    y = oot["label"].to_numpy(int)
    pd_oot = rated["oot"]["pd"].to_numpy()
    for kind in ("model_grade", "final_grade"):
        table = grade_table(rated["oot"][kind].to_numpy(), pd_oot, y, keys)
        rates = table["observed_rate"].to_numpy()
        report[f"{kind}s"] = {
            "table": table.reset_index().to_dict(orient="records"),
            "monotone": metrics.monotonic(rates, strict=False),
            "strictly_monotone": metrics.monotonic(rates, strict=True),
            "within_ci_share": float(table.loc[table["count"] > 0, "consistent"].mean()),
            "hhi": metrics.hhi(np.maximum(table["count"].to_numpy(float), 0) + 1e-12),
        }
    train_table = grade_table(
        rated["train"]["model_grade"].to_numpy(),
        rated["train"]["pd"].to_numpy(),
        train["label"].to_numpy(int),
        keys,
    )
    report["train_grades"] = train_table.reset_index().to_dict(orient="records")
    report["stability"] = {
        "score_psi": metrics.psi(
            rated["train"]["score"].to_numpy(float), rated["oot"]["score"].to_numpy(float)
        ),
        "feature_psi": feature_psi(train, oot, pipeline.features),
    }
    dates = sorted(oot["as_of"].unique())
    if len(dates) >= 2:
        before = oot["as_of"] == dates[-2]
        after = oot["as_of"] == dates[-1]
        b = pd.Series(
            rated["oot"]["final_grade"][before].to_numpy(),
            index=oot.loc[before, "subject_id"].to_numpy(),
        )
        a = pd.Series(
            rated["oot"]["final_grade"][after].to_numpy(),
            index=oot.loc[after, "subject_id"].to_numpy(),
        )
        mig = metrics.migration_matrix(b, a, keys)
        report["migration"] = {
            "from": str(pd.Timestamp(dates[-2]).date()),
            "to": str(pd.Timestamp(dates[-1]).date()),
            "matrix": mig.to_dict(orient="index"),
        }
    if truth is not None and len(truth):
        merged = (
            oot[["subject_id", "as_of", "label"]]
            .assign(pd=pd_oot)
            .merge(truth, on=["subject_id", "as_of"], how="inner")
        )
        if len(merged) and merged["label"].nunique() == 2:
            g_model = metrics.gini(merged["label"], merged["pd"])
            g_oracle = metrics.gini(merged["label"], merged["pd_true"])
            report["oracle"] = {
                "n": len(merged),
                "model_gini": g_model,
                "oracle_gini": g_oracle,
                "oracle_auc": metrics.auc(merged["label"], merged["pd_true"]),
                "ratio": float(g_model / g_oracle) if g_oracle else None,
            }
    return report


def check_gates(report: dict, gates: Gates) -> list[dict]:
    """Each gate with the value measured and whether it passed."""
    oot = report["discrimination"]["oot"]
    # calibration and monotonicity are judged on the model's grades: overrides move
    # subjects by policy, not by PD
    grades = report["model_grades"]
    checks = [
        ("min_auc", oot["auc"], gates.min_auc, oot["auc"] >= gates.min_auc),
        ("max_brier", oot["brier"], gates.max_brier, oot["brier"] <= gates.max_brier),
        (
            "min_grades_within_ci",
            grades["within_ci_share"],
            gates.min_grades_within_ci,
            grades["within_ci_share"] >= gates.min_grades_within_ci,
        ),
        (
            "max_score_psi",
            report["stability"]["score_psi"],
            gates.max_score_psi,
            report["stability"]["score_psi"] <= gates.max_score_psi,
        ),
    ]
    if gates.monotone_default_rates:
        checks.append(
            (
                "monotone_default_rates",
                report["model_grades"]["monotone"],
                True,
                bool(report["model_grades"]["monotone"]),
            )
        )
    return [{"gate": n, "value": v, "threshold": t, "passed": bool(ok)} for n, v, t, ok in checks]
