"""Published points rules and flags: frozen declarations beside the indicators.

A :class:`PointsRule` is a published table that maps the records of a cycle to
points and the points to a grade (the drivers' 诚信考核, a sector's credit
evaluation). A :class:`Flag` is a published condition on the records of some
years (the green channel: three years without a negative record). Both are
declared in a scheme (:attr:`features.dsl.Scheme.rules`, ``flags``; the common
flags are found by :func:`features.common_flags.flags_of`), compiled
with its indicators over the same records that count (:mod:`features.compile`,
:mod:`features.evaluate`) and read by scoring (:mod:`scoring.rules`): the model
may rank inside the rule's grade, never above it.

This module holds the declarations and the pure arithmetic both engines share
(item caps, the grade of a total, the detail column's encoding).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from features.dsl import DOWN, UP, Indicator, Match, Records

#: Separators of the detail column: records, and fields inside a record (control
#: characters: a record id, dept-supplied text, never holds them).
DETAIL_SEP, FIELD_SEP = "\x1e", "\x1f"


def _key_ok(key: str) -> bool:
    return bool(key) and key.replace("_", "a").isalnum() and key.isascii() and key[0].isalpha()


@dataclass(frozen=True)
class Source:
    """Where a rule or flag comes from: a document and its article.

    ``proposal``: the numbers are ours (DOMAIN.md marks them so) until the cited
    text is fetched and quoted.
    """

    document: str
    article: str = ""
    url: str = ""
    proposal: bool = False

    def __post_init__(self) -> None:
        if not self.document.strip():
            raise ValueError("a Source needs the document it cites")

    def cite(self, lang: str = "zh") -> str:
        """One line: document, article and (when a proposal) the proposal note."""
        text = self.document + (f" {self.article}" if self.article else "")
        if self.proposal:
            text += "（分值为建议值）" if lang == "zh" else " (values are a proposal)"
        return text


@dataclass(frozen=True)
class PointsItem:
    """One line of a published points table: records matching ``match`` score ``points``.

    ``points`` is signed: positive adds to the total, negative deducts from it.
    ``cap``: the most this item may move the total in one cycle (a magnitude).
    """

    key: str
    label_zh: str
    label_en: str
    match: Match
    points: float
    cap: float | None = None

    def __post_init__(self) -> None:
        if not _key_ok(self.key):
            raise ValueError(f"points item key {self.key!r} must be snake_case ASCII")
        if not self.match.kinds:
            raise ValueError(f"points item {self.key}: its match names no record kind")
        if not isinstance(self.points, int | float) or not math.isfinite(self.points):
            raise ValueError(f"points item {self.key}: points {self.points!r} is not a number")
        if self.points == 0:
            raise ValueError(f"points item {self.key}: an item scoring 0 points scores nothing")
        if self.cap is not None and not self.cap > 0:
            raise ValueError(f"points item {self.key}: cap {self.cap!r} must be > 0 (a magnitude)")


def serious_list_item(points: float) -> PointsItem:
    """The item of market regulation's 严重违法失信名单, as every sector evaluation
    words it; the scheme declares its points."""
    return PointsItem(
        "serious_list",
        "列入严重违法失信名单",
        "on the serious violation list",
        Match(("serious_violation_list",)),
        points,
    )


def penalty_items(serious: float, general: float) -> tuple[PointsItem, PointsItem]:
    """The items of a serious and a general administrative penalty (the serious one
    first: a record scores the first item it matches); the scheme declares the points."""
    return (
        PointsItem(
            "penalty_serious",
            "严重行政处罚",
            "serious administrative penalty",
            Match(("administrative_penalty",), severities=("serious",)),
            serious,
        ),
        PointsItem(
            "penalty_general",
            "一般行政处罚",
            "general administrative penalty",
            Match(("administrative_penalty",), severities=("general",)),
            general,
        ),
    )


def reward_items(
    red_list: tuple[float, float], honour: tuple[float, float]
) -> tuple[PointsItem, PointsItem]:
    """The items of a 守信红名单 listing and of an honour or award, each ``(points, cap)``."""
    return (
        PointsItem(
            "red_list",
            "列入守信红名单",
            "on a red list",
            Match(("red_list",)),
            red_list[0],
            cap=red_list[1],
        ),
        PointsItem(
            "honour",
            "获得表彰奖励",
            "honour or award",
            Match(("honour",)),
            honour[0],
            cap=honour[1],
        ),
    )


@dataclass(frozen=True)
class PointsRule:
    """Records of a cycle → points → a grade, as a published rule says.

    Attributes
    ----------
    key
        Column stem (``rule__<key>__points``) and the key of ``reasons["rules"]``.
    items
        Point items; a record scores the first item it matches (so the bands of
        one kind go from the highest threshold down), at most once.
    bands
        ``(grade, threshold)``, the best grade first. ``better="lower"``: the
        thresholds rise, a total gets the band of the largest threshold it reaches
        (the first threshold is the start). ``better="higher"``: they fall, a
        total gets the first band it reaches, the last band below them all.
    better
        Whether fewer points (a demerit count) or more (a score) is better.
    binding
        ``cap``: the final grade is never better than the band (the model may be
        worse); ``exact``: the band is the final grade (the model ranks inside it),
        then the scale's hard overrides still apply.
    cycle_months
        Records dated in (T − cycle, T] count (decision date, else event date).
    start
        The total before any record (0 for a demerit count, 100 for a score).
    sources, consequences
        Where the rule comes from; what each band entails ``(grade, zh, en)``.
    reason_zh, reason_en
        The override's sentence when the rule binds: ``{points}`` the total,
        ``{grade}`` the band with its label, ``{records}`` the records that scored.
    """

    key: str
    label_zh: str
    label_en: str
    items: tuple[PointsItem, ...]
    bands: tuple[tuple[str, float], ...]
    better: Literal["lower", "higher"]
    binding: Literal["cap", "exact"]
    cycle_months: int = 12
    start: float = 0.0
    sources: tuple[Source, ...] = ()
    consequences: tuple[tuple[str, str, str], ...] = ()
    # the sector evaluations' sentence (construction, travel agencies): a rule that
    # words it otherwise (the drivers' 记分) declares its own
    reason_zh: str = "{label}周期内得{points}分，按评价规则最终等级{bound}{grade}：{records}"
    reason_en: str = (
        "{label}: {points} points in the cycle: by the rule the final grade {bound} {grade}: "
        "{records}"
    )

    def __post_init__(self) -> None:
        where = f"points rule {self.key}"
        if not _key_ok(self.key):
            raise ValueError(f"{where}: key must be snake_case ASCII")
        if not self.items:
            raise ValueError(f"{where}: no items")
        keys = [i.key for i in self.items]
        if len(set(keys)) != len(keys):
            raise ValueError(f"{where}: item keys must be distinct, got {keys}")
        if self.better not in ("lower", "higher"):
            raise ValueError(f"{where}: better={self.better!r}, expected 'lower' or 'higher'")
        if self.binding not in ("cap", "exact"):
            raise ValueError(f"{where}: binding={self.binding!r}, expected 'cap' or 'exact'")
        if self.cycle_months <= 0:
            raise ValueError(f"{where}: cycle_months = {self.cycle_months} must be > 0")
        grades = [g for g, _ in self.bands]
        if not grades or len(set(grades)) != len(grades):
            raise ValueError(f"{where}: bands {list(self.bands)} need distinct grades")
        cuts = [t for _, t in self.bands]
        if self.better == "lower":
            if cuts[0] != self.start or any(b <= a for a, b in itertools.pairwise(cuts)):
                raise ValueError(
                    f"{where}: bands {list(self.bands)} need minimum points rising from "
                    f"the start ({self.start:g})"
                )
        elif any(b >= a for a, b in itertools.pairwise(cuts)):
            raise ValueError(f"{where}: bands {list(self.bands)} need thresholds falling")
        for grade, _, _ in self.consequences:
            if grade not in grades:
                raise ValueError(f"{where}: consequence for unknown grade {grade!r}")

    @property
    def grades(self) -> tuple[str, ...]:
        """The band grades, best first."""
        return tuple(g for g, _ in self.bands)

    @property
    def kinds(self) -> tuple[str, ...]:
        """Record kinds some item reads."""
        return tuple(dict.fromkeys(k for i in self.items for k in i.match.kinds))

    @property
    def points_column(self) -> str:
        """Feature-frame column of the cycle's total."""
        return f"rule__{self.key}__points"

    @property
    def events_column(self) -> str:
        """Feature-frame column of the number of records that scored."""
        return f"rule__{self.key}__events"

    @property
    def detail_column(self) -> str:
        """Feature-frame column of the records that scored (:func:`decode_detail`)."""
        return f"rule__{self.key}__detail"

    def total(self, counts: Sequence[float]) -> float:
        """The cycle's total from the number of records of each item (caps applied)."""
        total = float(self.start)
        for item, n in zip(self.items, counts, strict=True):
            moved = n * item.points
            if item.cap is not None:
                moved = math.copysign(min(abs(moved), item.cap), moved)
            total += moved
        return total

    def with_figures(
        self,
        *,
        cycle_months: int | None = None,
        start: float | None = None,
        bands: Mapping[str, float] | None = None,
        points: Mapping[str, float] | None = None,
        caps: Mapping[str, float] | None = None,
    ) -> PointsRule:
        """This rule with a deployment's own figures (settings ``[rules.<key>]``): the
        cycle, the start, band thresholds by grade, item points and caps by item key.
        What is not given keeps the declared figure; the items, grades, labels and
        sources stay the declaration's.

        Raises
        ------
        ValueError
            A grade or item the rule does not declare, or figures the rule refuses
            (thresholds out of order, an item scoring 0); the message names the rule.
        """
        where = f"points rule {self.key}"
        grades, items = self.grades, [i.key for i in self.items]
        for what, given, known in (
            ("grades", bands or {}, grades),
            ("items", {**(points or {}), **(caps or {})}, items),
        ):
            unknown = sorted(set(given) - set(known))
            if unknown:
                raise ValueError(f"{where}: unknown {what} {unknown}; declared: {list(known)}")
        new_items = tuple(
            replace(
                i,
                points=float((points or {}).get(i.key, i.points)),
                cap=(caps or {}).get(i.key, i.cap),
            )
            for i in self.items
        )
        return replace(
            self,
            items=new_items,
            bands=tuple((g, float((bands or {}).get(g, cut))) for g, cut in self.bands),
            cycle_months=self.cycle_months if cycle_months is None else cycle_months,
            start=self.start if start is None else start,
        )

    def grade(self, total: float) -> str:
        """The band of a cycle total."""
        if self.better == "lower":
            grade = self.bands[0][0]
            for g, minimum in self.bands:
                if total >= minimum:
                    grade = g
            return grade
        for g, minimum in self.bands:
            if total >= minimum:
                return g
        return self.bands[-1][0]


@dataclass(frozen=True)
class Flag:
    """A published condition on the subject's records (e.g. the green channel).

    A subject is flagged at T when no record matching ``no_records`` that counts
    at T is dated in (T − ``years``, T], no listing of ``listing_kinds`` matching
    it still counts at T (however old), and — with ``require_full_period`` — it
    existed for the whole period (``established_on`` ≤ T − ``years``, or unknown).
    ``no_records`` may name no kinds: then any kind matching its other terms.

    ``related``: declared links (:mod:`features.links`) whose parties' records matching
    ``related_records`` deny the flag the same way (dated in the period, or a listing
    still in force): seed 002 #12 enters an organisation's serious records into the
    personal credit record of its legal representative and responsible persons, so
    they are not years without a negative record for that person either.
    """

    key: str
    label_zh: str
    label_en: str
    no_records: Match
    years: int
    listing_kinds: tuple[str, ...] = ()
    require_full_period: bool = True
    sources: tuple[Source, ...] = ()
    related: tuple[str, ...] = ()
    related_records: Match | None = None

    def __post_init__(self) -> None:
        if not _key_ok(self.key):
            raise ValueError(f"flag {self.key!r}: key must be snake_case ASCII")
        if not isinstance(self.years, int) or self.years <= 0:
            raise ValueError(f"flag {self.key}: years = {self.years} must be > 0")
        if bool(self.related) != (self.related_records is not None):
            raise ValueError(
                f"flag {self.key}: related links and related_records go together "
                f"(got related={self.related!r}, related_records={self.related_records!r})"
            )

    @property
    def column(self) -> str:
        """Feature-frame column of the flag."""
        return f"flag__{self.key}"


def rule_columns(rules: Sequence[PointsRule], flags: Sequence[Flag]) -> tuple[str, ...]:
    """The feature-frame columns of some rules and flags (not model inputs)."""
    out: list[str] = []
    for r in rules:
        out += [r.points_column, r.events_column, r.detail_column]
    return (*out, *(f.column for f in flags))


def _number(value: float) -> int | float:
    """A points value as a person reads it (20, not 20.0)."""
    return int(value) if float(value).is_integer() else float(value)


def decode_detail(rule: PointsRule, text: str | None) -> list[dict]:
    """The records that scored, from the detail column.

    Returns ``{record_id, date, rule, points, label_zh, label_en}`` per record in
    the column's order (date, then record id); ``rule`` is the item key.
    """
    if not text:
        return []
    out = []
    for piece in text.split(DETAIL_SEP):
        record_id, day, idx = piece.split(FIELD_SEP)
        item = rule.items[int(idx)]
        out.append(
            {
                "record_id": record_id,
                "date": day[:10],
                "rule": item.key,
                "points": _number(item.points),
                "label_zh": item.label_zh,
                "label_en": item.label_en,
            }
        )
    return out


def encode_detail(rows: Sequence[tuple[str, str, int]]) -> str | None:
    """The detail column of ``(record_id, date, item index)`` rows, already ordered."""
    if not rows:
        return None
    return DETAIL_SEP.join(FIELD_SEP.join((r, d, str(i))) for r, d, i in rows)


def cycle_count(
    rule: PointsRule,
    name: str,
    label: tuple[str, str],
    dimension: str,
    match: Match,
    what: tuple[str, str],
    unit: str,
    *,
    none: tuple[str, str] | None = None,
) -> Indicator:
    """An indicator beside a sector's points rule: the count of ``match``'s records over
    the rule's cycle, so the catalogue and the report explain the record the rule scored.

    Parameters
    ----------
    rule
        The points rule whose ``cycle_months`` is the window.
    name, label
        The indicator's name and ``(Chinese, English)`` labels.
    dimension
        Its dimension (the rule's 不良/良好 sides).
    match
        The records counted.
    what
        ``(Chinese, English)`` of the records in a reason: ``近24个月{what}{value}{unit}``.
    unit
        The Chinese counting word (起, 条, 件, 次).
    none
        For records that raise the risk (``UP``): ``(Chinese, English)`` of what none on
        file states, read after ``近24个月`` (``未发生工程质量安全事故``,
        ``无拖欠工资记录``) — written out, since "无" before ``what`` reads wrong when
        ``what`` starts with 有 or a verb. ``None``: records of good conduct (``DOWN``).
    """
    what_zh, what_en = what
    how = (
        {
            "missing_zh": f"近{{window}}个月{none[0]}",
            "missing_en": f"{none[1]} in {{window}} months",
            "missing_rank": "best",
        }
        if none
        else {}
    )
    return Indicator(
        name,
        label[0],
        label[1],
        dimension,
        Records(match, "count", rule.cycle_months),
        UP if none else DOWN,
        unit,
        f"近{{window}}个月{what_zh}{{value}}{unit}",
        f"{{value}} {what_en} in {{window}} months",
        **how,
    )
