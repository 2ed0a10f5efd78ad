"""The shared vocabulary of joint rewards and punishments (联合奖惩), in code.

The measures catalogue (:mod:`scoring.measures.catalogue`), the managed lists
and the credit checks all speak these keys; labels are Chinese first, English
second. Nothing here reads a file except the grade scales (package data), which
say which grades a ``grade:<scheme>:<grade>`` trigger may name.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache

from features import registry
from features.schemes import get_scheme, rated
from models.rating import load_scale, scale_source

#: Platform-managed lists: 红名单, 黑名单 (严重失信主体名单), 重点关注名单.
LIST_KEYS: dict[str, tuple[str, str]] = {
    "red": ("红名单", "red list"),
    "black": ("黑名单（严重失信主体名单）", "black list (serious dishonesty list)"),
    "watch": ("重点关注名单", "watch list"),
}
#: Incoming record kinds (not platform-managed lists) that may trigger a measure.
RECORD_KINDS: dict[str, tuple[str, str]] = {
    "dishonest_judgment_debtor": ("失信被执行人", "dishonest judgment debtor"),
    "abnormal_operations_list": ("经营异常名录", "list of abnormal operations"),
}
#: Breach tiers (seed 004): 一般 / 较重 / 严重 失信.
TIERS: dict[str, tuple[str, str]] = {
    "general": ("一般失信", "general breach of trust"),
    "heavier": ("较重失信", "heavier breach of trust"),
    "serious": ("严重失信", "serious breach of trust"),
}
#: Matters (事项) a credit check is made for.
MATTERS: dict[str, tuple[str, str]] = {
    "licensing": ("行政许可", "administrative licensing"),
    "procurement": ("政府采购", "government procurement"),
    "bidding": ("招标投标", "tendering and bidding"),
    "awards": ("评优评先", "awards and honours"),
    "funding": ("财政资金", "public funding"),
    "public_employment": ("公职录用", "public employment"),
    "market_entry": ("市场准入", "market entry"),
    "supervision": ("日常监管", "routine supervision"),
    "lending": ("金融信贷", "lending"),
    "consumption": ("高消费/出境", "high consumption and leaving the country"),
}
MEASURE_TYPES: dict[str, tuple[str, str]] = {
    "reward": ("守信激励", "reward"),
    "punishment": ("失信惩戒", "punishment"),
}
#: Seed 002 #17: 强制性 (must be applied jointly) and 推荐性 (may be applied).
FORCES: dict[str, tuple[str, str]] = {
    "mandatory": ("强制性", "mandatory"),
    "recommended": ("推荐性", "recommended"),
}
#: Whom a measure reaches (seed 002 #12: the firm and the people responsible).
REACHES: dict[str, tuple[str, str]] = {
    "subject": ("主体本身", "the subject itself"),
    "legal_representative": ("法定代表人", "legal representative"),
    "principal": ("主要负责人", "principal person in charge"),
    "responsible_persons": ("负有直接责任的人员", "persons directly responsible"),
}
#: A duration that lasts as long as the trigger holds (listed, record or grade in force).
WHILE_LISTED = "while_listed"
GREEN_CHANNEL = "green_channel"

#: Triggers that can only speak against a subject: a reward may not name them.
PUNISHING_TRIGGERS: frozenset[str] = frozenset(
    {"list:black", "list:watch"}
    | {f"record:{k}" for k in RECORD_KINDS}
    | {f"tier:{k}" for k in TIERS}
)
#: Triggers that can only speak for a subject: a punishment may not name them.
REWARDING_TRIGGERS: frozenset[str] = frozenset({"list:red", GREEN_CHANNEL})

_GRADE = re.compile(r"^grade:([a-z_]+):([A-Za-z+\-]+)$")


def grade_schemes() -> tuple[str, ...]:
    """Schemes whose grades a trigger may name: the rated schemes of the registry."""
    return rated()


def __getattr__(name: str) -> object:
    # the old constant, read from the active registry when asked
    if name == "GRADE_SCHEMES":
        return grade_schemes()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@cache
def scale_grades(scheme: str) -> tuple[str, ...]:
    """The grades of ``scheme``'s scale (its registry entry's file), best first."""
    return load_scale(scheme, path=registry.scale_file(scheme)).keys


def trigger_problem(trigger: str) -> str | None:
    """Why ``trigger`` is not a trigger expression of the vocabulary, or ``None``.

    The expressions: ``list:red|black|watch``, ``record:dishonest_judgment_debtor``,
    ``record:abnormal_operations_list``, ``tier:general|heavier|serious``,
    ``grade:<scheme>:<grade>`` (a grade of that scheme's scale) and ``green_channel``.
    """
    if trigger == GREEN_CHANNEL:
        return None
    kind, _, key = trigger.partition(":")
    known = {"list": LIST_KEYS, "record": RECORD_KINDS, "tier": TIERS}
    if kind in known:
        if key in known[kind]:
            return None
        return f"{kind}:<one of {', '.join(known[kind])}>"
    m = _GRADE.match(trigger)
    if m:
        scheme, grade = m.groups()
        if scheme not in grade_schemes():
            return f"grade:<scheme>:<grade> with scheme one of {', '.join(grade_schemes())}"
        if grade not in scale_grades(scheme):
            return f"grade:{scheme}:<one of {', '.join(scale_grades(scheme))}>"
        return None
    return (
        "list:red|black|watch, record:dishonest_judgment_debtor|abnormal_operations_list, "
        "tier:general|heavier|serious, grade:<scheme>:<grade> or green_channel"
    )


def grade_side(trigger: str) -> str | None:
    """``"better"`` or ``"worse"`` half of the scale for a grade trigger, else ``None``.

    A reward named by a grade in the worse half, or a punishment by one in the
    better half, is refused: the side of the scale says which way a grade speaks.
    With an odd number of grades the middle one counts as the worse half.
    """
    m = _GRADE.match(trigger)
    if not m:
        return None
    grades = scale_grades(m.group(1))
    return "better" if grades.index(m.group(2)) < len(grades) // 2 else "worse"


def trigger_label(trigger: str, lang: str = "zh") -> str:
    """A trigger in words (``list:black`` → 列入黑名单（严重失信主体名单）)."""
    i = 0 if lang == "zh" else 1
    if trigger == GREEN_CHANNEL:
        zh, en = "绿色通道（连续3年无不良信用记录）", "green channel (3 years without a bad record)"
        return (zh, en)[i]
    kind, _, key = trigger.partition(":")
    if kind == "list":
        return ("列入", "on the ")[i] + LIST_KEYS[key][i]
    if kind == "record":
        return ("存在", "has a record: ")[i] + RECORD_KINDS[key][i] + ("记录", "")[i]
    if kind == "tier":
        return ("存在", "has a ")[i] + TIERS[key][i] + ("行为", "")[i]
    scheme, grade = key.split(":")
    scale = load_scale(scheme, path=registry.scale_file(scheme))
    label = next(g for g in scale.grades if g.key == grade)
    if lang == "zh":
        return f"{scale_name(scheme, 'zh')} {grade}（{label.label_zh}）"
    return f"{scale_name(scheme, 'en')} {grade} ({label.label_en})"


@cache
def _scale_names(scheme: str) -> tuple[str, str]:
    source = scale_source(scheme, registry.scale_file(scheme))
    data = tomllib.loads(source.read_text(encoding="utf-8"))
    return data["name_zh"], data["name_en"]


# a scheme folder joining or leaving the registry changes which file a key reads
registry.on_change(scale_grades.cache_clear)
registry.on_change(_scale_names.cache_clear)


def scale_name(scheme: str, lang: str) -> str:
    """The scale's name in ``lang``, as the scheme's scale file spells it."""
    return _scale_names(scheme)[0 if lang == "zh" else 1]


def label(table: dict[str, tuple[str, str]], key: str, lang: str = "zh") -> str:
    """``key``'s label in ``table`` in ``lang`` (``zh`` or ``en``)."""
    return table[key][0 if lang == "zh" else 1]


def trigger_short(trigger: str, lang: str = "zh") -> str:
    """A trigger in a few characters, for tables (``list:black`` → 黑名单, ``grade:enterprise:D``
    → 企业 D)."""
    i = 0 if lang == "zh" else 1
    if trigger == GREEN_CHANNEL:
        return ("绿色通道", "green channel")[i]
    kind, _, key = trigger.partition(":")
    if kind == "list":
        return {"red": ("红名单", "red list"), "black": ("黑名单", "black list")}.get(
            key, LIST_KEYS[key]
        )[i]
    if kind == "record":
        return RECORD_KINDS[key][i]
    if kind == "tier":
        return TIERS[key][i].replace(" breach of trust", " breach")
    scheme, grade = key.split(":")
    return f"{_scheme_short(scheme)[i]} {grade}"


#: Short names of the built-in schemes where the subject type's label would mislead
#: (信易贷 rates enterprises too).
_SHORT = {
    "enterprise": ("企业", "enterprise"),
    "sme": ("信易贷", "SME"),
    "household": ("农户", "household"),
    "driver": ("驾驶员", "driver"),
}


def _scheme_short(scheme: str) -> tuple[str, str]:
    """A scheme's name in a few characters: the built-ins' own, else the label of the
    subject type it rates (a declared scheme: 社会组织 D)."""
    if scheme in _SHORT:
        return _SHORT[scheme]
    rated_type = registry.active().subject_type(get_scheme(scheme).population.subject_type)
    return rated_type.label_zh, rated_type.label_en
