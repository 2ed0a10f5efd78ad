"""The industry filter of a population (GB/T 4754 prefixes) on every engine.

The sector evaluations rate the firms of one industry holding the sector's
licence (construction: section E and a 建筑业企业资质; travel agencies: section L
and a 旅行社业务经营许可). Their populations, built by the compiled SQL, by the
in-process evaluation (a one-subject rating) and through a one-subject slice of
the store, are the set worked out here straight from the tables; the Spark build
is compared in tests/features/test_engine_parity.py (every scheme).
"""

from __future__ import annotations

import datetime as dt

import pytest

from features.build import build_features
from features.dsl import Population, Scheme
from features.evaluate import evaluate
from features.schemes import get_scheme

AS_OF = dt.date(2025, 9, 30)
SECTORS = {
    "construction_credit": ("E", "construction_qualification"),
    "travel_agency_credit": ("L", "travel_agency_licence"),
}


def _expected(store, section: str, licence: str) -> set[str]:
    """Open enterprises of ``section`` registered by T holding ``licence`` at T."""
    rows = store.query(
        """
        WITH cur AS (
          SELECT * FROM subjects QUALIFY row_number() OVER (
            PARTITION BY subject_id ORDER BY recorded_at DESC, ingest_id DESC) = 1)
        SELECT subject_id FROM cur
        WHERE subject_type = 'enterprise' AND industry = ?
          AND (established_on IS NULL OR established_on <= ?)
          AND (closed_on IS NULL OR closed_on > ?)
          AND subject_id IN (SELECT subject_id FROM records WHERE kind = ?
                             AND published_on <= ? AND (revoked_on IS NULL OR revoked_on > ?))
        """,
        [section, AS_OF, AS_OF, licence, AS_OF, AS_OF],
    )
    return set(rows["subject_id"])


@pytest.fixture(scope="module")
def tables(tiny_city):
    return {
        t: tiny_city.query_arrow(f"SELECT * FROM {t}")
        for t in ("subjects", "records", "objections", "repairs")
    }


@pytest.mark.parametrize("key", sorted(SECTORS))
def test_sector_population_on_sql_and_in_process(key: str, tiny_city, tables) -> None:
    section, licence = SECTORS[key]
    expected = _expected(tiny_city, section, licence)
    assert len(expected) >= 10  # the demo city has the sector's firms
    sql = build_features(tiny_city, key, AS_OF)
    assert set(sql["subject_id"]) == expected
    # firms of other sections are left out however many licences they hold
    ids = list(tiny_city.query("SELECT DISTINCT subject_id FROM subjects")["subject_id"])
    got = evaluate(get_scheme(key), tables, AS_OF, ids)
    assert set(got["subject_id"]) == expected
    # a one-subject rating builds from the subject's slice of the store
    one = sorted(expected)[0]
    other = tiny_city.scalar(
        "SELECT subject_id FROM subjects WHERE subject_type = 'enterprise' AND industry <> ? "
        "ORDER BY subject_id LIMIT 1",
        [section],
    )
    single = build_features(tiny_city, key, AS_OF, subjects=[one, other])
    assert list(single["subject_id"]) == [one]


def test_industry_codes_are_prefixes(tiny_city, tables) -> None:
    base = get_scheme("enterprise")
    industry = dict(
        tiny_city.query("SELECT DISTINCT subject_id, industry FROM subjects").itertuples(
            index=False
        )
    )

    def probe(*codes: str) -> Scheme:
        pop = Population("enterprise", industries=codes)
        return Scheme("industry_probe", "行业", "Industry", pop, base.indicators[:1])

    def pop(*codes: str) -> set[str]:
        return set(build_features(tiny_city, probe(*codes), AS_OF)["subject_id"])

    everyone = pop()
    both = pop("E", "L")
    assert both == {s for s in everyone if industry[s] in ("E", "L")}
    assert both == pop("E") | pop("L") and pop("E") and pop("L")
    # in process: the same subjects
    assert set(evaluate(probe("E", "L"), tables, AS_OF, sorted(everyone))["subject_id"]) == both
    # the city files section letters only: a class code (E4710) matches none of them
    assert pop("E47") == set()


@pytest.mark.parametrize("bad", [("e",), ("EE",), ("E12345",), ("",), "E"])
def test_bad_industry_codes_are_refused(bad) -> None:
    with pytest.raises(ValueError, match="GB/T 4754"):
        Population("enterprise", industries=bad)


def test_in_industries() -> None:
    pop = Population("enterprise", industries=("E", "L7291"))
    assert pop.in_industries("E") and pop.in_industries("E4710") and pop.in_industries("L7291")
    assert not pop.in_industries("L") and not pop.in_industries(None)
    assert Population("enterprise").in_industries(None)
