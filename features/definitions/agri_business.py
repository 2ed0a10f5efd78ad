"""New agricultural businesses (新型农业经营主体): 农民专业合作社 and 家庭农场.

Seed 001 §七(三) (农村信用体系建设工程) puts 农民专业合作社, 家庭农场 and the other new
agricultural operators at the centre of the rural credit database, with their
"基本信息、信贷信息、农产品质量安全信息、主体资产和权益登记等信息"; seed 000 §五(四)3
asks for the credit of 农民专业合作社 beside the 信用户/信用村 work, and §二(二)3(1) for a
database of 新型农业经营主体. The dimensions below follow that list, plus the
co-operative's member households and its legal representative (a family farm's
operator, most co-ops' chair, heads a farming household of the village).

Population: the businesses with a loan on record (bank-lending use, as 信易贷).
Target: a loan 90+ days past due within 12 months, as for households.

A co-operative's member households feed its rating through the declared link
``coop_member`` (:mod:`features.definitions.relations`): how many members have
loan arrears, 90+ day defaults, a village committee score below 60 (the
信用户 bar) or a dishonest-debtor listing. The declared attributes (agri_form,
land_mu, demonstration_level) are indicators too, each the value in force at the
as-of date (:class:`features.dsl.DeclaredAttribute`). Not read yet: the members'
own ratings.
"""

from __future__ import annotations

from dataclasses import replace

from features.declare import AttributeDecl, SubjectType
from features.definitions import household
from features.definitions.common_indicators import negative_history, penalty_count
from features.definitions.enterprise import _i, _none_in, as_dimension
from features.dsl import (
    DOWN,
    NEUTRAL,
    UP,
    Attribute,
    DeclaredAttribute,
    Derived,
    Indicator,
    Match,
    Population,
    Records,
    Related,
    Scheme,
    Target,
)
from features.records.ids import IdRule
from features.records.kinds import PARTY_ANY, PARTY_ENTERPRISE, RecordKind
from features.rules import Source

#: Position of this module's schemes in scheme lists (after the household, before villages).
ORDER = 35

KEY = "agri_business"

#: The declared attributes, read as indicators too: the form (a category), the land
#: farmed (亩) and the demonstration level (示范社 / 示范家庭农场, a risk order).
AGRI_FORM = AttributeDecl(
    "agri_form",
    "string",
    "经营主体类型",
    "Form",
    choices=("coop", "family_farm"),
    choice_labels=(
        ("coop", "农民专业合作社", "Farmers' co-operative"),
        ("family_farm", "家庭农场", "Family farm"),
    ),
)
LAND_MU = AttributeDecl("land_mu", "number", "经营面积（亩）", "Land farmed (mu)")
DEMONSTRATION_LEVEL = AttributeDecl(
    "demonstration_level",
    "string",
    "示范社（示范家庭农场）级别",
    "Demonstration level",
    choices=("none", "county", "city", "province"),
    choice_labels=(
        ("none", "非示范", "Not a demonstration"),
        ("county", "县级示范", "County demonstration"),
        ("city", "市级示范", "City demonstration"),
        ("province", "省级示范", "Provincial demonstration"),
    ),
)

SUBJECT_TYPES = (
    SubjectType(
        KEY,
        "新型农业经营主体",
        "New agricultural business",
        # GB 32100: 93 农民专业合作社; family farms registered as 个体工商户 (92)
        IdRule("uscc", prefixes=("93", "92")),
        attributes=(AGRI_FORM, LAND_MU, DEMONSTRATION_LEVEL),
        label_zh_long="新型农业经营主体（农民专业合作社、家庭农场）",
        label_en_long="New agricultural business (co-operative, family farm)",
    ),
)

KINDS = (
    RecordKind(
        "product_quality_check",
        "农产品质量安全抽检",
        "Farm product quality check",
        "supervision",
        "neutral",
        PARTY_ENTERPRISE,
        "agriculture",
        values=("pass", "fail"),
        polarity_by_value={"pass": "positive", "fail": "negative"},
        value_labels={"pass": ("合格", "passed"), "fail": ("不合格", "failed")},
    ),
    RecordKind(
        "land_transfer_contract",
        "土地经营权流转合同",
        "Land transfer contract",
        "rural",
        "neutral",
        PARTY_ANY,  # the household letting its land is a party as much as the tenant
        "agriculture",
        value_num_unit="亩",
        value_num_labels=("亩", "mu"),
    ),
)

BASIC, CREDIT, QUALITY = "基本信息", "信贷信息", "农产品质量安全"
ASSETS, PUBLIC, MEMBERS = "资产与补贴", "公共信用记录", "成员户、所在村与法定代表人"

QUALITY_FAIL = Match(("product_quality_check",), values=("fail",))
DISHONEST = Match(("dishonest_judgment_debtor",))
#: every negative record a business can have here (a failed check is one)
NEGATIVE = replace(household.NEGATIVE, kinds=(*household.NEGATIVE.kinds, "product_quality_check"))
#: a village committee score below the 信用户 bar (DOMAIN.md: below 60 not a 信用户)
LOW_SCORE = Match(("village_assessment",), max_value=59.999)


def _household(dimension: str, *names: str) -> tuple[Indicator, ...]:
    """Household indicators (loans, subsidies, insurance) read the same way here."""
    by_name = {i.name: i for i in household.INDICATORS}
    return tuple(replace(by_name[n], dimension=dimension) for n in names)


def _members(name: str, zh: str, en: str, inner: Records, direction: int, rzh: str, ren: str):
    return _i(name, zh, en, MEMBERS, Related("coop_member", inner), direction, "户", rzh, ren)


INDICATORS: tuple[Indicator, ...] = (
    # 基本信息
    _i(
        "age_years",
        "成立年限",
        "Years since registration",
        BASIC,
        Attribute("established_on", "years_since"),
        DOWN,
        "年",
        "成立{value}",
        "registered {value} ago",
    ),
    _i(
        "agri_form",
        "经营主体类型",
        "Form",
        BASIC,
        DeclaredAttribute(AGRI_FORM),
        NEUTRAL,
        "",
        "经营主体类型：{value}",
        "form: {value}",
    ),
    _i(
        "land_mu",
        "经营面积",
        "Land farmed",
        BASIC,
        DeclaredAttribute(LAND_MU),
        NEUTRAL,
        "亩",
        "经营面积{value}亩",
        "{value} mu farmed",
    ),
    # 示范社 / 示范家庭农场: a level recognised by the county, city or province (seed 001
    # 七(三) 农村信用体系建设工程 puts the co-operatives and family farms at the centre of
    # the rural credit database); a higher level is the safer, no level the riskiest
    _i(
        "demonstration_level",
        "示范社（示范家庭农场）级别",
        "Demonstration level",
        BASIC,
        DeclaredAttribute(DEMONSTRATION_LEVEL),
        UP,
        "",
        "示范级别：{value}",
        "demonstration level: {value}",
        order=("province", "city", "county", "none"),
    ),
    # 信贷信息 (read as the household scheme reads them; the loan book at the date too)
    *_household(
        CREDIT,
        "loans_outstanding",
        "loans_24m",
        "loans_repaid_12m",
        "loan_overdue_12m",
        "loan_overdue_24m",
        "loan_overdue_3m",
        "max_dpd_24m",
        "days_since_overdue",
        "overdue_months_12m",
        "defaults_24m",
        "overdue_open_now",
        "npl_amount_now",
    ),
    # 农产品质量安全
    _i(
        "quality_fails_24m",
        "近24个月农产品质量安全抽检不合格次数",
        "Failed farm product quality checks, 24 months",
        QUALITY,
        Records(QUALITY_FAIL, "count", 24),
        UP,
        "次",
        "近{window}个月农产品质量安全抽检不合格{value}次",
        "{value} failed product quality checks in {window} months",
    ),
    _i(
        "quality_passes_24m",
        "近24个月农产品质量安全抽检合格次数",
        "Passed farm product quality checks, 24 months",
        QUALITY,
        Records(Match(("product_quality_check",), values=("pass",)), "count", 24),
        NEUTRAL,  # also how often the business was sampled
        "次",
        "近{window}个月农产品质量安全抽检合格{value}次",
        "{value} passed product quality checks in {window} months",
    ),
    _i(
        "days_since_quality_fail",
        "距最近一次抽检不合格天数",
        "Days since the last failed quality check",
        QUALITY,
        Records(QUALITY_FAIL, "days_since", 24),
        DOWN,
        "天",
        "距最近一次农产品质量安全抽检不合格{value}天",
        "{value} days since the last failed quality check",
        **_none_in("农产品质量安全抽检不合格", "failed quality check"),
    ),
    # 资产与补贴 (主体资产和权益登记)
    _i(
        "land_transferred_now",
        "在期土地流转面积",
        "Land under transfer contracts now",
        ASSETS,
        Records(Match(("land_transfer_contract",)), "sum_value"),
        NEUTRAL,
        "亩",
        "在期土地流转合同{value}亩",
        "{value} mu under land transfer contracts",
    ),
    *_household(ASSETS, "subsidy_12m", "insured_24m", "insured_amount_now"),
    # 公共信用记录
    penalty_count(PUBLIC),
    *as_dimension(PUBLIC, "dishonest_now", "court_judgments_24m"),
    *negative_history(PUBLIC, NEGATIVE, "negative_records_24m"),
    # 成员户 (co-operatives only: a family farm has no members) and the legal representative
    _members(
        "members_on_record",
        "近18个月参加村两委评议的成员户数",
        "Member households assessed by the village committee, 18 months",
        Records(Match(("village_assessment",)), "count", 18),
        NEUTRAL,
        "成员户中{value}户近{window}个月参加村两委评议",
        "{value} member households assessed in {window} months",
    ),
    _members(
        "members_overdue_24m",
        "近24个月有贷款逾期的成员户数",
        "Member households with loan arrears, 24 months",
        Records(household.OVERDUE, "count", 24),
        UP,
        "{value}户成员户近{window}个月有贷款逾期",
        "{value} member households with loan arrears in {window} months",
    ),
    _i(
        "members_overdue_share",
        "近24个月有贷款逾期的成员户占比",
        "Share of member households with loan arrears, 24 months",
        MEMBERS,
        Derived("ratio", "members_overdue_24m", "members_on_record"),
        UP,
        "%",
        "成员户中近24个月有贷款逾期的占{value}",
        "{value} of the member households had loan arrears in 24 months",
        display="share",
    ),
    _members(
        "members_default_24m",
        "近24个月有逾期90天以上贷款的成员户数",
        "Member households with loans 90+ days past due, 24 months",
        Records(household.DEFAULT, "count", 24),
        UP,
        "{value}户成员户近{window}个月有逾期90天以上的贷款",
        "{value} member households with loans 90+ days past due in {window} months",
    ),
    _members(
        "members_low_score_18m",
        "近18个月村两委评议不足60分的成员户数",
        "Member households with a village score below 60, 18 months",
        Records(LOW_SCORE, "count", 18),
        UP,
        "{value}户成员户近{window}个月村两委评议不足60分（不能评为信用户）",
        "{value} member households scored below 60 by the village committee in {window} months",
    ),
    _members(
        "members_negative_24m",
        "近24个月有失信记录的成员户数",
        "Member households with negative records, 24 months",
        Records(household.NEGATIVE, "count", 24),
        UP,
        "{value}户成员户近{window}个月有失信记录",
        "{value} member households with negative records in {window} months",
    ),
    _members(
        "members_dishonest_now",
        "列入失信被执行人的成员户数",
        "Member households on the dishonest judgment debtor list",
        Records(DISHONEST, "count"),
        UP,
        "{value}户成员户列入失信被执行人",
        "{value} member households on the dishonest-debtor list",
    ),
    # the village the business farms in: its households' arrears (the 信用村 criterion
    # 无拖欠贷款农户占比 read over 24 months) — the village's credit culture
    _i(
        "village_households_on_record",
        "所在村近18个月参加村两委评议的农户数",
        "Households of the village assessed, 18 months",
        MEMBERS,
        Related("village_households", Records(Match(("village_assessment",)), "count", 18)),
        NEUTRAL,
        "户",
        "所在村{value}户农户近{window}个月参加村两委评议",
        "{value} households of the village assessed in {window} months",
    ),
    _i(
        "village_households_overdue_24m",
        "所在村近24个月有贷款逾期的农户数",
        "Households of the village with loan arrears, 24 months",
        MEMBERS,
        Related("village_households", Records(household.OVERDUE, "count", 24)),
        UP,
        "户",
        "所在村{value}户农户近{window}个月有贷款逾期",
        "{value} households of the village with loan arrears in {window} months",
    ),
    _i(
        "village_overdue_share",
        "所在村近24个月有贷款逾期的农户占比",
        "Share of the village's households with loan arrears, 24 months",
        MEMBERS,
        Derived("ratio", "village_households_overdue_24m", "village_households_on_record"),
        UP,
        "%",
        "所在村近24个月有贷款逾期的农户占{value}",
        "{value} of the village's households had loan arrears in 24 months",
        display="share",
    ),
    _i(
        "rep_overdue_24m",
        "法定代表人近24个月个人贷款逾期次数",
        "Legal representative's loan arrears, 24 months",
        MEMBERS,
        Related("legal_rep", Records(household.OVERDUE, "count", 24)),
        UP,
        "次",
        "法定代表人（经营者）近{window}个月个人贷款逾期{value}次",
        "the legal representative had {value} loan arrears in {window} months",
    ),
    _i(
        "rep_village_score",
        "法定代表人所在农户最近村两委评议得分",
        "Legal representative's household: latest village committee score",
        MEMBERS,
        Related("legal_rep", Records(Match(("village_assessment",)), "latest_value", 18)),
        DOWN,
        "分",
        "法定代表人（经营者）所在农户村两委评议{value}分",
        "the legal representative's household scored {value} by the village committee",
        missing_zh="法定代表人（经营者）近{window}个月无村两委评议",
        missing_en="no village committee assessment of the legal representative in {window} months",
        missing_rank="worst",
        short_history=True,  # a state at the date: the latest yearly assessment
    ),
    *as_dimension(MEMBERS, "rep_dishonest_now", "rep_negative_24m"),
)

SOURCES = (
    Source(
        "社会信用体系建设规划（seed 001）",
        "七(三) 农村信用体系建设工程：以农民专业合作社、家庭农场等新型农业经营主体为重点，"
        "纳入基本信息、信贷信息、农产品质量安全信息、主体资产和权益登记等信息",
    ),
    Source(
        "曲靖市社会信用体系建设实施意见（seed 000）",
        "五(四)3 农村信用体系建设工程；二(二)3(1) 新型农业经营主体信用信息数据库",
    ),
    Source(
        "DOMAIN.md 农村信用（信用户/信用村）",
        "成员户村两委评议不足60分不评为信用户；等级划分与等级上限为建议值",
        proposal=True,
    ),
)

SCHEME = Scheme(
    key=KEY,
    label_zh="新型农业经营主体信用评价",
    label_en="New agricultural business rating",
    population=Population(KEY, requires_kind="loan"),
    indicators=INDICATORS,
    target=Target(
        (household.DEFAULT,),
        description_zh="12个月内出现逾期90天以上的贷款",
        description_en="a loan 90+ days past due within 12 months",
    ),
    dimensions=(BASIC, CREDIT, QUALITY, ASSETS, PUBLIC, MEMBERS),
    sources=SOURCES,
)
