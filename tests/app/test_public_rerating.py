"""An online objection (信用公示 page and /public API) enters the steward's workflow the
same way the 异议与修复 page does: the record stops counting and the subject is re-rated
at once with the champions."""

from __future__ import annotations

import pandas as pd

from features.store.duckdb_store import DuckDBStore


def test_an_online_objection_re_rates_the_firm_at_once(app_env: dict) -> None:
    from app.public_access import object_online
    from app.settings import settings
    from scoring.self_service import Claim, own_records

    with DuckDBStore(app_env["store"]) as store:
        day = pd.Timestamp(store.scalar("SELECT max(as_of) FROM ratings")).date()
        cfg = settings()
        firms = store.query(
            """SELECT DISTINCT s.subject_id, s.name, s.legal_rep_id
               FROM records r JOIN subjects s USING (subject_id)
               WHERE s.subject_type = 'enterprise' AND s.legal_rep_id IS NOT NULL
                 AND r.polarity = 'negative' AND r.severity = 'serious'
               ORDER BY s.subject_id LIMIT 20"""
        )
        for f in firms.itertuples():
            mine = own_records(
                store, f.subject_id, day, cfg.windows.policy(), cfg.disclosure_config()
            )
            mine = mine[(mine["polarity"] == "negative") & mine["objection_id"].isna()]
            if len(mine):
                firm = {**f._asdict(), "record_id": mine["record_id"].iloc[0]}
                break
        before = store.query(
            "SELECT count(*) AS n FROM ratings WHERE subject_id = ?", [firm["subject_id"]]
        )["n"].iloc[0]
        claim = Claim(firm["subject_id"], firm["name"], firm["legal_rep_id"])
        receipt = object_online(store, claim, firm["record_id"], "处罚已撤销", "0874-1234567", day)
        kept = store.query(
            "SELECT handled_by, status FROM objections WHERE objection_id = ?",
            [receipt.objection_id],
        )
        after = store.query(
            "SELECT count(*) AS n FROM ratings WHERE subject_id = ?", [firm["subject_id"]]
        )["n"].iloc[0]
    assert list(kept["status"]) == ["open"]
    assert kept["handled_by"].iloc[0].startswith("public:")  # filed by the subject online
    # re-rated on the day: a new ratings row for the firm (the record no longer counts)
    assert after > before
