"""What a scheme folder's ``declaration.py`` may import (checked before it is loaded).

A declaration is data: it may import ``__future__``, the standard library and
the declaration modules of :data:`DECLARATION_IMPORTS`, nothing that reaches
into the platform (stores, scoring, the app). The check reads the source with
:mod:`ast`; nothing is imported. It is a guard against mistakes, not a sandbox:
a folder named in settings is trusted code.
"""

from __future__ import annotations

import ast
import sys

#: What a declaration may import besides ``__future__`` and the standard library.
DECLARATION_IMPORTS: frozenset[str] = frozenset(
    {
        "features.dsl",
        "features.declare",
        "features.links",
        "features.rules",
        "features.records.kinds",
        "features.records.ids",
    }
)


def _allowed(module: str) -> bool:
    if module == "__future__" or module in DECLARATION_IMPORTS:
        return True
    top = module.split(".")[0]
    return top in sys.stdlib_module_names


def check_imports(source: str, where: str = "declaration.py") -> list[str]:
    """Imports a declaration may not make, as ``where:line: message`` texts (empty when fine).

    A declaration may import ``__future__``, the standard library and
    :data:`DECLARATION_IMPORTS`; relative imports and ``importlib`` /
    ``__import__`` calls are refused (a declaration is data, not code that
    reaches into the platform).
    """
    try:
        tree = ast.parse(source, filename=where)
    except SyntaxError as exc:
        return [f"{where}:{exc.lineno or 0}: cannot parse: {exc.msg}"]
    found: list[str] = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                found.append(f"{where}:{node.lineno}: relative import is not allowed")
                continue
            base = node.module or ""
            names = [base]
            # ``from features import schemes`` imports the module features.schemes
            if base in ("features", "features.records"):
                names = [f"{base}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("import_module", "__import__", "exec", "eval"):
                found.append(f"{where}:{node.lineno}: {called}() is not allowed")
            continue
        for name in names:
            if name.split(".")[0] == "importlib" or not _allowed(name):
                allowed = ", ".join(sorted(DECLARATION_IMPORTS))
                found.append(
                    f"{where}:{node.lineno}: imports {name}; a declaration may import only "
                    f"__future__, the standard library and {allowed}"
                )
    return found
