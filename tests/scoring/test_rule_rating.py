"""Schemes rated by a published points rule alone (issue 18 F4): no target, no model.

The construction enterprises' and the travel agencies' credit evaluations are
rated by their rules: the band is the final grade, the points are the score, the
items that scored are the reasons, and no champion is needed — in a batch, for a
firm whose records change, and in the credit report (Chinese, with the rule's
consequence for bidding). Spark parity of a rule-only batch: tests/scoring/test_spark_batch.py.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.records.kinds import KINDS
from features.records.schema import TABLES
from features.records.windows import WindowPolicy
from features.schemes import get_scheme, modelled, rated, rule_only
from scoring.batch import rate_subjects, score_scheme
from scoring.loader import load_model
from scoring.report import credit_report
from scoring.rule_rating import RulePipeline

AS_OF = dt.date(2026, 10, 31)
SCORED_AT = dt.datetime(2026, 11, 2, 3, 4, 5)
SECTORS = ("construction_credit", "travel_agency_credit")


def test_rule_only_schemes_are_rated_not_modelled() -> None:
    assert set(SECTORS) <= set(rule_only())
    assert set(rated()) == set(modelled()) | set(rule_only())
    assert not set(rule_only()) & set(modelled())
    # list order is kept: the modelled schemes first, then the sectors (ORDER 60, 61)
    assert [k for k in rated() if k in SECTORS] == list(SECTORS)


@pytest.mark.parametrize("key", SECTORS)
def test_a_batch_needs_no_champion(key: str, tiny, tmp_path: Path) -> None:
    model = load_model(key, tmp_path / "no-mlruns")  # an empty home: no model there
    assert isinstance(model.pipeline, RulePipeline) and model.run_id is None
    assert not (tmp_path / "no-mlruns").exists()
    run = score_scheme(tiny, model, AS_OF, scored_at=SCORED_AT)
    rows = tiny.query("SELECT * FROM ratings WHERE scheme = ? AND as_of = ?", [key, AS_OF])
    assert run.rows == len(rows) > 10
    rule = get_scheme(key).rules[0]
    assert rows["model_grade"].isna().all() and rows["pd"].isna().all()
    # the band of the points is the final grade, for every firm
    assert list(rows["final_grade"]) == [rule.grade(p) for p in rows["score"]]
    for text in rows["reasons"]:
        why = json.loads(text)
        assert why["unit"] == "rule_points"
        parts = why["base"] + sum(f["contribution"] for f in why["raise"] + why["lower"])
        assert parts == pytest.approx(why["output"])  # every item that scored is listed
        assert why["rules"][key]["binding"] == "exact"
    # a re-run replaces the batch (the rule's digest is its version)
    again = score_scheme(tiny, model, AS_OF, scored_at=SCORED_AT)
    assert again.replaced == run.rows


def _record(rid: str, firm: str, kind: str, severity: str | None, days: int) -> dict:
    k = KINDS[kind]
    return dict(
        record_id=rid,
        subject_id=firm,
        kind=kind,
        domain=k.domain,
        severity=severity,
        polarity="negative",
        event_date=AS_OF - dt.timedelta(days=days + 10),
        decided_on=AS_OF - dt.timedelta(days=days),
        published_on=AS_OF - dt.timedelta(days=days - 5),
        valid_until=AS_OF + dt.timedelta(days=3 * 365),
        source_dept=k.dept,
        amount=50_000.0,
        detail="测试记录",
    )


def test_serious_penalty_and_wage_arrears_give_the_band_and_the_report(tiny, tmp_path) -> None:
    key = "construction_credit"
    model = load_model(key, tmp_path)
    before = rate_subjects(tiny, model, AS_OF, scored_at=SCORED_AT)
    clean = before.loc[before["score"] == 80, "subject_id"]
    assert len(clean) > 0
    firm = str(clean.iloc[0])
    rows = [
        _record("R-TEST-PEN", firm, "administrative_penalty", "serious", 100),
        _record("R-TEST-WAGE", firm, "wage_arrears", "general", 60),
    ]
    cols = [c for c in TABLES["records"].column_names if c in rows[0]]
    tiny.append("records", pd.DataFrame(rows, columns=cols))
    # the one-subject rating (in process) and the batch give the band: 80 - 15 - 15 = 50
    one = rate_subjects(tiny, model, AS_OF, subjects=[firm], scored_at=SCORED_AT).iloc[0]
    assert (one["score"], one["final_grade"]) == (50.0, "C")
    assert one["model_grade"] is None and np.isnan(one["pd"])
    why = json.loads(one["reasons"])
    scored = {f["indicator"]: f for f in why["raise"]}
    assert set(scored) == {"penalty_serious", "wage_arrears"}
    assert scored["penalty_serious"]["records"] == ["R-TEST-PEN"]
    assert scored["wage_arrears"]["contribution"] == -15
    (override,) = json.loads(one["overrides"])
    assert override["grade"] == "C" and "R-TEST-WAGE" in override["reason_zh"]
    run = score_scheme(tiny, model, AS_OF, scored_at=SCORED_AT)
    batch = tiny.query(
        "SELECT final_grade, score FROM ratings WHERE scheme = ? AND subject_id = ?", [key, firm]
    )
    assert run.rows > 10 and list(batch.itertuples(index=False)) == [("C", 50.0)]

    html = credit_report(tiny, firm, WindowPolicy(), scheme=key, lang="zh")
    for text in (
        "建筑业企业信用评价",
        "评价规则结果",
        "周期得分",
        "资格预审、评标不得分；重点监管",  # the consequence of band C
        "严重行政处罚（-15分）",
        "拖欠农民工工资（-15分）",
        "人力资源和社会保障局",  # the wage arrears' department
        "按评价规则定级（无模型）",
        "不适用",  # no PD, no model grade
    ):
        assert text in html, text
    # the Chinese page names no code of the rule (item keys, the model's name)
    body = re.sub(r'<span class="en">.*?</span>', "", html, flags=re.S)
    for code in ("penalty_serious", "wage_arrears", "rule:", "rule_points", "None"):
        assert code not in body, code


def test_a_citys_own_figures_rate_and_report_by_the_settings(tiny, tmp_path) -> None:
    """``[rules.<key>]`` gives a city's own figures of a declared rule (the sector tables
    are proposals): the same records rate by them, and the report shows them."""
    from app.settings import load_settings

    key = "construction_credit"
    rule = get_scheme(key).rules[0]
    first = rule.items[0]
    local = tmp_path / "local.toml"
    local.write_text(
        f"[rules.{key}]\ncycle_months = 36\n"
        f"[rules.{key}.bands]\nAA = 85\n"
        f"[rules.{key}.points]\n{first.key} = {first.points * 2:g}\n",
        encoding="utf-8",
    )
    policies = load_settings(local).rating_policies()
    mine = policies.scheme(key).rules[0]
    assert mine.cycle_months == 36 and dict(mine.bands)["AA"] == 85
    assert mine.items[0].points == first.points * 2
    assert mine.items[1:] == rule.items[1:] and mine.sources == rule.sources
    model = load_model(key, tmp_path / "no-mlruns")
    shipped = rate_subjects(tiny, model, AS_OF, scored_at=SCORED_AT).set_index("subject_id")
    local_ = rate_subjects(tiny, model, AS_OF, scored_at=SCORED_AT, policies=policies)
    local_ = local_.set_index("subject_id")
    assert list(local_["final_grade"]) == [mine.grade(p) for p in local_["score"]]
    assert (local_["final_grade"] != shipped["final_grade"]).any(), "a figure that moved nothing"
    firm = str(local_.index[0])
    score_scheme(tiny, model, AS_OF, subjects=[firm], scored_at=SCORED_AT, policies=policies)
    html = credit_report(tiny, firm, WindowPolicy(), scheme=key, lang="zh", rules=policies)
    assert "85分及以上" in html and "36个月" in html
    declared = credit_report(tiny, firm, WindowPolicy(), scheme=key, lang="zh")
    assert "85分及以上" not in declared


def test_figures_a_rule_does_not_have_are_refused_in_one_line(tmp_path) -> None:
    from app.settings import load_settings

    for text, said in (
        ("[rules.no_such_rule]\nstart = 1\n", "[rules.no_such_rule]: no scheme declares"),
        ("[rules.construction_credit.bands]\nZ = 1\n", "unknown grades ['Z']"),
        ("[rules.construction_credit.points]\nbribe = 5\n", "unknown items ['bribe']"),
        ("[rules.driver_integrity]\nstart = 1\n", "set in [driver]"),
        ("[rules.construction_credit.bands]\nAAA = 10\n", "thresholds"),
    ):
        local = tmp_path / "local.toml"
        local.write_text(text, encoding="utf-8")
        problem = load_settings(local).schemes_problem()
        assert problem is not None and said in problem, (text, problem)
