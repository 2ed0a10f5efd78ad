"""The public API end to end: a real uvicorn server in a subprocess serving a tiny FastAPI
app that includes only ``app.api.public.router``, on the public city (tests/public_city.py),
called with httpx. No key; Chinese error bodies; masking; audit; objection workflow."""

from __future__ import annotations

import functools
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from public_city import (
    BLACK,
    BLACK2,
    FIRM,
    FIRM_NAME,
    PERSON,
    PERSON_NAME,
    RED,
    REP,
    build_public_city,
)

from features.store.duckdb_store import DuckDBStore

ROOT = Path(__file__).resolve().parents[2]
TINY_APP = """
from fastapi import FastAPI

from app.api.public import ERROR_HANDLERS, router

app = FastAPI()
app.include_router(router)
for exc, handler in ERROR_HANDLERS.items():
    app.add_exception_handler(exc, handler)
"""


#: an objection re-rates the record's subjects before it answers: on a loaded machine that
#: takes longer than httpx's default 5 s
post = functools.partial(httpx.post, timeout=60)
get = functools.partial(httpx.get, timeout=60)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[dict]:
    """uvicorn on a free port; ``stop()`` ends it so the test can read the store."""
    folder = tmp_path_factory.mktemp("public-api")
    path = folder / "city.duckdb"
    with DuckDBStore(path) as store:
        build_public_city(store)
    (folder / "tiny_public_app.py").write_text(TINY_APP, encoding="utf-8")
    overlay = folder / "settings.toml"
    overlay.write_text(
        '[store]\nmemory_limit = ""\n\n[disclosure]\nmax_failures = 2\n\n'
        "[lists]\nrules = [\n"
        ' { id = "black-serious-list", list = "black", label_zh = "严重违法失信名单",'
        ' kinds = ["serious_violation_list"] },\n'
        ' { id = "red-red-list", list = "red", label_zh = "红名单记录", kinds = ["red_list"] },\n'
        "]\n",
        encoding="utf-8",
    )
    port = _free_port()
    env = {
        **os.environ,
        "XINPING_SETTINGS": str(overlay),
        "XINPING_STORE": str(path),
        "PYTHONPATH": f"{ROOT}{os.pathsep}{folder}",
        "OMP_NUM_THREADS": "1",
    }
    # the server's log goes to a file: a pipe nobody reads stalls it once full
    log = folder / "uvicorn.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "tiny_public_app:app", "--port", str(port)],
            cwd=folder,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180  # the imports on a busy machine
    while True:
        if proc.poll() is not None:
            raise RuntimeError(log.read_text(errors="replace"))
        try:
            httpx.get(url + "/openapi.json", timeout=5)  # readiness
            break
        except httpx.TransportError:
            if time.monotonic() > deadline:
                proc.kill()
                said = log.read_text(errors="replace")
                raise RuntimeError(f"uvicorn did not answer: {said}") from None
            time.sleep(0.2)

    def stop() -> None:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=30)

    yield {"url": url, "path": path, "stop": stop}
    stop()


def test_disclosures_are_public_masked_and_in_chinese(server: dict) -> None:
    r = get(server["url"] + "/public/disclosures")
    assert r.status_code == 200
    body = r.json()
    codes = {i["code"] for i in body["items"]}
    assert FIRM in codes and "110105**********2X" in codes
    assert PERSON not in r.text and PERSON_NAME not in r.text and REP not in r.text
    person = next(i for i in body["items"] if i["code"] == "110105**********2X")
    assert person["subject"] == "张**" and person["kind"] == "行政处罚"
    assert person["dept"] == "交通运输局" and person["severity"] == "一般"
    # decided 2026-08-03, valid until 2027-08-03: the last day shown is the day before
    assert (person["decided"], person["until"]) == ("2026-08-03", "2027-08-02")
    one = get(
        server["url"] + "/public/disclosures", params={"q": "甲建材", "kind": "licence"}
    ).json()
    assert [(i["subject"], i["kind"]) for i in one["items"]] == [(FIRM_NAME, "行政许可")]
    # a person is found by the full ID (the audit log keeps the query's ID as its hash)
    by_id = get(server["url"] + "/public/disclosures", params={"q": PERSON}).json()
    assert [i["subject"] for i in by_id["items"]] == ["张**"]
    en = get(server["url"] + "/public/disclosures", params={"lang": "en"}).json()
    assert {i["kind"] for i in en["items"]} == {"Administrative licence", "Administrative penalty"}


def test_bad_requests_get_chinese_error_bodies(server: dict) -> None:
    r = get(server["url"] + "/public/disclosures", params={"kind": "tax"})
    assert r.status_code == 400
    assert r.json() == {
        "error": {
            "code": "bad_kind",
            "message": "公示类别应为：全部、行政许可或行政处罚",
            "message_en": "kind must be one of all, licence, penalty, not 'tax'",
        }
    }
    r = get(server["url"] + "/public/lists/watch")
    assert r.status_code == 404 and r.json()["error"]["message"] == "名单应为红名单或黑名单"
    r = get(server["url"] + "/public/disclosures", params={"lang": "fr"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"


def test_lists_show_listings_in_force_only(server: dict) -> None:
    black = get(server["url"] + "/public/lists/black").json()
    assert [i["code"] for i in black["items"]] == [BLACK]  # BLACK2 suspended, OLD expired
    assert BLACK2 not in str(black)
    assert black["items"][0]["list"] == "黑名单（严重失信主体名单）"
    red = get(server["url"] + "/public/lists/red").json()
    assert [i["code"] for i in red["items"]] == [RED]


def test_an_objection_needs_the_identity_and_enters_the_workflow(server: dict) -> None:
    url = server["url"] + "/public/objections"
    body = {
        "code": FIRM,
        "name": FIRM_NAME,
        "legal_rep_id": REP,
        "record_id": "P6",
        "reason": "该处罚已复议撤销",
        "contact": "13800000000",
    }
    wrong = post(url, json={**body, "legal_rep_id": PERSON})
    assert wrong.status_code == 403
    assert wrong.json()["error"] == {
        "code": "mismatch",
        "message": "信息不符",
        "message_en": "The information does not match.",
    }
    ok = post(url, json=body)
    assert ok.status_code == 201, ok.text
    assert ok.json()["objection_id"] == "YYP6-1" and ok.json()["due_by"] > ok.json()["opened_on"]
    # the record no longer counts: it left the public view at once
    after = get(server["url"] + "/public/disclosures", params={"q": FIRM}).json()
    assert "2026-07-01" not in {i["decided"] for i in after["items"]}
    again = post(url, json=body)
    assert again.status_code == 400 and "未办结的异议" in again.json()["error"]["message"]
    # a person's code fails twice (max_failures = 2): the third try is refused even if right
    person = {"code": PERSON, "name": "张三", "record_id": "PD1", "reason": "x", "contact": "1"}
    assert post(url, json=person).status_code == 403
    assert post(url, json=person).status_code == 403
    late = post(url, json={**person, "name": PERSON_NAME})
    assert late.status_code == 429 and late.json()["error"]["code"] == "too_many_attempts"


def test_every_call_is_audited_and_no_person_id_is_kept(server: dict) -> None:
    server["stop"]()  # the server holds the store file
    with DuckDBStore(server["path"], read_only=True) as store:
        log = store.query("SELECT * FROM audit_log WHERE role = 'public'")
        objections = store.query("SELECT * FROM objections WHERE objection_id = 'YYP6-1'")
    actions = set(log["action"])
    assert {"public_search", "public_list", "identity_failed", "objection_open"} <= actions
    assert "identity_refused" in actions
    assert PERSON not in log.to_string()
    assert list(objections["handled_by"]) == [f"public:{FIRM}"]
