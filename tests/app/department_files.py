"""Seeded broken department files for the ingest fuzz corpus (test_cli_ingest_fuzz.py).

:func:`variant` builds one file from a seed: a handful of valid records or
subjects, written the way departments write them (Chinese headers or English
ones, Chinese coded values, GBK, a BOM, UTF-16, Excel with several sheets,
Parquet), then damaged by a few seeded mutations (ragged rows, huge fields,
wrong types, formula-looking text, control characters, NUL bytes, repeated
headers, empty files, binary junk). Each variant knows how many data rows it
holds (the rows a reader must account for) and, where the outcome is fixed by
the rules, whether the file must be refused (exit 2) or read (exit 0).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from features.records.ids import generate_id_numbers, generate_uscc
from features.records.kinds import KINDS
from features.records.schema import TABLES
from features.records.values import SEVERITIES, SUBJECT_STATUSES, SUBJECT_TYPES

FORMULAS = (
    "=1+1",
    '=HYPERLINK("http://evil.example/x","点击查看")',
    "+1+2",
    "-3+4",
    "@SUM(A1:A9)",
    "=cmd|' /C calc'!A0",
)
CONTROLS = ("\x00", "\x01", "\x07", "\x1b[31m", "\x7f", "\x0b")
ENCODINGS = ("utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16", "utf-16-le")
#: Mutations after which a row may rightly be quarantined.
_DAMAGE = ("wrong type", "control", "short rows", "extra field", "repeated", "sheet missing")
KINDS_USED = ("administrative_penalty", "tax_paid", "traffic_violation", "loan")


@dataclass
class Variant:
    """One generated file and what ingesting it must do.

    Attributes
    ----------
    name
        File name (its extension picks the reader).
    data
        The file's bytes.
    table
        ``records`` or ``subjects``.
    rows
        Data rows in the file (rows with at least one non-empty cell); an ingest
        that reads the file must store, find unchanged or quarantine exactly these.
    expect
        ``ok`` (must be read), ``refused`` (must exit 2) or ``any``.
    mutations
        What was done to the file (for the failure message).
    formulas
        Values of ``name`` that look like formulas and must be stored as written
        (subjects files whose rows are otherwise valid).
    """

    name: str
    data: bytes
    table: str
    rows: int
    expect: str = "any"
    mutations: list[str] = field(default_factory=list)
    formulas: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """Only harmless changes (Chinese values and headers, encodings with a BOM or
        none needed, blank lines, huge text, formula-looking text, several sheets, an
        instructions or empty sheet): every row must be stored."""
        return self.expect == "ok" and not any(m.startswith(_DAMAGE) for m in self.mutations)


def _records(rng: np.random.Generator, n: int, tag: str) -> pd.DataFrame:
    firms = generate_uscc(rng, np.full(n, "530302"))
    births = np.datetime64("1960-01-01") + rng.integers(0, 12_000, n).astype("timedelta64[D]")
    people = generate_id_numbers(rng, np.full(n, "530326"), births, rng.random(n) < 0.5)
    rows = []
    for i in range(n):
        kind = KINDS_USED[int(rng.integers(len(KINDS_USED)))]
        event = dt.date(2022, 1, 1) + dt.timedelta(days=int(rng.integers(0, 900)))
        row = {
            "record_id": f"{tag}-{i:04d}",
            "subject_id": firms[i] if kind in ("administrative_penalty", "tax_paid") else people[i],
            "kind": kind,
            "severity": "",
            "value_num": "",
            "value_text": "",
            "amount": "",
            "event_date": event.isoformat(),
            "published_on": (event + dt.timedelta(days=7)).isoformat(),
            "source_dept": KINDS[kind].dept,
            "detail": "罚款；责令改正",
        }
        if kind == "administrative_penalty":
            row.update(severity=str(rng.choice(list(SEVERITIES))), value_text="food")
            row.update(amount=str(int(rng.integers(1, 50)) * 100))
        elif kind == "tax_paid":
            row.update(amount=f"{rng.uniform(100, 1e5):.2f}")
        elif kind == "traffic_violation":
            row.update(severity="minor", value_num=str(int(rng.choice([1, 3, 6]))))
        else:
            row.update(value_num="36", amount="50000")
        rows.append(row)
    return pd.DataFrame(rows, dtype=str)


def _subjects(rng: np.random.Generator, n: int) -> pd.DataFrame:
    firms = generate_uscc(rng, np.full(n, "530302"))
    rows = [
        {
            "subject_id": firms[i],
            "subject_type": "enterprise",
            "name": f"曲靖市测试企业{int(rng.integers(1_000_000))}有限公司",
            "region_code": "530302",
            "industry": str(rng.choice(list("CFGI"))),
            "scale": str(rng.choice(["small", "micro"])),
            "registered_capital": str(int(rng.integers(10, 500))),
            "status": "active",
        }
        for i in range(n)
    ]
    return pd.DataFrame(rows, dtype=str)


def _chinese_values(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Coded values as departments write them: 行政处罚, 一般, 企业, 存续…"""
    out = frame.copy()
    if table == "records":
        out["kind"] = out["kind"].map(lambda k: KINDS[k].label_zh)
        out["severity"] = out["severity"].map(lambda s: SEVERITIES[s][0] if s else "")
    else:
        out["subject_type"] = out["subject_type"].map(lambda s: SUBJECT_TYPES[s][0])
        out["status"] = out["status"].map(lambda s: SUBJECT_STATUSES[s][0])
    return out


def _headers(frame: pd.DataFrame, table: str, style: str) -> list[str]:
    cols = {c.name: c for c in TABLES[table].columns}
    if style == "zh":
        return [cols[c].label_zh for c in frame.columns]
    if style == "en_label":
        return [cols[c].label_en.upper() for c in frame.columns]
    return list(frame.columns)


def _csv_bytes(header: list[str], rows: list[list[str]], encoding: str, newline: str) -> bytes:
    # the csv module writes each row with its own length: short rows stay short
    text = io.StringIO()
    csv.writer(text, lineterminator=newline).writerows([header, *rows])
    return text.getvalue().encode(encoding, errors="replace")


def _xlsx_bytes(sheets: list[tuple[str, list[str] | None, list[list[str]]]]) -> bytes:
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title)
        for values in ([header] if header else []) + rows:
            sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) for v in values])
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # text a person typed, not a formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _non_blank(rows: list[list[str]]) -> int:
    return sum(any(v != "" for v in row) for row in rows)


def variant(seed: int) -> Variant:
    """The fuzz variant for ``seed`` (the same seed, the same bytes)."""
    rng = np.random.default_rng(seed)
    tag = f"F{seed:03d}"
    table = "subjects" if rng.random() < 0.25 else "records"
    n = int(rng.integers(1, 25))
    frame = _records(rng, n, tag) if table == "records" else _subjects(rng, n)
    mutations: list[str] = []
    expect = "ok"
    formulas: list[str] = []

    if rng.random() < 0.4:
        frame = _chinese_values(frame, table)
        mutations.append("chinese values")
    if rng.random() < 0.3:
        i, col = int(rng.integers(n)), str(rng.choice(["detail", "name", "record_id"]))
        if col in frame.columns:
            frame.loc[i, col] = f"{tag}-{i}-" + "长" * int(rng.choice([5_000, 200_000]))
            mutations.append(f"huge {col}")
    if rng.random() < 0.3:
        i = int(rng.integers(n))
        col = str(rng.choice(["amount", "event_date", "value_num", "region_code", "subject_id"]))
        if col in frame.columns:
            frame.loc[i, col] = str(rng.choice(["abc", "1e999", "2026-02-30", "昨天", "NaN", "-"]))
            mutations.append(f"wrong type {col}")
    if rng.random() < 0.35:
        col = "name" if table == "subjects" else "detail"
        picked = [str(v) for v in rng.choice(FORMULAS, size=min(n, 3), replace=False)]
        for i, text in enumerate(picked):
            frame.loc[i, col] = text
        if table == "subjects":
            formulas += picked
        mutations.append(f"formulas in {col}")
    control = rng.random() < 0.25
    if control:
        i, col = int(rng.integers(n)), "detail" if table == "records" else "name"
        frame.loc[i, col] = "前" + str(rng.choice(CONTROLS)) + "后"
        mutations.append("control character")

    header = _headers(frame, table, str(rng.choice(["zh", "en", "en_label"])))
    rows = frame.to_numpy(dtype=object).astype(str).tolist()
    if rng.random() < 0.2:  # a repeated column: the same header, or another spelling of it
        at = int(rng.integers(len(header)))
        name = frame.columns[at]
        header.append(header[at] if rng.random() < 0.5 else name)
        if header[-1] == header[at] and rng.random() < 0.5:
            header[-1] = TABLES[table].column(name).label_zh
        rows = [[*r, r[at]] for r in rows]
        expect, formulas = "refused", []
        mutations.append("repeated header")
    if rng.random() < 0.2:  # short rows: the missing fields are empty
        for i in rng.choice(len(rows), size=min(3, len(rows)), replace=False):
            rows[int(i)] = rows[int(i)][: int(rng.integers(1, len(header)))]
        formulas = []
        mutations.append("short rows")

    if any(m.startswith(("wrong type", "control", "short rows")) for m in mutations):
        formulas = []  # those rows may be quarantined for another reason
    fmt = str(rng.choice(["csv"] * 6 + ["xlsx"] * 3 + ["parquet"]))
    shape = rng.random()
    if shape < 0.06:
        rows, formulas = [], []
        mutations.append("header only")
    elif shape < 0.10:
        mutations.append("binary junk")
        junk = rng.bytes(int(rng.integers(1, 4000)))
        ext = str(rng.choice(["csv", "xlsx", "parquet"]))
        return Variant(f"{tag}.{ext}", junk, table, 0, "any", mutations)
    elif shape < 0.13:
        mutations.append("empty file")
        ext = str(rng.choice(["csv", "xlsx"]))
        return Variant(f"{tag}.{ext}", b"", table, 0, "refused", mutations)

    if fmt == "csv":
        encoding = str(rng.choice(ENCODINGS))
        mutations.append(encoding)
        if rng.random() < 0.2 and rows:
            rows.insert(int(rng.integers(len(rows))), [])
            mutations.append("blank line")
        if rng.random() < 0.15 and rows:  # a row with an extra field (an unquoted comma):
            k = int(rng.integers(len(rows)))  # that row is quarantined, not the whole file
            rows[k] = [*rows[k], "备注"]
            formulas = []
            # a short row made one longer may still be no longer than the header
            mutations.append("extra field" if len(rows[k]) > len(header) else "short rows+1")
        if encoding == "utf-16-le":
            # no byte-order mark: the NUL bytes of the header line make it unreadable
            expect, formulas = "refused", []
        newline = str(rng.choice(["\n", "\r\n"]))
        data = _csv_bytes(header, rows, encoding, newline)
        return Variant(
            f"{tag}.csv", data, table, _non_blank(rows), expect, mutations, formulas=formulas
        )

    if fmt == "parquet":
        if "repeated header" in mutations:
            rows = [r[: len(header) - 1] for r in rows]
            header = header[:-1]
            expect = "ok"
            mutations.append("(parquet: repeat dropped)")
        width = len(header)
        full = [r + [""] * (width - len(r)) for r in rows]
        out = io.BytesIO()
        pd.DataFrame(full, columns=header, dtype=str).to_parquet(out, index=False)
        return Variant(
            f"{tag}.parquet", out.getvalue(), table, _non_blank(full), expect, mutations, formulas
        )

    # xlsx: one or more data sheets, maybe an instructions sheet and an empty one
    parts = int(rng.integers(1, 4))
    cuts = np.array_split(np.arange(len(rows)), parts)
    sheets: list[tuple[str, list[str] | None, list[list[str]]]] = []
    if rng.random() < 0.4:
        sheets.append(("填报说明", ["本表每月报送一次", "联系人：张三"], []))
        mutations.append("instructions sheet")
    for k, cut in enumerate(cuts):
        sheets.append((f"{k + 1}月", header, [rows[int(i)] for i in cut]))
    if rng.random() < 0.3:
        sheets.append(("Sheet9", None, []))
        mutations.append("empty sheet")
    if parts > 1:
        mutations.append(f"{parts} sheets")
    if rng.random() < 0.1 and parts > 1:  # a data sheet without a required column
        title, head, body = sheets[-1]
        if head is not None:
            sheets[-1] = (title, head[1:], [r[1:] for r in body])
            expect, formulas = "refused", []
            mutations.append("sheet missing a column")
    return Variant(
        f"{tag}.xlsx",
        _xlsx_bytes(sheets),
        table,
        sum(_non_blank(body) for _, _, body in sheets),
        expect,
        mutations,
        formulas,
    )
