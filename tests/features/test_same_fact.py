"""Indicators that state one fact when a subject has no records (features/same_fact.py)."""

from __future__ import annotations

import pytest

from features.dsl import UP, Indicator, Match, Records
from features.same_fact import counted_within, covered_by, reads_zero_without_records
from features.schemes import SCHEMES, get_scheme


def _ind(name: str, src: Records, missing: bool = False) -> Indicator:
    says = {"missing_zh": "近{window}个月无记录", "missing_en": "none", "missing_rank": "best"}
    return Indicator(name, name, name, "动态", src, UP, "次", **(says if missing else {}))


def test_the_declared_pairs_of_one_fact() -> None:
    ent = covered_by(get_scheme("enterprise").indicators)
    assert ent["tax_paid_12m"] == ("tax_paid_cv_24m",)  # 近24个月未纳税 / 近12个月纳税0元
    assert ent["headcount"] == ("headcount_cv_12m",)
    assert "tax_paid_cv_24m" not in ent  # 24 months: no shorter window says it
    household = covered_by(get_scheme("household").indicators)
    assert household["village_score"] == ("village_score_avg_36m",)
    assert "village_score_avg_36m" not in household


def test_only_a_stated_absence_of_every_record_within_the_window_covers() -> None:
    a = _ind("a", Records(Match(("penalty",)), "days_since", 24), missing=True)
    count = _ind("count", Records(Match(("penalty",)), "count", 12))
    longer = _ind("longer", Records(Match(("penalty",)), "count", 36))
    earlier = _ind("earlier", Records(Match(("penalty",)), "count", 12, offset=12))
    other = _ind("other", Records(Match(("court_judgment",)), "count", 12))
    narrow = _ind("narrow", Records(Match(("penalty",), severities=("serious",)), "count", 12))
    filtered = _ind(
        "filtered", Records(Match(("penalty",), severities=("serious",)), "days_since", 24), True
    )
    silent = _ind("silent", Records(Match(("penalty",)), "days_since", 24))
    got = covered_by([a, count, longer, earlier, other, narrow, filtered, silent])
    assert got == {
        "count": ("a",),
        "narrow": ("a",),  # no record at all: none of the serious ones either
        "filtered": ("a",),
        "silent": ("a",),
    }
    assert reads_zero_without_records(count) and not reads_zero_without_records(a)


@pytest.mark.parametrize("key", list(SCHEMES))
def test_covering_is_transitive_so_a_group_keeps_only_its_strongest(key: str) -> None:
    # scoring.reasons compares every pair of a group that states one fact: that needs
    # C covered by A whenever C is covered by B and B by A
    cov = covered_by(SCHEMES[key].indicators)
    for c, bs in cov.items():
        for b in bs:
            for a in cov.get(b, ()):
                if a != c:
                    assert a in bs, f"{key}: {c} covered by {b}, {b} by {a}, not {c} by {a}"


def test_a_count_holds_another_when_it_counts_every_record_the_other_counts() -> None:
    def count(name: str, match: Match, window: int = 24) -> Indicator:
        return _ind(name, Records(match, "count", window))

    kinds = ("loan_overdue", "administrative_penalty")
    inds = [
        count("negative", Match(kinds, polarity="negative")),
        count("overdue", Match(("loan_overdue",))),  # registered as negative
        count("recent", Match(("loan_overdue",), min_value=30.0), 12),
        count("longer", Match(("loan_overdue",)), 36),
        count("serious", Match(("administrative_penalty",), severities=("serious",))),
        count("penalty", Match(("administrative_penalty",))),
        count("positive", Match(("loan_overdue",), polarity="positive")),
        _ind("days", Records(Match(("loan_overdue",)), "days_since", 24)),
    ]
    assert counted_within(inds) == {
        "overdue": ("negative", "longer"),
        "recent": ("negative", "overdue", "longer"),  # a narrower filter, a shorter window
        "serious": ("negative", "penalty"),
        # not held by "serious": a count filtered on severity misses the other penalties
        "penalty": ("negative",),
        # its own polarity: never the negative records, always the loans past due
        "positive": ("overdue", "longer"),
    }  # nothing holds "negative" (penalties too) nor "longer" (36 months); "days" is no count


def test_the_declared_counts_of_one_record() -> None:
    agri = counted_within(get_scheme("agri_business").indicators)
    assert agri["loan_overdue_24m"] == ("negative_records_24m",)  # 贷款逾期1次 / 失信记录1条
    ent = counted_within(get_scheme("enterprise").indicators)
    assert "negative_records_24m" in ent["negative_records_12m"]
    assert counted_within(get_scheme("village").indicators) == {}  # members, not records
