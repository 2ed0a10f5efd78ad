"""Road-transport driver integrity (道路运输驾驶员诚信考核).

Points over a 12-month cycle in safety, compliance and service, accidents by
responsibility, the driver's background and the employer's own record.
Target: a responsible accident (equal or greater responsibility) or a violation
worth 12 licence points (20 integrity points) within 12 months.

The 诚信考核 itself is a published points rule (:data:`INTEGRITY`): the cycle's
points give a grade the final grade is never better than; the model ranks
drivers inside it (DOMAIN.md, Drivers).
"""

from __future__ import annotations

from features.definitions.enterprise import NEGATIVE, _i, _none_in
from features.definitions.household import people_behind_firms
from features.dsl import (
    DOWN,
    NEUTRAL,
    UP,
    Attribute,
    Indicator,
    Match,
    Population,
    Records,
    Related,
    Scheme,
    Target,
)
from features.rules import PointsItem, PointsRule, Source

#: Position of this module's schemes in scheme lists (features.registry).
ORDER = 40

SAFETY, COMPLIANCE, SERVICE, BACKGROUND, EMPLOYER = "安全", "守法", "服务", "从业经历", "所属企业"
VIOLATION = Match(("traffic_violation",))
RESPONSIBLE = Match(("traffic_accident",), values=("full", "major", "equal"))

INDICATORS: tuple[Indicator, ...] = (
    # 安全
    _i(
        "points_12m",
        "近12个月交通违法记分",
        "Licence points, 12 months",
        SAFETY,
        Records(VIOLATION, "sum_value", 12),
        UP,
        "分",
        "近{window}个月交通违法记{value}分",
        "{value} licence points in {window} months",
    ),
    _i(
        "violations_12m",
        "近12个月交通违法次数",
        "Traffic violations, 12 months",
        SAFETY,
        Records(VIOLATION, "count", 12),
        UP,
        "次",
        "近{window}个月交通违法{value}次",
        "{value} traffic violations in {window} months",
    ),
    _i(
        "violation_months_12m",
        "近12个月有交通违法的月份数",
        "Months with a traffic violation, 12 months",
        SAFETY,
        Records(VIOLATION, "distinct_months", 12),
        UP,
        "个月",
        "近{window}个月中有{value}个月有交通违法",
        "traffic violations in {value} of the last {window} months",
    ),
    _i(
        "grave_violations_12m",
        "近12个月6分以上违法次数",
        "Violations of 6+ points, 12 months",
        SAFETY,
        Records(Match(("traffic_violation",), min_value=6.0), "count", 12),
        UP,
        "次",
        "近{window}个月记6分以上交通违法{value}次",
        "{value} violations of 6+ points in {window} months",
    ),
    _i(
        "days_since_violation",
        "距最近一次交通违法天数",
        "Days since the last violation",
        SAFETY,
        Records(VIOLATION, "days_since", 12),
        DOWN,
        "天",
        "距最近一次交通违法{value}天",
        "{value} days since the last violation",
        **_none_in("交通违法", "traffic violation"),
    ),
    _i(
        "responsible_accidents_24m",
        "近24个月同等及以上责任事故",
        "Accidents with equal or greater responsibility, 24 months",
        SAFETY,
        Records(RESPONSIBLE, "count", 24),
        UP,
        "起",
        "近{window}个月发生同等及以上责任事故{value}起",
        "{value} accidents with equal or greater responsibility in {window} months",
    ),
    _i(
        "other_accidents_24m",
        "近24个月次要及无责事故",
        "Accidents with minor or no responsibility",
        SAFETY,
        Records(Match(("traffic_accident",), values=("minor", "none")), "count", 24),
        UP,
        "起",
        "近{window}个月发生次要或无责事故{value}起",
        "{value} accidents with minor or no responsibility in {window} months",
    ),
    _i(
        "accident_loss_24m",
        "近24个月事故损失",
        "Accident losses, 24 months",
        SAFETY,
        Records(Match(("traffic_accident",)), "sum_amount", 24),
        UP,
        "元",
        "近{window}个月事故损失{value}元",
        "{value} yuan accident losses in {window} months",
    ),
    # 守法
    _i(
        "overloading_12m",
        "近12个月超限超载次数",
        "Overloading, 12 months",
        COMPLIANCE,
        Records(Match(("overloading",)), "count", 12),
        UP,
        "次",
        "近{window}个月超限超载{value}次",
        "{value} overloading cases in {window} months",
    ),
    _i(
        "max_overload_12m",
        "近12个月最大超载比例",
        "Worst overload, 12 months",
        COMPLIANCE,
        Records(Match(("overloading",)), "max_value", 12),
        UP,
        "%",
        "近{window}个月最大超载{value}%",
        "worst overload {value}%",
        **_none_in("超限超载", "overloading"),
    ),
    # 服务
    _i(
        "complaints_12m",
        "近12个月乘客投诉次数",
        "Passenger complaints, 12 months",
        SERVICE,
        Records(Match(("passenger_complaint",)), "count", 12),
        UP,
        "次",
        "近{window}个月被乘客投诉{value}次",
        "{value} passenger complaints in {window} months",
    ),
    _i(
        "complaint_kinds_12m",
        "近12个月投诉类型数",
        "Kinds of complaints, 12 months",
        SERVICE,
        Records(Match(("passenger_complaint",)), "distinct_values", 12),
        UP,
        "类",
        "近{window}个月被投诉{value}类问题",
        "complaints of {value} kinds",
    ),
    # 从业经历
    _i(
        "years_licensed",
        "驾龄",
        "Years licensed",
        BACKGROUND,
        Attribute("established_on", "years_since"),
        DOWN,
        "年",
        "驾龄{value}",
        "licensed for {value}",
    ),
    _i(
        "licence_class",
        "准驾车型",
        "Licence class",
        BACKGROUND,
        Attribute("licence_class", categorical=True),
        NEUTRAL,
        "",
        "准驾车型{value}",
        "licence class {value}",
    ),
    # 所属企业
    _i(
        "employer_penalties_24m",
        "所属企业近24个月处罚（加权）",
        "Employer's penalties, 24 months (weighted)",
        EMPLOYER,
        Related("employer", Records(Match(("administrative_penalty",)), "weighted", 24)),
        UP,
        "分",
        "所属企业近{window}个月行政处罚按严重程度加权计{value}分",
        "the employer's penalties in {window} months weigh {value} by severity",
    ),
    _i(
        "employer_listed",
        "所属企业被列入名单",
        "Employer on a list",
        EMPLOYER,
        Related(
            "employer",
            Records(
                Match(
                    (
                        "abnormal_operations_list",
                        "serious_violation_list",
                        "dishonest_judgment_debtor",
                    )
                ),
                "count",
            ),
        ),
        UP,
        "条",
        "所属企业在名单中{value}条",
        "employer on {value} lists",
    ),
    _i(
        "employer_safety_rating",
        "所属企业安全生产信用评价",
        "Employer's work safety rating",
        EMPLOYER,
        Related("employer", Records(Match(("safety_rating",)), "latest_text", 24)),
        UP,
        "",
        "所属企业安全生产信用评价为{value}",
        "the employer's work safety rating {value}",
        order=("A", "B", "C", "D"),
    ),
    # a firm's serious records carried to its legal representative or the responsible
    # persons its blacklisting names (seed 002 #12)
    *people_behind_firms(BACKGROUND),
    # the employer's recent failures. (The employer's tax credit level in force was tried
    # in issue 16 and dropped: its category M, for new firms, vanishes from the published
    # levels after 2024, a train → out-of-time PSI of 0.57 that the gate rightly refused.)
    _i(
        "employer_negative_12m",
        "所属企业近12个月失信记录数",
        "Employer's negative records, 12 months",
        EMPLOYER,
        Related("employer", Records(NEGATIVE, "count", 12)),
        UP,
        "条",
        "所属企业近{window}个月有失信记录{value}条",
        "{value} negative records of the employer in {window} months",
    ),
)


def _violation(key: str, licence_points: float, points: float, zh: str, en: str) -> PointsItem:
    return PointsItem(key, zh, en, Match(("traffic_violation",), min_value=licence_points), points)


#: 道路运输驾驶员诚信考核: items first match wins, so violations go from 12 licence points down.
INTEGRITY = PointsRule(
    key="driver_integrity",
    label_zh="诚信考核记分",
    label_en="Integrity points",
    items=(
        _violation(
            "violation_12", 12, 20, "一次记12分的交通违法", "violation worth 12 licence points"
        ),
        _violation(
            "violation_6",
            6,
            10,
            "记6分及以上的交通违法",
            "violation worth 6 or more licence points",
        ),
        _violation(
            "violation_3", 3, 5, "记3分及以上的交通违法", "violation worth 3 or more licence points"
        ),
        _violation("violation_1", 1, 1, "记1至2分的交通违法", "violation worth 1–2 licence points"),
        PointsItem(
            "responsible_accident",
            "负同等及以上责任的交通事故",
            "accident with equal or greater responsibility",
            RESPONSIBLE,
            20,
        ),
        PointsItem(
            "refusal_overcharging",
            "拒载或多收费",
            "refusing passengers or overcharging",
            Match(("passenger_complaint",), values=("refusal", "overcharging")),
            5,
        ),
        PointsItem(
            "detour", "绕道行驶", "detour", Match(("passenger_complaint",), values=("detour",)), 10
        ),
    ),
    bands=(("AAA", 0), ("AA", 1), ("A", 10), ("B", 20)),
    better="lower",
    binding="cap",
    cycle_months=12,
    start=0,
    sources=(
        Source(
            "道路运输驾驶员诚信考核办法(试行)（2008）",
            "考核周期12个月；记分20/10/5/3/1；等级AAA/AA/A/B",
            proposal=True,
        ),
        Source("深圳市及出租汽车服务质量信誉考核规则", "拒载、多收费、绕道", proposal=True),
    ),
    consequences=(
        ("AAA", "优秀", "Excellent"),
        ("AA", "合格", "Satisfactory"),
        ("A", "基本合格", "Basically satisfactory"),
        ("B", "不合格：最终等级不高于B", "Unsatisfactory: final grade no better than B"),
    ),
    reason_zh="诚信考核周期内记{points}分，按记分规则最终等级不高于{grade}：{records}",
    reason_en=(
        "{points} integrity points in the cycle: by the points rule the final grade is "
        "no better than {grade}: {records}"
    ),
)


SCHEME = Scheme(
    key="driver",
    label_zh="道路运输驾驶员诚信考核",
    label_en="Road-transport driver integrity",
    population=Population("driver"),
    indicators=INDICATORS,
    target=Target(
        (RESPONSIBLE, Match(("traffic_violation",), min_value=12.0)),
        description_zh="12个月内发生同等及以上责任事故或一次记满12分的交通违法",
        description_en="within 12 months: an accident with equal or greater responsibility, or "
        "a violation worth 12 licence points",
    ),
    dimensions=(SAFETY, COMPLIANCE, SERVICE, BACKGROUND, EMPLOYER),
    rules=(INTEGRITY,),
    sources=INTEGRITY.sources,
)
