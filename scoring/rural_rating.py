"""信用户, 信用村 and 信用乡镇 from the household ratings in force on a date.

Joins the household ratings (:func:`scoring.history.ratings_on`), the household
indicators and each household's village and township, then applies the rural
rules of :mod:`scoring.policies.rural`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from features.build import build_features
from features.compile import BuildConfig, add_months
from features.dsl import Scheme
from features.schemes import get_scheme
from features.store.base import Store
from features.text_match import isin
from scoring.history import ratings_on
from scoring.policies.rural import (
    PREVIOUS_COLUMNS,
    Assessment,
    RuralConfig,
    assess_townships,
    assess_villages,
    household_offers,
    household_places,
    rural_frame,
)
from scoring.rural_rows import RowIndex
from scoring.village_businesses import per_village, village_businesses


def loan_book_scheme() -> Scheme:
    """The household scheme's loan-book indicators alone (loans outstanding, NPL amount):
    the same declarations and compiler, built a year back for the NPL increment."""
    base = get_scheme("household")
    keep = tuple(i for i in base.indicators if i.name in PREVIOUS_COLUMNS)
    return replace(base, key="household_loan_book", indicators=keep, target=None)


class NoRuralRatingsError(LookupError):
    """No household has been rated on or before the date."""


@dataclass(frozen=True)
class RuralResult:
    """The rural rules' outcome on one date."""

    on: dt.date
    households: pd.DataFrame
    villages: Assessment
    townships: Assessment
    offers: pd.DataFrame
    # the rated businesses placed in villages (co-operatives, family farms) with their
    # rating in force: shown with the village, not one of its criteria
    businesses: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: where each household's, village's and township's rows are in ``households`` and,
    #: row for row, in ``offers`` (:class:`scoring.rural_rows.RowIndex`)
    rows: RowIndex = field(default=None, compare=False, repr=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.rows is None:
            object.__setattr__(self, "rows", RowIndex(self.households))

    def offers_aligned(self) -> bool:
        """Whether ``offers`` holds the households' rows in the same order (as built)."""
        ids, offered = self.households["subject_id"], self.offers["subject_id"]
        if len(ids) != len(offered):
            return False
        # built row for row and replaced alike (reassess), both sorted by subject: a guard
        # of that, a few rows read, not a comparison of a million
        probe = np.unique(np.linspace(0, len(ids) - 1, num=min(len(ids), 64)).astype(int))
        return bool((ids.iloc[probe].to_numpy() == offered.iloc[probe].to_numpy()).all())


def rural_assessment(
    store: Store,
    on: dt.date,
    cfg: RuralConfig,
    build: BuildConfig,
) -> RuralResult:
    """Rate villages and townships from the household ratings in force on ``on``.

    The use case behind ``xinping rural`` and the 农村信用 page, with the rural
    policy (settings ``[rural]``) and the indicator build in force.

    Raises
    ------
    NoRuralRatingsError
        When no household rating exists on or before ``on`` (score households first).
    """
    # the rules read grades and PDs only (rural_frame): a city's household reasons held
    # most of the command's 13.4 GB
    ratings = ratings_on(store, "household", on, columns=("final_grade", "pd"))
    if ratings.empty:
        raise NoRuralRatingsError(
            f"no household ratings on or before {on}: run `xinping score --subject household`"
        )
    features = build_features(store, "household", on, cfg=build)
    if cfg.village_max_npl_increment is not None:
        # the loan book a year before, for the yearly rise of the NPL ratio
        before = build_features(store, loan_book_scheme(), add_months(on, -12), cfg=build)
        before = before.drop(columns="as_of").rename(
            columns={c: f"{c}_prev" for c in PREVIOUS_COLUMNS}
        )
        features = features.merge(before, on="subject_id", how="left")
    frame = rural_frame(ratings, features, household_places(store))
    villages = assess_villages(frame, cfg)
    townships = assess_townships(frame, villages, cfg)
    offers = household_offers(frame, cfg, villages=villages, townships=townships)
    businesses = village_businesses(store, on)
    counts = per_village(businesses)
    units = villages.units.merge(counts, on="village_code", how="left")
    units[["businesses", "businesses_worst"]] = (
        units[["businesses", "businesses_worst"]].fillna(0).astype(int)
    )
    villages = replace(villages, units=units)
    return RuralResult(on, frame, villages, townships, offers, businesses)


def _replace_rows(
    old: pd.DataFrame, new: pd.DataFrame, key: str, keys: Iterable, at: np.ndarray | None = None
) -> pd.DataFrame:
    """``old`` with its rows whose ``key`` is in ``keys`` replaced by ``new``'s (in ``key``
    order, as the whole assessment sorts them); ``at``: those rows' positions, when
    known (:class:`~scoring.rural_rows.RowIndex`)."""
    return _replace(old, new, key, keys, at)[0]


def _replace(
    old: pd.DataFrame, new: pd.DataFrame, key: str, keys: Iterable, at: np.ndarray | None
) -> tuple[pd.DataFrame, bool]:
    """:func:`_replace_rows`, and whether the rows were replaced in their places.

    When ``new`` holds the same keys as the rows it replaces, each once, with the same
    columns and types (a household re-rated), its values are put in those rows' places:
    a city's million households are neither copied twice nor sorted again.
    """
    pos = np.flatnonzero(isin(old[key], keys)) if at is None else at
    new = new.reindex(columns=old.columns)
    there = old[key].iloc[pos]
    if (
        len(pos) == len(new)
        and new[key].is_unique
        and isin(new[key], there).all()  # n distinct keys among the n replaced: the same
        and new.dtypes.equals(old.dtypes)
    ):
        values = new.set_index(key).loc[there.to_numpy()]
        columns = {col: _put(old[col], pos, values[col]) for col in values.columns}
        # the columns that did not move are the old ones, not copies
        out = pd.DataFrame({key: old[key], **columns}, index=old.index, copy=False)
        return out[old.columns], True
    hit = np.zeros(len(old), dtype=bool)
    hit[pos] = True
    kept = old[~hit]
    out = pd.concat([kept, new], ignore_index=True)
    return out.sort_values(key, kind="stable").reset_index(drop=True), False


def _put(column: pd.Series, pos: np.ndarray, values: pd.Series) -> pd.Series:
    """``column`` with ``values`` at positions ``pos``: the column itself when they are
    the values it has there (most of a re-rated household's indicators)."""
    now = column.iloc[pos]
    both_missing = now.isna().to_numpy() & values.isna().to_numpy()
    if ((now.to_numpy() == values.to_numpy()) | both_missing).all():
        return column
    out = column.copy()
    out.iloc[pos] = values.to_numpy()
    return out


def _replace_criteria(old: pd.DataFrame, new: pd.DataFrame, units: set) -> pd.DataFrame:
    kept = old[~isin(old["unit_code"], units)]
    out = pd.concat([kept, new.reindex(columns=old.columns)], ignore_index=True)
    # the whole assessment lists the units in code order, each unit's criteria in rule order
    return out.sort_values("unit_code", kind="stable").reset_index(drop=True)


def _turned(old: pd.DataFrame, new: pd.DataFrame, key: str, verdict: str, codes: set) -> set:
    """The units among ``codes`` whose ``verdict`` is not the same in ``new`` as in
    ``old`` (a unit in one of them only counts as turned)."""

    def of(units: pd.DataFrame) -> dict:
        mine = units[isin(units[key], codes)]
        return dict(zip(mine[key], mine[verdict].astype(bool), strict=True))

    before, after = of(old), of(new)
    return {c for c in set(before) | set(after) if before.get(c) != after.get(c)}


def reassess(
    result: RuralResult,
    store: Store,
    households: Iterable[str],
    cfg: RuralConfig,
    build: BuildConfig,
) -> RuralResult:
    """``result`` brought up to date after ``households`` were re-rated (an assessment
    stored, an objection resolved): the same result :func:`rural_assessment` gives on
    ``result.on`` now, without rating every village again.

    The households' rows are read again (their rating in force, indicators and loan book
    a year before); their villages and townships are judged again, and the offers of
    those households and of every household of a village or township whose verdict
    turned (a verdict moves their discount). Every other unit depends only on its own
    households (a township on its villages' verdicts too, and only the changed
    households' villages are judged again): it is kept. The rated businesses are kept (a
    household's change moves no business's rating).
    """
    ids = sorted({str(h) for h in households})
    if not ids:
        return result
    on = result.on
    ratings = ratings_on(store, "household", on, ids, columns=("final_grade", "pd"))
    features = build_features(store, "household", on, cfg=build, subjects=ids)
    if cfg.village_max_npl_increment is not None:
        before = build_features(
            store, loan_book_scheme(), add_months(on, -12), cfg=build, subjects=ids
        )
        before = before.drop(columns="as_of").rename(
            columns={c: f"{c}_prev" for c in PREVIOUS_COLUMNS}
        )
        features = features.merge(before, on="subject_id", how="left")
    places = household_places(store, ids)
    fresh = rural_frame(ratings, features, places)
    old = result.households
    at = result.rows.of_subjects(ids)
    was = old.take(at)
    frame, in_place = _replace(old, fresh, "subject_id", ids, at)
    # the index holds on while no household left, joined or moved to another place
    rows = result.rows if in_place and result.rows.still_holds(frame, fresh, was) else None
    index = rows or RowIndex(frame)
    # every village a changed household was or is in, and every township it was or is in
    # (its households moved) or one of those villages is placed in (the villages moved)
    v_codes = set(was["village_code"].dropna()) | set(fresh["village_code"].dropna())
    in_v = index.of("village_code", v_codes)
    in_villages = frame.take(in_v)
    v_new = assess_villages(in_villages, cfg)
    v_old = result.villages.units
    t_codes = set(was["township_code"].dropna()) | set(fresh["township_code"].dropna())
    t_codes |= set(v_old.loc[isin(v_old["village_code"], v_codes), "township_code"].dropna())
    t_codes |= set(v_new.units["township_code"].dropna())
    counts = per_village(result.businesses)
    v_units = v_new.units.merge(counts, on="village_code", how="left")
    v_units[["businesses", "businesses_worst"]] = (
        v_units[["businesses", "businesses_worst"]].fillna(0).astype(int)
    )
    villages = Assessment(
        _replace_rows(result.villages.units, v_units, "village_code", v_codes),
        _replace_criteria(result.villages.criteria, v_new.criteria, v_codes),
    )
    in_t = index.of("township_code", t_codes)
    t_new = assess_townships(frame.take(in_t), villages, cfg)
    townships = Assessment(
        _replace_rows(result.townships.units, t_new.units, "township_code", t_codes),
        _replace_criteria(result.townships.criteria, t_new.criteria, t_codes),
    )
    # a household's offer reads its own row and whether its village and township are
    # 信用村 / 信用乡镇: the changed households' offers are made again, and those of every
    # household of a village or township whose verdict turned (not a township's 30,000
    # households on every save)
    flipped_v = _turned(v_old, villages.units, "village_code", "is_credit_village", v_codes)
    flipped_t = _turned(
        result.townships.units, townships.units, "township_code", "is_credit_township", t_codes
    )
    parts = [index.of_subjects(ids)]
    if flipped_v:
        parts.append(index.of("village_code", flipped_v))
    if flipped_t:
        parts.append(index.of("township_code", flipped_t))
    reach_at = np.unique(np.concatenate(parts))
    reach = frame.take(reach_at)
    offers_new = household_offers(reach, cfg, villages=villages, townships=townships)
    # the changed households' own offers go even when they left the frame (no rating);
    # the offers hold the households' rows in order: their positions are the same
    aligned = rows is not None and result.offers_aligned()
    reached = [*reach["subject_id"].to_numpy(), *ids]
    offers = _replace_rows(
        result.offers, offers_new, "subject_id", reached, reach_at if aligned else None
    )
    return RuralResult(on, frame, villages, townships, offers, result.businesses, rows)
