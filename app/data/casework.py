"""异议与修复 and 农村信用: the re-rated subjects of a change, as a table, and a
subject's records as the choices an objection or repair is made on.

The changes themselves are the use cases of :mod:`scoring.casework` (the same
functions ``xinping objection …`` and ``xinping repair approve`` call, with the
same settings); this module only shapes their result for display.
"""

from __future__ import annotations

import pandas as pd

from app.components.formats import day
from app.data.subjects import record_words
from scoring.rerating import Change


def changes_frame(changes: tuple[Change, ...]) -> pd.DataFrame:
    """The re-rated subjects as a table: the grade in force, then grade, PD and top
    risk factors before → after (before = the same day without the change)."""
    cols = [
        "scheme",
        "subject_id",
        "in_force_grade",
        "in_force_as_of",
        "before_grade",
        "after_grade",
        "before_pd",
        "after_pd",
        "moved",
        "reasons_before",
        "reasons_after",
    ]
    # codes and dates as they are: app/components/changes.py says them in words
    return pd.DataFrame(
        [
            {
                "scheme": c.scheme,
                "subject_id": c.subject_id,
                "in_force_grade": c.in_force_grade,
                "in_force_as_of": c.in_force_as_of,
                "before_grade": c.before_grade,
                "after_grade": c.after_grade,
                "before_pd": c.before_pd,
                "after_pd": c.after_pd,
                "moved": c.moved,
                "reasons_before": c.reasons_before,
                "reasons_after": c.reasons_after,
            }
            for c in changes
        ],
        columns=cols,
    )


def record_choices(frame: pd.DataFrame, lang: str = "zh") -> dict[str, str]:
    """A subject's records to pick one from: record ID → the record in words (kind,
    severity, date, department, then its ID, which tells two alike apart), newest first
    as ``frame`` is; a record with several versions is offered once."""
    if frame.empty:
        return {}
    words = record_words(frame.drop_duplicates("record_id"), lang)
    shown = "记录" if lang == "zh" else "record"
    choices = {}
    for r in words.to_dict("records"):
        parts = [r["kind_label"], r.get("severity_label"), day(r["event_date"]), r["dept_label"]]
        said = " · ".join(str(p) for p in parts if p and p != "—")
        choices[str(r["record_id"])] = f"{said} · {shown} {r['record_id']}"
    return choices
