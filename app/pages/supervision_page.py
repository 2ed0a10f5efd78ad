"""分级分类监管: enterprise credit-risk classes with their reasons, the sampling ratios in
force, and the random inspection list drawn, stored and exported (CSV / Excel)."""

from __future__ import annotations

import secrets

import streamlit as st

from app.cache import batch_dates, classified
from app.components import charts, formats, tables
from app.data import lists as list_frames
from app.data.supervision import (
    CLASSES,
    NoRatingsError,
    class_counts,
    class_text,
    csv_bytes,
    draw_listing,
    draw_summary,
    excel_bytes,
    filter_classes,
    ratio_table,
)
from app.i18n import industry_label, label_each, lang, region_label, t
from app.settings import settings
from app.state import after_limit, audit, mask_frame, require, store
from scoring.inspection_draw import EmptyDrawError, draw_inspections
from scoring.list_reads import subjects_lists
from scoring.measures.versions import catalogue_in_force

user = require("supervision")
st.title(t("page.supervision"))
s = store()
cfg = settings().inspection.config()
dates = batch_dates(s, "enterprise")
if not dates:
    st.info(t("sup.empty"))
    st.stop()
as_of = st.selectbox(t("sup.as_of"), dates, key="as_of", format_func=formats.day)
try:
    frame, batch = classified(s, as_of, lang())
except NoRatingsError:
    st.info(t("sup.empty"))
    st.stop()
st.caption(t("sup.model", model=batch["model_name"], version=batch["model_version"]))

regions = sorted(frame["region_code"].dropna().unique())
c1, c2, c3 = st.columns(3)
pick_regions = c1.multiselect(
    t("sup.filter_region"),
    regions,
    format_func=region_label,
    key="f_region",
    placeholder=t("sup.all"),
)
pick_industries = c2.multiselect(
    t("sup.filter_industry"),
    sorted(frame["industry"].dropna().unique()),
    format_func=industry_label,
    key="f_industry",
    placeholder=t("sup.all"),
)
pick_classes = c3.multiselect(
    t("sup.filter_class"),
    list(CLASSES),
    key="f_class",
    placeholder=t("sup.all"),
    format_func=lambda k: class_text(k, lang()),
)
mine = filter_classes(frame, pick_regions, pick_industries, pick_classes)
# every classified firm's lists on the date, read once (the shared list read)
members = subjects_lists(s, frame["subject_id"], as_of, settings().lists.config())

left, right = st.columns([2, 3])
with left:
    st.subheader(t("sup.distribution"))
    st.altair_chart(charts.class_bars(class_counts(mine), lang()), width="stretch")
with right:
    st.subheader(t("sup.ratios"))
    tables.show(
        ratio_table(cfg, lang()), ["class_shown", "ratio", "allowed", "cap_per_year"], key="ratios"
    )
    st.caption(t("sup.floor", floor=f"{cfg.floor:.0%}", order=" → ".join(cfg.top_up_order)))

# beside each class, the supervision measures of the catalogue in force and its list members
found = catalogue_in_force(s)
st.subheader(t("sup.measures"))
by_class = list_frames.supervision_measures(found.catalogue, CLASSES, lang())
by_class["class_shown"] = [
    t("sup.any_class") if c == "*" else class_text(c, lang()) for c in by_class["class"]
]
tables.show(
    by_class,
    [
        "class_shown",
        "measure",
        "measure_type",
        "measure_force",
        "measure_triggers",
        "measure_basis",
    ],
    key="class_measures",
)
st.caption(
    t("sup.measures_any")
    + " "
    + t("lists.catalogue", version=list_frames.catalogue_text(found.version_id, lang()))
)
st.subheader(t("sup.list_counts"))
counts = list_frames.class_list_counts(mine, members, CLASSES)
counts["class_shown"] = [class_text(c, lang()) for c in counts["credit_class"]]
tables.show(counts, ["class_shown", "firms", "on_red", "on_black", "on_watch"], key="class_lists")

# the whole width: name, USCC, class, lists and reasons are read first (the lists are a
# short column; after the wide reasons they would be off-screen at 1440 px), region after
st.subheader(t("sup.enterprises", n=f"{len(mine):,}"))
if mine.empty:
    st.info(t("sup.no_match"))
else:
    view = mask_frame(user, mine).assign(
        region=label_each(mine["region_code"], region_label),
        industry=label_each(mine["industry"], industry_label),
        lists_now=list_frames.lists_column(mine["subject_id"], members, lang()),
    )
    tables.show(
        view,
        ["name", "subject_id", "class_shown", "lists_now", "top_reasons", "region", "industry"],
        key="enterprises",
        height=460,
        # the lists column is short; the reasons give up a little so both stay on screen
        widths={"lists_now": 100, "top_reasons": 320},
    )

st.subheader(t("sup.draw"))
with st.form("draw"):
    d1, d2 = st.columns(2)
    seed = d1.number_input(
        t("sup.seed"),
        min_value=0,
        max_value=2**31 - 1,
        step=1,
        value=st.session_state.setdefault("_seed", secrets.randbelow(2**31)),
        help=t("sup.seed_help"),
        key="seed",
    )
    region = d2.selectbox(
        t("sup.region"),
        [None, *regions],
        key="draw_region",
        format_func=lambda r: t("sup.all_regions") if r is None else region_label(r),
    )
    submitted = st.form_submit_button(t("sup.draw_button"), key="draw_submit", type="primary")
if submitted and not after_limit(as_of, t("sup.as_of")):  # no draw on future ratings
    try:
        outcome = draw_inspections(s, as_of, int(seed), region, cfg, user.username)
    except EmptyDrawError:
        st.warning(t("sup.no_region"))
    else:
        st.session_state["_draw_outcome"] = outcome
        audit(
            user,
            "inspection_draw",
            None,
            {
                "draw_id": outcome.draw_id,
                "as_of": str(as_of),
                "seed": int(seed),
                "region": region,
                "drawn": len(outcome.listing),
            },
        )

outcome = st.session_state.get("_draw_outcome")
if outcome is not None:
    result = outcome.result
    st.success(
        t(
            "sup.drawn",
            id=outcome.draw_id,
            n=len(outcome.listing),
            as_of=formats.day(outcome.as_of),
            seed=result.seed,
        )
    )
    floor = {"required": result.floor_required, "drawn": len(result.drawn)}
    if result.floor_met:
        st.caption(t("sup.floor_met", **floor))
    else:
        st.warning(t("sup.floor_not_met", **floor))
    st.markdown(f"**{t('sup.summary')}**")
    tables.show(
        draw_summary(result, lang()),
        [
            "class_shown",
            "population",
            "capped",
            "eligible",
            "ratio",
            "target",
            "drawn_by_ratio",
            "drawn_floor",
            "drawn",
            "drawn_share",
        ],
        key="draw_summary",
    )
    st.markdown(f"**{t('sup.list')}**")
    listing = draw_listing(result, lang())
    drawn_lists = subjects_lists(s, listing["subject_id"], outcome.as_of, settings().lists.config())
    tables.show(
        listing.assign(
            region=listing["region_code"].map(region_label),
            lists_now=list_frames.lists_column(listing["subject_id"], drawn_lists, lang()),
        ),
        ["name", "subject_id", "class_shown", "lists_now", "selected_by", "region", "region_code"],
        key="draw_list",
        height=320,
    )
    b1, b2 = st.columns(2)
    b1.download_button(
        t("sup.csv"),
        csv_bytes(outcome.listing),
        key="csv",
        file_name=f"{outcome.draw_id}.csv",
        mime="text/csv",
        on_click="ignore",
    )
    b2.download_button(
        t("sup.xlsx"),
        excel_bytes({"抽查名单": outcome.listing, "抽查汇总": outcome.summary}),
        file_name=f"{outcome.draw_id}.xlsx",
        key="xlsx",
        on_click="ignore",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
