"""Validation of department rows (features/records/validate.py)."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest
from conftest import TODAY, id_numbers, make_records, make_subjects, uscc_codes

from features.records.ids import (
    id_check_char,
    id_number_problem,
    uscc_check_char,
    uscc_problem,
    valid_id_mask,
    valid_uscc_mask,
)
from features.records.validate import (
    business_columns,
    required_columns,
    validate_chunk,
)

GOOD_USCC = "91110000600037341L"
GOOD_ID = "11010519491231002X"


def one_record(**changes: str) -> pd.DataFrame:
    """A valid administrative penalty as strings, with ``changes`` applied, at line 2."""
    row = {
        "record_id": "R1",
        "subject_id": GOOD_USCC,
        "kind": "administrative_penalty",
        "severity": "general",
        "value_num": "",
        "value_text": "food",
        "amount": "5000",
        "event_date": "2023-02-01",
        "decided_on": "2023-02-10",
        "published_on": "2023-02-15",
        "valid_until": "2026-02-01",
        "revoked_on": "",
        "source_dept": "samr",
        "detail": "罚款",
    }
    row.update(changes)
    return pd.DataFrame([row], index=pd.Index([2], name="row_number"), dtype=str)


def problems_of(frame: pd.DataFrame, table: str = "records", **kw) -> list[dict[str, str]]:
    result = validate_chunk(frame, table, today=TODAY, **kw)
    return result.problems.get(int(frame.index[0]), [])


def test_generated_rows_are_all_valid() -> None:
    result = validate_chunk(make_records(500, seed=1), "records", today=TODAY)
    assert result.problems == {}
    assert len(result.clean) == 500 and result.rejected.empty
    subjects = validate_chunk(make_subjects(300, seed=1), "subjects", today=TODAY)
    assert subjects.problems == {} and len(subjects.clean) == 300


@pytest.mark.parametrize(
    ("changes", "column", "problem"),
    [
        (
            {"subject_id": "91350100M000100Y4Z"},
            "subject_id",
            "not a valid 统一社会信用代码: check character is 'Z', expected '3'",
        ),
        (
            {"subject_id": GOOD_ID, "kind": "tax_paid", "severity": "", "value_text": ""},
            "subject_id",
            "a 居民身份证号码 where the kind needs a 统一社会信用代码",
        ),
        (
            {"subject_id": "110105194912310021", "kind": "traffic_violation", "value_text": ""},
            "subject_id",
            "not a valid 居民身份证号码: check character is '1', expected 'X'",
        ),
        (
            {"subject_id": GOOD_USCC, "kind": "traffic_violation", "value_text": ""},
            "subject_id",
            "a 统一社会信用代码 where the kind needs a 居民身份证号码",
        ),
        ({"kind": "foo"}, "kind", "unknown record kind 'foo'"),
        ({"severity": "huge"}, "severity", "severity 'huge' is not one of minor, general, serious"),
        (
            {"kind": "serious_violation_list", "value_text": ""},
            "severity",
            "severity 'general' is not allowed for kind 'serious_violation_list' (serious=严重)",
        ),
        (
            {"kind": "tax_paid", "value_text": ""},
            "severity",
            "severity 'general' given, but kind 'tax_paid' takes no severity",
        ),
        (
            {"severity": ""},
            "severity",
            "required field is empty: kind 'administrative_penalty' needs one of "
            "minor=轻微, general=一般, serious=严重",
        ),
        ({"value_text": "pets"}, "value_text", "value_text 'pets' is not one of food, drug,"),
        (
            {"polarity": "bad"},
            "polarity",
            "polarity 'bad' is not one of negative, positive, neutral",
        ),
        ({"domain": "astrology"}, "domain", "domain 'astrology' is not one of registration,"),
        (
            {"event_date": "2026-13-01"},
            "event_date",
            "date '2026-13-01' is not a date (expected YYYY-MM-DD)",
        ),
        (
            {"published_on": "yesterday"},
            "published_on",
            "date 'yesterday' is not a date (expected YYYY-MM-DD)",
        ),
        (
            {"published_on": "2027-01-05"},
            "published_on",
            "date 2027-01-05 is in the future (today is 2026-11-22)",
        ),
        (
            {"revoked_on": "20270105"},
            "revoked_on",
            "date 2027-01-05 is in the future (today is 2026-11-22)",
        ),
        (
            {"published_on": "2023-01-01"},
            "published_on",
            "published_on 2023-01-01 is before event_date 2023-02-01",
        ),
        (
            {"decided_on": "2023/01/15"},
            "decided_on",
            "decided_on 2023-01-15 is before event_date 2023-02-01",
        ),
        (
            {"valid_until": "2022-12-31"},
            "valid_until",
            "valid_until 2022-12-31 is before event_date 2023-02-01",
        ),
        ({"amount": "-5"}, "amount", "amount -5 is negative"),
        ({"amount": "lots"}, "amount", "'lots' is not a number"),
        ({"value_num": "inf"}, "value_num", "'inf' is not a number"),
        ({"record_id": ""}, "record_id", "required field is empty"),
        ({"subject_id": "  "}, "subject_id", "required field is empty"),
        ({"source_dept": ""}, "source_dept", "required field is empty"),
        ({"event_date": ""}, "event_date", "required field is empty"),
    ],
)
def test_each_record_problem_names_column_value_and_cause(changes, column, problem) -> None:
    found = problems_of(one_record(**changes))
    assert any(p["column"] == column and p["problem"].startswith(problem) for p in found), found
    # the value is the one read (trimmed), so a steward can find it in the file
    hit = next(p for p in found if p["column"] == column)
    read = changes[column] if column in changes else one_record()[column].iloc[0]
    assert hit["value"] == read.strip()


def test_every_problem_of_a_row_is_reported_in_column_order() -> None:
    frame = one_record(
        subject_id="91350100M000100Y4Z",
        severity="huge",
        event_date="2026-13-01",
        published_on="2027-01-05",
        amount="-1",
    )
    found = problems_of(frame)
    assert [p["column"] for p in found] == [
        "subject_id",
        "severity",
        "event_date",
        "published_on",
        "amount",
    ]


def test_unknown_kind_still_checks_the_identifier() -> None:
    found = problems_of(one_record(kind="foo", subject_id="91350100M000100Y4Z"))
    assert {p["column"] for p in found} == {"kind", "subject_id"}


def test_good_rows_are_typed_and_filled_from_the_kind() -> None:
    frame = pd.concat(
        [
            one_record(),
            one_record(
                record_id="R2",
                kind="environmental_rating",
                severity="",
                value_text="red",
                decided_on="",
                valid_until="2099-12-31",
                source_dept="",
            ),
            one_record(
                record_id="R3",
                kind="loan",
                severity="",
                value_text="",
                subject_id=GOOD_ID,
                event_date="20240105",
                decided_on="",
                published_on="2024/01/06",
                valid_until="2029-01-05",
                amount="1,200,000.50",
                polarity="positive",
                domain="finance",
            ),
        ]
    )
    frame.index = pd.Index([2, 3, 4], name="row_number")
    before = frame.copy()
    result = validate_chunk(frame, "records", dept="bank", today=TODAY)
    pd.testing.assert_frame_equal(frame, before)  # the input is not modified
    assert result.problems == {}
    clean = result.clean
    assert list(clean.columns) == list(business_columns("records"))
    assert list(clean.index) == [2, 3, 4]
    assert str(clean["event_date"].dtype) == "datetime64[s]"
    assert clean["amount"].dtype == np.float64
    assert clean.loc[4, "amount"] == 1_200_000.5
    assert clean.loc[4, "event_date"] == pd.Timestamp("2024-01-05")
    assert clean.loc[4, "published_on"] == pd.Timestamp("2024-01-06")
    # domain and polarity from the kind (polarity by value_text), unless given
    assert clean.loc[2, "domain"] == "supervision" and clean.loc[2, "polarity"] == "negative"
    assert clean.loc[3, "domain"] == "evaluation" and clean.loc[3, "polarity"] == "negative"
    assert clean.loc[4, "polarity"] == "positive" and clean.loc[4, "domain"] == "finance"
    # --dept fills an empty source_dept only
    assert clean["source_dept"].tolist() == ["samr", "bank", "samr"]
    # valid_until (a window end, a loan's maturity) may be in the future
    assert clean.loc[3, "valid_until"] == pd.Timestamp("2099-12-31")
    assert pd.isna(clean.loc[3, "severity"]) and pd.isna(clean.loc[2, "revoked_on"])


def test_rejected_rows_are_kept_as_read() -> None:
    frame = pd.concat([one_record(), one_record(record_id=" R9 ", amount="-3")])
    frame.index = pd.Index([2, 7], name="row_number")
    result = validate_chunk(frame, "records", today=TODAY)
    assert list(result.clean.index) == [2]
    assert list(result.rejected.index) == [7]
    assert result.rejected.loc[7, "record_id"] == " R9 "
    assert list(result.problems) == [7]


def test_required_columns() -> None:
    assert required_columns("records") == (
        "record_id",
        "subject_id",
        "kind",
        "event_date",
        "published_on",
        "source_dept",
    )
    assert "source_dept" not in required_columns("records", dept="samr")
    assert required_columns("subjects") == (
        "subject_id",
        "subject_type",
        "name",
        "region_code",
        "status",
    )
    with pytest.raises(ValueError, match="ratings"):
        required_columns("ratings")


def test_missing_optional_columns_are_null() -> None:
    frame = one_record()[
        ["record_id", "subject_id", "kind", "severity", "event_date", "published_on", "source_dept"]
    ]
    result = validate_chunk(frame, "records", today=TODAY)
    assert result.problems == {}
    assert pd.isna(result.clean["amount"].iloc[0]) and pd.isna(result.clean["detail"].iloc[0])


def one_subject(**changes: str) -> pd.DataFrame:
    row = make_subjects(1).iloc[0].to_dict()  # an enterprise
    row.update(changes)
    return pd.DataFrame([row], index=pd.Index([5], name="row_number"), dtype=str)


@pytest.mark.parametrize(
    ("changes", "column", "problem"),
    [
        ({"subject_type": "alien"}, "subject_type", "subject_type 'alien' is not one of"),
        (
            {"subject_id": "91350100M000100Y4Z"},
            "subject_id",
            "not a valid 统一社会信用代码: check character is 'Z', expected '3'",
        ),
        (
            {"subject_type": "village", "subject_id": "53030210020"},
            "subject_id",
            "must be a 12-digit village code",
        ),
        ({"name": ""}, "name", "required field is empty"),
        ({"region_code": "99"}, "region_code", "must be 6 digits starting 1–8"),
        ({"township_code": "5303021"}, "township_code", "must be a 9-digit township code"),
        ({"village_code": "930302100200"}, "village_code", "must be 6 digits starting 1–8"),
        ({"industry": "Z"}, "industry", "industry 'Z' is not one of A, B"),
        ({"scale": "huge"}, "scale", "scale 'huge' is not one of large, medium, small, micro"),
        ({"licence_class": "Z9"}, "licence_class", "licence_class 'Z9' is not one of A1"),
        ({"status": "sleeping"}, "status", "status 'sleeping' is not one of active, closed"),
        ({"status": ""}, "status", "required field is empty"),
        ({"registered_capital": "-10"}, "registered_capital", "registered_capital -10 is negative"),
        ({"household_size": "2.5"}, "household_size", "'2.5' is not a whole number"),
        ({"labour_count": "-1"}, "labour_count", "labour_count -1 is negative"),
        ({"land_mu": "many"}, "land_mu", "'many' is not a number"),
        (
            {"established_on": "2030-01-01"},
            "established_on",
            "date 2030-01-01 is in the future (today is 2026-11-22)",
        ),
        ({"closed_on": "2020-02-30"}, "closed_on", "date '2020-02-30' is not a date"),
        (
            {"legal_rep_id": "110105194912310021"},
            "legal_rep_id",
            "not a valid 居民身份证号码: check character is '1', expected 'X'",
        ),
        (
            {"employer_id": "91350100M000100Y4Z"},
            "employer_id",
            "not a valid 统一社会信用代码: check character is 'Z', expected '3'",
        ),
    ],
)
def test_each_subject_problem(changes, column, problem) -> None:
    found = problems_of(one_subject(**changes), "subjects")
    assert any(p["column"] == column and p["problem"].startswith(problem) for p in found), found


def test_subjects_are_typed() -> None:
    result = validate_chunk(make_subjects(30, seed=2), "subjects", today=TODAY)
    clean = result.clean
    assert str(clean["household_size"].dtype) == "Int64"
    assert clean["registered_capital"].dtype == np.float64
    assert str(clean["established_on"].dtype) == "datetime64[s]"
    assert list(clean.columns) == list(business_columns("subjects"))


def test_fast_identifier_checks_agree_with_the_reference_functions() -> None:
    # mutate valid codes at random places; the vectorised masks must say exactly
    # what uscc_problem and id_number_problem say
    rng = np.random.default_rng(11)
    codes = uscc_codes(rng, 300) + id_numbers(rng, 300)
    alphabet = "0123456789ABXZ"
    mutated = []
    for code in codes:
        chars = list(code)
        for _ in range(int(rng.integers(0, 2))):
            chars[int(rng.integers(0, 18))] = alphabet[int(rng.integers(0, len(alphabet)))]
        mutated.append("".join(chars))
    mutated += ["", "short", "91110000600037341L0", "11010520991231002X", "中文" * 9]
    series = pd.Series(mutated, dtype=str)
    expected_uscc = np.array([uscc_problem(c) is None for c in mutated])
    expected_id = np.array([id_number_problem(c, TODAY) is None for c in mutated])
    assert 200 < expected_uscc.sum() + expected_id.sum() < 600  # both outcomes are exercised
    np.testing.assert_array_equal(valid_uscc_mask(series), expected_uscc)
    np.testing.assert_array_equal(valid_id_mask(series, TODAY), expected_id)


def test_full_width_digits_are_not_identifier_digits() -> None:
    # Python's \d matches "１"; a full-width ID number must not be stored
    full_width = GOOD_ID[:-1].translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"}) + "X"
    found = problems_of(one_record(subject_id=full_width, kind="traffic_violation", value_text=""))
    assert [p["column"] for p in found] == ["subject_id"]
    found = problems_of(one_subject(region_code="5３０３０２"), "subjects")
    assert [p["column"] for p in found] == ["region_code"]


def test_full_width_division_codes_are_rejected() -> None:
    # str.isdigit() is True for "１"; a division code must be ASCII digits
    wide = str.maketrans({d: chr(ord(d) + 0xFEE0) for d in "0123456789"})
    found = problems_of(one_subject(township_code="530302101".translate(wide)), "subjects")
    assert [p["column"] for p in found] == ["township_code"]
    found = problems_of(one_subject(village_code="530302101" + "２０１"), "subjects")
    assert [p["column"] for p in found] == ["village_code"]


def test_an_id_number_born_after_today_is_rejected_in_every_column() -> None:
    # the explaining functions get the chunk's today, not the current date
    born_2010 = "53030220100501003"
    code = born_2010 + id_check_char(born_2010)
    assert id_number_problem(code) is None
    past = dt.date(2009, 12, 31)
    subject = one_subject(
        subject_id=code,
        subject_type="household",
        industry="",
        scale="",
        registered_capital="",
        established_on="",
        legal_rep_id="",
    )
    record = one_record(subject_id=code, kind="court_judgment", severity="minor", value_text="")
    unknown = one_record(subject_id=code, kind="foo", severity="", value_text="")
    for frame, table in ((subject, "subjects"), (record, "records"), (unknown, "records")):
        found = validate_chunk(frame, table, today=past).problems[int(frame.index[0])]
        ids = [p["problem"] for p in found if p["column"] == "subject_id"]
        assert len(ids) == 1 and "birth date 2010-05-01 is out of range" in ids[0], (table, found)


def test_a_200k_chunk_validates_whole() -> None:
    # a chunk of the ingest's size (its speed is not asserted here: a timed test fails on a
    # loaded machine; performance belongs to bench/)
    frame = pd.concat([make_records(4_000, seed=5)] * 50, ignore_index=True)
    frame.index = frame.index + 2
    result = validate_chunk(frame, "records", today=TODAY)
    assert len(result.clean) == 200_000 and not result.problems


def test_today_defaults_to_the_current_date() -> None:
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    found = validate_chunk(one_record(published_on=tomorrow), "records").problems[2]
    assert found[0]["column"] == "published_on" and "in the future" in found[0]["problem"]


# --- values written in Chinese (issue 15) ---------------------------------------------------


def test_records_with_chinese_values_are_stored_as_codes() -> None:
    frame = pd.concat(
        [
            one_record(
                kind="行政处罚", severity="一般", value_text="食品", source_dept="市场监督管理局"
            ),
            one_record(record_id="R2", kind=" 行政处罚 ", severity="严重", value_text="其他"),
            # English labels and codes in other cases are spellings too
            one_record(record_id="R3", kind="Administrative penalty", severity="MINOR"),
            one_record(record_id="R4", kind="administrative_penalty", severity="ｇｅｎｅｒａｌ"),
        ]
    )
    frame.index = pd.Index([2, 3, 4, 5], name="row_number")
    result = validate_chunk(frame, "records", today=TODAY)
    assert result.problems == {}
    clean = result.clean
    assert clean["kind"].tolist() == ["administrative_penalty"] * 4
    assert clean["severity"].tolist() == ["general", "serious", "minor", "general"]
    assert clean["value_text"].tolist() == ["food", "other", "food", "food"]
    assert clean["source_dept"].iloc[0] == "samr"
    assert clean["polarity"].tolist() == ["negative"] * 4  # filled from the coded kind


def test_a_kind_value_is_read_in_its_own_kind() -> None:
    # 其他 is "other" for a penalty; court judgments spell theirs 其他纠纷
    court = one_record(
        kind="涉诉判决",
        severity="",
        value_text="其他纠纷",
        amount="",
        decided_on="",
        valid_until="",
    )
    clean = validate_chunk(court, "records", today=TODAY).clean
    assert (clean["kind"].iloc[0], clean["value_text"].iloc[0]) == ("court_judgment", "other")
    found = problems_of(one_record(kind="涉诉判决", severity="", value_text="食品"))
    assert [p["column"] for p in found] == ["value_text"]
    assert found[0]["problem_zh"].startswith("涉诉判决的文本值不能是“食品”，应为：")
    assert "其他纠纷" in found[0]["problem_zh"] and "other" not in found[0]["problem_zh"]


def test_subjects_with_chinese_values_are_stored_as_codes() -> None:
    frame = one_subject(subject_type="企业", industry="制造业", scale="小型", status="存续")
    result = validate_chunk(frame, "subjects", today=TODAY)
    assert result.problems == {}
    row = result.clean.iloc[0]
    assert (row["subject_type"], row["industry"], row["scale"], row["status"]) == (
        "enterprise",
        "C",
        "small",
        "active",
    )
    driver = make_subjects(3).iloc[2].to_dict() | {
        "subject_type": "驾驶员",
        "licence_class": "A2（重型牵引挂车）",
    }
    clean = validate_chunk(pd.DataFrame([driver], dtype=str), "subjects", today=TODAY).clean
    assert (clean["subject_type"].iloc[0], clean["licence_class"].iloc[0]) == ("driver", "A2")


@pytest.mark.parametrize(
    ("table", "changes", "column", "zh", "en"),
    [
        (
            "records",
            {"severity": "较重"},
            "severity",
            "失信程度“较重”不是可接受的值，应为：轻微、一般、严重",
            "severity '较重' is not one of minor, general, serious "
            "(accepted: minor=轻微, general=一般, serious=严重)",
        ),
        (
            "records",
            {"kind": "行政罚款"},
            "kind",
            "未知的信息类别“行政罚款”，应为以下之一：行政许可、行政处罚、经营异常名录",
            "unknown record kind '行政罚款'; expected a kind's code or Chinese name: "
            "administrative_licence=行政许可, administrative_penalty=行政处罚",
        ),
        (
            "subjects",
            {"status": "在业"},
            "status",
            "状态“在业”不是可接受的值，应为：存续、注销、吊销",
            "status '在业' is not one of active, closed, revoked",
        ),
    ],
)
def test_a_value_matching_nothing_names_the_accepted_values(table, changes, column, zh, en) -> None:
    frame = one_record(**changes) if table == "records" else one_subject(**changes)
    found = [p for p in problems_of(frame, table) if p["column"] == column]
    assert len(found) == 1, found
    assert found[0]["problem_zh"].startswith(zh) and found[0]["problem"].startswith(en)


def test_every_problem_reads_in_chinese() -> None:
    # one row per broken column; each problem has a Chinese text with Chinese words in it
    rows = [
        one_record(subject_id=GOOD_USCC[:17] + "Z"),
        one_record(kind="traffic_violation", severity="minor", value_text="", value_num="3"),
        one_record(kind="tax_paid", severity="minor", value_text=""),
        one_record(severity=""),
        one_record(event_date="2023-13-01"),
        one_record(published_on="2099-01-01"),
        one_record(published_on="2023-01-01"),
        one_record(amount="-5"),
        one_record(amount="lots"),
        one_record(record_id=""),
        one_subject(region_code="99"),
        one_subject(household_size="2.5"),
        one_subject(legal_rep_id="110105194912310021"),
    ]
    for frame in rows:
        table = "subjects" if "subject_type" in frame.columns else "records"
        found = problems_of(frame, table)
        assert found, frame.to_dict("records")
        for p in found:
            assert (
                re.search(r"[\u4e00-\u9fff]", p["problem_zh"]) and p["problem_zh"] != p["problem"]
            ), p


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\x7f", "\x0b"])
def test_control_characters_quarantine_the_row(char) -> None:
    found = problems_of(one_record(detail=f"罚款{char}通知"))
    assert [p["column"] for p in found] == ["detail"]
    code = f"U+{ord(char):04X}"
    assert found[0]["problem"] == f"contains a control character {code}"
    assert found[0]["problem_zh"].startswith(f"含有控制字符 {code}")
    # tabs and line breaks are text
    assert problems_of(one_record(detail="罚款\t通知\r\n第二行")) == []


def test_formula_looking_text_is_data() -> None:
    for text in ("=1+1", '=HYPERLINK("http://x","y")', "+1", "-1", "@SUM(A1)"):
        assert problems_of(one_record(detail=text)) == []
        assert problems_of(one_subject(name=text), "subjects") == []


# --- subject types declared in a scheme folder ------------------------------------------


@pytest.fixture
def declared(tmp_path):
    """The registry with a tour_guide (person) and a foundation (USCC 53…) type declared."""
    from declared_types import write_types

    from features import registry

    with registry.using([write_types(tmp_path)]) as reg:
        yield reg


def _guide(**changes: str) -> pd.DataFrame:
    row = make_subjects(2).iloc[1].to_dict()  # a household: a valid ID number
    row.update(
        subject_type="导游",
        name="导游一",
        township_code="",
        village_code="",
        land_mu="",
        household_size="",
        labour_count="",
    )
    row.update(changes)
    return pd.DataFrame([row], index=pd.Index([7], name="row_number"), dtype=str)


def test_a_declared_person_type_is_validated_by_its_identifier_rule(declared) -> None:
    good = validate_chunk(_guide(), "subjects", today=TODAY)
    assert good.problems == {}
    assert good.clean["subject_type"].tolist() == ["tour_guide"]  # its Chinese label is a spelling
    found = problems_of(_guide(subject_id="91350100M000100Y43"), "subjects")
    (problem,) = [p for p in found if p["column"] == "subject_id"]
    assert problem["problem"].startswith("not a valid 居民身份证号码")
    assert problem["problem"].endswith("(subject type tour_guide)")
    assert problem["problem_zh"].endswith("（主体类型：导游）")


def test_a_declared_uscc_prefix_refuses_an_enterprise_code(declared) -> None:
    firm = one_subject(subject_type="foundation")  # a valid enterprise USCC, 91…
    (problem,) = [p for p in problems_of(firm, "subjects") if p["column"] == "subject_id"]
    assert problem["problem_zh"].startswith("基金会的统一社会信用代码以 53 开头，实为 91")
    assert problem["problem"].startswith("the 统一社会信用代码 of a 基金会 begins with 53, not 91")
    body = "53" + firm["subject_id"].iloc[0][2:17]
    foundation = body + uscc_check_char(body)
    good = one_subject(subject_type="foundation", subject_id=foundation)
    assert problems_of(good, "subjects") == []


def test_declared_types_leave_with_their_folder(tmp_path) -> None:
    from declared_types import write_types

    from features import registry

    with registry.using([write_types(tmp_path)]):
        assert problems_of(_guide(), "subjects") == []
    found = problems_of(_guide(), "subjects")
    assert any(p["column"] == "subject_type" for p in found), found
