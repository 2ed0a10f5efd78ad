"""Early warning (信用监测预警): the alerts, as pure functions over frames.

Seeds 001 §三(一)(二), §四(二), 000 §二(三)5 and 002 #8, #11 ask supervisors to watch and
warn, not only to grade once a month. This module decides *what is an alert* and holds the
thresholds (:class:`WatchConfig`); who is watched is :mod:`scoring.watch_list`; reading the
store, writing the alerts and the acknowledgements is :mod:`scoring.watch_store`.

Alerts for a period ``(since, as_of]`` (``since``: the previous rating batch):

* ``serious_record`` — a negative record of a serious tier published in the period and not
  revoked by ``as_of``;
* ``list_entry`` — a listing entered on a watched list in the period, with its evidence;
* ``grade_down`` — the grade in force at ``as_of`` is worse than the one in force at
  ``since`` (it crossed at least one grade boundary), with the records that moved it;
* ``pd_rise`` — the PD in force rose by ``pd_factor`` or more and reached ``pd_floor``;
* ``deadline_due`` / ``deadline_overdue`` — an open objection's deadline
  (:func:`scoring.objections.deadlines`) within ``deadline_workdays`` working days, or past.

Alert IDs are a hash of what the alert is about (the record, the listing, the pair of
ratings, the objection and its state), never of the run: running the same date twice, or
an overlapping period, adds nothing twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from models.rating import is_letter_grade

#: alert types with their Chinese and English names (the order of the counts)
ALERT_TYPES: dict[str, tuple[str, str]] = {
    "serious_record": ("新增严重失信记录", "New serious record"),
    "list_entry": ("列入名单", "Entered a list"),
    "grade_down": ("等级下调", "Grade lowered"),
    "pd_rise": ("违约概率上升", "PD rising"),
    "deadline_due": ("异议办理即将到期", "Objection deadline near"),
    "deadline_overdue": ("异议办理已逾期", "Objection overdue"),
}
#: watch-list rules with their Chinese and English names
ALERT_COLUMNS: tuple[str, ...] = (
    "alert_id",
    "as_of",
    "since",
    "alert_type",
    "subject_id",
    "scheme",
    "cause_zh",
    "cause_en",
    "records",
    "value_from",
    "value_to",
)


@dataclass(frozen=True)
class WatchConfig:
    """Thresholds of the watch list and the alerts (settings ``[watch]``, with sources there).

    Attributes
    ----------
    classes
        Enterprise credit-risk classes watched by rule (D: 信用风险高).
    serious_lists
        Lists whose membership puts a subject on the watch list (black: 严重失信主体名单).
    alert_lists
        Lists whose new entries raise an alert.
    serious_severities
        Record tiers whose new records raise an alert.
    pd_threshold
        PD at or above which a rated subject is watched.
    pd_factor, pd_floor
        A PD that rose at least ``pd_factor`` times and reached ``pd_floor`` raises an alert
        (the floor keeps 0.1 % → 0.3 % from alerting).
    deadline_workdays
        An open objection due within this many working days raises an alert.
    period_months
        The period of a run when no earlier rating batch exists.
    top_movers
        Movers listed in the monthly report.
    boundaries
        ``(scheme, grade)`` pairs: a lowered grade of that scheme alerts only when it crosses
        into ``grade`` or worse (enterprise C: 信用风险较高, where the inspection ratio jumps);
        a scheme not named alerts on every lowered grade.
    """

    classes: tuple[str, ...] = ("D",)
    serious_lists: tuple[str, ...] = ("black",)
    alert_lists: tuple[str, ...] = ("black", "watch")
    serious_severities: tuple[str, ...] = ("serious",)
    pd_threshold: float = 0.20
    pd_factor: float = 2.0
    pd_floor: float = 0.05
    deadline_workdays: int = 3
    period_months: int = 1
    top_movers: int = 20
    boundaries: tuple[tuple[str, str], ...] = (("enterprise", "C"),)

    def boundary(self, scheme: str) -> str | None:
        """The grade a lowered grade of ``scheme`` must reach to alert (``None``: any)."""
        return dict(self.boundaries).get(scheme)

    def __post_init__(self) -> None:
        if not 0 < self.pd_threshold <= 1 or not 0 <= self.pd_floor <= 1:
            raise ValueError("watch: pd_threshold and pd_floor must be probabilities")
        if self.pd_factor <= 1:
            raise ValueError(f"watch: pd_factor {self.pd_factor} must be above 1")
        if self.deadline_workdays < 0 or self.period_months < 1 or self.top_movers < 1:
            raise ValueError("watch: deadline_workdays ≥ 0, period_months ≥ 1, top_movers ≥ 1")


def alert_id(alert_type: str, subject_id: str, key: str) -> str:
    """The deterministic ID of an alert about ``key`` (a record, a listing, a rating pair…)."""
    digest = hashlib.sha256(f"{alert_type}|{subject_id}|{key}".encode()).hexdigest()
    return "AL-" + digest[:16].upper()


def _day(value: Any) -> dt.date | None:
    if value is None or value is pd.NaT or (not isinstance(value, dt.date) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date()


def _in_period(values: pd.Series, since: dt.date, as_of: dt.date) -> pd.Series:
    days = pd.Series([_day(v) for v in values], index=values.index, dtype=object)
    return days.map(lambda d: d is not None and since < d <= as_of).astype(bool)


def record_item(row: Mapping[str, Any], kinds: Mapping[str, tuple[str, str]]) -> dict[str, Any]:
    """A record behind an alert: ID, kind with its labels, and its dates as text."""
    kind = str(row.get("kind") or "")
    zh, en = kinds.get(kind, (kind, kind))
    date = _day(row.get("decided_on")) or _day(row.get("event_date"))
    published = _day(row.get("published_on"))
    return {
        "record_id": str(row.get("record_id")),
        "kind": kind,
        "kind_zh": zh,
        "kind_en": en,
        "record_date": None if date is None else date.isoformat(),
        "published_on": None if published is None else published.isoformat(),
    }


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(ALERT_COLUMNS))


def _alert(
    kind: str,
    subject: str,
    key: str,
    as_of: dt.date,
    since: dt.date,
    scheme: str | None,
    zh: str,
    en: str,
    records: Sequence[dict[str, Any]],
    values: tuple[float | None, float | None] = (None, None),
) -> dict[str, Any]:
    return {
        "alert_id": alert_id(kind, subject, key),
        "as_of": as_of,
        "since": since,
        "alert_type": kind,
        "subject_id": subject,
        "scheme": scheme,
        "cause_zh": zh,
        "cause_en": en,
        "records": json.dumps(list(records), ensure_ascii=False),
        "value_from": values[0],
        "value_to": values[1],
    }


def grade_words(grades: Mapping[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """How each grade reads in a sentence, from its scale labels (key → (Chinese, English)
    label): a letter grade with its label, ``A（信用风险低）``; a code that is no letter grade
    (``NR``) by its label alone, ``未评为信用户``."""
    out = {}
    for key, (zh, en) in grades.items():
        out[key] = (f"{key}（{zh}）", f"{key} ({en})") if is_letter_grade(key) else (zh, en)
    return out


def serious_record_alerts(
    records: pd.DataFrame,
    since: dt.date,
    as_of: dt.date,
    cfg: WatchConfig,
    kinds: Mapping[str, tuple[str, str]],
    schemes_of: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One alert per negative record of a serious tier published in ``(since, as_of]``.

    ``records`` holds the ``records`` columns; a record revoked by ``as_of`` is left out.
    ``schemes_of``: subject → the schemes it is rated in (shown, not part of the ID).
    """
    if records.empty:
        return _frame([])
    keep = (
        records["severity"].isin(cfg.serious_severities)
        & (records["polarity"] == "negative")
        & _in_period(records["published_on"], since, as_of)
    )
    revoked = [_day(v) for v in records["revoked_on"]]
    keep &= pd.Series([r is None or r > as_of for r in revoked], index=records.index)
    out = []
    for row in records[keep].sort_values(["subject_id", "record_id"]).to_dict("records"):
        item = record_item(row, kinds)
        out.append(
            _alert(
                "serious_record",
                row["subject_id"],
                item["record_id"],
                as_of,
                since,
                (schemes_of or {}).get(row["subject_id"]),
                f"新增严重失信记录：{item['kind_zh']}（{item['record_id']}），"
                f"公示于 {item['published_on']}",
                f"New serious record: {item['kind_en']} ({item['record_id']}), "
                f"published {item['published_on']}",
                [item],
            )
        )
    return _frame(out)


def list_entry_alerts(
    events: pd.DataFrame,
    evidence: pd.DataFrame,
    since: dt.date,
    as_of: dt.date,
    cfg: WatchConfig,
    kinds: Mapping[str, tuple[str, str]],
    list_labels: Mapping[str, tuple[str, str]],
) -> pd.DataFrame:
    """One alert per listing entered on a watched list in ``(since, as_of]``.

    ``events``: ``list_events`` rows; ``evidence``: the ``records`` rows the listings name.
    """
    if events.empty:
        return _frame([])
    keep = (
        (events["event"] == "enter")
        & events["list_key"].isin(cfg.alert_lists)
        & _in_period(events["effective_on"], since, as_of)
    )
    by_id = {r["record_id"]: r for r in evidence.to_dict("records")} if len(evidence) else {}
    out = []
    for row in events[keep].sort_values(["subject_id", "event_id"]).to_dict("records"):
        ids = [i.strip() for i in str(row.get("evidence") or "").split(",") if i.strip()]
        items = [record_item(by_id[i], kinds) for i in ids if i in by_id]
        zh, en = list_labels.get(row["list_key"], (row["list_key"], row["list_key"]))
        on = _day(row["effective_on"])
        # why: the listing's reason (a rule's Chinese wording, a decision's reason); the
        # English cause names the rule by its identifier
        why = row.get("reason") if isinstance(row.get("reason"), str) else None
        rule = row.get("rule_id") if isinstance(row.get("rule_id"), str) else None
        out.append(
            _alert(
                "list_entry",
                row["subject_id"],
                row["event_id"],
                as_of,
                since,
                None,
                f"{on} 列入{zh}（{row['event_id']}）" + (f"：{why}" if why else ""),
                f"Entered the {en} on {on} ({row['event_id']})" + (f": {rule}" if rule else ""),
                items,
            )
        )
    return _frame(out)


def _rating_key(row: Mapping[str, Any], side: str) -> str:
    return f"{_day(row[f'as_of_{side}'])}@{pd.Timestamp(row[f'scored_at_{side}']).isoformat()}"


def _pairs(prev: pd.DataFrame, cur: pd.DataFrame) -> pd.DataFrame:
    keep = ["subject_id", "as_of", "scored_at", "final_grade", "pd"]
    both = prev[keep].merge(cur[keep], on="subject_id", suffixes=("_from", "_to"))
    same = (both["as_of_from"] == both["as_of_to"]) & (
        both["scored_at_from"] == both["scored_at_to"]
    )
    return both[~same]


def grade_alerts(
    prev: pd.DataFrame,
    cur: pd.DataFrame,
    scheme: str,
    order: Sequence[str],
    since: dt.date,
    as_of: dt.date,
    behind: Mapping[str, list[dict[str, Any]]] | None = None,
    labels: Mapping[str, tuple[str, str]] | None = None,
    boundary: str | None = None,
) -> pd.DataFrame:
    """An alert per subject whose grade in force at ``as_of`` (``cur``) is worse than at
    ``since`` (``prev``) and, with a ``boundary``, crossed into it or worse; ``order`` lists
    the grades best first. ``behind``: the records that moved each subject; ``labels``:
    grade → how it reads in (Chinese, English) (:func:`grade_words`)."""
    rank = {g: i for i, g in enumerate(order)}
    edge = rank.get(boundary) if boundary is not None else None
    out = []
    for row in _pairs(prev, cur).sort_values("subject_id").to_dict("records"):
        g0, g1 = row["final_grade_from"], row["final_grade_to"]
        if g0 not in rank or g1 not in rank or rank[g1] <= rank[g0]:
            continue
        if edge is not None and not rank[g0] < edge <= rank[g1]:
            continue
        steps = rank[g1] - rank[g0]
        sid = row["subject_id"]
        zh0, en0 = (labels or {}).get(g0, (g0, g0))
        zh1, en1 = (labels or {}).get(g1, (g1, g1))
        out.append(
            _alert(
                "grade_down",
                sid,
                f"{scheme}|{_rating_key(row, 'from')}|{_rating_key(row, 'to')}",
                as_of,
                since,
                scheme,
                f"等级由 {zh0} 下调为 {zh1}（下降{steps}级）",
                f"Grade lowered from {en0} to {en1} ({steps} step{'s' if steps > 1 else ''})",
                (behind or {}).get(sid, []),
                (float(rank[g0]), float(rank[g1])),
            )
        )
    return _frame(out)


def pd_alerts(
    prev: pd.DataFrame,
    cur: pd.DataFrame,
    scheme: str,
    cfg: WatchConfig,
    since: dt.date,
    as_of: dt.date,
    behind: Mapping[str, list[dict[str, Any]]] | None = None,
) -> pd.DataFrame:
    """An alert per subject whose PD in force rose ``pd_factor`` times or more and reached
    ``pd_floor`` between ``since`` (``prev``) and ``as_of`` (``cur``)."""
    out = []
    for row in _pairs(prev, cur).sort_values("subject_id").to_dict("records"):
        p0, p1 = row["pd_from"], row["pd_to"]
        if p0 is None or p1 is None or pd.isna(p0) or pd.isna(p1) or p0 <= 0:
            continue
        if p1 < cfg.pd_floor or p1 < cfg.pd_factor * p0:
            continue
        sid = row["subject_id"]
        ratio = p1 / p0
        out.append(
            _alert(
                "pd_rise",
                sid,
                f"{scheme}|{_rating_key(row, 'from')}|{_rating_key(row, 'to')}",
                as_of,
                since,
                scheme,
                f"违约概率由 {p0:.2%} 升至 {p1:.2%}（为原来的{ratio:.1f}倍，"
                f"预警倍数{cfg.pd_factor:g}倍）",
                f"PD rose from {p0:.2%} to {p1:.2%} ({ratio:.1f} times; alert at "
                f"{cfg.pd_factor:g} times)",
                (behind or {}).get(sid, []),
                (float(p0), float(p1)),
            )
        )
    return _frame(out)


def working_days_between(start: dt.date, end: dt.date, holidays: Sequence[dt.date] = ()) -> int:
    """Working days (Monday–Friday minus ``holidays``) in ``[start, end)``; negative if
    ``end`` is before ``start``."""
    return int(
        np.busday_count(np.datetime64(start, "D"), np.datetime64(end, "D"), holidays=list(holidays))
    )


def deadline_alerts(
    due: pd.DataFrame,
    records: pd.DataFrame,
    as_of: dt.date,
    since: dt.date,
    cfg: WatchConfig,
    kinds: Mapping[str, tuple[str, str]],
    holidays: Sequence[dt.date] = (),
) -> pd.DataFrame:
    """An alert per open objection overdue at ``as_of`` or due within ``deadline_workdays``.

    ``due``: :func:`scoring.objections.deadlines` at ``as_of``; ``records``: the records the
    objections are about.
    """
    if due.empty:
        return _frame([])
    by_id = {r["record_id"]: r for r in records.to_dict("records")} if len(records) else {}
    out = []
    for row in due.sort_values(["due_by", "objection_id"]).to_dict("records"):
        due_by = _day(row["due_by"])
        # working days left, the due day included (办结 by the end of that day)
        left = working_days_between(as_of, due_by + dt.timedelta(days=1), holidays)
        if row["overdue"]:
            kind = "deadline_overdue"
            zh = f"异议 {row['objection_id']} 应于 {due_by} 前办结，已逾期{-row['days_left']}天"
            en = (
                f"Objection {row['objection_id']} was due by {due_by}: "
                f"{-row['days_left']} days overdue"
            )
        elif left <= cfg.deadline_workdays:
            kind = "deadline_due"
            zh = f"异议 {row['objection_id']} 应于 {due_by} 前办结，剩余{left}个工作日"
            en = f"Objection {row['objection_id']} is due by {due_by}: {left} working days left"
        else:
            continue
        rec = by_id.get(row["record_id"])
        items = [record_item(rec, kinds)] if rec is not None else []
        out.append(
            _alert(kind, row["subject_id"], row["objection_id"], as_of, since, None, zh, en, items)
        )
    return _frame(out)
