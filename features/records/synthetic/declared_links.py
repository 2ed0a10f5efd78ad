"""Links of declared subjects to the existing city: village, employer, legal
representative and member households (rows of ``subject_links``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.records.synthetic.calendar import START_DAY
from features.records.synthetic.declared_context import CityContext
from features.records.synthetic.declared_events import matches
from features.records.synthetic.events import pick
from features.records.synthetic.generator_spec import GeneratorSpec
from features.records.synthetic.population import _random_days, unique_person_ids

LINK_COLUMNS = [
    "subject_id",
    "relation",
    "party_id",
    "role",
    "valid_from",
    "valid_to",
    "source_dept",
]


def draw_villages(
    rng: np.random.Generator, spec: GeneratorSpec, n: int, ctx: CityContext
) -> np.ndarray | None:
    if spec.links.village is None:
        return None
    counts = (
        ctx.households["village_code"].value_counts().reindex(ctx.villages["village_code"])
    ).fillna(0).to_numpy() + 1.0
    drawn = rng.choice(len(ctx.villages), n, p=counts / counts.sum())
    return np.where(rng.random(n) < spec.links.village.share, drawn, -1)


def draw_employers(
    rng: np.random.Generator,
    spec: GeneratorSpec,
    n: int,
    attrs: dict[str, np.ndarray],
    ctx: CityContext,
) -> np.ndarray | None:
    link = spec.links.employer
    if link is None:
        return None
    industry = ctx.enterprises["industry"].to_numpy()
    by = attrs[link.by] if link.by else np.full(n, None, dtype=object)
    out = np.full(n, -1)
    employed = rng.random(n) < link.share
    for value in pd.unique(by):
        sections = link.sections.get(str(value), link.default) if value is not None else []
        pool = np.flatnonzero(np.isin(industry, sections or link.default))
        if pool.size == 0:
            pool = np.arange(len(industry))
        sel = np.flatnonzero(employed & (by == value))
        out[sel] = pool[rng.integers(0, pool.size, sel.size)]
    return out


def draw_legal_reps(
    rng: np.random.Generator,
    spec: GeneratorSpec,
    regions: np.ndarray,
    vil: np.ndarray | None,
    ctx: CityContext,
    taken: set[str],
) -> np.ndarray:
    """A legal representative per subject: new, an existing one, a village's household head,
    or a person subject of an earlier declared scheme."""
    link = spec.links.legal_rep
    assert link is not None
    n = len(regions)
    births = _random_days(
        rng, np.full(n, np.datetime64("1955-01-01")), np.full(n, np.datetime64("1995-12-31"))
    )
    reps = unique_person_ids(rng, regions, births, rng.random(n) < 0.7, taken)
    u = rng.random(n)
    old = u < link.existing
    if old.any() and len(ctx.legal_reps):
        reps[old] = rng.choice(ctx.legal_reps, int(old.sum()))
    if link.households and vil is not None:
        # a family farm is run by a farming household: its head is the operator
        heads = ~old & (u < link.existing + link.households) & (vil >= 0)
        groups = _by_village(ctx)
        hh_ids = ctx.households["subject_id"].to_numpy()
        codes = ctx.villages["village_code"].to_numpy()
        for i in np.flatnonzero(heads):
            pool = groups.get(codes[vil[i]])
            if pool is not None and pool.size:
                reps[i] = hh_ids[pool[rng.integers(0, pool.size)]]
    if link.persons and len(ctx.persons):
        # on a child stream (spawning draws nothing from ``rng``): the scheme's other
        # draws, its records among them, are those of a spec without the share
        low = link.existing + link.households
        rated = (u >= low) & (u < low + link.persons)
        reps[rated] = rng.spawn(1)[0].choice(ctx.persons, int(rated.sum()))
    return reps


def _by_village(ctx: CityContext) -> dict[str, np.ndarray]:
    """Household indices per village code."""
    village = ctx.households["village_code"].to_numpy()
    return pd.Series(np.arange(len(village))).groupby(village).indices


def draw_members(
    rng: np.random.Generator,
    spec: GeneratorSpec,
    frame: pd.DataFrame,
    attrs: dict[str, np.ndarray],
    vil: np.ndarray | None,
    established: np.ndarray,
    ctx: CityContext,
) -> tuple[pd.DataFrame, list[np.ndarray]]:
    n = len(frame)
    members: list[np.ndarray] = [np.array([], int)] * n
    link = spec.links.members
    if link is None or vil is None:
        return pd.DataFrame(columns=LINK_COLUMNS), members
    # households per village once (a city has a million households, thousands of co-ops)
    by_village = _by_village(ctx)
    codes = ctx.villages["village_code"].to_numpy()
    hh_ids = ctx.households["subject_id"].to_numpy()  # once: a str column converts slowly
    none = np.array([], dtype=np.int64)
    ok = matches(link.when, attrs, n) & (vil >= 0)
    rows = []
    start = np.maximum(established.astype("datetime64[D]"), START_DAY)
    for i in np.flatnonzero(ok):
        pool = by_village.get(codes[vil[i]], none)
        k = min(int(rng.integers(link.count[0], link.count[1] + 1)), pool.size)
        chosen = rng.choice(pool, k, replace=False)
        members[i] = chosen
        roles = pick(rng, tuple(link.roles), list(link.roles.values()), k)
        sid, day = frame["subject_id"].iat[i], start[i]
        ids = hh_ids[chosen]
        rows.extend(
            (sid, link.relation, p, r, day, None, link.dept)
            for p, r in zip(ids, roles, strict=True)
        )
    return pd.DataFrame(rows, columns=LINK_COLUMNS), members
