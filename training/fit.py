"""Fit the rating pipeline of a scheme on its snapshots (pure: no store, no MLflow).

:func:`fit_pipeline` picks the family by rolling-origin cross-validation
(:func:`cv_folds`), refits it on every fully observed snapshot, calibrates the PDs to
the latest observed default level and fits the grade bands; :func:`make_estimator`
turns the spec and the indicators' risk directions into an unfitted estimator.
:mod:`training.run` builds the snapshots and records the run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features import registry
from features.dsl import DOWN, UP, Derived, Indicator, Scheme
from features.same_fact import counted_within, covered_by, reads_zero_without_records
from models import metrics
from models.calibration import PlattCalibrator, ScoreScale
from models.explain import reference_profile
from models.gbm import GbmClassifier
from models.pipeline import IndicatorText, RatingPipeline, encode_ordinal
from models.rating import load_scale
from models.scorecard import ScorecardClassifier
from training.spec import TrainingSpec

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Frames:
    """The snapshots of one training run (``history``: :func:`history_check`;
    ``sample``: :func:`training.run.training_sample`'s record). Sampled parts carry a
    ``weight`` column: the subjects each row stands for."""

    train: pd.DataFrame
    validation: pd.DataFrame
    oot: pd.DataFrame
    history: dict | None = None
    sample: dict | None = None


def indicator_texts(scheme: Scheme) -> dict[str, IndicatorText]:
    """Reason texts and how values read, copied from the declarations into the model
    version (so a version keeps the words it was validated with)."""
    out = {}
    covers = covered_by(scheme.indicators)
    within = counted_within(scheme.indicators)
    for i in scheme.indicators:
        src = i.source
        pair = (
            (src.left, src.right)
            if isinstance(src, Derived) and i.display_kind == "change"
            else None
        )
        out[i.name] = IndicatorText(
            i.label_zh,
            i.label_en,
            i.direction,
            i.unit,
            i.reason_zh,
            i.reason_en,
            i.window,
            display=i.display_kind,
            labels=tuple((code, zh, en) for code, (zh, en) in i.value_labels.items()),
            order=i.order,
            missing_zh=i.missing_zh,
            missing_en=i.missing_en,
            missing_rank=i.missing_rank,
            pair=pair,
            pair_unit=i.unit,
            covered_by=covers.get(i.name, ()),
            zero_without_records=reads_zero_without_records(i),
            counted_in=within.get(i.name, ()),
        )
    return out


def ordinal_features(scheme: Scheme) -> dict[str, tuple[str, ...]]:
    """Indicators whose categories have a declared risk order: the models read their rank."""
    return {i.name: i.order for i in scheme.indicators if i.order}


def missing_states(scheme: Scheme) -> frozenset[str]:
    """Numeric indicators whose missing value states a fact (``missing_zh``: no record
    of a penalty, no housing fund paid): where most subjects are in that state, so is
    the reference subject (:func:`models.explain.reference_profile`)."""
    return frozenset(i.name for i in scheme.indicators if i.missing_zh and not i.categorical)


def reference_row(
    x: pd.DataFrame,
    ordinal: dict[str, tuple[str, ...]],
    weight: np.ndarray | None = None,
    states: frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """The reference subject of the reasons (:func:`models.explain.reference_profile`,
    weighted for a sampled frame, missing in ``states`` that most subjects are in),
    ordered categories at their median rank, given back as the category."""
    ref = reference_profile(encode_ordinal(x, ordinal), weight, states)
    for col, order in ordinal.items():
        if col in ref:
            rank = ref.at[0, col]
            ref[col] = pd.Series([None if pd.isna(rank) else order[int(rank)]], dtype=object)
    return ref


def model_indicators(scheme: Scheme, spec: TrainingSpec) -> tuple[Indicator, ...]:
    """The indicators the model learns from: the scheme's, less the spec's
    ``[features] exclude`` (a name that is no indicator of the scheme is refused)."""
    names = {i.name for i in scheme.indicators}
    unknown = [n for n in spec.features.exclude if n not in names]
    if unknown:
        raise ValueError(
            f"training spec of {scheme.key}: [features] exclude names no indicator: {unknown}"
        )
    return tuple(i for i in scheme.indicators if i.name not in spec.features.exclude)


def make_estimator(family: str, scheme: Scheme, spec: TrainingSpec) -> object:
    """An unfitted estimator of ``family`` with the spec's parameters and the
    indicators' risk directions as monotone trends / constraints."""
    used = model_indicators(scheme, spec)
    # ordered categories are read as their rank, with the risk rising along it
    numeric = [i for i in used if not i.categorical or i.ordinal]
    categorical = [i.name for i in used if i.categorical and not i.ordinal]
    if family == "scorecard":
        p = spec.scorecard
        trends = {
            i.name: "ascending" if i.direction == UP else "descending"
            for i in numeric
            if i.direction in (UP, DOWN)
        }
        return ScorecardClassifier(
            monotonic_trends=trends,
            # the schemes keep monotone bins for indicators without a direction
            default_trend="auto_asc_desc",
            categorical_features=categorical,
            min_iv=p.min_iv,
            max_n_bins=p.max_n_bins,
            min_bin_size=p.min_bin_size,
            C=p.C,
            pdo=p.pdo,
            base_score=p.base_score,
            base_odds=p.base_odds,
            # a published rating keeps one points table per indicator
            corrections="off",
            random_state=spec.seed,
        )
    p = spec.gbm
    constraints = (
        {i.name: int(i.direction) for i in numeric if i.direction in (UP, DOWN)}
        if p.monotone
        else None
    )
    return GbmClassifier(
        monotone_constraints=constraints,
        categorical_features=categorical,
        n_estimators=p.n_estimators,
        learning_rate=p.learning_rate,
        num_leaves=p.num_leaves,
        min_child_samples=p.min_child_samples,
        subsample=p.subsample,
        colsample_bytree=p.colsample_bytree,
        reg_lambda=p.reg_lambda,
        n_jobs=2,
        random_state=spec.seed,
    )


def cv_folds(frames: Frames, horizon: int) -> list[tuple[pd.Timestamp, np.ndarray, np.ndarray]]:
    """Rolling-origin folds over the fully observed snapshots.

    Each validation snapshot ``v`` is predicted by a model fitted on the training and
    validation snapshots dated at least one label horizon before it, so no outcome the
    model learns from lies in ``v``'s window. Returns ``(v, fit rows, validation rows)``
    as positions in ``train + validation`` stacked; folds whose fitting rows lack one
    of the outcomes are left out.
    """
    both = pd.concat([frames.train, frames.validation], ignore_index=True)
    as_of = pd.to_datetime(both["as_of"])
    y = both["label"].to_numpy(int)
    folds = []
    for v in sorted(pd.to_datetime(frames.validation["as_of"]).unique()):
        fit_rows = np.flatnonzero((as_of <= v - pd.DateOffset(months=horizon)).to_numpy())
        val_rows = np.flatnonzero((as_of == v).to_numpy())
        if len(np.unique(y[fit_rows])) == 2 and len(np.unique(y[val_rows])) == 2:
            folds.append((pd.Timestamp(v), fit_rows, val_rows))
    return folds


def weights_of(frame: pd.DataFrame) -> np.ndarray | None:
    """The subjects each row stands for (a sampled frame's ``weight``), or ``None``."""
    return frame["weight"].to_numpy(float) if "weight" in frame.columns else None


def _fit_kwargs(weight: np.ndarray | None, rows: np.ndarray | None = None) -> dict:
    """``sample_weight`` for an estimator's fit, only when the rows are weighted (an
    unweighted fit calls the estimator exactly as before sampling existed)."""
    if weight is None:
        return {}
    return {"sample_weight": weight if rows is None else weight[rows]}


def _level_intercept(
    logit: np.ndarray, slope: float, rate: float, weight: np.ndarray | None = None
) -> float:
    """The intercept that makes the (weighted) mean PD of ``slope * logit + b`` equal
    ``rate``."""
    from scipy.optimize import brentq

    z = slope * np.asarray(logit, dtype=float)
    rate = float(np.clip(rate, 1e-6, 1 - 1e-6))
    return float(
        brentq(
            lambda b: np.average(1.0 / (1.0 + np.exp(-(z + b))), weights=weight) - rate,
            -50.0,
            50.0,
        )
    )


def fit_pipeline(
    scheme: Scheme,
    spec: TrainingSpec,
    frames: Frames,
    progress: Progress | None = None,
    notes: dict | None = None,
) -> tuple[RatingPipeline, dict[str, float]]:
    """Pick the family by time-series cross-validation, refit it on every fully
    observed snapshot, calibrate, fit grade bands.

    * Family: each allowed family is fitted on the rolling-origin folds of
      :func:`cv_folds`; the higher mean AUC over the folds wins (the scorecard wins
      ties: it is easier to explain). Without a usable fold (snapshots closer than one
      horizon), the family is fitted on ``train`` and judged on ``validation``.
    * The chosen family is refitted on ``train`` and ``validation`` together.
    * Calibration: the slope comes from a Platt fit on the folds' out-of-fold
      log-odds (how far the model's ranking stretches out of sample); the intercept
      sets the mean PD of the latest validation snapshot, the most recent one whose
      outcomes are fully observed, to its observed default rate, so PDs follow the
      current level of risk rather than the average of older years.
    * Grade bands are fitted on the calibrated PDs of every fitted row.

    Frames drawn as a weighted sample (a ``weight`` column, :mod:`features.sample`)
    are fitted, cross-validated, calibrated and banded with their weights, so that
    each step sees the population the sample stands for.

    ``notes``, when given, receives the fold AUCs and the calibration.
    """
    say = progress or (lambda msg: None)
    features = tuple(i.name for i in model_indicators(scheme, spec))
    cols = list(features)
    families = ("scorecard", "gbm") if spec.family == "both" else (spec.family,)
    horizon = scheme.target.horizon if scheme.target is not None else 12
    both = pd.concat([frames.train, frames.validation], ignore_index=True)
    ordinal = {k: v for k, v in ordinal_features(scheme).items() if k in features}
    x_all, y_all = encode_ordinal(both[cols], ordinal), both["label"].to_numpy(int)
    w_all = weights_of(both)
    folds = cv_folds(frames, horizon)
    val_auc: dict[str, float] = {}
    fold_auc: dict[str, list[float]] = {}
    oof: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for family in families:
        aucs, logits, ys, ws = [], [], [], []
        if folds:
            for v, fit_rows, val_rows in folds:
                say(f"{family}: fold {v.date()} ({len(fit_rows):,} rows)")
                est = make_estimator(family, scheme, spec).fit(
                    x_all.iloc[fit_rows], y_all[fit_rows], **_fit_kwargs(w_all, fit_rows)
                )
                s = est.decision_function(x_all.iloc[val_rows])
                w_val = None if w_all is None else w_all[val_rows]
                aucs.append(metrics.auc(y_all[val_rows], s, sample_weight=w_val))
                logits.append(s)
                ys.append(y_all[val_rows])
                ws.append(w_val)
        else:
            x_tr = encode_ordinal(frames.train[cols], ordinal)
            y_tr = frames.train["label"].to_numpy(int)
            x_val = encode_ordinal(frames.validation[cols], ordinal)
            y_val = frames.validation["label"].to_numpy(int)
            w_val = weights_of(frames.validation)
            est = make_estimator(family, scheme, spec).fit(
                x_tr, y_tr, **_fit_kwargs(weights_of(frames.train))
            )
            s = est.decision_function(x_val)
            aucs.append(metrics.auc(y_val, s, sample_weight=w_val))
            logits.append(s)
            ys.append(y_val)
            ws.append(w_val)
        fold_auc[family] = [float(a) for a in aucs]
        val_auc[family] = float(np.mean(aucs))
        oof[family] = (
            np.concatenate(logits),
            np.concatenate(ys),
            None if w_all is None else np.concatenate(ws),
        )
        say(f"{family}: cross-validated AUC {val_auc[family]:.4f}")
    family = max(families, key=lambda f: (round(val_auc[f], 4), f == "scorecard"))
    say(f"refitting {family} on {len(x_all):,} rows")
    est = make_estimator(family, scheme, spec).fit(x_all, y_all, **_fit_kwargs(w_all))
    logit_oof, y_oof, w_oof = oof[family]
    slope = PlattCalibrator.fit(logit_oof, y_oof, sample_weight=w_oof).a
    latest = (
        pd.to_datetime(both["as_of"]) == pd.to_datetime(frames.validation["as_of"]).max()
    ).to_numpy()
    w_latest = None if w_all is None else w_all[latest]
    level = float(np.average(y_all[latest], weights=w_latest))
    intercept = _level_intercept(
        est.decision_function(x_all[latest]), slope, level, weight=w_latest
    )
    calibrator = PlattCalibrator(slope, intercept)
    sc = spec.scorecard
    pipeline = RatingPipeline(
        scheme=scheme.key,
        family=family,
        features=features,
        estimator=est,
        calibrator=calibrator,
        score_scale=ScoreScale(sc.base_score, sc.base_odds, sc.pdo),
        scale=load_scale(scheme.key, path=registry.scale_file(scheme.key)),
        texts=indicator_texts(scheme),
        reference=reference_row(both[cols], ordinal, w_all, missing_states(scheme)),
        ordinal=ordinal,
    )
    pipeline.scale = pipeline.scale.fit_bands(pipeline.predict_pd(both), y_all, sample_weight=w_all)
    if notes is not None:
        notes.update(
            {
                "folds": [str(v.date()) for v, _, _ in folds],
                # the refitted model has seen both: only the fold AUCs are out of sample
                "in_sample": ["train", "validation"],
                "fold_auc": fold_auc,
                "calibration": {
                    "slope": slope,
                    "intercept": intercept,
                    "level_as_of": str(pd.to_datetime(frames.validation["as_of"]).max().date()),
                    "level_default_rate": level,
                },
            }
        )
    return pipeline, val_auc
