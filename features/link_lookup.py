"""The one look-up of the declared related-party links (:mod:`features.links`).

The links are those the active registry (:mod:`features.registry`) gathered
from every declaration (shipped ones in :mod:`features.definitions.relations`,
and any a scheme folder declares), so every reader (compile, evaluate, the
slice, evidence, re-rating, the report) sees a folder's links. It is a module
of its own because the declarations import :mod:`features.links` for the
:class:`~features.links.Link` class.
"""

from __future__ import annotations

from features import registry
from features.definitions import relations
from features.links import Link


def links() -> dict[str, Link]:
    """Every declared link by key."""
    # The shipped links are known before the registry is built: the shipped
    # declarations validate their Related indicators while the registry imports them.
    found = {x.key: x for x in relations.LINKS}
    reg = registry.current()
    if reg is not None:
        found.update(reg.links())
    return found


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


@registry.on_build
def _related_links_are_declared(reg: registry.Registry) -> None:
    """Every indicator over a related party reads a link the registry declares (a folder's
    indicator may read a link of its own module: it is checked here, not on import)."""
    from features.dsl import Related

    found = {x.key: x for x in relations.LINKS} | reg.links()
    for entry in reg.entries:
        for ind in entry.scheme.indicators:
            source = ind.source
            if not isinstance(source, Related):
                continue
            where = f"scheme {entry.key} ({entry.origin}), indicator {ind.name}"
            if source.relation not in found:
                raise registry.RegistryError(
                    f"{where}: unknown relation {source.relation!r}; declared links: "
                    f"{', '.join(sorted(found))}"
                )
            try:
                source.check(found[source.relation])
            except ValueError as exc:
                raise registry.RegistryError(f"{where}: {exc}") from None
