"""A subject looks itself up and files an objection online (本主体查询与异议).

The use cases behind the 信用公示 page's last tab and ``POST /public/objections``:
:func:`verify_identity`, :func:`own_records` and :func:`file_objection`.

Identity check
--------------
A firm gives its 统一社会信用代码, its name and its legal representative's
居民身份证号码; a person gives their 居民身份证号码 and name. Every part must match the
subject's current row (:func:`features.subjects.current_subject`). A mismatch says only
"信息不符" — never which part, nor whether the code exists. Failures are counted per code
in ``audit_log`` (action ``identity_failed``, the code kept as the audit log keeps any
ID: a person's as its keyed hash): after :attr:`IdentityRules.max_failures` failures
within :attr:`IdentityRules.window_minutes` the code is refused until the window has
passed, on every door and every process (the count lives in the store).

**Production note.** This knowledge check stands in for real-name verification
(实名认证: the national identity service, a face check, or an enterprise e-licence /
法人一证通 sign-in). A deployment replaces :func:`verify_identity`'s comparison with that
service's answer and keeps everything after it unchanged.
"""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from features.records.personal import mask_code, protect
from features.records.windows import WindowPolicy
from features.store.base import Store
from features.subjects import current_subject, person_types
from scoring.audit import KEY_NAME, write_audit
from scoring.disclosure import DisclosureConfig, counting_records, disclosable
from scoring.objections import DeadlineRules, ObjectionError, deadlines, open_objection

#: the role every public action is logged with
ROLE = "public"
FAILED = "identity_failed"


class IdentityError(ValueError):
    """The identity check refused: ``code`` is ``mismatch`` or ``too_many_attempts``.

    ``str(error)`` is English, ``error.zh`` Chinese; neither says which part did not match.
    """

    def __init__(self, code: str, en: str, zh: str) -> None:
        super().__init__(en)
        self.code = code
        self.zh = zh


def mismatch() -> IdentityError:
    """The one refusal of a wrong identity (it names no part)."""
    return IdentityError("mismatch", "The information does not match.", "信息不符")


@dataclass(frozen=True)
class IdentityRules:
    """Rate limit of failed identity checks per code (settings ``[disclosure]``)."""

    max_failures: int = 5
    window_minutes: int = 60


@dataclass(frozen=True)
class Claim:
    """Who a visitor says they are.

    Attributes
    ----------
    code
        统一社会信用代码 (firm) or 居民身份证号码 (person).
    name
        The firm's or the person's name.
    legal_rep_id
        A firm's legal representative's 居民身份证号码 (empty for a person).
    """

    code: str
    name: str
    legal_rep_id: str = ""

    @property
    def key(self) -> str:
        """The code as stored (trimmed, upper case)."""
        return self.code.strip().upper()

    @property
    def masked(self) -> str:
        """Who filed, as the trail keeps it: ``public:`` + the code masked."""
        return f"{ROLE}:{mask_code(self.key) or ''}"


@dataclass(frozen=True)
class Receipt:
    """What an online objection returns to the subject."""

    objection_id: str
    record_id: str
    opened_on: dt.date
    due_by: dt.date


def _same(given: str, stored: object) -> bool:
    # compare every part in full (no early exit on the first mismatching part)
    if not isinstance(stored, str):
        return False
    return hmac.compare_digest(given.strip().upper().encode(), stored.strip().upper().encode())


def recent_failures(store: Store, claim: Claim, now: dt.datetime, rules: IdentityRules) -> int:
    """Failed identity checks of ``claim``'s code within the rate-limit window."""
    kept = protect(claim.key, store.secret(KEY_NAME)) or claim.key
    since = now - dt.timedelta(minutes=rules.window_minutes)
    n = store.query(
        "SELECT count(*) AS n FROM audit_log WHERE action = ? AND subject_id = ? "
        "AND logged_at >= ?",
        [FAILED, kept, since],
    )
    return int(n["n"].iloc[0])


def verify_identity(
    store: Store,
    claim: Claim,
    rules: IdentityRules = IdentityRules(),
    now: dt.datetime | None = None,
) -> dict:
    """The subject's current row when ``claim`` matches it; every attempt is audited.

    Raises
    ------
    IdentityError
        ``too_many_attempts`` when the code failed ``rules.max_failures`` times within
        the window (checked before anything else, so a right answer does not help);
        ``mismatch`` for any part that does not match (or an unknown code).
    """
    now = now or dt.datetime.now()
    if recent_failures(store, claim, now, rules) >= rules.max_failures:
        write_audit(store, claim.masked, ROLE, "identity_refused", claim.key, {"why": "rate"})
        raise IdentityError(
            "too_many_attempts",
            f"Too many failed attempts for this code; try again in {rules.window_minutes} minutes.",
            f"该代码验证失败次数过多，请 {rules.window_minutes} 分钟后再试",
        )
    row = current_subject(store, claim.key) if claim.key else None
    ok = row is not None and _same(claim.name, row.get("name"))
    if row is not None and row.get("subject_type") == "enterprise":
        ok = (
            ok
            and bool(claim.legal_rep_id.strip())
            and _same(claim.legal_rep_id, row["legal_rep_id"])
        )
    elif row is not None and row.get("subject_type") not in person_types():
        ok = False  # villages and townships have no one to prove identity
    if not ok or row is None:
        write_audit(store, claim.masked, ROLE, FAILED, claim.key, {"door": "self_lookup"})
        raise mismatch()
    write_audit(store, claim.masked, ROLE, "self_lookup", claim.key, {})
    return row


#: columns of :func:`own_records`
OWN_COLUMNS: tuple[str, ...] = (
    "record_id",
    "kind",
    "severity",
    "polarity",
    "value_num",
    "value_text",
    "amount",
    "source_dept",
    "decided_on",
    "published_on",
    "valid_until",
    "public",
    "objection_id",
)


def own_records(
    store: Store, subject_id: str, on: dt.date, windows: WindowPolicy, cfg: DisclosureConfig
) -> pd.DataFrame:
    """Every record of the subject that counts on ``on`` (all kinds, not only the public
    ones), and those under an open objection marked with its ``objection_id`` (they do not
    count while it is verified); ``public`` says whether the public sees the record.
    Newest first."""
    sid = subject_id.replace("'", "''")
    counting = counting_records(store, on, windows, f"r.subject_id = '{sid}'")
    counting["objection_id"] = None
    held = store.query(
        """
        SELECT r.*, o.objection_id FROM (
          SELECT *, row_number() OVER (PARTITION BY objection_id ORDER BY recorded_at DESC) AS n
          FROM objections WHERE subject_id = ?) o
        JOIN (SELECT *, row_number() OVER (PARTITION BY record_id ORDER BY recorded_at DESC)
              AS v FROM records WHERE subject_id = ?) r
          ON r.record_id = o.record_id AND r.v = 1
        WHERE o.n = 1 AND o.status = 'open' AND o.opened_on <= ?
          AND r.published_on <= ? AND (r.revoked_on IS NULL OR r.revoked_on > ?)""",
        [subject_id, subject_id, on, on, on],
    )
    frames = [f for f in (counting, held) if not f.empty]
    if not frames:
        return pd.DataFrame(columns=list(OWN_COLUMNS))
    both = pd.concat(frames, ignore_index=True)
    both["decided_on"] = both["decided_on"].fillna(both["event_date"])
    both["public"] = [
        o is None and disclosable(r, on, cfg)
        for o, r in zip(both["objection_id"], both.to_dict("records"), strict=True)
    ]
    both = both.sort_values(["decided_on", "record_id"], ascending=[False, True])
    return both[list(OWN_COLUMNS)].reset_index(drop=True)


def file_objection(
    store: Store,
    claim: Claim,
    record_id: str,
    reason: str,
    contact: str,
    on: dt.date,
    windows: WindowPolicy,
    cfg: DisclosureConfig,
    deadline_rules: DeadlineRules,
    rules: IdentityRules = IdentityRules(),
    open_with: Callable[[Store, str, str, str, dt.date, str, str], str] = open_objection,
) -> Receipt:
    """A verified subject objects to one of its own records that counts on ``on``.

    The objection enters the steward's workflow through
    :func:`scoring.objections.open_objection` (``by`` = the masked identity, role
    ``public``), so the record stops counting from ``on``; the reason keeps the contact
    for the steward's reply. Returns the objection ID and its deadline
    (:func:`scoring.objections.deadlines`). ``open_with`` opens it (arguments store,
    record, reason, by, day, role, subject — the record is read among the subject's
    records alone; returns the objection ID): the doors pass
    :func:`scoring.casework.object_to`'s re-rating, as the steward's page does, so
    the subject's rating changes at once on every door.

    Raises
    ------
    IdentityError
        As :func:`verify_identity`.
    ObjectionError
        No contact, no reason, a record that is not one of the subject's records that
        count, or one already under an open objection.
    """
    if not contact.strip():
        raise ObjectionError("give a contact (phone or e-mail)", "请填写联系方式")
    if not reason.strip():
        raise ObjectionError("an objection needs a reason (异议理由)", "请填写异议理由")
    row = verify_identity(store, claim, rules)
    mine = own_records(store, row["subject_id"], on, windows, cfg)
    pick = mine[mine["record_id"] == record_id.strip()]
    if pick.empty:
        raise ObjectionError(
            f"record {record_id!r} is not one of this subject's records in force",
            "本主体没有该条有效记录",
        )
    if pick["objection_id"].notna().any():
        raise ObjectionError(
            f"record {record_id} is already under an open objection",
            f"该记录已有未办结的异议 {pick['objection_id'].iloc[0]}",
        )
    text = f"{reason.strip()}\n联系方式 contact: {contact.strip()}"
    oid = open_with(store, record_id.strip(), text, claim.masked, on, ROLE, row["subject_id"])
    due = deadlines(store, on, deadline_rules)
    due_by = due.loc[due["objection_id"] == oid, "due_by"].iloc[0]
    return Receipt(oid, record_id.strip(), on, due_by)
