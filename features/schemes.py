"""The registry of rating schemes (DESIGN.md §2): key → declared :class:`~features.dsl.Scheme`.

A new scheme (tour guides, doctors…) is a new module in ``features/definitions/``
added here: declarations only, no new code paths.
"""

from __future__ import annotations

from features.definitions import driver, enterprise, household, sme, village
from features.dsl import Scheme

SCHEMES: dict[str, Scheme] = {
    s.key: s
    for s in (
        enterprise.SCHEME,
        sme.SCHEME,
        household.SCHEME,
        driver.SCHEME,
        village.VILLAGE,
        village.TOWNSHIP,
    )
}

#: The modelled schemes, in registry order: those whose declaration names a target event
#: (village and township are rules over household ratings, not models).
MODELLED: tuple[str, ...] = tuple(k for k, s in SCHEMES.items() if s.target is not None)


def get_scheme(key: str) -> Scheme:
    """The scheme called ``key``."""
    try:
        return SCHEMES[key]
    except KeyError:
        raise KeyError(f"unknown scheme {key!r}; known: {', '.join(SCHEMES)}") from None
