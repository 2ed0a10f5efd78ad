"""The declared demo-city generator: its file, its determinism, its identifiers
and links, the city hook, and realistic rates for the three shipped schemes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from features.records.ids import id_number_problem, uscc_problem
from features.records.schema import TABLES
from features.records.synthetic.city import _rng, generate_city
from features.records.synthetic.declared import DeclaredScheme, generate_declared, stream_of
from features.records.synthetic.declared_context import city_context
from features.records.synthetic.generator_spec import GeneratorSpecError, load_generator_spec
from features.records.synthetic.params import SCALES
from features.records.synthetic.population import (
    make_divisions,
    make_drivers,
    make_enterprises,
    make_households,
)
from features.records.windows import WindowPolicy, add_months
from features.store.duckdb_store import DuckDBStore

SCHEMES = Path(__file__).parents[3] / "features/records/synthetic/schemes"
# subject type's identifier rule as the registry will pass it: (kind, prefix)
IDENTIFIERS = {
    "practitioner": ("id_number", ""),
    "social_org": ("uscc", "5"),
    "agri_business": ("uscc", ("93", "92", "91")),
}
# the target as each scheme's declaration will define it (plan18 §4.1–4.3), on records
TARGETS = {
    "practitioner": lambda r: (
        ((r["kind"] == "conduct_violation") & r["severity"].isin(["general", "serious"]))
        | ((r["kind"] == "practice_licence") & r["value_text"].isin(["suspended", "revoked"]))
        | r["kind"].isin(["profession_blacklist", "dishonest_judgment_debtor"])
    ),
    "social_org": lambda r: (
        r["kind"].isin(
            ["activity_abnormal_list", "civil_serious_list", "dishonest_judgment_debtor"]
        )
        | ((r["kind"] == "administrative_penalty") & r["severity"].isin(["general", "serious"]))
    ),
    "agri_business": lambda r: (r["kind"] == "loan_overdue") & (r["value_num"] >= 90),
}
# Hashes of every generated table of the tiny city, seed 3, computed at the merge
# base 0eee77a (before the declared hook existed); ``subjects`` re-pinned at h18-b
# cf1018f (some firms' legal representatives become household heads or drivers, on
# purpose and on their own stream; the other tables kept their hashes), which main
# reproduces with the hook merged. Recompute only at a commit known
# to leave the built-in city unchanged (e.g. after a DuckDB upgrade changes casts).
BUILT_IN = {
    "subjects": "ec760b031445dd50dd89929463d15d7a",
    # the departments' data quality (issue 19, synthetic/quality.py) changes records (late
    # 双公示 publications, emptied fields, second pushes) and objections' outcomes only:
    # subjects, repairs and truth keep their digests from before it
    "records": "5924a3048b12a6ebaf0d2ce5fc535893",
    "objections": "cf7c6455a41c1e103351a75a88e95811",
    "repairs": "dfa9daf716722a4ad73fac3d3dd6188e",
    # floats to 12 significant digits since 2026-12-05, to 9 since 2026-12-06 (see
    # _digest and DIGITS): the exact digest 4ad1a1b4… held on a CPU with AVX-512 and not
    # on one without; the other tables' digests were the same before and after the rounding
    "synthetic_truth": "677749da6a34503d5f439569068f6022",
}
# rows of a declared scheme, left out to compare the built-in rows with BUILT_IN
DECLARED_ROWS = {
    "subjects": "subject_type = '{key}'",
    "records": "record_id LIKE 'X%'",
    "objections": "record_id LIKE 'X%'",
    "repairs": "record_id LIKE 'X%'",
    "synthetic_truth": "scheme = '{key}'",
}
MINIMAL = """
scheme = "test_assoc"
[sizes]
tiny = 50
small = 100
city = 200
[subject]
names = "organisation"
suffixes = { default = "协会" }
established = [2005-01-01, 2024-06-30]
[identifier]
kind = "uscc"
category = "51"
[latent]
mu_sd = 1.0
x_sd = 0.6
rho = 0.95
[links.legal_rep]
[links.village]
[events.listed]
per_year = 0.05
beta = 1.2
kind = "serious_violation_list"
severity = "serious"
valid_months = 36
[events.honour]
per_year = 0.05
beta = -1.0
kind = "honour"
[target]
events = ["listed"]
"""


def _context(scale: str, seed: int = 7):
    spec = SCALES[scale]
    rng = _rng(seed, "population")
    taken: set[str] = set()
    div = make_divisions(rng, spec)
    ent = make_enterprises(rng, spec, taken)
    hh = make_households(rng, spec, div, taken)
    drv = make_drivers(rng, spec, ent, taken)
    return city_context(div, ent, hh, drv, taken), ent


@pytest.fixture(scope="module")
def tiny():
    return _context("tiny")


def _generate(key: str, ctx, scale: str = "tiny", seed: int = 7):
    spec = load_generator_spec(SCHEMES / f"{key}.toml")
    return generate_declared(spec, key, *IDENTIFIERS[key], scale, seed, ctx)


#: significant digits a table's floats are compared to (12 unless named here)
DIGITS = {"synthetic_truth": 9}


def _digest(store: DuckDBStore, table: str, where: str = "TRUE") -> str:
    """MD5 of the table's rows (sorted), floats rounded to :data:`DIGITS` significant
    digits: numpy's transcendental functions take other SIMD paths on other CPUs (with
    or without AVX-512), which moves the last bits of a latent risk or a true PD, not a
    value. At 12 digits the truth's digest still differed between two AMD EPYC machines
    with AVX-512 (c4ae02e3… and 9bb03619…, every other table the same): a value that
    close to a rounding boundary flips it; 9 digits leave room for that noise."""
    types = store.query(f"DESCRIBE {table}").set_index("column_name")["column_type"]
    shift = DIGITS.get(table, 12) - 1
    cols = ", ".join(
        f"CASE WHEN {c} = 0 OR NOT isfinite({c}) THEN {c} "
        f"ELSE round({c}, {shift} - CAST(floor(log10(abs({c}))) AS INTEGER)) END AS {c}"
        if t in ("DOUBLE", "FLOAT")
        else c
        for c, t in types.items()
    )
    return store.scalar(
        f"SELECT md5(string_agg(CAST(x AS VARCHAR), chr(10) ORDER BY CAST(x AS VARCHAR))) "
        f"FROM (SELECT {cols} FROM {table} WHERE {where}) x"
    )


# --- the file --------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(IDENTIFIERS))
def test_shipped_files_load(key: str) -> None:
    spec = load_generator_spec(SCHEMES / f"{key}.toml")
    assert spec.scheme == key
    assert spec.size("tiny") < spec.size("small") < spec.size("city")
    assert spec.latent.spec().var > 0
    for name in spec.target.events:
        assert name in spec.events or (spec.loans and name == "loan_default")


def test_shipped_files_are_all_tested() -> None:
    # a sector of the city's own firms ([existing]) is tested in test_declared_sectors.py
    sectors = {p.stem for p in SCHEMES.glob("*.toml") if load_generator_spec(p).existing}
    assert {p.stem for p in SCHEMES.glob("*.toml")} - sectors == set(IDENTIFIERS)


@pytest.mark.parametrize(
    ("change", "key", "value", "expected"),
    [
        (("rho = 0.95", "rho = 1.5"), "latent.rho", "1.5", "less than 1"),
        (
            ("per_year = 0.05\nbeta = 1.2", "per_year = -1\nbeta = 1.2"),
            "events.listed.per_year",
            "-1",
            "greater than or equal to 0",
        ),
        (('severity = "serious"', 'severity = "grave"'), "events.listed", "", "grave"),
        (("tiny = 50", "tiny = 50\nhuge = 9"), "sizes.huge", "9", "Extra inputs"),
        (("[latent]\nmu_sd = 1.0", "[latent]"), "latent.mu_sd", "missing", "required"),
        (('events = ["listed"]', 'events = ["listing"]'), "", "", "'listing' is not declared"),
        (('category = "51"', 'category = "5"'), "identifier", "", "2 characters"),
    ],
)
def test_a_bad_file_names_file_key_and_value(
    tmp_path: Path, change: tuple[str, str], key: str, value: str, expected: str
) -> None:
    assert change[0] in MINIMAL
    path = tmp_path / "generator.toml"
    path.write_text(MINIMAL.replace(change[0], change[1]), encoding="utf-8")
    with pytest.raises(GeneratorSpecError) as err:
        load_generator_spec(path)
    message = str(err.value)
    assert str(path) in message and expected in message
    assert f"key {key!r}" in message if key else "key " in message
    assert value in message


def test_a_file_that_is_not_toml_or_missing(tmp_path: Path) -> None:
    path = tmp_path / "generator.toml"
    path.write_text("scheme = ", encoding="utf-8")
    with pytest.raises(GeneratorSpecError, match="not valid TOML"):
        load_generator_spec(path)
    with pytest.raises(GeneratorSpecError, match="no such generator file"):
        load_generator_spec(tmp_path / "absent.toml")


def test_an_unregistered_kind_must_be_described(tmp_path: Path, tiny) -> None:
    path = tmp_path / "generator.toml"
    path.write_text(MINIMAL.replace('"serious_violation_list"', '"new_list"'), encoding="utf-8")
    spec = load_generator_spec(path)  # the loader does not need the kind registered
    with pytest.raises(ValueError, match=r"events\.listed: kind 'new_list' is not registered"):
        generate_declared(spec, "test_assoc", "uscc", "5", "tiny", 7, tiny[0])
    described = MINIMAL.replace(
        '"serious_violation_list"',
        '"new_list"\npolarity = "negative"\ndomain = "supervision"\ndept = "civil_affairs"',
    )
    path.write_text(described, encoding="utf-8")
    out = generate_declared(
        load_generator_spec(path), "test_assoc", "uscc", "5", "tiny", 7, tiny[0]
    )
    listed = out.records.to_pandas().query("kind == 'new_list'")
    assert len(listed) > 0 and set(listed["polarity"]) == {"negative"}
    assert set(listed["source_dept"]) == {"civil_affairs"}


# --- generation --------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(IDENTIFIERS))
def test_generation_is_deterministic_per_seed(key: str, tiny) -> None:
    a, b, c = (_generate(key, tiny[0], seed=s) for s in (3, 3, 4))
    for name in ("subjects", "attributes", "links"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)
    for name in ("records", "truth", "objections", "repairs"):
        assert getattr(a, name).equals(getattr(b, name)), name
    assert not a.subjects["subject_id"].equals(c.subjects["subject_id"])
    assert len(a.records) > 0 and len(a.truth) > 0


def test_streams_come_from_the_key() -> None:
    # 1000 + int(sha1(key)[:6], 16) % 10**6: fixed, so a scheme's data never moves
    assert {k: stream_of(k) for k in IDENTIFIERS} == {
        "practitioner": 585321,
        "social_org": 751023,
        "agri_business": 400471,
    }


@pytest.mark.parametrize("key", sorted(IDENTIFIERS))
def test_identifiers_are_valid_prefixed_and_unique(key: str, tiny) -> None:
    ctx, _ = tiny
    out = _generate(key, ctx)
    ids = out.subjects["subject_id"]
    assert len(ids) == load_generator_spec(SCHEMES / f"{key}.toml").size("tiny")
    assert ids.is_unique
    assert not set(ids) & ctx.subject_ids  # never an existing subject
    kind, prefix = IDENTIFIERS[key]
    if kind == "uscc":
        assert all(uscc_problem(s) is None for s in ids)
        assert ids.str.startswith(prefix).all()
        assert not set(ids) & ctx.taken
    else:
        assert all(id_number_problem(s) is None for s in ids)
    for col in ("legal_rep_id",):
        if col in out.subjects:
            assert all(id_number_problem(p) is None for p in out.subjects[col])


def test_uscc_category_follows_the_attribute(tiny) -> None:
    for key, mapping in (
        ("social_org", {"social_group": "51", "private_non_enterprise": "52", "foundation": "53"}),
        ("agri_business", {"coop": "93", "family_farm": "92"}),
    ):
        out = _generate(key, tiny[0])
        form = out.attributes.query("name in ('org_form', 'agri_form')")
        got = dict(zip(form["subject_id"], form["value_text"], strict=True))
        assert all(s[:2] == mapping[got[s]] for s in out.subjects["subject_id"]), key


def test_identifier_and_prefix_are_checked(tiny) -> None:
    spec = load_generator_spec(SCHEMES / "social_org.toml")
    with pytest.raises(ValueError, match="identifier is 'id_number'"):
        generate_declared(spec, "social_org", "id_number", "", "tiny", 7, tiny[0])
    with pytest.raises(ValueError, match="does not begin with '93'"):
        generate_declared(spec, "social_org", "uscc", "93", "tiny", 7, tiny[0])


def test_practitioners_links_and_attributes(tiny) -> None:
    ctx, ent = tiny
    out = _generate("practitioner", ctx, scale="small")
    prof = out.attributes.query("name == 'profession'").set_index("subject_id")["value_text"]
    assert prof.index.is_unique and len(prof) == len(out.subjects)
    share = prof.value_counts(normalize=True)
    assert abs(share["teacher"] - 0.25) < 0.03 and abs(share["lawyer"] - 0.05) < 0.015
    industry = dict(zip(ent.frame["subject_id"], ent.industry, strict=True))
    emp = out.subjects.dropna(subset=["employer_id"])
    assert 0.8 < len(emp) / len(out.subjects) < 0.9
    guides = emp[emp["subject_id"].map(prof) == "tour_guide"]
    assert len(guides) > 0 and {industry[e] for e in guides["employer_id"]} == {"L"}
    # 5 % are people who already represent a firm (their firms' records reach them later)
    reps = set(ctx.legal_reps)
    assert 0.03 < out.subjects["subject_id"].isin(reps).mean() < 0.07


def test_cooperatives_have_member_households_of_their_village(tiny) -> None:
    ctx, _ = tiny
    out = _generate("agri_business", ctx)
    links = out.links
    assert set(links["relation"]) == {"coop_member"}
    assert set(links["role"]) == {"member", "board"}
    form = out.attributes.query("name == 'agri_form'").set_index("subject_id")["value_text"]
    assert set(links["subject_id"].map(form)) == {"coop"}
    village = dict(zip(ctx.households["subject_id"], ctx.households["village_code"], strict=True))
    own = out.subjects.set_index("subject_id")["village_code"]
    assert (links["party_id"].map(village) == links["subject_id"].map(own)).all()
    assert not links.duplicated(["subject_id", "party_id"]).any()
    subjects = out.subjects
    assert (subjects["village_code"].str[:9] == subjects["township_code"]).all()
    # most are run by a household head of their own village
    head_village = subjects["legal_rep_id"].map(village)
    assert 0.7 < (head_village == subjects["village_code"]).mean() < 0.9
    assert all(id_number_problem(p) is None for p in subjects["legal_rep_id"])
    assert (subjects["village_code"].str[:6] == subjects["region_code"]).all()


def test_some_social_organisations_are_run_by_a_practitioner_of_the_city(tiny) -> None:
    """A 民办非企业单位 run by a teacher or a doctor: the social organisation's serious
    records then reach a practitioner (seed 002 #12); without persons the draw is as before."""
    ctx, _ = tiny
    people = _generate("practitioner", ctx).subjects["subject_id"].to_numpy(dtype=object)
    alone = _generate("social_org", ctx).subjects
    assert not alone["legal_rep_id"].isin(people).any()
    out = _generate("social_org", replace(ctx, persons=people)).subjects
    share = out["legal_rep_id"].isin(people).mean()
    assert 0.04 < share < 0.13  # persons = 0.08 of 300
    assert all(id_number_problem(p) is None for p in out["legal_rep_id"])


def test_records_are_consistent(tiny) -> None:
    for key in IDENTIFIERS:
        r = _generate(key, tiny[0]).records.to_pandas()
        assert r["record_id"].is_unique and r["record_id"].str.startswith("X").all()
        assert (r["published_on"] >= r["event_date"]).all()
        assert (r["published_on"] <= pd.Timestamp("2026-10-31").date()).all()
        assert r["severity"].dropna().isin(["minor", "general", "serious"]).all()
        assert r["polarity"].isin(["negative", "positive", "neutral"]).all()


def test_seasons_rates_by_attribute_and_windows_take_effect(tiny) -> None:
    ctx, _ = tiny
    r = _generate("social_org", ctx, scale="small").records.to_pandas()
    # not filing the annual report shows in June (peak 12 against 1 for other months)
    nf = r[(r["kind"] == "annual_inspection") & (r["value_text"] == "not_filed")]
    assert pd.to_datetime(nf["event_date"]).dt.month.value_counts(normalize=True)[6] > 0.4
    # a penalty is published for its tier's window (decided on the event day)
    windows = WindowPolicy()
    pen = r[r["kind"] == "administrative_penalty"].head(200)
    assert len(pen) > 50
    for sev, decided, until in pen[["severity", "decided_on", "valid_until"]].itertuples(
        index=False
    ):
        months = windows.max_months("administrative_penalty", sev, decided)
        expected = add_months(np.array([decided], dtype="datetime64[D]"), months)[0]
        assert np.datetime64(until) == expected
    # guides draw three times the complaints (rate_by); yearly records reach most subjects
    out = _generate("practitioner", ctx, scale="small")
    rec = out.records.to_pandas()
    prof = out.attributes.query("name == 'profession'").set_index("subject_id")["value_text"]
    per_head = (
        rec.loc[rec["kind"] == "service_complaint", "subject_id"].map(prof).value_counts()
        / prof.value_counts()
    )
    assert per_head["tour_guide"] > 2.5 * per_head["teacher"]
    ce = rec[(rec["kind"] == "continuing_education") & (rec["value_text"] == "completed")]
    assert set(pd.to_datetime(ce["event_date"]).dt.month) == {12}
    assert 0.7 < ce["subject_id"].nunique() / len(prof) <= 1.0


# --- the city hook -------------------------------------------------------------


def test_without_declared_schemes_the_city_is_unchanged(tmp_path: Path) -> None:
    with DuckDBStore(tmp_path / "c.duckdb", threads=2) as store:
        generate_city(store, scale="tiny", seed=3, declared=())
        assert {t: _digest(store, t) for t in BUILT_IN} == BUILT_IN


def test_a_declared_scheme_adds_rows_and_changes_none(tmp_path: Path) -> None:
    path = tmp_path / "generator.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    spec = load_generator_spec(path)
    item = DeclaredScheme("test_assoc", spec, "test_assoc", "uscc", "5")
    with DuckDBStore(tmp_path / "c.duckdb", threads=2) as store:
        result = generate_city(store, scale="tiny", seed=3, declared=(item,))
        kept = {
            t: _digest(store, t, f"NOT ({DECLARED_ROWS[t].format(key='test_assoc')})")
            for t in BUILT_IN
        }
        assert kept == BUILT_IN
        subjects = store.query("SELECT * FROM subjects")
        assert subjects["subject_id"].is_unique
        ours = subjects[subjects["subject_type"] == "test_assoc"]
        assert len(ours) == 50 and ours["subject_id"].str.startswith("51").all()
        assert all(id_number_problem(p) is None for p in ours["legal_rep_id"])
        assert not set(ours["legal_rep_id"]) & set(subjects["subject_id"])
        assert (ours["village_code"].str[:9] == ours["township_code"]).all()
        assert set(ours["village_code"]) <= set(subjects["village_code"].dropna())
        assert ours["established_on"].notna().all()
        assert (ours["recorded_at"] >= pd.Timestamp("2021-01-01")).all()
        assert store.scalar("SELECT count(*) FROM records WHERE record_id LIKE 'X%'") > 0
        assert "test_assoc" in result.truth


def test_the_hook_names_a_missing_table(tmp_path: Path) -> None:
    spec = load_generator_spec(SCHEMES / "practitioner.toml")
    item = DeclaredScheme("practitioner", spec, "practitioner", "id_number", "")
    with DuckDBStore(tmp_path / "c.duckdb", threads=2) as store:
        if "subject_attributes" in TABLES:  # once the registry adds the table
            generate_city(store, scale="tiny", seed=3, declared=(item,))
            assert store.count("subject_attributes") == 600
        else:
            with pytest.raises(ValueError, match="no table 'subject_attributes'"):
                generate_city(store, scale="tiny", seed=3, declared=(item,))
            assert store.count("subjects") == 0  # refused before anything is written


# --- realism (DESIGN.md §4, plan18 §4) ----------------------------------------

AS_OF = ("2023-09-30", "2024-09-30", "2025-09-30")  # fully observed years


@pytest.fixture(scope="module")
def small():
    return _context("small")[0]


@pytest.mark.parametrize(
    ("key", "low", "high"),
    [("practitioner", 0.01, 0.04), ("social_org", 0.03, 0.08), ("agri_business", 0.02, 0.06)],
)
def test_base_rates_and_oracle(small, key: str, low: float, high: float) -> None:
    out = _generate(key, small, scale="small")
    r = out.records.to_pandas()
    day = pd.to_datetime(r["decided_on"].fillna(r["event_date"]))
    truth = out.truth.to_pandas()
    frames = []
    for as_of in AS_OF:
        t = pd.Timestamp(as_of)
        pop = truth[truth["as_of"] == t.date()]
        hit = r.loc[TARGETS[key](r) & (day > t) & (day <= t + pd.DateOffset(months=12))]
        frames.append(pop.assign(y=pop["subject_id"].isin(set(hit["subject_id"]))))
    frame = pd.concat(frames)
    rate, mean_pd = frame["y"].mean(), frame["pd_true"].mean()
    assert low <= rate <= high, f"{key} observed target rate {rate:.3%} a year"
    assert low <= mean_pd <= high, f"{key} mean true PD {mean_pd:.3%}"
    auc = roc_auc_score(frame["y"], frame["pd_true"])
    assert 0.72 <= auc <= 0.92, f"{key} oracle AUC {auc:.3f}"
    assert abs(mean_pd - rate) < 0.35 * rate + 0.005
    assert np.isfinite(out.mu).all()
