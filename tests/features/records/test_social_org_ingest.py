"""Social organisations (features/definitions/social_org.py) at the ingest door.

The shipped type takes a 统一社会信用代码 beginning with 5 (GB 32100: civil affairs):
a department file naming an enterprise's code (91…) as a 社会组织 is quarantined with
the expected prefix named, a good row is stored with its declared attributes, and the
civil-affairs records are read in the words a department writes them (活动异常名录,
未按规定报送年度工作报告 → their codes).
"""

from __future__ import annotations

import json

import pandas as pd
from conftest import TODAY, make_records, make_subjects

from features.records.ids import uscc_check_char
from features.records.ingest import ingest_file


def _organisations() -> pd.DataFrame:
    """Three 社会组织 rows: an enterprise's code, a good 51… code, a bad org_form."""
    firms = make_subjects(9, seed=5).query("subject_type == 'enterprise'").head(3).copy()
    firms["subject_type"] = "社会组织"  # the declared Chinese label is an accepted spelling
    firms["name"] = ["曲靖市某某企业", "曲靖市某某行业协会", "曲靖市某某基金会"]
    for col in ("industry", "scale", "registered_capital"):
        firms[col] = ""
    firms["org_form"] = ["social_group", "social_group", "company"]
    firms["registration_level"] = ["city", "county", "city"]
    ids = firms["subject_id"].tolist()
    for i in (1, 2):  # the same codes under civil affairs' registration authority 5
        body = "51" + ids[i][2:17]
        ids[i] = body + uscc_check_char(body)
    firms["subject_id"] = ids
    return firms.reset_index(drop=True)


def test_a_social_organisation_needs_a_code_beginning_with_5(store, tmp_path) -> None:
    frame = _organisations()
    frame.to_csv(tmp_path / "orgs.csv", index=False)
    result = ingest_file(store, tmp_path / "orgs.csv", "subjects", today=TODAY)
    assert (result.rows_stored, result.rows_quarantined) == (1, 2)
    stored = store.query("SELECT subject_id, subject_type FROM subjects")
    assert stored.values.tolist() == [[frame.loc[1, "subject_id"], "social_org"]]
    attrs = store.query("SELECT name, value_text FROM subject_attributes ORDER BY name")
    assert attrs.values.tolist() == [["org_form", "social_group"], ["registration_level", "county"]]
    reasons = {
        r["key"]: json.loads(r["reasons"])
        for r in store.query("SELECT key, reasons FROM quarantine").to_dict("records")
    }
    (wrong,) = reasons[frame.loc[0, "subject_id"]]
    assert wrong["column"] == "subject_id"
    assert wrong["problem_zh"].startswith("社会组织的统一社会信用代码以 5 开头，实为 9")
    assert wrong["problem"].startswith("the 统一社会信用代码 of a 社会组织 begins with 5, not 9")
    (form,) = reasons[frame.loc[2, "subject_id"]]
    assert (form["column"], form["value"]) == ("org_form", "company")


def test_civil_affairs_records_are_read_in_a_departments_words(store, tmp_path) -> None:
    row = make_records(1, seed=3).iloc[0].to_dict()  # an enterprise penalty: a valid USCC
    body = "52" + row["subject_id"][2:17]
    row.update(
        subject_id=body + uscc_check_char(body),
        kind="活动异常名录",
        severity="一般",
        value_text="未按规定报送年度工作报告",
        amount="",
        source_dept="民政局",
    )
    inspection = {
        **row,
        "record_id": "R-inspection",
        "kind": "社会组织年检（年度工作报告）",
        "severity": "",
        "value_text": "不合格",
    }
    pd.DataFrame([row, inspection]).to_csv(tmp_path / "civil.csv", index=False)
    result = ingest_file(store, tmp_path / "civil.csv", "records", today=TODAY)
    assert result.rows_quarantined == 0, store.query("SELECT reasons FROM quarantine")
    got = store.query("SELECT kind, value_text, polarity, source_dept FROM records ORDER BY kind")
    assert got.values.tolist() == [
        ["activity_abnormal_list", "annual_report", "negative", "civil_affairs"],
        ["annual_inspection", "unqualified", "negative", "civil_affairs"],
    ]
