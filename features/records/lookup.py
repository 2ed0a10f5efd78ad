"""Records read by ID for one subject's page: its own records first (pure SQL, one store).

A city store keeps the records in subject order, so a read of one subject's records
skips all but a few blocks (milliseconds), while a read by record ID alone reads every
record (seconds on 45 M records). What a subject's report or check shows by ID is
nearly always the subject's own record; a record of another subject (a listing resting
on a related party's record) is then looked up among all records, and only it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from features.store.base import Store


def records_by_id(
    store: Store, ids: Iterable[str], columns: Sequence[str], subject_id: str | None = None
) -> pd.DataFrame:
    """``columns`` of each version of the records ``ids``, oldest version first.

    Parameters
    ----------
    store
        The store to read.
    ids
        Record IDs (repeats are read once).
    columns
        Columns of ``records`` to return (``record_id`` is always among them).
    subject_id
        The subject whose page asks: its records are read first, and the IDs not among
        them are then read from every record. ``None``: every record is read.

    Returns
    -------
    pandas.DataFrame
        One row per stored version, ordered by ``recorded_at`` (the last row of an ID is
        its latest version); an ID that is nowhere has no row.
    """
    wanted = sorted(set(map(str, ids)))
    cols = list(dict.fromkeys(["record_id", *columns]))
    if not wanted:
        return pd.DataFrame(columns=cols)
    found = []
    if subject_id is not None:
        found.append(_read(store, wanted, cols, subject_id))
        seen = set(found[0]["record_id"])
        wanted = [i for i in wanted if i not in seen]
    if wanted:
        found.append(_read(store, wanted, cols, None))
    frame = pd.concat(found, ignore_index=True) if len(found) > 1 else found[0]
    return frame.sort_values("_xp_at", kind="stable").drop(columns="_xp_at").reset_index(drop=True)


def _read(store: Store, ids: list[str], cols: list[str], subject_id: str | None) -> pd.DataFrame:
    where = "subject_id = ? AND " if subject_id is not None else ""
    return store.query(
        f"SELECT {', '.join(cols)}, recorded_at AS _xp_at FROM records "
        f"WHERE {where}record_id IN (SELECT record_id FROM _xp_ids)",
        None if subject_id is None else [subject_id],
        frames={"_xp_ids": pd.DataFrame({"record_id": ids}, dtype=object)},
    )
