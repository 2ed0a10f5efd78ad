"""The indicator language: frozen declarations a credit analyst can read and extend.

An :class:`Indicator` names what it measures (labels, dimension, unit, risk
direction, a reason sentence in Chinese and English) and where it comes from
(its :data:`Source`):

* :class:`Records` — an aggregate over the subject's own records of some kinds
  that count at the as-of date, dated inside a window;
* :class:`Attribute` — a column of the subject's registration (capital, age…);
* :class:`DeclaredAttribute` — an attribute the subject type declares
  (:class:`features.declare.AttributeDecl`, a practitioner's profession), the
  value in force at the as-of date;
* :class:`Derived` — a ratio, trend or difference of other indicators;
* :class:`Related` — an aggregate over the records of a related party (the
  legal representative, other firms of the same legal representative, the
  driver's employer);
* :class:`Members` — an aggregate over the members of a village or township.

One compiler (:mod:`features.compile`) turns the declarations into SQL that
runs unchanged on DuckDB and Spark.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from features.declare import AttributeDecl

UP, DOWN, NEUTRAL = 1, -1, 0
"""Risk direction: a higher value means more risk (UP), less risk (DOWN), or neither."""

RecordAgg = Literal[
    "count",  # number of matching records
    "weighted",  # records weighted by severity tier (DOMAIN.md weights)
    "sum_amount",  # sum of amount (yuan)
    "sum_value",  # sum of value_num
    "max_value",  # largest value_num
    "avg_value",  # mean value_num
    "latest_value",  # value_num of the latest record that has one
    "latest_text",  # value_text of the latest record that has one (categorical)
    "days_since",  # days from the latest record to the as-of date
    "distinct_values",  # number of distinct value_text
    "distinct_kinds",  # number of distinct record kinds
    "cv_amount",  # coefficient of variation of amount (population sd / mean)
    "cv_value",  # coefficient of variation of value_num (population sd / mean)
    "growth_amount",  # least-squares slope of ln(amount) on the record date, per year
    "growth_value",  # least-squares slope of ln(value_num) on the record date, per year
    "distinct_months",  # number of calendar months with a matching record (recurrence)
    "distinct_years",  # number of calendar years with a matching record (recurrence)
]
NUMERIC_AGGS = frozenset(
    {
        "count",
        "weighted",
        "sum_amount",
        "sum_value",
        "max_value",
        "avg_value",
        "latest_value",
        "days_since",
        "distinct_values",
        "distinct_kinds",
        "cv_amount",
        "cv_value",
        "growth_amount",
        "growth_value",
        "distinct_months",
        "distinct_years",
    }
)
ZERO_WHEN_NONE = frozenset(
    {
        "count",
        "weighted",
        "sum_amount",
        "sum_value",
        "distinct_values",
        "distinct_kinds",
        "distinct_months",
        "distinct_years",
    }
)


@dataclass(frozen=True)
class Match:
    """Which records an indicator reads.

    Attributes
    ----------
    kinds
        Record kinds (features/records/kinds.py).
    severities
        Only these severity tiers (empty: any).
    values
        Only records whose ``value_text`` is one of these (empty: any).
    min_value, max_value
        Bounds on ``value_num`` (inclusive).
    min_amount, max_amount
        Bounds on ``amount`` (inclusive).
    polarity
        Only records of this polarity.
    """

    kinds: tuple[str, ...]
    severities: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    min_value: float | None = None
    max_value: float | None = None
    min_amount: float | None = None
    max_amount: float | None = None
    polarity: str | None = None


@dataclass(frozen=True)
class Records:
    """Aggregate of the subject's own records that count at the as-of date.

    ``window`` months back from the as-of date, shifted back by ``offset``
    months (``window=12, offset=12`` is the year before the last). ``None``
    window: every record in force at the date (a listing not yet lifted, a loan
    not yet due, a rating still valid), whatever its date.

    Two optional filters describe a state at the date rather than a history:

    * ``since``: only records dated on or after the start of the subject's
      oldest record matching ``since`` that is in force at the date
      (``valid_until`` empty or after it) — e.g. ``since=Match(("loan",))``:
      the reports on the loans outstanding now. A subject with no such record
      has no matching record. Only for the subject's own records.
    * ``open_below``: only status reports still open at the date. A report
      dated D of a running count of days ``value_num`` (days past due) is open
      while that count, had nothing been paid, would still be below
      ``open_below`` at T: ``value_num + (T − D) < open_below``. A loan still
      unpaid at ``open_below`` days (90) is reported again, as non-performing,
      so a report with no successor by then was settled. A report at or above
      ``open_below`` stays open (bound it with ``since``).
    """

    match: Match
    agg: RecordAgg = "count"
    window: int | None = None
    offset: int = 0
    since: Match | None = None
    open_below: float | None = None


@dataclass(frozen=True)
class Attribute:
    """A registration attribute of the subject.

    ``transform``: ``value`` as is, ``years_since`` (the as-of date minus a date
    column, in years), ``log1p``.
    """

    column: str
    transform: Literal["value", "years_since", "log1p"] = "value"
    categorical: bool = False


@dataclass(frozen=True)
class DeclaredAttribute:
    """An attribute the scheme's subject type declares (``subject_attributes``).

    The value in force at the as-of date: of the subject's rows for the
    attribute stored by T (``version_from`` on or before the date), the latest
    (``version_from``, then ``ingest_id``). A ``string`` attribute is a
    category (its choice labels are the value's labels in reasons); a
    ``number`` attribute reads ``value_num``, as is (``value``) or ``log1p``.
    The scheme's subject type must declare ``attribute`` (the registry refuses
    it otherwise, :mod:`features.registry`).
    """

    attribute: AttributeDecl
    transform: Literal["value", "log1p"] = "value"

    def __post_init__(self) -> None:
        if self.transform not in ("value", "log1p"):
            raise ValueError(
                f"declared attribute {self.attribute.name}: transform {self.transform!r} "
                "is not one of value, log1p"
            )
        if self.categorical and self.transform != "value":
            raise ValueError(
                f"declared attribute {self.attribute.name}: a string attribute is a "
                f"category, it takes no {self.transform!r} transform"
            )

    @property
    def name(self) -> str:
        """The attribute's name (``subject_attributes.name``)."""
        return self.attribute.name

    @property
    def categorical(self) -> bool:
        """True for a ``string`` attribute (its values are categories)."""
        return self.attribute.dtype == "string"


@dataclass(frozen=True)
class Derived:
    """An arithmetic combination of two other indicators of the same scheme.

    ``ratio`` = left / right (null when right is 0); ``share`` = left / (left +
    right), the share of the two counts that ``left`` is, always within [0, 1]
    (null when both are 0; e.g. commitments kept among those kept or broken);
    ``trend`` = (left − right) / right, the relative change (null when right is 0);
    ``diff`` = left − right; ``log_ratio`` = ln((1 + left) / (1 + right)).
    """

    op: Literal["ratio", "share", "trend", "diff", "log_ratio"]
    left: str
    right: str


@dataclass(frozen=True)
class Related:
    """Records of a related party.

    ``relation``: the key of a declared :class:`features.links.Link`
    (:mod:`features.definitions.relations`): ``legal_rep`` (the legal
    representative's own records), ``rep_firms`` (the number of *other*
    enterprises with the same legal representative that have a matching record),
    ``employer`` (the employer's records), ``represented_firms``,
    ``responsible_for``… A link that counts parties takes the ``count``
    aggregation only.
    """

    relation: str
    inner: Records

    def __post_init__(self) -> None:
        from features import registry
        from features.link_lookup import link  # the links are declarations too

        try:
            declared = link(self.relation)
        except KeyError as exc:
            if registry.building():  # a link of the module being imported: checked on build
                return
            raise ValueError(exc.args[0]) from None
        self.check(declared)

    def check(self, declared: Any) -> None:
        """Refuse an aggregation the link cannot give (a link that counts parties)."""
        if declared.counts == "parties" and self.inner.agg != "count":
            raise ValueError(
                f"relation {self.relation} counts parties: use the count aggregation, "
                f"got {self.inner.agg!r}"
            )


@dataclass(frozen=True)
class Condition:
    """``indicator op value`` on a member's indicator (for :class:`Members`)."""

    indicator: str
    op: Literal[">", ">=", "<", "<=", "=", "<>"]
    value: float


@dataclass(frozen=True)
class Members:
    """Aggregate over member subjects (households of a village or township).

    ``fn``: ``count`` members, ``mean`` of an indicator, ``share`` of members
    meeting ``where`` (with ``among``: of the members meeting ``among`` only,
    e.g. borrowers; null when none does), ``sum_ratio`` = sum(``of``) /
    sum(``over``) (e.g. NPL). A member whose indicator is null does not meet a
    condition on it.
    """

    fn: Literal["count", "mean", "share", "sum_ratio"]
    of: str | None = None
    over: str | None = None
    where: Condition | None = None
    among: Condition | None = None


Source = Records | Attribute | DeclaredAttribute | Derived | Related | Members


@dataclass(frozen=True)
class Indicator:
    """One declared indicator.

    Attributes
    ----------
    name
        Column name in the feature frame (snake_case English).
    label_zh, label_en
        Labels shown to users and in the catalogue.
    dimension
        Dimension of the scheme's indicator system (e.g. 监管信息).
    source
        Where the value comes from.
    direction
        ``UP``: higher means riskier; ``DOWN``: higher means safer; ``NEUTRAL``.
        Used for monotone constraints and for wording reasons.
    unit
        Unit of the value (次, 元, 人, 年, 分, %…); for a change (``log_ratio``,
        ``trend``), the unit of the two values compared.
    reason_zh, reason_en
        Reason sentences; ``{value}`` is the subject's value as a person reads it
        (:mod:`features.display`), ``{window}`` the window in months, ``{label}``
        the label.
    display
        How the value reads (:data:`features.display.DISPLAYS`); empty: from the
        source and the unit (:attr:`display_kind`).
    missing_zh, missing_en
        The fact a missing value states (``近{window}个月无行政处罚``). Empty: a
        missing value means only that the data are not there, and it is never
        given as a reason.
    missing_rank
        Where a missing value stands in the risk direction, required with
        ``missing_zh``: ``best`` (no record of a harm, ``近24个月无行政处罚``: it can
        only lower the risk in a reason) or ``worst`` (no record of a good or required
        thing, ``近18个月无村两委评议``, ``近24个月未纳税``: it can only raise it — a
        credit officer never reads missing information as reassurance). Empty only
        without ``missing_zh``.
    order
        For categories with a risk order: the categories from the safest to the
        riskiest (tax credit level A, B, M, C, D). Models read the rank, with
        the risk rising along it (declare ``direction=UP``).
    short_history
        Declared tolerant of a short history: the indicator may be computed at a
        snapshot whose window reaches back before the store's records of its kinds
        begin (:mod:`features.history`), as long as the window reaches into them.
        Honest only when a shorter history leaves the value's meaning unchanged: a
        state at the date (the latest tax credit level or rating, published once a
        year, is the same value whether two years or one are on record), or a mean
        of periodic values (fewer values, same expectation). A count, sum or maximum
        that is simply smaller early on is *not* tolerant: the early snapshots would
        teach the model that a short record means a good subject.
    """

    name: str
    label_zh: str
    label_en: str
    dimension: str
    source: Source
    direction: int = NEUTRAL
    unit: str = ""
    reason_zh: str = "{label}：{value}"
    reason_en: str = "{label}: {value}"
    display: str = ""
    missing_zh: str = ""
    missing_en: str = ""
    missing_rank: Literal["", "best", "worst"] = ""
    order: tuple[str, ...] = ()
    short_history: bool = False

    def __post_init__(self) -> None:
        from features.display import DISPLAYS

        if self.display and self.display not in DISPLAYS:
            raise ValueError(
                f"indicator {self.name}: display {self.display!r} is not one of {sorted(DISPLAYS)}"
            )
        if self.order and (not self.categorical or self.direction != UP):
            raise ValueError(
                f"indicator {self.name}: an order of categories needs a "
                "categorical source and direction=UP (risk rises along it)"
            )
        if bool(self.missing_rank) != bool(self.missing_zh):
            raise ValueError(
                f"indicator {self.name}: missing_zh/missing_en and missing_rank go together "
                "(best: no record of a harm; worst: no record of a good or required thing)"
            )

    @property
    def categorical(self) -> bool:
        """True when the indicator's values are categories, not numbers."""
        src = self.source
        if isinstance(src, Attribute | DeclaredAttribute):
            return src.categorical
        if isinstance(src, Related):
            src = src.inner
        return isinstance(src, Records) and src.agg == "latest_text"

    @property
    def window(self) -> int | None:
        """Window in months of a record-based indicator (``None`` otherwise)."""
        src = self.source
        if isinstance(src, Related):
            src = src.inner
        return src.window if isinstance(src, Records) else None

    @property
    def ordinal(self) -> bool:
        """True for categories with a declared risk order (models read their rank)."""
        return bool(self.order)

    @property
    def display_kind(self) -> str:
        """How the value reads: the declared ``display``, else from source and unit."""
        if self.display:
            return self.display
        src = self.source
        if self.categorical:
            return "category"
        if isinstance(src, Attribute) and src.transform == "years_since":
            return "years"
        if isinstance(src, Derived):
            return {
                "log_ratio": "change",
                "trend": "change",
                "diff": "delta",
                "share": "share",
            }.get(src.op, "ratio" if self.unit == "倍" else "number")
        if isinstance(src, Members) and src.fn in ("share", "sum_ratio"):
            return "share"  # a share of the members, or of their amounts (NPL)
        return {"元": "money", "倍": "ratio"}.get(self.unit, "number")

    @property
    def value_labels(self) -> dict[str, tuple[str, str]]:
        """Category → (Chinese, English) for a categorical indicator (else empty)."""
        from features.records.values import COLUMN_VALUES, KIND_VALUES

        if not self.categorical:
            return {}
        src = self.source
        if isinstance(src, Attribute):
            return dict(COLUMN_VALUES.get(src.column, {}))
        if isinstance(src, DeclaredAttribute):
            return {v: (zh, en) for v, zh, en in src.attribute.choice_labels}
        if isinstance(src, Related):
            src = src.inner
        return dict(KIND_VALUES.get(src.match.kinds[0], {}))  # type: ignore[union-attr]

    def reason(
        self, value: object, lang: str = "zh", pair: tuple[object, object] | None = None
    ) -> str:
        """The reason sentence for ``value`` in ``lang`` (``zh`` or ``en``); ``pair``: the
        current and earlier values a ``change`` compares."""
        from features.display import render

        zh = lang == "zh"
        return render(
            self.reason_zh if zh else self.reason_en,
            self.label_zh if zh else self.label_en,
            value,
            self.window,
            lang,
            kind=self.display_kind,
            labels=self.value_labels,
            missing=self.missing_zh if zh else self.missing_en,
            pair=pair,
            pair_unit=self.unit,
        )


def render_reason(
    template: str, label: str, value: object, window: int | None, lang: str = "zh"
) -> str:
    """Fill a reason template with a plain number or text (:func:`features.display.render`
    with ``kind="number"``)."""
    from features.display import render

    return render(template, label, value, window, lang)


@dataclass(frozen=True)
class Target:
    """A scheme's target event: matching records dated in (T, T + horizon months]."""

    match: tuple[Match, ...]
    horizon: int = 12
    description_zh: str = ""
    description_en: str = ""


#: A GB/T 4754 code: section letter, then up to four digits of division, group, class.
_INDUSTRY_CODE = re.compile(r"[A-T][0-9]{0,4}")


@dataclass(frozen=True)
class Population:
    """Who a scheme rates at the as-of date.

    ``subject_type`` subjects registered by the date and not closed; optionally
    only some ``scales``, only some ``industries``, and only those with a record
    of ``requires_kind`` published by the date (the SME scheme: borrowers on
    record; a sector evaluation: the sector's qualification or licence).

    ``industries`` are GB/T 4754 codes written as the section letter followed by
    as many digits of the division, group and class as wanted (``"E"``
    construction, ``"E47"`` house building, ``"L7291"`` travel agencies in the
    2017 edition); a subject matches when its ``industry`` begins with one of
    them. The demo city files the section letter only, so a finer code there
    matches nobody and a sector inside a section is told apart by its licence
    (``requires_kind``).
    """

    subject_type: str
    scales: tuple[str, ...] = ()
    requires_kind: str | None = None
    industries: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        bad = [c for c in self.industries if not _INDUSTRY_CODE.fullmatch(c)]
        if bad or isinstance(self.industries, str):
            raise ValueError(
                f"population of {self.subject_type}: industries {list(self.industries)!r} must "
                "be GB/T 4754 codes, a section letter A–T and up to four digits ('E', 'L7291')"
            )

    def in_industries(self, industry: object) -> bool:
        """Whether a subject's ``industry`` is in the population's industries (all without)."""
        if not self.industries:
            return True
        return isinstance(industry, str) and industry.startswith(self.industries)


@dataclass(frozen=True)
class Scheme:
    """A rated population, its target and its declared indicators."""

    key: str
    label_zh: str
    label_en: str
    population: Population
    indicators: tuple[Indicator, ...]
    target: Target | None = None
    members: tuple[str, str] | None = None  # (member scheme, grouping column) for aggregates
    dimensions: tuple[str, ...] = field(default=())
    # Published points rules (features.rules.PointsRule), compiled with the indicators;
    # flags (features.rules.Flag), None: the common flags (features.rules.flags_of); the
    # documents the scheme rests on (features.rules.Source). Typed loosely here: the
    # declarations import this module, not the other way round.
    rules: tuple[Any, ...] = ()
    flags: tuple[Any, ...] | None = None
    sources: tuple[Any, ...] = ()

    def indicator(self, name: str) -> Indicator:
        """The indicator called ``name``."""
        for ind in self.indicators:
            if ind.name == name:
                return ind
        raise KeyError(f"scheme {self.key} has no indicator {name!r}")

    def __post_init__(self) -> None:
        names = [i.name for i in self.indicators]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"scheme {self.key}: duplicate indicators {sorted(dup)}")
        for ind in self.indicators:
            if isinstance(ind.source, Derived):
                for ref in (ind.source.left, ind.source.right):
                    if ref not in names[: names.index(ind.name)]:
                        raise ValueError(
                            f"scheme {self.key}: {ind.name} uses {ref!r}, which must be "
                            "declared before it"
                        )
            if self.dimensions and ind.dimension not in self.dimensions:
                raise ValueError(
                    f"scheme {self.key}: {ind.name} has dimension {ind.dimension!r}, "
                    f"expected one of {self.dimensions}"
                )
        keys = [x.key for x in (*self.rules, *(self.flags or ()))]
        if len(set(keys)) != len(keys):
            raise ValueError(f"scheme {self.key}: rule and flag keys must be distinct, got {keys}")


def declared_attributes(scheme: Scheme) -> tuple[AttributeDecl, ...]:
    """The declared attributes ``scheme``'s indicators read, each once, in order of use."""
    found = (
        i.source.attribute for i in scheme.indicators if isinstance(i.source, DeclaredAttribute)
    )
    return tuple({a.name: a for a in found}.values())
