"""Social organisations (features/definitions/social_org.py) through the platform.

On the tiny test city (300 社会组织 generated from
features/records/synthetic/schemes/social_org.toml): a champion is trained with the
shipped spec and scale (promoted with ``force``: the tiny city is too small for the
gates; the small city passes them, see README), the population is rated, the scale's
list overrides bind (严重违法失信名单 → D; 活动异常名录 or 失信被执行人 → not better than C),
no reason names a good value or a code as a risk, the credit report reads in Chinese,
and Spark rates the organisations as DuckDB does.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from city_stores import lake_of, writable_copy
from ratings_parity import rating_differences

from features.build import build_features
from features.records.windows import WindowPolicy
from scoring.batch import score_scheme
from scoring.report import credit_report

AS_OF = dt.date(2026, 10, 31)
SCORED_AT = dt.datetime(2026, 11, 2, 3, 4, 5)
SCHEME = "social_org"
#: Record codes and keys that must never reach a Chinese page.
CODES = (
    "social_org",
    "civil_serious_list",
    "activity_abnormal_list",
    "annual_inspection",
    "not_filed",
    "unqualified",
    "basically_qualified",
    "assessment_level",
    "None",
)


@pytest.fixture(scope="module")
def social_model(tiny_champion):
    """A social-organisation champion of the tiny city with the shipped spec (fewer trees
    if LightGBM wins the cross-validation)."""
    from scoring.loader import load_model

    return load_model(SCHEME, tiny_champion(SCHEME, n_estimators=40))


@pytest.fixture(scope="module")
def rated(scoring_city_file: Path, tmp_path_factory: pytest.TempPathFactory, social_model):
    """The tiny city's social organisations rated at AS_OF on DuckDB."""
    with writable_copy(scoring_city_file, tmp_path_factory) as store:
        score_scheme(store, social_model, AS_OF, scored_at=SCORED_AT)
        ratings = store.query(
            "SELECT * FROM ratings WHERE scheme = ? AND as_of = ? ORDER BY subject_id",
            [SCHEME, AS_OF],
        )
        features = build_features(store, SCHEME, AS_OF).set_index("subject_id")
        yield store, ratings, features


def test_every_organisation_is_rated_and_the_lists_bind(rated) -> None:
    store, ratings, features = rated
    population = store.query(
        "SELECT count(*) AS n FROM subjects WHERE subject_type = 'social_org'"
    )["n"].iat[0]
    assert len(ratings) == len(features) > 0.9 * population
    final = ratings.set_index("subject_id")["final_grade"]
    order = ["A", "B", "C", "D"]
    serious = features.index[features["civil_serious_now"] > 0]
    listed = features.index[
        (features["activity_abnormal_now"] > 0) | (features["dishonest_now"] > 0)
    ]
    # not vacuous: the tiny city has organisations on both lists
    assert len(serious) > 0 and len(listed) > 0
    assert set(final[serious]) == {"D"}
    assert all(order.index(g) >= order.index("C") for g in final[listed])
    overrides = ratings.set_index("subject_id")["overrides"]
    assert all("列入社会组织严重违法失信名单，直接列为D类" in overrides[s] for s in serious)
    clean = features.index[
        (features["civil_serious_now"] == 0)
        & (features["activity_abnormal_now"] == 0)
        & (features["dishonest_now"] == 0)
    ]
    assert all(json.loads(overrides[s]) == [] for s in clean)
    assert final.nunique() > 1


def test_reasons_name_no_good_value_and_no_code(rated) -> None:
    _, ratings, _ = rated
    good = {"inspection_latest": {"qualified"}, "assessment_level": {"5A", "4A"}}
    # the declared attributes (features.dsl.DeclaredAttribute) read as their labels
    forms = {"组织类型：社会团体", "组织类型：社会服务机构（民办非企业单位）", "组织类型：基金会"}
    named, form_named = 0, 0
    for text in ratings["reasons"]:
        why = json.loads(text)
        for item in why["raise"]:
            named += 1
            assert item["value"] not in good.get(item["indicator"], set()), item
            assert not re.search(r"[A-Za-z]{2,}", item["text_zh"]), item
        for item in why["lower"]:
            assert not re.search(r"[A-Za-z]{2,}", item["text_zh"]), item
        for item in why["raise"] + why["lower"]:
            if item["indicator"] == "org_form":
                form_named += 1
                assert item["text_zh"] in forms, item
    assert named > 0
    assert form_named > 0  # the tiny city's model names it: the check is not vacuous


def test_the_credit_report_of_a_listed_organisation_reads_in_chinese(rated) -> None:
    store, _, features = rated
    listed = features.index[features["civil_serious_now"] > 0][0]
    html = credit_report(store, listed, WindowPolicy(), as_of=AS_OF, scheme=SCHEME)
    assert "社会组织信用评价" in html and "信用风险高" in html
    assert "列入社会组织严重违法失信名单，直接列为D类（信用风险高）" in html
    assert "社会组织（社会团体、社会服务机构、基金会）" in html
    # the model's registered name and the scheme key (as for every scheme) are identifiers
    html = html.replace("xinping-social_org", "").replace("<code>social_org</code>", "")
    text = re.sub(r"<(style|script)\b.*?</\1>", "", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    assert [c for c in CODES if re.search(rf"\b{c}\b", text)] == []


@pytest.mark.spark
@pytest.mark.slow
def test_spark_rates_the_organisations_as_duckdb_does(
    rated, social_model, scoring_city_file: Path, tmp_path_factory, spark
) -> None:
    from scoring.spark_batch import score_scheme_spark

    _, expected, _ = rated
    with lake_of(scoring_city_file, tmp_path_factory, spark) as lake:
        run = score_scheme_spark(lake, social_model, AS_OF, scored_at=SCORED_AT)
        got = lake.query(
            "SELECT * FROM ratings WHERE scheme = ? AND as_of = ? ORDER BY subject_id",
            [SCHEME, AS_OF],
        )
    assert run.rows == len(expected) > 0
    assert rating_differences(expected, got) == []
