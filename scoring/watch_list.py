"""The watch list (重点关注): who is watched by rule, and the lists supervisors keep by hand.

By rule on a date (thresholds: :class:`scoring.watch.WatchConfig`, settings ``[watch]``):

* ``class_d`` — the enterprise credit-risk class in force is one of ``classes`` (D);
* ``serious_list`` — a member of a serious list whose measures apply (black);
* ``pd_high`` — the PD of the rating in force of any scheme is at or above ``pd_threshold``.

By hand: a supervisor adds or removes subjects with a reason (``watchlist``, append-only:
a removal is a new row). :func:`rule_watch` and :func:`hand_watch` are pure; the use cases
below them read the store and write the audit log.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from features.schemes import rated
from features.store.base import Store
from features.subjects import current_subject
from scoring.audit import write_audit
from scoring.history import ratings_on
from scoring.list_reads import lists_applying, subjects_lists
from scoring.lists import LIST_LABELS, ListsConfig
from scoring.policies.inspection import CLASS_LABELS
from scoring.watch import WatchConfig
from scoring.watch_store import ENTERPRISE, Viewer, WatchError, subject_rows

WATCH_RULES: dict[str, tuple[str, str]] = {
    "class_d": ("信用风险分类为高风险", "High-risk credit class"),
    "serious_list": ("列入严重失信主体名单", "On a serious list"),
    "pd_high": ("违约概率超过阈值", "PD above the threshold"),
    "by_hand": ("人工关注", "Added by hand"),
}

RULE_COLUMNS: tuple[str, ...] = ("subject_id", "scheme", "rule", "cause_zh", "cause_en")


def rule_watch(
    classes: pd.DataFrame,
    rated: pd.DataFrame,
    listed: Mapping[str, Sequence[str]],
    cfg: WatchConfig,
    class_labels: Mapping[str, tuple[str, str]],
    list_labels: Mapping[str, tuple[str, str]],
) -> pd.DataFrame:
    """Who is on the watch list by rule, one row per subject and rule that applies.

    Parameters
    ----------
    classes
        ``subject_id, credit_class``: enterprise classes in force.
    rated
        ``subject_id, scheme, pd``: the ratings in force of every scheme.
    listed
        Subject → the lists whose measures apply to it.
    cfg
        The thresholds.
    class_labels, list_labels
        Key → (Chinese, English) wording.
    """
    rows: list[dict[str, Any]] = []
    for r in classes[classes["credit_class"].isin(cfg.classes)].to_dict("records"):
        zh, en = class_labels.get(r["credit_class"], (r["credit_class"],) * 2)
        rows.append(
            {
                "subject_id": r["subject_id"],
                "scheme": "enterprise",
                "rule": "class_d",
                "cause_zh": f"信用风险分类 {r['credit_class']}（{zh}）",
                "cause_en": f"Credit-risk class {r['credit_class']} ({en})",
            }
        )
    for sid, keys in sorted(listed.items()):
        for key in [k for k in keys if k in cfg.serious_lists]:
            zh, en = list_labels.get(key, (key, key))
            rows.append(
                {
                    "subject_id": sid,
                    "scheme": None,
                    "rule": "serious_list",
                    "cause_zh": f"列入{zh}",
                    "cause_en": f"On the {en}",
                }
            )
    high = rated[pd.to_numeric(rated["pd"], errors="coerce") >= cfg.pd_threshold]
    for r in high.to_dict("records"):
        rows.append(
            {
                "subject_id": r["subject_id"],
                "scheme": r["scheme"],
                "rule": "pd_high",
                "cause_zh": f"违约概率 {r['pd']:.2%}，不低于阈值 {cfg.pd_threshold:.0%}",
                "cause_en": f"PD {r['pd']:.2%}, at or above {cfg.pd_threshold:.0%}",
            }
        )
    out = pd.DataFrame(rows, columns=list(RULE_COLUMNS))
    return out.sort_values(["subject_id", "rule"]).reset_index(drop=True)


def hand_watch(rows: pd.DataFrame, user_name: str | None = None) -> pd.DataFrame:
    """The subjects on hand-kept watch lists now: per user and subject the latest
    ``watchlist`` row, when it adds (a removal is a later row, nothing is deleted).

    ``user_name``: one user's list (default: every user's).
    """
    cols = ["user_name", "subject_id", "reason", "entered_at"]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    if user_name is not None:
        rows = rows[rows["user_name"] == user_name]
    latest = (
        rows.sort_values(["entered_at", "entry_id"])
        .groupby(["user_name", "subject_id"], as_index=False)
        .tail(1)
    )
    latest = latest[latest["action"] == "add"]
    return latest[cols].sort_values(["user_name", "subject_id"]).reset_index(drop=True)


def watch_list(
    store: Store,
    as_of: dt.date,
    cfg: WatchConfig,
    lists: ListsConfig,
    viewer: Viewer,
    mine_only: bool = False,
) -> pd.DataFrame:
    """The watch list on ``as_of``: subjects watched by rule, and those the viewer (or, unless
    ``mine_only``, any user) watches by hand. Audited (one row per subject listed).

    Returns
    -------
    pandas.DataFrame
        ``subject_id, name, subject_type, region_code, industry, rule, rule_zh, rule_en,
        scheme, cause_zh, cause_en, user_name`` (the user for a hand row), rules first.
    """
    classes = ratings_on(store, ENTERPRISE, as_of)[["subject_id", "final_grade"]].rename(
        columns={"final_grade": "credit_class"}
    )
    rated_now = [ratings_on(store, s, as_of)[["subject_id", "scheme", "pd"]] for s in rated()]
    rated_now = [f for f in rated_now if not f.empty]
    all_rated = (
        pd.concat(rated_now, ignore_index=True)
        if rated_now
        else pd.DataFrame(columns=["subject_id", "scheme", "pd"])
    )
    ids = store.query("SELECT DISTINCT subject_id FROM list_events")["subject_id"]
    states = subjects_lists(store, ids, as_of, lists) if len(ids) else {}
    listed = {sid: sorted(lists_applying(s)) for sid, s in states.items()}
    by_rule = rule_watch(classes, all_rated, listed, cfg, CLASS_LABELS, LIST_LABELS)
    by_rule["user_name"] = None
    hand = hand_watch(
        store.query("SELECT * FROM watchlist"), viewer.user_name if mine_only else None
    )
    by_hand = pd.DataFrame(
        {
            "subject_id": hand["subject_id"],
            "scheme": None,
            "rule": "by_hand",
            "cause_zh": hand["reason"],
            "cause_en": hand["reason"],
            "user_name": hand["user_name"],
        }
    )
    out = pd.concat([f for f in (by_rule, by_hand) if not f.empty] or [by_rule])
    out["rule_zh"] = [WATCH_RULES[r][0] for r in out["rule"]]
    out["rule_en"] = [WATCH_RULES[r][1] for r in out["rule"]]
    out = out.merge(subject_rows(store), on="subject_id", how="left").reset_index(drop=True)
    write_audit(
        store,
        viewer.user_name,
        viewer.role,
        "watch_list",
        sorted(set(out["subject_id"])),
        {"as_of": as_of},
    )
    return out


def _change_watch(store: Store, subject_id: str, reason: str, viewer: Viewer, action: str) -> str:
    code = subject_id.strip().upper()
    reason = reason.strip()
    if not reason:
        raise WatchError("a reason is needed", "请填写关注或取消关注的理由")
    if current_subject(store, code) is None:
        raise WatchError(f"no subject {code} in the store", "没有该主体")
    now = hand_watch(store.query("SELECT * FROM watchlist"), viewer.user_name)
    watched = code in set(now["subject_id"])
    if action == "add" and watched:
        raise WatchError("already on your watch list", "该主体已在您的关注名单中")
    if action == "remove" and not watched:
        raise WatchError("not on your watch list", "该主体不在您的关注名单中")
    entry = f"WL-{uuid.uuid4().hex[:12].upper()}"
    store.append(
        "watchlist",
        pd.DataFrame(
            [
                {
                    "entry_id": entry,
                    "user_name": viewer.user_name,
                    "subject_id": code,
                    "action": action,
                    "reason": reason,
                    "entered_at": dt.datetime.now(),
                }
            ]
        ),
    )
    write_audit(store, viewer.user_name, viewer.role, f"watch_{action}", code, {"entry_id": entry})
    return entry


def add_watch(store: Store, subject_id: str, reason: str, viewer: Viewer) -> str:
    """Put a subject on the viewer's own watch list with a reason; returns the entry ID."""
    return _change_watch(store, subject_id, reason, viewer, "add")


def remove_watch(store: Store, subject_id: str, reason: str, viewer: Viewer) -> str:
    """Take a subject off the viewer's watch list (a new row, with a reason)."""
    return _change_watch(store, subject_id, reason, viewer, "remove")
