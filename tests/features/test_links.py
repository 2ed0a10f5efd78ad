"""Declared links (features/links.py): every ``via`` kind gives the same pairs in SQL
(DuckDB, Spark) and in process, on a hand-made store where the expected pairs are
known; and a ``Table`` link declared in a test builds the same indicators through the
compiled SQL and through the in-process evaluator over a one-subject slice."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features import registry
from features.build import build_features
from features.definitions import relations
from features.dsl import NEUTRAL, Indicator, Match, Population, Records, Related, Scheme
from features.effective import latest_subjects
from features.link_lookup import link
from features.links import Column, Link, ListPersons, Reverse, SameColumn, Table, party_lists
from features.records.ids import generate_id_numbers, generate_uscc
from features.records.kinds import KINDS
from features.records.schema import TABLES
from features.store.duckdb_store import DuckDBStore
from features.subjects import current_subjects_sql

D = dt.date
T = D(2026, 6, 30)
COUNTY = "530302"
_rng = np.random.default_rng(18)
F1, F2, F3, F4 = list(dict.fromkeys(generate_uscc(_rng, np.array([COUNTY] * 6))))[:4]
P, Q, R, S = list(
    dict.fromkeys(
        generate_id_numbers(
            _rng,
            np.array([COUNTY] * 6),
            np.datetime64("1970-01-01") + _rng.integers(0, 9_000, 6).astype("timedelta64[D]"),
            _rng.random(6) < 0.5,
        )
    )
)[:4]


def _firm(sid: str, rep: str | None, kind: str = "enterprise") -> dict:
    return dict(
        subject_id=sid,
        subject_type=kind,
        name=f"测试企业{sid[-4:]}有限公司",
        region_code=COUNTY,
        industry="C",
        scale="small",
        registered_capital=100.0,
        established_on=D(2015, 1, 1),
        legal_rep_id=rep,
        status="active",
    )


def _person(sid: str, kind: str, employer: str | None = None) -> dict:
    return dict(
        subject_id=sid,
        subject_type=kind,
        name=f"测试{sid[-4:]}",
        region_code=COUNTY,
        established_on=D(2010, 1, 1),
        employer_id=employer,
        status="active",
    )


SUBJECTS = [
    _firm(F1, P),
    _firm(F2, P),
    _firm(F3, Q),
    # a village sharing P as "legal representative": not an organisation of rep_firms
    {**_firm(F4, P, "village"), "industry": None, "scale": None},
    _person(P, "household"),
    _person(Q, "household"),
    _person(R, "driver", employer=F1),
    _person(S, "driver"),
]


def _link(subject: str, party: str, start: D, end: D | None = None, rel="member") -> dict:
    return dict(
        subject_id=subject,
        relation=rel,
        party_id=party,
        role="成员",
        valid_from=start,
        valid_to=end,
        source_dept="测试",
    )


LINK_ROWS = [
    _link(F1, P, D(2020, 1, 1), D(2026, 1, 1)),  # ended before T
    _link(F1, Q, D(2025, 1, 1)),  # open
    _link(F1, Q, D(2025, 1, 1)),  # the same link reported twice: one pair
    _link(F1, R, D(2027, 1, 1)),  # not yet
    _link(F2, S, D(2026, 6, 30), D(2026, 7, 1)),  # the day itself counts
    _link(F2, P, D(2020, 1, 1), rel="other"),  # another relation
]


def _event(eid: str, listing: str, key: str, subject: str, event: str, on: D, **kw) -> dict:
    return dict(
        event_id=eid,
        listing_id=listing,
        list_key=key,
        subject_id=subject,
        event=event,
        effective_on=on,
        recorded_at=pd.Timestamp(on),
        **kw,
    )


ENTER = {"basis": "decision", "dept": "测试", "document_no": "测试〔2025〕1号"}
EVENTS = [
    # in force, names P and (lower case, with a space) Q
    _event("L1", "L1", "black", F3, "enter", D(2025, 1, 1), persons=f"{P}, {Q.lower()}", **ENTER),
    # exited before T
    _event("L2", "L2", "black", F2, "enter", D(2025, 1, 1), persons=Q, **ENTER),
    _event("L2x", "L2", "black", F2, "exit_rule", D(2026, 3, 1)),
    # suspended at T
    _event("L3", "L3", "black", F1, "enter", D(2025, 1, 1), persons=S, **ENTER),
    _event("L3s", "L3", "black", F1, "suspend", D(2026, 2, 1)),
    # suspended, then resumed: in force
    _event("L4", "L4", "black", F2, "enter", D(2025, 1, 1), persons=R, **ENTER),
    _event("L4s", "L4", "black", F2, "suspend", D(2026, 2, 1)),
    _event("L4r", "L4", "black", F2, "resume", D(2026, 3, 1)),
    # expired; another list; entered after T
    _event("L5", "L5", "black", F1, "enter", D(2024, 1, 1), persons=Q, expires_on=T, **ENTER),
    _event("L6", "L6", "red", F1, "enter", D(2025, 1, 1), persons=P, **ENTER),
    _event("L7", "L7", "black", F1, "enter", D(2026, 7, 1), persons=P, **ENTER),
]

#: the pairs each via gives at T, written out by hand
CASES = {
    "column": (
        Link("c", "c", "c", Column("legal_rep_id")),
        {(F1, P), (F2, P), (F3, Q), (F4, P)},
    ),
    "column_employer": (Link("e", "e", "e", Column("employer_id")), {(R, F1)}),
    "reverse": (
        Link("r", "r", "r", Reverse("legal_rep_id"), target_types=("enterprise",)),
        {(P, F1), (P, F2), (Q, F3)},
    ),
    "reverse_any_type": (
        Link("r2", "r2", "r2", Reverse("legal_rep_id")),
        {(P, F1), (P, F2), (P, F4), (Q, F3)},
    ),
    "same_column": (
        Link("s", "s", "s", SameColumn("legal_rep_id"), target_types=("enterprise",)),
        {(F1, F2), (F2, F1), (F4, F1), (F4, F2)},
    ),
    "table": (Link("t", "t", "t", Table("member")), {(F1, Q), (F2, S)}),
    "table_typed": (
        Link("t2", "t2", "t2", Table("member"), target_types=("household",)),
        {(F1, Q)},
    ),
    "list_persons": (Link("l", "l", "l", ListPersons(("black",))), {(P, F3), (Q, F3), (R, F2)}),
    "list_persons_red": (Link("l2", "l2", "l2", ListPersons(("red",))), {(P, F1)}),
}


def _frame(table: str, rows: list[dict]) -> pd.DataFrame:
    cols = [c for c in TABLES[table].column_names if any(c in r for r in rows)]
    return pd.DataFrame(rows, columns=cols)


@pytest.fixture(scope="module")
def store():
    s = DuckDBStore(":memory:", threads=1)
    s.append("subjects", _frame("subjects", SUBJECTS))
    s.append("subject_links", _frame("subject_links", LINK_ROWS))
    s.append("list_events", _frame("list_events", EVENTS))
    pen = KINDS["administrative_penalty"]
    records = [
        dict(
            record_id=f"R{i}",
            subject_id=sid,
            kind="administrative_penalty",
            domain=pen.domain,
            severity="general",
            polarity="negative",
            value_text="price",
            amount=1000.0,
            event_date=day,
            decided_on=day,
            published_on=day,
            source_dept=pen.dept,
        )
        for i, (sid, day) in enumerate(
            [
                (P, D(2025, 5, 1)),
                (Q, D(2025, 6, 1)),
                (Q, D(2026, 1, 5)),
                (S, D(2026, 2, 1)),
                (F2, D(2025, 9, 1)),
                (F3, D(2026, 3, 1)),
                (F3, D(2026, 4, 1)),
            ]
        )
    ]
    s.append("records", _frame("records", records))
    yield s
    s.close()


def _sql_pairs(store, x: Link) -> set[tuple[str, str]]:
    sql = (
        f"WITH latest AS ({current_subjects_sql()}), pop AS (SELECT * FROM latest) "
        f"SELECT subject_id, party_id FROM ({x.pairs_sql(store.dialect, T)}) q"
    )
    frame = store.query(sql)
    assert not frame.duplicated().any(), "pairs are distinct"
    return set(frame.itertuples(index=False, name=None))


def _tables(store) -> dict:
    return {t: store.query_arrow(f"SELECT * FROM {t}") for t in TABLES}


def _process_pairs(store, x: Link) -> set[tuple[str, str]]:
    tables = _tables(store)
    latest = latest_subjects(tables["subjects"])
    got = party_lists(x, latest.values(), latest, tables, T)
    pairs = [(s, p) for s, parties in got.items() for p in parties]
    assert len(pairs) == len(set(pairs)), "parties are distinct"
    return set(pairs)


@pytest.mark.parametrize("case", list(CASES))
def test_each_via_gives_the_declared_pairs_in_sql_and_in_process(store, case: str) -> None:
    x, expected = CASES[case]
    assert _sql_pairs(store, x) == expected
    assert _process_pairs(store, x) == expected


def test_the_shipped_links_keep_their_meaning(store) -> None:
    assert _sql_pairs(store, link("legal_rep")) == CASES["column"][1]
    assert _sql_pairs(store, link("rep_firms")) == CASES["same_column"][1]
    assert _sql_pairs(store, link("represented_firms")) == CASES["reverse"][1]
    assert _sql_pairs(store, link("responsible_for")) == CASES["list_persons"][1]


def test_reverse_sql_finds_who_reads_a_party(store) -> None:
    """Re-rating after a party's records change: the subjects that read it."""

    def readers(x: Link, party: str) -> set[str]:
        ids = "('" + party + "')"
        sql = (
            f"WITH latest AS ({current_subjects_sql()}) "
            f"SELECT subject_id FROM ({x.reverse_sql(ids, store.dialect)}) q"
        )
        return set(store.query(sql)["subject_id"])

    assert readers(CASES["column"][0], P) == {F1, F2, F4}
    assert readers(CASES["reverse"][0], F3) == {Q}
    assert readers(CASES["same_column"][0], F1) == {F1, F2, F4}
    # every pair of a point-in-time link at any date
    assert readers(CASES["table"][0], R) == {F1}
    assert readers(CASES["list_persons"][0], F2) == {Q, R}


def test_an_unknown_relation_is_refused() -> None:
    with pytest.raises(ValueError, match=r"unknown relation 'cousins'.*legal_rep"):
        Related("cousins", Records(Match(("administrative_penalty",)), "count"))
    with pytest.raises(ValueError, match="counts parties"):
        Related("rep_firms", Records(Match(("administrative_penalty",)), "weighted", 12))


PEN = Match(("administrative_penalty",))


def test_a_table_link_declared_in_a_test_builds_through_sql_and_in_process(
    store, monkeypatch: pytest.MonkeyPatch
) -> None:
    members = Link("members", "成员", "Members", Table("member"))
    counted = Link("member_count", "成员", "Members", Table("member"), counts="parties")
    monkeypatch.setattr(relations, "LINKS", (*relations.LINKS, members, counted))
    scheme = Scheme(
        key="coop_test",
        label_zh="测试",
        label_en="test",
        population=Population("enterprise"),
        indicators=(
            Indicator(
                "member_penalties",
                "m",
                "m",
                "测试",
                Related("members", Records(PEN, "count", 24)),
                NEUTRAL,
            ),
            Indicator(
                "members_penalised",
                "m",
                "m",
                "测试",
                Related("member_count", Records(PEN, "count", 24)),
                NEUTRAL,
            ),
            Indicator(
                "member_fines",
                "m",
                "m",
                "测试",
                Related("members", Records(PEN, "sum_amount", 24)),
                NEUTRAL,
            ),
        ),
    )
    full = build_features(store, scheme, T).set_index("subject_id")
    # F1: member Q (P's link ended) with 2 penalties; F2: member S with 1; F3: none
    assert full.loc[F1, "member_penalties"] == 2 and full.loc[F1, "members_penalised"] == 1
    assert full.loc[F2, "member_penalties"] == 1 and full.loc[F2, "member_fines"] == 1000.0
    assert full.loc[F3, "member_penalties"] == 0 and full.loc[F3, "member_fines"] == 0
    for sid in (F1, F2, F3):  # a one-subject build: the slice, evaluated in process
        one = build_features(store, scheme, T, subjects=[sid]).set_index("subject_id")
        pd.testing.assert_series_equal(one.loc[sid], full.loc[sid], check_names=False)


def test_the_person_links_build_the_same_row_in_process_from_a_slice(store) -> None:
    """represented_firms and responsible_for, read for one household from its slice
    (the firms it represents, the listings naming it) as for the whole population."""
    scheme = Scheme(
        key="person_test",
        label_zh="测试",
        label_en="test",
        population=Population("household"),
        indicators=(
            Indicator(
                "firms_penalised",
                "f",
                "f",
                "测试",
                Related("represented_firms", Records(PEN, "count", 24)),
                NEUTRAL,
            ),
            Indicator(
                "listed_firms_penalised",
                "l",
                "l",
                "测试",
                Related("responsible_for", Records(PEN, "count", 24)),
                NEUTRAL,
            ),
        ),
    )
    full = build_features(store, scheme, T).set_index("subject_id")
    # P represents F1 and F2 (F2 penalised); L1 on F3 (penalised twice) names P and Q
    assert full.loc[P].tolist()[1:] == [1.0, 1.0]
    assert full.loc[Q].tolist()[1:] == [1.0, 1.0]  # Q represents F3 as well
    for sid in (P, Q):
        one = build_features(store, scheme, T, subjects=[sid]).set_index("subject_id")
        pd.testing.assert_series_equal(one.loc[sid], full.loc[sid], check_names=False)


@pytest.mark.spark
@pytest.mark.parametrize("case", list(CASES))
def test_each_via_gives_the_same_pairs_on_spark(
    store, spark, tmp_path_factory: pytest.TempPathFactory, case: str
) -> None:
    pytest.importorskip("pyspark")
    from features.store.spark_store import SparkStore

    global _SPARK_STORE
    if _SPARK_STORE is None:
        lake = Path(tmp_path_factory.mktemp("links-lake"))
        _SPARK_STORE = SparkStore.from_store(store, lake, spark=spark)
    x, expected = CASES[case]
    assert _sql_pairs(_SPARK_STORE, x) == expected


_SPARK_STORE = None


def _ind(name: str, relation: str, agg: str = "count") -> Indicator:
    return Indicator(name, name, name, "测试", Related(relation, Records(PEN, agg, 24)), NEUTRAL)


def test_the_pandas_baseline_reads_every_via_kind_as_the_sql_does(
    store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """bench/pandas_baseline.py, an independent reading of the declarations, agrees
    with the compiled SQL on every via kind (the benchmark's baseline stays honest)."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from bench.pandas_baseline import build_features_pandas, compare_frames, load_tables

    members = Link("members", "成员", "Members", Table("member"))
    monkeypatch.setattr(relations, "LINKS", (*relations.LINKS, members))
    firms = Scheme(
        key="firm_links",
        label_zh="测试",
        label_en="test",
        population=Population("enterprise"),
        indicators=(
            _ind("rep_penalties", "legal_rep"),
            _ind("rep_firms_penalised", "rep_firms"),
            _ind("member_penalties", "members"),
            _ind("member_weight", "members", "weighted"),
        ),
    )
    persons = Scheme(
        key="person_links",
        label_zh="测试",
        label_en="test",
        population=Population("household"),
        indicators=(
            _ind("firms_penalised", "represented_firms"),
            _ind("listed_firms_penalised", "responsible_for"),
        ),
    )
    tables = load_tables(store, [firms, persons])
    for scheme in (firms, persons):
        expected = build_features(store, scheme, T)
        actual = build_features_pandas(tables, scheme, T)
        assert compare_frames(expected, actual, scheme) == []
        # not vacuous: every indicator is non-zero somewhere
        assert (expected.iloc[:, 2:] > 0).any().all(), expected


#: a scheme folder that declares only a subject type identified by a USCC beginning with 5
GUILD_FOLDER = """
from features.declare import SubjectType
from features.records.ids import IdRule

SUBJECT_TYPES = (SubjectType("test_guild", "测试行业协会", "Test guild", IdRule("uscc", ("5",))),)
"""


def test_an_organisation_is_every_type_with_a_uscc_even_a_folders(tmp_path: Path) -> None:
    """Seed 002 #12 speaks of 企事业单位: the people behind a social organisation, a
    co-operative or a folder's own USCC type carry its records, with no edit to the links."""
    shipped = set(link("represented_firms").party_types())
    assert {"enterprise", "social_org", "agri_business"} <= shipped
    assert not shipped & {"household", "practitioner", "driver", "village", "township"}
    assert link("rep_firms").party_types() == link("represented_firms").party_types()
    rng = np.random.default_rng(5)
    org, guild = generate_uscc(rng, np.array([COUNTY] * 2), category="51")
    s = DuckDBStore(":memory:", threads=1)
    subjects = [
        *SUBJECTS,
        {**_firm(org, Q, "social_org"), "industry": "S"},
        {**_firm(guild, Q, "test_guild"), "industry": "S"},
    ]
    s.append("subjects", _frame("subjects", subjects))
    try:
        mine = link("represented_firms")
        assert _sql_pairs(s, mine) == _process_pairs(s, mine) == {*CASES["reverse"][1], (Q, org)}
        (tmp_path / "guild").mkdir()
        (tmp_path / "guild" / "declaration.py").write_text(GUILD_FOLDER, encoding="utf-8")
        with registry.using([tmp_path]):
            theirs = link("represented_firms")
            assert "test_guild" in theirs.party_types()
            expected = {*CASES["reverse"][1], (Q, org), (Q, guild)}
            assert _sql_pairs(s, theirs) == _process_pairs(s, theirs) == expected
        assert "test_guild" not in link("represented_firms").party_types()
    finally:
        s.close()
