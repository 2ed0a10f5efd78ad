"""模型管理: registered versions with their gates by name, champion vs challenger on the
same out-of-time data, the validation report drawn natively (ROC, calibration, SHAP,
PSI, migration), retraining as a background job, promotion through the gates.

Everything read from the registry, the reports and the rebuilt out-of-time frame is
cached (:mod:`app.cache`) on the registry's state and the store's data version, so a
second look at a scheme reads no file and loads no model.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import streamlit as st

from app import jobs
from app.cache import alias_runs, evidence, report, runs, side_by_side, versions
from app.components import charts, formats, model_charts, tables
from app.data import model_report as mr
from app.data.modelling import METRICS, oot_dates, promote_challenger, report_html
from app.i18n import lang, scheme_label, t, tr
from app.state import audit, mlflow_home, require, store
from features.schemes import MODELLED
from models.pipeline import MissingIndicatorsError
from training.tracking import mark_dead_runs

user = require("models")
st.title(t("page.models"))
here = lang()
home = mlflow_home()
data = store()
folder = jobs.jobs_folder(data.path)
# a training run whose process was killed (kill -9) is shown FAILED, not RUNNING
for dead in mark_dead_runs(home):
    st.caption(t("models.dead_run", run=dead))
scheme = st.selectbox(t("overview.scheme"), MODELLED, format_func=scheme_label, key="scheme")
with st.spinner(t("models.loading")):
    held = alias_runs(home, scheme)
    vers = versions(home, scheme)


def _alias_header(alias: str, version: str) -> str:
    return t("models.alias_version", alias=mr.word(mr.ALIASES, alias, here), version=version)


# -- retraining in the background ----------------------------------------------------------
def _job_panel() -> None:
    status = jobs.job_status(folder, scheme)
    was = st.session_state.get(f"_job_running_{scheme}")
    st.session_state[f"_job_running_{scheme}"] = bool(status and status.running)
    if was and status is not None and not status.running:
        st.rerun()  # finished while we watched: the whole page shows the new challenger
    if status is not None:
        started = formats.stamp(status.started)
        who = status.display or mr.word(mr.ACCOUNTS, status.user, here)
        if status.running:
            elapsed = int((dt.datetime.now() - status.started).total_seconds())
            st.info(t("models.job_running", user=who, started=started, elapsed=elapsed))
            steps = [mr.job_step(s, here, tr) for s in status.steps]
            for step in steps[-6:]:
                st.markdown(f"- {step}")
        elif status.state == jobs.DONE:
            result = mr.job_result(status.message, here, tr)
            st.success(t("models.job_done", user=who, started=started, result=result))
        else:
            st.error(t("models.job_failed", user=who, started=started))
        if not status.running and status.log is not None and status.log.exists():
            with st.expander(t("models.job_log")):
                st.code(status.log.read_text(encoding="utf-8", errors="replace")[-4000:])
    running = bool(status and status.running)
    st.caption(t("models.retrain_hint"))
    if st.button(
        t("models.retrain_button"), key=f"retrain_{scheme}", disabled=running, type="secondary"
    ):
        try:
            job = jobs.start_job(
                folder, scheme, user.username, data.path, display=user.display_name
            )
        except jobs.JobRunning:
            st.warning(t("models.job_refused"))
        else:
            audit(user, "retrain", None, {"scheme": scheme, "pid": job.pid})
            st.session_state[f"_job_running_{scheme}"] = True
            st.rerun()


_status = jobs.job_status(folder, scheme)
st.subheader(t("models.retrain"))
# while a job runs, only this panel reruns (every 2 s): the rest of the page stays put
st.fragment(_job_panel, run_every=2 if _status is not None and _status.running else None)()

# -- registered versions, gates by name ----------------------------------------------------
st.subheader(t("models.versions"))
if vers.empty:
    st.info(t("models.none", scheme=scheme_label(scheme)))
    st.stop()
tables.show(
    mr.version_rows(vers, here),
    [
        "version",
        "aliases_shown",
        "family_shown",
        "gates_failed_shown",
        "forced_over_shown",
        "forced_reason",
        "gates_passed_shown",
        "created",
        "promoted_at",
        "promoted_by_shown",
        "run_id",
    ],
    key="versions",
    widths={"gates_failed_shown": 260, "forced_over_shown": 260, "forced_reason": 240},
)
# the versions in use, in a sentence each: the gates they failed and what was forced
# (the reason, free text typed at the command line, is in the table)
in_use: dict[str, list[str]] = {}
for alias, (version, _run) in held.items():
    in_use.setdefault(version, []).append(mr.word(mr.ALIASES, alias, here))
for version, aliases in in_use.items():
    row = vers.loc[vers["version"].astype(str) == version]
    if row.empty:
        continue
    forced = mr.forced_gates(row.iloc[0]["forced_over"])
    failed = [g["gate"] for g in (row.iloc[0]["gates"] or []) if not g.get("passed")]
    st.caption(
        t(
            "models.version_line_forced" if forced else "models.version_line",
            alias=("、" if here == "zh" else ", ").join(aliases),
            version=version,
            failed=mr.gate_names(failed, here) if failed else t("models.none_failed"),
            forced=mr.gate_names(forced, here),
        )
    )

# -- champion vs challenger on the same out-of-time data ----------------------------------
st.subheader(t("models.compare"))
pair = {a: held[a] for a in ("champion", "challenger") if a in held}
if len(pair) < 2 or pair["champion"][0] == pair["challenger"][0]:
    st.caption(t("models.compare_none"))
else:
    found: dict[str, dict] = {}
    with st.spinner(t("models.comparing")):
        for alias, (version, run_id) in pair.items():
            try:
                found[alias] = evidence(data, home, scheme, version, run_id)
            except MissingIndicatorsError as exc:
                st.warning(t("models.cannot_rate", version=version, missing="、".join(exc.missing)))
    if found:
        first = next(iter(found.values()))["metrics"]
        oot_dates = "、".join(formats.day(d) for d in oot_dates(scheme))
        st.caption(
            t("models.compare_data", dates=oot_dates, n=f"{first['n']:,}", events=first["events"])
        )
        heads = {a: _alias_header(a, pair[a][0]) for a in found}
        table = pd.DataFrame(
            {
                f"{a} v{pair[a][0]}": pd.Series(
                    {f"oot_{m}": found[a]["metrics"][m] for m in ("auc", "gini", "ks", "brier")}
                )
                for a in found
            }
        )
        names = {m: t(f"col.{m}") for m in table.index}
        compare = mr.compare_rows(table, names, here)
        st.dataframe(
            compare.rename(columns={"metric": t("col.metric")}),
            hide_index=True,
            width="stretch",
            key="compare_oot",
        )
        st.markdown(f"**{t('models.roc')}**")
        st.altair_chart(
            model_charts.roc(mr.roc_frame({a: found[a]["roc"] for a in found}, heads), here),
            width="stretch",
        )
        st.markdown(f"**{t('models.calibration')}**")
        for column, alias in zip(st.columns(len(found)), found, strict=True):
            grades = found[alias]["grades"]
            with column:
                st.caption(heads[alias])
                st.altair_chart(
                    model_charts.calibration(
                        mr.calibration_frame(grades), list(grades["grade"]), here
                    ),
                    width="stretch",
                )
                tables.show(
                    grades,
                    ["grade", "count", "defaults", "observed_rate", "predicted_pd"],
                    key=f"grades_{alias}",
                )
    with st.expander(t("models.compare_recorded")):
        recorded = mr.compare_rows(
            side_by_side(home, scheme), {m: t(f"col.{m}") for m in METRICS}, here
        )
        st.dataframe(
            recorded.rename(columns={"metric": t("col.metric")}),
            hide_index=True,
            width="stretch",
            key="compare",
            placeholder=formats.MISSING,
        )

# -- training runs -------------------------------------------------------------------------
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

# -- the validation report, drawn here -----------------------------------------------------
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
    # a new challenger (a job just finished) or another scheme opens on its own report
    key=f"run_{scheme}_{default}",
    index=ids.index(default) if default in ids else 0,
)
shown = report(home, run_id)
run_version = {r: str(v) for r, v in zip(vers["run_id"], vers["version"], strict=True)}
tab_disc, tab_grades, tab_stab, tab_shap, tab_mig, tab_gates = st.tabs(
    [
        t("models.tab_disc"),
        t("models.tab_grades"),
        t("models.tab_stability"),
        t("models.tab_shap"),
        t("models.tab_migration"),
        t("models.tab_gates"),
    ]
)
with tab_disc:
    tables.show(
        mr.discrimination(shown, here),
        ["split", "n", "events", "event_rate", "mean_pd", "auc", "gini", "ks", "brier"],
        key="discrimination",
    )
    line = mr.oracle_line(shown, here)
    if line:
        st.caption(line)
    curves = (shown or {}).get("roc")
    if not curves and run_id in run_version:
        st.caption(t("models.roc_rebuilt"))
        try:
            with st.spinner(t("models.comparing")):
                curves = {"oot": evidence(data, home, scheme, run_version[run_id], run_id)["roc"]}
        except MissingIndicatorsError as exc:
            st.warning(
                t("models.cannot_rate", version=run_version[run_id], missing="、".join(exc.missing))
            )
    if curves:
        parts = {k: mr.word(mr.SPLITS, k, here) for k in curves}
        st.markdown(f"**{t('models.roc')}**")
        st.altair_chart(model_charts.roc(mr.roc_frame(curves, parts), here), width="stretch")
    else:
        st.caption(t("models.no_roc"))
with tab_grades:
    final = mr.grade_table(shown)
    if not final.empty:
        st.markdown(f"**{t('models.calibration')}**")
        st.altair_chart(
            model_charts.calibration(mr.calibration_frame(final), list(final["grade"]), here),
            width="stretch",
        )
    tables.show(
        final,
        ["grade", "count", "share", "defaults", "observed_rate", "predicted_pd"],
        key="grades",
    )
with tab_stab:
    psi = ((shown or {}).get("stability") or {}).get("score_psi")
    if psi is not None:
        st.markdown(t("models.score_psi", psi=f"{psi:.3f}"))
    st.markdown(f"**{t('models.drift')}**")
    tables.show(mr.drifting(shown, scheme, here), ["indicator_label", "psi"], key="drift")
with tab_shap:
    summary = (shown or {}).get("shap_summary")
    if summary and summary.get("features"):
        st.markdown(f"**{t('models.shap')}**")
        st.caption(t("models.shap_caption", n=f"{summary['n']:,}"))
        bars = mr.shap_frame(summary, here)
        st.altair_chart(model_charts.shap_bars(bars, summary["unit"], here), width="stretch")
        swarm = mr.swarm_frame(summary, here)
        if not swarm.empty:
            st.markdown(f"**{t('models.swarm')}**")
            st.caption(t("models.swarm_caption"))
            order = [x for x in bars["indicator_label"] if x in set(swarm["indicator_label"])]
            st.altair_chart(
                model_charts.swarm(swarm, order, summary["unit"], here), width="stretch"
            )
    else:
        st.info(t("models.no_shap"))
with tab_mig:
    moves = mr.migration_frame(shown)
    if moves.empty:
        st.caption(t("models.no_migration"))
    else:
        mig = shown["migration"]
        st.altair_chart(
            charts.migration(
                moves,
                list(shown.get("grades") or []),
                t("models.migration_at", date=mig["from"]),
                t("models.migration_at", date=mig["to"]),
                here,
            ),
            width="stretch",
        )
with tab_gates:
    tables.show(mr.gate_rows(shown, here), ["gate", "value", "threshold", "passed"], key="gates")
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
if shown:
    d2.download_button(
        t("models.report_json"),
        json.dumps(shown, ensure_ascii=False, indent=2).encode("utf-8"),
        key="report_json",
        file_name=f"validation-{scheme}-{run_id[:8]}.json",
        mime="application/json",
        on_click="ignore",
    )

# -- promotion through the gates ------------------------------------------------------------
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
            failed = mr.gate_rows(report(home, held["challenger"][1]), here)
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
