"""Personal IDs in stored text: keyed pseudonyms, and scrubbed free text (issue 15)."""

from __future__ import annotations

from features.records.ids import id_check_char
from features.records.personal import protect, pseudonym, scrub

KEY, OTHER_KEY = b"k" * 32, b"q" * 32
PID = "530302195012310010"
USCC = "91110000600037341L"
assert PID[-1] == id_check_char(PID[:17])


def test_a_pseudonym_is_keyed_stable_and_hides_the_id() -> None:
    p = pseudonym(PID, KEY)
    assert p.startswith("pid:") and len(p) == 4 + 32
    assert p == pseudonym(PID.lower(), KEY) == protect(PID, KEY)
    assert p != pseudonym(PID, OTHER_KEY)  # without the key, a guess cannot be checked
    assert PID not in p and PID[6:14] not in p
    # public codes and empty values stay
    assert protect(USCC, KEY) == USCC and protect("530302101", KEY) == "530302101"
    assert protect(None, KEY) is None
    # a mistyped ID is still personal
    assert protect(PID[:-1] + "9", KEY).startswith("pid:")


def test_scrub_replaces_full_ids_and_stars_partial_ones_in_nested_text() -> None:
    detail = {
        "query": PID,
        "nested": [f"张三{PID}的报告", PID[:10] + "______" + PID[-2:]],
        "prefix": PID[:14],
        "uscc": USCC,
        "ref": "SQ-2026-0815",
        "date": "2026-10-31",
        "masked": "reports/" + PID[:6] + "_" * 10 + PID[-2:] + ".html",
        "n": 3,
    }
    out = scrub(detail, KEY)
    text = repr(out)
    assert PID not in text and PID[6:14] not in text and "19501231" not in text
    assert out["query"] == pseudonym(PID, KEY)
    assert out["nested"][0] == f"张三{pseudonym(PID, KEY)}的报告"
    assert out["nested"][1] == PID[:6] + "*" * 12
    assert out["prefix"] == PID[:6] + "*" * 8
    assert (out["uscc"], out["ref"], out["date"], out["n"]) == (
        USCC,
        "SQ-2026-0815",
        "2026-10-31",
        3,
    )


def test_fragments_of_an_id_are_hashed_in_the_log_and_starred_on_screen() -> None:
    from features.records.personal import mask_code

    # a partial ID typed or uploaded keeps no digit beyond the region
    assert protect(PID[:14], KEY) == pseudonym(PID[:14], KEY)
    assert protect("NO-SUCH-ID", KEY) == "NO-SUCH-ID"  # no ID in it: kept readable
    assert mask_code(PID[:14]) == PID[:6] + "*" * 8
    assert mask_code(PID) == PID[:6] + "*" * 10 + PID[-2:]
    # public codes stay: a USCC, a 12-digit village and a 9-digit township code
    for code in (USCC, "530302101201", "530302101"):
        assert mask_code(code) == code and protect(code, KEY) == code
    assert mask_code(None) is None
