"""Green channel flag (绿色通道): years without a negative record.

Seed 002 grants subjects with 3 consecutive years without a negative record
容缺受理 and priority services; the flag goes on the rating (``ratings.green_channel``).

A subject is flagged at T when

* no negative record that counts at T is dated in (T − ``years``, T] (record
  date: decision date, else event date), read through the effective-records
  SQL of :mod:`features.compile` — revoked records, records under an open
  objection and records past their publication window do not count;
* no listing in ``listing_kinds`` (失信被执行人, 严重违法失信名单, 经营异常名录)
  still counts at T, however old: a subject still on a black list has not had
  years without a negative record;
* with ``require_full_period``, it existed for the whole period
  (``established_on`` ≤ T − ``years``; a subject without an establishment date
  is taken to have).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.compile import (
    DIALECTS,
    RECORD_DATE,
    add_months,
    effective_records_sql,
    lit,
    population_sql,
)
from features.effective import latest_subjects, slice_effective
from features.records.windows import WindowPolicy
from features.schemes import get_scheme
from features.store.base import Store
from features.store.sliced import SlicedStore
from features.subjects import current_subjects_sql

LABEL = ("绿色通道", "Green channel")


@dataclass(frozen=True)
class GreenChannelConfig:
    """The green-channel rule (seed 002 defaults).

    Attributes
    ----------
    years
        Years without a negative record.
    require_full_period
        Whether the subject must have existed for the whole period.
    listing_kinds
        List memberships that block the flag while they count, whatever their date.
    """

    years: int = 3
    require_full_period: bool = True
    listing_kinds: tuple[str, ...] = (
        "dishonest_judgment_debtor",
        "serious_violation_list",
        "abnormal_operations_list",
    )

    def __post_init__(self) -> None:
        if self.years <= 0:
            raise ValueError(f"green_channel.years = {self.years} must be > 0")


def _quote(values: Sequence[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values) or "''"


def green_channel(
    store: Store,
    subjects: Sequence[str] | str,
    as_of: dt.date,
    cfg: GreenChannelConfig | None = None,
    windows: WindowPolicy | None = None,
) -> pd.Series:
    """The green-channel flag of each subject at ``as_of``.

    Parameters
    ----------
    store
        The record store.
    subjects
        Subject ids, or a scheme key (``enterprise``, ``household``…) for its
        whole population at ``as_of``.
    as_of
        The date T.
    cfg
        Years and listing kinds (default: :class:`GreenChannelConfig`).
    windows
        Publication windows (point in time, DESIGN.md §5; default: DOMAIN.md's).

    Returns
    -------
    pandas.Series
        Boolean, indexed by subject_id (sorted), named ``green_channel``.
    """
    cfg = cfg or GreenChannelConfig()
    windows = windows or WindowPolicy()
    start = add_months(as_of, -12 * cfg.years)
    if isinstance(store, SlicedStore) and not isinstance(subjects, str) and store.covers(subjects):
        return _from_slice(store, sorted(set(subjects)), as_of, start, cfg, windows)
    dialect = DIALECTS[store.dialect]
    t = lit(as_of)
    lo = lit(start)
    if isinstance(subjects, str):
        pop = population_sql(dialect, get_scheme(subjects), as_of, ("established_on",))
        wanted = store.query(f"WITH {pop} SELECT subject_id, established_on FROM pop")
    else:
        ids = pd.DataFrame({"subject_id": pd.Series(sorted(set(subjects)), dtype="object")})
        current = current_subjects_sql(columns=("subject_id", "established_on"))
        wanted = store.query(
            f"""SELECT w.subject_id, s.established_on FROM wanted w
                LEFT JOIN ({current}) s ON s.subject_id = w.subject_id""",
            frames={"wanted": ids},
        )
    wanted = wanted.sort_values("subject_id", kind="stable").reset_index(drop=True)
    listings = _quote(cfg.listing_kinds)
    scope = f"r.polarity = 'negative' AND ({RECORD_DATE} > {lo} OR r.kind IN ({listings}))"
    eff = effective_records_sql(dialect, as_of, windows, scope)
    blocked = set(
        store.query(
            f"""WITH {eff}
        SELECT DISTINCT e.subject_id FROM eff e JOIN wanted w ON w.subject_id = e.subject_id
        WHERE e.polarity = 'negative'
          AND ((e.rdate > {lo} AND e.rdate <= {t}) OR e.kind IN ({listings}))""",
            frames={"wanted": wanted[["subject_id"]]},
        )["subject_id"]
    )
    flag = ~wanted["subject_id"].isin(blocked)
    if cfg.require_full_period:
        established = pd.to_datetime(wanted["established_on"])
        flag &= established.isna() | (established <= pd.Timestamp(start))
    return pd.Series(
        flag.to_numpy(dtype=bool),
        index=pd.Index(wanted["subject_id"], name="subject_id"),
        name="green_channel",
    )


def _from_slice(
    view: SlicedStore,
    ids: list[str],
    as_of: dt.date,
    start: dt.date,
    cfg: GreenChannelConfig,
    windows: WindowPolicy,
) -> pd.Series:
    """:func:`green_channel` of a few subjects from their slice, in process: the
    same rule over the same effective records (features/evaluate.py), no query."""
    eff = slice_effective(view, as_of, windows)
    c = eff.columns
    t, lo = np.datetime64(as_of, "D"), np.datetime64(start, "D")
    listed = np.isin(c["kind"], np.asarray(cfg.listing_kinds, dtype=object))
    hit = (c["polarity"] == "negative") & (((c["rdate"] > lo) & (c["rdate"] <= t)) | listed)
    latest = latest_subjects(view.tables["subjects"])
    flags = []
    for sid in ids:
        ok = not hit[eff.rows_of(sid)].any()
        if cfg.require_full_period:
            founded = latest.get(sid, {}).get("established_on")
            ok = ok and (founded is None or founded <= start)
        flags.append(ok)
    return pd.Series(
        np.asarray(flags, dtype=bool), index=pd.Index(ids, name="subject_id"), name="green_channel"
    )
