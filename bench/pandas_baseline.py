"""A plain pandas reading of the indicator declarations — the benchmark's baseline.

This is the "obvious" way a data scientist would compute the feature frames:
load the four tables into pandas, then walk a :class:`~features.dsl.Scheme`'s
indicators one by one with boolean masks and ``groupby``. It reads the same
declarations as the SQL compiler but shares none of its code (it does not
import :mod:`features.compile`), so agreement between the two is an
independent check of the compiler (tests/bench_equivalence).

Point in time (DESIGN.md §5) as implemented here:

* a record counts at T when it was published by T, not revoked by T, has no
  objection opened by T and not rejected by T (open or upheld), and — for
  negative records — ``valid_until`` is empty or after T;
* an approved repair (approval by T) ends the record at the approval date but
  never before the tier's minimum (``WindowPolicy``: list kinds first, then
  the severity tier of the record date, legacy profile before the cut-over,
  sector minimum for food, drugs…);
* a record's date is ``decided_on``, else ``event_date``; a window of ``w``
  months shifted by ``o`` takes dates in (T − (o + w) months, T − o months];
  no window means "in force": ``valid_until`` empty or after T.

No SQL runs inside the computation; :func:`load_tables` reads the tables out
of a store once (the I/O edge).
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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
)
from features.link_lookup import link
from features.links import Column, Link, Reverse, SameColumn, Table
from features.records.windows import WindowPolicy, add_months
from features.schemes import SCHEMES

EPOCH = dt.date(2000, 1, 1)  # origin of the date axis of a growth slope (as the compiler)

#: DOMAIN.md severity weights of the ``weighted`` aggregation (unknown tier: 1).
SEVERITY_WEIGHTS: dict[str, float] = {"minor": 1.0, "general": 3.0, "serious": 9.0}

RECORD_COLUMNS = (
    "record_id",
    "subject_id",
    "kind",
    "severity",
    "polarity",
    "value_num",
    "value_text",
    "amount",
    "event_date",
    "decided_on",
    "published_on",
    "valid_until",
    "revoked_on",
)
CATEGORY_COLUMNS = ("subject_id", "kind", "severity", "polarity", "value_text")
SUBJECT_KEYS = (
    "subject_id",
    "subject_type",
    "scale",
    "established_on",
    "closed_on",
    "status",
    "legal_rep_id",
    "employer_id",
    "village_code",
    "township_code",
    "recorded_at",
    "ingest_id",
)
EFFECTIVE_COLUMNS = (
    "record_id",
    "subject_id",
    "kind",
    "severity",
    "polarity",
    "value_num",
    "value_text",
    "amount",
    "valid_until",
)
MEMBER_KEEP = ("village_code", "township_code")
_OPS = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "=": operator.eq,
    "<>": operator.ne,
}


@dataclass(frozen=True)
class Tables:
    """The tables the indicators read, as pandas frames (the related-party links'
    ``subject_links`` and ``list_events`` may be left empty when no link reads them)."""

    subjects: pd.DataFrame
    records: pd.DataFrame
    objections: pd.DataFrame
    repairs: pd.DataFrame
    subject_links: pd.DataFrame = field(default_factory=pd.DataFrame)
    list_events: pd.DataFrame = field(default_factory=pd.DataFrame)
    subject_attributes: pd.DataFrame = field(default_factory=pd.DataFrame)


# -- loading -----------------------------------------------------------------
def _convert(col: pa.ChunkedArray, categorical: bool) -> pd.Series:
    if pa.types.is_date(col.type):
        col = col.cast(pa.timestamp("s"))
    if categorical:
        col = pc.dictionary_encode(col)
    return col.to_pandas()


def _to_pandas(table: pa.Table, categories: Iterable[str] = ()) -> pd.DataFrame:
    """Arrow → pandas with dates as ``datetime64[s]`` and some strings as categories.

    Converts one column at a time and drops it from the Arrow table, so that a
    large table is not held twice.
    """
    cats = set(categories)
    out: dict[str, pd.Series] = {}
    for name in table.column_names:
        out[name] = _convert(table[name], name in cats)
        table = table.drop_columns([name])
    pa.default_memory_pool().release_unused()
    return pd.DataFrame(out, copy=False)


def subject_columns(schemes: Iterable[Scheme]) -> tuple[str, ...]:
    """Subject columns the schemes read (keys, population filters, attributes)."""
    cols = list(SUBJECT_KEYS)
    for sch in schemes:
        if sch.population.industries:  # a population of some industries (GB/T 4754 prefixes)
            cols.append("industry")
        for ind in sch.indicators:
            if isinstance(ind.source, Attribute):
                cols.append(ind.source.column)
    return tuple(dict.fromkeys(cols))


def record_kinds(schemes: Iterable[Scheme]) -> tuple[str, ...]:
    """Record kinds the schemes' indicators and populations read (sorted).

    Every indicator names its kinds (its match, a ``since`` anchor, a related
    party's match); a population may require a kind. Records of other kinds
    change no indicator: point in time is decided per record (its objections
    and repairs are looked up by its own id).
    """
    kinds: set[str] = set()
    for sch in schemes:
        if sch.population.requires_kind:
            kinds.add(sch.population.requires_kind)
        for ind in sch.indicators:
            src = ind.source
            rec = src.inner if isinstance(src, Related) else src
            if isinstance(rec, Records):
                if not rec.match.kinds:
                    raise ValueError(f"{sch.key}.{ind.name}: an indicator's match names no kind")
                kinds.update(rec.match.kinds)
                if rec.since is not None:
                    kinds.update(rec.since.kinds)
    return tuple(sorted(kinds))


def load_tables(store, schemes: Iterable[Scheme] | None = None) -> Tables:
    """Read subjects, records, objections and repairs from ``store`` into pandas.

    Only the columns the indicators need are read, and, given ``schemes``, only
    the records of the kinds they read (:func:`record_kinds`: what a competent
    user pushes into the read; without, every record); record kinds,
    severities, polarities, text values and subject ids become categoricals,
    dates ``datetime64[s]``.
    """
    sch = list(schemes) if schemes is not None else list(SCHEMES.values())
    for s in list(sch):
        if s.members:
            sch.append(SCHEMES[s.members[0]])
    subj = ", ".join(subject_columns(sch))
    where = ""
    if schemes is not None:  # without schemes: every record (any scheme may be built)
        # kinds are declared identifiers; quotes doubled all the same
        kinds = ", ".join("'" + k.replace("'", "''") + "'" for k in record_kinds(sch))
        where = f" WHERE kind IN ({kinds or 'NULL'})"
    return Tables(
        subjects=_to_pandas(store.query_arrow(f"SELECT {subj} FROM subjects")),
        records=_to_pandas(
            store.query_arrow(f"SELECT {', '.join(RECORD_COLUMNS)} FROM records{where}"),
            CATEGORY_COLUMNS,
        ),
        objections=_to_pandas(
            store.query_arrow(
                "SELECT objection_id, record_id, status, opened_on, resolved_on FROM objections"
            )
        ),
        repairs=_to_pandas(
            store.query_arrow("SELECT repair_id, record_id, status, approved_on FROM repairs")
        ),
        subject_links=_to_pandas(
            store.query_arrow(
                "SELECT subject_id, relation, party_id, valid_from, valid_to FROM subject_links"
            )
        ),
        list_events=_to_pandas(
            store.query_arrow(
                "SELECT event_id, listing_id, list_key, subject_id, event, persons, "
                "effective_on, expires_on FROM list_events"
            )
        ),
        subject_attributes=_to_pandas(
            store.query_arrow(
                "SELECT subject_id, version_from, name, value_text, value_num, ingest_id "
                "FROM subject_attributes"
            )
        ),
    )


# -- point in time -----------------------------------------------------------
def _shift(day: pd.Timestamp, months: int) -> pd.Timestamp:
    """``day`` plus ``months`` calendar months (clamped to the month's end)."""
    out = add_months(np.array([day.to_datetime64()], dtype="datetime64[D]"), months)[0]
    return pd.Timestamp(out)


def _add_months(dates: pd.Series, months: pd.Series) -> pd.Series:
    out = add_months(dates.to_numpy(dtype="datetime64[D]"), months.to_numpy(dtype="int64"))
    return pd.Series(out.astype("datetime64[s]"), index=dates.index)


def repair_min_end(rec: pd.DataFrame, policy: WindowPolicy) -> pd.Series:
    """Earliest date a repair may end each record's publication."""
    rdate = rec["decided_on"].fillna(rec["event_date"])
    legacy = rdate < pd.Timestamp(policy.legacy_before)
    severity = rec["severity"].astype(object)
    sector = rec["value_text"].astype(object)
    sector_min = sector.map(policy.sector_min_months).fillna(0).astype("int64")
    months = pd.Series(0, index=rec.index, dtype="int64")
    for sev, tier in policy.tiers.items():
        is_sev = severity == sev
        base = np.where(legacy, policy.legacy_tiers[sev].min_months, tier.min_months)
        months = months.where(~is_sev, np.maximum(base, sector_min))
    kind = rec["kind"].astype(object)
    for k, m in policy.list_repair_min_months.items():
        months = months.where(kind != k, m)
    return _add_months(rdate, months)


def effective_records(tables: Tables, as_of: pd.Timestamp, policy: WindowPolicy) -> pd.DataFrame:
    """Records that count at ``as_of`` (DESIGN.md §5), with their date ``rdate``."""
    r = tables.records
    keep = (r["published_on"] <= as_of) & (r["revoked_on"].isna() | (r["revoked_on"] > as_of))

    # objections opened by T and not rejected by T: still open, or upheld
    obj = tables.objections[tables.objections["opened_on"] <= as_of]
    rejected = (obj["status"] == "rejected") & (obj["resolved_on"] <= as_of)
    per_objection = rejected.groupby([obj["objection_id"], obj["record_id"]]).any()
    suspended = per_objection[~per_objection].index.get_level_values("record_id").unique()
    keep &= ~r["record_id"].isin(suspended)

    keep &= (r["polarity"] != "negative") | r["valid_until"].isna() | (r["valid_until"] > as_of)

    rep = tables.repairs
    approved = rep[(rep["status"] == "approved") & (rep["approved_on"] <= as_of)]
    first_approval = approved.groupby("record_id")["approved_on"].min()
    repaired = r[r["record_id"].isin(first_approval.index)]
    if len(repaired):
        approved_on = repaired["record_id"].astype(object).map(first_approval)
        ends = np.maximum(approved_on, repair_min_end(repaired, policy))
        keep.loc[repaired.index[(ends <= as_of).to_numpy()]] = False

    eff = r.loc[keep, list(EFFECTIVE_COLUMNS)]
    eff["rdate"] = r.loc[keep, "decided_on"].fillna(r.loc[keep, "event_date"])
    return eff


def population(tables: Tables, scheme: Scheme, as_of: pd.Timestamp) -> pd.DataFrame:
    """The latest version of every subject in ``scheme``'s population at ``as_of``."""
    latest = latest_subjects(tables)
    pop = scheme.population
    # closed or deregistered: closed_on, else from the day a closed/revoked version was recorded
    recorded = latest["recorded_at"].astype("datetime64[s]").dt.normalize()
    closed = latest["closed_on"].where(
        latest["closed_on"].notna(),
        recorded.where(latest["status"].isin(["closed", "revoked"])),
    )
    mask = (
        (latest["subject_type"] == pop.subject_type)
        & (latest["established_on"].isna() | (latest["established_on"] <= as_of))
        & (closed.isna() | (closed > as_of))
    )
    if pop.scales:
        mask &= latest["scale"].isin(pop.scales)
    if pop.industries:
        mask &= latest["industry"].fillna("").str.startswith(pop.industries)
    if pop.requires_kind:
        r = tables.records
        has = (
            (r["kind"] == pop.requires_kind)
            & (r["published_on"] <= as_of)
            & (r["revoked_on"].isna() | (r["revoked_on"] > as_of))
        )
        mask &= latest["subject_id"].isin(r.loc[has, "subject_id"].astype(object).unique())
    out = latest[mask].sort_values("subject_id").set_index("subject_id", drop=False)
    out.index.name = None
    return out


def latest_subjects(tables: Tables) -> pd.DataFrame:
    """One row per subject: the version recorded last (ties: the later ingest)."""
    s = tables.subjects.sort_values(
        ["recorded_at", "ingest_id"], kind="stable", na_position="first"
    )
    return s.drop_duplicates("subject_id", keep="last")


# -- record aggregations ------------------------------------------------------
def match_mask(eff: pd.DataFrame, m: Match) -> pd.Series:
    """Records matching ``m``."""
    mask = eff["kind"].isin(m.kinds)
    if m.severities:
        mask &= eff["severity"].isin(m.severities)
    if m.values:
        mask &= eff["value_text"].isin(m.values)
    if m.min_value is not None:
        mask &= eff["value_num"] >= m.min_value
    if m.max_value is not None:
        mask &= eff["value_num"] <= m.max_value
    if m.min_amount is not None:
        mask &= eff["amount"] >= m.min_amount
    if m.max_amount is not None:
        mask &= eff["amount"] <= m.max_amount
    if m.polarity:
        mask &= eff["polarity"] == m.polarity
    return mask


def records_mask(eff: pd.DataFrame, rec: Records, as_of: pd.Timestamp) -> pd.Series:
    """Records matching ``rec``'s filter and dated in its window (or in force)."""
    mask = match_mask(eff, rec.match)
    if rec.window is None:
        mask &= eff["valid_until"].isna() | (eff["valid_until"] > as_of)
    else:
        hi = _shift(as_of, -rec.offset)
        lo = _shift(as_of, -(rec.offset + rec.window))
        mask &= (eff["rdate"] > lo) & (eff["rdate"] <= hi)
    if rec.open_below is not None:
        # a report is open while its days past due, unpaid, would stay under the limit
        age = (as_of - eff["rdate"]).dt.days
        value = eff["value_num"]
        mask &= ((value >= rec.open_below) | (value + age < rec.open_below)).fillna(False)
    if rec.since is not None:
        # dated on or after the start of the subject's oldest `since` record in force
        anchor = match_mask(eff, rec.since) & (
            eff["valid_until"].isna() | (eff["valid_until"] > as_of)
        )
        start = eff.loc[anchor].groupby("subject_id", observed=True)["rdate"].min()
        first = eff["subject_id"].astype(object).map(start)
        mask &= (eff["rdate"] >= first).fillna(False)
    return mask


_AGG_COLUMNS: dict[str, tuple[str, ...]] = {
    "count": (),
    "weighted": ("severity",),
    "sum_amount": ("amount",),
    "sum_value": ("value_num",),
    "max_value": ("value_num",),
    "avg_value": ("value_num",),
    "latest_value": ("rdate", "record_id", "value_num"),
    "latest_text": ("rdate", "record_id", "value_text"),
    "days_since": ("rdate",),
    "distinct_values": ("value_text",),
    "distinct_kinds": ("kind",),
    "cv_amount": ("amount",),
    "cv_value": ("value_num",),
    "growth_amount": ("rdate", "amount"),
    "growth_value": ("rdate", "value_num"),
    "distinct_months": ("rdate",),
    "distinct_years": ("rdate",),
}


def aggregate(
    eff: pd.DataFrame, rec: Records, as_of: pd.Timestamp, weights: Mapping[str, float]
) -> pd.Series:
    """``rec``'s aggregate per subject_id (subjects without a matching record absent)."""
    cols = ["subject_id", *_AGG_COLUMNS[rec.agg]]
    sel = eff.loc[records_mask(eff, rec, as_of), cols]
    by = sel.groupby("subject_id", observed=True)
    match rec.agg:
        case "count":
            out = by.size().astype("float64")
        case "weighted":
            w = sel["severity"].astype(object).map(weights).fillna(1.0).astype("float64")
            out = w.groupby(sel["subject_id"], observed=True).sum()
        case "sum_amount":
            out = by["amount"].sum()
        case "sum_value":
            out = by["value_num"].sum()
        case "max_value":
            out = by["value_num"].max()
        case "avg_value":
            out = by["value_num"].mean()
        case "latest_value" | "latest_text":
            col = "value_num" if rec.agg == "latest_value" else "value_text"
            # the latest record that has a value (DSL: latest_value / latest_text)
            valued = sel[sel[col].notna()]
            last = (
                valued.sort_values(["rdate", "record_id"])
                .groupby("subject_id", observed=True)
                .tail(1)
            )
            out = last.set_index("subject_id")[col]
            if col == "value_text":
                out = out.astype(object)
        case "days_since":
            out = (as_of - by["rdate"].max()).dt.days.astype("float64")
        case "distinct_values":
            out = by["value_text"].nunique().astype("float64")
        case "distinct_kinds":
            out = by["kind"].nunique().astype("float64")
        case "cv_amount" | "cv_value":
            col = "amount" if rec.agg == "cv_amount" else "value_num"
            mean = by[col].mean()
            out = (by[col].std(ddof=0) / mean.where(mean != 0)).astype("float64")
        case "distinct_months" | "distinct_years":
            unit = "M" if rec.agg == "distinct_months" else "Y"
            out = sel["rdate"].dt.to_period(unit).groupby(sel["subject_id"], observed=True)
            out = out.nunique().astype("float64")
        case "growth_amount" | "growth_value":
            col = "amount" if rec.agg == "growth_amount" else "value_num"
            ok = sel[sel[col] > 0]
            y = np.log(ok[col].astype("float64"))
            x = (ok["rdate"] - pd.Timestamp(EPOCH)).dt.days / 365.25
            g = pd.DataFrame({"x": x, "y": y, "s": ok["subject_id"]}).groupby("s", observed=True)
            # shifted by each subject's first point, a constant series gives exactly 0
            dx = x - g["x"].transform("first")
            dy = y - g["y"].transform("first")
            m = pd.DataFrame({"dx": dx, "dy": dy, "xy": dx * dy, "xx": dx * dx})
            m = m.groupby(ok["subject_id"], observed=True).mean()
            cov = m["xy"] - m["dx"] * m["dy"]
            var = m["xx"] - m["dx"] ** 2
            out = (cov / var.where(var > 0)).astype("float64")
        case _:
            raise ValueError(f"unknown aggregation {rec.agg!r}")
    out.index = out.index.astype(object)
    return out


def _fill(values: pd.Series, agg: str) -> pd.Series:
    return values.fillna(0.0) if agg in ZERO_WHEN_NONE else values


#: list events that end a listing (a revocation, an exit by repair or by rule)
_LIST_ENDS = ("exit_repair", "exit_rule", "revoke_wrongful")


def _named(events: pd.DataFrame, lists: tuple[str, ...], as_of: pd.Timestamp) -> pd.DataFrame:
    """``(subject_id, party_id)``: persons named on a listing in force on ``lists``."""
    if events.empty:
        return pd.DataFrame({"subject_id": [], "party_id": []}, dtype=object)
    seen = events[events["effective_on"] <= as_of]
    ended = seen.loc[seen["event"].isin(_LIST_ENDS), "listing_id"].unique()
    suspended = seen[seen["event"] == "suspend"].groupby("listing_id")["effective_on"].max()
    resumed = seen[seen["event"] == "resume"].groupby("listing_id")["effective_on"].max()
    enter = events[
        (events["event"] == "enter")
        & events["list_key"].isin(lists)
        & events["persons"].notna()
        & (events["effective_on"] <= as_of)
        & (events["expires_on"].isna() | (events["expires_on"] > as_of))
        & ~events["event_id"].isin(ended)
    ]
    s, r = enter["event_id"].map(suspended), enter["event_id"].map(resumed)
    enter = enter[s.isna() | (r.notna() & (r >= s))]
    named = enter.assign(person=enter["persons"].str.split(",")).explode("person")
    return pd.DataFrame(
        {
            "subject_id": named["person"].str.strip().str.upper().astype(object),
            "party_id": named["subject_id"].astype(object),
        }
    )


def link_pairs(tables: Tables, pop: pd.DataFrame, x: Link, as_of: pd.Timestamp) -> pd.DataFrame:
    """``(subject_id, party_id)`` of the subjects of ``pop`` through the declared link ``x``."""
    via = x.via
    cols = ["subject_id", "subject_type", "legal_rep_id", "employer_id"]
    if isinstance(via, SameColumn) and via.col not in cols:
        cols.append(via.col)  # the households of the same village, say
    latest = latest_subjects(tables)[cols]
    me = pop[["subject_id"]].astype(object)
    if isinstance(via, Column):
        pairs = pop[["subject_id", via.col]].dropna().set_axis(["subject_id", "party_id"], axis=1)
    elif isinstance(via, Reverse):
        f = latest[["subject_id", via.col]].dropna().set_axis(["party_id", "subject_id"], axis=1)
        pairs = me.merge(f, on="subject_id")
    elif isinstance(via, SameColumn):
        mine = pop[["subject_id", via.col]].dropna()
        f = latest[["subject_id", via.col]].dropna().rename(columns={"subject_id": "party_id"})
        pairs = mine.merge(f, on=via.col)[["subject_id", "party_id"]]
    elif isinstance(via, Table):
        t = tables.subject_links
        if t.empty:
            return pd.DataFrame({"subject_id": [], "party_id": []}, dtype=object)
        t = t[
            (t["relation"] == via.relation)
            & (t["valid_from"] <= as_of)
            & (t["valid_to"].isna() | (t["valid_to"] > as_of))
        ]
        pairs = me.merge(t[["subject_id", "party_id"]], on="subject_id")
    else:
        pairs = me.merge(_named(tables.list_events, via.lists, as_of), on="subject_id")
    pairs = pairs.astype(object)
    pairs = pairs[pairs["subject_id"] != pairs["party_id"]]
    types = x.party_types()
    if types:
        typed = latest.loc[latest["subject_type"].isin(types), "subject_id"]
        pairs = pairs[pairs["party_id"].isin(typed)]
    return pairs.drop_duplicates()


def related(
    tables: Tables,
    eff: pd.DataFrame,
    pop: pd.DataFrame,
    src: Related,
    as_of: pd.Timestamp,
    weights: Mapping[str, float],
) -> pd.Series:
    """A :class:`Related` indicator for every subject of ``pop``."""
    x = link(src.relation)
    pairs = link_pairs(tables, pop, x, as_of)
    if x.counts == "parties":  # the parties with a matching record
        hit = eff.loc[records_mask(eff, src.inner, as_of), "subject_id"].astype(object).unique()
        pairs = pairs[pairs["party_id"].isin(hit)]
        counts = pairs.groupby("subject_id")["party_id"].nunique().astype("float64")
        return counts.reindex(pop.index).fillna(0.0)
    if isinstance(x.via, Column):  # one party: its records as the subject's own
        values = aggregate(eff, src.inner, as_of, weights)
        out = pop[x.via.col].astype(object).map(values)
        return _fill(out, src.inner.agg)
    # several parties: their records pooled under the subject
    rows = eff.assign(party_id=eff["subject_id"].astype(object)).drop(columns="subject_id")
    pooled = pairs.merge(rows, on="party_id").drop(columns="party_id")
    values = aggregate(pooled, src.inner, as_of, weights).reindex(pop.index)
    return _fill(values, src.inner.agg)


# -- members, attributes, derived ---------------------------------------------
def members(pop: pd.DataFrame, frame: pd.DataFrame, group: str, m: Members) -> pd.Series:
    """A :class:`Members` aggregate over the member frame, for every subject of ``pop``."""
    by = frame.groupby(group)
    match m.fn:
        case "count":
            return by.size().astype("float64").reindex(pop.index).fillna(0.0)
        case "mean":
            out = by[m.of].mean()
        case "share":
            c = m.where
            vals = frame[c.indicator]
            hit = (_OPS[c.op](vals, c.value) & vals.notna()).astype("float64")
            if m.among is not None:  # of the members meeting `among` only
                a = frame[m.among.indicator]
                hit = hit.where(_OPS[m.among.op](a, m.among.value) & a.notna())
            out = hit.groupby(frame[group]).mean()
        case "sum_ratio":
            num = by[m.of].sum(min_count=1)
            den = by[m.over].sum(min_count=1)
            out = num / den.where(den != 0)
        case _:
            raise ValueError(f"unknown member aggregation {m.fn!r}")
    return out.reindex(pop.index)


def attribute(pop: pd.DataFrame, a: Attribute, as_of: pd.Timestamp) -> pd.Series:
    """A registration attribute of every subject of ``pop``."""
    col = pop[a.column]
    if a.transform == "years_since":
        return (as_of - col).dt.days / 365.25
    if a.transform == "log1p":
        return np.log(1 + col.astype("float64"))
    return col


def declared_attribute(
    tables: Tables, pop: pd.DataFrame, a: DeclaredAttribute, as_of: pd.Timestamp
) -> pd.Series:
    """A declared attribute of every subject of ``pop``: the value in force at ``as_of``
    (stored on or before the day; the latest version, then ingest, then value)."""
    rows = tables.subject_attributes
    if rows.empty:
        return pd.Series(None if a.categorical else np.nan, index=pop.index, dtype=object)
    stored = pd.to_datetime(rows["version_from"]).dt.normalize()
    rows = rows[(rows["name"] == a.name) & (stored <= as_of)]
    rows = rows.sort_values(
        ["version_from", "ingest_id", "value_text", "value_num"],
        ascending=False,
        na_position="last",
        kind="stable",
    ).drop_duplicates("subject_id", keep="first")
    column = "value_text" if a.categorical else "value_num"
    values = (
        pop["subject_id"]
        .astype(str)
        .map(dict(zip(rows["subject_id"].astype(str), rows[column], strict=True)))
    )
    if a.categorical:
        return values.astype(object).where(values.notna(), None)
    values = values.astype("float64")
    if a.transform == "log1p":
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(1 + values).where(1 + values > 0)
    return values


def derived(op: str, left: pd.Series, right: pd.Series) -> pd.Series:
    """``ratio``, ``share``, ``trend``, ``diff`` or ``log_ratio`` of two indicator columns."""
    if op == "ratio":
        return left / right.where(right != 0)
    if op == "share":
        total = left + right
        return left / total.where(total != 0)
    if op == "trend":
        return (left - right) / right.where(right != 0)
    if op == "diff":
        return left - right
    if op == "log_ratio":
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log((1 + left) / (1 + right))
    raise ValueError(f"unknown derived op {op!r}")


# -- the frame ---------------------------------------------------------------
def build_features_pandas(
    tables: Tables,
    scheme: str | Scheme,
    as_of: str | dt.date,
    windows: WindowPolicy | None = None,
    weights: Mapping[str, float] | None = None,
    keep: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Indicators of every subject of ``scheme`` at ``as_of``, computed with pandas.

    Returns the frame :func:`features.build.build_features` returns: ``subject_id``,
    ``as_of`` (``datetime64[s]``) and one column per indicator (``float64``, or
    ``object`` with ``None`` for categorical ones), sorted by ``subject_id``;
    ``keep`` adds subject columns after ``as_of``.
    """
    sch = scheme if isinstance(scheme, Scheme) else SCHEMES[scheme]
    day = pd.Timestamp(as_of)
    policy = windows or WindowPolicy()
    weights = weights or SEVERITY_WEIGHTS
    pop = population(tables, sch, day)
    needs_records = any(isinstance(i.source, Records | Related) for i in sch.indicators)
    eff = effective_records(tables, day, policy) if needs_records else None
    member_frame = None
    if any(isinstance(i.source, Members) for i in sch.indicators):
        member_frame = build_features_pandas(
            tables, sch.members[0], day, policy, weights, keep=MEMBER_KEEP
        )

    cols: dict[str, pd.Series] = {}
    for ind in sch.indicators:
        src = ind.source
        if isinstance(src, Records):
            values = aggregate(eff, src, day, weights).reindex(pop.index)
            cols[ind.name] = _fill(values, src.agg)
        elif isinstance(src, Related):
            cols[ind.name] = related(tables, eff, pop, src, day, weights)
        elif isinstance(src, Members):
            cols[ind.name] = members(pop, member_frame, sch.members[1], src)
        elif isinstance(src, Attribute):
            cols[ind.name] = attribute(pop, src, day)
        elif isinstance(src, DeclaredAttribute):
            cols[ind.name] = declared_attribute(tables, pop, src, day)
        elif isinstance(src, Derived):
            cols[ind.name] = derived(src.op, cols[src.left], cols[src.right])
        else:
            raise TypeError(f"unknown source {src!r}")

    out = pd.DataFrame({"subject_id": pop["subject_id"].astype("str").to_numpy()})
    out["as_of"] = pd.Series(np.full(len(pop), day.to_datetime64()), dtype="datetime64[s]")
    for c in dict.fromkeys(keep):
        out[c] = pop[c].to_numpy()
    for ind in sch.indicators:
        values = cols[ind.name]
        if ind.categorical:
            obj = values.astype(object)
            out[ind.name] = pd.Series(obj.where(obj.notna(), None).to_numpy(), dtype=object)
        else:
            out[ind.name] = pd.to_numeric(values).astype("float64").to_numpy()
    return out


# -- comparison --------------------------------------------------------------
#: absolute tolerance of the comparison: the engines round members' ratios to 12 decimals
#: (features/compile.py, ``RATIO_DECIMALS``) and sum averages, coefficients of variation
#: and growth slopes in whole units (a logarithm in 1e-12: ``LOG_UNITS``), and this reading
#: does neither, so a small value (a growth of 3.6e-4 a year) differs by up to a unit's
#: step, beyond ``rtol`` alone
ATOL = 1e-12


def compare_frames(
    expected: pd.DataFrame,
    actual: pd.DataFrame,
    scheme: Scheme,
    rtol: float = 1e-9,
    atol: float = ATOL,
) -> list[str]:
    """Differences between two feature frames of ``scheme`` (empty list: equal).

    Columns, dtypes and subject ids must match exactly; count-like indicators
    exactly; other numbers to ``rtol`` relative or ``atol`` absolute (:data:`ATOL`)
    with NaN in the same places; categorical indicators value by value.
    """
    problems: list[str] = []
    if list(expected.columns) != list(actual.columns):
        return [f"columns differ: {list(expected.columns)} vs {list(actual.columns)}"]
    for c in expected.columns:
        if expected[c].dtype != actual[c].dtype:
            problems.append(f"{c}: dtype {expected[c].dtype} vs {actual[c].dtype}")
    if len(expected) != len(actual):
        return [*problems, f"rows differ: {len(expected)} vs {len(actual)}"]
    ids_a, ids_b = expected["subject_id"].astype(object), actual["subject_id"].astype(object)
    if not (ids_a.to_numpy() == ids_b.to_numpy()).all():
        return [*problems, "subject_id differs"]
    if not (expected["as_of"].to_numpy() == actual["as_of"].to_numpy()).all():
        problems.append("as_of differs")
    for ind in scheme.indicators:
        a, b = expected[ind.name], actual[ind.name]
        if ind.categorical:
            aa = a.astype(object).where(a.notna(), None)
            bb = b.astype(object).where(b.notna(), None)
            bad = aa.to_numpy() != bb.to_numpy()
        else:
            x, y = a.to_numpy("float64"), b.to_numpy("float64")
            exact = _is_count(ind)
            close = (x == y) if exact else np.isclose(x, y, rtol=rtol, atol=atol)
            bad = ~(close | (np.isnan(x) & np.isnan(y)))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            problems.append(
                f"{ind.name}: {int(bad.sum())} rows differ, e.g. {expected['subject_id'].iloc[i]}"
                f" {a.iloc[i]!r} vs {b.iloc[i]!r}"
            )
    return problems


def _is_count(ind: Indicator) -> bool:
    src = ind.source
    if isinstance(src, Related):
        return link(src.relation).counts == "parties" or src.inner.agg in (
            "count",
            "distinct_values",
            "distinct_kinds",
        )
    if isinstance(src, Records):
        return src.agg in ("count", "distinct_values", "distinct_kinds", "days_since")
    if isinstance(src, Members):
        return src.fn == "count"
    return False
