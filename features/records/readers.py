"""Reading department files as they come: CSV (UTF-8 or GBK), Parquet and Excel.

Every value is handed on as a string (empty string = missing) so that
validation sees what the department sent; typed Parquet and Excel cells are
turned into canonical strings first (dates ``YYYY-MM-DD``, whole numbers
without ``.0``). Headers may be the English column names, the English labels
or the Chinese labels of :mod:`features.records.schema`.

Files are read in chunks; each chunk is a frame of strings indexed by the
row's line number in the file (the header is line 1; Excel row numbers
likewise), and progress is reported in bytes.
"""

from __future__ import annotations

import codecs
import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from features.records.schema import TABLES
from features.records.validate import SET_BY_INGEST

Progress = Callable[[int, int], None]


_FORMATS = {".csv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet", ".xlsx": "xlsx"}
_BLOCK = 1 << 20


class UnreadableFileError(Exception):
    """A file that cannot be ingested at all; the message names the file and the cause."""


# --- headers ---------------------------------------------------------------


def _header_key(text: str) -> str:
    # NFKC folds full-width brackets and spaces (金额（元） == 金额(元)); casefold for English.
    return unicodedata.normalize("NFKC", str(text)).replace("\ufeff", "").strip().casefold()


def header_aliases(table: str) -> dict[str, str]:
    """Map every accepted header spelling of ``table`` to its column name.

    Accepted are the column name, the English label and the Chinese label,
    compared after Unicode NFKC normalisation, trimming and case folding.
    """
    aliases: dict[str, str] = {}
    for col in TABLES[table].columns:
        for spelling in (col.name, col.label_en, col.label_zh):
            aliases.setdefault(_header_key(spelling), col.name)
    return aliases


@dataclass(frozen=True)
class HeaderMap:
    """How a file's headers map to the table's columns.

    Attributes
    ----------
    rename
        Header as written → column name, for the headers that are used.
    ignored
        Headers as written that are not columns of the table (or are set by ingestion).
    """

    rename: dict[str, str]
    ignored: tuple[str, ...]


def map_headers(
    path: Path | str, headers: Sequence[Any], table: str, required: Sequence[str]
) -> HeaderMap:
    """Map ``headers`` to column names of ``table`` and check ``required`` are present.

    Raises
    ------
    UnreadableFileError
        When a column appears twice or a required column is missing.
    """
    aliases = header_aliases(table)
    rename: dict[str, str] = {}
    ignored: list[str] = []
    seen: dict[str, str] = {}
    for header in headers:
        text = "" if header is None else str(header)
        name = aliases.get(_header_key(text))
        if name is None or name in SET_BY_INGEST:
            if text.strip():
                ignored.append(text)
            continue
        if name in seen:
            raise UnreadableFileError(
                f"{path}: column {name} is given twice (headers {seen[name]!r} and {text!r})"
            )
        seen[name] = text
        rename[text] = name
    missing = [c for c in required if c not in seen]
    if missing:
        raise UnreadableFileError(f"{path}: missing required columns: {', '.join(missing)}")
    return HeaderMap(rename, tuple(ignored))


# --- encodings -------------------------------------------------------------


def _decode_failure(path: Path, encoding: str) -> tuple[int, int] | None:
    """Stream-decode the whole file; ``(offset, byte)`` of the first bad byte, or None."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset = 0
    with open(path, "rb") as fh:
        while True:
            block = fh.read(_BLOCK)
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                # exc.start is relative to the decoder's buffered input, which may begin
                # a few bytes before this block (a multi-byte character cut by the block).
                pending = len(exc.object) - len(block)
                pos = max(offset - pending + exc.start, 0)
                return pos, exc.object[exc.start]
            if not block:
                return None
            offset += len(block)


def detect_encoding(path: Path | str) -> str:
    """``utf-8-sig`` (with or without BOM) or ``gb18030`` (a superset of GBK).

    Raises
    ------
    UnreadableFileError
        When the file decodes as neither; the message gives the offending byte
        and offset of the decoding that got further (the likelier intent).
    """
    path = Path(path)
    utf8 = _decode_failure(path, "utf-8")
    if utf8 is None:
        return "utf-8-sig"
    gbk = _decode_failure(path, "gb18030")
    if gbk is None:
        return "gb18030"
    offset, byte = max(utf8, gbk)
    raise UnreadableFileError(
        f"{path}: cannot be decoded as UTF-8 or GBK (byte 0x{byte:02x} at offset {offset})"
    )


# --- typed cells to canonical strings -------------------------------------


def cell_text(value: Any) -> str:
    """Canonical string of one typed cell (Excel or Parquet); empty for missing."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, dt.datetime | pd.Timestamp):
        if pd.isna(value):
            return ""
        if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
            return value.strftime("%Y-%m-%d")
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(float(value))
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    return str(value)


def _arrow_column_text(col: pa.ChunkedArray | pa.Array) -> pd.Series:
    """A typed Arrow column as canonical strings."""
    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        return col.to_pandas().fillna("").astype(str)
    if pa.types.is_date(col.type):
        out = col.to_pandas(date_as_object=True)
        return pd.Series([cell_text(v) for v in out], dtype=str)
    # ints, floats, decimals, timestamps, bools: one Python object per cell
    return pd.Series([cell_text(v) for v in col.to_pylist()], dtype=str)


# --- readers ---------------------------------------------------------------


@dataclass(frozen=True)
class TableFile:
    """An opened department file: format, encoding, header mapping and size.

    Use :func:`open_table_file` to create one and :meth:`chunks` to read it.
    """

    path: Path
    file_format: str
    encoding: str | None
    headers: HeaderMap
    total_bytes: int

    @property
    def columns(self) -> tuple[str, ...]:
        """Column names the file provides (after mapping)."""
        return tuple(self.headers.rename.values())

    def chunks(
        self, chunk_rows: int = 200_000, progress: Progress | None = None
    ) -> Iterator[pd.DataFrame]:
        """Yield frames of strings, at most ``chunk_rows`` rows, indexed by line number.

        Rows whose every cell is empty are skipped (blank lines are not rows).
        """
        report = progress or (lambda done, total: None)
        if self.file_format == "csv":
            source = self._csv_chunks(chunk_rows, report)
        elif self.file_format == "parquet":
            source = self._parquet_chunks(chunk_rows, report)
        else:
            source = self._excel_chunks(chunk_rows, report)
        for frame in source:
            frame = frame.rename(columns=self.headers.rename)[list(self.columns)]
            blank = (frame == "").all(axis=1)
            yield frame[~blank] if blank.any() else frame
        report(self.total_bytes, self.total_bytes)

    def _csv_chunks(self, chunk_rows: int, report: Progress) -> Iterator[pd.DataFrame]:
        # the header may itself span lines (a quoted newline); data starts after it
        next_line = 1 + sum(str(h).count("\n") for h in self.headers.rename) + 1
        with open(self.path, "rb") as fh:
            reader = pd.read_csv(
                fh,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                encoding=self.encoding,
                chunksize=chunk_rows,
                skip_blank_lines=False,
            )
            try:
                for frame in reader:
                    frame = frame.fillna("")
                    # a quoted field with newlines spans several lines of the file (every
                    # column counts, used or not, so all are read)
                    spans = 1 + sum(frame[c].str.count("\n").to_numpy() for c in frame.columns)
                    starts = next_line + np.concatenate(([0], np.cumsum(spans)[:-1]))
                    next_line = int(starts[-1] + spans[-1]) if len(frame) else next_line
                    frame.index = pd.Index(starts, name="row_number")
                    report(min(fh.tell(), self.total_bytes), self.total_bytes)
                    yield frame
            except pd.errors.ParserError as exc:
                raise UnreadableFileError(f"{self.path}: {_parser_message(exc)}") from None
            finally:
                reader.close()

    def _parquet_chunks(self, chunk_rows: int, report: Progress) -> Iterator[pd.DataFrame]:
        try:
            pfile = pq.ParquetFile(self.path)
            total_rows = max(pfile.metadata.num_rows, 1)
            done = 0
            wanted = list(self.headers.rename)
            for batch in pfile.iter_batches(batch_size=chunk_rows, columns=wanted):
                frame = pd.DataFrame(
                    {name: _arrow_column_text(batch.column(name)) for name in batch.schema.names}
                )
                # Parquet has no lines: number rows as a CSV export would (header = 1)
                frame.index = pd.RangeIndex(done + 2, done + 2 + len(frame), name="row_number")
                done += len(frame)
                report(int(self.total_bytes * done / total_rows), self.total_bytes)
                yield frame
        except (pa.ArrowException, OSError) as exc:
            raise UnreadableFileError(f"{self.path}: not a readable Parquet file ({exc})") from None

    def _excel_chunks(self, chunk_rows: int, report: Progress) -> Iterator[pd.DataFrame]:
        book = _open_workbook(self.path)
        try:
            sheet = book.worksheets[0]
            total_rows = max((sheet.max_row or 1) - 1, 1)
            rows = sheet.iter_rows(values_only=True)
            headers = [cell_text(v) for v in next(rows)]
            keep = [i for i, h in enumerate(headers) if h in self.headers.rename]
            names = [headers[i] for i in keep]
            buffer: list[list[str]] = []
            numbers: list[int] = []
            for number, values in enumerate(rows, start=2):
                buffer.append([cell_text(values[i]) if i < len(values) else "" for i in keep])
                numbers.append(number)
                if len(buffer) >= chunk_rows:
                    yield _frame(buffer, names, numbers)
                    report(int(self.total_bytes * (number - 1) / total_rows), self.total_bytes)
                    buffer, numbers = [], []
            if buffer:
                yield _frame(buffer, names, numbers)
        finally:
            book.close()


def _frame(rows: list[list[str]], names: list[str], numbers: list[int]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=names, dtype=str)
    frame.index = pd.Index(numbers, name="row_number")
    return frame


def _parser_message(exc: Exception) -> str:
    match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
    if match:
        want, line, saw = match.groups()
        return (
            f"record {line} (counting the header as 1) has {saw} fields, expected {want}; "
            "check for an unquoted comma"
        )
    return f"not a readable CSV file ({exc})"


def _open_workbook(path: Path) -> Any:
    import openpyxl  # only Excel files need it

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise UnreadableFileError(f"{path}: not a readable Excel file ({exc})") from None


def _read_headers(path: Path, file_format: str, encoding: str | None) -> list[Any]:
    if file_format == "csv":
        try:
            head = pd.read_csv(path, dtype=str, nrows=0, encoding=encoding)
        except pd.errors.EmptyDataError:
            raise UnreadableFileError(f"{path}: the file is empty (no header line)") from None
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise UnreadableFileError(f"{path}: not a readable CSV file ({exc})") from None
        return list(head.columns)
    if file_format == "parquet":
        try:
            return list(pq.read_schema(path).names)
        except (pa.ArrowException, OSError) as exc:
            raise UnreadableFileError(f"{path}: not a readable Parquet file ({exc})") from None
    book = _open_workbook(path)
    try:
        if not book.worksheets:
            raise UnreadableFileError(f"{path}: the workbook has no sheet")
        first = next(book.worksheets[0].iter_rows(max_row=1, values_only=True), None)
    finally:
        book.close()
    if not first:
        raise UnreadableFileError(f"{path}: the first sheet is empty (no header row)")
    return [cell_text(v) for v in first]


def file_format_of(path: Path | str) -> str:
    """``csv``, ``parquet`` or ``xlsx`` from the file name.

    Raises
    ------
    UnreadableFileError
        For any other extension (``.xls`` is not supported: save it as .xlsx).
    """
    path = Path(path)
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UnreadableFileError(
            f"{path}: unsupported file type {path.suffix or '(none)'!r}; "
            "expected .csv, .parquet or .xlsx"
        )
    return fmt


def open_table_file(path: Path | str, table: str, required: Sequence[str]) -> TableFile:
    """Open ``path`` for ``table``: detect format and encoding, map and check headers.

    Parameters
    ----------
    path
        The department file.
    table
        Target table (``records`` or ``subjects``).
    required
        Columns the file must provide (see :func:`features.records.validate.required_columns`).

    Raises
    ------
    UnreadableFileError
        Unknown format, undecodable bytes, damaged file, missing required columns.
    """
    path = Path(path)
    if not path.is_file():
        raise UnreadableFileError(f"{path}: no such file")
    fmt = file_format_of(path)
    encoding = detect_encoding(path) if fmt == "csv" else None
    headers = map_headers(path, _read_headers(path, fmt, encoding), table, required)
    return TableFile(path, fmt, encoding, headers, path.stat().st_size)
