"""The records that count at a date, worked out in process from a slice of the store.

:func:`features.compile.effective_records_sql` is the definition (DESIGN.md §5):
a record counts at T when it was published by T, not revoked by T, has no
objection open or upheld at T, and is inside its publication window (before
``valid_until`` for a negative record; before the later of an approved repair
and the tier's minimum). :func:`effective_records` applies the same rules to
the rows of a slice (:mod:`features.store.sliced`) with numpy, so that the
indicators (:mod:`features.evaluate`), the green channel and the driver points
of a few subjects need no query. Tests require the SQL's rows from it
(tests/features/test_evaluate.py, tests/features/test_point_in_time.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from features.compile import add_months
from features.records.windows import WindowPolicy
from features.store.sliced import SlicedStore
from features.subjects import current_rows

EFF_COLUMNS = (
    "record_id",
    "subject_id",
    "kind",
    "severity",
    "polarity",
    "value_num",
    "value_text",
    "amount",
    "valid_until",
    "rdate",
)


def dates_of(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A date column as ``datetime64[D]`` (null → NaT: every comparison is False)."""
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype="datetime64[D]")


def _floats(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A numeric column as float64 (null → NaN: every comparison is False)."""
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype="float64")


def objects_of(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A string column as an object array (null → None)."""
    return np.asarray(column.to_pylist(), dtype=object)


def day64(value: dt.date) -> np.datetime64:
    """A date as ``datetime64[D]``."""
    return np.datetime64(value, "D")


_NO_ROWS = np.zeros(0, dtype=np.intp)


class Columns(dict):
    """The effective rows' arrays by column name, which also answer which rows hold one
    of a few strings (:meth:`one_of`) from codes worked out once per column: a
    one-subject build asks it some sixty times, and comparing an object array with each
    string costs more than the codes."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._codes: dict[str, tuple[dict, np.ndarray]] = {}

    def one_of(self, column: str, wanted: Iterable[str]) -> np.ndarray:
        """Rows whose ``column`` equals one of ``wanted`` (a missing value never does):
        ``values == w`` for each ``w``, or-ed."""
        hit = self._codes.get(column)
        if hit is None:
            codes, uniques = pd.factorize(self[column])  # missing: -1
            hit = ({v: i for i, v in enumerate(np.asarray(uniques, dtype=object).tolist())}, codes)
            self._codes[column] = hit
        index, codes = hit
        flags = np.zeros(len(index) + 1, dtype=bool)  # the last: code -1, never wanted
        for w in wanted:
            at = index.get(w)
            if at is not None:
                flags[at] = True
        return flags[codes]


@dataclass(frozen=True)
class Effective:
    """The records that count at ``as_of``: the rows of SQL's ``eff``, as arrays."""

    as_of: dt.date
    columns: Mapping[str, np.ndarray]
    #: row positions of each subject's records
    rows: Mapping[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.columns["record_id"])

    def rows_of(self, subject_id: str | None) -> np.ndarray:
        """Positions of ``subject_id``'s rows (none for a missing party)."""
        if subject_id is None:
            return _NO_ROWS
        return self.rows.get(subject_id, _NO_ROWS)

    def frame(self, subject_ids: Iterable[str] | None = None) -> pd.DataFrame:
        """The rows (of ``subject_ids`` only, if given) as a frame in record order;
        ``rdate`` and ``valid_until`` as ``datetime64[s]``."""
        if subject_ids is None:
            idx = np.arange(len(self), dtype=np.intp)
        else:
            idx = np.sort(np.concatenate([_NO_ROWS, *(self.rows_of(s) for s in subject_ids)]))
        out = {c: self.columns[c][idx] for c in EFF_COLUMNS}
        for c in ("rdate", "valid_until"):
            out[c] = out[c].astype("datetime64[s]")
        return pd.DataFrame(out)


def _min_end(
    kind: str, severity: str | None, sector: str | None, date: dt.date, policy: WindowPolicy
) -> dt.date:
    """Earliest end of a repaired record's publication, as
    :func:`features.compile.min_end_sql` computes it: the policy's minimum, and
    the record's own date for a kind and tier the policy has no minimum for."""
    if kind not in policy.list_repair_min_months and severity not in policy.tiers:
        return date
    return add_months(date, policy.min_months(kind, severity, date, sector or ""))


def effective_records(
    tables: Mapping[str, pa.Table], as_of: dt.date, policy: WindowPolicy | None = None
) -> Effective:
    """The records of a slice that count at ``as_of`` (DESIGN.md §5).

    Published by T; not revoked by T; no objection opened by T that is not
    rejected by T (an upheld or open objection suspends the record); a negative
    record before its ``valid_until``; a repaired record before the later of
    the approval and the tier's minimum.
    """
    policy = policy or WindowPolicy()
    t = day64(as_of)
    rec = tables["records"]
    # objections: an objection (its rows opened by T) suspends its record unless
    # one of those rows rejects it by T
    obj = tables["objections"]
    suspended: set[str] = set()
    if obj.num_rows:
        opened = dates_of(obj["opened_on"]) <= t
        rejected = (objects_of(obj["status"]) == "rejected") & (dates_of(obj["resolved_on"]) <= t)
        state: dict[tuple[str, str], bool] = {}
        for key, is_open, is_rejected in zip(
            zip(obj["objection_id"].to_pylist(), obj["record_id"].to_pylist(), strict=True),
            opened,
            rejected,
            strict=True,
        ):
            if is_open:
                state[key] = state.get(key, False) or bool(is_rejected)
        suspended = {rid for (_, rid), done in state.items() if not done}
    # repairs: the first approval by T
    approved: dict[str, np.datetime64] = {}
    rep = tables["repairs"]
    if rep.num_rows:
        days = dates_of(rep["approved_on"])
        ok = (objects_of(rep["status"]) == "approved") & (days <= t)
        for rid, day in zip(objects_of(rep["record_id"])[ok], days[ok], strict=True):
            if rid not in approved or day < approved[rid]:
                approved[rid] = day

    record_id, kind, severity, polarity, text = (
        objects_of(rec[c]) for c in ("record_id", "kind", "severity", "polarity", "value_text")
    )
    valid_until = dates_of(rec["valid_until"])
    revoked = dates_of(rec["revoked_on"])
    keep = (
        (dates_of(rec["published_on"]) <= t)
        & (np.isnat(revoked) | (revoked > t))
        & ((polarity != "negative") | np.isnat(valid_until) | (valid_until > t))
    )
    decided = dates_of(rec["decided_on"])
    event = dates_of(rec["event_date"])
    rdate = np.where(np.isnat(decided), event, decided)
    if suspended or approved:
        for i in np.flatnonzero(keep):
            rid = record_id[i]
            if rid in suspended:
                keep[i] = False
            elif rid in approved:
                end = _min_end(kind[i], severity[i], text[i], rdate[i].item(), policy)
                keep[i] = max(approved[rid], day64(end)) > t
    idx = np.flatnonzero(keep)
    columns = Columns(
        {
            "record_id": record_id[idx],
            "subject_id": objects_of(rec["subject_id"])[idx],
            "kind": kind[idx],
            "severity": severity[idx],
            "polarity": polarity[idx],
            "value_num": _floats(rec["value_num"])[idx],
            "value_text": text[idx],
            "amount": _floats(rec["amount"])[idx],
            "valid_until": valid_until[idx],
            "rdate": rdate[idx],
        }
    )
    rows: dict[str, list[int]] = {}
    for pos, sid in enumerate(columns["subject_id"]):
        rows.setdefault(sid, []).append(pos)
    return Effective(as_of, columns, {k: np.asarray(v, dtype=np.intp) for k, v in rows.items()})


def slice_effective(
    view: SlicedStore, as_of: dt.date, policy: WindowPolicy | None = None
) -> Effective:
    """:func:`effective_records` of a sliced store, computed once per date and policy."""
    policy = policy or WindowPolicy()
    key = ("effective", as_of, repr(policy))
    if key not in view.memo:
        view.memo[key] = effective_records(view.tables, as_of, policy)
    return view.memo[key]  # type: ignore[return-value]


def latest_subjects(subjects: pa.Table) -> dict[str, dict]:
    """Each subject's current version by subject_id, as a dict
    (:func:`features.subjects.current_rows`)."""
    return current_rows(subjects)
