"""Objections and repairs: the trail, the suspension at once, re-rating and deadlines."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from features.build import build_features
from features.records.windows import WindowPolicy
from scoring.batch import rate_subjects, score_scheme
from scoring.history import ratings_on
from scoring.objections import (
    DeadlineRules,
    ObjectionError,
    approve_repair,
    deadlines,
    objection_status,
    open_objection,
    repair_effective_on,
    resolve_objection,
)
from scoring.rerating import (
    affected_subjects,
    baseline,
    models_of_types,
    rerate,
    rerate_change,
)

AS_OF = dt.date(2026, 10, 31)
OPENED = dt.date(2026, 11, 4)


def _listed_d_enterprise(tiny, model) -> tuple[str, str]:
    """An enterprise sent to class D by its serious-list listing, and that record."""
    score_scheme(tiny, model, AS_OF)
    feats = build_features(tiny, "enterprise", AS_OF)
    listed = set(feats.loc[feats["serious_list_now"] == 1, "subject_id"])
    rows = tiny.query("SELECT subject_id, model_grade, final_grade FROM ratings")
    cand = rows[
        rows["subject_id"].isin(listed)
        & (rows["final_grade"] == "D")
        & (rows["model_grade"] != "D")
    ]
    assert len(cand), "the tiny city has a listed enterprise rated D by the override"
    sid = sorted(cand["subject_id"])[0]
    rec = tiny.query(
        """SELECT record_id FROM records WHERE subject_id = ?
                        AND kind = 'serious_violation_list' AND published_on <= ?
                        AND (valid_until IS NULL OR valid_until > ?) AND revoked_on IS NULL
                        ORDER BY record_id""",
        [sid, AS_OF, AS_OF],
    )
    return sid, rec["record_id"].iloc[0]


def _cause(kind: str, oid: str, rid: str) -> dict:
    return {"kind": kind, "id": oid, "record_id": rid}


def test_an_objection_suspends_the_record_at_once_and_rejection_restores_it(
    tiny, champions
) -> None:
    model = champions["enterprise"]
    sid, rid = _listed_d_enterprise(tiny, model)

    def change():
        oid = open_objection(tiny, rid, "名单依据的处罚已被撤销", "tester", OPENED)
        return oid, _cause("objection_open", oid, rid)

    oid, changes, _ = rerate_change(
        tiny, affected_subjects(tiny, sid), OPENED, {"enterprise": model}, change
    )
    assert objection_status(tiny).set_index("objection_id").at[oid, "status"] == "open"
    with pytest.raises(ObjectionError, match="already has open objection"):
        open_objection(tiny, rid, "again", "tester", OPENED)
    mine = next(c for c in changes if c.subject_id == sid)
    assert mine.before_grade == "D" and mine.after_grade != "D" and mine.moved
    # before is the same day without the objection; the grade in force was of AS_OF
    assert mine.before_as_of == OPENED and mine.in_force_as_of == AS_OF
    assert mine.in_force_grade == "D"
    assert mine.reasons_after and mine.reasons_before != mine.reasons_after
    now = ratings_on(tiny, "enterprise", None, [sid]).iloc[0]
    assert pd.Timestamp(now["as_of"]).date() == OPENED
    assert "serious_list_now" not in now["overrides"]
    reasons = json.loads(now["reasons"])
    assert reasons["cause"]["id"] == oid

    later = OPENED + dt.timedelta(days=9)
    resolve_objection(tiny, oid, upheld=False, by="checker", on=later)
    changes, _ = rerate(
        tiny, [sid], later, {"enterprise": model}, _cause("objection_rejected", oid, rid)
    )
    assert changes[0].before_grade == mine.after_grade and changes[0].after_grade == "D"
    trail = tiny.query(
        "SELECT status FROM objections WHERE objection_id = ? ORDER BY recorded_at", [oid]
    )
    assert trail["status"].tolist() == ["open", "rejected"]
    audit = tiny.query("SELECT action FROM audit_log WHERE subject_id = ?", [sid])
    assert {"objection_open", "objection_rejected"} <= set(audit["action"])


def test_before_after_shows_the_change_alone_not_the_passing_of_time(tiny, champions) -> None:
    model = champions["enterprise"]
    sid, _ = _listed_d_enterprise(tiny, model)
    day = AS_OF + dt.timedelta(days=200)  # records have left their windows since AS_OF
    # a change that moves nothing: before and after must be identical on the same day
    _, changes, _ = rerate_change(
        tiny, [sid], day, {"enterprise": model}, lambda: (None, {"kind": "test", "id": "noop"})
    )
    (mine,) = changes
    assert mine.before_pd == mine.after_pd and not mine.moved
    assert mine.reasons_before == mine.reasons_after
    assert mine.in_force_as_of == AS_OF
    # the latest stored rating alone (no baseline) would mix in the 200 days
    stored = ratings_on(tiny, "enterprise", AS_OF, [sid]).iloc[0]
    assert pd.Timestamp(stored["as_of"]).date() == AS_OF


def test_one_slice_for_every_scheme_rates_as_each_scheme_s_own_slice(tiny, champions) -> None:
    """A change's subjects are rated on one slice taken for every scheme
    (:func:`scoring.rerating.shared_slice`): the rows equal those of each scheme rated on
    its own slice (:func:`scoring.batch.rate_subjects` on the whole store)."""
    model = champions["enterprise"]
    sid, _ = _listed_d_enterprise(tiny, model)
    rep = tiny.scalar("SELECT legal_rep_id FROM subjects WHERE subject_id = ? LIMIT 1", [sid])
    drivers = tiny.query(
        "SELECT subject_id, employer_id FROM subjects WHERE subject_type = 'driver' "
        "AND employer_id IS NOT NULL ORDER BY subject_id LIMIT 1"
    )
    ids = sorted(
        {
            *affected_subjects(tiny, rep),
            *affected_subjects(tiny, sid),
            *affected_subjects(tiny, drivers["employer_id"].iloc[0]),
        }
    )
    models = models_of_types(tiny, ids, champions)
    assert set(models) == {"enterprise", "driver"}, models
    for day in (AS_OF, OPENED):
        shared = baseline(tiny, ids, day, models)
        for scheme, m in models.items():
            own = rate_subjects(tiny, m, day, None, ids).set_index("subject_id")
            assert len(own) >= 1
            pd.testing.assert_frame_equal(
                shared[scheme].drop(columns="scored_at"), own.drop(columns="scored_at")
            )


def test_an_upheld_objection_keeps_the_record_out(tiny, champions) -> None:
    model = champions["enterprise"]
    sid, rid = _listed_d_enterprise(tiny, model)
    oid = open_objection(tiny, rid, "wrong firm", "tester", OPENED)
    resolve_objection(tiny, oid, upheld=True, by="checker", on=OPENED + dt.timedelta(days=3))
    with pytest.raises(ObjectionError, match="already upheld"):
        resolve_objection(tiny, oid, upheld=False, by="checker", on=OPENED)
    day = OPENED + dt.timedelta(days=30)
    feats = build_features(tiny, "enterprise", day, subjects=[sid])
    assert feats["serious_list_now"].iloc[0] == 0


def test_objections_need_a_known_record_and_a_reason(tiny) -> None:
    with pytest.raises(ObjectionError, match="not in the store"):
        open_objection(tiny, "no-such-record", "x", "t", OPENED)
    rid = tiny.scalar("SELECT min(record_id) FROM records")
    with pytest.raises(ObjectionError, match="needs a reason"):
        open_objection(tiny, rid, "  ", "t", OPENED)
    with pytest.raises(ObjectionError, match="does not exist") as refused:
        resolve_objection(tiny, "YYnope", True, "t", OPENED)
    assert refused.value.zh == "没有编号为 YYnope 的异议"  # what the Chinese page shows


def test_a_repair_never_ends_a_record_before_the_tier_minimum() -> None:
    policy = WindowPolicy()
    rec = pd.Series(
        {
            "kind": "serious_violation_list",
            "severity": "serious",
            "polarity": "negative",
            "decided_on": dt.date(2026, 3, 1),
            "event_date": dt.date(2026, 2, 1),
            "value_text": None,
        }
    )
    # list repair only after 12 months
    assert repair_effective_on(rec, dt.date(2026, 6, 1), policy) == dt.date(2027, 3, 1)
    assert repair_effective_on(rec, dt.date(2027, 5, 1), policy) == dt.date(2027, 5, 1)
    minor = rec.copy()
    minor["kind"], minor["severity"] = "administrative_penalty", "minor"
    assert repair_effective_on(minor, dt.date(2026, 3, 2), policy) == dt.date(2026, 3, 2)


def test_an_approved_repair_is_a_new_trail_row_and_rerates(tiny, champions) -> None:
    model = champions["enterprise"]
    sid, rid = _listed_d_enterprise(tiny, model)
    on = dt.date(2027, 11, 1)  # past any minimum of a listing decided before 2026-11
    result = approve_repair(tiny, rid, "officer", on, WindowPolicy())
    assert result.effective_on == on
    trail = tiny.query(
        "SELECT status FROM repairs WHERE repair_id = ? ORDER BY recorded_at", [result.repair_id]
    )
    assert trail["status"].tolist() == ["applied", "approved"]
    with pytest.raises(ObjectionError, match="already repaired"):
        approve_repair(tiny, rid, "officer", on, WindowPolicy())
    changes, _ = rerate(
        tiny, [sid], on, {"enterprise": model}, _cause("repair", result.repair_id, rid)
    )
    after = ratings_on(tiny, "enterprise", None, [sid]).iloc[0]
    assert "serious_list_now" not in after["overrides"]
    assert changes[0].before_grade == "D"


def test_deadlines_count_working_days_and_flag_overdue(tiny) -> None:
    rid = tiny.scalar("SELECT min(record_id) FROM records")
    friday = dt.date(2026, 11, 6)
    oid = open_objection(tiny, rid, "check me", "t", friday)
    table = deadlines(tiny, dt.date(2026, 11, 9), DeadlineRules())
    row = table.set_index("objection_id").loc[oid]
    assert row["accept_by"] == dt.date(2026, 11, 10)  # Mon, Tue
    assert row["check_by"] == dt.date(2026, 11, 12)
    assert row["department_by"] == dt.date(2026, 11, 26)
    assert row["cap_by"] == dt.date(2026, 11, 26)
    assert not row["overdue"]
    late = deadlines(tiny, dt.date(2026, 11, 27)).set_index("objection_id").loc[oid]
    assert late["overdue"] and late["days_left"] == -1
    holiday = deadlines(tiny, friday, DeadlineRules(holidays=(dt.date(2026, 11, 9),)))
    assert holiday.set_index("objection_id").at[oid, "accept_by"] == dt.date(2026, 11, 11)


def test_one_objection_s_status_is_its_row_of_every_status(tiny) -> None:
    """Reading one objection (or one record's) gives the rows of the whole read."""
    rids = tiny.query("SELECT record_id FROM records ORDER BY record_id LIMIT 3")["record_id"]
    opened = [open_objection(tiny, r, "核实", "tester", OPENED) for r in rids]
    resolve_objection(tiny, opened[0], upheld=True, by="checker", on=OPENED)
    again = open_objection(tiny, rids.iloc[0], "再次异议", "tester", OPENED)
    every = objection_status(tiny).sort_values("objection_id").reset_index(drop=True)
    for oid in [*opened, again]:
        one = objection_status(tiny, objection_id=oid).reset_index(drop=True)
        pd.testing.assert_frame_equal(
            one, every[every["objection_id"] == oid].reset_index(drop=True)
        )
    on_first = objection_status(tiny, record_id=rids.iloc[0]).sort_values("objection_id")
    assert sorted(on_first["status"]) == ["open", "upheld"]
    pd.testing.assert_frame_equal(
        on_first.reset_index(drop=True),
        every[every["record_id"] == rids.iloc[0]].reset_index(drop=True),
    )
    assert objection_status(tiny, objection_id="YY-none").empty
    # by current status: the latest row's, in the engine
    for status in ("open", "upheld"):
        only = objection_status(tiny, status=status).sort_values("objection_id")
        pd.testing.assert_frame_equal(
            only.reset_index(drop=True),
            every[every["status"] == status].reset_index(drop=True),
        )
    # the first objection was upheld: not open any more, though its first row was
    assert opened[0] not in set(objection_status(tiny, status="open")["objection_id"])
