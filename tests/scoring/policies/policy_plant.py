"""Helpers of the policy tests: plant subjects, records and objections in a small store."""

from __future__ import annotations

import datetime as dt
import itertools

import pandas as pd

from features.records.kinds import KINDS

_ids = itertools.count()


def record(
    subject_id: str,
    kind: str,
    day: str,
    *,
    value_num=None,
    value_text=None,
    severity=None,
    published: str | None = None,
    valid_until: str | None = None,
    revoked: str | None = None,
    amount=None,
    decided: str | None = None,
) -> dict:
    """A record row; polarity and department from the kind, published on its date."""
    k = KINDS[kind]
    return {
        "record_id": f"R{next(_ids):06d}",
        "subject_id": subject_id,
        "kind": kind,
        "domain": k.domain,
        "severity": severity,
        "polarity": k.polarity_for(value_text),
        "value_num": value_num,
        "value_text": value_text,
        "amount": amount,
        "event_date": pd.Timestamp(day),
        "decided_on": pd.Timestamp(decided) if decided else None,
        "published_on": pd.Timestamp(published or day),
        "valid_until": pd.Timestamp(valid_until) if valid_until else None,
        "revoked_on": pd.Timestamp(revoked) if revoked else None,
        "source_dept": k.dept,
    }


def subject(subject_id: str, subject_type: str, established: str = "2015-01-01", **extra) -> dict:
    return {
        "subject_id": subject_id,
        "subject_type": subject_type,
        "name": subject_id,
        "region_code": "530302",
        "status": "active",
        "established_on": pd.Timestamp(established),
        **extra,
    }


def plant(store, subjects: list[dict], records: list[dict]) -> None:
    store.append("subjects", pd.DataFrame(subjects))
    if records:
        frame = pd.DataFrame(records)
        for col in ("decided_on", "valid_until", "revoked_on"):
            frame[col] = pd.to_datetime(frame[col])
        store.append("records", frame)


def open_objection(store, record_id: str, subject_id: str, opened: str) -> None:
    store.append(
        "objections",
        pd.DataFrame(
            [
                {
                    "objection_id": f"O-{record_id}",
                    "record_id": record_id,
                    "subject_id": subject_id,
                    "status": "open",
                    "opened_on": pd.Timestamp(opened),
                    "reason": "test",
                }
            ]
        ),
    )


AS_OF = dt.date(2026, 10, 31)
