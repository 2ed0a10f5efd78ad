"""模型管理: runs and registered versions, the validation report, champion vs challenger,
promotion through the gates."""

from __future__ import annotations

import json

import streamlit as st

from app.cache import alias_runs, runs, side_by_side, versions
from app.components import formats, tables
from app.data import model_report as mr
from app.data.modelling import METRICS, promote_challenger, report_html, report_json
from app.i18n import lang, scheme_label, t
from app.state import audit, mlflow_home, require, store
from features.schemes import MODELLED
from training.tracking import mark_dead_runs

user = require("models")
st.title(t("page.models"))
here = lang()
home = mlflow_home()
# a training run whose process was killed (kill -9) is shown FAILED, not RUNNING
for run_id in mark_dead_runs(home):
    st.caption(t("models.dead_run", run=run_id))
scheme = st.selectbox(t("overview.scheme"), MODELLED, format_func=scheme_label, key="scheme")
held = alias_runs(home, scheme)

st.subheader(t("models.versions"))
vers = versions(home, scheme)
if vers.empty:
    st.info(t("models.none", scheme=scheme_label(scheme)))
    st.stop()
tables.show(
    mr.version_rows(vers, here),
    [
        "version",
        "aliases_shown",
        "family_shown",
        "gates_passed",
        "created",
        "promoted_at",
        "promoted_by_shown",
        "forced_reason",
        "run_id",
    ],
    key="versions",
)

st.subheader(t("models.compare"))
compare = mr.compare_rows(side_by_side(home, scheme), {m: t(f"col.{m}") for m in METRICS}, here)
st.dataframe(
    compare.rename(columns={"metric": t("col.metric")}),
    hide_index=True,
    width="stretch",
    key="compare",
    placeholder=formats.MISSING,
)

st.subheader(t("models.runs"))
all_runs = mr.run_rows(runs(home, scheme), here)
tables.show(
    all_runs,
    [
        "started",
        "family_shown",
        "status_shown",
        "oot_auc",
        "oot_gini",
        "oot_ks",
        "oot_brier",
        "score_psi",
        "run_id",
    ],
    key="runs",
)

st.subheader(t("models.report"))
labels = {
    r: f"{formats.stamp(d)} · {f} · {r[:8]}"
    for r, f, d in zip(
        all_runs["run_id"], all_runs["family_shown"], all_runs["started"], strict=True
    )
}
default = held.get("challenger", held.get("champion", ("", "")))[1]
ids = list(labels)
run_id = st.selectbox(
    t("models.run"),
    ids,
    format_func=labels.get,
    key="run",
    index=ids.index(default) if default in ids else 0,
)
report = report_json(home, run_id)
tab_fit, tab_grades, tab_gates = st.tabs(
    [t("models.tab_fit"), t("models.tab_grades"), t("models.tab_gates")]
)
with tab_fit:
    tables.show(
        mr.discrimination(report, here),
        ["split", "n", "events", "event_rate", "mean_pd", "auc", "gini", "ks", "brier"],
        key="discrimination",
    )
    line = mr.oracle_line(report, here)
    if line:
        st.caption(line)
    st.markdown(f"**{t('models.drift')}**")
    tables.show(mr.drifting(report, scheme, here), ["indicator_label", "psi"], key="drift")
with tab_grades:
    tables.show(
        mr.grade_table(report),
        ["grade", "count", "share", "defaults", "observed_rate", "predicted_pd"],
        key="grades",
    )
with tab_gates:
    tables.show(mr.gate_rows(report, here), ["gate", "value", "threshold", "passed"], key="gates")
d1, d2 = st.columns(2)
html = report_html(home, run_id)
if html:  # written by our own training code: bilingual, with its charts
    d1.download_button(
        t("models.report_html"),
        html.encode("utf-8"),
        key="report_html",
        file_name=f"validation-{scheme}-{run_id[:8]}.html",
        mime="text/html",
        on_click="ignore",
    )
if report:
    d2.download_button(
        t("models.report_json"),
        json.dumps(report, ensure_ascii=False, indent=2).encode("utf-8"),
        key="report_json",
        file_name=f"validation-{scheme}-{run_id[:8]}.json",
        mime="application/json",
        on_click="ignore",
    )

st.subheader(t("models.promote"))
if "challenger" not in held:
    st.caption(t("models.no_challenger"))
elif held["challenger"][0] == held.get("champion", ("",))[0]:
    st.caption(t("models.same", version=held["challenger"][0]))
else:
    st.caption(
        t(
            "models.promote_hint",
            challenger=held["challenger"][0],
            champion=held.get("champion", ("—",))[0],
        )
    )
    if st.button(t("models.promote_button"), key="promote", type="primary"):
        with st.spinner(t("models.promoting")):
            result = promote_challenger(store(), scheme, home, user.username)
        audit(
            user,
            "promote",
            None,
            {
                "scheme": scheme,
                "promoted": result.promoted,
                "challenger": result.challenger,
                "failed": result.failed,
            },
        )
        if result.promoted:
            st.success(t("models.promoted", version=result.challenger))
        else:
            st.error(t("models.refused"))
            failed = mr.gate_rows(report_json(home, held["challenger"][1]), here)
            for gate in failed.loc[~failed["passed"], "gate"]:
                st.markdown(f"- {gate}")
            if result.champion_auc is not None and result.challenger_auc is not None:
                st.markdown(
                    "- "
                    + t(
                        "models.auc_vs",
                        challenger=f"{result.challenger_auc:.3f}",
                        champion=f"{result.champion_auc:.3f}",
                    )
                )

# 持续监测 (monitoring stream): each rating batch against the training population
from app.pages.models_monitor import render_monitoring  # noqa: E402

render_monitoring(scheme)
