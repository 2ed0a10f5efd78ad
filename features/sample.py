"""The seeded sample of non-defaults that bounds the rows a training run holds.

Every default is kept; a non-default is kept when the first 8 hexadecimal digits of
``md5('<seed>|<as_of>|<subject_id>')`` fall below the sample's threshold, a fraction of
``16**8``. The draw is a hash of the subject and the snapshot, not a random stream, so
DuckDB, Spark and Python select exactly the same rows with the same seed (``md5`` and
string comparison are the same on every engine), whatever the order the rows come in,
and a subject's draw does not depend on who else is in the population. A kept
non-default stands for ``1 / fraction`` subjects: :attr:`NonDefaultSample.weight`, which
training carries into the fit, the calibration, the grade bands and the report.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

#: the hash's range: its first 8 hexadecimal digits
_RANGE = 16**8


@dataclass(frozen=True)
class NonDefaultSample:
    """Keep every default and the non-defaults whose hash falls below ``fraction``.

    Parameters
    ----------
    fraction
        Share of non-defaults kept, in (0, 1]; it is rounded to a whole threshold of
        the hash's range (:attr:`kept_share` is the exact share).
    seed
        Part of the hashed text: another seed draws other non-defaults.
    """

    fraction: float
    seed: int

    def __post_init__(self) -> None:
        if not 0 < self.fraction <= 1:
            raise ValueError(f"the non-default fraction must lie in (0, 1]; got {self.fraction}")

    @property
    def threshold(self) -> int:
        """Hash values below this are kept (``16**8`` keeps all)."""
        return min(_RANGE, max(1, round(self.fraction * _RANGE)))

    @property
    def everything(self) -> bool:
        """Whether every row is kept (no sampling at all)."""
        return self.threshold >= _RANGE

    @property
    def kept_share(self) -> float:
        """The exact probability that a non-default is kept."""
        return self.threshold / _RANGE

    @property
    def weight(self) -> float:
        """How many non-defaults of the population a kept one stands for."""
        return _RANGE / self.threshold

    def keep_sql(self, as_of: dt.date, column: str = "subject_id") -> str:
        """A condition true for the non-defaults kept at ``as_of`` (DuckDB and Spark SQL)."""
        if self.everything:
            return "TRUE"
        prefix = f"{int(self.seed)}|{as_of.isoformat()}|"
        return f"substr(md5('{prefix}' || {column}), 1, 8) < '{self.threshold:08x}'"

    def kept(self, subject_ids: Iterable[str], as_of: dt.date) -> np.ndarray:
        """The same condition in Python: which ``subject_ids`` a non-default is kept for."""
        ids = list(subject_ids)
        if self.everything:
            return np.ones(len(ids), dtype=bool)
        prefix = f"{int(self.seed)}|{as_of.isoformat()}|"
        limit = f"{self.threshold:08x}"
        return np.fromiter(
            (hashlib.md5((prefix + s).encode()).hexdigest()[:8] < limit for s in ids),
            dtype=bool,
            count=len(ids),
        )


def fraction_for(max_rows: int, subjects: int, defaults: int) -> float:
    """The non-default fraction that holds about ``max_rows`` rows (1 when all fit).

    Parameters
    ----------
    max_rows
        Rows the sample may hold, defaults included.
    subjects, defaults
        Rows and defaults of the full snapshots.

    Raises ``ValueError`` when the defaults alone exceed ``max_rows``: every default is
    kept, so no fraction of non-defaults meets the bound.
    """
    if subjects <= max_rows:
        return 1.0
    if defaults >= max_rows:
        raise ValueError(
            f"the snapshots hold {defaults:,} defaults, more than the {max_rows:,} rows "
            "the sample may hold (every default is kept): raise [sample] max_rows"
        )
    # floor to the hash's grid so that the kept share never exceeds the target
    share = (max_rows - defaults) / (subjects - defaults)
    return math.floor(share * _RANGE) / _RANGE
