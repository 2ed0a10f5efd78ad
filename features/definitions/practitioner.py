"""Key-profession practitioners (重点职业人群执业人员): tour guides, physicians, teachers…

The seeds ask for the credit records of the key professions and for professional
credit reports (seed 000 五(四)2 "加强…律师、会计师…医务人员、项目经理…导游等职业资格重点
涉信人群的职业道德建设"; seed 001 四(十) "健全…律师、会计从业人员、注册会计师…医务人员、
教师…导游…等人员信用记录，建立推广使用职业信用报告"; seed 003 五(五) "加强重点人群职业信用
建设…律师、会计师…医务人员、教师、项目经理、导游等人员信用档案"). A practitioner is a
person identified by the 居民身份证号码 (masked wherever a masked role reads it), whose
profession is a declared attribute; the records are the supervising department's:
licence status and registration, conduct violations, the sector's own black list,
service complaints and continuing education; the employer and the firms the person
legally represents reach the rating through the declared links.

Target: a general or serious conduct violation, a licence suspended or revoked, a
listing on the profession's black list, or a 失信被执行人 listing within 12 months.
The sector black lists (旅游市场黑名单, seed 001 四(十)) override the model in the
scale (``models/scales/practitioner.toml``).
"""

from __future__ import annotations

from dataclasses import replace

from features.declare import AttributeDecl, SubjectType
from features.definitions.common_indicators import negative_history
from features.definitions.driver import INDICATORS as DRIVER_INDICATORS
from features.definitions.enterprise import _i, _none_in, as_dimension
from features.definitions.household import people_behind_firms
from features.dsl import (
    DOWN,
    NEUTRAL,
    UP,
    Attribute,
    DeclaredAttribute,
    Indicator,
    Match,
    Population,
    Records,
    Scheme,
    Target,
)
from features.records.ids import ID_NUMBER
from features.records.kinds import PARTY_PERSON, RecordKind
from features.rules import Source

#: Position of this module's schemes in scheme lists (features.registry).
ORDER = 45

#: The professions the seeds name, with their labels (seed 001 四(十), 003 五(五)).
PROFESSIONS: dict[str, tuple[str, str]] = {
    "tour_guide": ("导游", "Tour guide"),
    "physician": ("医师", "Physician"),
    "teacher": ("教师", "Teacher"),
    "lawyer": ("律师", "Lawyer"),
    "accountant": ("注册会计师", "Certified public accountant"),
    "pharmacist": ("执业药师", "Licensed pharmacist"),
    "engineer": ("注册工程师", "Registered engineer"),
}

#: The declared profession: an attribute of the subject type, and an indicator (a category).
PROFESSION = AttributeDecl(
    "profession",
    "string",
    "职业",
    "Profession",
    tuple(PROFESSIONS),
    choice_labels=tuple((k, zh, en) for k, (zh, en) in PROFESSIONS.items()),
)

SUBJECT_TYPES = (
    SubjectType(
        "practitioner",
        "执业人员",
        "Practitioner",
        ID_NUMBER,
        attributes=(PROFESSION,),
        label_en_long="Key-profession practitioner",
        label_zh_long="重点职业人群执业人员",
    ),
)

KINDS = (
    RecordKind(
        "conduct_violation",
        "执业违规行为",
        "Professional conduct violation",
        "supervision",
        "negative",
        PARTY_PERSON,
        "health",
        ("minor", "general", "serious"),
        True,
    ),
    RecordKind(
        "practice_licence",
        "执业证书状态",
        "Practice licence status",
        "registration",
        "neutral",
        PARTY_PERSON,
        "health",
        values=("granted", "renewed", "suspended", "revoked"),
        polarity_by_value={"suspended": "negative", "revoked": "negative"},
        value_labels={
            "granted": ("取得执业证书", "licence granted"),
            "renewed": ("执业证书延续", "licence renewed"),
            "suspended": ("暂停执业", "licence suspended"),
            "revoked": ("吊销执业证书", "licence revoked"),
        },
    ),
    RecordKind(
        "profession_blacklist",
        "行业黑名单",
        "Profession black list",
        "supervision",
        "negative",
        PARTY_PERSON,
        "culture_tourism",
        ("serious",),
        True,
    ),
    RecordKind(
        "service_complaint",
        "执业服务投诉",
        "Service complaint",
        "service",
        "neutral",
        PARTY_PERSON,
        "health",
        values=("upheld", "rejected"),
        polarity_by_value={"upheld": "negative"},
        value_labels={
            "upheld": ("投诉经核查属实", "upheld"),
            "rejected": ("投诉经核查不属实", "not upheld"),
        },
    ),
    RecordKind(
        "continuing_education",
        "继续教育",
        "Continuing education",
        "qualification",
        "neutral",
        PARTY_PERSON,
        "hrss",
        values=("completed", "shortfall"),
        value_num_unit="学时",
        polarity_by_value={"completed": "positive", "shortfall": "negative"},
        value_labels={
            "completed": ("完成年度继续教育学时", "completed the year's hours"),
            "shortfall": ("年度继续教育学时不足", "short of the year's hours"),
        },
        value_num_labels=("学时", "hours"),
    ),
    RecordKind(
        "practice_registration",
        "执业注册",
        "Practice registration",
        "registration",
        "neutral",
        PARTY_PERSON,
        "hrss",
        values=("initial", "change", "cancelled"),
        value_labels={
            "initial": ("首次注册", "first registration"),
            "change": ("变更执业机构", "change of practice"),
            "cancelled": ("注销注册", "registration cancelled"),
        },
    ),
)

CREDENTIAL, CONDUCT, SERVICE, PUBLIC, RELATED = (
    "执业资格",
    "执业行为",
    "服务评价",
    "公共信用",
    "关联关系",
)

VIOLATION = Match(("conduct_violation",))
VIOLATION_GS = Match(("conduct_violation",), severities=("general", "serious"))
LICENCE_LOST = Match(("practice_licence",), values=("suspended", "revoked"))
BLACKLIST = Match(("profession_blacklist",))
UPHELD = Match(("service_complaint",), values=("upheld",))
CE_SHORT = Match(("continuing_education",), values=("shortfall",))
CE_DONE = Match(("continuing_education",), values=("completed",))
#: every negative record a practitioner can have (polarity by value: a complaint upheld,
#: a licence suspended or revoked, a continuing-education shortfall)
NEGATIVE = Match(
    (
        "conduct_violation",
        "practice_licence",
        "profession_blacklist",
        "service_complaint",
        "continuing_education",
        "dishonest_judgment_debtor",
    ),
    polarity="negative",
)

_DRIVER = {i.name: i for i in DRIVER_INDICATORS}


def _employer(*names: str) -> tuple[Indicator, ...]:
    """The driver scheme's employer indicators, one meaning wherever they are read."""
    return tuple(replace(_DRIVER[n], dimension=RELATED) for n in names)


INDICATORS: tuple[Indicator, ...] = (
    # 执业资格: how long licensed, the licence's state, continuing education
    _i(
        "years_practising",
        "执业年限",
        "Years in practice",
        CREDENTIAL,
        Attribute("established_on", "years_since"),
        DOWN,
        "年",
        "执业{value}",
        "in practice for {value}",
    ),
    # the profession: the seeds keep each profession's own credit file (seed 001 四(十)),
    # and the professions' conduct risks differ; a category, no risk order
    _i(
        "profession",
        "职业",
        "Profession",
        CREDENTIAL,
        DeclaredAttribute(PROFESSION),
        NEUTRAL,
        "",
        "职业：{value}",
        "profession: {value}",
    ),
    _i(
        "licence_suspended_now",
        "执业证书被暂停或吊销（仍在公示期）",
        "Licence suspended or revoked, in force",
        CREDENTIAL,
        Records(LICENCE_LOST, "count"),
        UP,
        "次",
        "执业证书被暂停执业或吊销{value}次，仍在公示期内",
        "licence suspended or revoked {value} times, still published",
    ),
    _i(
        "licence_revoked_now",
        "执业证书被吊销（仍在公示期）",
        "Licence revoked, in force",
        CREDENTIAL,
        Records(Match(("practice_licence",), values=("revoked",)), "count"),
        UP,
        "次",
        "执业证书被吊销{value}次，仍在公示期内",
        "licence revoked {value} times, still published",
    ),
    _i(
        "ce_shortfall_12m",
        "近12个月继续教育学时不足次数",
        "Continuing-education shortfalls, 12 months",
        CREDENTIAL,
        # a shortfall is published for 12 months: a longer window reads the same
        Records(CE_SHORT, "count", 12),
        UP,
        "次",
        "近{window}个月有{value}条继续教育学时不足记录",
        "{value} continuing-education shortfalls in {window} months",
    ),
    _i(
        "ce_hours_latest",
        "最近一年度继续教育学时",
        "Continuing-education hours, latest year",
        CREDENTIAL,
        Records(CE_DONE, "latest_value", 18),
        DOWN,
        "学时",
        "最近一年度完成继续教育{value}学时",
        "{value} continuing-education hours in the latest year",
        missing_zh="近{window}个月无完成继续教育学时的记录",
        missing_en="no completed continuing education in {window} months",
        missing_rank="worst",
        short_history=True,  # a state at the date: the latest yearly record
    ),
    _i(
        "ce_completed_24m",
        "近24个月完成年度继续教育次数",
        "Years of continuing education completed, 24 months",
        CREDENTIAL,
        Records(CE_DONE, "count", 24),
        DOWN,
        "次",
        "近{window}个月完成年度继续教育{value}次",
        "{value} years of continuing education completed in {window} months",
    ),
    _i(
        "registration_changes_24m",
        "近24个月变更执业机构次数",
        "Changes of practice, 24 months",
        CREDENTIAL,
        Records(Match(("practice_registration",), values=("change",)), "count", 24),
        NEUTRAL,
        "次",
        "近{window}个月变更执业机构{value}次",
        "{value} changes of practice in {window} months",
    ),
    # 执业行为: conduct violations and the sector's black list
    _i(
        "violations_12m",
        "近12个月执业违规次数",
        "Conduct violations, 12 months",
        CONDUCT,
        Records(VIOLATION, "count", 12),
        UP,
        "次",
        "近{window}个月有执业违规行为{value}次",
        "{value} conduct violations in {window} months",
    ),
    _i(
        "violations_gs_24m",
        "近24个月一般及以上执业违规次数",
        "General or serious conduct violations, 24 months",
        CONDUCT,
        Records(VIOLATION_GS, "count", 24),
        UP,
        "次",
        "近{window}个月有一般及以上执业违规行为{value}次",
        "{value} general or serious conduct violations in {window} months",
    ),
    _i(
        "violations_weighted_24m",
        "近24个月执业违规（按严重程度加权）",
        "Conduct violations weighted by severity, 24 months",
        CONDUCT,
        Records(VIOLATION, "weighted", 24),
        UP,
        "分",
        "近{window}个月执业违规按严重程度加权计{value}分",
        "conduct violations in {window} months weigh {value} by severity",
    ),
    _i(
        "violation_months_24m",
        "近24个月有执业违规的月份数",
        "Months with a conduct violation, 24 months",
        CONDUCT,
        Records(VIOLATION, "distinct_months", 24),
        UP,
        "个月",
        "近{window}个月中有{value}个月有执业违规行为",
        "conduct violations in {value} of the last {window} months",
    ),
    _i(
        "days_since_violation",
        "距最近一次执业违规天数",
        "Days since the last conduct violation",
        CONDUCT,
        Records(VIOLATION, "days_since", 24),
        DOWN,
        "天",
        "距最近一次执业违规{value}天",
        "{value} days since the last conduct violation",
        **_none_in("执业违规行为", "conduct violation"),
    ),
    _i(
        "blacklisted_now",
        "列入行业黑名单",
        "On the profession's black list",
        CONDUCT,
        Records(BLACKLIST, "count"),
        UP,
        "条",
        "列入行业黑名单{value}条，仍在公示期内",
        "{value} black-list entries in force",
    ),
    # 服务评价: complaints upheld, honours
    _i(
        "complaints_upheld_12m",
        "近12个月经核查属实的服务投诉",
        "Complaints upheld, 12 months",
        SERVICE,
        Records(UPHELD, "count", 12),
        UP,
        "次",
        "近{window}个月有{value}次服务投诉经核查属实",
        "{value} complaints upheld in {window} months",
    ),
    _i(
        "honours_24m",
        "近24个月获得表彰次数",
        "Honours, 24 months",
        SERVICE,
        Records(Match(("honour",)), "count", 24),
        DOWN,
        "次",
        "近{window}个月获得表彰{value}次",
        "{value} honours in {window} months",
    ),
    # 公共信用: the person's own court listing, and the breadth of the negative record
    *as_dimension(PUBLIC, "dishonest_now"),
    *negative_history(PUBLIC, NEGATIVE, "negative_records_24m"),
    # 关联关系: the employer's records, and the firms the person legally represents or
    # that name the person on a blacklisting (seed 002 #12)
    *_employer("employer_penalties_24m", "employer_listed", "employer_negative_12m"),
    *people_behind_firms(RELATED),
)

SOURCES = (
    Source(
        "seed 000 曲靖市社会信用体系建设规划纲要实施意见",
        "五(四)2 加强…律师、会计师…医务人员、项目经理…导游等职业资格重点涉信人群的职业道德建设",
    ),
    Source(
        "seed 001 濮阳市“十三五”社会信用体系建设规划",
        "四(十) 健全…律师、会计从业人员、注册会计师…医务人员、教师…导游…等人员信用记录，"
        "建立推广使用职业信用报告",
    ),
    Source(
        "seed 003 社会信用体系建设规划(2018-2020年)",
        "五(五) 实施重点人群诚信建设工程：律师、会计师…医务人员、教师、项目经理、导游等"
        "人员信用档案",
    ),
    Source(
        "文化和旅游部《旅游市场黑名单管理办法(试行)》（2018）",
        "吊销导游证、人民法院认定的失信被执行人列入旅游市场黑名单，实施联合惩戒",
    ),
    Source(
        "DOMAIN.md 行业和职业记分规则",
        "执业证书状态、执业违规、投诉；行业黑名单优先于模型；等级与覆盖规则",
        proposal=True,
    ),
)

SCHEME = Scheme(
    key="practitioner",
    label_zh="重点职业人群执业信用评价",
    label_en="Key-profession practitioner rating",
    population=Population("practitioner"),
    indicators=INDICATORS,
    target=Target(
        (VIOLATION_GS, LICENCE_LOST, BLACKLIST, Match(("dishonest_judgment_debtor",))),
        description_zh="12个月内发生一般及以上执业违规、被暂停执业或吊销执业证书、"
        "列入行业黑名单或成为失信被执行人",
        description_en="within 12 months: a general or serious conduct violation, a licence "
        "suspended or revoked, a profession black-list entry or a dishonest judgment debtor "
        "listing",
    ),
    dimensions=(CREDENTIAL, CONDUCT, SERVICE, PUBLIC, RELATED),
    sources=SOURCES,
)
