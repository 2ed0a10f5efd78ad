"""双随机 inspection draws by enterprise credit-risk class (分级分类监管).

Supervisors inspect each credit-risk class A/B/C/D at its own sampling ratio
and at most a number of times a year (DOMAIN.md, 国市监信发〔2022〕6号). This
module is pure: :func:`draw` takes the classified enterprises, the previous
draws and a :class:`InspectionConfig` and returns the drawn list with a summary
per class. Reading ratings and storing draws is in
:mod:`scoring.policies.inspection_store`.

Rules and the choices made where DOMAIN.md leaves room:

* **Ratio.** Each class draws ``round(ratio × population)`` enterprises (half
  up) from its members that have not reached their yearly cap; the population is
  every classified enterprise of the class in the jurisdiction, capped or not.
* **Yearly cap.** A cap ``c ≥ 1`` allows ``floor(c)`` routine inspections in
  the calendar year of the as-of date; a cap ``c < 1`` allows one inspection per
  ``12 / c`` months (A's 0.5 a year: once in the last 24 months). Previous draws
  count by their as-of date, strictly before this one: drawing again for the
  same as-of date (a re-draw, or the reproducibility check) is not a second
  inspection, so it sees the same eligible enterprises and, with the same seed,
  gives the same list. The cap is the one of the enterprise's class today.
* **Floor.** The whole draw covers at least ``ceil(floor × N)`` of the ``N``
  classified enterprises of the jurisdiction. A shortfall is topped up class by
  class in ``top_up_order`` (D, C, B, A by default: the riskiest first, as
  risk-based supervision wants), first up to each class's allowed maximum ratio,
  then beyond it if still short (the national floor outranks local ranges).
  Caps are never broken: if too few enterprises are eligible the summary says
  the floor was not met.
* **Reproducibility.** Members of a class are sorted by subject_id and shuffled
  by a :class:`numpy.random.Generator` seeded with ``(seed, class position)``;
  the ratio draw takes the head of that order and the top-up the next ones. The
  same seed and the same data give the same list, independent of row order.
* **Region.** ``region`` keeps enterprises whose 6-digit 行政区划代码 starts with
  the code without its trailing ``00`` pairs (``530300`` → every district of 曲靖,
  ``530302`` → 麒麟区 only).

Triggered inspections (complaints, referrals, 投诉举报, 转办交办) bypass ratios and
caps and are out of scope here.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from features.compile import add_months

#: Labels of the credit-risk classes (企业信用风险分类).
CLASS_LABELS: dict[str, tuple[str, str]] = {
    "A": ("信用风险低", "Low credit risk"),
    "B": ("信用风险一般", "General credit risk"),
    "C": ("信用风险较高", "Higher credit risk"),
    "D": ("信用风险高", "High credit risk"),
}

#: How an enterprise came into the list.
SELECTED_BY: dict[str, tuple[str, str]] = {
    "ratio": ("按比例抽取", "sampling ratio"),
    "floor": ("保底补足", "overall floor top-up"),
}


@dataclass(frozen=True)
class ClassPolicy:
    """Sampling ratio, allowed range and yearly cap of one credit-risk class.

    Attributes
    ----------
    credit_class
        Class key (``A``…``D``).
    ratio
        Share of the class drawn, between 0 and 1.
    allowed
        ``(min, max)`` ratio local practice allows; ``ratio`` must lie inside.
    cap_per_year
        Routine inspections a year at most (``0.5`` = once every two years);
        ``None``: no cap.
    """

    credit_class: str
    ratio: float
    allowed: tuple[float, float] = (0.0, 1.0)
    cap_per_year: float | None = None

    def __post_init__(self) -> None:
        lo, hi = self.allowed
        if not 0.0 <= lo <= hi <= 1.0:
            raise ValueError(
                f"class {self.credit_class}: allowed range {self.allowed} must "
                "satisfy 0 ≤ min ≤ max ≤ 1"
            )
        if not lo - 1e-12 <= self.ratio <= hi + 1e-12:
            raise ValueError(
                f"class {self.credit_class}: sampling ratio {self.ratio:.0%} is outside the "
                f"allowed range {lo:.0%}–{hi:.0%} (抽查比例超出允许范围)"
            )
        if self.cap_per_year is not None and self.cap_per_year <= 0:
            raise ValueError(f"class {self.credit_class}: cap_per_year must be > 0 or None")

    def cap_window(self, as_of: dt.date) -> tuple[dt.date, int] | None:
        """First day counted and the number of inspections allowed, or ``None`` (no cap)."""
        if self.cap_per_year is None:
            return None
        if self.cap_per_year >= 1:
            return dt.date(as_of.year, 1, 1), math.floor(self.cap_per_year)
        months = round(12 / self.cap_per_year)
        return add_months(as_of, -months) + dt.timedelta(days=1), 1


DEFAULT_CLASSES: tuple[ClassPolicy, ...] = (
    ClassPolicy("A", 0.02, (0.0, 0.05), 0.5),
    ClassPolicy("B", 0.05, (0.05, 0.20), 1.0),
    ClassPolicy("C", 0.30, (0.21, 0.60), 2.0),
    ClassPolicy("D", 0.80, (0.61, 1.00), None),
)


@dataclass(frozen=True)
class InspectionConfig:
    """Sampling policy of routine inspections (DOMAIN.md defaults).

    Attributes
    ----------
    classes
        One :class:`ClassPolicy` per class, best class first.
    floor
        Minimum share of the jurisdiction's enterprises drawn overall (3%).
    top_up_order
        Classes that fill a shortfall under the floor, in order.
    """

    classes: tuple[ClassPolicy, ...] = DEFAULT_CLASSES
    floor: float = 0.03
    top_up_order: tuple[str, ...] = ("D", "C", "B", "A")

    def __post_init__(self) -> None:
        keys = [c.credit_class for c in self.classes]
        if len(set(keys)) != len(keys) or not keys:
            raise ValueError(f"classes must be distinct and not empty, got {keys}")
        if sorted(self.top_up_order) != sorted(keys):
            raise ValueError(
                f"top_up_order {list(self.top_up_order)} must list the classes {keys} once each"
            )
        if not 0.0 <= self.floor <= 1.0:
            raise ValueError(f"floor {self.floor} must be between 0 and 1")

    @property
    def keys(self) -> tuple[str, ...]:
        """Class keys, best first."""
        return tuple(c.credit_class for c in self.classes)

    def policy(self, credit_class: str) -> ClassPolicy:
        """The policy of ``credit_class``."""
        for c in self.classes:
            if c.credit_class == credit_class:
                return c
        raise KeyError(f"no inspection policy for class {credit_class!r}")

    def as_dict(self) -> dict:
        """JSON-ready parameters."""
        return {
            "classes": {
                c.credit_class: {
                    "ratio": c.ratio,
                    "allowed": list(c.allowed),
                    "cap_per_year": c.cap_per_year,
                }
                for c in self.classes
            },
            "floor": self.floor,
            "top_up_order": list(self.top_up_order),
        }


@dataclass(frozen=True)
class DrawResult:
    """The drawn list and what produced it.

    Attributes
    ----------
    drawn
        ``subject_id``, ``credit_class``, ``region_code``, ``selected_by``
        (``ratio`` or ``floor``) and any other input column, sorted by class,
        ``selected_by`` and subject_id.
    summary
        One row per class: ``credit_class``, ``label_zh``, ``label_en``,
        ``population``, ``capped``, ``eligible``, ``ratio``, ``target``,
        ``drawn_ratio``, ``drawn_floor``, ``drawn``, ``drawn_share``.
    population
        Classified enterprises in the jurisdiction.
    floor_required
        Enterprises the floor asks for.
    seed, region
        Inputs of the draw.
    config
        The policy used.
    """

    drawn: pd.DataFrame
    summary: pd.DataFrame
    population: int
    floor_required: int
    seed: int
    region: str | None
    config: InspectionConfig = field(default_factory=InspectionConfig)

    @property
    def floor_met(self) -> bool:
        """Whether the draw reaches the overall floor."""
        return len(self.drawn) >= self.floor_required

    def parameters(self) -> dict:
        """Everything needed to repeat and audit the draw (JSON-ready)."""
        counts = {
            row.credit_class: {
                "population": int(row.population),
                "capped": int(row.capped),
                "drawn": int(row.drawn),
                "drawn_floor": int(row.drawn_floor),
            }
            for row in self.summary.itertuples()
        }
        return {
            **self.config.as_dict(),
            "region": self.region,
            "seed": self.seed,
            "population": self.population,
            "floor_required": self.floor_required,
            "floor_met": self.floor_met,
            "drawn": len(self.drawn),
            "counts": counts,
        }


def region_prefix(region: str) -> str:
    """The prefix a region code stands for (``530300`` → ``5303``, ``530000`` → ``53``)."""
    code = region.strip()
    if not code.isdigit() or len(code) != 6:
        raise ValueError(f"region {region!r} is not a 6-digit 行政区划代码")
    while code.endswith("00") and len(code) > 2:
        code = code[:-2]
    return code


def capped_subjects(
    history: pd.DataFrame, classes: pd.Series, cfg: InspectionConfig, as_of: dt.date
) -> set[str]:
    """Enterprises that reached their class's yearly cap before ``as_of``.

    Parameters
    ----------
    history
        Previous draws: ``subject_id`` and ``as_of`` (one row per drawn
        enterprise and draw; several draws on one date count once).
    classes
        Credit class of each enterprise, indexed by subject_id.
    cfg
        Caps per class.
    as_of
        As-of date of the new draw; only earlier draws count.
    """
    if history is None or history.empty:
        return set()
    hist = history[["subject_id", "as_of"]].copy()
    hist["as_of"] = pd.to_datetime(hist["as_of"]).dt.date
    hist = hist[hist["as_of"] < as_of].drop_duplicates()
    hist["credit_class"] = hist["subject_id"].map(classes)
    out: set[str] = set()
    for policy in cfg.classes:
        window = policy.cap_window(as_of)
        if window is None:
            continue
        start, limit = window
        rows = hist[(hist["credit_class"] == policy.credit_class) & (hist["as_of"] >= start)]
        counts = rows.groupby("subject_id")["as_of"].nunique()
        out |= set(counts[counts >= limit].index)
    return out


def _round_half_up(x: float) -> int:
    return math.floor(x + 0.5 + 1e-9)


def draw(
    enterprises: pd.DataFrame,
    cfg: InspectionConfig,
    seed: int,
    *,
    region: str | None = None,
    history: pd.DataFrame | None = None,
    as_of: dt.date | None = None,
) -> DrawResult:
    """Draw the routine inspection list per credit-risk class.

    Parameters
    ----------
    enterprises
        One row per classified enterprise: ``subject_id``, ``credit_class``,
        ``region_code`` (other columns, e.g. ``name``, are carried along).
    cfg
        Ratios, caps, floor and top-up order.
    seed
        Non-negative integer; the same seed and data give the same list.
    region
        Keep only this jurisdiction (see :func:`region_prefix`); ``None``: all.
    history
        Previous draws (``subject_id``, ``as_of``) for the yearly caps.
    as_of
        As-of date of this draw; needed when ``history`` is given.

    Returns
    -------
    DrawResult
        The list and a summary per class (population, ratio, drawn).
    """
    missing = {"subject_id", "credit_class", "region_code"} - set(enterprises.columns)
    if missing:
        raise ValueError(f"enterprises frame lacks column(s) {sorted(missing)}")
    if seed < 0:
        raise ValueError(f"seed {seed} must be a non-negative integer")
    frame = enterprises.copy()
    if frame["subject_id"].duplicated().any():
        dup = frame.loc[frame["subject_id"].duplicated(), "subject_id"].iloc[0]
        raise ValueError(f"enterprise {dup} appears twice in the classified list")
    unknown = sorted(set(frame["credit_class"].dropna()) - set(cfg.keys))
    if unknown:
        raise ValueError(f"unknown credit class(es) {unknown}; expected {list(cfg.keys)}")
    frame = frame[frame["credit_class"].notna()]
    if region:
        frame = frame[frame["region_code"].astype(str).str.startswith(region_prefix(region))]
    capped: set[str] = set()
    if history is not None and not history.empty:
        if as_of is None:
            raise ValueError("as_of is needed to apply the yearly caps of previous draws")
        capped = capped_subjects(history, frame.set_index("subject_id")["credit_class"], cfg, as_of)

    orders: dict[str, np.ndarray] = {}
    taken: dict[str, int] = {}
    rows = []
    for pos, policy in enumerate(cfg.classes):
        members = frame[frame["credit_class"] == policy.credit_class]
        eligible = np.sort(
            members.loc[~members["subject_id"].isin(capped), "subject_id"].to_numpy(dtype=object)
        )
        rng = np.random.default_rng([seed, pos])
        orders[policy.credit_class] = eligible[rng.permutation(len(eligible))]
        target = _round_half_up(policy.ratio * len(members))
        taken[policy.credit_class] = min(target, len(eligible))
        rows.append(
            {
                "credit_class": policy.credit_class,
                "population": len(members),
                "capped": len(members) - len(eligible),
                "eligible": len(eligible),
                "ratio": policy.ratio,
                "target": target,
            }
        )

    population = len(frame)
    required = math.ceil(cfg.floor * population - 1e-9)
    base = dict(taken)
    for beyond_range in (False, True):
        for key in cfg.top_up_order:
            short = required - sum(taken.values())
            if short <= 0:
                break
            row = next(r for r in rows if r["credit_class"] == key)
            room = row["eligible"] - taken[key]
            if not beyond_range:
                limit = math.floor(cfg.policy(key).allowed[1] * row["population"] + 1e-9)
                room = min(room, limit - taken[key])
            taken[key] += max(0, min(short, room))

    parts = []
    for key in cfg.keys:
        chosen = orders[key][: taken[key]]
        part = frame.set_index("subject_id").loc[list(chosen)].reset_index()
        part["selected_by"] = ["ratio"] * base[key] + ["floor"] * (taken[key] - base[key])
        parts.append(part)
    drawn = pd.concat(parts, ignore_index=True) if parts else frame.head(0)
    rank = {k: i for i, k in enumerate(cfg.keys)}
    drawn = (
        drawn.assign(_r=drawn["credit_class"].map(rank))
        .sort_values(["_r", "selected_by", "subject_id"], kind="stable")
        .drop(columns="_r")
        .reset_index(drop=True)
    )
    summary = pd.DataFrame(rows)
    summary["label_zh"] = summary["credit_class"].map(lambda k: CLASS_LABELS.get(k, (k, k))[0])
    summary["label_en"] = summary["credit_class"].map(lambda k: CLASS_LABELS.get(k, (k, k))[1])
    summary["drawn_ratio"] = summary["credit_class"].map(base)
    summary["drawn"] = summary["credit_class"].map(taken)
    summary["drawn_floor"] = summary["drawn"] - summary["drawn_ratio"]
    summary["drawn_share"] = summary["drawn"] / summary["population"].where(
        summary["population"] > 0
    )
    summary = summary[
        [
            "credit_class",
            "label_zh",
            "label_en",
            "population",
            "capped",
            "eligible",
            "ratio",
            "target",
            "drawn_ratio",
            "drawn_floor",
            "drawn",
            "drawn_share",
        ]
    ]
    return DrawResult(drawn, summary, population, required, seed, region, cfg)


SUMMARY_HEADERS: Mapping[str, str] = {
    "credit_class": "分类 Class",
    "label_zh": "风险等级",
    "label_en": "Risk",
    "population": "企业数 Population",
    "capped": "已达年度上限 Capped",
    "eligible": "可抽 Eligible",
    "ratio": "抽查比例 Ratio",
    "target": "按比例应抽 Target",
    "drawn_ratio": "按比例抽取 By ratio",
    "drawn_floor": "保底补足 Floor top-up",
    "drawn": "抽取数 Drawn",
    "drawn_share": "实际比例 Share drawn",
}


def summary_table(result: DrawResult) -> pd.DataFrame:
    """The per-class summary with Chinese-first headers, plus a total row."""
    s = result.summary
    total = {
        "credit_class": "合计 Total",
        "label_zh": "",
        "label_en": "",
        "population": s["population"].sum(),
        "capped": s["capped"].sum(),
        "eligible": s["eligible"].sum(),
        "ratio": np.nan,
        "target": s["target"].sum(),
        "drawn_ratio": s["drawn_ratio"].sum(),
        "drawn_floor": s["drawn_floor"].sum(),
        "drawn": s["drawn"].sum(),
        "drawn_share": s["drawn"].sum() / result.population if result.population else np.nan,
    }
    table = pd.concat([s, pd.DataFrame([total])], ignore_index=True)
    return table.rename(columns=SUMMARY_HEADERS)
