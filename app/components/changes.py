"""Before → after: the subjects a change re-rated, with their grade and PD."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.components import tables
from app.i18n import t


def rerated(title: str, frame: pd.DataFrame, seconds: float) -> None:
    """A success line, then every re-rated subject (mask IDs before calling)."""
    st.success(title)
    if frame.empty:
        st.caption(t("obj.no_rerate"))
        return
    st.caption(t("obj.rerated", n=len(frame), ms=f"{seconds * 1000:.0f}"))
    tables.show(frame, ["scheme", "subject_id", "before_grade", "after_grade", "before_pd",
                        "after_pd", "moved"], key="changes")
