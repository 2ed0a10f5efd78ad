"""The training population's reference for monitoring, and PSI against it.

A model version is validated on the population it was fitted on; once it rates
every month, each rating batch is compared with that population (population
stability, DESIGN.md §8). The reference keeps what the comparison needs and
nothing personal: the bins of the score and of every indicator and the share of
the training rows in each bin, plus the predicted PD level.

* Numeric values: deciles of the training values (ties merged) as inner cut points,
  bins ``(-inf, c1], (c1, c2], …, (ck, inf)`` as :func:`models.metrics.psi` cuts
  them, and one more bin for missing values. A value compares with a cut widened by
  :data:`CUT_SLACK` (:func:`bin_edges`): a cut is often a training value itself, and
  the same indicator summed in another order (DuckDB's threads between two runs,
  Spark against DuckDB) moves in its last digits; it must not change bins.
* Categories: one bin per training category, one for a category the training
  population never had (``other``), one for missing.

It is written at training time as the run's artifact ``monitoring/reference.json``
(:func:`population_reference`); for versions trained before that artifact existed,
:mod:`training.monitor` rebuilds it from the store with the run's own snapshot dates.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from models.metrics import PSI_EPSILON, quantile
from models.pipeline import RatingPipeline

#: where the reference lives among a training run's artifacts
REFERENCE_PATH = "monitoring/reference.json"
#: the layout of the reference file (bumped when it changes)
FORMAT_VERSION = 1
#: quantile bins of a numeric value
BINS = 10
OTHER, MISSING = "__other__", "__missing__"
#: (relative, absolute) slack of a cut: values this close to it are the same value (the
#: engines' indicators agree to 1e-9 relative; a zero may come out as ±1e-16)
CUT_SLACK = (1e-9, 1e-12)


def _numeric(values: pd.Series) -> bool:
    return isinstance(values.dtype, np.dtype) and values.dtype.kind in "fiub"


def bins_of(values: pd.Series, bins: int = BINS, weight: np.ndarray | None = None) -> dict:
    """The bins of a training column and the training shares in them (``weight``: the
    subjects each row of a weighted sample stands for).

    Returns
    -------
    dict
        ``{"kind": "numeric", "cuts": [...], "shares": [...]}`` (``len(cuts) + 2``
        shares, the last for missing) or ``{"kind": "categorical", "categories":
        [...], "shares": [...]}`` (one share per category, then ``other`` and missing).
    """
    if _numeric(values):
        x = values.to_numpy(dtype=float)
        quantiles = np.linspace(0, 1, bins + 1)[1:-1]
        cuts = np.unique(quantile(x, quantiles, weight)) if np.any(~np.isnan(x)) else np.array([])
        spec = {"kind": "numeric", "cuts": [float(c) for c in cuts]}
    else:
        cats = sorted(set(values.dropna().astype(str)))
        spec = {"kind": "categorical", "categories": cats}
    spec["shares"] = [float(s) for s in shares_in(spec, values, weight)]
    return spec


def shares_in(spec: dict, values: pd.Series, weight: np.ndarray | None = None) -> np.ndarray:
    """Shares of ``values`` (weighted by ``weight``) in the bins of ``spec``
    (:func:`bins_of`); they sum to 1."""
    n = len(values) if weight is None else float(np.sum(weight))
    counts = counts_in(spec, values, weight)
    return counts / n if n else counts.astype(float)


def shares_of(counts: np.ndarray) -> np.ndarray:
    """Shares of unweighted bin counts (every value falls in one bin: they sum to the rows)."""
    n = int(np.sum(counts))
    return counts / n if n else np.asarray(counts).astype(float)


def bin_edges(cuts) -> np.ndarray:
    """The upper edges numeric values are compared with (``x <= edge``, the first that
    holds): each cut raised by its :data:`CUT_SLACK`, so that a value equal to a cut
    but for its last digits falls in the cut's bin on every engine. Non-decreasing as
    the cuts increase; two cuts within the slack of each other (-7e-17 and 0) put
    their values in the lower one's bin."""
    c = np.asarray(cuts, dtype=float)
    return c + np.maximum(np.abs(c) * CUT_SLACK[0], CUT_SLACK[1])


def counts_in(spec: dict, values: pd.Series, weight: np.ndarray | None = None) -> np.ndarray:
    """How many of ``values`` (or how much of ``weight``) fall in each bin of ``spec``.

    Monitoring on Spark counts the same bins in SQL (:mod:`training.monitor_sql`).
    """
    if spec["kind"] == "numeric":
        cuts = bin_edges(spec["cuts"])
        x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        index = np.searchsorted(cuts, x, side="left")
        index[np.isnan(x)] = len(cuts) + 1
        counts = np.bincount(index, weights=weight, minlength=len(cuts) + 2)
    else:
        cats = list(spec["categories"])
        text = values.astype(object).where(values.notna(), None)
        pos = {c: i for i, c in enumerate(cats)}
        index = np.array(
            [len(cats) + 1 if v is None else pos.get(str(v), len(cats)) for v in text], dtype=int
        )
        counts = np.bincount(index, weights=weight, minlength=len(cats) + 2)
    return counts


def psi_of_shares(expected, actual) -> float:
    """``Σ (a − e) · ln(a / e)`` over bins, a share of 0 read as ``PSI_EPSILON``
    (as :func:`models.metrics.psi`): PSI of ``actual`` shares against ``expected``."""
    e = np.maximum(np.asarray(expected, dtype=float), PSI_EPSILON)
    a = np.maximum(np.asarray(actual, dtype=float), PSI_EPSILON)
    if e.shape != a.shape:
        raise ValueError(f"bins differ: {e.shape[0]} expected shares, {a.shape[0]} actual")
    return float(np.sum((a - e) * np.log(a / e)))


def bin_labels(spec: dict) -> list[str]:
    """Readable names of the bins of ``spec`` (``≤ 512``, ``512–540``, ``> 600``, ``缺失``)."""
    if spec["kind"] == "categorical":
        return [*spec["categories"], "其他 other", "缺失 missing"]
    cuts = spec["cuts"]
    if not cuts:
        return ["全部 all", "缺失 missing"]
    labels = [f"≤ {cuts[0]:g}"]
    labels += [f"{a:g}–{b:g}" for a, b in itertools.pairwise(cuts)]
    return [*labels, f"> {cuts[-1]:g}", "缺失 missing"]


def population_reference(
    pipeline: RatingPipeline,
    population: pd.DataFrame,
    model_version: str | None = None,
    source: str = "training",
) -> dict:
    """The reference of a fitted pipeline's training population.

    Parameters
    ----------
    pipeline
        The fitted rating pipeline.
    population
        The rows it was fitted on: ``as_of``, the indicators and, when known, ``label``;
        a weighted sample's ``weight`` (the subjects each row stands for) weighs the
        level, the shares and the bins.
    model_version
        The registered version, when known (a training run registers it afterwards).
    source
        ``training`` (written by the run) or ``rebuilt`` (from the store, later).

    Returns
    -------
    dict
        JSON-ready: format version, scheme, family, snapshot dates, rows, predicted PD
        level (and the default rate when labelled), the score's bins and every
        indicator's bins with the training shares.
    """
    rated = pipeline.rate(population, contributions=False)
    w = population["weight"].to_numpy(float) if "weight" in population.columns else None
    grades = (
        rated["model_grade"].value_counts(normalize=True)
        if w is None
        else pd.Series(w).groupby(rated["model_grade"].to_numpy()).sum() / w.sum()
    )
    out: dict = {
        "format_version": FORMAT_VERSION,
        "scheme": pipeline.scheme,
        "family": pipeline.family,
        "model_version": model_version,
        "source": source,
        "snapshots": sorted(str(pd.Timestamp(d).date()) for d in population["as_of"].unique()),
        "rows": len(population),
        "predicted_pd": float(np.average(rated["pd"].to_numpy(float), weights=w)),
        "default_rate": (
            float(np.average(population["label"].to_numpy(float), weights=w))
            if "label" in population
            else None
        ),
        "grade_shares": {
            g: float(s)
            for g, s in grades.reindex(list(pipeline.scale.keys), fill_value=0.0).items()
        },
        "score": bins_of(pd.Series(rated["score"].to_numpy(dtype=float)), weight=w),
        "features": {f: bins_of(population[f], weight=w) for f in pipeline.features},
    }
    return out
