"""The indicator catalogue, generated from the declarations: what a modeller or an
auditor reads to know exactly what each indicator measures."""

from __future__ import annotations

from features import registry
from features.declare import SubjectType
from features.dsl import (
    DOWN,
    UP,
    Attribute,
    DeclaredAttribute,
    Derived,
    Indicator,
    Match,
    Members,
    Records,
    Related,
    Scheme,
)
from features.link_lookup import link
from features.records.kinds import all_kinds
from features.rules import PointsRule
from features.schemes import schemes

_AGG_ZH = {
    "count": "条数",
    "weighted": "按严重程度加权条数",
    "sum_amount": "金额合计",
    "sum_value": "数值合计",
    "max_value": "最大值",
    "avg_value": "平均值",
    "latest_value": "最近一条的数值",
    "latest_text": "最近一条的取值",
    "days_since": "距最近一条的天数",
    "distinct_values": "不同取值数",
    "distinct_kinds": "不同类别数",
    "cv_amount": "金额变异系数（标准差/均值）",
    "cv_value": "数值变异系数（标准差/均值）",
    "growth_amount": "金额年增长率（对数金额对日期的最小二乘斜率）",
    "growth_value": "数值年增长率（对数数值对日期的最小二乘斜率）",
    "distinct_months": "有记录的月份数",
    "distinct_years": "有记录的年份数",
}
_DIRECTION = {UP: "↑ 越高风险越高 / higher = riskier", DOWN: "↓ 越高风险越低 / higher = safer"}


def _kinds(m: Match) -> str:
    names = "、".join(f"{all_kinds()[k].label_zh} `{k}`" for k in m.kinds)
    cond = []
    if m.severities:
        cond.append("severity ∈ {" + ", ".join(m.severities) + "}")
    if m.values:
        cond.append("value_text ∈ {" + ", ".join(m.values) + "}")
    for col, lo, hi in (
        ("value_num", m.min_value, m.max_value),
        ("amount", m.min_amount, m.max_amount),
    ):
        if lo is not None:
            cond.append(f"{col} ≥ {lo:g}")
        if hi is not None:
            cond.append(f"{col} ≤ {hi:g}")
    if m.polarity:
        cond.append(f"polarity = {m.polarity}")
    return names + (f"（{'; '.join(cond)}）" if cond else "")


def _window(rec: Records) -> str:
    if rec.window is None:
        text = "当前有效 / in force"
    elif rec.offset:
        text = f"{rec.offset + rec.window}–{rec.offset} 个月前 / months ago"
    else:
        text = f"近 {rec.window} 个月 / last {rec.window} months"
    if rec.open_below is not None:
        text += (
            f"，当前未结清（逾期天数加已过天数 < {rec.open_below:g}，"
            f"≥ {rec.open_below:g} 天的不结清即一直计入）/ still open"
        )
    if rec.since is not None:
        text += f"，自{_kinds(rec.since)}在贷起 / since the oldest one in force"
    return text


def describe_source(ind: Indicator) -> str:
    """One line saying where an indicator comes from, in Chinese with English terms."""
    src = ind.source
    if isinstance(src, Records):
        return f"{_kinds(src.match)}：{_AGG_ZH[src.agg]}（{src.agg}），{_window(src)}"
    if isinstance(src, Attribute):
        how = {"value": "", "years_since": "距今年数 years since", "log1p": "ln(1+x)"}
        how = how[src.transform]
        return f"主体登记信息 subjects.{src.column} {how}".strip()
    if isinstance(src, DeclaredAttribute):
        a = src.attribute
        how = "ln(1+x)" if src.transform == "log1p" else ""
        kind = "类别 category" if src.categorical else "数值 number"
        return (
            f"声明属性 declared attribute {a.name}（{a.label_zh} / {a.label_en}，{kind}），"
            f"截至评价日有效的值 / the value in force at the as-of date {how}"
        ).strip()
    if isinstance(src, Derived):
        return f"{src.op}({src.left}, {src.right})"
    if isinstance(src, Related):
        declared = link(src.relation)
        who = {
            "legal_rep": "法定代表人本人",
            "rep_firms": "同一法定代表人的其他单位（家数）",
            "employer": "所属企业",
        }.get(src.relation) or (
            declared.label_zh + ("（家数）" if declared.counts == "parties" else "")
        )
        inner = src.inner
        return f"{who}：{_kinds(inner.match)}：{_AGG_ZH[inner.agg]}，{_window(inner)}"
    if isinstance(src, Members):
        w = src.where
        cond = f" where {w.indicator} {w.op} {w.value:g}" if w else ""
        if src.among is not None:
            a = src.among
            cond += f" among {a.indicator} {a.op} {a.value:g}"
        of = f"({src.of}{'/' + src.over if src.over else ''})" if src.of else ""
        return f"成员农户 members: {src.fn}{of}{cond}"
    raise TypeError(type(src))


def subject_type_markdown(stype: SubjectType) -> str:
    """One declared subject type as bilingual markdown: identifier rule and attributes."""
    person = "（个人，身份证号对受限角色脱敏）/ a person (ID masked for masked roles)"
    lines = [
        f"### `{stype.key}` — {stype.label_zh} / {stype.label_en}",
        "",
        f"标识 / identifier: {stype.identifier.describe('zh')} / {stype.identifier.describe('en')}"
        + (f" {person}" if stype.person else ""),
        "",
    ]
    if stype.attributes:
        lines += [
            "| 属性 attribute | 中文 | English | 类型 type | 可选值 choices |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| `{a.name}` | {a.label_zh} | {a.label_en} | {a.dtype} | "
            f"{', '.join(a.choices) or '—'} |"
            for a in stype.attributes
        ]
        lines.append("")
    return "\n".join(lines) + "\n"


def subject_types_markdown() -> str:
    """Every declared subject type (``features/definitions/types.py`` and scheme folders)."""
    types = registry.active().subject_types()
    head = ["## 主体类型 / subject types", "", f"{len(types)} 类 / types.", ""]
    return "\n".join(head) + "\n".join(subject_type_markdown(t) for t in types.values())


def scheme_markdown(scheme: Scheme) -> str:
    """Catalogue of one scheme as bilingual markdown."""
    lines = [f"## `{scheme.key}` — {scheme.label_zh} / {scheme.label_en}", ""]
    stype = registry.active().subject_types().get(scheme.population.subject_type)
    if stype is not None:
        lines += [
            f"主体类型 / subject type: `{stype.key}` {stype.label_zh} / {stype.label_en}, "
            f"{stype.identifier.describe('zh')} / {stype.identifier.describe('en')}",
            "",
        ]
    if scheme.target:
        lines += [
            f"目标事件 / target: {scheme.target.description_zh} / {scheme.target.description_en}",
            "",
        ]
    if scheme.members:
        lines += [
            f"由成员汇总 / aggregated from `{scheme.members[0]}` by `{scheme.members[1]}`",
            "",
        ]
    lines += _population_lines(scheme)
    for rule in scheme.rules:
        lines += _rule_lines(rule, scheme.target is None)
    lines += [
        f"{len(scheme.indicators)} 个指标 / indicators.",
        "",
        "| # | 指标 name | 中文 | English | 维度 dimension | 来源与口径 source "
        "| 方向 direction | 单位 unit | 理由模板 reason |",
        "|---:|---|---|---|---|---|---|---|---|",
    ]
    for n, ind in enumerate(scheme.indicators, 1):
        direction = _DIRECTION.get(ind.direction, "—")
        reason = ind.reason_zh.replace("{value}", "x").replace("{window}", str(ind.window or ""))
        reason = reason.replace("{label}", ind.label_zh).replace("|", "/")
        lines.append(
            f"| {n} | `{ind.name}` | {ind.label_zh} | {ind.label_en} | {ind.dimension} | "
            f"{describe_source(ind).replace('|', '/')} | {direction} | {ind.unit} | {reason} |"
        )
    return "\n".join(lines) + "\n"


def _population_lines(scheme: Scheme) -> list[str]:
    """Who is rated, when the population is narrower than its subject type."""
    pop = scheme.population
    parts = []
    if pop.industries:
        parts.append(f"行业 / industries (GB/T 4754): {', '.join(pop.industries)}")
    if pop.scales:
        parts.append(f"规模 / scales: {', '.join(pop.scales)}")
    if pop.requires_kind:
        kind = all_kinds().get(pop.requires_kind)
        name = kind.label_zh if kind else pop.requires_kind
        parts.append(f"须有记录 / holding a record of: {name} `{pop.requires_kind}`")
    return [f"评价范围 / population: {'；'.join(parts)}", ""] if parts else []


def _rule_lines(rule: PointsRule, alone: bool) -> list[str]:
    """A published points rule: its items, bands with their consequences, and sources."""
    how = (
        "规则即定级（无模型） / graded by the rule alone"
        if alone
        else ("规则约束模型等级 / binds the model's grade")
    )
    lines = [
        f"评价规则 / points rule `{rule.key}` — {rule.label_zh} / {rule.label_en}: "
        f"{rule.cycle_months} 个月周期 / month cycle, 基础分 / start {rule.start:g}, "
        f"{'精确' if rule.binding == 'exact' else '上限'} / {rule.binding}; {how}.",
        "",
        "| 项目 item | 中文 | 记录 records | 分值 points | 上限 cap |",
        "|---|---|---|---:|---:|",
    ]
    for item in rule.items:
        cap = "" if item.cap is None else f"{item.cap:g}"
        lines.append(
            f"| `{item.key}` | {item.label_zh} | {_kinds(item.match).replace('|', '/')} | "
            f"{item.points:+g} | {cap} |"
        )
    consequence = {g: f"{zh} / {en}" for g, zh, en in rule.consequences}
    lines += ["", "| 等级 grade | 分数线 threshold | 结果运用 consequence |", "|---|---:|---|"]
    for grade, cut in rule.bands:
        shown = "—" if cut == float("-inf") else f"{cut:g}"  # the last band: below them all
        lines.append(f"| {grade} | {shown} | {consequence.get(grade, '')} |")
    lines += ["", "依据 / sources: " + "；".join(s.cite("zh") for s in rule.sources), ""]
    return lines


def catalog_markdown(scheme: str | None = None) -> str:
    """The indicator catalogue of one scheme or of all of them."""
    known = schemes()
    keys = [scheme] if scheme else list(known)
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise KeyError(f"unknown scheme {unknown[0]!r}; known: {', '.join(known)}")
    head = [
        "# xinping 指标目录 / indicator catalogue",
        "",
        "口径：只计入截至评价基准日已公示、未撤销、无未决或成立异议、且仍在公示期内的记录"
        "（信用修复不早于最短公示期）。/ Only records published by the as-of date, not "
        "revoked, without an open or upheld objection and inside their publication window "
        "count (a repair never ends one before its tier's minimum).",
        "",
    ]
    types = subject_types_markdown() + "\n" if scheme is None else ""
    return "\n".join(head) + types + "\n".join(scheme_markdown(known[k]) for k in keys)
