"""Build feature frames and labels for a scheme, as of a date, on an engine.

``build_features`` returns one row per subject of the scheme's population at
``as_of``; ``build_training_frame`` stacks several snapshots with their labels.
The SQL comes from :mod:`features.compile`; the store runs it (DuckDB by
default, Spark for province scale). A build of a few subjects reads a slice of
the store (:mod:`features.store.sliced`) and, up to :data:`IN_PROCESS_MAX`
subjects, evaluates the declarations in process (:mod:`features.evaluate`):
the same rows, without a query plan per rating. A whole population is built
in parts of about :data:`features.parts.PART_ROWS` subjects
(:func:`iter_features`), so the engine holds one part's rows at a time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator

import numpy as np
import pandas as pd

from features.common_flags import flags_of
from features.compile import (
    DIALECTS,
    BuildConfig,
    Part,
    Subset,
    add_months,
    label_sql,
    population_sql,
    scheme_sql,
)
from features.dsl import Related, Scheme, declared_attributes
from features.effective import slice_effective
from features.evaluate import evaluate, supports
from features.parts import cut, population_ids_sql
from features.parts import rows_per_part as part_rows
from features.sample import NonDefaultSample
from features.schemes import get_scheme
from features.store.base import Store
from features.store.sliced import slice_store

MEMBER_KEEP = ("village_code", "township_code")
#: Up to this many subjects, a subset build is evaluated in process
#: (:mod:`features.evaluate`) instead of planning the scheme's query: one city
#: enterprise in about 4 ms instead of 30–40 ms of query plan and run.
IN_PROCESS_MAX = 64


def _scheme(scheme: str | Scheme) -> Scheme:
    return scheme if isinstance(scheme, Scheme) else get_scheme(scheme)


def _date(value: str | dt.date) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _engine_store(store: Store, engine: str) -> Store:
    if engine not in DIALECTS:
        raise ValueError(f"unknown engine {engine!r}; use duckdb or spark")
    if store.dialect == engine:
        return store
    if engine == "spark":
        from features.store.spark_store import SparkStore

        return SparkStore.from_store(store)
    raise ValueError(f"a {store.dialect} store cannot run the {engine} engine")


def feature_sql(
    scheme: str | Scheme,
    as_of: str | dt.date,
    engine: str = "duckdb",
    cfg: BuildConfig | None = None,
    subjects: Iterable[str] | None = None,
    with_rules: bool = False,
    sample: NonDefaultSample | None = None,
    part: Part | None = None,
) -> str:
    """The SQL that builds ``scheme``'s frame at ``as_of`` on ``engine``.

    With ``subjects``, only those subjects (for an aggregate scheme, those
    groups and their members). Run on a store sliced for them
    (:func:`features.store.sliced.slice_store`), it reads only their rows.
    ``with_rules``: with the scheme's points rules and flags (what a rating reads).
    ``sample``: only the subjects with the target event in the label window and the
    non-defaults the sample keeps (:mod:`features.sample`), each with its full row.
    ``part``: only the subjects whose id is in the part's range (for an
    aggregate scheme, those groups and their members; :mod:`features.parts`).
    """
    sch, day, dialect = _scheme(scheme), _date(as_of), DIALECTS[engine]
    ids = None if subjects is None else tuple(dict.fromkeys(subjects))
    member = None
    if sch.members:
        member_scheme = get_scheme(sch.members[0])
        member = scheme_sql(
            member_scheme,
            day,
            dialect,
            cfg,
            keep=MEMBER_KEEP,
            subset=None if ids is None else Subset(ids, sch.members[1]),
            part=None if part is None else Part(part.lo, part.hi, sch.members[1]),
        )
    return scheme_sql(
        sch,
        day,
        dialect,
        cfg,
        member_sql=member,
        subset=None if ids is None else Subset(ids),
        with_rules=with_rules,
        extra_where=None if sample is None else sample_sql(sch, day, sample),
        part=part,
    )


def _sorted_rows(runner: Store, sql: str) -> pd.DataFrame:
    """The rows of a feature query, sorted by ``subject_id`` by DuckDB (Spark: as they
    come; :func:`typed_features` sorts them).

    DuckDB sorts in memory it already holds; pandas' sort copies every column into newly
    allocated memory, and the first touch of those pages is slow here (city enterprise,
    261,250 rows × 65 columns, a fresh process: the sort 0.85 s, the whole
    ``typed_features`` 1.8-2.2 s against 1.0-1.1 s on rows sorted by DuckDB)."""
    if runner.dialect == "duckdb":
        sql = f"{sql}\nORDER BY subject_id"
    return runner.query(sql)


def sample_sql(scheme: Scheme, as_of: dt.date, sample: NonDefaultSample) -> str:
    """The condition on ``subject_id`` of the training sample at ``as_of``: a default
    (the target event in the label window) or a non-default the sample keeps."""
    return f"(subject_id IN ({label_sql(scheme, as_of)}) OR {sample.keep_sql(as_of)})"


def slice_columns(scheme: str | Scheme) -> tuple[str, ...]:
    """The subjects' columns a subset build of ``scheme`` looks its ids up in."""
    sch = _scheme(scheme)
    return ("subject_id",) + ((sch.members[1],) if sch.members else ())


def slice_links(scheme: str | Scheme) -> frozenset[str]:
    """The declared links whose parties a rating of ``scheme`` reads: those of its
    indicators over a related party and of its flags' ``related`` (the green channel's
    represented firms). A slice for a look-up needs those parties' rows, no others."""
    sch = _scheme(scheme)
    keys = {i.source.relation for i in sch.indicators if isinstance(i.source, Related)}
    for flag in flags_of(sch):
        keys.update(flag.related)
    return frozenset(keys)


def slice_kinds(scheme: str | Scheme) -> frozenset[str] | None:
    """The record kinds a rating of ``scheme`` reads of its related parties (those of
    :func:`slice_links`): the kinds of its indicators over a related party and of its
    flags' ``related_records``. ``None`` when one of them names no kind (any kind).

    A co-operative's rating reads, of the households of its village, their village
    assessments and overdue loans only: its slice need not hold their other records
    (city agri_business: 6,000 records of 250 households for one co-operative)."""
    sch = _scheme(scheme)
    matches = [i.source.inner.match for i in sch.indicators if isinstance(i.source, Related)]
    matches += [f.related_records for f in flags_of(sch) if f.related_records is not None]
    if any(not m.kinds for m in matches):
        return None
    return frozenset(k for m in matches for k in m.kinds)


def slice_attributes(scheme: str | Scheme) -> bool:
    """True when a rating of ``scheme`` (or of its members) reads a declared attribute:
    only then does its slice need the subjects' ``subject_attributes`` rows."""
    sch = _scheme(scheme)
    schemes = [sch] + ([get_scheme(sch.members[0])] if sch.members else [])
    return any(declared_attributes(s) for s in schemes)


def typed_features(frame: pd.DataFrame, scheme: str | Scheme) -> pd.DataFrame:
    """A feature query's rows in the dtypes :func:`build_features` returns.

    Sorted by ``subject_id``; ``as_of`` as ``datetime64[s]``; numeric
    indicators ``float64``; categorical ones ``object`` with ``None`` for
    missing. Engines (and batches of one result) then give identical frames.
    """
    sch = _scheme(scheme)
    if len(frame) > 1 and not frame["subject_id"].is_monotonic_increasing:
        frame = frame.sort_values("subject_id", kind="stable")
    # Built column by column into a dict and framed once: assigning ~60 columns
    # in place dominates the cost of a one-subject build.
    index = pd.RangeIndex(len(frame))
    columns: dict[str, pd.Series] = {c: frame[c].set_axis(index) for c in frame.columns}
    columns["as_of"] = pd.to_datetime(columns["as_of"]).astype("datetime64[s]")
    for ind in sch.indicators:
        values = columns[ind.name]
        if ind.categorical:
            raw = values.to_numpy(dtype=object, copy=True)
            raw[pd.isna(raw)] = None
            columns[ind.name] = pd.Series(raw, index=index, dtype=object)
        elif isinstance(values.dtype, np.dtype) and values.dtype.kind in "fiub":
            columns[ind.name] = values.astype("float64")
        else:
            columns[ind.name] = pd.to_numeric(values).astype("float64")
    # the points rules' and flags' columns, when the query has them (features/rules.py)
    for rule in sch.rules:
        if rule.points_column in columns:
            for name in (rule.points_column, rule.events_column):
                columns[name] = pd.to_numeric(columns[name]).astype("float64")
            raw = columns[rule.detail_column].to_numpy(dtype=object, copy=True)
            raw[pd.isna(raw)] = None
            columns[rule.detail_column] = pd.Series(raw, index=index, dtype=object)
    for flag in flags_of(sch):
        if flag.column in columns:
            columns[flag.column] = columns[flag.column].astype(bool)
    return pd.DataFrame(columns, index=index)


def build_features(
    store: Store,
    scheme: str | Scheme,
    as_of: str | dt.date,
    engine: str = "duckdb",
    cfg: BuildConfig | None = None,
    subjects: Iterable[str] | None = None,
    with_rules: bool = False,
    rows_per_part: int | None = None,
) -> pd.DataFrame:
    """Indicators of every subject in ``scheme``'s population at ``as_of``.

    Parameters
    ----------
    store
        The record store.
    scheme
        Scheme key (``enterprise``, ``sme``, ``household``, ``driver``, ``village``,
        ``township``) or a :class:`~features.dsl.Scheme`.
    as_of
        The as-of date T: only records that count at T are read (DESIGN.md §5).
    engine
        ``duckdb`` (default) or ``spark``; both run the same declarations.
    cfg
        Publication windows and severity weights (DOMAIN.md defaults).
    subjects
        Only these subjects (those outside the population are left out); each
        gets exactly the row a full build gives it, read from a slice of the
        store holding its own and its related parties' rows only
        (:func:`features.store.sliced.slice_store`; a store already sliced for
        them is used as it is), so one subject builds in milliseconds.
    with_rules
        Add the scheme's points rules and flags (:mod:`features.rules`) after the
        indicators: ``rule__<key>__points`` / ``__events`` (float), ``__detail``
        (text or None) and ``flag__<key>`` (bool), from the same records that count.
        A rating reads them; no model does.
    rows_per_part
        A whole population on DuckDB is built in parts of about this many
        subjects (:func:`iter_features`; default
        :func:`features.parts.rows_per_part` of the store's memory limit), so
        that the engine holds one part's rows at a time; the frame is the same.

    Returns
    -------
    pandas.DataFrame
        ``subject_id``, ``as_of`` and one column per indicator (float, or
        object for categorical indicators), sorted by ``subject_id``.
    """
    sch = _scheme(scheme)
    runner = _engine_store(store, engine)
    ids = None if subjects is None else list(dict.fromkeys(subjects))
    if ids is None and engine == "duckdb":
        # the whole population in parts (features.parts): the engine holds one part's
        # rows at a time; the parts come sorted by subject_id, as one query's frame
        parts = list(iter_features(runner, sch, as_of, engine, cfg, with_rules, rows_per_part))
        return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
    if ids is not None:
        runner = slice_store(
            runner,
            ids,
            slice_columns(sch),
            slice_links(sch),
            slice_attributes(sch),
            related_kinds=slice_kinds(sch),
        )
        if len(ids) <= IN_PROCESS_MAX and supports(sch):
            day = _date(as_of)
            return evaluate(
                sch,
                runner.tables,
                day,
                ids,
                cfg,
                slice_effective(runner, day, (cfg or BuildConfig()).windows),
                with_rules=with_rules,
            )
    frame = _sorted_rows(runner, feature_sql(sch, as_of, engine, cfg, ids, with_rules))
    return typed_features(frame, sch)


def iter_features(
    store: Store,
    scheme: str | Scheme,
    as_of: str | dt.date,
    engine: str = "duckdb",
    cfg: BuildConfig | None = None,
    with_rules: bool = False,
    rows_per_part: int | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> Iterator[pd.DataFrame]:
    """:func:`build_features` of the whole population, one part at a time.

    Parameters
    ----------
    store, scheme, as_of, engine, cfg, with_rules
        As :func:`build_features`.
    rows_per_part
        Subjects per part (about); default :func:`features.parts.rows_per_part`
        of the store's engine memory limit.
    progress
        Called as ``progress("指标 indicators <scheme>", subjects built, population)``
        before the first part (0 built) and after every part.

    Yields
    ------
    pandas.DataFrame
        Frames with :func:`build_features`' columns and dtypes, each sorted by
        ``subject_id`` and following the previous one: put together, exactly
        the whole build's frame. A population of at most ``rows_per_part``
        subjects is one frame (one query, as a whole build).
    """
    sch = _scheme(scheme)
    runner = _engine_store(store, engine)
    day = _date(as_of)
    rows = rows_per_part or part_rows(runner.memory_limit)
    ids = runner.query_arrow(population_ids_sql(sch, day, engine))["subject_id"].to_pylist()
    stage, built = f"指标 indicators {sch.key}", 0
    if progress:
        progress(stage, 0, len(ids))
    for part in cut(ids, rows):
        whole = part.lo is None and part.hi is None  # one part: the whole build's query
        sql = feature_sql(sch, day, engine, cfg, None, with_rules, part=None if whole else part)
        frame = typed_features(_sorted_rows(runner, sql), sch)
        built += len(frame)
        if progress:
            progress(stage, built, len(ids))
        yield frame


def build_labels(store: Store, scheme: str | Scheme, as_of: str | dt.date) -> set[str]:
    """Subjects with the scheme's target event in (as_of, as_of + horizon]."""
    sch = _scheme(scheme)
    return set(store.query(label_sql(sch, _date(as_of)))["subject_id"])


def data_end(store: Store) -> dt.date:
    """The last publication date in the store: labels are complete up to here."""
    value = store.scalar("SELECT max(published_on) FROM records")
    if value is None:
        raise ValueError("the store holds no records")
    return pd.Timestamp(value).date()


def snapshot_counts(
    store: Store, scheme: str | Scheme, as_of_dates: Iterable[str | dt.date], engine: str = "duckdb"
) -> pd.DataFrame:
    """Rows and defaults of ``scheme``'s full snapshots, without building them.

    Returns ``as_of`` (date), ``subjects`` (the population at the date: the rows of
    :func:`build_features`) and ``defaults`` (those with the target event in the label
    window), one row per date: what a training sample is sized from.
    """
    sch = _scheme(scheme)
    if sch.target is None:
        raise ValueError(f"scheme {sch.key} has no target to label")
    runner = _engine_store(store, engine)
    rows = []
    for as_of in as_of_dates:
        day = _date(as_of)
        pop = population_sql(DIALECTS[engine], sch, day, ())
        got = runner.query(
            f"WITH {pop}\nSELECT count(*) AS subjects, "
            f"sum(CASE WHEN subject_id IN ({label_sql(sch, day)}) THEN 1 ELSE 0 END) "
            "AS defaults FROM pop"
        )
        rows.append(
            {
                "as_of": day,
                "subjects": int(got.iat[0, 0]),
                "defaults": int(0 if pd.isna(got.iat[0, 1]) else got.iat[0, 1]),
            }
        )
    return pd.DataFrame(rows, columns=["as_of", "subjects", "defaults"])


def build_training_frame(
    store: Store,
    scheme: str | Scheme,
    as_of_dates: Iterable[str | dt.date],
    engine: str = "duckdb",
    cfg: BuildConfig | None = None,
    allow_incomplete: bool = False,
    sample: NonDefaultSample | None = None,
) -> pd.DataFrame:
    """Snapshots of ``scheme`` at each date with their label (1 = target event).

    Raises ``ValueError`` for a date whose label window is not fully observed
    (as_of + horizon after the data's end) unless ``allow_incomplete``.

    With a ``sample`` that does not keep everything, each snapshot holds its defaults
    and the non-defaults the sample keeps (drawn in the engine's query, so the full
    snapshot is never held), with a ``weight`` column: 1 for a default, the sample's
    :attr:`~features.sample.NonDefaultSample.weight` for a non-default.
    """
    if sample is not None and sample.everything:
        sample = None
    sch = _scheme(scheme)
    if sch.target is None:
        raise ValueError(f"scheme {sch.key} has no target to label")
    end = data_end(store)
    frames = []
    for as_of in as_of_dates:
        day = _date(as_of)
        horizon_end = add_months(day, sch.target.horizon)
        if horizon_end > end and not allow_incomplete:
            raise ValueError(
                f"labels at {day} need data to {horizon_end}, the store ends {end}; "
                "pass allow_incomplete=True for a partly observed window"
            )
        if sample is None:
            frame = build_features(store, sch, day, engine, cfg)
        else:
            runner = _engine_store(store, engine)
            sql = feature_sql(sch, day, engine, cfg, sample=sample)
            frame = typed_features(_sorted_rows(runner, sql), sch)
        frame["label"] = frame["subject_id"].isin(build_labels(store, sch, day)).astype("int8")
        if sample is not None:
            frame["weight"] = np.where(frame["label"] == 1, 1.0, sample.weight)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def quarter_ends(first: str | dt.date, last: str | dt.date) -> list[dt.date]:
    """Quarter-end dates from ``first`` to ``last`` inclusive."""
    day, stop = _date(first), _date(last)
    out = []
    year, quarter = day.year, (day.month - 1) // 3
    while True:
        month = 3 * quarter + 3
        end = add_months(dt.date(year, month, 1), 1) - dt.timedelta(days=1)
        if end > stop:
            return out
        if end >= day:
            out.append(end)
        quarter += 1
        if quarter == 4:
            year, quarter = year + 1, 0
