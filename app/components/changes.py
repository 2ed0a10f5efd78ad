"""Before → after: the subjects a change re-rated, with their grade and PD."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.components import tables
from app.i18n import lang, t


def rerated(title: str, frame: pd.DataFrame, seconds: float) -> None:
    """A success line, then every re-rated subject (mask IDs before calling)."""
    st.success(title)
    if frame.empty:
        st.caption(t("obj.no_rerate"))
        return
    st.caption(t("obj.rerated", n=len(frame), ms=f"{seconds * 1000:.0f}"))
    view = frame.copy()
    side = 0 if lang() == "zh" else 1
    for col in ("reasons_before", "reasons_after"):
        if col in view:
            view[col] = ["；".join(pair[side] for pair in reasons) if reasons else "—"
                         for reasons in view[col]]
    tables.show(view, ["scheme", "subject_id", "in_force_grade", "before_grade", "after_grade",
                       "before_pd", "after_pd", "moved", "reasons_before", "reasons_after"],
                key="changes")
