"""Tabular input for the estimators: checking and converting ``X`` and ``y``.

Both estimators take any pandas frame (or numpy array) of numeric and categorical
columns with missing values and a binary target. This module turns such input into
a :class:`Columns` value — numeric columns as ``float64`` arrays (``NaN`` = missing),
categorical columns as ``object`` arrays of ``str`` (``None`` = missing) — and fixes
which columns are categorical at ``fit`` so that ``predict`` reads new data the same way.

A column is categorical when its pandas dtype is ``object``, ``str``/``string`` or
``category`` and its values are not all numbers, or when the caller names it in
``categorical_features``. Booleans and numbers are numeric.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils import check_array
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import column_or_1d, validate_data

#: Up to this many rows, categories are coded by dict look-ups (:func:`code_matrix`)
_FEW_ROWS = 64
_NUMERIC_INFERRED = frozenset(
    {"floating", "integer", "mixed-integer-float", "decimal", "boolean", "empty"}
)


@dataclass(frozen=True)
class Columns:
    """Input rows as one array per column, in the order of the fitted features."""

    names: tuple[str, ...]
    arrays: tuple[np.ndarray, ...]
    categorical: tuple[bool, ...]

    @property
    def n_rows(self) -> int:
        return len(self.arrays[0]) if self.arrays else 0

    def frame(self) -> pd.DataFrame:
        """The columns as a frame (numeric ``float64``, categorical ``object``)."""
        return pd.DataFrame(
            {
                name: pd.Series(a, dtype=a.dtype)
                for name, a in zip(self.names, self.arrays, strict=True)
            }
        )


@dataclass(frozen=True)
class ReadRows:
    """Rows an estimator has checked and converted already (its ``read(X)``).

    Passed in place of ``X`` to the same estimator's predict and explain methods they are
    not checked and converted again: rating one subject reads its row once for the PD,
    the score and the contributions instead of once for each (each read of one row costs
    more than the model itself).
    """

    estimator_id: int  # the estimator that read them (another must not take them)
    data: Any  # what that estimator's reader returned
    index: pd.Index | None  # the frame's index, kept on explanations


def check_binary_target(y) -> tuple[np.ndarray, np.ndarray]:
    """Check that ``y`` is a binary target.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Two distinct labels; the larger one (in sorted order) is the positive class,
        e.g. 1 = default for a 0/1 target.

    Returns
    -------
    classes : ndarray of shape (2,)
        The sorted labels.
    y01 : ndarray of shape (n_samples,)
        ``1`` where ``y == classes[1]``, else ``0``.

    Raises
    ------
    ValueError
        When ``y`` is missing, 2-D, contains missing values, or does not have exactly
        two classes.
    """
    if y is None:
        raise ValueError(
            "requires y to be passed, but the target y is None: pass the binary target."
        )
    y_arr = column_or_1d(y, warn=True, dtype=None)
    if y_arr.dtype.kind in "fc" and not np.all(np.isfinite(y_arr)):
        raise ValueError("Input y contains NaN or infinity: every row needs a 0/1 target.")
    if y_arr.dtype.kind == "O" and pd.isna(y_arr).any():
        raise ValueError("Input y contains NaN: every row needs a target.")
    kind = type_of_target(y_arr, input_name="y", raise_unknown=True)
    if kind == "continuous":
        raise ValueError(
            "Unknown label type: continuous target. A binary target (two classes, e.g. "
            "0 = no default, 1 = default) is required."
        )
    classes = np.unique(y_arr)
    if len(classes) < 2:
        raise ValueError(
            f"The target has 1 class ({classes[0]!r} only): a binary target needs "
            "samples of 2 classes."
            if len(classes)
            else "The target is empty."
        )
    if len(classes) > 2 or kind not in ("binary",):
        raise ValueError(
            f"Only binary classification is supported. The type of the target is {kind}: "
            f"it has {len(classes)} classes "
            f"({', '.join(map(repr, classes[:5]))}{', …' if len(classes) > 5 else ''})."
        )
    return classes, (y_arr == classes[1]).astype(np.int8)


def check_sample_weight(sample_weight, target: np.ndarray) -> np.ndarray | None:
    """Check the weights of a fit: one finite, non-negative number per row.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,) or None
        How much each row counts (e.g. the subjects a sampled row stands for).
    target : ndarray of shape (n_samples,)
        The 0/1 target of :func:`check_binary_target`.

    Returns
    -------
    ndarray of float64 or None
        A copy (the caller's array is never changed), or ``None`` without weights.

    Raises
    ------
    ValueError
        When the shape differs from the rows, a weight is negative or not finite, all
        weights are zero, or one class has no positive weight.
    """
    if sample_weight is None:
        return None
    w = np.array(sample_weight, dtype=np.float64, copy=True)
    if w.shape != target.shape:
        raise ValueError(
            f"sample_weight.shape == {w.shape}, expected {target.shape}: one weight per row."
        )
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("sample_weight must be finite and non-negative.")
    if not np.any(w > 0):
        raise ValueError("sample_weight: all weights are zero; at least one must be positive.")
    if not (np.any(w[target == 1] > 0) and np.any(w[target == 0] > 0)):
        raise ValueError(
            "sample_weight gives one class only a zero weight: a binary target needs "
            "rows of 2 classes with positive weight."
        )
    return w


def _infer_categorical(values: pd.Series) -> bool:
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return True
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        return False
    if pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype):
        return pd.api.types.infer_dtype(values, skipna=True) not in _NUMERIC_INFERRED
    raise TypeError(
        f"column {values.name!r} has dtype {dtype}: only numeric, boolean, string, object "
        "and category columns are supported (convert dates to numbers first)."
    )


def _to_numeric(values: pd.Series, name: str) -> np.ndarray:
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    try:
        out = pd.to_numeric(values, errors="raise").to_numpy(dtype=np.float64, na_value=np.nan)
    except (ValueError, TypeError) as exc:
        bad = values[pd.to_numeric(values, errors="coerce").isna() & values.notna()]
        example = repr(bad.iloc[0]) if len(bad) else "?"
        raise ValueError(
            f"column {name!r} was numeric at fit but has the non-numeric value {example} "
            f"(row {bad.index[0] if len(bad) else '?'}): pass numbers or missing values."
        ) from exc
    if np.isinf(out).any():
        row = int(np.flatnonzero(np.isinf(out))[0])
        raise ValueError(
            f"Input X contains infinity or a value too large for dtype('float64'): "
            f"column {name!r}, row {row}. Use NaN for a missing value."
        )
    return out


def _to_categories(values: pd.Series | np.ndarray) -> np.ndarray:
    raw = values if isinstance(values, np.ndarray) else values.to_numpy(dtype=object)
    present = ~pd.isna(raw)
    out = np.full(len(raw), None, dtype=object)
    out[present] = [str(v) for v in raw[present]]
    return out


def _frame_from_array(X) -> pd.DataFrame:
    """A frame from a numpy array or list: numeric if every value converts to float."""
    if hasattr(X, "toarray") or hasattr(X, "tocsr"):
        check_array(X, accept_sparse=False)  # raises the standard sparse-data TypeError
    raw = np.asarray(X) if not isinstance(X, np.ndarray) else X
    if raw.dtype.kind in "biuf" or raw.dtype.kind == "c":
        arr = check_array(
            raw, dtype=np.float64, ensure_all_finite="allow-nan", ensure_min_samples=1
        )
        return pd.DataFrame(arr)
    try:
        arr = check_array(
            raw, dtype=np.float64, ensure_all_finite="allow-nan", ensure_min_samples=1
        )
        return pd.DataFrame(arr)
    except ValueError as exc:
        if raw.ndim != 2 or raw.shape[0] == 0 or raw.shape[1] == 0 or "infinity" in str(exc):
            raise
    return pd.DataFrame(raw.astype(object))


def read_columns(
    estimator,
    X,
    *,
    fit: bool,
    categorical_features: Sequence[str] | None = None,
) -> Columns:
    """Check ``X`` and convert it to :class:`Columns`.

    Parameters
    ----------
    estimator : BaseEstimator
        At ``fit=True`` it receives ``n_features_in_`` (and ``feature_names_in_`` for a
        frame with string column names) and ``categorical_features_``; afterwards these
        are checked against new data.
    X : DataFrame or array-like of shape (n_samples, n_features)
        Input rows.
    fit : bool
        Whether this is the data ``fit`` learns from.
    categorical_features : sequence of str, optional
        At fit: columns to treat as categorical whatever their dtype (by name, or ``x<i>``
        for arrays). Others are inferred from the dtype.

    Returns
    -------
    Columns
    """
    frame = X if isinstance(X, pd.DataFrame) else _frame_from_array(X)
    validate_data(estimator, X, reset=fit, skip_check_array=True)
    if frame.shape[0] == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={frame.shape}) while a minimum of 1 is required."
        )
    if frame.shape[1] == 0:
        raise ValueError(
            f"Found array with 0 feature(s) (shape={frame.shape}) while a minimum of 1 is required."
        )
    names = feature_names(estimator, frame.shape[1])
    if fit:
        declared = set(categorical_features or ())
        unknown = declared - set(names)
        if unknown:
            raise ValueError(
                f"categorical_features names columns not in X: {sorted(unknown)}; "
                f"X has {list(names)[:10]}{'…' if len(names) > 10 else ''}."
            )
        kinds = tuple(
            name in declared or _infer_categorical(frame.iloc[:, i]) for i, name in enumerate(names)
        )
        estimator.categorical_features_ = [n for n, c in zip(names, kinds, strict=True) if c]
    else:
        fitted = set(estimator.categorical_features_)
        kinds = tuple(name in fitted for name in names)
    arrays: list[np.ndarray | None] = [None] * len(names)
    numeric = [i for i, cat in enumerate(kinds) if not cat]
    block = _numeric_block(frame, numeric)
    if block is not None:
        for j, i in enumerate(numeric):
            arrays[i] = block[j]
    for i, (name, cat) in enumerate(zip(names, kinds, strict=True)):
        if arrays[i] is None:
            values = frame.iloc[:, i]
            arrays[i] = _to_categories(values) if cat else _to_numeric(values, name)
    return Columns(tuple(names), tuple(arrays), kinds)  # type: ignore[arg-type]


def read_arrays(estimator, arrays: Mapping[str, np.ndarray]) -> Columns | None:
    """:func:`read_columns` (``fit=False``) of rows given as one array per fitted feature.

    The frame of ``arrays`` would be read to the same :class:`Columns`; without framing
    and indexing it, reading one row costs microseconds instead of milliseconds (a
    one-subject rating reads its row once). ``None`` when the arrays are not what this
    shortcut reads — other names or order than the fitted features, a numeric column
    that is not ``float64`` or holds an infinity, a categorical column that is not
    ``object`` — : the caller then reads the frame, whose checks give the precise error.
    """
    names = getattr(estimator, "feature_names_in_", None)
    if names is None or list(arrays) != [str(n) for n in names]:
        return None
    fitted = set(estimator.categorical_features_)
    out: list[np.ndarray] = []
    for name, values in arrays.items():
        if name in fitted:
            if values.dtype != object:
                return None
            out.append(_to_categories(values))
        elif values.dtype != np.float64 or np.isinf(values).any():
            return None
        else:
            out.append(values)
    return Columns(tuple(arrays), tuple(out), tuple(n in fitted for n in arrays))


def _numeric_block(frame: pd.DataFrame, positions: list[int]) -> np.ndarray | None:
    """The columns at ``positions`` as one ``(n_columns, n_rows)`` float array when
    they all have plain numpy numeric dtypes and no infinity; else ``None`` and the
    column-by-column path (with its precise errors) runs. One conversion instead of
    one per column is what keeps scoring a single row fast."""
    if not positions:
        return None
    dtypes = frame.dtypes.iloc[positions]
    if not all(isinstance(d, np.dtype) and d.kind in "fiub" for d in dtypes):
        return None
    block = frame.iloc[:, positions].to_numpy(dtype=np.float64, na_value=np.nan)
    if np.isinf(block).any():
        return None
    return np.ascontiguousarray(block.T)


def feature_names(estimator, n_features: int) -> list[str]:
    """The fitted feature names, or ``x0 … x{n-1}`` when fit saw no string column names."""
    names = getattr(estimator, "feature_names_in_", None)
    if names is not None:
        return [str(n) for n in names]
    return [f"x{i}" for i in range(n_features)]


def category_codes(columns: Columns) -> dict[str, list]:
    """The categories seen in each categorical column, sorted: the order of their codes."""
    return {
        name: sorted(pd.unique(values[~pd.isna(values)]).tolist())
        for name, values, cat in zip(
            columns.names, columns.arrays, columns.categorical, strict=True
        )
        if cat
    }


def code_matrix(columns: Columns, categories: dict[str, list]) -> np.ndarray:
    """Float matrix for LightGBM: numeric columns as they are, categories as their codes
    in ``categories``, a missing or unseen category as NaN."""
    out = np.empty((columns.n_rows, len(columns.names)), dtype=np.float64)
    for j, (name, values, cat) in enumerate(
        zip(columns.names, columns.arrays, columns.categorical, strict=True)
    ):
        if cat and len(values) <= _FEW_ROWS:
            # a few rows: a dict look-up each; building an Index costs more than them
            code = {c: float(i) for i, c in enumerate(categories[name])}
            out[:, j] = [np.nan if v is None else code.get(v, np.nan) for v in values]
        elif cat:
            codes = pd.Index(categories[name], dtype=object).get_indexer(values)
            out[:, j] = np.where(codes >= 0, codes, np.nan)
        else:
            out[:, j] = values
    return out
