"""Re-rate the subjects a changed record touches, at once, and say what changed.

A record counts for its own subject and, through relations, for others: the
firms it is the legal representative of, the firms sharing its legal
representative, the drivers it employs. After an objection, a repair or a new
record, every such subject in a modelled scheme's population is re-rated as of
the day of the change with the champion model, and the new rows carry the
cause; :func:`rerate` returns the grade before and after.

"Before" is the rating as of the same day just before the change was recorded
(:func:`rerate_change` computes it first), so that before → after shows what the
change did and nothing else: a later as-of date alone moves records out of their
windows. The rating in force until then (its own as-of date) is kept beside it.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import pandas as pd

from features.build import slice_attributes, slice_columns, slice_kinds, slice_links
from features.compile import BuildConfig, id_list
from features.dsl import Related
from features.link_lookup import links
from features.schemes import get_scheme, schemes
from features.store.base import Store
from features.store.sliced import SlicedStore, slice_store
from features.subjects import current_subjects_sql
from scoring.batch import RatingPolicies, rate_subjects, write_ratings
from scoring.history import ratings_on
from scoring.loader import LoadedModel

R = TypeVar("R")
#: risk-raising reasons shown beside a re-rating
N_REASONS = 3


@dataclass(frozen=True)
class Change:
    """One subject's rating in one scheme before and after a re-rating.

    ``before_*`` is the rating as of ``before_as_of``: the day of the change when
    :func:`rerate_change` rated it just before the change, else the latest stored
    rating. ``in_force_*`` is the stored rating that was current until now.
    ``reasons_before`` / ``reasons_after`` are the rules that set the grade and the top
    risk-raising reasons (:func:`top_reasons`) as ``(text_zh, text_en)`` pairs.
    """

    scheme: str
    subject_id: str
    before_grade: str | None
    after_grade: str
    before_pd: float | None
    after_pd: float
    before_as_of: dt.date | None
    model_version: str
    in_force_grade: str | None = None
    in_force_as_of: dt.date | None = None
    reasons_before: tuple[tuple[str, str], ...] = ()
    reasons_after: tuple[tuple[str, str], ...] = ()

    @property
    def moved(self) -> bool:
        """True when the final grade changed."""
        return self.before_grade != self.after_grade


def top_reasons(
    reasons: str | None, overrides: str | None = None, n: int = N_REASONS
) -> tuple[tuple[str, str], ...]:
    """The rules that set the grade (``ratings.overrides``: a list, a points rule, a
    household rule), then the first risk-raising reasons of ``ratings.reasons``, ``n``
    in all: a grade a rule moved is explained by the rule first."""
    ruled = [
        (o["reason_zh"], o["reason_en"])
        for o in (json.loads(overrides) if isinstance(overrides, str) and overrides else [])
        if o.get("reason_zh")
    ]
    data = json.loads(reasons) if isinstance(reasons, str) and reasons else {}
    raised = [(r["text_zh"], r["text_en"]) for r in data.get("raise", [])]
    return tuple([*ruled, *raised][:n])


def affected_subjects(store: Store, subject_id: str) -> list[str]:
    """The subject and every subject whose indicators read its records: those that have
    it as a party through a declared link (:meth:`features.links.Link.reverse_sql`), by
    the current versions of the subjects (a firm whose legal representative changed no
    longer reads the former one's records)."""
    one = id_list((subject_id,))
    readers = link_readers()
    used = [(i, x, readers[key]) for i, (key, x) in enumerate(links().items()) if readers.get(key)]
    # first the subjects any version of which names it (a superset of the answer, read
    # without the window over every subject's versions: 0.1-0.6 s of a change in the app),
    # then the current versions of those alone
    every = "".join(
        f"\n        UNION SELECT r{i}.subject_id FROM ({x.reverse_sql(one, store.dialect)}) r{i}"
        for i, x, _ in used
    )
    # read in place: DuckDB keeps a CTE named several times as a table of its own, here
    # every subject's every column (a city: 130 of the query's 150 ms)
    inline = " NOT MATERIALIZED" if store.dialect == "duckdb" else ""
    found = store.query(f"""
        WITH latest AS{inline} (SELECT * FROM subjects)
        SELECT {one[1:-1]} AS subject_id{every}""")
    within = id_list(tuple(sorted(set(found["subject_id"].dropna()))))
    # only subjects of a type whose scheme reads the link: a household's record reaches
    # the co-operatives of its village (village_households), not the village's households
    reverse = "".join(
        f"\n        UNION SELECT r{i}.subject_id FROM ({x.reverse_sql(one, store.dialect)}) r{i} "
        f"JOIN latest t{i} ON t{i}.subject_id = r{i}.subject_id "
        f"AND t{i}.subject_type IN {id_list(types)}"
        for i, x, types in used
    )
    frame = store.query(f"""
        WITH latest AS ({current_subjects_sql(within=within)})
        SELECT {one[1:-1]} AS subject_id{reverse}""")
    return sorted(set(frame["subject_id"].dropna()))


def link_readers() -> dict[str, tuple[str, ...]]:
    """Link key → the subject types whose scheme has an indicator over the link."""
    out: dict[str, set[str]] = {}
    for scheme in schemes().values():
        for ind in scheme.indicators:
            if isinstance(ind.source, Related):
                out.setdefault(ind.source.relation, set()).add(scheme.population.subject_type)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def models_of_types(
    store: Store, subject_ids: Iterable[str], models: Mapping[str, LoadedModel]
) -> dict[str, LoadedModel]:
    """The models of the schemes whose population is of a type among the subjects'.

    A change touches a firm and the people behind it; the schemes of other subject types
    cannot rate them, and slicing the store for each of them would cost a query each
    for nothing (an objection in the app re-rated nine schemes for two).
    """
    ids = list(dict.fromkeys(subject_ids))
    if not ids:
        return {}
    types = set(
        store.query(
            f"SELECT DISTINCT subject_type FROM subjects WHERE subject_id IN {id_list(tuple(ids))}"
        )["subject_type"]
    )
    return {
        key: model
        for key, model in models.items()
        if get_scheme(key).population.subject_type in types
    }


def shared_slice(
    store: Store,
    subject_ids: Iterable[str],
    models: Mapping[str, LoadedModel],
    policies: RatingPolicies | None = None,
) -> Store:
    """``store`` narrowed once to what every scheme of ``models`` reads of the subjects.

    Each :func:`~scoring.batch.rate_subjects` call slices the store for its own scheme
    (:func:`features.store.sliced.slice_store`); a change touching a firm is rated by
    up to six schemes, and their slices are mostly the same rows read again (a query per
    table and link each, the larger part of a re-rating's time). One slice taken with
    every scheme's columns and links covers them all, and each scheme reads its own
    rows out of it: a superset of a scheme's slice rates the same (the repair plan
    rates every scheme on one slice too). The slice is taken when called: before a
    change it shows the store before, after it the store after.
    """
    ids = list(dict.fromkeys(subject_ids))
    if not ids or not models:
        return store
    rules = policies or RatingPolicies()
    chosen = [rules.scheme(model.pipeline.scheme) for model in models.values()]
    columns = tuple(dict.fromkeys(c for sch in chosen for c in slice_columns(sch)))
    reads = frozenset().union(*(slice_links(sch) for sch in chosen))
    kinds = [slice_kinds(sch) for sch in chosen]
    return slice_store(
        store,
        ids,
        columns,
        reads,
        any(slice_attributes(s) for s in chosen),
        related_kinds=None if None in kinds else frozenset().union(*kinds),
    )


def baseline(
    store: Store,
    subject_ids: Iterable[str],
    on: dt.date,
    models: Mapping[str, LoadedModel],
    cfg: BuildConfig | None = None,
    policies: RatingPolicies | None = None,
) -> dict[str, pd.DataFrame]:
    """The subjects' ratings as of ``on`` as they stand now, per scheme, not stored.

    Taken just before a change is recorded, it is the "before" of :func:`rerate`.
    """
    ids = list(dict.fromkeys(subject_ids))
    view = shared_slice(store, ids, models, policies)
    return {
        scheme: rate_subjects(view, model, on, cfg, ids, policies=policies).set_index("subject_id")
        for scheme, model in models.items()
    }


def rerate(
    store: Store,
    subject_ids: Iterable[str],
    on: dt.date,
    models: Mapping[str, LoadedModel],
    cause: Mapping[str, Any],
    cfg: BuildConfig | None = None,
    policies: RatingPolicies | None = None,
    before: Mapping[str, pd.DataFrame] | None = None,
    view: Store | None = None,
) -> tuple[list[Change], float]:
    """Re-rate ``subject_ids`` in every scheme of ``models`` as of ``on``.

    Subjects outside a scheme's population at ``on`` are skipped for it.

    Parameters
    ----------
    before
        :func:`baseline` taken before the change; without it, "before" is each
        subject's latest stored rating (which may be of an earlier date).
    view
        The store as it is after the change narrowed to the subjects
        (:func:`shared_slice`, or a slice taken before it with the change's rows added:
        :meth:`~features.store.sliced.SlicedStore.after`); without it, a slice is taken.

    Returns
    -------
    (list of Change, float)
        The changes, and the seconds the re-rating took (indicators, model and
        writes; model loading and the baseline excluded).
    """
    ids = list(dict.fromkeys(subject_ids))
    started = time.perf_counter()
    changes: list[Change] = []
    # ratings are not in a slice: the rows written for one scheme stay visible to the next
    if view is None:
        view = shared_slice(store, ids, models, policies)
    for scheme, model in models.items():
        # the rows score_scheme would write, kept in hand: they are the "after" (the
        # latest scored_at of the day), so the store is not read back for them
        after = rate_subjects(view, model, on, cfg, ids, cause=cause, policies=policies)
        if after.empty:
            continue
        # the ratings in force of the subjects this scheme rated, before its rows are
        # written: a list of other types' ids too spans the table's row groups (city,
        # a household with its village's co-operatives: 150-320 ms against 10)
        rated_ids = list(after["subject_id"])
        in_force = ratings_on(store, scheme, on, rated_ids).set_index("subject_id")
        write_ratings(store, after, replace_batch=False)
        same_day = None if before is None else before.get(scheme)
        for _, row in after.iterrows():
            sid = row["subject_id"]
            f = in_force.loc[sid] if sid in in_force.index else None
            if same_day is not None:
                b = same_day.loc[sid] if sid in same_day.index else None
                b_as_of = None if b is None else on
            else:
                b = f
                b_as_of = None if f is None else pd.Timestamp(f["as_of"]).date()
            changes.append(
                Change(
                    scheme,
                    sid,
                    None if b is None else b["final_grade"],
                    row["final_grade"],
                    None if b is None else float(b["pd"]),
                    float(row["pd"]),
                    b_as_of,
                    model.version,
                    in_force_grade=None if f is None else f["final_grade"],
                    in_force_as_of=None if f is None else pd.Timestamp(f["as_of"]).date(),
                    reasons_before=(
                        () if b is None else top_reasons(b["reasons"], b.get("overrides"))
                    ),
                    reasons_after=top_reasons(row["reasons"], row.get("overrides")),
                )
            )
    return changes, time.perf_counter() - started


@dataclass(frozen=True)
class Before:
    """What a change's re-rating reads before the change, taken ahead of it
    (:func:`take_before`: while a user fills in the form of the change).

    It stands for the reading the change would make itself only while nothing was
    written to the store since (its data version), for the same subjects, day, models,
    build and rules (:meth:`holds`); :func:`rerate_change` checks that while it holds
    the store for writing.
    """

    version: str
    subjects: tuple[str, ...]
    on: dt.date
    champions: tuple[tuple[str, str, str], ...]
    cfg: BuildConfig | None
    policies: RatingPolicies | None
    models: Mapping[str, LoadedModel]
    view: Store
    ratings: Mapping[str, pd.DataFrame]

    def holds(
        self,
        store: Store,
        subject_ids: Iterable[str],
        on: dt.date,
        models: Mapping[str, LoadedModel],
        cfg: BuildConfig | None,
        policies: RatingPolicies | None,
    ) -> bool:
        """Whether this is what a change of ``subject_ids`` on ``on`` would read now."""
        return (
            self.version == store.data_version()
            and self.subjects == tuple(dict.fromkeys(subject_ids))
            and self.on == on
            and self.champions == _champions(models)
            and self.cfg == cfg
            and self.policies == policies
        )


def _champions(models: Mapping[str, LoadedModel]) -> tuple[tuple[str, str, str], ...]:
    return tuple(sorted((k, m.name, m.version) for k, m in models.items()))


def take_before(
    store: Store,
    subject_ids: Iterable[str],
    on: dt.date,
    models: Mapping[str, LoadedModel],
    cfg: BuildConfig | None = None,
    policies: RatingPolicies | None = None,
) -> Before:
    """The subjects' slice and ratings as of ``on`` as the store stands now: a change of
    them made before anything else is written re-rates from these instead of reading
    them again (a city household with its village's co-operatives: ~0.3 s)."""
    ids = tuple(dict.fromkeys(subject_ids))
    # the version first: a write during the reading moves it, and the reading is not used
    version = store.data_version()
    mine = models_of_types(store, ids, models)
    view = shared_slice(store, ids, mine, policies)
    ratings = baseline(view, ids, on, mine, cfg, policies)
    return Before(version, ids, on, _champions(models), cfg, policies, mine, view, ratings)


def rerate_change(
    store: Store,
    subject_ids: Iterable[str],
    on: dt.date,
    models: Mapping[str, LoadedModel],
    change: Callable[[], tuple[R, Mapping[str, Any]]],
    cfg: BuildConfig | None = None,
    policies: RatingPolicies | None = None,
    ahead: Before | None = None,
) -> tuple[R, list[Change], float]:
    """Rate the subjects as of ``on``, record ``change``, re-rate them.

    ``change()`` writes the change (an objection, a resolution, a repair, an
    assessment) and returns its result and the cause to store on the new ratings.
    Returns that result, the changes (before = the same day without the change)
    and the seconds of the re-rating. ``ahead``: the reading before the change taken
    ahead of it (:func:`take_before`), used when it still holds.
    """
    ids = list(dict.fromkeys(subject_ids))
    # the change and the ratings it causes are several writes with reads between them:
    # the store is taken for writing once (each write would otherwise reopen the file)
    with store.writing():
        if ahead is not None and ahead.holds(store, ids, on, models, cfg, policies):
            models, view, before = ahead.models, ahead.view, dict(ahead.ratings)
        else:
            models = models_of_types(store, ids, models)
            view = shared_slice(store, ids, models, policies)
            before = baseline(view, ids, on, models, cfg, policies)
        with store.recording() as written:
            result, cause = change()
        # the slice before the change with the rows it appended is the slice after it
        # (a city household with its village's co-operatives: 0.25-0.3 s a slice)
        after = view.after(written) if isinstance(view, SlicedStore) else None
        changes, seconds = rerate(
            store, ids, on, models, cause, cfg, policies, before=before, view=after
        )
    return result, changes, seconds
