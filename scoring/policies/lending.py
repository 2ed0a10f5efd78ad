"""信易贷 (SME credit-based lending): knock-outs, suggested credit line and rate tier.

A bank credit officer reviews an SME's 信易贷 grade; this policy turns the grade
and a few indicators into a suggestion (DOMAIN.md, proposal defaults):

* **Knock-outs**, as data: 失信被执行人, 严重违法失信名单, tax credit level D and
  supervision class D (the enterprise credit-risk class). Any knock-out declines
  the application whatever the grade, and every one that holds is reported with
  its Chinese and English reason.
* **Credit line**: a multiple of the last 12 months' tax paid by grade (AAA 5×,
  AA 4×, A 3×, BBB 2×, BB 1×, lower grades 0), rounded down to ``line_step`` and
  capped at 3 million yuan (unsecured tax-based loans).
* **Rate tier** by grade: 优惠利率 / 标准利率 / 上浮利率 / 不予授信.

An application that passes the knock-outs but gets no line (a grade with no
multiple, or no tax paid) is declined with that reason too.
"""

from __future__ import annotations

import json
import operator
from dataclasses import dataclass

import numpy as np
import pandas as pd

_OPS = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}

#: Rate tiers a grade may map to: key → (Chinese, English).
TIERS: dict[str, tuple[str, str]] = {
    "preferential": ("优惠利率", "Preferential rate"),
    "standard": ("标准利率", "Standard rate"),
    "raised": ("上浮利率", "Raised rate"),
    "declined": ("不予授信", "No credit"),
}

#: Decisions: key → (Chinese, English).
DECISIONS: dict[str, tuple[str, str]] = {
    "approve": ("建议授信", "Recommend credit"),
    "decline": ("不予授信", "Decline"),
}

#: Column holding the enterprise credit-risk class in the input frame.
SUPERVISION_COLUMN = "supervision_class"


@dataclass(frozen=True)
class KnockOut:
    """``column op value`` declines the application, for ``reason_zh`` / ``reason_en``."""

    key: str
    column: str
    op: str
    value: float | str
    reason_zh: str
    reason_en: str

    def __post_init__(self) -> None:
        if self.op not in _OPS:
            raise ValueError(f"knock-out {self.key}: op {self.op!r} is not one of {list(_OPS)}")

    def applies(self, frame: pd.DataFrame) -> np.ndarray:
        """Rows the rule knocks out (a missing value never matches)."""
        if self.column not in frame:
            raise KeyError(f"knock-out {self.key} needs column {self.column!r}, not in the data")
        col = frame[self.column]
        hit = _OPS[self.op](col, self.value)
        return np.asarray(hit.fillna(False), dtype=bool) & col.notna().to_numpy(dtype=bool)


DEFAULT_KNOCKOUTS: tuple[KnockOut, ...] = (
    KnockOut(
        "dishonest_debtor",
        "dishonest_now",
        ">",
        0,
        "列为失信被执行人",
        "a dishonest judgment debtor",
    ),
    KnockOut(
        "serious_list",
        "serious_list_now",
        ">",
        0,
        "列入严重违法失信名单",
        "on the serious violation list",
    ),
    KnockOut("tax_level_d", "tax_level", "==", "D", "纳税信用级别为D级", "tax credit level D"),
    KnockOut(
        "supervision_d",
        SUPERVISION_COLUMN,
        "==",
        "D",
        "企业信用风险分类为D类（信用风险高）",
        "supervision class D (high credit risk)",
    ),
)


@dataclass(frozen=True)
class LendingConfig:
    """信易贷 policy (DOMAIN.md proposal defaults).

    Attributes
    ----------
    knockouts
        Rules that decline an application.
    multiples
        ``(grade, multiple of tax paid in 12 months)``; grades not listed get 0.
    line_cap
        Largest suggested line (yuan).
    line_step
        Lines are rounded down to a multiple of this (yuan).
    tiers
        ``(grade, tier key of TIERS)``; grades not listed are ``declined``.
    """

    knockouts: tuple[KnockOut, ...] = DEFAULT_KNOCKOUTS
    multiples: tuple[tuple[str, float], ...] = (
        ("AAA", 5.0),
        ("AA", 4.0),
        ("A", 3.0),
        ("BBB", 2.0),
        ("BB", 1.0),
    )
    line_cap: float = 3_000_000.0
    line_step: float = 1_000.0
    tiers: tuple[tuple[str, str], ...] = (
        ("AAA", "preferential"),
        ("AA", "preferential"),
        ("A", "standard"),
        ("BBB", "standard"),
        ("BB", "raised"),
    )

    def __post_init__(self) -> None:
        bad = sorted({t for _, t in self.tiers} - set(TIERS))
        if bad:
            raise ValueError(f"unknown rate tier(s) {bad}; use {list(TIERS)}")
        if any(m < 0 for _, m in self.multiples):
            raise ValueError("line multiples must be ≥ 0")
        if self.line_cap < 0 or self.line_step <= 0:
            raise ValueError("line_cap must be ≥ 0 and line_step > 0")
        keys = [k.key for k in self.knockouts]
        if len(set(keys)) != len(keys):
            raise ValueError(f"knock-out keys must be distinct, got {keys}")


def credit_line(grades: pd.Series, tax_paid: pd.Series, cfg: LendingConfig) -> pd.Series:
    """Suggested line: grade multiple × tax paid, rounded down, capped (0 without tax)."""
    multiple = grades.map(dict(cfg.multiples)).astype("float64").fillna(0.0)
    raw = multiple * pd.to_numeric(tax_paid, errors="coerce").fillna(0.0).clip(lower=0.0)
    line = np.floor(raw.clip(upper=cfg.line_cap) / cfg.line_step) * cfg.line_step
    return line.astype("float64")


def decide(
    frame: pd.DataFrame,
    cfg: LendingConfig,
    *,
    supervision: pd.Series | None = None,
    grade_column: str = "final_grade",
) -> pd.DataFrame:
    """Knock-outs, suggested line and rate tier of each SME.

    Parameters
    ----------
    frame
        One row per SME: ``subject_id``, the 信易贷 grade (``grade_column``), the
        indicators the knock-outs read (``dishonest_now``, ``serious_list_now``,
        ``tax_level``) and ``tax_paid_12m``; optionally ``supervision_class``.
    cfg
        The lending policy.
    supervision
        Enterprise credit-risk class by subject_id; fills ``supervision_class``
        (an SME without a class is not knocked out by that rule).
    grade_column
        Column holding the grade.

    Returns
    -------
    pandas.DataFrame
        ``subject_id``, ``grade``, ``decision`` (``approve``/``decline``),
        ``decision_zh``, ``knocked_out``, ``knockouts`` (JSON list of ``{rule,
        reason_zh, reason_en}``), ``decline_reasons`` (JSON list of ``{reason_zh,
        reason_en}``: knock-outs, or why no line), ``credit_line`` (yuan),
        ``rate_tier``, ``rate_tier_zh``, ``rate_tier_en``; in input order.
    """
    data = frame.copy()
    if supervision is not None:
        data[SUPERVISION_COLUMN] = data["subject_id"].map(supervision)
    elif SUPERVISION_COLUMN not in data:
        data[SUPERVISION_COLUMN] = None
    for needed in ("subject_id", grade_column, "tax_paid_12m"):
        if needed not in data:
            raise KeyError(f"lending needs column {needed!r}, not in the data")
    n = len(data)
    hits = {rule.key: rule.applies(data) for rule in cfg.knockouts}
    knocked = np.zeros(n, dtype=bool)
    for hit in hits.values():
        knocked |= hit
    grades = data[grade_column]
    line = credit_line(grades, data["tax_paid_12m"], cfg).where(~knocked, 0.0)
    tier = grades.map(dict(cfg.tiers)).fillna("declined").where(~knocked, "declined")
    approve = (line > 0) & (tier != "declined")
    tier = tier.where(approve, "declined")
    multiples = dict(cfg.multiples)

    knockouts, declines = [], []
    for i in range(n):
        ko = [
            {"rule": r.key, "reason_zh": r.reason_zh, "reason_en": r.reason_en}
            for r in cfg.knockouts
            if hits[r.key][i]
        ]
        why = [{"reason_zh": k["reason_zh"], "reason_en": k["reason_en"]} for k in ko]
        if not ko and not approve.iloc[i]:
            g = grades.iloc[i]
            if not multiples.get(g) or dict(cfg.tiers).get(g, "declined") == "declined":
                why.append(
                    {
                        "reason_zh": f"信易贷等级{g}，未达到授信等级",
                        "reason_en": f"grade {g} is below the lending grades",
                    }
                )
            else:
                why.append(
                    {
                        "reason_zh": "近12个月无纳税额，无法核定授信额度",
                        "reason_en": "no tax paid in 12 months: no line can be set",
                    }
                )
        knockouts.append(json.dumps(ko, ensure_ascii=False))
        declines.append(json.dumps(why, ensure_ascii=False))
    decision = np.where(approve, "approve", "decline")
    return pd.DataFrame(
        {
            "subject_id": data["subject_id"].to_numpy(),
            "grade": grades.to_numpy(),
            "decision": decision,
            "decision_zh": [DECISIONS[d][0] for d in decision],
            "knocked_out": knocked,
            "knockouts": knockouts,
            "decline_reasons": declines,
            "credit_line": line.to_numpy(dtype="float64"),
            "rate_tier": tier.to_numpy(dtype=object),
            "rate_tier_zh": [TIERS[t][0] for t in tier],
            "rate_tier_en": [TIERS[t][1] for t in tier],
        }
    )


def lending_frame(
    ratings: pd.DataFrame, features: pd.DataFrame, enterprise: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Join SME ratings, SME indicators and enterprise classes into :func:`decide`'s input.

    Parameters
    ----------
    ratings
        SME ratings: ``subject_id`` and ``final_grade`` (other columns kept).
    features
        SME indicator frame (``features.build.build_features(store, 'sme', T)``).
    enterprise
        Enterprise ratings (``subject_id``, ``final_grade``) giving the
        supervision class; ``None``: no class.
    """
    out = ratings.merge(
        features.drop(columns=["as_of"], errors="ignore"),
        on="subject_id",
        how="left",
        suffixes=("", "_feature"),
    )
    if enterprise is not None:
        classes = enterprise.set_index("subject_id")["final_grade"]
        out[SUPERVISION_COLUMN] = out["subject_id"].map(classes)
    return out
