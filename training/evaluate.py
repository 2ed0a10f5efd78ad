"""The validation report of a rating model (DESIGN.md §8), as plain data.

Everything a bank's model validator asks for: discrimination (AUC, Gini, KS,
Brier), calibration in the large (the portfolio's level) and per grade (Jeffreys
test with its power, grades with too little evidence said so; the binomial test
kept beside it), the ordering of adjacent grades judged with confidence, grade
concentration (HHI), stability (PSI of the score and of every feature between
training and out-of-time), each feature's own out-of-time AUC (a leak detector),
the migration matrix between the two latest snapshots and, on generated data,
the ratio to the oracle's Gini. :func:`training.gates.check_gates` turns it into
named gates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models import grade_tests, metrics
from models.pipeline import RatingPipeline
from training.fit import weights_of
from training.gates import check_gates  # noqa: F401 - re-exported for existing callers
from training.spec import Gates


def _disc(y: np.ndarray, pd_: np.ndarray, w: np.ndarray | None = None) -> dict[str, float]:
    """Discrimination of one part; a weighted sample (``w``) is judged as the population
    it stands for (``n`` and ``events`` stay the rows held; ``represents``: their weight)."""
    extra = {} if w is None else {"represents": float(np.sum(w))}
    if len(np.unique(y)) < 2:
        return {
            "n": len(y),
            "events": int(y.sum()),
            "auc": float("nan"),
            "gini": float("nan"),
            "ks": float("nan"),
            "brier": float("nan"),
            **extra,
        }
    return {
        "n": len(y),
        "events": int(y.sum()),
        "event_rate": float(np.average(y, weights=w)),
        "mean_pd": float(np.average(pd_, weights=w)),
        "auc": metrics.auc(y, pd_, w),
        "gini": metrics.gini(y, pd_, w),
        "ks": metrics.ks(y, pd_, w),
        "brier": metrics.brier(y, pd_, w),
        **extra,
    }


def grade_counts(
    grades: np.ndarray,
    pd_: np.ndarray,
    y: np.ndarray,
    keys: tuple[str, ...],
    weight: np.ndarray | None = None,
) -> pd.DataFrame:
    """Per grade (in ``keys`` order): ``count``, ``defaults`` and mean ``predicted_pd``;
    with ``weight`` (a weighted sample) the subjects the rows stand for, rounded to whole
    subjects, and their weighted mean PD. Empty grades count 0 with PD 0."""
    frame = pd.DataFrame({"grade": grades, "pd": pd_, "y": y})
    if weight is None:
        g = frame.groupby("grade", observed=False).agg(
            count=("y", "size"), defaults=("y", "sum"), predicted_pd=("pd", "mean")
        )
    else:
        frame = frame.assign(w=weight, wy=weight * y, wpd=weight * pd_)
        sums = frame.groupby("grade", observed=False)[["w", "wy", "wpd"]].sum()
        g = pd.DataFrame(
            {
                "count": sums["w"].round().astype(int),
                "defaults": sums["wy"].round().astype(int),
                "predicted_pd": sums["wpd"] / sums["w"],
            }
        )
    g = g.reindex(list(keys)).fillna({"count": 0, "defaults": 0})
    g["predicted_pd"] = g["predicted_pd"].fillna(0.0)
    return g


def grade_table(
    grades: np.ndarray,
    pd_: np.ndarray,
    y: np.ndarray,
    keys: tuple[str, ...],
    weight: np.ndarray | None = None,
) -> pd.DataFrame:
    """Per grade: count, share, mean predicted PD, observed rate, binomial test.

    With ``weight`` (a weighted sample), counts and defaults are the subjects the rows
    stand for, rounded to whole subjects, and the PD their weighted mean.
    """
    g = grade_counts(grades, pd_, y, keys, weight)
    test = metrics.binomial_test(
        g["count"].to_numpy(int),
        g["defaults"].to_numpy(int),
        g["predicted_pd"].to_numpy(float),
        grades=list(keys),
    )
    test.insert(1, "share", test["count"] / max(int(test["count"].sum()), 1))
    return test


def level_test(
    y: np.ndarray, pd_: np.ndarray, level: float = 0.95, weight: np.ndarray | None = None
) -> dict:
    """Calibration in the large: the portfolio's default rate against its mean PD.

    Jeffreys one-sided p-values both ways (PD too low: ``p_under``; too high:
    ``p_over``) and the ratio observed / predicted; ``weight``: a weighted sample's
    subjects per row (counts rounded to whole subjects).
    """
    if weight is None:
        n, d = len(y), int(np.sum(y))
        mean_pd = float(np.mean(pd_)) if len(y) else float("nan")
    else:
        n, d = round(float(np.sum(weight))), round(float(np.sum(weight * y)))
        mean_pd = float(np.average(pd_, weights=weight)) if len(y) else float("nan")
    if n == 0:
        return {"n": 0, "defaults": 0}
    under = grade_tests.jeffreys_p_value(n, d, mean_pd)
    return {
        "n": n,
        "defaults": d,
        "observed_rate": d / n,
        "predicted_rate": mean_pd,
        "ratio": (d / n) / mean_pd if mean_pd > 0 else float("inf"),
        "p_under": under,
        "p_over": 1.0 - under,
        "confidence": level,
    }


def calibration_table(
    grades: np.ndarray,
    pd_: np.ndarray,
    y: np.ndarray,
    keys: tuple[str, ...],
    gates: Gates,
    weight: np.ndarray | None = None,
) -> dict:
    """Calibration in the large and per grade (Jeffreys), as the gates judge them.

    Each grade's PD is its subjects' mean PD times the out-of-time level ratio
    (observed / predicted over the portfolio), so the per-grade test judges how
    the PD is spread over the grades, the level being judged on its own
    (:class:`training.spec.Gates`). A grade fails when its default rate significantly
    exceeds that PD times ``gates.grade_materiality`` (H0: rate <= m x PD, Jeffreys
    one-sided): with thousands of obligors the test alone detects a 15 % deviation,
    which a validator weighs for materiality. Beside it: ``p_value_at_pd`` (the
    adjusted PD with no margin) and ``p_value_unadjusted`` (the model's own PD).
    ``expected_defaults`` and the insufficient-evidence rule use the adjusted PD.
    ``weight``: a weighted sample's subjects per row (:func:`grade_counts`).
    """
    g = grade_counts(grades, pd_, y, keys, weight)
    level = level_test(y, pd_, gates.confidence, weight)
    ratio = level.get("ratio", 1.0)
    ratio = 1.0 if not np.isfinite(ratio) or ratio <= 0 else ratio
    n, d = g["count"].to_numpy(int), g["defaults"].to_numpy(int)
    adjusted = np.clip(g["predicted_pd"].to_numpy(float) * ratio, 0.0, 1.0)
    tested = np.clip(adjusted * gates.grade_materiality, 0.0, 1.0)
    test = grade_tests.jeffreys_test(
        n,
        d,
        tested,
        grades=list(keys),
        level=gates.confidence,
        power=gates.power,
        min_expected_defaults=0.0,
        min_count=1,
    )
    test = test.rename(columns={"predicted_pd": "tested_pd"})
    test.insert(3, "predicted_pd", g["predicted_pd"].to_numpy(float))
    test.insert(4, "adjusted_pd", adjusted)
    test["expected_defaults"] = n * adjusted
    thin = (test["expected_defaults"] < gates.min_expected_defaults) | (n < gates.min_grade_count)
    test.loc[thin, "status"] = "insufficient"

    def p_at(pds: np.ndarray) -> list[float]:
        return [
            grade_tests.jeffreys_p_value(int(ni), int(di), float(pi)) if ni else float("nan")
            for ni, di, pi in zip(n, d, pds, strict=True)
        ]

    test["p_value_at_pd"] = p_at(adjusted)
    test["p_value_unadjusted"] = p_at(g["predicted_pd"].to_numpy(float))
    counts = test["status"].value_counts()
    summary = {s: int(counts.get(s, 0)) for s in ("passed", "failed", "insufficient")}
    testable = summary["passed"] + summary["failed"]
    return {
        "in_the_large": level,
        "level_ratio_applied": ratio,
        "grades": [
            {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in r.items()}
            for r in test.reset_index().to_dict(orient="records")
        ],
        "counts": summary,
        "failed_share": summary["failed"] / testable if testable else None,
        "confidence": gates.confidence,
        "power": gates.power,
        "materiality": gates.grade_materiality,
    }


def ordering_table(
    grades: np.ndarray,
    y: np.ndarray,
    keys: tuple[str, ...],
    level: float,
    weight: np.ndarray | None = None,
) -> dict:
    """Adjacent grades: ordered / indistinct / reversed with confidence (Fisher exact);
    ``weight``: a weighted sample's subjects per row (:func:`grade_counts`)."""
    g = grade_counts(grades, np.zeros(len(y)), y, keys, weight)
    pairs = grade_tests.ordering_test(
        g["count"].to_numpy(int), g["defaults"].to_numpy(int), grades=list(keys), level=level
    )
    counts = pairs["status"].value_counts()
    return {
        "pairs": pairs.to_dict(orient="records"),
        "counts": {s: int(counts.get(s, 0)) for s in ("ordered", "indistinct", "reversed")},
        "confidence": level,
    }


def feature_auc(
    train: pd.DataFrame,
    oot: pd.DataFrame,
    features: tuple[str, ...],
    weight: np.ndarray | None = None,
    oot_weight: np.ndarray | None = None,
) -> dict:
    """Each feature's own out-of-time AUC: its training default rate per bin (deciles of
    a number, each category, missing as a bin) read as the score of the out-of-time
    subjects. Learnt on train, judged out of time, so a high value is real separation —
    on public records alone, implausibly high separation means the outcome leaked in."""
    y_tr, y_oot = train["label"].to_numpy(int), oot["label"].to_numpy(int)
    if len(np.unique(y_oot)) < 2 or len(np.unique(y_tr)) < 2:
        return {}
    base = float(y_tr.mean())
    out = {}
    for f in features:
        a, b = train[f], oot[f]
        if a.dtype == object or str(a.dtype) in ("str", "string", "category"):
            ka = a.astype(str).where(a.notna(), "<NA>").to_numpy()
            kb = b.astype(str).where(b.notna(), "<NA>").to_numpy()
        else:
            x, z = a.to_numpy(float), b.to_numpy(float)
            edges = (
                np.unique(metrics.quantile(x, np.linspace(0, 1, 11)[1:-1], weight))
                if np.any(~np.isnan(x))
                else []
            )
            ka = np.where(np.isnan(x), -1, np.searchsorted(edges, x, side="left"))
            kb = np.where(np.isnan(z), -1, np.searchsorted(edges, z, side="left"))
        if weight is None:
            rates = pd.DataFrame({"k": ka, "y": y_tr}).groupby("k")["y"].agg(["sum", "size"])
        else:
            rates = (
                pd.DataFrame({"k": ka, "sum": weight * y_tr, "size": weight})
                .groupby("k")[["sum", "size"]]
                .sum()
            )
        # a few pseudo-observations at the base rate keep a rare bin from scoring 0 or 1
        smooth = (rates["sum"] + 10 * base) / (rates["size"] + 10)
        score = pd.Series(kb).map(smooth).fillna(base).to_numpy(float)
        out[f] = metrics.auc(y_oot, score, oot_weight)
    return out


def feature_psi(
    train: pd.DataFrame,
    oot: pd.DataFrame,
    features: tuple[str, ...],
    weight: np.ndarray | None = None,
    oot_weight: np.ndarray | None = None,
) -> dict[str, float]:
    """PSI of every feature (categories as their own bins, missing as a bin);
    ``weight`` / ``oot_weight``: the subjects each training / out-of-time row stands for
    (a weighted sample)."""
    out = {}
    for f in features:
        a, b = train[f], oot[f]
        if a.dtype == object or str(a.dtype) in ("str", "string", "category"):
            cats = sorted(set(a.dropna().astype(str)) | set(b.dropna().astype(str)))
            keys_a = a.astype(str).where(a.notna(), "<NA>")
            ea = (
                keys_a.value_counts()
                if weight is None
                else pd.Series(weight, index=a.index).groupby(keys_a.to_numpy()).sum()
            )
            keys_b = b.astype(str).where(b.notna(), "<NA>")
            eb = (
                keys_b.value_counts()
                if oot_weight is None
                else pd.Series(oot_weight, index=b.index).groupby(keys_b.to_numpy()).sum()
            )
            idx = [*cats, "<NA>"]
            pa_ = ea.reindex(idx, fill_value=0).to_numpy(float)
            pb_ = eb.reindex(idx, fill_value=0).to_numpy(float)
            pa_, pb_ = pa_ / pa_.sum() + 1e-6, pb_ / pb_.sum() + 1e-6
            out[f] = float(np.sum((pb_ - pa_) * np.log(pb_ / pa_)))
        else:
            # deciles of the training values and one bin for missing, shares over all
            # rows: a shift among the 1 % of subjects that have a value weighs 1 %, not
            # as much as a shift of the whole population
            x, z = a.to_numpy(float), b.to_numpy(float)
            edges = (
                np.unique(metrics.quantile(x, np.linspace(0, 1, 11)[1:-1], weight))
                if np.any(~np.isnan(x))
                else []
            )
            out[f] = metrics.psi(
                x, z, bins=list(edges), expected_weight=weight, actual_weight=oot_weight
            )
    return out


def evaluate(
    pipeline: RatingPipeline,
    train: pd.DataFrame,
    validation: pd.DataFrame,
    oot: pd.DataFrame,
    truth: pd.DataFrame | None = None,
    gates: Gates | None = None,
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
    gates
        The spec's gates: confidence, power and minimum evidence of the tests
        (defaults of :class:`training.spec.Gates` when not given).

    A part drawn as a weighted sample (a ``weight`` column) is judged with its weights:
    discrimination, the grade tables, calibration in the large and per grade, the
    ordering of grades (counts as the subjects the rows stand for, rounded), the PSIs,
    the single-feature AUCs, the migration matrix and the oracle ratio stand for the
    population, not for the rows held.
    """
    gates = gates or Gates()
    keys = pipeline.scale.keys
    parts = {"train": train, "validation": validation, "oot": oot}
    rated = {k: pipeline.rate(v, contributions=False) for k, v in parts.items()}
    report: dict = {
        "scheme": pipeline.scheme,
        "family": pipeline.family,
        "grades": list(keys),
        "cutoffs": list(pipeline.scale.cutoffs),
    }
    weights = {k: weights_of(v) for k, v in parts.items()}
    report["discrimination"] = {
        k: _disc(parts[k]["label"].to_numpy(int), rated[k]["pd"].to_numpy(), weights[k])
        for k in parts
    }
    y = oot["label"].to_numpy(int)
    pd_oot = rated["oot"]["pd"].to_numpy()
    w_oot = weights["oot"]
    for kind in ("model_grade", "final_grade"):
        table = grade_table(rated["oot"][kind].to_numpy(), pd_oot, y, keys, w_oot)
        rates = table["observed_rate"].to_numpy()
        report[f"{kind}s"] = {
            "table": table.reset_index().to_dict(orient="records"),
            "monotone": metrics.monotonic(rates, strict=False),
            "strictly_monotone": metrics.monotonic(rates, strict=True),
            "within_ci_share": float(table.loc[table["count"] > 0, "consistent"].mean()),
            "hhi": metrics.hhi(np.maximum(table["count"].to_numpy(float), 0) + 1e-12),
        }
    # calibration and ordering are judged on the model's grades: overrides move
    # subjects by policy, not by PD
    model_grades = rated["oot"]["model_grade"].to_numpy()
    report["calibration"] = calibration_table(model_grades, pd_oot, y, keys, gates, w_oot)
    report["ordering"] = ordering_table(model_grades, y, keys, gates.confidence, w_oot)
    train_table = grade_table(
        rated["train"]["model_grade"].to_numpy(),
        rated["train"]["pd"].to_numpy(),
        train["label"].to_numpy(int),
        keys,
        weights["train"],
    )
    report["train_grades"] = train_table.reset_index().to_dict(orient="records")
    report["stability"] = {
        "score_psi": metrics.psi(
            rated["train"]["score"].to_numpy(float),
            rated["oot"]["score"].to_numpy(float),
            expected_weight=weights["train"],
            actual_weight=w_oot,
        ),
        "feature_psi": feature_psi(train, oot, pipeline.features, weights["train"], w_oot),
    }
    report["feature_psi"] = report["stability"]["feature_psi"]
    report["leakage"] = {
        "feature_auc": feature_auc(train, oot, pipeline.features, weights["train"], w_oot)
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
        if w_oot is None:
            mig = metrics.migration_matrix(b, a, keys)
        else:
            # a subject is drawn at each date apart: one held at both stands for the
            # product of its two weights (the inverse of the chance it is held at both)
            wb = pd.Series(w_oot[before.to_numpy()], index=b.index)
            wa = pd.Series(w_oot[after.to_numpy()], index=a.index)
            both = b.index.intersection(a.index)
            pairs = pd.DataFrame({"b": b[both], "a": a[both], "w": wb[both] * wa[both]})
            mig = (
                pairs.pivot_table(index="b", columns="a", values="w", aggfunc="sum")
                .reindex(index=list(keys), columns=list(keys))
                .fillna(0.0)
                .round()
                .astype(int)
                .rename_axis(index="before", columns="after")
            )
        report["migration"] = {
            "from": str(pd.Timestamp(dates[-2]).date()),
            "to": str(pd.Timestamp(dates[-1]).date()),
            "matrix": mig.to_dict(orient="index"),
        }
    if truth is not None and len(truth):
        merged = (
            oot[["subject_id", "as_of", "label"]]
            .assign(pd=pd_oot, w=1.0 if w_oot is None else w_oot)
            .merge(truth, on=["subject_id", "as_of"], how="inner")
        )
        if len(merged) and merged["label"].nunique() == 2:
            mw = None if w_oot is None else merged["w"].to_numpy()
            g_model = metrics.gini(merged["label"], merged["pd"], mw)
            g_oracle = metrics.gini(merged["label"], merged["pd_true"], mw)
            report["oracle"] = {
                "n": len(merged),
                "model_gini": g_model,
                "oracle_gini": g_oracle,
                "oracle_auc": metrics.auc(merged["label"], merged["pd_true"], mw),
                "ratio": float(g_model / g_oracle) if g_oracle else None,
            }
    return report
