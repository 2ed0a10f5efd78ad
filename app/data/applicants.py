"""信易贷 applicants upload: a bank's CSV read line by line, each bad line said on its own.

A bank officer's list is typed or exported by hand: a remark after an ID
(``91530302046027794T,备注``), an unclosed quote, an ID Excel turned into
``9.15303E+17``. Each physical line is parsed on its own, so one broken line can
never swallow or shift the lines after it (a whole-file CSV parser turned the
applicants after a ragged line into empty rows). Every line gives one
:class:`ApplicantRow`; a line with a problem carries its code and the details
the page words in the session's language (``lend.problem.<code>``), and the
decision use case (:func:`scoring.lending_decision.applicant_decisions`) sees it
as an empty ID, so it is never decided on a guess.

Decisions: a line whose number of fields differs from the header's is refused
(the extra or missing field may sit before the ID column, so which value is the
ID is a guess); a value that is not a valid 统一社会信用代码 (GB 32100) is refused
with the value quoted; blank lines (or only commas) are skipped, keeping the
line numbers of the rest; a line whose ID cell is empty stays an empty row.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from features.records.ids import uscc_problem

#: columns an applicants file may name the SMEs by (first found wins)
ID_COLUMNS = ("subject_id", "统一社会信用代码", "USCC")
#: how much of an uploaded value a message quotes
QUOTE_MAX = 24


class ApplicantsError(ValueError):
    """The uploaded file cannot be read at all; ``str()`` is its columns (may be empty)."""


@dataclass(frozen=True)
class ApplicantRow:
    """One line of the upload.

    Attributes
    ----------
    line
        The line in the file (the header is line 1), as an editor or Excel shows it.
    subject_id
        The ID as given (trimmed, upper case); ``""`` when the line has none.
    problem
        Why the line is not decided (``ragged``, ``quote``, ``invalid``), or None.
    detail
        Values for the problem's message (``found``, ``expected``, ``value``).
    """

    line: int
    subject_id: str
    problem: str | None = None
    detail: dict[str, str] = field(default_factory=dict)


def _quote(value: str) -> str:
    text = value.replace("\r", " ").replace("\n", " ")
    return text if len(text) <= QUOTE_MAX else text[:QUOTE_MAX] + "…"


def _decode(content: bytes) -> str:
    """UTF-8 (with or without BOM), else GB 18030 (Excel on a Chinese Windows saves GBK)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ApplicantsError("")


def _fields(line: str) -> list[str] | None:
    """The fields of one line, or None when its quotes do not close."""
    try:
        return next(csv.reader([line], strict=True), [])
    except csv.Error:
        return None


def _blank(fields: Sequence[str]) -> bool:
    return all(not f.strip() for f in fields)


def read_applicants(content: bytes) -> list[ApplicantRow]:
    """The applicants of an uploaded CSV, one row per non-blank line after the header.

    Parameters
    ----------
    content
        The file's bytes: UTF-8 (a BOM is fine) or GBK/GB 18030, a header line
        naming a column of :data:`ID_COLUMNS`.

    Returns
    -------
    list of ApplicantRow
        In file order; see the module's notes for what counts as a problem.

    Raises
    ------
    ApplicantsError
        When the file cannot be decoded, is empty or its header names none of
        :data:`ID_COLUMNS` (the message lists the columns found).
    """
    lines = _decode(content).splitlines()
    start = next((i for i, x in enumerate(lines) if x.strip()), None)
    header = _fields(lines[start]) if start is not None else None
    if not header:
        raise ApplicantsError("")
    names = [h.strip() for h in header]
    column = next((names.index(c) for c in ID_COLUMNS if c in names), None)
    if column is None:
        raise ApplicantsError("、".join(_quote(n) for n in names))
    rows: list[ApplicantRow] = []
    for number, text in enumerate(lines[start + 1 :], start=start + 2):
        fields = _fields(text)
        if fields is None:
            rows.append(ApplicantRow(number, "", "quote", {"value": _quote(text)}))
            continue
        if _blank(fields):
            continue
        if len(fields) != len(names):
            rows.append(
                ApplicantRow(
                    number,
                    "",
                    "ragged",
                    {"found": str(len(fields)), "expected": str(len(names)), "value": _quote(text)},
                )
            )
            continue
        sid = fields[column].strip().upper()
        if sid and uscc_problem(sid) is not None:
            rows.append(ApplicantRow(number, "", "invalid", {"value": _quote(fields[column])}))
            continue
        rows.append(ApplicantRow(number, sid))
    return rows


def applicant_ids(rows: Sequence[ApplicantRow]) -> list[str]:
    """The IDs to decide, one per row: a row with a problem gives ``""`` (not decided)."""
    return ["" if r.problem else r.subject_id for r in rows]


def with_problems(
    decided: pd.DataFrame, rows: Sequence[ApplicantRow], words: Callable[..., str]
) -> pd.DataFrame:
    """The decisions of :func:`applicant_ids` with the file's line numbers and the problems.

    Parameters
    ----------
    decided
        :func:`scoring.lending_decision.applicant_decisions` of ``applicant_ids(rows)``.
    rows
        The rows read.
    words
        ``words(key, **values)`` — the session's text (``app.i18n.t``).

    Returns
    -------
    DataFrame
        ``decided`` with ``row_number`` the line in the file, ``status`` ``bad``
        where the line had a problem (an invalid ID kept in ``subject_id``) and
        the line's message in ``line_problem``.
    """
    out = decided.copy()
    out["row_number"] = [r.line for r in rows]
    bad = [r.problem is not None for r in rows]
    out["status"] = out["status"].where(~pd.Series(bad, index=out.index), "bad")
    # an invalid ID stays in its column as given (quoted in the message too); a line that
    # could not be split has no ID to show
    out["subject_id"] = [
        (r.detail["value"] if r.problem == "invalid" else "") if r.problem else sid
        for r, sid in zip(rows, out["subject_id"], strict=True)
    ]
    out["line_problem"] = [
        words(f"lend.problem.{r.problem}", line=r.line, **r.detail) if r.problem else None
        for r in rows
    ]
    return out
