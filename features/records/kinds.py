"""The catalogue of record kinds departments push to the platform.

Each kind fixes its domain, default polarity, which identifiers it may be
about, which severity tiers it allows and which text values it takes. The
catalogue drives ingestion checks, the synthetic city and the indicator
declarations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from features import registry


@dataclass(frozen=True)
class Department:
    """A source department."""

    key: str
    label_zh: str
    label_en: str


#: The departments built into the platform; :func:`all_departments` adds declared ones.
BUILTIN_DEPARTMENTS: dict[str, Department] = {
    d.key: d
    for d in (
        Department("samr", "市场监督管理局", "Market Regulation"),
        Department("tax", "税务局", "Taxation"),
        Department("hrss", "人力资源和社会保障局", "Human Resources and Social Security"),
        Department("housing_fund", "住房公积金管理中心", "Housing Provident Fund"),
        Department("court", "人民法院", "People's Court"),
        Department("utility", "供电、供水、燃气企业", "Utilities"),
        Department("bank", "银行业金融机构", "Banks"),
        Department("transport", "交通运输局", "Transport"),
        Department("traffic_police", "公安交通管理部门", "Traffic Police"),
        Department("environment", "生态环境局", "Ecology and Environment"),
        Department("emergency", "应急管理局", "Emergency Management"),
        Department("agriculture", "农业农村局", "Agriculture and Rural Affairs"),
        Department("insurance", "保险机构", "Insurers"),
        Department("ndrc", "发展和改革委员会（信用办）", "Development and Reform (credit office)"),
        Department("public_resources", "公共资源交易中心", "Public Resources Trading"),
        Department("village_committee", "村民委员会", "Village Committee"),
    )
}

#: Which identifiers a record kind may be about.
PARTY_ENTERPRISE = "enterprise"
PARTY_PERSON = "person"
PARTY_ANY = "any"


@dataclass(frozen=True)
class RecordKind:
    """One kind of shared credit record.

    Attributes
    ----------
    key, label_zh, label_en
        Identifier and labels.
    domain
        Business domain (registration, supervision, judicial, tax…).
    polarity
        Default polarity; ``polarity_by_value`` overrides it per ``value_text``.
    party
        ``enterprise`` (USCC), ``person`` (ID number) or ``any``.
    severities
        Allowed severity tiers; empty means severity must be null.
    severity_required
        Whether a record must carry a severity.
    values
        Allowed ``value_text`` values (empty: free text).
    value_num_unit
        What ``value_num`` measures (empty: unused).
    dept
        The department that usually sends it.
    value_labels
        ``value_text`` code → (Chinese, English) of a declared kind (the built-in
        kinds' labels are in :data:`features.records.values.KIND_VALUES`): a page
        never shows a declared kind's code.
    value_num_labels
        (Chinese, English) unit of ``value_num`` of a declared kind (学时, hours).
    """

    key: str
    label_zh: str
    label_en: str
    domain: str
    polarity: str
    party: str
    dept: str
    severities: tuple[str, ...] = ()
    severity_required: bool = False
    values: tuple[str, ...] = ()
    value_num_unit: str = ""
    polarity_by_value: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, tuple[str, str]] = field(default_factory=dict)
    value_num_labels: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        unlabelled = set(self.value_labels) - set(self.values)
        if unlabelled:
            raise ValueError(f"kind {self.key}: labels for values it does not take: {unlabelled}")

    def polarity_for(self, value_text: str | None) -> str:
        """Polarity of a record of this kind with ``value_text``."""
        return self.polarity_by_value.get(value_text or "", self.polarity)


_NEG = ("minor", "general", "serious")
_ALL_SECTORS = (
    "food",
    "drug",
    "special_equipment",
    "work_safety",
    "fire",
    "environment",
    "tax",
    "labour",
    "transport",
    "construction",
    "price",
    "quality",
    "other",
)

#: The record kinds built into the platform; :func:`all_kinds` adds declared ones.
BUILTIN_KINDS: dict[str, RecordKind] = {
    k.key: k
    for k in (
        # registration and supervision (双公示, lists)
        RecordKind(
            "administrative_licence",
            "行政许可",
            "Administrative licence",
            "registration",
            "neutral",
            PARTY_ANY,
            "samr",
        ),
        RecordKind(
            "administrative_penalty",
            "行政处罚",
            "Administrative penalty",
            "supervision",
            "negative",
            PARTY_ANY,
            "samr",
            _NEG,
            True,
            _ALL_SECTORS,
        ),
        RecordKind(
            "abnormal_operations_list",
            "经营异常名录",
            "Abnormal operations list",
            "supervision",
            "negative",
            PARTY_ENTERPRISE,
            "samr",
            ("general",),
            True,
            ("annual_report", "unreachable_address", "false_disclosure", "information_concealed"),
        ),
        RecordKind(
            "serious_violation_list",
            "严重违法失信名单",
            "Serious violation list",
            "supervision",
            "negative",
            PARTY_ENTERPRISE,
            "samr",
            ("serious",),
            True,
        ),
        RecordKind(
            "red_list",
            "红名单",
            "Red list",
            "evaluation",
            "positive",
            PARTY_ENTERPRISE,
            "ndrc",
            (),
            False,
            ("contract_honouring", "a_level_taxpayer", "integrity_model"),
        ),
        RecordKind("honour", "荣誉表彰", "Honour", "evaluation", "positive", PARTY_ANY, "ndrc"),
        RecordKind(
            "qualification",
            "资质认证",
            "Qualification",
            "registration",
            "positive",
            PARTY_ENTERPRISE,
            "samr",
            (),
            False,
            ("high_tech", "specialised_sme", "quality_certified", "famous_brand"),
        ),
        RecordKind(
            "bidding_misconduct",
            "招投标违法违规",
            "Bidding misconduct",
            "supervision",
            "negative",
            PARTY_ENTERPRISE,
            "public_resources",
            _NEG,
            True,
        ),
        RecordKind(
            "environmental_rating",
            "环保信用评价",
            "Environmental credit rating",
            "evaluation",
            "neutral",
            PARTY_ENTERPRISE,
            "environment",
            (),
            False,
            ("green", "blue", "yellow", "red", "black"),
            "",
            {"green": "positive", "red": "negative", "black": "negative"},
        ),
        RecordKind(
            "safety_rating",
            "安全生产信用评价",
            "Work safety credit rating",
            "evaluation",
            "neutral",
            PARTY_ENTERPRISE,
            "emergency",
            (),
            False,
            ("A", "B", "C", "D"),
            "",
            {"A": "positive", "C": "negative", "D": "negative"},
        ),
        RecordKind(
            "credit_commitment",
            "信用承诺",
            "Credit commitment",
            "commitment",
            "neutral",
            PARTY_ANY,
            "ndrc",
            (),
            False,
            ("made", "kept", "broken"),
            "",
            {"kept": "positive", "broken": "negative"},
        ),
        # judicial
        RecordKind(
            "dishonest_judgment_debtor",
            "失信被执行人",
            "Dishonest judgment debtor",
            "judicial",
            "negative",
            PARTY_ANY,
            "court",
            ("serious",),
            True,
        ),
        RecordKind(
            "court_judgment",
            "涉诉判决",
            "Court judgment",
            "judicial",
            "negative",
            PARTY_ANY,
            "court",
            ("minor", "general"),
            False,
            ("contract", "debt", "labour", "tort", "other"),
        ),
        # tax and social insurance
        RecordKind(
            "tax_credit_level",
            "纳税信用级别",
            "Tax credit level",
            "tax",
            "neutral",
            PARTY_ENTERPRISE,
            "tax",
            (),
            False,
            ("A", "B", "M", "C", "D"),
            "",
            {"A": "positive", "C": "negative", "D": "negative"},
        ),
        RecordKind("tax_paid", "纳税额", "Tax paid", "tax", "neutral", PARTY_ENTERPRISE, "tax"),
        RecordKind(
            "tax_arrears",
            "欠税",
            "Tax arrears",
            "tax",
            "negative",
            PARTY_ENTERPRISE,
            "tax",
            ("minor", "general", "serious"),
            True,
        ),
        RecordKind(
            "social_insurance_headcount",
            "社保参保人数",
            "Social insurance headcount",
            "social_insurance",
            "neutral",
            PARTY_ENTERPRISE,
            "hrss",
            value_num_unit="人",
        ),
        RecordKind(
            "social_insurance_arrears",
            "欠缴社保",
            "Social insurance arrears",
            "social_insurance",
            "negative",
            PARTY_ENTERPRISE,
            "hrss",
            ("minor", "general"),
            True,
        ),
        RecordKind(
            "wage_arrears",
            "拖欠工资",
            "Wage arrears",
            "social_insurance",
            "negative",
            PARTY_ENTERPRISE,
            "hrss",
            ("general", "serious"),
            True,
        ),
        RecordKind(
            "housing_fund",
            "公积金缴存",
            "Housing fund contributions",
            "social_insurance",
            "neutral",
            PARTY_ENTERPRISE,
            "housing_fund",
            value_num_unit="人",
        ),
        # utilities
        RecordKind(
            "utility_consumption",
            "水电气用量",
            "Utility consumption",
            "utilities",
            "neutral",
            PARTY_ANY,
            "utility",
            (),
            False,
            ("electricity", "water", "gas"),
            "kWh / t / m³",
        ),
        RecordKind(
            "utility_arrears",
            "水电气欠费",
            "Utility arrears",
            "utilities",
            "negative",
            PARTY_ANY,
            "utility",
            ("minor",),
            True,
            ("electricity", "water", "gas"),
        ),
        # finance
        RecordKind(
            "loan",
            "贷款发放",
            "Loan granted",
            "finance",
            "neutral",
            PARTY_ANY,
            "bank",
            value_num_unit="months",
        ),
        RecordKind(
            "loan_overdue",
            "贷款逾期",
            "Loan past due",
            "finance",
            "negative",
            PARTY_ANY,
            "bank",
            ("minor", "general", "serious"),
            False,
            value_num_unit="days",
        ),
        RecordKind(
            "loan_repaid", "贷款结清", "Loan repaid", "finance", "positive", PARTY_ANY, "bank"
        ),
        # transport
        RecordKind(
            "traffic_violation",
            "交通违法",
            "Traffic violation",
            "transport",
            "negative",
            PARTY_PERSON,
            "traffic_police",
            ("minor", "general", "serious"),
            False,
            value_num_unit="记分",
        ),
        RecordKind(
            "traffic_accident",
            "交通事故",
            "Traffic accident",
            "transport",
            "negative",
            PARTY_PERSON,
            "traffic_police",
            ("minor", "general", "serious"),
            False,
            ("full", "major", "equal", "minor", "none"),
            "",
            {"none": "neutral"},
        ),
        RecordKind(
            "passenger_complaint",
            "乘客投诉",
            "Passenger complaint",
            "transport",
            "negative",
            PARTY_PERSON,
            "transport",
            ("minor",),
            False,
            ("refusal", "overcharging", "detour", "attitude"),
        ),
        RecordKind(
            "overloading",
            "超限超载",
            "Overloading",
            "transport",
            "negative",
            PARTY_ANY,
            "transport",
            ("minor", "general", "serious"),
            False,
            value_num_unit="%",
        ),
        # rural
        RecordKind(
            "village_assessment",
            "村两委评议",
            "Village committee assessment",
            "rural",
            "neutral",
            PARTY_PERSON,
            "village_committee",
            value_num_unit="分",
        ),
        RecordKind(
            "agricultural_insurance",
            "农业保险",
            "Agricultural insurance",
            "rural",
            "positive",
            PARTY_PERSON,
            "insurance",
        ),
        RecordKind(
            "agricultural_subsidy",
            "农业补贴",
            "Agricultural subsidy",
            "rural",
            "neutral",
            PARTY_PERSON,
            "agriculture",
        ),
    )
}


def kind(key: str) -> RecordKind:
    """Return the record kind called ``key``."""
    try:
        return all_kinds()[key]
    except KeyError:
        raise KeyError(f"unknown record kind {key!r}") from None


def all_kinds() -> dict[str, RecordKind]:
    """The built-in record kinds followed by those declared in the active registry."""
    return {**BUILTIN_KINDS, **registry.active().kinds()}


def all_departments() -> dict[str, Department]:
    """The built-in departments followed by those declared in the active registry."""
    return {**BUILTIN_DEPARTMENTS, **registry.active().departments()}


@registry.on_build
def _no_clash_with_builtins(reg: registry.Registry) -> None:
    """A declared kind or department may not reuse a built-in key."""
    for what, declared, builtin in (
        ("record kind", reg.kinds(), BUILTIN_KINDS),
        ("department", reg.departments(), BUILTIN_DEPARTMENTS),
    ):
        for key in declared:
            if key in builtin:
                raise registry.RegistryError(
                    f"duplicate {what} {key!r}: declared in {reg.origin_of(what.split()[-1], key)} "
                    "and built into features.records.kinds"
                )


def __getattr__(name: str) -> dict:
    # ``KINDS`` and ``DEPARTMENTS`` keep working for existing importers, read from
    # the active registry when asked (a ``from … import KINDS`` binds them then).
    if name == "KINDS":
        return all_kinds()
    if name == "DEPARTMENTS":
        return all_departments()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
