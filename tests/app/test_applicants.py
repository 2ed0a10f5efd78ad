"""信易贷 applicants upload (app.data.applicants): each line read on its own, bad lines said."""

from __future__ import annotations

import pandas as pd
import pytest

from app.data.applicants import (
    ApplicantRow,
    ApplicantsError,
    applicant_ids,
    read_applicants,
    with_problems,
)
from app.i18n import tr
from features.records.ids import uscc_check_char


def _uscc(body: str) -> str:
    return body + uscc_check_char(body)


A, B, C = _uscc("91530302MA6K0LQ22"), _uscc("91530300MA0000001"), _uscc("91530381MA0000002")


def test_a_ragged_line_is_said_and_the_lines_after_it_are_read() -> None:
    content = f"统一社会信用代码\n{A},备注\n{B}\n{C}\n".encode("utf-8-sig")
    rows = read_applicants(content)
    assert [r.line for r in rows] == [2, 3, 4]
    assert rows[0].problem == "ragged" and rows[0].detail["found"] == "2"
    assert rows[0].detail["expected"] == "1" and "备注" in rows[0].detail["value"]
    assert [(r.subject_id, r.problem) for r in rows[1:]] == [(B, None), (C, None)]
    assert applicant_ids(rows) == ["", B, C]


def test_every_kind_of_bad_line_gets_its_own_row_and_blank_lines_are_skipped() -> None:
    content = (
        f'subject_id,企业名称\n{A},甲\n\n,,\n=1+1,乙\n"{B},丙\n{C}\n{B.lower()} ,丁\n,戊\n'
    ).encode()
    rows = read_applicants(content)
    got = [(r.line, r.subject_id, r.problem) for r in rows]
    assert got == [
        (2, A, None),
        (5, "", "invalid"),
        (6, "", "quote"),
        (7, "", "ragged"),  # one field where the header has two
        (8, B, None),  # trimmed, upper case
        (9, "", None),  # an empty ID cell: an empty row, as before
    ]
    assert rows[1].detail == {"value": "=1+1"}


def test_a_gbk_file_reads_and_files_without_an_id_column_are_refused() -> None:
    rows = read_applicants(f"统一社会信用代码,名称\n{A},曲靖某公司\n".encode("gbk"))
    assert applicant_ids(rows) == [A]
    with pytest.raises(ApplicantsError, match="名称"):
        read_applicants("名称\n曲靖某公司\n".encode())
    for empty in (b"", b"\n\n", b"\xff\xfe\x00"):
        with pytest.raises(ApplicantsError):
            read_applicants(empty)


def test_problems_are_worded_per_line_in_both_languages() -> None:
    rows = [
        ApplicantRow(2, "", "ragged", {"found": "2", "expected": "1", "value": f"{A},备注"}),
        ApplicantRow(3, B),
        ApplicantRow(4, "", "invalid", {"value": "@SUM(A1)"}),
    ]
    decided = pd.DataFrame(
        {"row_number": [1, 2, 3], "subject_id": ["", B, ""], "status": ["empty", "ok", "empty"]}
    )
    for lang in ("zh", "en"):
        out = with_problems(decided, rows, lambda key, _l=lang, **v: tr(key, _l, **v))
        assert list(out["row_number"]) == [2, 3, 4]
        assert list(out["status"]) == ["bad", "ok", "bad"]
        assert list(out["subject_id"]) == ["", B, "@SUM(A1)"]
        assert pd.isna(out["line_problem"].iloc[1])
        first, last = out["line_problem"].iloc[0], out["line_problem"].iloc[2]
        if lang == "zh":
            assert first.startswith("第 2 行有 2 个字段，表头为 1 列") and "备注" in first
            assert last.startswith("第 4 行的「@SUM(A1)」不是有效的统一社会信用代码")
        else:
            assert first.startswith("Line 2 has 2 fields") and "@SUM(A1)" in last
