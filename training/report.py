"""Render a validation report as one self-contained HTML page with charts.

Charts are matplotlib PNGs embedded as data URIs so the page opens anywhere,
offline, from the MLflow UI or the app. Axis texts are English (the machine
has no CJK font); headings and tables are bilingual.
"""

from __future__ import annotations

import base64
import html
import io
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from training.report_figures import html_section


def _png(fig: plt.Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def grade_chart(table: pd.DataFrame, title: str) -> str:
    """Observed default rate with its 95% interval vs predicted PD, per grade."""
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    x = np.arange(len(table))
    ax.bar(x, table["observed_rate"].fillna(0), color="#4c78a8", label="observed default rate")
    err = np.vstack(
        [
            (table["observed_rate"] - table["ci_low"]).clip(lower=0).fillna(0),
            (table["ci_high"] - table["observed_rate"]).clip(lower=0).fillna(0),
        ]
    )
    ax.errorbar(
        x,
        table["observed_rate"].fillna(0),
        yerr=err,
        fmt="none",
        ecolor="#333",
        capsize=3,
        label="95% interval",
    )
    ax.plot(x, table["predicted_pd"], "o-", color="#e45756", label="predicted PD")
    ax.set_xticks(x, table["grade"])
    ax.set_ylabel("rate")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return _png(fig)


def distribution_chart(train: pd.DataFrame, oot: pd.DataFrame) -> str:
    """Grade shares on training and out-of-time data."""
    fig, ax = plt.subplots(figsize=(6.4, 3.0))
    x = np.arange(len(oot))
    ax.bar(x - 0.2, train["share"], width=0.4, label="train", color="#9ecae9")
    ax.bar(x + 0.2, oot["share"], width=0.4, label="out of time", color="#4c78a8")
    ax.set_xticks(x, oot["grade"])
    ax.set_ylabel("share of subjects")
    ax.set_title("Grade distribution")
    ax.legend(fontsize=8)
    return _png(fig)


def psi_chart(psi: dict[str, float]) -> str:
    """PSI of every feature, worst first, with the 0.1 / 0.25 thresholds."""
    items = sorted(psi.items(), key=lambda kv: -kv[1])[:30]
    fig, ax = plt.subplots(figsize=(6.4, 0.22 * len(items) + 1.0))
    names = [k for k, _ in items][::-1]
    vals = [v for _, v in items][::-1]
    colors = ["#e45756" if v > 0.25 else "#f58518" if v > 0.1 else "#54a24b" for v in vals]
    ax.barh(names, vals, color=colors)
    for t in (0.1, 0.25):
        ax.axvline(t, color="#888", lw=0.8, ls="--")
    ax.set_xlabel("PSI (train → out of time)")
    ax.tick_params(axis="y", labelsize=7)
    return _png(fig)


def migration_chart(matrix: dict, grades: list[str]) -> str:
    """Row-normalised migration matrix as a heat map."""
    m = pd.DataFrame(matrix).T.reindex(index=grades, columns=grades).fillna(0).to_numpy(float)
    share = m / np.maximum(m.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(0.55 * len(grades) + 2, 0.5 * len(grades) + 1.4))
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(grades)):
        for j in range(len(grades)):
            if m[i, j]:
                ax.text(
                    j,
                    i,
                    f"{int(m[i, j])}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if share[i, j] > 0.5 else "black",
                )
    ax.set_xticks(range(len(grades)), grades)
    ax.set_yticks(range(len(grades)), grades)
    ax.set_xlabel("grade after")
    ax.set_ylabel("grade before")
    return _png(fig)


def _table(rows: list[dict], cols: list[str], fmt: dict[str, str]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = []
    for r in rows:
        cells = []
        for c in cols:
            v = r.get(c)
            if isinstance(v, float) and c in fmt:
                v = format(v, fmt[c])
            cells.append(f"<td>{html.escape(str(v))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _validator_sections(report: dict) -> list[str]:
    """History coverage, calibration (level and Jeffreys per grade) and ordering."""
    parts: list[str] = []
    hist = report.get("history")
    if hist:
        parts += [
            "<h2>历史覆盖 / Observed history</h2>",
            "<p>A snapshot enters training only when every indicator not declared tolerant "
            "of a short history has its whole window inside the store's records.</p>",
            _table(
                [{"kind": k, "start": v} for k, v in hist.get("start", {}).items()],
                ["kind", "start"],
                {},
            ),
        ]
        dropped = hist.get("dropped", [])
        if dropped:
            parts.append(
                _table(
                    [
                        {"as_of": d["as_of"], "uncovered": ", ".join(d["uncovered"])}
                        for d in dropped
                    ],
                    ["as_of", "uncovered"],
                    {},
                )
            )
        else:
            parts.append("<p>no snapshot dropped</p>")
    cal = report.get("calibration")
    if cal:
        lv = cal["in_the_large"]
        parts += [
            "<h2>整体校准 / Calibration in the large (out of time)</h2>",
            f"<p>observed default rate <b>{lv['observed_rate']:.3%}</b> ({lv['defaults']} of "
            f"{lv['n']}), mean PD <b>{lv['predicted_rate']:.3%}</b>, ratio "
            f"<b>{lv['ratio']:.3f}</b>; Jeffreys p (PD too low) {lv['p_under']:.4f}, "
            f"(PD too high) {lv['p_over']:.4f}.</p>",
            "<h2>等级校准（杰弗里斯检验）/ Calibration per grade, Jeffreys test</h2>",
            f"<p>Each grade's PD is scaled by the level ratio {cal['level_ratio_applied']:.3f} "
            "(the level is judged above); the grade fails when its default rate significantly "
            f"exceeds that PD times {cal.get('materiality', 1.0):g} (<i>tested PD</i>; "
            f"one-sided, {cal['confidence']:.0%}); <i>detectable ratio</i>: the smallest "
            f"multiple of the tested PD the test detects with {cal['power']:.0%} power; "
            "<i>p at PD</i>: the same test with no margin. Grades with too few expected "
            "defaults or obligors are <i>insufficient</i>: neither passed nor failed. "
            f"passed {cal['counts']['passed']} · failed {cal['counts']['failed']} · "
            f"insufficient {cal['counts']['insufficient']}</p>",
            _table(
                cal["grades"],
                [
                    "grade",
                    "count",
                    "defaults",
                    "expected_defaults",
                    "predicted_pd",
                    "adjusted_pd",
                    "tested_pd",
                    "observed_rate",
                    "ci_low",
                    "ci_high",
                    "p_value",
                    "p_value_at_pd",
                    "detectable_ratio",
                    "status",
                ],
                {
                    "expected_defaults": ".1f",
                    "predicted_pd": ".2%",
                    "adjusted_pd": ".2%",
                    "tested_pd": ".2%",
                    "p_value_at_pd": ".4f",
                    "observed_rate": ".2%",
                    "ci_low": ".2%",
                    "ci_high": ".2%",
                    "p_value": ".4f",
                    "detectable_ratio": ".2f",
                },
            ),
        ]
    order = report.get("ordering")
    if order:
        c = order["counts"]
        parts += [
            "<h2>等级排序 / Ordering of adjacent grades</h2>",
            f"<p>One-sided Fisher exact tests at {order['confidence']:.0%}: ordered "
            f"{c['ordered']} · cannot be told apart {c['indistinct']} · reversed "
            f"{c['reversed']}</p>",
            _table(
                order["pairs"],
                [
                    "better",
                    "worse",
                    "better_rate",
                    "worse_rate",
                    "p_ordered",
                    "p_reversed",
                    "status",
                ],
                {
                    "better_rate": ".2%",
                    "worse_rate": ".2%",
                    "p_ordered": ".4f",
                    "p_reversed": ".4f",
                },
            ),
        ]
    return parts


def _feature_table(report: dict) -> list[str]:
    """Per feature: PSI train → out of time and its own out-of-time AUC."""
    psi = report["stability"].get("feature_psi") or {}
    fauc = (report.get("leakage") or {}).get("feature_auc", {})
    rows = [
        {"feature": f, "psi": v, "oot_auc_alone": fauc.get(f)}
        for f, v in sorted(psi.items(), key=lambda kv: -kv[1])
    ]
    return [
        "<h3>指标稳定性与单指标AUC / Feature PSI (train → out of time) and single-feature AUC</h3>",
        _table(rows, ["feature", "psi", "oot_auc_alone"], {"psi": ".4f", "oot_auc_alone": ".3f"}),
    ]


def render_html(report: dict, title: str) -> str:
    """The report as a self-contained HTML page."""
    grades = report["grades"]
    disc_rows = [{"split": k, **v} for k, v in report["discrimination"].items()]
    model_t = pd.DataFrame(report["model_grades"]["table"])
    final_t = pd.DataFrame(report["final_grades"]["table"])
    train_t = pd.DataFrame(report["train_grades"])
    parts = [
        f"<h1>{html.escape(title)}</h1>",
        "<h2>区分能力 / Discrimination</h2>",
        _table(
            disc_rows,
            ["split", "n", "events", "event_rate", "mean_pd", "auc", "gini", "ks", "brier"],
            {
                "event_rate": ".2%",
                "mean_pd": ".2%",
                "auc": ".3f",
                "gini": ".3f",
                "ks": ".3f",
                "brier": ".4f",
            },
        ),
    ]
    parts += html_section(report)  # ROC curves and SHAP summary (training.report_figures)
    if "oracle" in report:
        o = report["oracle"]
        parts += [
            "<h2>与模拟真值对比 / Against the oracle (generated data)</h2>",
            f"<p>model Gini {o['model_gini']:.3f} · oracle Gini {o['oracle_gini']:.3f} · "
            f"ratio <b>{o['ratio']:.2f}</b> (n = {o['n']:,})</p>",
        ]
    sel = report.get("selection") or {}
    if sel.get("fold_auc"):
        rows = [
            {
                "family": f,
                "mean_auc": report["validation_auc"][f],
                **{f"fold {d}": a for d, a in zip(sel.get("folds") or [], aucs, strict=False)},
            }
            for f, aucs in sel["fold_auc"].items()
        ]
        fold_cols = [f"fold {d}" for d in sel.get("folds") or []]
        parts += [
            "<h2>模型族选择 / Family chosen by time-series cross-validation (AUC)</h2>",
            _table(
                rows,
                ["family", "mean_auc", *fold_cols],
                {c: ".4f" for c in ["mean_auc", *fold_cols]},
            ),
        ]
    if sel.get("calibration"):
        c = sel["calibration"]
        parts += [
            f"<p>PD calibration: slope {c['slope']:.3f} (out-of-fold), intercept "
            f"{c['intercept']:.3f}, set to the default rate "
            f"{c['level_default_rate']:.2%} of {html.escape(c['level_as_of'])}, the "
            "latest fully observed snapshot. The model is refitted on the train and "
            "validation snapshots, so their rows in the discrimination table are in "
            "sample; the fold AUCs above are the out-of-sample evidence.</p>"
        ]
    if "gates" in report:
        parts += [
            "<h2>准入门槛 / Gates</h2>",
            _table(
                report["gates"],
                ["gate", "label_zh", "value", "threshold", "status", "detail"],
                {"value": ".4f", "threshold": ".4g"},
            ),
        ]
    parts += _validator_sections(report)
    cols = [
        "grade",
        "count",
        "share",
        "defaults",
        "predicted_pd",
        "observed_rate",
        "ci_low",
        "ci_high",
        "p_value",
        "consistent",
    ]
    fmt = {
        "share": ".1%",
        "predicted_pd": ".2%",
        "observed_rate": ".2%",
        "ci_low": ".2%",
        "ci_high": ".2%",
        "p_value": ".3f",
    }
    parts += [
        "<h2>模型等级校准 / Calibration by model grade (out of time)</h2>",
        f"<p>default rates rise with every worse grade (as observed, no test; the gates "
        f"judge the ordering and calibration tests above): "
        f"<b>{report['model_grades']['monotone']}</b> · grades within the binomial 95% "
        f"interval: <b>{report['model_grades']['within_ci_share']:.0%}</b> · HHI "
        f"{report['model_grades']['hhi']:.3f}</p>",
        f"<img src='{grade_chart(model_t, 'Model grades, out of time')}'>",
        _table(model_t.to_dict(orient="records"), cols, fmt),
        "<h2>最终等级（含政策调整）/ Final grades after overrides (out of time)</h2>",
        _table(final_t.to_dict(orient="records"), cols, fmt),
        "<h2>等级分布 / Grade distribution</h2>",
        f"<img src='{distribution_chart(train_t, model_t)}'>",
        "<h2>稳定性 / Stability</h2>",
        f"<p>score PSI (train → out of time): <b>{report['stability']['score_psi']:.4f}</b></p>",
        f"<img src='{psi_chart(report['stability']['feature_psi'])}'>",
        *_feature_table(report),
    ]
    if "migration" in report:
        mig = report["migration"]
        parts += [
            f"<h2>等级迁移 / Migration {mig['from']} → {mig['to']}</h2>",
            f"<img src='{migration_chart(mig['matrix'], grades)}'>",
        ]
    parts += [
        "<h2>原始数据 / Raw report (JSON)</h2>",
        f"<details><summary>JSON</summary><pre>"
        f"{html.escape(json.dumps(report, ensure_ascii=False, indent=1, default=str))}"
        "</pre></details>",
    ]
    style = (
        "body{font-family:sans-serif;max-width:980px;margin:2em auto;color:#222}"
        "table{border-collapse:collapse;margin:.5em 0;font-size:13px}"
        "td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}"
        "th{background:#f3f3f3}img{max-width:100%}"
    )
    return (
        f"<!doctype html><html lang='zh'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{style}</style></head><body>"
        + "\n".join(parts)
        + "</body></html>"
    )
