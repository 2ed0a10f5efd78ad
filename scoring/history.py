"""Rating history: the current rating, migration matrices, movers and a subject's timeline.

The ``ratings`` table is append-only. Several model versions may score the same
scheme and as-of date, and a re-rating after an objection or a repair adds a row
for the affected subject only, with the same as-of date and a later
``scored_at``. The *current* rating of a subject for a scheme and date is
therefore its row with the latest ``scored_at`` (:func:`current_ratings`);
everything else here is built on it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from features.records.schema import TABLES
from features.records.windows import WindowPolicy
from features.schemes import SCHEMES
from features.store.base import Store
from features.subjects import closed_subjects_sql
from models.rating import SCALES_DIR, load_scale
from scoring.record_changes import record_changes

RATING_COLUMNS: tuple[str, ...] = TABLES["ratings"].column_names


def as_date(value: str | dt.date | dt.datetime | pd.Timestamp) -> dt.date:
    """A calendar date from a date, a timestamp or ``YYYY-MM-DD``."""
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def decode(text: Any) -> Any:
    """A JSON column value decoded (``None`` for null or empty)."""
    if text is None or (not isinstance(text, str | list | dict) and pd.isna(text)):
        return None
    if not isinstance(text, str):
        return text
    return json.loads(text) if text.strip() else None


def _dates(frame: pd.DataFrame, column: str = "as_of") -> pd.DataFrame:
    frame[column] = pd.Series([as_date(v) for v in frame[column]], index=frame.index,
                              dtype=object)
    return frame


def current_ratings(
    store: Store,
    scheme: str,
    as_of: str | dt.date | None = None,
    subject_ids: Iterable[str] | None = None,
) -> pd.DataFrame:
    """The current rating of every subject of ``scheme`` per as-of date.

    Per ``(subject_id, scheme, as_of)`` the row with the latest ``scored_at``
    wins (ties: the highest model version), so a re-rating of one subject after
    an objection supersedes that subject's row of the batch and nobody else's.

    Parameters
    ----------
    store
        The store holding ``ratings``.
    scheme
        Scheme key.
    as_of
        One as-of date, or ``None`` for every date.
    subject_ids
        Only these subjects (default: all).

    Returns
    -------
    pandas.DataFrame
        The ``ratings`` columns, ``as_of`` as :class:`datetime.date`; JSON
        columns stay text (see :func:`decode`). Sorted by as-of date and subject.
    """
    where, params = ["scheme = ?"], [scheme]
    if as_of is not None:
        where.append("as_of = ?")
        params.append(as_date(as_of))
    frames = None
    if subject_ids is not None:
        ids = pd.DataFrame({"subject_id": sorted(set(subject_ids))}, dtype=object)
        where.append("subject_id IN (SELECT subject_id FROM _xp_wanted)")
        frames = {"_xp_wanted": ids}
    cols = ", ".join(RATING_COLUMNS)
    sql = f"""SELECT {cols} FROM (
  SELECT {cols}, row_number() OVER (
    PARTITION BY subject_id, scheme, as_of ORDER BY scored_at DESC, model_version DESC) AS rn
  FROM ratings WHERE {' AND '.join(where)}
) v WHERE rn = 1 ORDER BY as_of, subject_id"""
    return _dates(store.query(sql, params, frames=frames))


def ratings_on(store: Store, scheme: str, on: str | dt.date | None = None,
               subject_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Each subject's rating in force on ``on``: its latest as-of date not after ``on``,
    and on that date its latest row — so a re-rating after an objection counts from
    the day it was made. ``on=None``: the latest of all, in force today.

    A subject closed or deregistered by ``on`` (:mod:`features.subjects`) has no
    rating in force: its earlier ratings stay in its history
    (:func:`subject_history`) but no decision is taken on them.

    Returns the ``ratings`` columns (``as_of`` as :class:`datetime.date`), by subject
    (only ``subject_ids`` when given).
    """
    day = dt.date.today() if on is None else as_date(on)
    where, params = ["scheme = ?"], [scheme]
    if on is not None:
        where.append("as_of <= ?")
        params.append(day)
    where.append(f"subject_id NOT IN ({closed_subjects_sql(day)})")
    frames = None
    if subject_ids is not None:
        ids = pd.DataFrame({"subject_id": sorted(set(subject_ids))}, dtype=object)
        where.append("subject_id IN (SELECT subject_id FROM _xp_wanted)")
        frames = {"_xp_wanted": ids}
    cols = ", ".join(RATING_COLUMNS)
    sql = f"""SELECT {cols} FROM (
  SELECT {cols}, row_number() OVER (
    PARTITION BY subject_id ORDER BY as_of DESC, scored_at DESC, model_version DESC) AS rn
  FROM ratings WHERE {' AND '.join(where)}
) v WHERE rn = 1 ORDER BY subject_id"""
    return _dates(store.query(sql, params, frames=frames))


def grade_order(scheme: str, observed: Iterable[str] = ()) -> list[str]:
    """Grades best first: the scale file's order, then any other observed grade sorted."""
    keys: list[str] = []
    if (SCALES_DIR / f"{scheme}.toml").exists():
        keys = list(load_scale(scheme).keys)
    extra = sorted({g for g in observed if isinstance(g, str)} - set(keys))
    return keys + extra


@dataclass(frozen=True)
class Migration:
    """Migration matrix of final grades between two as-of dates.

    Attributes
    ----------
    scheme, date_from, date_to
        What was compared.
    grades
        Grades best first (rows and columns of both frames).
    counts
        Subjects rated at both dates: rows the grade at ``date_from``, columns
        the grade at ``date_to``.
    shares
        ``counts`` divided by the row totals (0 for an empty row).
    entered, exited
        Subjects rated only at ``date_to`` (new) or only at ``date_from`` (gone).
    """

    scheme: str
    date_from: dt.date
    date_to: dt.date
    grades: tuple[str, ...]
    counts: pd.DataFrame
    shares: pd.DataFrame
    entered: int
    exited: int

    @property
    def stable(self) -> int:
        """Subjects whose grade did not change."""
        return int(sum(self.counts.iat[i, i] for i in range(len(self.grades))))

    @property
    def upgrades(self) -> int:
        """Subjects that moved to a better grade (above the diagonal's left)."""
        values = self.counts.to_numpy()
        return int(sum(values[i, j] for i in range(len(values)) for j in range(i)))

    @property
    def downgrades(self) -> int:
        """Subjects that moved to a worse grade."""
        values = self.counts.to_numpy()
        n = len(values)
        return int(sum(values[i, j] for i in range(n) for j in range(i + 1, n)))


def _pair(store: Store, scheme: str, date_from: dt.date, date_to: dt.date) -> pd.DataFrame:
    keep = ["subject_id", "final_grade", "pd", "score", "reasons", "overrides"]
    a = current_ratings(store, scheme, date_from)[keep]
    b = current_ratings(store, scheme, date_to)[keep]
    return a.merge(b, on="subject_id", how="outer", suffixes=("_from", "_to"))


def migration(
    store: Store, scheme: str, date_from: str | dt.date, date_to: str | dt.date
) -> Migration:
    """The migration matrix of current final grades from ``date_from`` to ``date_to``.

    Parameters
    ----------
    store
        The store holding ``ratings``.
    scheme
        Scheme key.
    date_from, date_to
        The two as-of dates.

    Returns
    -------
    Migration
        Counts and row shares, grades in scale order.
    """
    d0, d1 = as_date(date_from), as_date(date_to)
    pair = _pair(store, scheme, d0, d1)
    both = pair.dropna(subset=["final_grade_from", "final_grade_to"])
    grades = grade_order(scheme, [*pair["final_grade_from"], *pair["final_grade_to"]])
    counts = pd.crosstab(both["final_grade_from"], both["final_grade_to"])
    counts = counts.reindex(index=grades, columns=grades, fill_value=0).astype("int64")
    counts.index.name, counts.columns.name = f"from {d0}", f"to {d1}"
    totals = counts.sum(axis=1).replace(0, 1)
    shares = counts.div(totals, axis=0)
    return Migration(
        scheme=scheme, date_from=d0, date_to=d1, grades=tuple(grades), counts=counts,
        shares=shares,
        entered=int((pair["final_grade_from"].isna() & pair["final_grade_to"].notna()).sum()),
        exited=int((pair["final_grade_to"].isna() & pair["final_grade_from"].notna()).sum()),
    )


def reason_indicators(reasons: Any, overrides: Any = None) -> list[str]:
    """Indicator names a rating's reasons (raise, lower) and overrides cite, in order."""
    names: list[str] = []
    data = decode(reasons) or {}
    for side in ("raise", "lower"):
        names += [r["indicator"] for r in data.get(side, []) if r.get("indicator")]
    names += [o["indicator"] for o in decode(overrides) or [] if o.get("indicator")]
    return list(dict.fromkeys(names))


def movers(
    store: Store,
    scheme: str,
    date_from: str | dt.date,
    date_to: str | dt.date,
    policy: WindowPolicy | None = None,
) -> pd.DataFrame:
    """Subjects whose current final grade changed between two dates, and why.

    The records that moved a subject are its own records (and its related
    parties', for indicators such as the legal representative's dishonesty), of
    a kind read by an indicator cited in its reasons or overrides at either
    date, that started or stopped counting in between: published in
    ``(date_from, date_to]``, or revoked, expired, repaired, suspended by an
    objection (or counting again after one was rejected), or moved into or out
    of an indicator's window (:func:`scoring.record_changes.record_changes`).

    Parameters
    ----------
    store
        The store holding ``ratings`` and the records.
    scheme
        Scheme key.
    date_from, date_to
        The two as-of dates.
    policy
        Publication windows (default: DOMAIN.md's).

    Returns
    -------
    pandas.DataFrame
        One row per mover: ``subject_id`` (unmasked: mask personal IDs before
        display), ``grade_from``, ``grade_to``, ``direction`` (``up`` = a better
        grade, ``down`` = worse), ``steps`` (grades moved, positive = better),
        ``pd_from``, ``pd_to``, ``records`` (a list of dicts: ``record_id``,
        ``kind``, ``severity``, ``record_date``, ``published_on``,
        ``source_dept``, ``relation`` and ``owner_id`` (whose record), ``change``
        (published, revoked, expired, repaired, objection_open, objection_upheld,
        objection_rejected, window), ``started`` (True: began counting),
        ``indicators``) and ``n_records``.
        Sorted by direction (down first), then the largest moves first.
    """
    d0, d1 = as_date(date_from), as_date(date_to)
    pair = _pair(store, scheme, d0, d1).dropna(subset=["final_grade_from", "final_grade_to"])
    pair = pair[pair["final_grade_from"] != pair["final_grade_to"]].copy()
    columns = ["subject_id", "grade_from", "grade_to", "direction", "steps", "pd_from",
               "pd_to", "records", "n_records"]
    if pair.empty:
        return pd.DataFrame(columns=columns)
    grades = grade_order(scheme, [*pair["final_grade_from"], *pair["final_grade_to"]])
    rank = {g: i for i, g in enumerate(grades)}
    pair["steps"] = [rank[a] - rank[b] for a, b in zip(pair["final_grade_from"],
                                                        pair["final_grade_to"], strict=True)]
    pair["direction"] = ["up" if s > 0 else "down" for s in pair["steps"]]
    cited = {
        row.subject_id: reason_indicators(row.reasons_from, row.overrides_from)
        + reason_indicators(row.reasons_to, row.overrides_to)
        for row in pair.itertuples(index=False)
    }
    sch = SCHEMES.get(scheme)
    by_subject = (record_changes(store, sch, cited, d0, d1, policy) if sch
                  else {sid: [] for sid in cited})
    out = pair.rename(columns={"final_grade_from": "grade_from", "final_grade_to": "grade_to"})
    out["records"] = [by_subject[i] for i in out["subject_id"]]
    out["n_records"] = out["records"].map(len)
    out["_size"] = out["steps"].abs()
    out = out.sort_values(["direction", "_size", "subject_id"], ascending=[True, False, True])
    return out[columns].reset_index(drop=True)


def subject_history(store: Store, subject_id: str) -> pd.DataFrame:
    """Every rating of a subject over time, superseded ones included.

    Returns
    -------
    pandas.DataFrame
        ``scheme``, ``as_of``, ``final_grade``, ``model_grade``, ``pd``,
        ``score``, ``model_name``, ``model_version``, ``run_id``, ``scored_at``,
        ``green_channel``, ``current`` (the row in force for its scheme and
        date), and the re-rating cause from the reasons JSON key ``cause``:
        ``cause_kind`` (objection, repair…), ``cause_id``, ``cause_record_id``
        (null for batch rows). Sorted by scheme, as-of date and scoring time.
    """
    frame = store.query(
        f"SELECT {', '.join(RATING_COLUMNS)} FROM ratings WHERE subject_id = ? "
        "ORDER BY scheme, as_of, scored_at, model_version",
        [subject_id],
    )
    frame = _dates(frame)
    latest = frame.groupby(["scheme", "as_of"])["scored_at"].transform("max")
    frame["current"] = frame["scored_at"] == latest
    # ties on scored_at: only the highest model version is current (as in current_ratings)
    dup = frame[frame["current"]].duplicated(["scheme", "as_of"], keep="last")
    frame.loc[dup[dup].index, "current"] = False
    causes = [(decode(r) or {}).get("cause") or {} for r in frame["reasons"]]
    frame["cause_kind"] = [c.get("kind") for c in causes]
    frame["cause_id"] = [c.get("id") for c in causes]
    frame["cause_record_id"] = [c.get("record_id") for c in causes]
    keep = ["scheme", "as_of", "final_grade", "model_grade", "pd", "score", "model_name",
            "model_version", "run_id", "scored_at", "green_channel", "current", "cause_kind",
            "cause_id", "cause_record_id"]
    return frame[keep].reset_index(drop=True)
