"""Scorecard and LightGBM estimators, calibration, grade scales, overrides, explanations (pure)."""
