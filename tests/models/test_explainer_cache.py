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
