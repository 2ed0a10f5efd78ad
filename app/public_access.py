"""The public doors' one way in: the 信用公示 page and the ``/public`` API call these.

Each function reads the settings in force, calls the use case below ``app/``
(:mod:`scoring.disclosure`, :mod:`scoring.self_service`), writes the audit row of the
look-up and returns rows in words (:mod:`app.data.public`), so both doors show the
same records, masked the same way, and log the same actions. Nothing here holds a rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from app.data.public import disclosure_rows, list_rows, own_rows
from app.settings import settings
from features.store.base import Store
from scoring.audit import write_audit
from scoring.casework import object_to
from scoring.disclosure import disclosures, public_list
from scoring.self_service import ROLE, Claim, Receipt, file_objection, own_records, verify_identity

#: who a public look-up is logged as (no account: the door is named instead)
VISITOR = "public"


@dataclass(frozen=True)
class Found:
    """Rows in words and whether they were cut at the configured maximum."""

    rows: pd.DataFrame
    cut: bool


def search(
    store: Store, on: dt.date, q: str, kind: str, lang: str, door: str, audit: bool = True
) -> Found:
    """双公示 search, audited with the query (an ID in it kept as its hash) unless
    ``audit`` is False (the page's rerun of a search it already logged)."""
    cfg = settings().disclosure_config()
    frame, cut = disclosures(store, on, cfg, q, kind)
    if audit:
        detail = {"door": door, "q": q, "kind": kind}
        write_audit(store, VISITOR, ROLE, "public_search", None, detail)
    return Found(disclosure_rows(frame, lang), cut)


def listing(
    store: Store, on: dt.date, list_key: str, lang: str, door: str, audit: bool = True
) -> Found:
    """The red or black list in force, audited unless ``audit`` is False."""
    cfg = settings()
    frame, cut = public_list(store, list_key, on, cfg.lists.config(), cfg.disclosure_config())
    if audit:
        write_audit(store, VISITOR, ROLE, "public_list", None, {"door": door, "list": list_key})
    return Found(list_rows(frame, lang), cut)


def self_lookup(store: Store, claim: Claim, on: dt.date, lang: str) -> tuple[dict, pd.DataFrame]:
    """Verify ``claim`` (audited, rate-limited) and return the subject's row and all its
    records in force in words."""
    cfg = settings()
    row = verify_identity(store, claim, cfg.disclosure.identity_rules())
    frame = own_records(store, row["subject_id"], on, cfg.windows.policy(), cfg.disclosure_config())
    return row, own_rows(frame, lang)


def object_online(
    store: Store, claim: Claim, record_id: str, reason: str, contact: str, on: dt.date
) -> Receipt:
    """File an online objection (identity checked again: the form may have been kept open)
    and re-rate the subject at once, as the steward's 异议与修复 page does."""
    cfg = settings()
    home, build, policies = Path(cfg.mlflow.home), cfg.build_config(), cfg.rating_policies()

    def open_with(
        st: Store, record: str, text: str, by: str, day: dt.date, role: str, subject: str
    ) -> str:
        return object_to(st, record, text, by, role, day, home, build, policies, subject).ident

    return file_objection(
        store,
        claim,
        record_id,
        reason,
        contact,
        on,
        cfg.windows.policy(),
        cfg.disclosure_config(),
        cfg.objections.rules(),
        cfg.disclosure.identity_rules(),
        open_with,
    )
