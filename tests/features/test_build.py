"""Feature frames of every scheme on the tiny demo city, and the declarations themselves."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import features.store.duckdb_store as duckdb_store
from features.build import build_features, feature_sql, quarter_ends, typed_features
from features.dsl import (
    Attribute,
    Derived,
    Indicator,
    Match,
    Members,
    Population,
    Records,
    Related,
    Scheme,
)
from features.records.synthetic.city import generate_city
from features.schemes import SCHEMES, get_scheme
from features.store.duckdb_store import DuckDBStore

AS_OF = dt.date(2026, 10, 31)
NONNEGATIVE_AGGS = {"count", "weighted", "distinct_values", "days_since"}


@pytest.fixture(scope="session")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DuckDBStore]:
    store = DuckDBStore(tmp_path_factory.mktemp("city") / "tiny.duckdb")
    generate_city(store, scale="tiny", seed=5)
    yield store
    store.close()


@pytest.fixture(scope="session")
def frames(city: DuckDBStore) -> dict[str, pd.DataFrame]:
    return {key: build_features(city, key, AS_OF) for key in SCHEMES}


@pytest.fixture(scope="module")
def keeping_city(
    tmp_path_factory: pytest.TempPathFactory, scoring_city_file: Path
) -> Iterator[DuckDBStore]:
    """The tiny city (seed 5) in a store that keeps its small tables and every subject in
    memory from its first look-up, as a server does after ``LOAD_AFTER`` of them."""
    path = tmp_path_factory.mktemp("keeping") / "tiny.duckdb"
    shutil.copy(scoring_city_file, path)
    store = DuckDBStore(path, read_only=True, threads=2)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(duckdb_store, "KEEP_AFTER", 0)
        kept = store.kept_rows()
    assert kept is not None and kept.subjects is not None
    assert len(kept.subjects) == store.scalar("SELECT count(*) FROM subjects")
    yield store
    store.close()


def population_ids(store: DuckDBStore, pop: Population, as_of: dt.date) -> set[str]:
    """The population by a direct query: the latest version of each subject of the type,
    registered by the date and not closed, of the scales, with the required record."""
    where = [
        "subject_type = $type",
        "(established_on IS NULL OR established_on <= $t)",
        "(closed_on IS NULL OR closed_on > $t)",
    ]
    params: dict[str, object] = {"type": pop.subject_type, "t": as_of}
    if pop.scales:
        where.append("list_contains($scales, scale)")
        params["scales"] = list(pop.scales)
    if pop.requires_kind:
        where.append(
            "EXISTS (SELECT 1 FROM records r WHERE r.subject_id = s.subject_id "
            "AND r.kind = $kind AND r.published_on <= $t "
            "AND (r.revoked_on IS NULL OR r.revoked_on > $t))"
        )
        params["kind"] = pop.requires_kind
    sql = (
        "SELECT subject_id FROM (SELECT * FROM subjects QUALIFY row_number() OVER "
        "(PARTITION BY subject_id ORDER BY recorded_at DESC) = 1) s WHERE " + " AND ".join(where)
    )
    return set(store.query(sql, params)["subject_id"])


def _inner(ind: Indicator) -> Records | None:
    src = ind.source
    if isinstance(src, Related):
        return src.inner
    return src if isinstance(src, Records) else None


# --- frames on the demo city -----------------------------------------------------------


@pytest.mark.parametrize("key", list(SCHEMES))
def test_one_row_per_population_subject(
    key: str, city: DuckDBStore, frames: dict[str, pd.DataFrame]
) -> None:
    fr, sch = frames[key], SCHEMES[key]
    expected = population_ids(city, sch.population, AS_OF)
    assert len(expected) > 0
    assert len(fr) == len(expected)
    assert set(fr["subject_id"]) == expected
    assert fr["subject_id"].is_unique
    assert fr["subject_id"].is_monotonic_increasing
    assert (fr["as_of"] == pd.Timestamp(AS_OF)).all()


def test_sme_population_is_a_subset_of_the_enterprises(frames: dict[str, pd.DataFrame]) -> None:
    sme, ent = set(frames["sme"]["subject_id"]), set(frames["enterprise"]["subject_id"])
    assert sme < ent
    scales = frames["enterprise"].set_index("subject_id").loc[sorted(sme), "scale"]
    assert set(scales) <= {"medium", "small", "micro"}


@pytest.mark.parametrize("key", list(SCHEMES))
def test_columns_and_dtypes(key: str, frames: dict[str, pd.DataFrame]) -> None:
    fr, sch = frames[key], SCHEMES[key]
    assert list(fr.columns) == ["subject_id", "as_of", *(i.name for i in sch.indicators)]
    for ind in sch.indicators:
        col = fr[ind.name]
        if ind.categorical:
            assert col.dtype == object, ind.name
            assert all(v is None or isinstance(v, str) for v in col), ind.name
        else:
            assert col.dtype == "float64", ind.name


@pytest.mark.parametrize("key", list(SCHEMES))
def test_values_are_plausible(key: str, frames: dict[str, pd.DataFrame]) -> None:
    fr, sch = frames[key], SCHEMES[key]
    for ind in sch.indicators:
        col = fr[ind.name]
        inner = _inner(ind)
        if (inner is not None and inner.agg in NONNEGATIVE_AGGS) or (
            isinstance(ind.source, Members) and ind.source.fn == "count"
        ):
            assert (col.dropna() >= 0).all(), ind.name
        if inner is not None and inner.agg in {"count", "weighted", "distinct_values"}:
            assert col.notna().all(), f"{ind.name}: a count is 0, never null"
        if isinstance(ind.source, Members) and ind.source.fn == "share":
            assert col.dropna().between(0, 1).all(), ind.name
    # the generated city gives every scheme something to see
    filled = [i.name for i in sch.indicators if fr[i.name].notna().any()]
    assert len(filled) >= 0.9 * len(sch.indicators), set(sch.indicators) - set(filled)
    numeric = [i.name for i in sch.indicators if not i.categorical]
    varying = [n for n in numeric if fr[n].nunique() > 1]
    assert len(varying) >= 0.7 * len(numeric)


def test_city_frames_have_events_and_listings(frames: dict[str, pd.DataFrame]) -> None:
    ent = frames["enterprise"]
    assert (ent["penalties_24m"] > 0).mean() > 0.01
    assert ent["tax_level"].isin(list("ABMCD")).mean() > 0.5
    assert (frames["household"]["loans_outstanding"] > 0).any()
    assert (frames["driver"]["points_12m"] > 0).any()
    assert frames["village"]["households"].sum() > 0


def test_villages_sum_to_their_households(frames: dict[str, pd.DataFrame]) -> None:
    assert frames["village"]["households"].sum() <= len(frames["household"])
    assert frames["township"]["households"].sum() <= len(frames["household"])


# --- declarations --------------------------------------------------------------------


SAMR = {"基础属性", "动态信息", "监管信息", "关联关系", "社会评价"}


@pytest.mark.parametrize(
    ("key", "minimum", "dimensions"),
    [
        ("enterprise", 30, SAMR),
        ("sme", 25, {"守信意愿", "守信能力", "守信表现"}),
        ("household", 15, None),
        ("driver", 12, None),
    ],
)
def test_indicator_catalogue_size(key: str, minimum: int, dimensions: set[str] | None) -> None:
    sch = get_scheme(key)
    assert len(sch.indicators) >= minimum
    used = {i.dimension for i in sch.indicators}
    assert used == set(sch.dimensions)
    if dimensions:
        assert used == dimensions


@pytest.mark.parametrize("key", list(SCHEMES))
def test_declarations_are_consistent(key: str) -> None:
    sch = SCHEMES[key]
    names = [i.name for i in sch.indicators]
    assert len(set(names)) == len(names)
    for pos, ind in enumerate(sch.indicators):
        assert re.fullmatch(r"[a-z][a-z0-9_]*", ind.name), ind.name
        assert ind.label_zh and ind.label_en
        assert ind.direction in (-1, 0, 1)
        if isinstance(ind.source, Derived):
            assert {ind.source.left, ind.source.right} <= set(names[:pos]), ind.name
        if isinstance(ind.source, Members):
            member = SCHEMES[sch.members[0]]
            for ref in (
                ind.source.of,
                ind.source.over,
                ind.source.where.indicator if ind.source.where else None,
            ):
                assert ref is None or ref in [i.name for i in member.indicators], ind.name
        if isinstance(ind.source, Attribute):
            assert ind.source.column in {
                "established_on",
                "registered_capital",
                "scale",
                "industry",
                "household_size",
                "labour_count",
                "land_mu",
                "assets_value",
                "annual_income",
                "licence_class",
            }
    if sch.target is not None:
        assert sch.target.horizon == 12
        assert sch.target.description_zh and sch.target.description_en


def test_a_derived_indicator_must_follow_its_inputs() -> None:
    count = Indicator("n", "次数", "count", "d", Records(Match(("administrative_penalty",))))
    ratio = Indicator("r", "比", "ratio", "d", Derived("ratio", "n", "m"))
    later = Indicator("m", "次数2", "count 2", "d", Records(Match(("tax_arrears",))))
    with pytest.raises(ValueError, match="declared before"):
        Scheme("x", "x", "x", Population("enterprise"), (count, ratio, later))
    Scheme("x", "x", "x", Population("enterprise"), (count, later, ratio))
    with pytest.raises(ValueError, match="duplicate"):
        Scheme("x", "x", "x", Population("enterprise"), (count, count))


@pytest.mark.parametrize("key", list(SCHEMES))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_reason_renders(key: str, lang: str, frames: dict[str, pd.DataFrame]) -> None:
    fr = frames[key]
    for ind in SCHEMES[key].indicators:
        template = ind.reason_zh if lang == "zh" else ind.reason_en
        assert "{window}" not in template or ind.window is not None, ind.name
        seen = fr[ind.name].dropna()
        samples = ["A"] if ind.categorical else [0.0, 3.0, 0.125, 123456.0]
        for val in [*samples, *seen.iloc[:1]]:
            text = ind.reason(val, lang)
            assert text and "{" not in text and "}" not in text, (ind.name, text)
            assert "近个月" not in text and "in  months" not in text, (ind.name, text)
    assert SCHEMES[key].indicators[0].reason(2.0, lang) != SCHEMES[key].indicators[0].reason(
        2.0, "en" if lang == "zh" else "zh"
    )


def test_reason_formats_numbers() -> None:
    ind = get_scheme("enterprise").indicator("penalties_24m")
    assert ind.reason(3.0) == "近24个月行政处罚3次"
    assert ind.reason(3.0, "en") == "3 administrative penalties in 24 months"
    assert get_scheme("enterprise").indicator("tax_paid_12m").reason(1234567.0) == (
        "近12个月纳税1,234,567元"
    )


# --- quarter ends ----------------------------------------------------------------------


def test_quarter_ends() -> None:
    d = dt.date
    assert quarter_ends("2025-01-01", "2025-12-31") == [
        d(2025, 3, 31),
        d(2025, 6, 30),
        d(2025, 9, 30),
        d(2025, 12, 31),
    ]
    assert quarter_ends(d(2025, 2, 15), d(2025, 9, 29)) == [d(2025, 3, 31), d(2025, 6, 30)]
    assert quarter_ends(d(2025, 3, 31), d(2025, 3, 31)) == [d(2025, 3, 31)]
    assert quarter_ends(d(2025, 4, 1), d(2025, 6, 29)) == []
    assert quarter_ends(d(2024, 11, 1), d(2025, 4, 1)) == [d(2024, 12, 31), d(2025, 3, 31)]
    assert len(quarter_ends("2021-01-01", "2025-12-31")) == 20


@pytest.mark.parametrize("key", list(SCHEMES))
def test_a_subset_build_gives_the_full_build_rows(key: str, city: DuckDBStore, frames) -> None:
    """Building a few subjects reads only their (and their related parties') rows
    and gives each exactly the row the full build gives it."""
    full = frames[key]
    rng = np.random.default_rng(3)
    ids = list(rng.choice(full["subject_id"].to_numpy(), size=min(12, len(full)), replace=False))
    ids.append("not-a-subject")
    sub = build_features(city, key, AS_OF, subjects=ids)
    expected = full[full["subject_id"].isin(ids)].reset_index(drop=True)
    pd.testing.assert_frame_equal(sub, expected)


@pytest.mark.parametrize("key", list(SCHEMES))
def test_a_subset_build_from_kept_subjects_gives_the_full_build_rows(
    key: str, keeping_city: DuckDBStore
) -> None:
    """With every subject kept in memory, a few subjects' slice takes their rows, the
    parties sharing a column with them (a legal representative's firms, a village's
    households) and those parties' rows from memory, not by statement: each subject gets
    exactly the row the full build gives it."""
    full = build_features(keeping_city, key, AS_OF)
    rng = np.random.default_rng(4)
    ids = list(rng.choice(full["subject_id"].to_numpy(), size=min(12, len(full)), replace=False))
    ids.append("not-a-subject")
    sub = build_features(keeping_city, key, AS_OF, subjects=ids)
    assert keeping_city.kept_rows().subjects is not None  # the path under test
    expected = full[full["subject_id"].isin(ids)].reset_index(drop=True)
    pd.testing.assert_frame_equal(sub, expected)


def test_clustering_keeps_every_row(tmp_path) -> None:
    store = DuckDBStore(tmp_path / "c.duckdb")
    store.create_schema()
    rows = pd.DataFrame(
        {
            "record_id": ["r3", "r1", "r2"],
            "subject_id": ["c", "a", "b"],
            "kind": "tax_paid",
            "domain": "tax",
            "polarity": "neutral",
            "event_date": pd.Timestamp("2024-01-01").date(),
            "published_on": pd.Timestamp("2024-01-02").date(),
            "source_dept": "tax",
        }
    )
    store.append("records", rows)
    store.cluster("records", "subject_id")
    after = store.query("SELECT record_id, subject_id FROM records")
    assert after["subject_id"].tolist() == ["a", "b", "c"]
    assert sorted(after["record_id"]) == ["r1", "r2", "r3"]
    with pytest.raises(KeyError):
        store.cluster("records", "nope")


def test_typed_features_sorts_rows_that_come_unsorted(city: DuckDBStore) -> None:
    """DuckDB hands the rows sorted (``ORDER BY subject_id``); rows in any other order
    (Spark's) are sorted here, so every engine gives the same frame."""
    rows = city.query(feature_sql("enterprise", AS_OF))
    sorted_rows = typed_features(
        city.query(feature_sql("enterprise", AS_OF) + " ORDER BY 1"), "enterprise"
    )
    shuffled = rows.sample(frac=1.0, random_state=3)
    assert not shuffled["subject_id"].is_monotonic_increasing
    pd.testing.assert_frame_equal(typed_features(shuffled, "enterprise"), sorted_rows)
    pd.testing.assert_frame_equal(build_features(city, "enterprise", AS_OF), sorted_rows)
