"""Credit checks of an applicant file (a procurement's bidders…): one check per row.

The use case behind ``xinping check-batch`` (:func:`check_file`). Every row of
the file gives one row of the result, in order: a check (stored and audited as
:func:`scoring.credit_check.credit_check` does) or the reason there is none,
naming the row, the column, the value and what was expected. The result file
is inert (:mod:`features.exports`: no cell a spreadsheet reads as a formula).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from features.exports import write_csv, write_excel
from features.records.ids import party_id_problem
from features.records.personal import mask_code
from features.store.base import Store
from scoring.credit_check import CheckConfig, CheckError, credit_check
from scoring.lists import LIST_LABELS, ListsConfig

#: Column names accepted for the subject's identifier (first found wins).
ID_COLUMNS: tuple[str, ...] = ("subject_id", "统一社会信用代码", "主体标识", "uscc", "id")
COLUMNS = (
    "row_number",
    "subject_id",
    "name",
    "status",
    "check_id",
    "lists",
    "measures",
    "measures_zh",
    "error",
)


class BatchFileError(ValueError):
    """The file itself cannot be read (missing, not CSV/Excel, no identifier column)."""

    def __init__(self, en: str, zh: str) -> None:
        super().__init__(en)
        self.zh = zh


@dataclass(frozen=True)
class BatchReport:
    """The result rows (``frame``, as written to the result file) and the file written."""

    frame: pd.DataFrame
    out: Path

    def count(self, status: str) -> int:
        """Rows with ``status`` (``ok`` or ``error``)."""
        return int((self.frame["status"] == status).sum())


def read_ids(path: Path) -> tuple[str, list[str]]:
    """The identifier column's name and its values as text, one per data row.

    Raises
    ------
    BatchFileError
        When the file is missing, unreadable or has no identifier column.
    """
    path = Path(path)
    if not path.is_file():
        raise BatchFileError(f"{path}: no such file", f"{path}：文件不存在")
    try:
        if path.suffix.lower() in (".xlsx", ".xls"):
            frame = pd.read_excel(path, dtype=str, keep_default_na=False)
        else:
            frame = pd.read_csv(
                path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skip_blank_lines=False
            )
    except (ValueError, UnicodeDecodeError, OSError) as exc:
        raise BatchFileError(
            f"{path}: not a readable CSV or Excel file ({exc.__class__.__name__})",
            f"{path}：不是可读取的 CSV 或 Excel 文件",
        ) from None
    names = {str(c).strip().lower(): c for c in frame.columns}
    column = next((names[c] for c in ID_COLUMNS if c in names), None)
    if column is None:
        raise BatchFileError(
            f"{path}: no identifier column (expected one of {', '.join(ID_COLUMNS)})",
            f"{path}：缺少主体标识列（应为 {'、'.join(ID_COLUMNS)} 之一）",
        )
    return str(column), ["" if v is None else str(v) for v in frame[column]]


def check_file(
    store: Store,
    path: Path,
    matter: str,
    on: dt.date,
    lists: ListsConfig,
    cfg: CheckConfig,
    department: str,
    purpose: str,
    checked_by: str,
    out: Path,
    role: str = "cli",
    masked: bool = True,
) -> BatchReport:
    """Check every row of an applicant file and write an inert result file.

    Parameters
    ----------
    store, matter, on, lists, cfg, department, purpose, checked_by, role, masked
        As :func:`scoring.credit_check.credit_check`, for each row.
    path
        CSV (UTF-8) or Excel file with an identifier column (:data:`ID_COLUMNS`).
    out
        The result file: ``.xlsx`` for Excel, anything else CSV (UTF-8 with BOM).

    Returns
    -------
    BatchReport
        One row per data row of the file, in order (``row_number`` is the file's
        line, the header being line 1): ``ok`` with the check id and the measures,
        or ``error`` naming the row, the column, the value and what was expected.

    Raises
    ------
    BatchFileError, CheckError
        When the file cannot be read, or the matter/department/purpose are refused
        (nothing is checked then).
    """
    column, ids = read_ids(path)
    rows = []
    for n, raw in enumerate(ids, start=2):
        code = raw.strip().upper()
        shown = mask_code(code) if masked else code
        row = {"row_number": n, "subject_id": shown or "", "status": "error"}
        problem = party_id_problem(code) if code else "empty"
        if problem:
            # named as given (a person's ID masked all the same)
            shown = (mask_code(raw.strip()) if masked else raw.strip()) or ""
            row["subject_id"] = shown
            expected = "a 统一社会信用代码 or 居民身份证号码"
            row["error"] = (
                f"第{n}行 {column} 列 值 {shown or '（空）'}："
                "应为统一社会信用代码或居民身份证号码"
                f" / row {n}, column {column}, value {shown or '(empty)'!r}: expected {expected}"
            )
            rows.append(row)
            continue
        try:
            result = credit_check(
                store, code, matter, on, lists, cfg, department, purpose, checked_by, role, masked
            )
        except CheckError as exc:
            if "no subject" not in str(exc):
                raise
            row["error"] = (
                f"第{n}行 {column} 列 值 {shown}：平台中没有该主体"
                f" / row {n}, column {column}, value {shown!r}: expected a subject in the store"
            )
            rows.append(row)
            continue
        row.update(
            subject_id=result.subject_shown,
            name=result.name,
            status="ok",
            check_id=result.check_id,
            lists="、".join(LIST_LABELS[k][0] for k in result.lists),
            measures=",".join(m.measure_id for m in result.measures),
            # a measure reaching a person through a firm names the firm (seed 002 #12)
            measures_zh="；".join(
                m.name_zh + (f"（经由 {m.through}）" if m.through else "") for m in result.measures
            ),
            error="",
        )
        rows.append(row)
    frame = pd.DataFrame(rows).reindex(columns=list(COLUMNS))
    out = Path(out)
    if out.suffix.lower() == ".xlsx":
        write_excel({"信用核查": frame}, out)
    else:
        write_csv(frame, out)
    return BatchReport(frame, out)
