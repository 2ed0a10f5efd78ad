"""Rural credit: 信用户, 信用村, 信用乡镇 and household credit lines (农村信用体系建设).

Household grades come from the ``household`` scheme; villages and townships are
not modelled but judged by aggregation rules over their households (DOMAIN.md,
proposal defaults from 昭阳区, Fujian and a prefecture's 农村信用工程 rules):

* **信用户**: a household graded AAA, AA or A.
* **信用村**: at least 60% of its households are 信用户; at least 90% of its
  borrowing households have no loan in arrears at the assessment date
  (无拖欠贷款农户占贷款农户总数); its NPL ratio at the date is at most 3%;
  optionally (``village_max_npl_increment``) the NPL ratio rose by at most
  that much in the year.
* **信用乡镇**: at least 50% of its villages are 信用村; NPL ratio at most 3%.

"Repay on time" and NPL are stocks at the date, as the published schemes define
them, read from the household indicators (``features/definitions/household.py``):

* a *borrowing household* has a loan outstanding at the date
  (``loans_outstanding > 0``: a ``loan`` record before its maturity);
* a borrower is *in arrears* when a past-due report on its outstanding loans is
  still open at the date (``overdue_open_now > 0``): a report of d days past due
  stays open until it would have reached 90 days had nothing been paid (a loan
  still unpaid then is reported again as non-performing), and a 90-day report
  stays open while the loan is on the book. A past delinquency that was cured
  does not count; a village without borrowers passes;
* *NPL ratio* = Σ ``npl_amount_now`` (loans 90+ days past due now) /
  Σ ``loans_outstanding`` over the unit's households, as the village indicator
  ``npl_ratio`` computes it. No loans and no NPLs pass.

For each failed criterion the result names it (zh/en, value against threshold)
and lists who weighs most on it: for the 信用户 share, the households that are
not 信用户 by descending PD; for arrears, the borrowers in arrears by descending
loans outstanding; for NPL, the households by descending non-performing amount
(for the increment, those whose NPL is new in the year); for the 信用村 share of
a township, its villages that are not 信用村 by descending household count.

Household credit line (proposal): base by grade (AAA 100k / AA 80k / A 50k) +
10% of household assets + 30% of annual operating income, capped at 200k; no
line for a household that is not a 信用户. Rate discount: AAA 15%, AA 10%, A 5%,
plus 5% in a 信用村 and 3% in a 信用乡镇, at most 30% in total.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.compile import id_list
from features.store.base import Store
from features.subjects import current_subjects_sql
from features.text_match import isin

HOUSEHOLD_COLUMNS = (
    "subject_id",
    "village_code",
    "township_code",
    "final_grade",
    "loans_outstanding",
    "overdue_open_now",
    "npl_amount_now",
)
#: The same indicators a year before, for the NPL increment (``*_prev`` columns).
PREVIOUS_COLUMNS = ("loans_outstanding", "npl_amount_now")

#: Criteria: key → (Chinese label, English label, comparison).
CRITERIA: dict[str, tuple[str, str, str]] = {
    "credit_share": ("信用户占比", "share of credit households", ">="),
    "on_time_share": (
        "无拖欠贷款农户占贷款农户比例",
        "share of borrowing households without arrears",
        ">=",
    ),
    "npl_ratio": ("不良贷款率", "NPL ratio", "<="),
    "npl_increment": ("不良贷款率年增幅", "rise of the NPL ratio in the year", "<="),
    "credit_village_share": ("信用村占比", "share of credit villages", ">="),
}
_CMP = {">=": operator.ge, "<=": operator.le}


@dataclass(frozen=True)
class RuralConfig:
    """Aggregation rules, household lines and discounts (DOMAIN.md proposal defaults).

    Attributes
    ----------
    credit_grades
        Household grades that make a 信用户.
    village_min_credit_share, village_min_on_time_share, village_max_npl
        信用村 thresholds (shares between 0 and 1): 信用户 share, share of
        borrowing households without arrears at the date, NPL ratio at the date.
    village_max_npl_increment
        Largest rise of a village's NPL ratio over the year before the date
        (``None``: no such criterion; some schemes use 0.01).
    township_min_credit_village_share, township_max_npl
        信用乡镇 thresholds.
    top_n
        Households (or villages) listed per failed criterion.
    line_base
        ``(grade, base line in yuan)``.
    line_asset_share, line_income_share
        Shares of household assets and annual operating income added to the base.
    line_cap
        Largest line (yuan).
    discount
        ``(grade, rate discount)`` (0.15 = 15% below the base rate).
    credit_village_discount, credit_township_discount
        Extra discount inside a 信用村 / 信用乡镇.
    discount_cap
        Largest total discount.
    """

    credit_grades: tuple[str, ...] = ("AAA", "AA", "A")
    village_min_credit_share: float = 0.60
    village_min_on_time_share: float = 0.90
    village_max_npl: float = 0.03
    village_max_npl_increment: float | None = None
    township_min_credit_village_share: float = 0.50
    township_max_npl: float = 0.03
    top_n: int = 10
    line_base: tuple[tuple[str, float], ...] = (
        ("AAA", 100_000.0),
        ("AA", 80_000.0),
        ("A", 50_000.0),
    )
    line_asset_share: float = 0.10
    line_income_share: float = 0.30
    line_cap: float = 200_000.0
    discount: tuple[tuple[str, float], ...] = (("AAA", 0.15), ("AA", 0.10), ("A", 0.05))
    credit_village_discount: float = 0.05
    credit_township_discount: float = 0.03
    discount_cap: float = 0.30

    def __post_init__(self) -> None:
        shares = {
            "village_min_credit_share": self.village_min_credit_share,
            "village_min_on_time_share": self.village_min_on_time_share,
            "village_max_npl": self.village_max_npl,
            "township_min_credit_village_share": self.township_min_credit_village_share,
            "township_max_npl": self.township_max_npl,
            "line_asset_share": self.line_asset_share,
            "line_income_share": self.line_income_share,
            "credit_village_discount": self.credit_village_discount,
            "credit_township_discount": self.credit_township_discount,
            "discount_cap": self.discount_cap,
        }
        if self.village_max_npl_increment is not None:
            shares["village_max_npl_increment"] = self.village_max_npl_increment
        for name, value in shares.items():
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"rural.{name} = {value} must be between 0 and 1")
        if self.top_n < 0 or self.line_cap < 0:
            raise ValueError("rural.top_n and rural.line_cap must be ≥ 0")


@dataclass(frozen=True)
class Assessment:
    """Villages or townships judged by the rules.

    Attributes
    ----------
    units
        One row per village (``village_code``) or township (``township_code``)
        with the measures, the verdict (``is_credit_village`` /
        ``is_credit_township``) and ``failed`` (JSON list of criterion keys).
    criteria
        One row per unit and criterion: ``unit_code``, ``criterion``,
        ``label_zh``, ``label_en``, ``value``, ``op``, ``threshold``, ``passed``,
        ``message_zh``, ``message_en``, ``weighing_kind`` (``household`` or
        ``village``) and ``weighing`` (list of ids, heaviest first; empty when
        passed).
    """

    units: pd.DataFrame
    criteria: pd.DataFrame


def credit_households(grades: pd.Series, cfg: RuralConfig) -> pd.Series:
    """Whether each household grade makes a 信用户."""
    return grades.isin(cfg.credit_grades)


def _num(frame: pd.DataFrame, column: str) -> pd.Series:
    return pd.to_numeric(frame[column], errors="coerce").fillna(0.0)


def _prepare(households: pd.DataFrame, cfg: RuralConfig) -> pd.DataFrame:
    missing = [c for c in HOUSEHOLD_COLUMNS if c not in households]
    if cfg.village_max_npl_increment is not None:
        missing += [f"{c}_prev" for c in PREVIOUS_COLUMNS if f"{c}_prev" not in households]
    if missing:
        raise KeyError(f"rural aggregation needs household column(s) {missing}")
    h = households.copy()
    for col in ("loans_outstanding", "overdue_open_now", "npl_amount_now"):
        h[col] = _num(h, col)
    h["credit"] = credit_households(h["final_grade"], cfg)
    h["borrower"] = h["loans_outstanding"] > 0
    # in arrears at the date: a past-due report on the loans outstanding still open
    h["late"] = h["borrower"] & (h["overdue_open_now"] > 0)
    if "pd" not in h:
        h["pd"] = np.nan
    return h


def _npl(defaulted: float, outstanding: float) -> float:
    if outstanding > 0:
        return defaulted / outstanding
    return 0.0 if defaulted <= 0 else float("inf")


def _criterion(
    unit: str, key: str, value: float, threshold: float, weighing: list[str], kind: str
) -> dict:
    label_zh, label_en, op = CRITERIA[key]
    passed = bool(np.isnan(value) or _CMP[op](value, threshold + (1e-12 if op == "<=" else -1e-12)))
    shown = "—" if np.isnan(value) else f"{value:.1%}"
    if passed:
        zh = f"{label_zh}{shown}，达到要求（{op} {threshold:.0%}）"
        en = f"{label_en} {shown} meets {op} {threshold:.0%}"
    elif op == ">=":
        zh = f"{label_zh}{shown}，低于要求{threshold:.0%}"
        en = f"{label_en} {shown} is below the required {threshold:.0%}"
    else:
        zh = f"{label_zh}{shown}，高于上限{threshold:.0%}"
        en = f"{label_en} {shown} is above the limit {threshold:.0%}"
    return {
        "unit_code": unit,
        "criterion": key,
        "label_zh": label_zh,
        "label_en": label_en,
        "value": value,
        "op": op,
        "threshold": threshold,
        "passed": passed,
        "message_zh": zh,
        "message_en": en,
        "weighing_kind": kind,
        "weighing": [] if passed else weighing,
    }


def _top(frame: pd.DataFrame, by: list[str], n: int) -> list[str]:
    ranked = frame.sort_values(
        [*by, "subject_id"], ascending=[False] * len(by) + [True], na_position="last", kind="stable"
    )
    return list(ranked["subject_id"].head(n))


def _loan_criteria(
    unit: str,
    g: pd.DataFrame,
    on_time_min: float | None,
    npl_max: float,
    n: int,
    increment_max: float | None = None,
) -> tuple[dict, list[dict]]:
    borrowers = int(g["borrower"].sum())
    late = int(g["late"].sum())
    on_time = (borrowers - late) / borrowers if borrowers else np.nan
    outstanding = float(g["loans_outstanding"].sum())
    npl_amount = float(g["npl_amount_now"].sum())
    npl = _npl(npl_amount, outstanding)
    measures = {
        "borrowers": borrowers,
        "on_time_borrowers": borrowers - late,
        "on_time_share": on_time,
        "loans_outstanding": outstanding,
        "npl_amount": npl_amount,
        "npl_ratio": npl,
    }
    rows = []
    if on_time_min is not None:
        rows.append(
            _criterion(
                unit,
                "on_time_share",
                on_time,
                on_time_min,
                _top(g[g["late"]], ["loans_outstanding", "overdue_open_now"], n),
                "household",
            )
        )
    rows.append(
        _criterion(
            unit,
            "npl_ratio",
            npl,
            npl_max,
            _top(g[g["npl_amount_now"] > 0], ["npl_amount_now"], n),
            "household",
        )
    )
    if increment_max is not None:
        before = _npl(
            float(_num(g, "npl_amount_now_prev").sum()),
            float(_num(g, "loans_outstanding_prev").sum()),
        )
        rise = npl - before if np.isfinite(npl) and np.isfinite(before) else float("inf")
        measures.update(npl_ratio_prev=before, npl_increment=rise)
        fresh = g[(g["npl_amount_now"] > 0) & (_num(g, "npl_amount_now_prev") <= 0)]
        rows.append(
            _criterion(
                unit,
                "npl_increment",
                rise,
                increment_max,
                _top(fresh, ["npl_amount_now"], n),
                "household",
            )
        )
    return measures, rows


def assess_villages(households: pd.DataFrame, cfg: RuralConfig) -> Assessment:
    """Judge every village of ``households`` against the 信用村 rules.

    Parameters
    ----------
    households
        One row per household: ``subject_id``, ``village_code``,
        ``township_code``, ``final_grade`` (household grade), the indicators
        ``loans_outstanding``, ``overdue_open_now``, ``npl_amount_now`` (and, for
        the NPL increment, ``loans_outstanding_prev`` and ``npl_amount_now_prev``
        a year before); ``pd`` optional (ranks the non-信用户).
    cfg
        Thresholds.

    Returns
    -------
    Assessment
        ``units`` has ``village_code``, ``township_code``, ``households``,
        ``credit_households``, ``credit_share``, the loan measures,
        ``is_credit_village`` and ``failed``.
    """
    h = _prepare(households, cfg)
    units, criteria = [], []
    for code, g in h.groupby("village_code", sort=True):
        credit = int(g["credit"].sum())
        share = credit / len(g)
        rows = [
            _criterion(
                code,
                "credit_share",
                share,
                cfg.village_min_credit_share,
                _top(g[~g["credit"]], ["pd"], cfg.top_n),
                "household",
            )
        ]
        measures, loan_rows = _loan_criteria(
            code,
            g,
            cfg.village_min_on_time_share,
            cfg.village_max_npl,
            cfg.top_n,
            cfg.village_max_npl_increment,
        )
        rows += loan_rows
        failed = [r["criterion"] for r in rows if not r["passed"]]
        units.append(
            {
                "village_code": code,
                "township_code": g["township_code"].mode().iloc[0],
                "households": len(g),
                "credit_households": credit,
                "credit_share": share,
                **measures,
                "is_credit_village": not failed,
                "failed": json.dumps(failed),
            }
        )
        criteria += rows
    return Assessment(pd.DataFrame(units), _criteria_frame(criteria))


def assess_townships(
    households: pd.DataFrame, villages: Assessment, cfg: RuralConfig
) -> Assessment:
    """Judge every township against the 信用乡镇 rules.

    Parameters
    ----------
    households
        As for :func:`assess_villages`.
    villages
        The village assessment of the same households.
    cfg
        Thresholds.

    Returns
    -------
    Assessment
        ``units`` has ``township_code``, ``villages``, ``credit_villages``,
        ``credit_village_share``, the loan measures, ``is_credit_township`` and
        ``failed``.
    """
    h = _prepare(households, cfg)
    v = villages.units
    units, criteria = [], []
    for code, g in h.groupby("township_code", sort=True):
        vs = v[v["township_code"] == code]
        credit = int(vs["is_credit_village"].sum())
        share = credit / len(vs) if len(vs) else np.nan
        weak = vs[~vs["is_credit_village"]].sort_values(
            ["households", "village_code"], ascending=[False, True], kind="stable"
        )
        rows = [
            _criterion(
                code,
                "credit_village_share",
                share,
                cfg.township_min_credit_village_share,
                list(weak["village_code"].head(cfg.top_n)),
                "village",
            )
        ]
        measures, loan_rows = _loan_criteria(code, g, None, cfg.township_max_npl, cfg.top_n)
        rows += loan_rows
        failed = [r["criterion"] for r in rows if not r["passed"]]
        units.append(
            {
                "township_code": code,
                "villages": len(vs),
                "credit_villages": credit,
                "credit_village_share": share,
                "households": len(g),
                **measures,
                "is_credit_township": not failed,
                "failed": json.dumps(failed),
            }
        )
        criteria += rows
    return Assessment(pd.DataFrame(units), _criteria_frame(criteria))


def _criteria_frame(rows: list[dict]) -> pd.DataFrame:
    cols = [
        "unit_code",
        "criterion",
        "label_zh",
        "label_en",
        "value",
        "op",
        "threshold",
        "passed",
        "message_zh",
        "message_en",
        "weighing_kind",
        "weighing",
    ]
    return pd.DataFrame(rows, columns=cols)


def household_offers(
    households: pd.DataFrame,
    cfg: RuralConfig,
    *,
    villages: Assessment | None = None,
    townships: Assessment | None = None,
) -> pd.DataFrame:
    """Suggested credit line and rate discount of each household.

    Parameters
    ----------
    households
        ``subject_id``, ``final_grade``, ``assets_value``, ``annual_income``;
        ``village_code`` / ``township_code`` when ``villages`` / ``townships``
        are given.
    cfg
        Line and discount rules.
    villages, townships
        Assessments giving the 信用村 / 信用乡镇 bonuses; ``None``: no bonus.

    Returns
    -------
    pandas.DataFrame
        ``subject_id``, ``grade``, ``credit_household``, ``in_credit_village``,
        ``in_credit_township``, ``credit_line`` (yuan), ``rate_discount``
        (share, 0.15 = 15% below the base rate); in input order.
    """
    for col in ("subject_id", "final_grade", "assets_value", "annual_income"):
        if col not in households:
            raise KeyError(f"household offers need column {col!r}")
    grade = households["final_grade"]
    credit = credit_households(grade, cfg)
    base = grade.map(dict(cfg.line_base)).astype("float64").fillna(0.0)
    line = (
        base
        + cfg.line_asset_share * _num(households, "assets_value").clip(lower=0)
        + cfg.line_income_share * _num(households, "annual_income").clip(lower=0)
    )
    line = line.clip(upper=cfg.line_cap).where(credit, 0.0).round(0)
    in_village = pd.Series(False, index=households.index)
    if villages is not None:
        good = villages.units.loc[villages.units["is_credit_village"], "village_code"]
        in_village = pd.Series(isin(households["village_code"], good), index=households.index)
    in_township = pd.Series(False, index=households.index)
    if townships is not None:
        good = townships.units.loc[townships.units["is_credit_township"], "township_code"]
        in_township = pd.Series(isin(households["township_code"], good), index=households.index)
    discount = (
        grade.map(dict(cfg.discount)).astype("float64").fillna(0.0)
        + cfg.credit_village_discount * in_village
        + cfg.credit_township_discount * in_township
    )
    discount = discount.clip(upper=cfg.discount_cap).where(credit, 0.0).round(6)
    return pd.DataFrame(
        {
            "subject_id": households["subject_id"].to_numpy(),
            "grade": grade.to_numpy(),
            "credit_household": credit.to_numpy(),
            "in_credit_village": in_village.to_numpy(),
            "in_credit_township": in_township.to_numpy(),
            "credit_line": line.to_numpy(dtype="float64"),
            "rate_discount": discount.to_numpy(dtype="float64"),
        }
    )


def household_places(store: Store, ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Village and township code of every household (latest subject version); of the
    households ``ids`` only, when given."""
    within = None if ids is None else id_list(tuple(sorted({str(i) for i in ids})))
    return store.query(
        current_subjects_sql(
            "household", ("subject_id", "village_code", "township_code"), within=within
        )
    )


def rural_frame(
    ratings: pd.DataFrame, features: pd.DataFrame, places: pd.DataFrame
) -> pd.DataFrame:
    """Household ratings, indicators and places joined for the rural rules.

    Parameters
    ----------
    ratings
        Household ratings: ``subject_id``, ``final_grade`` and optionally ``pd``.
    features
        Household indicator frame (``build_features(store, 'household', T)``).
    places
        ``subject_id``, ``village_code``, ``township_code`` (:func:`household_places`).

    Returns
    -------
    pandas.DataFrame
        One row per rated household with everything :func:`assess_villages`,
        :func:`assess_townships` and :func:`household_offers` read.
    """
    keep = [c for c in ("subject_id", "final_grade", "pd") if c in ratings]
    out = ratings[keep].merge(
        features.drop(columns=["as_of"], errors="ignore"), on="subject_id", how="left"
    )
    return out.merge(
        places[["subject_id", "village_code", "township_code"]], on="subject_id", how="left"
    )
