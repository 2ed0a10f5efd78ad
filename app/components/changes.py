"""Before → after: the subjects a change re-rated, with their grade and PD."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.auth import User
from app.components import formats, tables
from app.data.casework import changes_frame
from app.i18n import lang, scheme_label, t
from app.state import mask_frame
from scoring.casework import Outcome


def rerated(title: str, frame: pd.DataFrame, seconds: float) -> None:
    """A success line, then every re-rated subject (mask IDs before calling)."""
    st.success(title)
    if frame.empty:
        st.caption(t("obj.no_rerate"))
        return
    st.caption(t("obj.rerated", n=len(frame), ms=f"{seconds * 1000:.0f}"))
    here = lang()
    side = 0 if here == "zh" else 1
    joiner = "；" if here == "zh" else "; "
    view = frame.copy()
    view["scheme_shown"] = view["scheme"].map(scheme_label)
    view["in_force_shown"] = [
        formats.MISSING
        if formats.missing(g)
        else f"{formats.grade(g, here)}（{formats.day(d)}）"
        if here == "zh"
        else f"{formats.grade(g, here)} ({formats.day(d)})"
        for g, d in zip(
            view["in_force_grade"], view.get("in_force_as_of", [None] * len(view)), strict=True
        )
    ]
    for col in ("reasons_before", "reasons_after"):
        if col in view:
            view[col] = [
                joiner.join(pair[side] for pair in reasons) if reasons else formats.MISSING
                for reasons in view[col]
            ]
    tables.show(
        view,
        [
            "subject_id",
            "scheme_shown",
            "in_force_shown",
            "before_grade",
            "after_grade",
            "before_pd",
            "after_pd",
            "moved",
            "reasons_before",
            "reasons_after",
        ],
        key="changes",
    )


def show_outcome(title: str, outcome: Outcome, user: User) -> None:
    """A change (objection, repair, listing…) and every subject it re-rated, IDs as
    ``user`` may see them (:func:`app.state.mask_frame`)."""
    rerated(title, mask_frame(user, changes_frame(outcome.changes)), outcome.seconds)
