"""Monitoring's counts aggregated by the store's engine: a rating batch on Spark.

On a lake (``xinping monitor --engine spark``) neither the batch's ratings, nor its
indicators, nor its labels come back to the driver: each is one SQL query that
returns what :class:`training.monitor_counts.BatchCounts` holds, so what the
driver receives is bounded by the bins and grades, not by the population.

* **Indicators.** The scheme's compiled feature query (Spark dialect,
  :func:`features.build.feature_sql`) restricted to the batch's subjects, each
  indicator mapped to its bin of the training reference, and the rows counted per
  indicator and bin in one pass (one row back).
* **Score.** The batch's rows counted per score bin, with the rows and the mean PD.
* **Back-test** (once matured). The batch left-joined with the labels
  (:func:`features.compile.label_sql`): per grade the subjects, the defaults and the
  sum of PDs.
* **AUC** (once matured). The exact Mann–Whitney AUC, ties counted ½, as
  :func:`models.metrics.auc` computes it: the cohort is reduced to the defaults and
  non-defaults per distinct PD; the distinct PDs are put in order-preserving buckets
  (``floor(256 · ln pd)``); within a bucket a window ordered by PD counts the
  non-defaults below each PD (partitioned by bucket, so no single task sorts the
  province); the driver adds the pairs across buckets from the per-bucket totals.
  All counts are integers, so the AUC is the exact one, rounded once (the test
  checks it against :func:`models.metrics.auc` to 1e-12). Nothing is binned
  coarsely: it is not an approximation.

The bins are the ones :func:`training.reference.counts_in` uses: a numeric value in
``(-inf, c1], (c1, c2], …, (ck, inf)`` and missing (NULL or NaN) last; a category
in its training category's bin, ``other``, or missing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from features.build import feature_sql
from features.compile import BuildConfig, label_sql
from features.dsl import Scheme
from features.store.base import Frames, Store
from training.backtest import GradeOutcome, Outcomes
from training.monitor_counts import BatchCounts
from training.monitor_store import Batch, batch_filter
from training.reference import bin_edges

#: buckets per unit of ln(PD) for the AUC's windows (any order-preserving map is exact)
AUC_BUCKETS_PER_LN = 256
#: the bucket of a PD of 0 or less (below every ln bucket)
_NON_POSITIVE = -(10**9)


def _double(value: float) -> str:
    # a bare 0.5 is a DECIMAL in Spark: cuts compare as doubles on both engines
    return f"CAST({float(value)!r} AS DOUBLE)"


def bin_sql(spec: dict, column: str) -> tuple[str, list[Any]]:
    """The bin index of ``column`` in ``spec`` as SQL, and its parameters (categories)."""
    if spec["kind"] == "numeric":
        cuts = bin_edges(spec["cuts"])  # as training.reference.counts_in compares
        x = f"CAST({column} AS DOUBLE)"
        whens = [f"WHEN {x} IS NULL OR isnan({x}) THEN {len(cuts) + 1}"]
        whens += [f"WHEN {x} <= {_double(c)} THEN {i}" for i, c in enumerate(cuts)]
        return f"CASE {' '.join(whens)} ELSE {len(cuts)} END", []
    cats = list(spec["categories"])
    text = f"CAST({column} AS STRING)"
    whens = [f"WHEN {column} IS NULL THEN {len(cats) + 1}"]
    whens += [f"WHEN {text} = ? THEN {i}" for i in range(len(cats))]
    return f"CASE {' '.join(whens)} ELSE {len(cats)} END", list(cats)


def bin_count(spec: dict) -> int:
    """Bins of ``spec``: the inner ones, then ``other`` (categories) or the top bin, and missing."""
    inner = spec["cuts"] if spec["kind"] == "numeric" else spec["categories"]
    return len(inner) + 2


def batch_rows_sql(store: Store, columns: str = "*") -> str:
    """The batch's rows in ``ratings``; parameters: scheme, as-of date, model version."""
    return (
        f"SELECT {columns} FROM ratings WHERE scheme = ? AND as_of = ? AND model_version = ? "
        f"AND {batch_filter(store.dialect)}"
    )


def _key(batch: Batch) -> list[Any]:
    return [batch.scheme, batch.as_of, batch.model_version]


def _bin_counts(
    store: Store,
    source: str,
    source_params: list[Any],
    specs: dict[str, dict],
    aggregates: tuple[str, ...] = (),
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Rows of ``source`` counted per bin of each spec, in one pass (one row back).

    Returns the row (``n``, the ``aggregates``) and the counts per spec.
    """
    names = list(specs)
    bins, params = [], []
    for i, name in enumerate(names):
        expr, p = bin_sql(specs[name], f"s.{name}")
        bins.append(f"{expr} AS b{i}")
        params += p
    sums = [
        f"sum(CASE WHEN b{i} = {j} THEN 1 ELSE 0 END) AS c{i}_{j}"
        for i, name in enumerate(names)
        for j in range(bin_count(specs[name]))
    ]
    outer = ", ".join(["count(*) AS n", *aggregates, *sums])
    sql = f"SELECT {outer} FROM (SELECT {', '.join(['s.*', *bins])} FROM ({source}) s) t"
    row = store.query(sql, params + source_params).iloc[0].to_dict()
    counts = {
        name: np.array(
            [_int(row[f"c{i}_{j}"]) for j in range(bin_count(specs[name]))], dtype=np.int64
        )
        for i, name in enumerate(names)
    }
    return row, counts


def _int(value: Any) -> int:
    """A count from a one-row result (a sum over no rows is NULL)."""
    return 0 if value is None or value != value else int(value)


def _float(value: Any) -> float | None:
    return None if value is None or value != value else float(value)


def feature_counts(
    store: Store,
    reference: dict,
    scheme: Scheme,
    batch: Batch,
    cfg: BuildConfig | None = None,
) -> dict[str, np.ndarray]:
    """The batch's subjects' indicators at the batch date, counted per reference bin."""
    declared = {i.name for i in scheme.indicators}
    specs = {name: spec for name, spec in reference["features"].items() if name in declared}
    source = (
        f"SELECT f.* FROM ({feature_sql(scheme, batch.as_of, store.dialect, cfg)}) f "
        f"WHERE f.subject_id IN ({batch_rows_sql(store, 'subject_id')})"
    )
    _, counts = _bin_counts(store, source, _key(batch), specs)
    return counts


def score_counts(
    store: Store, reference: dict, batch: Batch
) -> tuple[int, float | None, np.ndarray]:
    """The batch's rows, mean PD and scores counted per reference score bin."""
    row, counts = _bin_counts(
        store,
        batch_rows_sql(store, "score, pd"),
        _key(batch),
        {"score": reference["score"]},
        ("avg(pd) AS mean_pd",),
    )
    return _int(row["n"]), _float(row["mean_pd"]), counts["score"]


def _labelled_sql(store: Store, scheme: Scheme, batch: Batch) -> str:
    """The batch's ``pd``, ``model_grade`` and ``y`` (1: the target event in the window)."""
    return f"""SELECT b.pd, b.model_grade,
  CASE WHEN l.subject_id IS NULL THEN 0 ELSE 1 END AS y
FROM ({batch_rows_sql(store, "subject_id, pd, model_grade")}) b
LEFT JOIN ({label_sql(scheme, batch.as_of)}) l ON b.subject_id = l.subject_id"""


def outcomes(store: Store, scheme: Scheme, batch: Batch) -> Outcomes:
    """The batch's back-test counts per grade and its exact AUC (matured batches)."""
    labelled = _labelled_sql(store, scheme, batch)
    per_grade = store.query(
        f"""SELECT model_grade, count(*) AS n, sum(y) AS d, sum(pd) AS pd_sum,
  count(pd) AS pd_n FROM ({labelled}) x GROUP BY model_grade""",
        _key(batch),
    )
    grades: dict[str, GradeOutcome] = {}
    n = defaults = pd_n = 0
    pd_sum = 0.0
    for r in per_grade.itertuples(index=False):
        n, defaults = n + int(r.n), defaults + _int(r.d)
        pd_sum, pd_n = pd_sum + (_float(r.pd_sum) or 0.0), pd_n + _int(r.pd_n)
        if r.model_grade is not None and r.model_grade == r.model_grade:
            mean = _float(r.pd_sum) / _int(r.pd_n) if _int(r.pd_n) else float("nan")
            grades[str(r.model_grade)] = GradeOutcome(int(r.n), _int(r.d), mean)
    auc = exact_auc(store, labelled, _key(batch)) if 0 < defaults < n else None
    return Outcomes(grades, n, defaults, pd_sum / pd_n if pd_n else None, auc)


def exact_auc(
    store: Store, labelled: str, params: list[Any], frames: Frames | None = None
) -> float:
    """The AUC of ``pd`` for ``y`` over ``labelled``'s rows, exact (ties ½).

    Per bucket of PDs the engine returns the defaults, the non-defaults and twice the
    pairs (default, non-default) ordered within it (a tie is one half, hence twice);
    the pairs across buckets are the defaults of a bucket times the non-defaults of
    every lower one.
    """
    bucket = (
        f"CASE WHEN pd <= 0 THEN {_NON_POSITIVE} "
        f"ELSE CAST(floor(ln(pd) * {AUC_BUCKETS_PER_LN}) AS BIGINT) END"
    )
    frame = store.query(
        f"""WITH v AS (
  SELECT pd, sum(y) AS pos, sum(1 - y) AS neg FROM ({labelled}) x
  WHERE pd IS NOT NULL GROUP BY pd),
w AS (
  SELECT bucket, pos, neg,
    coalesce(sum(neg) OVER (PARTITION BY bucket ORDER BY pd
                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS below
  FROM (SELECT {bucket} AS bucket, pd, pos, neg FROM v) b)
SELECT bucket, sum(pos) AS pos, sum(neg) AS neg, sum(pos * (2 * below + neg)) AS twice_within
FROM w GROUP BY bucket ORDER BY bucket""",
        params,
        frames,
    )
    twice = 0
    negatives_below = 0
    positives = negatives = 0
    for r in frame.itertuples(index=False):
        pos, neg = int(r.pos), int(r.neg)
        twice += int(r.twice_within) + 2 * pos * negatives_below
        negatives_below += neg
        positives, negatives = positives + pos, negatives + neg
    return twice / (2 * positives * negatives)


def batch_counts(
    store: Store,
    reference: dict,
    scheme: Scheme,
    batch: Batch,
    cfg: BuildConfig | None = None,
    matured: bool = False,
) -> BatchCounts:
    """Everything a batch's report reads, aggregated by the store's engine.

    Parameters
    ----------
    store
        A store on any engine (a Spark store over a lake at province scale).
    reference
        The training reference of the batch's model version.
    scheme
        The batch's scheme.
    batch
        The batch.
    cfg
        Publication windows for the indicators (as scoring uses).
    matured
        Whether its outcome window has passed (then the back-test counts too).
    """
    rows, mean_pd, score = score_counts(store, reference, batch)
    return BatchCounts(
        rows=rows,
        mean_pd=mean_pd,
        score=score,
        features=feature_counts(store, reference, scheme, batch, cfg),
        outcomes=outcomes(store, scheme, batch) if matured else None,
    )
