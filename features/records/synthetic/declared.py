"""Demo-city data of a declared scheme, from its ``generator.toml``.

:func:`generate_declared` makes the subjects of one declared subject type
(valid, unique identifiers), their declared attributes (a long frame), their
links to the existing city (employer, legal representative, village, member
households), their records from declared hazards, objections and repairs, and
``synthetic_truth`` rows for the target. Its random stream comes from a hash of
the scheme key (:func:`stream_of`), so adding a declared scheme never changes the
built-in city nor another declared scheme.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from features.records.ids import generate_uscc
from features.records.kinds import PARTY_ENTERPRISE, PARTY_PERSON, RecordKind
from features.records.regions import COUNTIES
from features.records.synthetic import names
from features.records.synthetic.batch import RecordBatch
from features.records.synthetic.calendar import N_MONTHS, START_DAY, month_index
from features.records.synthetic.declared_context import CityContext
from features.records.synthetic.declared_events import declared_records, matches
from features.records.synthetic.declared_links import (
    draw_employers,
    draw_legal_reps,
    draw_members,
    draw_villages,
)
from features.records.synthetic.events import dated, lag, pick
from features.records.synthetic.generator_spec import GeneratorSpec
from features.records.synthetic.lifecycle import objections_and_repairs
from features.records.synthetic.params import SCALES
from features.records.synthetic.population import (
    COUNTY_CODES,
    COUNTY_NAMES,
    _random_days,
    _standardise,
    unique_person_ids,
)
from features.records.synthetic.truth import truth_months
from features.records.windows import add_months


def stream_of(key: str) -> int:
    """The random stream of a declared scheme: ``1000 + sha1(key)[:6] mod 10**6``
    (the built-in streams are 0–4)."""
    return 1000 + int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:6], 16) % 10**6


@dataclass(frozen=True)
class DeclaredScheme:
    """One declared scheme for :func:`~.city.generate_city`'s ``declared`` hook."""

    key: str
    spec: GeneratorSpec
    subject_type: str
    identifier: str  # "uscc" or "id_number"
    prefix: str | tuple[str, ...] = ""


def registered_schemes(reg: Any = None) -> tuple[DeclaredScheme, ...]:
    """The declared schemes of a registry that have demo-city parameters.

    Every registered scheme whose folder (or, shipped,
    ``features/records/synthetic/schemes/<key>.toml``) holds a ``generator.toml``
    is generated with the city, with the identifier rule of its declared subject
    type; schemes without one (the built-in four) are not.

    Parameters
    ----------
    reg
        A :class:`features.registry.Registry`; the active one when omitted.
    """
    from features import registry
    from features.records.synthetic.generator_spec import load_generator_spec

    reg = reg if reg is not None else registry.active()
    out = []
    for entry in reg.entries:
        if entry.generator is None:
            continue
        rule = reg.subject_type(entry.scheme.population.subject_type).identifier
        prefix: str | tuple[str, ...] = rule.prefixes if rule.prefixes else ""
        out.append(
            DeclaredScheme(
                entry.key,
                load_generator_spec(entry.generator),
                entry.scheme.population.subject_type,
                rule.kind,
                prefix,
            )
        )
    return tuple(out)


@dataclass
class DeclaredTables:
    """Everything one declared scheme adds to the city."""

    subjects: pd.DataFrame
    attributes: pd.DataFrame  # subject_id, name, value_text, value_num
    links: pd.DataFrame  # subject_id, relation, party_id, role, valid_from, valid_to
    records: pa.Table
    objections: pa.Table
    repairs: pa.Table
    truth: pa.Table
    mu: np.ndarray = field(repr=False, default_factory=lambda: np.array([]))


def generate_declared(
    spec: GeneratorSpec,
    subject_type: str,
    identifier: str,
    prefix: str | tuple[str, ...],
    scale: str,
    seed: int,
    context: CityContext,
) -> DeclaredTables:
    """Generate one declared scheme's subjects, attributes, links, records and truth.

    Parameters
    ----------
    spec
        The scheme's :class:`~.generator_spec.GeneratorSpec`.
    subject_type
        Written to ``subjects.subject_type``.
    identifier
        ``uscc`` or ``id_number``; must agree with the spec's ``[identifier]``.
    prefix
        Leading characters every USCC must have (e.g. ``"5"``, ``("93", "92")``);
        ``""`` for ID numbers.
    scale, seed
        As for the city; the stream is :func:`stream_of` of ``spec.scheme``.
    context
        The existing city (:class:`CityContext`).

    Raises
    ------
    ValueError
        When the identifier or prefix disagree with the spec, or an event names
        a kind that is neither registered nor described (polarity, domain).
    """
    if spec.existing is not None:
        return _existing_sector(spec, scale, seed, context)
    assert spec.identifier is not None and spec.subject is not None  # checked by the spec
    if identifier != spec.identifier.kind:
        raise ValueError(
            f"{spec.scheme}: identifier is {identifier!r} but the generator's "
            f"[identifier] kind is {spec.identifier.kind!r}"
        )
    stream = stream_of(spec.scheme)
    rng = np.random.default_rng([seed, stream, 0])
    n = spec.size(scale)
    attrs = _attributes(rng, spec, n)
    vil = draw_villages(rng, spec, n, context)
    emp = draw_employers(rng, spec, n, attrs, context)
    regions = _regions(rng, spec, n, vil, emp, context)
    ids = _identifiers(rng, spec, n, regions, attrs, prefix, context)
    person = identifier == "id_number"
    frame = pd.DataFrame(
        {
            "subject_id": ids,
            "subject_type": subject_type,
            "name": _names(rng, spec, n, regions, attrs, person),
            "region_code": regions,
        }
    )
    lo, hi = spec.subject.established or (START_DAY, START_DAY)
    established = _random_days(rng, np.full(n, np.datetime64(lo)), np.full(n, np.datetime64(hi)))
    if spec.subject.established is not None:
        frame["established_on"] = established
    if vil is not None:
        v = context.villages.iloc[np.maximum(vil, 0)]
        frame["township_code"] = np.where(vil >= 0, v["township_code"].to_numpy(), None)
        frame["village_code"] = np.where(vil >= 0, v["village_code"].to_numpy(), None)
    if emp is not None:
        e_ids = context.enterprises["subject_id"].to_numpy()[np.maximum(emp, 0)]
        frame["employer_id"] = np.where(emp >= 0, e_ids, None)
    taken = set(context.taken) | set(ids)
    if spec.links.legal_rep is not None:
        frame["legal_rep_id"] = draw_legal_reps(rng, spec, regions, vil, context, taken)
    frame["status"] = "active"
    links, members = draw_members(rng, spec, frame, attrs, vil, established, context)
    mu = _mu(rng, spec, n, attrs, vil, emp, members, context)

    est_month = month_index(established) if spec.subject.established else np.zeros(n, int)
    records, truth = declared_records(
        np.random.default_rng([seed, stream, 1]),
        spec,
        mu,
        est_month,
        attrs,
        ids,
        PARTY_PERSON if person else PARTY_ENTERPRISE,
        f"X{stream}-",
        truth_months(SCALES[scale].truth_every_months),
        context.kinds,
        context.windows,
    )
    objections, repairs = objections_and_repairs(
        np.random.default_rng([seed, stream, 2]),
        records,
        context.windows,
        disputed=tuple(spec.lifecycle.disputed),
        repaired=tuple(spec.lifecycle.repaired),
    )
    return DeclaredTables(
        frame, _long(ids, spec, attrs), links, records, objections, repairs, truth, mu
    )


def _existing_sector(
    spec: GeneratorSpec, scale: str, seed: int, context: CityContext
) -> DeclaredTables:
    """A sector's licences and events on the city's own firms (``[existing]``).

    Adds no subject, attribute or link: only records (with their objections and
    repairs) on the firms of the sector, each firm's permanent risk being its own
    in the city. The scheme's stream (:func:`stream_of`) draws everything, so the
    built-in city's rows are the same with or without it.
    """
    ex = spec.existing
    assert ex is not None
    stream = stream_of(spec.scheme)
    rng = np.random.default_rng([seed, stream, 0])
    ent = context.enterprises
    industry = ent["industry"].to_numpy(dtype=object).astype(str)
    # np.char.startswith takes one prefix: combine the industries by hand
    pool = np.flatnonzero(
        np.logical_or.reduce([np.char.startswith(industry.astype("U"), c) for c in ex.industries])
    )
    who = np.sort(pool[rng.random(pool.size) < ex.share])
    ids = ent["subject_id"].to_numpy(dtype=object)[who]
    n = who.size
    start = ent["est_month"].to_numpy()[who]
    end = ent["closure_month"].to_numpy()[who]
    lat = spec.latent
    mu = ex.risk * ent["mu"].to_numpy()[who] + rng.normal(0.0, lat.noise_sd, n)
    records, truth = declared_records(
        np.random.default_rng([seed, stream, 1]),
        spec,
        mu,
        start,
        {},
        ids,
        PARTY_ENTERPRISE,
        f"X{stream}-",
        truth_months(SCALES[scale].truth_every_months),
        context.kinds,
        context.windows,
        end_month=end,
    )
    if ex.licence is not None:
        licences = _licences(
            np.random.default_rng([seed, stream, 3]), spec, start, end, ids, f"X{stream}L-", context
        )
        records = pa.concat_tables([records, licences.cast(records.schema)])
    objections, repairs = objections_and_repairs(
        np.random.default_rng([seed, stream, 2]),
        records,
        context.windows,
        disputed=tuple(spec.lifecycle.disputed),
        repaired=tuple(spec.lifecycle.repaired),
    )
    empty = pd.DataFrame(columns=["subject_id", "subject_type", "name", "region_code"])
    links = pd.DataFrame(
        columns=["subject_id", "relation", "party_id", "role", "valid_from", "valid_to"]
    )
    return DeclaredTables(
        empty, _long(ids, spec, {}), links, records, objections, repairs, truth, mu
    )


def _licences(
    rng: np.random.Generator,
    spec: GeneratorSpec,
    start: np.ndarray,
    end: np.ndarray,
    ids: np.ndarray,
    prefix: str,
    context: CityContext,
) -> pa.Table:
    """The sector's licence of every firm: filed when the firm registers (firms
    registered before the platform's start: at the start, as the licences then in
    force were loaded) and renewed every ``valid_months`` while the firm is open."""
    lic = spec.existing.licence  # type: ignore[union-attr]
    assert lic is not None
    kind = context.kinds.get(lic.kind)
    if kind is None:
        if lic.polarity is None or lic.domain is None or lic.dept is None:
            raise ValueError(
                f"{spec.scheme}: existing.licence: kind {lic.kind!r} is not registered; "
                "declare its polarity, domain and dept in the generator file"
            )
        kind = RecordKind(
            lic.kind, lic.kind, lic.kind, lic.domain, lic.polarity, PARTY_ENTERPRISE, lic.dept
        )
    first = np.maximum(start, 0)
    # a licence in force at the start runs out some time in its term, then is renewed
    due = np.where(start < 0, rng.integers(1, lic.valid_months + 1, len(ids)), lic.valid_months)
    batch = RecordBatch(prefix)
    month, valid = first.copy(), due.copy()
    live = (month < np.minimum(end, N_MONTHS)).copy()
    while live.any():
        i = np.flatnonzero(live)
        day = np.maximum(dated(rng, month[i]), START_DAY)
        batch.add(
            lic.kind,
            i,
            day,
            lag(rng, day, *lic.lag_days),
            valid_until=add_months(day, valid[i]),
            source_dept=lic.dept or kind.dept,
            kind_spec=kind,
        )
        month = month + valid
        valid = np.full(len(ids), lic.valid_months)
        live &= month < np.minimum(end, N_MONTHS)
    return batch.to_arrow(pa.array(ids, pa.string()))


# --- subjects ----------------------------------------------------------------


def _attributes(rng: np.random.Generator, spec: GeneratorSpec, n: int) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for name, a in spec.attributes.items():
        ok = matches(a.when, out, n)
        if a.choices:
            v = pick(rng, tuple(a.choices), list(a.choices.values()), n)
            out[name] = np.where(ok, v, None)
            continue
        if a.lognormal is not None:
            v = a.lognormal[0] * rng.lognormal(0.0, a.lognormal[1], n)
        elif a.uniform is not None:
            v = rng.uniform(*a.uniform, n)
        else:
            lo, hi = a.integers  # type: ignore[misc]
            v = rng.integers(lo, hi + 1, n).astype(float)
        out[name] = np.where(ok, np.round(v, a.round), np.nan)
    return out


def _long(ids: np.ndarray, spec: GeneratorSpec, attrs: dict[str, np.ndarray]) -> pd.DataFrame:
    parts = []
    for name, a in spec.attributes.items():
        v = attrs[name]
        has = ~pd.isna(v)
        parts.append(
            pd.DataFrame(
                {
                    "subject_id": ids[has],
                    "name": name,
                    "value_text": None if a.numeric else v[has].astype(object),
                    "value_num": v[has].astype(float) if a.numeric else np.nan,
                }
            )
        )
    cols = ["subject_id", "name", "value_text", "value_num"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)


def _regions(
    rng: np.random.Generator,
    spec: GeneratorSpec,
    n: int,
    vil: np.ndarray | None,
    emp: np.ndarray | None,
    ctx: CityContext,
) -> np.ndarray:
    share = [
        c.population_share if spec.subject.names == "person" else c.enterprise_share
        for c in COUNTIES
    ]
    out = COUNTY_CODES[rng.choice(len(COUNTIES), n, p=np.array(share) / sum(share))]
    if emp is not None:
        e_reg = ctx.enterprises["region_code"].to_numpy()[np.maximum(emp, 0)]
        out = np.where(emp >= 0, e_reg, out)
    if vil is not None:
        v_reg = ctx.villages["region_code"].to_numpy()[np.maximum(vil, 0)]
        out = np.where(vil >= 0, v_reg, out)
    return out.astype(object)


def _identifiers(
    rng: np.random.Generator,
    spec: GeneratorSpec,
    n: int,
    regions: np.ndarray,
    attrs: dict[str, np.ndarray],
    prefix: str | tuple[str, ...],
    ctx: CityContext,
) -> np.ndarray:
    idr = spec.identifier
    prefixes = (prefix,) if isinstance(prefix, str) else tuple(prefix)
    if idr.kind == "id_number":
        if any(prefixes):
            raise ValueError(f"{spec.scheme}: ID numbers take no prefix, got {prefix!r}")
        lo, hi = (np.full(n, np.datetime64(d)) for d in idr.born)
        births = _random_days(rng, lo, hi)
        ids = unique_person_ids(
            rng, regions, births, rng.random(n) < idr.male_share, set(ctx.taken)
        )
        reusable = np.array([p for p in ctx.legal_reps if p not in ctx.subject_ids], dtype=object)
        k = min(round(idr.existing_legal_reps * n), reusable.size)
        if k:
            who = rng.choice(n, k, replace=False)
            ids[who] = rng.choice(reusable, k, replace=False)
        return ids
    # a one-character prefix (5 = 民政) with no declared category: 9 = "other" category
    default = idr.category or (prefixes[0] + "9")[:2]
    if len(default) != 2:
        raise ValueError(f"{spec.scheme}: declare [identifier] category (e.g. '91')")
    by = attrs[idr.by] if idr.by else np.full(n, None, dtype=object)
    cats = np.array([idr.categories.get(str(v), default) for v in by], dtype=object)
    wrong = sorted({c for c in cats if not c.startswith(prefixes)})
    if wrong:
        raise ValueError(
            f"{spec.scheme}: USCC category {wrong[0]!r} does not begin with "
            f"{' or '.join(prefixes)!r} as the subject type's identifier rule asks"
        )
    ids = np.empty(n, dtype=object)
    todo = np.ones(n, dtype=bool)
    while todo.any():  # regenerate codes that clash with the city or each other
        for cat in np.unique(cats[todo]):
            sel = np.flatnonzero(todo & (cats == cat))
            ids[sel] = generate_uscc(rng, regions[sel], str(cat))
        _, first = np.unique(ids.astype(str), return_index=True)
        todo = np.ones(n, dtype=bool)
        todo[first] = False
        todo |= np.fromiter((code in ctx.taken for code in ids), dtype=bool, count=n)
    return ids


def _names(
    rng: np.random.Generator,
    spec: GeneratorSpec,
    n: int,
    regions: np.ndarray,
    attrs: dict[str, np.ndarray],
    person: bool,
) -> np.ndarray:
    if spec.subject.names == "person" or person:
        return names.person_names(rng, n)
    county = COUNTY_NAMES[np.searchsorted(COUNTY_CODES, regions)]
    t1, t2 = rng.choice(names.TRADE, n), rng.choice(names.TRADE, n)
    by = attrs[spec.subject.name_by] if spec.subject.name_by else np.full(n, None, dtype=object)
    sfx = spec.subject.suffixes
    return np.array(
        [
            f"曲靖市{c}{a}{b}{sfx.get(str(v), sfx.get('default', ''))}"
            for c, a, b, v in zip(county, t1, t2, by, strict=True)
        ],
        dtype=object,
    )


def _mu(
    rng: np.random.Generator,
    spec: GeneratorSpec,
    n: int,
    attrs: dict[str, np.ndarray],
    vil: np.ndarray | None,
    emp: np.ndarray | None,
    members: list[np.ndarray],
    ctx: CityContext,
) -> np.ndarray:
    lat = spec.latent
    raw = rng.normal(0.0, lat.noise_sd, n)
    for name, shifts in lat.loadings.items():
        raw += np.array([shifts.get(str(v), 0.0) for v in attrs[name]])
    if vil is not None and lat.village_effect:
        effect = ctx.villages["effect"].to_numpy()[np.maximum(vil, 0)]
        raw += lat.village_effect * np.where(vil >= 0, effect, 0.0)
    if emp is not None and lat.employer:
        e_mu = ctx.enterprises["mu"].to_numpy()[np.maximum(emp, 0)]
        raw += lat.employer * np.where(emp >= 0, e_mu, 0.0)
    if lat.members:
        hh_mu = ctx.households["mu"].to_numpy()
        raw += lat.members * np.array([hh_mu[m].mean() if m.size else 0.0 for m in members])
    return _standardise(raw, lat.mu_sd)
