"""Green channel flag (绿色通道): a reader of the declared flag.

The flag is declared once (:data:`features.definitions.flags.GREEN_CHANNEL`, a
:class:`features.rules.Flag`; seed 002 二.2: three consecutive years without a
negative record) and compiled with every scheme's indicators, so a rating reads
it from its feature frame (:mod:`scoring.batch`). A subject is flagged at T when

* no negative record that counts at T is dated in (T − ``years``, T] (record
  date: decision date, else event date) — revoked records, records under an
  open objection and records past their publication window do not count;
* no listing in ``listing_kinds`` (失信被执行人, 严重违法失信名单, 经营异常名录)
  still counts at T, however old;
* with ``require_full_period``, it existed for the whole period
  (``established_on`` ≤ T − ``years``; a subject without an establishment date
  is taken to have).

:func:`green_channel` serves the doors that need the flag of subjects outside a
rating (a credit check, the API): the flag alone, from the same declaration and
the same compiled conditions (:func:`features.compile.flag_blocked_sql`) or, on a
slice, their in-process twins (:func:`features.evaluate.flag_blocked`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from features.build import build_features
from features.compile import (
    DIALECTS,
    BuildConfig,
    effective_records_sql,
    flag_blocked_cte,
    flag_established_sql,
    flag_party_scope_sql,
    flag_scope_sql,
)
from features.definitions.flags import GREEN_CHANNEL
from features.effective import latest_subjects, slice_effective
from features.evaluate import flag_blocked, flag_parties, flag_party_blocked, flag_value
from features.link_lookup import link
from features.records.windows import WindowPolicy
from features.rules import Flag
from features.schemes import get_scheme
from features.store.base import Store
from features.store.sliced import SlicedStore
from features.subjects import current_subjects_sql

LABEL = (GREEN_CHANNEL.label_zh, GREEN_CHANNEL.label_en)


@dataclass(frozen=True)
class GreenChannelConfig:
    """The flag's parameters a deployment may set (default: the declaration).

    Attributes
    ----------
    years
        Years without a negative record.
    require_full_period
        Whether the subject must have existed for the whole period.
    listing_kinds
        List memberships that block the flag while they count, whatever their date.
    """

    years: int = GREEN_CHANNEL.years
    require_full_period: bool = GREEN_CHANNEL.require_full_period
    listing_kinds: tuple[str, ...] = field(default=GREEN_CHANNEL.listing_kinds)

    def __post_init__(self) -> None:
        if self.years <= 0:
            raise ValueError(f"green_channel.years = {self.years} must be > 0")

    def flag(self) -> Flag:
        """The declared flag with these parameters."""
        return replace(
            GREEN_CHANNEL,
            years=self.years,
            require_full_period=self.require_full_period,
            listing_kinds=tuple(self.listing_kinds),
        )


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
        Years and listing kinds (default: the declaration).
    windows
        Publication windows (point in time, DESIGN.md §5; default: DOMAIN.md's).

    Returns
    -------
    pandas.Series
        Boolean, indexed by subject_id (sorted), named ``green_channel``.
    """
    flag = (cfg or GreenChannelConfig()).flag()
    windows = windows or WindowPolicy()
    if isinstance(subjects, str):
        # a population: the scheme's compiled query with this flag alone
        scheme = replace(
            get_scheme(subjects), indicators=(), dimensions=(), rules=(), flags=(flag,)
        )
        frame = build_features(
            store, scheme, as_of, cfg=BuildConfig(windows=windows), with_rules=True
        )
        return _series(frame["subject_id"], frame[flag.column].to_numpy(dtype=bool))
    ids = sorted(set(subjects))
    if isinstance(store, SlicedStore) and store.covers(ids):
        return _from_slice(store, ids, as_of, flag, windows)
    return _from_store(store, ids, as_of, flag, windows)


def _series(ids: Sequence[str] | pd.Series, values: np.ndarray) -> pd.Series:
    return pd.Series(
        np.asarray(values, dtype=bool),
        index=pd.Index(list(ids), name="subject_id"),
        name="green_channel",
    )


def _from_store(
    store: Store, ids: list[str], as_of: dt.date, flag: Flag, windows: WindowPolicy
) -> pd.Series:
    """The flag of subjects of any type (rated or not), by the compiled conditions
    (their own records and their related parties', :func:`flag_blocked_cte`)."""
    dialect = DIALECTS[store.dialect]
    parties = " UNION ".join(f"SELECT party_id FROM pairs_{key}" for key in flag.related)
    scope = f"{flag_scope_sql(flag, as_of)} AND r.subject_id IN (SELECT subject_id FROM wanted)"
    if parties:
        scope = f"(({scope}) OR {flag_party_scope_sql(flag, as_of)})"
    eff = effective_records_sql(dialect, as_of, windows, scope)
    pairs = "".join(
        f",\n        pairs_{key} AS ({link(key).pairs_sql(dialect.name, as_of)})"
        for key in flag.related
    )
    blocked = flag_blocked_cte(flag, as_of, "SELECT subject_id FROM wanted")
    frame = store.query(
        f"""WITH latest AS ({current_subjects_sql()}),
        pop AS (SELECT * FROM latest WHERE subject_id IN (SELECT subject_id FROM wanted)){pairs},
        {eff},
        blocked AS ({blocked})
        SELECT w.subject_id,
               CASE WHEN coalesce(b.blocked, 0) = 0 AND {flag_established_sql(flag, as_of, "s")}
                    THEN TRUE ELSE FALSE END AS flag
        FROM wanted w
        LEFT JOIN pop s ON s.subject_id = w.subject_id
        LEFT JOIN blocked b ON b.subject_id = w.subject_id
        ORDER BY w.subject_id""",
        frames={"wanted": pd.DataFrame({"subject_id": pd.Series(ids, dtype="object")})},
    )
    return _series(frame["subject_id"], frame["flag"].to_numpy(dtype=bool))


def _from_slice(
    view: SlicedStore, ids: list[str], as_of: dt.date, flag: Flag, windows: WindowPolicy
) -> pd.Series:
    """:func:`green_channel` of a few subjects from their slice, in process: the same
    conditions over the same effective records (features/evaluate.py), no query."""
    eff = slice_effective(view, as_of, windows)
    blocked, party_blocked = flag_blocked(flag, eff), flag_party_blocked(flag, eff)
    latest = latest_subjects(view.tables["subjects"])
    rows = [latest[sid] for sid in ids if sid in latest]
    parties = flag_parties(flag, rows, latest, view.tables, as_of) if flag.related else {}
    values = [
        flag_value(
            flag,
            blocked,
            eff,
            sid,
            latest.get(sid, {}).get("established_on"),
            parties.get(sid, ()),
            party_blocked,
        )
        for sid in ids
    ]
    return _series(ids, np.asarray(values, dtype=bool))
