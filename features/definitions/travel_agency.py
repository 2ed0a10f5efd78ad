"""Travel agencies' credit evaluation (旅行社信用评价), a rule-rated scheme.

Seed 000 二(三)5.(3) and seed 001 四(六) ask for travel agencies' credit files, a
black list (黑名单), a published record of tourists' complaints and a credit grade
of travel agencies (信用等级评价); seed 003 二(三)5 makes the sector's credit
evaluation 分类监管的重要依据. The seeds give no numbers. The national rules they
point to are the 文化和旅游市场信用管理规定 (文化和旅游部令第7号, 2021: 严重失信主体
名单 and 轻微失信主体名单 of culture and tourism), the 旅游经营服务不良信息管理办法
(不良信息 of tourism businesses) and the 旅行社条例 (the 旅游服务质量保证金 every
agency keeps deposited). From them this module declares a points rule over 24
months: a base of 100, deductions for the sector's listings, penalties, bad
information, verified complaints and a deposit not made good, additions for
honours; the bands A/B/C/D are the grades of supervision by class. **Every number
is a proposal** (``Source(..., proposal=True)``), to be replaced by the local rule
the platform adopts.

The scheme (:data:`SCHEME`) rates the firms of GB/T 4754 section L (租赁和商务服务业,
travel agencies are class 7291 of the 2017 edition, 7271 of the 2011 one) that hold
a 旅行社业务经营许可证 at the date: the demo city files the section letter only, so
the licence tells the agencies apart. No target and no model: the rule gives the
grade, the score and the reasons.
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
ORDER = 61

_DEPT = "culture_tourism"

KINDS = (
    RecordKind(
        "travel_agency_licence",
        "旅行社业务经营许可",
        "Travel agency business licence",
        "registration",
        "neutral",
        PARTY_ENTERPRISE,
        _DEPT,
    ),
    RecordKind(
        "tourism_complaint",
        "经查实的旅游投诉",
        "Verified tourist complaint",
        "supervision",
        "negative",
        PARTY_ENTERPRISE,
        _DEPT,
    ),
    RecordKind(
        "tourism_bad_conduct",
        "旅游经营服务不良信息",
        "Tourism business bad-conduct information",
        "supervision",
        "negative",
        PARTY_ENTERPRISE,
        _DEPT,
        ("general", "serious"),
        True,
    ),
    RecordKind(
        "tourism_serious_list",
        "文化和旅游市场严重失信主体名单",
        "Culture and tourism market serious dishonesty list",
        "supervision",
        "negative",
        PARTY_ENTERPRISE,
        _DEPT,
        ("serious",),
        True,
    ),
    RecordKind(
        "quality_deposit_shortfall",
        "旅游服务质量保证金未足额存缴",
        "Tourism service quality deposit not made good",
        "supervision",
        "negative",
        PARTY_ENTERPRISE,
        _DEPT,
    ),
)

BAD, GOOD = "不良信息", "良好信息"

TRAVEL_AGENCY_CREDIT = PointsRule(
    key="travel_agency_credit",
    label_zh="旅行社信用评价",
    label_en="Travel agency credit evaluation",
    # first match wins: a listing before a penalty, a serious tier before a general one
    items=(
        PointsItem(
            "tourism_serious_list",
            "列入文化和旅游市场严重失信主体名单",
            "on the culture and tourism serious dishonesty list",
            Match(("tourism_serious_list",)),
            -50,
        ),
        serious_list_item(-40),
        PointsItem(
            "dishonest",
            "列为失信被执行人",
            "dishonest judgment debtor",
            Match(("dishonest_judgment_debtor",)),
            -20,
        ),
        *penalty_items(serious=-15, general=-5),
        PointsItem(
            "bad_conduct_serious",
            "严重旅游经营服务不良信息",
            "serious tourism bad-conduct information",
            Match(("tourism_bad_conduct",), severities=("serious",)),
            -15,
        ),
        PointsItem(
            "bad_conduct_general",
            "一般旅游经营服务不良信息",
            "tourism bad-conduct information",
            Match(("tourism_bad_conduct",), severities=("general",)),
            -5,
        ),
        PointsItem(
            "deposit_shortfall",
            "旅游服务质量保证金未按期补足",
            "quality deposit not made good in time",
            Match(("quality_deposit_shortfall",)),
            -10,
        ),
        PointsItem(
            "complaint",
            "经查实的旅游投诉",
            "verified tourist complaint",
            Match(("tourism_complaint",)),
            -2,
            cap=20,
        ),
        *reward_items(red_list=(5, 10), honour=(3, 6)),
    ),
    bands=(("A", 90), ("B", 75), ("C", 60), ("D", float("-inf"))),
    better="higher",
    binding="exact",
    cycle_months=24,
    start=100,
    sources=(
        Source(
            "曲政发〔2018〕5号 关于贯彻落实社会信用体系建设规划纲要的实施意见（种子文件000）",
            "二(三)5.(3) 推进旅游业诚信建设：旅行社信用档案、“黑名单”制度、投诉记录与公开、"
            "信用等级第三方评估",
        ),
        Source(
            "濮政〔2016〕61号 濮阳市“十三五”社会信用体系建设规划（种子文件001）",
            "四(六) 推进旅游行业信用建设：投诉记录与公开制度，旅行社信用等级第三方评价制度",
        ),
        Source(
            "云府函〔2019〕33号 社会信用体系建设规划（2018—2020年）（种子文件003）",
            "二(三)5 信用评价结果作为分类监管的重要依据",
        ),
        Source(
            "文化和旅游市场信用管理规定（文化和旅游部令第7号，2021）",
            "严重失信主体名单、轻微失信主体名单；信用评价与分级分类监管",
            proposal=True,
        ),
        Source(
            "旅游经营服务不良信息管理办法（试行）（旅办发〔2015〕181号）",
            "旅游经营服务不良信息",
            proposal=True,
        ),
        Source("旅行社条例", "旅游服务质量保证金的存缴与补足", proposal=True),
    ),
    consequences=(
        ("A", "诚信：降低抽查比例，优先推荐", "trustworthy: fewer random checks"),
        ("B", "基本诚信：常规监管", "basically trustworthy: routine supervision"),
        (
            "C",
            "诚信度较低：提高抽查比例和频次，列为重点监管对象",
            "less trustworthy: more frequent checks, closer supervision",
        ),
        (
            "D",
            "诚信度低：列为重点监管对象，提高抽查比例和频次，约谈整改",
            "untrustworthy: closest supervision, most frequent checks, a rectification interview",
        ),
    ),
)


INDICATORS: tuple[Indicator, ...] = (
    cycle_count(
        TRAVEL_AGENCY_CREDIT,
        "complaints_24m",
        ("近24个月经查实的旅游投诉", "Verified tourist complaints, 24 months"),
        BAD,
        Match(("tourism_complaint",)),
        ("经查实的旅游投诉", "verified tourist complaints"),
        "件",
        none=("无经查实的旅游投诉", "no verified tourist complaint"),
    ),
    cycle_count(
        TRAVEL_AGENCY_CREDIT,
        "bad_conduct_24m",
        ("近24个月旅游经营服务不良信息", "Tourism bad-conduct information, 24 months"),
        BAD,
        Match(("tourism_bad_conduct",)),
        ("有旅游经营服务不良信息", "tourism bad-conduct records"),
        "条",
        none=("无旅游经营服务不良信息", "no tourism bad-conduct record"),
    ),
    cycle_count(
        TRAVEL_AGENCY_CREDIT,
        "deposit_shortfalls_24m",
        ("近24个月质量保证金未足额存缴", "Quality deposit shortfalls, 24 months"),
        BAD,
        Match(("quality_deposit_shortfall",)),
        ("质量保证金未足额存缴", "quality deposit shortfalls"),
        "次",
        none=("无质量保证金未足额存缴记录", "no quality deposit shortfall"),
    ),
    cycle_count(
        TRAVEL_AGENCY_CREDIT,
        "honours_24m",
        ("近24个月表彰与红名单", "Honours and red lists, 24 months"),
        GOOD,
        Match(("honour", "red_list")),
        ("获得表彰或列入红名单", "honours or red-list entries"),
        "次",
    ),
)

SCHEME = Scheme(
    key="travel_agency_credit",
    label_zh="旅行社信用评价",
    label_en="Travel agency credit evaluation",
    population=Population("enterprise", industries=("L",), requires_kind="travel_agency_licence"),
    indicators=INDICATORS,
    target=None,  # rated by the published rule alone
    dimensions=(BAD, GOOD),
    rules=(TRAVEL_AGENCY_CREDIT,),
    sources=TRAVEL_AGENCY_CREDIT.sources,
)
