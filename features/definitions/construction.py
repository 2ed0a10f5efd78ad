"""Construction enterprises' credit evaluation (建筑市场信用评价), a rule-rated scheme.

Seed 003 二(二)7 makes the evaluation result 资格预审、评标的重要依据; seed 001 三(六)
links it to 资质审批、执业资格注册、招标投标; seed 000 二(二)6 "工程建设领域信用建设" asks
for the sector's credit standards and records. Local rules (DOMAIN.md source 37:
青岛市建筑业企业市场信用综合考评管理办法, 温州市建筑市场信用评价管理实施办法) score a
base plus good-conduct additions minus bad-conduct deductions over a rolling period,
and the band is the grade used in bidding: ``binding="exact"``.

The scheme (:data:`SCHEME`) rates the firms of GB/T 4754 section E (建筑业) that
hold a construction qualification (建筑业企业资质) at the date. It has **no target
and no model**: the published rule alone gives the grade (the band), the score (the
points) and the reasons (the items that scored, with their records); the indicators
explain the firm's record beside it (catalogue, report). A model could later rank
firms inside a band (declare a ``target``); the band would still be the grade.

The sector's own record kinds (:data:`KINDS`) come from the housing and
construction department (``housing_construction``, declared in
:mod:`features.definitions.departments`). Every number is a proposal until the
cited local text is fetched and quoted.
"""

from __future__ import annotations

from features.dsl import Indicator, Match, Population, Scheme
from features.records.kinds import PARTY_ENTERPRISE, RecordKind
from features.rules import (
    PointsItem,
    PointsRule,
    Source,
    cycle_count,
    penalty_items,
    reward_items,
    serious_list_item,
)

#: Position of this module's schemes in scheme lists (features.registry).
ORDER = 60

_DEPT = "housing_construction"
_TIERS = ("general", "serious")

KINDS = (
    RecordKind(
        "construction_qualification",
        "建筑业企业资质",
        "Construction enterprise qualification",
        "registration",
        "neutral",
        PARTY_ENTERPRISE,
        _DEPT,
    ),
    RecordKind(
        "construction_bad_conduct",
        "建筑市场不良行为记录",
        "Construction market bad-conduct record",
        "supervision",
        "negative",
        PARTY_ENTERPRISE,
        _DEPT,
        _TIERS,
        True,
    ),
    RecordKind(
        "quality_safety_accident",
        "工程质量安全事故",
        "Construction quality or safety accident",
        "supervision",
        "negative",
        PARTY_ENTERPRISE,
        _DEPT,
        _TIERS,
        True,
    ),
    RecordKind(
        "construction_good_conduct",
        "建筑市场良好行为记录",
        "Construction market good-conduct record",
        "evaluation",
        "positive",
        PARTY_ENTERPRISE,
        _DEPT,
    ),
)

BAD, GOOD = "不良行为", "良好行为"


def _serious(kind: str) -> Match:
    return Match((kind,), severities=("serious",))


def _general(kind: str) -> Match:
    return Match((kind,), severities=("general",))


CONSTRUCTION_CREDIT = PointsRule(
    key="construction_credit",
    label_zh="建筑市场信用评价",
    label_en="Construction market credit evaluation",
    # first match wins: the serious list before a penalty, a serious tier before a
    # general one
    items=(
        serious_list_item(-40),
        PointsItem(
            "accident_serious",
            "较大及以上工程质量安全事故",
            "serious construction quality or safety accident",
            _serious("quality_safety_accident"),
            -20,
        ),
        PointsItem(
            "accident_general",
            "一般工程质量安全事故",
            "construction quality or safety accident",
            _general("quality_safety_accident"),
            -10,
        ),
        *penalty_items(serious=-15, general=-5),
        PointsItem(
            "bidding_misconduct",
            "招标投标违法违规行为",
            "bidding misconduct",
            Match(("bidding_misconduct",)),
            -10,
        ),
        PointsItem(
            "wage_arrears",
            "拖欠农民工工资",
            "wage arrears to migrant workers",
            Match(("wage_arrears",)),
            -15,
        ),
        PointsItem(
            "bad_conduct_serious",
            "建筑市场严重不良行为",
            "serious bad conduct in the construction market",
            _serious("construction_bad_conduct"),
            -10,
        ),
        PointsItem(
            "bad_conduct_general",
            "建筑市场一般不良行为",
            "bad conduct in the construction market",
            _general("construction_bad_conduct"),
            -3,
        ),
        *reward_items(red_list=(5, 10), honour=(5, 10)),
        PointsItem(
            "good_conduct",
            "建筑市场良好行为记录",
            "good conduct in the construction market",
            Match(("construction_good_conduct",)),
            3,
            cap=9,
        ),
    ),
    bands=(("AAA", 90), ("AA", 80), ("A", 70), ("B", 60), ("C", float("-inf"))),
    better="higher",
    binding="exact",
    cycle_months=24,
    start=80,
    sources=(
        Source(
            "云府函〔2019〕33号 社会信用体系建设规划（2018—2020年）（种子文件003）",
            "二(二)7 加强工程建设领域信用建设：企业信用评价结果作为资格预审、评标的重要依据",
        ),
        Source(
            "濮政〔2016〕61号 濮阳市“十三五”社会信用体系建设规划（种子文件001）",
            "三(六) 工程建设领域信用建设：建立企业及其从业人员信用评价结果与资质审批、"
            "执业资格注册、招标投标、评优评奖等审批审核事项的关联管理机制",
        ),
        Source(
            "曲政发〔2018〕5号 关于贯彻落实社会信用体系建设规划纲要的实施意见（种子文件000）",
            "二(二)6. 工程建设领域信用建设 (1)–(3)",
        ),
        Source(
            "青岛市建筑业企业市场信用综合考评管理办法；温州市建筑市场信用评价管理实施办法",
            "基础分加良好行为加分减不良行为扣分，待引用原文",
            proposal=True,
        ),
        Source("发改财金〔2017〕2058号", "拖欠农民工工资严重失信联合惩戒", proposal=True),
        Source(
            "建筑市场信用管理暂行办法（建市〔2017〕241号）",
            "不良信用信息、良好信用信息；工程质量安全事故记入不良信用信息",
            proposal=True,
        ),
    ),
    consequences=(
        ("AAA", "资格预审、评标信用分按AAA级计取", "bidding credit points at grade AAA"),
        ("AA", "资格预审、评标信用分按AA级计取", "bidding credit points at grade AA"),
        ("A", "资格预审、评标信用分按A级计取", "bidding credit points at grade A"),
        ("B", "资格预审、评标信用分按B级计取；重点监管", "grade B points; closer supervision"),
        ("C", "资格预审、评标不得分；重点监管", "no bidding credit points; closer supervision"),
    ),
)


INDICATORS: tuple[Indicator, ...] = (
    cycle_count(
        CONSTRUCTION_CREDIT,
        "accidents_24m",
        ("近24个月工程质量安全事故", "Quality or safety accidents, 24 months"),
        BAD,
        Match(("quality_safety_accident",)),
        ("发生工程质量安全事故", "quality or safety accidents"),
        "起",
        none=("未发生工程质量安全事故", "no quality or safety accident"),
    ),
    cycle_count(
        CONSTRUCTION_CREDIT,
        "bad_conduct_24m",
        ("近24个月建筑市场不良行为记录", "Construction bad-conduct records, 24 months"),
        BAD,
        Match(("construction_bad_conduct",)),
        ("有建筑市场不良行为记录", "construction bad-conduct records"),
        "条",
        none=("无建筑市场不良行为记录", "no construction bad-conduct record"),
    ),
    cycle_count(
        CONSTRUCTION_CREDIT,
        "bidding_misconduct_24m",
        ("近24个月招投标违法违规", "Bidding misconduct, 24 months"),
        BAD,
        Match(("bidding_misconduct",)),
        ("有招投标违法违规", "bidding misconduct records"),
        "条",
        none=("无招投标违法违规记录", "no bidding misconduct record"),
    ),
    cycle_count(
        CONSTRUCTION_CREDIT,
        "wage_arrears_24m",
        ("近24个月拖欠工资", "Wage arrears, 24 months"),
        BAD,
        Match(("wage_arrears",)),
        ("有拖欠工资记录", "wage arrears records"),
        "条",
        none=("无拖欠工资记录", "no wage arrears record"),
    ),
    cycle_count(
        CONSTRUCTION_CREDIT,
        "good_conduct_24m",
        ("近24个月建筑市场良好行为记录", "Construction good-conduct records, 24 months"),
        GOOD,
        Match(("construction_good_conduct", "honour", "red_list")),
        ("有良好行为、表彰或红名单记录", "good-conduct, honour or red-list records"),
        "条",
    ),
)

SCHEME = Scheme(
    key="construction_credit",
    label_zh="建筑业企业信用评价",
    label_en="Construction enterprise credit evaluation",
    population=Population(
        "enterprise", industries=("E",), requires_kind="construction_qualification"
    ),
    indicators=INDICATORS,
    target=None,  # rated by the published rule alone
    dimensions=(BAD, GOOD),
    rules=(CONSTRUCTION_CREDIT,),
    sources=CONSTRUCTION_CREDIT.sources,
)
