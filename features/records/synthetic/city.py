"""Generate the whole demo city into a store, chunk by chunk.

Every random choice takes a generator seeded from ``(seed, stream, chunk)``,
so the same seed and scale give identical tables whatever else runs. Memory
stays bounded: only static attributes of the whole population are held; each
chunk's latent paths and records are written and dropped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from features.layout import cluster_store
from features.records.schema import TABLES
from features.records.synthetic import driver, enterprise, household
from features.records.synthetic.batch import RecordBatch
from features.records.synthetic.calendar import N_MONTHS, N_SIM, month_end
from features.records.synthetic.declared import (
    DeclaredScheme,
    generate_declared,
    registered_schemes,
    stream_of,
)
from features.records.synthetic.declared_context import CityContext, city_context
from features.records.synthetic.latent import draw_events, intensity
from features.records.synthetic.lifecycle import objections_and_repairs
from features.records.synthetic.params import (
    DRIVER_HAZARDS,
    DRIVER_LATENT,
    DRIVER_TARGET,
    ENTERPRISE_HAZARDS,
    ENTERPRISE_LATENT,
    ENTERPRISE_TARGET,
    HOUSEHOLD_HAZARDS,
    HOUSEHOLD_LATENT,
    PERSON_DISHONEST,
    SCALES,
)
from features.records.synthetic.population import (
    make_divisions,
    make_drivers,
    make_enterprises,
    make_households,
    people_behind_firms,
)
from features.records.synthetic.quality import QualityPass, ingest_defects
from features.records.synthetic.truth import truth_months, truth_rows
from features.records.windows import WindowPolicy
from features.store.base import Store

Progress = Callable[[str, int, int], None]

_STREAM = {
    "population": 0,
    "enterprise": 1,
    "household": 2,
    "driver": 3,
    "person": 4,
    # added with the people behind firms (issue 18): a stream of its own keeps the rest
    "behind_firms": 5,
    # the departments' data quality (issue 19): its own stream, drawn after the others
    "quality": 6,
}


def _rng(seed: int, stream: str, chunk: int = 0) -> np.random.Generator:
    return np.random.default_rng([seed, _STREAM[stream], chunk])


@dataclass
class CityResult:
    """What was generated: sizes, counts and timing."""

    scale: str
    seed: int
    ingest_id: int
    seconds: float = 0.0
    tables: dict[str, int] = field(default_factory=dict)
    kinds: dict[str, int] = field(default_factory=dict)
    truth: dict[str, float] = field(default_factory=dict)
    #: rows of each department's file the ingest quarantined (the generated defects)
    quarantined: dict[str, int] = field(default_factory=dict)


def _frame_dates(frame: pd.DataFrame, cols: tuple[str, ...]) -> pd.DataFrame:
    out = frame.copy()
    for c in cols:
        if c in out:
            out[c] = pd.to_datetime(out[c]).astype("datetime64[s]")
    return out


class _Writer:
    """Appends to the store and counts rows per table and kind."""

    def __init__(self, store: Store, ingest_id: int, quality: QualityPass | None = None) -> None:
        self.store, self.ingest_id, self.quality = store, ingest_id, quality
        self.tables: dict[str, int] = {}
        self.kinds: dict[str, int] = {}

    def put(self, table: str, data: pd.DataFrame | pa.Table) -> None:
        if table == "objections" and self.quality is not None:
            data = self.quality.objections(data)  # of the records just written
        n = self.store.append(table, data)
        self.tables[table] = self.tables.get(table, 0) + n

    def subjects(self, frame: pd.DataFrame, recorded: np.ndarray | None = None) -> None:
        frame = _frame_dates(frame, ("established_on", "closed_on"))
        frame["ingest_id"] = self.ingest_id
        # A subject is on file from its registration (or the platform's start).
        start = np.datetime64("2021-01-01T00:00:00", "s")
        frame["recorded_at"] = start if recorded is None else np.maximum(recorded, start)
        self.put("subjects", frame)

    def records(self, batch: RecordBatch, ids: pa.Array) -> pa.Table:
        return self.record_table(batch.to_arrow(ids))

    def record_table(self, table: pa.Table) -> pa.Table:
        """Write ``table`` (with the departments' defects and second pushes); return it
        without the second pushes, so the draws that follow (objections, repairs) are
        the ones of the city before the quality pass."""
        table = table.append_column(
            "ingest_id", pa.array(np.full(table.num_rows, self.ingest_id, dtype=np.int64))
        )
        written = table
        if self.quality is not None:
            table, again = self.quality.records(table)
            written = pa.concat_tables([table, again]) if again.num_rows else table
        self.put("records", written)
        for d in pc.value_counts(written["kind"]).to_pylist():
            self.kinds[d["values"]] = self.kinds.get(d["values"], 0) + d["counts"]
        return table


def _chunks(n: int, size: int) -> list[slice]:
    return [slice(a, min(a + size, n)) for a in range(0, n, size)]


def generate_city(
    store: Store,
    scale: str = "small",
    seed: int = 7,
    windows: WindowPolicy | None = None,
    progress: Progress | None = None,
    declared: Sequence[DeclaredScheme] | None = None,
) -> CityResult:
    """Generate the demo city into ``store``.

    Parameters
    ----------
    store
        Target store (its tables are appended to; start from an empty one).
    scale
        ``small`` (~10k enterprises, 20k households, 5k drivers) or ``city``
        (~300k, 1M, 200k).
    seed
        The same seed and scale give identical subjects, records, objections,
        repairs and truth.
    windows
        Publication windows (DOMAIN.md defaults when omitted).
    progress
        Called as ``progress(stage, done, total)``.
    declared
        Declared schemes generated after the drivers, each on its own hashed
        stream (:func:`~.declared.stream_of`); by default those of the active
        registry that have a ``generator.toml``
        (:func:`~.declared.registered_schemes`). With ``()`` the city is exactly
        the built-in one, and adding a declared scheme never changes it.
    """
    if declared is None:
        declared = registered_schemes()
    _check_declared(declared)
    started = time.perf_counter()
    spec = SCALES[scale]
    windows = windows or WindowPolicy()
    report = progress or (lambda stage, done, total: None)
    ingest_id = int(store.scalar("SELECT coalesce(max(ingest_id), 0) + 1 FROM ingest_log"))
    out = _Writer(store, ingest_id, QualityPass(_rng(seed, "quality")))
    result = CityResult(scale, seed, ingest_id)
    at_start = dt.datetime.now()

    rng = _rng(seed, "population")
    taken: set[str] = set()
    div = make_divisions(rng, spec)
    ent = make_enterprises(rng, spec, taken)
    hh = make_households(rng, spec, div, taken)
    drv = make_drivers(rng, spec, ent, taken)
    ent.frame = people_behind_firms(_rng(seed, "behind_firms"), ent, hh, drv)
    months = truth_months(spec.truth_every_months)

    out.subjects(
        pd.DataFrame(
            {
                "subject_id": div.townships["township_code"],
                "subject_type": "township",
                "name": div.townships["name"],
                "region_code": div.townships["region_code"],
                "township_code": div.townships["township_code"],
                "status": "active",
            }
        )
    )
    out.subjects(
        pd.DataFrame(
            {
                "subject_id": div.villages["village_code"],
                "subject_type": "village",
                "name": div.villages["name"],
                "region_code": div.villages["region_code"],
                "township_code": div.villages["township_code"],
                "village_code": div.villages["village_code"],
                "status": "active",
            }
        )
    )

    # --- enterprises -------------------------------------------------------
    ent_ids = pa.array(ent.frame["subject_id"].to_numpy(), pa.string())
    parts = _chunks(spec.enterprises, spec.chunk)
    closure = np.full(spec.enterprises, N_SIM, dtype=np.int64)  # for declared sector events
    for c, sl in enumerate(parts):
        report("企业 enterprises", c, len(parts))
        r = _rng(seed, "enterprise", c)
        ch = enterprise.generate_chunk(
            r,
            ent.mu[sl],
            ent.industry[sl],
            ent.scale[sl],
            ent.est_month[sl],
            ent.borrower[sl],
            ent.first_loan_month[sl],
            windows,
            f"E{c:03d}",
        )
        ids = ent_ids[sl]
        frame = ent.frame.iloc[sl].copy()
        closure[sl] = ch.closure_month
        closed = ch.closure_month < N_MONTHS
        frame["status"] = np.where(closed, "closed", "active")
        frame["closed_on"] = np.where(
            closed, month_end(np.minimum(ch.closure_month, N_MONTHS - 1)), np.datetime64("NaT")
        )
        reg = pd.to_datetime(frame["established_on"]).to_numpy().astype("datetime64[s]")
        out.subjects(frame, reg)
        table = out.records(ch.records, ids)
        _lifecycle(out, r, table, windows)
        mu, n = ent.mu[sl], len(ent.mu[sl])
        alive = ch.alive.astype(np.float32)
        out.put(
            "synthetic_truth",
            truth_rows(
                ids,
                "enterprise",
                ENTERPRISE_LATENT,
                [ENTERPRISE_HAZARDS[k] for k in ENTERPRISE_TARGET],
                mu,
                ch.x,
                ch.macro,
                ch.alive,
                months,
                exposure=alive,
            ),
        )
        sme = (ent.scale[sl] != "large")[:, None] & ent.borrower[sl][:, None]
        first = np.full(n, N_SIM + 1)
        np.minimum.at(first, ch.loans.start[0], ch.loans.start[1])
        has_loan = np.arange(N_SIM)[None, :] >= first[:, None]
        out.put(
            "synthetic_truth",
            truth_rows(
                ids,
                "sme",
                ENTERPRISE_LATENT,
                [ENTERPRISE_HAZARDS["loan_default"]],
                mu,
                ch.x,
                ch.macro,
                sme & has_loan & ch.alive,
                months,
                exposure=ch.loans.exposure,
                loans=ch.loans,
            ),
        )
    report("企业 enterprises", len(parts), len(parts))

    # --- legal representatives' own dishonesty ------------------------------
    r = _rng(seed, "person")
    persons = ent.persons
    risk = persons["risk"].to_numpy()
    lam = intensity(
        PERSON_DISHONEST, np.repeat(risk[:, None], N_MONTHS, 1), 1.0, np.arange(N_MONTHS)
    )
    i, t = draw_events(r, lam)
    batch = RecordBatch("P000")
    enterprise.add_dishonest(r, batch, i, t)
    out.records(batch, pa.array(persons["person_id"].to_numpy(), pa.string()))

    # --- households ----------------------------------------------------------
    hh_ids = pa.array(hh.frame["subject_id"].to_numpy(), pa.string())
    effect = div.villages["effect"].to_numpy()[hh.village]
    out.subjects(hh.frame)
    parts = _chunks(spec.households, spec.chunk)
    for c, sl in enumerate(parts):
        report("农户 households", c, len(parts))
        r = _rng(seed, "household", c)
        f = hh.frame.iloc[sl]
        ch = household.generate_chunk(
            r,
            hh.mu[sl],
            effect[sl],
            f["land_mu"].to_numpy(),
            f["assets_value"].to_numpy(),
            f["annual_income"].to_numpy(),
            hh.borrower[sl],
            hh.first_loan_month[sl],
            windows,
            f"H{c:03d}",
        )
        table = out.records(ch.records, hh_ids[sl])
        _lifecycle(out, r, table, windows)
        n = len(f)
        out.put(
            "synthetic_truth",
            truth_rows(
                hh_ids[sl],
                "household",
                HOUSEHOLD_LATENT,
                [HOUSEHOLD_HAZARDS["loan_default"]],
                hh.mu[sl],
                ch.x,
                None,
                np.ones((n, N_SIM), dtype=bool),
                months,
                exposure=ch.loans.exposure,
                loans=ch.loans,
            ),
        )
    report("农户 households", len(parts), len(parts))

    # --- drivers ---------------------------------------------------------------
    drv_ids = pa.array(drv.frame["subject_id"].to_numpy(), pa.string())
    out.subjects(drv.frame)
    parts = _chunks(spec.drivers, spec.chunk)
    for c, sl in enumerate(parts):
        report("驾驶员 drivers", c, len(parts))
        r = _rng(seed, "driver", c)
        ch = driver.generate_chunk(r, drv.mu[sl], drv.licence[sl], f"D{c:03d}")
        table = out.records(ch.records, drv_ids[sl])
        _lifecycle(out, r, table, windows)
        n = len(drv.mu[sl])
        out.put(
            "synthetic_truth",
            truth_rows(
                drv_ids[sl],
                "driver",
                DRIVER_LATENT,
                [DRIVER_HAZARDS[k] for k in DRIVER_TARGET],
                drv.mu[sl],
                ch.x,
                None,
                np.ones((n, N_SIM), dtype=bool),
                months,
            ),
        )
    report("驾驶员 drivers", len(parts), len(parts))

    if declared:
        context = city_context(div, ent, hh, drv, taken, windows, closure)
        _write_declared(out, declared, scale, seed, context, report)

    # one subject's rows together, a village's households side by side: a look-up reads
    # one run of rows, not the table
    cluster_store(store, report)
    _log(store, out, scale, seed, at_start)
    # after the city's own log entry: the departments' files take the next ingest IDs
    report("数据质量 department files", 0, 1)
    result.quarantined = ingest_defects(store, out.quality.defects)
    report("数据质量 department files", 1, 1)
    result.seconds = time.perf_counter() - started
    result.tables = dict(out.tables)
    result.kinds = dict(sorted(out.kinds.items(), key=lambda kv: -kv[1]))
    result.truth = _truth_summary(store)
    return result


def _check_declared(declared: Sequence[DeclaredScheme]) -> None:
    """Refuse, before anything is written, declared schemes the store cannot hold."""
    for d in declared:
        if d.key != d.spec.scheme:
            raise ValueError(f"declared scheme {d.key!r} has the generator of {d.spec.scheme!r}")
        needs = {
            "subject_attributes": bool(d.spec.attributes),
            "subject_links": d.spec.links.members is not None,
        }
        for table, needed in needs.items():
            if needed and table not in TABLES:
                raise ValueError(
                    f"{d.key}: the store has no table {table!r} for the scheme's "
                    "declared attributes or member links (it comes with the scheme registry)"
                )
    streams = [stream_of(d.key) for d in declared]
    if len(set(streams)) != len(streams):
        raise ValueError(f"two declared schemes share a random stream: {streams}")


def _write_declared(
    out: _Writer,
    declared: Sequence[DeclaredScheme],
    scale: str,
    seed: int,
    context: CityContext,
    report: Progress,
) -> None:
    """Generate and write each declared scheme; later ones avoid earlier ones' IDs."""
    for k, item in enumerate(declared):
        report(f"声明方案 declared {item.key}", k, len(declared))
        tables = generate_declared(
            item.spec, item.subject_type, item.identifier, item.prefix, scale, seed, context
        )
        frame = tables.subjects
        recorded = None
        if "established_on" in frame:
            recorded = pd.to_datetime(frame["established_on"]).to_numpy().astype("datetime64[s]")
        if len(frame):  # a sector's events on existing firms add no subject
            out.subjects(frame.copy(), recorded)
        out.record_table(tables.records)
        out.put("objections", tables.objections)
        out.put("repairs", tables.repairs)
        out.put("synthetic_truth", tables.truth)
        for name, rows in (
            ("subject_attributes", tables.attributes),
            ("subject_links", tables.links),
        ):
            if name not in TABLES:
                continue  # no rows: _check_declared refused any scheme that makes some
            if rows.empty:
                continue  # e.g. a sector of existing firms: no attribute, no link
            if "ingest_id" in TABLES[name].column_names:
                rows = rows.assign(ingest_id=out.ingest_id)
            if "version_from" in TABLES[name].column_names and "version_from" not in rows:
                # an attribute is on file from when its subject is (its registration,
                # or the platform's start)
                start = np.datetime64("2021-01-01T00:00:00", "s")
                on_file = pd.Series(
                    start if recorded is None else np.maximum(recorded, start),
                    index=frame["subject_id"].to_numpy(),
                )
                rows = rows.assign(version_from=rows["subject_id"].map(on_file).to_numpy())
            out.put(name, rows)
        people = {*frame["subject_id"], *frame.get("legal_rep_id", pd.Series()).dropna()}
        persons = context.persons
        if item.identifier == "id_number" and len(frame):
            persons = np.concatenate([persons, frame["subject_id"].to_numpy(dtype=object)])
        context = replace(
            context,
            taken=context.taken | people,
            subject_ids=context.subject_ids | set(frame["subject_id"]),
            persons=persons,
        )
    report("声明方案 declared", len(declared), len(declared))


def _lifecycle(
    out: _Writer, rng: np.random.Generator, table: pa.Table, windows: WindowPolicy
) -> None:
    objections, repairs = objections_and_repairs(rng, table, windows)
    out.put("objections", objections)
    out.put("repairs", repairs)


def _log(store: Store, out: _Writer, scale: str, seed: int, at_start: dt.datetime) -> None:
    name = f"synthetic:qujing scale={scale} seed={seed}"
    rows = out.tables.get("subjects", 0) + out.tables.get("records", 0)
    store.append(
        "ingest_log",
        pd.DataFrame(
            {
                "ingest_id": [out.ingest_id],
                "file_name": [name],
                "file_sha256": [hashlib.sha256(name.encode()).hexdigest()],
                "target_table": ["records"],
                "source_dept": ["synthetic"],
                "file_format": ["generated"],
                "encoding": [None],
                "rows_read": [rows],
                "rows_stored": [rows],
                "rows_unchanged": [0],
                "rows_quarantined": [0],
                "message": [
                    f"demo city: {out.tables.get('subjects', 0):,} subjects, "
                    f"{out.tables.get('records', 0):,} records"
                ],
                "started_at": [at_start],
                "finished_at": [dt.datetime.now()],
            }
        ),
    )


def _truth_summary(store: Store) -> dict[str, float]:
    """Mean true probability per scheme at the latest fully observed year-end snapshot."""
    frame = store.query(
        "SELECT scheme, avg(pd_true) AS pd FROM synthetic_truth "
        "WHERE as_of = (SELECT max(as_of) FROM synthetic_truth WHERE as_of <= DATE '2025-10-31') "
        "GROUP BY scheme ORDER BY scheme"
    )
    return dict(zip(frame["scheme"], frame["pd"].astype(float), strict=True))


def summary_markdown(result: CityResult) -> str:
    """A short bilingual summary of a generated city."""
    lines = [
        f"# 模拟城市 / demo city — scale={result.scale} seed={result.seed} "
        f"({result.seconds:.1f} s)",
        "",
        "| 表 table | 行数 rows |",
        "|---|---:|",
        *[f"| {k} | {v:,} |" for k, v in result.tables.items()],
        "",
        "| 信息类别 kind | 条数 records |",
        "|---|---:|",
        *[f"| {k} | {v:,} |" for k, v in result.kinds.items()],
        "",
        "| 方案 scheme | 平均真实违约概率 mean true PD (as of 2025-10-31) |",
        "|---|---:|",
        *[f"| {k} | {v:.2%} |" for k, v in result.truth.items()],
    ]
    return "\n".join(lines)
