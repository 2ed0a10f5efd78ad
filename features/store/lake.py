"""The lake layout: the store's tables as Parquet datasets in one folder.

A lake (DESIGN.md §11) is what the Spark store reads at province scale:
``<lake>/<table>/`` holds one Parquet dataset per declared table, written by
:meth:`features.store.duckdb_store.DuckDBStore.export_parquet` (``xinping
export-lake``) or by the Spark store itself, and ``<lake>/_lake.json`` is its
manifest (tables, row counts, layout, schema version, export time).

Partitioning (Hive style, ``column=value`` folders) follows how the data is
read and how it grows:

``records`` — by ``kind`` and ``year``
    Every indicator reads a few kinds (``r.kind IN (…)`` in the compiled SQL),
    so Spark prunes whole folders. ``year`` is the year of ``published_on``,
    the one date every record has (NOT NULL) and the date point in time is
    decided by (a record counts at T only if published on or before T): a
    nightly or monthly export only adds or rewrites the latest year's folders.
    ``year`` is a partition column only — it is not a declared column and the
    Spark store drops it when it reads the table.
``subjects`` — by ``subject_type``
    Populations are chosen by type (enterprise, household, driver…).
``ratings`` — by ``scheme`` and ``as_of``
    A batch is one scheme and one as-of date: the Spark scoring job replaces
    exactly its own folder (dynamic partition overwrite).
other tables — not partitioned
    objections, repairs, inspections, logs: small, read whole.
``users``, ``audit_log`` — never exported
    Declared ``lake=False`` (:data:`LAKE_TABLES`): accounts, password hashes and
    who-looked-at-whom are not analytical and stay in the platform's store.

Partition columns lose their type in a folder name; the Spark store reads
every table with its declared schema, so ``as_of`` is a ``DATE`` again and
the compiled SQL sees the same columns and types as on DuckDB.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from features.records.schema import TABLES

MANIFEST = "_lake.json"
#: The tables a lake holds, in declaration order: every table but the workflow
#: ones declared ``lake=False`` (accounts with password hashes, the audit log).
LAKE_TABLES: tuple[str, ...] = tuple(name for name, tbl in TABLES.items() if tbl.lake)
#: Version of the lake layout (partitioning and manifest); bump when it changes.
LAYOUT_VERSION = 1


@dataclass(frozen=True)
class Partition:
    """One partition column of a table: its folder name and the SQL that computes it.

    ``sql`` is an expression over the table's declared columns that reads the
    same in DuckDB and Spark SQL; ``derived`` partitions are not declared
    columns (they exist only as folder names).
    """

    name: str
    sql: str
    derived: bool = False


#: Partition columns per table, outermost first (tables not listed are flat).
PARTITIONS: dict[str, tuple[Partition, ...]] = {
    "records": (Partition("kind", "kind"), Partition("year", "year(published_on)", True)),
    "subjects": (Partition("subject_type", "subject_type"),),
    "ratings": (Partition("scheme", "scheme"), Partition("as_of", "as_of")),
    # one monitoring run (`xinping monitor --engine spark`) replaces its own folder
    "monitoring": (Partition("scheme", "scheme"), Partition("monitored_as_of", "monitored_as_of")),
    "monitor_alerts": (
        Partition("scheme", "scheme"),
        Partition("monitored_as_of", "monitored_as_of"),
    ),
}


def partitions(table: str) -> tuple[Partition, ...]:
    """Partition columns of ``table`` (empty for a flat table)."""
    return PARTITIONS.get(table, ())


def derived_partitions(table: str) -> tuple[Partition, ...]:
    """Partition columns of ``table`` that are not declared columns."""
    return tuple(p for p in partitions(table) if p.derived)


def schema_version() -> str:
    """A short fingerprint of the declared tables (names, columns, types, nullability).

    Two lakes with the same fingerprint hold the same columns; a reader can
    refuse a lake written under another schema.
    """
    text = json.dumps(
        {
            name: [(c.name, c.dtype, c.nullable) for c in tbl.columns]
            for name, tbl in sorted(TABLES.items())
        },
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def manifest(
    rows: Mapping[str, int], source: str | None = None, exported_at: dt.datetime | None = None
) -> dict[str, Any]:
    """The manifest of a lake holding ``rows`` rows per table.

    Parameters
    ----------
    rows
        Rows written per table.
    source
        Where the rows came from (e.g. the DuckDB file).
    exported_at
        Export time (default: now, UTC).
    """
    when = exported_at or dt.datetime.now(dt.UTC)
    return {
        "layout_version": LAYOUT_VERSION,
        "schema_version": schema_version(),
        "exported_at": when.isoformat(timespec="seconds"),
        "source": source,
        "tables": {
            name: {
                "rows": int(n),
                "partition_by": [p.name for p in partitions(name)],
                "derived": [p.name for p in derived_partitions(name)],
            }
            for name, n in rows.items()
        },
    }


def write_manifest(root: str | Path, content: Mapping[str, Any]) -> Path:
    """Write ``content`` as ``<root>/_lake.json``; return the file's path."""
    path = Path(root) / MANIFEST
    path.write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def read_manifest(root: str | Path) -> dict[str, Any] | None:
    """The manifest of the lake at ``root``, or ``None`` when it has none."""
    path = Path(root) / MANIFEST
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))
