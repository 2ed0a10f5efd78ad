"""Scorecard and LightGBM estimators, calibration, grade scales, overrides, explanations (pure).

``from models import ScorecardClassifier, GbmClassifier`` gives the two scikit-learn
estimators; :func:`reference_profile` the reference row their ``explain`` measures
reasons against.
"""

from models.explain import reference_profile
from models.gbm import GbmClassifier
from models.scorecard import ScorecardClassifier

__all__ = ["GbmClassifier", "ScorecardClassifier", "reference_profile"]
