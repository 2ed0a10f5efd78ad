"""Indicators of a few subjects, evaluated in process from a slice of the store.

The compiled SQL (:mod:`features.compile`) defines every indicator and builds
whole populations on DuckDB and Spark. For one subject its cost is the query
plan, not the data: the enterprise query is 24 KB of SQL that DuckDB takes
30–40 ms to bind, optimise and run over the few hundred rows of a subject's
slice. This module evaluates the same declarations over the same rows with
numpy, rule for rule — over the records that count at the date
(:mod:`features.effective`), NULLs as SQL treats them — in a few
milliseconds. It is what one-subject ratings use
(:func:`features.build.build_features` with a few ``subjects``); tests build
every scheme both ways, on the generated test city and on the hand-made
point-in-time cases, and require the same frame.

Aggregate schemes (villages, townships) are not evaluated here: they read
hundreds of households and stay with the SQL.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from features.common_flags import flags_of
from features.compile import (
    AMOUNT_UNITS,
    GROWTH_SCALE,
    LOG_UNITS,
    SUM_DECIMALS,
    VALUE_UNITS,
    BuildConfig,
    add_months,
    anchor_names,
)
from features.declare import AttributeDecl
from features.dsl import (
    ZERO_WHEN_NONE,
    Attribute,
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
from features.effective import (
    Columns,
    Effective,
    dates_of,
    day64,
    effective_records,
    latest_subjects,
    objects_of,
)
from features.link_lookup import link
from features.links import party_lists
from features.rules import Flag, PointsRule, encode_detail
from features.subjects import is_open


def supports(scheme: Scheme) -> bool:
    """True when :func:`evaluate` can build ``scheme`` (it has no member aggregates)."""
    return not any(isinstance(i.source, Members) for i in scheme.indicators)


# --- record aggregates ------------------------------------------------------------


def _in(values: np.ndarray, wanted: tuple[str, ...]) -> np.ndarray:
    out = np.zeros(len(values), dtype=bool)
    for w in wanted:
        out |= values == w
    return out


def _one_of(c: Mapping[str, np.ndarray], column: str, wanted: tuple[str, ...]) -> np.ndarray:
    """Rows whose ``column`` is one of ``wanted``: by the columns' codes when they keep
    them (:class:`features.effective.Columns`), else string by string."""
    if isinstance(c, Columns):
        return c.one_of(column, wanted)
    return _in(c[column], wanted)


def _match_mask(m: Match, c: Mapping[str, np.ndarray]) -> np.ndarray:
    """Rows matching ``m``: :func:`features.dsl.match_sql` (NaN/None never match; a
    Match naming no kind reads any kind)."""
    mask = _one_of(c, "kind", m.kinds) if m.kinds else np.ones(len(c["kind"]), dtype=bool)
    if m.severities:
        mask &= _one_of(c, "severity", m.severities)
    if m.values:
        mask &= _one_of(c, "value_text", m.values)
    if m.min_value is not None:
        mask &= c["value_num"] >= m.min_value
    if m.max_value is not None:
        mask &= c["value_num"] <= m.max_value
    if m.min_amount is not None:
        mask &= c["amount"] >= m.min_amount
    if m.max_amount is not None:
        mask &= c["amount"] <= m.max_amount
    if m.polarity:
        mask &= c["polarity"] == m.polarity
    return mask


def _in_force(c: Mapping[str, np.ndarray], t: np.datetime64) -> np.ndarray:
    return np.isnat(c["valid_until"]) | (c["valid_until"] > t)


def _since_mask(since: Match, eff: Effective) -> np.ndarray:
    """Rows dated on or after the start of their subject's oldest ``since`` record in
    force at T (:func:`features.compile.anchor_sql`); none for a subject without one."""
    c = eff.columns
    anchor = _match_mask(since, c) & _in_force(c, day64(eff.as_of)) & ~np.isnat(c["rdate"])
    first = np.full(len(eff), np.datetime64("NaT"), dtype="datetime64[D]")
    for rows in eff.rows.values():
        mine = rows[anchor[rows]]
        if len(mine):
            first[rows] = c["rdate"][mine].min()
    return ~np.isnat(first) & (c["rdate"] >= first)


def _open_mask(limit: float, eff: Effective) -> np.ndarray:
    """Reports still open at T (:attr:`features.dsl.Records.open_below`)."""
    c = eff.columns
    value = c["value_num"]
    known = ~np.isnat(c["rdate"])
    age = np.where(
        known, (day64(eff.as_of) - c["rdate"]).astype("timedelta64[D]").astype("int64"), 0
    )
    return (value >= limit) | (known & (value + age < limit))


def _records_mask(rec: Records, eff: Effective) -> np.ndarray:
    """Rows a :class:`Records` source reads: its match and its window, or in force;
    then still open and since its anchor, when it asks for them."""
    c = eff.columns
    mask = _match_mask(rec.match, c)
    if rec.window is None:
        mask &= _in_force(c, day64(eff.as_of))
    else:
        hi = day64(add_months(eff.as_of, -rec.offset))
        lo = day64(add_months(eff.as_of, -(rec.offset + rec.window)))
        mask &= (c["rdate"] > lo) & (c["rdate"] <= hi)
    if rec.open_below is not None:
        mask &= _open_mask(rec.open_below, eff)
    if rec.since is not None:
        mask &= _since_mask(rec.since, eff)
    return mask


def _aggregate(
    rec: Records, rows: np.ndarray, mask: np.ndarray, eff: Effective, weights: np.ndarray
) -> float | str | None:
    """The aggregate of the rows ``rows`` (one subject's) where ``mask`` holds."""
    c = eff.columns
    sel = rows[mask[rows]]
    agg = rec.agg
    if agg == "count":
        return float(len(sel)) if len(rows) else None
    if agg == "weighted":
        return float(weights[sel].sum()) if len(rows) else None
    if agg in ("sum_amount", "sum_value", "max_value", "avg_value", "cv_amount", "cv_value"):
        col = c["amount"] if agg in ("sum_amount", "cv_amount") else c["value_num"]
        vals = col[sel]
        vals = vals[~np.isnan(vals)]
        if not len(vals):
            return None
        if agg.startswith("sum"):  # rounded as the SQL engines round it
            return round(float(vals.sum()), SUM_DECIMALS[0 if agg == "sum_amount" else 1])
        if agg == "max_value":
            return float(vals.max())
        # in exact whole units, as the SQL engines sum them (features.compile.AMOUNT_UNITS)
        units = AMOUNT_UNITS if agg == "cv_amount" else VALUE_UNITS
        whole = [int(w) for w in np.floor(vals * float(units) + 0.5)]
        n, a = len(whole), sum(whole)
        if agg == "avg_value":
            return float(a) / float(n * units)
        if a == 0:
            return None
        return math.sqrt(float(n * sum(w * w for w in whole) - a * a)) / float(a)
    if agg in ("latest_value", "latest_text"):
        col = c["value_num"] if agg == "latest_value" else c["value_text"]
        best, key = None, None
        for i in sel:
            value = col[i]
            if value is None or (agg == "latest_value" and math.isnan(value)):
                continue
            k = (c["rdate"][i], c["record_id"][i])
            if key is None or k > key:
                best, key = value, k
        return None if best is None else (float(best) if agg == "latest_value" else str(best))
    if agg == "days_since":
        if not len(sel):
            return None
        latest = c["rdate"][sel].max()
        return float((day64(eff.as_of) - latest).astype(int))
    if agg == "distinct_values":
        return float(len({v for v in c["value_text"][sel] if v is not None}))
    if agg == "distinct_kinds":
        return float(len(set(c["kind"][sel])))
    if agg in ("distinct_months", "distinct_years"):
        days = c["rdate"][sel]
        unit = "datetime64[M]" if agg == "distinct_months" else "datetime64[Y]"
        days = days[~np.isnat(days)].astype(unit)
        return float(len(set(days.tolist())))
    if agg in ("growth_amount", "growth_value"):
        column = c["amount"] if agg == "growth_amount" else c["value_num"]
        return _growth(column, c["rdate"], sel, eff.as_of)
    raise ValueError(f"unknown aggregation {agg!r}")


def _growth(col: np.ndarray, rdate: np.ndarray, sel: np.ndarray, as_of: dt.date) -> float | None:
    """Least-squares slope of ln(value) on the date in years, from exact sums of the
    logarithm in whole :data:`~features.compile.LOG_UNITS` and of the days from ``as_of``,
    as the SQL engines compute it: a non-positive or missing value is left out; null without
    two distinct dates."""
    vals, days = col[sel], rdate[sel]
    keep = ~np.isnan(vals) & (vals > 0) & ~np.isnat(days)
    if keep.sum() < 2:
        return None
    y = [int(v) for v in np.floor(np.log(vals[keep]) * LOG_UNITS)]
    x = (days[keep] - day64(as_of)).astype("timedelta64[D]").astype("int64").tolist()
    n, sx, sy = len(x), sum(x), sum(y)
    var = n * sum(v * v for v in x) - sx * sx
    if var <= 0:
        return None
    cov = n * sum(a * b for a, b in zip(x, y, strict=True)) - sx * sy
    return float(cov) / float(var) * GROWTH_SCALE


# --- subjects -----------------------------------------------------------------------


def _in_population(row: dict, scheme: Scheme, as_of: dt.date, holders: set[str] | None) -> bool:
    pop = scheme.population
    return (
        row["subject_type"] == pop.subject_type
        and (row["established_on"] is None or row["established_on"] <= as_of)
        and is_open(row, as_of)
        and (not pop.scales or row["scale"] in pop.scales)
        and pop.in_industries(row.get("industry"))
        and (holders is None or row["subject_id"] in holders)
    )


def _holders(records: pa.Table, kind: str, as_of: dt.date) -> set[str]:
    """Subjects with a record of ``kind`` published by T and not revoked by T."""
    t = day64(as_of)
    revoked = dates_of(records["revoked_on"])
    ok = (
        (objects_of(records["kind"]) == kind)
        & (dates_of(records["published_on"]) <= t)
        & (np.isnat(revoked) | (revoked > t))
    )
    return set(objects_of(records["subject_id"])[ok])


def _attribute(a: Attribute, row: dict, as_of: dt.date) -> float | str | None:
    value = row[a.column]
    if value is None:
        return None
    if a.categorical:
        return str(value)
    if a.transform == "years_since":
        return (as_of - value).days / 365.25
    if a.transform == "log1p":
        return math.log(1 + value) if 1 + value > 0 else None
    return float(value)


def declared_values(
    rows: pa.Table, attrs: tuple[AttributeDecl, ...], as_of: dt.date
) -> dict[tuple[str, str], float | str | None]:
    """``(subject_id, name)`` → the declared attribute's value in force at ``as_of``.

    :func:`features.compile.attributes_sql` row for row: of the rows stored by
    the date (``version_from`` on or before it), the latest by ``version_from``,
    then ``ingest_id``, then the values (NULL last); ``value_text`` of a string
    attribute, ``value_num`` of a number.
    """
    dtypes = {a.name: a.dtype for a in attrs}
    stored = rows["version_from"].to_numpy(zero_copy_only=False).astype("datetime64[D]")
    best: dict[tuple[str, str], tuple] = {}
    values: dict[tuple[str, str], float | str | None] = {}
    for i, row in enumerate(rows.to_pylist()):
        name = row["name"]
        if name not in dtypes or stored[i] > day64(as_of):
            continue
        text, num, ingest = row["value_text"], row["value_num"], row["ingest_id"]
        has_num = num is not None and not math.isnan(num)
        key = (
            row["version_from"],
            (ingest is not None, ingest),
            (text is not None, text),
            (has_num, num if has_num else 0.0),
        )
        at = (row["subject_id"], name)
        if at not in best or key > best[at]:
            best[at] = key
            if dtypes[name] == "string":
                values[at] = text
            else:
                values[at] = float(num) if has_num else None
    return values


def _declared(
    src: DeclaredAttribute, sid: str, values: Mapping[tuple[str, str], float | str | None]
) -> float | str | None:
    value = values.get((sid, src.name))
    if value is None or src.categorical:
        return value
    if src.transform == "log1p":
        return math.log(1 + value) if 1 + value > 0 else None  # type: ignore[operator]
    return float(value)


def _derived(op: str, left: float | None, right: float | None) -> float | None:
    if left is None or right is None:
        return None
    if op == "diff":
        return left - right
    if op == "log_ratio":
        if 1 + right == 0:
            return None
        q = (1 + left) / (1 + right)
        return math.log(q) if q > 0 else None
    if op == "share":
        return None if left + right == 0 else left / (left + right)
    if right == 0:
        return None
    return left / right if op == "ratio" else (left - right) / right


# --- the frame ------------------------------------------------------------------------


def evaluate(
    scheme: Scheme,
    tables: Mapping[str, pa.Table],
    as_of: dt.date,
    subjects: Iterable[str],
    cfg: BuildConfig | None = None,
    eff: Effective | None = None,
    with_rules: bool = False,
) -> pd.DataFrame:
    """``scheme``'s indicators for ``subjects`` at ``as_of``, from a slice's tables.

    Parameters
    ----------
    scheme
        A scheme without member aggregates (:func:`supports`).
    tables
        ``subjects``, ``records``, ``objections`` and ``repairs`` holding at least
        the subjects' and their related parties' rows (and ``subject_attributes``
        when the scheme reads a declared attribute)
        (:func:`features.store.sliced.fetch_slice`).
    as_of
        The date T.
    subjects
        The subjects to build; those outside the population at T are left out.
    cfg
        Publication windows and severity weights.
    eff
        :func:`effective_records` of ``tables`` at ``as_of`` with ``cfg``'s
        windows, when the caller has it already.
    with_rules
        Add the points rules' and flags' columns (:func:`rule_values`), as
        :func:`features.compile.scheme_sql` does.

    Returns
    -------
    pandas.DataFrame
        What :func:`features.build.build_features` returns for these subjects.
    """
    if not supports(scheme):
        raise ValueError(f"scheme {scheme.key} aggregates members: build it with SQL")
    cfg = cfg or BuildConfig()
    anchor_names(scheme)  # refuses what the SQL refuses (`since` on a related party)
    eff = eff if eff is not None else effective_records(tables, as_of, cfg.windows)
    latest = latest_subjects(tables["subjects"])
    holders = (
        None
        if scheme.population.requires_kind is None
        else _holders(tables["records"], scheme.population.requires_kind, as_of)
    )
    wanted = sorted({str(s) for s in subjects})
    pop = [
        latest[s]
        for s in wanted
        if s in latest and _in_population(latest[s], scheme, as_of, holders)
    ]
    weights_of = dict(cfg.severity_weights)
    weights = np.asarray([weights_of.get(s, 1.0) for s in eff.columns["severity"]], dtype="float64")
    relations = dict.fromkeys(
        i.source.relation for i in scheme.indicators if isinstance(i.source, Related)
    )
    parties = {key: party_lists(link(key), pop, latest, tables, as_of) for key in relations}
    attrs = declared_attributes(scheme)
    if attrs and "subject_attributes" not in tables:
        raise ValueError(
            f"scheme {scheme.key} reads declared attributes: pass the subject_attributes table"
        )
    declared = declared_values(tables["subject_attributes"], attrs, as_of) if attrs else {}

    values: dict[str, list] = {i.name: [] for i in scheme.indicators}
    masks: dict[str, np.ndarray] = {}
    for ind in scheme.indicators:
        src = ind.source
        rec = src.inner if isinstance(src, Related) else src
        if isinstance(rec, Records):
            masks[ind.name] = _records_mask(rec, eff)
    for row in pop:
        sid = row["subject_id"]
        got: dict[str, float | str | None] = {}
        for ind in scheme.indicators:
            if isinstance(ind.source, DeclaredAttribute):
                got[ind.name] = _declared(ind.source, sid, declared)
                continue
            got[ind.name] = _indicator(ind, row, sid, eff, masks, weights, parties, as_of, got)
        for name, value in got.items():
            values[name].append(value)

    n = len(pop)
    columns: dict[str, object] = {
        "subject_id": pd.Series([r["subject_id"] for r in pop], dtype="str"),
        "as_of": pd.Series(np.full(n, np.datetime64(as_of, "s")), dtype="datetime64[s]"),
    }
    for ind in scheme.indicators:
        vals = values[ind.name]
        if ind.categorical:
            columns[ind.name] = pd.Series(np.asarray(vals, dtype=object), dtype=object)
        else:
            # a bare float64 array: framed without the per-Series reindex (a one-subject
            # build is dominated by framing its ~60 columns)
            columns[ind.name] = np.asarray([np.nan if v is None else v for v in vals], "float64")
    if with_rules:
        columns.update(rule_values(scheme, pop, eff, latest, tables))
    return pd.DataFrame(columns, index=pd.RangeIndex(n))


def _indicator(
    ind: Indicator,
    row: dict,
    sid: str,
    eff: Effective,
    masks: Mapping[str, np.ndarray],
    weights: np.ndarray,
    parties: Mapping[str, Mapping[str, list[str]]],
    as_of: dt.date,
    got: Mapping[str, float | str | None],
) -> float | str | None:
    """One indicator of one subject (``got``: its indicators declared before)."""
    src = ind.source
    if isinstance(src, Attribute):
        return _attribute(src, row, as_of)
    if isinstance(src, Derived):
        return _derived(src.op, got[src.left], got[src.right])  # type: ignore[arg-type]
    if isinstance(src, Records):
        value = _aggregate(src, eff.rows_of(sid), masks[ind.name], eff, weights)
        agg = src.agg
    elif isinstance(src, Related):
        agg = src.inner.agg
        mask = masks[ind.name]
        # the parties with records that count (the SQL's inner join of pairs and eff)
        read = [f for f in parties[src.relation][sid] if len(eff.rows_of(f))]
        if link(src.relation).counts == "parties":
            # count(DISTINCT party) over the parties' rows: NULL when no party has a row
            value = float(sum(bool(mask[eff.rows_of(f)].any()) for f in read)) if read else None
        elif len(read) <= 1:
            rows = eff.rows_of(read[0]) if read else eff.rows_of(None)
            value = _aggregate(src.inner, rows, mask, eff, weights)
        else:  # several parties' records pooled, as the SQL groups them
            rows = np.sort(np.concatenate([eff.rows_of(f) for f in read]))
            value = _aggregate(src.inner, rows, mask, eff, weights)
    else:  # pragma: no cover - supports() keeps Members out
        raise ValueError(f"{ind.name}: cannot evaluate {type(src).__name__} in process")
    if value is None and agg in ZERO_WHEN_NONE:
        return 0.0
    return value


# --- published points rules and flags (features/rules.py) ----------------------------------


def rule_items(rule: PointsRule, c: Mapping[str, np.ndarray]) -> np.ndarray:
    """Index of the first item of ``rule`` each row matches, −1 for none
    (:func:`features.compile.rule_item_sql`)."""
    item = np.full(len(c["kind"]), -1)
    for i, it in enumerate(rule.items):
        item = np.where((item < 0) & _match_mask(it.match, c), i, item)
    return item


def _dated(c: Mapping[str, np.ndarray], as_of: dt.date, months: int) -> np.ndarray:
    lo, t = day64(add_months(as_of, -months)), day64(as_of)
    return (c["rdate"] > lo) & (c["rdate"] <= t)


def scored_items(rule: PointsRule, eff: Effective) -> np.ndarray:
    """Per effective row, the item of ``rule`` it scores in the cycle (−1: none)."""
    c = eff.columns
    return np.where(_dated(c, eff.as_of, rule.cycle_months), rule_items(rule, c), -1)


def rule_records(
    rule: PointsRule, eff: Effective, sid: str, items: np.ndarray | None = None
) -> list[tuple[str, str, int]]:
    """``(record_id, date, item)`` of the records of ``sid`` that scored ``rule``,
    by date then record id (:func:`features.compile.rule_records_sql`); ``items``:
    :func:`scored_items`, when the caller has it."""
    c = eff.columns
    item = scored_items(rule, eff) if items is None else items
    rows = [i for i in eff.rows_of(sid) if item[i] >= 0]
    rows.sort(key=lambda i: (c["rdate"][i], c["record_id"][i]))
    return [(str(c["record_id"][i]), str(c["rdate"][i])[:10], int(item[i])) for i in rows]


def flag_blocked(flag: Flag, eff: Effective) -> np.ndarray:
    """Rows that deny ``flag`` (:func:`features.compile.flag_blocked_sql`)."""
    c = eff.columns
    listed = _one_of(c, "kind", flag.listing_kinds)
    return _match_mask(flag.no_records, c) & (_dated(c, eff.as_of, 12 * flag.years) | listed)


def flag_party_blocked(flag: Flag, eff: Effective) -> np.ndarray | None:
    """Rows of a related party that deny ``flag`` (:func:`features.compile.
    flag_party_blocked_sql`); ``None`` when the flag reads no party."""
    if flag.related_records is None:
        return None
    c = eff.columns
    listed = _one_of(c, "kind", flag.listing_kinds)
    return _match_mask(flag.related_records, c) & (_dated(c, eff.as_of, 12 * flag.years) | listed)


def flag_parties(
    flag: Flag,
    pop: list[dict],
    latest: Mapping[str, Mapping],
    tables: Mapping[str, pa.Table],
    as_of: dt.date,
) -> dict[str, list[str]]:
    """Each subject of ``pop``'s parties through the flag's ``related`` links (the
    in-process twin of the ``pairs_<link>`` CTEs the flag reads)."""
    out: dict[str, list[str]] = {r["subject_id"]: [] for r in pop}
    for key in flag.related:
        for sid, found in party_lists(link(key), pop, latest, tables, as_of).items():
            out.setdefault(sid, []).extend(found)
    return out


def flag_value(
    flag: Flag,
    blocked: np.ndarray,
    eff: Effective,
    sid: str,
    founded: object,
    parties: Sequence[str] = (),
    party_blocked: np.ndarray | None = None,
) -> bool:
    """``flag`` of one subject: no denying row of its own or of its related ``parties``
    (rows ``party_blocked``), and established for the whole period."""
    if blocked[eff.rows_of(sid)].any():
        return False
    if party_blocked is not None and any(party_blocked[eff.rows_of(p)].any() for p in parties):
        return False
    if flag.require_full_period and founded is not None:
        return founded <= add_months(eff.as_of, -12 * flag.years)  # type: ignore[operator]
    return True


def rule_values(
    scheme: Scheme,
    pop: list[dict],
    eff: Effective,
    latest: Mapping[str, Mapping] | None = None,
    tables: Mapping[str, pa.Table] | None = None,
) -> dict[str, pd.Series]:
    """The rule and flag columns of ``pop`` (rows of :func:`latest_subjects`), as the
    compiled query gives them: points and events float, detail text or None, flag bool.
    A flag that reads related parties needs ``latest`` and ``tables`` (the slice)."""
    out: dict[str, pd.Series] = {}
    for rule in scheme.rules:
        points, events, details = [], [], []
        items = scored_items(rule, eff)
        for row in pop:
            scored = rule_records(rule, eff, row["subject_id"], items)
            counts = [0] * len(rule.items)
            for _, _, i in scored:
                counts[i] += 1
            points.append(rule.total(counts))
            events.append(float(len(scored)))
            details.append(encode_detail(scored))
        out[rule.points_column] = pd.Series(np.asarray(points, dtype="float64"))
        out[rule.events_column] = pd.Series(np.asarray(events, dtype="float64"))
        out[rule.detail_column] = pd.Series(np.asarray(details, dtype=object), dtype=object)
    for flag in flags_of(scheme):
        blocked = flag_blocked(flag, eff)
        party_blocked = flag_party_blocked(flag, eff)
        parties: dict[str, list[str]] = {}
        if flag.related:
            if latest is None or tables is None:
                raise ValueError(f"flag {flag.key} reads related parties: pass latest and tables")
            parties = flag_parties(flag, pop, latest, tables, eff.as_of)
        values = [
            flag_value(
                flag,
                blocked,
                eff,
                r["subject_id"],
                r.get("established_on"),
                parties.get(r["subject_id"], ()),
                party_blocked,
            )
            for r in pop
        ]
        out[flag.column] = pd.Series(np.asarray(values, dtype=bool))
    return out
