"""The credit report: content, masking, language, history, errors."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from little_city import D0, D1, DRV, E1, E3, E6, REP, UNRATED, subject, table_frame

from features.records.kinds import all_kinds
from features.records.windows import WindowPolicy
from features.schemes import get_scheme, modelled
from features.subjects import person_types
from scoring.report import ReportError, credit_report, report_data

STAMP = dt.datetime(2026, 11, 1, 9, 0)
#: the publication windows of DOMAIN.md (the shipped settings' [windows])
POLICY = WindowPolicy()


def _report(city, sid: str, **kw) -> str:
    return credit_report(city, sid, POLICY, generated=STAMP, **kw)


def _visible(html: str) -> str:
    """The page without the inline chart (base64 could contain any substring)."""
    return re.sub(r'src="data:[^"]*"', 'src=""', html)


def test_report_shows_grade_reasons_records_and_model(city) -> None:
    html = _report(city, E1)
    page = _visible(html)
    assert page.startswith("<!DOCTYPE html>") and 'lang="zh-CN"' in page
    # identity
    assert "曲靖甲商贸有限公司" in page and E1 in page and "C 制造业" in page
    assert "麒麟区 (530302)" in page
    # grade, label, PD, model grade, override
    assert "D 信用风险高" in page and "5.00%" in page and "<b>模型等级" in page
    assert "列入严重违法失信名单，直接列为D类（信用风险高）" in page
    assert "on the serious violation list: class D (high risk)" in page
    # reasons, Chinese first with the English beside it
    assert "列入严重违法失信名单1条" in page and "1 serious-violation listings in force" in page
    assert "成立11年4个月" in page and "+1.200" in page and "-0.200" in page
    # the records behind them: department, dates, window; not the unrelated tax record
    assert "R-E1-LIST" in page and "R-E1-PEN" in page and "R-E1-TAX" not in page
    assert "市场监督管理局" in page and "2026-07-15" in page
    assert "(2024-09-30, 2026-09-30]" in page and "有效期内" in page
    # the legal representative's record counts for rep_dishonest_now, with the ID masked
    assert "R-REP-DJD" in page and "人民法院" in page and "法定代表人 110105**********38" in page
    assert REP not in html
    # the objection on the penalty, the model, the scheme
    assert "OBJ-2" in page and "处理中" in page and "处罚已撤销" in page
    assert "xinping-enterprise" in page and "run2" in page
    assert "企业信用风险分类" in page and "信用风险较高" in page and "LightGBM" in page
    assert "基础属性、动态信息、监管信息、关联关系、社会评价" in page
    # free text from the source is escaped
    assert "&lt;b&gt;严重违法&lt;/b&gt;" in page and "<b>严重违法" not in page


def test_report_is_self_contained_with_an_svg_chart(city) -> None:
    html = _report(city, E1)
    assert html.count('src="data:image/svg+xml;base64,') == 1
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<link" not in html and "<script" not in html
    assert _report(city, E1) == html  # deterministic for one time stamp
    # the chart speaks the report's language, its dates are dates, not month names
    import base64

    def chart_words(page: str) -> list[str]:
        data = re.search(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", page).group(1)
        return re.findall(r"<text[^>]*>([^<]*)</text>", base64.b64decode(data).decode())

    words = chart_words(html)
    assert "等级 Grade" in words and "违约概率 PD (%)" in words
    assert any(re.fullmatch(r"\d{4}-\d{2}-\d{2}", w) for w in words)
    months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
    assert not months & {w[:3] for w in words}
    english = chart_words(credit_report(city, E1, POLICY, lang="en", generated=STAMP))
    assert "Grade" in english and not any(re.search(r"[\u4e00-\u9fff]", w) for w in english)


def test_records_behind_show_until_when_they_count(city) -> None:
    (section,) = report_data(city, E1, POLICY)["sections"]
    rows = {r["record_id"]: r for r in section["records"]}
    # penalty: publication ends 2027-03-01, before it leaves the 24-month window (2028-03-01)
    assert rows["R-E1-PEN"]["counts_until"] == "2027-03-01"
    assert rows["R-E1-LIST"]["counts_until"] == "2029-07-10"
    assert rows["R-E1-PEN"]["severity"] == "一般"
    assert rows["R-E1-PEN"]["source_dept"] == "市场监督管理局"


def test_english_report(city) -> None:
    page = _visible(_report(city, E1, lang="en"))
    assert 'lang="en"' in page and "Credit report" in page and "High credit risk" in page
    assert "1 serious-violation listings in force" in page and "Market Regulation" in page
    assert "Manufacturing" in page and "Enterprise credit-risk class" in page
    assert "评价理由" not in page and "信用风险高" not in page
    with pytest.raises(ValueError, match="lang"):
        report_data(city, E1, POLICY, lang="fr")


def test_personal_ids_are_masked_everywhere(city) -> None:
    html = _report(city, DRV)
    assert DRV not in html and DRV[:-2] not in html
    page = _visible(html)
    assert "110105**********2X" in page and "张三" in page and "道路运输驾驶员" in page
    assert "近12个月交通违法记6分" in page and "公安交通管理部门" in page
    assert "AA" in page and "道路运输驾驶员诚信考核" in page


def test_report_as_of_an_earlier_date_and_the_history(city) -> None:
    page = _visible(_report(city, E3, as_of=D0))
    assert '评价基准日 <span class="en">As of</span> 2026-06-30' in page
    assert "R-E3-ABN" in page and "列入经营异常名录，不高于C类" in page
    assert "2026-09-30" not in page  # nothing after the reported date
    assert "REP-1" in page and "已申请" in page  # the repair applied for
    later = report_data(city, E3, POLICY)["sections"][0]
    assert later["as_of"] == D1.isoformat() and later["final_grade"] == "B"
    assert [h["as_of"] for h in later["history"]] == ["2026-09-30", "2026-06-30"]


def test_re_rating_cause_and_superseded_rows(city) -> None:
    data = report_data(city, E6, POLICY)
    (section,) = data["sections"]
    assert section["final_grade"] == "A" and section["cause"] == "异议处理 OBJ-1 (R-E6-LIST)"
    assert [(h["grade"], h["current"]) for h in section["history"]] == [
        ("A", True),
        ("D", False),
        ("A", True),
    ]
    assert data["objections"][0]["status"] == "异议成立"
    # the record's kind, found among the subject's own records
    kind = city.scalar("SELECT kind FROM records WHERE record_id = 'R-E6-LIST'")
    assert data["objections"][0]["kind"] == all_kinds()[kind].label_zh
    page = _visible(_report(city, E6))
    assert "已被取代" in page and "重新评价原因" in page


def test_one_scheme_only(city) -> None:
    sections = report_data(city, DRV, POLICY, scheme="driver")["sections"]
    assert [s["scheme"] for s in sections] == ["driver"]
    with pytest.raises(ReportError, match="under scheme 'enterprise'"):
        report_data(city, DRV, POLICY, scheme="enterprise")


def test_errors_name_the_problem(city) -> None:
    with pytest.raises(ReportError, match=r"unknown subject '110105\*{10}1X'"):
        credit_report(city, "11010519491231001X", POLICY)
    city.append("subjects", table_frame([subject(UNRATED, "未评价公司")], "subjects"))
    with pytest.raises(ReportError, match="has no rating"):
        credit_report(city, UNRATED, POLICY)
    with pytest.raises(ReportError, match="as of 2020-01-01; rated as of: 2026-06-30, 2026-09-30"):
        credit_report(city, E1, POLICY, as_of=dt.date(2020, 1, 1))


# --- reports of generated subjects, one per modelled scheme --------------------------

CITY_DAY = dt.date(2026, 6, 30)


@pytest.fixture(scope="module")
def rated_city(generated):
    """A copy of the generated city where the subject of each modelled scheme with the
    most record-based reasons has a rating citing them."""
    from features.build import build_features
    from features.dsl import Records, Related
    from features.schemes import SCHEMES
    from features.store.duckdb_store import DuckDBStore

    store = DuckDBStore(":memory:")
    for table in ("subjects", "records", "objections", "repairs"):
        store.append(table, generated.query(f"SELECT * FROM {table}"))
    picked = {}
    for key in modelled():
        scheme = SCHEMES[key]
        names = [
            i.name
            for i in scheme.indicators
            if isinstance(i.source, Records | Related) and not i.categorical
        ]
        frame = build_features(generated, key, CITY_DAY)
        row = frame.loc[(frame[names].fillna(0) != 0).sum(axis=1).idxmax()]
        # a missing value (NaN, truthy) is no record to cite
        cited = [n for n in names if row[n] and row[n] == row[n]][:5]
        raise_ = [
            {
                "indicator": n,
                "value": float(row[n]),
                "contribution": 0.5,
                "risk": 0.5,
                "label_zh": scheme.indicator(n).label_zh,
                "label_en": scheme.indicator(n).label_en,
                "text_zh": scheme.indicator(n).reason(float(row[n]), "zh"),
                "text_en": scheme.indicator(n).reason(float(row[n]), "en"),
            }
            for n in cited
        ]
        reasons = {
            "unit": "points",
            "base": 600.0,
            "output": 602.5,
            "rest": 0.0,
            "raise": raise_,
            "lower": [],
        }
        store.append(
            "ratings",
            table_frame(
                [
                    {
                        "subject_id": row["subject_id"],
                        "scheme": key,
                        "as_of": CITY_DAY,
                        "model_name": f"xinping-{key}",
                        "model_version": "4",
                        "run_id": "r4",
                        "score": 602.5,
                        "pd": 0.04,
                        "model_grade": "B" if key == "enterprise" else "A",
                        "final_grade": "B" if key == "enterprise" else "A",
                        "overrides": "[]",
                        "reasons": json.dumps(reasons, ensure_ascii=False),
                        "green_channel": True,
                        "scored_at": dt.datetime(2026, 7, 1, 8),
                    }
                ],
                "ratings",
            ),
        )
        picked[key] = (row["subject_id"], cited)
    yield store, picked
    store.close()


@pytest.mark.parametrize("key", modelled())
def test_reports_of_generated_subjects(rated_city, key) -> None:
    store, picked = rated_city
    sid, cited = picked[key]
    data = report_data(store, sid, POLICY, scheme=key)
    (section,) = data["sections"]
    assert section["final_grade"] in ("A", "B") and section["score"] == "602.5"
    assert section["green_channel"] == "是" and section["unit"] == "分"
    assert "评分卡" in section["method"]
    # every cited record-based reason has records behind it
    from features.schemes import SCHEMES

    labels = {SCHEMES[key].indicator(n).label_zh for n in cited}
    assert labels <= {r["indicator"] for r in section["records"]}
    assert all(r["source_dept"] and r["published_on"] for r in section["records"])
    html = credit_report(store, sid, POLICY, scheme=key, generated=STAMP)
    if get_scheme(key).population.subject_type in person_types():
        assert sid not in html and sid[:6] + "*" * 10 + sid[-2:] in html
    else:
        assert sid in html


def test_a_driver_capped_by_the_points_rule_reads_why(tiny, champions) -> None:
    from scoring.batch import score_scheme

    as_of = dt.date(2026, 10, 31)
    score_scheme(tiny, champions["driver"], as_of)
    rows = tiny.query(
        "SELECT subject_id, model_grade, final_grade, overrides FROM ratings "
        "WHERE overrides LIKE '%points_rule%' AND final_grade = 'B' "
        "ORDER BY subject_id LIMIT 1"
    )
    sid, model_grade = rows["subject_id"].iloc[0], rows["model_grade"].iloc[0]
    rule = [o for o in json.loads(rows["overrides"].iloc[0]) if o["indicator"] == "points_rule"]
    (section,) = report_data(tiny, sid, POLICY, scheme="driver")["sections"]
    assert section["final_grade"] == "B" and section["model_grade"] == model_grade != "B"
    (shown,) = [o for o in section["overrides"] if o["grade"] == "B"]
    assert shown["indicator"] == "诚信考核记分" and shown["text"] == rule[0]["reason_zh"]
    page = _visible(credit_report(tiny, sid, POLICY, scheme="driver", generated=STAMP))
    assert "B 不合格" in page and rule[0]["reason_zh"] in page
    assert rule[0]["records"][0]["record_id"] in page
    assert "points_rule" not in page


def test_a_corrected_name_is_the_one_reported_and_found(city) -> None:
    """A department corrects a firm's name: a new subject version. The report, the
    profile read and the search show the current version, once."""
    from app.data.subjects import search
    from app.data.subjects import subject as profile_subject

    later = city.scalar("SELECT max(recorded_at) FROM subjects") + dt.timedelta(hours=1)
    fixed = {**subject(E1, "曲靖甲商贸股份有限公司"), "recorded_at": later, "ingest_id": 9}
    city.append("subjects", table_frame([fixed], "subjects"))
    page = _visible(_report(city, E1))
    assert "曲靖甲商贸股份有限公司" in page and "曲靖甲商贸有限公司" not in page
    assert profile_subject(city, E1)["name"] == "曲靖甲商贸股份有限公司"
    found = search(city, "曲靖甲商贸")
    assert list(found["subject_id"]) == [E1]
    assert list(found["name"]) == ["曲靖甲商贸股份有限公司"]


def test_related_parties_records_are_capped_per_indicator_with_a_count() -> None:
    from scoring.report import RELATED_RECORDS_SHOWN, _capped

    n = RELATED_RECORDS_SHOWN + 5
    village = [
        {"indicator": "village_arrears", "relation": "village_households", "record_date": d}
        for d in (f"2026-01-{k + 1:02d}" for k in range(n))
    ]
    own = [{"indicator": "own_arrears", "relation": "self", "record_date": "2025-01-01"}] * 12
    out = list(_capped(village + own))
    rows = [r for r, more in out if more is None]
    markers = [more for _, more in out if more is not None]
    assert markers == [("village_arrears", 5, n)]  # once, after the indicator's last row
    shown = [r["record_date"] for r in rows if r["indicator"] == "village_arrears"]
    assert shown == [f"2026-01-{k + 1:02d}" for k in range(5, n)]  # the latest ten
    assert sum(r["indicator"] == "own_arrears" for r in rows) == 12  # own records never capped
    position = next(i for i, (_, more) in enumerate(out) if more is not None)
    assert out[position - 1][0]["indicator"] == "village_arrears"
    assert out[position + 1][0]["indicator"] == "own_arrears"


def test_a_change_from_nothing_reads_as_its_two_values() -> None:
    """A change keeps the two values it compares: tax paid up from 0 to 7,800 yuan reads
    so in the value column, not as a growth of 780,000%."""
    import math

    from scoring.report import _reason_items

    item = {
        "indicator": "tax_paid_trend",
        "value": math.log((1 + 7800.0) / (1 + 0.0)),
        "pair": [7800.0, 0.0],
        "reference": 0.0,
        "contribution": -0.1,
        "text_zh": "近12个月纳税额同比由0元增至7,800元",
    }
    (row,) = _reason_items([item], "zh", "log_odds", "enterprise")
    assert row["value"] == "由0元增至7,800元"
    assert row["reference"] == "持平"
    (row,) = _reason_items([{**item, "pair": None}], "zh", "log_odds", "enterprise")
    assert row["value"] == "增长780000%"  # what a factor kept before its pair reads
