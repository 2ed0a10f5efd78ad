"""Training specs: ``training/specs/<scheme>.toml`` (or ``spec.toml`` in a scheme folder),
typed, unknown keys rejected."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from features import registry

SPECS_DIR = Path(__file__).with_name("specs")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Snapshots(_Strict):
    """As-of dates. Each ``validation`` snapshot is a time-series cross-validation fold
    (predicted by a model fitted on the snapshots a label horizon before it) that picks
    the family; the model is then refitted on ``train`` and ``validation`` together and
    its PD level set on the latest ``validation`` snapshot; the report is on ``oot`` (out
    of time, after a full label horizon)."""

    train: tuple[dt.date, ...] = Field(min_length=1)
    validation: tuple[dt.date, ...] = Field(min_length=1)
    oot: tuple[dt.date, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> Snapshots:
        if max(self.train) >= min(self.validation):
            raise ValueError("validation snapshots must come after every training snapshot")
        if max(self.validation) >= min(self.oot):
            raise ValueError("out-of-time snapshots must come after the validation snapshots")
        return self


class ScorecardParams(_Strict):
    max_n_bins: int = Field(6, ge=2, le=20)
    min_bin_size: float = Field(0.05, gt=0, lt=0.5)
    min_iv: float = Field(0.02, ge=0)
    C: float = Field(1.0, gt=0)
    pdo: float = Field(20.0, gt=0)
    base_score: float = 600.0
    base_odds: float = Field(50.0, gt=0)


class GbmParams(_Strict):
    n_estimators: int = Field(300, ge=1)
    learning_rate: float = Field(0.05, gt=0, le=1)
    num_leaves: int = Field(15, ge=2)
    min_child_samples: int = Field(50, ge=1)
    subsample: float = Field(0.8, gt=0, le=1)
    colsample_bytree: float = Field(0.8, gt=0, le=1)
    reg_lambda: float = Field(1.0, ge=0)
    monotone: bool = True  # constraints from the indicators' risk direction


class Gates(_Strict):
    """What a challenger must show on out-of-time data to become champion.

    Calibration is judged as a validator does (ECB instructions for reporting validation
    results, §2.5.3): the portfolio's level (calibration in the large) and each grade
    (Jeffreys test) separately. PDs are set to the latest validation snapshot's default
    rate; when the out-of-time years default more or less, every grade is off by the same
    factor, which is the level's gate (``max_level_ratio``), not a failure of every
    grade. So each grade is tested against its PD scaled by the out-of-time level ratio:
    the per-grade gate judges how the PD is spread over the grades.
    """

    min_auc: float = Field(0.65, ge=0.5, le=1)
    max_brier: float = Field(0.25, gt=0)
    # confidence of every one-sided test (Jeffreys per grade, Fisher exact on ordering)
    confidence: float = Field(0.95, gt=0.5, lt=1)
    # power at which the smallest detectable PD ratio of each grade is stated
    power: float = Field(0.8, gt=0, lt=1)
    # a grade with fewer expected defaults (N x PD) or fewer obligors holds too little
    # evidence for the test: "insufficient", neither passed nor failed
    min_expected_defaults: float = Field(5.0, ge=0)
    min_grade_count: int = Field(30, ge=1)
    # a grade fails when its default rate significantly exceeds its (level-adjusted) PD
    # times this factor: significant and material, not significant alone (with thousands
    # of obligors the test detects a 15 % deviation); 1 tests the PD itself
    grade_materiality: float = Field(1.2, ge=1)
    # share of the testable grades whose PD may be significantly too low
    max_failed_grade_share: float = Field(0.25, ge=0, le=1)
    # out-of-time observed / predicted default rate must lie in [1 / r, r]
    max_level_ratio: float = Field(1.5, ge=1)
    # adjacent grades whose default rates are reversed with confidence
    max_reversed_pairs: int = Field(0, ge=0)
    max_score_psi: float = Field(0.25, gt=0)
    # PSI train -> out-of-time of any one feature
    max_feature_psi: float = Field(0.25, gt=0)
    # out-of-time AUC of any single feature (its train default rate per bin): no public
    # record separates defaulters this well on its own, a feature that does carries the
    # outcome (a leak from the future)
    max_feature_auc: float = Field(0.9, gt=0.5, le=1)
    tolerance_vs_champion: float = Field(0.0, ge=0)  # AUC the challenger may lose


class History(_Strict):
    """Observed history (:mod:`features.history`): a snapshot is trained on only when
    every indicator's window is covered by the store's records, or the indicator is
    declared tolerant of a short history (``Indicator.short_history``).

    ``waived``: indicators whose uncovered windows are accepted for now, each named in
    the report at every snapshot it affects — a debt to pay by shortening the window,
    not a declaration that the indicator is tolerant.
    """

    waived: tuple[str, ...] = ()


class Features(_Strict):
    """Which indicators the model learns from: every indicator of the scheme but
    ``exclude``. An excluded indicator is still built, catalogued, shown and usable by
    the scale's overrides; only the model does not read it. Each exclusion is a
    modelling choice the spec states with its reason (a measurement) in a comment.
    """

    exclude: tuple[str, ...] = ()


class Sample(_Strict):
    """How many rows of the fitted snapshots (``train`` and ``validation``) a run holds.

    When the full snapshots hold more than ``max_rows`` rows, the run keeps every default
    and a seeded share of the non-defaults (:mod:`features.sample`, drawn by a hash of
    the subject, the date and the spec's ``seed``, in the engine's query), each kept
    non-default weighted by the subjects it stands for in the fit, the calibration, the
    grade bands and the report. The share is the one that holds about ``max_rows`` rows
    (the draw's binomial noise aside). Below the bound nothing is sampled and the run is
    the full one. ``max_rows = 0`` never samples.

    ``oot_max_rows`` bounds the out-of-time snapshots the same way (the report's
    discrimination, grade tests, PSIs and migration then weigh each row by the subjects it
    stands for). It is above a city's out-of-time snapshots, so that the report there is on
    the whole population; a province's are sampled.
    """

    max_rows: int = Field(1_000_000, ge=0)
    oot_max_rows: int = Field(2_000_000, ge=0)


class TrainingSpec(_Strict):
    """Everything that decides a training run (with the data and the code version)."""

    scheme: str
    family: Literal["scorecard", "gbm", "both"] = "both"
    seed: int = 7
    snapshots: Snapshots
    scorecard: ScorecardParams = ScorecardParams()
    gbm: GbmParams = GbmParams()
    gates: Gates = Gates()
    history: History = History()
    features: Features = Features()
    sample: Sample = Sample()


def spec_file(scheme: str) -> Path:
    """Where ``scheme``'s training spec is, from its registry entry: ``spec.toml`` in a
    scheme folder, ``training/specs/<scheme>.toml`` for a shipped scheme (and for a key the
    registry does not know)."""
    try:
        return registry.active().entry(scheme).spec_path
    except KeyError:
        return SPECS_DIR / f"{scheme}.toml"


def load_spec(scheme: str, folder: Path | None = None) -> TrainingSpec:
    """Read and validate ``scheme``'s training spec (:func:`spec_file`), or
    ``<folder>/<scheme>.toml`` when ``folder`` is given (tests)."""
    path = spec_file(scheme) if folder is None else folder / f"{scheme}.toml"
    if not path.exists():
        raise FileNotFoundError(f"no training spec for {scheme!r}: {path}")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    try:
        return TrainingSpec.model_validate(data)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
