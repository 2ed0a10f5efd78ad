"""The open registry of declarations: schemes, subject types, links, flags, record kinds.

Declarations come from two places (DESIGN.md §3 "Schemes as folders"):

* **shipped**: every module of :mod:`features.definitions`, found with
  :func:`pkgutil.iter_modules` (no literal list), whose scale and training spec
  live in ``models/scales/<key>.toml`` and ``training/specs/<key>.toml``;
* **folders**: each subfolder ``<folder>/<key>/`` holding a ``declaration.py``
  is one scheme folder, with its ``scale.toml``, ``spec.toml`` and optional
  ``generator.toml`` beside it. Which folders is configuration, read by ``app/``
  and passed to :func:`build`.

A declaration module is plain data. The registry gathers these module-level
names when present: ``SCHEME`` (one :class:`~features.dsl.Scheme`) or
``SCHEMES`` (a tuple), ``SUBJECT_TYPES``, ``LINKS``, ``FLAGS``, ``KINDS``,
``DEPARTMENTS`` (tuples) and ``ORDER`` (an int placing its schemes in lists;
default 1000; ties keep module and tuple order). An external ``declaration.py``
is first checked with :func:`~features.declaration_imports.check_imports`: it
may import only ``__future__``, the standard library and the declaration
modules of :data:`~features.declaration_imports.DECLARATION_IMPORTS`.

This module imports no other project module but that check (the declarations
are loaded by computed names), so that any module may read the registry without
an import cycle; modules that must check a new registry against their own
built-ins (:mod:`features.records.kinds`) register a check with :func:`on_build`.

The active registry is process-wide: :func:`active` builds the shipped one on
first use; ``app/`` calls :func:`activate` at start-up with the configured
folders; tests use :func:`using`. Nothing may copy it into a module-level
constant (``tests/features/test_registry.py`` checks the packages for that).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import pkgutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from features.declaration_imports import check_imports

DECLARATION_FILE = "declaration.py"
DEFAULT_ORDER = 1000

_ROOT = Path(__file__).resolve().parents[1]
SHIPPED_SCALES = _ROOT / "models" / "scales"
SHIPPED_SPECS = _ROOT / "training" / "specs"
SHIPPED_GENERATORS = _ROOT / "features" / "records" / "synthetic" / "schemes"
_SHIPPED_PACKAGE = "features.definitions"


class RegistryError(ValueError):
    """A declaration that cannot be registered; the message names where it came from."""


@dataclass(frozen=True)
class Entry:
    """One registered scheme and where its files are.

    Attributes
    ----------
    key
        The scheme key.
    scheme
        Its declaration.
    origin
        Where it was declared: ``features.definitions.driver`` or
        ``folder /srv/schemes/tour_guide``.
    folder
        The scheme folder of an external scheme; ``None`` for a shipped one.
    scale_dir, spec_dir
        Folders holding its grade scale and training spec.
    scale_path, spec_path
        The files themselves (``<scale_dir>/<key>.toml`` when shipped,
        ``<folder>/scale.toml`` and ``<folder>/spec.toml`` in a scheme folder).
    generator
        The demo-city parameters (``generator.toml``), when there are any.
    order
        Position in scheme lists (smaller first; ties keep discovery order).
    """

    key: str
    scheme: Any = field(repr=False)  # features.dsl.Scheme
    origin: str
    folder: Path | None
    scale_dir: Path
    spec_dir: Path
    scale_path: Path
    spec_path: Path
    generator: Path | None
    order: int = DEFAULT_ORDER


@dataclass(frozen=True)
class _Source:
    """The names one declaration module exports, and where it came from."""

    origin: str
    folder: Path | None
    module: ModuleType


def _tuple(module: ModuleType, name: str, origin: str) -> tuple[Any, ...]:
    value = getattr(module, name, ())
    if isinstance(value, dict):  # ``KINDS``/``DEPARTMENTS`` keyed by key (features.records.kinds)
        value = tuple(value.values())
    if not isinstance(value, tuple | list):
        raise RegistryError(f"{origin}: {name} must be a tuple, got {type(value).__name__}")
    return tuple(value)


@dataclass(frozen=True)
class Registry:
    """An immutable set of declarations, built by :func:`build`."""

    entries: tuple[Entry, ...] = ()
    types: tuple[tuple[Any, str], ...] = ()  # (SubjectType, origin)
    link_decls: tuple[tuple[Any, str], ...] = ()
    flag_decls: tuple[tuple[Any, str], ...] = ()
    kind_decls: tuple[tuple[Any, str], ...] = ()
    department_decls: tuple[tuple[Any, str], ...] = ()
    folders: tuple[Path, ...] = field(default=())

    # --- schemes ---------------------------------------------------------------

    def schemes(self) -> dict[str, Any]:
        """Every scheme, key → declaration, in list order."""
        return {e.key: e.scheme for e in self.entries}

    def modelled(self) -> tuple[str, ...]:
        """Keys of the schemes whose declaration names a target event (they have models)."""
        return tuple(e.key for e in self.entries if e.scheme.target is not None)

    def rated(self) -> tuple[str, ...]:
        """Keys of the schemes that give graded ratings: the modelled ones and those
        rated by a published rule alone (:meth:`rule_only`), in list order."""
        rule_only = set(self.rule_only())
        return tuple(
            e.key for e in self.entries if e.scheme.target is not None or e.key in rule_only
        )

    def rule_only(self) -> tuple[str, ...]:
        """Keys of the schemes rated by a published points rule alone: no target (so
        no model), no members to aggregate, and a rule whose band is the grade
        (``binding="exact"``); their rating needs no champion (:mod:`scoring.rule_rating`)."""
        return tuple(
            e.key
            for e in self.entries
            if e.scheme.target is None
            and e.scheme.members is None
            and any(getattr(r, "binding", None) == "exact" for r in e.scheme.rules)
        )

    def entry(self, key: str) -> Entry:
        """The entry of scheme ``key``."""
        for e in self.entries:
            if e.key == key:
                return e
        known = ", ".join(e.key for e in self.entries)
        raise KeyError(f"unknown scheme {key!r}; known: {known}")

    def get_scheme(self, key: str) -> Any:
        """The scheme called ``key``."""
        return self.entry(key).scheme

    # --- subject types ---------------------------------------------------------

    def subject_types(self) -> dict[str, Any]:
        """Every declared subject type, key → :class:`features.declare.SubjectType`."""
        return {t.key: t for t, _ in self.types}

    def subject_type(self, key: str) -> Any:
        """The subject type called ``key``."""
        for t, _ in self.types:
            if t.key == key:
                return t
        known = ", ".join(t.key for t, _ in self.types)
        raise KeyError(f"unknown subject type {key!r}; known: {known}")

    def person_types(self) -> tuple[str, ...]:
        """Keys of the subject types identified by a 居民身份证号码 (masked, never prefix-found)."""
        return tuple(t.key for t, _ in self.types if t.person)

    def organisation_types(self) -> tuple[str, ...]:
        """Keys of the subject types identified by a 统一社会信用代码 (enterprises, social
        organisations, co-operatives…): the 企事业单位 whose legal representative and
        responsible persons carry their serious records (seed 002 #12)."""
        return tuple(t.key for t, _ in self.types if t.identifier.kind == "uscc")

    # --- links, flags, kinds, departments --------------------------------------

    def links(self) -> dict[str, Any]:
        """Every declared link, key → :class:`features.links.Link`."""
        return {k.key: k for k, _ in self.link_decls}

    def link(self, key: str) -> Any:
        """The link called ``key``."""
        found = self.links()
        if key not in found:
            raise KeyError(f"unknown link {key!r}; known: {', '.join(found)}")
        return found[key]

    def flags(self) -> dict[str, Any]:
        """Every declared flag, key → :class:`features.rules.Flag`."""
        return {f.key: f for f, _ in self.flag_decls}

    def kinds(self) -> dict[str, Any]:
        """Record kinds declared in declaration modules (the built-ins are in ``kinds.py``)."""
        return {k.key: k for k, _ in self.kind_decls}

    def departments(self) -> dict[str, Any]:
        """Departments declared in declaration modules (the built-ins are in ``kinds.py``)."""
        return {d.key: d for d, _ in self.department_decls}

    def origin_of(self, what: str, key: str) -> str:
        """Where a declaration came from: ``what`` is scheme/type/link/flag/kind/department."""
        if what == "scheme":
            return self.entry(key).origin
        pairs = {
            "type": self.types,
            "link": self.link_decls,
            "flag": self.flag_decls,
            "kind": self.kind_decls,
            "department": self.department_decls,
        }[what]
        for decl, origin in pairs:
            if decl.key == key:
                return origin
        raise KeyError(f"no {what} {key!r}")


# --- loading --------------------------------------------------------------------


def _shipped_sources() -> list[_Source]:
    package = importlib.import_module(_SHIPPED_PACKAGE)
    out = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.ispkg or info.name.startswith("_"):
            continue
        name = f"{_SHIPPED_PACKAGE}.{info.name}"
        out.append(_Source(name, None, importlib.import_module(name)))
    return out


def _module_name(folder: Path) -> str:
    # Computed, so two folders with the same key never share a sys.modules slot.
    digest = hashlib.sha1(str(folder.resolve()).encode("utf-8")).hexdigest()[:10]
    return f"xinping_schemes.{folder.name}_{digest}"


def _load_folder(folder: Path) -> _Source:
    path = folder / DECLARATION_FILE
    origin = f"folder {folder}"
    source = path.read_text(encoding="utf-8")
    problems = check_imports(source, str(path))
    if problems:
        raise RegistryError(f"{origin}: declaration refused: " + "; ".join(problems))
    name = _module_name(folder)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise RegistryError(f"{origin}: cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # a declaration's own error, reported with its file
        raise RegistryError(f"{origin}: {path} failed to load: {exc}") from exc
    return _Source(origin, folder, module)


def _folder_sources(folders: Sequence[Path]) -> list[_Source]:
    out = []
    for top in folders:
        top = Path(top)
        if not top.is_dir():
            raise RegistryError(f"scheme folder {top} does not exist or is not a folder")
        for sub in sorted(p for p in top.iterdir() if (p / DECLARATION_FILE).is_file()):
            out.append(_load_folder(sub))
    return out


def _schemes_of(src: _Source) -> tuple[Any, ...]:
    one = getattr(src.module, "SCHEME", None)
    many = _tuple(src.module, "SCHEMES", src.origin)
    found = ((one,) if one is not None else ()) + many
    for s in found:
        # by its class name: importing features.dsl here would close an import cycle
        if type(s).__name__ != "Scheme" or not hasattr(s, "indicators"):
            raise RegistryError(f"{src.origin}: SCHEME(S) must hold Scheme declarations")
    return found


def _entry(src: _Source, scheme: Any) -> Entry:
    order = getattr(src.module, "ORDER", DEFAULT_ORDER)
    if src.folder is None:
        gen = SHIPPED_GENERATORS / f"{scheme.key}.toml"
        return Entry(
            key=scheme.key,
            scheme=scheme,
            origin=src.origin,
            folder=None,
            scale_dir=SHIPPED_SCALES,
            spec_dir=SHIPPED_SPECS,
            scale_path=SHIPPED_SCALES / f"{scheme.key}.toml",
            spec_path=SHIPPED_SPECS / f"{scheme.key}.toml",
            generator=gen if gen.is_file() else None,
            order=order,
        )
    gen = src.folder / "generator.toml"
    return Entry(
        key=scheme.key,
        scheme=scheme,
        origin=src.origin,
        folder=src.folder,
        scale_dir=src.folder,
        spec_dir=src.folder,
        scale_path=src.folder / "scale.toml",
        spec_path=src.folder / "spec.toml",
        generator=gen if gen.is_file() else None,
        order=order,
    )


def _unique(what: str, pairs: list[tuple[Any, str]]) -> None:
    """Refuse two declarations with one key, naming both origins."""
    seen: dict[str, str] = {}
    for decl, origin in pairs:
        key = decl.key
        if key in seen:
            raise RegistryError(
                f"duplicate {what} {key!r}: declared in {seen[key]} and in {origin}"
            )
        seen[key] = origin


def build(folders: Sequence[Path] = ()) -> Registry:
    """The registry of the shipped declarations plus those in ``folders``.

    Parameters
    ----------
    folders
        Folders whose subfolders holding a ``declaration.py`` are scheme folders.

    Raises
    ------
    RegistryError
        A refused import, a declaration that fails to load, or two declarations
        with one key; the message names the folder, file and both origins.
    """
    _BUILDING.append(True)
    try:
        sources = _shipped_sources() + _folder_sources(folders)
    finally:
        _BUILDING.pop()
    entries: list[Entry] = []
    gathered: dict[str, list[tuple[Any, str]]] = {
        n: [] for n in ("SUBJECT_TYPES", "LINKS", "FLAGS", "KINDS", "DEPARTMENTS")
    }
    for src in sources:
        entries += [_entry(src, s) for s in _schemes_of(src)]
        for name, found in gathered.items():
            found += [(d, src.origin) for d in _tuple(src.module, name, src.origin)]
    _unique("scheme", [(e, e.origin) for e in entries])
    _unique("subject type", gathered["SUBJECT_TYPES"])
    _unique("link", gathered["LINKS"])
    _unique("flag", gathered["FLAGS"])
    _unique("record kind", gathered["KINDS"])
    _unique("department", gathered["DEPARTMENTS"])
    _check_declared_attributes(entries, gathered["SUBJECT_TYPES"])
    entries.sort(key=lambda e: e.order)  # stable: ties keep discovery and tuple order
    reg = Registry(
        entries=tuple(entries),
        types=tuple(gathered["SUBJECT_TYPES"]),
        link_decls=tuple(gathered["LINKS"]),
        flag_decls=tuple(gathered["FLAGS"]),
        kind_decls=tuple(gathered["KINDS"]),
        department_decls=tuple(gathered["DEPARTMENTS"]),
        folders=tuple(Path(f) for f in folders),
    )
    for check in _ON_BUILD:
        check(reg)
    return reg


def _check_declared_attributes(entries: list[Entry], types: list[tuple[Any, str]]) -> None:
    """Refuse an indicator reading an attribute its scheme's subject type does not declare
    (``features.dsl.DeclaredAttribute``, known here by its class name, as ``Scheme``)."""
    declared = {t.key: {a.name: a for a in t.attributes} for t, _ in types}
    for e in entries:
        stype = e.scheme.population.subject_type
        for ind in e.scheme.indicators:
            src = ind.source
            if type(src).__name__ != "DeclaredAttribute":
                continue
            attrs = declared.get(stype, {})
            got = attrs.get(src.attribute.name)
            if got is None:
                offered = ", ".join(attrs) or "none"
                raise RegistryError(
                    f"{e.origin}: scheme {e.key}, indicator {ind.name}: subject type "
                    f"{stype!r} declares no attribute {src.attribute.name!r} "
                    f"(its attributes: {offered})"
                )
            if got != src.attribute:
                raise RegistryError(
                    f"{e.origin}: scheme {e.key}, indicator {ind.name}: attribute "
                    f"{src.attribute.name!r} differs from the one subject type {stype!r} "
                    "declares (read the declaration's own AttributeDecl)"
                )


# --- the active registry ---------------------------------------------------------

_ACTIVE: list[Registry] = []  # a one-slot box: empty until first use
_BUILDING: list[bool] = []  # non-empty while build() imports declarations


def building() -> bool:
    """True while :func:`build` imports the declarations: a scheme folder's indicator may
    then read a link its own module declares, checked once the registry is gathered."""
    return bool(_BUILDING)


_ON_CHANGE: list[Callable[[], None]] = []
_ON_BUILD: list[Callable[[Registry], None]] = []


def on_build(check: Callable[[Registry], None]) -> Callable[[Registry], None]:
    """Register ``check(registry)`` to run on every registry :func:`build` makes.

    A check raises :class:`RegistryError` to refuse the registry (the built-in
    record kinds refuse a declared kind with the same key).
    """
    _ON_BUILD.append(check)
    return check


def on_change(clear: Callable[[], None]) -> Callable[[], None]:
    """Register ``clear`` (an ``lru_cache``'s ``cache_clear``) to run when the registry changes."""
    _ON_CHANGE.append(clear)
    return clear


def current() -> Registry | None:
    """The process-wide registry if one is built, else ``None`` (never builds one).

    Declarations validated while the registry is being built (a ``Related`` checks
    its link) read this, so that building does not import the declarations again.
    """
    return _ACTIVE[0] if _ACTIVE else None


def active() -> Registry:
    """The process-wide registry (the shipped declarations until :func:`activate` is called)."""
    if not _ACTIVE:
        _ACTIVE.append(build())
    return _ACTIVE[0]


def scale_file(key: str) -> Path | None:
    """The grade scale file of scheme ``key`` when a scheme folder holds it (its
    ``scale.toml``); ``None`` for a shipped scheme or an unknown key, whose scale is
    ``models/scales/<key>.toml``, read as package data (:func:`models.rating.load_scale`).

    ``models`` imports no other package, so a scale's reader is handed this path.
    """
    for e in active().entries:
        if e.key == key:
            return e.scale_path if e.folder is not None else None
    return None


def activate(reg: Registry) -> None:
    """Make ``reg`` the process-wide registry and clear every cache keyed on the old one."""
    _ACTIVE[:] = [reg]
    for clear in _ON_CHANGE:
        clear()


@contextmanager
def using(folders: Sequence[Path]) -> Iterator[Registry]:
    """Within the block, the registry of the shipped declarations plus ``folders`` (tests)."""
    previous = active()
    reg = build(folders)
    activate(reg)
    try:
        yield reg
    finally:
        activate(previous)
