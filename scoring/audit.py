"""The audit log (查询留痕): the one writer of ``audit_log`` rows and the one reader
that answers "who looked at this person".

Every door writes through :func:`write_audit` — the app's look-ups and
downloads, the CLI's reports and 信易贷 look-ups, objections and repairs — so
what a row may hold is decided here once: a personal ID number (居民身份证号码)
is never stored. ``subject_id`` keeps its keyed hash
(:func:`features.records.personal.pseudonym`, HMAC-SHA256 under the store's
``audit`` key, :meth:`features.store.base.Store.secret`) and the ``detail`` JSON
is scrubbed the same way (a search query holding a full or partial ID).
USCCs and division codes are public and kept as they are. A full-ID role asks
:func:`views_of` with the ID: the hash is recomputed and looked up.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from features.records.ids import is_personal_id
from features.records.personal import protect, pseudonym, scrub
from features.store.base import Store

#: the store key the audit log's hashes are made with
KEY_NAME = "audit"


def write_audit(
    store: Store,
    user_name: str,
    role: str,
    action: str,
    subject_ids: str | Sequence[str | None] | None,
    detail: Mapping[str, Any] | None = None,
) -> int:
    """Append ``audit_log`` rows: who (user, role), what (action, detail), about whom, when.

    Parameters
    ----------
    store
        The store whose ``audit_log`` gets the rows (and whose audit key hashes IDs).
    user_name, role
        Who acted.
    action
        What was done (``view_subject``, ``search``, ``report_download``…).
    subject_ids
        The subject, or a list of subjects for a bulk look-up (one row each), or
        ``None`` for an action about no subject (a sign-in, a search).
    detail
        JSON-ready context (page, authorisation reference, query…).

    Returns
    -------
    int
        Rows written.
    """
    ids = [subject_ids] if subject_ids is None or isinstance(subject_ids, str) else subject_ids
    if not ids:
        return 0
    key = store.secret(KEY_NAME)
    text = json.dumps(scrub(dict(detail or {}), key), ensure_ascii=False, default=str)
    # a failed sign-in logs what was typed as the user name: an ID typed there is hashed
    user_name_kept = (
        pseudonym(user_name.strip().upper(), key)
        if is_personal_id(user_name.strip().upper())
        else user_name
    )
    now = dt.datetime.now()
    return store.append(
        "audit_log",
        pd.DataFrame(
            [
                {
                    "logged_at": now,
                    "user_name": user_name_kept,
                    "role": role,
                    "action": action,
                    "subject_id": protect(sid, key),
                    "detail": text,
                }
                for sid in ids
            ]
        ),
    )


def views_of(store: Store, subject_id: str, since: dt.date | None = None) -> pd.DataFrame:
    """Every ``audit_log`` row about ``subject_id`` (oldest first), found by its hash.

    Rows that name the ID's hash in their detail (a search by the full ID) are
    included; rows written before IDs were hashed held the ID itself and are
    found too.

    Returns
    -------
    DataFrame
        ``logged_at``, ``user_name``, ``role``, ``action``, ``detail``.
    """
    code = subject_id.strip().upper()
    hashed = protect(code, store.secret(KEY_NAME)) or code
    keys = list(dict.fromkeys([hashed, code]))
    marks = ", ".join("?" for _ in keys)
    when = "" if since is None else " AND logged_at >= ?"
    # a search by the full ID names no subject: its query holds the hash (instr: the
    # same in DuckDB and SQLite, where the workflow tables may move)
    params: list[Any] = [*keys, hashed, *([] if since is None else [since])]
    return store.query(
        f"""SELECT logged_at, user_name, role, action, detail FROM audit_log
        WHERE (subject_id IN ({marks}) OR instr(detail, ?) > 0){when} ORDER BY logged_at""",
        params,
    )
