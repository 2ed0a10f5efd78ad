"""Records of one chunk of road-transport drivers: violations with licence
points, accidents with responsibility, complaints and overloading."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from features.records.synthetic.batch import RecordBatch
from features.records.synthetic.calendar import N_MONTHS, N_SIM
from features.records.synthetic.events import dated, lag, pick
from features.records.synthetic.latent import draw_events, intensity, simulate_x
from features.records.synthetic.params import DRIVER_HAZARDS as H
from features.records.synthetic.params import DRIVER_LATENT as SPEC
from features.records.windows import add_months

# Licence points of ordinary violations and how common each is.
MINOR_POINTS = (1.0, 2.0, 3.0, 6.0, 9.0)
MINOR_P = [0.30, 0.20, 0.30, 0.15, 0.05]


@dataclass
class DriverChunk:
    """What one chunk of drivers produced."""

    records: RecordBatch
    z: np.ndarray
    x: np.ndarray


def generate_chunk(
    rng: np.random.Generator, mu: np.ndarray, licence: np.ndarray, prefix: str
) -> DriverChunk:
    """Latent paths and every record of a chunk of drivers."""
    n = len(mu)
    months = np.arange(N_SIM)
    x = simulate_x(rng, n, SPEC, N_SIM)
    z = mu[:, None] + x
    recordable = np.broadcast_to(months[None, :] < N_MONTHS, (n, N_SIM))
    batch = RecordBatch(prefix)

    def events(key: str, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        m = recordable if mask is None else recordable & mask
        return draw_events(rng, intensity(H[key], z, SPEC.var, months), m)

    i, t = events("violation_minor")
    day = dated(rng, t)
    pts = pick(rng, tuple(map(str, MINOR_POINTS)), MINOR_P, len(i)).astype(float)
    sev = np.where(pts >= 6, "general", "minor").astype(object)
    batch.add(
        "traffic_violation",
        i,
        day,
        lag(rng, day, 1, 10),
        valid_until=add_months(day, 12),
        severity=sev,
        value_num=pts,
        value_text="safety",
    )
    i, t = events("violation_12")
    day = dated(rng, t)
    batch.add(
        "traffic_violation",
        i,
        day,
        lag(rng, day, 1, 10),
        valid_until=add_months(day, 12),
        severity="serious",
        value_num=12.0,
        value_text="safety",
        detail=pick(
            rng,
            ("饮酒后驾驶", "超速50%以上", "使用伪造号牌", "肇事逃逸"),
            [0.4, 0.4, 0.1, 0.1],
            len(i),
        ),
    )
    for key, resp, p in (
        ("accident_responsible", ("full", "major", "equal"), [0.35, 0.35, 0.3]),
        ("accident_other", ("minor", "none"), [0.4, 0.6]),
    ):
        i, t = events(key)
        day = dated(rng, t)
        responsibility = pick(rng, resp, p, len(i))
        sev = pick(rng, ("minor", "general", "serious"), [0.75, 0.2, 0.05], len(i))
        batch.add(
            "traffic_accident",
            i,
            day,
            lag(rng, day, 3, 30),
            valid_until=add_months(day, 36),
            severity=sev,
            value_text=responsibility,
            amount=np.round(rng.lognormal(np.log(8_000), 1.0, len(i)), -2),
        )
    passenger = np.isin(licence, ["A1", "B1", "C1"])[:, None]
    i, t = events("complaint", passenger)
    day = dated(rng, t)
    batch.add(
        "passenger_complaint",
        i,
        day,
        lag(rng, day, 3, 20),
        valid_until=add_months(day, 12),
        severity="minor",
        value_text=pick(
            rng, ("refusal", "overcharging", "detour", "attitude"), [0.25, 0.25, 0.2, 0.3], len(i)
        ),
    )
    truck = np.isin(licence, ["A2", "B2"])[:, None]
    i, t = events("overloading", truck)
    day = dated(rng, t)
    over = np.round(rng.lognormal(np.log(25), 0.6, len(i)), 1)
    sev = np.select([over >= 100, over >= 30], ["serious", "general"], "minor").astype(object)
    batch.add(
        "overloading",
        i,
        day,
        lag(rng, day, 1, 15),
        valid_until=add_months(day, 12),
        severity=sev,
        value_num=over,
    )
    return DriverChunk(batch, z, x)
