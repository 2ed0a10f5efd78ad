"""PD calibration: from a model's log-odds to a probability of default that
matches observed default rates, and the PDO score scale shared by every model.

Calibration is fitted on held-out data: training takes the slope from
out-of-fold log-odds and sets the intercept to the default rate of the latest
fully observed snapshot, so PDs follow the current level of risk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize


@dataclass(frozen=True)
class PlattCalibrator:
    """``pd = 1 / (1 + exp(-(a * logit + b)))`` fitted by maximum likelihood."""

    a: float = 1.0
    b: float = 0.0

    @classmethod
    def fit(
        cls,
        logit: np.ndarray,
        y: np.ndarray,
        l2: float = 1e-6,
        sample_weight: np.ndarray | None = None,
    ) -> PlattCalibrator:
        """Fit slope and intercept on log-odds ``logit`` and outcomes ``y`` (0/1);
        ``sample_weight``: the subjects each row stands for (a weighted likelihood)."""
        x = np.asarray(logit, dtype=float)
        t = np.asarray(y, dtype=float)
        if x.shape != t.shape or x.size == 0:
            raise ValueError("logit and y must be non-empty arrays of the same length")
        w = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        if w is not None and w.shape != x.shape:
            raise ValueError("sample_weight must have the length of logit")
        if t.min() == t.max():
            raise ValueError("calibration needs both outcomes (0 and 1) in y")

        def loss(p: np.ndarray) -> tuple[float, np.ndarray]:
            z = p[0] * x + p[1]
            # log(1 + e^z) computed stably
            terms = np.logaddexp(0.0, z) - t * z
            s = 1.0 / (1.0 + np.exp(-z)) - t
            if w is not None:
                terms, s = w * terms, w * s
            nll = np.sum(terms) + l2 * (p[0] - 1.0) ** 2
            grad = np.array([np.sum(s * x) + 2 * l2 * (p[0] - 1.0), np.sum(s)])
            return nll, grad

        res = minimize(loss, np.array([1.0, 0.0]), jac=True, method="L-BFGS-B")
        return cls(float(res.x[0]), float(res.x[1]))

    def logit(self, logit: np.ndarray) -> np.ndarray:
        """Calibrated log-odds."""
        return self.a * np.asarray(logit, dtype=float) + self.b

    def pd(self, logit: np.ndarray) -> np.ndarray:
        """Calibrated probability of default."""
        return 1.0 / (1.0 + np.exp(-self.logit(logit)))


@dataclass(frozen=True)
class ScoreScale:
    """Points to double the odds (PDO) scaling: higher score, lower risk.

    ``score = base_score + pdo / ln 2 * (ln(good:bad odds) - ln(base_odds))``.
    """

    base_score: float = 600.0
    base_odds: float = 50.0
    pdo: float = 20.0

    @property
    def factor(self) -> float:
        """Points per unit of log-odds."""
        return self.pdo / np.log(2.0)

    def score(self, pd: np.ndarray) -> np.ndarray:
        """Score of probabilities of default (rounded to whole points)."""
        p = np.clip(np.asarray(pd, dtype=float), 1e-9, 1 - 1e-9)
        odds = (1 - p) / p
        return np.round(self.base_score + self.factor * (np.log(odds) - np.log(self.base_odds)))

    def pd(self, score: np.ndarray) -> np.ndarray:
        """Probability of default of a score."""
        log_odds = (np.asarray(score, dtype=float) - self.base_score) / self.factor + np.log(
            self.base_odds
        )
        return 1.0 / (1.0 + np.exp(log_odds))
