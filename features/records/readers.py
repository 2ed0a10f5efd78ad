"""Reading department files as they come: CSV (UTF-8, GBK, UTF-16), Parquet and Excel.

Every value is handed on as a string (empty string = missing) so that
validation sees what the department sent; typed Parquet and Excel cells are
turned into canonical strings first (dates ``YYYY-MM-DD``, whole numbers
without ``.0``). Headers may be the English column names, the English labels
or the Chinese labels of :mod:`features.records.schema`; headers are mapped by
position, and a column given twice (by the same header or by two spellings) is
refused. Every data sheet of a workbook is read with its own header row
(:mod:`features.records.workbooks`); CSV encodings and rows are in
:mod:`features.records.csv_files`.

Files are read in chunks; each chunk is a frame of strings indexed by the
row's line number in the file (the header is line 1; Excel row numbers
likewise), and progress is reported in bytes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from features.records import attributes
from features.records.csv_files import (
    EXTRA_FIELDS,
    csv_header,
    detect_encoding,
    next_csv_chunk,
    tolerant_csv_rows,
)
from features.records.schema import TABLES
from features.records.unreadable import UnreadableFileError
from features.records.validate import SET_BY_INGEST
from features.records.workbooks import WorkbookError, cell_text, sheet_headers, sheet_rows

__all__ = [
    "HeaderMap",
    "Part",
    "Progress",
    "TableFile",
    "UnreadableFileError",
    "cell_text",
    "detect_encoding",
    "file_format_of",
    "header_aliases",
    "map_headers",
    "open_table_file",
]

Progress = Callable[[int, int], None]


_FORMATS = {".csv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet", ".xlsx": "xlsx"}


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
    if table == "subjects":  # the attributes subject types declare (the table's columns win)
        for spelling, name in attributes.header_aliases(_header_key).items():
            aliases.setdefault(spelling, name)
    return aliases


@dataclass(frozen=True)
class HeaderMap:
    """How a file's headers map to the table's columns.

    Attributes
    ----------
    columns
        ``(position, column name)`` of the headers that are used; positions
        count from 0 in the header row.
    ignored
        Headers as written that are not columns of the table (or are set by ingestion).
    """

    columns: tuple[tuple[int, str], ...]
    ignored: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """The column names the headers give, in header order."""
        return tuple(name for _, name in self.columns)


def _column_words(table: str, name: str) -> str:
    if name not in TABLES[table].column_names:  # a declared attribute
        return name
    return f"{TABLES[table].column(name).label_zh}（{name}）"


def map_headers(
    where: Path | str, headers: Sequence[Any], table: str, required: Sequence[str]
) -> HeaderMap:
    """Map ``headers`` to column names of ``table`` and check ``required`` are present.

    ``where`` names the file (and sheet) in messages.

    Raises
    ------
    UnreadableFileError
        When a column is given twice (the same header twice, or two spellings of
        one column such as 主体标识 and subject_id: both are named with their
        positions) or a required column is missing.
    """
    aliases = header_aliases(table)
    columns: list[tuple[int, str]] = []
    ignored: list[str] = []
    seen: dict[str, tuple[int, str]] = {}
    for position, header in enumerate(headers):
        text = "" if header is None else str(header)
        name = aliases.get(_header_key(text))
        if name is None or name in SET_BY_INGEST:
            if text.strip():
                ignored.append(text)
            continue
        if name in seen:
            first, first_text = seen[name]
            raise UnreadableFileError(
                f"{where}: 第 {first + 1} 列“{first_text}”和第 {position + 1} 列“{text}”"
                f"是同一字段 {_column_words(table, name)}，请只保留一列 / "
                f"column {name} is given twice: column {first + 1} {first_text!r} and "
                f"column {position + 1} {text!r}; keep one"
            )
        seen[name] = (position, text)
        columns.append((position, name))
    missing = [c for c in required if c not in seen]
    if missing:
        words = "、".join(_column_words(table, c) for c in missing)
        raise UnreadableFileError(
            f"{where}: 缺少必需的列：{words} / missing required columns: {', '.join(missing)}"
        )
    return HeaderMap(tuple(columns), tuple(ignored))


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
class Part:
    """One table of a file: the whole CSV or Parquet file, or one sheet of a workbook.

    Attributes
    ----------
    sheet
        The sheet's name (``None`` for CSV and Parquet).
    headers
        How its header row maps to the table's columns.
    header_lines
        Lines the header row takes (a quoted header may span lines; CSV only).
    width
        Fields in the header row (CSV only).
    """

    sheet: str | None
    headers: HeaderMap
    header_lines: int = 1
    width: int = 0


@dataclass(frozen=True)
class TableFile:
    """An opened department file: format, encoding, its tables and size.

    Use :func:`open_table_file` to create one and :meth:`parts` or :meth:`chunks`
    to read it.

    Attributes
    ----------
    parts
        The tables to read: one for CSV and Parquet, one per data sheet of a workbook.
    skipped
        Sheets that are not read and why, ``(sheet, Chinese, English)``.
    tolerant
        Read a CSV file record by record: a row with more fields than the header
        comes with them in :data:`~features.records.csv_files.EXTRA_FIELDS` (for
        validation to quarantine) instead of making the file unreadable. Slower;
        :func:`~features.records.ingest.ingest_file` uses it when
        :class:`~features.records.csv_files.RaggedRowsError` says it is needed.
    """

    path: Path
    file_format: str
    encoding: str | None
    parts: tuple[Part, ...]
    total_bytes: int
    skipped: tuple[tuple[str, str, str], ...] = ()
    tolerant: bool = False

    @property
    def headers(self) -> HeaderMap:
        """The first table's header mapping (the only one but for workbooks)."""
        return self.parts[0].headers

    @property
    def ignored(self) -> tuple[str, ...]:
        """Headers not used, over all tables, each once."""
        return tuple(dict.fromkeys(h for p in self.parts for h in p.headers.ignored))

    @property
    def columns(self) -> tuple[str, ...]:
        """Column names the first table provides (after mapping)."""
        return self.headers.names

    def parts_chunks(
        self, chunk_rows: int = 200_000, progress: Progress | None = None
    ) -> Iterator[tuple[str | None, pd.DataFrame]]:
        """Yield ``(sheet, frame)``: frames of strings, at most ``chunk_rows`` rows.

        Frames are indexed by line number (CSV, the header is line 1) or row
        number (the sheet's, or as a CSV export would number Parquet rows); a
        frame never spans two sheets. Rows whose every cell is empty are
        skipped (blank lines are not rows).
        """
        report = progress or (lambda done, total: None)
        if self.file_format == "csv":
            source = ((None, f) for f in self._csv_chunks(chunk_rows, report))
        elif self.file_format == "parquet":
            source = ((None, f) for f in self._parquet_chunks(chunk_rows, report))
        else:
            source = self._excel_chunks(chunk_rows, report)
        for sheet, frame in source:
            blank = (frame == "").all(axis=1)
            yield sheet, (frame[~blank] if blank.any() else frame)
        report(self.total_bytes, self.total_bytes)

    def chunks(
        self, chunk_rows: int = 200_000, progress: Progress | None = None
    ) -> Iterator[pd.DataFrame]:
        """The frames of :meth:`parts_chunks` without their sheet names."""
        for _, frame in self.parts_chunks(chunk_rows, progress):
            yield frame

    def _tolerant_chunks(self, chunk_rows: int) -> Iterator[pd.DataFrame]:
        part = self.parts[0]
        width = max([p for p, _ in part.headers.columns], default=-1) + 1
        width = max(width, part.width)
        keep = [p for p, _ in part.headers.columns] + [width]
        names = [*part.headers.names, EXTRA_FIELDS]
        for rows, numbers in tolerant_csv_rows(self.path, self.encoding, width, chunk_rows):
            frame = pd.DataFrame(rows, dtype=str)[keep].set_axis(names, axis=1)
            frame.index = pd.Index(numbers, name="row_number")
            yield frame

    def _csv_chunks(self, chunk_rows: int, report: Progress) -> Iterator[pd.DataFrame]:
        if self.tolerant:
            yield from self._tolerant_chunks(chunk_rows)
            return
        part = self.parts[0]
        positions = [p for p, _ in part.headers.columns]
        next_line = part.header_lines + 1  # data starts after the header
        with open(self.path, "rb") as fh:
            # index_col=False: a row with more fields than the header must not turn
            # the first column into an index (pandas would shift every value)
            reader = pd.read_csv(
                fh,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                encoding=self.encoding,
                chunksize=chunk_rows,
                skip_blank_lines=False,
                index_col=False,
            )
            try:
                while (frame := next_csv_chunk(self.path, reader)) is not None:
                    width = frame.shape[1]
                    frame = frame.fillna("")
                    frame.columns = range(width)
                    # a quoted field with newlines spans several lines of the file (every
                    # column counts, used or not, so all are read)
                    spans = 1 + sum(frame[c].str.count("\n").to_numpy() for c in range(width))
                    spans = np.broadcast_to(spans, len(frame))
                    if len(frame):
                        starts = next_line + np.concatenate(([0], np.cumsum(spans)[:-1]))
                        next_line = int(starts[-1] + spans[-1])
                    else:
                        starts = np.empty(0, dtype=np.int64)
                    frame = frame[positions].set_axis(list(part.headers.names), axis=1)
                    frame.index = pd.Index(starts, name="row_number")
                    report(min(fh.tell(), self.total_bytes), self.total_bytes)
                    yield frame
            finally:
                reader.close()

    def _parquet_chunks(self, chunk_rows: int, report: Progress) -> Iterator[pd.DataFrame]:
        part = self.parts[0]
        try:
            pfile = pq.ParquetFile(self.path)
            names = pfile.schema_arrow.names
            total_rows = max(pfile.metadata.num_rows, 1)
            done = 0
            wanted = [names[p] for p, _ in part.headers.columns]
            for batch in pfile.iter_batches(batch_size=chunk_rows, columns=wanted):
                frame = pd.DataFrame(
                    {
                        name: _arrow_column_text(batch.column(source))
                        for source, name in zip(wanted, part.headers.names, strict=True)
                    }
                )
                # Parquet has no lines: number rows as a CSV export would (header = 1)
                frame.index = pd.RangeIndex(done + 2, done + 2 + len(frame), name="row_number")
                done += len(frame)
                report(int(self.total_bytes * done / total_rows), self.total_bytes)
                yield frame
        except (pa.ArrowException, OSError) as exc:
            raise UnreadableFileError(
                f"{self.path}: 不是可读的 Parquet 文件 / not a readable Parquet file ({exc})"
            ) from None

    def _excel_chunks(
        self, chunk_rows: int, report: Progress
    ) -> Iterator[tuple[str | None, pd.DataFrame]]:
        for done, part in enumerate(self.parts, start=1):
            assert part.sheet is not None
            positions = [p for p, _ in part.headers.columns]
            try:
                for rows, numbers in sheet_rows(self.path, part.sheet, positions, chunk_rows):
                    frame = pd.DataFrame(rows, columns=list(part.headers.names), dtype=str)
                    frame.index = pd.Index(numbers, name="row_number")
                    yield part.sheet, frame
            except WorkbookError as exc:
                raise UnreadableFileError(f"{self.path}: {exc}") from None
            report(self.total_bytes * done // len(self.parts), self.total_bytes)


def _parquet_header(path: Path) -> list[str]:
    try:
        return list(pq.read_schema(path).names)
    except (pa.ArrowException, OSError) as exc:
        raise UnreadableFileError(
            f"{path}: 不是可读的 Parquet 文件 / not a readable Parquet file ({exc})"
        ) from None


def _excel_parts(
    path: Path, table: str, required: Sequence[str]
) -> tuple[tuple[Part, ...], tuple[tuple[str, str, str], ...]]:
    """The data sheets of a workbook, and the sheets skipped with the reason.

    A sheet with nothing in row 1 (an empty sheet) and a sheet none of whose
    headers is a column of ``table`` (a sheet of instructions or of allowed
    values) are skipped and said; a sheet that has some of the columns but not
    all required ones, or a column twice, makes the file unreadable (its rows
    would otherwise be lost in silence).
    """
    try:
        sheets = sheet_headers(path)
    except WorkbookError as exc:
        raise UnreadableFileError(f"{path}: {exc}") from None
    aliases = header_aliases(table)
    parts: list[Part] = []
    skipped: list[tuple[str, str, str]] = []
    for sheet in sheets:
        if not sheet.headers:
            if sheet.rows > 1:
                raise UnreadableFileError(
                    f"{path} [{sheet.name}]: 第 1 行为空，表头须在第 1 行 / "
                    "row 1 is empty: the header must be in row 1"
                )
            skipped.append((sheet.name, "空工作表", "empty sheet"))
            continue
        known = [
            h for h in sheet.headers if aliases.get(_header_key(h)) not in (None, *SET_BY_INGEST)
        ]
        if not known:
            skipped.append((sheet.name, "没有可识别的列名", "no known column headers"))
            continue
        headers = map_headers(f"{path} [{sheet.name}]", sheet.headers, table, required)
        parts.append(Part(sheet.name, headers))
    if not parts:
        said = "; ".join(f"{name}: {en}" for name, _, en in skipped) or "no sheet"
        said_zh = "；".join(f"{name}：{zh}" for name, zh, _ in skipped) or "没有工作表"
        raise UnreadableFileError(
            f"{path}: 没有含数据表头的工作表（{said_zh}） / no sheet has a header row with the "
            f"columns of {table} ({said})"
        )
    return tuple(parts), tuple(skipped)


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
            f"{path}: 不支持的文件类型 {path.suffix or '（无）'}，应为 .csv、.parquet 或 .xlsx / "
            f"unsupported file type {path.suffix or '(none)'!r}; "
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
        Unknown format, undecodable bytes, damaged file, a column given twice,
        missing required columns, a workbook without a data sheet.
    """
    path = Path(path)
    if not path.is_file():
        raise UnreadableFileError(f"{path}: 文件不存在 / no such file")
    fmt = file_format_of(path)
    size = path.stat().st_size
    if fmt == "xlsx":
        parts, skipped = _excel_parts(path, table, required)
        return TableFile(path, fmt, None, parts, size, skipped)
    encoding = detect_encoding(path) if fmt == "csv" else None
    raw = csv_header(path, encoding) if fmt == "csv" else _parquet_header(path)
    headers = map_headers(path, raw, table, required)
    lines = 1 + sum(h.count("\n") for h in raw)
    return TableFile(path, fmt, encoding, (Part(None, headers, lines, len(raw)),), size)
