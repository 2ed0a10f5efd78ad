"""Values as people read them (features/display.py) and the declarations that use it."""

from __future__ import annotations

import math

import pytest

from features.display import format_value, render
from features.schemes import SCHEMES, get_scheme


@pytest.mark.parametrize(
    ("value", "kind", "lang", "shown"),
    [
        (6155.0, "money", "zh", "6,155"),
        (1234567.4, "money", "zh", "1,234,567"),
        (1.0, "share", "zh", "100%"),
        (0.032, "share", "zh", "3.2%"),
        (0.5875, "ratio", "zh", "0.59"),
        (1.697, "years", "zh", "1年8个月"),
        (0.4, "years", "zh", "5个月"),
        (13.0, "years", "en", "13 years"),
        (94.3333, "number", "zh", "94.33"),
        (3.0, "number", "zh", "3"),
        (1e-9, "number", "zh", "0"),
        (3.0, "delta", "zh", "提高3"),
        (-2.0, "delta", "en", "down 2"),
        (math.log(1.35), "change", "zh", "增长35%"),
    ],
)
def test_format_value(value, kind, lang, shown) -> None:
    assert format_value(value, kind, lang) == shown


def test_a_change_says_the_two_values_compared() -> None:
    say = get_scheme("enterprise").indicator("tax_paid_trend").reason
    value = math.log((1 + 7800) / (1 + 12000))
    assert say(value, pair=(7800.0, 12000.0)) == "近12个月纳税额同比下降35%（12,000元→7,800元）"
    assert say(value, "en", pair=(7800.0, 12000.0)) == (
        "tax paid over 12 months down 35% (12,000 yuan → 7,800 yuan) on the year before"
    )
    assert say(2.0, pair=(7800.0, 0.0)) == "近12个月纳税额同比由0元增至7,800元"


def test_categories_read_by_their_names() -> None:
    ent = get_scheme("enterprise")
    assert ent.indicator("scale").reason("small") == "企业规模：小型"
    assert ent.indicator("industry").reason("I") == "所属行业：信息传输、软件和信息技术服务业"
    assert ent.indicator("tax_level").reason("C") == "纳税信用级别为C级"
    assert ent.indicator("environmental_rating").reason("black") == (
        "环保信用评价为黑牌（环保严重失信）"
    )
    assert get_scheme("driver").indicator("licence_class").reason("B2") == "准驾车型B2（大型货车）"


def test_a_missing_value_states_only_the_declared_fact() -> None:
    ent = get_scheme("enterprise")
    assert ent.indicator("days_since_penalty").reason(None) == "近24个月无行政处罚"
    assert ent.indicator("tax_level").reason(float("nan")) == "近24个月无纳税信用级别记录"
    # most firms are not rated for the environment: a missing rating states nothing
    assert not ent.indicator("environmental_rating").missing_zh
    assert render("x{value}", "注册资本", None, None) == "注册资本：无数据"


def test_no_declared_reason_shows_a_transform_or_a_code() -> None:
    for scheme in SCHEMES.values():
        for ind in scheme.indicators:
            for text in (ind.reason_zh, ind.label_zh):
                assert "对数" not in text and "log" not in text.lower(), (ind.name, text)
                assert "kWh" not in text, (ind.name, text)
            if ind.categorical:
                assert ind.value_labels, f"{scheme.key}.{ind.name}: categories without names"


def test_a_missing_fact_reads_as_plain_chinese_and_says_where_it_stands() -> None:
    # "无" before a phrase that starts with 有, 发生 or 未 reads wrong (近24个月无有…记录)
    stacked = ("无有", "无发生", "无未", "未未", "未无")
    for scheme in SCHEMES.values():
        for ind in scheme.indicators:
            if not ind.missing_zh:
                assert not ind.missing_rank, f"{scheme.key}.{ind.name}"
                continue
            text = ind.missing_zh.format(window=24)
            assert not any(s in text for s in stacked), f"{scheme.key}.{ind.name}: {text}"
            # no record of a harm is good news; no record of an assessment, of tax paid or of
            # insurance is missing information, which is never reassurance
            assert ind.missing_rank in ("best", "worst"), f"{scheme.key}.{ind.name}"


def test_a_missing_village_assessment_or_tax_is_never_reassurance() -> None:
    assert get_scheme("agri_business").indicator("rep_village_score").missing_rank == "worst"
    assert get_scheme("household").indicator("village_score").missing_rank == "worst"
    assert get_scheme("enterprise").indicator("tax_paid_cv_24m").missing_rank == "worst"
    assert get_scheme("enterprise").indicator("days_since_penalty").missing_rank == "best"
    con = get_scheme("construction_credit")
    assert con.indicator("accidents_24m").reason(None) == "近24个月未发生工程质量安全事故"
    assert con.indicator("wage_arrears_24m").reason(None) == "近24个月无拖欠工资记录"
