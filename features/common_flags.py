"""The flags a scheme carries when it declares none: one lookup, for the registry to serve.

Kept apart from :mod:`features.rules` (which the declarations import) so that
looking the shipped declarations up makes no import cycle.
"""

from __future__ import annotations

from features.dsl import Scheme
from features.rules import Flag


def common_flags() -> tuple[Flag, ...]:
    """The flags every scheme carries unless it declares its own.

    The flags the active registry gathered (the shipped ones are declared in
    features/definitions/flags.py; a scheme folder may declare more).
    """
    from features import registry

    return tuple(registry.active().flags().values())


def flags_of(scheme: Scheme) -> tuple[Flag, ...]:
    """The flags of ``scheme``: its own when it declares them (``()``: none), else the
    common flags."""
    return common_flags() if scheme.flags is None else tuple(scheme.flags)
