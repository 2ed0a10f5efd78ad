"""CSV department files: their encoding, their header line and their rows.

Departments export CSV as UTF-8 (with or without a byte-order mark), GBK or,
from Excel's "Unicode text", UTF-16 with a byte-order mark. The header is read
as written (a repeated header keeps both spellings, so that it can be refused
by position), and a row with more fields than the header is an error, never a
silent shift of every value.
"""

from __future__ import annotations

import codecs
import csv
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from features.records.unreadable import UnreadableFileError

__all__ = [
    "EXTRA_FIELDS",
    "RaggedRowsError",
    "csv_header",
    "detect_encoding",
    "next_csv_chunk",
    "tolerant_csv_rows",
]

#: The column that carries a row's fields beyond the header's (tolerant reading).
EXTRA_FIELDS = "_extra_fields"


class RaggedRowsError(UnreadableFileError):
    """A row has more fields than the header: read the file again row by row
    (:func:`tolerant_csv_rows`), quarantining such rows."""


_BLOCK = 1 << 20


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
    """``utf-8-sig`` (with or without BOM), ``gb18030`` (a superset of GBK) or ``utf-16``.

    UTF-16 (Excel's "Unicode text") is recognised by its byte-order mark.

    Raises
    ------
    UnreadableFileError
        When the file decodes as none; the message gives the offending byte
        and offset of the decoding that got further (the likelier intent). Also
        when the first line holds NUL bytes (UTF-16 without a byte-order mark,
        or not a text file): its header could not be read.
    """
    path = Path(path)
    with open(path, "rb") as fh:
        head = fh.read(_BLOCK)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        if _decode_failure(path, "utf-16") is None:
            return "utf-16"
    elif b"\x00" in head.split(b"\n", 1)[0]:
        raise UnreadableFileError(
            f"{path}: 第一行含有空字节（NUL），不是 UTF-8 或 GBK 文本文件（可能是无 BOM 的 "
            "UTF-16 或二进制文件），请另存为 UTF-8 CSV / the first line holds NUL bytes: "
            "not a UTF-8 or GBK text file (UTF-16 without a byte-order mark, or binary); "
            "save it as UTF-8 CSV"
        )
    utf8 = _decode_failure(path, "utf-8")
    if utf8 is None:
        return "utf-8-sig"
    gbk = _decode_failure(path, "gb18030")
    if gbk is None:
        return "gb18030"
    offset, byte = max(utf8, gbk)
    raise UnreadableFileError(
        f"{path}: 无法按 UTF-8 或 GBK 解码（偏移 {offset} 处的字节 0x{byte:02x}） / "
        f"cannot be decoded as UTF-8 or GBK (byte 0x{byte:02x} at offset {offset})"
    )


def next_csv_chunk(path: Path, reader: Any) -> pd.DataFrame | None:
    """The next chunk of a CSV reader (``None`` at the end); a ragged row is an error."""
    with warnings.catch_warnings():
        # with index_col=False pandas only warns, and drops the extra fields
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            return next(reader)
        except StopIteration:
            return None
        except pd.errors.ParserWarning:
            raise RaggedRowsError(
                f"{path}: 有数据行的字段多于表头的列数，请检查未加引号的逗号 / "
                "rows have more fields than the header has columns; check for an unquoted comma"
            ) from None
        except pd.errors.ParserError as exc:
            ragged = "fields in line" in str(exc)
            error = RaggedRowsError if ragged else UnreadableFileError
            raise error(f"{path}: {_parser_message(exc)}") from None


def _parser_message(exc: Exception) -> str:
    match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
    if match:
        want, line, saw = match.groups()
        return (
            f"第 {line} 条记录（表头算第 1 条）有 {saw} 个字段，应为 {want} 个，"
            "请检查未加引号的逗号 / "
            f"record {line} (counting the header as 1) has {saw} fields, expected {want}; "
            "check for an unquoted comma"
        )
    return f"不是可读的 CSV 文件 / not a readable CSV file ({exc})"


def csv_header(path: Path, encoding: str | None) -> list[str]:
    """The first record of a CSV file as strings (a quoted header may span lines)."""
    try:
        with open(path, "rb") as fh:
            head = pd.read_csv(
                fh,
                dtype=str,
                header=None,
                nrows=1,
                encoding=encoding,
                keep_default_na=False,
                na_filter=False,
                skip_blank_lines=False,
            )
    except pd.errors.EmptyDataError:
        raise UnreadableFileError(
            f"{path}: 文件是空的（没有表头行） / the file is empty (no header line)"
        ) from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise UnreadableFileError(
            f"{path}: 不是可读的 CSV 文件 / not a readable CSV file ({exc})"
        ) from None
    return [] if head.empty else ["" if pd.isna(v) else str(v) for v in head.iloc[0]]


def tolerant_csv_rows(
    path: Path, encoding: str | None, width: int, chunk_rows: int
) -> Iterator[tuple[list[list[str]], list[int]]]:
    """Data rows of a CSV file read record by record, for a file with ragged rows.

    Each row is cut or padded to the header's ``width`` fields; the fields
    beyond it are joined with commas in one more column (:data:`EXTRA_FIELDS`,
    empty for a regular row), so that validation quarantines the row rather
    than the whole file being refused. Yields lists of at most ``chunk_rows``
    rows with their starting line numbers; blank lines are not rows.
    """
    # a department's detail field may be long; the csv module's default limit is 128 KiB
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))
    rows: list[list[str]] = []
    numbers: list[int] = []
    try:
        with open(path, encoding=encoding, newline="") as fh:
            reader = csv.reader(fh)
            next(reader, None)  # the header
            line = reader.line_num
            for fields in reader:
                start, line = line + 1, reader.line_num
                if not fields:
                    continue
                extra = ",".join(fields[width:])
                rows.append([*fields[:width], *[""] * (width - len(fields)), extra])
                numbers.append(start)
                if len(rows) >= chunk_rows:
                    yield rows, numbers
                    rows, numbers = [], []
    except (csv.Error, UnicodeDecodeError) as exc:
        raise UnreadableFileError(
            f"{path}: 不是可读的 CSV 文件 / not a readable CSV file ({exc})"
        ) from None
    if rows:
        yield rows, numbers
