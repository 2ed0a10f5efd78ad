"""The reasons of a rating in words, and the overrides that changed its grade."""

from __future__ import annotations

from typing import Any

import streamlit as st

from app.components.formats import plain
from app.i18n import t
from features.records.personal import mask_text


def _text(item: dict[str, Any], lang: str) -> str:
    # reasons quote department values (names, texts): shown, never read as markup
    return plain(item.get("text_zh" if lang == "zh" else "text_en") or item.get("indicator"))


def reason_lists(reasons: dict[str, Any], lang: str) -> None:
    """Two columns: the factors that raise the risk most and those that lower it most."""
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{t('profile.raise')}**")
        for item in reasons.get("raise", []):
            st.markdown(f"- :red[▲] {_text(item, lang)}")
        if not reasons.get("raise"):
            st.caption(t("none"))
    with right:
        st.markdown(f"**{t('profile.lower')}**")
        for item in reasons.get("lower", []):
            st.markdown(f"- :green[▼] {_text(item, lang)}")
        if not reasons.get("lower"):
            st.caption(t("none"))


def override_notes(overrides: list[dict[str, Any]], lang: str, masked: bool) -> None:
    """One warning line per policy override applied after the model; a rule's reason
    quotes record IDs, masked for a ``masked`` role like every record ID."""
    for item in overrides:
        text = item.get("reason_zh" if lang == "zh" else "reason_en") or str(item)
        st.warning(f"{t('profile.override')}: {plain(mask_text(text) if masked else text)}")


def rule_records(rule: dict[str, Any], lang: str, masked: bool) -> None:
    """A published points rule's result (:func:`app.data.subjects.rule_results`): its label,
    points, band and, folded, the records that scored; a department may write a person's
    ID into a record ID, so for a ``masked`` role it goes through
    :func:`~features.records.personal.mask_text`."""
    zh = lang == "zh"
    records = rule.get("detail") or []
    title = t(
        "profile.rule_title",
        label=rule["label_zh" if zh else "label_en"],
        points=rule.get("points", 0),
        grade=rule.get("grade", ""),
        grade_label=rule.get("grade_zh" if zh else "grade_en") or rule.get("grade", ""),
        n=len(records),
    )
    with st.expander(title):
        if not records:
            st.caption(t("none"))
        for r in records:
            st.markdown(
                "- "
                + plain(
                    t(
                        "profile.rule_record",
                        date=r.get("date", ""),
                        label=r.get("label_zh" if zh else "label_en", ""),
                        points=r.get("points", 0),
                        record=mask_text(str(r.get("record_id", "")))
                        if masked
                        else r.get("record_id", ""),
                    )
                )
            )
