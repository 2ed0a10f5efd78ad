"""Departments of different data quality in the generated city (issue 19).

Each department gets a seeded quality *level* (0 worst … 1 best, evenly spread over the
departments in a seeded order) and from it a profile (:class:`DeptQuality`): the share of
its 双公示 decisions it publishes after the 7-working-day deadline, of rows it leaves a
required field empty in, of rows it pushes that the ingest validation refuses, of
decisions it pushes twice and of objections against its records that are upheld. Every
component falls linearly with the level (:data:`PROFILE`), so the level is the order a
data-quality ranking should find.

The defects are made the way a department makes them, on the rows the generator already
drew (:class:`QualityPass`, on the city's own ``quality`` random stream, so the other
streams are untouched): a late publication date, an emptied field, a second push of a
decision under a new record ID, an objection's outcome. Invalid rows are written as one
file per department and go through the real ingest (:func:`ingest_defects`), which
quarantines them with its own reasons: nothing here writes a quarantine row.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from features.records.ids import id_number_problem, is_uscc
from features.records.kinds import all_departments, all_kinds
from features.records.synthetic.calendar import END, END_DAY
from features.store.base import Store

#: the 双公示 kinds (scoring.disclosure's LICENCE and PENALTY, ``[disclosure]`` kinds): the
#: 7-working-day deadline is theirs, so only their publication dates are re-drawn
DISCLOSED: tuple[str, ...] = ("administrative_licence", "administrative_penalty")
#: the 双公示 deadline in working days the generator publishes against (``[disclosure]
#: deadline_workdays``, 7: 决定后 7 个工作日内公示)
DEADLINE_WORKDAYS = 7
#: kinds whose amount is what the record says (tax paid, a fine, a loan): the generator
#: may leave it empty, and ``[quality.required]`` requires it (a test keeps the two equal)
AMOUNT_KINDS: tuple[str, ...] = (
    "administrative_penalty",
    "tax_paid",
    "tax_arrears",
    "social_insurance_arrears",
    "wage_arrears",
    "housing_fund",
    "utility_arrears",
    "loan",
    "loan_overdue",
    "loan_repaid",
    "court_judgment",
    "agricultural_subsidy",
    "agricultural_insurance",
)
#: how an invalid row is broken (each one the ingest refuses), by the column the ingest names: a
#: mistyped check character, a publication before the event (the event date typed late), a
#: tier the platform does not have, an event date that does not exist
DEFECTS: tuple[str, ...] = ("subject_id", "published_on", "severity", "event_date")
#: the file the departments' refused rows arrive in (one push of every department's rows)
FILE_NAME = "各部门报送数据（汇总）.csv"


@dataclass(frozen=True)
class ProfileBounds:
    """Each profile share at the best level (1) and the worst (0); linear between."""

    late: tuple[float, float] = (0.03, 0.60)
    incomplete: tuple[float, float] = (0.002, 0.10)
    invalid: tuple[float, float] = (0.001, 0.03)
    duplicate: tuple[float, float] = (0.001, 0.03)
    upheld: tuple[float, float] = (0.05, 0.65)
    #: the levels are spread evenly over this range
    levels: tuple[float, float] = (0.05, 0.95)


PROFILE = ProfileBounds()


@dataclass(frozen=True)
class DeptQuality:
    """One department's generated data quality."""

    dept: str
    level: float
    late_share: float
    incomplete_share: float
    invalid_share: float
    duplicate_share: float
    upheld_share: float


def profiles(
    rng: np.random.Generator, departments: Sequence[str], bounds: ProfileBounds = PROFILE
) -> dict[str, DeptQuality]:
    """A seeded profile for each department (``departments`` in a fixed order)."""
    depts = sorted(departments)
    levels = rng.permutation(np.linspace(*bounds.levels, len(depts)))

    def at(pair: tuple[float, float], level: float) -> float:
        best, worst = pair
        return float(best + (worst - best) * (1 - level))

    return {
        d: DeptQuality(
            d,
            float(q),
            at(bounds.late, q),
            at(bounds.incomplete, q),
            at(bounds.invalid, q),
            at(bounds.duplicate, q),
            at(bounds.upheld, q),
        )
        for d, q in zip(depts, levels, strict=True)
    }


def _days(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
    values = pc.cast(col, pa.int32()).to_numpy(zero_copy_only=False).astype(float)
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[D]")
    ok = ~np.isnan(values)
    out[ok] = values[ok].astype(np.int64).astype("datetime64[D]")
    return out


def _date_array(days: np.ndarray) -> pa.Array:
    return pa.array(days.astype(np.int64).astype(np.int32), pa.date32(), mask=np.isnat(days))


def blankable(kind: str) -> tuple[str, ...]:
    """Fields of ``kind`` the generator may leave empty: its declared text value or
    numeric value, its amount where that is the record (:data:`AMOUNT_KINDS`)."""
    rk = all_kinds().get(kind)
    out = []
    if rk is None:  # a kind the registry does not know (a test's own scheme): none
        return ()
    if rk.values:
        out.append("value_text")
    if rk.value_num_unit or rk.value_num_labels:
        out.append("value_num")
    if kind in AMOUNT_KINDS:
        out.append("amount")
    return tuple(out)


class QualityPass:
    """Applies the departments' profiles to the records and objections the city writes.

    One pass per generated city, fed every record table in the order the city writes them
    (its one random stream is consumed in that order, so the same seed gives the same city).
    """

    def __init__(self, rng: np.random.Generator, bounds: ProfileBounds = PROFILE) -> None:
        self.rng = rng
        self.profile = profiles(rng, list(all_departments()), bounds)
        self.defects: list[pd.DataFrame] = []
        self._dept_of: pd.Series = pd.Series(dtype=object)

    def _index(self, dept: np.ndarray | pa.Array | pa.ChunkedArray) -> np.ndarray:
        """Each row's position in the profile (its length for a department without one)."""
        keys = pa.array(list(self.profile), pa.string())
        at = pc.index_in(dept, value_set=keys)
        return at.fill_null(len(keys)).to_numpy(zero_copy_only=False)

    def _share(self, idx: np.ndarray, what: str) -> np.ndarray:
        """Each row's department's ``what`` (0 for a department without a profile)."""
        values = np.array([getattr(p, what) for p in self.profile.values()] + [0.0])
        return values[idx]

    def records(self, table: pa.Table) -> tuple[pa.Table, pa.Table]:
        """``table`` with late publications and emptied fields, and the second pushes to
        append (same decision, new record ID, published later). Invalid copies of some
        rows are kept for :func:`ingest_defects`."""
        n = table.num_rows
        if n == 0:
            return table, table.slice(0, 0)
        rng = self.rng
        dept = self._index(table["source_dept"])
        kind = table["kind"].to_numpy(zero_copy_only=False).astype(object)
        self._dept_of = pd.Series(
            table["source_dept"].to_numpy(zero_copy_only=False),
            index=table["record_id"].to_numpy(zero_copy_only=False),
        )

        # timeliness: a 双公示 decision published on time (0–7 working days) or late
        decided = _days(table["decided_on"])
        published = _days(table["published_on"])
        redraw = np.isin(kind, DISCLOSED) & ~np.isnat(decided)
        late = rng.random(n) < self._share(dept, "late_share")
        lag = np.where(
            late,
            DEADLINE_WORKDAYS + rng.integers(1, 31, n),
            rng.integers(0, DEADLINE_WORKDAYS + 1, n),
        )
        safe = np.where(redraw, decided, END_DAY)  # busday_offset refuses NaT
        new_pub = np.minimum(np.busday_offset(safe, lag, roll="forward"), END_DAY)
        published = np.where(redraw, new_pub, published)
        table = table.set_column(
            table.schema.get_field_index("published_on"), "published_on", _date_array(published)
        )
        # a re-drawn record is on file from its new publication; the others keep theirs
        stamp = pa.array(published.astype("datetime64[s]").astype(np.int64), pa.timestamp("s"))
        col = table.schema.get_field_index("recorded_at")
        table = table.set_column(
            col, "recorded_at", pc.if_else(pa.array(redraw), stamp, table["recorded_at"])
        )

        # completeness: one required field left empty
        empty = rng.random(n) < self._share(dept, "incomplete_share")
        pick = rng.random(n)
        for k in np.unique(kind[empty]):
            fields = blankable(str(k))
            if not fields:
                continue
            rows = empty & (kind == k)
            which = np.minimum((pick * len(fields)).astype(int), len(fields) - 1)
            for j, col in enumerate(fields):
                mask = rows & (which == j)
                if mask.any():
                    i = table.schema.get_field_index(col)
                    table = table.set_column(
                        i, col, pc.if_else(pa.array(mask), pa.nulls(n, table[col].type), table[col])
                    )
                if col == "value_text" and mask.any():
                    # the polarity a row without its value has (what the ingest derives)
                    plain = pa.scalar(all_kinds()[str(k)].polarity_for(None))
                    i = table.schema.get_field_index("polarity")
                    table = table.set_column(
                        i, "polarity", pc.if_else(pa.array(mask), plain, table["polarity"])
                    )

        # duplicates: a decision pushed again under a new ID, 1–60 days later
        # every draw is one per row, whatever the shares: a changed share moves no other row
        again = np.flatnonzero(rng.random(n) < self._share(dept, "duplicate_share"))
        delay = rng.integers(1, 61, n)
        copies = table.take(pa.array(again, pa.int64()))
        if len(again):
            later = np.minimum(published[again] + delay[again], END_DAY)
            copies = copies.set_column(
                copies.schema.get_field_index("record_id"),
                "record_id",
                pc.binary_join_element_wise(copies["record_id"], pa.scalar("R"), ""),
            )
            copies = copies.set_column(
                copies.schema.get_field_index("published_on"), "published_on", _date_array(later)
            )
            copies = copies.set_column(
                copies.schema.get_field_index("recorded_at"),
                "recorded_at",
                pa.array(later.astype("datetime64[s]").astype(np.int64), pa.timestamp("s")),
            )

        # validity: copies broken one way each, for the department's own file
        bad = np.flatnonzero(rng.random(n) < self._share(dept, "invalid_share"))
        how = rng.choice(np.array(DEFECTS, dtype=object), n)
        shift = rng.integers(1, 61, n)
        if len(bad):
            rows = table.take(pa.array(bad, pa.int64()))
            self.defects.append(_broken(rows, how[bad], shift[bad]))
        return table, copies

    def objections(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Objections on the last record table with their outcome re-drawn by the share
        upheld of the record's department (the rows of resolved objections only)."""
        if frame.empty:
            return frame
        done = frame["status"].isin(["upheld", "rejected"]).to_numpy()
        dept = frame["record_id"].map(self._dept_of).astype(object).where(lambda d: d.notna(), "")
        idx = self._index(pa.array(dept.to_numpy(dtype=object), pa.string()))
        upheld = self.rng.random(len(frame)) < self._share(idx, "upheld_share")
        status = np.where(upheld, "upheld", "rejected")
        return frame.assign(status=np.where(done, status, frame["status"].to_numpy()))


def _broken(table: pa.Table, how: np.ndarray, shift: np.ndarray) -> pd.DataFrame:
    """Rows as a department's file would carry them (text), each broken the way ``how``
    names (:data:`DEFECTS`; ``shift`` days for a date typed late)."""
    frame = table.select(
        [
            "record_id",
            "subject_id",
            "kind",
            "severity",
            "value_num",
            "value_text",
            "amount",
            "event_date",
            "decided_on",
            "published_on",
            "valid_until",
            "revoked_on",
            "source_dept",
        ]
    ).to_pandas()
    out = frame.astype(object).where(frame.notna(), "").astype(str)
    for c in ("value_num", "amount"):  # 1500.0 → 1500, 5114392.17 as it is (never 5.1e+06)
        out[c] = [_plain(v) if pd.notna(v) else "" for v in frame[c]]
    out["record_id"] = out["record_id"] + "Q"
    # the check character mistyped: another digit (or X) that makes the code neither a valid
    # ID number nor a valid USCC, so it stays shaped like what it was and a masked role
    # sees a mistyped personal ID masked like any other
    sid = out["subject_id"]
    typo = sid.copy()
    for i in np.flatnonzero(how == "subject_id"):
        typo.iat[i] = _mistyped(sid.iat[i], int(shift[i]))
    out["subject_id"] = np.where(how == "subject_id", typo, sid)
    # published before the event it publishes: the event typed later than it happened
    # (the publication date, which dates the row's month, stays as the department sent it)
    after = (pd.to_datetime(out["published_on"]) + pd.to_timedelta(shift, unit="D")).dt.strftime(
        "%Y-%m-%d"
    )
    out["event_date"] = np.where(how == "published_on", after, out["event_date"])
    # seed 004's 较重 is a tier of treatment, not of a record
    out["severity"] = np.where(how == "severity", "较重", out["severity"])
    # a day the month does not have
    out["event_date"] = np.where(
        how == "event_date", out["event_date"].str[:8] + "32", out["event_date"]
    )
    return out.assign(defect=how)


_CHECK = "0123456789X"


def _plain(value: float) -> str:
    """A number as a department's file writes it: fixed point, no trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _mistyped(code: str, start: int) -> str:
    """``code`` with its last character replaced by the first of :data:`_CHECK` (from
    ``start``) that makes it neither a valid ID number nor a valid USCC."""
    for k in range(len(_CHECK)):
        c = _CHECK[(start + k) % len(_CHECK)]
        candidate = code[:-1] + c
        if c != code[-1:] and not is_uscc(candidate) and id_number_problem(candidate) is not None:
            return candidate
    return code[:-1] + "?"  # none left (not seen): a character no code has


def ingest_defects(store: Store, defects: Sequence[pd.DataFrame]) -> dict[str, int]:
    """Ingest the departments' broken rows as one file of every department's pushes (each
    row names its department), through the real validation: every row is quarantined.
    Returns rows quarantined per department.

    Raises
    ------
    RuntimeError
        If the ingest stored a row: a defect that is not one would add a record.
    """
    from features.records.ingest import ingest_file

    if not defects:
        return {}
    rows = pd.concat(defects, ignore_index=True)
    with tempfile.TemporaryDirectory(prefix="xinping-defects-") as tmp:
        path = Path(tmp) / FILE_NAME
        rows.drop(columns="defect").to_csv(path, index=False, encoding="utf-8")
        result = ingest_file(store, path, "records", today=END)
    if result.rows_stored:
        raise RuntimeError(f"{path.name}: {result.rows_stored} broken rows were stored")
    return {str(k): int(v) for k, v in rows["source_dept"].value_counts().sort_index().items()}
