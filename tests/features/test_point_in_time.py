"""Point in time (DESIGN.md §5) on small hand-built stores.

Every test builds its own in-memory store from pandas frames: a few firms that
share a legal representative, drivers employed by them, households in two
villages, and records planted around the as-of date. A record counts at T only
if it was published by T, not revoked by T, has no objection open (or upheld)
at T and is still inside its publication window; labels look only at
(T, T + 12 months].
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

import numpy as np
import pandas as pd
import pytest

from features.build import (
    IN_PROCESS_MAX,
    build_features,
    build_labels,
    build_training_frame,
)
from features.compile import BuildConfig, add_months
from features.dsl import (
    NEUTRAL,
    Attribute,
    Derived,
    Indicator,
    Match,
    Population,
    Records,
    Related,
    Scheme,
)
from features.records.ids import generate_id_numbers, generate_uscc, is_id_number, is_uscc
from features.records.kinds import KINDS
from features.records.schema import TABLES
from features.records.windows import TierWindow, WindowPolicy
from features.schemes import get_scheme
from features.store.duckdb_store import DuckDBStore

D = dt.date
T = D(2026, 6, 30)  # the as-of date of most tests
DAY = dt.timedelta(days=1)
COUNTY = "530302"
FOUNDED = D(2015, 1, 1)

# --- identifiers ----------------------------------------------------------------

_rng = np.random.default_rng(20260630)
FIRMS: list[str] = list(dict.fromkeys(generate_uscc(_rng, np.array([COUNTY] * 12))))[:10]
PEOPLE: list[str] = list(
    dict.fromkeys(
        generate_id_numbers(
            _rng,
            np.array([COUNTY] * 16),
            np.datetime64("1960-01-01") + _rng.integers(0, 12_000, 16).astype("timedelta64[D]"),
            _rng.random(16) < 0.5,
        )
    )
)[:14]
A, B, C, DD, E, F, NEW, SMALL, LARGE, MICRO = FIRMS
P, Q, X, Y, Z, H1, H2, H3, H4, H5, H6, PX, PY, PZ = PEOPLE
V1, V2, V3 = COUNTY + "101" + "201", COUNTY + "101" + "202", COUNTY + "102" + "201"
TOWN1, TOWN2 = COUNTY + "101", COUNTY + "102"


def test_identifiers_are_valid_and_distinct() -> None:
    assert len(FIRMS) == 10 and all(is_uscc(c) for c in FIRMS)
    assert len(PEOPLE) == 14 and all(is_id_number(c) for c in PEOPLE)


# --- building blocks --------------------------------------------------------------


def firm(
    sid: str,
    rep: str | None,
    *,
    scale: str = "small",
    established: dt.date = FOUNDED,
    closed: dt.date | None = None,
    recorded_at: str | None = None,
) -> dict:
    row = dict(
        subject_id=sid,
        subject_type="enterprise",
        name=f"测试企业{sid[-4:]}有限公司",
        region_code=COUNTY,
        industry="C",
        scale=scale,
        registered_capital=100.0,
        established_on=established,
        legal_rep_id=rep,
        status="closed" if closed else "active",
        closed_on=closed,
    )
    if recorded_at:
        row["recorded_at"] = pd.Timestamp(recorded_at)
    return row


def driver(sid: str, employer: str | None) -> dict:
    return dict(
        subject_id=sid,
        subject_type="driver",
        name=f"驾驶员{sid[-4:]}",
        region_code=COUNTY,
        established_on=D(2010, 5, 1),
        licence_class="A2",
        employer_id=employer,
        status="active",
    )


def household(sid: str, village: str, *, closed: dt.date | None = None) -> dict:
    return dict(
        subject_id=sid,
        subject_type="household",
        name=f"农户{sid[-4:]}",
        region_code=COUNTY,
        township_code=village[:9],
        village_code=village,
        household_size=4,
        labour_count=2,
        land_mu=8.0,
        assets_value=200_000.0,
        annual_income=60_000.0,
        status="closed" if closed else "active",
        closed_on=closed,
    )


def division(sid: str) -> dict:
    kind = "village" if len(sid) == 12 else "township"
    return dict(
        subject_id=sid,
        subject_type=kind,
        name=f"{kind}{sid}",
        region_code=COUNTY,
        township_code=sid[:9],
        village_code=sid if kind == "village" else None,
        status="active",
    )


def rec(
    record_id: str,
    subject: str,
    kind: str,
    date: dt.date,
    *,
    severity: str | None = None,
    value_num: float | None = None,
    value_text: str | None = None,
    amount: float | None = None,
    decided_on: dt.date | None = None,
    published_on: dt.date | None = None,
    valid_until: dt.date | None = None,
    revoked_on: dt.date | None = None,
) -> dict:
    """A records row; published on its decision (or event) date unless told."""
    k = KINDS[kind]
    return dict(
        record_id=record_id,
        subject_id=subject,
        kind=kind,
        domain=k.domain,
        severity=severity,
        polarity=k.polarity_for(value_text),
        value_num=value_num,
        value_text=value_text,
        amount=amount,
        event_date=date,
        decided_on=decided_on,
        published_on=published_on or decided_on or date,
        valid_until=valid_until,
        revoked_on=revoked_on,
        source_dept=k.dept,
        detail="测试",
    )


def penalty(
    record_id: str,
    subject: str,
    decided: dt.date,
    severity: str = "general",
    sector: str = "price",
    **kw,
) -> dict:
    kw.setdefault("valid_until", add_months(decided, 36))
    return rec(
        record_id,
        subject,
        "administrative_penalty",
        decided - 10 * DAY,
        decided_on=decided,
        severity=severity,
        value_text=sector,
        amount=5_000.0,
        **kw,
    )


def objection(
    oid: str,
    record_id: str,
    subject: str,
    opened: dt.date,
    resolution: tuple[str, dt.date] | None = None,
) -> list[dict]:
    rows = [
        dict(
            objection_id=oid,
            record_id=record_id,
            subject_id=subject,
            status="open",
            opened_on=opened,
            reason="信息有误",
        )
    ]
    if resolution:
        status, on = resolution
        rows.append({**rows[0], "status": status, "resolved_on": on})
    return rows


def repair(
    rid: str,
    record_id: str,
    subject: str,
    applied: dt.date,
    decision: tuple[str, dt.date] | None = None,
) -> list[dict]:
    rows = [
        dict(
            repair_id=rid,
            record_id=record_id,
            subject_id=subject,
            status="applied",
            applied_on=applied,
        )
    ]
    if decision:
        status, on = decision
        rows.append({**rows[0], "status": status, "approved_on": on})
    return rows


_POOL: dict[int, DuckDBStore] = {}


@pytest.fixture(scope="module", autouse=True)
def _close_pool() -> Iterator[None]:
    yield
    while _POOL:
        _POOL.popitem()[1].close()


def make_store(
    records: Iterable[dict] = (),
    subjects: Iterable[dict] | None = None,
    objections: Iterable[dict] = (),
    repairs: Iterable[dict] = (),
    slot: int = 0,
) -> DuckDBStore:
    """The in-memory store of ``slot``, emptied and loaded with these rows.

    Opening a DuckDB database costs ~70 ms, so each slot keeps one connection;
    loading a slot again empties it (use another slot to compare two stores).
    """
    store = _POOL.get(slot)
    if store is None:
        store = _POOL[slot] = DuckDBStore(":memory:", threads=1)
    for table in ("subjects", "records", "objections", "repairs"):
        store.execute(f"DELETE FROM {table}")
    for table, rows in (
        ("subjects", SUBJECTS if subjects is None else subjects),
        ("records", records),
        ("objections", objections),
        ("repairs", repairs),
    ):
        rows = list(rows)
        if rows:
            cols = [c for c in TABLES[table].column_names if any(c in r for r in rows)]
            store.append(table, pd.DataFrame(rows, columns=cols))
    return store


def ind(name: str, source) -> Indicator:
    return Indicator(name, name, name, "测试", source, NEUTRAL)


PEN = Match(("administrative_penalty",))
LISTS = Match(("abnormal_operations_list", "serious_violation_list", "dishonest_judgment_debtor"))
RED = Match(("red_list",))

PIT = Scheme(
    key="pit",
    label_zh="时点测试",
    label_en="Point-in-time test",
    population=Population("enterprise"),
    indicators=(
        ind("penalties_24m", Records(PEN, "count", 24)),
        ind("penalty_weight_24m", Records(PEN, "weighted", 24)),
        ind("fines_24m", Records(PEN, "sum_amount", 24)),
        ind("days_since_penalty", Records(PEN, "days_since", 36)),
        ind("listed_now", Records(LISTS, "count")),
        ind("red_list_now", Records(RED, "count")),
        ind("tax_level", Records(Match(("tax_credit_level",)), "latest_text", 24)),
        ind("headcount", Records(Match(("social_insurance_headcount",)), "latest_value", 24)),
        ind("tax_paid_12m", Records(Match(("tax_paid",)), "sum_amount", 12)),
        ind("tax_paid_prev_12m", Records(Match(("tax_paid",)), "sum_amount", 12, offset=12)),
        ind("tax_paid_change", Derived("diff", "tax_paid_12m", "tax_paid_prev_12m")),
        ind("loans_36m", Records(Match(("loan",)), "count", 36)),
        ind("loans_outstanding", Records(Match(("loan",)), "sum_amount")),
        ind("loans_repaid_36m", Records(Match(("loan_repaid",)), "count", 36)),
        ind(
            "rep_dishonest_now",
            Related("legal_rep", Records(Match(("dishonest_judgment_debtor",)), "count")),
        ),
        ind("rep_penalties_36m", Related("legal_rep", Records(PEN, "count", 36))),
        ind("rep_firms_listed", Related("rep_firms", Records(LISTS, "count"))),
        ind("rep_firms_penalised_24m", Related("rep_firms", Records(PEN, "count", 24))),
        ind("rep_firms_red_listed", Related("rep_firms", Records(RED, "count"))),
        ind("age_years", Attribute("established_on", "years_since")),
        ind("scale", Attribute("scale", categorical=True)),
    ),
)

# a few of PIT's indicators, for the tests that build at many dates
SMALL_PIT = Scheme(
    key="pit_small",
    label_zh="时点测试（精简）",
    label_en="Point-in-time test (small)",
    population=Population("enterprise"),
    indicators=tuple(
        PIT.indicator(n) for n in ("penalties_24m", "listed_now", "rep_firms_penalised_24m")
    ),
)

# the small scheme with the enterprise target, for the training frames
TARGETED = Scheme(
    key="pit_target",
    label_zh="时点测试（目标）",
    label_en="Point-in-time test (target)",
    population=Population("enterprise"),
    indicators=SMALL_PIT.indicators,
    target=get_scheme("enterprise").target,
)

DRV = Scheme(
    key="pit_driver",
    label_zh="驾驶员时点测试",
    label_en="Driver point-in-time test",
    population=Population("driver"),
    indicators=(
        ind("violations_12m", Records(Match(("traffic_violation",)), "count", 12)),
        ind("employer_penalties_24m", Related("employer", Records(PEN, "count", 24))),
        ind("employer_weighted_24m", Related("employer", Records(PEN, "weighted", 24))),
        ind("employer_listed_now", Related("employer", Records(LISTS, "count"))),
    ),
)

# A, B and DD share the legal representative P; C has Q; E and F have none.
SUBJECTS: list[dict] = [
    firm(A, P),
    firm(B, P, scale="micro"),
    firm(C, Q, scale="medium"),
    firm(DD, P),
    firm(E, None),
    firm(F, None, scale="large"),
    driver(X, A),
    driver(Y, C),
    driver(Z, None),
]

# Background records: the frames are not all zeros before anything is planted.
BASE: list[dict] = [
    penalty("base-pen-A", A, D(2025, 12, 1)),
    rec("base-tax-A", A, "tax_credit_level", D(2025, 4, 1), value_text="B"),
    rec("base-hc-A", A, "social_insurance_headcount", D(2026, 3, 31), value_num=12.0),
    rec("base-tp-A1", A, "tax_paid", D(2025, 9, 30), amount=5_000.0),
    rec("base-tp-A2", A, "tax_paid", D(2024, 9, 30), amount=4_000.0),
    rec(
        "base-abn-B",
        B,
        "abnormal_operations_list",
        D(2026, 2, 1),
        severity="general",
        value_text="annual_report",
    ),
    rec(
        "base-red-C",
        C,
        "red_list",
        D(2026, 1, 1),
        value_text="contract_honouring",
        valid_until=D(2027, 1, 1),
    ),
    rec(
        "base-loan-C",
        C,
        "loan",
        D(2025, 1, 1),
        value_num=24.0,
        amount=100_000.0,
        valid_until=D(2027, 1, 1),
    ),
    rec(
        "base-dis-Q",
        Q,
        "dishonest_judgment_debtor",
        D(2025, 6, 1),
        severity="serious",
        decided_on=D(2025, 6, 1),
        valid_until=D(2028, 6, 1),
    ),
    rec("base-vio-X", X, "traffic_violation", D(2026, 5, 1), severity="minor", value_num=3.0),
    penalty("base-pen-C", C, D(2026, 2, 1), "serious"),
]


def frame(
    store: DuckDBStore,
    as_of: dt.date = T,
    scheme: Scheme | str = PIT,
    cfg: BuildConfig | None = None,
) -> pd.DataFrame:
    """The full SQL build, checked against a subset build of its subjects: a slice
    of the store evaluated in process (features/evaluate.py), or for villages and
    townships the SQL on the slice. Every case below holds for both."""
    full = build_features(store, scheme, as_of, cfg=cfg)
    ids = full["subject_id"].tolist()
    assert len(ids) <= IN_PROCESS_MAX
    sub = build_features(store, scheme, as_of, cfg=cfg, subjects=[*ids, "not-a-subject"])
    pd.testing.assert_frame_equal(sub, full, check_exact=False, rtol=1e-9, atol=1e-12)
    return full


def value(fr: pd.DataFrame, subject: str, column: str):
    row = fr.loc[fr["subject_id"] == subject, column]
    assert len(row) == 1, f"{subject} is not once in the frame"
    return row.iloc[0]


def changed(before: pd.DataFrame, after: pd.DataFrame) -> set[tuple[str, str]]:
    """Cells (subject letter, column) that differ between two frames of the same subjects."""
    assert list(before["subject_id"]) == list(after["subject_id"])
    names = {sid: name for name, sid in zip("ABCDEF", (A, B, C, DD, E, F), strict=True)}
    names.update({X: "X", Y: "Y", Z: "Z"})
    out = set()
    for col in before.columns:
        b, a = before[col], after[col]
        same = (b == a) | (b.isna() & a.isna())
        for sid in before.loc[~same.to_numpy(), "subject_id"]:
            out.add((names.get(sid, sid), col))
    return out


@pytest.fixture(scope="module")
def base_frames() -> dict[str, pd.DataFrame]:
    store = make_store(BASE)
    return {
        "pit": frame(store),
        "pit_driver": frame(store, scheme=DRV),
        **{k: frame(store, scheme=k) for k in ("enterprise", "sme", "driver")},
    }


# --- publication ----------------------------------------------------------------


def test_background_frame_is_not_trivial(base_frames) -> None:
    fr = base_frames["pit"]
    assert list(fr["subject_id"]) == sorted([A, B, C, DD, E, F])
    assert value(fr, A, "penalties_24m") == 1
    assert value(fr, A, "tax_level") == "B"
    assert value(fr, B, "listed_now") == 1
    assert value(fr, C, "rep_dishonest_now") == 1
    assert value(fr, A, "rep_firms_listed") == 1  # B
    assert value(fr, C, "red_list_now") == 1


def future_plants() -> tuple[list[dict], list[dict], list[dict], list[dict]]:
    """Everything that happens the day after T: new records of every kind the schemes
    read (for the firms, the legal representative, the employer, the drivers), an
    objection and an approved repair on background records, a firm founded and a
    listing lifted."""
    t1 = T + DAY
    records = [
        penalty("f-pen-A", A, T - 20 * DAY, "serious", published_on=t1),
        penalty("f-pen-B", B, T - 20 * DAY, published_on=t1),
        penalty("f-pen-P", P, T - 20 * DAY, published_on=t1),
        penalty("f-pen-X", X, T - 20 * DAY, published_on=t1),
        penalty("f-pen-E", E, t1),
        rec(
            "f-abn-A",
            A,
            "abnormal_operations_list",
            T - 5 * DAY,
            severity="general",
            value_text="unreachable_address",
            published_on=t1,
        ),
        rec(
            "f-dis-P",
            P,
            "dishonest_judgment_debtor",
            T - 3 * DAY,
            severity="serious",
            published_on=t1,
        ),
        rec(
            "f-red-A",
            A,
            "red_list",
            T - 3 * DAY,
            value_text="integrity_model",
            published_on=t1,
            valid_until=add_months(T, 12),
        ),
        rec("f-tax-A", A, "tax_credit_level", T - 2 * DAY, value_text="D", published_on=t1),
        rec("f-tax-B", B, "tax_credit_level", T, value_text="A", published_on=t1),
        rec("f-hc-A", A, "social_insurance_headcount", T, value_num=99.0, published_on=t1),
        rec("f-tp-A", A, "tax_paid", T - 30 * DAY, amount=1e6, published_on=t1),
        rec(
            "f-loan-A",
            A,
            "loan",
            T - 9 * DAY,
            value_num=12.0,
            amount=5e5,
            valid_until=add_months(T, 12),
            published_on=t1,
        ),
        rec("f-rep-C", C, "loan_repaid", T - 9 * DAY, amount=5e4, published_on=t1),
        rec(
            "f-vio-Y",
            Y,
            "traffic_violation",
            T - 9 * DAY,
            severity="general",
            value_num=6.0,
            published_on=t1,
        ),
        rec("f-vio-X2", X, "traffic_violation", t1, severity="minor", value_num=1.0),
    ]
    subjects = [firm(NEW, P, established=t1)]
    objections = objection("f-obj", "base-pen-A", A, t1)
    repairs = repair("f-repair", "base-pen-C", C, T - 60 * DAY, ("approved", t1))
    return records, subjects, objections, repairs


@pytest.mark.parametrize("scheme", ["pit", "pit_driver", "enterprise", "sme", "driver"])
def test_everything_after_as_of_changes_nothing(scheme: str, base_frames) -> None:
    records, subjects, objections, repairs = future_plants()
    store = make_store(BASE + records, SUBJECTS + subjects, objections, repairs)
    sch = {"pit": PIT, "pit_driver": DRV}.get(scheme, scheme)
    pd.testing.assert_frame_equal(frame(store, scheme=sch), base_frames[scheme])
    if scheme == "pit":  # ...and the plants are seen once they are published
        seen = frame(store, T + DAY)
        assert NEW in set(seen["subject_id"])  # founded on T + 1
        seen = seen[seen["subject_id"] != NEW].reset_index(drop=True)
        assert len(changed(frame(make_store(BASE, slot=1), T + DAY), seen)) > 10


def test_published_on_as_of_counts(base_frames) -> None:
    planted = penalty("p-on-T", DD, T - 20 * DAY, "serious", published_on=T)
    after = frame(make_store([*BASE, planted]))
    before = base_frames["pit"]
    assert changed(before, after) == {
        ("D", "penalties_24m"),
        ("D", "penalty_weight_24m"),
        ("D", "fines_24m"),
        ("D", "days_since_penalty"),
        # A and B share DD's legal representative
        ("A", "rep_firms_penalised_24m"),
        ("B", "rep_firms_penalised_24m"),
    }
    assert value(before, DD, "penalties_24m") == 0
    assert value(after, DD, "penalties_24m") == 1
    assert value(after, DD, "penalty_weight_24m") == 9
    assert value(after, DD, "days_since_penalty") == 20
    assert value(after, A, "rep_firms_penalised_24m") == 1  # was 0
    assert value(after, B, "rep_firms_penalised_24m") == 2  # A and now DD


# --- revocation -------------------------------------------------------------------


@pytest.mark.parametrize(("revoked_on", "counts"), [(T - DAY, False), (T, False), (T + DAY, True)])
def test_revoked_by_as_of_removes_the_record(
    revoked_on: dt.date, counts: bool, base_frames
) -> None:
    planted = penalty("p-rev", DD, T - 20 * DAY, revoked_on=revoked_on)
    after = frame(make_store([*BASE, planted]))
    if counts:
        assert ("D", "penalties_24m") in changed(base_frames["pit"], after)
    else:
        pd.testing.assert_frame_equal(after, base_frames["pit"])


# --- objections -------------------------------------------------------------------

OBJ_RECORD = penalty("obj-pen", A, D(2026, 1, 10), "serious")
OPENED, RESOLVED = D(2026, 3, 1), D(2026, 3, 20)


def _obj_counts(resolution: tuple[str, dt.date] | None, dates: list[dt.date]) -> list[tuple]:
    store = make_store([OBJ_RECORD], objections=objection("O1", "obj-pen", A, OPENED, resolution))
    out = []
    for day in dates:
        fr = frame(store, day, SMALL_PIT)
        out.append((value(fr, A, "penalties_24m"), value(fr, B, "rep_firms_penalised_24m")))
    return out


def test_without_objection_the_record_counts_throughout() -> None:
    store = make_store([OBJ_RECORD])
    for day in (D(2026, 2, 28), OPENED, RESOLVED, T, D(2027, 6, 30)):
        assert value(frame(store, day, SMALL_PIT), A, "penalties_24m") == 1


def test_open_objection_suspends_the_record() -> None:
    dates = [OPENED - DAY, OPENED, T, D(2027, 6, 30)]
    assert _obj_counts(None, dates) == [(1, 1), (0, 0), (0, 0), (0, 0)]


def test_upheld_objection_removes_the_record_for_good() -> None:
    dates = [OPENED - DAY, OPENED, RESOLVED - DAY, RESOLVED, T, D(2027, 6, 30)]
    assert _obj_counts(("upheld", RESOLVED), dates) == [(1, 1)] + [(0, 0)] * 5


def test_rejected_objection_counts_again_from_the_resolution_date() -> None:
    dates = [OPENED - DAY, OPENED, RESOLVED - DAY, RESOLVED, T, D(2027, 6, 30)]
    assert _obj_counts(("rejected", RESOLVED), dates) == [
        (1, 1),
        (0, 0),
        (0, 0),
        (1, 1),
        (1, 1),
        (1, 1),
    ]


def test_a_second_objection_after_a_rejected_one_suspends_again() -> None:
    rows = objection("O1", "obj-pen", A, OPENED, ("rejected", RESOLVED)) + objection(
        "O2", "obj-pen", A, D(2026, 5, 1)
    )
    store = make_store([OBJ_RECORD], objections=rows)
    assert [
        value(frame(store, d, SMALL_PIT), A, "penalties_24m")
        for d in (RESOLVED, D(2026, 4, 30), D(2026, 5, 1))
    ] == [1, 1, 0]


# --- publication window (valid_until) ---------------------------------------------


@pytest.mark.parametrize(("valid_until", "counts"), [(T - DAY, 0), (T, 0), (T + DAY, 1)])
def test_negative_record_stops_counting_at_valid_until(valid_until: dt.date, counts: int) -> None:
    records = [
        penalty("w-pen", E, T - 100 * DAY, valid_until=valid_until),
        rec(
            "w-abn",
            E,
            "abnormal_operations_list",
            T - 100 * DAY,
            severity="general",
            value_text="annual_report",
            valid_until=valid_until,
        ),
    ]
    fr = frame(make_store(records))
    assert value(fr, E, "penalties_24m") == counts
    assert value(fr, E, "listed_now") == counts


# --- credit repair ------------------------------------------------------------------

# (kind, severity, sector, event, decided, approved, end): the record stops counting at `end`.
REPAIR_CASES = {
    "general, current rules, approved before the 3-month minimum": (
        "administrative_penalty",
        "general",
        "price",
        D(2026, 4, 20),
        D(2026, 5, 1),
        D(2026, 6, 1),
        D(2026, 8, 1),
    ),
    "general, approved after the minimum": (
        "administrative_penalty",
        "general",
        "price",
        D(2026, 4, 20),
        D(2026, 5, 1),
        D(2026, 9, 15),
        D(2026, 9, 15),
    ),
    "serious, current rules, 12-month minimum": (
        "administrative_penalty",
        "serious",
        "price",
        D(2026, 4, 20),
        D(2026, 5, 1),
        D(2026, 8, 1),
        D(2027, 5, 1),
    ),
    "serious, approved after the minimum": (
        "administrative_penalty",
        "serious",
        "price",
        D(2026, 4, 20),
        D(2026, 5, 1),
        D(2027, 6, 1),
        D(2027, 6, 1),
    ),
    "general food penalty, sector minimum 12 months": (
        "administrative_penalty",
        "general",
        "food",
        D(2026, 4, 20),
        D(2026, 5, 1),
        D(2026, 9, 1),
        D(2027, 5, 1),
    ),
    "general work-safety penalty, legacy rules, sector minimum still 12 months": (
        "administrative_penalty",
        "general",
        "work_safety",
        D(2026, 1, 20),
        D(2026, 2, 1),
        D(2026, 3, 1),
        D(2027, 2, 1),
    ),
    "serious, decided before 2026-04-01: legacy 6-month minimum": (
        "administrative_penalty",
        "serious",
        "price",
        D(2026, 1, 20),
        D(2026, 2, 1),
        D(2026, 5, 1),
        D(2026, 8, 1),
    ),
    "serious, event before but decided on 2026-04-01: current rules": (
        "administrative_penalty",
        "serious",
        "price",
        D(2026, 3, 20),
        D(2026, 4, 1),
        D(2026, 5, 1),
        D(2027, 4, 1),
    ),
    "minor: no minimum": (
        "administrative_penalty",
        "minor",
        "price",
        D(2026, 4, 20),
        D(2026, 5, 1),
        D(2026, 5, 10),
        D(2026, 5, 10),
    ),
    "serious violation list: 12 months before repair": (
        "serious_violation_list",
        "serious",
        None,
        D(2026, 4, 20),
        D(2026, 5, 1),
        D(2026, 6, 1),
        D(2027, 5, 1),
    ),
}


def _repair_store(case: tuple, decision: tuple[str, dt.date] | None, slot: int = 0) -> DuckDBStore:
    kind, severity, sector, event, decided, _, _ = case
    record = rec(
        "rp",
        E,
        kind,
        event,
        severity=severity,
        value_text=sector,
        decided_on=decided,
        amount=1_000.0,
    )
    return make_store([record], repairs=repair("RP1", "rp", E, decided + DAY, decision), slot=slot)


def _counted(store: DuckDBStore, day: dt.date, cfg: BuildConfig | None = None) -> float:
    fr = frame(store, day, SMALL_PIT, cfg)
    return value(fr, E, "penalties_24m") + value(fr, E, "listed_now")


@pytest.mark.parametrize("case", REPAIR_CASES.values(), ids=REPAIR_CASES.keys())
def test_approved_repair_ends_the_record_not_before_the_minimum(case: tuple) -> None:
    *_, approved, end = case
    store = _repair_store(case, ("approved", approved))
    if approved < end:
        # approved, but not honoured before the minimum
        assert [_counted(store, d) for d in (approved, end - DAY, end)] == [1, 1, 0]
    else:
        assert [_counted(store, d) for d in (approved - DAY, approved)] == [1, 0]


def test_a_repaired_record_stays_ended() -> None:
    case = REPAIR_CASES["serious, current rules, 12-month minimum"]
    store = _repair_store(case, ("approved", case[-2]))
    assert _counted(store, D(2027, 12, 31)) == 0  # still inside its 24-month window


@pytest.mark.parametrize(
    "decision", [None, ("rejected", D(2026, 6, 1))], ids=["applied", "rejected"]
)
def test_applied_or_rejected_repair_changes_nothing(decision: tuple | None) -> None:
    case = REPAIR_CASES["general, current rules, approved before the 3-month minimum"]
    store, plain = _repair_store(case, decision), _repair_store(case, None, slot=1)
    plain.execute("DELETE FROM repairs")
    for day in (D(2026, 8, 1), D(2027, 3, 1)):
        fr = frame(store, day, SMALL_PIT)
        pd.testing.assert_frame_equal(fr, frame(plain, day, SMALL_PIT))
        assert value(fr, E, "penalties_24m") == 1


def test_repair_minimum_comes_from_configuration() -> None:
    case = REPAIR_CASES["general, current rules, approved before the 3-month minimum"]
    store = _repair_store(case, ("approved", D(2026, 6, 1)))
    policy = WindowPolicy(
        tiers={
            "minor": TierWindow(0, 3),
            "general": TierWindow(6, 12),
            "serious": TierWindow(12, 36),
        }
    )
    cfg = BuildConfig(windows=policy)
    assert _counted(store, D(2026, 8, 1)) == 0
    assert _counted(store, D(2026, 8, 1), cfg) == 1
    assert _counted(store, D(2026, 11, 1), cfg) == 0


# --- positive and neutral records -------------------------------------------------------


def test_positive_and_neutral_records_are_not_cut_by_valid_until_in_windows() -> None:
    records = [
        rec(
            "pn-loan-old",
            E,
            "loan",
            D(2024, 1, 1),
            value_num=24.0,
            amount=80_000.0,
            valid_until=D(2026, 1, 1),
        ),  # matured before T
        rec(
            "pn-loan-new",
            E,
            "loan",
            D(2025, 6, 1),
            value_num=24.0,
            amount=50_000.0,
            valid_until=D(2027, 6, 1),
        ),
        rec(
            "pn-loan-T", E, "loan", D(2025, 6, 30), value_num=12.0, amount=7_000.0, valid_until=T
        ),  # matures on T: no longer outstanding
        rec(
            "pn-repaid", E, "loan_repaid", D(2025, 1, 1), amount=80_000.0, valid_until=D(2025, 2, 1)
        ),
        rec(
            "pn-red-old", E, "red_list", D(2025, 3, 1), value_text="a_level_taxpayer", valid_until=T
        ),
        rec(
            "pn-red-new",
            F,
            "red_list",
            D(2025, 8, 1),
            value_text="a_level_taxpayer",
            valid_until=T + DAY,
        ),
    ]
    fr = frame(make_store(records))
    assert value(fr, E, "loans_36m") == 3
    assert value(fr, E, "loans_repaid_36m") == 1
    assert value(fr, E, "loans_outstanding") == 50_000.0  # in force: honours valid_until
    assert value(fr, E, "red_list_now") == 0
    assert value(fr, F, "red_list_now") == 1


def test_in_force_related_indicators_honour_valid_until() -> None:
    # a red list of another firm of the same legal representative, lapsed on T
    records = [
        rec("rf-red-B", B, "red_list", D(2025, 3, 1), value_text="integrity_model", valid_until=T),
        rec(
            "rf-red-C",
            C,
            "red_list",
            D(2025, 3, 1),
            value_text="integrity_model",
            valid_until=T + DAY,
        ),
    ]
    subjects = [*SUBJECTS, firm(NEW, Q)]
    fr = frame(make_store(records, subjects))
    assert value(fr, A, "rep_firms_red_listed") == 0
    assert value(fr, NEW, "rep_firms_red_listed") == 1


# --- windows ----------------------------------------------------------------------


def test_window_excludes_its_lower_bound_and_includes_the_as_of_date() -> None:
    lo = add_months(T, -24)
    assert lo == D(2024, 6, 30)
    cases = {
        E: [penalty("w-lo", E, lo)],
        F: [penalty("w-in", F, lo + DAY)],
        DD: [penalty("w-T", DD, T)],
        # the record's date is decided_on when present
        C: [penalty("w-dec", C, lo + DAY, valid_until=None) | {"event_date": lo - 30 * DAY}],
        B: [
            rec(
                "w-ev",
                B,
                "administrative_penalty",
                lo,
                severity="minor",
                value_text="other",
                valid_until=T + DAY,
            )
        ],
    }
    fr = frame(make_store([r for rows in cases.values() for r in rows]))
    assert {s: value(fr, s, "penalties_24m") for s in cases} == {E: 0, F: 1, DD: 1, C: 1, B: 0}


def test_offset_window_picks_the_year_before() -> None:
    records = [
        rec("tp1", E, "tax_paid", D(2025, 7, 1), amount=1.0),  # first day of the last 12 months
        rec("tp2", E, "tax_paid", T, amount=2.0),
        rec("tp3", E, "tax_paid", D(2025, 6, 30), amount=10.0),  # T - 12 months: the year before
        rec("tp4", E, "tax_paid", D(2024, 7, 1), amount=20.0),
        rec("tp5", E, "tax_paid", D(2024, 6, 30), amount=100.0),  # T - 24 months: neither
    ]
    fr = frame(make_store(records))
    assert value(fr, E, "tax_paid_12m") == 3.0
    assert value(fr, E, "tax_paid_prev_12m") == 30.0
    assert value(fr, E, "tax_paid_change") == -27.0
    assert value(fr, F, "tax_paid_change") == 0.0


SPREAD = Scheme(
    key="pit_spread",
    label_zh="波动与类别测试",
    label_en="Volatility and kinds test",
    population=Population("enterprise"),
    indicators=(
        ind("tax_paid_cv_12m", Records(Match(("tax_paid",)), "cv_amount", 12)),
        ind("headcount_cv_12m", Records(Match(("social_insurance_headcount",)), "cv_value", 12)),
        ind(
            "negative_kinds_36m",
            Records(
                Match(("administrative_penalty", "tax_arrears", "court_judgment")),
                "distinct_kinds",
                36,
            ),
        ),
    ),
)


def test_volatility_and_distinct_kinds() -> None:
    records = [
        # E: tax 10 and 30 in the window (sd 10, mean 20), 1000 the year before (outside)
        rec("cv1", E, "tax_paid", D(2025, 9, 30), amount=10.0),
        rec("cv2", E, "tax_paid", D(2026, 3, 31), amount=30.0),
        rec("cv3", E, "tax_paid", D(2025, 3, 31), amount=1000.0),
        rec("hc1", E, "social_insurance_headcount", D(2026, 1, 31), value_num=5.0),
        rec("hc2", E, "social_insurance_headcount", D(2026, 2, 28), value_num=5.0),
        # F: one tax record (no spread), only zeros for another (mean 0: no ratio)
        rec("cv4", F, "tax_paid", D(2026, 1, 31), amount=50.0),
        rec("hc3", F, "social_insurance_headcount", D(2026, 1, 31), value_num=0.0),
        # E: two penalties and one court judgment are two kinds; the tax record is not one
        rec(
            "k1",
            E,
            "administrative_penalty",
            D(2025, 1, 10),
            severity="general",
            valid_until=T + 400 * DAY,
        ),
        rec(
            "k2",
            E,
            "administrative_penalty",
            D(2025, 2, 10),
            severity="general",
            valid_until=T + 400 * DAY,
        ),
        rec("k3", E, "court_judgment", D(2025, 5, 10), amount=1.0),
    ]
    fr = frame(make_store(records), scheme=SPREAD)
    assert value(fr, E, "tax_paid_cv_12m") == pytest.approx(0.5)
    assert value(fr, E, "headcount_cv_12m") == 0.0
    assert value(fr, F, "tax_paid_cv_12m") == 0.0
    assert pd.isna(value(fr, F, "headcount_cv_12m"))
    assert pd.isna(value(fr, DD, "tax_paid_cv_12m"))  # no record: missing, not zero
    assert value(fr, E, "negative_kinds_36m") == 2.0
    assert value(fr, F, "negative_kinds_36m") == 0.0


def test_add_months_clamps_to_the_month_end() -> None:
    assert add_months(D(2026, 3, 31), -1) == D(2026, 2, 28)
    assert add_months(D(2024, 2, 29), 12) == D(2025, 2, 28)
    assert add_months(D(2026, 1, 15), -13) == D(2024, 12, 15)
    assert add_months(D(2025, 12, 31), 2) == D(2026, 2, 28)


# --- latest values ------------------------------------------------------------------


@pytest.mark.parametrize("reverse", [False, True], ids=["in-order", "reversed"])
def test_latest_picks_the_latest_date_then_the_largest_record_id(reverse: bool) -> None:
    records = [
        rec("lt-1", E, "tax_credit_level", D(2025, 4, 1), value_text="A"),
        rec("lt-3", E, "tax_credit_level", D(2026, 4, 1), value_text="M"),
        rec("lt-2", E, "tax_credit_level", D(2026, 4, 1), value_text="C"),  # same date, smaller id
        rec("lt-0", E, "tax_credit_level", D(2026, 3, 1), value_text="D", decided_on=None),
        rec("hc-b", E, "social_insurance_headcount", D(2026, 5, 31), value_num=7.0),
        rec("hc-a", E, "social_insurance_headcount", D(2026, 5, 31), value_num=9.0),
        rec("hc-z", E, "social_insurance_headcount", D(2026, 4, 30), value_num=50.0),
        # decided_on wins over event_date for the record's date
        rec("lt-F1", F, "tax_credit_level", D(2026, 5, 1), value_text="B"),
        rec(
            "lt-F2", F, "tax_credit_level", D(2025, 1, 1), value_text="D", decided_on=D(2026, 6, 1)
        ),
    ]
    fr = frame(make_store(records[::-1] if reverse else records))
    assert value(fr, E, "tax_level") == "M"
    assert value(fr, E, "headcount") == 7.0
    assert value(fr, F, "tax_level") == "D"
    assert value(fr, DD, "tax_level") is None
    assert np.isnan(value(fr, DD, "headcount"))


def test_latest_ignores_records_outside_the_window() -> None:
    records = [
        rec("lw-1", E, "tax_credit_level", D(2024, 6, 30), value_text="A"),
        rec("lw-2", F, "tax_credit_level", D(2024, 7, 1), value_text="C"),
    ]
    fr = frame(make_store(records))
    assert value(fr, E, "tax_level") is None
    assert value(fr, F, "tax_level") == "C"


# --- related parties -----------------------------------------------------------------


def test_legal_rep_reads_the_representatives_own_records() -> None:
    records = [
        rec(
            "lr-dis",
            P,
            "dishonest_judgment_debtor",
            D(2025, 1, 5),
            severity="serious",
            decided_on=D(2025, 1, 5),
            valid_until=D(2028, 1, 5),
        ),
        penalty("lr-pen1", P, D(2024, 1, 1)),
        penalty("lr-pen2", P, D(2023, 6, 30)),  # T - 36 months: outside
        penalty("lr-pen-Q", Q, D(2026, 1, 1), revoked_on=D(2026, 2, 1)),
    ]
    fr = frame(make_store(records, SUBJECTS))
    got = {
        s: (value(fr, s, "rep_dishonest_now"), value(fr, s, "rep_penalties_36m"))
        for s in (A, B, C, DD, E, F)
    }
    assert got == {A: (1, 1), B: (1, 1), C: (0, 0), DD: (1, 1), E: (0, 0), F: (0, 0)}
    # the representative's records are not the firm's own
    assert value(fr, A, "listed_now") == 0 and value(fr, A, "penalties_24m") == 0


def test_rep_firms_counts_other_firms_of_the_same_representative() -> None:
    records = [
        rec(
            "rf-B",
            B,
            "abnormal_operations_list",
            D(2026, 1, 1),
            severity="general",
            value_text="annual_report",
        ),
        rec(
            "rf-D1",
            DD,
            "abnormal_operations_list",
            D(2026, 1, 1),
            severity="general",
            value_text="annual_report",
        ),
        rec(
            "rf-D2",
            DD,
            "serious_violation_list",
            D(2026, 2, 1),
            severity="serious",
            valid_until=D(2029, 2, 1),
        ),
        rec(
            "rf-F",
            F,
            "abnormal_operations_list",
            D(2026, 1, 1),
            severity="general",
            value_text="annual_report",
        ),  # F has no legal representative, nor has E
        penalty("rf-pen-B", B, D(2026, 1, 1)),
        penalty("rf-pen-D", DD, D(2023, 12, 1)),  # outside 24 months
    ]
    fr = frame(make_store(records))
    listed = {s: value(fr, s, "rep_firms_listed") for s in (A, B, C, DD, E, F)}
    assert listed == {A: 2, B: 1, C: 0, DD: 1, E: 0, F: 0}
    penalised = {s: value(fr, s, "rep_firms_penalised_24m") for s in (A, B, C, DD, E, F)}
    assert penalised == {A: 1, B: 0, C: 0, DD: 1, E: 0, F: 0}


def test_employer_reads_the_drivers_employer() -> None:
    records = [
        penalty("em-1", A, D(2026, 1, 1), "serious"),
        penalty("em-2", A, D(2025, 1, 1)),
        penalty("em-3", A, D(2024, 6, 1)),  # outside 24 months
        rec(
            "em-l",
            C,
            "abnormal_operations_list",
            D(2026, 1, 1),
            severity="general",
            value_text="annual_report",
        ),
        rec("em-v", X, "traffic_violation", D(2026, 1, 1), severity="minor", value_num=3.0),
    ]
    fr = frame(make_store(records), scheme=DRV)
    assert list(fr["subject_id"]) == sorted([X, Y, Z])
    got = {
        s: tuple(
            value(fr, s, c)
            for c in (
                "violations_12m",
                "employer_penalties_24m",
                "employer_weighted_24m",
                "employer_listed_now",
            )
        )
        for s in (X, Y, Z)
    }
    assert got == {X: (1, 2, 12.0, 0), Y: (0, 0, 0.0, 1), Z: (0, 0, 0.0, 0)}
    # the real driver scheme reads the same relation
    real = frame(make_store(records), scheme="driver")
    assert value(real, X, "employer_penalties_24m") == 12.0
    assert value(real, Y, "employer_listed") == 1


# --- members: villages and townships -------------------------------------------------------

RURAL_SUBJECTS = [
    division(V1),
    division(V2),
    division(V3),
    division(TOWN1),
    division(TOWN2),
    household(H1, V1),
    household(H2, V1),
    household(H3, V1),
    household(H4, V2),
    household(H5, V1, closed=D(2026, 1, 1)),  # closed: no longer a member
    household(H6, V2),
]


def _rural_records() -> list[dict]:
    score = {H1: 80.0, H2: 50.0, H3: 90.0, H4: 60.0, H5: 100.0}
    out = [
        rec(f"va-{i}", h, "village_assessment", D(2026, 3, 1), value_num=s)
        for i, (h, s) in enumerate(score.items())
    ]
    out += [
        rec(
            "ln-1",
            H1,
            "loan",
            D(2025, 9, 1),
            value_num=12.0,
            amount=100_000.0,
            valid_until=D(2026, 9, 1),
        ),
        rec(
            "ln-2",
            H2,
            "loan",
            D(2025, 9, 1),
            value_num=24.0,
            amount=50_000.0,
            valid_until=D(2027, 9, 1),
        ),
        rec(
            "ln-4",
            H4,
            "loan",
            D(2025, 1, 1),
            value_num=24.0,
            amount=30_000.0,
            valid_until=D(2027, 1, 1),
        ),
        rec(
            "ln-5",
            H5,
            "loan",
            D(2025, 1, 1),
            value_num=24.0,
            amount=999_000.0,
            valid_until=D(2027, 1, 1),
        ),
        rec(
            "od-2",
            H2,
            "loan_overdue",
            D(2026, 4, 1),
            severity="general",
            value_num=120.0,
            amount=20_000.0,
        ),
        rec(
            "od-4",
            H4,
            "loan_overdue",
            D(2025, 3, 1),
            severity="minor",
            value_num=30.0,
            amount=5_000.0,
        ),
        rec(
            "ins-3",
            H3,
            "agricultural_insurance",
            D(2025, 12, 1),
            amount=3_000.0,
            valid_until=D(2026, 12, 1),
        ),
        rec(
            "dis-6",
            H6,
            "dishonest_judgment_debtor",
            D(2026, 1, 1),
            severity="serious",
            decided_on=D(2026, 1, 1),
            valid_until=D(2029, 1, 1),
        ),
    ]
    return out


def test_village_aggregates_its_households() -> None:
    store = make_store(_rural_records(), RURAL_SUBJECTS)
    hh = frame(store, scheme="household")
    assert set(hh["subject_id"]) == {H1, H2, H3, H4, H6}
    vil = frame(store, scheme="village").set_index("subject_id")
    assert list(vil.index) == sorted([V1, V2, V3])
    v1 = vil.loc[V1]
    assert v1["households"] == 3
    assert v1["share_assessed_good"] == pytest.approx(2 / 3)
    assert v1["mean_village_score"] == pytest.approx((80 + 50 + 90) / 3)
    assert v1["share_borrowing"] == pytest.approx(2 / 3)
    assert v1["loans_outstanding"] == pytest.approx(150_000 / 3)
    assert v1["npl_ratio"] == pytest.approx(20_000 / 150_000)
    assert v1["share_overdue_24m"] == pytest.approx(1 / 3)
    assert v1["share_insured"] == pytest.approx(1 / 3)
    assert v1["share_dishonest"] == 0
    v2 = vil.loc[V2]
    assert v2["households"] == 2
    assert v2["share_assessed_good"] == pytest.approx(1 / 2)  # H6 has no score: not good
    assert v2["mean_village_score"] == pytest.approx(60.0)  # the mean skips a missing score
    assert v2["npl_ratio"] == 0  # the 30-day delinquency is no NPL
    assert v2["share_dishonest"] == pytest.approx(1 / 2)
    v3 = vil.loc[V3]  # no households
    assert v3["households"] == 0
    assert v3[["share_assessed_good", "mean_village_score", "npl_ratio"]].isna().all()
    # the village means are the means of the household frame
    means = hh.assign(
        v=hh["subject_id"].map({r["subject_id"]: r["village_code"] for r in RURAL_SUBJECTS})
    )
    expected = means.groupby("v")["loans_outstanding"].mean()
    assert vil.loc[[V1, V2], "loans_outstanding"].tolist() == pytest.approx(
        expected[[V1, V2]].tolist()
    )


def test_township_aggregates_the_households_of_its_villages() -> None:
    store = make_store(_rural_records(), RURAL_SUBJECTS)
    town = frame(store, scheme="township").set_index("subject_id")
    assert town.loc[TOWN1, "households"] == 5
    assert town.loc[TOWN2, "households"] == 0
    assert town.loc[TOWN1, "npl_ratio"] == pytest.approx(20_000 / 180_000)


def test_member_aggregates_are_point_in_time() -> None:
    extra = [
        rec(
            "va-late", H2, "village_assessment", D(2026, 6, 1), value_num=95.0, published_on=T + DAY
        ),
        rec(
            "od-late",
            H1,
            "loan_overdue",
            D(2026, 6, 1),
            severity="serious",
            value_num=95.0,
            amount=60_000.0,
            published_on=T + DAY,
        ),
    ]
    base = make_store(_rural_records(), RURAL_SUBJECTS)
    late = make_store(_rural_records() + extra, RURAL_SUBJECTS, slot=1)
    for key in ("village", "township"):
        pd.testing.assert_frame_equal(frame(late, scheme=key), frame(base, scheme=key))
    assert not frame(late, T + DAY, "village").equals(frame(base, T + DAY, "village"))


# --- the loan book at the date (信用村: arrears and NPL are stocks) -------------------


def _loan(rid: str, who: str, granted: dt.date, amount: float, months: int = 12) -> dict:
    return rec(
        rid,
        who,
        "loan",
        granted,
        value_num=float(months),
        amount=amount,
        valid_until=add_months(granted, months),
    )


def _past_due(rid: str, who: str, day: dt.date, days: float, amount: float, **kw) -> dict:
    return rec(rid, who, "loan_overdue", day, value_num=days, amount=amount, **kw)


def _loan_book() -> list[dict]:
    return [
        # H1: 30 days past due on 2026-06-10, still open at T (30 + 20 < 90)
        _loan("lb-1", H1, D(2025, 9, 1), 100_000.0),
        _past_due("pd-1", H1, D(2026, 6, 10), 30.0, 3_000.0),
        # H2: 45 days past due on 2026-04-01 and no later report: cured by T
        _loan("lb-2", H2, D(2025, 9, 1), 50_000.0, 24),
        _past_due("pd-2", H2, D(2026, 4, 1), 45.0, 2_000.0),
        # H3: a default on its previous loan; the bank lent again, the new loan is clean
        _loan("lb-3a", H3, D(2024, 1, 1), 40_000.0),
        _past_due("pd-3", H3, D(2024, 6, 1), 90.0, 40_000.0),
        _loan("lb-3b", H3, D(2025, 7, 1), 60_000.0),
        # H4: 30 days, then 90 days past due: non-performing while the loan is on the book
        _loan("lb-4", H4, D(2025, 10, 1), 80_000.0),
        _past_due("pd-4a", H4, D(2026, 2, 1), 30.0, 24_000.0),
        _past_due("pd-4b", H4, D(2026, 4, 2), 90.0, 80_000.0),
        # H6: a default on a loan past its maturity: off the book (no borrower, no NPL)
        _loan("lb-6", H6, D(2025, 1, 1), 40_000.0),
        _past_due("pd-6", H6, D(2025, 8, 1), 90.0, 40_000.0),
        # published after T: unknown at T
        _past_due("pd-late", H2, D(2026, 6, 20), 10.0, 500.0, published_on=T + DAY),
    ]


@pytest.mark.parametrize(
    ("day", "open_now", "npl"),
    [
        (T, {H1: 1, H2: 0, H3: 0, H4: 1, H6: 0}, {H4: 80_000.0}),
        # H1's report would reach 90 days on 2026-08-09: open the day before, not on it;
        # H2's report published after T is known now, and open
        (D(2026, 8, 8), {H1: 1, H2: 1, H3: 0, H4: 1, H6: 0}, {H4: 80_000.0}),
        (D(2026, 8, 9), {H1: 0, H2: 1, H3: 0, H4: 1, H6: 0}, {H4: 80_000.0}),
        # H4's loan matured on 2026-10-01 and left the book
        (D(2026, 10, 1), {H1: 0, H2: 0, H3: 0, H4: 0, H6: 0}, {}),
    ],
)
def test_arrears_and_non_performing_loans_at_the_date(day, open_now, npl) -> None:
    store = make_store(_loan_book(), RURAL_SUBJECTS)
    hh = frame(store, day, "household").set_index("subject_id")
    assert hh.loc[list(open_now), "overdue_open_now"].to_dict() == open_now
    assert hh["npl_amount_now"].to_dict() == {h: npl.get(h, 0.0) for h in hh.index}
    # the history indicators still see every report that counts
    assert hh.loc[H2, "loan_overdue_24m"] == (2 if day > T else 1)


def test_the_village_loan_book_shares() -> None:
    store = make_store(_loan_book(), RURAL_SUBJECTS)
    vil = frame(store, T, "village").set_index("subject_id")
    # V1: H1 in arrears, H2 cured, H3 clean on its new loan: 2 of 3 borrowers
    assert vil.loc[V1, "share_borrowers_without_arrears"] == pytest.approx(2 / 3)
    assert vil.loc[V1, "npl_ratio"] == 0
    # V2: H4 non-performing; H6 has no loan on the book
    assert vil.loc[V2, "share_borrowers_without_arrears"] == 0
    assert vil.loc[V2, "npl_ratio"] == pytest.approx(1.0)
    assert np.isnan(vil.loc[V3, "share_borrowers_without_arrears"])  # no borrowers
    # an open objection suspends the 90-day report: the loan is performing again
    held = make_store(
        _loan_book(), RURAL_SUBJECTS, objection("ob-4", "pd-4b", H4, T - 10 * DAY), slot=1
    )
    hh = frame(held, T, "household").set_index("subject_id")
    assert hh.loc[H4, "npl_amount_now"] == 0 and hh.loc[H4, "overdue_open_now"] == 0


def test_a_household_without_loans_is_rated_alone() -> None:
    """One household's slice without any loan record: nothing to anchor on."""
    store = make_store([r for r in _loan_book() if r["subject_id"] != H2], RURAL_SUBJECTS)
    one = build_features(store, "household", T, subjects=[H2])
    assert one["overdue_open_now"].tolist() == [0.0] and one["npl_amount_now"].tolist() == [0.0]


def test_since_reads_the_subjects_own_records_only() -> None:
    bad = Scheme(
        key="bad",
        label_zh="错误",
        label_en="bad",
        population=Population("enterprise"),
        indicators=(
            ind(
                "rep_arrears",
                Related(
                    "legal_rep", Records(Match(("loan_overdue",)), "count", since=Match(("loan",)))
                ),
            ),
        ),
    )
    store = make_store(BASE)
    with pytest.raises(ValueError, match="own records only"):
        build_features(store, bad, T)
    with pytest.raises(ValueError, match="own records only"):
        build_features(store, bad, T, subjects=[A])


# --- labels -------------------------------------------------------------------------

LABEL_T = D(2025, 6, 30)
HORIZON = add_months(LABEL_T, 12)
LABEL_FIRMS = FIRMS  # ten firms, one case each


def _label_records() -> dict[str, list[dict]]:
    a, b, c, d, e, f, g, h, i, j = LABEL_FIRMS
    return {
        a: [penalty("lb-a", a, LABEL_T)],  # dated exactly T: the past, not a label
        b: [penalty("lb-b", b, HORIZON)],  # T + 12 months: a label
        c: [penalty("lb-c", c, HORIZON + DAY)],  # a day later: not
        # decided_on wins over event_date, both ways
        d: [penalty("lb-d", d, LABEL_T + 5 * DAY) | {"event_date": LABEL_T - 30 * DAY}],
        e: [penalty("lb-e", e, HORIZON + 5 * DAY) | {"event_date": HORIZON - 30 * DAY}],
        # no decision date: the event date
        f: [
            rec(
                "lb-f",
                f,
                "abnormal_operations_list",
                LABEL_T + DAY,
                severity="general",
                value_text="annual_report",
            )
        ],
        g: [penalty("lb-g", g, LABEL_T + 30 * DAY, revoked_on=LABEL_T + 60 * DAY)],
        h: [penalty("lb-h", h, LABEL_T + 30 * DAY)],  # upheld objection
        i: [penalty("lb-i", i, LABEL_T + 30 * DAY)],  # rejected objection
        j: [penalty("lb-j", j, LABEL_T + 30 * DAY, "minor")],  # not a target severity
    }


def _label_store(extra: Iterable[dict] = ()) -> DuckDBStore:
    subjects = [firm(s, None) for s in LABEL_FIRMS]
    records = [r for rows in _label_records().values() for r in rows] + list(extra)
    h, i = LABEL_FIRMS[7], LABEL_FIRMS[8]
    objections = objection(
        "lo-h", "lb-h", h, LABEL_T + 40 * DAY, ("upheld", LABEL_T + 50 * DAY)
    ) + objection("lo-i", "lb-i", i, LABEL_T + 40 * DAY, ("rejected", LABEL_T + 50 * DAY))
    return make_store(records, subjects, objections)


def test_labels_look_only_at_the_next_twelve_months() -> None:
    _, b, _, d, _, f, _, _, i, _ = LABEL_FIRMS
    assert build_labels(_label_store(), "enterprise", LABEL_T) == {b, d, f, i}


def test_sme_label_is_a_loan_90_days_past_due() -> None:
    late = [
        rec(
            "lb-od",
            LABEL_FIRMS[0],
            "loan_overdue",
            LABEL_T + 60 * DAY,
            severity="serious",
            value_num=90.0,
            amount=1e4,
        ),
        rec(
            "lb-od2",
            LABEL_FIRMS[1],
            "loan_overdue",
            LABEL_T + 60 * DAY,
            severity="general",
            value_num=89.0,
            amount=1e4,
        ),
        rec(
            "lb-od3",
            LABEL_FIRMS[2],
            "loan_overdue",
            LABEL_T,
            severity="serious",
            value_num=120.0,
            amount=1e4,
        ),
    ]
    assert build_labels(_label_store(late), "sme", LABEL_T) == {LABEL_FIRMS[0]}


def test_training_frame_stacks_snapshots_with_labels() -> None:
    end = add_months(LABEL_T, 15)
    store = _label_store([rec("end", LABEL_FIRMS[0], "tax_paid", end, amount=1.0)])
    dates = [add_months(LABEL_T, -3), LABEL_T]
    tf = build_training_frame(store, TARGETED, dates)
    assert tf["label"].dtype == np.int8
    for day in dates:
        part = tf[tf["as_of"] == pd.Timestamp(day)].reset_index(drop=True)
        pd.testing.assert_frame_equal(part.drop(columns="label"), frame(store, day, TARGETED))
        labelled = set(part.loc[part["label"] == 1, "subject_id"])
        assert labelled == build_labels(store, "enterprise", day)
    assert len(tf) == 2 * len(LABEL_FIRMS)
    assert tf.loc[tf["as_of"] == pd.Timestamp(LABEL_T), "label"].sum() == 4


def test_training_frame_refuses_an_unobserved_label_window() -> None:
    records = [
        penalty("lb-x", A, LABEL_T + 30 * DAY),
        rec("end", B, "tax_paid", HORIZON, amount=1.0),
    ]  # the data end: T + 12 months
    store = make_store(records, [firm(s, None) for s in LABEL_FIRMS])
    assert len(build_training_frame(store, TARGETED, [LABEL_T])) == len(LABEL_FIRMS)
    later = LABEL_T + DAY
    with pytest.raises(ValueError, match="allow_incomplete"):
        build_training_frame(store, TARGETED, [LABEL_T, later])
    tf = build_training_frame(store, TARGETED, [LABEL_T, later], allow_incomplete=True)
    assert len(tf) == 2 * len(LABEL_FIRMS)


# --- population ------------------------------------------------------------------------


def test_enterprise_population_at_the_as_of_date() -> None:
    subjects = [
        firm(A, None, established=T),
        firm(B, None, established=T + DAY),
        firm(C, None, closed=T),
        firm(DD, None, closed=T + DAY),
        firm(E, None, established=D(2010, 1, 1), closed=T - DAY),
        firm(F, None) | {"established_on": None},
        driver(X, A),
    ]
    fr = frame(make_store([], subjects), scheme="enterprise")
    assert list(fr["subject_id"]) == sorted([A, DD, F])
    assert set(frame(make_store([], subjects), T + DAY, "enterprise")["subject_id"]) == {A, B, F}


def test_the_latest_version_of_a_subject_wins() -> None:
    subjects = [
        firm(A, None, scale="small", recorded_at="2026-01-01"),
        firm(A, None, scale="medium", recorded_at="2026-02-01"),
        firm(B, None, recorded_at="2026-02-01"),
        firm(B, None, closed=D(2026, 3, 1), recorded_at="2026-03-01"),
    ]
    fr = frame(make_store([], subjects))
    assert list(fr["subject_id"]) == [A]
    assert value(fr, A, "scale") == "medium"


def test_sme_population_needs_scale_and_a_published_loan() -> None:
    subjects = [
        firm(s, None, scale=sc)
        for s, sc in ((A, "small"), (B, "micro"), (C, "medium"), (DD, "small"), (E, "small"))
    ]
    subjects += [
        firm(LARGE, None, scale="large"),
        firm(NEW, None) | {"scale": None},
        firm(F, None, scale="small"),
    ]

    def loan(rid: str, sid: str, published: dt.date | None = None, **kw) -> dict:
        return rec(
            rid,
            sid,
            "loan",
            D(2025, 1, 1),
            value_num=24.0,
            amount=1e5,
            valid_until=D(2025, 6, 1),
            published_on=published or D(2025, 1, 5),
            **kw,
        )

    records = [
        loan("l-A", A),
        loan("l-B", B),
        loan("l-C", C, published=T),
        loan("l-D", DD, published=T + DAY),
        loan("l-L", LARGE),
        loan("l-N", NEW),
        loan("l-F", F, revoked_on=D(2025, 3, 1)),
        rec("r-E", E, "loan_repaid", D(2025, 1, 1)),
    ]  # repaid, but no loan on record
    fr = frame(make_store(records, subjects), scheme="sme")
    assert list(fr["subject_id"]) == sorted([A, B, C])
    assert set(frame(make_store(records, subjects), T + DAY, "sme")["subject_id"]) == {A, B, C, DD}
