"""Every reason of every subject of every scheme on the small city, read as an officer would.

The small city is the one ``make demo`` serves (10,000 enterprises, 20,000
households, 5,000 drivers), rated by champions of both families
(``small_rated_city``). For every listed factor of every rating at the last date:

* it never contradicts its indicator's risk direction against the reference
  subject (a value worse than the reference's raises the risk, a better one lowers
  it; ordered categories by their order), so no value in the best tenth of the
  population is named as a cause of risk;
* a context indicator without direction is never listed, and a missing value only
  where the indicator declares the fact it states (never a "none on record" as a
  risk);
* its Chinese sentence holds no English word, no code, no "None"/"nan" and no
  transform (log, exponent notation).

And every share the declarations define stays within [0, 1] on the city.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import numpy as np
import pandas as pd
import pytest

from features.build import build_features
from features.dsl import NEUTRAL, Derived
from features.same_fact import covered_by, reads_zero_without_records
from features.schemes import SCHEMES
from features.store.duckdb_store import DuckDBStore

pytestmark = pytest.mark.slow

MODELLED = [k for k, s in SCHEMES.items() if s.target is not None]
#: ASCII letters a Chinese sentence may hold: a grade or class letter (A级, C类), a
#: licence class (B2), a unit no Chinese reader needs translated (%)
_ALLOWED_LETTER = re.compile(r"(?<![A-Za-z])[A-Z](?=[级类0-9（])")
_WORD = re.compile(r"[A-Za-z]+")
_BAD = ("None", "nan", "NaN", "无数据", "对数", "log", "{", "}")
_EXPONENT = re.compile(r"\de[+-]?\d")


def _english_or_code(text: str) -> list[str]:
    """ASCII words in a Chinese sentence that are not an allowed grade or class letter."""
    stripped = _ALLOWED_LETTER.sub("", text)
    return _WORD.findall(stripped)


@pytest.fixture(scope="module")
def swept(small_rated_city: dict) -> dict:
    """Ratings at the last date with the features they were made from, per scheme."""
    out = {}
    with DuckDBStore(small_rated_city["path"], read_only=True) as store:
        for key in MODELLED:
            ratings = store.query(
                "SELECT subject_id, final_grade, reasons FROM ratings "
                "WHERE scheme = ? AND as_of = ?",
                [key, small_rated_city["as_of"]],
            )
            features = build_features(store, key, small_rated_city["as_of"])
            out[key] = (ratings, features.set_index("subject_id"))
    return out


def _worse(ind, value, ref) -> bool | None:
    if ind.order:
        return ind.order.index(value) > ind.order.index(ref)
    if ind.categorical:
        return None
    return (float(value) - float(ref)) * ind.direction > 0


@pytest.mark.parametrize("key", MODELLED)
def test_no_reason_contradicts_its_direction_or_reads_as_code(swept: dict, key: str) -> None:
    ratings, features = swept[key]
    scheme = SCHEMES[key]
    # the small city has ~480 co-operatives and family farms with a loan on record
    assert len(ratings) == len(features) > (400 if key == "agri_business" else 1000)
    bad: list[str] = []
    best_tenth: dict[str, float] = {}
    for ind in scheme.indicators:
        if ind.direction != NEUTRAL and not ind.categorical:
            col = pd.to_numeric(features[ind.name], errors="coerce")
            if ind.missing_rank:
                # no record stands where the declaration puts it: a firm with a negative
                # record 700 days ago is not among the best tenth when most have none
                best = (ind.missing_rank == "best") == (ind.direction < 0)
                col = col.fillna(np.inf if best else -np.inf)
            col = col.dropna()
            if len(col):
                # the value beyond which a subject is in the best tenth of the population
                # (nearest: no arithmetic on the infinities that stand for no record)
                how = "nearest" if ind.missing_rank else "linear"
                q = 0.9 if ind.direction < 0 else 0.1
                best_tenth[ind.name] = float(col.quantile(q, interpolation=how))
    listed = 0
    covers = covered_by(scheme.indicators)
    for sid, text in zip(ratings["subject_id"], ratings["reasons"], strict=True):
        reasons = json.loads(text)
        assert reasons["base_kind"] == "reference"
        for side in ("raise", "lower"):
            facts: dict[str, str] = {}  # a covering absence stated on this side, by whom
            for item in reasons[side]:
                name, value = item["indicator"], item["value"]
                zero = value == 0 and reads_zero_without_records(scheme.indicator(name))
                absent = [
                    a
                    for a in covers.get(name, ())
                    if a in features.columns and pd.isna(features.at[sid, a])
                ]
                if not absent or not (value is None or zero):
                    if value is None and scheme.indicator(name).missing_zh:
                        facts.setdefault(name, name)  # an absence of its own
                    continue
                a = scheme.indicator(absent[0])
                where = f"{key} {sid} {side} {name}={value!r} (no {a.name} on record)"
                if item["text_zh"] != a.missing_zh.format(window=scheme.indicator(name).window):
                    bad.append(f"{where}: reads {item['text_zh']!r}, not as the absence")
                if a.missing_rank == ("worst" if side == "lower" else "best"):
                    bad.append(f"{where}: the absence listed on the wrong side")
                for other in absent:
                    if other in facts or other in [i["indicator"] for i in reasons[side]]:
                        bad.append(
                            f"{where}: one fact listed twice (with {facts.get(other, other)})"
                        )
                    facts[other] = name
            for item in reasons[side]:
                listed += 1
                name, value, ref = item["indicator"], item["value"], item["reference"]
                ind = scheme.indicator(name)
                where = f"{key} {sid} {side} {name}={value!r} (reference {ref!r})"
                if ind.direction == NEUTRAL and not ind.categorical:
                    bad.append(f"{where}: context indicator listed")
                if value is None:
                    if not ind.missing_zh:
                        bad.append(f"{where}: missing value listed without a declared meaning")
                    elif side == "raise" and ind.missing_rank == "best":
                        bad.append(f"{where}: 'none on record' listed as raising the risk")
                    elif side == "lower" and ind.missing_rank != "best":
                        # no record of a good or required thing (an assessment, tax paid)
                        bad.append(f"{where}: missing information listed as reassurance")
                elif ref is not None and _worse(ind, value, ref) not in (None, side == "raise"):
                    bad.append(f"{where}: contradicts the direction")
                elif (
                    ref is None
                    and ind.missing_rank
                    and not ind.categorical
                    and (ind.missing_rank == "best") != (side == "raise")
                ):  # against a reference with no record: a record of a harm only raises
                    bad.append(f"{where}: a record against none on the wrong side")
                if side == "raise" and name in best_tenth and value is not None:
                    edge = best_tenth[name]
                    if (ind.direction < 0 and value > edge) or (ind.direction > 0 and value < edge):
                        bad.append(f"{where}: a value in the best tenth named as a risk")
                if isinstance(ind.source, Derived) and ind.display_kind == "change":
                    pair = item.get("pair")  # the report's value column reads the two values
                    if pair is None or len(pair) != 2:
                        bad.append(f"{where}: a change without the two values it compares")
                zh = item["text_zh"]
                words = _english_or_code(zh)
                if words or any(b in zh for b in _BAD) or _EXPONENT.search(zh):
                    bad.append(f"{where}: Chinese text {zh!r} holds {words or 'a code'}")
                if re.search(r"[\u4e00-\u9fff]", item["text_en"]):
                    bad.append(f"{where}: English text {item['text_en']!r} holds Chinese")
    assert listed > len(ratings), "too few reasons listed to judge"
    assert not bad, f"{len(bad)} bad reasons, e.g.:\n" + "\n".join(bad[:20])


@pytest.mark.parametrize("key", list(SCHEMES))
def test_every_declared_share_stays_within_zero_and_one(small_rated_city: dict, key: str) -> None:
    shares = [i.name for i in SCHEMES[key].indicators if i.display_kind == "share"]
    if not shares:
        pytest.skip(f"{key} declares no share")
    with DuckDBStore(small_rated_city["path"], read_only=True) as store:
        for day in (small_rated_city["as_of"], dt.date(2023, 6, 30)):
            frame = build_features(store, key, day)
            for name in shares:
                col = pd.to_numeric(frame[name], errors="coerce")
                outside = col[(col < 0) | (col > 1)]
                assert outside.empty, (
                    f"{key}.{name} on {day}: {len(outside)} values outside "
                    f"[0, 1], e.g. {outside.head(3).tolist()}"
                )
                assert col.notna().any() or np.isnan(col).all()
