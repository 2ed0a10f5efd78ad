"""Rating history: the rating in force, migration matrices, movers and a subject's timeline.

The ``ratings`` table is append-only. Several model versions may score the same
scheme and as-of date, and a re-rating after an objection or a repair adds a row
for the affected subject only, with the same as-of date and a later
``scored_at``. **The rating in force** of a subject for a scheme on a date is
defined once, here (:func:`ratings_on`): its row with the latest as-of date not
after the date, on that date the latest ``scored_at``, then the highest model
version (compared as numbers: version 10 is above version 9). Every reader uses
it: 信易贷, the rural rules, the inspection draw, the profile, the credit report,
re-ratings. :func:`current_ratings` is the same rule within one as-of date (the
rating *of* each date, for migrations and distributions).

Dates are :class:`datetime.date`: a date typed by a user is parsed at the door
(``app/``); :func:`as_date` only converts the values read from the store.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from features.compile import id_list
from features.records.schema import TABLES
from features.records.windows import WindowPolicy
from features.registry import scale_file
from features.schemes import schemes
from features.store.base import Store
from features.subjects import closed_subjects_sql
from models.rating import has_scale, load_scale
from scoring.record_changes import record_changes

RATING_COLUMNS: tuple[str, ...] = TABLES["ratings"].column_names
#: The one tie-break among the rows of a subject and as-of date: the latest scoring, then
#: the highest model version as a number ("10" above "9": longer digit strings first).
LATEST_ROW = "scored_at DESC, length(model_version) DESC, model_version DESC"
#: Rows written by a batch (:func:`scoring.batch.score_scheme`); event re-ratings carry a cause.
BATCH = "json_extract(reasons, '$.cause') IS NULL"
#: Up to this many subjects are named in the statement itself, more are joined as a frame.
INLINE_IDS = 1000


def as_date(value: dt.date | dt.datetime | pd.Timestamp | np.datetime64) -> dt.date:
    """The calendar date of a value read from the store (a date, timestamp or datetime64).

    Text is refused: a date typed by a user is parsed once, at the door.
    """
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).date()
    raise TypeError(f"expected a date, got {type(value).__name__} {value!r}")


def _day(value: Any, name: str) -> dt.date:
    """``value`` if it is a date; a clear TypeError for text or anything else."""
    if not isinstance(value, dt.date):
        raise TypeError(
            f"{name} must be a datetime.date, got {type(value).__name__} "
            f"{value!r}: parse dates at the door (app/dates.py)"
        )
    return value


def decode(text: Any) -> Any:
    """A JSON column value decoded (``None`` for null or empty)."""
    if text is None or (not isinstance(text, str | list | dict) and pd.isna(text)):
        return None
    if not isinstance(text, str):
        return text
    return json.loads(text) if text.strip() else None


def _dates(frame: pd.DataFrame, column: str = "as_of") -> pd.DataFrame:
    frame[column] = pd.Series([as_date(v) for v in frame[column]], index=frame.index, dtype=object)
    return frame


def _latest(
    store: Store,
    scheme: str,
    partition: str,
    order: str,
    where: list[str],
    params: list[Any],
    subject_ids: Iterable[str] | None,
    sort: str,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The first row of each ``partition`` by ``order``, among the scheme's ratings
    (``columns`` of it: default every column)."""
    where, params = ["scheme = ?", *where], [scheme, *params]
    frames = None
    if subject_ids is not None:
        wanted = sorted(set(subject_ids))
        if len(wanted) <= INLINE_IDS:
            # a literal list lets DuckDB skip the row groups that cannot hold the ids
            # (a joined frame scans the whole table: 100 ms against 25 ms on the demo)
            where.append(f"subject_id IN {id_list(tuple(wanted))}")
        else:
            where.append("subject_id IN (SELECT subject_id FROM _xp_wanted)")
            frames = {"_xp_wanted": pd.DataFrame({"subject_id": wanted}, dtype=object)}
    cols = ", ".join(
        RATING_COLUMNS
        if columns is None
        else [c for c in RATING_COLUMNS if c in {"subject_id", "as_of", *columns}]
    )
    sql = f"""SELECT {cols} FROM (
  SELECT {cols}, row_number() OVER (PARTITION BY {partition} ORDER BY {order}) AS rn
  FROM ratings WHERE {" AND ".join(where)}
) v WHERE rn = 1 ORDER BY {sort}"""
    return _dates(store.query(sql, params, frames=frames))


def ratings_on(
    store: Store,
    scheme: str,
    on: dt.date | None = None,
    subject_ids: Iterable[str] | None = None,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Each subject's rating in force on ``on`` — the one definition every reader uses.

    Per subject: the latest as-of date not after ``on``; on that date the latest
    ``scored_at`` (so a re-rating after an objection counts from the day it was
    made); then the highest model version. ``on=None``: the latest of all, in force
    today. A subject closed or deregistered by the date (:mod:`features.subjects`) has
    no rating in force: its earlier ratings stay in its history
    (:func:`subject_history`), but no decision is taken on them.

    Parameters
    ----------
    store
        The store holding ``ratings``.
    scheme
        Scheme key.
    on
        The date (``None``: no limit).
    subject_ids
        Only these subjects (default: all).
    columns
        Only these ``ratings`` columns, with ``subject_id`` and ``as_of`` (default:
        all). A whole population's
        reasons are gigabytes at city scale: a reader comparing grades leaves them out
        and reads the reasons of the subjects it shows.

    Returns
    -------
    pandas.DataFrame
        The ``ratings`` columns (``as_of`` as :class:`datetime.date`; JSON
        columns as text, see :func:`decode`), one row per subject, by subject.
    """
    where, params = [], []
    if on is not None:
        where.append("as_of <= ?")
        params.append(_day(on, "on"))
    day = dt.date.today() if on is None else on
    few = subject_ids is not None and len(subject_ids := sorted(set(subject_ids))) <= INLINE_IDS
    # a few subjects: only their own versions say whether they closed
    within = id_list(tuple(subject_ids)) if few else None  # type: ignore[arg-type]
    where.append(f"subject_id NOT IN ({closed_subjects_sql(day, within)})")
    return _latest(
        store,
        scheme,
        "subject_id",
        f"as_of DESC, {LATEST_ROW}",
        where,
        params,
        subject_ids,
        "subject_id",
        columns,
    )


def current_ratings(
    store: Store,
    scheme: str,
    as_of: dt.date | None = None,
    subject_ids: Iterable[str] | None = None,
) -> pd.DataFrame:
    """The rating of every subject of ``scheme`` at each as-of date (or at ``as_of``).

    :func:`ratings_on`'s rule within one date: per ``(subject_id, as_of)`` the
    row with the latest ``scored_at`` wins (then the highest model version), so
    a re-rating of one subject after an objection supersedes that subject's row
    of the batch and nobody else's.

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
    where, params = [], []
    if as_of is not None:
        where.append("as_of = ?")
        params.append(_day(as_of, "as_of"))
    return _latest(
        store,
        scheme,
        "subject_id, scheme, as_of",
        LATEST_ROW,
        where,
        params,
        subject_ids,
        "as_of, subject_id",
    )


def latest_as_of(store: Store, scheme: str) -> dt.date | None:
    """The latest as-of date of the scheme's ratings (``None`` when it has none)."""
    value = store.scalar("SELECT max(as_of) FROM ratings WHERE scheme = ?", [scheme])
    return None if value is None or pd.isna(value) else as_date(value)


def batch_dates(store: Store, scheme: str | None = None) -> list[dt.date]:
    """As-of dates with a batch of ratings (newest first), of one scheme or of any.

    Event re-ratings (dated the day of an objection or a repair, a few subjects)
    do not make a date of their own.
    """
    cond, params = ("AND scheme = ?", [scheme]) if scheme else ("", [])
    frame = store.query(
        f"SELECT DISTINCT as_of FROM ratings WHERE {BATCH} {cond} ORDER BY as_of DESC", params
    )
    return [as_date(d) for d in frame["as_of"]]


def grade_order(scheme: str, observed: Iterable[str] = ()) -> list[str]:
    """Grades best first: the scale file's order, then any other observed grade sorted."""
    keys: list[str] = []
    if has_scale(scheme, scale_file(scheme)):
        keys = list(load_scale(scheme, path=scale_file(scheme)).keys)
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


def migration(store: Store, scheme: str, date_from: dt.date, date_to: dt.date) -> Migration:
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
    d0, d1 = _day(date_from, "date_from"), _day(date_to, "date_to")
    pair = _pair(store, scheme, d0, d1)
    both = pair.dropna(subset=["final_grade_from", "final_grade_to"])
    grades = grade_order(scheme, [*pair["final_grade_from"], *pair["final_grade_to"]])
    counts = pd.crosstab(both["final_grade_from"], both["final_grade_to"])
    counts = counts.reindex(index=grades, columns=grades, fill_value=0).astype("int64")
    counts.index.name, counts.columns.name = f"from {d0}", f"to {d1}"
    totals = counts.sum(axis=1).replace(0, 1)
    shares = counts.div(totals, axis=0)
    return Migration(
        scheme=scheme,
        date_from=d0,
        date_to=d1,
        grades=tuple(grades),
        counts=counts,
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
    date_from: dt.date,
    date_to: dt.date,
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
    d0, d1 = _day(date_from, "date_from"), _day(date_to, "date_to")
    pair = _pair(store, scheme, d0, d1).dropna(subset=["final_grade_from", "final_grade_to"])
    pair = pair[pair["final_grade_from"] != pair["final_grade_to"]].copy()
    columns = [
        "subject_id",
        "grade_from",
        "grade_to",
        "direction",
        "steps",
        "pd_from",
        "pd_to",
        "records",
        "n_records",
    ]
    if pair.empty:
        return pd.DataFrame(columns=columns)
    grades = grade_order(scheme, [*pair["final_grade_from"], *pair["final_grade_to"]])
    rank = {g: i for i, g in enumerate(grades)}
    pair["steps"] = [
        rank[a] - rank[b]
        for a, b in zip(pair["final_grade_from"], pair["final_grade_to"], strict=True)
    ]
    pair["direction"] = ["up" if s > 0 else "down" for s in pair["steps"]]
    cited = {
        row.subject_id: reason_indicators(row.reasons_from, row.overrides_from)
        + reason_indicators(row.reasons_to, row.overrides_to)
        for row in pair.itertuples(index=False)
    }
    sch = schemes().get(scheme)
    by_subject = (
        record_changes(store, sch, cited, d0, d1, policy) if sch else {sid: [] for sid in cited}
    )
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
    # ``current``: the row :func:`current_ratings` takes for its scheme and date
    frame = store.query(
        f"""SELECT {", ".join(RATING_COLUMNS)},
                   row_number() OVER (PARTITION BY scheme, as_of ORDER BY {LATEST_ROW}) = 1
                   AS current
            FROM ratings WHERE subject_id = ?
            ORDER BY scheme, as_of, scored_at, length(model_version), model_version""",
        [subject_id],
    )
    frame = _dates(frame)
    frame["current"] = frame["current"].astype(bool)
    causes = [(decode(r) or {}).get("cause") or {} for r in frame["reasons"]]
    frame["cause_kind"] = [c.get("kind") for c in causes]
    frame["cause_id"] = [c.get("id") for c in causes]
    frame["cause_record_id"] = [c.get("record_id") for c in causes]
    keep = [
        "scheme",
        "as_of",
        "final_grade",
        "model_grade",
        "pd",
        "score",
        "model_name",
        "model_version",
        "run_id",
        "scored_at",
        "green_channel",
        "current",
        "cause_kind",
        "cause_id",
        "cause_record_id",
    ]
    return frame[keep].reset_index(drop=True)
