"""The flags a scheme carries when it declares none: one lookup, for the registry to serve.

Kept apart from :mod:`features.rules` (which the declarations import) so that
looking the shipped declarations up makes no import cycle.
"""

from __future__ import annotations

from features.dsl import Scheme
from features.rules import Flag


def common_flags() -> tuple[Flag, ...]:
    """The flags every scheme carries unless it declares its own.

    The one lookup of the shipped flag declarations (features/definitions/flags.py);
    to be served by ``features.registry.active().flags()`` once the registry is merged.
    """
    from features.definitions.flags import FLAGS

    return FLAGS


def flags_of(scheme: Scheme) -> tuple[Flag, ...]:
    """The flags of ``scheme``: its own when it declares them (``()``: none), else the
    common flags."""
    return common_flags() if scheme.flags is None else tuple(scheme.flags)
