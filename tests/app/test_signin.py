"""Sign-in throttling, temporary locks and signed sessions, as functions of the store,
the key and the time (no browser, no waiting: every call takes ``now``)."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

import pytest

from app import sessions
from app.auth import (
    SigninPolicy,
    add_user,
    attempt_sign_in,
    find_user,
    signin_gate,
    unlock_user,
)
from app.settings import secret_key
from features.store.duckdb_store import DuckDBStore

T0 = dt.datetime(2026, 12, 3, 9, 0, 0)
POLICY = SigninPolicy(
    max_failures=5,
    window_minutes=15,
    lock_minutes=15,
    delay_seconds=1,
    max_delay_seconds=30,
    client_max_failures=8,
)
KEY = b"k" * 64


@pytest.fixture()
def store():
    with DuckDBStore(":memory:") as st:
        add_user(st, "li", "bank", "李信贷", "right-pw")
        yield st


def sec(n: float) -> dt.timedelta:
    return dt.timedelta(seconds=n)


def test_each_failure_doubles_the_wait_and_the_fifth_locks(store) -> None:
    now = T0
    attempt_sign_in(store, "li", "wrong", None, POLICY, now)
    assert signin_gate(store, "li", None, POLICY, now).state == "open"  # one typo: no wait
    now += sec(1)
    for k, wait in enumerate((1, 2, 4), start=2):
        out = attempt_sign_in(store, "li", "wrong", None, POLICY, now)
        assert (out.result, out.failures, out.locked_until) == ("failed", k, None)
        # too soon: refused without checking, even with the right password
        early = attempt_sign_in(store, "li", "right-pw", None, POLICY, now + sec(wait - 0.5))
        assert (early.result, early.until) == ("wait", now + sec(wait))
        now += sec(wait)
    fifth = attempt_sign_in(store, "li", "wrong", None, POLICY, now)
    assert fifth.result == "failed" and fifth.locked_until == now + dt.timedelta(minutes=15)
    during = attempt_sign_in(store, "li", "right-pw", None, POLICY, now + dt.timedelta(minutes=14))
    assert (during.result, during.until, during.user) == ("locked", fifth.locked_until, None)
    after = attempt_sign_in(
        store, "li", "right-pw", None, POLICY, now + dt.timedelta(minutes=15, seconds=1)
    )
    assert after.result == "ok" and after.user is not None and after.user.role == "bank"


def test_a_lock_starts_afresh_and_a_success_forgets_failures(store) -> None:
    now = T0
    for _ in range(4):
        attempt_sign_in(store, "li", "wrong", None, POLICY, now)
        now += sec(60)
    assert attempt_sign_in(store, "li", "right-pw", None, POLICY, now).result == "ok"
    # the success reset the count: four more failures do not lock
    for _ in range(4):
        assert attempt_sign_in(store, "li", "wrong", None, POLICY, now).locked_until is None
        now += sec(60)
    assert signin_gate(store, "li", None, POLICY, now).state == "open"


def test_failures_outside_the_window_do_not_count(store) -> None:
    now = T0
    for _ in range(4):
        attempt_sign_in(store, "li", "wrong", None, POLICY, now)
        now += sec(60)
    now += dt.timedelta(minutes=15)  # the four have left the window
    assert attempt_sign_in(store, "li", "wrong", None, POLICY, now).failures == 1


def test_unknown_names_lock_alike_and_names_are_counted_apart(store) -> None:
    now = T0
    for name in ("li", "ghost"):
        outcomes = [
            attempt_sign_in(store, name, "x", None, POLICY, now + sec(60 * i)) for i in range(5)
        ]
        assert [o.locked_until is not None for o in outcomes] == [False] * 4 + [True]
    assert signin_gate(store, "zhao", None, POLICY, now + sec(300)).state == "open"


def test_an_admin_unlock_lifts_the_lock_at_once(store) -> None:
    for i in range(5):
        out = attempt_sign_in(store, "li", "wrong", None, POLICY, T0 + sec(60 * i))
    assert unlock_user(store, "li", POLICY, T0 + sec(300)) == out.locked_until
    ok = attempt_sign_in(store, "li", "right-pw", None, POLICY, T0 + sec(301))
    assert ok.result == "ok"
    assert unlock_user(store, "li", POLICY, T0 + sec(302)) is None  # nothing locked


def test_one_client_guessing_many_names_is_locked(store) -> None:
    now = T0
    for i in range(8):  # 8 different names from one address: each name stays under 5
        out = attempt_sign_in(store, f"name{i}", "x", "10.0.0.9", POLICY, now)
        now += sec(1)
    assert out.locked_until is not None
    gate = signin_gate(store, "li", "10.0.0.9", POLICY, now)
    assert (gate.state, gate.key) == ("locked", "client:10.0.0.9")
    assert attempt_sign_in(store, "li", "right-pw", "10.0.0.9", POLICY, now).result == "locked"
    # the same name from another address is not affected
    assert attempt_sign_in(store, "li", "right-pw", "10.0.0.7", POLICY, now).result == "ok"


def test_no_password_reaches_the_throttle_table(store) -> None:
    for i in range(6):
        attempt_sign_in(store, "li", f"secret-guess-{i}", "10.0.0.9", POLICY, T0 + sec(60 * i))
    assert "secret-guess" not in store.query("SELECT * FROM signin_events").to_string()


# -- sessions ------------------------------------------------------------------------


def _signed_in(store):
    user = attempt_sign_in(store, "li", "right-pw", None, POLICY, T0).user
    return sessions.issue(store, user, KEY, 8, T0)


def test_a_token_brings_the_user_back_until_it_expires(store) -> None:
    token, claims = _signed_in(store)
    user, back, reason = sessions.resume(store, token, KEY, T0 + dt.timedelta(hours=7, minutes=59))
    assert reason == "ok" and user is not None and user.username == "li" and back == claims
    assert sessions.resume(store, token, KEY, T0 + dt.timedelta(hours=8))[2] == "expired"
    # the token is never stored, only the session's id
    assert token not in store.query("SELECT * FROM sessions").to_string()


def test_a_changed_or_foreign_token_is_refused(store) -> None:
    token, _ = _signed_in(store)
    payload, signature = token.rsplit(".", 1)
    forged = payload.replace(payload[-2:], "xx") + "." + signature
    assert sessions.resume(store, forged, KEY, T0)[2] == "bad_token"
    assert sessions.resume(store, token, b"another-key" * 4, T0)[2] == "bad_token"
    assert sessions.resume(store, "garbage", KEY, T0)[2] == "bad_token"
    # a well-signed token of a session the server never issued
    other = DuckDBStore(":memory:")
    try:
        add_user(other, "li", "bank", "李信贷", "pw")
        stranger, _ = sessions.issue(other, find_user(other, "li"), KEY, 8, T0)
    finally:
        other.close()
    assert sessions.resume(store, stranger, KEY, T0)[2] == "unknown"


def test_sign_out_revokes_the_token(store) -> None:
    token, claims = _signed_in(store)
    sessions.revoke(store, claims, T0 + sec(10))
    user, _, reason = sessions.resume(store, token, KEY, T0 + sec(11))
    assert (user, reason) == (None, "revoked")


def test_a_changed_role_or_removed_account_ends_the_session(store) -> None:
    token, _ = _signed_in(store)
    store.execute("UPDATE users SET role = 'supervisor' WHERE username = 'li'")
    assert sessions.resume(store, token, KEY, T0 + sec(5))[2] == "user_changed"
    store.execute("DELETE FROM users WHERE username = 'li'")
    assert sessions.resume(store, token, KEY, T0 + sec(5))[2] == "user_changed"


# -- the signing key -----------------------------------------------------------------


def test_the_key_is_made_once_beside_the_store_owner_only(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("XINPING_SECRET_KEY", raising=False)
    store_path = tmp_path / "city.duckdb"
    first = secret_key(store_path)
    path = tmp_path / "city.duckdb.secret_key"
    assert len(first) == 64 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secret_key(store_path) == first  # kept, not remade
    os.chmod(path, 0o644)
    assert secret_key(store_path) == first and stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_environment_key_wins_and_must_be_long(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XINPING_SECRET_KEY", "e" * 40)
    assert secret_key(tmp_path / "x.duckdb") == b"e" * 40
    assert not (tmp_path / "x.duckdb.secret_key").exists()
    monkeypatch.setenv("XINPING_SECRET_KEY", "short")
    with pytest.raises(ValueError, match="at least 32"):
        secret_key(tmp_path / "x.duckdb")


def test_a_key_file_being_written_is_waited_for(tmp_path: Path, monkeypatch) -> None:
    """Another process created the file an instant ago and has not written the key yet."""
    import threading

    monkeypatch.delenv("XINPING_SECRET_KEY", raising=False)
    path = tmp_path / "c.duckdb.secret_key"
    path.touch(mode=0o600)
    writer = threading.Timer(0.1, lambda: path.write_text("w" * 64 + "\n", encoding="ascii"))
    writer.start()
    try:
        assert secret_key(tmp_path / "c.duckdb") == b"w" * 64
    finally:
        writer.join()


def test_an_unknown_name_costs_the_same_hashing_as_a_known_one(store, monkeypatch) -> None:
    import hashlib

    import app.auth

    app.auth._no_such_user()  # made once per process, before the count
    real, calls = hashlib.pbkdf2_hmac, []

    def counted(*args, **kwargs):
        calls.append(args[3] if len(args) > 3 else kwargs.get("iterations"))
        return real(*args, **kwargs)

    monkeypatch.setattr(app.auth.hashlib, "pbkdf2_hmac", counted)
    app.auth.authenticate(store, "li", "wrong")
    known = list(calls)
    calls.clear()
    app.auth.authenticate(store, "nobody-here", "wrong")
    assert calls == known and known  # the same iterations, whether the account exists or not
