"""Where a village's, a township's or a household's rows are in a rural result.

A city's rural result holds a million households. Saving one assessment re-judges one
village and one township; finding their rows by scanning the million (a text match per
row) cost ~10 ms per look-up and a save made six of them, and the page another two.
:class:`RowIndex` finds them by position: built once per result (at the city ~170 ms,
when the page first rates every village, which takes ~40 s) and kept across a save
that moves no household to another village (:func:`scoring.rural_rating.reassess`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

#: the place columns a rural result is looked up by
PLACES = ("village_code", "township_code")


class RowIndex:
    """Positions of the rows of a frame sorted by ``subject_id`` (the rural result's
    households and, row for row, its offers), by subject and by place.

    Each look-up structure is built the first time it is asked for (:meth:`prime`
    builds them all). Positions are in ascending order.
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame
        self._ids: np.ndarray | None = None
        self._sorted: bool | None = None
        self._places: dict[str, dict[object, np.ndarray]] = {}

    def prime(self) -> RowIndex:
        """Build every look-up now (a page does it with the result it shares)."""
        self._subject_ids()
        for column in PLACES:
            if column in self._frame:
                self._place(column)
        return self

    def _subject_ids(self) -> np.ndarray | None:
        if self._sorted is None:
            ids = self._frame["subject_id"]
            self._sorted = bool(ids.notna().all() and ids.is_monotonic_increasing)
            # Python strings compare as pandas sorted them (by code point)
            self._ids = ids.to_numpy(dtype=object) if self._sorted else None
        return self._ids

    def _place(self, column: str) -> dict[object, np.ndarray]:
        if column not in self._places:
            groups = self._frame.groupby(column, sort=False).indices
            self._places[column] = {k: np.asarray(v, dtype=np.int64) for k, v in groups.items()}
        return self._places[column]

    def of_subjects(self, ids: Iterable[str]) -> np.ndarray:
        """The positions of the rows of ``ids`` (those in the frame)."""
        wanted = np.array(sorted({str(i) for i in ids}), dtype=object)
        if not len(wanted):
            return np.empty(0, dtype=np.int64)
        known = self._subject_ids()
        if known is None:  # not sorted by subject: matched row by row
            hit = self._frame["subject_id"].isin(list(wanted)).to_numpy()
            return np.flatnonzero(hit)
        at = np.searchsorted(known, wanted)
        inside = at < len(known)
        at = at[inside]
        return at[known[at] == wanted[inside]].astype(np.int64)

    def of(self, column: str, codes: Iterable[object]) -> np.ndarray:
        """The positions of the rows whose ``column`` is one of ``codes``."""
        place = self._place(column)
        parts = [place[c] for c in set(codes) if c in place]
        if not parts:
            return np.empty(0, dtype=np.int64)
        return np.sort(np.concatenate(parts))

    def mask(self, positions: np.ndarray) -> np.ndarray:
        """A boolean row mask of ``positions``."""
        out = np.zeros(len(self._frame), dtype=bool)
        out[positions] = True
        return out

    def still_holds(self, frame: pd.DataFrame, moved: pd.DataFrame, stayed: pd.DataFrame) -> bool:
        """Whether this index holds for ``frame``: the same rows in the same order, the
        rows that changed (``moved``: their new values; ``stayed``: their former ones,
        both by ``subject_id``) in the same places."""
        if len(frame) != len(self._frame) or len(moved) != len(stayed):
            return False
        cols = ["subject_id", *[c for c in PLACES if c in frame]]
        a = moved[cols].sort_values("subject_id").reset_index(drop=True)
        b = stayed[cols].sort_values("subject_id").reset_index(drop=True)
        return bool(a.astype(object).equals(b.astype(object)))
