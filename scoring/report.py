"""The credit report (信用报告) of one subject as a self-contained HTML page.

It shows who the subject is (personal ID numbers masked), its current grade
with label, PD and score under every scheme that rates it, the reasons and the
records behind them (source department, dates, the window they count in), the
overrides applied, the grade history as a chart, the subject's objections and
repairs, its lists (名单信息: current memberships, the whole list trail and, for a
person, the firms' serious listings naming it, :mod:`scoring.list_view`), the model
version that scored it and what the scheme means. Chinese
first with English beside it (``lang="zh"``), or English only (``lang="en"``).

No PDF: a PDF library would need a CJK font, and none is installed; print the
HTML from a browser (the page has print styles).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from features import schemes as declared
from features.display import UNITS_EN, format_value
from features.link_lookup import links
from features.links import Column
from features.records.ids import mask_id
from features.records.kinds import all_departments, all_kinds
from features.records.personal import mask_text
from features.records.regions import county_name
from features.records.windows import WindowPolicy
from features.registry import scale_file
from features.store.base import Store
from features.subjects import current_subject, person_types
from models.rating import has_scale, load_scale
from scoring import report_labels as L
from scoring.batch import RatingPolicies
from scoring.check_state import CheckConfig
from scoring.evidence import date_or_none, records_behind
from scoring.history import (
    decode,
    grade_order,
    ratings_on,
    reason_indicators,
    subject_history,
)
from scoring.list_view import membership_rows, person_reach_rows, standing, trail_rows
from scoring.lists import ListsConfig
from scoring.repair_plan import RepairPlan
from scoring.repair_plan_view import (
    option_rows,
    plan_titles,
    projection_rows,
    record_rows,
    related_rows,
)
from scoring.report_chart import grade_history_svg
from scoring.report_rules import RULE_UNIT, rule_section
from scoring.rule_rating import RULE_MODEL_PREFIX

TEMPLATES = Path(__file__).with_name("templates")
LANGS = ("zh", "en")


class ReportError(LookupError):
    """The report cannot be made: unknown subject, or no rating to report."""


def _env() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True
    )


def _fmt_date(value: Any) -> str:
    day = date_or_none(value)
    return day.isoformat() if day else ""


def _fmt_num(value: Any, digits: int = 2) -> str:
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value)
    if isinstance(value, int | float):
        if isinstance(value, float) and math.isnan(value):
            return ""
        if float(value).is_integer():
            return f"{int(value):,}"
        return f"{value:,.{digits}f}"
    return str(value)


def _flag(value: Any) -> bool:
    """A nullable boolean column value as a bool (null is False)."""
    return value is not None and not pd.isna(value) and bool(value)


def _fmt_pd(value: Any) -> str:
    return "" if value is None or pd.isna(value) else f"{100 * float(value):.2f}%"


def _subject(store: Store, subject_id: str, lang: str) -> dict[str, Any]:
    s = current_subject(store, subject_id)
    if s is None:
        raise ReportError(f"unknown subject {mask_id(subject_id)!r}: not in table subjects")
    county = county_name(s["region_code"], lang) if s.get("region_code") else ""
    region = (
        f"{county} ({s['region_code']})"
        if county and county != s["region_code"]
        else (s.get("region_code") or "")
    )
    rows = [
        ("subject_id", mask_id(subject_id)),
        ("name", s["name"]),
        ("subject_type", L.label(L.subject_types(), s["subject_type"], lang)),
        ("region", region),
    ]
    for key in ("township_code", "village_code"):
        if isinstance(s.get(key), str) and s[key] != subject_id:
            rows.append((key, s[key]))
    if isinstance(s.get("industry"), str):
        rows.append(("industry", f"{s['industry']} {L.label(L.INDUSTRIES, s['industry'], lang)}"))
    if isinstance(s.get("scale"), str):
        rows.append(("scale", L.label(L.SCALES, s["scale"], lang)))
    if date_or_none(s.get("established_on")):
        rows.append(("established", _fmt_date(s["established_on"])))
    # the parties a column of the registration names (declared links): a person's ID
    # masked, an organisation's 统一社会信用代码 shown
    for key, link in links().items():
        if isinstance(link.via, Column) and isinstance(s.get(link.via.col), str):
            rows.append((key, mask_id(s[link.via.col])))
    rows.append(("status", L.label(L.STATUSES, s["status"], lang)))
    return {"name": s["name"], "type": s["subject_type"], "rows": rows}


def _indicator_label(scheme: str, name: str, lang: str) -> str:
    """The indicator's label in ``lang`` (its name when the scheme does not declare it)."""
    sch = declared.schemes().get(scheme)
    try:
        ind = sch.indicator(name) if sch else None
    except KeyError:
        ind = None
    return (ind.label_zh if lang == "zh" else ind.label_en) if ind else name


def _value_text(
    scheme: str, name: str, value: Any, lang: str, pair: list[Any] | None = None
) -> str:
    """An indicator's value as a person reads it (its declaration says how); ``pair``:
    the current and earlier values a change compares (kept on the factor)."""
    sch = declared.schemes().get(scheme)
    try:
        ind = sch.indicator(name) if sch else None
    except KeyError:
        ind = None
    if value is None or (isinstance(value, float) and math.isnan(value)):
        if ind is not None and ind.missing_zh:
            text = ind.missing_zh if lang == "zh" else ind.missing_en
            return text.format(window=ind.window or "", label="")
        return "—"
    if ind is None:
        return _fmt_num(value) if isinstance(value, int | float) else str(value)
    kind = ind.display_kind
    compared = tuple(pair) if pair is not None and len(pair) == 2 else None
    text = format_value(value, kind, lang, labels=ind.value_labels, unit=ind.unit, pair=compared)
    if kind in ("number", "money", "ratio") and ind.unit:
        text += ind.unit if lang == "zh" else f" {UNITS_EN.get(ind.unit, ind.unit).strip()}"
    return text


def _reason_items(items: list[dict], lang: str, unit: str, scheme: str) -> list[dict[str, str]]:
    out = []
    by_rule = unit == RULE_UNIT  # a rule's item: its records and their points
    for r in items:
        c = r.get("contribution")
        digits = 1 if unit == "points" else 3
        name = r.get("indicator", "")
        out.append(
            {
                "label": r.get(f"label_{lang}") or name,
                "value": f"{r.get('value')}{L.pick(L.TEXT['records_n'], lang)}"
                if by_rule
                else _value_text(scheme, name, r.get("value"), lang, r.get("pair")),
                "reference": _value_text(scheme, name, r.get("reference"), lang)
                if "reference" in r
                else "",
                "contribution": "" if c is None else f"{c:+g}" if by_rule else f"{c:+.{digits}f}",
                "text": r.get(f"text_{lang}", ""),
                "text_en": r.get("text_en", "") if lang == "zh" else "",
            }
        )
    return out


def _window_text(row: dict, lang: str) -> str:
    lo, hi = date_or_none(row["window_from"]), date_or_none(row["window_to"])
    if lo is None or hi is None:
        return L.pick(L.TEXT["in_force"], lang)
    return f"({lo.isoformat()}, {hi.isoformat()}]"


def _records(
    store: Store,
    scheme: str,
    subject_id: str,
    names: list[str],
    as_of: dt.date,
    lang: str,
    policy: WindowPolicy | None,
) -> list[dict[str, str]]:
    sch = declared.schemes().get(scheme)
    if sch is None or not names:
        return []
    frame = records_behind(store, sch, subject_id, names, as_of, policy)
    out = []
    for row, more in _capped(frame.to_dict("records")):
        if more is not None:
            out.append(_more_row(scheme, lang, *more))
            continue
        ind_label = _indicator_label(scheme, row["indicator"], lang)
        kind = all_kinds().get(row["kind"])
        dept = all_departments().get(row["source_dept"])
        owner = L.pick(L.relation_pair(row["relation"]), lang, row["relation"])
        if row["relation"] != "self":
            # a related firm by name and code: the reason reads as whose record it is
            named = row.get("owner_name")
            if isinstance(named, str):
                owner += f" {named}"
            owner += f" {mask_id(row['owner_id'])}"
        out.append(
            {
                "indicator": ind_label,
                "record_id": mask_text(row["record_id"]),
                "kind": (kind.label_zh if lang == "zh" else kind.label_en) if kind else row["kind"],
                # free text from a department or a steward may quote a personal ID
                "detail": mask_text(row["detail"]) if isinstance(row["detail"], str) else "",
                "severity": L.label(L.SEVERITIES, row["severity"], lang),
                "record_date": _fmt_date(row["record_date"]),
                "published_on": _fmt_date(row["published_on"]),
                "window": _window_text(row, lang),
                "counts_until": _fmt_date(row["counts_until"]),
                "source_dept": (dept.label_zh if lang == "zh" else dept.label_en)
                if dept
                else str(row["source_dept"]),
                "owner": owner,
            }
        )
    return out


#: Records of related parties listed per indicator: an aggregate over a village's
#: households may rest on a hundred other people's records; a reader needs the latest
#: few and the count, not every one (each is still in the evidence the page can open).
RELATED_RECORDS_SHOWN = 10


def _capped(rows: list[dict]) -> Iterator[tuple[dict, tuple[str, int, int] | None]]:
    """The rows in order, related parties' rows beyond :data:`RELATED_RECORDS_SHOWN` per
    indicator (the latest kept) left out, and after an indicator's last listed row one
    ``(indicator, hidden, total)`` marker saying how many were left out."""
    related: dict[str, list[dict]] = {}
    for row in rows:
        if row["relation"] != "self":
            related.setdefault(row["indicator"], []).append(row)
    keep: set[int] = set()
    for group in related.values():
        latest = sorted(group, key=lambda r: str(r["record_date"]), reverse=True)
        keep.update(id(r) for r in latest[:RELATED_RECORDS_SHOWN])
    listed = [r for r in rows if r["relation"] == "self" or id(r) in keep]
    for i, row in enumerate(listed):
        yield row, None
        name = row["indicator"]
        last = i + 1 == len(listed) or listed[i + 1]["indicator"] != name
        total = len(related.get(name, ()))
        if last and total > RELATED_RECORDS_SHOWN:
            yield row, (name, total - RELATED_RECORDS_SHOWN, total)


def _more_row(scheme: str, lang: str, name: str, hidden: int, total: int) -> dict[str, str]:
    text = L.pick(L.TEXT["more_related"], lang).format(
        n=hidden, total=total, shown=RELATED_RECORDS_SHOWN
    )
    blank = ("record_id", "detail", "severity", "record_date", "published_on", "window")
    return {
        "indicator": _indicator_label(scheme, name, lang),
        "kind": text,
        **dict.fromkeys(blank, ""),
        "counts_until": "",
        "source_dept": "",
        "owner": "",
    }


def _cause_text(cause: dict | None, lang: str) -> str:
    if not cause:
        return ""
    parts = [L.label(L.CAUSES, cause.get("kind"), lang), cause.get("id") or ""]
    if cause.get("record_id"):
        parts.append(f"({cause['record_id']})")
    return " ".join(p for p in parts if p)


def _scheme_info(scheme: str, lang: str, unit: str) -> dict[str, Any]:
    sch = declared.schemes().get(scheme)
    info: dict[str, Any] = {
        "scheme": scheme,
        "scheme_label": (sch.label_zh if lang == "zh" else sch.label_en) if sch else scheme,
        "target": "",
        "n_indicators": len(sch.indicators) if sch else "",
        "dimensions": "",
        "method": L.pick(L.METHOD.get(unit), lang),
        "grades": [],
        "rules": [],
    }
    if sch and sch.target:
        info["target"] = sch.target.description_zh if lang == "zh" else sch.target.description_en
    if sch:
        dims = sch.dimensions or tuple(dict.fromkeys(i.dimension for i in sch.indicators))
        info["dimensions"] = "、".join(dims) if lang == "zh" else ", ".join(dims)
    if has_scale(scheme, scale_file(scheme)):
        scale = load_scale(scheme, path=scale_file(scheme))
        info["grades"] = [
            {"key": g.key, "label": g.label_zh if lang == "zh" else g.label_en}
            for g in scale.grades
        ]
        info["rules"] = [o.reason_zh if lang == "zh" else o.reason_en for o in scale.overrides]
    return info


def _grade_class(grade: str, order: list[str]) -> str:
    if grade not in order or len(order) < 2:
        return ""
    pos = order.index(grade) / (len(order) - 1)
    return "worst" if pos >= 0.99 else "mid" if pos >= 0.5 else ""


def _section(
    store: Store,
    subject_id: str,
    scheme: str,
    as_of: dt.date | None,
    lang: str,
    policy: WindowPolicy | None,
    rules: RatingPolicies | None = None,
) -> dict[str, Any] | None:
    rated = ratings_on(store, scheme, as_of, [subject_id])  # the rating in force
    if rated.empty:
        return None
    r = rated.iloc[0].to_dict()
    day = r["as_of"]
    reasons = decode(r["reasons"]) or {}
    overrides = decode(r["overrides"]) or []
    unit = reasons.get("unit", "")
    order = grade_order(scheme, [r["final_grade"]])
    own = scale_file(scheme)
    scale = load_scale(scheme, path=own) if has_scale(scheme, own) else None
    grade_label = ""
    if scale and r["final_grade"] in scale.keys:
        grade_label = scale.label(r["final_grade"], lang)
    hist = subject_history(store, subject_id)
    hist = hist[(hist["scheme"] == scheme) & (hist["as_of"] <= day)]
    cur = hist[hist["current"]]
    chart = (
        grade_history_svg(
            list(cur["as_of"]),
            list(cur["final_grade"]),
            [None if pd.isna(p) else float(p) for p in cur["pd"]],
            grade_order(scheme, cur["final_grade"]),
            lang,
        )
        if len(cur)
        else ""
    )
    history = [
        {
            "as_of": _fmt_date(h["as_of"]),
            "grade": h["final_grade"],
            "pd": _fmt_pd(h["pd"]),
            "score": _fmt_num(h["score"], 1),
            "version": (
                f"{L.pick(L.TEXT['by_rule'], lang)} v{h['model_version']}"
                if str(h["model_name"]).startswith(RULE_MODEL_PREFIX)
                else f"{h['model_name']} v{h['model_version']}"
            ),
            "scored_at": str(h["scored_at"])[:16],
            "current": bool(h["current"]),
            "cause": _cause_text(
                {"kind": h["cause_kind"], "id": h["cause_id"], "record_id": h["cause_record_id"]}
                if isinstance(h["cause_kind"], str)
                else None,
                lang,
            ),
        }
        for h in hist.iloc[::-1].to_dict("records")
    ]
    names = reason_indicators(reasons, overrides)
    rest = reasons.get("rest")
    note = ""
    unit_text = L.pick(L.TEXT.get(f"unit_{unit}"), lang, unit)
    if reasons.get("base") is not None and reasons.get("output") is not None:
        digits = 1 if unit == "points" else 3
        note = L.pick(L.TEXT["reason_note"], lang).format(
            base=f"{reasons['base']:.{digits}f}",
            rest=f"{(rest or 0.0):+.{digits}f}",
            output=f"{reasons['output']:.{digits}f}",
            unit=unit_text,
        )
    by_rule = unit == RULE_UNIT  # graded by a published rule alone: no model, no PD
    ruled = rule_section(store, subject_id, scheme, reasons, day, lang, rules) if by_rule else {}
    na = L.pick(L.TEXT["not_applicable"], lang)
    section = {
        **_scheme_info(scheme, lang, unit),
        "as_of": _fmt_date(day),
        "final_grade": r["final_grade"],
        "grade_label": grade_label,
        "grade_class": _grade_class(r["final_grade"], order),
        "model_grade": r["model_grade"] or (na if by_rule else ""),
        "pd": _fmt_pd(r["pd"]) or (na if by_rule else ""),
        "score": _fmt_num(r["score"], 1),
        "green_channel": L.pick(L.TEXT["yes" if _flag(r["green_channel"]) else "no"], lang),
        "cause": _cause_text(reasons.get("cause"), lang),
        "unit": unit_text,
        "unit_paren": f"（{unit_text}）" if lang == "zh" else f" ({unit_text})",
        "overrides": [
            {
                "grade": o.get("grade", ""),
                # a published rule (the drivers' points) carries its own label
                "indicator": (
                    o.get(f"label_{lang}") or _indicator_label(scheme, o.get("indicator", ""), lang)
                ),
                # a rule's reason quotes record IDs, where a department may write an ID
                "text": mask_text(o.get(f"reason_{lang}", "")),
                "text_en": mask_text(o.get("reason_en", "")) if lang == "zh" else "",
            }
            for o in overrides
        ],
        "reason_sides": [
            {"key": k, "rows": _reason_items(reasons.get(k, []), lang, unit, scheme)}
            for k in ("raise", "lower")
        ],
        "reason_note": note,
        "records": _records(store, scheme, subject_id, names, day, lang, policy),
        "chart": chart,
        "history": history,
        "model_name": L.pick(L.TEXT["by_rule"], lang) if by_rule else r["model_name"],
        "model_version": r["model_version"],
        "run_id": r["run_id"] or "",
        "scored_at": str(r["scored_at"])[:19],
        "rule_result": None,
    }
    section.update(ruled)
    return section


def _trail(store: Store, table: str, subject_id: str, lang: str) -> list[dict[str, str]]:
    key = "objection_id" if table == "objections" else "repair_id"
    # an objection or repair carries its record's subject: that subject's records alone are
    # read for the kind (stored in subject order, a city store skips all but a few blocks;
    # every record's kind took a read of all of them)
    frame = store.query(
        f"""SELECT t.*, r.kind FROM (
              SELECT *, row_number() OVER (PARTITION BY {key} ORDER BY recorded_at DESC) AS rn
              FROM {table} WHERE subject_id = ?
            ) t LEFT JOIN (SELECT DISTINCT record_id, kind FROM records WHERE subject_id = ?) r
              ON r.record_id = t.record_id
            WHERE t.rn = 1 ORDER BY t.recorded_at, t.{key}""",
        [subject_id, subject_id],
    )
    out = []
    for row in frame.to_dict("records"):
        kind = all_kinds().get(row["kind"]) if isinstance(row["kind"], str) else None
        item = {
            "id": mask_text(row[key]),
            "record_id": mask_text(row["record_id"]),
            "status_key": row["status"],
            "status": L.label(L.STATUSES, row["status"], lang),
            "kind": (kind.label_zh if lang == "zh" else kind.label_en) if kind else "",
        }
        if table == "objections":
            item |= {
                "opened_on": _fmt_date(row["opened_on"]),
                "resolved_on": _fmt_date(row["resolved_on"]),
                "reason": mask_text(row["reason"]) if isinstance(row["reason"], str) else "",
            }
        else:
            item |= {
                "applied_on": _fmt_date(row["applied_on"]),
                "decided_on": _fmt_date(row["approved_on"]),
            }
        out.append(item)
    return out


def _lists(
    store: Store,
    subject_id: str,
    on: dt.date,
    lang: str,
    lists: ListsConfig,
    checks: CheckConfig,
    person: bool,
) -> dict[str, Any]:
    """名单信息: memberships on ``on``, the whole trail and, for a person, the firms whose
    serious listing names it (persons always masked: a report leaves the platform)."""
    return {
        "on": on.isoformat(),
        "members": membership_rows(standing(store, subject_id, on, None, lists, checks), lang),
        "trail": trail_rows(store, subject_id, lang),
        "reach": person_reach_rows(store, subject_id, on, lists, checks, lang) if person else [],
        "person": person,
    }


def report_data(
    store: Store,
    subject_id: str,
    policy: WindowPolicy,
    *,
    as_of: dt.date | None = None,
    lang: str = "zh",
    scheme: str | None = None,
    lists: ListsConfig | None = None,
    checks: CheckConfig | None = None,
    today: dt.date | None = None,
    rules: RatingPolicies | None = None,
    repair_plan: RepairPlan | None = None,
) -> dict[str, Any]:
    """Everything a credit report shows, as display-ready strings.

    Parameters are those of :func:`credit_report`.

    Raises
    ------
    ReportError
        When the subject is unknown or has no rating (on or before ``as_of``,
        under ``scheme``).
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    if as_of is not None and not isinstance(as_of, dt.date):
        raise TypeError(f"as_of must be a datetime.date, got {as_of!r}")
    day = as_of
    subject = _subject(store, subject_id, lang)
    rated = subject_history(store, subject_id)
    schemes = list(dict.fromkeys(rated["scheme"]))
    if scheme is not None:
        schemes = [s for s in schemes if s == scheme]
    order = {k: i for i, k in enumerate(declared.schemes())}
    schemes.sort(key=lambda s: (order.get(s, len(order)), s))
    sections = [
        s
        for s in (_section(store, subject_id, k, day, lang, policy, rules) for k in schemes)
        if s is not None
    ]
    if not sections:
        what = f" under scheme {scheme!r}" if scheme else ""
        when = f" as of {day}" if day else ""
        known = ", ".join(_fmt_date(d) for d in sorted(set(rated["as_of"])))
        raise ReportError(
            f"subject {mask_id(subject_id)!r} has no rating{what}{when}"
            + (f"; rated as of: {known}" if known else "")
        )
    on = as_of or today or dt.date.today()
    checks = checks or CheckConfig(windows=policy)
    person = subject["type"] in person_types()
    return {
        "lang": lang,
        "subject": subject,
        "sections": sections,
        "lists": _lists(store, subject_id, on, lang, lists or ListsConfig(), checks, person),
        "objections": _trail(store, "objections", subject_id, lang),
        "repairs": _trail(store, "repairs", subject_id, lang),
        "plan": _plan(repair_plan, lang),
    }


def _plan(plan: RepairPlan | None, lang: str) -> dict[str, Any] | None:
    """The repair guidance (信用修复指引) as tables of words; a projection, never a rating."""
    if plan is None:
        return None
    tables = []
    for key, frame in (
        ("records", record_rows(plan, lang)),
        ("options", option_rows(plan, lang)),
        ("projection", projection_rows(plan, lang)),
        ("related", related_rows(plan, lang)),
    ):
        tables.append(
            {
                "key": key,
                "columns": [str(c) for c in frame.columns],
                # a department's record id may quote a personal ID: masked like every text
                "rows": [[mask_text(str(v)) for v in row] for row in frame.itertuples(index=False)],
            }
        )
    return {**plan_titles(plan, lang), "tables": tables}


def credit_report(
    store: Store,
    subject_id: str,
    policy: WindowPolicy,
    *,
    as_of: dt.date | None = None,
    lang: str = "zh",
    scheme: str | None = None,
    generated: dt.datetime | None = None,
    lists: ListsConfig | None = None,
    checks: CheckConfig | None = None,
    rules: RatingPolicies | None = None,
    repair_plan: RepairPlan | None = None,
) -> str:
    """The credit report of a subject as one self-contained HTML page.

    The use case behind ``xinping report`` and the report downloads of the
    主体信用画像 and 信易贷 pages.

    Parameters
    ----------
    store
        The store with subjects, records, objections, repairs and ratings.
    subject_id
        USCC, ID number or division code (personal IDs are masked in the page).
    policy
        The publication windows in force (settings ``[windows]``), used to find
        the records behind the reasons and until when they count.
    as_of
        Report the ratings in force on this date (default: each scheme's latest).
    lang
        ``zh`` (Chinese first, English beside it) or ``en``.
    scheme
        Only this scheme (default: every scheme that rates the subject).
    generated
        Time stamp printed in the page (default: now).
    lists, checks
        The lists' and checks' settings (``[lists]``, ``[checks]``; defaults: the
        shipped ones with ``policy``'s windows). 名单信息 is read on ``as_of``, else on
        the day of ``generated``.
    rules
        The rating policies in force (settings ``[driver]``, ``[rules.<key>]``): a rule-only
        rating's bands and cycle are shown with the figures it was rated by (default: the
        declared ones).
    repair_plan
        The subject's repair guidance (:func:`scoring.repair_plan.guidance`, computed by the
        door with the champions): shown as 信用修复指引, its projection labelled as such.

    Returns
    -------
    str
        HTML with inline CSS and the chart as an inline SVG image.

    Raises
    ------
    ReportError
        When the subject is unknown or has no rating.
    """
    now = generated or dt.datetime.now()
    data = report_data(
        store,
        subject_id,
        policy,
        as_of=as_of,
        lang=lang,
        scheme=scheme,
        lists=lists,
        checks=checks,
        today=now.date(),
        rules=rules,
        repair_plan=repair_plan,
    )
    stamp = now.strftime("%Y-%m-%d %H:%M")

    def t(key: str) -> Markup:
        return Markup(L.both(L.text_pair(key), lang))

    return _env().get_template("credit_report.html").render(**data, t=t, generated=stamp)
