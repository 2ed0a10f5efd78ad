"""信用预警: the alerts, watch list and monthly report as the page shows them (words in the
session's language). Shaping only: the rules and the reads are in :mod:`scoring.watch`,
:mod:`scoring.watch_store` and :mod:`scoring.risk_report`."""

from __future__ import annotations

import json

import pandas as pd

from features.records.regions import county_name
from features.records.values import INDUSTRY_SECTIONS, value_label
from features.schemes import schemes
from scoring.risk_report import CLASSES, RiskReport
from scoring.watch import ALERT_TYPES


def _scheme_words(text: object, lang: str) -> str:
    if not isinstance(text, str) or not text:
        return ""
    known = schemes()
    words = []
    for key in text.split(","):
        sch = known.get(key)
        words.append((sch.label_zh if lang == "zh" else sch.label_en) if sch else key)
    return "、".join(words) if lang == "zh" else ", ".join(words)


def records_text(text: object, lang: str) -> str:
    """The records behind an alert in words: ID, kind and date of each."""
    items = json.loads(text) if isinstance(text, str) and text else []
    key = "kind_zh" if lang == "zh" else "kind_en"
    parts = [
        f"{r['record_id']} {r.get(key) or r['kind']}"
        + (f"（{r['record_date']}）" if lang == "zh" and r.get("record_date") else "")
        + (f" ({r['record_date']})" if lang != "zh" and r.get("record_date") else "")
        for r in items
    ]
    return "；".join(parts) if lang == "zh" else "; ".join(parts)


def alert_rows(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Alerts with their type, cause, records and scheme in words."""
    i = 0 if lang == "zh" else 1
    return frame.assign(
        alert_on=frame["as_of"],
        type_shown=[ALERT_TYPES[k][i] for k in frame["alert_type"]],
        cause_shown=frame["cause_zh" if lang == "zh" else "cause_en"],
        records_shown=[records_text(r, lang) for r in frame["records"]],
        scheme_shown=[_scheme_words(s, lang) for s in frame["scheme"]],
    )


def alert_counts(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Open alerts per type: ``type_shown, n``."""
    i = 0 if lang == "zh" else 1
    counts = frame["alert_type"].value_counts()
    return pd.DataFrame(
        {"type_shown": [ALERT_TYPES[k][i] for k in counts.index], "n": counts.to_numpy()}
    )


def watch_rows(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The watch list, one row per subject: the rules it is watched by, their causes, the
    schemes and who watches it by hand, in words."""
    zh = lang == "zh"
    sep = "；" if zh else "; "
    cols = ["subject_id", "name", "rule_shown", "watch_cause", "scheme_shown", "watcher"]
    if frame.empty:
        return pd.DataFrame(columns=cols)
    rows = frame.assign(
        rule_shown=frame["rule_zh" if zh else "rule_en"],
        watch_cause=frame["cause_zh" if zh else "cause_en"],
        scheme_shown=[_scheme_words(s, lang) for s in frame["scheme"]],
        watcher=frame["user_name"],
    )

    def joined(values: pd.Series) -> str | None:
        kept = list(dict.fromkeys(v for v in values if isinstance(v, str) and v))
        return sep.join(kept) or None

    # class D and the serious lists first: the firms a supervisor acts on
    rank = {"class_d": 0, "serious_list": 1, "pd_high": 2, "by_hand": 3}
    rows["_rank"] = rows["rule"].map(rank)
    rows = rows.sort_values(["_rank", "subject_id"])
    out = rows.groupby("subject_id", sort=False).agg(
        name=("name", "first"),
        rule_shown=("rule_shown", joined),
        watch_cause=("watch_cause", joined),
        scheme_shown=("scheme_shown", joined),
        watcher=("watcher", joined),
    )
    return out.reset_index()[cols]


def class_shares(report: RiskReport, by: str, lang: str) -> pd.DataFrame:
    """Class shares per county (``by="region_code"``) or industry, for the stacked bars:
    ``group, final_grade, n, share``."""
    if report.shares.empty:
        return pd.DataFrame(columns=["group", "final_grade", "n", "share"])
    sums = report.shares.groupby(by)[[f"n_{c}" for c in CLASSES]].sum()
    long = sums.stack().rename("n").reset_index()
    long.columns = [by, "final_grade", "n"]
    long["final_grade"] = long["final_grade"].str.removeprefix("n_")
    long["share"] = long["n"] / long.groupby(by)["n"].transform("sum").replace(0, 1)
    long["group"] = [_group(by, c, lang) for c in long[by]]
    return long[["group", "final_grade", "n", "share"]]


def _group(by: str, code: object, lang: str) -> str:
    if by == "region_code":
        return county_name(str(code), lang)
    return value_label(INDUSTRY_SECTIONS, code, lang)


def migration_moves(report: RiskReport) -> pd.DataFrame:
    """The whole city's class migration: ``from_grade, to_grade, n, move``."""
    m = report.migration.groupby(["class_from", "class_to"])["n"].sum().reset_index()
    m = m.rename(columns={"class_from": "from_grade", "class_to": "to_grade"})
    rank = {c: i for i, c in enumerate(CLASSES)}
    m["move"] = [
        "same" if a == b else ("down" if rank[b] > rank[a] else "up")
        for a, b in zip(m["from_grade"], m["to_grade"], strict=True)
    ]
    return m


def labelled(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``region`` and ``industry`` named (from ``region_code`` and the GB/T 4754 section)."""
    return frame.assign(
        region=[county_name(str(c), lang) for c in frame["region_code"]],
        industry=[value_label(INDUSTRY_SECTIONS, c, lang) for c in frame["industry"]],
    )


def share_table(report: RiskReport, lang: str) -> pd.DataFrame:
    """County × industry class shares with names (``share_a`` … for the table)."""
    out = labelled(report.shares, lang)
    return out.rename(columns={f"share_{c}": f"share_{c.lower()}" for c in CLASSES})
