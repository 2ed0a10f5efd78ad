"""Rating history: current ratings, migration matrix, movers and a subject's timeline."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from little_city import (
    D0,
    D1,
    DRV,
    E1,
    E2,
    E3,
    E4,
    E6,
    rating,
    reasons,
    record,
    subject,
    table_frame,
)

from scoring.history import (
    as_date,
    batch_dates,
    current_ratings,
    grade_order,
    latest_as_of,
    migration,
    movers,
    ratings_on,
    reason_indicators,
    subject_history,
)


def test_current_ratings_take_the_latest_row_per_subject(city) -> None:
    now = current_ratings(city, "enterprise")
    assert len(now) == len(now.drop_duplicates(["subject_id", "as_of"])) == 10
    at0 = now[now["as_of"] == D0].set_index("subject_id")
    # the later batch wins over the older model version
    assert at0.loc[E2, "final_grade"] == "B" and at0.loc[E2, "model_version"] == "2"
    at1 = current_ratings(city, "enterprise", D1).set_index("subject_id")
    # E6's re-rating after the objection supersedes its batch row, and nobody else's
    assert at1.loc[E6, "final_grade"] == "A"
    assert at1.loc[E1, "final_grade"] == "D"
    assert sorted(at1.index) == sorted([E1, E2, E3, E4, E6])
    assert isinstance(at1["as_of"].iloc[0], dt.date)


def test_current_ratings_filters(city) -> None:
    some = current_ratings(city, "enterprise", D1, subject_ids=[E6, "nobody"])
    assert list(some["subject_id"]) == [E6] and some["final_grade"].iloc[0] == "A"
    assert current_ratings(city, "enterprise", dt.date(2020, 1, 1)).empty
    assert list(current_ratings(city, "driver")["final_grade"]) == ["AAA", "AA"]
    assert current_ratings(city, "enterprise", subject_ids=[]).empty


def test_a_later_batch_replaces_a_re_rating_for_every_subject(city) -> None:
    city.append(
        "ratings",
        table_frame(
            [
                rating(E6, D1, "B", "2026-11-01 08:00", version="3"),
                rating(E1, D1, "C", "2026-11-01 08:00", version="3"),
            ],
            "ratings",
        ),
    )
    at1 = current_ratings(city, "enterprise", D1).set_index("subject_id")
    assert at1.loc[E6, "final_grade"] == "B" and at1.loc[E1, "final_grade"] == "C"
    assert at1.loc[E2, "model_version"] == "2"


def test_the_rating_in_force_takes_the_latest_date_then_scoring_then_version(city) -> None:
    on = dt.date(2026, 8, 15)  # between the two batches: D0's ratings are in force
    between = ratings_on(city, "enterprise", on).set_index("subject_id")
    assert set(between["as_of"]) == {D0}
    assert between.loc[E2, "final_grade"] == "B"  # D0's later batch (version 2) wins
    latest = ratings_on(city, "enterprise").set_index("subject_id")
    assert latest.loc[E6, "final_grade"] == "A"  # the re-rating after the objection
    assert latest.loc[E1, "as_of"] == D1
    # a subject rated only at D0 keeps that rating in force after D1
    assert set(current_ratings(city, "enterprise", D0)["subject_id"]) - set(
        current_ratings(city, "enterprise", D1)["subject_id"]
    ) <= set(latest.index)
    assert ratings_on(city, "enterprise", dt.date(2020, 1, 1)).empty
    some = ratings_on(city, "enterprise", D1, [E6, "nobody"])
    assert list(some["subject_id"]) == [E6] and some["final_grade"].iloc[0] == "A"


def test_model_versions_compare_as_numbers(city) -> None:
    """Two versions score the same subject and date at the same moment: version 10 is the
    newer model, though "10" < "9" as text; every reader agrees."""
    same = "2026-12-01 08:00"
    city.append(
        "ratings",
        table_frame(
            [rating(E4, D1, "C", same, version="9"), rating(E4, D1, "D", same, version="10")],
            "ratings",
        ),
    )
    assert ratings_on(city, "enterprise", D1, [E4])["final_grade"].tolist() == ["D"]
    assert current_ratings(city, "enterprise", D1, [E4])["final_grade"].tolist() == ["D"]
    mine = subject_history(city, E4)
    now = mine[(mine["as_of"] == D1) & mine["current"]]
    assert now["model_version"].tolist() == ["10"]


def test_dates_are_dates_not_text(city) -> None:
    with pytest.raises(TypeError, match=r"datetime\.date"):
        ratings_on(city, "enterprise", "2026-09-30")
    with pytest.raises(TypeError, match=r"datetime\.date"):
        current_ratings(city, "enterprise", "2026-09-30")
    with pytest.raises(TypeError, match=r"datetime\.date"):
        migration(city, "enterprise", "2026-06-30", D1)
    with pytest.raises(TypeError, match="expected a date"):
        as_date("2026-09-30")
    assert as_date(pd.Timestamp("2026-09-30 00:00")) == D1


def test_latest_and_batch_dates(city) -> None:
    assert latest_as_of(city, "enterprise") == D1
    assert latest_as_of(city, "village") is None
    assert batch_dates(city, "enterprise") == [D1, D0]
    assert batch_dates(city) == [D1, D0]


def test_grade_order_follows_the_scale() -> None:
    assert grade_order("enterprise") == ["A", "B", "C", "D"]
    assert grade_order("sme")[:3] == ["AAA", "AA", "A"]
    assert grade_order("village", ["no", "yes"]) == ["no", "yes"]
    assert grade_order("enterprise", ["X", "A"]) == ["A", "B", "C", "D", "X"]


def test_migration_matrix(city) -> None:
    m = migration(city, "enterprise", D0, D1)
    assert m.grades == ("A", "B", "C", "D")
    assert list(m.counts.index) == list(m.counts.columns) == ["A", "B", "C", "D"]
    assert m.counts.loc["A", "D"] == 1 and m.counts.loc["A", "A"] == 1  # E1 down, E6 stays
    assert m.counts.loc["C", "B"] == 1 and m.counts.loc["B", "B"] == 1
    assert int(m.counts.to_numpy().sum()) == 4
    assert (m.entered, m.exited) == (1, 1)  # E4 new, E5 gone
    assert (m.upgrades, m.downgrades, m.stable) == (1, 1, 2)
    assert m.shares.loc["A", "D"] == 0.5 and m.shares.loc["D"].sum() == 0
    row_sums = m.shares.sum(axis=1)
    assert ((row_sums.round(12) == 1) | (m.counts.sum(axis=1) == 0)).all()


def test_movers_and_the_records_that_moved_them(city) -> None:
    out = movers(city, "enterprise", D0, D1)
    assert list(out["subject_id"]) == [E1, E3]  # E6's re-rating puts it back at A
    e1, e3 = out.iloc[0], out.iloc[1]
    move = ["grade_from", "grade_to", "direction", "steps"]
    assert list(e1[move]) == ["A", "D", "down", -3]
    assert list(e3[move]) == ["C", "B", "up", 1]
    # E1: the listing published in between; not the tax record (no reason reads tax_paid)
    # and not the penalty, which counted at both dates
    (rec,) = e1["records"]
    assert rec["record_id"] == "R-E1-LIST" and rec["change"] == "published" and rec["started"]
    assert rec["indicators"] == ["serious_list_now"] and rec["source_dept"] == "samr"
    assert isinstance(rec["published_on"], dt.date)
    # E3: the listing expired, the 2024 penalty left the 24-month window
    changes = {r["record_id"]: (r["change"], r["started"]) for r in e3["records"]}
    assert changes == {"R-E3-ABN": ("expired", False), "R-E3-PEN": ("window", False)}
    assert e3["n_records"] == 2


def test_movers_name_revocations_repairs_and_objections(city) -> None:
    d2 = dt.date(2026, 12, 31)
    city.append(
        "records",
        table_frame(
            [
                record(
                    "R-E2-PEN",
                    E2,
                    "administrative_penalty",
                    event="2026-01-05",
                    published="2026-01-06",
                    severity="general",
                    value_text="price",
                    valid_until="2027-01-05",
                    revoked="2026-11-01",
                ),
                record(
                    "R-E2-PEN2",
                    E2,
                    "administrative_penalty",
                    event="2026-02-05",
                    published="2026-02-06",
                    severity="general",
                    value_text="price",
                    valid_until="2027-02-05",
                ),
            ],
            "records",
        ),
    )
    city.append(
        "objections",
        table_frame(
            [
                {
                    "objection_id": "OBJ-9",
                    "record_id": "R-E2-PEN2",
                    "subject_id": E2,
                    "status": "open",
                    "opened_on": dt.date(2026, 11, 5),
                    "recorded_at": pd.Timestamp("2026-11-05"),
                },
            ],
            "objections",
        ),
    )
    city.append(
        "ratings",
        table_frame(
            [
                rating(
                    E2,
                    d2,
                    "A",
                    "2027-01-02 08:00",
                    reasons_json=reasons("enterprise", [("penalties_24m", 0, 0.0)]),
                ),
            ],
            "ratings",
        ),
    )
    (row,) = movers(city, "enterprise", D1, d2).to_dict("records")
    changes = {r["record_id"]: r["change"] for r in row["records"]}
    assert changes == {"R-E2-PEN": "revoked", "R-E2-PEN2": "objection_open"}
    assert row["direction"] == "up"


def test_movers_repaired_record(city) -> None:
    d2 = dt.date(2026, 12, 31)
    city.append(
        "repairs",
        table_frame(
            [
                {
                    "repair_id": "REP-1",
                    "record_id": "R-E3-PEN",
                    "subject_id": E3,
                    "status": "approved",
                    "applied_on": dt.date(2026, 9, 1),
                    "approved_on": dt.date(2026, 10, 15),
                    "recorded_at": pd.Timestamp("2026-10-15"),
                },
            ],
            "repairs",
        ),
    )
    city.append(
        "ratings",
        table_frame(
            [
                rating(
                    E3,
                    d2,
                    "A",
                    "2027-01-02 08:00",
                    reasons_json=reasons("enterprise", [("serious_penalties_24m", 0, 0.0)]),
                ),
            ],
            "ratings",
        ),
    )
    (row,) = movers(city, "enterprise", D1, d2).to_dict("records")
    assert [(r["record_id"], r["change"]) for r in row["records"]] == [("R-E3-PEN", "repaired")]


def test_no_movers(city) -> None:
    out = movers(city, "enterprise", D1, D1)
    assert out.empty and "records" in out.columns


def test_reason_indicators() -> None:
    reasons = '{"raise": [{"indicator": "a"}, {"indicator": "b"}], "lower": [{"indicator": "a"}]}'
    overrides = '[{"grade": "D", "indicator": "c", "reason_zh": "", "reason_en": ""}]'
    assert reason_indicators(reasons, overrides) == ["a", "b", "c"]
    assert reason_indicators(None, "[]") == []


def test_subject_history_keeps_superseded_rows_and_the_cause(city) -> None:
    h = subject_history(city, E6)
    assert list(h["final_grade"]) == ["A", "D", "A"]
    assert list(h["current"]) == [True, False, True]
    last = h.iloc[-1]
    assert (last["cause_kind"], last["cause_id"], last["cause_record_id"]) == (
        "objection",
        "OBJ-1",
        "R-E6-LIST",
    )
    assert pd.isna(h.iloc[1]["cause_kind"])
    both = subject_history(city, E2)
    assert list(both["current"]) == [False, True, True]  # the older model version at D0
    driver = subject_history(city, DRV)
    assert set(driver["scheme"]) == {"driver"} and len(driver) == 2
    assert subject_history(city, "nobody").empty


def test_movers_include_related_party_records(city) -> None:
    rep2 = "11010519491231005X"
    d2 = dt.date(2026, 12, 31)
    e2 = subject(E2, "曲靖乙制造有限公司", legal_rep_id=rep2)
    e2["recorded_at"] = pd.Timestamp.now() + pd.Timedelta(days=1)  # a newer version of E2
    city.append("subjects", table_frame([e2], "subjects"))
    city.append(
        "records",
        table_frame(
            [
                record(
                    "R-REP2-DJD",
                    rep2,
                    "dishonest_judgment_debtor",
                    event="2026-11-10",
                    published="2026-11-12",
                    dept="court",
                    severity="serious",
                    domain="judicial",
                ),
            ],
            "records",
        ),
    )
    city.append(
        "ratings",
        table_frame(
            [
                rating(
                    E2,
                    d2,
                    "C",
                    "2027-01-02 08:00",
                    reasons_json=reasons("enterprise", [("rep_dishonest_now", 1, 0.8)]),
                ),
            ],
            "ratings",
        ),
    )
    (row,) = movers(city, "enterprise", D1, d2).to_dict("records")
    (rec,) = row["records"]
    assert (rec["record_id"], rec["relation"], rec["owner_id"]) == ("R-REP2-DJD", "legal_rep", rep2)
    assert rec["change"] == "published" and rec["indicators"] == ["rep_dishonest_now"]


def test_migration_without_ratings_at_a_date(city) -> None:
    m = migration(city, "enterprise", dt.date(2020, 1, 1), D1)
    assert int(m.counts.to_numpy().sum()) == 0 and m.entered == 5 and m.exited == 0
    assert (m.shares.to_numpy() == 0).all()
    assert movers(city, "enterprise", dt.date(2020, 1, 1), D1).empty


def test_a_closed_firm_has_no_rating_in_force_nor_a_lending_offer(tiny, champions) -> None:
    """A closure that arrives after the batch (a new subject version) ends the firm's
    rating in force from its closure date: no 信易贷 decision, no inspection class;
    its earlier ratings stay in its history; the next batch leaves it out."""
    from features.build import build_features
    from features.compile import BuildConfig
    from scoring.batch import score_scheme
    from scoring.history import ratings_on
    from scoring.lending_decision import lending_decisions
    from scoring.policies.inspection_store import enterprise_classes
    from scoring.policies.lending import LendingConfig

    t0, t1 = dt.date(2026, 9, 30), dt.date(2026, 10, 31)
    for day, stamp in ((t0, "2026-10-02 08:00"), (t1, "2026-11-02 08:00")):
        score_scheme(tiny, champions["enterprise"], day)
        # SME grades by hand (these tests train no SME champion): the rule is the read's
        smes = build_features(tiny, "sme", day)["subject_id"]
        tiny.append(
            "ratings",
            table_frame(
                [rating(s, day, "AA", stamp, scheme="sme", score=80.0) for s in smes], "ratings"
            ),
        )
    both = set(ratings_on(tiny, "sme", t0)["subject_id"]) & set(
        ratings_on(tiny, "sme", t1)["subject_id"]
    )
    firm = sorted(both)[0]
    assert firm in set(lending_decisions(tiny, t1, LendingConfig(), BuildConfig())["subject_id"])
    latest = tiny.query(
        "SELECT * FROM subjects WHERE subject_id = ? ORDER BY recorded_at DESC LIMIT 1", [firm]
    )
    closure = latest.assign(
        status="closed",
        closed_on=pd.Timestamp("2026-10-20"),
        recorded_at=pd.Timestamp("2026-11-05 10:00"),
        ingest_id=99,
    )
    tiny.append("subjects", closure)

    assert firm not in set(ratings_on(tiny, "sme", t1)["subject_id"])
    assert firm not in set(ratings_on(tiny, "enterprise", t1)["subject_id"])
    # a few subjects are named in the statement, more are joined as a frame: same rows
    import scoring.history as history_module

    some = [firm, *sorted(both - {firm})[:30]]
    for scheme, day in (("sme", t1), ("enterprise", t1), ("enterprise", t0), ("sme", None)):
        named = ratings_on(tiny, scheme, day, some)
        assert len(named) >= 20 and (day == t0) == (firm in set(named["subject_id"]))
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(history_module, "INLINE_IDS", 0)
            joined = ratings_on(tiny, scheme, day, some)
        pd.testing.assert_frame_equal(named, joined)
    assert firm not in set(ratings_on(tiny, "sme")["subject_id"])  # in force today
    lending, build = LendingConfig(), BuildConfig()
    assert firm not in set(lending_decisions(tiny, t1, lending, build)["subject_id"])
    assert firm not in set(lending_decisions(tiny, t1, lending, build, [firm])["subject_id"])
    classes, _ = enterprise_classes(tiny, t1)
    assert firm not in set(classes["subject_id"]) and len(classes) > 0
    # before the closure date it was open: its rating and offer then stand
    assert firm in set(ratings_on(tiny, "sme", t0)["subject_id"])
    assert firm in set(lending_decisions(tiny, t0, LendingConfig(), BuildConfig())["subject_id"])
    # history keeps every rating; a new batch at t1 no longer rates it
    history = subject_history(tiny, firm)
    assert {(s, d) for s, d in zip(history["scheme"], history["as_of"], strict=True)} >= {
        ("sme", t0),
        ("sme", t1),
    }
    score_scheme(tiny, champions["enterprise"], t1)
    rated = tiny.query(
        "SELECT as_of FROM ratings WHERE scheme = 'enterprise' AND subject_id = ? ORDER BY as_of",
        [firm],
    )
    assert [pd.Timestamp(d).date() for d in rated["as_of"]] == [t0]
