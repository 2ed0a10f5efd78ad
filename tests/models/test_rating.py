"""GradeScale: PD bands fitted so default rates rise by grade; scale files."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from features.schemes import rated
from models.rating import SCALES_DIR, Grade, GradeScale, load_scale

SCHEMES = rated()  # every rated scheme ships a scale (rule-only ones too)


def _simulated(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Calibrated PDs and outcomes drawn from them."""
    rng = np.random.default_rng(seed)
    pd_ = 1.0 / (1.0 + np.exp(-rng.normal(-3.5, 1.2, n)))
    return pd_, (rng.random(n) < pd_).astype(int)


def _by_grade(scale: GradeScale, pd_: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Count and observed default rate per grade, best first."""
    rank = scale.rank(scale.assign(pd_))
    k = len(scale.grades)
    count = np.bincount(rank, minlength=k)
    rate = np.bincount(rank, weights=y, minlength=k) / np.maximum(count, 1)
    return count, rate


def _check_bands(fitted: GradeScale, pd_: np.ndarray, y: np.ndarray) -> None:
    n = len(pd_)
    cut = np.asarray(fitted.cutoffs)
    assert len(cut) == len(fitted.grades) - 1
    assert np.all(np.diff(cut) > 0), f"cutoffs not increasing: {cut}"
    count, rate = _by_grade(fitted, pd_, y)
    assert count.sum() == n
    assert count.min() >= math.ceil(fitted.min_share * n), count
    assert np.all(np.diff(rate) >= 0), f"default rates not rising best → worst: {rate}"


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fit_bands_on_simulated_pds(scheme: str, seed: int) -> None:
    pd_, y = _simulated(20_000, seed)
    scale = load_scale(scheme)
    fitted = scale.fit_bands(pd_, y)
    _check_bands(fitted, pd_, y)
    assert scale.cutoffs == ()  # fit_bands returns a new scale
    assert fitted.grades == scale.grades and fitted.overrides == scale.overrides


def test_fit_bands_follows_the_reference_shares_when_already_monotone() -> None:
    pd_, y = _simulated(50_000, 4)
    fitted = load_scale("driver").fit_bands(pd_, y)
    count, _ = _by_grade(fitted, pd_, y)
    shares = np.array([g.share for g in fitted.grades])
    np.testing.assert_allclose(count / count.sum(), shares / shares.sum(), atol=0.002)


def _segments(parts: list[tuple[int, float]], seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted uniform PDs whose outcomes have exact default rates by position."""
    n = sum(size for size, _ in parts)
    pd_ = np.sort(np.random.default_rng(seed).random(n))
    y, start = np.zeros(n, dtype=int), 0
    rng = np.random.default_rng(seed + 1)
    for size, rate in parts:
        block = np.zeros(size, dtype=int)
        block[: round(rate * size)] = 1
        y[start : start + size] = rng.permutation(block)
        start += size
    return pd_, y


@pytest.mark.parametrize(
    "parts",
    [
        # grade B ends in a high-rate tail, so B's rate beats C's: move the B/C boundary
        [(1000, 0.02), (700, 0.03), (300, 0.25), (1000, 0.08), (1000, 0.20)],
        # B and C inverted in the middle
        [(1000, 0.02), (1000, 0.10), (1000, 0.05), (1000, 0.20)],
    ],
    ids=["tail", "inverted"],
)
def test_fit_bands_repairs_a_non_monotone_start(parts: list[tuple[int, float]]) -> None:
    pd_, y = _segments(parts, seed=3)
    scale = GradeScale(
        scheme="test",
        grades=tuple(Grade(k, k, k, 0.25) for k in "ABCD"),
        min_share=0.005,
    )
    # the reference shares alone (quartiles) give non-monotone rates
    quartiles = np.quantile(pd_, [0.25, 0.5, 0.75])
    start = GradeScale(scale.scheme, scale.grades, tuple(quartiles), scale.min_share)
    _, start_rate = _by_grade(start, pd_, y)
    assert np.any(np.diff(start_rate) < 0), start_rate
    _check_bands(scale.fit_bands(pd_, y), pd_, y)


def test_fit_bands_keeps_min_share() -> None:
    pd_, y = _segments([(1000, 0.02), (700, 0.03), (300, 0.25), (1000, 0.08), (1000, 0.20)], 5)
    scale = GradeScale("test", tuple(Grade(k, k, k, 0.25) for k in "ABCD"), min_share=0.1)
    fitted = scale.fit_bands(pd_, y)
    _check_bands(fitted, pd_, y)
    count, _ = _by_grade(fitted, pd_, y)
    assert count.min() >= 400


def test_assign_needs_fitted_cutoffs() -> None:
    scale = load_scale("enterprise")
    with pytest.raises(ValueError, match="fit_bands"):
        scale.assign(np.array([0.01, 0.2]))


def test_assign_boundaries_belong_to_the_better_grade() -> None:
    scale = GradeScale("test", tuple(Grade(k, k, k, 1 / 3) for k in "ABC"), cutoffs=(0.01, 0.1))
    got = scale.assign(np.array([0.0, 0.01, 0.0100001, 0.1, 0.5, 1.0]))
    assert list(got) == ["A", "A", "B", "B", "C", "C"]
    np.testing.assert_array_equal(scale.rank(got), [0, 0, 1, 1, 2, 2])


@pytest.mark.parametrize("scheme", SCHEMES)
def test_load_shipped_scale(scheme: str) -> None:
    scale = load_scale(scheme)
    assert scale.scheme == scheme
    assert len(scale.grades) >= 3
    assert len(set(scale.keys)) == len(scale.keys)
    assert sum(g.share for g in scale.grades) == pytest.approx(1.0, abs=0.01)
    assert 0 < scale.min_share < min(g.share for g in scale.grades)
    assert scale.cutoffs == ()
    for g in scale.grades:
        assert scale.label(g.key) == g.label_zh and scale.label(g.key, "en") == g.label_en
    for rule in scale.overrides:
        assert rule.grade in scale.keys and rule.reason_zh and rule.reason_en
    with pytest.raises(KeyError):
        scale.label("no-such-grade")


def test_shipped_scales_are_the_rated_schemes() -> None:
    assert {p.stem for p in SCALES_DIR.glob("*.toml")} == set(SCHEMES)


def test_enterprise_overrides_as_in_domain() -> None:
    rules = {(o.indicator, o.grade) for o in load_scale("enterprise").overrides}
    assert rules == {("serious_list_now", "D"), ("abnormal_list_now", "C"), ("dishonest_now", "C")}


GOOD = """
scheme = "tiny"
name_zh = "测试"
name_en = "Test"
min_share = 0.01
{top}

[[grades]]
key = "A"
label_zh = "好"
label_en = "Good"
share = 0.7
{grade_extra}

[[grades]]
key = "B"
label_zh = "差"
label_en = "Bad"
share = 0.3

[[overrides]]
when = {{ indicator = "dishonest_now", op = "{op}", value = 0 }}
grade = "{grade}"
reason_zh = "失信"
reason_en = "dishonest"
{override_extra}
"""


def _write(
    folder: Path,
    top: str = "",
    grade_extra: str = "",
    op: str = ">",
    grade: str = "B",
    override_extra: str = "",
) -> Path:
    (folder / "tiny.toml").write_text(
        GOOD.format(
            top=top, grade_extra=grade_extra, op=op, grade=grade, override_extra=override_extra
        ),
        encoding="utf-8",
    )
    return folder


def test_load_scale_from_a_folder(tmp_path: Path) -> None:
    scale = load_scale("tiny", _write(tmp_path))
    assert scale.keys == ("A", "B") and scale.min_share == 0.01
    (rule,) = scale.overrides
    assert (rule.indicator, rule.op, rule.value, rule.grade) == ("dishonest_now", ">", 0, "B")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"top": 'colour = "red"'}, r"unknown keys \['colour'\]"),
        ({"grade_extra": "pd_max = 0.1"}, r"grade A: unknown keys \['pd_max'\]"),
        ({"grade": "Z"}, "unknown grade 'Z'"),
        ({"op": "=~"}, "when = "),
        ({"override_extra": "note = 1"}, "needs exactly"),
    ],
    ids=["top-level key", "grade key", "override grade", "override op", "override key"],
)
def test_load_scale_rejects_bad_files(tmp_path: Path, kwargs: dict, match: str) -> None:
    folder = _write(tmp_path, **kwargs)
    with pytest.raises(ValueError, match=match) as err:
        load_scale("tiny", folder)
    assert "tiny.toml" in str(err.value)
