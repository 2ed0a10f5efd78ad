"""信易贷: credit-based lending to small, micro and medium enterprises.

Indicators follow GB/T 23794's 守信意愿 / 守信能力 / 守信表现 (willingness,
capacity, performance) and the shared data 国办发〔2021〕52号 names: tax, social
insurance, housing fund, utilities, court and penalty records. Population:
SMEs with a loan on record. Target: a loan 90+ days past due within 12 months.
"""

from __future__ import annotations

from features.definitions.enterprise import PENALTY, _i, _none_in, as_dimension, without_direction
from features.dsl import (
    DOWN,
    NEUTRAL,
    UP,
    Derived,
    Indicator,
    Match,
    Population,
    Records,
    Scheme,
    Target,
)

#: Position of this module's schemes in scheme lists (features.registry).
ORDER = 20

WILL, ABILITY, CONDUCT = "守信意愿", "守信能力", "守信表现"
OVERDUE = Match(("loan_overdue",))
DEFAULT = Match(("loan_overdue",), min_value=90.0)

INDICATORS: tuple[Indicator, ...] = without_direction(
    (
        # 守信意愿 — willingness to honour obligations
        *as_dimension(
            WILL,
            "tax_level",
            "commitments_kept_24m",
            "commitments_broken_24m",
            "red_list_now",
            "dishonest_now",
            "serious_list_now",
            "abnormal_list_now",
            "tax_arrears_24m",
            "si_arrears_24m",
            "rep_dishonest_now",
            "rep_firms_negative_12m",
        ),
        # 守信能力 — capacity to repay
        *as_dimension(
            ABILITY,
            "age_years",
            "registered_capital",
            "scale",
            "industry",
            "tax_paid_12m",
            "tax_paid_prev_12m",
            "tax_paid_trend",
            "tax_paid_cv_24m",
            "zero_tax_quarters_12m",
            "headcount",
            "headcount_year_ago",
            "headcount_trend",
            "headcount_cv_12m",
        ),
        _i(
            "housing_fund_12m",
            "近12个月公积金缴存额",
            "Housing fund paid, 12 months",
            ABILITY,
            Records(Match(("housing_fund",)), "sum_amount", 12),
            DOWN,
            "元",
            "近{window}个月缴存公积金{value}元",
            "{value} yuan housing fund in {window} months",
        ),
        *as_dimension(
            ABILITY,
            "power_12m",
            "power_prev_12m",
            "power_trend",
            "tax_per_kwh_12m",
            "tax_per_head_12m",
            "headcount_growth_12m",
            "power_cv_12m",
        ),
        _i(
            "loans_outstanding",
            "在贷余额",
            "Loans outstanding",
            ABILITY,
            Records(Match(("loan",)), "sum_amount"),
            NEUTRAL,
            "元",
            "在贷余额{value}元",
            "{value} yuan outstanding",
        ),
        _i(
            "debt_to_tax",
            "在贷余额与年纳税额之比",
            "Loans outstanding / tax paid",
            ABILITY,
            Derived("ratio", "loans_outstanding", "tax_paid_12m"),
            UP,
            "倍",
            "在贷余额为年纳税额的{value}倍",
            "loans outstanding {value}× yearly tax",
        ),
        # 守信表现 — how it has behaved
        _i(
            "loans_repaid_12m",
            "近12个月按期结清贷款笔数",
            "Loans repaid, 12 months",
            CONDUCT,
            Records(Match(("loan_repaid",)), "count", 12),
            DOWN,
            "笔",
            "近{window}个月按期结清贷款{value}笔",
            "{value} loans repaid in {window} months",
        ),
        *as_dimension(CONDUCT, "loan_overdue_12m", "loan_overdue_24m"),
        _i(
            "loan_overdue_3m",
            "近3个月贷款逾期次数",
            "Loan delinquencies, 3 months",
            CONDUCT,
            Records(OVERDUE, "count", 3),
            UP,
            "次",
            "近{window}个月贷款逾期{value}次",
            "{value} loan delinquencies in {window} months",
        ),
        *as_dimension(CONDUCT, "max_dpd_24m"),
        _i(
            "overdue_per_repaid_12m",
            "近12个月逾期次数与结清笔数之比",
            "Delinquencies per loan repaid, 12 months",
            CONDUCT,
            Derived("ratio", "loan_overdue_12m", "loans_repaid_12m"),
            UP,
            "",
            "近12个月每结清一笔贷款逾期{value}次",
            "{value} delinquencies per loan repaid in 12 months",
        ),
        _i(
            "days_since_overdue",
            "距最近一次逾期天数",
            "Days since the last delinquency",
            CONDUCT,
            Records(OVERDUE, "days_since", 24),
            DOWN,
            "天",
            "距最近一次贷款逾期{value}天",
            "{value} days since the last delinquency",
            **_none_in("贷款逾期", "loan delinquency"),
        ),
        _i(
            "overdue_months_12m",
            "近12个月出现贷款逾期的月份数",
            "Months with a loan delinquency, 12 months",
            CONDUCT,
            Records(OVERDUE, "distinct_months", 12),
            UP,
            "个月",
            "近{window}个月中有{value}个月出现贷款逾期",
            "loan delinquencies in {value} of the last {window} months",
        ),
        _i(
            "penalties_24m",
            "近24个月行政处罚（加权）",
            "Penalties, 24 months (weighted)",
            CONDUCT,
            Records(PENALTY, "weighted", 24),
            UP,
            "分",
            "近{window}个月行政处罚按严重程度加权计{value}分",
            "penalties in {window} months weigh {value} by severity",
        ),
        *as_dimension(
            CONDUCT,
            "court_judgments_24m",
            "utility_arrears_12m",
            "arrears_24m",
            "negative_records_12m",
            "negative_records_24m",
            "negative_kinds_24m",
            "days_since_negative",
            "negative_months_12m",
            "negative_years_24m",
            "days_since_arrears",
            "days_since_court",
        ),
        # a 90-day worst delinquency usually closed the loan: the rate does not keep rising
    ),
    "max_dpd_24m",
    "overdue_per_repaid_12m",
)

SCHEME = Scheme(
    key="sme",
    label_zh="信易贷",
    label_en="SME credit-based lending",
    population=Population("enterprise", scales=("medium", "small", "micro"), requires_kind="loan"),
    indicators=INDICATORS,
    target=Target(
        (DEFAULT,),
        description_zh="12个月内出现逾期90天以上的贷款",
        description_en="a loan 90+ days past due within 12 months",
    ),
    dimensions=(WILL, ABILITY, CONDUCT),
)
