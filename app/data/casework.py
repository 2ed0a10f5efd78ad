"""异议与修复 and 农村信用: the re-rated subjects of a change, as a table.

The changes themselves are the use cases of :mod:`scoring.casework` (the same
functions ``xinping objection …`` and ``xinping repair approve`` call, with the
same settings); this module only shapes their result for display.
"""

from __future__ import annotations

import pandas as pd

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
