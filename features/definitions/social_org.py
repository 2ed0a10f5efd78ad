"""Social organisations (社会组织): 社会团体, 社会服务机构 (民办非企业单位) and 基金会.

Registered by civil affairs (民政), identified by a 统一社会信用代码 beginning with
5 (GB 32100: registration authority 5; category 1 社会团体, 2 民办非企业单位,
3 基金会). Seed 001 四(九) and seed 003 二(三)8 ask for social organisations'
credit records, a credit evaluation and graded supervision (信用分类监管); the
civil-affairs rule they rest on, 社会组织信用信息管理办法 (民政部令第60号, 2018),
keeps two lists: the 活动异常名录 (annual work report not filed, unreachable at
the registered address…) and the 严重违法失信名单 (two years on the 活动异常名录,
a 失信被执行人, false registration…); the 年检 / 年度工作报告 and the
社会组织评估等级 (5A…1A, 社会组织评估管理办法) are its other records.

Target: within 12 months a listing on the 活动异常名录 or the 严重违法失信名单, a
general or serious administrative penalty, or becoming a 失信被执行人 (the events
the demo-city generator draws: features/records/synthetic/schemes/social_org.toml).
Grades and overrides are in models/scales/social_org.toml (proposals).
"""

from __future__ import annotations

from dataclasses import replace

from features.declare import AttributeDecl, SubjectType
from features.definitions.common_indicators import negative_history
from features.definitions.enterprise import PENALTY_GS, _i, as_dimension
from features.definitions.flags import GREEN_CHANNEL
from features.dsl import (
    DOWN,
    NEUTRAL,
    UP,
    DeclaredAttribute,
    Indicator,
    Match,
    Population,
    Records,
    Scheme,
    Target,
)
from features.records.ids import IdRule
from features.records.kinds import PARTY_ENTERPRISE, RecordKind
from features.rules import Source

#: Position of this module's schemes in scheme lists (features.registry): after the
#: built-in schemes and the village aggregates.
ORDER = 47

#: GB 32100: a social organisation's code begins with 5 (51 社会团体, 52 民办非企业单位,
#: 53 基金会); a code of another registration authority is refused on ingest, naming 5.
SOCIAL_ORG_ID = IdRule("uscc", prefixes=("5",))

#: The declared attributes: the form of organisation and the level of the registration
#: authority (民政部令第60号), read as indicators too (categories, no risk order).
ORG_FORM = AttributeDecl(
    "org_form",
    "string",
    "组织类型",
    "Form of organisation",
    # 社会团体 / 民办非企业单位（社会服务机构）/ 基金会
    choices=("social_group", "private_non_enterprise", "foundation"),
    choice_labels=(
        ("social_group", "社会团体", "Association"),
        (
            "private_non_enterprise",
            "社会服务机构（民办非企业单位）",
            "Social service agency",
        ),
        ("foundation", "基金会", "Foundation"),
    ),
)
REGISTRATION_LEVEL = AttributeDecl(
    "registration_level",
    "string",
    "登记管理机关层级",
    "Level of the registration authority",
    choices=("county", "city", "province"),
    choice_labels=(
        ("county", "县级民政部门", "County civil affairs"),
        ("city", "市级民政部门", "City civil affairs"),
        ("province", "省级民政部门", "Provincial civil affairs"),
    ),
)

SUBJECT_TYPES = (
    SubjectType(
        "social_org",
        "社会组织",
        "Social organisation",
        SOCIAL_ORG_ID,
        attributes=(ORG_FORM, REGISTRATION_LEVEL),
        label_zh_long="社会组织（社会团体、社会服务机构、基金会）",
        label_en_long="Social organisation (association, social service agency, foundation)",
    ),
)

CIVIL_AFFAIRS = "civil_affairs"  # declared in features/definitions/departments.py

#: The civil-affairs records of a social organisation (民政部令第60号 第六条: 年报信息,
#: 行政检查信息, 其他信息 — 评估等级; 第十条, 第十七条: the two lists).
KINDS = (
    RecordKind(
        "activity_abnormal_list",
        "活动异常名录",
        "Abnormal activities list (civil affairs)",
        "supervision",
        "negative",
        PARTY_ENTERPRISE,
        CIVIL_AFFAIRS,
        ("general",),
        True,
        ("annual_report", "unreachable_address", "rectification_overdue"),
        value_labels={
            "annual_report": (
                "未按规定报送年度工作报告",
                "annual work report not filed",
            ),
            "unreachable_address": (
                "通过登记的住所无法与社会组织取得联系",
                "unreachable at the registered address",
            ),
            "rectification_overdue": (
                "未按登记管理机关要求完成整改",
                "rectification ordered by the registration authority not completed",
            ),
        },
    ),
    RecordKind(
        "civil_serious_list",
        "社会组织严重违法失信名单",
        "Serious violation list (civil affairs)",
        "supervision",
        "negative",
        PARTY_ENTERPRISE,
        CIVIL_AFFAIRS,
        ("serious",),
        True,
    ),
    RecordKind(
        "annual_inspection",
        "社会组织年检（年度工作报告）",
        "Annual inspection (annual work report)",
        "registration",
        "neutral",
        PARTY_ENTERPRISE,
        CIVIL_AFFAIRS,
        (),
        False,
        ("qualified", "basically_qualified", "unqualified", "not_filed"),
        polarity_by_value={
            "qualified": "positive",
            "basically_qualified": "positive",
            "unqualified": "negative",
            "not_filed": "negative",
        },
        value_labels={
            "qualified": ("合格", "passed"),
            "basically_qualified": ("基本合格", "basically passed"),
            "unqualified": ("不合格", "failed"),
            "not_filed": ("未按规定参加年检", "not filed"),
        },
    ),
    RecordKind(
        "assessment_level",
        "社会组织评估等级",
        "Social organisation assessment level",
        "evaluation",
        "neutral",
        PARTY_ENTERPRISE,
        CIVIL_AFFAIRS,
        (),
        False,
        ("5A", "4A", "3A", "2A", "1A"),
        # 3A and above are the levels the rules reward (社会组织评估管理办法: 优先承接政府
        # 转移职能, 购买服务); 2A and 1A are assessed levels, not failures: neutral
        polarity_by_value={"5A": "positive", "4A": "positive", "3A": "positive"},
        value_labels={
            "5A": ("5A级", "5A"),
            "4A": ("4A级", "4A"),
            "3A": ("3A级", "3A"),
            "2A": ("2A级", "2A"),
            "1A": ("1A级", "1A"),
        },
    ),
)

BASIC, INSPECTION, SUPERVISION = "基本信息", "年检年报", "监管信息"
RELATED, SOCIAL = "关联关系", "社会评价"

ABNORMAL = Match(("activity_abnormal_list",))
SERIOUS_LIST = Match(("civil_serious_list",))
#: the target's listings: either civil-affairs list, or the courts' 失信被执行人
LISTED = Match(("activity_abnormal_list", "civil_serious_list", "dishonest_judgment_debtor"))
NOT_FILED = Match(("annual_inspection",), values=("not_filed",))
UNQUALIFIED = Match(("annual_inspection",), values=("unqualified",))
FAILED = Match(("annual_inspection",), values=("unqualified", "not_filed"))
PASSED = Match(("annual_inspection",), values=("qualified", "basically_qualified"))
#: every negative record of a social organisation over a window. The 严重违法失信名单
#: is left out of the windowed counts on purpose: it is rare (a few a year in a city),
#: and a window over a kind with no record yet is uncovered history
#: (features/history.py); it is read as a listing in force instead.
NEGATIVE = Match(
    (
        "administrative_penalty",
        "activity_abnormal_list",
        "annual_inspection",
        "dishonest_judgment_debtor",
        "court_judgment",
    ),
    polarity="negative",
)

INDICATORS: tuple[Indicator, ...] = (
    # 基本信息
    *as_dimension(BASIC, "age_years"),
    _i(
        "org_form",
        "组织类型",
        "Form of organisation",
        BASIC,
        DeclaredAttribute(ORG_FORM),
        NEUTRAL,
        "",
        "组织类型：{value}",
        "form of organisation: {value}",
    ),
    _i(
        "registration_level",
        "登记管理机关层级",
        "Level of the registration authority",
        BASIC,
        DeclaredAttribute(REGISTRATION_LEVEL),
        NEUTRAL,
        "",
        "登记管理机关：{value}",
        "registered with {value}",
    ),
    # 年检年报 — the yearly inspection (年检) or annual work report (年度工作报告)
    _i(
        "inspection_latest",
        "最近一次年检结论",
        "Latest annual inspection result",
        INSPECTION,
        Records(Match(("annual_inspection",)), "latest_text", 24),
        UP,
        "",
        "最近一次年检结论为{value}",
        "latest annual inspection: {value}",
        # the inspection's own order, best first; not filing is worse than failing
        order=("qualified", "basically_qualified", "unqualified", "not_filed"),
        missing_zh="近{window}个月无年检记录",
        missing_en="no annual inspection in {window} months",
        missing_rank="worst",
        # a state at the date, published once a year
        short_history=True,
    ),
    _i(
        "inspection_not_filed_24m",
        "近24个月未按规定参加年检次数",
        "Annual inspections not filed, 24 months",
        INSPECTION,
        Records(NOT_FILED, "count", 24),
        UP,
        "次",
        "近{window}个月未按规定参加年检（报送年度工作报告）{value}次",
        "{value} annual inspections not filed in {window} months",
    ),
    _i(
        "inspection_unqualified_24m",
        "近24个月年检不合格次数",
        "Annual inspections failed, 24 months",
        INSPECTION,
        Records(UNQUALIFIED, "count", 24),
        UP,
        "次",
        "近{window}个月年检结论为不合格{value}次",
        "{value} annual inspections failed in {window} months",
    ),
    # passing is the yearly norm (most organisations pass): fewer passes than years is a
    # missed or failed inspection the department may not have reported as such
    _i(
        "inspection_passed_24m",
        "近24个月年检合格或基本合格次数",
        "Annual inspections passed, 24 months",
        INSPECTION,
        Records(PASSED, "count", 24),
        DOWN,
        "次",
        "近{window}个月年检合格或基本合格{value}次",
        "{value} annual inspections passed in {window} months",
    ),
    _i(
        "inspection_failed_years_24m",
        "近24个月年检未通过的年份数",
        "Years with a failed or missed inspection, 24 months",
        INSPECTION,
        Records(FAILED, "distinct_years", 24),
        UP,
        "年",
        "近{window}个月内有{value}个年度年检不合格或未按规定参加年检",
        "a failed or missed inspection in {value} years within {window} months",
    ),
    # 监管信息
    _i(
        "activity_abnormal_now",
        "列入活动异常名录",
        "On the abnormal activities list",
        SUPERVISION,
        Records(ABNORMAL, "count"),
        UP,
        "条",
        "列入活动异常名录{value}条",
        "{value} abnormal-activities listings in force",
    ),
    _i(
        "activity_abnormal_24m",
        "近24个月列入活动异常名录次数",
        "Abnormal activities listings, 24 months",
        SUPERVISION,
        Records(ABNORMAL, "count", 24),
        UP,
        "次",
        "近{window}个月被列入活动异常名录{value}次",
        "{value} abnormal-activities listings in {window} months",
    ),
    _i(
        "civil_serious_now",
        "列入社会组织严重违法失信名单",
        "On the civil-affairs serious violation list",
        SUPERVISION,
        Records(SERIOUS_LIST, "count"),
        UP,
        "条",
        "列入社会组织严重违法失信名单{value}条",
        "{value} civil-affairs serious-violation listings in force",
    ),
    *as_dimension(SUPERVISION, "penalties_24m", "penalty_severity_24m"),
    *negative_history(
        SUPERVISION, NEGATIVE, "negative_records_12m", "negative_records_24m", "days_since_negative"
    ),
    # 关联关系 — the legal representative's own records and other firms
    *as_dimension(RELATED, "rep_dishonest_now", "rep_negative_24m", "rep_firms_listed"),
    # 社会评价
    _i(
        "assessment_level",
        "社会组织评估等级",
        "Assessment level",
        SOCIAL,
        Records(Match(("assessment_level",)), "latest_text"),
        UP,
        "",
        "社会组织评估等级为{value}",
        "assessment level {value}",
        # the levels' own order, best first; an assessment is valid five years and
        # most organisations are never assessed: a missing level states nothing
        order=("5A", "4A", "3A", "2A", "1A"),
    ),
    *as_dimension(SOCIAL, "dishonest_now", "court_judgments_24m", "honours_24m"),
)

#: The green channel of every scheme, with the civil-affairs lists in force blocking it
#: as the enterprise lists do (seed 002 二.2: 连续3年无不良信用记录).
FLAGS_OWN = (
    replace(
        GREEN_CHANNEL,
        listing_kinds=(
            *GREEN_CHANNEL.listing_kinds,
            "activity_abnormal_list",
            "civil_serious_list",
        ),
    ),
)

SOURCES = (
    Source(
        "seed 001（濮政〔2016〕61号）",
        "四(九) 社会组织诚信建设：信用档案、信用评价、信用分类监管",
    ),
    Source(
        "seed 003",
        "二(三)8 加强社会组织诚信建设：信用评价、失信行为公示、守信激励与失信惩戒",
    ),
    Source(
        "社会组织信用信息管理办法（民政部令第60号，2018）",
        "第六条 信用信息（年报、行政检查、行政处罚、评估等级）；活动异常名录（未按规定报送年度"
        "工作报告、登记住所无法联系等）；严重违法失信名单（列入活动异常名录满2年、失信被执行人等）",
    ),
    Source("社会组织评估管理办法（民政部令第39号，2010）", "评估等级5A至1A，有效期5年"),
    Source(
        "models/scales/social_org.toml",
        "等级A/B/C/D及其初始占比、名单对应的最低等级",
        proposal=True,
    ),
)

SCHEME = Scheme(
    key="social_org",
    label_zh="社会组织信用评价",
    label_en="Social organisation credit rating",
    population=Population("social_org"),
    indicators=INDICATORS,
    target=Target(
        (LISTED, PENALTY_GS),
        description_zh="12个月内列入活动异常名录或社会组织严重违法失信名单、"
        "受到一般或严重行政处罚、成为失信被执行人",
        description_en="within 12 months: a listing on the abnormal activities or the "
        "civil-affairs serious violation list, a general or serious penalty, or a dishonest "
        "judgment debtor listing",
    ),
    dimensions=(BASIC, INSPECTION, SUPERVISION, RELATED, SOCIAL),
    flags=FLAGS_OWN,
    sources=SOURCES,
)
