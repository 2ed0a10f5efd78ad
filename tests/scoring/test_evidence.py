"""The records behind indicators: declarations read back, and agreement with the feature build."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from little_city import D1, E1, E3, E6, REP

from features.build import build_features
from features.dsl import Match, Records, Related
from features.link_lookup import links
from features.schemes import SCHEMES, modelled
from scoring.evidence import (
    counts_in,
    effective_ids,
    indicator_kinds,
    matches,
    record_sources,
    records_behind,
    related_parties,
    subject_records,
    window_bounds,
)

ENTERPRISE = SCHEMES["enterprise"]


def test_record_sources_follow_the_declarations() -> None:
    (src,) = record_sources(ENTERPRISE, "penalties_24m")
    assert src.relation == "self" and src.records.window == 24
    (rel,) = record_sources(ENTERPRISE, "rep_dishonest_now")
    assert rel.relation == "legal_rep" and rel.records.match.kinds == ("dishonest_judgment_debtor",)
    derived = record_sources(ENTERPRISE, "tax_paid_trend")
    assert [s.indicator for s in derived] == ["tax_paid_trend"] * 2
    assert [s.records.offset for s in derived] == [0, 12]
    assert record_sources(ENTERPRISE, "age_years") == []
    assert record_sources(ENTERPRISE, "no_such_indicator") == []
    kinds = indicator_kinds(ENTERPRISE, ["penalties_24m", "rep_dishonest_now", "serious_list_now"])
    assert kinds == {"administrative_penalty", "serious_violation_list"}
    assert "dishonest_judgment_debtor" in indicator_kinds(
        ENTERPRISE, ["rep_dishonest_now"], relation=None
    )


def test_matches_mirror_the_sql_filter() -> None:
    rec = {
        "kind": "traffic_violation",
        "severity": "general",
        "value_num": 6.0,
        "value_text": None,
        "amount": None,
        "polarity": "negative",
    }
    assert matches(Match(("traffic_violation",), min_value=6.0), rec)
    assert not matches(Match(("traffic_violation",), min_value=6.5), rec)
    assert not matches(Match(("traffic_violation",), severities=("serious",)), rec)
    assert not matches(Match(("traffic_violation",), values=("x",)), rec)
    assert not matches(Match(("traffic_violation",), max_amount=0.0), rec)  # null amount
    assert not matches(Match(("loan",)), rec)
    assert matches(Match(("traffic_violation",), polarity="negative"), rec)


def test_windows() -> None:
    t = dt.date(2026, 9, 30)
    src = Records(Match(("x",)), "count", 12, offset=12)
    assert window_bounds(src, t) == (dt.date(2024, 9, 30), dt.date(2025, 9, 30))
    assert window_bounds(Records(Match(("x",))), t) is None
    rec = {"kind": "x", "decided_on": dt.date(2025, 9, 30), "event_date": dt.date(2025, 1, 1)}
    assert counts_in(src, rec, t)
    assert not counts_in(src, rec, dt.date(2026, 9, 29))  # too recent for the year before
    assert counts_in(src, rec, dt.date(2027, 9, 29))
    assert not counts_in(src, rec, dt.date(2027, 9, 30))  # out of the window
    live = {"kind": "x", "valid_until": dt.date(2026, 10, 1)}
    assert counts_in(Records(Match(("x",))), live, t)
    assert not counts_in(Records(Match(("x",))), live, dt.date(2026, 10, 1))


def test_effective_records_follow_objections_and_dates(city) -> None:
    assert "R-E1-LIST" not in effective_ids(city, [E1], dt.date(2026, 7, 14))
    assert "R-E1-LIST" in effective_ids(city, [E1], D1)
    # the objection on E6's listing, open from 2026-08-01 and upheld on 08-10
    assert "R-E6-LIST" in effective_ids(city, [E6], dt.date(2026, 7, 31))
    assert "R-E6-LIST" not in effective_ids(city, [E6], dt.date(2026, 8, 5))
    assert "R-E6-LIST" not in effective_ids(city, [E6], D1)
    assert effective_ids(city, [], D1) == set()


def test_subject_records_and_parties(city) -> None:
    recs = subject_records(city, [E3])
    assert set(recs["record_id"]) == {"R-E3-ABN", "R-E3-PEN"}
    abn = recs.set_index("record_id").loc["R-E3-ABN"]
    assert abn["publication_end"] == dt.date(2026, 8, 1)
    assert isinstance(abn["published_on"], dt.date)
    assert subject_records(city, [E3], kinds=[]).empty
    assert related_parties(city, E1) == {
        "legal_rep": [REP],
        "employer": [],
        "rep_firms": [],
        "represented_firms": [],
        "responsible_for": [],
        "coop_member": [],
        "village_households": [],
    }
    assert related_parties(city, "nobody")["legal_rep"] == []


def test_records_behind_a_repair_end(city) -> None:
    from little_city import table_frame

    city.append(
        "repairs",
        table_frame(
            [
                {
                    "repair_id": "REP-1",
                    "record_id": "R-E3-PEN",
                    "subject_id": E3,
                    "status": "approved",
                    "applied_on": dt.date(2026, 6, 1),
                    "approved_on": dt.date(2026, 7, 12),
                    "recorded_at": pd.Timestamp("2026-07-12"),
                },
            ],
            "repairs",
        ),
    )
    # the 2024-07-15 penalty is inside the 24-month window until 2026-07-15
    t = dt.date(2026, 7, 10)
    rows = records_behind(city, ENTERPRISE, E3, ["serious_penalties_24m"], t)
    (row,) = rows.to_dict("records")
    assert row["repaired_on"] == dt.date(2026, 7, 12)
    assert row["publication_end"] == row["counts_until"] == dt.date(2026, 7, 12)
    assert (row["window_from"], row["window_to"]) == (dt.date(2024, 7, 10), t)
    assert records_behind(
        city, ENTERPRISE, E3, ["serious_penalties_24m"], dt.date(2026, 7, 12)
    ).empty


# --- agreement with the feature build on a generated city -------------------------------

AS_OF = dt.date(2026, 6, 30)
CHECKED_AGGS = {"count", "sum_amount", "sum_value"}


def _checked(scheme) -> list[str]:
    out = []
    for ind in scheme.indicators:
        if not isinstance(ind.source, Records | Related):
            continue
        sources = record_sources(scheme, ind.name)
        if sources[0].records.agg in CHECKED_AGGS:
            out.append(ind.name)
    return out


@pytest.mark.parametrize("key", modelled())
def test_records_behind_add_up_to_the_built_indicators(generated, key) -> None:
    """Counts and sums over the records behind an indicator equal the built value."""
    scheme = SCHEMES[key]
    names = _checked(scheme)
    frame = build_features(generated, key, AS_OF)
    nonzero = (frame[names].fillna(0) != 0).sum(axis=1)
    picked = frame.loc[nonzero.sort_values(ascending=False, kind="stable").index[:8]]
    compared = 0
    for row in picked.to_dict("records"):
        behind = records_behind(generated, scheme, row["subject_id"], names, AS_OF)
        for name in names:
            src = record_sources(scheme, name)[0]
            mine = behind[behind["indicator"] == name]
            agg = src.records.agg
            if src.relation in links() and links()[src.relation].counts == "parties":
                got = float(mine["owner_id"].nunique())
            elif agg == "count":
                got = float(len(mine))
            elif agg == "sum_amount":
                got = float(mine["amount"].fillna(0).sum())
            else:
                got = float(mine["value_num"].fillna(0).sum())
            want = row[name]
            want = 0.0 if want is None or (isinstance(want, float) and math.isnan(want)) else want
            assert math.isclose(got, float(want), rel_tol=1e-9, abs_tol=1e-6), (
                key,
                row["subject_id"],
                name,
                got,
                want,
            )
            compared += got != 0
    assert compared > 10
