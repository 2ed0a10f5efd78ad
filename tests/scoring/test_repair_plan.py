"""The repair plan (scoring/repair_plan.py) is exact: its projection is the rating by hand at
each month-end, a repair option is what approving the repair in a copy of the store and
re-rating gives, its dates follow the windows (tiers, sectors, lists, the legacy profile), and
it writes nothing."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest
from little_city import E3, record, table_frame

from app.settings import load_settings
from features.compile import BuildConfig
from features.store.duckdb_store import DuckDBStore
from features.store.sliced import slice_store
from scoring.batch import rate_subjects
from scoring.loader import champions
from scoring.objections import approve_repair
from scoring.repair_plan import RepairPlan, repair_plan
from scoring.repair_records import record_guides
from scoring.repair_requirements import load_requirements

ON = dt.date(2026, 10, 31)
MONTHS = 36
#: a serious penalty planted on the firm when the city has no C-class firm with one
PLANTED = "PLAN-TEST-SERIOUS"
#: an abnormal-operations listing planted with it (not better than C: a rule-fixed grade)
PLANTED_LIST = "PLAN-TEST-ABNORMAL"


def _plant(store: DuckDBStore, firm: str) -> None:
    """A serious penalty decided 2026-05-20 (current profile: repair from 2027-05-20) and an
    open-ended abnormal-operations listing: the firm is at most C while it is listed."""
    rows = [
        record(
            PLANTED,
            firm,
            "administrative_penalty",
            event="2026-05-20",
            published="2026-05-25",
            severity="serious",
            value_text="quality",
            valid_until="2029-05-20",
            amount=200_000.0,
        ),
        record(
            PLANTED_LIST,
            firm,
            "abnormal_operations_list",
            event="2026-08-01",
            published="2026-08-02",
            severity="general",
            value_text="annual_report",
        ),
    ]
    store.append("records", table_frame(rows, "records"))


def _firm(store: DuckDBStore) -> str:
    """A firm with a serious penalty counting on ON (the first by id, deterministic)."""
    return store.scalar(
        """SELECT min(subject_id) FROM records WHERE kind = 'administrative_penalty'
           AND severity = 'serious' AND published_on <= ? AND valid_until > ?
           AND subject_id LIKE '9%'""",
        [ON, ON],
    )


def _copy(source: Path, target: Path, firm: str) -> DuckDBStore:
    shutil.copy(source, target)
    store = DuckDBStore(target, threads=2)
    _plant(store, firm)
    return store


@pytest.fixture(scope="module")
def planned(scoring_city_file: Path, tiny_champion, tmp_path_factory) -> dict:
    """The tiny city with a C-class firm holding a serious penalty, its plan and what it took."""
    home = tiny_champion("enterprise")
    folder = tmp_path_factory.mktemp("repair-plan")
    with DuckDBStore(scoring_city_file, read_only=True) as st:
        firm = _firm(st)
    store = _copy(scoring_city_file, folder / "city.duckdb", firm)
    cfg = load_settings()
    build, policies = cfg.build_config(), cfg.rating_policies()
    models, _ = champions(home, ["enterprise"])
    before = {t: store.count(t) for t in ("ratings", "repairs", "audit_log", "records")}
    plan = repair_plan(store, firm, ON, models, build, policies, load_requirements(), months=MONTHS)
    after = {t: store.count(t) for t in ("ratings", "repairs", "audit_log", "records")}
    yield {
        "store": store,
        "firm": firm,
        "plan": plan,
        "models": models,
        "build": build,
        "policies": policies,
        "counts": (before, after),
        "folder": folder,
        "source": scoring_city_file,
    }
    store.close()


def test_the_firm_is_c_class_with_a_serious_penalty(planned: dict) -> None:
    plan: RepairPlan = planned["plan"]
    enterprise = next(p for p in plan.projections if p.scheme == "enterprise")
    assert enterprise.points[0].grade == "C"  # the rule fixes it: not better than C
    assert any(g.kind == "administrative_penalty" and g.severity == "serious" for g in plan.records)
    assert len(enterprise.points) == MONTHS + 1


def test_projection_equals_rating_by_hand(planned: dict) -> None:
    plan: RepairPlan = planned["plan"]
    store, firm = planned["store"], planned["firm"]
    for proj in plan.projections:
        model = planned["models"][proj.scheme]
        for p in proj.points:
            by_hand = rate_subjects(
                store, model, p.day, planned["build"], [firm], policies=planned["policies"]
            ).iloc[0]
            assert (p.grade, p.score) == (by_hand["final_grade"], pytest.approx(by_hand["score"]))
            assert p.pd == pytest.approx(by_hand["pd"], abs=1e-12), p.day
    # the listing does not lapse: the rule keeps the grade at C or worse all along
    enterprise = next(p for p in plan.projections if p.scheme == "enterprise")
    assert all(p.grade in ("C", "D") for p in enterprise.points)


def test_nothing_is_written(planned: dict) -> None:
    before, after = planned["counts"]
    assert before == after


def test_options_are_ranked_and_the_listing_repair_lifts(planned: dict) -> None:
    plan: RepairPlan = planned["plan"]
    singles = [o for o in plan.options if len(o.record_ids) == 1]
    keys = [(-o.steps, -round(o.pd_drop, 12), o.lift_on) for o in singles]
    assert keys == sorted(keys)
    listing = next(o for o in singles if o.record_ids == (PLANTED_LIST,))
    penalty = next(o for o in singles if o.record_ids == (PLANTED,))
    # the listing is a general record (3 months from 2026-08-01, settings [windows]); the
    # serious penalty's repair not before 12 months after its decision (2026-05-20)
    assert listing.lift_on == dt.date(2026, 11, 1)
    assert penalty.lift_on == dt.date(2027, 5, 20)
    assert any(len(o.record_ids) == 2 for o in plan.options)
    assert plan.best is not None and plan.best.helps


def _rate(store, planned: dict, scheme: str, day: dt.date):
    return rate_subjects(
        store,
        planned["models"][scheme],
        day,
        planned["build"],
        [planned["firm"]],
        policies=planned["policies"],
    ).iloc[0]


@pytest.mark.parametrize("which", ["best", "penalty"])
def test_option_equals_approving_the_repair_in_a_copy(planned: dict, which: str) -> None:
    plan: RepairPlan = planned["plan"]
    option = (
        plan.best
        if which == "best"
        else next(o for o in plan.options if o.record_ids == (PLANTED,))
    )
    assert option is not None
    copy = _copy(planned["source"], planned["folder"] / f"copy-{which}.duckdb", planned["firm"])
    try:
        for rid, day in zip(option.record_ids, option.approve_on, strict=True):
            approve_repair(copy, rid, "test", day, planned["build"].windows)
        for lift in option.lifts:
            again = _rate(copy, planned, lift.scheme, option.lift_on)
            assert lift.with_repair.grade == again["final_grade"]
            assert lift.with_repair.pd == pytest.approx(again["pd"], abs=1e-12)
            plain = _rate(planned["store"], planned, lift.scheme, option.lift_on)
            assert lift.without.grade == plain["final_grade"]
            assert lift.without.pd == pytest.approx(plain["pd"], abs=1e-12)
        if which == "best":  # the curve with the best repair, every month-end
            for scheme, points in plan.best_curve.items():
                assert points, scheme
                for p in points[:: max(1, len(points) // 6)]:
                    again = _rate(copy, planned, scheme, p.day)
                    assert (p.grade, p.pd) == (
                        again["final_grade"],
                        pytest.approx(again["pd"], abs=1e-12),
                    )
    finally:
        copy.close()


def test_earliest_dates_per_tier_sector_list_and_legacy_profile(city) -> None:
    """The minimum before a repair can end a record: general 3 months, food sector 12,
    serious 12 (6 under the legacy profile before 2026-04-01), serious list 12; a court list
    is not repaired here; an approved repair is not offered again."""
    on = dt.date(2026, 9, 30)
    rows = [
        ("G", "administrative_penalty", "general", "price", "2026-05-10", "2027-05-10"),
        ("F", "administrative_penalty", "general", "food", "2026-05-10", "2027-05-10"),
        ("S", "administrative_penalty", "serious", "price", "2026-05-10", "2029-05-10"),
        ("L", "administrative_penalty", "serious", "price", "2026-01-10", "2029-01-10"),
        ("B", "serious_violation_list", "serious", None, "2026-02-01", "2029-02-01"),
        ("J", "dishonest_judgment_debtor", "serious", None, "2026-03-01", None),
        ("R", "administrative_penalty", "general", "price", "2026-02-01", "2027-02-01"),
    ]
    city.append(
        "records",
        table_frame(
            [
                record(
                    f"T-{key}",
                    E3,
                    kind,
                    event=day,
                    published=day,
                    severity=sev,
                    value_text=sector,
                    valid_until=until,
                    dept="court" if kind == "dishonest_judgment_debtor" else "samr",
                )
                for key, kind, sev, sector, day, until in rows
            ],
            "records",
        ),
    )
    city.append(
        "repairs",
        pd.DataFrame(
            [
                {
                    "repair_id": "XF-T-R",
                    "record_id": "T-R",
                    "subject_id": E3,
                    "status": "approved",
                    "applied_on": dt.date(2026, 9, 1),
                    "approved_on": dt.date(2026, 9, 1),
                    "handled_by": "test",
                    "recorded_at": dt.datetime(2026, 9, 1, 9),
                }
            ]
        ),
    )
    guides = {
        g.record_id: g
        for g in record_guides(slice_store(city, [E3]), E3, on, BuildConfig(), load_requirements())
    }
    d = dt.date
    expected_end = {
        "T-G": d(2026, 8, 10),  # general: 3 months
        "T-F": d(2027, 5, 10),  # food sector: 12 months
        "T-S": d(2027, 5, 10),  # serious: 12 months
        "T-L": d(2026, 7, 10),  # serious decided before 2026-04-01: legacy 6 months
        "T-B": d(2027, 2, 1),  # serious violation list: 12 months on the list
    }
    for rid, end in expected_end.items():
        g = guides[rid]
        assert g.earliest_end == end, rid
        assert g.earliest_approval == max(end, on), rid  # never before the plan's day
        assert g.repairable == (rid != "T-F"), rid
    # the food penalty's minimum reaches its 12-month maximum: no repair ends it earlier
    assert not guides["T-F"].gains
    assert guides["T-S"].stops_on == d(2029, 5, 10)
    assert guides["T-S"].window_max_on == d(2029, 5, 10)  # serious: 36 months
    assert guides["T-L"].window_max_on == d(2029, 1, 10)
    assert guides["T-B"].window_max_on == d(2029, 2, 1)  # list validity 36 months
    assert not guides["T-J"].repairable and guides["T-J"].rule is not None
    assert not guides["T-J"].rule.repairable  # the court's list
    # approved on 2026-09-01, effective at the 3-month minimum (2026-05-01 passed): gone
    assert "T-R" not in guides


def test_a_hypothetical_row_leaves_the_slice_unchanged(city) -> None:
    view = slice_store(city, [E3])
    n = view.tables["repairs"].num_rows
    more = view.with_rows(
        "repairs", pd.DataFrame([{"repair_id": "x", "record_id": "y", "status": "approved"}])
    )
    assert view.tables["repairs"].num_rows == n and more.tables["repairs"].num_rows == n + 1
    with pytest.raises(ValueError, match="not a sliced table"):
        view.with_rows("ratings", pd.DataFrame())


def test_the_credit_report_shows_the_plan_as_a_projection(planned: dict) -> None:
    from scoring.batch import score_scheme
    from scoring.report import credit_report

    plan: RepairPlan = planned["plan"]
    # the report reads the stored rating (the tiny city has none): rate the firm on ON
    score_scheme(
        planned["store"],
        planned["models"]["enterprise"],
        ON,
        planned["build"],
        [planned["firm"]],
        policies=planned["policies"],
    )
    html = credit_report(
        planned["store"], planned["firm"], planned["build"].windows, repair_plan=plan
    )
    assert "信用修复指引" in html and "等级预测（每月末）" in html and "预测不是评级" in html
    assert PLANTED in html and "None" not in html.split("信用修复指引", 1)[1]
    english = credit_report(
        planned["store"], planned["firm"], planned["build"].windows, lang="en", repair_plan=plan
    )
    assert "Credit repair guidance" in english and "projection" in english


def test_a_related_partys_record_behind_a_rule_is_named(tiny, household_home) -> None:
    """A household heading a firm just put on the serious list: the rule (不评为信用户) is
    its firm's record, which the plan names (by the firm's name) instead of offering a repair
    the household cannot apply for."""
    from test_people_behind_firms import ON as LISTED_ON
    from test_people_behind_firms import _a_household_behind_a_clean_firm, _serious_listing

    from scoring.repair_plan_view import related_rows

    person, firm, name = _a_household_behind_a_clean_firm(tiny)
    tiny.append("records", _serious_listing(firm))
    cfg = load_settings()
    models, _ = champions(household_home, ["household"])
    plan = repair_plan(
        tiny,
        person,
        LISTED_ON,
        models,
        cfg.build_config(),
        cfg.rating_policies(),
        load_requirements(),
        months=2,
    )
    assert plan.projections[0].points[0].grade == "NR"
    mine = {g.record_id for g in plan.records}
    assert "R-TEST-SERIOUS" not in mine
    behind = {(x.record_id, x.relation, x.owner_id) for x in plan.related}
    assert ("R-TEST-SERIOUS", "represented_firms", firm) in behind
    rows = related_rows(plan, "zh")
    assert name in set(rows["关联方"]) and person not in rows.to_csv()


def _lift(scheme: str, steps: int, pd_from: float, pd_to: float, gain: float = 0.0):
    from scoring.repair_plan import Point, SchemeLift

    day = dt.date(2026, 10, 31)
    return SchemeLift(
        scheme, Point(day, "C", pd_from, 0.0), Point(day, "C", pd_to, 0.0), steps, gain
    )


def _option(rid: str, *lifts):
    from scoring.repair_plan import RepairOption

    day = dt.date(2026, 10, 31)
    return RepairOption((rid,), (day,), day, tuple(lifts))


def test_a_rule_only_schemes_points_choose_the_records_tried_in_pairs() -> None:
    """A firm rated by a model and by a points rule alone (construction): two deductions
    may lift the rule's grade together that neither lifts alone; ranked by the model's PD,
    those records were never paired (the rule's scheme has no PD)."""
    from scoring.repair_plan import _paired_ids, _rank

    nan = float("nan")
    singles = _rank(
        [
            _option("M1", _lift("enterprise", 0, 0.24, 0.20), _lift("construction", 0, nan, nan)),
            _option("M2", _lift("enterprise", 0, 0.24, 0.21), _lift("construction", 0, nan, nan)),
            _option(
                "R1", _lift("enterprise", 0, 0.24, 0.24), _lift("construction", 0, nan, nan, 10)
            ),
            _option(
                "R2", _lift("enterprise", 0, 0.24, 0.24), _lift("construction", 0, nan, nan, 7)
            ),
        ]
    )
    assert [o.record_ids[0] for o in singles] == ["M1", "M2", "R1", "R2"]
    assert all(o.pd_drop == o.pd_drop for o in singles)  # a missing PD adds nothing, not NaN
    assert _paired_ids(singles, ["enterprise"], 2) == ["M1", "M2"]
    assert _paired_ids(singles, ["enterprise", "construction"], 2) == ["M1", "M2", "R1", "R2"]


def test_a_schemes_missing_pd_reads_as_a_dash_and_a_broken_commitment_says_so() -> None:
    from scoring.repair_plan_view import _pct
    from scoring.repair_records import _kind_text

    assert _pct(float("nan")) == "—" and _pct(0.2403) == "24.03%"
    rec = pd.Series({"value_text": "broken"})
    assert _kind_text("credit_commitment", "信用承诺", rec, "zh") == "信用承诺（违背承诺）"
    assert _kind_text("credit_commitment", "Credit commitment", rec, "en").endswith("(broken)")
    free = pd.Series({"value_text": "市监处罚〔2026〕12号"})
    assert _kind_text("administrative_penalty", "行政处罚", free, "zh") == "行政处罚"
