"""信用村 and 信用乡镇: aggregates of their farm households.

Not modelled (DESIGN.md §2): these indicators feed the aggregation rules of
scoring/policies/rural.py — share of good households, borrowers without arrears at the
date, NPL stock.
"""

from __future__ import annotations

from features.definitions.enterprise import _i
from features.dsl import DOWN, NEUTRAL, UP, Condition, Indicator, Members, Population, Scheme

#: Position of this module's schemes in scheme lists (features.registry).
ORDER = 50

HOUSEHOLDS, LOANS, CONDUCT = "农户构成", "信贷", "信用状况"


def _indicators(unit_zh: str, unit_en: str) -> tuple[Indicator, ...]:
    return (
        _i(
            "households",
            f"{unit_zh}农户数",
            f"Households in the {unit_en}",
            HOUSEHOLDS,
            Members("count"),
            NEUTRAL,
            "户",
            "共有农户{value}户",
            "{value} households",
        ),
        _i(
            "share_assessed_good",
            "村两委评议60分及以上农户占比",
            "Share of households with a village score of 60 or more",
            CONDUCT,
            Members("share", where=Condition("village_score", ">=", 60.0)),
            DOWN,
            "",
            "评议良好农户占比{value}",
            "share with a good village score {value}",
        ),
        _i(
            "mean_village_score",
            "平均村两委评议得分",
            "Mean village committee score",
            CONDUCT,
            Members("mean", of="village_score"),
            DOWN,
            "分",
            "平均评议得分{value}分",
            "mean village score {value}",
        ),
        _i(
            "share_borrowing",
            "有在贷农户占比",
            "Share of households with a loan",
            LOANS,
            Members("share", where=Condition("loans_outstanding", ">", 0.0)),
            NEUTRAL,
            "",
            "有在贷农户占比{value}",
            "share borrowing {value}",
        ),
        _i(
            "loans_outstanding",
            "户均在贷余额",
            "Mean loans outstanding per household",
            LOANS,
            Members("mean", of="loans_outstanding"),
            NEUTRAL,
            "元",
            "户均在贷余额{value}元",
            "mean loan outstanding {value} yuan",
        ),
        _i(
            "npl_ratio",
            "不良贷款率（当前逾期90天以上余额/在贷余额）",
            "NPL ratio (loans 90+ days past due now / outstanding)",
            LOANS,
            Members("sum_ratio", of="npl_amount_now", over="loans_outstanding"),
            UP,
            "",
            "不良贷款率{value}",
            "NPL ratio {value}",
        ),
        _i(
            "share_borrowers_without_arrears",
            "无拖欠贷款农户占贷款农户比例",
            "Share of borrowing households without arrears",
            LOANS,
            Members(
                "share",
                where=Condition("overdue_open_now", "=", 0.0),
                among=Condition("loans_outstanding", ">", 0.0),
            ),
            DOWN,
            "",
            "无拖欠贷款农户占贷款农户{value}",
            "share of borrowers without arrears {value}",
        ),
        _i(
            "share_overdue_24m",
            "近24个月有逾期农户占比",
            "Share of households with a delinquency in 24 months",
            CONDUCT,
            Members("share", where=Condition("loan_overdue_24m", ">", 0.0)),
            UP,
            "",
            "近24个月有逾期的农户占比{value}",
            "share with a delinquency {value}",
        ),
        _i(
            "share_insured",
            "参加农业保险农户占比",
            "Share of insured households",
            CONDUCT,
            Members("share", where=Condition("insured_24m", ">", 0.0)),
            DOWN,
            "",
            "参加农业保险农户占比{value}",
            "share insured {value}",
        ),
        _i(
            "share_dishonest",
            "失信被执行人农户占比",
            "Share of dishonest debtors",
            CONDUCT,
            Members("share", where=Condition("dishonest_now", ">", 0.0)),
            UP,
            "",
            "失信被执行人农户占比{value}",
            "share of dishonest debtors {value}",
        ),
    )


VILLAGE = Scheme(
    key="village",
    label_zh="信用村评定",
    label_en="Credit village",
    population=Population("village"),
    indicators=_indicators("村内", "village"),
    members=("household", "village_code"),
    dimensions=(HOUSEHOLDS, LOANS, CONDUCT),
)

TOWNSHIP = Scheme(
    key="township",
    label_zh="信用乡镇评定",
    label_en="Credit township",
    population=Population("township"),
    indicators=_indicators("乡镇内", "township"),
    members=("household", "township_code"),
    dimensions=(HOUSEHOLDS, LOANS, CONDUCT),
)

#: Both aggregate schemes of this module, for the registry.
SCHEMES = (VILLAGE, TOWNSHIP)
