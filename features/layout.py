"""How the store keeps its rows for the reads ratings make (``xinping cluster``).

A look-up reads one subject's records, and for some schemes the records of many
subjects at once: a village's (信用村) or a township's households, and the households
of the village a co-operative farms in (``village_households``). Sorted by subject
alone, a village's 400 households lie in 400 places of the county's records; sorted
first by the group columns the aggregate schemes declare (their members'
``township_code``, ``village_code``), then by subject, they are one run, and each
subject's rows are still together (the row directory finds them the same way).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from features.dsl import Scheme
from features.schemes import schemes
from features.store.base import Store

#: The tables :func:`cluster_store` sorts, each by its subject.
CLUSTERED = ("records", "subjects")


def group_columns(declared: Iterable[Scheme] | None = None) -> tuple[str, ...]:
    """The subjects' columns the aggregate schemes group their members by
    (``Scheme.members``), each once, in declaration order (``None``: the active
    registry's schemes)."""
    pool = schemes().values() if declared is None else declared
    found = [s.members[1] for s in pool if s.members]
    return tuple(dict.fromkeys(found))


def coarsest_first(store: Store, columns: Iterable[str]) -> tuple[str, ...]:
    """``columns`` of ``subjects`` ordered by how many values each holds, fewest first
    (a township before its villages), so the sort keeps the finer groups inside the
    coarser ones where they nest."""
    cols = tuple(columns)
    if not cols:
        return ()
    counts = ", ".join(f"count(DISTINCT {c}) AS {c}" for c in cols)
    row = store.query_arrow(f"SELECT {counts} FROM subjects").to_pylist()[0]
    return tuple(sorted(cols, key=lambda c: (row[c], cols.index(c))))


def cluster_store(store: Store, report: Callable[[str, int, int], None] | None = None) -> None:
    """Sort :data:`CLUSTERED` by subject, ``records`` with a group's subjects side by
    side (:func:`group_columns`, coarsest first). ``report(stage, done, total)``: progress.

    Same rows, nothing lost (:meth:`Store.cluster`); an engine that keeps no order does
    nothing.
    """
    near = coarsest_first(store, group_columns())
    for i, table in enumerate(CLUSTERED):
        if report:
            report("整理 clustering by subject", i, len(CLUSTERED))
        store.cluster(table, "subject_id", near if table == "records" else ())
    if report:
        report("整理 clustering by subject", len(CLUSTERED), len(CLUSTERED))
