"""模型管理: runs and registered versions, the validation report, champion vs challenger,
promotion through the gates."""

from __future__ import annotations

import streamlit as st

from app.components import tables
from app.data.modelling import (
    alias_runs,
    gates,
    promote_challenger,
    report_html,
    report_json,
    runs,
    side_by_side,
    versions,
)
from app.i18n import scheme_label, t
from app.state import audit, mlflow_home, require, store
from features.schemes import MODELLED

user = require("models")
st.title(t("page.models"))
home = mlflow_home()
scheme = st.selectbox(t("overview.scheme"), MODELLED, format_func=scheme_label, key="scheme")
held = alias_runs(home, scheme)

st.subheader(t("models.versions"))
vers = versions(home, scheme)
if vers.empty:
    st.info(t("models.none", scheme=scheme))
    st.stop()
tables.show(vers, ["version", "aliases", "family", "gates_passed", "created", "promoted_at",
                   "promoted_by", "forced_reason", "run_id"], key="versions")

st.subheader(t("models.compare"))
compare = side_by_side(home, scheme)
compare.index = [t(f"col.{m}") for m in compare.index]
st.dataframe(compare, width="stretch", key="compare")

st.subheader(t("models.runs"))
all_runs = runs(home, scheme)
tables.show(all_runs, ["run_name", "status", "started", "family", "oot_auc", "oot_gini",
                       "oot_ks", "oot_brier", "score_psi", "run_id"], key="runs")

st.subheader(t("models.report"))
labels = {r: f"{n} · {str(d)[:16]} · {r[:8]}" for r, n, d in
          zip(all_runs["run_id"], all_runs["run_name"], all_runs["started"], strict=True)}
default = held.get("challenger", held.get("champion", ("", "")))[1]
ids = list(labels)
run_id = st.selectbox(t("models.run"), ids, format_func=labels.get, key="run",
                      index=ids.index(default) if default in ids else 0)
report = report_json(home, run_id)
tab_html, tab_gates, tab_json = st.tabs([t("models.tab_html"), t("models.tab_gates"),
                                         t("models.tab_json")])
with tab_html:
    html = report_html(home, run_id)
    if html:
        # our own training code wrote this report (a trusted artifact)
        st.iframe(html, height=900)
    else:
        st.caption(t("none"))
with tab_gates:
    tables.show(gates(report), ["gate", "value", "threshold", "passed"], key="gates")
with tab_json:
    st.json(report or {}, expanded=False)

st.subheader(t("models.promote"))
if "challenger" not in held:
    st.caption(t("models.no_challenger"))
elif held["challenger"][0] == held.get("champion", ("",))[0]:
    st.caption(t("models.same", version=held["challenger"][0]))
else:
    st.caption(t("models.promote_hint", challenger=held["challenger"][0],
                 champion=held.get("champion", ("—",))[0]))
    if st.button(t("models.promote_button"), key="promote", type="primary"):
        with st.spinner(t("models.promoting")):
            result = promote_challenger(store(), scheme, home, user.username)
        audit(user, "promote", None, {"scheme": scheme, "promoted": result.promoted,
                                      "challenger": result.challenger,
                                      "failed": result.failed})
        if result.promoted:
            st.success(t("models.promoted", version=result.challenger))
        else:
            st.error(t("models.refused"))
            for item in result.failed:
                st.markdown(f"- {item}")
