"""Indicators over declared attributes (features.dsl.DeclaredAttribute).

A hand-made store of new agricultural businesses whose declared attributes
change around the as-of date: the value in force at T is the latest stored on
or before T, on every engine (compiled SQL on DuckDB and Spark, the in-process
evaluator of one-subject ratings, the pandas baseline). The registry refuses an
indicator reading an attribute its subject type does not declare; a
categorical reason names the value's Chinese label, never its code.
"""

from __future__ import annotations

import datetime as dt
import math
import pathlib
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))

from bench.pandas_baseline import build_features_pandas, compare_frames, load_tables
from features import registry
from features.build import build_features
from features.catalog import describe_source
from features.definitions.agri_business import AGRI_FORM, DEMONSTRATION_LEVEL, LAND_MU
from features.definitions.practitioner import PROFESSION
from features.dsl import UP, DeclaredAttribute, Indicator, Population, Scheme
from features.schemes import get_scheme
from features.store.duckdb_store import DuckDBStore

T = dt.date(2024, 6, 30)
AT_T = pd.Timestamp("2024-06-30 15:00:00")  # stored during the as-of day: in force at T
AFTER = pd.Timestamp("2024-07-01 00:00:00")  # the day after: not seen at T
EARLY = pd.Timestamp("2023-01-01 09:00:00")


def _ind(name: str, source: DeclaredAttribute, **how) -> Indicator:
    return Indicator(name, name, name, "基本信息", source, **how)


SCHEME = Scheme(
    key="attr_test",
    label_zh="属性测试",
    label_en="Attribute test",
    population=Population("agri_business"),
    indicators=(
        _ind("form", DeclaredAttribute(AGRI_FORM)),
        _ind("land", DeclaredAttribute(LAND_MU)),
        _ind("log_land", DeclaredAttribute(LAND_MU, "log1p")),
        _ind(
            "level",
            DeclaredAttribute(DEMONSTRATION_LEVEL),
            direction=UP,
            order=("province", "city", "county", "none"),
        ),
    ),
)


def _subjects() -> pd.DataFrame:
    ids = ["S1", "S2", "S3", "S4", "S5", "E1"]
    return pd.DataFrame(
        {
            "subject_id": ids,
            "subject_type": ["agri_business"] * 5 + ["enterprise"],
            "name": ids,
            "region_code": "530302",
            "status": "active",
            "established_on": dt.date(2020, 1, 1),
            "recorded_at": pd.Timestamp("2021-01-01"),
        }
    )


def _attributes() -> pd.DataFrame:
    rows = [
        # S1: changed on the as-of day (seen) and again the day after (not seen)
        ("S1", EARLY, "land_mu", None, 100.0, 1),
        ("S1", AT_T, "land_mu", None, 250.0, 2),
        ("S1", AFTER, "land_mu", None, 999.0, 3),
        ("S1", EARLY, "demonstration_level", "county", None, 1),
        ("S1", AFTER, "demonstration_level", "city", None, 3),
        ("S1", EARLY, "agri_form", "coop", None, 1),
        # S2: everything stored after T: nothing in force
        ("S2", AFTER, "land_mu", None, 50.0, 3),
        ("S2", AFTER, "agri_form", "family_farm", None, 3),
        # S3: two values stored at the same moment: the later ingest wins, a row
        # loaded without an ingest loses
        ("S3", EARLY, "land_mu", None, 20.0, 2),
        ("S3", EARLY, "land_mu", None, 10.0, 1),
        ("S3", EARLY, "demonstration_level", "none", None, None),
        ("S3", EARLY, "demonstration_level", "province", None, 4),
        # S4, S5: logarithms at the edges (1 + x = 0 is missing, not -inf)
        ("S4", EARLY, "land_mu", None, -1.0, 1),
        ("S5", EARLY, "land_mu", None, 0.0, 1),
        # a name no indicator reads, and a subject outside the population
        ("S5", EARLY, "other", "x", None, 1),
        ("E1", EARLY, "agri_form", "coop", None, 1),
    ]
    frame = pd.DataFrame(
        rows, columns=["subject_id", "version_from", "name", "value_text", "value_num", "ingest_id"]
    )
    return frame.astype({"ingest_id": "Int64"})


def _fill(store) -> None:
    store.append("subjects", _subjects())
    store.append("subject_attributes", _attributes())


EXPECTED = {
    "S1": ("coop", 250.0, math.log(251.0), "county"),
    "S2": (None, None, None, None),
    "S3": (None, 20.0, math.log(21.0), "province"),
    "S4": (None, -1.0, None, None),
    "S5": (None, 0.0, 0.0, None),
}


def _check(frame: pd.DataFrame) -> None:
    assert list(frame["subject_id"]) == sorted(EXPECTED)
    rows = frame.set_index("subject_id")
    for sid, want in EXPECTED.items():
        for col, value in zip(("form", "land", "log_land", "level"), want, strict=True):
            got = rows.loc[sid, col]
            if value is None:
                assert got is None or pd.isna(got), (sid, col, got)
            elif isinstance(value, float):
                assert got == pytest.approx(value, rel=1e-12), (sid, col)
            else:
                assert got == value, (sid, col)


@pytest.fixture(scope="module")
def store():
    duck = DuckDBStore(":memory:")
    _fill(duck)
    yield duck
    duck.close()


def test_the_value_in_force_at_the_date_on_duckdb_and_in_process(store) -> None:
    full = build_features(store, SCHEME, T)
    _check(full)
    # one-subject ratings: a slice of the store, evaluated in process
    for sid in EXPECTED:
        one = build_features(store, SCHEME, T, subjects=[sid])
        expected = full[full["subject_id"] == sid].reset_index(drop=True)
        pd.testing.assert_frame_equal(one, expected, check_exact=False, rtol=1e-12)
    # ...and a day later the later values are seen
    later = build_features(store, SCHEME, T + dt.timedelta(days=1)).set_index("subject_id")
    assert later.loc["S1", "land"] == 999.0 and later.loc["S1", "level"] == "city"
    assert later.loc["S2", "form"] == "family_farm"


def test_the_pandas_baseline_reads_them_alike(store) -> None:
    expected = build_features(store, SCHEME, T)
    actual = build_features_pandas(load_tables(store, [SCHEME]), SCHEME, T)
    assert compare_frames(expected, actual, SCHEME) == []


@pytest.mark.spark
def test_spark_reads_them_alike(store, spark, tmp_path: Path) -> None:
    pytest.importorskip("pyspark")
    from frame_parity import assert_same_frame

    from features.store.spark_store import SparkStore

    lake = SparkStore(tmp_path / "lake", spark=spark)
    try:
        _fill(lake)
        got = build_features(lake, SCHEME, T, engine="spark")
    finally:
        lake.close()
    _check(got)
    assert_same_frame(build_features(store, SCHEME, T), got, SCHEME)


def test_a_transform_a_category_cannot_take_is_refused() -> None:
    with pytest.raises(ValueError, match=r"demonstration_level.*category.*log1p"):
        DeclaredAttribute(DEMONSTRATION_LEVEL, "log1p")
    with pytest.raises(ValueError, match="years_since"):
        DeclaredAttribute(LAND_MU, "years_since")  # type: ignore[arg-type]


FOLDER_SCHEME = """
from features.declare import AttributeDecl
from features.dsl import DeclaredAttribute, Indicator, Population, Scheme

PROFESSION = AttributeDecl("profession", "string", "职业", "Profession", ("guide",))

SCHEME = Scheme(
    key="attr_refused",
    label_zh="测试",
    label_en="Test",
    population=Population("{stype}"),
    indicators=(
        Indicator("the_profession", "职业", "Profession", "基本", DeclaredAttribute(PROFESSION)),
    ),
)
"""


def _folder(top: Path, stype: str) -> Path:
    folder = top / "attr_refused"
    folder.mkdir()
    (folder / "declaration.py").write_text(FOLDER_SCHEME.format(stype=stype), encoding="utf-8")
    (folder / "scale.toml").write_text("", encoding="utf-8")
    (folder / "spec.toml").write_text("", encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("stype", "why"),
    [
        # enterprises declare no attribute at all
        ("enterprise", "subject type 'enterprise' declares no attribute 'profession'"),
        # practitioners declare a profession, but not this one (other choices)
        ("practitioner", "attribute 'profession' differs from the one subject type"),
    ],
)
def test_an_attribute_the_subject_type_does_not_declare_is_refused(
    tmp_path: Path, stype: str, why: str
) -> None:
    folder = _folder(tmp_path, stype)
    with pytest.raises(registry.RegistryError) as err:
        registry.build([tmp_path])
    text = str(err.value)
    assert why in text
    assert "scheme attr_refused" in text and "indicator the_profession" in text
    assert str(folder) in text


def test_a_reason_names_the_profession_label_in_chinese() -> None:
    profession = get_scheme("practitioner").indicator("profession")
    assert profession.categorical and profession.source.attribute == PROFESSION
    assert profession.reason("tour_guide") == "职业：导游"
    assert profession.reason("physician", "en") == "profession: Physician"
    assert "tour_guide" not in profession.reason("tour_guide")
    level = get_scheme("agri_business").indicator("demonstration_level")
    assert level.ordinal and level.reason("county") == "示范级别：县级示范"
    form = get_scheme("social_org").indicator("org_form")
    assert form.reason("foundation") == "组织类型：基金会"


def test_the_catalogue_says_where_they_come_from() -> None:
    text = describe_source(get_scheme("practitioner").indicator("profession"))
    assert "profession" in text and "职业" in text and "截至评价日有效的值" in text
    land = describe_source(get_scheme("agri_business").indicator("land_mu"))
    assert "数值 number" in land
