"""The rating schemes (DESIGN.md §2): a façade over :mod:`features.registry`.

A new scheme (tour guides, doctors…) is a new module in ``features/definitions/``
or a scheme folder named in settings: declarations only, no new code paths and
no edit here. Read the lists through the functions at call time; the old names
``SCHEMES`` and ``MODELLED`` are still served (from the active registry when
asked) so that existing importers keep working.
"""

from __future__ import annotations

from features import registry
from features.dsl import Scheme


def schemes() -> dict[str, Scheme]:
    """Every scheme of the active registry, key → declaration, in list order."""
    return registry.active().schemes()


def modelled() -> tuple[str, ...]:
    """The modelled schemes, in list order: those whose declaration names a target event
    (village and township are rules over household ratings, not models)."""
    return registry.active().modelled()


def rated() -> tuple[str, ...]:
    """The schemes that give graded ratings: the modelled ones and the rule-only ones."""
    return registry.active().rated()


def rule_only() -> tuple[str, ...]:
    """The schemes rated by a published points rule alone (no model, no champion)."""
    return registry.active().rule_only()


def get_scheme(key: str) -> Scheme:
    """The scheme called ``key``."""
    return registry.active().get_scheme(key)


def __getattr__(name: str) -> object:
    if name == "SCHEMES":
        return schemes()
    if name == "MODELLED":
        return modelled()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
