"""The departments' HTTP API end to end: ``xinping serve`` in a subprocess on a small
seeded store with a black-listed firm, called over HTTP with ``httpx``.

One server per module. Two departments with different scopes, a check returning the
mandatory procurement limit with its basis and evidence, feedback, a caseload, the
statistics' coverage, the rate limit, a revoked key, the OpenAPI page, the audit log.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest
from app_server import ROOT, free_port

from app.api.keys import issue_key, revoke_key
from features.records.ids import uscc_check_char
from features.store.duckdb_store import DuckDBStore

pytestmark = pytest.mark.slow  # a server in a subprocess: about 10 s for the module

BLACK = "91530300724000001" + uscc_check_char("91530300724000001")
CLEAN = "91530300724000002" + uscc_check_char("91530300724000002")
PERSON = "110105194912310038"
REP = "110105198001010016"  # the black-listed firm's legal representative, rated under no scheme
FIN, MKT, HOUSING = "市财政局", "市市场监管局", "市住建局"
TODAY = dt.date.today()
#: every date relative to today: the API refuses an as_of after today
EVENT = TODAY - dt.timedelta(days=200)


def _record(rid: str, sid: str, kind: str) -> dict:
    return {
        "record_id": rid,
        "subject_id": sid,
        "kind": kind,
        "domain": "supervision",
        "severity": "serious",
        "polarity": "negative",
        "event_date": EVENT,
        "decided_on": EVENT,
        "published_on": EVENT + dt.timedelta(days=2),
        "valid_until": TODAY + dt.timedelta(days=3 * 365),
        "source_dept": "court" if kind == "dishonest_judgment_debtor" else "samr",
    }


def _seed(path: Path) -> dict[str, str]:
    """The store: a black-listed firm, a clean firm, a person; four keys."""
    from app.settings import settings
    from scoring.list_rules import apply_rules

    s = settings()
    with DuckDBStore(path) as st:
        st.append(
            "subjects",
            pd.DataFrame(
                [
                    {
                        "subject_id": sid,
                        "subject_type": stype,
                        "name": name,
                        "region_code": "530302",
                        "established_on": dt.date(2015, 3, 1),
                        "status": "active",
                        "legal_rep_id": rep,
                    }
                    for sid, stype, name, rep in (
                        (BLACK, "enterprise", "曲靖壬建材有限公司", REP),
                        (CLEAN, "enterprise", "曲靖癸商贸有限公司", None),
                        (PERSON, "household", "王五", None),
                    )
                ]
            ),
        )
        st.append(
            "records",
            pd.DataFrame(
                [
                    _record("SV9", BLACK, "serious_violation_list"),
                    _record("JD9", PERSON, "dishonest_judgment_debtor"),
                ]
            ),
        )
        apply_rules(st, TODAY, s.lists.config(), s.windows.policy(), "tester")
        # 市财政局's first key, revoked; then its key in force
        gone, revoked = issue_key(st, FIN, ["procurement"], 100, "admin")
        revoke_key(st, gone.key_id, "admin", "人员调整")
        tokens = {
            "revoked": revoked,
            "fin": issue_key(st, FIN, ["procurement", "bidding"], 100, "admin")[1],
            "mkt": issue_key(st, MKT, ["licensing"], 100, "admin")[1],
            "slow": issue_key(st, HOUSING, ["procurement"], 3, "admin")[1],
        }
    return tokens


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """``xinping serve`` on a free port against the seeded store; its URL, keys and store."""
    folder = tmp_path_factory.mktemp("api")
    path = folder / "api.duckdb"
    env = {**os.environ, "XINPING_STORE": str(path), "PYTHONPATH": str(ROOT)}
    env.pop("XINPING_SETTINGS", None)
    tokens = _seed(path)
    port = free_port()
    log_path = folder / "serve.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--store", str(path)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:  # a readiness wait, not a timing: the test never measures time
            try:
                if httpx.get(f"{url}/openapi.json", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("xinping serve did not start: " + log_path.read_text())
            time.sleep(0.3)
        with httpx.Client(base_url=url, timeout=30) as client:
            yield {"client": client, "keys": tokens, "store": path, "log": log_path}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the server we started, nothing else
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def _h(api: dict, who: str) -> dict[str, str]:
    return {"X-API-Key": api["keys"][who]}


def _refusal(resp: httpx.Response, status: int, code: str) -> dict:
    assert resp.status_code == status, resp.text
    err = resp.json()["error"]
    assert err["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in err["message"]), err  # Chinese first
    assert err["message_en"] and "Traceback" not in resp.text
    return err


def _check(api: dict, who: str, subject: str, matter: str, **extra) -> httpx.Response:
    body = {"subject_id": subject, "matter": matter, "purpose": "资格审查", **extra}
    return api["client"].post("/v1/checks", json=body, headers=_h(api, who))


def test_a_black_listed_firm_gets_the_mandatory_procurement_limit_with_basis_and_evidence(
    api,
) -> None:
    resp = _check(api, "fin", BLACK, "procurement")
    assert resp.status_code == 200, resp.text
    out = resp.json()
    assert out["department"] == FIN and out["matter_zh"] == "政府采购"
    assert "black" in out["lists"] and out["tiers"] == {"serious": ["SV9"]}
    proc = next(m for m in out["measures"] if m["measure_id"] == "P-PROC-01")
    assert proc["force"] == "mandatory" and proc["force_zh"] == "强制性"
    assert "政府采购法" in proc["basis_document"] and proc["basis_text"]
    assert "list:black" in proc["matched"] and "黑名单" in proc["matched_zh"]
    assert {e["id"] for e in proc["evidence"] if e["source"] == "record"} == {"SV9"}
    assert {e["kind"] for e in proc["evidence"] if e["source"] == "listing"} == {"black"}
    # the stored check is what was returned, and only its department sees it
    got = api["client"].get(f"/v1/checks/{out['check_id']}", headers=_h(api, "fin"))
    assert got.status_code == 200 and got.json()["result"] == out
    other = api["client"].get(f"/v1/checks/{out['check_id']}", headers=_h(api, "mkt"))
    _refusal(other, 403, "wrong_department")
    _refusal(
        api["client"].get("/v1/checks/CC-9999999", headers=_h(api, "fin")), 404, "unknown_check"
    )


def test_each_department_checks_only_the_matters_of_its_key(api) -> None:
    err = _refusal(_check(api, "mkt", BLACK, "procurement"), 403, "matter_not_in_scope")
    assert "政府采购" in err["message"]
    lic = _check(api, "mkt", BLACK, "licensing")
    assert lic.status_code == 200 and lic.json()["department"] == MKT
    matters = api["client"].get("/v1/matters", headers=_h(api, "mkt")).json()
    assert [m["key"] for m in matters if m["in_scope"]] == ["licensing"]
    # the department is the key's: a body naming one is refused
    named = _check(api, "mkt", BLACK, "licensing", department=FIN)
    err = _refusal(named, 422, "invalid_input")
    assert "department" in err["message"] and "不认识的字段" in err["message"]


def test_feedback_a_caseload_and_the_statistics_show_the_coverage(api) -> None:
    c = api["client"]
    first = _check(api, "fin", BLACK, "bidding").json()
    _check(api, "fin", CLEAN, "bidding")
    assert [m["measure_id"] for m in first["measures"]] == ["P-BID-01"]
    url = f"/v1/checks/{first['check_id']}/feedback"
    bad = {"items": [{"measure_id": "P-BID-01", "outcome": "not_applied"}]}
    err = _refusal(c.post(url, json=bad, headers=_h(api, "fin")), 422, "note_required")
    assert "说明" in err["message"]
    _refusal(c.post(url, json=bad, headers=_h(api, "mkt")), 403, "wrong_department")
    ok = {"items": [{"measure_id": "P-BID-01", "outcome": "applied"}]}
    done = c.post(url, json=ok, headers=_h(api, "fin"))
    assert done.status_code == 201 and len(done.json()["feedback_ids"]) == 1
    load = {"matter": "bidding", "month": TODAY.isoformat(), "cases": 8}
    posted = c.post("/v1/caseloads", json=load, headers=_h(api, "fin"))
    assert posted.status_code == 201 and posted.json()["month"] == TODAY.replace(day=1).isoformat()
    _refusal(c.post("/v1/caseloads", json=load, headers=_h(api, "mkt")), 403, "matter_not_in_scope")
    start = TODAY.replace(day=1).isoformat()
    stats = c.get(f"/v1/statistics?start={start}", headers=_h(api, "fin")).json()
    assert stats["department"] == FIN and stats["columns"]["coverage"] == "应查必查覆盖率"
    row = next(r for r in stats["rows"] if r["matter"] == "bidding")
    assert (row["checks"], row["subjects_checked"], row["cases"]) == (2, 2, 8)
    assert row["coverage"] == pytest.approx(2 / 8) and row["matter_zh"] == "招标投标"
    assert (row["mandatory_returned"], row["feedback_received"], row["mandatory_applied"]) == (
        1,
        1,
        1,
    )
    assert all(r["department"] == FIN for r in stats["rows"])  # its own only


def test_a_batch_keeps_every_subject_and_masks_the_person(api) -> None:
    body = {"subject_ids": [BLACK, PERSON, "123"], "matter": "procurement", "purpose": "批量审查"}
    resp = api["client"].post("/v1/checks/batch", json=body, headers=_h(api, "fin"))
    assert resp.status_code == 200, resp.text
    out = resp.json()
    assert (out["ok"], out["errors"]) == (2, 1)
    assert [(i["index"], i["status"]) for i in out["items"]] == [(0, "ok"), (1, "ok"), (2, "error")]
    assert out["items"][1]["subject"].startswith("110105") and PERSON not in resp.text
    assert out["items"][2]["error"]["code"] == "check_refused"


def test_the_rate_limit_answers_429_with_retry_after(api) -> None:
    calls = [api["client"].get("/v1/matters", headers=_h(api, "slow")) for _ in range(4)]
    assert [r.status_code for r in calls] == [200, 200, 200, 429]
    _refusal(calls[-1], 429, "rate_limited")
    assert 1 <= int(calls[-1].headers["Retry-After"]) <= 60
    assert api["client"].get("/v1/matters", headers=_h(api, "fin")).status_code == 200


def test_no_key_an_unknown_key_and_a_revoked_key_are_401(api) -> None:
    c = api["client"]
    _refusal(c.get("/v1/matters"), 401, "no_key")
    _refusal(
        c.get("/v1/matters", headers={"X-API-Key": "xp_000000000000_" + "x" * 43}),
        401,
        "unknown_key",
    )
    err = _refusal(c.get("/v1/matters", headers=_h(api, "revoked")), 401, "revoked_key")
    assert "吊销" in err["message"]


def test_a_key_issued_and_revoked_while_the_server_runs_takes_effect_at_once(api) -> None:
    with DuckDBStore(api["store"]) as st:
        key, token = issue_key(st, "市教育局", ["awards"], 100, "admin")
    headers = {"X-API-Key": token}
    assert api["client"].get("/v1/matters", headers=headers).status_code == 200
    with DuckDBStore(api["store"]) as st:
        revoke_key(st, key.key_id, "admin", "密钥泄露")
    _refusal(api["client"].get("/v1/matters", headers=headers), 401, "revoked_key")


def test_bad_input_is_422_naming_the_field_never_a_traceback(api) -> None:
    c = api["client"]
    future = (TODAY + dt.timedelta(days=3)).isoformat()
    err = _refusal(_check(api, "fin", BLACK, "procurement", as_of=future), 422, "future_date")
    assert "as_of" in err["message"]
    err = _refusal(
        _check(api, "fin", BLACK, "procurement", as_of="31/10/2026"), 422, "invalid_input"
    )
    assert "as_of" in err["message"] and "YYYY-MM-DD" in err["message"]
    missing = c.post("/v1/checks", json={"subject_id": BLACK}, headers=_h(api, "fin"))
    err = _refusal(missing, 422, "invalid_input")
    assert "matter" in err["message"] and "purpose" in err["message"] and "缺少" in err["message"]
    broken = c.post(
        "/v1/checks",
        content=b"{oops",
        headers={**_h(api, "fin"), "Content-Type": "application/json"},
    )
    _refusal(broken, 422, "invalid_input")
    _refusal(
        c.get("/v1/statistics?start=2026-10-31&end=2026-10-01", headers=_h(api, "fin")),
        422,
        "bad_period",
    )
    _refusal(c.get("/v1/nowhere", headers=_h(api, "fin")), 404, "not_found")


def test_the_catalogue_and_the_openapi_page_are_served(api) -> None:
    c = api["client"]
    measures = c.get("/v1/measures?matter=procurement", headers=_h(api, "mkt")).json()
    assert measures["measures"] and all("procurement" in m["matters"] for m in measures["measures"])
    _refusal(c.get("/v1/measures?matter=parking", headers=_h(api, "mkt")), 422, "invalid_input")
    docs = c.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    # served whole from the platform: an intranet reaches no CDN
    assets = re.findall(r"""(?:src|href)=['"]([^'"]+)['"]""", docs.text)
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    for asset in assets:
        assert asset.startswith("/"), asset
        assert c.get(asset).status_code == 200, asset
    spec = c.get("/openapi.json").json()
    assert "部门信用核查接口" in spec["info"]["title"]
    wanted = {
        ("post", "/v1/checks"), ("post", "/v1/checks/batch"), ("get", "/v1/checks/{check_id}"),
        ("post", "/v1/checks/{check_id}/feedback"), ("post", "/v1/caseloads"),
        ("get", "/v1/statistics"), ("get", "/v1/matters"), ("get", "/v1/measures"),
    }  # fmt: skip
    found = {(m, p) for p, ops in spec["paths"].items() for m in ops}
    assert wanted <= found
    for path, ops in spec["paths"].items():
        for op in ops.values():
            assert op["tags"] and _zh(op["summary"]) and _zh(op["description"]), path
            for p in op.get("parameters", []):
                assert _zh(p.get("description", "")), (path, p)
    for name, schema in spec["components"]["schemas"].items():
        for field, prop in schema.get("properties", {}).items():
            assert _zh(prop.get("description", "")), f"{name}.{field} has no Chinese description"
    assert spec["components"]["securitySchemes"]["APIKeyHeader"]["name"] == "X-API-Key"


def _zh(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_the_audit_log_holds_every_call_and_never_a_personal_id(api) -> None:
    c = api["client"]
    _check(api, "fin", PERSON, "procurement")
    load = {"matter": "procurement", "month": TODAY.isoformat(), "cases": 3}
    assert c.post("/v1/caseloads", json=load, headers=_h(api, "fin")).status_code == 201
    assert _check(api, "mkt", PERSON, "procurement").status_code == 403
    assert _check(api, "fin", PERSON, "parking").status_code == 422
    assert c.get("/v1/matters").status_code == 401  # no key: audited too
    for _ in range(4):
        last = c.get("/v1/matters", headers=_h(api, "slow"))
    assert last.status_code == 429
    with DuckDBStore(api["store"], read_only=True) as st:
        calls = st.query("SELECT * FROM audit_log WHERE action = 'api_call'")
        checks = st.query("SELECT * FROM audit_log WHERE action = 'credit_check'")
        stored = st.query("SELECT department, subject_id FROM credit_checks")
    detail = [json.loads(d) for d in calls["detail"]]
    assert {d["status"] for d in detail} >= {200, 201, 401, 403, 422, 429}
    routes = {d["route"].split(" ")[1] for d in detail}
    assert {"/v1/checks", "/v1/checks/batch", "/v1/caseloads", "/v1/matters"} <= routes
    mine = [
        d
        for d in detail
        if d["department"] == FIN and d["route"] == "POST /v1/checks" and d["status"] == 200
    ]
    assert mine and all(d["key_id"] and d["purpose"] == "资格审查" for d in mine)
    assert any(d["key_id"] == "" and d["status"] == 401 for d in detail)
    everything = " ".join(str(v) for f in (calls, checks) for v in f.values.ravel())
    assert PERSON not in everything  # kept as its keyed hash
    assert checks["user_name"].str.startswith("api:").all() and (checks["role"] == "api").all()
    assert set(stored["department"]) == {FIN, MKT}
    assert "Traceback" not in api["log"].read_text()


def test_concurrent_checks_and_feedback_get_distinct_ids(api) -> None:
    from concurrent.futures import ThreadPoolExecutor

    url = api["client"].base_url

    def one(_: int) -> str:
        with httpx.Client(base_url=url, timeout=60) as c:
            body = {"subject_id": BLACK, "matter": "procurement", "purpose": "并发核查"}
            out = c.post("/v1/checks", json=body, headers=_h(api, "fin")).json()
            fb = {"items": [{"measure_id": "P-PROC-01", "outcome": "applied"}]}
            done = c.post(f"/v1/checks/{out['check_id']}/feedback", json=fb, headers=_h(api, "fin"))
            return out["check_id"], done.json()["feedback_ids"][0]

    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(one, range(16)))
    assert len({c for c, _ in got}) == 16 and len({f for _, f in got}) == 16
    with DuckDBStore(api["store"], read_only=True) as st:
        dup = st.query(
            "SELECT check_id FROM credit_checks GROUP BY check_id HAVING count(*) > 1 UNION ALL "
            "SELECT feedback_id FROM check_feedback GROUP BY feedback_id HAVING count(*) > 1"
        )
    assert dup.empty, dup


def test_the_same_server_answers_the_public_disclosure_routes_without_a_key(api) -> None:
    c = api["client"]
    black = c.get("/public/lists/black")
    assert black.status_code == 200, black.text
    assert [i["code"] for i in black.json()["items"]] == [BLACK]
    # the public routes read the server's store: a key is neither needed nor looked at
    assert c.get("/public/lists/black", headers={"X-API-Key": "xp_nope"}).status_code == 200
    assert "/public/lists/{list_key}" in c.get("/openapi.json").json()["paths"]


def test_the_public_routes_are_limited_per_client_address(api) -> None:
    c = api["client"]
    answers = [c.get("/public/lists/red") for _ in range(70)]  # default: 60 per minute
    limited = [r for r in answers if r.status_code == 429]
    assert limited and all(r.status_code == 200 for r in answers[: 60 - 3])
    assert int(limited[0].headers["Retry-After"]) >= 1
    assert "每分钟最多 60 次" in limited[0].json()["error"]["message"]
    # the departments' routes count per key, not per address: still answered
    assert c.get("/v1/matters", headers=_h(api, "fin")).status_code == 200


def test_a_legal_representative_is_reached_through_the_black_listed_firm(api) -> None:
    out = _check(api, "mkt", REP, "licensing")
    assert out.status_code == 200, out.text
    body = out.json()
    assert body["subject"] != REP and body["subject_type"] == "person"
    ban = next(m for m in body["measures"] if m["measure_id"] == "P-MKT-01")
    assert (ban["through"], ban["reached_as"]) == (BLACK, "legal_representative")
    assert body["reached_through"][0]["firm_id"] == BLACK
    assert REP not in out.text
