"""The one look-up of the declared related-party links (:mod:`features.links`).

Until the registry (:mod:`features.registry`) serves them, the links are those
of :mod:`features.definitions.relations`; switching :func:`links` to the
registry switches every reader (compile, evaluate, the slice, evidence,
re-rating, the report). It is a module of its own because the declarations
import :mod:`features.links` for the :class:`~features.links.Link` class.
"""

from __future__ import annotations

from features.definitions import relations
from features.links import Link


def links() -> dict[str, Link]:
    """Every declared link by key."""
    return {x.key: x for x in relations.LINKS}


def link(key: str) -> Link:
    """The declared link ``key``.

    Raises
    ------
    KeyError
        No link is declared under ``key``; the message lists the known keys.
    """
    found = links()
    if key not in found:
        raise KeyError(f"unknown relation {key!r}; declared links: {', '.join(sorted(found))}")
    return found[key]
