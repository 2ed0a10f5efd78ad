"""Cutting a scheme's population into parts built one at a time (bounded memory).

A whole-population build holds every subject's intermediate rows in the engine
at once (the records that count, the aggregate's hash table) and the whole
frame in pandas: on the city, the household build needed more than DuckDB's
6 GB limit. Built in parts — ranges of ``subject_id`` of about
``rows_per_part`` subjects each — the engine holds one part's rows at a time,
and a caller that streams (:func:`features.build.iter_features`) holds one
part's frame.

Ranges rather than a hash of the id: the store keeps ``records`` sorted by
``subject_id`` (``DuckDBStore.cluster``), so a part's own records sit in a few
row groups, and the parts come out in the order of a whole build (sorted by
``subject_id``), so putting them together needs no sort. Households' records are
sorted by township and village first (:mod:`features.layout`: a village's look-up
reads them as one run), so a household part also reads the row groups of the
counties its range cuts through (city household build 18.0 s → 19.5 s, paired).
"""

from __future__ import annotations

import datetime as dt
import math
import re

from features.compile import DIALECTS, Part, population_sql
from features.dsl import Scheme

#: The engine limit :data:`PART_ROWS` is sized for: the shipped ``[store] memory_limit``.
REFERENCE_LIMIT = "4GB"

#: Subjects per part by default, from city measurements (bench/RESULTS-features.md):
#: the household build (1 M subjects) in one query peaked at 6.05 GB resident, in
#: parts of 250,000 at 3.1 GB and of 400,000 at 2.7 GB; enterprise (261,250
#: subjects, the most records per subject) in one part at 2.7 GB. Each part
#: scans the records again (about 4 s on the city), so parts are no smaller
#: than memory asks.
PART_ROWS = 400_000

_SIZE = re.compile(r"^\s*([0-9.]+)\s*([KMGT]?i?B)?\s*$", re.I)
_UNITS = {"": 1, "b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12}
_UNITS |= {"kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def size_bytes(text: str) -> int:
    """``"6GB"`` → 6e9 bytes (DuckDB's units: KB/MB/GB/TB powers of 1000, KiB… of 1024)."""
    m = _SIZE.match(text)
    if not m:
        raise ValueError(f"not a size: {text!r}")
    return int(float(m.group(1)) * _UNITS[(m.group(2) or "").lower()])


def rows_per_part(memory_limit: str | None, base: int = PART_ROWS) -> int:
    """Subjects per part for an engine memory limit (``None``: the default limit).

    :data:`PART_ROWS` is sized for :data:`REFERENCE_LIMIT`; a smaller limit
    gets proportionally smaller parts (never below 10,000 subjects: below
    that the fixed cost of a part dominates), a larger one keeps the default.
    """
    if not memory_limit:
        return base
    share = min(1.0, size_bytes(memory_limit) / size_bytes(REFERENCE_LIMIT))
    return max(10_000, int(base * share))


def population_ids_sql(scheme: Scheme, as_of: dt.date, engine: str = "duckdb") -> str:
    """The ids of ``scheme``'s population at ``as_of``, sorted (the ``pop`` of its build)."""
    ctes = population_sql(DIALECTS[engine], scheme, as_of, ())
    return f"WITH {ctes}\nSELECT subject_id FROM pop ORDER BY subject_id"


def cut(ids: list[str], rows: int) -> list[Part]:
    """Parts of about ``rows`` subjects each over the sorted ``ids``, covering every id.

    The first part is open below and the last open above, so the parts
    together cover any id; an empty or small population is one open part.
    """
    if rows < 1:
        raise ValueError("rows per part must be at least 1")
    n = len(ids)
    k = max(1, math.ceil(n / rows))
    if k == 1:
        return [Part()]
    # equal parts (the last not left with a sliver): part i starts at the i-th cut
    starts = [ids[(i * n) // k] for i in range(1, k)]
    bounds: list[str | None] = [None, *starts, None]
    return [Part(bounds[i], bounds[i + 1]) for i in range(k)]
