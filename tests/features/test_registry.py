"""The open registry of declarations (features/registry.py).

This is the ONE test that lists the shipped scheme keys; every other test reads
them from the registry.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from features import registry, schemes
from features.declaration_imports import check_imports
from features.records import kinds

ROOT = Path(__file__).resolve().parents[2]

DECLARATION = """
from features.dsl import Indicator, Match, Population, Records, Scheme, Target, UP

SCHEME = Scheme(
    key="{key}",
    label_zh="测试评价",
    label_en="Test rating",
    population=Population("enterprise"),
    indicators=(
        Indicator("penalties_12m", "近12个月处罚", "Penalties, 12 months", "监管",
                  Records(Match(("administrative_penalty",)), "count", window=12), UP),
    ),
    target=Target((Match(("administrative_penalty",)),), horizon=12,
                  description_zh="处罚", description_en="a penalty"),
)
"""


def write_scheme(top: Path, key: str, source: str | None = None) -> Path:
    folder = top / key
    folder.mkdir(parents=True)
    text = source if source is not None else DECLARATION.format(key=key)
    (folder / "declaration.py").write_text(textwrap.dedent(text), encoding="utf-8")
    (folder / "scale.toml").write_text("", encoding="utf-8")
    (folder / "spec.toml").write_text("", encoding="utf-8")
    return folder


def test_shipped_schemes() -> None:
    reg = registry.build()
    sectors = ("construction_credit", "travel_agency_credit")  # rated by their rule alone
    modelled = (
        "enterprise",
        "sme",
        "household",
        "agri_business",
        "driver",
        "practitioner",
        "social_org",
    )
    shipped = [*modelled, "village", "township", *sectors]
    assert list(reg.schemes()) == shipped
    assert reg.modelled() == modelled
    assert reg.rule_only() == sectors
    assert reg.rated() == reg.modelled() + sectors
    no_target = {"village", "township", *sectors}
    assert {k for k, s in reg.schemes().items() if s.target is None} == no_target
    entry = reg.entry("driver")
    assert entry.origin == "features.definitions.driver"
    assert entry.scale_path == ROOT / "models" / "scales" / "driver.toml"
    assert entry.spec_path == ROOT / "training" / "specs" / "driver.toml"
    assert entry.scale_path.is_file() and entry.spec_path.is_file()


def test_the_facade_serves_the_old_names_from_the_active_registry() -> None:
    assert registry.active().modelled() == schemes.MODELLED
    assert registry.active().schemes() == schemes.SCHEMES
    assert schemes.get_scheme("sme") is registry.active().get_scheme("sme")
    with pytest.raises(KeyError, match="unknown scheme 'nope'"):
        schemes.get_scheme("nope")


def test_using_a_folder_adds_a_scheme_and_restores_the_previous_registry(tmp_path: Path) -> None:
    before = registry.active()
    folder = write_scheme(tmp_path, "tour_test")
    (folder / "generator.toml").write_text("", encoding="utf-8")
    with registry.using([tmp_path]) as reg:
        assert registry.active() is reg
        assert "tour_test" in schemes.modelled()
        assert schemes.get_scheme("tour_test").label_zh == "测试评价"
        entry = reg.entry("tour_test")
        assert entry.origin == f"folder {folder}"
        assert entry.scale_path == folder / "scale.toml"
        assert entry.spec_path == folder / "spec.toml"
        assert entry.generator == folder / "generator.toml"
    assert registry.active() is before
    assert "tour_test" not in schemes.modelled()


def test_a_folder_scheme_scale_and_spec_are_its_own_files(tmp_path: Path) -> None:
    """``scale_file`` names a folder scheme's ``scale.toml`` (the readers of scales pass it to
    ``models.rating``) and ``None`` for a shipped scheme, read as package data."""
    from training.spec import spec_file

    folder = write_scheme(tmp_path, "tour_test")
    with registry.using([tmp_path]):
        assert registry.scale_file("tour_test") == folder / "scale.toml"
        assert spec_file("tour_test") == folder / "spec.toml"
        assert registry.scale_file("driver") is None
        assert spec_file("driver") == ROOT / "training" / "specs" / "driver.toml"
    assert registry.scale_file("tour_test") is None


def test_a_registry_with_folders_pickles_whole(tmp_path: Path) -> None:
    """The Spark job broadcasts the driver's registry to executors, which see no settings."""
    import pickle

    write_scheme(tmp_path, "tour_test")
    reg = registry.build([tmp_path])
    copy = pickle.loads(pickle.dumps(reg))
    assert copy.folders == reg.folders and list(copy.schemes()) == list(reg.schemes())
    assert copy.get_scheme("tour_test") == reg.get_scheme("tour_test")


def test_using_restores_the_registry_when_the_block_fails(tmp_path: Path) -> None:
    before = registry.active()
    write_scheme(tmp_path, "tour_test")
    with pytest.raises(RuntimeError), registry.using([tmp_path]):
        raise RuntimeError("boom")
    assert registry.active() is before


def test_duplicate_scheme_key_names_both_origins(tmp_path: Path) -> None:
    folder = write_scheme(tmp_path, "second", DECLARATION.format(key="sme"))
    with pytest.raises(registry.RegistryError) as err:
        registry.build([tmp_path])
    text = str(err.value)
    assert "duplicate scheme 'sme'" in text
    assert "features.definitions.sme" in text and str(folder) in text


def test_duplicate_record_kind_with_a_builtin_is_refused(tmp_path: Path) -> None:
    source = DECLARATION.format(key="tour_test") + textwrap.dedent(
        """
        from features.records.kinds import RecordKind, PARTY_PERSON
        KINDS = (RecordKind("loan", "贷款", "Loan", "finance", "neutral", PARTY_PERSON, "bank"),)
        """
    )
    folder = write_scheme(tmp_path, "tour_test", source)
    with pytest.raises(registry.RegistryError, match="duplicate record kind 'loan'") as err:
        registry.build([tmp_path])
    assert str(folder) in str(err.value)


def test_declared_kinds_join_the_catalogue_only_while_active(tmp_path: Path) -> None:
    source = DECLARATION.format(key="tour_test") + textwrap.dedent(
        """
        from features.records.kinds import RecordKind, PARTY_PERSON
        KINDS = (RecordKind("guide_complaint", "导游投诉", "Guide complaint", "supervision",
                            "negative", PARTY_PERSON, "samr"),)
        """
    )
    write_scheme(tmp_path, "tour_test", source)
    with registry.using([tmp_path]):
        assert kinds.kind("guide_complaint").label_zh == "导游投诉"
        assert "guide_complaint" in kinds.KINDS
    assert "guide_complaint" not in kinds.KINDS


def test_a_declaration_importing_the_platform_is_refused(tmp_path: Path) -> None:
    source = "from features.store.duckdb_store import DuckDBStore\n" + DECLARATION.format(
        key="tour_test"
    )
    folder = write_scheme(tmp_path, "tour_test", source)
    with pytest.raises(registry.RegistryError) as err:
        registry.build([tmp_path])
    text = str(err.value)
    assert str(folder) in text and "declaration.py:1" in text
    assert "features.store.duckdb_store" in text


@pytest.mark.parametrize(
    ("source", "refused"),
    [
        ("import os\nimport json\nfrom __future__ import annotations\n", None),
        ("from features.dsl import Scheme\nfrom features.records.ids import USCC\n", None),
        ("import pandas\n", "pandas"),
        ("import scoring.batch\n", "scoring.batch"),
        ("from features import schemes\n", "features.schemes"),
        ("from . import x\n", "relative import"),
        ("import importlib\n", "importlib"),
        ("__import__('scoring')\n", "__import__()"),
    ],
)
def test_check_imports(source: str, refused: str | None) -> None:
    problems = check_imports(source, "x/declaration.py")
    if refused is None:
        assert problems == []
    else:
        assert problems and refused in problems[0] and problems[0].startswith("x/declaration.py:1")


# --- nothing copies the registry into a module-level constant --------------------------

PACKAGES = ("features", "models", "training", "scoring", "app", "bench")
#: Names and calls whose value is the registry's: a module-level binding of one is a stale copy.
REGISTRY_NAMES = frozenset(
    {
        "SCHEMES",
        "MODELLED",
        "GRADE_SCHEMES",
        "PERSON_TYPES",
        "SUBJECT_TYPES",
        "KINDS",
        "DEPARTMENTS",
    }
)
REGISTRY_CALLS = frozenset(
    {
        "schemes",
        "modelled",
        "rated",
        "person_types",
        "subject_types",
        "subject_type_labels",
        "active",
        "all_kinds",
        "all_departments",
        "coded_columns",
    }
)


def module_level_copies(source: str, path: str) -> list[str]:
    """``path:line`` of every module-level assignment whose value reads the registry."""
    found = []
    for node in ast.parse(source).body:
        if not isinstance(node, ast.Assign | ast.AnnAssign) or node.value is None:
            continue
        for sub in ast.walk(node.value):
            name = None
            if isinstance(sub, ast.Name):
                name = sub.id
            elif isinstance(sub, ast.Attribute):
                name = sub.attr
            called = isinstance(sub, ast.Call) and (
                getattr(sub.func, "id", None) in REGISTRY_CALLS
                or getattr(sub.func, "attr", None) in REGISTRY_CALLS
            )
            if called or name in REGISTRY_NAMES or name in {f"_{n}" for n in REGISTRY_NAMES}:
                found.append(f"{path}:{node.lineno}")
                break
    return found


def test_the_copy_check_catches_copies() -> None:
    assert module_level_copies("from x import MODELLED\nA = MODELLED\n", "p") == ["p:2"]
    assert module_level_copies("B = tuple(SCHEMES)\n", "p") == ["p:1"]
    assert module_level_copies("C = {k: 1 for k in schemes.SCHEMES}\n", "p") == ["p:1"]
    assert module_level_copies("D = modelled()\n", "p") == ["p:1"]
    assert module_level_copies("E = tuple(sorted(_MODELLED))\n", "p") == ["p:1"]
    assert module_level_copies("def f():\n    return tuple(SCHEMES)\n", "p") == []
    assert module_level_copies('SUBJECT_TYPES = (SubjectType("x"),)\n', "p") == []
    assert module_level_copies('T = ("enterprise", "sme")\n', "p") == []


def test_no_module_copies_the_registry() -> None:
    found = []
    for package in PACKAGES:
        for file in sorted((ROOT / package).rglob("*.py")):
            rel = file.relative_to(ROOT)
            if "definitions" in rel.parts or any(p.startswith(".") for p in rel.parts):
                continue  # definitions modules ARE the declarations
            if rel.parts[:2] == ("app", "pages"):
                continue  # Streamlit page scripts run top to bottom on every rerun
            found += module_level_copies(file.read_text(encoding="utf-8"), str(rel))
    assert not found, "module-level copies of the registry (read it at call time):\n" + "\n".join(
        found
    )


OWN_LINK = """
from features.dsl import Indicator, Match, Population, Records, Related, Scheme, Target, UP
from features.links import Column, Link

LINKS = (Link("{link}", "所属旅行社", "Agency", Column("employer_id")),)

SCHEME = Scheme(
    key="{key}",
    label_zh="测试评价",
    label_en="Test rating",
    population=Population("enterprise"),
    indicators=(
        Indicator("agency_penalties_12m", "所属单位近12个月处罚", "Agency penalties", "关联",
                  Related("{used}", Records(Match(("administrative_penalty",)), "count", 12)),
                  UP),
    ),
    target=Target((Match(("administrative_penalty",)),), horizon=12,
                  description_zh="处罚", description_en="a penalty"),
)
"""


def test_a_folder_indicator_reads_a_link_its_own_declaration_declares(tmp_path: Path) -> None:
    from features.link_lookup import link

    write_scheme(
        tmp_path, "agency_test", OWN_LINK.format(key="agency_test", link="agency", used="agency")
    )
    with registry.using([tmp_path]):
        assert link("agency").via.col == "employer_id"
        ind = schemes.get_scheme("agency_test").indicators[0]
        assert ind.source.relation == "agency"


def test_a_folder_indicator_over_an_undeclared_link_names_scheme_and_indicator(
    tmp_path: Path,
) -> None:
    write_scheme(
        tmp_path, "agency_bad", OWN_LINK.format(key="agency_bad", link="agency", used="agencyy")
    )
    with pytest.raises(registry.RegistryError) as err:
        registry.build([tmp_path])
    text = str(err.value)
    assert "scheme agency_bad" in text and "agency_penalties_12m" in text
    assert "unknown relation 'agencyy'" in text and "agency" in text
