"""Construction enterprises' credit evaluation (建筑市场信用评价), a published points rule.

Seed 003 (二)7 makes the evaluation result 资格预审、评标的重要依据; seed 001 三(六)
links it to 资质审批、执业资格注册、招标投标; seed 000 "6. 工程建设领域信用建设" asks
for the sector's credit standards and records. Local rules (DOMAIN.md source 37:
青岛市建筑业企业市场信用综合考评管理办法, 温州市建筑市场信用评价管理实施办法) score a
base plus good-conduct additions minus bad-conduct deductions over a rolling period,
and the band is the grade used in bidding: ``binding="exact"``, the model may only
rank firms inside a band.

**Not a rated scheme yet.** Only the rule is declared here (:data:`CONSTRUCTION_CREDIT`).
Rating construction firms by it needs the population of section-E firms holding a
construction qualification (``Population`` has no industry filter yet), the sector's
own record kinds (construction qualification, safety accident) and a scale and spec
(issue 18, stage F4). The items read kinds the platform already has. Every number is
a proposal until the cited local text is fetched and quoted.
"""

from __future__ import annotations

from features.dsl import Match
from features.rules import PointsItem, PointsRule, Source

CONSTRUCTION_CREDIT = PointsRule(
    key="construction_credit",
    label_zh="建筑市场信用评价",
    label_en="Construction market credit evaluation",
    # first match wins: the serious list before a penalty, a serious penalty before a
    # general one
    items=(
        PointsItem(
            "serious_list",
            "列入严重违法失信名单",
            "on the serious violation list",
            Match(("serious_violation_list",)),
            -40,
        ),
        PointsItem(
            "penalty_serious",
            "严重行政处罚",
            "serious administrative penalty",
            Match(("administrative_penalty",), severities=("serious",)),
            -15,
        ),
        PointsItem(
            "penalty_general",
            "一般行政处罚",
            "general administrative penalty",
            Match(("administrative_penalty",), severities=("general",)),
            -5,
        ),
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
        PointsItem("red_list", "列入守信红名单", "on a red list", Match(("red_list",)), 5, cap=10),
        PointsItem("honour", "获得表彰奖励", "honour or award", Match(("honour",)), 5, cap=10),
    ),
    bands=(("AAA", 90), ("AA", 80), ("A", 70), ("B", 60), ("C", float("-inf"))),
    better="higher",
    binding="exact",
    cycle_months=24,
    start=80,
    sources=(
        Source(
            "seed 003",
            "(二)7 加强工程建设领域信用建设：企业信用评价结果作为资格预审、评标的重要依据",
        ),
        Source(
            "seed 001",
            "三(六) 工程建设领域信用建设：建立企业及其从业人员信用评价结果与资质审批、"
            "执业资格注册、招标投标、评优评奖等审批审核事项的关联管理机制",
        ),
        Source("seed 000", "6. 工程建设领域信用建设 (1)–(3)"),
        Source(
            "青岛市建筑业企业市场信用综合考评管理办法；温州市建筑市场信用评价管理实施办法",
            "基础分加良好行为加分减不良行为扣分（分值与等级线为建议值，待引用原文）",
            proposal=True,
        ),
        Source("发改财金〔2017〕2058号", "拖欠农民工工资严重失信联合惩戒", proposal=True),
    ),
    consequences=(
        ("AAA", "资格预审、评标信用分按AAA级计取", "bidding credit points at grade AAA"),
        ("AA", "资格预审、评标信用分按AA级计取", "bidding credit points at grade AA"),
        ("A", "资格预审、评标信用分按A级计取", "bidding credit points at grade A"),
        ("B", "资格预审、评标信用分按B级计取；重点监管", "grade B points; closer supervision"),
        ("C", "资格预审、评标不得分；重点监管", "no bidding credit points; closer supervision"),
    ),
    reason_zh="{label}周期内得{points}分，按评价规则最终等级{bound}{grade}：{records}",
    reason_en="{label}: {points} points in the cycle: by the rule the final grade {bound} {grade}: "
    "{records}",
)
