"""What a declared scheme may link to: the built-in city's population.

The declared generator (:mod:`.declared`) never reads the store; it gets the
existing enterprises, households, villages and legal representatives, and the
identifiers already taken, from a :class:`CityContext` built from the
population objects of :mod:`.population`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from features.records.kinds import RecordKind, all_kinds
from features.records.synthetic.calendar import N_SIM
from features.records.synthetic.population import Divisions, Drivers, Enterprises, Households
from features.records.windows import WindowPolicy


@dataclass(frozen=True)
class CityContext:
    """What a declared scheme may link to in the city already generated.

    Attributes
    ----------
    enterprises
        ``subject_id, industry, region_code, mu, est_month, closure_month`` of
        every enterprise (months from the calendar's start; ``closure_month`` is
        the simulation's length for a firm that never closes).
    households
        ``subject_id, village_code, mu`` of every household.
    villages
        ``village_code, township_code, region_code, effect``.
    legal_reps
        ID numbers of the persons who represent a firm.
    taken
        Every identifier already used in the city (subjects and persons).
    subject_ids
        Identifiers that are already subjects (never reused).
    persons
        ID numbers of the person subjects of the declared schemes generated so far
        (practitioners), for a later scheme's legal representatives.
    """

    enterprises: pd.DataFrame
    households: pd.DataFrame
    villages: pd.DataFrame
    legal_reps: np.ndarray
    taken: frozenset[str]
    subject_ids: frozenset[str]
    persons: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))
    windows: WindowPolicy = field(default_factory=WindowPolicy)
    # the active registry's kinds when the context is built (a scheme folder's among them)
    kinds: Mapping[str, RecordKind] = field(default_factory=all_kinds)


def city_context(
    div: Divisions,
    ent: Enterprises,
    hh: Households,
    drv: Drivers,
    taken: set[str],
    windows: WindowPolicy | None = None,
    closure_month: np.ndarray | None = None,
) -> CityContext:
    """The context of the built-in city's population (before any declared scheme).

    ``closure_month``: each enterprise's closing month (default: none closes).
    """
    ent_ids = ent.frame["subject_id"].to_numpy()
    subjects = {
        *ent_ids,
        *hh.frame["subject_id"],
        *drv.frame["subject_id"],
        *div.villages["village_code"],
        *div.townships["township_code"],
    }
    return CityContext(
        enterprises=pd.DataFrame(
            {
                "subject_id": ent_ids,
                "industry": ent.industry,
                "region_code": ent.frame["region_code"].to_numpy(),
                "mu": ent.mu,
                "est_month": ent.est_month,
                "closure_month": (
                    np.full(len(ent_ids), N_SIM) if closure_month is None else closure_month
                ),
            }
        ),
        households=pd.DataFrame(
            {
                "subject_id": hh.frame["subject_id"].to_numpy(),
                "village_code": hh.frame["village_code"].to_numpy(),
                "mu": hh.mu,
            }
        ),
        villages=div.villages[["village_code", "township_code", "region_code", "effect"]],
        legal_reps=ent.persons["person_id"].to_numpy(),
        taken=frozenset(taken | subjects),
        subject_ids=frozenset(subjects),
        windows=windows or WindowPolicy(),
    )
