"""The reasons' waterfall (app/components/charts.py)."""

from __future__ import annotations

from app.components.charts import waterfall

TITLES = {"base": "参照主体", "rest": "其他因素合计", "output": "本主体", "unit": "分值"}


def _reasons(unit: str, base: float, raise_: list[float], lower: list[float], rest: float):
    item = lambda c, r: {"indicator": "x", "label_zh": "因素", "contribution": c, "risk": r}  # noqa: E731
    sign = -1 if unit == "points" else 1
    output = base + sum(raise_) + sum(lower) + rest
    return {
        "unit": unit,
        "base": base,
        "output": output,
        "rest": rest,
        "raise": [item(c, sign * c) for c in raise_],
        "lower": [item(c, sign * c) for c in lower],
    }


def test_a_score_is_drawn_over_the_span_its_factors_move_it() -> None:
    # 569 points and factors of a few points: from 0 they would be invisible
    spec = waterfall(_reasons("points", 569.0, [-4.0, -4.0, -2.0], [24.0, 1.0], 15.0), "zh", TITLES)
    spec = spec.to_dict()
    lo, hi = spec["encoding"]["x"]["scale"]["domain"]
    assert 550 < lo < 560 and 600 < hi < 610 and spec["encoding"]["x"]["scale"]["zero"] is False
    rows = next(iter(spec["datasets"].values()))
    bases = [r for r in rows if r["kind"] == "base"]
    assert [r["start"] for r in bases] == [lo, lo]  # base and score: bars from the left edge
    assert [r["end"] for r in bases] == [569.0, 599.0]


def test_log_odds_are_drawn_from_even_odds() -> None:
    spec = waterfall(_reasons("log_odds", -3.2, [0.5, 0.3], [-0.1], 1.6), "zh", TITLES).to_dict()
    assert "scale" not in spec["encoding"]["x"]
    rows = next(iter(spec["datasets"].values()))
    assert [r["start"] for r in rows if r["kind"] == "base"] == [0.0, 0.0]
