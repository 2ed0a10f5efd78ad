"""The credit report's view of a rating given by a published points rule alone.

A rule-only rating (:mod:`scoring.rule_rating`) has no model, no probability of
default and no reference subject: its report shows the rule's result instead —
the cycle's points, the band (the final grade) and what the band entails (资格预审、
评标 for construction firms), the rule's bands and sources — and, as the records
behind the reasons, every record that scored with its date, department and points.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from features import schemes as declared
from features.records.kinds import all_departments, all_kinds
from features.records.lookup import records_by_id
from features.records.personal import mask_text
from features.records.windows import add_months
from features.rules import PointsRule
from features.store.base import Store
from scoring import report_labels as L
from scoring.batch import RatingPolicies

#: ``reasons["unit"]`` of a rule-only rating.
RULE_UNIT = "rule_points"


def _points(value: Any) -> str:
    v = float(value)
    return f"{v:+g}"


def _exact_rule(scheme: str, rules: RatingPolicies | None) -> PointsRule | None:
    sch = declared.schemes().get(scheme)
    if sch is None:
        return None
    # with the deployment's figures ([rules.<key>]) the rating was computed with
    sch = (rules or RatingPolicies()).scheme(sch)
    return next((r for r in sch.rules if r.binding == "exact"), None)


def _day(value: Any) -> str:
    return "" if value is None or pd.isna(value) else str(value)[:10]


#: what the report's records table shows of a record that scored
SCORED_COLUMNS = (
    "kind",
    "severity",
    "event_date",
    "decided_on",
    "published_on",
    "valid_until",
    "source_dept",
    "detail",
)


def _scored_records(
    store: Store,
    subject_id: str,
    rule: PointsRule,
    detail: list[dict],
    as_of: dt.date,
    lang: str,
) -> list[dict[str, str]]:
    """The records that scored, as the report's records table reads them (the subject's
    own records read first: :func:`~features.records.lookup.records_by_id`)."""
    if not detail:
        return []
    found = records_by_id(
        store,
        (str(d["record_id"]) for d in detail),
        SCORED_COLUMNS,
        subject_id,
    )
    rows = {r["record_id"]: r for r in found.to_dict("records")}  # the latest version
    hi = pd.Timestamp(as_of).date()
    lo = pd.Timestamp(add_months(hi, -rule.cycle_months)).date()
    window = f"({lo.isoformat()}, {hi.isoformat()}]"
    out = []
    for d in detail:
        row = rows.get(str(d["record_id"]), {})
        kind = all_kinds().get(row.get("kind"))
        dept = all_departments().get(row.get("source_dept"))
        label = d.get(f"label_{lang}") or d.get("rule", "")
        out.append(
            {
                "indicator": f"{label}（{_points(d['points'])}分）"
                if lang == "zh"
                else f"{label} ({_points(d['points'])} points)",
                "record_id": mask_text(str(d["record_id"])),
                "kind": (kind.label_zh if lang == "zh" else kind.label_en)
                if kind
                else str(row.get("kind", "")),
                "detail": mask_text(row["detail"]) if isinstance(row.get("detail"), str) else "",
                "severity": L.label(L.SEVERITIES, row.get("severity"), lang),
                "record_date": d.get("date", ""),
                "published_on": _day(row.get("published_on")),
                "window": window,
                "counts_until": _day(row.get("valid_until")),
                "source_dept": (dept.label_zh if lang == "zh" else dept.label_en)
                if dept
                else str(row.get("source_dept", "")),
                "owner": L.pick(L.relation_pair("self"), lang, "self"),
            }
        )
    return out


def rule_section(
    store: Store,
    subject_id: str,
    scheme: str,
    reasons: dict,
    as_of: dt.date,
    lang: str,
    rules: RatingPolicies | None = None,
) -> dict[str, Any]:
    """The parts of a report section a rule-only rating fills in place of a model's.

    Returns
    -------
    dict
        ``rule_result`` (label, points, band, its consequence, the cycle, the bands
        with their thresholds and consequences, the sources), ``records`` (every
        record that scored) and ``reason_note``. Empty when the scheme declares no
        exact rule.
    """
    rule = _exact_rule(scheme, rules)
    if rule is None:
        return {}
    result = (reasons.get("rules") or {}).get(rule.key) or {}
    zh = lang == "zh"
    consequences = {g: (c_zh if zh else c_en) for g, c_zh, c_en in rule.consequences}
    grade = str(result.get("grade", ""))
    bands = []
    for i, (g, cut) in enumerate(rule.bands):
        if cut == float("-inf"):
            text = f"低于{rule.bands[i - 1][1]:g}分" if zh else f"below {rule.bands[i - 1][1]:g}"
        else:
            text = f"{cut:g}分及以上" if zh else f"{cut:g} or more"
        bands.append({"grade": g, "threshold": text, "consequence": consequences.get(g, "")})
    if rule.better == "lower":  # a demerit count: a band from its minimum up
        for b, (_, cut) in zip(bands, rule.bands, strict=True):
            b["threshold"] = f"{cut:g}分起" if zh else f"from {cut:g}"
    points = result.get("points", rule.start)
    return {
        "rule_result": {
            "label": rule.label_zh if zh else rule.label_en,
            "points": f"{float(points):g}",
            "grade": grade,
            "grade_label": result.get("grade_zh" if zh else "grade_en", ""),
            "consequence": consequences.get(grade, ""),
            "cycle": f"{rule.cycle_months}个月" if zh else f"{rule.cycle_months} months",
            "bands": bands,
            "sources": [s.cite(lang) for s in rule.sources],
        },
        "records": _scored_records(
            store, subject_id, rule, list(result.get("detail") or []), as_of, lang
        ),
        "reason_note": L.pick(L.TEXT["rule_note"], lang).format(
            base=f"{rule.start:g}", output=f"{float(points):g}"
        ),
    }
