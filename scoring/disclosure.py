"""Public credit disclosure (信用公示): what the public may see on a date.

The use cases behind the sign-in-free 信用公示 page and the ``/public`` API:
:func:`disclosures` (双公示: administrative licences 行政许可 and penalties 行政处罚) and
:func:`public_list` (the red and black lists in force). Every door renders their
rows with labels (never codes); no door adds a rule.

Which records are shown on ``on``
---------------------------------
* the kinds of :attr:`DisclosureConfig.kinds` only (licences and penalties);
* the records that count by the features' point-in-time rule
  (:func:`features.compile.effective_records_sql`, settings ``[windows]``): published by
  ``on``, not revoked, no objection open or upheld, not ended by an approved repair,
  a negative record before its ``valid_until``;
* inside their publication window (:func:`shown_until`): a penalty until the earlier of
  its ``valid_until`` and the tier maximum of DOMAIN.md (``WindowPolicy.max_months``:
  publication stops on its own at the maximum); a licence until its ``valid_until``, or
  :attr:`DisclosureConfig.licence_months` after the decision when it has none (proposal:
  no national rule was found);
* a minor (轻微) penalty only when :attr:`DisclosureConfig.publish_minor` is set: DOMAIN.md
  says minor records "may be unpublished", so the default leaves them out of the public
  view (they still count, and the subject sees them in its own look-up).

Records under an open objection are **hidden**, not marked: seed 002 suspends every
measure while an objection is verified and seed 004 lists joint public disclosure as a
measure of its own, so the record is treated as every other door treats it — it does not
count until the objection is rejected (an upheld objection revokes it). The subject's own
look-up (:mod:`scoring.self_service`) shows it marked 异议核查中.

Masking (the rule every public door applies, :func:`public_subject`)
--------------------------------------------------------------------
* an enterprise (统一社会信用代码) is public: its name and code in full;
* a natural person (a subject of :func:`features.subjects.person_types`, or any ID shaped
  like a 居民身份证号码): the ID always masked (:func:`features.records.personal.mask_code`:
  region and last two characters), the name reduced to its first character followed by
  one ``*`` per remaining character (张三 → 张*);
* never shown to the public: the legal representative's or any person's ID, household
  data (size, labour, land), a driver's employer, the free-text ``detail`` of a record
  (it may name people or addresses), and the internal record ID.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from features.compile import Dialect, add_months, effective_records_sql
from features.records.ids import is_personal_id
from features.records.kinds import all_departments
from features.records.personal import mask_code, mask_text
from features.records.schema import TABLES
from features.records.windows import WindowPolicy
from features.store.base import Store
from features.subjects import current_subjects_sql, person_types
from scoring.lists import Listing, ListsConfig, listing_states, split_ids

RECORD_COLUMNS: tuple[str, ...] = TABLES["records"].column_names
LICENCE = "administrative_licence"
PENALTY = "administrative_penalty"
#: the search's kind filter (``kind=`` of the API) → record kinds
KIND_FILTERS: dict[str, tuple[str, ...]] = {
    "all": (LICENCE, PENALTY),
    "licence": (LICENCE,),
    "penalty": (PENALTY,),
}
#: the lists the public sees (the watch list 重点关注名单 is a supervision tool, not published)
PUBLIC_LISTS: tuple[str, ...] = ("red", "black")

#: columns of :func:`disclosures` (codes; doors render labels)
DISCLOSURE_COLUMNS: tuple[str, ...] = (
    "subject_name",
    "subject_code",
    "subject_type",
    "kind",
    "severity",
    "value_text",
    "amount",
    "source_dept",
    "decided_on",
    "published_on",
    "shown_until",
)


class DisclosureError(ValueError):
    """A request the disclosure use cases refuse (unknown kind or list, empty query).

    ``str(error)`` is English; ``error.zh`` is Chinese; ``error.code`` is a stable slug
    the API returns.
    """

    def __init__(self, code: str, en: str, zh: str) -> None:
        super().__init__(en)
        self.code = code
        self.zh = zh


@dataclass(frozen=True)
class DisclosureConfig:
    """What the public may see and the 双公示 deadline (settings ``[disclosure]``).

    Attributes
    ----------
    kinds
        Record kinds published under 双公示.
    publish_minor
        Whether minor (轻微) penalties are published (DOMAIN.md: they may be unpublished).
    licence_months
        Publication of a licence without ``valid_until``, in months after its decision
        (proposal).
    deadline_workdays
        双公示 deadline: working days from the decision to publication (7).
    holidays
        Public holidays that are not working days (settings ``[objections] holidays``:
        one calendar for every working-day count).
    max_rows
        Most rows a search or list returns (the page and the API say when cut).
    windows
        The publication windows (settings ``[windows]``).
    """

    kinds: tuple[str, ...] = (LICENCE, PENALTY)
    publish_minor: bool = False
    licence_months: int = 36
    deadline_workdays: int = 7
    holidays: tuple[dt.date, ...] = ()
    max_rows: int = 200
    windows: WindowPolicy = field(default_factory=WindowPolicy)


def mask_name(name: Any) -> str:
    """A natural person's name as the public sees it: the first character, then ``*``.

    >>> mask_name("张三"), mask_name("欧阳明华")
    ('张*', '欧***')
    """
    if not isinstance(name, str) or not name.strip():
        return ""
    text = name.strip()
    return text[0] + "*" * (len(text) - 1)


def is_person(subject_type: Any, subject_id: Any) -> bool:
    """Whether a subject is a natural person (masked on every public door)."""
    return subject_type in person_types() or is_personal_id(subject_id)


def public_subject(subject_id: str, subject_type: Any, name: Any) -> tuple[str, str]:
    """``(name, code)`` as the public sees them (masking rule of the module docstring)."""
    if is_person(subject_type, subject_id):
        return mask_name(name), mask_code(subject_id) or ""
    return (name if isinstance(name, str) else ""), subject_id


def _day(value: Any) -> dt.date | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date()


def shown_until(rec: dict[str, Any], cfg: DisclosureConfig) -> dt.date | None:
    """The last day of a record's publication window plus one (it is shown while
    ``on < shown_until``); ``None`` when nothing ends it."""
    decided = _day(rec.get("decided_on")) or _day(rec.get("event_date"))
    valid = _day(rec.get("valid_until"))
    if rec.get("polarity") == "negative" and decided is not None:
        severity = rec.get("severity") if isinstance(rec.get("severity"), str) else "serious"
        cap = add_months(decided, cfg.windows.max_months(rec["kind"], severity, decided))
        return min(cap, valid) if valid else cap
    if valid is not None:
        return valid
    return add_months(decided, cfg.licence_months) if decided else None


def disclosable(rec: dict[str, Any], on: dt.date, cfg: DisclosureConfig) -> bool:
    """Whether a record that counts on ``on`` may be shown to the public (kind, minor
    rule, publication window)."""
    if rec["kind"] not in cfg.kinds:
        return False
    if rec.get("severity") == "minor" and not cfg.publish_minor:
        return False
    until = shown_until(rec, cfg)
    return until is None or on < until


def counting_records(
    store: Store, on: dt.date, windows: WindowPolicy, scope: str = "TRUE", limit: int | None = None
) -> pd.DataFrame:
    """Full rows (latest version of each record) of the records that count on ``on``
    (the features' rule), restricted by ``scope`` (a condition on ``r``); with ``limit``,
    only that many, latest decision first."""
    eff = effective_records_sql(Dialect(store.dialect), on, windows, scope)
    cols = ", ".join(RECORD_COLUMNS)
    tail = ""
    if limit is not None:
        tail = f" ORDER BY coalesce(decided_on, event_date) DESC, record_id LIMIT {int(limit)}"
    return store.query(
        f"""WITH {eff}
        SELECT {cols} FROM (
          SELECT r.*, row_number() OVER (PARTITION BY r.record_id ORDER BY r.recorded_at DESC)
                 AS _xp_rn
          FROM records r WHERE r.record_id IN (SELECT record_id FROM eff)) _xp_r
        WHERE _xp_rn = 1{tail}"""
    )


def _shown_records(
    store: Store, on: dt.date, cfg: DisclosureConfig, scope: str
) -> tuple[list[dict[str, Any]], bool]:
    """The disclosable records in ``scope``, latest first, at most ``cfg.max_rows`` (and
    whether more exist). Reads the latest records in growing batches, so that a search
    of the whole city does not load every record that counts."""
    batch = 4 * (cfg.max_rows + 1)
    while True:
        recs = counting_records(store, on, cfg.windows, scope, limit=batch)
        rows = [r for r in recs.to_dict("records") if disclosable(r, on, cfg)]
        if len(rows) > cfg.max_rows or len(recs) < batch:
            return rows[: cfg.max_rows], len(rows) > cfg.max_rows
        batch *= 4


def _match_subjects(store: Store, q: str) -> pd.DataFrame:
    """Subjects (current rows) a public search for ``q`` finds: an enterprise by its code
    or a part of its name; a person only by the exact full ID or exact full name
    (never by a fragment, so the public cannot enumerate people)."""
    people = ", ".join(f"'{t}'" for t in person_types()) or "''"
    text = q.strip()
    return store.query(
        f"""SELECT subject_id, subject_type, name FROM ({current_subjects_sql()}) s
        WHERE subject_id = upper(?)
           OR name = ?
           OR (subject_type NOT IN ({people}) AND strpos(lower(name), lower(?)) > 0)""",
        [text, text, text],
    )


def _who(store: Store, subject_ids: Iterable[str]) -> dict[str, tuple[Any, Any]]:
    """Each subject's type and name (latest versions)."""
    wanted = pd.DataFrame({"subject_id": sorted(set(subject_ids))}, dtype=object)
    subjects = store.query(
        f"""SELECT subject_id, subject_type, name FROM ({current_subjects_sql()}) s
        WHERE subject_id IN (SELECT subject_id FROM _xp_ids)""",
        frames={"_xp_ids": wanted},
    )
    return {r.subject_id: (r.subject_type, r.name) for r in subjects.itertuples(index=False)}


def disclosures(
    store: Store, on: dt.date, cfg: DisclosureConfig, q: str = "", kind: str = "all"
) -> tuple[pd.DataFrame, bool]:
    """双公示 records shown to the public on ``on``, newest decision first.

    Parameters
    ----------
    store
        The store.
    on
        The day of the view.
    cfg
        What may be shown (:class:`DisclosureConfig`).
    q
        Name or code of a subject (empty: the latest disclosures of every subject).
    kind
        ``all``, ``licence`` or ``penalty``.

    Returns
    -------
    (pandas.DataFrame, bool)
        :data:`DISCLOSURE_COLUMNS` with subjects masked, and whether rows were cut at
        ``cfg.max_rows``.

    Raises
    ------
    DisclosureError
        For an unknown ``kind``.
    """
    if kind not in KIND_FILTERS:
        raise DisclosureError(
            "bad_kind",
            f"kind must be one of {', '.join(KIND_FILTERS)}, not {kind!r}",
            "公示类别应为：全部、行政许可或行政处罚",
        )
    kinds = tuple(k for k in KIND_FILTERS[kind] if k in cfg.kinds)
    if not kinds:
        return pd.DataFrame(columns=list(DISCLOSURE_COLUMNS)), False
    scope = "r.kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"
    subjects = None
    if q.strip():
        subjects = _match_subjects(store, q)
        if subjects.empty:
            return pd.DataFrame(columns=list(DISCLOSURE_COLUMNS)), False
        ids = ", ".join("'" + s.replace("'", "''") + "'" for s in subjects["subject_id"])
        scope += f" AND r.subject_id IN ({ids})"
    rows, cut = _shown_records(store, on, cfg, scope)
    if not rows:
        return pd.DataFrame(columns=list(DISCLOSURE_COLUMNS)), False
    frame = pd.DataFrame(rows)
    if subjects is None:
        who = _who(store, frame["subject_id"])
    else:
        who = {r.subject_id: (r.subject_type, r.name) for r in subjects.itertuples(index=False)}
    out = []
    for r in rows:
        stype, name = who.get(r["subject_id"], (None, None))
        shown_name, shown_code = public_subject(r["subject_id"], stype, name)
        out.append(
            {
                "subject_name": shown_name,
                "subject_code": shown_code,
                "subject_type": stype,
                "kind": r["kind"],
                "severity": r["severity"] if isinstance(r["severity"], str) else None,
                "value_text": r["value_text"] if isinstance(r["value_text"], str) else None,
                "amount": r["amount"],
                "source_dept": r["source_dept"],
                "decided_on": _day(r["decided_on"]) or _day(r["event_date"]),
                "published_on": _day(r["published_on"]),
                "shown_until": shown_until(r, cfg),
            }
        )
    frame = pd.DataFrame(out, columns=list(DISCLOSURE_COLUMNS)).sort_values(
        ["decided_on", "subject_code", "kind"], ascending=[False, True, True], kind="stable"
    )
    return frame.reset_index(drop=True), cut


#: columns of :func:`public_list`
LIST_COLUMNS: tuple[str, ...] = (
    "subject_name",
    "subject_code",
    "subject_type",
    "list_key",
    "basis",
    "basis_text",
    "entered_on",
    "expires_on",
)


def _basis_text(x: Listing) -> str:
    """What a listing rests on, in Chinese: a rule by its wording, a decision by its
    department and document number (free text masked: it may quote an ID)."""
    if x.basis == "rule":
        return mask_text(x.reason) or ""
    depts = all_departments()
    dept = depts[x.dept].label_zh if x.dept in depts else (x.dept or "")
    return (mask_text(f"{dept} {x.document_no or ''}") or "").strip()


def public_list(
    store: Store, list_key: str, on: dt.date, config: ListsConfig, cfg: DisclosureConfig
) -> tuple[pd.DataFrame, bool]:
    """The red or black list as the public sees it on ``on``: listings in force and
    published by ``on`` (the shared list rules of :mod:`scoring.lists`: a suspended
    listing — under an objection's verification — is not shown; an expired, exited or
    revoked one is not shown). Subjects masked as :func:`public_subject`; the persons
    named on a listing (legal representatives) are never shown.

    Raises
    ------
    DisclosureError
        For a list that is not published (``watch``) or unknown.
    """
    if list_key not in PUBLIC_LISTS:
        raise DisclosureError(
            "bad_list",
            f"list must be one of {', '.join(PUBLIC_LISTS)}, not {list_key!r}",
            "名单应为红名单或黑名单",
        )
    events = store.query("SELECT * FROM list_events WHERE list_key = ?", [list_key])
    rec_ids = pd.DataFrame(
        {"record_id": sorted({i for t in events["evidence"] for i in split_ids(t)})}, dtype=object
    )
    objections = store.query(
        "SELECT * FROM objections WHERE record_id IN (SELECT record_id FROM _xp_ids)",
        frames={"_xp_ids": rec_ids},
    )
    repairs = store.query(
        "SELECT * FROM repairs WHERE record_id IN (SELECT record_id FROM _xp_ids)",
        frames={"_xp_ids": rec_ids},
    )
    shown = [
        x
        for x in listing_states(events, objections, repairs, on, config)
        if x.status == "in_force" and x.published_on is not None and x.published_on <= on
    ]
    if not shown:
        return pd.DataFrame(columns=list(LIST_COLUMNS)), False
    who = _who(store, (x.subject_id for x in shown))
    rows = []
    for x in shown:
        stype, name = who.get(x.subject_id, (None, None))
        shown_name, shown_code = public_subject(x.subject_id, stype, name)
        rows.append(
            {
                "subject_name": shown_name,
                "subject_code": shown_code,
                "subject_type": stype,
                "list_key": x.list_key,
                "basis": x.basis,
                "basis_text": _basis_text(x),
                "entered_on": x.entered_on,
                "expires_on": x.expires_on,
            }
        )
    frame = pd.DataFrame(rows, columns=list(LIST_COLUMNS)).sort_values(
        ["entered_on", "subject_code"], ascending=[False, True], kind="stable"
    )
    cut = len(frame) > cfg.max_rows
    return frame.head(cfg.max_rows).reset_index(drop=True), cut
