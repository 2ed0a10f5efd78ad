"""Which factors a rating lists as reasons, and how they read (scoring/reasons.py).

A hand-made scheme with one indicator of each kind the rules treat differently: a
count that raises the risk, days since a negative record (missing: none in the
window, declared as the best case), a context indicator without direction, a
category without order, an ordered category (tax level), and an amount whose
missing value states nothing. Both model families are fitted on data where each
of them matters, and every subject's reasons are checked against the rules.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from features.dsl import DOWN, NEUTRAL, UP, Attribute, Indicator, Match, Population, Records, Scheme
from models.calibration import PlattCalibrator, ScoreScale
from models.gbm import GbmClassifier
from models.pipeline import CONTRIB_PREFIX, IndicatorText, RatingPipeline
from models.rating import load_scale
from models.scorecard import ScorecardClassifier
from scoring.reasons import reasons_json
from training.fit import indicator_texts, missing_states, ordinal_features, reference_row

ORDER = ("A", "B", "M", "C", "D")
SCHEME = Scheme(
    "toy",
    "玩具",
    "toy",
    Population("enterprise"),
    (
        Indicator(
            "penalties",
            "近24个月行政处罚次数",
            "Penalties",
            "监管",
            Records(Match(("administrative_penalty",)), "count", 24),
            UP,
            "次",
            "近{window}个月行政处罚{value}次",
            "{value} penalties in {window} months",
        ),
        Indicator(
            "days_since",
            "距最近一条失信记录天数",
            "Days since",
            "监管",
            Records(Match(("administrative_penalty",)), "days_since", 36),
            DOWN,
            "天",
            "距最近一条失信记录{value}天",
            "{value} days since",
            missing_zh="近{window}个月无失信记录",
            missing_en="no negative record in {window} months",
            missing_rank="best",
        ),
        Indicator(
            "size",
            "上年纳税额",
            "Tax the year before",
            "动态",
            Records(Match(("tax_paid",)), "sum_amount", 12, offset=12),
            NEUTRAL,
            "元",
            "上一年度纳税{value}元",
            "{value} yuan",
        ),
        Indicator(
            "industry",
            "所属行业",
            "Industry",
            "基础",
            Attribute("industry", categorical=True),
            NEUTRAL,
            "",
            "所属行业：{value}",
            "industry: {value}",
        ),
        Indicator(
            "tax_level",
            "纳税信用级别",
            "Tax level",
            "动态",
            Records(Match(("tax_credit_level",)), "latest_text", 24),
            UP,
            "",
            "纳税信用级别为{value}",
            "tax level {value}",
            order=ORDER,
            missing_zh="近{window}个月无纳税信用级别记录",
            missing_en="no tax level in {window} months",
            missing_rank="worst",
        ),
        Indicator(
            "capital",
            "注册资本",
            "Registered capital",
            "基础",
            Attribute("registered_capital"),
            DOWN,
            "元",
            "注册资本{value}元",
            "registered capital {value} yuan",
        ),
    ),
)
NAMES = tuple(i.name for i in SCHEME.indicators)


def _frame(n: int = 5000, seed: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    penalties = rng.poisson(0.4, n).astype(float)
    days = np.where(rng.random(n) < 0.6, np.nan, rng.uniform(1, 1000, n))
    size = rng.lognormal(10, 1, n)
    industry = rng.choice(list("CEFGI"), n)
    tax = rng.choice(list(ORDER), n, p=[0.3, 0.35, 0.15, 0.15, 0.05]).astype(object)
    tax[rng.random(n) < 0.1] = None
    capital = np.where(rng.random(n) < 0.1, np.nan, rng.lognormal(13, 1, n))
    rank = pd.Series(tax).map({c: i for i, c in enumerate(ORDER)}).fillna(2).to_numpy()
    logit = (
        -3
        + 0.8 * penalties
        - 0.001 * np.nan_to_num(days, nan=1500)
        + 0.5 * rank
        + 0.4 * (industry == "E")
        + 0.3 * np.sin(np.log(size))
        - 0.2 * np.nan_to_num(np.log(capital) - 13)
    )
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    frame = pd.DataFrame(
        {
            "subject_id": [f"S{i}" for i in range(n)],
            "penalties": penalties,
            "days_since": days,
            "size": size,
            "industry": industry,
            "tax_level": pd.Series(tax, dtype=object),
            "capital": capital,
        }
    )
    return frame, y


def _pipeline(family: str, frame: pd.DataFrame, y: np.ndarray) -> RatingPipeline:
    ordinal = ordinal_features(SCHEME)
    from models.pipeline import encode_ordinal

    x = encode_ordinal(frame[list(NAMES)], ordinal)
    if family == "gbm":
        est = GbmClassifier(
            n_estimators=60,
            num_leaves=7,
            min_child_samples=50,
            categorical_features=["industry"],
            random_state=0,
            monotone_constraints={"penalties": 1, "days_since": -1, "tax_level": 1, "capital": -1},
        ).fit(x, y)
    else:
        est = ScorecardClassifier(
            categorical_features=["industry"],
            monotonic_trends={
                "penalties": "ascending",
                "days_since": "descending",
                "tax_level": "ascending",
                "capital": "descending",
            },
        ).fit(x, y)
    pipe = RatingPipeline(
        "toy",
        family,
        NAMES,
        est,
        PlattCalibrator(1.0, 0.0),
        ScoreScale(600, 50, 20),
        dataclasses.replace(load_scale("enterprise"), overrides=()),
        indicator_texts(SCHEME),
        reference_row(frame[list(NAMES)], ordinal, states=missing_states(SCHEME)),
        ordinal,
    )
    pipe.scale = pipe.scale.fit_bands(pipe.predict_pd(frame), y)
    return pipe


@pytest.fixture(scope="module", params=["gbm", "scorecard"])
def rated(request) -> tuple[RatingPipeline, pd.DataFrame, list[dict]]:
    frame, y = _frame()
    pipe = _pipeline(request.param, frame, y)
    out = pipe.rate(frame)
    return pipe, frame, [json.loads(t) for t in reasons_json(pipe, frame, out)]


def _worse(name: str, value, ref) -> bool | None:
    """True when ``value`` is riskier than the reference (None: no order to compare)."""
    ind = SCHEME.indicator(name)
    if value is None or ref is None:  # a missing reference: either side, by contribution
        return None
    if ind.order:
        return ORDER.index(value) > ORDER.index(ref)
    if ind.categorical:
        return None
    return (value - ref) * ind.direction > 0


def test_reasons_add_up_exactly_from_the_reference_subject(rated) -> None:
    pipe, frame, reasons = rated
    x = pipe.model_input(frame)
    ref = pipe.model_input(pipe.reference)
    est = pipe.estimator
    expected = est.predict_score(x) if pipe.family == "scorecard" else est.decision_function(x)
    at_ref = (est.predict_score(ref) if pipe.family == "scorecard" else est.decision_function(ref))[
        0
    ]
    for r, out in zip(reasons, expected, strict=True):
        assert r["base_kind"] == "reference" and r["base"] == pytest.approx(at_ref, abs=1e-9)
        listed = sum(i["contribution"] for i in r["raise"] + r["lower"])
        assert r["base"] + listed + r["rest"] == pytest.approx(r["output"], abs=1e-9)
        assert r["output"] == pytest.approx(out, abs=1e-9)


def test_no_reason_contradicts_its_direction_against_the_reference(rated) -> None:
    pipe, _, reasons = rated
    seen: dict[str, set[str]] = {"raise": set(), "lower": set()}
    for r in reasons:
        for side in ("raise", "lower"):
            for item in r[side]:
                name, value, ref = item["indicator"], item["value"], item["reference"]
                seen[side].add(name)
                assert name != "size", "a context indicator without direction is no reason"
                assert ref == pipe.reference.at[0, name] or (
                    ref is None and pd.isna(pipe.reference.at[0, name])
                )
                assert (item["risk"] > 0) == (side == "raise")
                if value is None:
                    assert name in ("days_since", "tax_level"), f"undeclared missing {name}"
                    # an absence the typical subject shares (60% have no negative record)
                    # contributes exactly 0: never a reason
                    assert ref is not None, f"{name}: missing like the reference, yet listed"
                    assert not (name == "days_since" and side == "raise"), (
                        "no negative record at all cannot raise the risk"
                    )
                    continue
                worse = _worse(name, value, ref)
                if worse is not None:
                    assert worse == (side == "raise"), (side, name, value, ref)
    # every kind of factor shows up somewhere; a negative record, against a typical
    # subject without one, raises the risk
    assert {"penalties", "tax_level", "days_since"} <= seen["raise"]
    assert "industry" in seen["raise"] | seen["lower"]


def test_reasons_read_as_a_credit_officer_reads_them(rated) -> None:
    _, _, reasons = rated
    texts = {
        (i["indicator"], json.dumps(i["value"])): i["text_zh"]
        for r in reasons
        for i in r["raise"] + r["lower"]
    }
    for (name, value), text in texts.items():
        assert "None" not in text and "nan" not in text and "无数据" not in text, text
        if name == "days_since" and value == "null":
            assert text == "近36个月无失信记录"
        if name == "tax_level" and value != "null":
            assert text == f"纳税信用级别为{json.loads(value)}级"
        if name == "industry":
            assert text.startswith("所属行业：") and text[-1] not in "CEFGI", text
        if name == "capital":
            assert text.endswith("元") and "," in text, text


def test_rate_frames_its_contributions_as_one_block_with_the_same_values(rated) -> None:
    # rate() frames the contributions as one float block: the frame a column each gave
    pipe, frame, _ = rated
    for rows in (frame.iloc[:1], frame.iloc[3:40]):
        got = pipe.rate(rows)
        head = pipe.rate(rows, contributions=False)
        x = pipe._read(pipe.model_input(rows))
        contrib = pipe.estimator.explain(x, reference=pipe._reference_input())
        columns = {c: head[c].to_numpy() for c in head.columns}
        values = contrib.to_numpy(dtype=float)
        for j, col in enumerate(contrib.columns):
            columns[CONTRIB_PREFIX + col] = values[:, j]
        # exactly: the PD with the explanation is the PD without (LightGBM's log-odds
        # come out of the explanation bit for bit)
        pd.testing.assert_frame_equal(
            got, pd.DataFrame(columns, index=rows.index), check_exact=True
        )
        assert got.index.equals(rows.index)


def test_reasons_read_the_contributions_wherever_the_columns_stand(rated) -> None:
    """The reasons read the contributions as one slice where rate() puts them side by
    side; a frame with other columns among them, or the float columns read by the
    caller, give the same JSON."""
    pipe, frame, _ = rated
    from models.pipeline import float_columns

    rows = frame.iloc[:60]
    got = pipe.rate(rows)
    expected = reasons_json(pipe, rows, got)
    # the contributions in their order, the other columns among them
    contrib = [c for c in got.columns if c.startswith(CONTRIB_PREFIX)]
    other = [c for c in got.columns if c not in contrib]
    mixed = got[
        [c for pair in zip(other, contrib, strict=False) for c in pair] + contrib[len(other) :]
    ]
    at = [i for i, c in enumerate(mixed.columns) if c.startswith(CONTRIB_PREFIX)]
    assert at[-1] - at[0] + 1 > len(at) and len(mixed.columns) == len(got.columns)
    assert reasons_json(pipe, rows, mixed) == expected
    assert reasons_json(pipe, rows, got, floats=float_columns(rows)) == expected


def test_the_utf8_rows_are_the_json_a_column_of_str_holds(rated) -> None:
    """The batch keeps the reasons as UTF-8 and hands them to Arrow undecoded: the column
    is the one a list of the JSON strings gives, dtype and all, with a cause and extras."""
    from scoring.reasons import reasons_utf8, utf8_strings

    pipe, frame, _ = rated
    rows = frame.iloc[:40]
    got = pipe.rate(rows)
    extras = [{"规则": "记分", "points": i} if i % 3 else None for i in range(len(rows))]
    cause = {"kind": "objection", "id": 7, "说明": "异议"}
    text = reasons_json(pipe, rows, got, cause, extras)
    utf8 = reasons_utf8(pipe, rows, got, cause, extras)
    assert [t.encode() for t in text] == utf8
    column = utf8_strings(utf8)
    expected = pd.array(text, dtype="str")
    assert column.dtype == expected.dtype
    assert column.tolist() == expected.tolist()
    assert json.loads(column[1])["cause"]["说明"] == "异议"


@pytest.mark.parametrize("has_reference", [True, False])
def test_numeric_sides_at_once_are_each_indicators_sides(has_reference: bool) -> None:
    """The directed numeric indicators' sides, compared all at once, are what
    ``_sides`` gives each one: missing values, a missing or integer reference, a
    stated missing fact of every rank, both directions; other indicators are left to it."""
    from models.pipeline import IndicatorText
    from scoring.reasons import _directed_sides, _sides

    rng = np.random.default_rng(5)
    values = rng.normal(size=(40, 1)).round(1) * np.ones((1, 12))
    values[rng.random(values.shape) < 0.25] = np.nan
    values[:3, :] = 0.0  # equal to an integer reference
    texts, reference, names = {}, {}, []
    for j, (direction, ref, rank, says) in enumerate(
        [
            (UP, 0.3, "", ""),
            (DOWN, 0.3, "", ""),
            (UP, None, "", ""),
            (DOWN, float("nan"), "", ""),
            (UP, 0, "best", "近24个月无行政处罚"),
            (UP, 0.0, "worst", "无记录"),
            (DOWN, 1.5, "", "无记录"),
            (DOWN, float("nan"), "best", "无记录"),  # the reference has no record of a harm
            (UP, None, "worst", "无记录"),  # nor of a good thing
            (NEUTRAL, 0.3, "", ""),  # context: never a reason, left to _sides
            (UP, "3", "", ""),  # a reference _sides converts: left to it
            (UP, 0.3, "", ""),  # no text: left to _sides
        ]
    ):
        name = f"f{j}"
        names.append(name)
        reference[name] = ref
        if j < 11:
            texts[name] = IndicatorText(
                name, name, direction, "", "", "", missing_zh=says, missing_rank=rank
            )
    floats = {n: values[:, j] for j, n in enumerate(names)}
    at, worse, better = _directed_sides(texts, names, floats, reference, has_reference)
    assert at == list(range(9))
    for k, j in enumerate(at):
        w, b = _sides(texts[names[j]], floats[names[j]], reference[names[j]], has_reference)
        np.testing.assert_array_equal(worse[:, k], w)
        np.testing.assert_array_equal(better[:, k], b)
    assert worse.any() and better.any() and not worse.all()
    if has_reference:  # against no record: a record of a harm is worse, of a good thing better
        harm, good = ~np.isnan(values[:, 7]), ~np.isnan(values[:, 8])
        assert harm.any() and (worse[:, 7] == harm).all() and not better[harm, 7].any()
        assert good.any() and (better[:, 8] == good).all() and not worse[good, 8].any()


def test_fragments_kept_from_part_to_part_give_the_same_reasons(rated, monkeypatch) -> None:
    """A batch keeps the factors' JSON fragments from one part to the next (bounded):
    the parts' reasons are those of the whole frame, also when the kept ones are
    dropped on the way."""
    import scoring.reasons as reasons_module

    pipe, frame, _ = rated
    rows = frame.iloc[:400]
    got = pipe.rate(rows)
    expected = reasons_json(pipe, rows, got)
    sizes = {}
    for bound in (10**6, 50):
        monkeypatch.setattr(reasons_module, "KEPT_FRAGMENTS", bound)
        kept: dict = {}
        parts = [
            reasons_json(pipe, rows.iloc[i : i + 100], got.iloc[i : i + 100], fragments=kept)
            for i in range(0, 400, 100)
        ]
        assert [t for part in parts for t in part] == expected
        sizes[bound] = len(kept)
    assert 0 < sizes[50] < sizes[10**6]  # the bounded one was emptied on the way


def _log_odds(texts: dict, contrib: dict, reference: dict):
    """A log-odds pipeline of ``texts`` against ``reference`` (a stand-in: what
    ``reasons_json`` reads of one) and its rated frame of ``contrib``, base -3."""
    from types import SimpleNamespace

    from scoring.reasons import BASE

    rated = pd.DataFrame({CONTRIB_PREFIX + k: v for k, v in contrib.items()})
    rated[BASE] = -3.0
    pipe = SimpleNamespace(
        contribution_unit="log_odds", texts=texts, reference=pd.DataFrame(reference)
    )
    return pipe, rated


def test_one_fact_stated_by_two_indicators_is_listed_once_as_that_fact() -> None:
    """No tax paid for 24 months (its volatility missing) and 0 yuan paid over 12 months
    are one fact: a row lists the stronger of the two on a side, worded as the absence
    over its own window, the other's contribution going into ``rest``; the absence of tax
    paid is never reassurance, whichever indicator states it (0 zero-tax quarters); where
    the values are not the one fact, each stays as it is."""

    from models.pipeline import IndicatorText

    texts = {
        "tax_cv": IndicatorText(
            "纳税波动",
            "tax cv",
            UP,
            "%",
            "近{window}个月纳税额波动{value}",
            "tax cv {value}",
            24,
            missing_zh="近{window}个月未纳税",
            missing_en="no tax paid in {window} months",
            missing_rank="worst",
        ),
        "tax_12m": IndicatorText(
            "纳税额",
            "tax paid",
            DOWN,
            "元",
            "近{window}个月纳税{value}元",
            "{value} yuan of tax in {window} months",
            12,
            covered_by=("tax_cv",),
            zero_without_records=True,
        ),
        "zero_q": IndicatorText(
            "零申报季度",
            "zero quarters",
            UP,
            "个",
            "近{window}个月零申报{value}个季度",
            "{value} zero quarters in {window} months",
            12,
            covered_by=("tax_cv",),
            zero_without_records=True,
        ),
        "other": IndicatorText("其他", "other", UP, "次", "其他{value}次", "other {value}"),
    }
    nan = float("nan")
    features = pd.DataFrame(
        {
            "tax_cv": [nan, nan, 0.4, 0.1, nan],
            "tax_12m": [0.0, 0.0, 0.0, 5000.0, nan],
            "zero_q": [0.0, 0.0, 0.0, 0.0, 0.0],
            "other": [2.0, 2.0, 2.0, 2.0, 2.0],
        }
    )
    contrib = {
        "tax_cv": [0.2, 0.6, 0.3, -0.1, 0.1],
        "tax_12m": [0.5, 0.1, 0.2, -0.3, 0.2],
        "zero_q": [-0.2, -0.2, -0.2, -0.2, -0.2],
        "other": [0.05, 0.05, 0.05, 0.05, 0.05],
    }
    pipe, rated = _log_odds(
        texts, contrib, {"tax_cv": [0.2], "tax_12m": [3000.0], "zero_q": [1.0], "other": [1.0]}
    )
    got = [json.loads(t) for t in reasons_json(pipe, features, rated)]
    raised = [[f["indicator"] for f in r["raise"]] for r in got]
    lowered = [[f["indicator"] for f in r["lower"]] for r in got]
    assert raised == [
        ["tax_12m", "other"],  # the 0 yuan moves the risk more: the absence is not repeated
        ["tax_cv", "other"],
        ["tax_cv", "tax_12m", "other"],  # tax was paid: two facts
        ["other"],
        ["tax_cv", "other"],  # a missing value that states nothing is never listed
    ]
    # no tax on record: its 0 zero-tax quarters are no reassurance; tax paid: they are
    assert lowered == [[], [], ["zero_q"], ["tax_12m", "zero_q", "tax_cv"], []]
    assert got[0]["raise"][0]["text_zh"] == "近12个月未纳税"  # the 0 yuan read as the fact
    assert got[0]["raise"][0]["text_en"] == "no tax paid in 12 months"
    assert got[0]["raise"][0]["value"] == 0.0
    assert got[1]["raise"][0]["text_zh"] == "近24个月未纳税"
    assert got[2]["raise"][1]["text_zh"] == "近12个月纳税0元"  # tax paid before: as it is
    assert got[2]["lower"][0]["text_zh"] == "近12个月零申报0个季度"
    for r, row in zip(got, range(5), strict=True):
        total = sum(f["contribution"] for f in r["raise"] + r["lower"])
        assert r["base"] + total + r["rest"] == pytest.approx(r["output"])
        assert r["output"] == pytest.approx(-3.0 + sum(v[row] for v in contrib.values()))
    assert got[0]["rest"] == pytest.approx(0.2 - 0.2)  # the dropped factors' contributions


def test_the_same_records_counted_by_two_indicators_are_listed_once() -> None:
    """One loan past due is a loan delinquency and a negative record: where the broader
    count equals the narrower one, a row lists the stronger of the two (the narrower on a
    tie), the other's contribution going into ``rest``; where the broader counts more, or
    the two are on different sides, both stay."""

    from models.pipeline import IndicatorText

    texts = {
        "negative_24m": IndicatorText(
            "失信记录", "negative", UP, "条", "近{window}个月有失信记录{value}条", "{value}", 24
        ),
        "overdue_24m": IndicatorText(
            "贷款逾期",
            "overdue",
            UP,
            "次",
            "近{window}个月贷款逾期{value}次",
            "{value}",
            24,
            counted_in=("negative_24m",),
        ),
        "other": IndicatorText("其他", "other", UP, "次", "其他{value}次", "other {value}"),
    }
    features = pd.DataFrame(
        {
            "negative_24m": [1.0, 1.0, 2.0, 0.0, 1.0],
            "overdue_24m": [1.0, 1.0, 1.0, 0.0, 1.0],
            "other": [2.0, 2.0, 2.0, 2.0, 2.0],
        }
    )
    contrib = {
        "negative_24m": [0.3, 0.1, 0.3, 0.0, 0.2],
        "overdue_24m": [0.2, 0.4, 0.2, 0.0, 0.2],
        "other": [0.05, 0.05, 0.05, 0.05, 0.05],
    }
    pipe, rated = _log_odds(
        texts, contrib, {"negative_24m": [0.0], "overdue_24m": [0.0], "other": [1.0]}
    )
    got = [json.loads(t) for t in reasons_json(pipe, features, rated)]
    assert [[f["indicator"] for f in r["raise"]] for r in got] == [
        ["negative_24m", "other"],  # one record: the stronger of its two counts
        ["overdue_24m", "other"],
        ["negative_24m", "overdue_24m", "other"],  # a second negative record: two facts
        ["other"],
        ["overdue_24m", "other"],  # a tie: the narrower names the kind
    ]
    assert got[0]["rest"] == pytest.approx(0.2)
    for r, row in zip(got, range(5), strict=True):
        total = sum(f["contribution"] for f in r["raise"] + r["lower"])
        assert r["base"] + total + r["rest"] == pytest.approx(r["output"])
        assert r["output"] == pytest.approx(-3.0 + sum(v[row] for v in contrib.values()))


@pytest.mark.parametrize(
    ("zh", "en"),
    [
        ("近{window}个月纳税{value}元", "{value} yuan tax paid in {window} months"),
        ("{label}由{value}变为{value}", "{value} then {value}"),  # the value twice
        ("纳税{value:>8}元", "{value!r} yuan"),  # a format of its own
        ('纳税"{value}"\\元', '{value} "yuan"'),  # words JSON escapes
    ],
)
def test_a_fragment_reads_as_the_sentence_whatever_the_template(zh: str, en: str) -> None:
    """The words around a value are prepared once per indicator where the template takes
    the value once as it stands; otherwise the sentence is rendered whole. Either way the
    fragment's texts are :func:`sentence` in both languages, for numbers and a missing
    value of every display that reads the same in both languages."""
    from scoring.reasons import _Fragments, sentence

    for display in ("number", "money", "share", "percent", "years", "change", "ratio"):
        t = IndicatorText("纳税额", "tax paid", 1, "元", zh, en, window=12, display=display)
        made = _Fragments({"tax": t}, {"tax": 0.5})
        values = [1234567.891, 0.0123, -0.5, 99.995, 0.0, None]
        for got in (made.many("tax", values), [made("tax", v, None) for v in values]):
            for value, fragment in zip(values, got, strict=True):
                read = json.loads(b"{" + fragment + b"}")
                assert read["text_zh"] == sentence(t, value, "zh"), (display, zh, value)
                assert read["text_en"] == sentence(t, value, "en"), (display, en, value)
                assert read["value"] == value
