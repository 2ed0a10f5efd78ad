"""Types between the declared tables, Arrow, Spark and pandas, for the Spark store.

* :func:`spark_schema` / :func:`arrow_schema`: a declared table's schema;
* :func:`conform`: any frame as exactly a declared table's columns and types;
* :func:`to_pandas_like_duckdb`: a Spark result as the pandas dtypes DuckDB's
  ``.df()`` gives (see :mod:`features.store.spark_store`).

Pure Arrow and pandas: importable without PySpark (Spark's Python workers use it
too, :mod:`features.store.spark_map`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pyarrow as pa

from features.records.schema import Table

#: Logical dtypes of features/records/schema.py as Spark SQL and Arrow types.
SPARK_TYPES: dict[str, str] = {
    "string": "STRING",
    "date": "DATE",
    "timestamp": "TIMESTAMP_NTZ",  # local wall-clock time, like DuckDB's TIMESTAMP
    "float": "DOUBLE",
    "int": "BIGINT",
    "bool": "BOOLEAN",
}
ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
    "float": pa.float64(),
    "int": pa.int64(),
    "bool": pa.bool_(),
}


def spark_schema(tbl: Table) -> str:
    """DDL schema of a declared table (``name TYPE, …``) for Spark."""
    return ", ".join(f"{c.name} {SPARK_TYPES[c.dtype]}" for c in tbl.columns)


def arrow_schema(tbl: Table) -> pa.Schema:
    """Arrow schema of a declared table."""
    return pa.schema([pa.field(c.name, ARROW_TYPES[c.dtype]) for c in tbl.columns])


def _arrow(data: pd.DataFrame | pa.Table) -> pa.Table:
    return data if isinstance(data, pa.Table) else pa.Table.from_pandas(data, preserve_index=False)


def conform(tbl: Table, data: pd.DataFrame | pa.Table) -> pa.Table:
    """``data`` as an Arrow table with exactly ``tbl``'s columns and types.

    Missing columns are null or take their declared default (``recorded_at``:
    now, local time, as DuckDB's ``current_timestamp::TIMESTAMP``). Raises
    ``ValueError`` for an undeclared column or a null in a required one.
    """
    at = _arrow(data)
    extra = [c for c in at.column_names if c not in tbl.column_names]
    if extra:
        raise ValueError(f"table {tbl.name} has no columns {extra}")
    n = at.num_rows
    arrays = []
    for col in tbl.columns:
        typ = ARROW_TYPES[col.dtype]
        if col.name in at.column_names:
            arr = at.column(col.name)
            temporal = col.dtype in ("date", "timestamp")
            # Temporal casts truncate (as DuckDB's INSERT does); others must be exact.
            arr = arr.cast(typ, safe=not temporal) if arr.type != typ else arr
        elif col.default_sql and "current_timestamp" in col.default_sql.lower():
            arr = pa.array([dt.datetime.now().replace(tzinfo=None)] * n, typ)
        elif col.default_sql:
            raise ValueError(
                f"table {tbl.name}: column {col.name} has a default the Spark store cannot "
                f"compute ({col.default_sql}); pass the column"
            )
        else:
            arr = pa.nulls(n, typ)
        if not col.nullable and arr.null_count:
            raise ValueError(
                f"table {tbl.name}: column {col.name} may not be null "
                f"({arr.null_count} of {n} rows are)"
            )
        arrays.append(arr)
    return pa.Table.from_arrays(arrays, schema=arrow_schema(tbl))


def _normalise_arrow(tbl: pa.Table) -> pa.Table:
    """Spark's Arrow result in the types DuckDB's ``to_arrow_table`` gives.

    Timestamps become microseconds without time zone (the session runs in
    UTC, so wall-clock values are kept); large strings become strings; every
    field is nullable.
    """
    fields = []
    for f in tbl.schema:
        typ = f.type
        if pa.types.is_timestamp(typ):
            typ = pa.timestamp("us")
        elif pa.types.is_large_string(typ) or pa.types.is_string_view(typ):
            typ = pa.string()
        fields.append(pa.field(f.name, typ, nullable=True))
    schema = pa.schema(fields)
    if schema == tbl.schema:
        return tbl
    return tbl.cast(schema, safe=False)


def to_pandas_like_duckdb(tbl: pa.Table) -> pd.DataFrame:
    """An Arrow table as pandas with the dtypes DuckDB's ``.df()`` gives (see module doc)."""
    columns: dict[str, Any] = {}
    for name, col in zip(tbl.column_names, tbl.columns, strict=True):
        typ, n, nulls = col.type, len(col), col.null_count
        if pa.types.is_date(typ) or pa.types.is_timestamp(typ):
            if pa.types.is_timestamp(typ) and typ.tz is not None:
                col = col.cast(pa.timestamp(typ.unit))
            series = col.cast(pa.timestamp("us"), safe=False).to_pandas()
            columns[name] = series.astype("datetime64[us]")
        elif pa.types.is_string(typ) or pa.types.is_large_string(typ) or pa.types.is_null(typ):
            if nulls == n:  # DuckDB: an all-null (or empty) text column is object of None
                columns[name] = pd.Series([None] * n, dtype="object")
            else:
                columns[name] = col.to_pandas()
        elif pa.types.is_integer(typ):
            if nulls:  # pandas' nullable integer of the same width (Int64, Int32…)
                nullable = pd.api.types.pandas_dtype(typ.to_pandas_dtype()).name
                nullable = nullable.replace("uint", "UInt").replace("int", "Int")
                columns[name] = col.to_pandas(
                    types_mapper={typ: pd.api.types.pandas_dtype(nullable)}.get
                )
            else:
                columns[name] = col.to_pandas()
        elif pa.types.is_boolean(typ):
            columns[name] = col.to_pandas().astype("boolean" if nulls else "bool")
        elif pa.types.is_decimal(typ):
            columns[name] = col.cast(pa.float64()).to_pandas()
        else:
            columns[name] = col.to_pandas()
    frame = pd.DataFrame({k: v.reset_index(drop=True) for k, v in columns.items()})
    frame.columns = list(tbl.column_names)
    return frame
