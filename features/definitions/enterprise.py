"""Enterprise credit-risk classification (企业信用风险分类, 国市监信发〔2022〕6号).

Indicators follow SAMR's five dimensions of the general model: 基础属性,
动态信息, 监管信息, 关联关系, 社会评价. Target: within 12 months a penalty of
severity 一般 or 严重, a listing on 经营异常名录 or 严重违法失信名单, or
becoming a 失信被执行人.
"""

from __future__ import annotations

from dataclasses import replace

from features.dsl import (
    DOWN,
    NEUTRAL,
    UP,
    Attribute,
    Derived,
    Indicator,
    Match,
    Population,
    Records,
    Related,
    Scheme,
    Target,
)

BASIC, DYNAMIC, SUPERVISION = "基础属性", "动态信息", "监管信息"
RELATED, SOCIAL = "关联关系", "社会评价"

PENALTY = Match(("administrative_penalty",))
PENALTY_GS = Match(("administrative_penalty",), severities=("general", "serious"))
LISTED = Match(("abnormal_operations_list", "serious_violation_list", "dishonest_judgment_debtor"))
DISHONEST = Match(("dishonest_judgment_debtor",))
# every negative record an enterprise can have: the breadth of its history of failures
NEGATIVE = Match(("administrative_penalty", "abnormal_operations_list", "serious_violation_list",
                  "dishonest_judgment_debtor", "court_judgment", "tax_arrears",
                  "social_insurance_arrears", "wage_arrears", "utility_arrears", "loan_overdue",
                  "bidding_misconduct", "credit_commitment", "tax_credit_level",
                  "environmental_rating", "safety_rating"), polarity="negative")
ARREARS = Match(("tax_arrears", "social_insurance_arrears", "wage_arrears", "utility_arrears"))


def _i(name: str, zh: str, en: str, dim: str, src, direction: int, unit: str,
       rzh: str = "", ren: str = "", **how) -> Indicator:
    """An indicator; ``how``: its display, missing-value meaning or category order."""
    return Indicator(name, zh, en, dim, src, direction, unit,
                     rzh or "{label}：{value}" + unit, ren or "{label}: {value}", **how)


#: a missing value of an indicator about negative records in a window: none of them
def _none_in(zh: str, en: str) -> dict[str, str]:
    return {"missing_zh": f"近{{window}}个月无{zh}", "missing_en": f"no {en} in {{window}} months",
            "missing_rank": "best"}


INDICATORS: tuple[Indicator, ...] = (
    # 基础属性 — who the firm is
    _i("age_years", "成立年限", "Years since registration", BASIC,
       Attribute("established_on", "years_since"), DOWN, "年",
       "成立{value}", "registered {value} ago"),
    # the amount itself, not its logarithm: binning and trees read only the order
    _i("registered_capital", "注册资本", "Registered capital", BASIC,
       Attribute("registered_capital"), DOWN, "万元",
       "注册资本{value}万元", "registered capital {value} × 10,000 yuan", display="money"),
    _i("scale", "企业规模", "Enterprise scale", BASIC, Attribute("scale", categorical=True),
       NEUTRAL, "", "企业规模：{value}", "scale: {value}"),
    _i("industry", "所属行业", "Industry section", BASIC,
       Attribute("industry", categorical=True), NEUTRAL, "", "所属行业：{value}",
       "industry: {value}"),
    _i("licences_24m", "近24个月行政许可数", "Licences, last 24 months", BASIC,
       Records(Match(("administrative_licence",)), "count", 24), DOWN, "项",
       "近{window}个月取得行政许可{value}项", "{value} licences granted in {window} months"),
    _i("qualifications_now", "有效资质认证数", "Qualifications in force", BASIC,
       Records(Match(("qualification",)), "count"), DOWN, "项",
       "持有有效资质认证{value}项", "{value} qualifications in force"),
    # 动态信息 — how the firm operates
    # the tax authority's order of its levels, safest first (纳税缴费信用管理办法)
    _i("tax_level", "最近纳税信用级别", "Latest tax credit level", DYNAMIC,
       Records(Match(("tax_credit_level",)), "latest_text", 24), UP, "",
       "纳税信用级别为{value}", "tax credit level {value}", order=("A", "B", "M", "C", "D"),
       missing_zh="近{window}个月无纳税信用级别记录",
       missing_en="no tax credit level in {window} months"),
    _i("tax_paid_12m", "近12个月纳税额", "Tax paid, last 12 months", DYNAMIC,
       Records(Match(("tax_paid",)), "sum_amount", 12), DOWN, "元",
       "近{window}个月纳税{value}元", "{value} yuan tax paid in {window} months"),
    _i("tax_paid_prev_12m", "前12个月纳税额", "Tax paid, the 12 months before", DYNAMIC,
       Records(Match(("tax_paid",)), "sum_amount", 12, offset=12), NEUTRAL, "元",
       "上一年度纳税{value}元", "{value} yuan tax paid the year before"),
    # ln((1 + this year) / (1 + the year before)) for the models; read as the two amounts
    # compared, in the unit declared here
    _i("tax_paid_trend", "纳税额同比变化", "Tax paid, change on the year before", DYNAMIC,
       Derived("log_ratio", "tax_paid_12m", "tax_paid_prev_12m"), DOWN, "元",
       "近12个月纳税额同比{value}", "tax paid over 12 months {value} on the year before"),
    _i("zero_tax_quarters_12m", "近12个月零申报季度数", "Zero-tax quarters, last 12 months",
       DYNAMIC, Records(Match(("tax_paid",), max_amount=0.0), "count", 12), UP, "个",
       "近{window}个月零申报{value}个季度", "{value} zero-tax quarters in {window} months"),
    _i("tax_paid_cv_24m", "近24个月纳税额波动幅度", "Tax paid volatility, 24 months", DYNAMIC,
       Records(Match(("tax_paid",)), "cv_amount", 24), UP, "%",
       "近{window}个月各期纳税额波动幅度{value}（标准差与均值之比）",
       "tax paid per period varied by {value} of its mean over {window} months",
       display="percent", missing_zh="近{window}个月未纳税",
       missing_en="no tax paid in {window} months"),
    _i("headcount", "最近社保参保人数", "Latest insured headcount", DYNAMIC,
       Records(Match(("social_insurance_headcount",)), "latest_value", 6), DOWN, "人",
       "社保参保{value}人", "{value} insured staff",
       missing_zh="近{window}个月无社保参保记录",
       missing_en="no social-insurance headcount in {window} months"),
    _i("headcount_year_ago", "一年前社保参保人数", "Insured headcount a year ago", DYNAMIC,
       Records(Match(("social_insurance_headcount",)), "avg_value", 3, offset=12), NEUTRAL, "人",
       "一年前社保参保{value}人", "{value} insured staff a year ago"),
    _i("headcount_trend", "参保人数同比变化", "Insured headcount, change on a year before",
       DYNAMIC, Derived("log_ratio", "headcount", "headcount_year_ago"), DOWN, "人",
       "社保参保人数同比{value}", "insured headcount {value} on a year before"),
    _i("headcount_cv_12m", "近12个月参保人数波动幅度", "Insured headcount volatility, 12 months",
       DYNAMIC, Records(Match(("social_insurance_headcount",)), "cv_value", 12), UP, "%",
       "近{window}个月社保参保人数波动幅度{value}（标准差与均值之比）",
       "insured headcount varied by {value} of its mean over {window} months",
       display="percent", missing_zh="近{window}个月无社保参保记录",
       missing_en="no social-insurance headcount in {window} months"),
    _i("power_12m", "近12个月用电量", "Electricity used, last 12 months", DYNAMIC,
       Records(Match(("utility_consumption",), values=("electricity",)), "sum_value", 12),
       NEUTRAL, "千瓦时", "近{window}个月用电{value}千瓦时", "{value} kWh in {window} months"),
    _i("power_prev_12m", "前12个月用电量", "Electricity used, the 12 months before", DYNAMIC,
       Records(Match(("utility_consumption",), values=("electricity",)), "sum_value", 12,
               offset=12), NEUTRAL, "千瓦时", "上一年度用电{value}千瓦时",
       "{value} kWh the year before"),
    _i("power_trend", "用电量同比变化", "Electricity used, change on the year before", DYNAMIC,
       Derived("log_ratio", "power_12m", "power_prev_12m"), DOWN, "千瓦时",
       "近12个月用电量同比{value}", "electricity used {value} on the year before"),
    _i("housing_fund_staff", "公积金缴存人数", "Housing fund contributors", DYNAMIC,
       Records(Match(("housing_fund",)), "latest_value", 6), DOWN, "人",
       "公积金缴存{value}人", "{value} housing-fund contributors",
       missing_zh="近{window}个月无公积金缴存记录",
       missing_en="no housing-fund contributions in {window} months"),
    # 监管信息 — supervision records
    _i("penalties_24m", "近24个月行政处罚次数", "Penalties, last 24 months", SUPERVISION,
       Records(PENALTY, "count", 24), UP, "次",
       "近{window}个月行政处罚{value}次", "{value} administrative penalties in {window} months"),
    _i("penalty_severity_24m", "近24个月处罚严重程度加权", "Severity-weighted penalties, 24 months",
       SUPERVISION, Records(PENALTY, "weighted", 24), UP, "分",
       "近{window}个月行政处罚按严重程度加权计{value}分",
       "penalties in {window} months weigh {value} by severity"),
    _i("serious_penalties_36m", "近36个月严重处罚次数", "Serious penalties, last 36 months",
       SUPERVISION, Records(Match(("administrative_penalty",), severities=("serious",)), "count",
                            36), UP, "次",
       "近{window}个月严重行政处罚{value}次", "{value} serious penalties in {window} months"),
    _i("penalty_amount_24m", "近24个月罚没金额", "Fines, last 24 months", SUPERVISION,
       Records(PENALTY, "sum_amount", 24), UP, "元",
       "近{window}个月罚没{value}元", "{value} yuan fines in {window} months"),
    _i("days_since_penalty", "距最近一次处罚天数", "Days since the last penalty", SUPERVISION,
       Records(PENALTY, "days_since", 36), DOWN, "天",
       "距最近一次行政处罚{value}天", "{value} days since the last penalty",
       **_none_in("行政处罚", "penalty")),
    _i("abnormal_list_now", "列入经营异常名录", "On the abnormal operations list", SUPERVISION,
       Records(Match(("abnormal_operations_list",)), "count"), UP, "条",
       "列入经营异常名录{value}条", "{value} abnormal-operations listings in force"),
    _i("serious_list_now", "列入严重违法失信名单", "On the serious violation list", SUPERVISION,
       Records(Match(("serious_violation_list",)), "count"), UP, "条",
       "列入严重违法失信名单{value}条", "{value} serious-violation listings in force"),
    _i("tax_arrears_24m", "近24个月欠税（加权）", "Tax arrears, 24 months (weighted)", SUPERVISION,
       Records(Match(("tax_arrears",)), "weighted", 24), UP, "分",
       "近{window}个月欠税记录按严重程度加权计{value}分",
       "tax arrears in {window} months weigh {value} by severity"),
    _i("si_arrears_24m", "近24个月欠缴社保次数", "Social insurance arrears, 24 months",
       SUPERVISION, Records(Match(("social_insurance_arrears",)), "count", 24), UP, "次",
       "近{window}个月欠缴社保{value}次", "{value} social-insurance arrears in {window} months"),
    _i("wage_arrears_24m", "近24个月拖欠工资次数", "Wage arrears, 24 months", SUPERVISION,
       Records(Match(("wage_arrears",)), "count", 24), UP, "次",
       "近{window}个月拖欠工资{value}次", "{value} wage arrears in {window} months"),
    _i("utility_arrears_12m", "近12个月水电气欠费次数", "Utility arrears, 12 months", SUPERVISION,
       Records(Match(("utility_arrears",)), "count", 12), UP, "次",
       "近{window}个月水电气欠费{value}次", "{value} utility arrears in {window} months"),
    _i("bidding_misconduct_36m", "近36个月招投标违法违规", "Bidding misconduct, 36 months",
       SUPERVISION, Records(Match(("bidding_misconduct",)), "count", 36), UP, "次",
       "近{window}个月招投标违法违规{value}次", "{value} bidding violations in {window} months"),
    _i("loan_overdue_24m", "近24个月贷款逾期次数", "Loan delinquencies, 24 months", SUPERVISION,
       Records(Match(("loan_overdue",)), "count", 24), UP, "次",
       "近{window}个月贷款逾期{value}次", "{value} loan delinquencies in {window} months"),
    _i("max_dpd_24m", "近24个月最长逾期天数", "Worst days past due, 24 months", SUPERVISION,
       Records(Match(("loan_overdue",)), "max_value", 24), UP, "天",
       "近{window}个月最长逾期{value}天", "worst delinquency {value} days in {window} months",
       **_none_in("贷款逾期", "loan delinquency")),
    # the longer record: how often, how recently and how widely the firm has failed
    _i("loan_overdue_36m", "近36个月贷款逾期次数", "Loan delinquencies, 36 months", SUPERVISION,
       Records(Match(("loan_overdue",)), "count", 36), UP, "次",
       "近{window}个月贷款逾期{value}次", "{value} loan delinquencies in {window} months"),
    _i("max_dpd_36m", "近36个月最长逾期天数", "Worst days past due, 36 months", SUPERVISION,
       Records(Match(("loan_overdue",)), "max_value", 36), UP, "天",
       "近{window}个月最长逾期{value}天", "worst delinquency {value} days in {window} months",
       **_none_in("贷款逾期", "loan delinquency")),
    _i("arrears_36m", "近36个月欠税欠费欠薪次数", "Arrears of tax, insurance, wages or utilities, "
       "36 months", SUPERVISION, Records(ARREARS, "count", 36), UP, "次",
       "近{window}个月欠税、欠缴社保、拖欠工资或水电气欠费{value}次",
       "{value} arrears in {window} months"),
    _i("negative_records_12m", "近12个月失信记录数", "Negative records, 12 months", SUPERVISION,
       Records(NEGATIVE, "count", 12), UP, "条",
       "近{window}个月有失信记录{value}条", "{value} negative records in {window} months"),
    _i("negative_records_36m", "近36个月失信记录数", "Negative records, 36 months", SUPERVISION,
       Records(NEGATIVE, "count", 36), UP, "条",
       "近{window}个月有失信记录{value}条", "{value} negative records in {window} months"),
    _i("negative_kinds_36m", "近36个月失信记录类别数", "Kinds of negative records, 36 months",
       SUPERVISION, Records(NEGATIVE, "distinct_kinds", 36), UP, "类",
       "近{window}个月有{value}类失信记录", "negative records of {value} kinds in {window} months"),
    _i("days_since_negative", "距最近一条失信记录天数", "Days since the last negative record",
       SUPERVISION, Records(NEGATIVE, "days_since", 36), DOWN, "天",
       "距最近一条失信记录{value}天", "{value} days since the last negative record",
       **_none_in("失信记录", "negative record")),
    # 关联关系 — related parties
    _i("rep_dishonest_now", "法定代表人为失信被执行人", "Legal representative a dishonest debtor",
       RELATED, Related("legal_rep", Records(DISHONEST, "count")), UP, "条",
       "法定代表人列入失信被执行人{value}条", "legal representative on the dishonest-debtor list"),
    _i("rep_negative_36m", "法定代表人近36个月失信记录", "Legal representative's negative records",
       RELATED, Related("legal_rep", Records(Match(
           ("dishonest_judgment_debtor", "court_judgment", "administrative_penalty")),
           "weighted", 36)), UP, "分",
       "法定代表人近{window}个月失信记录按严重程度加权计{value}分",
       "the legal representative's records in {window} months weigh {value} by severity"),
    _i("rep_firms_listed", "同一法定代表人的其他企业被列入名单数",
       "Other firms of the legal representative on a list", RELATED,
       Related("rep_firms", Records(LISTED, "count")), UP, "家",
       "同一法定代表人的其他{value}家企业在名单中",
       "{value} other firms of the legal representative on a list"),
    _i("rep_firms_penalised_24m", "同一法定代表人的其他企业近24个月受处罚数",
       "Other firms of the legal representative penalised, 24 months", RELATED,
       Related("rep_firms", Records(PENALTY_GS, "count", 24)), UP, "家",
       "同一法定代表人的其他{value}家企业近{window}个月受到处罚",
       "{value} other firms of the legal representative penalised in {window} months"),
    # 社会评价 — courts, honours, third-party ratings, commitments
    _i("dishonest_now", "列入失信被执行人", "On the dishonest judgment debtor list", SOCIAL,
       Records(DISHONEST, "count"), UP, "条",
       "列入失信被执行人{value}条", "{value} dishonest-debtor listings in force"),
    _i("court_judgments_24m", "近24个月涉诉判决数", "Court judgments, 24 months", SOCIAL,
       Records(Match(("court_judgment",)), "count", 24), UP, "件",
       "近{window}个月涉诉判决{value}件", "{value} court judgments in {window} months"),
    _i("court_amount_24m", "近24个月涉诉金额", "Amount in court judgments, 24 months", SOCIAL,
       Records(Match(("court_judgment",)), "sum_amount", 24), UP, "元",
       "近{window}个月涉诉金额{value}元", "{value} yuan in court judgments"),
    _i("red_list_now", "列入红名单", "On a red list", SOCIAL,
       Records(Match(("red_list",)), "count"), DOWN, "项",
       "列入守信红名单{value}项", "on {value} red lists"),
    _i("honours_24m", "近24个月荣誉表彰", "Honours, 24 months", SOCIAL,
       Records(Match(("honour",)), "count", 24), DOWN, "项",
       "近{window}个月获得荣誉表彰{value}项", "{value} honours in {window} months"),
    _i("commitments_broken_36m", "近36个月违背信用承诺", "Broken credit commitments, 36 months",
       SOCIAL, Records(Match(("credit_commitment",), values=("broken",)), "count", 36), UP, "次",
       "近{window}个月违背信用承诺{value}次", "{value} broken commitments in {window} months"),
    _i("commitments_kept_36m", "近36个月履行信用承诺", "Kept credit commitments, 36 months",
       SOCIAL, Records(Match(("credit_commitment",), values=("kept",)), "count", 36), DOWN, "次",
       "近{window}个月履行信用承诺{value}次", "{value} kept commitments in {window} months"),
    # the ratings' own order of their levels, safest first; most firms are not rated (only
    # those the sector supervises are), so a missing rating states nothing about risk
    _i("environmental_rating", "环保信用评价", "Environmental credit rating", SOCIAL,
       Records(Match(("environmental_rating",)), "latest_text", 24), UP, "",
       "环保信用评价为{value}", "environmental credit rating {value}",
       order=("green", "blue", "yellow", "red", "black")),
    _i("safety_rating", "安全生产信用评价", "Work safety credit rating", SOCIAL,
       Records(Match(("safety_rating",)), "latest_text", 24), UP, "",
       "安全生产信用评价为{value}", "work safety credit rating {value}",
       order=("A", "B", "C", "D")),
)

_BY_NAME = {i.name: i for i in INDICATORS}


def as_dimension(dimension: str, *names: str) -> tuple[Indicator, ...]:
    """Enterprise indicators reused by another scheme under its own dimension: one
    declaration, one meaning, wherever it is read."""
    return tuple(replace(_BY_NAME[n], dimension=dimension) for n in names)


def without_direction(indicators: tuple[Indicator, ...], *names: str) -> tuple[Indicator, ...]:
    """``indicators`` with the risk direction of ``names`` dropped (NEUTRAL: no monotone
    constraint), for a scheme whose target does not rise with the value all the way.

    For a loan-default target, repayment history is also exposure: a borrower with no
    loan repaid often has no loan to default on, and one whose worst delinquency reached
    90 days has usually had that loan closed. The value still informs the model; it is
    just not forced to be monotone.
    """
    unknown = set(names) - {i.name for i in indicators}
    if unknown:
        raise KeyError(f"no indicators {sorted(unknown)} to drop the direction of")
    return tuple(replace(i, direction=NEUTRAL) if i.name in names else i for i in indicators)


SCHEME = Scheme(
    key="enterprise",
    label_zh="企业信用风险分类",
    label_en="Enterprise credit-risk classification",
    population=Population("enterprise"),
    indicators=INDICATORS,
    target=Target(
        (PENALTY_GS, Match(("abnormal_operations_list", "serious_violation_list",
                            "dishonest_judgment_debtor"))),
        description_zh="12个月内受到一般或严重行政处罚、列入经营异常名录或严重违法失信名单、成为失信被执行人",
        description_en="within 12 months: a general or serious penalty, a listing on the abnormal "
        "operations or serious violation list, or a dishonest judgment debtor listing",
    ),
    dimensions=(BASIC, DYNAMIC, SUPERVISION, RELATED, SOCIAL),
)
