"""Changes to the managed lists: entry by rule or by decision, early exit, revocation.

Every change appends ``list_events`` rows and an ``audit_log`` row in one
transaction; nothing is updated or deleted. :func:`apply_rules` evaluates the
settings' rules as of T over the records in force at T (the point-in-time rules
of the features: published, not revoked, no open or upheld objection, inside
the publication window — :func:`features.compile.effective_records_sql`) and
writes only what is missing, so running it twice for the same T adds nothing.
Statuses are read with :func:`scoring.lists.listing_states`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa

from features.compile import Dialect, add_months, effective_records_sql, id_list
from features.records.schema import LIST_EVENTS
from features.records.windows import WindowPolicy
from features.store.base import Store
from features.subjects import current_subjects_sql
from scoring.audit import write_audit
from scoring.history import ratings_on
from scoring.list_reads import evidence_trail, list_events
from scoring.lists import (
    Listing,
    ListRule,
    ListsConfig,
    by_day,
    earliest_exit,
    listing_states,
    objection_facts,
    repair_facts,
)

TIER_ZH = {"minor": "轻微", "general": "一般", "serious": "严重"}


@dataclass(frozen=True)
class ApplyResult:
    """What one :func:`apply_rules` run wrote: the new ``list_events`` rows by event."""

    as_of: dt.date
    rows: pd.DataFrame = field(repr=False)

    def count(self, event: str) -> int:
        """New rows of ``event``."""
        return int((self.rows["event"] == event).sum()) if len(self.rows) else 0


def event_id(*parts: object) -> str:
    # deterministic from what makes the row unique: a rule re-run names the same id
    digest = hashlib.sha1("|".join(str(p) for p in parts).encode("utf-8")).hexdigest()
    return "LE-" + digest[:14].upper()


def row(listing: Listing | pd.Series | dict, event: str, on: dt.date, **extra) -> dict:
    get = listing.get if isinstance(listing, dict) else (lambda k: getattr(listing, k, None))
    lid = extra.pop("listing_id", None) or get("listing_id")
    cause = extra.get("cause_id")
    row = {
        "event_id": extra.pop("event_id", None) or event_id(lid, event, cause or on),
        "listing_id": lid,
        "list_key": get("list_key"),
        "subject_id": get("subject_id"),
        "event": event,
        "effective_on": on,
    }
    row.update(extra)
    return row


def write_events(
    store: Store, rows: list[dict], by: str, role: str, action: str, as_of: dt.date | None = None
) -> pd.DataFrame:
    """Append ``rows`` to ``list_events`` and audit them, in one transaction.

    One audit row per subject: a single-subject change names its event ids; a rule
    run names its date and the subject's event count (its rows are in
    ``list_events``), all in one append — one append per subject took 31 s of a
    35 s first run on the small demo city.
    """
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    now = dt.datetime.now()
    frame["handled_by"] = by
    frame["recorded_at"] = [now + dt.timedelta(microseconds=i) for i in range(len(frame))]
    subjects = sorted(set(frame["subject_id"]))
    with store.transaction() as tx:
        tx.append("list_events", frame)
        if len(subjects) == 1:
            detail = {
                "events": [
                    f"{e}:{k}:{x}"
                    for e, k, x in frame[["event_id", "list_key", "event"]].itertuples(index=False)
                ]
            }
        else:
            detail = {"as_of": as_of, "rows": len(frame), "subjects": len(subjects)}
        write_audit(tx, by, role, action, subjects, detail)
    return frame
    now = dt.datetime.now()
    frame["handled_by"] = by
    frame["recorded_at"] = [now + dt.timedelta(microseconds=i) for i in range(len(frame))]
    with store.transaction() as tx:
        tx.append("list_events", frame)
        for sid, part in frame.groupby("subject_id", sort=True):
            write_audit(
                tx,
                by,
                role,
                action,
                str(sid),
                {
                    "events": [
                        f"{e}:{k}:{x}"
                        for e, k, x in part[["event_id", "list_key", "event"]].itertuples(
                            index=False
                        )
                    ]
                },
            )
    return frame


def legal_reps(store: Store) -> dict[str, str]:
    """Each subject's legal representative on its current version (seed 002 #12)."""
    frame = store.query(
        f"SELECT subject_id, legal_rep_id FROM ({current_subjects_sql()}) s "
        "WHERE legal_rep_id IS NOT NULL"
    )
    return dict(zip(frame["subject_id"], frame["legal_rep_id"], strict=True))


def persons_reached(
    rep: str | None, list_key: str, extra: Sequence[str], config: ListsConfig
) -> str | None:
    """The legal representative ``rep`` (on a reach list) and the named persons, joined."""
    ids: list[str] = []
    if list_key in config.reach_lists and isinstance(rep, str) and rep.strip():
        ids.append(rep.strip().upper())
    ids += [p.strip().upper() for p in extra if p.strip()]
    return ",".join(dict.fromkeys(ids)) or None


def _ended_on(store: Store, record_id: str, as_of: dt.date) -> dt.date:
    """The day a record stopped counting: revoked at source or its window closed (else T)."""
    rows = store.query(
        "SELECT revoked_on, valid_until FROM records WHERE record_id = ?", [record_id]
    )
    days = [
        pd.Timestamp(d).date() for d in (*rows["revoked_on"], *rows["valid_until"]) if pd.notna(d)
    ]
    return min((d for d in days if d <= as_of), default=as_of)


def records_in_force(
    store: Store,
    as_of: dt.date,
    policy: WindowPolicy,
    config: ListsConfig | None = None,
    evidence: Sequence[str] = (),
) -> pd.DataFrame:
    """The records that count on ``as_of`` (DESIGN.md §5) with their publication date.

    With ``config``, only those :func:`apply_rules` can read: a rule's records (its
    polarity, kinds, severities and values), the negative records that drop a red
    listing, and the ``evidence`` records of the listings in force (whether each still
    counts). A city holds tens of millions of records in force; reading them all and
    joining each to its first publication took more than the 6 GB memory limit.
    """
    scope, frames = "TRUE", None
    if config is not None:
        # parenthesised whole: effective_records_sql ANDs it with the point-in-time rules
        scope = f"(({_rules_scope(config)}) OR r.record_id IN (SELECT record_id FROM _xp_evidence))"
        ids = pa.array(list(dict.fromkeys(evidence)), pa.string())  # typed even when empty
        frames = {"_xp_evidence": pa.table({"record_id": ids})}
    eff = effective_records_sql(Dialect(store.dialect), as_of, policy, scope)
    frame = store.query(
        f"""WITH {eff},
        first AS (
          SELECT x.record_id, min(x.published_on) AS published_on FROM records x
          WHERE x.record_id IN (SELECT record_id FROM eff) GROUP BY x.record_id
        )
        SELECT e.record_id, e.subject_id, e.kind, e.severity, e.polarity, e.value_text, e.rdate,
               f.published_on
        FROM eff e LEFT JOIN first f ON f.record_id = e.record_id
        ORDER BY e.subject_id, e.record_id""",
        frames=frames,
    )
    for col in ("rdate", "published_on"):
        frame[col] = pd.Series(pd.to_datetime(frame[col]).dt.date, index=frame.index, dtype=object)
    return frame


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN {id_list(tuple(values))}"


def _rules_scope(config: ListsConfig) -> str:
    """A condition on a record ``r`` that holds for every record a rule of ``config``
    matches (:func:`_matches`) or that drops a red listing."""
    terms = []
    if config.red_drop_severities:
        terms.append(
            f"(r.polarity = 'negative' AND {_in('r.severity', config.red_drop_severities)})"
        )
    for rule in config.rules:
        if rule.grade is not None:
            continue  # a grade rule reads ratings, not records
        want = "positive" if rule.list_key == "red" else "negative"
        parts = [f"r.polarity = '{want}'"]
        if rule.kinds:
            parts.append(_in("r.kind", rule.kinds))
        if rule.severities:
            parts.append(_in("r.severity", rule.severities))
        if rule.values:
            parts.append(_in("r.value_text", rule.values))
        terms.append("(" + " AND ".join(parts) + ")")
    return " OR ".join(terms) or "FALSE"


def _matches(rule, recs: pd.DataFrame) -> pd.DataFrame:
    want = "positive" if rule.list_key == "red" else "negative"
    keep = recs["polarity"] == want
    if rule.kinds:
        keep &= recs["kind"].isin(rule.kinds)
    if rule.severities:
        keep &= recs["severity"].isin(rule.severities)
    if rule.values:
        keep &= recs["value_text"].isin(rule.values)
    return recs[keep]


def apply_rules(
    store: Store,
    as_of: dt.date,
    config: ListsConfig,
    policy: WindowPolicy,
    by: str,
    role: str = "cli",
) -> ApplyResult:
    """Evaluate the entry and exit rules as of ``as_of`` and write what is missing.

    Enters a subject for each rule record in force (red list: only when no record
    of ``red_drop_severities`` counts) and for each rating in force of a grade rule;
    ends a red listing at once when such a record counts, a ``while_record`` listing
    when its record stops counting, a grade listing when the grade changes; writes
    ``suspend`` / ``resume`` / ``revoke_wrongful`` for the objections on evidence
    records and ``exit_repair`` for approved repairs (never before the minimum).
    Idempotent: every row has a deterministic id and an existing one is skipped.
    """
    events = list_events(store)
    known = set(events["event_id"]) if len(events) else set()
    objections, repairs = evidence_trail(store, events)
    listings = listing_states(events, objections, repairs, as_of, config)
    active = [x for x in listings if x.active]
    held = [rid for x in active for rid in x.evidence]
    recs = records_in_force(store, as_of, policy, config, held)
    entered_keys = {(x.rule_id, x.evidence) for x in listings if x.basis == "rule"}
    rows: list[dict] = []
    reps = legal_reps(store)
    # who is on each list now, the entries of this run included (a rule's ``unless``)
    on_list: dict[str, set[str]] = {}
    for x in active:
        on_list.setdefault(x.list_key, set()).add(x.subject_id)

    def kept_out(rule: ListRule, subject_id: str) -> bool:
        return any(subject_id in on_list.get(k, ()) for k in rule.unless)

    blocking = recs[
        (recs["polarity"] == "negative") & recs["severity"].isin(config.red_drop_severities)
    ]
    blocked = set(blocking["subject_id"])
    for rule in config.rules:
        months = config.months.get(rule.list_key, 12)
        if rule.grade is not None:
            scheme, grade = rule.grade.split(":", 1)
            rated = ratings_on(store, scheme, as_of)
            rated = rated[rated["final_grade"] == grade]
            have = {x.subject_id for x in active if x.rule_id == rule.rule_id}
            for r in rated.itertuples(index=False):
                if r.subject_id in have or kept_out(rule, r.subject_id):
                    continue
                on_list.setdefault(rule.list_key, set()).add(r.subject_id)
                lid = event_id("enter", rule.rule_id, r.subject_id, r.as_of)
                rows.append(
                    row(
                        {"listing_id": lid, "list_key": rule.list_key, "subject_id": r.subject_id},
                        "enter",
                        r.as_of,
                        event_id=lid,
                        basis="rule",
                        rule_id=rule.rule_id,
                        evidence=None,
                        persons=persons_reached(reps.get(r.subject_id), rule.list_key, (), config),
                        expires_on=add_months(r.as_of, months),
                        reason=f"{rule.label_zh or rule.rule_id}：{r.as_of} 评价等级 {grade}",
                    )
                )
            graded = set(rated["subject_id"])
            for x in active:
                if x.rule_id == rule.rule_id and x.subject_id not in graded:
                    rows.append(
                        row(
                            x,
                            "exit_rule",
                            as_of,
                            cause_id=f"grade@{as_of}",
                            reason=f"评价等级不再为 {grade} / grade no longer {grade}",
                        )
                    )
            continue
        for rec in _matches(rule, recs).itertuples(index=False):
            if (rule.rule_id, (rec.record_id,)) in entered_keys:
                continue
            if rule.list_key == "red" and rec.subject_id in blocked:
                continue
            if kept_out(rule, rec.subject_id):
                continue
            expires = add_months(rec.rdate, months)
            if expires <= as_of:
                continue
            on_list.setdefault(rule.list_key, set()).add(rec.subject_id)
            lid = event_id("enter", rule.rule_id, rec.record_id)
            base = {"listing_id": lid, "list_key": rule.list_key, "subject_id": rec.subject_id}
            rows.append(
                row(
                    base,
                    "enter",
                    rec.published_on,
                    event_id=lid,
                    basis="rule",
                    rule_id=rule.rule_id,
                    evidence=rec.record_id,
                    persons=persons_reached(reps.get(rec.subject_id), rule.list_key, (), config),
                    expires_on=expires,
                    reason=rule.label_zh or rule.rule_id,
                )
            )
            rows.append(
                row(base, "publish", rec.published_on, reason="规则认定即公示 / published on entry")
            )
    # exits and objection marks on every listing, the ones just entered included (so
    # that a second run for the same T finds nothing left to write)
    if rows:
        new = pd.DataFrame(rows).reindex(columns=LIST_EVENTS.column_names)
        new["recorded_at"] = pd.Timestamp(dt.datetime.now())
        events = pd.concat([events, new], ignore_index=True) if len(events) else new
        objections, repairs = evidence_trail(store, events)
        listings = listing_states(events, objections, repairs, as_of, config)
        active = [x for x in listings if x.active]
    obj = objection_facts(objections, as_of)
    rep = repair_facts(repairs, as_of)
    counting = set(recs["record_id"])
    for x in active:
        if x.list_key == "red" and x.subject_id in blocked:
            mine = blocking[blocking["subject_id"] == x.subject_id]
            first = mine.sort_values(["published_on", "record_id"]).iloc[0]
            tier = TIER_ZH.get(first["severity"], "")
            rows.append(
                row(
                    x,
                    "exit_rule",
                    max(first["published_on"], x.entered_on),
                    cause_id=first["record_id"],
                    reason=f"出现{tier}失信记录 {first['record_id']}，移出红名单 / dropped",
                )
            )
        rule = config.rule(x.rule_id) if x.rule_id else None
        for rid in x.evidence:
            fact = obj.get(rid)
            if (
                rule is not None
                and rule.while_record
                and rid not in counting
                and fact is None
                and rid not in rep
            ):
                rows.append(
                    row(
                        x,
                        "exit_rule",
                        _ended_on(store, rid, as_of),
                        cause_id=f"{rid}@ended",
                        reason=f"证据记录 {rid} 不再有效（已修正或届满）/ record no longer counts",
                    )
                )
    # approved repairs of a rule listing's evidence: early exit, never before the minimum
    for x in listings:
        if x.basis != "rule" or x.status not in ("in_force", "suspended", "exited"):
            continue
        for rid in x.evidence:
            if rid not in rep:
                continue
            day = max(rep[rid][0], earliest_exit(x.entered_on, x.list_key, config))
            if day <= as_of and (x.active or x.ended_on == day):
                rows.append(
                    row(
                        x,
                        "exit_repair",
                        day,
                        cause_id=rep[rid][1],
                        reason=f"证据记录 {rid} 信用修复 / repaired",
                    )
                )
    # objections on evidence records: suspended from the opening, resumed when rejected,
    # revoked as wrongful when upheld (seed 002 #19)
    for x in listings:
        if x.status == "pending" or objections.empty:
            continue
        mine = objections[objections["record_id"].isin(x.evidence)]
        for oid, trail in mine.groupby("objection_id", sort=True):
            opened = min(pd.Timestamp(d).date() for d in trail["opened_on"])
            if opened > as_of or (
                x.ended_on is not None and x.status != "revoked" and opened >= x.ended_on
            ):
                continue
            rid = trail["record_id"].iloc[0]
            done = trail[trail["status"].isin(["upheld", "rejected"])]
            done = done[by_day(done["resolved_on"], as_of)]
            if len(done) and max(pd.Timestamp(d).date() for d in done["resolved_on"]) <= (
                x.entered_on
            ):
                continue  # settled before the listing began: no part of its history
            rows.append(
                row(
                    x,
                    "suspend",
                    max(opened, x.entered_on),
                    cause_id=oid,
                    reason=f"证据记录 {rid} 异议核查中，暂停实施措施 / objection {oid}",
                )
            )
            if done.empty:
                continue
            day = min(pd.Timestamp(d).date() for d in done["resolved_on"])
            if (done["status"] == "upheld").any():
                rows.append(
                    row(
                        x,
                        "revoke_wrongful",
                        day,
                        cause_id=oid,
                        reason=f"异议 {oid} 成立，错误列入撤销，视为未列入 / objection upheld",
                    )
                )
            else:
                rows.append(
                    row(
                        x,
                        "resume",
                        day,
                        cause_id=oid,
                        reason=f"异议 {oid} 不成立，恢复 / objection rejected",
                    )
                )
    fresh, seen = [], set(known)
    for r in rows:
        if r["event_id"] not in seen:
            seen.add(r["event_id"])
            fresh.append(r)
    return ApplyResult(as_of, write_events(store, fresh, by, role, "list_apply_rules", as_of))
