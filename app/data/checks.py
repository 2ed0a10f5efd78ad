"""信用核查 and 联合奖惩管理: the reads the two pages show, as words a clerk reads.

Nothing here decides anything: the checks, the feedback, the catalogue and the
lists are the use cases' (:mod:`scoring.credit_check`, :mod:`scoring.check_feedback`,
:mod:`scoring.measures.versions`, :mod:`scoring.list_decisions`). These functions
turn what they stored into display rows: codes become Chinese (or English) labels,
dates become text, and nothing shows ``None``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pandas as pd

from features.records.kinds import all_kinds
from features.store.base import Store
from scoring.list_reads import evidence_trail, list_events, listing_rows
from scoring.lists import ListsConfig, list_states, listing_states
from scoring.measures.catalogue import Catalogue
from scoring.measures.vocabulary import (
    FORCES,
    LIST_KEYS,
    MATTERS,
    MEASURE_TYPES,
    REACHES,
    WHILE_LISTED,
    label,
    scale_name,
    trigger_label,
)

DASH = "—"
#: what a piece of evidence is (scoring.credit_check.Evidence.source)
SOURCES: dict[str, tuple[str, str]] = {
    "record": ("信用记录", "record"),
    "listing": ("名单列入", "listing"),
    "rating": ("信用评价", "rating"),
}


def _i(lang: str) -> int:
    return 0 if lang == "zh" else 1


def bilingual(text: Any, zh: bool) -> Any:
    """The page language's half of a stored ``中文 / English`` note (the list rules write
    their own notes so); any other text as it is."""
    if not isinstance(text, str) or " / " not in text:
        return text
    first, _, second = text.partition(" / ")
    return first if zh else second


def matter_label(matter: str, lang: str) -> str:
    """A matter in words (``procurement`` → 政府采购); an unknown key as itself."""
    return label(MATTERS, matter, lang) if matter in MATTERS else matter


def duration_text(months: int | None, lang: str) -> str:
    """How long a measure lasts, in words."""
    if months is None:
        return ("触发条件存续期间", "while the trigger holds")[_i(lang)]
    return f"{months} 个月" if lang == "zh" else f"{months} months"


def evidence_kind(source: str, kind: str, lang: str) -> str:
    """The kind of a piece of evidence in words: a record kind, a list, a grading scheme."""
    i = _i(lang)
    if source == "listing" and kind in LIST_KEYS:
        return LIST_KEYS[kind][i]
    if source == "rating":
        try:
            return scale_name(kind, lang)
        except (FileNotFoundError, ModuleNotFoundError, KeyError):
            return kind
    if kind == "listing_evidence":
        return ("名单列入所依据的记录", "record behind a listing")[i]
    kinds = all_kinds()  # read now: a scheme folder's kinds join with the registry
    if kind in kinds:
        return kinds[kind].label_zh if i == 0 else kinds[kind].label_en
    return kind


def _evidence_id(e: dict[str, Any], lang: str) -> str:
    """A record's or listing's ID; a rating is named by its model version (stored as
    ``scheme:version``), never by the scheme's code."""
    if e["source"] == "rating" and ":" in e["id"]:
        version = e["id"].split(":", 1)[1]
        return f"模型版本 {version}" if lang == "zh" else f"model version {version}"
    return e["id"]


def evidence_frame(measure: dict[str, Any], lang: str) -> pd.DataFrame:
    """The evidence of one returned measure (a ``CheckResult.measures`` item as stored)."""
    i = _i(lang)
    rows = [
        {
            "evidence_source": SOURCES.get(e["source"], (e["source"],) * 2)[i],
            "evidence_id": _evidence_id(e, lang),
            "kind_label": evidence_kind(e["source"], e["kind"], lang),
            "evidence_on": e.get("on") or DASH,
            "evidence_until": e.get("until") or DASH,
        }
        for e in measure.get("evidence", [])
    ]
    return pd.DataFrame(
        rows,
        columns=["evidence_source", "evidence_id", "kind_label", "evidence_on", "evidence_until"],
    )


def measure_heading(measure: dict[str, Any], lang: str) -> str:
    """``失信惩戒 · 强制性 · 禁止参加政府采购活动`` for a returned measure."""
    name = measure["name_zh"] if lang == "zh" else measure["name_en"]
    return " · ".join(
        (label(MEASURE_TYPES, measure["type"], lang), label(FORCES, measure["force"], lang), name)
    )


def triggers_text(measure: dict[str, Any], lang: str) -> str:
    """The triggers that matched, in words."""
    return ("；" if lang == "zh" else "; ").join(trigger_label(t, lang) for t in measure["matched"])


def department_checks(store: Store, department: str | None, limit: int = 500) -> pd.DataFrame:
    """A department's checks (every department's when ``department`` is None), newest
    first: ``check_id``, ``checked_at``, ``checked_by``, ``department``, ``purpose``,
    ``matter``, ``subject_id``, ``name``, ``as_of``, ``measures``."""
    where, params = ("WHERE department = ?", [department]) if department is not None else ("", [])
    rows = store.query(
        "SELECT check_id, checked_at, checked_by, department, purpose, matter, subject_id, "
        f"as_of, measures, result FROM credit_checks {where} "
        f"ORDER BY checked_at DESC, check_id DESC LIMIT {int(limit)}",
        params,
    )
    rows["name"] = [json.loads(r).get("name", "") for r in rows["result"]]
    return rows.drop(columns=["result"])


def check_rows(frame: pd.DataFrame, lang: str, who: Callable[[str], str] = str) -> pd.DataFrame:
    """:func:`department_checks` as shown: the matter in words, the time to the minute,
    who checked by ``who`` (a user name → the account's name)."""
    out = frame.copy()
    out["matter_label"] = [matter_label(m, lang) for m in out["matter"]]
    out["checked_at"] = [pd.Timestamp(x).strftime("%Y-%m-%d %H:%M") for x in out["checked_at"]]
    names = {u: who(u) for u in set(out["checked_by"])}
    out["checked_by"] = [names[u] for u in out["checked_by"]]
    return out


def catalogue_rows(catalogue: Catalogue, lang: str) -> pd.DataFrame:
    """The catalogue as a table a steward reads: one row per measure."""
    sep = "、" if lang == "zh" else ", "
    rows = []
    for m in catalogue.measures:
        rows.append(
            {
                "measure_id": m.id,
                "measure_name": m.name(lang),
                "measure_type": label(MEASURE_TYPES, m.type, lang),
                "measure_force": label(FORCES, m.force, lang),
                "matters_label": sep.join(matter_label(x, lang) for x in m.matters),
                "triggers_label": sep.join(trigger_label(x, lang) for x in m.triggers),
                "basis_document": m.basis.document or DASH,
                "implementing": sep.join(m.implementing),
                "reaches_label": sep.join(label(REACHES, r, lang) for r in m.reaches),
                "duration_label": duration_text(
                    None if m.duration_months in (None, WHILE_LISTED) else m.duration_months, lang
                ),
            }
        )
    return pd.DataFrame(rows)


def all_listings(
    store: Store, on: dt.date, config: ListsConfig, lang: str, masked: bool = True
) -> pd.DataFrame:
    """Every listing on ``on`` with its subject, as display rows (:func:`listing_rows`),
    newest entry first; ``in_force`` says whether it makes its subject a member,
    ``listing_reason`` is the reason in the page's language."""
    events = list_events(store)
    if events.empty:
        return pd.DataFrame(columns=["listing_id", "subject_id", "in_force"])
    objections, repairs = evidence_trail(store, events)
    listings = listing_states(events, objections, repairs, on, config)
    names = store.query(
        "SELECT subject_id, any_value(name) AS name FROM subjects "
        "WHERE subject_id IN (SELECT subject_id FROM _xp_ids) GROUP BY subject_id",
        frames={"_xp_ids": pd.DataFrame({"subject_id": sorted({x.subject_id for x in listings})})},
    )
    name_of = dict(zip(names["subject_id"], names["name"], strict=True))
    out = []
    for x in listings:
        row = listing_rows(list_states([x]), lang, masked)[0]
        out.append(
            {
                **row,
                "subject_id": x.subject_id,
                "name": name_of.get(x.subject_id, ""),
                "in_force": x.active,
                # a rule's listing keeps the rule's Chinese wording as its reason: an
                # English row names the rule in its basis instead
                "listing_reason": row["reason"] if lang == "zh" or x.basis != "rule" else DASH,
            }
        )
    return pd.DataFrame(out).iloc[::-1].reset_index(drop=True)
