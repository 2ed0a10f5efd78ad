"""Bank officers: every page path to a firm's or a person's data asks for the subject's
authorisation reference (授权编号) and logs it; the roles are settings, not page code."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from pydantic import ValidationError
from streamlit.testing.v1 import AppTest

from app.settings import load_settings, settings

PAGES = Path(__file__).resolve().parents[2] / "app" / "pages"


def page(name: str, role: str, user: str) -> AppTest:
    """A page run as ``user`` signed in with ``role``."""
    at = AppTest.from_file(str(PAGES / f"{name}_page.py"), default_timeout=240)
    at.session_state["lang"] = "zh"
    at.session_state["user"] = {
        "username": user,
        "role": role,
        "display_name": user,
        "region_code": None,
    }
    return ok(at.run())


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def keys(at: AppTest) -> set[str]:
    return {w.key for w in at.text_input}


def logged(query, user: str) -> list[dict]:
    rows = query("SELECT * FROM audit_log WHERE user_name = ? ORDER BY logged_at", [user])
    return [{**r, "detail": json.loads(r["detail"])} for r in rows.to_dict("records")]


@pytest.fixture()
def firm(query) -> tuple[str, str]:
    """A rated SME (an enterprise with a profile and a 信易贷 decision)."""
    row = query("""SELECT s.subject_id, s.name FROM ratings r JOIN subjects s USING (subject_id)
                   WHERE r.scheme = 'sme' ORDER BY r.subject_id LIMIT 1""").iloc[0]
    return row["subject_id"], row["name"]


def test_profile_shows_a_bank_officer_nothing_before_the_reference(app_env, query) -> None:
    at = page("profile", "bank", "bank-1")
    assert "auth" in keys(at) and "query" not in keys(at)  # no search before it
    assert any("授权编号" in w.value for w in at.warning)
    assert not at.selectbox and not at.header and not at.metric and not at.dataframe
    assert not at.get("download_button")
    at.text_input(key="auth").input("   ").run()  # blanks are no reference
    assert "query" not in keys(ok(at))
    assert logged(query, "bank-1") == []


def test_profile_with_a_reference_shows_the_subject_and_logs_it(app_env, query, firm) -> None:
    sid, name = firm
    at = page("profile", "bank", "bank-2")
    at.text_input(key="auth").input(" SQ-2026-0101 ").run()
    at.text_input(key="query").input(sid).run()
    ok(at)
    assert at.header[0].value == name and at.metric
    assert at.get("download_button")  # the credit report
    rows = logged(query, "bank-2")
    search = [r for r in rows if r["action"] == "search"]
    view = [r for r in rows if r["action"] == "view_subject"]
    assert [r["detail"]["authorisation"] for r in search] == ["SQ-2026-0101"]
    assert search[0]["detail"]["query"] == sid and pd.isna(search[0]["subject_id"])
    assert [(r["subject_id"], r["detail"]["authorisation"]) for r in view] == [
        (sid, "SQ-2026-0101")
    ]
    assert {r["role"] for r in rows} == {"bank"}
    # the same subject under another authorisation is another look-up
    at.text_input(key="auth").input("SQ-2026-0102").run()
    view = [r for r in logged(query, "bank-2") if r["action"] == "view_subject"]
    assert [r["detail"]["authorisation"] for r in view] == ["SQ-2026-0101", "SQ-2026-0102"]


def test_the_report_download_is_logged_with_the_reference(app_env, query, firm) -> None:
    from app.auth import User
    from app.state import audited_report

    sid, _ = firm
    build = audited_report(
        User("bank-3", "bank", "x"), sid, "zh", page="profile", authorisation="SQ-2026-0103"
    )
    assert logged(query, "bank-3") == []  # nothing until the officer downloads it
    html = build()
    assert "信用报告" in html
    (row,) = logged(query, "bank-3")
    assert (row["action"], row["subject_id"], row["role"]) == ("report_download", sid, "bank")
    assert row["detail"] == {"lang": "zh", "page": "profile", "authorisation": "SQ-2026-0103"}


def test_a_supervisor_needs_no_reference(app_env, query, firm) -> None:
    sid, name = firm
    at = page("profile", "supervisor", "sup-1")
    assert "auth" not in keys(at) and "query" in keys(at) and not at.warning
    at.text_input(key="query").input(sid).run()
    ok(at)
    assert at.header[0].value == name
    (row,) = logged(query, "sup-1")
    assert row["action"] == "view_subject" and row["detail"] == {"page": "profile"}


def test_lending_lists_no_sme_before_the_reference(app_env, query, firm) -> None:
    _, name = firm
    at = page("lending", "bank", "bank-4")
    at.text_input(key="query").input(name).run()
    ok(at)
    assert any("授权编号" in w.value for w in at.warning)
    assert not at.selectbox and not at.header and not at.metric
    assert logged(query, "bank-4") == []
    at.text_input(key="auth").input("SQ-2026-0104").run()
    assert ok(at).selectbox and at.header[0].value == name
    actions = [(r["action"], r["detail"].get("authorisation")) for r in logged(query, "bank-4")]
    assert ("search", "SQ-2026-0104") in actions and ("view_subject", "SQ-2026-0104") in actions


def test_the_roles_that_need_a_reference_are_settings(app_env, tmp_path) -> None:
    overlay = tmp_path / "settings.toml"
    overlay.write_text(
        Path(app_env["settings"]).read_text(encoding="utf-8")
        + '\n[app]\nauthorisation_roles = ["rural"]\n',
        encoding="utf-8",
    )
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("XINPING_SETTINGS", str(overlay))
            settings.cache_clear()
            rural = page("profile", "rural", "rural-1")
            assert "auth" in keys(rural) and "query" not in keys(rural)
            bank = page("profile", "bank", "bank-5")
            assert "auth" not in keys(bank) and "query" in keys(bank)
    finally:
        settings.cache_clear()


def test_unknown_roles_in_settings_are_refused(tmp_path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[app]\nauthorisation_roles = ["banker"]\n', encoding="utf-8")
    with pytest.raises(ValidationError, match="unknown roles"):
        load_settings(bad)
    assert load_settings().app.authorisation_roles == ("bank",)
