"""A repair plan (:mod:`scoring.repair_plan`) in words: the rows every door shows.

The command line, the credit report and the pages render these frames as they are, so a
plan reads the same everywhere, Chinese or English, never a code or "None". Record ids are
shown as departments wrote them (as every door does); the subject's own id is the door's to
mask.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from features.records.ids import mask_id
from features.records.kinds import all_kinds
from features.records.values import SEVERITIES
from features.schemes import get_scheme
from scoring.repair_plan import Point, Projection, RecordGuide, RepairOption, RepairPlan
from scoring.report_labels import relation_pair

#: fixed words, (zh, en)
WORDS: dict[str, tuple[str, str]] = {
    "projection": ("预测", "projection"),
    "now": ("当前（按现有记录计算，未存储）", "now (computed from the records, not stored)"),
    "open_ended": ("不自动到期（须修复或移出）", "does not lapse (repair or removal needed)"),
    "open_ended_short": ("长期（不自动到期）", "open-ended"),
    "not_repairable": ("不经信用平台修复", "not repaired on the platform"),
    "no_gain": ("届满前无法提前修复", "cannot end before it lapses"),
    "approved": ("已批准修复，{day} 生效", "repair approved, effective {day}"),
    "applied": ("修复申请审核中", "repair application pending"),
    "none": ("无", "none"),
    "no_records": (
        "评定日没有计入的失信记录",
        "no negative record counts on the plan's day",
    ),
    "no_option": (
        "没有能提升等级或降低违约概率的修复",
        "no repair lifts a grade or lowers a PD",
    ),
    "steps": ("提升 {n} 级", "{n} grade(s) up"),
    "no_steps": ("等级不变", "grade unchanged"),
    "pd_drop": ("违约概率降低 {x}", "PD down {x}"),
    "pd_up": ("违约概率升高 {x}", "PD up {x}"),
    "note": (
        "预测：假定此后不再产生新记录（包括纳税、社保等经营记录），以各方案在用的冠军模型和公开规则"
        "逐月重新计算；预测不是评级，不予存储。",
        "Projection: assumes no new record of any kind (tax paid, headcount included) and "
        "re-rates with each scheme's champion model and published rules month by month; a "
        "projection is not a rating and is never stored.",
    ),
}


#: section titles, (zh, en)
TITLES: dict[str, tuple[str, str]] = {
    "title": ("信用修复指引", "Credit repair guidance"),
    "records": ("计入的失信记录", "Negative records that count"),
    "options": (
        "修复方案排名（单项与组合，精确重评）",
        "Repairs ranked (single and pairs, exact re-rating)",
    ),
    "projection": ("等级预测（每月末）", "Projected grades (month-ends)"),
    "related": (
        "决定等级规则的关联方记录（须由关联方修复）",
        "Related parties' records behind a rule on the grade (their party repairs them)",
    ),
}


def plan_titles(plan: RepairPlan, lang: str) -> dict[str, str]:
    """Titles and the header line of a plan in ``lang`` (Chinese beside English for ``zh``
    in the credit report is the report's own business)."""
    i = 0 if lang == "zh" else 1
    head = (
        f"评定日 {plan.on} · 预测 {plan.months} 个月"
        if lang == "zh"
        else f"on {plan.on} · {plan.months}-month projection"
    )
    best = plan.best
    if best is None:
        summary = word("no_option", lang)
    elif lang == "zh":
        summary = (
            f"最佳修复：{'、'.join(best.record_ids)}，最早 {best.lift_on} 生效；"
            f"{f'提升 {best.steps} 级' if best.steps > 0 else '等级不变'}，"
            f"违约概率合计降低 {best.pd_drop:.2%}"
        )
    else:
        summary = (
            f"Best repair: {', '.join(best.record_ids)}, in effect from {best.lift_on}; "
            f"{best.steps} grade(s) up, PD down {best.pd_drop:.2%} in all"
        )
    return {
        **{k: v[i] for k, v in TITLES.items()},
        "head": head,
        "summary": summary,
        "note": word("note", lang),
    }


def word(key: str, lang: str, **fmt: object) -> str:
    """A fixed word in ``lang``."""
    zh, en = WORDS[key]
    return (zh if lang == "zh" else en).format(**fmt)


def _day(value: dt.date | None) -> str:
    return "—" if value is None else value.isoformat()


def scheme_name(key: str, lang: str) -> str:
    """A scheme's declared name."""
    sch = get_scheme(key)
    return sch.label_zh if lang == "zh" else sch.label_en


def _severity(value: str | None, lang: str) -> str:
    pair = SEVERITIES.get(value or "")
    return "—" if pair is None else (pair[0] if lang == "zh" else pair[1])


def _status(g: RecordGuide, lang: str) -> str:
    if g.repair_status == "approved":
        return word("approved", lang, day=_day(g.repair_effective_on))
    if g.repair_status == "applied":
        return word("applied", lang)
    if g.rule is not None and not g.rule.repairable:
        return word("not_repairable", lang)
    if not g.gains:
        return word("no_gain", lang)
    return "—"


def record_rows(plan: RepairPlan, lang: str) -> pd.DataFrame:
    """One row per negative record that counts: kind, tier, dates, repair and its terms."""
    zh = lang == "zh"
    cols = (
        ("记录编号", "记录类别", "失信程度", "认定日期", "自动停止计入", "模型指标计入至",
         "最长公示期届满", "最早可修复生效", "修复状态", "修复要求", "依据")
        if zh
        else ("Record", "Kind", "Tier", "Decided", "Stops counting", "Counted by the model until",
              "Maximum window ends", "Earliest repair effect", "Repair status",
              "What repair requires", "Source")
    )  # fmt: skip
    rows = []
    for g in plan.records:
        rule = g.rule
        how = "" if rule is None else (rule.how_zh if zh else rule.how_en)
        steps = "" if rule is None else "；".join(s[0] if zh else s[1] for s in rule.steps)
        rows.append(
            (
                g.record_id,
                g.kind_zh if zh else g.kind_en,
                _severity(g.severity, lang),
                _day(g.decided_on),
                _day(g.stops_on) if g.stops_on else word("open_ended", lang),
                _day(g.counts_in_rating_until),
                _day(g.window_max_on),
                _day(g.earliest_approval) if g.repairable else "—",
                _status(g, lang),
                f"{how}：{steps}" if steps else how or "—",
                "—" if rule is None else rule.source,
            )
        )
    return pd.DataFrame(rows, columns=list(cols))


def _rules_text(p: Point, lang: str) -> str:
    texts = [zh if lang == "zh" else en for zh, en in p.rules]
    return "；".join(t for t in texts if t) or "—"


def projection_rows(plan: RepairPlan, lang: str) -> pd.DataFrame:
    """One row per projected day: per scheme the grade and PD (预测), with and without the
    best repair, and the rules that fix a grade."""
    zh = lang == "zh"
    days = [p.day for p in plan.projections[0].points]
    out: dict[str, list[str]] = {("日期" if zh else "Day"): [], ("类型" if zh else "Kind"): []}
    for proj in plan.projections:
        name = scheme_name(proj.scheme, lang)
        at = {p.day: p for p in proj.points}
        best = {p.day: p for p in plan.best_curve.get(proj.scheme, ())}
        g_col, pd_col = (
            f"{name}·{'等级' if zh else 'grade'}",
            f"{name}·{'违约概率' if zh else 'PD'}",
        )
        b_col = f"{name}·{'最佳修复后' if zh else 'with best repair'}"
        r_col = f"{name}·{'规则' if zh else 'rules'}"
        for c in (g_col, pd_col, b_col, r_col):
            out.setdefault(c, [])
        for d in days:
            p = at.get(d)
            out[g_col].append("—" if p is None else proj.label(p.grade, lang))
            out[pd_col].append("—" if p is None else _pct(p.pd))
            q = best.get(d)
            out[b_col].append("—" if q is None else proj.label(q.grade, lang))
            out[r_col].append("—" if p is None else _rules_text(p, lang))
    out["日期" if zh else "Day"] = [d.isoformat() for d in days]
    out["类型" if zh else "Kind"] = [
        word("now", lang) if i == 0 else word("projection", lang) for i in range(len(days))
    ]
    return pd.DataFrame(out)


def _pct(value: float) -> str:
    """A PD as a percentage; "—" for a scheme graded by its rule alone (no PD)."""
    return "—" if value is None or not math.isfinite(value) else f"{value:.2%}"


def _option_effect(o: RepairOption, projections: dict[str, Projection], lang: str) -> str:
    parts = []
    for x in o.lifts:
        name = scheme_name(x.scheme, lang)
        a = projections[x.scheme].label(x.without.grade, lang)
        b = projections[x.scheme].label(x.with_repair.grade, lang)
        moved = f"{_pct(x.without.pd)} → {_pct(x.with_repair.pd)}"
        parts.append(f"{name} {a} → {b}" + ("" if math.isnan(x.pd_drop) else f"（{moved}）"))
    return "；".join(parts)


def _lasts(o: RepairOption, guides: dict[str, RecordGuide], lang: str) -> str:
    """Until when the option's lift lasts: the first of its records to stop counting by
    itself (its publication end, or the last day the model's indicators count it) — a
    repair of a record about to drop out gains little."""
    ends = []
    for rid in o.record_ids:
        g = guides.get(rid)
        if g is None:
            continue
        model_end = None if g.read_by_rule else g.counts_in_rating_until
        known = [d for d in (g.stops_on, model_end) if d is not None]
        if known:
            ends.append(min(known))
    return _day(min(ends)) if ends else word("open_ended_short", lang)


def option_rows(plan: RepairPlan, lang: str, limit: int | None = 10) -> pd.DataFrame:
    """The ranked repairs (single, then pairs): what, approved when, the lift on that day
    against no repair, the steps and the PD drop."""
    zh = lang == "zh"
    cols = (
        ("排名", "修复记录", "最早批准", "提升生效日", "效果持续至", "当日效果（不修复 → 修复）",
         "等级", "违约概率")
        if zh
        else ("Rank", "Records repaired", "Earliest approval", "Lift arrives", "Lift lasts until",
              "That day (no repair → repair)", "Grades", "PD")
    )  # fmt: skip
    ranked = plan.options  # ranked by the plan (scoring.repair_plan._rank)
    guides = {g.record_id: g for g in plan.records}
    rows = []
    for i, o in enumerate(ranked[:limit] if limit else ranked, start=1):
        steps = word("steps", lang, n=o.steps) if o.steps > 0 else word("no_steps", lang)
        drop = (
            word("pd_drop", lang, x=f"{o.pd_drop:.2%}")
            if o.pd_drop >= 0
            else word("pd_up", lang, x=f"{-o.pd_drop:.2%}")
        )
        rows.append(
            (
                str(i),
                "、".join(o.record_ids) if zh else ", ".join(o.record_ids),
                "、".join(_day(d) for d in o.approve_on)
                if zh
                else ", ".join(_day(d) for d in o.approve_on),
                _day(o.lift_on),
                _lasts(o, guides, lang),
                _option_effect(o, {p.scheme: p for p in plan.projections}, lang),
                steps,
                drop,
            )
        )
    return pd.DataFrame(rows, columns=list(cols))


def related_rows(plan: RepairPlan, lang: str) -> pd.DataFrame:
    """The related parties' records behind a rule in force on the plan's day: whose, which
    rule, until when it counts. A person is shown by masked ID, an organisation by name."""
    zh = lang == "zh"
    cols = (
        ("规则", "关联关系", "关联方", "记录编号", "记录类别", "计入至")
        if zh
        else ("Rule", "Relation", "Party", "Record", "Kind", "Counts until")
    )
    kinds = all_kinds()
    rows = []
    for x in plan.related:
        pair = relation_pair(x.relation)
        label = kinds.get(x.kind)
        rows.append(
            (
                x.rule_zh if zh else x.rule_en,
                "—" if pair is None else (pair[0] if zh else pair[1]),
                x.owner_name or mask_id(x.owner_id) or "—",
                x.record_id,
                x.kind if label is None else (label.label_zh if zh else label.label_en),
                _day(x.counts_until),
            )
        )
    return pd.DataFrame(rows, columns=list(cols))


def curve_frame(plan: RepairPlan, lang: str) -> pd.DataFrame:
    """Long frame for a chart: ``day``, ``scheme``, ``series`` (projection / with the best
    repair), ``grade``, ``rank`` (0 = best grade), ``pd``."""
    rows = []
    best_word = "最佳修复后（预测）" if lang == "zh" else "with the best repair (projection)"
    none_word = "不修复（预测）" if lang == "zh" else "no repair (projection)"
    for proj in plan.projections:
        name = scheme_name(proj.scheme, lang)
        for series, points in (
            (none_word, proj.points),
            (best_word, plan.best_curve.get(proj.scheme, ())),
        ):
            for p in points:
                rows.append(
                    {
                        "day": pd.Timestamp(p.day),
                        "scheme": name,
                        "series": series,
                        "grade": proj.label(p.grade, lang),
                        "rank": proj.grades.index(p.grade),
                        "pd": p.pd,
                    }
                )
    return pd.DataFrame(rows, columns=["day", "scheme", "series", "grade", "rank", "pd"])
