"""The whole inference path of a rating model: indicators in; PD, score, model
grade, final grade, overrides and contributions out.

A :class:`RatingPipeline` is what a registered model version holds, so a version
fixes its estimator, calibration, grade bands, overrides and the indicator texts
its reasons are written from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields

import numpy as np
import pandas as pd

from models.calibration import PlattCalibrator, ScoreScale
from models.overrides import apply_overrides, overrides_json
from models.rating import GradeScale
from models.tabular import ReadRows

CONTRIB_PREFIX = "contrib__"


class MissingIndicatorsError(KeyError):
    """The frame lacks indicators the model version reads (e.g. a version trained
    before an indicator was renamed)."""

    def __init__(self, scheme: str, missing: list[str]) -> None:
        super().__init__(
            f"the {scheme} model needs indicators {missing}, which the data "
            "do not have: retrain and promote a version on the current "
            "declarations"
        )
        self.missing = missing

    def __str__(self) -> str:
        return str(self.args[0])


def encode_ordinal(frame: pd.DataFrame, ordinal: Mapping[str, tuple[str, ...]]) -> pd.DataFrame:
    """``frame`` with each ordered categorical column as the rank of its category
    (0 = the safest; unknown or missing categories as missing). Other columns as they are.
    """
    present = [c for c in ordinal if c in frame]
    if not present:
        return frame
    out = frame.copy()
    for col in present:
        rank = {c: float(i) for i, c in enumerate(ordinal[col])}
        values = frame[col].to_numpy(dtype=object)
        out[col] = np.fromiter(
            (rank.get(v, np.nan) for v in values), dtype=np.float64, count=len(values)
        )
    return out


def float_columns(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """The frame's ``float64`` columns as arrays, read in one conversion: taking ~60
    columns one by one out of a frame costs more than rating one row."""
    floats = frame.select_dtypes(include=["float64"])
    block = floats.to_numpy(dtype=np.float64)
    return {c: block[:, j] for j, c in enumerate(floats.columns)}


@dataclass(frozen=True)
class IndicatorText:
    """What a reason needs to know about an indicator (copied from its declaration).

    Plain data, so that a model version keeps the texts it was trained with:
    ``display`` says how the value reads, ``labels`` names categories
    (``((code, zh, en), …)``), ``order`` ranks categories from the safest,
    ``missing_zh``/``missing_en`` is the fact a missing value states (empty: a
    missing value is no reason) and ``missing_rank`` where it stands (``best``,
    ``worst`` or empty), ``pair`` the current and earlier indicators a ``change``
    compares, in ``pair_unit``. ``covered_by`` names the indicators whose missing value
    states the fact this one states when it is missing (or 0, where
    ``zero_without_records``): a reason lists only the stronger of the two
    (:mod:`features.same_fact`). ``counted_in`` names the counts that count every record
    this count counts: where one equals it, the two count the same records, and a reason
    lists only the stronger of the two.
    """

    label_zh: str
    label_en: str
    direction: int
    unit: str
    reason_zh: str
    reason_en: str
    window: int | None = None
    display: str = "number"
    labels: tuple[tuple[str, str, str], ...] = ()
    order: tuple[str, ...] = ()
    missing_zh: str = ""
    missing_en: str = ""
    missing_rank: str = ""
    pair: tuple[str, str] | None = None
    pair_unit: str = ""
    covered_by: tuple[str, ...] = ()
    zero_without_records: bool = False
    counted_in: tuple[str, ...] = ()

    def __setstate__(self, state: dict) -> None:
        # versions registered before a field existed unpickle with its default
        defaults = {f.name: f.default for f in fields(self) if f.default is not MISSING}
        object.__setattr__(self, "__dict__", {**defaults, **state})

    @property
    def categorical(self) -> bool:
        """True when the values are categories (named by ``labels``)."""
        return self.display == "category"


@dataclass
class RatingPipeline:
    """Estimator + calibration + grade scale + overrides + indicator texts.

    Attributes
    ----------
    scheme
        Scheme key.
    family
        ``scorecard`` or ``gbm``.
    features
        Indicator columns the estimator reads, in order.
    estimator
        A fitted :class:`~models.scorecard.ScorecardClassifier` or
        :class:`~models.gbm.GbmClassifier`.
    calibrator
        Maps the estimator's log-odds to a calibrated PD.
    score_scale
        PDO scale for the score of models without their own points.
    scale
        Fitted grade scale with overrides.
    texts
        Indicator texts for reasons, by indicator name.
    reference
        The reference row contributions are measured against (one row of the
        indicators, as the frame holds them; :func:`models.explain.reference_profile`
        of the training rows). ``None`` (versions from before): contributions against
        the expected output.
    ordinal
        Categorical indicators the estimator reads as the rank of their category,
        with the categories from the safest to the riskiest.
    """

    scheme: str
    family: str
    features: tuple[str, ...]
    estimator: object
    calibrator: PlattCalibrator
    score_scale: ScoreScale
    scale: GradeScale
    texts: Mapping[str, IndicatorText] = field(default_factory=dict)
    reference: pd.DataFrame | None = None
    ordinal: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "_reference_x"}

    def __setstate__(self, state: dict) -> None:
        # versions registered before these fields existed; caches are rebuilt
        state = {k: v for k, v in state.items() if k != "_reference_x"}
        self.__dict__.update({"reference": None, "ordinal": {}, **state})

    @property
    def contribution_unit(self) -> str:
        """``points`` (scorecard: higher is safer) or ``log-odds`` (gbm: higher is riskier)."""
        return "points" if self.family == "scorecard" else "log-odds"

    def model_input(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The estimator's input: the features, ordered categories as their rank."""
        missing = [c for c in self.features if c not in frame]
        if missing:
            raise MissingIndicatorsError(self.scheme, missing)
        return encode_ordinal(frame.loc[:, list(self.features)], self.ordinal)

    def predict_pd(
        self, frame: pd.DataFrame, x: pd.DataFrame | ReadRows | None = None
    ) -> np.ndarray:
        """Calibrated probability of the target event (``x``: the frame's model input,
        when the caller has it already)."""
        x = self.model_input(frame) if x is None else x
        logit = self.estimator.decision_function(x)  # type: ignore[attr-defined]
        return self.calibrator.pd(logit)

    def score(
        self,
        frame: pd.DataFrame,
        pd_: np.ndarray | None = None,
        x: pd.DataFrame | ReadRows | None = None,
    ) -> np.ndarray:
        """Score: the scorecard's own integer points, else the PDO score of the PD."""
        if self.family == "scorecard":
            x = self.model_input(frame) if x is None else x
            return np.asarray(self.estimator.predict_score(x), dtype=float)  # type: ignore[attr-defined]
        return self.score_scale.score(self.predict_pd(frame, x) if pd_ is None else pd_)

    def _read(self, x: pd.DataFrame) -> pd.DataFrame | ReadRows:
        """The model input as the estimator has read it (checked and coded), when it can
        be read once for every call of a rating; else the input itself."""
        read = getattr(self.estimator, "read", None)
        return x if read is None else read(x)

    def _input(
        self, frame: pd.DataFrame, floats: Mapping[str, np.ndarray] | None = None
    ) -> pd.DataFrame | ReadRows:
        """:meth:`_read` of :meth:`model_input`, the features taken out of ``frame`` as
        arrays and handed to the estimator without a frame in between (its
        ``read_arrays``), when it can read them so: a one-subject rating's read
        costs microseconds, not the milliseconds of framing its ~60 columns twice.
        ``floats``: :func:`float_columns` of ``frame``, when the caller has read them."""
        read_arrays = getattr(self.estimator, "read_arrays", None)
        missing = [c for c in self.features if c not in frame]
        if read_arrays is None or missing:
            return self._read(self.model_input(frame))  # (which names what is missing)
        arrays: dict[str, np.ndarray] = {}
        floats = float_columns(frame) if floats is None else floats
        for col in self.features:
            values = floats[col] if col in floats else frame[col].to_numpy()
            order = self.ordinal.get(col)
            if order is not None:  # as encode_ordinal ranks it
                rank = {c: float(i) for i, c in enumerate(order)}
                raw = values.astype(object, copy=False)
                values = np.fromiter(
                    (rank.get(v, np.nan) for v in raw), dtype=np.float64, count=len(raw)
                )
            arrays[col] = values
        read = read_arrays(arrays, frame.index)
        return self._read(self.model_input(frame)) if read is None else read

    def _reference_input(self) -> pd.DataFrame | ReadRows | None:
        """The reference subject as the estimator reads it (encoded and read once per
        process)."""
        if self.reference is None:
            return None
        cached = self.__dict__.get("_reference_x")
        if cached is None:
            cached = self._read(self.model_input(self.reference))
            self.__dict__["_reference_x"] = cached
        return cached

    def prepare(self) -> None:
        """Do once now what the first rating with contributions would do: read the
        reference and build the estimator's explanation against it (for a LightGBM
        model, its trees laid out as boxes: about 0.1 s). A process that rates one
        subject at a time (the app) calls it when it loads the model, so the first
        change rated on a page does not pay for it."""
        if self.reference is not None:
            self.rate(self.reference)

    def rate(
        self,
        frame: pd.DataFrame,
        contributions: bool = True,
        floats: Mapping[str, np.ndarray] | None = None,
    ) -> pd.DataFrame:
        """Rate every row of an indicator frame (``floats``: :func:`float_columns` of
        ``frame``, when the caller has read them for something else too).

        Returns
        -------
        pandas.DataFrame
            ``pd``, ``score``, ``model_grade``, ``final_grade``, ``overrides`` (JSON list
            of {grade, reason_zh, reason_en}) and, with ``contributions``, one column
            ``contrib__<feature>`` per feature plus ``contrib__base``: points for a
            scorecard (summing to ``score``), log-odds for LightGBM (summing to the
            uncalibrated log-odds).
        """
        x = self._input(frame, floats)  # read once for the PD, score and contributions
        contrib = None
        if contributions:
            # the log-odds and contributions together: LightGBM's come out of the
            # explanation's pass through the trees, the same log-odds bit for bit
            logit, contrib = self.estimator.decision_and_explain(  # type: ignore[attr-defined]
                x, reference=self._reference_input()
            )
            pd_ = self.calibrator.pd(logit)
        else:
            pd_ = self.predict_pd(frame, x)
        model_grade = self.scale.assign(pd_)
        final, applied = apply_overrides(model_grade, frame, self.scale.overrides, self.scale.keys)
        columns: dict[str, object] = {
            "pd": pd_,
            "score": self.score(frame, pd_, x),
            "model_grade": model_grade,
            "final_grade": final,
            "overrides": overrides_json(applied),
        }
        head = pd.DataFrame(columns, index=frame.index)
        if contrib is None:
            return head
        # one float block, not a column each: framing ~60 one-row columns costs more than
        # the contributions of one subject
        block = pd.DataFrame(
            contrib.to_numpy(dtype=float),
            columns=[CONTRIB_PREFIX + c for c in contrib.columns],
            index=frame.index,
        )
        return pd.concat([head, block], axis=1)
