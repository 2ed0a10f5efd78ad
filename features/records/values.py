"""Coded values as people read them: code → (Chinese, English).

The store keeps codes (``small``, ``I``, ``general``, ``electricity``…) so that
departments, engines and models agree on them; whatever is shown to a person —
a page, a report, a reason sentence, an export — goes through :func:`value_label`
so that a Chinese page reads 小型, 信息传输、软件和信息技术服务业, 一般, 电 and never
the code. One table per coded column or record kind's ``value_text``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

Labels = Mapping[str, tuple[str, str]]

#: GB/T 4754-2017 国民经济行业分类, sections (门类) A–T.
INDUSTRY_SECTIONS: Labels = {
    "A": ("农、林、牧、渔业", "Agriculture, forestry, animal husbandry and fishery"),
    "B": ("采矿业", "Mining"),
    "C": ("制造业", "Manufacturing"),
    "D": ("电力、热力、燃气及水生产和供应业", "Electricity, heat, gas and water supply"),
    "E": ("建筑业", "Construction"),
    "F": ("批发和零售业", "Wholesale and retail trade"),
    "G": ("交通运输、仓储和邮政业", "Transport, storage and post"),
    "H": ("住宿和餐饮业", "Accommodation and catering"),
    "I": ("信息传输、软件和信息技术服务业", "Information transmission, software and IT services"),
    "J": ("金融业", "Finance"),
    "K": ("房地产业", "Real estate"),
    "L": ("租赁和商务服务业", "Leasing and business services"),
    "M": ("科学研究和技术服务业", "Scientific research and technical services"),
    "N": ("水利、环境和公共设施管理业", "Water conservancy, environment and public facilities"),
    "O": ("居民服务、修理和其他服务业", "Resident, repair and other services"),
    "P": ("教育", "Education"),
    "Q": ("卫生和社会工作", "Health and social work"),
    "R": ("文化、体育和娱乐业", "Culture, sports and entertainment"),
    "S": (
        "公共管理、社会保障和社会组织",
        "Public administration, social security and social organisations",
    ),
    "T": ("国际组织", "International organisations"),
}

#: 企业规模 (大型 / 中型 / 小型 / 微型, 统计上大中小微型企业划分办法).
SCALES: Labels = {
    "large": ("大型", "large"),
    "medium": ("中型", "medium"),
    "small": ("小型", "small"),
    "micro": ("微型", "micro"),
}

#: 准驾车型 (GB 机动车驾驶证申领和使用规定): the class code and what it allows.
LICENCE_CLASSES: Labels = {
    "A1": ("A1（大型客车）", "A1 (large bus)"),
    "A2": ("A2（重型牵引挂车）", "A2 (heavy tractor-trailer)"),
    "A3": ("A3（城市公交车）", "A3 (city bus)"),
    "B1": ("B1（中型客车）", "B1 (medium bus)"),
    "B2": ("B2（大型货车）", "B2 (heavy goods vehicle)"),
    "C1": ("C1（小型汽车）", "C1 (car)"),
}


def subject_type_labels() -> Labels:
    """Subject type → (Chinese, English), from the declared types of the active registry.

    The Chinese label is also a spelling ingest accepts for the code.
    """
    from features import registry  # at call time: the registry imports the declarations

    return {k: (t.label_zh, t.label_en) for k, t in registry.active().subject_types().items()}


SUBJECT_STATUSES: Labels = {
    "active": ("存续", "active"),
    "closed": ("注销", "closed"),
    "revoked": ("吊销", "revoked"),
}

#: 失信行为分级.
SEVERITIES: Labels = {
    "minor": ("轻微", "minor"),
    "general": ("一般", "general"),
    "serious": ("严重", "serious"),
}

POLARITIES: Labels = {
    "negative": ("失信", "negative"),
    "positive": ("守信", "positive"),
    "neutral": ("中性", "neutral"),
}

#: The business domain of a record kind (``KINDS[kind].domain``; filled from the kind).
DOMAINS: Labels = {
    "registration": ("登记注册", "registration"),
    "supervision": ("市场监管", "supervision"),
    "judicial": ("司法", "judicial"),
    "tax": ("税务", "tax"),
    "social_insurance": ("社会保险", "social insurance"),
    "finance": ("金融信贷", "finance"),
    "utilities": ("公用事业", "utilities"),
    "transport": ("交通运输", "transport"),
    "commitment": ("信用承诺", "credit commitments"),
    "evaluation": ("信用评价", "credit evaluation"),
    "rural": ("农村信用", "rural credit"),
    "service": ("服务评价", "service"),  # complaints about a practitioner's service
    "qualification": ("执业资格", "qualification"),  # continuing education of practitioners
}

OBJECTION_STATUSES: Labels = {
    "open": ("核查中", "open"),
    "upheld": ("异议成立", "upheld"),
    "rejected": ("异议不成立", "rejected"),
}

REPAIR_STATUSES: Labels = {
    "applied": ("已申请", "applied"),
    "approved": ("已修复", "approved"),
    "rejected": ("未通过", "rejected"),
}

#: ``value_text`` of each built-in record kind that has coded values.
_BUILTIN_KIND_VALUES: Mapping[str, Labels] = {
    "administrative_penalty": {  # the sector a penalty falls in
        "food": ("食品", "food"),
        "drug": ("药品", "drugs"),
        "special_equipment": ("特种设备", "special equipment"),
        "work_safety": ("安全生产", "work safety"),
        "fire": ("消防", "fire safety"),
        "environment": ("生态环境", "environment"),
        "tax": ("税务", "tax"),
        "labour": ("劳动保障", "labour"),
        "transport": ("交通运输", "transport"),
        "construction": ("建设工程", "construction"),
        "price": ("价格", "prices"),
        "quality": ("产品质量", "product quality"),
        "other": ("其他", "other"),
    },
    "abnormal_operations_list": {
        "annual_report": ("未按规定报送年度报告", "annual report not filed"),
        "unreachable_address": ("通过登记的住所无法联系", "unreachable at the registered address"),
        "false_disclosure": ("公示信息隐瞒真实情况、弄虚作假", "false information disclosed"),
        "information_concealed": ("未按规定公示即时信息", "required information not disclosed"),
    },
    "red_list": {
        "contract_honouring": ("守合同重信用企业", "contract-honouring enterprise"),
        "a_level_taxpayer": ("A级纳税人", "A-level taxpayer"),
        "integrity_model": ("诚信示范企业", "integrity model enterprise"),
    },
    "qualification": {
        "high_tech": ("高新技术企业", "high-tech enterprise"),
        "specialised_sme": ("专精特新中小企业", "specialised and innovative SME"),
        "quality_certified": ("质量管理体系认证", "quality-management certified"),
        "famous_brand": ("知名品牌", "famous brand"),
    },
    "environmental_rating": {
        "green": ("绿牌（环保诚信）", "green (environmentally trustworthy)"),
        "blue": ("蓝牌（环保良好）", "blue (good)"),
        "yellow": ("黄牌（环保警示）", "yellow (warning)"),
        "red": ("红牌（环保不良）", "red (poor)"),
        "black": ("黑牌（环保严重失信）", "black (seriously untrustworthy)"),
    },
    "safety_rating": {
        "A": ("A级", "A"),
        "B": ("B级", "B"),
        "C": ("C级", "C"),
        "D": ("D级", "D"),
    },
    "tax_credit_level": {
        "A": ("A级", "A"),
        "B": ("B级", "B"),
        "M": ("M级", "M"),
        "C": ("C级", "C"),
        "D": ("D级", "D"),
    },
    "credit_commitment": {
        "made": ("作出承诺", "made"),
        "kept": ("履行承诺", "kept"),
        "broken": ("违背承诺", "broken"),
    },
    "court_judgment": {
        "contract": ("合同纠纷", "contract dispute"),
        "debt": ("债务纠纷", "debt dispute"),
        "labour": ("劳动争议", "labour dispute"),
        "tort": ("侵权纠纷", "tort"),
        "other": ("其他纠纷", "other dispute"),
    },
    "utility_consumption": {
        "electricity": ("电", "electricity"),
        "water": ("水", "water"),
        "gas": ("燃气", "gas"),
    },
    "utility_arrears": {
        "electricity": ("电费", "electricity"),
        "water": ("水费", "water"),
        "gas": ("燃气费", "gas"),
    },
    "traffic_accident": {
        "full": ("全部责任", "full responsibility"),
        "major": ("主要责任", "major responsibility"),
        "equal": ("同等责任", "equal responsibility"),
        "minor": ("次要责任", "minor responsibility"),
        "none": ("无责任", "no responsibility"),
    },
    "traffic_violation": {  # the generator's one class of violation (积分 counts)
        "safety": ("安全类交通违法", "safety-related violation"),
    },
    "passenger_complaint": {
        "refusal": ("拒载", "refusing passengers"),
        "overcharging": ("多收费", "overcharging"),
        "detour": ("绕道行驶", "detour"),
        "attitude": ("服务态度", "attitude"),
    },
}

#: What ``value_num`` measures, per record kind (``KINDS[kind].value_num_unit`` is the code):
#: a number is shown with its unit, never bare.
VALUE_NUM_UNITS: Mapping[str, tuple[str, str]] = {
    "social_insurance_headcount": ("人", "persons"),
    "housing_fund": ("人", "persons"),
    "loan": ("个月", "months"),
    "loan_overdue": ("天", "days"),
    "traffic_violation": ("分", "points"),
    "overloading": ("%", "%"),
    "village_assessment": ("分", "points"),
}

#: ``utility_consumption`` measures each utility in its own unit (its ``value_text``).
UTILITY_UNITS: Labels = {
    "electricity": ("千瓦时", "kWh"),
    "water": ("吨", "t"),
    "gas": ("立方米", "m³"),
}

#: ``ingest_log``: the table a batch went to, its file format and the generator's source key.
INGEST_TABLES: Labels = {
    "records": ("信用记录", "records"),
    "subjects": ("主体登记信息", "subjects"),
}
FILE_FORMATS: Labels = {
    "csv": ("CSV", "CSV"),
    "parquet": ("Parquet", "Parquet"),
    "xlsx": ("Excel", "Excel"),
    "generated": ("模拟生成", "generated"),
}
SOURCES: Labels = {"synthetic": ("模拟数据生成器", "data generator")}


class _KindValues(Mapping[str, Labels]):
    """``value_text`` labels per kind: the built-in table, then the declared kinds'
    own ``value_labels`` (read from the active registry when asked)."""

    def _all(self) -> dict[str, Labels]:
        from features import registry  # at call time: the registry imports the declarations

        declared = {k: d.value_labels for k, d in registry.active().kinds().items()}
        return {**_BUILTIN_KIND_VALUES, **{k: v for k, v in declared.items() if v}}

    def __getitem__(self, kind: str) -> Labels:
        return self._all()[kind]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


#: ``value_text`` of each record kind that has coded values (built-in and declared).
KIND_VALUES: Mapping[str, Labels] = _KindValues()


class _ColumnValues(Mapping[str, Labels]):
    """The coded columns' labels; ``subject_type`` is read from the declarations when asked."""

    _FIXED: Mapping[str, Labels] = {
        "industry": INDUSTRY_SECTIONS,
        "scale": SCALES,
        "licence_class": LICENCE_CLASSES,
        "severity": SEVERITIES,
        "polarity": POLARITIES,
    }
    _ORDER = ("industry", "scale", "licence_class", "subject_type", "severity", "polarity")

    def __getitem__(self, column: str) -> Labels:
        if column == "subject_type":
            return subject_type_labels()
        return self._FIXED[column]

    def __iter__(self) -> Iterator[str]:
        return iter(self._ORDER)

    def __len__(self) -> int:
        return len(self._ORDER)


#: Coded columns of ``subjects`` and ``records``.
COLUMN_VALUES: Mapping[str, Labels] = _ColumnValues()


def value_label(labels: Labels, code: object, lang: str = "zh") -> str:
    """``code`` as a person reads it in ``lang`` (``zh`` or ``en``).

    A code the table does not know is returned as it is, so that a new value a
    department sends is shown rather than hidden (and a test on the pages finds it).
    """
    if code is None or (isinstance(code, float) and code != code):  # None or NaN: no value
        return ""
    pair = labels.get(str(code))
    if pair is None:
        return str(code)
    return pair[0] if lang == "zh" else pair[1]


def kind_value_label(kind: str, code: object, lang: str = "zh") -> str:
    """A record's ``value_text`` as a person reads it (see :data:`KIND_VALUES`)."""
    return value_label(KIND_VALUES.get(kind, {}), code, lang)


def value_num_unit(kind: str, value_text: object = None, lang: str = "zh") -> str:
    """The unit of a record's ``value_num`` in ``lang`` (empty when it has none).

    ``utility_consumption`` takes the unit of its utility (``value_text``).
    """
    if kind == "utility_consumption":
        # a record sent without its utility (NaN from a frame) has no unit to show
        return value_label(UTILITY_UNITS, value_text, lang) if isinstance(value_text, str) else ""
    pair = VALUE_NUM_UNITS.get(kind)
    if pair is None:  # a declared kind names its own unit
        from features import registry

        declared = registry.active().kinds().get(kind)
        pair = declared.value_num_labels if declared is not None else None
    return "" if pair is None else pair[0] if lang == "zh" else pair[1]


def __getattr__(name: str) -> object:
    # the old constant, read from the declarations when asked
    if name == "SUBJECT_TYPES":
        return subject_type_labels()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
