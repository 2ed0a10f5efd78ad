"""``xinping users list`` and ``xinping users unlock``: a locked name is shown, unlocked
at once and the unlock is audited; no password hash is ever printed."""

from __future__ import annotations

import datetime as dt

from typer.testing import CliRunner

from app.auth import add_user, attempt_sign_in, signin_gate
from app.cli import cli
from app.settings import settings
from features.store.duckdb_store import DuckDBStore

runner = CliRunner()


def test_a_locked_user_is_listed_and_unlocked(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("XINPING_SETTINGS", raising=False)
    settings.cache_clear()
    path = tmp_path / "users.duckdb"
    policy, now = settings().app.signin.policy(), dt.datetime.now()
    with DuckDBStore(path) as store:
        add_user(store, "li", "bank", "李信贷", "right-pw")
        add_user(store, "wu", "supervisor", "吴监管", "other-pw")
        for i in range(policy.max_failures):
            at = now - dt.timedelta(minutes=policy.max_failures - i)
            attempt_sign_in(store, "li", "wrong", None, policy, at)
        assert (
            signin_gate(store, "li", None, policy, now + dt.timedelta(minutes=5)).state == "locked"
        )
    listed = runner.invoke(cli, ["users", "list", "--store", str(path)], env={"COLUMNS": "200"})
    assert listed.exit_code == 0, listed.output
    lines = {
        line.split()[1]: line
        for line in listed.output.splitlines()
        if "│ li" in line or "│ wu" in line
    }
    assert "-" in lines["li"] and ":" in lines["li"]  # a lock end date and time
    assert ":" not in lines["wu"]
    assert "pbkdf2" not in listed.output
    done = runner.invoke(cli, ["users", "unlock", "li", "--user", "zhao", "--store", str(path)])
    assert done.exit_code == 0, done.output
    assert "已解除锁定" in done.output
    with DuckDBStore(path) as store:
        assert signin_gate(store, "li", None, policy, dt.datetime.now()).state == "open"
        row = store.query("SELECT * FROM audit_log WHERE action = 'login_unlocked'")
    assert list(row["user_name"]) == ["zhao"] and '"user_name": "li"' in row["detail"].iloc[0]
    again = runner.invoke(cli, ["users", "unlock", "li", "--store", str(path)])
    assert again.exit_code == 0 and "未被锁定" in again.output
    blank = runner.invoke(cli, ["users", "unlock", " ", "--store", str(path)])
    assert blank.exit_code == 2 and "Traceback" not in blank.output


def test_a_department_officer_is_added_with_its_department(tmp_path, monkeypatch) -> None:
    from app.auth import authenticate

    monkeypatch.delenv("XINPING_SETTINGS", raising=False)
    settings.cache_clear()
    path = tmp_path / "users.duckdb"
    DuckDBStore(path).close()  # an existing store
    args = ["users", "add", "sun", "--role", "department", "--name", "孙核查", "--store", str(path)]
    missing = runner.invoke(cli, args, input="pw-1\npw-1\n")  # an officer without department
    assert missing.exit_code == 2 and "department" in missing.output
    added = runner.invoke(cli, [*args, "--dept", "市财政局"], input="pw-1\npw-1\n")
    assert added.exit_code == 0, added.output
    with DuckDBStore(path) as store:
        user = authenticate(store, "sun", "pw-1")
        assert user is not None and user.department == "市财政局"
        log = store.query("SELECT * FROM audit_log WHERE action = 'user_added'")
        assert len(log) == 1 and "pw-1" not in log.to_csv()
