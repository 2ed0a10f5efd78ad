"""Records and truth of a declared scheme: hazards → events → records.

The latent path is the built-in AR(1) (:func:`~.latent.simulate_x`); every
declared event is a Poisson process with the built-in intensity
(:func:`~.latent.intensity`), optionally limited to some attribute values
(``only``) or scaled per value (``rate_by``); a ``[loans]`` table runs the
built-in loan book. Truth rows give, for every month end T, the probability of
a target event in (T, T+12] from the same intensities, so the oracle is exact
for the declared process.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pyarrow as pa

from features.records.kinds import RecordKind
from features.records.synthetic.batch import RecordBatch
from features.records.synthetic.calendar import N_MONTHS, N_SIM, month_end
from features.records.synthetic.enterprise import add_loan_records
from features.records.synthetic.events import dated, lag, pick, sigmoid, window_end
from features.records.synthetic.generator_spec import (
    LOAN_DEFAULT,
    Event,
    GeneratorSpec,
    Mix,
    Yearly,
)
from features.records.synthetic.latent import (
    draw_events,
    expected_intensity_sum,
    intensity,
    simulate_x,
)
from features.records.synthetic.loans import LoanBook, simulate_loans
from features.records.synthetic.params import LatentSpec
from features.records.synthetic.truth import truth_rows
from features.records.windows import WindowPolicy, add_months


def matches(when: Mapping[str, list[str]], attrs: Mapping[str, np.ndarray], n: int) -> np.ndarray:
    """Subjects whose attributes take one of the listed values (all of ``when``)."""
    ok = np.ones(n, dtype=bool)
    for name, values in when.items():
        ok &= np.isin(attrs[name], values)
    return ok


def declared_records(
    rng: np.random.Generator,
    spec: GeneratorSpec,
    mu: np.ndarray,
    est_month: np.ndarray,
    attrs: Mapping[str, np.ndarray],
    ids: np.ndarray,
    party: str,
    prefix: str,
    truth_at: np.ndarray,
    kinds: Mapping[str, RecordKind],
    windows: WindowPolicy,
    end_month: np.ndarray | None = None,
) -> tuple[pa.Table, pa.Table]:
    """Records (``records`` schema without ingest_id) and ``synthetic_truth`` rows.

    Parameters
    ----------
    mu, est_month
        Permanent risk and the month each subject starts (may be negative).
    party
        ``enterprise`` or ``person``: who a not-yet-registered kind is about.
    prefix
        Record ID prefix, unique in the city.
    truth_at
        As-of month indices of the truth rows.
    end_month
        The month each subject closes (none recorded from then on); default never.

    Returns no truth rows when the spec has no target (a rule-only scheme).
    """
    n = len(mu)
    lat = spec.latent.spec()
    months = np.arange(N_SIM)
    x = simulate_x(rng, n, lat, N_SIM)
    z = mu[:, None] + x
    exists = months[None, :] >= est_month[:, None]
    if end_month is not None:
        exists &= months[None, :] < end_month[:, None]
    recordable = exists & (months[None, :] < N_MONTHS)
    batch = RecordBatch(prefix)

    book = None
    if spec.loans is not None:
        book = _loans(rng, spec, z, lat, est_month, exists, batch)
    rates: dict[str, np.ndarray] = {}
    for name, ev in spec.events.items():
        kind = _kind(spec, f"events.{name}", ev, kinds, party)
        rate = matches(ev.only, attrs, n).astype(float)
        for attr, mult in ev.rate_by.items():
            rate *= np.array([mult.get(str(v), 1.0) for v in attrs[attr]])
        rates[name] = rate
        lam = intensity(ev.hazard(), z, lat.var, months) * rate[:, None]
        i, t = draw_events(rng, lam, recordable)
        _add_event(rng, batch, ev, kind, i, t, attrs, windows)
    for name, y in spec.yearly.items():
        _add_yearly(rng, batch, y, _kind(spec, f"yearly.{name}", y, kinds, party), z, exists, attrs)

    id_array = pa.array(ids, pa.string())
    records = batch.to_arrow(id_array)
    if spec.target is None:
        truth = pa.table({"subject_id": pa.array([], pa.string())})
    elif LOAN_DEFAULT in spec.target.events:
        assert spec.loans is not None and book is not None  # checked by the spec
        first = np.full(n, N_SIM + 1)
        np.minimum.at(first, book.start[0], book.start[1])
        has_loan = months[None, :] >= first[:, None]
        truth = truth_rows(
            id_array,
            spec.scheme,
            lat,
            [spec.loans.default.hazard()],
            mu,
            x,
            None,
            exists & has_loan,
            truth_at,
            exposure=book.exposure,
            loans=book,
        )
    else:
        truth = _truth(spec, id_array, lat, mu, x, exists, rates, truth_at)
    return records, truth


def _kind(
    spec: GeneratorSpec,
    where: str,
    ev: Event | Yearly,
    kinds: Mapping[str, RecordKind],
    party: str,
) -> RecordKind:
    known = kinds.get(ev.kind)
    if known is not None:
        if ev.polarity and ev.polarity != known.polarity and not known.polarity_by_value:
            raise ValueError(
                f"{spec.scheme}: {where}: polarity {ev.polarity!r}, but kind {ev.kind!r} "
                f"is registered as {known.polarity!r}"
            )
        return known
    if ev.polarity is None or ev.domain is None or ev.dept is None:
        raise ValueError(
            f"{spec.scheme}: {where}: kind {ev.kind!r} is not registered; "
            "declare its polarity, domain and dept in the generator file"
        )
    return RecordKind(ev.kind, ev.kind, ev.kind, ev.domain, ev.polarity, party, ev.dept)


def _draw(rng: np.random.Generator, value: str | Mix | None, k: int) -> np.ndarray | str | None:
    if isinstance(value, dict):
        return pick(rng, tuple(value), list(value.values()), k)
    return value


def _number(
    rng: np.random.Generator, value: float | tuple[float, float] | None, k: int
) -> np.ndarray | float | None:
    if isinstance(value, tuple):
        return np.round(rng.uniform(value[0], value[1], k), 1)
    return value


def _add_event(
    rng: np.random.Generator,
    batch: RecordBatch,
    ev: Event,
    kind: RecordKind,
    i: np.ndarray,
    t: np.ndarray,
    attrs: Mapping[str, np.ndarray],
    windows: WindowPolicy,
) -> None:
    k = len(i)
    day = dated(rng, t)
    sev = _draw(rng, ev.severity, k)
    valid = None
    if ev.window:
        sev_arr = np.broadcast_to(np.asarray(sev, dtype=object), (k,))
        valid = window_end(windows, ev.kind, sev_arr, day)
    elif isinstance(ev.valid_months, tuple):
        valid = add_months(day, rng.integers(ev.valid_months[0], ev.valid_months[1] + 1, k))
    elif ev.valid_months is not None:
        valid = add_months(day, ev.valid_months)
    dept: np.ndarray | str = ev.dept or kind.dept
    for attr, by_value in ev.dept_by.items():
        dept = np.array([by_value.get(str(v), ev.dept or kind.dept) for v in attrs[attr][i]])
    amount = None
    if ev.amount is not None:
        amount = np.round(ev.amount[0] * rng.lognormal(0.0, ev.amount[1], k), -1)
    batch.add(
        ev.kind,
        i,
        day,
        lag(rng, day, *ev.lag_days),
        decided_on=day if ev.window else None,
        valid_until=valid,
        severity=sev,
        value_num=_number(rng, ev.value_num, k),
        value_text=_draw(rng, ev.value_text, k),
        amount=amount,
        source_dept=dept,
        detail=ev.detail,
        kind_spec=kind,
    )


def _add_yearly(
    rng: np.random.Generator,
    batch: RecordBatch,
    y: Yearly,
    kind: RecordKind,
    z: np.ndarray,
    exists: np.ndarray,
    attrs: Mapping[str, np.ndarray],
) -> None:
    n = len(z)
    ok = matches(y.only, attrs, n)
    logit = np.log(y.share / (1.0 - y.share))
    for m in range(y.month - 1, N_MONTHS, 12):
        p = sigmoid(logit + y.beta * z[:, m])
        who = np.flatnonzero(ok & exists[:, m] & (rng.random(n) < p))
        day = dated(rng, np.full(len(who), m))
        batch.add(
            y.kind,
            who,
            day,
            lag(rng, day, *y.lag_days),
            valid_until=None if y.valid_months is None else add_months(day, y.valid_months),
            value_text=_draw(rng, y.value_text, len(who)),
            value_num=_number(rng, y.value_num, len(who)),
            source_dept=y.dept or kind.dept,
            kind_spec=kind,
        )


def _loans(
    rng: np.random.Generator,
    spec: GeneratorSpec,
    z: np.ndarray,
    lat: LatentSpec,
    est_month: np.ndarray,
    exists: np.ndarray,
    batch: RecordBatch,
) -> LoanBook:
    book = spec.loans
    assert book is not None
    n = len(z)
    borrower = rng.random(n) < book.borrower_share
    # as households: most borrow from the start, the rest join over the years
    first = np.where(rng.random(n) < 0.6, rng.integers(0, 6, n), rng.integers(0, 70, n))
    first = np.maximum(first, np.maximum(est_month, 0))
    base = book.amount[0] * rng.lognormal(0.0, book.amount[1], n)
    loans = simulate_loans(
        rng,
        z,
        lat,
        borrower,
        first,
        exists,
        base,
        book.default.hazard(),
        book.dpd30.hazard(),
        book.late.hazard(),
        renew=book.renew,
    )
    add_loan_records(rng, batch, loans, dept=book.dept)
    return loans


def _truth(
    spec: GeneratorSpec,
    ids: pa.Array,
    lat: LatentSpec,
    mu: np.ndarray,
    x: np.ndarray,
    exists: np.ndarray,
    rates: dict[str, np.ndarray],
    truth_at: np.ndarray,
) -> pa.Table:
    """Truth rows of an event target: each event keeps its own rate multiplier."""
    parts: list[tuple[np.ndarray, int, np.ndarray, np.ndarray]] = []
    for t in truth_at:
        who = np.flatnonzero(exists[:, t])
        if who.size == 0:
            continue
        macro = np.zeros((who.size, N_SIM))
        total = np.zeros(who.size)
        for name in spec.target.events if spec.target else ():
            exposure = np.broadcast_to(rates[name][who][:, None], (who.size, N_SIM))
            total += expected_intensity_sum(
                [spec.events[name].hazard()], mu[who], x[who, t], macro, lat, int(t), exposure
            )
        parts.append((who, int(t), mu[who] + x[who, t], 1.0 - np.exp(-total)))
    if not parts:
        return pa.table({"subject_id": pa.array([], pa.string())})
    idx = np.concatenate([p[0] for p in parts])
    days = np.concatenate([np.full(p[0].size, month_end(p[1])) for p in parts])
    return pa.table(
        {
            "subject_id": ids.take(pa.array(idx)),
            "scheme": pa.array(np.full(idx.size, spec.scheme, dtype=object), pa.string()),
            "as_of": pa.array(
                days.astype("datetime64[D]").astype(np.int64).astype(np.int32), pa.date32()
            ),
            "latent": pa.array(np.concatenate([p[2] for p in parts]).astype(float)),
            "pd_true": pa.array(np.concatenate([p[3] for p in parts]).astype(float)),
        }
    )
