"""Batch scoring: the champion model and the indicators as of a date → ``ratings``.

A batch is one scheme, one as-of date and one model version. Writing it is
atomic and idempotent: in one transaction the batch's earlier rows are removed
and the new ones inserted, so a re-run replaces and never duplicates, and a run
killed midway leaves the previous result in place (DESIGN.md §9).

Re-ratings caused by an event (an objection, a repair, a new assessment) are
not batches: they add rows for the affected subjects, dated the day of the
event and carrying the cause, and are never removed by a later batch; the
current rating of a subject is its row with the latest ``scored_at``.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.ipc

from features.build import (
    build_features,
    iter_features,
    slice_attributes,
    slice_columns,
    slice_kinds,
    slice_links,
)
from features.common_flags import flags_of
from features.compile import BuildConfig
from features.definitions.flags import GREEN_CHANNEL
from features.dsl import Scheme
from features.records.schema import TABLES
from features.rules import Flag, PointsRule
from features.schemes import get_scheme
from features.store.base import Store
from features.store.sliced import slice_store
from models.pipeline import float_columns
from scoring.loader import LoadedModel
from scoring.reasons import reasons_utf8, utf8_strings
from scoring.rule_rating import is_rule_pipeline, rule_reasons_json
from scoring.rules import bind_rules, rule_results, rules_reasons

Progress = Callable[[str, int, int], None]
#: Rows rated at once. Small parts are written and freed while the next is rated,
#: so a run reuses the same memory instead of holding every row's reasons: on the
#: city (261,250 enterprises, 2 cores) 5,000-row parts took 30 s, 50,000-row
#: parts 50 s (bench/scoring.py).
CHUNK_ROWS = 5_000
#: The flag column stored in the ratings' ``green_channel`` column.
GREEN_FLAG = GREEN_CHANNEL.column
#: rating rows a batch owns (event re-ratings carry a cause and are kept)
_BATCH_ROWS = (
    "scheme = ? AND as_of = ? AND model_name = ? AND model_version = ? "
    "AND json_extract(reasons, '$.cause') IS NULL"
)


@dataclass(frozen=True)
class RatingPolicies:
    """The published rules and flags a rating computes, as a deployment sets them.

    A scheme's points rules and flags are declared with it (:mod:`features.rules`);
    ``rules`` and ``flags`` replace the declared ones of the same key (the settings'
    ``[driver]`` and ``[green_channel]``: app/settings.py). Empty: the declarations.
    """

    rules: tuple[PointsRule, ...] = ()
    flags: tuple[Flag, ...] = ()

    def scheme(self, scheme: str | Scheme) -> Scheme:
        """``scheme`` with the rules and flags of these policies in place of its own."""
        sch = get_scheme(scheme) if isinstance(scheme, str) else scheme
        rules = {r.key: r for r in self.rules}
        flags = {f.key: f for f in self.flags}
        if not any(r.key in rules for r in sch.rules) and not any(
            f.key in flags for f in flags_of(sch)
        ):
            return sch
        return replace(
            sch,
            rules=tuple(rules.get(r.key, r) for r in sch.rules),
            flags=tuple(flags.get(f.key, f) for f in flags_of(sch)),
        )


@dataclass(frozen=True)
class ScoreRun:
    """What one scoring run did."""

    scheme: str
    as_of: dt.date
    model_name: str
    model_version: str
    run_id: str | None
    rows: int
    replaced: int
    seconds: float
    grades: Mapping[str, int] = field(default_factory=dict)
    cause: Mapping[str, Any] | None = None

    def summary(self) -> str:
        """One line for the console."""
        mix = " ".join(f"{g}:{n}" for g, n in self.grades.items())
        what = "re-rated" if self.cause else "scored"
        return (
            f"{self.scheme} {self.as_of} {what} {self.rows:,} with {self.model_name} "
            f"v{self.model_version} in {self.seconds:.1f}s "
            f"(replaced {self.replaced:,}) — {mix}"
        )


def iter_ratings(
    model: LoadedModel,
    features: pd.DataFrame,
    as_of: dt.date,
    scored_at: dt.datetime,
    cause: Mapping[str, Any] | None = None,
    green: pd.Series | None = None,
    progress: Progress | None = None,
    chunk_rows: int = CHUNK_ROWS,
    extras: Mapping[str, Mapping[str, Any]] | None = None,
    rules: tuple[PointsRule, ...] = (),
    explain: bool = True,
) -> Iterator[pd.DataFrame]:
    """Ratings rows (the ``ratings`` table's columns) of an indicator frame, part by part.

    Parameters
    ----------
    model
        The loaded model version.
    features
        Indicator frame with ``subject_id`` (from :func:`features.build.build_features`).
    as_of, scored_at
        The rating's as-of date and the moment it was computed.
    cause
        For event re-ratings: ``{"kind", "id", "record_id", ...}``, stored in the reasons.
    green
        Green-channel flag per ``subject_id`` (missing = unknown); by default the
        frame's ``flag__green_channel`` column when it has one.
    progress
        Called as ``progress(stage, done, total)`` after every part.
    chunk_rows
        Rows per part (the rows do not depend on it).
    extras
        Keys to add to a subject's reasons JSON, by ``subject_id``.
    rules
        The scheme's published points rules, whose columns the frame carries
        (``build_features(..., with_rules=True)``): each binds the final grade
        (:func:`scoring.rules.bind_rules`: ``cap`` never better than its band,
        ``exact`` the band) and its result goes into the reasons;
        ``model_grade`` stays the model's.
    explain
        False: no reasons (``reasons`` is null for a modelled scheme; the grade, PD, score
        and overrides are the same — contributions explain a row, they do not rate it):
        for ratings that are never stored nor explained (a projection,
        :mod:`scoring.repair_plan`).

    Yields
    ------
    pandas.DataFrame
        The rows of at most ``chunk_rows`` subjects, in the frame's order.
    """
    pipe = model.pipeline
    by_rule = is_rule_pipeline(pipe)  # a rule-only scheme: the rule is the rating
    if by_rule and not rules:
        raise ValueError(f"{pipe.scheme} is rated by its rule alone: pass its rules")
    n = len(features)
    fragments: dict = {}  # the reasons' JSON fragments, kept from part to part
    for start in range(0, n, chunk_rows):
        part = features.iloc[start : start + chunk_rows]
        # the part's float columns read once, for the rating and its reasons (a rule
        # reads its one column itself)
        floats = None if by_rule else float_columns(part)
        rated = pipe.rate(part, contributions=explain, floats=floats)
        ids = part["subject_id"].to_numpy()
        final = rated["final_grade"].to_numpy(dtype=object)
        overrides = rated["overrides"].to_numpy(dtype=object)
        row_extras = None if extras is None else [extras.get(i) for i in ids]
        results: list = []
        if rules:
            # the published rules outrank the model: they bind, the model ranks inside
            labels = {g.key: (g.label_zh, g.label_en) for g in pipe.scale.grades}
            results = rule_results(rules, part, labels)
            bound, named = bind_rules(rules, results, final, overrides, pipe.scale.keys)
            final = np.asarray(bound, dtype=object)
            overrides = np.asarray(named, dtype=object)
            keys = rules_reasons(rules, results)
            row_extras = [
                {**(row_extras[j] or {}), **keys[j]} if row_extras is not None else keys[j]
                for j in range(len(ids))
            ]
        if green is None and GREEN_FLAG in part:
            flags = part[GREEN_FLAG].to_numpy(dtype=bool).astype(object)
        elif green is None:
            flags = None
        else:
            known = pd.Series(ids).map(green).astype("object")
            flags = known.where(pd.Series(ids).isin(green.index), None).to_numpy(dtype=object)
        # every column in one construction: adding two more to a built frame cost more
        # than the rest of a one-subject frame
        out = pd.DataFrame(
            {
                "subject_id": ids,
                "scheme": pipe.scheme,
                "as_of": as_of,
                "model_name": model.name,
                "model_version": model.version,
                "run_id": model.run_id,
                "score": rated["score"].to_numpy(dtype=np.float64),
                "pd": rated["pd"].to_numpy(dtype=np.float64),
                "model_grade": rated["model_grade"].to_numpy(dtype=object),
                "final_grade": final,
                "overrides": overrides,
                "reasons": (
                    rule_reasons_json(pipe, results, cause, row_extras)
                    if by_rule
                    else utf8_strings(
                        reasons_utf8(
                            pipe, part, rated, cause, row_extras, floats=floats, fragments=fragments
                        )
                    )
                    if explain
                    else None
                ),
                "green_channel": flags,
                "scored_at": scored_at,
            }
        )
        if progress:
            progress(f"评分 scoring {pipe.scheme}", min(start + chunk_rows, n), n)
        yield out


def rate_frame(
    model: LoadedModel,
    features: pd.DataFrame,
    as_of: dt.date,
    scored_at: dt.datetime,
    cause: Mapping[str, Any] | None = None,
    green: pd.Series | None = None,
    progress: Progress | None = None,
    chunk_rows: int = CHUNK_ROWS,
    extras: Mapping[str, Mapping[str, Any]] | None = None,
    rules: tuple[PointsRule, ...] = (),
    explain: bool = True,
) -> pd.DataFrame:
    """All the ratings rows of :func:`iter_ratings` in one frame (same parameters)."""
    parts = list(
        iter_ratings(
            model,
            features,
            as_of,
            scored_at,
            cause,
            green,
            progress,
            chunk_rows,
            extras,
            rules,
            explain,
        )
    )
    if len(parts) == 1:  # a look-up's one part: not a concat copy (copy-on-write: no copy)
        return parts[0].reset_index(drop=True)
    if parts:
        return pd.concat(parts, ignore_index=True)
    return pd.DataFrame({c: pd.Series(dtype=object) for c in TABLES["ratings"].column_names})


def write_ratings(
    store: Store, rows: pd.DataFrame | Iterable[pd.DataFrame], replace_batch: bool
) -> int:
    """Write rating rows in one transaction; return how many earlier rows were replaced.

    ``rows`` is one frame or the parts of a batch (e.g. :func:`iter_ratings`). Parts
    are rated first and kept in a temporary Arrow file each (memory stays bounded by
    one part), then written together in one short transaction: the store is taken
    for writing only while the rows go in, not while they are computed, so the app
    and other commands are kept waiting for seconds, not for the whole batch. With
    ``replace_batch`` the batch's earlier rows (same scheme, as-of date and model
    version, not event re-ratings) are removed in the same transaction.
    """
    if isinstance(rows, pd.DataFrame):
        return _write_parts(
            store, [pa.Table.from_pandas(rows, preserve_index=False)], replace_batch
        )
    with (
        tempfile.TemporaryDirectory(prefix="xinping-ratings-") as spill,
        ThreadPoolExecutor(1, thread_name_prefix="xinping-spill") as writer,
    ):
        files: list[Path] = []
        # a part goes to its file on another thread while the next is rated (the write
        # lets go of the interpreter): city sme, 204 MB of ratings in 16 parts, 0.51 s of
        # writing no longer in the rating; one part is written at a time, so memory holds
        # at most the part being written and the one being rated
        pending: Future[None] | None = None
        for part in rows:
            if part.empty:
                continue
            path = Path(spill) / f"part-{len(files):05d}.arrow"
            table = pa.Table.from_pandas(part, preserve_index=False)
            if pending is not None:
                pending.result()
            pending = writer.submit(_write_arrow, table, path)
            files.append(path)
        if pending is not None:
            pending.result()
        return _write_parts(store, (_read_arrow(f) for f in files), replace_batch)


def _write_arrow(table: pa.Table, path: Path) -> None:
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as w:
        w.write_table(table)


def _read_arrow(path: Path) -> pa.Table:
    with pa.memory_map(str(path), "r") as source:
        return pa.ipc.open_file(source).read_all()


def _write_parts(store: Store, parts: Iterable[pa.Table], replace_batch: bool) -> int:
    parts = iter(parts)
    first = next((p for p in parts if p.num_rows), None)
    if first is None:
        return 0
    key = first.slice(0, 1).to_pylist()[0]
    params = [key["scheme"], key["as_of"], key["model_name"], key["model_version"]]
    with store.transaction() as tx:
        replaced = 0
        if replace_batch:
            replaced = int(tx.scalar(f"SELECT count(*) FROM ratings WHERE {_BATCH_ROWS}", params))
            tx.execute(f"DELETE FROM ratings WHERE {_BATCH_ROWS}", params)
        tx.append("ratings", first)
        for part in parts:
            if part.num_rows:
                tx.append("ratings", part)
    return replaced


def rate_subjects(
    store: Store,
    model: LoadedModel,
    as_of: dt.date,
    cfg: BuildConfig | None = None,
    subjects: Iterable[str] | None = None,
    cause: Mapping[str, Any] | None = None,
    policies: RatingPolicies | None = None,
    progress: Progress | None = None,
    scored_at: dt.datetime | None = None,
) -> pd.DataFrame:
    """Build the indicators as of ``as_of`` and rate them, writing nothing.

    The rows :func:`score_scheme` writes (same parameters); on their own they give
    a rating as it would be now, e.g. just before a change is recorded.
    """
    features, rules = _inputs(store, model, as_of, cfg, subjects, policies, progress)
    return rate_frame(
        model, features, as_of, scored_at or dt.datetime.now(), cause, None, progress, rules=rules
    )


def _inputs(
    store: Store,
    model: LoadedModel,
    as_of: dt.date,
    cfg: BuildConfig | None,
    subjects: Iterable[str] | None,
    policies: RatingPolicies | None,
    progress: Progress | None,
) -> tuple[pd.DataFrame, tuple[PointsRule, ...]]:
    """The indicators with the scheme's rule and flag columns, and its points rules
    (one build: the records that count are worked out once for all of them)."""
    scheme = (policies or RatingPolicies()).scheme(model.pipeline.scheme)
    if progress:
        progress(f"指标 indicators {scheme.key}", 0, 1)
    if subjects is not None:
        # a few subjects (a re-rating, a look-up): every query below reads the
        # same slice of the store instead of scanning it again
        subjects = list(dict.fromkeys(subjects))
        store = slice_store(
            store,
            subjects,
            slice_columns(scheme),
            slice_links(scheme),
            slice_attributes(scheme),
            related_kinds=slice_kinds(scheme),
        )
    features = build_features(store, scheme, as_of, cfg=cfg, subjects=subjects, with_rules=True)
    if progress:
        progress(f"指标 indicators {scheme.key}", 1, 1)
    return features, tuple(scheme.rules)


def _population_ratings(
    store: Store,
    model: LoadedModel,
    as_of: dt.date,
    cfg: BuildConfig | None,
    cause: Mapping[str, Any] | None,
    policies: RatingPolicies | None,
    progress: Progress | None,
    scored_at: dt.datetime,
    chunk_rows: int,
) -> Iterator[pd.DataFrame]:
    """The ratings rows of a scheme's whole population, built and rated part by part.

    :func:`features.build.iter_features` builds the population in ranges of
    ``subject_id`` (the engine and pandas hold one part's indicators at a time) and
    each is rated as it comes: the same rows, in the same order, as rating the whole
    build, without holding it. Progress counts subjects over the population for both
    stages.
    """
    scheme = (policies or RatingPolicies()).scheme(model.pipeline.scheme)
    rules = tuple(scheme.rules)
    population = [0]

    def built(stage: str, done: int, total: int) -> None:
        population[0] = total
        if progress:
            progress(stage, done, total)

    rated = 0
    for frame in iter_features(store, scheme, as_of, cfg=cfg, with_rules=True, progress=built):
        offset = rated

        def scored(stage: str, done: int, total: int, offset: int = offset) -> None:
            if progress:
                progress(stage, offset + done, population[0])

        yield from iter_ratings(
            model, frame, as_of, scored_at, cause, None, scored, chunk_rows, None, rules
        )
        rated += len(frame)


def score_scheme(
    store: Store,
    model: LoadedModel,
    as_of: dt.date,
    cfg: BuildConfig | None = None,
    subjects: Iterable[str] | None = None,
    cause: Mapping[str, Any] | None = None,
    policies: RatingPolicies | None = None,
    progress: Progress | None = None,
    scored_at: dt.datetime | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> ScoreRun:
    """Build the indicators as of ``as_of``, rate them and write ``ratings``.

    Parameters
    ----------
    store
        The record store (ratings are written to it).
    model
        The model version to score with (normally the champion).
    as_of
        As-of date of the indicators and the ratings.
    cfg
        Publication windows and severity weights.
    subjects
        Only these subjects (event re-rating); ``None`` = the scheme's population.
    cause
        Why these subjects are re-rated; rows with a cause are added, never replaced.
    policies
        Points rules and flags in place of the declared ones (the settings').
    progress
        ``progress(stage, done, total)``.
    scored_at
        Time stamp of the rows (default: now).
    chunk_rows
        Subjects rated and appended at a time (the rows do not depend on it).
    """
    started = time.perf_counter()
    scored_at = scored_at or dt.datetime.now()
    grades: Counter[str] = Counter()

    def counted(parts: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for part in parts:
            grades.update(part["final_grade"].tolist())
            yield part

    if subjects is None and store.dialect == "duckdb":
        parts = _population_ratings(
            store, model, as_of, cfg, cause, policies, progress, scored_at, chunk_rows
        )
    else:
        features, rules = _inputs(store, model, as_of, cfg, subjects, policies, progress)
        parts = iter_ratings(
            model, features, as_of, scored_at, cause, None, progress, chunk_rows, None, rules
        )
    # each part is spilled as it is rated and the batch written in one transaction:
    # memory holds one part's reasons (and one build part's indicators), not the population's
    replaced = write_ratings(store, counted(parts), replace_batch=cause is None)
    order = model.pipeline.scale.keys
    return ScoreRun(
        model.pipeline.scheme,
        as_of,
        model.name,
        model.version,
        model.run_id,
        sum(grades.values()),
        replaced,
        time.perf_counter() - started,
        {g: int(grades.get(g, 0)) for g in order},
        cause,
    )
