"""总览: grade distributions by scheme, region and industry; movements since the last date."""

from __future__ import annotations

import streamlit as st

from app.cache import batch_dates, grade_counts, movements
from app.components import charts, formats
from app.data.overview import distribution, grade_order
from app.i18n import (
    INDUSTRIES,
    industry_label,
    label_each,
    lang,
    region_label,
    scheme_label,
    t,
)
from app.state import require, store
from features.schemes import rated

PER_ROW = 4  # scheme charts side by side; more schemes start a new row

require("overview")
st.title(t("page.overview"))
s = store()
dates = batch_dates(s)
if not dates:
    st.info(t("overview.empty"))
    st.stop()
as_of = st.selectbox(t("overview.as_of"), dates, key="as_of", format_func=formats.day)
counts = grade_counts(s, as_of)  # subjects per scheme, region, industry and grade
present = set(counts["scheme"].unique())
schemes = [k for k in rated() if k in present]

st.subheader(t("overview.by_scheme"))
# any number of rated schemes (shipped or from a scheme folder), in rows of at most PER_ROW
for start in range(0, len(schemes), PER_ROW):
    row = schemes[start : start + PER_ROW]
    for col, key in zip(st.columns(PER_ROW), row, strict=False):
        dist = distribution(counts[counts["scheme"] == key], weight="n")
        with col:
            st.metric(scheme_label(key), f"{int(dist['n'].sum()):,}", help=t("overview.rated"))
            st.altair_chart(charts.grade_bars(dist, grade_order(key), lang()), width="stretch")

scheme = st.selectbox(t("overview.scheme"), schemes, format_func=scheme_label, key="scheme")
mine = counts[counts["scheme"] == scheme].assign(
    region=lambda f: label_each(f["region_code"], region_label),
    industry_name=lambda f: label_each(f["industry"], industry_label),
)
left, right = st.columns(2)
with left:
    st.subheader(t("overview.by_region"))
    st.altair_chart(
        charts.grade_shares(
            distribution(mine, "region", "n"),
            "region",
            grade_order(scheme),
            t("col.region"),
            lang(),
        ),
        width="stretch",
    )
with right:
    st.subheader(t("overview.by_industry"))
    if mine["industry"].notna().any():
        st.altair_chart(
            charts.grade_shares(
                distribution(mine, "industry_name", "n"),
                "industry_name",
                grade_order(scheme),
                t("col.industry"),
                lang(),
                [industry_label(k) for k in INDUSTRIES],
            ),
            width="stretch",
        )
    else:
        st.caption(t("overview.no_industry"))

st.subheader(t("overview.movements"))
earlier = [d for d in batch_dates(s, scheme) if d < as_of]
if not earlier:
    st.info(t("overview.no_previous"))
else:
    moves, total = movements(s, scheme, as_of, earlier[0])
    st.caption(t("overview.since", previous=formats.day(earlier[0]), as_of=formats.day(as_of)))
    c = st.columns(5)
    for box, key in zip(c, ("up", "down", "same", "new", "gone"), strict=True):
        box.metric(t(f"move.{key}"), f"{total[key]:,}")
    st.altair_chart(
        charts.migration(
            moves,
            grade_order(scheme),
            t("overview.from", d=formats.day(earlier[0])),
            t("overview.to", d=formats.day(as_of)),
            lang(),
        ),
        width="stretch",
    )
