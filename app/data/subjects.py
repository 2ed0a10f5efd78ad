"""主体信用画像: find a subject, its ratings over time, the reasons, the records behind them."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from features import registry
from features.common_flags import flags_of
from features.records.kinds import all_departments, all_kinds
from features.records.values import (
    POLARITIES,
    SEVERITIES,
    SOURCES,
    kind_value_label,
    value_label,
    value_num_unit,
)
from features.rules import Flag
from features.schemes import schemes
from features.store.base import Store
from features.subjects import current_subject, search_subjects
from scoring.history import ratings_on, subject_history
from scoring.objections import objection_status
from scoring.rules import LEGACY_KEYS

SEARCH_LIMIT = 50


def search(store: Store, text: str, limit: int = SEARCH_LIMIT) -> pd.DataFrame:
    """Subjects whose name contains ``text`` or whose code starts with it (6+ characters):
    :func:`features.subjects.search_subjects`."""
    return search_subjects(store, text, limit=limit)


def subject(store: Store, subject_id: str) -> pd.Series | None:
    """The subject's current version (:mod:`features.subjects`), or ``None``."""
    row = current_subject(store, subject_id)
    return None if row is None else pd.Series(row)


def rating_history(store: Store, subject_id: str) -> pd.DataFrame:
    """Every rating of the subject over time (:func:`scoring.history.subject_history`),
    with ``cause`` the kind of an event re-rating (null for batch rows)."""
    frame = subject_history(store, subject_id).rename(columns={"cause_kind": "cause"})
    frame["as_of"] = pd.to_datetime(frame["as_of"])
    return frame


def latest(store: Store, subject_id: str, history: pd.DataFrame) -> pd.DataFrame:
    """The rating in force per scheme (:func:`scoring.history.ratings_on`, the latest)
    with its reasons and overrides JSON."""
    rows = [
        ratings_on(store, scheme, None, [subject_id]) for scheme in dict.fromkeys(history["scheme"])
    ]
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def rule_results(why: dict[str, Any], scheme: str) -> list[dict[str, Any]]:
    """Each published points rule's result stored with the rating (``reasons["rules"]``,
    :mod:`scoring.rules`), with the rule's declared labels: ``key``, ``label_zh``,
    ``label_en``, ``points``, ``events``, ``grade``, ``grade_zh``, ``grade_en``,
    ``binding`` and ``detail`` (the records that scored)."""
    found = why.get("rules")
    if not isinstance(found, dict):  # rated before reasons["rules"]: the older keys
        found = {k: why[old] for k, old in LEGACY_KEYS.items() if isinstance(why.get(old), dict)}
    declared = {r.key: r for r in schemes()[scheme].rules} if scheme in schemes() else {}
    out = []
    for key, got in found.items():
        rule = declared.get(key)
        out.append(
            {
                **got,
                "key": key,
                "label_zh": rule.label_zh if rule else key,
                "label_en": rule.label_en if rule else key,
            }
        )
    return out


def flag_states(row: pd.Series, scheme: str) -> list[tuple[Flag, bool]]:
    """The scheme's flags (:func:`features.common_flags.flags_of`) whose value the rating
    stores (a ratings column named by the flag's key: ``green_channel``), with it."""
    if scheme not in schemes():
        return []
    out = []
    for flag in flags_of(schemes()[scheme]):
        value = row.get(flag.key)
        if value is not None and not pd.isna(value):
            out.append((flag, bool(value)))
    return out


def attributes(
    store: Store, subject_id: str, subject_type: str, lang: str
) -> list[tuple[str, str]]:
    """The subject's declared attributes now (``subject_attributes``, the latest value of each)
    as ``(label, value)`` in ``lang``, in the order its type declares them."""
    types = registry.active().subject_types()
    if subject_type not in types or not types[subject_type].attributes:
        return []
    frame = store.query(
        """
        SELECT name, value_text, value_num FROM subject_attributes WHERE subject_id = ?
        QUALIFY row_number() OVER (PARTITION BY name ORDER BY version_from DESC) = 1""",
        [subject_id],
    )
    now = {r.name: r for r in frame.itertuples(index=False)}
    out = []
    for decl in types[subject_type].attributes:
        got = now.get(decl.name)
        if got is None:
            continue
        if decl.dtype == "number":
            if got.value_num is None or pd.isna(got.value_num):
                continue
            value = _num(float(got.value_num))
        elif isinstance(got.value_text, str) and got.value_text:
            value = decl.value_label(got.value_text, lang)
        else:
            continue
        out.append((decl.label_zh if lang == "zh" else decl.label_en, value))
    return out


def reasons(row: pd.Series) -> dict[str, Any]:
    """The rating's reasons JSON as a dict (empty lists when missing)."""
    data = json.loads(row["reasons"]) if isinstance(row.get("reasons"), str) else {}
    data.setdefault("raise", [])
    data.setdefault("lower", [])
    return data


def overrides(row: pd.Series) -> list[dict[str, Any]]:
    """The policy overrides applied to the rating."""
    value = row.get("overrides")
    return json.loads(value) if isinstance(value, str) and value else []


def _money(x: float, lang: str) -> str:
    return f"{x:,.0f}元" if lang == "zh" else f"{x:,.0f} yuan"


def _num(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}".rstrip("0").rstrip(".")


def record_value(kind: str, value_num: Any, value_text: Any, amount: Any, lang: str) -> str:
    """What a record says, as a person reads it: ``B级``, ``电 1,234千瓦时``, ``12人``,
    ``罚款 5,000元``; ``—`` when it carries nothing but its kind."""
    parts: list[str] = []
    if isinstance(value_text, str) and value_text:
        parts.append(kind_value_label(kind, value_text, lang))
    if value_num is not None and not pd.isna(value_num):
        unit = value_num_unit(kind, value_text, lang)
        tight = unit in ("", "%") or unit[0] >= "\u2e80"
        parts.append(f"{_num(value_num)}{unit}" if tight else f"{_num(value_num)} {unit}")
    if amount is not None and not pd.isna(amount):
        parts.append(_money(float(amount), lang))
    sep = "，" if lang == "zh" else ", "
    return sep.join(parts) if parts else "—"


def record_words(frame: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """``frame`` of records with what each coded column means in ``lang``: ``kind_label``,
    ``severity_label``, ``polarity_label``, ``dept_label`` and ``value_shown``."""
    zh = lang == "zh"
    # read now, not at import: a scheme folder's kinds and departments join with the registry
    kinds, departments = all_kinds(), all_departments()
    out = frame.copy()
    out["kind_label"] = [
        (kinds[k].label_zh if zh else kinds[k].label_en) if k in kinds else k for k in frame["kind"]
    ]
    if "severity" in frame:
        out["severity_label"] = [
            value_label(SEVERITIES, v, lang) or "—"
            for v in frame["severity"].astype(object).where(frame["severity"].notna(), None)
        ]
    if "polarity" in frame:
        out["polarity_label"] = [value_label(POLARITIES, v, lang) for v in frame["polarity"]]
    if "source_dept" in frame:
        out["dept_label"] = [
            (departments[d].label_zh if zh else departments[d].label_en)
            if d in departments
            else value_label(SOURCES, d, lang)
            for d in frame["source_dept"]
        ]
    empty = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    num, text, amount = (frame.get(c, empty) for c in ("value_num", "value_text", "amount"))
    out["value_shown"] = [
        record_value(k, n, v, a, lang)
        for k, n, v, a in zip(frame["kind"], num, text, amount, strict=True)
    ]
    return out


def records(store: Store, subject_id: str, lang: str = "zh") -> pd.DataFrame:
    """The subject's records, newest first, with every coded column in words
    (:func:`record_words`)."""
    frame = store.query(
        """
        SELECT record_id, kind, severity, polarity, value_num, value_text, amount,
               event_date, published_on, valid_until, revoked_on, source_dept, detail
        FROM records WHERE subject_id = ? ORDER BY event_date DESC, record_id""",
        [subject_id],
    )
    return record_words(frame, lang)


def open_objections(store: Store, subject_id: str) -> pd.DataFrame:
    """The subject's objections that are still open."""
    status = objection_status(store, status="open")
    mine = status[status["subject_id"] == subject_id]
    return mine[["objection_id", "record_id", "opened_on", "reason", "handled_by"]]
