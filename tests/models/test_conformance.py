"""scikit-learn conformance of the estimators (DESIGN.md §7)."""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks

from models.gbm import GbmClassifier
from models.scorecard import ScorecardClassifier

ESTIMATORS = [
    ScorecardClassifier(),
    GbmClassifier(n_jobs=1),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_conformance(estimator, check) -> None:
    check(estimator)
