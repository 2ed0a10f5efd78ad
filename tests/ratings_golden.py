"""A golden file of the tiny test city's ratings, to prove a migration changes none.

Written at the merge base of issue 18's points-rule work (stream C), before any
scoring code changed, again at fc33897 (main with the declared links and the
people behind firms merged, which change the city and the household and driver
indicators on purpose, before the points rules were merged), and again on branch
s2-people (people behind every organisation: ``rep_firms`` and ``represented_firms``
reach social organisations and agricultural businesses, and 8 % of the social
organisations' legal representatives are practitioners of the city; the records are
byte-identical to the city before. Rated with the previous champions, 2 firms changed,
both through ``rep_firms_negative_12m`` (another organisation of their legal
representative with a negative record): 9153030370040492X2 (enterprise PD 0.404 → 0.416,
grade D kept; SME CCC → CC) and 9153032253149648X6 (PD only, grades kept); no household
or driver rating changed), by::

    .venv/bin/python tests/ratings_golden.py

Rewritten on branch s6-quality (issue 19) with the *same* champions (models_*.pkl kept), on
the city whose departments now have seeded data-quality profiles
(features/records/synthetic/quality.py): 双公示 decisions published late, required fields left
empty, decisions pushed twice, objections' outcomes drawn by department. Rated with the kept
models, every move is on a subject with a record the quality pass touched, or (3 household
heads, green flag only) on the organisation it legally represents, and no subject moved
otherwise: enterprise 787 of 1,784 PDs moved (82 grades), SME 170 of 487 (37 grades),
household 442 of 4,000 (127 grades), driver 62 of 1,000 (30 grades; e.g. a traffic violation
without its points counts no points). Each moved subject, its grade, PD and green flag before
and after and what the pass did to its records are in
tests/scoring/golden/moves_issue19_quality.csv. Written by::

    .venv/bin/python tests/ratings_golden.py --keep-models

and compared by tests/scoring/test_ratings_golden.py after the change with
:func:`ratings_parity.rating_differences`: grades, overrides, reasons (the
drivers' ``points_rule`` included), green channel, scores and PDs.

The city is tests/conftest.py's (tiny, seed 5); the champions are trained the way
its ``mlflow_home`` trains them (shipped spec, one family, 60 trees) for all four
modelled schemes and kept beside the ratings (``models_<scheme>.pkl``): training is
not reproducible from run to run on a loaded machine (two runs of the same code gave
different LightGBM models and scorecard reasons), so the comparison rates with the
very models the golden ratings came from. Two paths are recorded: the batch over
the population (compiled SQL) and a one-subject build of a few subjects (the
in-process evaluation a re-rating uses).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pandas as pd

GOLDEN = Path(__file__).parent / "scoring" / "golden"
AS_OF = dt.date(2026, 10, 31)
SCORED_AT = dt.datetime(2026, 11, 2, 3, 4, 5)
CITY = ("tiny", 5)
#: One family each, as tests/conftest.py trains them (both units of reasons).
FAMILY = {"enterprise": "gbm", "sme": "scorecard", "household": "gbm", "driver": "scorecard"}
#: Columns that depend on the run, not on the rating.
RUN_COLUMNS = ("run_id", "scored_at")
#: DuckDB threads of the training and rating: one, because a parallel float aggregate
#: (avg, stddev) may differ in its last bits from run to run under load, enough to
#: move a LightGBM bin edge and so the whole model (seen: 1 run in 4 at two threads).
THREADS = 1
#: Subjects of each scheme rated one at a time (the in-process path), by position.
SINGLES = 12


def train(store, scheme: str, home: Path) -> None:
    """Train and promote ``scheme`` into ``home`` as tests/conftest.py's mlflow_home does."""
    from training.promote import promote
    from training.run import train_scheme
    from training.spec import load_spec

    shipped = load_spec(scheme)
    spec = shipped.model_copy(
        update={
            "family": FAMILY[scheme],
            "gbm": shipped.gbm.model_copy(update={"n_estimators": 60}),
        }
    )
    train_scheme(store, scheme, spec, home, code_version="test")
    promote(store, scheme, spec, home, force=True, reason="tiny test city")


def singles(batch: pd.DataFrame) -> list[str]:
    """The subjects rated one at a time: spread evenly over the batch."""
    ids = batch["subject_id"].tolist()
    step = max(1, len(ids) // SINGLES)
    return ids[::step][:SINGLES]


def ratings(store, model) -> dict[str, pd.DataFrame]:
    """The batch and the one-at-a-time ratings of ``model``'s scheme (run columns dropped)."""
    from scoring.batch import rate_subjects

    batch = rate_subjects(store, model, AS_OF, scored_at=SCORED_AT)
    one = pd.concat(
        [
            rate_subjects(store, model, AS_OF, subjects=[s], scored_at=SCORED_AT)
            for s in singles(batch)
        ],
        ignore_index=True,
    )
    return {
        "batch": batch.drop(columns=list(RUN_COLUMNS)),
        "single": one.drop(columns=list(RUN_COLUMNS)),
    }


def golden_path(scheme: str, path: str) -> Path:
    return GOLDEN / f"ratings_{scheme}_{path}.parquet"


def model_path(scheme: str) -> Path:
    return GOLDEN / f"models_{scheme}.pkl"


def read_golden(scheme: str, path: str) -> pd.DataFrame:
    return pd.read_parquet(golden_path(scheme, path))


def read_model(scheme: str):
    """The champion the golden ratings of ``scheme`` came from (written by :func:`main`)."""
    import pickle

    with model_path(scheme).open("rb") as f:
        return pickle.load(f)


def main(keep_models: bool = False) -> None:
    """Write the golden ratings; ``keep_models``: rate with the kept champions
    (``models_*.pkl``) instead of training new ones (a change of the city alone)."""
    import pickle
    import tempfile

    import mlflow

    from features.records.synthetic.city import generate_city
    from features.store.duckdb_store import DuckDBStore
    from scoring.loader import load_model

    GOLDEN.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="xinping-golden-") as tmp:
        home = Path(tmp) / "mlruns"
        path = Path(tmp) / "tiny.duckdb"
        with DuckDBStore(path, threads=2) as store:
            generate_city(store, scale=CITY[0], seed=CITY[1])
        with DuckDBStore(path, threads=THREADS, read_only=True) as store:
            for scheme in FAMILY:
                if keep_models:
                    model = read_model(scheme)
                else:
                    train(store, scheme, home)
                    model = load_model(scheme, home)
                    with model_path(scheme).open("wb") as f:
                        pickle.dump(model, f)
                got = ratings(store, model)
                for path, frame in got.items():
                    frame.to_parquet(golden_path(scheme, path), index=False)
                    print(scheme, path, len(frame), file=sys.stderr)
        mlflow.set_tracking_uri(None)  # type: ignore[arg-type]


if __name__ == "__main__":
    main(keep_models="--keep-models" in sys.argv[1:])
