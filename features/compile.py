"""Compile indicator declarations into one SQL query per scheme and as-of date.

The SQL uses the subset DuckDB and Spark SQL share (CTEs, ``CASE``, ``max_by``,
``DATE`` literals); the few functions that differ go through :class:`Dialect`.
Window bounds are computed here and written as date literals, so the query
needs no date arithmetic on literals.

Portability rules (both engines must give the same frame, tests/features/
test_engine_parity.py):

* A fractional number that feeds arithmetic is written ``CAST(x AS DOUBLE)``:
  Spark reads ``365.25`` as ``DECIMAL(5,2)`` and rounds a quotient or an
  average of decimals to a few digits, DuckDB computes in double.
* ``max_by`` skips a row whose ordering key is NULL in both engines, but a
  NULL *value* at the largest key is skipped by DuckDB and returned by Spark;
  so a row without a value gets a NULL key too (latest non-null value).
* Logarithms of a non-positive number are NULL (DuckDB gives -inf or NaN,
  Spark NULL); divisions are guarded by ``nullif`` (DuckDB gives inf, Spark
  fails in ANSI mode).

Point in time (DESIGN.md §5): a record counts at T when it was published by
T, not revoked by T, has no objection open at T and none upheld by T, and —
for negative records — is inside its publication window: before
``valid_until`` and before an approved repair, which never ends it earlier
than the tier's minimum.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from features.common_flags import flags_of
from features.declare import AttributeDecl
from features.dsl import (
    ZERO_WHEN_NONE,
    Attribute,
    Condition,
    DeclaredAttribute,
    Derived,
    Indicator,
    Match,
    Members,
    Records,
    Related,
    Scheme,
    declared_attributes,
)
from features.link_lookup import link
from features.links import SameColumn
from features.records.windows import WindowPolicy
from features.rules import Flag, PointsRule
from features.subjects import current_subjects_sql, open_on_sql

RECORD_DATE = "coalesce(r.decided_on, r.event_date)"
#: decimals a sum of amounts (yuan: the cent) and of values is rounded to, on every engine
SUM_DECIMALS = (2, 6)
#: decimals a members' ratio or mean is rounded to: the engines add in a thread-dependent
#: order, so the same build moved these in their last bits from run to run (and two
#: subjects with the same history apart), which could put a subject on the other side of a
#: model's split or a monitoring cut
RATIO_DECIMALS = 12

#: The fixed-point units an average, a coefficient of variation and a growth slope are
#: summed in: amounts in cents, values in millionths (the precision of
#: :data:`SUM_DECIMALS`), a growth's logarithm in 1e-12. Sums of integers are exact in any
#: order, so the indicator is the same bits on every engine, thread count and slice (a
#: float aggregate rounded to 12 decimals was not: on 20,000 random series, DuckDB's
#: ``regr_slope`` moved 45 subjects' growth between two row orders and differed from the
#: in-process evaluator on 31; ``avg`` of five-figure amounts on 5,985 — 12 decimals of
#: 5 integer digits are more than a double holds).
AMOUNT_UNITS, VALUE_UNITS = (10**decimals for decimals in SUM_DECIMALS)
LOG_UNITS = 1e12
#: years per day of a growth slope's date axis, over the logarithm's units
GROWTH_SCALE = 365.25 / LOG_UNITS


def _fixed(expr: str) -> str:
    """``expr`` rounded to :data:`RATIO_DECIMALS` (see there)."""
    return f"round({expr}, {RATIO_DECIMALS})"


@dataclass(frozen=True)
class Dialect:
    """The functions in which DuckDB and Spark SQL differ."""

    name: str

    def add_months(self, expr: str, months: int) -> str:
        """``expr`` (a date) plus ``months`` calendar months."""
        if self.name == "spark":
            return f"add_months({expr}, {months})"
        return f"CAST({expr} + INTERVAL ({months}) MONTH AS DATE)"

    def days_between(self, later: str, earlier: str) -> str:
        """Whole days from ``earlier`` to ``later``."""
        if self.name == "spark":
            return f"datediff({later}, {earlier})"
        return f"date_diff('day', {earlier}, {later})"

    def count_distinct(self, expr: str) -> str:
        """Aggregate: the number of distinct non-null values of ``expr`` (a BIGINT).

        Spark plans several ``count(DISTINCT …)`` of one query as an ``Expand`` that copies
        every row once per distinct aggregate and sorts the copies (the enterprise build
        spent half its time there on the small city); ``collect_set`` drops nulls as
        ``count(DISTINCT …)`` does and keeps one plain aggregation."""
        if self.name == "spark":
            return f"CAST(size(collect_set({expr})) AS BIGINT)"
        return f"count(DISTINCT {expr})"

    def exact(self, expr: str) -> str:
        """``expr`` (an integer) as a type whose sums and products stay exact: DuckDB's
        128-bit HUGEINT, Spark's DECIMAL(38, 0) (its BIGINT sums wrap on overflow)."""
        if self.name == "spark":
            return f"CAST({expr} AS DECIMAL(38, 0))"
        return f"CAST({expr} AS HUGEINT)"

    def materialized(self) -> str:
        """``MATERIALIZED `` where a CTE can be asked to be computed once on its own (DuckDB;
        Spark has no such hint): the optimizer then cannot reorder joins across it."""
        return "" if self.name == "spark" else "MATERIALIZED "

    def ordered_join(self, piece: str, sep: str, order: tuple[str, ...]) -> str:
        """Aggregate: the non-null ``piece`` strings of a group joined by ``sep`` in
        ``order``; NULL for a group without one."""
        if self.name == "spark":
            fields = ", ".join(f"'k{i}', {o}" for i, o in enumerate(order))
            row = f"CASE WHEN {piece} IS NOT NULL THEN named_struct({fields}, 'v', {piece}) END"
            rows = f"sort_array(collect_list({row}))"
            return f"nullif(concat_ws({sep}, transform({rows}, z -> z.v)), '')"
        return f"string_agg({piece}, {sep} ORDER BY {', '.join(order)})"


DUCKDB = Dialect("duckdb")
SPARK = Dialect("spark")
DIALECTS = {"duckdb": DUCKDB, "spark": SPARK}


@dataclass(frozen=True)
class BuildConfig:
    """Configuration that shapes indicator values (DOMAIN.md defaults)."""

    windows: WindowPolicy = field(default_factory=WindowPolicy)
    severity_weights: tuple[tuple[str, float], ...] = (
        ("minor", 1.0),
        ("general", 3.0),
        ("serious", 9.0),
    )


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar month arithmetic on a date, clamping to the month's end."""
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    month += 1
    next_first = dt.date(year + (month == 12), month % 12 + 1, 1)
    last = (next_first - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def lit(day: dt.date) -> str:
    """A SQL date literal."""
    return f"DATE '{day.isoformat()}'"


def _double(value: float) -> str:
    """A number as a DOUBLE in both engines (a bare ``0.5`` is a DECIMAL in Spark)."""
    return f"CAST({float(value)!r} AS DOUBLE)"


def _ln(expr: str) -> str:
    """Natural logarithm, NULL for a non-positive argument in both engines."""
    return f"CASE WHEN {expr} > 0 THEN ln({expr}) END"


def _exact_sum(d: Dialect, expr: str) -> str:
    """Aggregate: the sum of the BIGINTs ``expr``, exact in any order (DuckDB sums BIGINTs
    into a HUGEINT; Spark's BIGINT sum would wrap, :meth:`Dialect.exact`)."""
    return f"sum({expr})" if d.name == "duckdb" else f"sum({d.exact(expr)})"


def _fixed_point_sums(d: Dialect, cond: str, column: str, units: int) -> tuple[str, str, str]:
    """Aggregates: the count, the sum and the sum of squares of ``column`` where ``cond``
    holds, the values as whole ``units`` (half up), exact in any order
    (:data:`AMOUNT_UNITS`)."""
    whole = f"floor({column} * {_double(units)} + {_double(0.5)})"
    a = f"CASE WHEN {cond} THEN CAST({whole} AS BIGINT) END"
    return f"count({a})", _exact_sum(d, a), f"sum({d.exact(a)} * {d.exact(a)})"


def _latest(cond: str, column: str) -> str:
    """``column`` of the latest matching row with a value (date, then record_id).

    Rows that do not match, or match without a value, get a NULL key and are
    skipped by ``max_by`` in both engines. record_id is unique, so the key has
    no ties.
    """
    keyed = f"{cond} AND {column} IS NOT NULL"
    alias = column.split(".")[0]
    order = f"concat(CAST({alias}.rdate AS STRING), {alias}.record_id)"
    return f"max_by(CASE WHEN {keyed} THEN {column} END, CASE WHEN {keyed} THEN {order} END)"


def _quote(values: tuple[str, ...]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def match_sql(m: Match, alias: str = "r") -> str:
    """Boolean SQL for records matching ``m``."""
    # a Match naming no kind reads any kind (a flag's "no negative record")
    parts = [f"{alias}.kind IN ({_quote(m.kinds)})"] if m.kinds else ["TRUE"]
    if m.severities:
        parts.append(f"{alias}.severity IN ({_quote(m.severities)})")
    if m.values:
        parts.append(f"{alias}.value_text IN ({_quote(m.values)})")
    if m.min_value is not None:
        parts.append(f"{alias}.value_num >= {m.min_value!r}")
    if m.max_value is not None:
        parts.append(f"{alias}.value_num <= {m.max_value!r}")
    if m.min_amount is not None:
        parts.append(f"{alias}.amount >= {m.min_amount!r}")
    if m.max_amount is not None:
        parts.append(f"{alias}.amount <= {m.max_amount!r}")
    if m.polarity:
        parts.append(f"{alias}.polarity = '{m.polarity}'")
    return "(" + " AND ".join(parts) + ")"


def min_end_sql(d: Dialect, policy: WindowPolicy, alias: str = "r") -> str:
    """Earliest date a repair may end a record's publication (tier or list minimum)."""
    date = f"coalesce({alias}.decided_on, {alias}.event_date)"
    legacy = f"{date} < {lit(policy.legacy_before)}"
    whens = [
        f"WHEN {alias}.kind = '{kind}' THEN {d.add_months(date, m)}"
        for kind, m in sorted(policy.list_repair_min_months.items())
    ]
    for sev in sorted(policy.tiers):
        new, old = policy.tiers[sev].min_months, policy.legacy_tiers[sev].min_months
        for sector, m in sorted(policy.sector_min_months.items()):
            cond = f"{alias}.severity = '{sev}' AND {alias}.value_text = '{sector}'"
            whens.append(f"WHEN {cond} AND {legacy} THEN {d.add_months(date, max(old, m))}")
            whens.append(f"WHEN {cond} THEN {d.add_months(date, max(new, m))}")
        whens.append(f"WHEN {alias}.severity = '{sev}' AND {legacy} THEN {d.add_months(date, old)}")
        whens.append(f"WHEN {alias}.severity = '{sev}' THEN {d.add_months(date, new)}")
    return "CASE " + " ".join(whens) + f" ELSE {date} END"


def effective_records_sql(
    d: Dialect,
    as_of: dt.date,
    policy: WindowPolicy,
    scope: str = "TRUE",
) -> str:
    """CTEs ``obj``, ``rep`` and ``eff``: the records that count at ``as_of``.

    ``scope`` is a condition on ``r`` that keeps only records some indicator can
    read (its kinds, subjects and windows); it changes no result, only how much
    is scanned and joined.
    """
    t = lit(as_of)
    return f"""obj AS (
  SELECT DISTINCT record_id FROM (
    SELECT objection_id, record_id FROM objections WHERE opened_on <= {t}
    GROUP BY objection_id, record_id
    HAVING max(CASE WHEN status = 'rejected' AND resolved_on <= {t} THEN 1 ELSE 0 END) = 0
  ) o
),
rep AS (
  SELECT record_id, min(approved_on) AS approved_on FROM repairs
  WHERE status = 'approved' AND approved_on <= {t} GROUP BY record_id
),
eff AS (
  SELECT r.record_id, r.subject_id, r.kind, r.severity, r.polarity, r.value_num, r.value_text,
         r.amount, r.valid_until, {RECORD_DATE} AS rdate
  FROM records r
  LEFT JOIN obj o ON o.record_id = r.record_id
  LEFT JOIN rep p ON p.record_id = r.record_id
  WHERE r.published_on <= {t}
    AND {scope}
    AND (r.revoked_on IS NULL OR r.revoked_on > {t})
    AND o.record_id IS NULL
    AND (r.polarity <> 'negative' OR r.valid_until IS NULL OR r.valid_until > {t})
    AND (p.approved_on IS NULL
         OR greatest(p.approved_on, {min_end_sql(d, policy)}) > {t})
)"""


def id_list(ids: tuple[str, ...]) -> str:
    """A SQL list of string literals (quotes doubled; an empty list matches nothing)."""
    if not ids:
        return "(NULL)"
    return "(" + ", ".join("'" + str(i).replace("'", "''") + "'" for i in ids) + ")"


@dataclass(frozen=True)
class Subset:
    """Build only some subjects: their own ids, or the members of some groups.

    ``column`` is ``subject_id`` for the subjects themselves, or a grouping
    column (``village_code``, ``township_code``) for the members of those
    groups. The query still reads the whole tables it is given: run it on a
    store sliced for the ids (:mod:`features.store.sliced`) to read only theirs.
    """

    ids: tuple[str, ...]
    column: str = "subject_id"


@dataclass(frozen=True)
class Part:
    """Build one part of the population: the subjects whose ``column`` is in [lo, hi).

    ``None`` leaves that end open. ``column`` is ``subject_id`` for the subjects
    themselves, or a grouping column (``village_code``) for the members of the
    groups in the part. The parts of a cut (:mod:`features.parts`) give, put
    together, exactly the rows of a whole build: every indicator is keyed on
    the subject, and a part reads the other tables whole (related parties,
    links), so only how much is held at once changes.
    """

    lo: str | None = None
    hi: str | None = None
    column: str = "subject_id"

    def sql(self) -> str:
        """The part's condition on a subjects' row (TRUE for an open range)."""
        conds = []
        if self.lo is not None:
            conds.append(f"{self.column} >= {_quote((self.lo,))}")
        if self.hi is not None:
            conds.append(f"{self.column} < {_quote((self.hi,))}")
        return " AND ".join(conds) or "TRUE"


def population_sql(
    d: Dialect,
    scheme: Scheme,
    as_of: dt.date,
    extra: tuple[str, ...],
    subset: Subset | None = None,
    extra_where: str | None = None,
    part: Part | None = None,
) -> str:
    """CTEs ``latest`` (current version of every subject, :mod:`features.subjects`) and
    ``pop`` (the scheme's subjects at T: registered by T, not closed or deregistered by T;
    of ``subset`` and ``part`` when given; with ``extra_where``, only those of its subjects
    that meet that condition too)."""
    pop = scheme.population
    t = lit(as_of)
    link_cols = tuple(c for key in _relations(scheme) for c in link(key).pop_columns())
    cols = ", ".join(
        dict.fromkeys(
            (
                "subject_id",
                "legal_rep_id",
                "employer_id",
                "village_code",
                "township_code",
                *link_cols,
                *extra,
            )
        )
    )
    where = [
        f"subject_type = '{pop.subject_type}'",
        f"(established_on IS NULL OR established_on <= {t})",
        open_on_sql(as_of),
    ]
    if pop.scales:
        where.append(f"scale IN ({_quote(pop.scales)})")
    if pop.industries:
        # GB/T 4754 prefixes (validated A–T and digits: nothing to escape); LIKE runs
        # the same on DuckDB and Spark
        like = " OR ".join(f"industry LIKE '{code}%'" for code in pop.industries)
        where.append(f"({like})")
    if subset is not None:
        where.append(f"{subset.column} IN {id_list(subset.ids)}")
    if extra_where is not None:
        where.append(f"({extra_where})")
    if part is not None:
        where.append(part.sql())
    if pop.requires_kind:
        where.append(
            f"subject_id IN (SELECT subject_id FROM records "
            f"WHERE kind = '{pop.requires_kind}' "
            f"AND published_on <= {t} AND (revoked_on IS NULL OR revoked_on > {t}))"
        )
    return f"""latest AS (
  {current_subjects_sql()}
),
pop AS (
  SELECT {cols} FROM latest WHERE {" AND ".join(where)}
)"""


def _window_cond(rec: Records, as_of: dt.date, alias: str) -> str:
    if rec.window is None:
        return ""
    hi = add_months(as_of, -rec.offset)
    lo = add_months(as_of, -(rec.offset + rec.window))
    return f" AND {alias}.rdate > {lit(lo)} AND {alias}.rdate <= {lit(hi)}"


def _open_cond(d: Dialect, rec: Records, as_of: dt.date, alias: str) -> str:
    """Reports still open at T (:attr:`Records.open_below`)."""
    if rec.open_below is None:
        return ""
    limit = _double(rec.open_below)
    age = d.days_between(lit(as_of), f"{alias}.rdate")
    return f" AND ({alias}.value_num >= {limit} OR {alias}.value_num + {age} < {limit})"


def anchor_names(scheme: Scheme) -> dict[Match, str]:
    """A CTE name per distinct :attr:`Records.since` of the scheme's own records."""
    out: dict[Match, str] = {}
    for ind in scheme.indicators:
        src = ind.source
        if isinstance(src, Related) and src.inner.since is not None:
            raise ValueError(
                f"scheme {scheme.key}: {ind.name}: `since` reads the subject's own records only"
            )
        if isinstance(src, Records) and src.since is not None and src.since not in out:
            out[src.since] = f"anc{len(out)}"
    return out


def anchor_sql(since: Match, as_of: dt.date, name: str) -> str:
    """CTE ``name``: per subject, the start of its oldest ``since`` record in force at T."""
    return (
        f"{name} AS (\n  SELECT a.subject_id, min(a.rdate) AS since_date FROM eff a\n"
        f"  WHERE {match_sql(since, 'a')}\n"
        f"    AND (a.valid_until IS NULL OR a.valid_until > {lit(as_of)})\n"
        "  GROUP BY a.subject_id\n)"
    )


def record_cond_sql(
    d: Dialect,
    rec: Records,
    as_of: dt.date,
    alias: str = "e",
    anchors: dict[Match, str] | None = None,
) -> str:
    """The condition an ``eff`` row ``alias`` meets to be read by the :class:`Records`
    source (its kinds and values, its window or in force at ``as_of``, open reports, its
    anchor; ``anchors`` as :func:`record_agg_sql`)."""
    cond = match_sql(rec.match, alias) + _window_cond(rec, as_of, alias)
    if rec.window is None:
        # in force: a listing not lifted, a loan not yet due, a rating still valid
        cond += f" AND ({alias}.valid_until IS NULL OR {alias}.valid_until > {lit(as_of)})"
    cond += _open_cond(d, rec, as_of, alias)
    if rec.since is not None:
        if anchors is None or rec.since not in anchors:
            raise ValueError("a Records source with `since` needs its anchor CTE")
        # the anchor's date rides on the subject's row (``p``, see scheme_sql's ``own``)
        cond += f" AND {alias}.rdate >= p.{anchors[rec.since]}"
    return cond


def record_agg_sql(
    d: Dialect,
    rec: Records,
    as_of: dt.date,
    cfg: BuildConfig,
    alias: str = "e",
    anchors: dict[Match, str] | None = None,
) -> str:
    """Aggregate SQL of a :class:`Records` source over the ``eff`` rows ``alias``
    (``anchors``: the CTE of each :attr:`Records.since`, see :func:`anchor_names`; its
    date is read as the column of that name of the subject's row ``p``)."""
    cond = record_cond_sql(d, rec, as_of, alias, anchors)
    match rec.agg:
        case "count":
            return f"sum(CASE WHEN {cond} THEN 1 ELSE 0 END)"
        case "weighted":
            w = " ".join(f"WHEN '{s}' THEN {v!r}" for s, v in cfg.severity_weights)
            return f"sum(CASE WHEN {cond} THEN CASE {alias}.severity {w} ELSE 1.0 END ELSE 0 END)"
        # sums rounded (amounts to the cent, values to 1e-6): a float sum depends on the
        # order the engine adds in, and Spark's order varies between runs; a last-bit
        # difference could put a subject on the other side of a model's split
        case "sum_amount":
            return f"round(sum(CASE WHEN {cond} THEN {alias}.amount END), {SUM_DECIMALS[0]})"
        case "sum_value":
            return f"round(sum(CASE WHEN {cond} THEN {alias}.value_num END), {SUM_DECIMALS[1]})"
        case "max_value":
            return f"max(CASE WHEN {cond} THEN {alias}.value_num END)"
        case "avg_value":
            n, a, _ = _fixed_point_sums(d, cond, f"{alias}.value_num", VALUE_UNITS)
            return f"CAST({a} AS DOUBLE) / CAST({n} * {VALUE_UNITS} AS DOUBLE)"
        case "latest_value":
            return _latest(cond, f"{alias}.value_num")
        case "latest_text":
            return _latest(cond, f"{alias}.value_text")
        case "days_since":
            return d.days_between(lit(as_of), f"max(CASE WHEN {cond} THEN {alias}.rdate END)")
        case "distinct_values":
            return d.count_distinct(f"CASE WHEN {cond} THEN {alias}.value_text END")
        case "distinct_kinds":
            return d.count_distinct(f"CASE WHEN {cond} THEN {alias}.kind END")
        case "cv_amount" | "cv_value":
            # population sd / mean = sqrt(n·Σa² − (Σa)²) / Σa, from exact sums
            column, units = (
                ("amount", AMOUNT_UNITS) if rec.agg == "cv_amount" else ("value_num", VALUE_UNITS)
            )
            n, a, aa = _fixed_point_sums(d, cond, f"{alias}.{column}", units)
            spread = f"CAST({d.exact(n)} * {aa} - {a} * {a} AS DOUBLE)"
            return f"sqrt({spread}) / CAST(nullif({a}, 0) AS DOUBLE)"
        case "growth_amount" | "growth_value":
            # yearly growth rate: least-squares slope of the log (a zero or negative is left
            # out) on the date, from exact sums of the log in LOG_UNITS and of the days from
            # the as-of date; null without two distinct dates (no slope to fit)
            column = "amount" if rec.agg == "growth_amount" else "value_num"
            col = f"{alias}.{column}"
            ok = f"{cond} AND {col} > 0 AND {alias}.rdate IS NOT NULL"
            log = f"floor(ln({col}) * {_double(LOG_UNITS)})"
            y = f"CASE WHEN {ok} THEN CAST({log} AS BIGINT) END"
            days = d.days_between(f"{alias}.rdate", lit(as_of))
            x = f"CASE WHEN {ok} THEN CAST({days} AS BIGINT) END"
            n = d.exact(f"count({y})")
            sx, sy = _exact_sum(d, x), _exact_sum(d, y)
            sxx, sxy = _exact_sum(d, f"{x} * {x}"), f"sum({d.exact(x)} * {d.exact(y)})"
            var = f"{n} * {sxx} - {sx} * {sx}"
            cov = f"{n} * {sxy} - {sx} * {sy}"
            slope = f"CAST({cov} AS DOUBLE) / CAST({var} AS DOUBLE) * {_double(GROWTH_SCALE)}"
            return f"CASE WHEN {var} > 0 THEN {slope} END"
        case "distinct_months":
            return d.count_distinct(
                f"CASE WHEN {cond} THEN year({alias}.rdate) * 12 + month({alias}.rdate) END"
            )
        case "distinct_years":
            return d.count_distinct(f"CASE WHEN {cond} THEN year({alias}.rdate) END")
    raise ValueError(f"unknown aggregation {rec.agg!r}")


def _member_agg(m: Members) -> str:
    match m.fn:
        case "count":
            return "count(m.subject_id)"
        case "mean":
            return _fixed(f"avg(m.{m.of})")
        case "share":
            c: Condition = m.where  # type: ignore[assignment]
            among = "m.subject_id IS NOT NULL"
            if m.among is not None:  # members meeting `among` only (a null does not meet it)
                among = f"m.{m.among.indicator} {m.among.op} {m.among.value!r}"
            return (
                f"avg(CASE WHEN m.{c.indicator} {c.op} {c.value!r} AND {among} "
                f"THEN {_double(1)} WHEN {among} THEN {_double(0)} END)"
            )
        case "sum_ratio":
            return _fixed(f"sum(m.{m.of}) / nullif(sum(m.{m.over}), 0)")
    raise ValueError(f"unknown member aggregation {m.fn!r}")


def _attribute_sql(d: Dialect, a: Attribute, as_of: dt.date) -> str:
    col = f"p.{a.column}"
    if a.transform == "years_since":
        return f"{d.days_between(lit(as_of), col)} / {_double(365.25)}"
    if a.transform == "log1p":
        return _ln(f"(1 + {col})")
    return col


def attributes_sql(attrs: tuple[AttributeDecl, ...], as_of: dt.date) -> str:
    """CTE ``attrs``: per subject of ``pop``, each declared attribute's value in force at T.

    One pivot over ``subject_attributes`` for the whole scheme (one column per
    attribute, named as it): of a subject's rows for an attribute stored by T
    (``version_from`` on or before the date), the latest by ``version_from``,
    then ``ingest_id`` (the order of :mod:`features.subjects`); the values
    themselves break a tie, so that both engines pick the same row.
    """
    cols = ",\n    ".join(
        f"max(CASE WHEN a.name = '{a.name}' THEN "
        f"a.{'value_text' if a.dtype == 'string' else 'value_num'} END) AS {a.name}"
        for a in attrs
    )
    order = (
        "version_from DESC, ingest_id DESC NULLS LAST, value_text DESC NULLS LAST, "
        "value_num DESC NULLS LAST"
    )
    names = _quote(tuple(a.name for a in attrs))
    return f"""attrs AS (
  SELECT a.subject_id,
    {cols}
  FROM (
    SELECT subject_id, name, value_text, value_num,
      row_number() OVER (PARTITION BY subject_id, name ORDER BY {order}) AS _xp_av
    FROM subject_attributes
    WHERE name IN ({names}) AND CAST(version_from AS DATE) <= {lit(as_of)}
      AND subject_id IN (SELECT subject_id FROM pop)
  ) a
  WHERE a._xp_av = 1
  GROUP BY a.subject_id
)"""


def _declared_sql(src: DeclaredAttribute) -> str:
    col = f"attrs.{src.name}"
    return _ln(f"(1 + {col})") if src.transform == "log1p" else col


def _derived_sql(op: str, left: str, right: str) -> str:
    if op == "ratio":
        return f"({left}) / nullif({right}, 0)"
    if op == "share":
        return f"({left}) / nullif(({left}) + ({right}), 0)"
    if op == "trend":
        return f"(({left}) - ({right})) / nullif({right}, 0)"
    if op == "diff":
        return f"({left}) - ({right})"
    if op == "log_ratio":
        return _ln(f"((1 + ({left})) / nullif(1 + ({right}), 0))")
    raise ValueError(f"unknown derived op {op!r}")


def _record_sources(scheme: Scheme) -> list[Records]:
    out = []
    for ind in scheme.indicators:
        if isinstance(ind.source, Records):
            out.append(ind.source)
        elif isinstance(ind.source, Related):
            out.append(ind.source.inner)
    return out


def scope_sql(scheme: Scheme, as_of: dt.date) -> str:
    """Which records the scheme's indicators can read at all: their kinds, and for
    kinds read only inside windows, the oldest date any window reaches."""
    span: dict[str, int | None] = {}
    for rec in _record_sources(scheme):
        need = None if rec.window is None else rec.window + rec.offset
        # an anchor (`since`) is any record in force, whatever its date
        for kind in rec.since.kinds if rec.since is not None else ():
            span[kind] = None
        for kind in rec.match.kinds:
            if kind in span and (span[kind] is None or need is None):
                span[kind] = None
            else:
                span[kind] = max(span.get(kind) or 0, need) if need is not None else None
    groups: dict[int | None, list[str]] = {}
    for kind, months in sorted(span.items()):
        groups.setdefault(months, []).append(kind)
    terms = []
    for months, kinds in sorted(groups.items(), key=lambda kv: (kv[0] is not None, kv[0] or 0)):
        cond = f"r.kind IN ({_quote(tuple(kinds))})"
        if months is not None:
            cond = f"({cond} AND {RECORD_DATE} > {lit(add_months(as_of, -months))})"
        terms.append(cond)
    kinds_cond = "(" + " OR ".join(terms) + ")" if terms else "FALSE"
    ids = ["SELECT subject_id FROM pop"]
    ids += [f"SELECT party_id FROM pairs_{key}" for key in _relations(scheme)]
    return f"{kinds_cond}\n    AND r.subject_id IN ({' UNION '.join(ids)})"


def _relations(scheme: Scheme) -> tuple[str, ...]:
    """The link keys the scheme's indicators read, in order of first use."""
    keys = (i.source.relation for i in scheme.indicators if isinstance(i.source, Related))
    return tuple(dict.fromkeys(keys))


def pairs_ctes(d: Dialect, scheme: Scheme, as_of: dt.date) -> list[str]:
    """CTEs ``pairs_<link>`` (``subject_id``, ``party_id``) of every link the scheme
    reads (:meth:`features.links.Link.pairs_sql`); they follow ``pop`` and precede
    the records (:func:`scope_sql` reads them)."""
    return [
        f"pairs_{key} AS (\n  {link(key).pairs_sql(d.name, as_of)}\n)" for key in _relations(scheme)
    ]


def scheme_sql(
    scheme: Scheme,
    as_of: dt.date,
    dialect: Dialect = DUCKDB,
    cfg: BuildConfig | None = None,
    member_sql: str | None = None,
    keep: tuple[str, ...] = (),
    subset: Subset | None = None,
    with_rules: bool = False,
    extra_where: str | None = None,
    part: Part | None = None,
) -> str:
    """The query that returns one row per subject of ``scheme`` at ``as_of``.

    Parameters
    ----------
    member_sql
        For aggregate schemes: the query of the member scheme (with ``keep``
        columns such as ``village_code``), used as CTE ``m``.
    keep
        Extra subject columns to carry into the output.
    subset
        Build only these subjects (or the members of these groups); the
        indicators are the same as in a full build.
    with_rules
        Add the scheme's points rules and flags (:mod:`features.rules`) as
        columns after the indicators, from the same records that count
        (:func:`rules_sql`); what a rating reads, not what a model learns from.
    extra_where
        One more condition on the population's subjects (``subject_id``), such as the
        training sample of :mod:`features.sample`: a subject's row does not depend on
        who else is in the population, so each row kept is the full build's.
    part
        Build only the subjects of this part (:class:`Part`); for an aggregate
        scheme pass the members' part in ``member_sql``.
    """
    cfg = cfg or BuildConfig()
    attrs = tuple(i.source.column for i in scheme.indicators if isinstance(i.source, Attribute))
    policy = RulesSql(dialect, scheme, as_of) if with_rules else None
    ctes = [
        population_sql(
            dialect,
            scheme,
            as_of,
            attrs + keep + _pop_extra(policy),
            subset,
            extra_where,
            part,
        )
    ]
    joins: list[str] = []
    exprs: dict[str, str] = {}

    own = [i for i in scheme.indicators if isinstance(i.source, Records)]
    related: dict[str, list[Indicator]] = {}
    for ind in scheme.indicators:
        if isinstance(ind.source, Related):
            related.setdefault(ind.source.relation, []).append(ind)
    ctes += pairs_ctes(dialect, scheme, as_of)
    if policy is not None:  # links only the flags read (a person's organisations)
        ctes += policy.pairs_ctes(_relations(scheme))
    scope = scope_sql(scheme, as_of)
    if policy is not None and policy.scope():
        scope = f"(({scope})\n    OR ({policy.scope()}))"
    if own or related or (policy is not None and policy.scope()):
        ctes.append(effective_records_sql(dialect, as_of, cfg.windows, scope))
    anchors = anchor_names(scheme)
    if own:
        ctes += [anchor_sql(m, as_of, name) for m, name in anchors.items()]
        aggs = [records_aggregate(dialect, i.name, i.source, as_of, cfg, anchors) for i in own]  # type: ignore[arg-type]
        subjects = "pop"
        if anchors:
            # each subject's anchor dates joined to the subjects once (a small join), then
            # to the records; joined to every record, DuckDB built its hash table on the
            # records' side (3.8 s of a city household part's 15 s)
            dates = ", ".join(f"{name}.since_date AS {name}" for name in anchors.values())
            joined = "".join(
                f" LEFT JOIN {name} ON {name}.subject_id = pop.subject_id"
                for name in anchors.values()
            )
            ctes.append(
                f"pop_since AS {dialect.materialized()}(\n"
                f"  SELECT pop.subject_id, {dates} FROM pop{joined}\n)"
            )
            subjects = "pop_since"
        where = grouped_ctes(
            "own", "e.subject_id", f"eff e JOIN {subjects} p ON e.subject_id = p.subject_id", aggs
        )
        ctes += where.ctes
        joins += [f"LEFT JOIN {c} ON {c}.{where.on} = p.{where.on}" for c in where.names]
        for i in own:
            exprs[i.name] = _zero(where.column[i.name], i.source.agg)  # type: ignore[union-attr]
    for relation, inds in related.items():
        aggs = [_related_agg(dialect, i, as_of, cfg) for i in inds]
        shared = shared_column(scheme, relation)
        if shared is None:
            # the parties' records that count, read as the subject's (p) through the pairs
            where = grouped_ctes(
                f"rel_{relation}",
                "p.subject_id",
                f"pairs_{relation} p JOIN eff e ON e.subject_id = p.party_id",
                aggs,
            )
        else:
            # every subject sharing the value has the same parties: aggregated once per
            # value (city agri_business: 15,000 firms x ~450 village households in pairs)
            types = ", ".join(f"'{t}'" for t in link(relation).party_types())
            where = grouped_ctes(
                f"rel_{relation}",
                f"f.{shared}",
                f"latest f JOIN eff e ON e.subject_id = f.subject_id "
                f"AND f.subject_type IN ({types}) AND f.{shared} IN (SELECT {shared} FROM pop)",
                aggs,
            )
        ctes += where.ctes
        joins += [f"LEFT JOIN {c} ON {c}.{where.on} = p.{where.on}" for c in where.names]
        for i in inds:
            exprs[i.name] = _zero(where.column[i.name], i.source.inner.agg)  # type: ignore[union-attr]
    members = [i for i in scheme.indicators if isinstance(i.source, Members)]
    if members:
        if member_sql is None or scheme.members is None:
            raise ValueError(f"scheme {scheme.key} aggregates members: pass member_sql")
        group = scheme.members[1]
        aggs = ",\n    ".join(f"{_member_agg(i.source)} AS {i.name}" for i in members)  # type: ignore[arg-type]
        ctes.append(f"m AS (\n{member_sql}\n)")
        ctes.append(
            f"mem AS (\n  SELECT p.subject_id,\n    {aggs}\n  FROM pop p LEFT JOIN m "
            f"ON m.{group} = p.subject_id GROUP BY p.subject_id\n)"
        )
        joins.append("LEFT JOIN mem ON mem.subject_id = p.subject_id")
        for i in members:
            exprs[i.name] = f"mem.{i.name}"
    declared = declared_attributes(scheme)
    if declared:
        ctes.append(attributes_sql(declared, as_of))
        joins.append("LEFT JOIN attrs ON attrs.subject_id = p.subject_id")
    for ind in scheme.indicators:
        src = ind.source
        if isinstance(src, Attribute):
            exprs[ind.name] = _attribute_sql(dialect, src, as_of)
        elif isinstance(src, DeclaredAttribute):
            exprs[ind.name] = _declared_sql(src)
        elif isinstance(src, Derived):
            exprs[ind.name] = _derived_sql(src.op, exprs[src.left], exprs[src.right])
    cols = ",\n  ".join(
        [f"p.{c}" for c in dict.fromkeys(keep)]
        + [
            f"CAST({exprs[i.name]} AS {'STRING' if i.categorical else 'DOUBLE'}) AS {i.name}"
            for i in scheme.indicators
        ]
        + (policy.columns(ctes, joins) if policy is not None else [])
    )
    body = ",\n".join(ctes)
    return (
        f"WITH {body}\nSELECT p.subject_id, {lit(as_of)} AS as_of,\n  {cols}\n"
        f"FROM pop p\n" + "\n".join(joins)
    )


def _zero(expr: str, agg: str) -> str:
    return f"coalesce({expr}, 0)" if agg in ZERO_WHEN_NONE else expr


def _related_agg(d: Dialect, ind: Indicator, as_of: dt.date, cfg: BuildConfig) -> Aggregate:
    src: Related = ind.source  # type: ignore[assignment]
    if link(src.relation).counts == "parties":  # parties with a matching record
        cond = record_cond_sql(d, src.inner, as_of)
        return Aggregate(
            ind.name, d.count_distinct(f"CASE WHEN {cond} THEN e.subject_id END"), cond
        )
    return records_aggregate(d, ind.name, src.inner, as_of, cfg)


def records_aggregate(
    d: Dialect,
    name: str,
    rec: Records,
    as_of: dt.date,
    cfg: BuildConfig,
    anchors: dict[Match, str] | None = None,
) -> Aggregate:
    """Column ``name``: :func:`record_agg_sql` of ``rec`` over the ``eff`` rows ``e``, with
    its condition when it counts distinct values (:func:`grouped_ctes`)."""
    sql = record_agg_sql(d, rec, as_of, cfg, anchors=anchors)
    if rec.agg not in DISTINCT_AGGS:
        return Aggregate(name, sql)
    return Aggregate(name, sql, record_cond_sql(d, rec, as_of, anchors=anchors))


#: the aggregations that count distinct values (see :func:`grouped_ctes`)
DISTINCT_AGGS = frozenset(
    {"distinct_values", "distinct_kinds", "distinct_months", "distinct_years"}
)


@dataclass(frozen=True)
class Aggregate:
    """One aggregated column of a grouped CTE.

    Attributes
    ----------
    name
        The column.
    sql
        Its aggregate SQL.
    distinct_of
        For a count of distinct values: the condition a row meets to be counted (the
        count is 0 for a group without such a row, as ``count(DISTINCT …)``); else None.
    """

    name: str
    sql: str
    distinct_of: str | None = None


@dataclass(frozen=True)
class Grouped:
    """The CTEs :func:`grouped_ctes` writes: their SQL, their names, the ``<cte>.<column>``
    each column is read as, and the column they join the subject's row on (the key's)."""

    ctes: list[str]
    names: list[str]
    column: dict[str, str]
    on: str


def shared_column(scheme: Scheme, relation: str) -> str | None:
    """The column whose value a subject of ``scheme`` shares with all its parties through
    ``relation``, when the subject itself can never be one of them (its type is not a
    party type): its parties are then every party-type subject with its value, the same
    for every subject with that value. None for any other link."""
    lk = link(relation)
    types = lk.party_types()
    if not isinstance(lk.via, SameColumn) or not types:
        return None
    return None if scheme.population.subject_type in types else lk.via.col


def grouped_ctes(name: str, key: str, source: str, aggs: Sequence[Aggregate]) -> Grouped:
    """CTE ``name``: ``aggs`` of the rows of ``source`` grouped by ``key`` (the subject's
    ``e.subject_id`` or ``p.subject_id``, or a column it shares with its parties, ``f.<col>``:
    the CTEs join the subject's row on that column, :attr:`Grouped.on`), the counts of
    distinct values in a second CTE ``<name>_d`` over only the rows one of them counts.

    DuckDB plans a ``count(DISTINCT …)`` beside other aggregates by materialising every
    input row of the group (all the columns of every aggregate) and aggregating the copy
    once per distinct count: 2.8 of the 13.7 CPU seconds of the city enterprise build, over
    5.6 M rows of which 0.13 M are ever counted. Apart and filtered, the same counts take
    0.3 s. A group without a counted row has no ``_d`` row: its count reads NULL, which
    :data:`~features.dsl.ZERO_WHEN_NONE` turns into 0 as for a subject without records.
    """
    plain = [a for a in aggs if a.distinct_of is None]
    distinct = [a for a in aggs if a.distinct_of is not None]
    out = Grouped([], [], {}, key.rsplit(".", 1)[-1])
    for cte, part, where in (
        (name, plain, ""),
        (f"{name}_d", distinct, " OR ".join(f"({a.distinct_of})" for a in distinct)),
    ):
        if not part:
            continue
        cols = ",\n    ".join(f"{a.sql} AS {a.name}" for a in part)
        filtered = f" WHERE {where}" if where else ""
        out.ctes.append(
            f"{cte} AS (\n  SELECT {key},\n    {cols}\n  FROM {source}{filtered} GROUP BY {key}\n)"
        )
        out.names.append(cte)
        out.column.update({a.name: f"{cte}.{a.name}" for a in part})
    return out


# --- published points rules and flags (features/rules.py) ------------------------------


def rule_item_sql(rule: PointsRule, alias: str = "e") -> str:
    """The index of the first item of ``rule`` a record matches (NULL: none)."""
    whens = " ".join(
        f"WHEN {match_sql(item.match, alias)} THEN {i}" for i, item in enumerate(rule.items)
    )
    return f"CASE {whens} END"


def _cycle(rule: PointsRule, as_of: dt.date, alias: str) -> str:
    lo = lit(add_months(as_of, -rule.cycle_months))
    return f"{alias}.rdate > {lo} AND {alias}.rdate <= {lit(as_of)}"


def flag_blocked_sql(flag: Flag, as_of: dt.date, alias: str = "e") -> str:
    """Boolean SQL: an effective record ``alias`` that denies ``flag`` at ``as_of``."""
    lo = lit(add_months(as_of, -12 * flag.years))
    listed = f"{alias}.kind IN ({_quote(flag.listing_kinds)})" if flag.listing_kinds else "FALSE"
    dated = f"{alias}.rdate > {lo} AND {alias}.rdate <= {lit(as_of)}"
    return f"({match_sql(flag.no_records, alias)} AND (({dated}) OR {listed}))"


def flag_scope_sql(flag: Flag, as_of: dt.date) -> str:
    """Records (``r``) :func:`flag_blocked_sql` can read: the scope of an ``eff`` CTE."""
    lo = lit(add_months(as_of, -12 * flag.years))
    listed = f" OR r.kind IN ({_quote(flag.listing_kinds)})" if flag.listing_kinds else ""
    return f"({match_sql(flag.no_records, 'r')} AND ({RECORD_DATE} > {lo}{listed}))"


def flag_party_blocked_sql(flag: Flag, as_of: dt.date, alias: str = "e") -> str:
    """Boolean SQL: a related party's effective record ``alias`` that denies ``flag``
    (``related_records``, dated in the period or a listing of ``listing_kinds``)."""
    if flag.related_records is None:
        return "FALSE"
    lo = lit(add_months(as_of, -12 * flag.years))
    listed = f"{alias}.kind IN ({_quote(flag.listing_kinds)})" if flag.listing_kinds else "FALSE"
    dated = f"{alias}.rdate > {lo} AND {alias}.rdate <= {lit(as_of)}"
    return f"({match_sql(flag.related_records, alias)} AND (({dated}) OR {listed}))"


def flag_party_scope_sql(flag: Flag, as_of: dt.date) -> str:
    """Records (``r``) of the flag's related parties :func:`flag_party_blocked_sql` can
    read (``FALSE`` when the flag reads no party): an ``eff`` CTE's scope."""
    if not flag.related:
        return "FALSE"
    lo = lit(add_months(as_of, -12 * flag.years))
    listed = f" OR r.kind IN ({_quote(flag.listing_kinds)})" if flag.listing_kinds else ""
    parties = " UNION ".join(f"SELECT party_id FROM pairs_{key}" for key in flag.related)
    return (
        f"({match_sql(flag.related_records, 'r')} AND ({RECORD_DATE} > {lo}{listed}) "  # type: ignore[arg-type]
        f"AND r.subject_id IN ({parties}))"
    )


def flag_blocked_cte(flag: Flag, as_of: dt.date, subjects: str) -> str:
    """The body of a CTE ``(subject_id, blocked)``: 1 when a record of the subject (of
    ``subjects``, a query of ``subject_id``) or of one of its related parties (the
    ``pairs_<link>`` CTEs of ``flag.related``) denies ``flag`` at ``as_of``."""
    own = (
        f"SELECT e.subject_id, CASE WHEN {flag_blocked_sql(flag, as_of)} THEN 1 ELSE 0 END AS b\n"
        f"    FROM eff e WHERE e.subject_id IN ({subjects})"
    )
    parties = [
        f"SELECT pr.subject_id, CASE WHEN {flag_party_blocked_sql(flag, as_of)} THEN 1 ELSE 0 "
        f"END AS b\n    FROM pairs_{key} pr JOIN eff e ON e.subject_id = pr.party_id"
        for key in flag.related
    ]
    union = "\n    UNION ALL ".join([own, *parties])
    return (
        f"SELECT x.subject_id, max(x.b) AS blocked FROM (\n    {union}\n  ) x GROUP BY x.subject_id"
    )


def flag_established_sql(flag: Flag, as_of: dt.date, alias: str = "p") -> str:
    """Boolean SQL: the subject existed for the flag's whole period (or it does not ask)."""
    if not flag.require_full_period:
        return "TRUE"
    lo = lit(add_months(as_of, -12 * flag.years))
    return f"({alias}.established_on IS NULL OR {alias}.established_on <= {lo})"


def _points_sql(rule: PointsRule, counts: list[str]) -> str:
    """The cycle's total from the item counts (caps applied), as a DOUBLE."""
    terms = [_double(rule.start)]
    for item, n in zip(rule.items, counts, strict=True):
        moved = f"coalesce({n}, 0) * {_double(item.points)}"
        if item.cap is not None:
            bound = _double(item.cap if item.points > 0 else -item.cap)
            moved = f"{'least' if item.points > 0 else 'greatest'}({moved}, {bound})"
        terms.append(moved)
    return " + ".join(terms)


def _detail_piece(alias: str) -> str:
    sep = "chr(31)"
    return (
        f"concat({alias}.record_id, {sep}, CAST({alias}.rdate AS STRING), {sep}, "
        f"CAST({alias}.item AS STRING))"
    )


class RulesSql:
    """The SQL of a scheme's points rules and flags inside its feature query.

    Every rule and flag reads the ``eff`` CTE of the indicators (one computation
    of the records that count); :meth:`scope` widens that CTE's scope to their
    records, :meth:`columns` adds their CTEs and output columns
    (``rule__<key>__points``, ``__events``, ``__detail``, ``flag__<key>``).
    """

    def __init__(self, dialect: Dialect, scheme: Scheme, as_of: dt.date) -> None:
        self.dialect, self.as_of = dialect, as_of
        self.rules: tuple[PointsRule, ...] = tuple(scheme.rules)
        self.flags: tuple[Flag, ...] = flags_of(scheme)

    def scope(self) -> str:
        """Records the rules and flags read (of the population's subjects), or ``""``."""
        terms = []
        for rule in self.rules:
            lo = lit(add_months(self.as_of, -rule.cycle_months))
            terms.append(f"(r.kind IN ({_quote(rule.kinds)}) AND {RECORD_DATE} > {lo})")
        terms += [flag_scope_sql(f, self.as_of) for f in self.flags]
        if not terms:
            return ""
        own = f"({' OR '.join(terms)}) AND r.subject_id IN (SELECT subject_id FROM pop)"
        parties = [flag_party_scope_sql(f, self.as_of) for f in self.flags if f.related]
        return "(" + " OR ".join([f"({own})", *(f"({p})" for p in parties)]) + ")"

    def pairs_ctes(self, have: Sequence[str]) -> list[str]:
        """``pairs_<link>`` CTEs of the links the flags read that ``have`` lacks."""
        keys = dict.fromkeys(k for f in self.flags for k in f.related if k not in have)
        return [
            f"pairs_{key} AS (\n  {link(key).pairs_sql(self.dialect.name, self.as_of)}\n)"
            for key in keys
        ]

    def pop_columns(self) -> tuple[str, ...]:
        """Subject columns the flags read."""
        full = ("established_on",) if any(f.require_full_period for f in self.flags) else ()
        links = tuple(c for f in self.flags for k in f.related for c in link(k).pop_columns())
        return (*full, *links)

    def columns(self, ctes: list[str], joins: list[str]) -> list[str]:
        """Append the rule and flag CTEs and joins; return the output columns."""
        out: list[str] = []
        for rule in self.rules:
            cte = f"rule_{rule.key}"
            counts = [
                f"sum(CASE WHEN x.item = {i} THEN 1 ELSE 0 END)" for i in range(len(rule.items))
            ]
            names = [f"n{i}" for i in range(len(rule.items))]
            detail = self.dialect.ordered_join(
                _detail_piece("x"), "chr(30)", ("x.rdate", "x.record_id")
            )
            aggs = ",\n    ".join(f"{c} AS {n}" for c, n in zip(counts, names, strict=True))
            ctes.append(
                f"{cte} AS (\n  SELECT x.subject_id,\n    {aggs},\n    count(*) AS events,\n"
                f"    {detail} AS detail\n  FROM (\n"
                f"    SELECT e.subject_id, e.record_id, e.rdate, {rule_item_sql(rule)} AS item\n"
                f"    FROM eff e JOIN pop p ON e.subject_id = p.subject_id\n"
                f"    WHERE {_cycle(rule, self.as_of, 'e')}\n  ) x\n"
                "  WHERE x.item IS NOT NULL GROUP BY x.subject_id\n)"
            )
            joins.append(f"LEFT JOIN {cte} ON {cte}.subject_id = p.subject_id")
            points = _points_sql(rule, [f"{cte}.{n}" for n in names])
            out += [
                f"CAST({points} AS DOUBLE) AS {rule.points_column}",
                f"CAST(coalesce({cte}.events, 0) AS DOUBLE) AS {rule.events_column}",
                f"CAST({cte}.detail AS STRING) AS {rule.detail_column}",
            ]
        for flag in self.flags:
            cte = f"flag_{flag.key}"
            body = flag_blocked_cte(flag, self.as_of, "SELECT subject_id FROM pop")
            ctes.append(f"{cte} AS (\n  {body}\n)")
            joins.append(f"LEFT JOIN {cte} ON {cte}.subject_id = p.subject_id")
            ok = f"coalesce({cte}.blocked, 0) = 0 AND {flag_established_sql(flag, self.as_of)}"
            out.append(f"CAST(CASE WHEN {ok} THEN TRUE ELSE FALSE END AS BOOLEAN) AS {flag.column}")
        return out


def _pop_extra(policy: RulesSql | None) -> tuple[str, ...]:
    return () if policy is None else policy.pop_columns()


def rule_records_sql(
    scheme: Scheme,
    rule: PointsRule,
    as_of: dt.date,
    dialect: Dialect = DUCKDB,
    cfg: BuildConfig | None = None,
    subset: Subset | None = None,
) -> str:
    """Which records scored ``rule`` for the subjects of ``scheme`` at ``as_of``.

    One row per scoring record: ``subject_id``, ``record_id``, ``rdate``, ``item``
    (the index of the item it scored), ordered by subject, date and record id —
    the rows behind the ``rule__<key>__detail`` column, from the same effective
    records and item match.
    """
    cfg = cfg or BuildConfig()
    lo = lit(add_months(as_of, -rule.cycle_months))
    scope = (
        f"r.kind IN ({_quote(rule.kinds)}) AND {RECORD_DATE} > {lo} "
        "AND r.subject_id IN (SELECT subject_id FROM pop)"
    )
    ctes = [
        population_sql(dialect, scheme, as_of, (), subset),
        effective_records_sql(dialect, as_of, cfg.windows, scope),
    ]
    body = ",\n".join(ctes)
    return (
        f"WITH {body}\nSELECT * FROM (\n"
        f"  SELECT e.subject_id, e.record_id, e.rdate, {rule_item_sql(rule)} AS item\n"
        f"  FROM eff e JOIN pop p ON e.subject_id = p.subject_id\n"
        f"  WHERE {_cycle(rule, as_of, 'e')}\n) x\n"
        "WHERE x.item IS NOT NULL ORDER BY x.subject_id, x.rdate, x.record_id"
    )


def label_sql(scheme: Scheme, as_of: dt.date) -> str:
    """Subjects with a target event dated in (as_of, as_of + horizon]; revoked and
    upheld-objection records are not events."""
    if scheme.target is None:
        raise ValueError(f"scheme {scheme.key} has no target")
    lo, hi = as_of, add_months(as_of, scheme.target.horizon)
    cond = " OR ".join(match_sql(m) for m in scheme.target.match)
    return f"""SELECT DISTINCT r.subject_id FROM records r
WHERE ({cond})
  AND {RECORD_DATE} > {lit(lo)} AND {RECORD_DATE} <= {lit(hi)}
  AND r.revoked_on IS NULL
  AND r.record_id NOT IN (SELECT record_id FROM objections WHERE status = 'upheld')"""
