"""The latest date anything may be dated: no rating, objection, repair or assessment
after the data.

A rating as of a day after the store's data is a projection — the indicators
of 2030 built from 2026's records — and once written it becomes the rating in
force. Every door (the command line, the pages) therefore asks
:func:`date_limit` for the latest allowed day, offers it as the default and
refuses anything later with :meth:`DateLimit.check`'s one-line message.

**The data date** is the latest ``published_on`` of ``records``: the day up to
which the store knows what was published (the same day that bounds training
labels and the default rating date, :func:`features.build.data_end`). Entry
times (``recorded_at``) do not count: an assessment typed in today says
nothing about what departments have published. An empty store has no data
date.

**The rule** (settings ``[dates] latest``) picks the limit:

``earliest`` (default)
    the data date or today, whichever is earlier — neither the future nor a
    day the data does not reach;
``data``
    the data date (a replayed or test store whose data run ahead of the clock);
``today``
    today's date (a platform whose departments push every day and whose casework
    happens on today's date even before today's records arrive).

Without a data date the limit is today.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, get_args

import pandas as pd

from features.store.base import Store

LatestRule = Literal["earliest", "data", "today"]
RULES: tuple[str, ...] = get_args(LatestRule)

_WHY_ZH = {
    "earliest": "数据日期 {data} 与今天 {today} 中较早者",
    "data": "数据日期 {data}",
    "today": "今天",
}
_WHY_EN = {
    "earliest": "the store's data date {data} or today {today}, whichever is earlier",
    "data": "the store's data date {data}",
    "today": "today",
}


class FutureDateError(ValueError):
    """A day after the latest allowed one; ``str()`` is the bilingual one-line message,
    ``zh`` and ``en`` each language alone."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


@dataclass(frozen=True)
class DateLimit:
    """The latest allowed day and where it comes from.

    Attributes
    ----------
    day
        The latest allowed day.
    rule
        The settings rule that chose it (``earliest``, ``data``, ``today``).
    data_date
        The store's data date (``None``: the store has no records).
    today
        The day taken as today.
    """

    day: dt.date
    rule: LatestRule
    data_date: dt.date | None
    today: dt.date

    def why(self, lang: str = "zh") -> str:
        """Where the limit comes from, in ``lang`` (``zh`` or ``en``)."""
        rule = self.rule if self.data_date is not None else "today"
        table = _WHY_ZH if lang == "zh" else _WHY_EN
        return table[rule].format(data=self.data_date, today=self.today)

    def check(self, day: dt.date, what: str = "") -> dt.date:
        """``day`` itself when it is not after the limit.

        Parameters
        ----------
        day
            The day asked for.
        what
            What the day is (``--as-of``, ``评定日期``…), named in the message.

        Raises
        ------
        FutureDateError
            Naming the day, the limit and where the limit comes from.
        """
        if day <= self.day:
            return day
        label = f"{what} " if what else ""
        zh = (
            f"{label}{day} 晚于最晚可用日期 {self.day}（{self.why('zh')}，"
            "设置 [dates] latest），不生成未来日期的评级"
        )
        en = (
            f"{label}{day} is after the latest allowed date {self.day} "
            f"({self.why('en')}; settings [dates] latest): no ratings for future dates"
        )
        raise FutureDateError(zh, en)


def data_date(store: Store) -> dt.date | None:
    """The latest ``published_on`` in ``records``, or ``None`` for an empty store."""
    value = store.scalar("SELECT max(published_on) FROM records")
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


def date_limit(store: Store, rule: LatestRule, today: dt.date) -> DateLimit:
    """The latest day a rating, objection, repair, assessment or draw may be dated.

    Parameters
    ----------
    store
        The store whose data date counts.
    rule
        ``earliest`` (the data date or today, whichever is earlier), ``data`` or
        ``today`` — settings ``[dates] latest``.
    today
        Today's date (passed in: the caller's clock, fixed in tests).

    Raises
    ------
    ValueError
        For an unknown rule.
    """
    return limit_on(data_date(store), rule, today)


def limit_on(data: dt.date | None, rule: LatestRule, today: dt.date) -> DateLimit:
    """:func:`date_limit` of a store whose data date (:func:`data_date`) is ``data``: a
    caller holding the data date already (the app, once per data version: at the city the
    read costs 60 ms) need not read it again.

    Raises
    ------
    ValueError
        For an unknown rule.
    """
    if rule not in RULES:
        raise ValueError(f"unknown date rule {rule!r}; use one of {', '.join(RULES)}")
    if data is None or rule == "today":
        day = today
    elif rule == "data":
        day = data
    else:
        day = min(data, today)
    return DateLimit(day, rule, data, today)
