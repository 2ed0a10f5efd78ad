"""Collects generated records column-wise and turns them into an Arrow table.

Columns are numpy arrays (dates as ``datetime64[D]``, subjects as indices into
an Arrow array of identifiers) so that millions of rows cost little; the
identifiers and record IDs are materialised once per batch with Arrow
compute.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from features.records.kinds import RecordKind, all_kinds
from features.records.schema import RECORDS
from features.records.synthetic.calendar import END_DAY

_NAT = np.datetime64("NaT", "D")
_DATE_COLS = ("event_date", "decided_on", "published_on", "valid_until", "revoked_on")
_TEXT_COLS = ("severity", "value_text", "detail", "source_dept")
_NUM_COLS = ("value_num", "amount")


def _dates(values: np.ndarray | None, n: int) -> np.ndarray:
    if values is None:
        return np.full(n, _NAT)
    return np.broadcast_to(np.asarray(values, dtype="datetime64[D]"), (n,))


@dataclass
class RecordBatch:
    """Generated records of one chunk, before identifiers are attached."""

    prefix: str  # distinguishes chunks and populations in record IDs
    parts: list[dict[str, np.ndarray]] = field(default_factory=list)

    def add(
        self,
        kind: str,
        subject: np.ndarray,
        event_date: np.ndarray,
        published_on: np.ndarray,
        *,
        decided_on: np.ndarray | None = None,
        valid_until: np.ndarray | None = None,
        revoked_on: np.ndarray | None = None,
        severity: np.ndarray | str | None = None,
        value_num: np.ndarray | float | None = None,
        value_text: np.ndarray | str | None = None,
        amount: np.ndarray | float | None = None,
        source_dept: np.ndarray | str | None = None,
        detail: np.ndarray | str | None = None,
        kind_spec: RecordKind | None = None,
    ) -> None:
        """Add records of one kind; records published after the data's end are dropped.

        ``kind_spec`` describes the kind when it is not in the built-in catalogue
        (a declared scheme's kind, see :mod:`.declared`).
        """
        n = len(subject)
        if n == 0:
            return
        spec = all_kinds()[kind] if kind_spec is None else kind_spec
        pub = _dates(published_on, n)
        keep = pub <= END_DAY
        part: dict[str, np.ndarray] = {
            "kind": np.full(n, kind, dtype=object),
            "subject": np.asarray(subject, dtype=np.int64),
            "event_date": _dates(event_date, n),
            "published_on": pub,
            "decided_on": _dates(decided_on, n),
            "valid_until": _dates(valid_until, n),
            "revoked_on": _dates(revoked_on, n),
        }
        texts = {
            "severity": severity,
            "value_text": value_text,
            "detail": detail,
            "source_dept": spec.dept if source_dept is None else source_dept,
        }
        for col, val in texts.items():
            part[col] = np.asarray(np.broadcast_to(np.asarray(val, dtype=object), (n,)))
        for col, val in (("value_num", value_num), ("amount", amount)):
            part[col] = np.broadcast_to(
                np.asarray(np.nan if val is None else val, dtype=float), (n,)
            )
        # A revocation after the data's end is not known yet.
        part["revoked_on"] = np.where(part["revoked_on"] <= END_DAY, part["revoked_on"], _NAT)
        polarity = (
            np.array([spec.polarity_for(v) for v in part["value_text"]], dtype=object)
            if spec.polarity_by_value
            else np.full(n, spec.polarity, dtype=object)
        )
        part["polarity"] = polarity
        part["domain"] = np.full(n, spec.domain, dtype=object)
        self.parts.append({k: np.asarray(v)[keep] for k, v in part.items()})

    def __len__(self) -> int:
        return sum(len(p["kind"]) for p in self.parts)

    def column(self, name: str) -> np.ndarray:
        """One column over all parts."""
        return np.concatenate([p[name] for p in self.parts]) if self.parts else np.array([])

    def to_arrow(self, subject_ids: pa.Array) -> pa.Table:
        """Arrow table in the ``records`` schema (without ingest_id)."""
        n = len(self)
        cols: dict[str, pa.Array] = {}
        seq = pa.array(np.arange(n, dtype=np.int64))
        cols["record_id"] = pc.binary_join_element_wise(
            pa.array(np.full(n, self.prefix, dtype=object), pa.string()),
            pc.utf8_lpad(pc.cast(seq, pa.string()), 8, "0"),
            "",
        )
        cols["subject_id"] = pc.take(subject_ids, pa.array(self.column("subject")))
        for name in ("kind", "domain", "polarity", *_TEXT_COLS):
            cols[name] = pa.array(self.column(name), pa.string())
        for name in _NUM_COLS:
            v = self.column(name).astype(float)
            cols[name] = pa.array(v, pa.float64(), mask=np.isnan(v))
        for name in _DATE_COLS:
            v = self.column(name).astype("datetime64[D]")
            days = v.astype(np.int64).astype(np.int32)
            cols[name] = pa.array(days, pa.date32(), mask=np.isnat(v))
        pub = self.column("published_on").astype("datetime64[s]").astype(np.int64)
        cols["recorded_at"] = pa.array(pub, pa.timestamp("s"))
        order = [c for c in RECORDS.column_names if c in cols]
        return pa.table({c: cols[c] for c in order})
