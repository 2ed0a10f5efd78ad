"""A model's cached reference explainer is a cache: never pickled, rebuilt when stale."""

from __future__ import annotations

import pickle

import numpy as np
from test_gbm import FAST, credit_frame

from models.gbm import GbmClassifier


def test_the_explainer_is_not_pickled_and_a_stale_one_is_rebuilt() -> None:
    X, y = credit_frame(400, seed=5)
    est = GbmClassifier(random_state=0, **FAST).fit(X, y)
    ref = X.iloc[[3]]
    first = est.explain(X, reference=ref)
    assert hasattr(est, "_explainer_cache")
    again = pickle.loads(pickle.dumps(est))
    assert not hasattr(again, "_explainer_cache")
    # a cache left by an older layout (a model registered before): its key differs
    key, explainer = est._explainer_cache
    stale = object.__new__(type(explainer))  # no prepared arrays at all
    again._explainer_cache = (key[:2], stale)
    np.testing.assert_array_equal(again.explain(X, reference=ref), first)


def test_a_prepared_pipeline_rates_as_before_with_its_explanation_built() -> None:
    # the champion the golden ratings came from (tests/ratings_golden.py)
    from ratings_golden import read_model

    model = read_model("enterprise")
    # as a registered model loads: the cache is not kept in a pickle
    pipeline = pickle.loads(pickle.dumps(getattr(model, "pipeline", model)))
    assert not hasattr(pipeline.estimator, "_explainer_cache")  # never pickled
    pipeline.prepare()
    assert hasattr(pipeline.estimator, "_explainer_cache")  # built once, ready
    cached = pipeline.estimator._explainer_cache
    rows = pipeline.rate(pipeline.reference)
    assert pipeline.estimator._explainer_cache is cached  # the first rating reused it
    assert len(rows) == 1
