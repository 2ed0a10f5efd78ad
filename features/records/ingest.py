"""Ingestion of department files into ``records`` or ``subjects``.

One file is one ingest batch, written in one transaction: good rows are
appended with their ``ingest_id``, bad rows go to ``quarantine`` with every
reason, and one ``ingest_log`` row keeps the file's hash and counts. A file
that cannot be read at all (wrong encoding, missing or repeated columns,
broken CSV) writes nothing; a CSV row with more fields than the header is
quarantined (the file is then read record by record). A file with a header and no data rows (a
department's empty month) is logged with 0 rows and says so. Every data sheet
of a workbook is read, each with its own header; its quarantined rows name the
sheet (``book.xlsx [一月]``) and the sheet's row. The same file (same SHA-256)
ingested again into the same table is skipped. Tables stay append-only: a
record is never stored twice, a subject's changed attributes become a new
version.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from features.records import attributes
from features.records.csv_files import RaggedRowsError
from features.records.readers import (
    Progress,
    TableFile,
    UnreadableFileError,
    open_table_file,
)
from features.records.validate import (
    Problem,
    business_columns,
    problem_text,
    required_columns,
    validate_chunk,
)
from features.store.base import Store
from features.subjects import CURRENT_ORDER

__all__ = ["IngestResult", "UnreadableFileError", "file_sha256", "ingest_file"]

_KEY = {"records": "record_id", "subjects": "subject_id"}
_CONFLICT = ("记录编号已出现过，内容不同", "record_id seen before with different content")
_TOP_REASONS = 5
_EXAMPLES_PER_COLUMN = 1000  # distinct problem texts counted per column (memory bound)
_EXAMPLE_CHARS = 300  # of an example reason in the summary


@dataclass(frozen=True)
class IngestResult:
    """What one ingestion did.

    Attributes
    ----------
    ingest_id
        The new ``ingest_log`` entry (``None`` when skipped).
    file_name, table
        The file (name only) and the target table.
    rows_read, rows_stored, rows_unchanged, rows_quarantined
        Counts; ``rows_read == rows_stored + rows_unchanged + rows_quarantined``.
    skipped
        The same file was already ingested into the same table: nothing was done.
    previous_ingest_id
        The earlier ingest of the same file when skipped.
    message
        Notes kept in the log (e.g. ignored columns), English, ``; ``-separated.
    top_reasons
        ``(column, rows, example problem)`` for the columns that sent most rows
        to quarantine, most frequent first (the example Chinese first).
    notes
        The notes of ``message`` as ``(Chinese, English)``.
    """

    ingest_id: int | None
    file_name: str
    table: str
    rows_read: int = 0
    rows_stored: int = 0
    rows_unchanged: int = 0
    rows_quarantined: int = 0
    skipped: bool = False
    previous_ingest_id: int | None = None
    message: str | None = None
    top_reasons: tuple[tuple[str, int, str], ...] = ()
    notes: tuple[tuple[str, str], ...] = ()

    def summary(self) -> str:
        """Short bilingual summary (Chinese first), with the top quarantine reasons."""
        if self.skipped:
            return (
                f"已入库过，未重复写入：{self.file_name} 与批次 {self.previous_ingest_id} 相同 / "
                f"already ingested as ingest {self.previous_ingest_id} into {self.table}: "
                "nothing stored"
            )
        if self.rows_read == 0:
            # a department's empty month: not an error, but the user must see 0 rows
            return (
                f"入库 {self.file_name} → {self.table}（批次 {self.ingest_id}）：文件只有表头，"
                f"没有数据行，0 行入库 / {self.file_name} has a header and no data rows: "
                f"0 rows stored (ingest {self.ingest_id})"
            )
        lines = [
            f"入库 {self.file_name} → {self.table}（批次 {self.ingest_id}）："
            f"读取 {self.rows_read:,} 行，入库 {self.rows_stored:,} 行，"
            f"已存在 {self.rows_unchanged:,} 行，隔离 {self.rows_quarantined:,} 行 / "
            f"read {self.rows_read:,}, stored {self.rows_stored:,}, "
            f"unchanged {self.rows_unchanged:,}, quarantined {self.rows_quarantined:,} "
            f"(ingest {self.ingest_id})"
        ]
        if self.top_reasons:
            lines.append("主要隔离原因 / top quarantine reasons:")
            # an example names the accepted values (32 record kinds…): the whole reason is
            # in quarantine, the summary keeps its start
            lines += [
                f"  {column}: {rows:,} 行 / rows, e.g. {_shorten(example)}"
                for column, rows, example in self.top_reasons
            ]
        lines += [f"说明 / note: {zh} / {en}" for zh, en in self.notes]
        if self.message and not self.notes:
            lines.append(f"说明 / note: {self.message}")
        return "\n".join(lines)


def _shorten(text: str, limit: int = _EXAMPLE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def file_sha256(path: Path | str) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _now() -> pd.Timestamp:
    # moments are local time (schema conventions), microseconds as DuckDB keeps them
    return pd.Timestamp(dt.datetime.now()).as_unit("us")


def _equal_sql(columns: list[str], left: str, right: str) -> str:
    return " AND ".join(f"{left}.{c} IS NOT DISTINCT FROM {right}.{c}" for c in columns)


def _row_hash(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    return pd.util.hash_pandas_object(frame[columns], index=False)


def _conflict(key: str, where: tuple[str, str]) -> list[Problem]:
    return [
        {
            "column": "record_id",
            "value": str(key),
            "problem": f"{_CONFLICT[1]} ({where[1]})",
            "problem_zh": f"{_CONFLICT[0]}（{where[0]}）",
        }
    ]


def _split_records(
    store: Store, clean: pd.DataFrame, ingest_id: int, sheet: str | None = None
) -> tuple[pd.DataFrame, int, dict[int, list[Problem]]]:
    """Separate new records from those already stored or repeated in the file.

    Returns the rows to store, the count of unchanged rows and the
    conflicting rows' problems by row number.
    """
    if clean.empty:
        return clean, 0, {}
    compared = [c for c in business_columns("records") if c != "record_id"]
    incoming = clean.assign(_row=clean.index.to_numpy())
    # record_ids already stored (by earlier ingests or earlier chunks of this file)
    matches = store.query(
        f"""
        SELECT i._row AS row_number,
               bool_or({_equal_sql(compared, "r", "i")}) AS same,
               min(r.ingest_id) AS first_ingest
        FROM incoming AS i JOIN records AS r ON r.record_id = i.record_id
        GROUP BY i._row
        """,
        frames={"incoming": incoming},
    ).set_index("row_number")
    conflicts: dict[int, list[Problem]] = {}
    for row, same, first in matches.itertuples():
        if same:
            continue
        if pd.isna(first):
            where = ("入库时没有批次", "stored without an ingest batch")
        elif int(first) == ingest_id:
            where = (f"本文件前文，批次 {ingest_id}", f"earlier in this file, ingest {ingest_id}")
        else:
            where = (f"批次 {int(first)}", f"ingest {int(first)}")
        conflicts[int(row)] = _conflict(clean.at[row, "record_id"], where)
    unchanged = int(matches["same"].sum()) if len(matches) else 0

    # repeats inside this chunk among the record_ids not stored yet: the first one counts
    fresh = clean[~clean.index.isin(matches.index)]
    hashes = _row_hash(fresh, compared)
    by_id = fresh["record_id"]
    first_hash = hashes.groupby(by_id.to_numpy()).transform("first")
    first_row = (
        pd.Series(fresh.index, index=fresh.index).groupby(by_id.to_numpy()).transform("first")
    )
    repeat = by_id.duplicated(keep="first").to_numpy()
    same = (hashes.to_numpy() == first_hash.to_numpy()) & repeat
    differ = repeat & ~same
    line = ("行", "line") if sheet is None else ("行", "row")
    place = ("本文件", "this file") if sheet is None else (f"工作表 {sheet}", f"sheet {sheet!r}")
    for row, key, first in zip(fresh.index[differ], by_id[differ], first_row[differ], strict=True):
        where = (
            f"{place[0]}第 {int(first)} {line[0]}，批次 {ingest_id}",
            f"{line[1]} {int(first)} of {place[1]}, ingest {ingest_id}",
        )
        conflicts[int(row)] = _conflict(key, where)
    unchanged += int(same.sum())
    return fresh[~repeat], unchanged, conflicts


def _split_subjects(store: Store, clean: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Separate changed subject versions from rows identical to the latest version.

    Within a file, each row is compared with the version before it: the
    previous row of the same subject in the file, else the latest stored one.
    """
    if clean.empty:
        return clean, 0
    compared = [c for c in business_columns("subjects") if c != "subject_id"]
    incoming = clean.assign(_row=clean.index.to_numpy())
    same_as_stored = store.query(
        f"""
        WITH latest AS (
            SELECT * FROM subjects
            WHERE subject_id IN (SELECT subject_id FROM incoming)
            QUALIFY row_number() OVER (
                PARTITION BY subject_id ORDER BY {CURRENT_ORDER}
            ) = 1
        )
        SELECT i._row AS row_number
        FROM incoming AS i JOIN latest AS l ON l.subject_id = i.subject_id
        WHERE {_equal_sql(compared, "l", "i")}
        """,
        frames={"incoming": incoming},
    )["row_number"]
    hashes = _row_hash(clean, compared).to_numpy()
    # position of the previous row of the same subject in this chunk (-1: none)
    positions = pd.Series(np.arange(len(clean)))
    previous = positions.groupby(clean["subject_id"].to_numpy()).shift(1).fillna(-1)
    previous = previous.to_numpy().astype(np.int64)
    unchanged = np.where(
        previous >= 0,
        hashes == hashes[np.maximum(previous, 0)],
        clean.index.isin(same_as_stored.to_numpy()),
    )
    return clean[~unchanged], int(unchanged.sum())


def _store_attributes(
    tx: Store, rows: pd.DataFrame | None, ingest_id: int, base: pd.Timestamp
) -> None:
    """Store the declared attribute values that change a subject's current value."""
    if rows is None or rows.empty:
        return
    new = attributes.changed(tx, rows)
    # like subject versions: later lines of the file are later versions
    version_from = (base + pd.to_timedelta(np.arange(len(new)), unit="us")).to_numpy()
    tx.append(
        "subject_attributes",
        new.drop(columns="row_number").assign(version_from=version_from, ingest_id=ingest_id),
    )


def _quarantine_frame(
    chunk: pd.DataFrame,
    problems: dict[int, list[Problem]],
    *,
    ingest_id: int,
    file_name: str,
    table: str,
    sheet: str | None = None,
) -> pd.DataFrame:
    rows = sorted(problems)
    raw = chunk.loc[rows]
    key = _KEY[table]
    keys = raw[key] if key in raw.columns else pd.Series([""] * len(rows), index=raw.index)
    return pd.DataFrame(
        {
            "ingest_id": ingest_id,
            # a workbook's rows are numbered per sheet: the sheet is part of where
            "file_name": file_name if sheet is None else f"{file_name} [{sheet}]",
            "row_number": np.asarray(rows, dtype=np.int64),
            "target_table": table,
            "key": [k if k != "" else None for k in keys],
            "raw": [json.dumps(r, ensure_ascii=False) for r in raw.to_dict("records")],
            "reasons": [json.dumps(problems[r], ensure_ascii=False) for r in rows],
        }
    )


def _count_reasons(
    problems: dict[int, list[Problem]],
    rows_by_column: Counter[str],
    texts_by_column: dict[str, Counter[str]],
) -> None:
    """Count quarantined rows per column, and each column's problem texts (for an example)."""
    for items in problems.values():
        for column in dict.fromkeys(p["column"] for p in items):
            rows_by_column[column] += 1
        for p in items:
            texts = texts_by_column.setdefault(p["column"], Counter())
            text = problem_text(p)
            if text in texts or len(texts) < _EXAMPLES_PER_COLUMN:
                texts[text] += 1


@dataclass
class _Written:
    ingest_id: int
    counts: Counter[str]
    reasons: Counter[str]
    examples: dict[str, Counter[str]]
    notes: tuple[tuple[str, str], ...]
    message: str | None


def _write(
    store: Store,
    source: TableFile,
    *,
    sha: str,
    table: str,
    dept: str | None,
    today: dt.date | None,
    chunk_rows: int,
    progress: Progress | None,
    started: pd.Timestamp,
) -> _Written:
    """Read, validate and store ``source`` in one transaction, with its ingest_log row."""
    path = source.path
    counts: Counter[str] = Counter()
    by_sheet: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    examples: dict[str, Counter[str]] = {}
    with store.transaction() as tx:
        ingest_id = int(tx.scalar("SELECT coalesce(max(ingest_id), 0) + 1 FROM ingest_log"))
        for sheet, chunk in source.parts_chunks(chunk_rows, progress):
            checked = validate_chunk(chunk, table, dept=dept, today=today)
            problems = dict(checked.problems)
            if sheet is not None:
                by_sheet[sheet] += len(chunk)
            if table == "records":
                new, unchanged, conflicts = _split_records(tx, checked.clean, ingest_id, sheet)
                problems.update(conflicts)
                recorded_at = _now()
            else:
                new, unchanged = _split_subjects(tx, checked.clean)
                # the latest recorded_at is a subject's current version: a later line of
                # the same file must win, so moments increase with file order
                base = _now() + pd.Timedelta(microseconds=counts["read"])
                recorded_at = (base + pd.to_timedelta(np.arange(len(new)), unit="us")).to_numpy()
                _store_attributes(tx, checked.attributes, ingest_id, base)
            tx.append(table, new.assign(ingest_id=ingest_id, recorded_at=recorded_at))
            if problems:
                tx.append(
                    "quarantine",
                    _quarantine_frame(
                        chunk,
                        problems,
                        ingest_id=ingest_id,
                        file_name=path.name,
                        table=table,
                        sheet=sheet,
                    ),
                )
            _count_reasons(problems, reasons, examples)
            counts.update(
                read=len(chunk), stored=len(new), unchanged=unchanged, quarantined=len(problems)
            )
        if counts["read"] != counts["stored"] + counts["unchanged"] + counts["quarantined"]:
            # raising inside the transaction rolls everything back
            raise AssertionError(f"{path}: row counts do not add up: {dict(counts)}")
        notes = _notes(source, counts["read"], by_sheet)
        message = "; ".join(en for _, en in notes) or None
        tx.append(
            "ingest_log",
            pd.DataFrame(
                {
                    "ingest_id": [ingest_id],
                    "file_name": [path.name],
                    "file_sha256": [sha],
                    "target_table": [table],
                    "source_dept": [dept],
                    "file_format": [source.file_format],
                    "encoding": [source.encoding],
                    "rows_read": [counts["read"]],
                    "rows_stored": [counts["stored"]],
                    "rows_unchanged": [counts["unchanged"]],
                    "rows_quarantined": [counts["quarantined"]],
                    "message": [message],
                    "started_at": [started],
                    "finished_at": [_now()],
                }
            ),
        )
    return _Written(ingest_id, counts, reasons, examples, notes, message)


def ingest_file(
    store: Store,
    path: Path | str,
    table: str,
    dept: str | None = None,
    *,
    today: dt.date | None = None,
    chunk_rows: int = 200_000,
    progress: Progress | None = None,
) -> IngestResult:
    """Validate a department file and store it; bad rows go to quarantine.

    Parameters
    ----------
    store
        The record store.
    path
        CSV (UTF-8, GBK or UTF-16 with a byte-order mark), Parquet or Excel
        (.xlsx) file; every data sheet of a workbook is read.
    table
        ``records`` or ``subjects``.
    dept
        Department key; fills an empty ``source_dept`` and is kept in the log.
    today
        Dates after it are in the future (default: today's date).
    chunk_rows
        Rows read, validated and written at a time.
    progress
        Called as ``progress(bytes_done, bytes_total)`` after each chunk.

    Returns
    -------
    IngestResult
        Counts and reasons; ``skipped`` when the same file was ingested before.

    Raises
    ------
    UnreadableFileError
        The file cannot be read at all (also: a column given twice, a sheet
        without the required columns); nothing was written.
    """
    path = Path(path)
    required = required_columns(table, dept)  # also rejects an unknown table
    if path.is_dir():
        raise UnreadableFileError(f"{path}: 这是文件夹，不是文件 / a folder, not a file")
    if not path.is_file():
        raise UnreadableFileError(f"{path}: 文件不存在 / no such file")
    try:
        sha = file_sha256(path)
    except OSError as exc:  # no permission, a file that vanished or cannot be read
        raise UnreadableFileError(
            f"{path}: 无法读取 / cannot be read ({exc.strerror or exc})"
        ) from None
    earlier = store.scalar(
        "SELECT min(ingest_id) FROM ingest_log WHERE file_sha256 = ? AND target_table = ?",
        [sha, table],
    )
    if earlier is not None and not pd.isna(earlier):
        return IngestResult(None, path.name, table, skipped=True, previous_ingest_id=int(earlier))

    started = _now()
    source = open_table_file(path, table, required)
    kwargs = dict(
        sha=sha,
        table=table,
        dept=dept,
        today=today,
        chunk_rows=chunk_rows,
        progress=progress,
        started=started,
    )
    try:
        done = _write(store, source, **kwargs)
    except RaggedRowsError:
        # a row with more fields than the header (an unquoted comma): the transaction
        # was rolled back; read the file record by record and quarantine such rows
        done = _write(store, dataclasses.replace(source, tolerant=True), **kwargs)
    ingest_id, counts, reasons, examples = done.ingest_id, done.counts, done.reasons, done.examples
    notes, message = done.notes, done.message
    top = tuple(
        (c, n, examples[c].most_common(1)[0][0]) for c, n in reasons.most_common(_TOP_REASONS)
    )
    return IngestResult(
        ingest_id,
        path.name,
        table,
        rows_read=counts["read"],
        rows_stored=counts["stored"],
        rows_unchanged=counts["unchanged"],
        rows_quarantined=counts["quarantined"],
        message=message,
        top_reasons=top,
        notes=notes,
    )


def _notes(
    source: TableFile, rows_read: int, by_sheet: Counter[str]
) -> tuple[tuple[str, str], ...]:
    """What a person should know about how the file was read, ``(Chinese, English)``."""
    notes: list[tuple[str, str]] = []
    if rows_read == 0:
        notes.append(
            ("文件只有表头，没有数据行，未写入任何数据", "no data rows: the file has a header only")
        )
    if source.ignored:
        listed = ", ".join(source.ignored)
        notes.append((f"未使用的列：{listed}", f"ignored columns: {listed}"))
    sheets = [p.sheet for p in source.parts if p.sheet is not None]
    if len(sheets) > 1 or source.skipped:
        notes.append(
            (
                "已读取工作表：" + "、".join(f"{s}（{by_sheet[s]:,} 行）" for s in sheets),
                "sheets read: " + ", ".join(f"{s} ({by_sheet[s]:,} rows)" for s in sheets),
            )
        )
    if source.skipped:
        notes.append(
            (
                "未读取的工作表：" + "、".join(f"{s}（{zh}）" for s, zh, _ in source.skipped),
                "sheets skipped: " + ", ".join(f"{s} ({en})" for s, _, en in source.skipped),
            )
        )
    return tuple(notes)
