"""Tables of the app: chosen columns, headers in the session's language, IDs as allowed."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from app.i18n import t


def show(frame: pd.DataFrame, columns: Sequence[str], key: str | None = None,
         height: int | None = None) -> None:
    """Show ``columns`` of ``frame`` with headers ``t("col.<name>")``.

    Mask IDs before calling (:func:`app.state.mask_frame`): this only renders.
    """
    present = [c for c in columns if c in frame.columns]
    view = frame[present].rename(columns={c: t(f"col.{c}") for c in present})
    kwargs = {"height": height} if height else {}
    st.dataframe(view, hide_index=True, width="stretch", key=key, **kwargs)
