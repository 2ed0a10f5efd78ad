"""The API's error answers in process (app/api/errors.py, app/api/server.py): an
unexpected failure is a plain 500 body and a server-side log line, never a traceback."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from app.api import departments
from app.api.errors import validation_messages
from app.api.keys import issue_key
from app.api.server import create_app
from app.settings import settings
from features.store.duckdb_store import DuckDBStore


@pytest.fixture()
def client_and_key():
    st = DuckDBStore(":memory:")
    _, token = issue_key(st, "市财政局", ["procurement"], 100, "admin")
    with TestClient(create_app(settings(), st), raise_server_exceptions=False) as client:
        yield client, {"X-API-Key": token}, st
    st.close()


def test_an_unexpected_failure_is_a_plain_500_logged_on_the_server(
    client_and_key, monkeypatch, caplog
) -> None:
    client, key, st = client_and_key

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire at /secret/path")

    monkeypatch.setattr(departments, "check_statistics", broken)
    with caplog.at_level(logging.ERROR, logger="xinping.api"):
        resp = client.get("/v1/statistics", headers=key)
    assert resp.status_code == 500
    assert resp.json() == {
        "error": {
            "code": "internal_error",
            "message": "服务内部错误，已记录，请稍后重试或联系平台管理员",
            "message_en": (
                "internal error (logged); try again later or contact the platform steward"
            ),
        }
    }
    assert "secret" not in resp.text and "Traceback" not in resp.text
    assert any(r.exc_info and "disk on fire" in str(r.exc_info[1]) for r in caplog.records)
    audited = st.query("SELECT detail FROM audit_log WHERE action = 'api_call'")
    assert '"status": 500' in audited["detail"].iloc[-1]


def test_validation_messages_name_field_value_and_expectation_in_both_languages() -> None:
    zh, en = validation_messages(
        [
            {"type": "missing", "loc": ("body", "purpose"), "msg": "Field required", "input": {}},
            {
                "type": "literal_error",
                "loc": ("body", "items", 0, "outcome"),
                "msg": "Input should be 'applied' or 'not_applied'",
                "input": "done",
                "ctx": {"expected": "'applied' or 'not_applied'"},
            },
        ]
    )
    assert zh == (
        "请求参数有误：请求体 purpose：缺少该字段；"
        "请求体 items.0.outcome ('done')：不是可选值之一（可选：'applied', 'not_applied'）"
    )
    assert en.startswith("bad request: body purpose: Field required; body items.0.outcome ('done')")
