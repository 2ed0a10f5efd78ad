"""The 信用核查 page's evidence table in words: no scheme code, Chinese labels."""

from __future__ import annotations

from app.data.checks import evidence_frame


def test_a_rating_is_named_by_its_model_version_and_a_record_by_its_id() -> None:
    measure = {
        "evidence": [
            {"source": "rating", "id": "enterprise:3", "kind": "enterprise", "on": "2026-10-31"},
            {"source": "record", "id": "E1", "kind": "listing_evidence", "on": "2026-05-01"},
        ]
    }
    zh = evidence_frame(measure, "zh")
    assert list(zh["evidence_id"]) == ["模型版本 3", "E1"]
    assert "enterprise" not in zh.to_string()
    assert list(zh["kind_label"])[1] == "名单列入所依据的记录"
    assert list(evidence_frame(measure, "en")["evidence_id"]) == ["model version 3", "E1"]
