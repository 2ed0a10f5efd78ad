"""信易贷 decisions from the SME ratings and the supervision classes in force on a date.

The use cases behind ``xinping lending`` and the 信易贷 page: the decisions of
rated SMEs (:func:`lending_decisions`) and of a list of applicants, row by row
(:func:`applicant_decisions`).

Given the lists' and checks' settings, each decision also reads the SME's standing
for ``lending`` (:func:`scoring.list_view.standing`: its lists, records in force and
the 金融信贷 measures of the catalogue in force): the measures are named on the
decision (``measures``), and a *mandatory* punishment that applies declines it —
the suggested line is withheld and the reason names the measure and its basis
(the published rules outrank the model). A recommended measure (the shipped
提高贷款利率或限制贷款) is shown to the credit officer and left to the bank.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from features.build import build_features
from features.compile import BuildConfig
from features.store.base import Store
from features.subjects import current_subjects_sql
from scoring.check_state import CheckConfig
from scoring.history import decode, ratings_on
from scoring.list_view import standing
from scoring.lists import ListsConfig
from scoring.measures.matching import AppliedMeasure
from scoring.measures.versions import catalogue_in_force
from scoring.policies.lending import DECISIONS, TIERS, LendingConfig, decide, lending_frame


def apply_measures(
    decided: pd.DataFrame, found: Mapping[str, Sequence[AppliedMeasure]]
) -> pd.DataFrame:
    """The decisions with the 金融信贷 measures that apply to each SME (pure).

    Adds ``measures`` (JSON list of ``{measure_id, name_zh, name_en, type, force,
    basis}``); a mandatory punishment declines the application: no line, rate tier
    不予授信, the measure a knock-out whose reason names it and its basis.

    Parameters
    ----------
    decided
        :func:`scoring.policies.lending.decide`'s frame.
    found
        The measures that apply, by ``subject_id`` (:attr:`Standing.measures`).
    """
    out = decided.copy()
    shown, knockouts, declines = [], [], []
    for i, sid in enumerate(out["subject_id"]):
        applied = list(found.get(sid, ()))
        shown.append(
            json.dumps(
                [
                    {
                        "measure_id": a.measure.id,
                        "name_zh": a.measure.name_zh,
                        "name_en": a.measure.name_en,
                        "type": a.measure.type,
                        "force": a.measure.force,
                        "basis": a.measure.basis.document,
                    }
                    for a in applied
                ],
                ensure_ascii=False,
            )
        )
        ko = decode(out["knockouts"].iloc[i]) or []
        why = decode(out["decline_reasons"].iloc[i]) or []
        for a in applied:
            m = a.measure
            if m.type != "punishment" or m.force != "mandatory":
                continue
            item = {
                "reason_zh": f"须实施强制性惩戒措施“{m.name_zh}”（依据{m.basis.document}）",
                # the basis is a Chinese document title: named on the measures table
                "reason_en": f"mandatory punishment applies: {m.name_en}",
            }
            ko.append({"rule": f"measure:{m.id}", **item})
            why.append(item)
        knockouts.append(json.dumps(ko, ensure_ascii=False))
        declines.append(json.dumps(why, ensure_ascii=False))
    out["knockouts"] = knockouts
    out["decline_reasons"] = declines
    out["measures"] = shown
    hit = pd.Series(
        [any(k["rule"].startswith("measure:") for k in decode(k) or []) for k in knockouts],
        index=out.index,
    )
    out["knocked_out"] = out["knocked_out"] | hit
    out.loc[hit, "credit_line"] = 0.0
    out.loc[hit, "decision"] = "decline"
    out.loc[hit, "decision_zh"] = DECISIONS["decline"][0]
    out.loc[hit, "rate_tier"] = "declined"
    out.loc[hit, "rate_tier_zh"] = TIERS["declined"][0]
    out.loc[hit, "rate_tier_en"] = TIERS["declined"][1]
    return out


def lending_standings(
    store: Store,
    on: dt.date,
    subject_ids: Iterable[str],
    lists: ListsConfig,
    checks: CheckConfig,
) -> dict[str, tuple[AppliedMeasure, ...]]:
    """The 金融信贷 measures that apply to each SME on ``on`` (the catalogue in force)."""
    found = catalogue_in_force(store)
    return {
        sid: standing(
            store, sid, on, "lending", lists, checks, found.catalogue, found.version_id
        ).measures
        for sid in subject_ids
    }


def lending_decisions(
    store: Store,
    on: dt.date,
    cfg: LendingConfig,
    build: BuildConfig,
    subject_ids: Iterable[str] | None = None,
    lists: ListsConfig | None = None,
    checks: CheckConfig | None = None,
) -> pd.DataFrame:
    """Decision, knock-outs, credit line and rate tier of rated SMEs on ``on``.

    The use case behind ``xinping lending`` and the 信易贷 page.

    Parameters
    ----------
    store
        The store holding ratings and records.
    on
        The date: each SME's rating and supervision class in force then
        (:func:`scoring.history.ratings_on`), and its indicators (tax paid in
        12 months…) as of that date.
    cfg
        The 信易贷 policy in force (settings ``[lending]``).
    build
        The indicator build in force (publication windows, severity weights).
    subject_ids
        Only these SMEs (default: every rated SME).
    lists, checks
        The lists' and checks' settings (``[lists]``, ``[checks]``): when both are
        given, the 金融信贷 measures of each SME are read and applied
        (:func:`apply_measures`, a ``measures`` column); one state read per SME, so a
        door passes them for the SMEs it shows, not for the whole city.
    """
    ids = None if subject_ids is None else list(dict.fromkeys(subject_ids))
    ratings = ratings_on(store, "sme", on, ids)
    enterprise = ratings_on(store, "enterprise", on, ids)
    if ratings.empty:
        return decide(
            lending_frame(ratings, build_features(store, "sme", on, cfg=build, subjects=[])), cfg
        )
    features = build_features(
        store, "sme", on, cfg=build, subjects=ratings["subject_id"].tolist() if ids else None
    )
    frame = lending_frame(ratings, features, enterprise[["subject_id", "final_grade"]])
    decided = decide(frame, cfg)
    if lists is None or checks is None:
        return decided
    return apply_measures(
        decided, lending_standings(store, on, decided["subject_id"], lists, checks)
    )


def applicant_decisions(
    store: Store,
    on: dt.date,
    ids: Sequence[str],
    cfg: LendingConfig,
    build: BuildConfig,
    lists: ListsConfig | None = None,
    checks: CheckConfig | None = None,
) -> pd.DataFrame:
    """One row per applicant, in the given order, with its decision or why there is none.

    Parameters
    ----------
    store, on, cfg, build, lists, checks
        As :func:`lending_decisions`.
    ids
        The applicants' USCCs as given (an uploaded file's rows, the command
        line's arguments); an empty string is an empty row.

    Returns
    -------
    DataFrame
        ``row_number`` (1 = the first applicant), ``subject_id``, ``name``,
        ``status`` (``ok``, ``empty``, ``unknown`` subject, ``unrated`` as an SME
        on ``on``), ``grade``, ``decision``, ``decision_zh``, ``credit_line``,
        ``rate_tier_zh``, ``rate_tier_en``, ``reasons_zh``, ``reasons_en``
        (knock-outs or why no line).
    """
    wanted = sorted({i for i in ids if i})
    frames = {"_xp_ids": pd.DataFrame({"subject_id": wanted or [""]}, dtype=object)}
    current = current_subjects_sql(columns=("subject_id", "name"))
    names = store.query(
        f"""SELECT subject_id, name FROM ({current}) s
                            WHERE subject_id IN (SELECT subject_id FROM _xp_ids)""",
        frames=frames,
    )
    name_of = dict(zip(names["subject_id"], names["name"], strict=True))
    known = [i for i in wanted if i in name_of]
    done = (
        lending_decisions(store, on, cfg, build, known, lists, checks)
        if known
        else pd.DataFrame(columns=["subject_id"])
    )
    by_id = done.set_index("subject_id") if not done.empty else None
    rows = []
    for n, sid in enumerate(ids, start=1):
        row: dict[str, Any] = {"row_number": n, "subject_id": sid, "name": name_of.get(sid)}
        if not sid:
            row["status"] = "empty"
        elif sid not in name_of:
            row["status"] = "unknown"
        elif by_id is None or sid not in by_id.index:
            row["status"] = "unrated"
        else:
            d = by_id.loc[sid]
            why = decode(d["decline_reasons"]) or []
            row.update(
                status="ok",
                grade=d["grade"],
                decision_zh=d["decision_zh"],
                decision=d["decision"],
                credit_line=float(d["credit_line"]),
                rate_tier_zh=d["rate_tier_zh"],
                rate_tier_en=d["rate_tier_en"],
                reasons_zh="；".join(w["reason_zh"] for w in why),
                reasons_en="; ".join(w["reason_en"] for w in why),
            )
        rows.append(row)
    cols = [
        "row_number",
        "subject_id",
        "name",
        "status",
        "grade",
        "decision",
        "decision_zh",
        "credit_line",
        "rate_tier_zh",
        "rate_tier_en",
        "reasons_zh",
        "reasons_en",
    ]
    return pd.DataFrame(rows).reindex(columns=cols)
