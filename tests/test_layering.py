"""DESIGN.md §3: imports go one way, ``features ← models ← {training, scoring} ← app``.

* ``features`` and ``models`` import no other project package;
* ``training`` and ``scoring`` may import ``features`` and ``models``, never each other;
* ``app`` may import everything;
* only modules under ``features/store/`` import ``duckdb`` or ``pyspark`` (§4);
* only ``app`` reads environment variables (``os.environ``, ``os.getenv``).

The checker parses every module with :mod:`ast` (nothing is imported) and
reports ``file:line: problem`` for each violation.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("features", "models", "training", "scoring", "app")
MAY_IMPORT: dict[str, frozenset[str]] = {
    "features": frozenset(),
    "models": frozenset(),
    "training": frozenset({"features", "models"}),
    "scoring": frozenset({"features", "models"}),
    "app": frozenset({"features", "models", "training", "scoring"}),
}
ENGINES = frozenset({"duckdb", "pyspark"})
ENGINE_HOME = "features.store"
ENV_READERS = frozenset({"environ", "environb", "getenv", "getenvb"})
DYNAMIC_IMPORTERS = frozenset({"import_module", "__import__"})


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    problem: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.problem}"


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """Absolute name of what an ``ImportFrom`` imports from."""
    if node.level == 0:
        return node.module or ""
    parts = module.split(".")
    base = parts if is_package else parts[:-1]
    if node.level - 1 > len(base) - 1:
        return "<beyond top-level package>"
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _imported_modules(tree: ast.AST, module: str, is_package: bool):
    """Yield ``(line, absolute module name)`` for every import in ``tree``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(module, is_package, node)
            yield node.lineno, source
            if node.module is None:  # ``from . import x``: x is a module too
                for alias in node.names:
                    yield node.lineno, f"{source}.{alias.name}"
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if (
                name in DYNAMIC_IMPORTERS
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                yield node.lineno, node.args[0].value


def _env_reads(tree: ast.AST):
    """Yield ``(line, what)`` for every read of the environment through :mod:`os`."""
    os_names = {"os"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            os_names |= {a.asname or a.name for a in node.names if a.name == "os"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "os" and node.level == 0:
            for alias in node.names:
                if alias.name in ENV_READERS:
                    yield node.lineno, f"from os import {alias.name}"
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in ENV_READERS
            and isinstance(node.value, ast.Name)
            and node.value.id in os_names
        ):
            yield node.lineno, f"{node.value.id}.{node.attr}"


def check_source(source: str, module: str, path: str, is_package: bool = False) -> list[Violation]:
    """Layering violations of one module's source.

    Parameters
    ----------
    source
        Python source text.
    module
        Dotted module name, e.g. ``features.records.ids`` (``features.records``
        for ``features/records/__init__.py`` with ``is_package=True``).
    path
        Shown in the report.
    """
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as exc:
        return [Violation(path, exc.lineno or 0, f"cannot parse: {exc.msg}")]
    layer = module.split(".")[0]
    allowed = MAY_IMPORT[layer]
    in_store = module == ENGINE_HOME or module.startswith(ENGINE_HOME + ".")
    found: list[Violation] = []
    for line, target in _imported_modules(tree, module, is_package):
        top = target.split(".")[0]
        if top in PACKAGES and top != layer and top not in allowed:
            rule = (
                f"{layer} may import only {', '.join(sorted(allowed))}"
                if allowed
                else f"{layer} imports no other project package"
            )
            found.append(Violation(path, line, f"{layer} imports {target} ({rule})"))
        elif top in ENGINES and not in_store:
            found.append(
                Violation(path, line, f"imports {target}: only features/store/ may use {top}")
            )
        elif target == "<beyond top-level package>":
            found.append(Violation(path, line, "relative import beyond the top-level package"))
    if layer != "app":
        for line, what in _env_reads(tree):
            found.append(
                Violation(path, line, f"reads the environment ({what}): only app/ may do that")
            )
    return sorted(found, key=lambda v: (v.path, v.line, v.problem))


def project_modules() -> list[tuple[Path, str, bool]]:
    """``(file, dotted module name, is_package)`` of every module of the five packages."""
    out = []
    for package in PACKAGES:
        for file in sorted((ROOT / package).rglob("*.py")):
            rel = file.relative_to(ROOT)
            if any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
                continue
            is_package = file.name == "__init__.py"
            parts = rel.parent.parts if is_package else (*rel.parent.parts, file.stem)
            out.append((file, ".".join(parts), is_package))
    return out


def check_project() -> list[Violation]:
    found: list[Violation] = []
    for file, module, is_package in project_modules():
        source = file.read_text(encoding="utf-8")
        found += check_source(source, module, str(file.relative_to(ROOT)), is_package)
    return found


# --- the project ------------------------------------------------------------


def test_all_packages_are_scanned() -> None:
    modules = [m for _, m, _ in project_modules()]
    for package in PACKAGES:
        assert package in modules, f"{package}/__init__.py not found under {ROOT}"
    assert "features.store.duckdb_store" in modules
    assert "app.settings" in modules


def test_project_respects_the_layers() -> None:
    violations = check_project()
    assert not violations, "layering violations (DESIGN.md §3):\n" + "\n".join(map(str, violations))


# --- the checker catches planted violations ------------------------------------


def _problems(source: str, module: str, is_package: bool = False) -> list[str]:
    return [str(v) for v in check_source(source, module, "planted.py", is_package)]


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("features.dsl", "import models.rating\n"),
        ("features.records.ids", "from scoring.batch import score\n"),
        ("features.build", "from app.settings import settings\n"),
        ("features.build", "from training import run\n"),
        ("models.rating", "from features.records import schema\n"),
        ("models.rating", "import app\n"),
        ("training.run", "from scoring.loader import load\n"),
        ("scoring.batch", "import training.tracking as t\n"),
        ("scoring.policies.lending", "from training.spec import Spec\n"),
        ("scoring.batch", "def f():\n    from app.cli import cli\n    return cli\n"),
        ("features.dsl", "import importlib\nm = importlib.import_module('models.gbm')\n"),
        ("models.gbm", "mod = __import__('features.build')\n"),
    ],
)
def test_checker_catches_wrong_direction(module: str, source: str) -> None:
    problems = _problems(source, module)
    assert len(problems) == 1, problems
    assert problems[0].startswith("planted.py:")
    assert f" {module.split('.')[0]} imports " in problems[0]


def test_checker_reports_the_line() -> None:
    source = '"""doc"""\n\nimport numpy as np\n\n\nfrom models import rating\n'
    (violation,) = check_source(source, "features.build", "features/build.py")
    assert (violation.path, violation.line) == ("features/build.py", 6)
    assert str(violation).startswith("features/build.py:6: features imports models")


def test_checker_resolves_relative_imports() -> None:
    # features/records/x.py: ``from ...models import y`` climbs out of features.
    problems = _problems("from ...models import rating\n", "features.records.x")
    assert problems == ["planted.py:1: relative import beyond the top-level package"]
    # scoring/policies/__init__.py: ``from ..training`` is scoring.training (fine) …
    assert _problems("from ..training import spec\n", "scoring.policies", is_package=True) == []
    # … one more level is not.
    problems = _problems("from ...training import spec\n", "scoring.policies", is_package=True)
    assert problems == ["planted.py:1: relative import beyond the top-level package"]
    # Relative imports inside one package are fine.
    assert _problems("from . import schema\nfrom ..store import base\n", "features.records.x") == []


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("features.build", "import duckdb\n"),
        ("features.records.ingest", "import duckdb as db\n"),
        ("scoring.batch", "from pyspark.sql import SparkSession\n"),
        ("app.cli", "import duckdb\n"),
        ("models.gbm", "import pyspark.sql.functions as F\n"),
        ("features.storage", "import duckdb\n"),  # not features.store
    ],
)
def test_checker_catches_engines_outside_the_store(module: str, source: str) -> None:
    problems = _problems(source, module)
    assert len(problems) == 1 and "only features/store/" in problems[0], problems


def test_store_may_use_engines() -> None:
    source = "import duckdb\nfrom pyspark.sql import SparkSession\n"
    assert _problems(source, "features.store.duckdb_store") == []
    assert _problems(source, "features.store.spark_store") == []
    assert _problems(source, "features.store", is_package=True) == []


@pytest.mark.parametrize(
    "source",
    [
        "import os\npath = os.environ['XINPING_STORE']\n",
        "import os\npath = os.environ.get('XINPING_STORE')\n",
        "import os\npath = os.getenv('XINPING_STORE', 'x')\n",
        "import os as o\npath = o.getenv('XINPING_STORE')\n",
        "from os import environ\n",
        "from os import getenv as ge\n",
    ],
)
def test_checker_catches_environment_reads_outside_app(source: str) -> None:
    for module in ("features.records.ingest", "models.pyfunc", "training.run", "scoring.batch"):
        problems = _problems(source, module)
        assert len(problems) == 1 and "reads the environment" in problems[0], (module, problems)
    assert _problems(source, "app.settings") == []


def test_checker_allows_the_legal_directions() -> None:
    assert _problems("import numpy\nimport pandas as pd\nfrom os import path\n", "models.x") == []
    assert _problems("import os\np = os.path.join('a', 'b')\n", "features.x") == []
    assert _problems("from features.dsl import x\nimport models.gbm\n", "training.run") == []
    assert _problems("from features.dsl import x\nfrom models import gbm\n", "scoring.b") == []
    source = "import training.run\nimport scoring.batch\nimport features\nimport models\n"
    assert _problems(source, "app.cli") == []
    assert _problems("from features.records import ids\n", "features.build") == []


def test_checker_reports_unparsable_files() -> None:
    problems = _problems("def broken(:\n", "features.x")
    assert len(problems) == 1 and "cannot parse" in problems[0]


# --- no import cycle ---------------------------------------------------------------


def module_imports(source: str, module: str, is_package: bool, known: set[str]) -> set[str]:
    """The project modules ``module`` imports (at any depth: module level or in a function).

    ``from a import b`` is an import of module ``a.b`` when that is a module, else of ``a``.
    """
    tree = ast.parse(source)
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            source_module = _resolve(module, is_package, node)
            targets = [
                f"{source_module}.{a.name}"
                if f"{source_module}.{a.name}" in known
                else source_module
                for a in node.names
            ]
        else:
            continue
        for target in targets:
            parts = target.split(".")
            # the longest known prefix: ``import a.b.c`` where c is a class is a.b
            found = next(
                (
                    ".".join(parts[:i])
                    for i in range(len(parts), 0, -1)
                    if ".".join(parts[:i]) in known
                ),
                None,
            )
            if found is not None and found != module:
                out.add(found)
    return out


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (each an import cycle),
    by Tarjan's algorithm, iteratively; every module and its cycle partners sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return sorted(cycles)


def project_import_graph() -> dict[str, set[str]]:
    """Module → the project modules it imports, for every module of the five packages."""
    modules = project_modules()
    known = {m for _, m, _ in modules}
    return {m: module_imports(f.read_text(encoding="utf-8"), m, p, known) for f, m, p in modules}


def test_no_import_cycle_in_the_project() -> None:
    # e.g. app.cli importing the command modules that import app.cli back
    cycles = import_cycles(project_import_graph())
    assert not cycles, "import cycles:\n" + "\n".join(" ↔ ".join(c) for c in cycles)


def test_cli_command_modules_import_the_root_not_the_entry() -> None:
    graph = project_import_graph()
    commands = [m for m in graph if m.startswith("app.") and m.endswith("_cli")]
    assert len(commands) >= 6
    for module in commands:
        assert "app.cli" not in graph[module], module
        assert "app.cli_root" in graph[module], module
    assert set(commands) <= graph["app.cli"]  # the entry registers every one


def test_cycle_checker_finds_a_planted_cycle() -> None:
    known = {"app", "app.cli", "app.scoring_cli", "app.cli_root", "scoring.x"}
    sources = {
        "app.cli": "from app import scoring_cli\n",
        # the old circle: the command module imports the entry back, inside a function
        "app.scoring_cli": "def f():\n    from app.cli import cli\n    return cli\n",
        "app.cli_root": "import typer\n",
        "scoring.x": "import pandas\n",
        "app": "",
    }
    graph = {m: module_imports(s, m, m == "app", known) for m, s in sources.items()}
    assert graph["app.cli"] == {"app.scoring_cli"} and graph["app.scoring_cli"] == {"app.cli"}
    assert import_cycles(graph) == [["app.cli", "app.scoring_cli"]]
    sources["app.scoring_cli"] = "from app.cli_root import cli\n"
    graph = {m: module_imports(s, m, m == "app", known) for m, s in sources.items()}
    assert import_cycles(graph) == []
    # a longer circle and a self-contained one beside it
    three = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"e"}, "e": {"d"}, "f": set()}
    assert import_cycles(three) == [["a", "b", "c"], ["d", "e"]]
