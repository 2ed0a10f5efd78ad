"""Dates typed at a door: the one parser of every CLI option and job argument.

Below ``app/`` functions take :class:`datetime.date` only; a date typed by a
user (``--as-of``, ``--on``, ``--from``…) is parsed here once, at the edge, and
a bad one gets one message naming the value and the expected form. (The pages
take dates from date pickers and lists of rated dates, already typed.)
"""

from __future__ import annotations

import datetime as dt
import re

#: what a date must look like, as said in every error
FORM = "YYYY-MM-DD"
_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_day(text: str | dt.date) -> dt.date:
    """The calendar date written as ``YYYY-MM-DD`` (a date is returned as it is).

    Raises
    ------
    ValueError
        With a message naming the value and the expected form.
    """
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    value = str(text).strip()
    try:
        if not _SHAPE.fullmatch(value):  # fromisoformat also takes 20261031, 2026-W44-1
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{str(text)!r} is not a date: expected {FORM}, e.g. 2026-10-31") from None
