"""Which values of a column are among a set of values, read by Arrow.

pandas' ``Series.isin`` on a text column backed by Arrow (the default ``str`` of
pandas 3) turns every value it is given into a Python string first, one by one: a
village's one household matched against the city's 2,500 credit villages costs
12 ms, a township's 30,000 households 80 ms. Arrow matches the same arrays
without leaving C.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def isin(column: pd.Series, values: Iterable) -> np.ndarray:
    """``column.isin(values).to_numpy()``, the same answer, faster on text.

    Parameters
    ----------
    column
        Any column; a text column (``pandas.StringDtype``) is matched by Arrow.
    values
        The values looked for (a set, a list, an array or a Series); missing values
        among them match nothing, and a missing value in ``column`` is not found.

    Returns
    -------
    numpy.ndarray
        One boolean per row of ``column``.
    """
    if isinstance(values, set | frozenset):
        values = list(values)
    if not isinstance(column.dtype, pd.StringDtype):
        return column.isin(values).to_numpy()
    if isinstance(values, pd.Series):
        values = values.to_numpy()
    wanted = pc.drop_null(pa.array(values, pa.large_string(), from_pandas=True))
    found = pc.is_in(pa.array(column, pa.large_string()), value_set=wanted)
    return pc.fill_null(found, False).to_numpy(zero_copy_only=False)
