"""The public disclosure's rows as people read them (the 信用公示 page and the /public API).

The use cases (:mod:`scoring.disclosure`, :mod:`scoring.self_service`,
:mod:`scoring.disclosure_deadline`) return codes; these functions put every code in
words of ``lang`` (``zh`` or ``en``) and every date and amount in text, so that the
page and the API show the same thing and a Chinese view holds no code, ``None`` or
English word.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from app.components import formats
from app.data.subjects import record_value
from features.records.kinds import all_departments, all_kinds
from features.records.values import (
    SEVERITIES,
    kind_value_label,
    subject_type_labels,
    value_label,
)
from scoring.lists import LIST_LABELS

DASH = "—"
BASIS = {"rule": ("规则认定", "by rule"), "decision": ("部门决定", "by decision")}
PUBLIC_MARK = {True: ("公示中", "public"), False: ("仅本主体可见", "visible to the subject only")}
UNDER_OBJECTION = ("异议核查中（暂不计入）", "objection under verification (not counted)")
IN_FORCE = ("有效", "in force")


def _i(lang: str) -> int:
    return 0 if lang == "zh" else 1


def _day(value: Any) -> str:
    return DASH if formats.missing(value) else str(value)[:10]


def _last_day(value: Any) -> str:
    if formats.missing(value):
        return DASH
    return str(pd.Timestamp(value).date() - dt.timedelta(days=1))


def _dept(code: Any, lang: str) -> str:
    departments = all_departments()  # read now: declared departments join with the registry
    if code in departments:
        d = departments[code]
        return d.label_zh if lang == "zh" else d.label_en
    return DASH if formats.missing(code) else str(code)


def _kind(code: str, lang: str) -> str:
    k = all_kinds().get(code)
    return (k.label_zh if lang == "zh" else k.label_en) if k else code


def _severity(code: Any, lang: str) -> str:
    return DASH if formats.missing(code) else value_label(SEVERITIES, code, lang)


def _matter(kind: str, code: Any, lang: str) -> str:
    return DASH if formats.missing(code) else kind_value_label(kind, code, lang)


def _amount(value: Any) -> str:
    return DASH if formats.missing(value) else formats.money(value)


def _who(r: dict[str, Any], lang: str) -> dict[str, str]:
    """Who a public row is about: name (masked for a person), code, subject type."""
    return {
        "pub_subject": r["subject_name"] or DASH,
        "pub_code": r["subject_code"],
        "pub_type": DASH
        if formats.missing(r["subject_type"])
        else value_label(subject_type_labels(), r["subject_type"], lang),
    }


def disclosure_rows(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """:func:`scoring.disclosure.disclosures` in words: one row per record."""
    rows = [
        {
            **_who(r, lang),
            "pub_kind": _kind(r["kind"], lang),
            "pub_severity": _severity(r["severity"], lang),
            "pub_matter": _matter(r["kind"], r["value_text"], lang),
            "pub_amount": _amount(r["amount"]),
            "pub_dept": _dept(r["source_dept"], lang),
            "pub_decided": _day(r["decided_on"]),
            "pub_published": _day(r["published_on"]),
            # the last day shown (the use case's shown_until is the first day it is not)
            "pub_until": _last_day(r["shown_until"]),
        }
        for r in frame.to_dict("records")
    ]
    return pd.DataFrame(rows, columns=list(DISCLOSURE_VIEW))


DISCLOSURE_VIEW: tuple[str, ...] = (
    "pub_subject",
    "pub_code",
    "pub_type",
    "pub_kind",
    "pub_severity",
    "pub_matter",
    "pub_amount",
    "pub_dept",
    "pub_decided",
    "pub_published",
    "pub_until",
)


LIST_VIEW: tuple[str, ...] = (
    "pub_subject",
    "pub_code",
    "pub_type",
    "pub_list",
    "pub_basis",
    "pub_entered",
    "pub_expires",
)


def list_rows(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """:func:`scoring.disclosure.public_list` in words."""
    i = _i(lang)
    rows = [
        {
            **_who(r, lang),
            "pub_list": LIST_LABELS[r["list_key"]][i],
            # the rule's wording is Chinese: on English rows the basis is named only
            "pub_basis": BASIS[r["basis"]][i]
            + ("：" + r["basis_text"] if i == 0 and r["basis_text"] else ""),
            "pub_entered": _day(r["entered_on"]),
            "pub_expires": _day(r["expires_on"]),
        }
        for r in frame.to_dict("records")
    ]
    return pd.DataFrame(rows, columns=list(LIST_VIEW))


OWN_VIEW: tuple[str, ...] = (
    "record_id",
    "pub_kind",
    "pub_severity",
    "pub_value",
    "pub_dept",
    "pub_decided",
    "pub_published",
    "pub_valid",
    "pub_state",
    "pub_public",
)


def own_rows(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """:func:`scoring.self_service.own_records` in words (the record ID stays: it is what
    the subject objects to)."""
    i = _i(lang)
    rows = [
        {
            "record_id": r["record_id"],
            "pub_kind": _kind(r["kind"], lang),
            "pub_severity": _severity(r["severity"], lang),
            "pub_value": record_value(r["kind"], r["value_num"], r["value_text"], r["amount"], lang)
            or DASH,
            "pub_dept": _dept(r["source_dept"], lang),
            "pub_decided": _day(r["decided_on"]),
            "pub_published": _day(r["published_on"]),
            "pub_valid": _day(r["valid_until"]),
            "pub_state": (UNDER_OBJECTION if isinstance(r["objection_id"], str) else IN_FORCE)[i],
            "pub_public": PUBLIC_MARK[bool(r["public"])][i],
        }
        for r in frame.to_dict("records")
    ]
    return pd.DataFrame(rows, columns=list(OWN_VIEW))


LATE_VIEW: tuple[str, ...] = (
    "pub_dept",
    "pub_month",
    "pub_decided_n",
    "pub_late_n",
    "pub_share",
    "pub_max_late",
)


def late_rows(summary: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The per-department and month summary of
    :func:`scoring.disclosure_deadline.late_disclosures`."""
    rows = [
        {
            "pub_dept": _dept(r["source_dept"], lang),
            "pub_month": str(r["month"])[:7],
            "pub_decided_n": int(r["decided"]),
            "pub_late_n": int(r["late"]),
            "pub_share": formats.share(r["late_share"]),
            "pub_max_late": int(r["max_workdays_late"]),
        }
        for r in summary.to_dict("records")
    ]
    return pd.DataFrame(rows, columns=list(LATE_VIEW))


LATE_DETAIL_VIEW: tuple[str, ...] = (
    "record_id",
    "subject_id",
    "pub_kind",
    "pub_dept",
    "pub_decided",
    "pub_due",
    "pub_published",
    "pub_max_late",
)


def late_detail_rows(detail: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The late records of :func:`scoring.disclosure_deadline.late_disclosures` in words
    (mask ``subject_id`` before: :func:`app.state.mask_frame`)."""
    rows = [
        {
            "record_id": r["record_id"],
            "subject_id": r["subject_id"],
            "pub_kind": _kind(r["kind"], lang),
            "pub_dept": _dept(r["source_dept"], lang),
            "pub_decided": _day(r["decided_on"]),
            "pub_due": _day(r["due_by"]),
            "pub_published": _day(r["published_on"]),
            "pub_max_late": int(r["workdays_late"]),
        }
        for r in detail.to_dict("records")
    ]
    return pd.DataFrame(rows, columns=list(LATE_DETAIL_VIEW))
