"""The current version of a subject and its closure: one definition, in SQL and in process."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from features.build import build_features
from features.store.duckdb_store import DuckDBStore
from features.subjects import (
    closed_subjects_sql,
    current_rows,
    current_subject,
    current_subjects_sql,
    ever_sql,
    is_open,
    open_on_sql,
)

T = dt.date(2026, 10, 31)


def _row(sid: str, name: str, recorded: str, ingest: int | None, **extra) -> dict:
    return {
        "subject_id": sid,
        "subject_type": "enterprise",
        "name": name,
        "region_code": "530302",
        "status": "active",
        "scale": "small",
        "established_on": pd.Timestamp("2015-01-01"),
        "ingest_id": ingest,
        "recorded_at": pd.Timestamp(recorded),
        **extra,
    }


# valid 统一社会信用代码 (GB 32100)
A, B, C, D = (
    "91530302MA6K9X7L5A",
    "91110000600037341L",
    "91530300MA6NRX8H3D",
    "91530302MA6NB0YQ07",
)


@pytest.fixture
def store():
    st = DuckDBStore(":memory:", threads=1)
    st.append(
        "subjects",
        pd.DataFrame(
            [
                _row(A, "甲", "2021-01-01", None),
                _row(A, "甲（更正）", "2026-11-02 09:00", 4),  # a correction: the current name
                _row(B, "乙-旧批次", "2026-11-02 09:00", 3),
                _row(B, "乙-新批次", "2026-11-02 09:00", 5),  # a tie: the later ingest wins
                _row(C, "丙", "2021-01-01", None),
                _row(
                    C,
                    "丙",
                    "2026-10-20 10:00",
                    6,
                    status="closed",
                    closed_on=pd.Timestamp("2026-10-15"),
                ),  # closed, dated
                _row(D, "丁", "2021-01-01", None),
                _row(D, "丁", "2026-09-30 10:00", 7, status="revoked"),  # revoked, no date
            ]
        ),
    )
    yield st
    st.close()


def test_one_current_version_per_subject_in_sql_and_in_process(store) -> None:
    sql = store.query(current_subjects_sql() + " ORDER BY subject_id")
    assert list(sql["subject_id"]) == sorted([A, B, C, D])
    names = dict(zip(sql["subject_id"], sql["name"], strict=True))
    assert names[A] == "甲（更正）" and names[B] == "乙-新批次"
    rows = current_rows(store.query_arrow("SELECT * FROM subjects"))
    assert {k: v["name"] for k, v in rows.items()} == names
    assert current_subject(store, A)["name"] == "甲（更正）"
    assert current_subject(store, B)["name"] == "乙-新批次"
    assert current_subject(store, "nobody") is None
    # a type filter applies to the current version
    assert len(store.query(current_subjects_sql("household"))) == 0


def test_narrowing_to_the_subjects_ever_of_a_value_keeps_the_current_versions(store) -> None:
    """A subject moved out of a village (or of a type) by its current version is not in it,
    one moved in is, whether the window reads every subject or only those ever there."""
    store.append(
        "subjects",
        pd.DataFrame(
            [
                _row(A, "甲", "2026-11-03 09:00", 8, village_code="V2"),  # moved out of V1
                _row(C, "丙", "2026-11-03 09:00", 9, village_code="V1"),  # moved in
                _row(D, "丁", "2026-11-03 09:00", 10, subject_type="household"),
            ]
        ),
    )
    store.append(
        "subjects", pd.DataFrame([_row(A, "甲", "2026-11-01 09:00", 11, village_code="V1")])
    )
    cols = ("subject_id", "name", "village_code")
    for column, value, typ in (
        ("village_code", "V1", None),
        ("subject_type", "household", "household"),
    ):
        plain = store.query(
            f"SELECT * FROM ({current_subjects_sql(typ, cols)}) s WHERE {column} = ?"
            if typ is None
            else current_subjects_sql(typ, cols),
            [value] if typ is None else None,
        )
        narrowed_sql = current_subjects_sql(typ, cols, ever_sql(column, value))
        narrowed = store.query(
            f"SELECT * FROM ({narrowed_sql}) s WHERE {column} = ?" if typ is None else narrowed_sql,
            [value] if typ is None else None,
        )
        assert plain.sort_values("subject_id").equals(narrowed.sort_values("subject_id"))
        assert len(plain) == 1
    with pytest.raises(ValueError, match="no column"):
        ever_sql("village_code = 'x' OR 1", "x")


@pytest.mark.parametrize(
    ("day", "open_ids"),
    [
        (dt.date(2026, 9, 29), {A, B, C, D}),
        (dt.date(2026, 9, 30), {A, B, C}),  # revoked without a date: from its recording day
        (dt.date(2026, 10, 14), {A, B, C}),
        (dt.date(2026, 10, 15), {A, B}),  # closed on 2026-10-15
    ],
)
def test_closed_or_deregistered_by_a_date(store, day, open_ids) -> None:
    sql = store.query(
        f"SELECT subject_id FROM ({current_subjects_sql()}) s WHERE {open_on_sql(day)}"
    )
    assert set(sql["subject_id"]) == open_ids
    closed = store.query(closed_subjects_sql(day))
    assert set(closed["subject_id"]) == {A, B, C, D} - open_ids
    rows = current_rows(store.query_arrow("SELECT * FROM subjects"))
    assert {k for k, r in rows.items() if is_open(r, day)} == open_ids


def test_a_closed_subject_leaves_the_population_in_both_evaluators(store) -> None:
    everyone = [A, B, C, D]
    for day, expected in ((dt.date(2026, 9, 29), everyone), (T, [A, B])):
        whole = build_features(store, "enterprise", day)
        few = build_features(store, "enterprise", day, subjects=everyone)
        assert sorted(whole["subject_id"]) == sorted(expected) == sorted(few["subject_id"])


def test_search_finds_current_names_and_codes_only_from_their_start(store) -> None:
    from features.subjects import search_subjects

    # the corrected name is found, the old one no more
    assert list(search_subjects(store, "更正")["subject_id"]) == [A]
    assert search_subjects(store, "乙-旧").empty
    # a code from its start, at least 6 characters; never from its middle
    assert set(search_subjects(store, "915303")["subject_id"]) == {A, C, D}
    assert search_subjects(store, "91530").empty and search_subjects(store, "MA6K9X").empty
    assert search_subjects(store, "   ").empty
    # an exact code first; with a scheme, its rated subjects before the others
    assert search_subjects(store, C)["subject_id"].iloc[0] == C
    from features.records.schema import TABLES

    row = dict.fromkeys(TABLES["ratings"].column_names, "x")
    row.update(
        subject_id=D,
        scheme="sme",
        as_of=T,
        scored_at=pd.Timestamp(T),
        score=500.0,
        pd=0.02,
        green_channel=None,
    )
    store.append("ratings", pd.DataFrame([row]))
    hits = search_subjects(store, "915303", rated_scheme="sme")
    assert hits["subject_id"].iloc[0] == D and bool(hits["rated"].iloc[0])


def test_a_person_is_found_only_by_the_exact_id_or_by_name_and_county(store) -> None:
    """A personal ID is never completed from a prefix or a pattern (issue 15): the
    prefix, ``_``/``%`` wildcards and the masked form all find nothing; the exact
    ID and the exact name with the county (code or name) find the person."""
    from features.records.ids import id_check_char
    from features.subjects import search_subjects

    body = "53030219501231001"
    pid = body + id_check_char(body)
    other = "53032219800101002" + id_check_char("53032219800101002")
    store.append(
        "subjects",
        pd.DataFrame(
            [
                _row(pid, "张三", "2021-01-01", None, subject_type="driver"),
                _row(
                    other,
                    "张三",
                    "2021-01-01",
                    None,
                    subject_type="household",
                    region_code="530322",
                ),
            ]
        ),
    )
    for probe in (
        pid[:6],
        pid[:12],
        pid[:17],
        pid[:10] + "______" + pid[-2:],
        pid[:10] + "%",
        "%" + pid[-4:],
        "5303021950%",
        pid[:6] + "*" * 10 + pid[-2:],
        "张三",
        "张",
        "张 麒麟区",
        "__",
        "%",
        "张三 530303",
    ):
        hits = search_subjects(store, probe)
        assert pid not in set(hits["subject_id"]) and other not in set(hits["subject_id"]), probe
    assert list(search_subjects(store, pid)["subject_id"]) == [pid]
    assert list(search_subjects(store, pid.lower())["subject_id"]) == [pid]
    assert list(search_subjects(store, "张三 麒麟区")["subject_id"]) == [pid]
    assert list(search_subjects(store, "530302 张三")["subject_id"]) == [pid]
    assert list(search_subjects(store, "张三 陆良县")["subject_id"]) == [other]
    # enterprises keep their code prefix and name search; a county narrows them
    assert set(search_subjects(store, "915303")["subject_id"]) == {A, C, D}
    assert search_subjects(store, "丙 陆良县").empty
    assert list(search_subjects(store, "丙 麒麟区")["subject_id"]) == [C]


def test_a_declared_person_type_is_never_found_by_a_prefix(store, tmp_path) -> None:
    """A type declared with an ID_NUMBER rule in a scheme folder is a person: the
    search treats a tour guide as it treats a driver."""
    from declared_types import write_types

    from features import registry
    from features.records.ids import id_check_char
    from features.subjects import person_types, search_subjects

    body = "53030219750505003"
    guide = body + id_check_char(body)
    row = _row(guide, "李四", "2021-01-01", None, subject_type="tour_guide", scale=None)
    store.append("subjects", pd.DataFrame([row]))
    with registry.using([write_types(tmp_path)]):
        assert "tour_guide" in person_types() and "social_org" not in person_types()
        assert guide not in set(search_subjects(store, guide[:12])["subject_id"])
        assert list(search_subjects(store, guide)["subject_id"]) == [guide]
    # without the declaration the type is unknown, so nothing marks it as a person
    assert "tour_guide" not in person_types()
