"""Tables of the app: chosen columns, headers and values in the session's language.

:func:`prepare` is pure: it turns a frame into what a person reads — every
column by its kind (:data:`KINDS`): dates ``2026-09-30``, timestamps without
seconds, PDs and shares as percentages, money and counts with separators,
yes/no in words, ``NR`` as 未评为信用户 — plus Streamlit column settings (headers,
pixel widths). Numbers stay numbers where a person
sorts by them (PD, money, counts); the grid formats them. Missing values show
as ``—`` (``placeholder``), never ``None``.

Key columns first: each page lists its columns in reading order with the
identifying and deciding ones (name, ID, grade or class, reasons) at the left,
so they are visible at 1440 px without scrolling sideways.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from app.components import formats
from app.i18n import lang as session_lang
from app.i18n import tr

#: how each column reads (columns not listed are text)
KINDS: dict[str, str] = {
    **dict.fromkeys(
        (
            "as_of",
            "event_date",
            "published_on",
            "valid_until",
            "opened_on",
            "accept_by",
            "check_by",
            "department_by",
            "cap_by",
            "resolved_on",
            "assessed_on",
        ),
        "date",
    ),
    **dict.fromkeys(
        (
            "scored_at",
            "created",
            "started",
            "finished_at",
            "promoted_at",
            "logged_at",
            "quarantined_at",
        ),
        "stamp",
    ),
    **dict.fromkeys(
        ("pd", "before_pd", "after_pd", "mean_pd", "predicted_pd", "observed_rate", "event_rate"),
        "pd",
    ),
    # 信用预警 (issue 19): the alert's date, the monthly report's movers and shares
    "alert_on": "date",
    **dict.fromkeys(("pd_from", "pd_to", "pd_rise"), "pd"),
    **dict.fromkeys(("share_a", "share_b", "share_c", "share_d"), "share"),
    **dict.fromkeys(("steps", "serious_records", "subjects"), "count"),
    **dict.fromkeys(("share", "credit_share", "credit_village_share", "drawn_share"), "share"),
    **dict.fromkeys(("amount", "credit_line"), "money"),
    **dict.fromkeys(
        (
            "n",
            "rows_read",
            "rows_stored",
            "rows_unchanged",
            "rows_quarantined",
            "villages",
            "credit_villages",
            "households",
            "credit_households",
            "businesses",
            "businesses_worst",
            "population",
            "capped",
            "eligible",
            "target",
            "drawn_by_ratio",
            "drawn_floor",
            "drawn",
            "days_left",
            "defaults",
            "count",
            "events",
            "weighs",
            "row_number",
            # 分级分类监管: firms of a class and those on each list (issue 17)
            "firms",
            "on_red",
            "on_black",
            "on_watch",
        ),
        "count",
    ),
    **dict.fromkeys(
        (
            "oot_auc",
            "oot_gini",
            "oot_ks",
            "oot_brier",
            "score_psi",
            "auc",
            "gini",
            "ks",
            "brier",
            "psi",
        ),
        "metric",
    ),
    "score": "score",
    **dict.fromkeys(
        (
            "overdue",
            "current",
            "gates_passed",
            "credit_household",
            "passed",
            "moved",
            "is_credit_village",
            "is_credit_township",
            "green_channel",
        ),
        "bool",
    ),
    **dict.fromkeys(
        ("final_grade", "model_grade", "before_grade", "after_grade", "grade"), "grade"
    ),
    # 部门数据质量 (issue 19)
    **dict.fromkeys(
        (
            "dq_late_share",
            "dq_incomplete_share",
            "dq_quarantine_rate",
            "dq_duplicate_share",
            "dq_upheld_share",
            "dq_reason_rate",
        ),
        "share",
    ),
    **dict.fromkeys(
        (
            "dq_rank",
            "dq_rows",
            "dq_decided",
            "dq_late",
            "dq_incomplete",
            "dq_pushed",
            "dq_quarantined",
            "dq_duplicates",
            "dq_resolved",
            "dq_upheld",
            "dq_reason_rows",
        ),
        "count",
    ),
    **dict.fromkeys(("dq_score", "dq_median_lag", "dq_volume_ratio"), "dq_number"),
}

#: pixel widths of the columns a person reads first (others size to their content)
WIDTHS: dict[str, int] = {
    "name": 240,
    "subject_id": 170,
    "credit_class": 130,
    "top_reasons": 400,
    "reasons_before": 320,
    "reasons_after": 320,
    "message": 360,
    "line_problem": 360,
    "reason_text": 400,
    "reasons_zh": 320,
    "reasons_en": 320,
    "value_shown": 160,
    "kind_label": 130,
    "label": 160,
}

#: the grid's formats per kind (numbers keep sorting as numbers); PDs and shares are stored
#: ×100 for printf formats, since the grid's "percent" preset drops trailing zeros (7%)
_NUMBER_FORMATS = {
    "pd": "%.2f%%",
    "share": "%.1f%%",
    "money": "localized",
    "count": "localized",
    "metric": "%.3f",
    "score": "%.0f",
    "dq_number": "%.1f",
}


def _text_column(values: pd.Series, kind: str, lang: str) -> pd.Series:
    if kind == "date":
        return values.map(formats.day)
    if kind == "stamp":
        return values.map(formats.stamp)
    if kind == "bool":
        return values.map(lambda v: formats.yes_no(v, lang))
    if kind == "grade":
        return values.map(lambda v: formats.grade(v, lang))
    return values.map(
        lambda v: (
            formats.MISSING
            if formats.missing(v) or v == ""
            else formats.yes_no(v, lang)
            if isinstance(v, bool)
            else str(v)
        )
    )


def _number_column(values: pd.Series, kind: str) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    return numbers * 100 if kind in ("pd", "share") else numbers


def prepare(
    frame: pd.DataFrame,
    columns: Sequence[str],
    lang: str,
    widths: Mapping[str, int] | None = None,
    pinned: str | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The view of ``columns`` of ``frame`` (in that order) and its column settings.

    Returns
    -------
    (DataFrame, dict)
        The frame as shown (text and numbers) with its headers in ``lang`` as
        column names, and the ``column_config`` for ``st.dataframe`` by header
        (width, format, pinned).
    """
    present = [c for c in columns if c in frame.columns]
    pin = pinned  # the grid greys a pinned column: pin only where a page asks for it
    sizes = {**WIDTHS, **(widths or {})}
    view = pd.DataFrame(index=frame.index)
    config: dict[str, Any] = {}
    for c in present:
        kind = KINDS.get(c, "text")
        header = tr(f"col.{c}", lang)
        if header in view.columns:
            raise ValueError(f"two columns of one table read {header!r}: {present}")
        options: dict[str, Any] = {"pinned": c == pin}
        if c in sizes:
            options["width"] = sizes[c]
        if kind in _NUMBER_FORMATS:
            view[header] = _number_column(frame[c], kind)
            config[header] = st.column_config.NumberColumn(format=_NUMBER_FORMATS[kind], **options)
        else:
            view[header] = _text_column(frame[c], kind, lang)
            config[header] = st.column_config.TextColumn(**options)
    return view.reset_index(drop=True), config


def show(
    frame: pd.DataFrame,
    columns: Sequence[str],
    key: str | None = None,
    height: int | None = None,
    widths: Mapping[str, int] | None = None,
    pinned: str | None = None,
) -> None:
    """Show ``columns`` of ``frame`` as a person reads them (:func:`prepare`).

    Mask IDs before calling (:func:`app.state.mask_frame`): this only renders.
    """
    view, config = prepare(frame, columns, session_lang(), widths, pinned)
    kwargs = {"height": height} if height else {}
    st.dataframe(
        view,
        hide_index=True,
        width="stretch",
        key=key,
        column_config=config,
        column_order=list(view.columns),
        placeholder=formats.MISSING,
        **kwargs,
    )


def export(frame: pd.DataFrame, columns: Sequence[str], lang: str) -> pd.DataFrame:
    """``columns`` of ``frame`` for a CSV/Excel download: the same words and formats as on
    screen (percentages and money as text), headers in ``lang``."""
    view, _config = prepare(frame, columns, lang)
    for c in [c for c in columns if c in frame.columns]:
        kind, header = KINDS.get(c, "text"), tr(f"col.{c}", lang)
        if kind == "pd":
            view[header] = frame[c].map(formats.pd_percent).to_numpy()
        elif kind == "share":
            view[header] = frame[c].map(formats.share).to_numpy()
        elif kind in ("money", "count"):
            view[header] = (
                frame[c]
                .map(lambda v: formats.MISSING if formats.missing(v) else f"{float(v):.0f}")
                .to_numpy()
            )
    return view
