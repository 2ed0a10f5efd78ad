"""信用修复指引 on the pages: the profile (on demand, masked for a masked role) and the
steward's 异议与修复 page for the subject at hand; Chinese words only."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from features.records.ids import mask_id

PAGES = Path(__file__).resolve().parents[2] / "app" / "pages"
#: a record kind's, tier's or status's code, or an empty value, on a Chinese page
CODES = re.compile(r"\b(None|nan|NaT|administrative_penalty|serious|general|minor|approved)\b")


def page(name: str, role: str) -> AppTest:
    at = AppTest.from_file(str(PAGES / f"{name}_page.py"), default_timeout=180)
    at.session_state["lang"] = "zh"
    at.session_state["user"] = {
        "username": f"test-{role}",
        "role": role,
        "display_name": f"测试{role}",
        "region_code": None,
    }
    return at.run()


def _text(at: AppTest) -> str:
    frames = [d.value for d in at.dataframe]
    shown = " ".join(f.to_csv(index=False) for f in frames if isinstance(f, pd.DataFrame))
    words = [m.value for m in (*at.markdown, *at.caption, *at.info, *at.warning)]
    return shown + " ".join(words)


def test_profile_plan_for_a_driver_is_masked_for_the_bank(app_env: dict, query) -> None:
    driver = query("""SELECT s.subject_id FROM subjects s JOIN ratings r USING (subject_id)
                      JOIN records x ON x.subject_id = s.subject_id
                      WHERE s.subject_type = 'driver' AND x.polarity = 'negative'
                      ORDER BY s.subject_id LIMIT 1""")["subject_id"].iloc[0]
    # a department's record id quoting the driver's ID (it happens): masked like the rest
    from features.store.duckdb_store import DuckDBStore

    with DuckDBStore(app_env["store"]) as st:
        rec = st.query(
            """SELECT * FROM records WHERE subject_id = ? AND polarity = 'negative'
               ORDER BY published_on DESC LIMIT 1""",
            [driver],
        )
        rec["record_id"] = f"JT{driver}"
        st.append("records", rec)
    at = page("profile", "bank")
    at.text_input(key="auth").input("SQ-2026-0002").run()
    at.text_input(key="query").input(driver).run()
    at.toggle(key="plan_show").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    text = _text(at)
    assert "预测" in text and "信用修复" in text
    assert driver not in text and driver[6:16] not in text
    assert f"JT{mask_id(driver)}" in text  # the planted record is in the plan, masked
    assert not CODES.search(text), CODES.search(text)
    assert len(at.get("vega_lite_chart")) >= 3  # waterfall, history, the projection
    assert len(at.get("download_button")) >= 2  # the report, and the report with the plan


def test_objections_page_plans_the_subject_at_hand(app_env: dict, query) -> None:
    firm = query("""SELECT min(x.subject_id) AS s FROM records x JOIN ratings r USING (subject_id)
                    WHERE r.scheme = 'enterprise' AND x.kind = 'administrative_penalty'
                    AND x.severity = 'serious'""")["s"].iloc[0]
    at = page("objections", "admin")
    at.text_input(key="plan_subject").input(firm).run()
    at.button(key="plan_make").click().run()
    assert not at.exception, [e.value for e in at.exception]
    text = _text(at)
    assert "等级预测" in text and "修复方案排名" in text and "预测" in text
    assert not CODES.search(text), CODES.search(text)
    assert mask_id(firm) == firm  # a USCC is shown as it is
