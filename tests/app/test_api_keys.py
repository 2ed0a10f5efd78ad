"""API keys (app/api/keys.py), the per-key rate limit (app/api/limiter.py) and
`xinping api-keys`: hashes only, constant-time checks, append-only, audited, moving window."""

from __future__ import annotations

import json
import types
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.api import keys as keys_module
from app.api.keys import ApiKeyError, find_key, issue_key, list_keys, revoke_key
from app.api.limiter import KeyLimiter
from app.cli import cli
from app.settings import settings
from features.store.duckdb_store import DuckDBStore

runner = CliRunner()
WIDE = {"COLUMNS": "200"}  # rich wraps tables at 80 columns otherwise


@pytest.fixture()
def store():
    st = DuckDBStore(":memory:")
    yield st
    st.close()


def test_a_key_is_shown_once_and_only_its_salted_hash_is_stored(store) -> None:
    key, token = issue_key(store, " 市财政局 ", ["procurement", "bidding"], 30, "admin")
    assert token.startswith(f"xp_{key.key_id}_") and len(token) > 50
    assert key.department == "市财政局" and key.scopes == ("procurement", "bidding")
    rows = store.query("SELECT * FROM api_keys")
    secret = token.split("_", 2)[2]
    assert secret not in " ".join(str(v) for v in rows.values.ravel())
    assert rows["key_hash"].iloc[0].startswith("sha256$")
    # a fresh salt per key: the same secret would hash differently
    assert keys_module._hash(secret) != keys_module._hash(secret)
    assert keys_module._matches(secret, rows["key_hash"].iloc[0])
    audit = store.query("SELECT * FROM audit_log WHERE action = 'api_key_issued'")
    assert json.loads(audit["detail"].iloc[0])["key_id"] == key.key_id
    assert secret not in audit["detail"].iloc[0]


def test_find_key_takes_the_right_key_only(store, monkeypatch) -> None:
    key, token = issue_key(store, "市财政局", ["procurement"], 30, "admin")
    assert find_key(store, token) == key
    assert find_key(store, " " + token + " ") == key
    wrong = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert find_key(store, wrong) is None
    assert find_key(store, "xp_000000000000_" + token.split("_", 2)[2]) is None  # unknown id
    assert find_key(store, "not a key") is None and find_key(store, "") is None
    # the secret is compared in constant time, also for a key that does not exist
    seen: list[tuple[str, str]] = []
    real = keys_module.hmac.compare_digest
    monkeypatch.setattr(
        keys_module.hmac, "compare_digest", lambda a, b: seen.append((a, b)) or real(a, b)
    )
    find_key(store, token)
    find_key(store, "xp_000000000000_" + "x" * 43)
    assert len(seen) == 2


def test_a_revoked_key_is_found_inactive_and_revoking_is_append_only(store) -> None:
    key, token = issue_key(store, "市财政局", ["procurement"], 30, "admin")
    other, _ = issue_key(store, "市市场监管局", ["licensing"], 10, "admin")
    before = store.query("SELECT * FROM api_keys ORDER BY logged_at")
    out = revoke_key(store, key.key_id, "admin", "人员调整")
    assert not out.active and out.revoked_by == "admin"
    found = find_key(store, token)
    assert found is not None and not found.active
    rows = store.query("SELECT * FROM api_keys ORDER BY logged_at")
    assert rows["event"].tolist() == ["issued", "issued", "revoked"]
    # nothing rewritten (the revoked row's nulls change the numeric dtype, not the values)
    kept = ["key_id", "event", "department", "scopes", "key_hash", "by", "logged_at"]
    assert rows.iloc[:2][kept].reset_index(drop=True).equals(before[kept])
    assert rows["rate_per_minute"].iloc[:2].tolist() == [30, 10]
    listed = {k.key_id: k for k in list_keys(store)}
    assert not listed[key.key_id].active and listed[other.key_id].active
    with pytest.raises(ApiKeyError, match="revoked"):
        revoke_key(store, key.key_id, "admin", "再次")
    with pytest.raises(ApiKeyError, match="no API key"):
        revoke_key(store, "ffffffffffff", "admin", "x")
    with pytest.raises(ApiKeyError, match="reason"):
        revoke_key(store, other.key_id, "admin", " ")
    assert store.query("SELECT * FROM audit_log WHERE action = 'api_key_revoked'").shape[0] == 1


@pytest.mark.parametrize(
    ("dept", "scopes", "rate", "words"),
    [
        ("", ["procurement"], 10, "department"),
        ("市财政局", [], 10, "matters"),
        ("市财政局", ["parking"], 10, "parking"),
        ("市财政局", ["*", "procurement"], 10, "alone"),
        ("市财政局", ["procurement"], 0, "rate"),
    ],
)
def test_bad_keys_are_refused(store, dept, scopes, rate, words) -> None:
    with pytest.raises(ApiKeyError, match=words) as err:
        issue_key(store, dept, scopes, rate, "admin")
    assert err.value.zh
    assert store.count("api_keys") == 0


def test_a_department_holds_one_active_key_and_changes_it_by_revoking(store) -> None:
    first, _ = issue_key(store, "市财政局", ["procurement"], 10, "admin")
    with pytest.raises(ApiKeyError, match="one key per department") as err:
        issue_key(store, "市财政局", ["bidding"], 10, "admin")
    assert first.key_id in err.value.zh and store.count("api_keys") == 1
    revoke_key(store, first.key_id, "admin", "更换密钥")
    second, _ = issue_key(store, "市财政局", ["procurement", "bidding"], 10, "admin")
    assert [k.key_id for k in list_keys(store) if k.active] == [second.key_id]


def test_scopes_name_the_matters_a_key_may_check(store) -> None:
    key, _ = issue_key(store, "市财政局", ["procurement"], 10, "admin")
    every, _ = issue_key(store, "信用办", ["*"], 10, "admin")
    assert key.may_check("procurement") and not key.may_check("licensing")
    assert every.may_check("licensing") and every.may_check("consumption")


class _Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture()
def clock(monkeypatch):
    """The limiter's and the limits library's clock, moved by hand (no sleeping)."""
    import limits.storage.memory as memory

    from app.api import limiter

    c = _Clock()
    monkeypatch.setattr(memory, "time", types.SimpleNamespace(time=c.time, sleep=lambda s: None))
    monkeypatch.setattr(limiter, "time", types.SimpleNamespace(time=c.time))
    return c


def test_the_rate_limit_is_a_moving_window_per_key(clock) -> None:
    lim = KeyLimiter()
    assert [lim.hit("a", 3).allowed for _ in range(3)] == [True, True, True]
    refused = lim.hit("a", 3)
    assert not refused.allowed and refused.retry_after == 60
    assert lim.hit("b", 3).allowed  # another key has its own window
    clock.now += 30
    assert lim.hit("a", 3).retry_after == 30
    clock.now += 31  # the three calls of 61 s ago have left the window
    assert lim.hit("a", 3).allowed
    # moving, not fixed: two calls at +30 s, one now; a fourth waits for the +30 s ones
    lim2 = KeyLimiter()
    lim2.hit("k", 3)
    clock.now += 30
    lim2.hit("k", 3)
    lim2.hit("k", 3)
    clock.now += 31  # the first call left the window; the other two have not
    assert lim2.hit("k", 3).allowed
    late = lim2.hit("k", 3)
    assert not late.allowed and 1 <= late.retry_after <= 30


@pytest.fixture()
def cli_store(tmp_path: Path):
    path = tmp_path / "keys.duckdb"
    DuckDBStore(path).close()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XINPING_STORE", str(path))
        settings.cache_clear()
        yield path
    settings.cache_clear()


def test_the_cli_issues_lists_and_revokes_in_chinese_and_english(cli_store: Path) -> None:
    out = runner.invoke(
        cli, ["api-keys", "issue", "--dept", "市财政局", "--scope", "政府采购", "--by", "zhao"]
    )
    assert out.exit_code == 0, out.output
    assert (
        "已签发接口密钥" in out.output and "政府采购" in out.output and "每分钟 60 次" in out.output
    )
    token = next(line for line in out.output.splitlines() if line.startswith("xp_"))
    key_id = token.split("_")[1]
    listed = runner.invoke(cli, ["api-keys", "list"], env=WIDE)
    assert key_id in listed.output and "有效" in listed.output and token not in listed.output
    en = runner.invoke(cli, ["api-keys", "list", "--lang", "en"], env=WIDE)
    assert "active" in en.output and "government procurement" in en.output
    gone = runner.invoke(
        cli, ["api-keys", "revoke", key_id, "--reason", "人员调整", "--lang", "en", "--by", "zhao"]
    )
    assert gone.exit_code == 0 and f"API key {key_id}" in gone.output
    assert "已吊销" in runner.invoke(cli, ["api-keys", "list"], env=WIDE).output
    with DuckDBStore(cli_store, read_only=True) as st:
        actions = st.query("SELECT action, user_name FROM audit_log ORDER BY logged_at")
    assert actions.values.tolist() == [["api_key_issued", "zhao"], ["api_key_revoked", "zhao"]]


def test_cli_errors_are_one_line(cli_store: Path) -> None:
    for args in (
        ["api-keys", "issue", "--dept", "市财政局", "--scope", "parking"],
        ["api-keys", "issue", "--dept", "市财政局", "--scope", "*", "--scope", "procurement"],
        ["api-keys", "issue", "--dept", "市财政局", "--scope", "procurement", "--rate", "0"],
        ["api-keys", "revoke", "ffffffffffff", "--reason", "x"],
    ):
        out = runner.invoke(cli, args)
        assert out.exit_code == 2, out.output
        assert "错误 / error" in out.output and "Traceback" not in out.output
        assert len(out.output.strip().splitlines()) == 1, out.output
    # no scope given: no key (never every matter by default)
    assert runner.invoke(cli, ["api-keys", "issue", "--dept", "市财政局"]).exit_code == 2
    with DuckDBStore(cli_store, read_only=True) as st:
        assert st.count("api_keys") == 0
