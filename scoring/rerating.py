"""Re-rate the subjects a changed record touches, at once, and say what changed.

A record counts for its own subject and, through relations, for others: the
firms it is the legal representative of, the firms sharing its legal
representative, the drivers it employs. After an objection, a repair or a new
record, every such subject in a modelled scheme's population is re-rated as of
the day of the change with the champion model, and the new rows carry the
cause; :func:`rerate` returns the grade before and after.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from features.compile import BuildConfig, id_list
from features.store.base import Store
from scoring.batch import RatingPolicies, score_scheme
from scoring.loader import LoadedModel


@dataclass(frozen=True)
class Change:
    """One subject's rating in one scheme before and after a re-rating."""

    scheme: str
    subject_id: str
    before_grade: str | None
    after_grade: str
    before_pd: float | None
    after_pd: float
    before_as_of: dt.date | None
    model_version: str

    @property
    def moved(self) -> bool:
        """True when the final grade changed."""
        return self.before_grade != self.after_grade


def affected_subjects(store: Store, subject_id: str) -> list[str]:
    """The subject and every subject whose indicators read its records."""
    one = id_list((subject_id,))
    frame = store.query(f"""
        SELECT {one[1:-1]} AS subject_id
        UNION SELECT subject_id FROM subjects WHERE legal_rep_id IN {one}
        UNION SELECT subject_id FROM subjects WHERE employer_id IN {one}
        UNION SELECT subject_id FROM subjects WHERE legal_rep_id IN
              (SELECT legal_rep_id FROM subjects WHERE subject_id IN {one})""")
    return sorted(set(frame["subject_id"].dropna()))


def latest_ratings(store: Store, scheme: str, subject_ids: Iterable[str],
                   on: dt.date | None = None) -> pd.DataFrame:
    """Each subject's latest rating in ``scheme`` (as of ``on`` or earlier), by scored_at."""
    ids = tuple(subject_ids)
    if not ids:
        return pd.DataFrame(columns=["subject_id", "as_of", "final_grade", "pd"])
    cond = "" if on is None else "AND as_of <= ?"
    params: list[Any] = [scheme] + ([] if on is None else [on])
    return store.query(f"""
        SELECT * FROM (
          SELECT *, row_number() OVER (PARTITION BY subject_id
                                       ORDER BY as_of DESC, scored_at DESC) AS rn
          FROM ratings WHERE scheme = ? AND subject_id IN {id_list(ids)} {cond})
        WHERE rn = 1""", params).drop(columns="rn")


def rerate(
    store: Store,
    subject_ids: Iterable[str],
    on: dt.date,
    models: Mapping[str, LoadedModel],
    cause: Mapping[str, Any],
    cfg: BuildConfig | None = None,
    policies: RatingPolicies | None = None,
) -> tuple[list[Change], float]:
    """Re-rate ``subject_ids`` in every scheme of ``models`` as of ``on``.

    Subjects outside a scheme's population at ``on`` are skipped for it.

    Returns
    -------
    (list of Change, float)
        The changes, and the seconds the re-rating took (indicators, model and
        writes; model loading excluded).
    """
    ids = list(dict.fromkeys(subject_ids))
    started = time.perf_counter()
    changes: list[Change] = []
    for scheme, model in models.items():
        before = latest_ratings(store, scheme, ids, on).set_index("subject_id")
        run = score_scheme(store, model, on, cfg=cfg, subjects=ids, cause=cause,
                           policies=policies)
        if run.rows == 0:
            continue
        after = latest_ratings(store, scheme, ids, on)
        after = after[after["scored_at"] == after["scored_at"].max()]
        for _, row in after.iterrows():
            b = before.loc[row["subject_id"]] if row["subject_id"] in before.index else None
            changes.append(Change(
                scheme, row["subject_id"],
                None if b is None else b["final_grade"], row["final_grade"],
                None if b is None else float(b["pd"]), float(row["pd"]),
                None if b is None else pd.Timestamp(b["as_of"]).date(), model.version))
    return changes, time.perf_counter() - started
