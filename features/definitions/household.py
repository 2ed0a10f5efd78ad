"""Farm household rating (农户信用等级评价, 信用户).

Dimensions of local household schemes (西安 2018, rural credit cooperatives'
5C): 基本情况, 经营财务, 信用记录, 村两委评议, 公共记录. Target: a loan 90+ days
past due within 12 months.
"""

from __future__ import annotations

from dataclasses import replace

from features.definitions import sme
from features.definitions.common_indicators import negative_history, penalty_count
from features.definitions.enterprise import (
    SERIOUS_FIRM,
    _i,
    as_dimension,
    without_direction,
)
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

#: Position of this module's schemes in scheme lists (features.registry).
ORDER = 30

BASIC, FINANCE, CREDIT = "基本情况", "经营财务", "信用记录"
ASSESS, PUBLIC = "村两委评议", "公共记录"
LOAN = Match(("loan",))
OVERDUE = Match(("loan_overdue",))
DEFAULT = Match(("loan_overdue",), min_value=90.0)
#: A loan past due this many days is non-performing (and reported again as such).
NPL_DAYS = 90.0
NEGATIVE = Match(
    (
        "loan_overdue",
        "utility_arrears",
        "court_judgment",
        "administrative_penalty",
        "dishonest_judgment_debtor",
        "credit_commitment",
    ),
    polarity="negative",
)


def people_behind_firms(dimension: str) -> tuple[Indicator, ...]:
    """A person's organisations' serious records (seed 002 #12), as the organisation's
    legal representative and as a responsible person named on a blacklisting.

    An organisation is any subject type identified by a 统一社会信用代码 (enterprises,
    social organisations, co-operatives and family farms, a folder's own type): the
    link ``represented_firms`` reads them from the registry.
    """
    return (
        _i(
            "represented_firms_serious_24m",
            "近24个月有严重失信记录的本人任法定代表人单位数",
            "Organisations represented with serious records, 24 months",
            dimension,
            Related("represented_firms", Records(SERIOUS_FIRM, "count", 24)),
            UP,
            "家",
            "本人担任法定代表人的{value}家单位近{window}个月有严重失信记录",
            "{value} organisations the person legally represents have serious records "
            "in {window} months",
        ),
        _i(
            "responsible_listed_firms",
            "将本人列为责任人的严重失信主体名单单位数",
            "Blacklisted organisations naming the person as responsible",
            dimension,
            Related("responsible_for", Records(SERIOUS_FIRM, "count", 24)),
            UP,
            "家",
            "{value}家列入严重失信主体名单的单位将本人列为法定代表人或负有直接责任人员",
            "{value} blacklisted organisations name the person as legal representative "
            "or responsible person",
        ),
    )


def from_sme(dimension: str, *names: str) -> tuple[Indicator, ...]:
    """信易贷 loan indicators reused for households under their own dimension."""
    by_name = {i.name: i for i in sme.INDICATORS}
    return tuple(replace(by_name[n], dimension=dimension) for n in names)


INDICATORS: tuple[Indicator, ...] = without_direction(
    (
        # 基本情况
        _i(
            "household_size",
            "家庭人口",
            "Household size",
            BASIC,
            Attribute("household_size"),
            NEUTRAL,
            "人",
            "家庭人口{value}人",
            "{value} household members",
        ),
        _i(
            "labour_count",
            "劳动力人数",
            "Labour force",
            BASIC,
            Attribute("labour_count"),
            DOWN,
            "人",
            "劳动力{value}人",
            "{value} working members",
        ),
        _i(
            "labour_ratio",
            "劳动力占比",
            "Share of working members",
            BASIC,
            Derived("ratio", "labour_count", "household_size"),
            DOWN,
            "%",
            "劳动力占家庭人口{value}",
            "working members are {value} of the household",
            display="share",
        ),
        _i(
            "land_mu",
            "承包土地面积",
            "Contracted land",
            BASIC,
            Attribute("land_mu"),
            DOWN,
            "亩",
            "承包土地{value}亩",
            "{value} mu of land",
        ),
        # 经营财务
        _i(
            "assets_value",
            "家庭资产",
            "Household assets",
            FINANCE,
            Attribute("assets_value"),
            DOWN,
            "元",
            "家庭资产{value}元",
            "household assets {value} yuan",
        ),
        _i(
            "annual_income",
            "年经营收入",
            "Annual operating income",
            FINANCE,
            Attribute("annual_income"),
            DOWN,
            "元",
            "年经营收入{value}元",
            "annual income {value} yuan",
        ),
        _i(
            "subsidy_12m",
            "近12个月农业补贴",
            "Agricultural subsidies, 12 months",
            FINANCE,
            Records(Match(("agricultural_subsidy",)), "sum_amount", 12),
            DOWN,
            "元",
            "近{window}个月获得农业补贴{value}元",
            "{value} yuan subsidies in {window} months",
        ),
        _i(
            "insured_24m",
            "近24个月参加农业保险次数",
            "Agricultural insurance, 24 months",
            FINANCE,
            Records(Match(("agricultural_insurance",)), "count", 24),
            DOWN,
            "次",
            "近{window}个月参加农业保险{value}次",
            "insured {value} times in {window} months",
        ),
        _i(
            "insured_amount_now",
            "有效农业保险保额",
            "Agricultural insurance in force",
            FINANCE,
            Records(Match(("agricultural_insurance",)), "sum_amount"),
            DOWN,
            "元",
            "有效农业保险保额{value}元",
            "{value} yuan insured",
        ),
        *from_sme(FINANCE, "loans_outstanding"),
        _i(
            "debt_to_income",
            "在贷余额与年收入之比",
            "Loans outstanding / income",
            FINANCE,
            Derived("ratio", "loans_outstanding", "annual_income"),
            UP,
            "倍",
            "在贷余额为年收入的{value}倍",
            "loans outstanding {value}× income",
        ),
        # 信用记录
        *from_sme(CREDIT, "loans_repaid_12m"),
        *as_dimension(CREDIT, "loan_overdue_12m", "loan_overdue_24m"),
        *from_sme(CREDIT, "loan_overdue_3m"),
        *as_dimension(CREDIT, "max_dpd_24m"),
        *from_sme(CREDIT, "overdue_per_repaid_12m", "days_since_overdue", "overdue_months_12m"),
        _i(
            "defaults_24m",
            "近24个月逾期90天以上次数",
            "Delinquencies of 90+ days, 24 months",
            CREDIT,
            Records(DEFAULT, "count", 24),
            UP,
            "次",
            "近{window}个月逾期90天以上{value}次",
            "{value} delinquencies of 90+ days in {window} months",
        ),
        _i(
            "defaulted_amount_12m",
            "近12个月逾期90天以上金额",
            "Amount 90+ days past due, 12 months",
            CREDIT,
            Records(DEFAULT, "sum_amount", 12),
            UP,
            "元",
            "近{window}个月逾期90天以上贷款{value}元",
            "{value} yuan 90+ days past due",
        ),
        # the loan book at the date (信用村 rules, practice: a stock, not a history): arrears
        # reported on the loans outstanding that are still open, and the loans 90+ days past
        # due among them (a loan leaves the book at its maturity: the platform has no
        # write-off or recovery record)
        _i(
            "overdue_open_now",
            "当前未结清的贷款逾期",
            "Loan arrears open now",
            CREDIT,
            Records(OVERDUE, "count", since=LOAN, open_below=NPL_DAYS),
            UP,
            "条",
            "当前有{value}条未结清的贷款逾期",
            "{value} loan arrears still open",
        ),
        _i(
            "npl_amount_now",
            "当前不良贷款余额",
            "Non-performing loans now",
            CREDIT,
            Records(DEFAULT, "sum_amount", since=LOAN),
            UP,
            "元",
            "当前逾期90天以上的贷款{value}元",
            "{value} yuan of loans 90+ days past due now",
        ),
        *as_dimension(CREDIT, "commitments_broken_24m", "commitments_kept_24m"),
        _i(
            "commitments_made_24m",
            "近24个月作出信用承诺",
            "Credit commitments made, 24 months",
            CREDIT,
            Records(Match(("credit_commitment",), values=("made",)), "count", 24),
            NEUTRAL,
            "次",
            "近{window}个月作出信用承诺{value}次",
            "{value} commitments made in {window} months",
        ),
        # kept among the commitments that came due (kept or broken) in the window: a share
        # within [0, 1]; "kept / made in the window" was not (kept ones were made before it)
        _i(
            "commitments_kept_share",
            "信用承诺履行率",
            "Share of commitments kept, 24 months",
            CREDIT,
            Derived("share", "commitments_kept_24m", "commitments_broken_24m"),
            DOWN,
            "%",
            "近24个月信用承诺履行率{value}",
            "kept {value} of the commitments due in 24 months",
        ),
        _i(
            "loans_24m",
            "近24个月贷款笔数",
            "Loans taken, 24 months",
            FINANCE,
            Records(Match(("loan",)), "count", 24),
            NEUTRAL,
            "笔",
            "近{window}个月贷款{value}笔",
            "{value} loans in {window} months",
        ),
        # 村两委评议
        _i(
            "village_score",
            "最近村两委评议得分",
            "Latest village committee score",
            ASSESS,
            Records(Match(("village_assessment",)), "latest_value", 18),
            DOWN,
            "分",
            "村两委评议{value}分",
            "village committee score {value}",
            missing_zh="近{window}个月无村两委评议",
            missing_en="no village committee assessment in {window} months",
            missing_rank="worst",
            short_history=True,  # a state at the date: the latest yearly assessment
        ),
        _i(
            "village_score_avg_36m",
            "近36个月村两委评议平均得分",
            "Mean village committee score, 36 months",
            ASSESS,
            Records(Match(("village_assessment",)), "avg_value", 36),
            DOWN,
            "分",
            "近{window}个月村两委评议平均{value}分",
            "mean village committee score {value}",
            missing_zh="近{window}个月无村两委评议",
            missing_en="no village committee assessment in {window} months",
            missing_rank="worst",
            # a mean of yearly scores: fewer years on record, same expectation
            short_history=True,
        ),
        _i(
            "village_score_prev",
            "上一年村两委评议得分",
            "Village committee score a year before",
            ASSESS,
            # the assessment before the latest: held each December and published within a
            # month, so at a year-end the latest is often not out yet and a window ending
            # 12 months back would catch the one that still reads as the latest (a change
            # of 0 for 94 % of households at 2023-12-31); ending it 13 months back does not
            Records(Match(("village_assessment",)), "latest_value", 12, offset=13),
            NEUTRAL,
            "分",
            "上一年村两委评议{value}分",
            "village committee score a year before {value}",
            short_history=True,  # the yearly assessment of the year before, once it exists
        ),
        _i(
            "village_score_change",
            "评议得分变化",
            "Change of the village committee score",
            ASSESS,
            Derived("diff", "village_score", "village_score_prev"),
            DOWN,
            "分",
            "村两委评议得分较上一年{value}",
            "village committee score {value} on a year before",
        ),
        # 公共记录
        _i(
            "utility_arrears_12m",
            "近12个月电费欠费次数",
            "Utility arrears, 12 months",
            PUBLIC,
            Records(Match(("utility_arrears",)), "count", 12),
            UP,
            "次",
            "近{window}个月欠缴电费{value}次",
            "{value} utility arrears in {window} months",
        ),
        penalty_count(PUBLIC),
        *as_dimension(PUBLIC, "court_judgments_24m", "dishonest_now"),
        *negative_history(
            PUBLIC, NEGATIVE, "negative_records_24m", "negative_months_12m", "days_since_negative"
        ),
        # 对企事业单位严重失信行为…记入其法定代表人、主要负责人和其他负有直接责任人员的
        # 个人信用记录 (seed 002 #12): the serious records of the firms behind the person
        *people_behind_firms(PUBLIC),
        # repayments and kept commitments are also exposure (no loan, no default); a 90-day
        # worst delinquency usually closed the loan
    ),
    "loans_repaid_12m",
    "commitments_kept_24m",
    "max_dpd_24m",
    "overdue_per_repaid_12m",
)

SCHEME = Scheme(
    key="household",
    label_zh="农户信用评价",
    label_en="Farm household rating",
    population=Population("household"),
    indicators=INDICATORS,
    target=Target(
        (DEFAULT,),
        description_zh="12个月内出现逾期90天以上的贷款",
        description_en="a loan 90+ days past due within 12 months",
    ),
    dimensions=(BASIC, FINANCE, CREDIT, ASSESS, PUBLIC),
)
