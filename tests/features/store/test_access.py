"""Several processes on one store file: readers and a writer take turns, nobody fails."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from features.store.access import StoreBusy
from features.store.duckdb_store import DuckDBStore

ROOT = Path(__file__).resolve().parents[3]


def _audit(user: str = "u", n: int = 1) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "logged_at": [dt.datetime(2026, 1, 1, 9, 0, i % 60) for i in range(n)],
            "user_name": user,
            "role": "admin",
            "action": "view_subject",
            "subject_id": [f"S{i}" for i in range(n)],
            "detail": "{}",
        }
    )


def _holder(
    path: Path, seconds: float, ready: Path, command: str = "xinping score"
) -> subprocess.Popen:
    """Another process that holds the file for writing for ``seconds``."""
    code = textwrap.dedent(f"""
        import time, pathlib
        import pandas as pd
        from features.store.duckdb_store import DuckDBStore
        st = DuckDBStore({str(path)!r}, command={command!r}, user="batch")
        with st.writing():
            st.execute("CREATE TABLE IF NOT EXISTS t_hold (x INTEGER)")
            st.execute("INSERT INTO t_hold VALUES (1)")
            pathlib.Path({str(ready)!r}).write_text("1")
            time.sleep({seconds})
        st.close()
    """)
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)


def _wait_for(ready: Path, proc: subprocess.Popen) -> None:
    for _ in range(600):
        if ready.exists():
            return
        assert proc.poll() is None, "the holder process died"
        time.sleep(0.05)
    raise AssertionError("the holder never started")


def test_a_reader_waits_for_another_process_writing_and_is_told_who(tmp_path: Path) -> None:
    path = tmp_path / "xp.duckdb"
    DuckDBStore(path).close()
    ready = tmp_path / "ready"
    proc = _holder(path, 2.0, ready)
    try:
        _wait_for(ready, proc)
        notices: list[tuple[list, float, bool]] = []
        reader = DuckDBStore(
            path, read_only=True, on_wait=lambda h, w, d: notices.append((h, w, d))
        )
        start = time.monotonic()
        n = reader.scalar("SELECT count(*) FROM t_hold")
        waited = time.monotonic() - start
        assert n == 1  # it read the other process's committed write, after it let go
        assert waited > 0.5
        told = [h for h, _, done in notices if not done]
        assert told and told[0][0].command == "xinping score" and told[0][0].user == "batch"
        assert "xinping score" in told[0][0].describe() and "写入" in told[0][0].describe()
        assert notices[-1][2] is True  # told when the wait ended
        reader.close()
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == 0


def test_an_idle_reader_lets_a_writer_in_and_then_sees_its_data(tmp_path: Path) -> None:
    path = tmp_path / "xp.duckdb"
    app = DuckDBStore(path)  # like the app: opened once, reads now and then
    assert app.count("ratings") == 0  # its read connection stays open and warm
    before = app.data_version()
    code = textwrap.dedent(f"""
        from features.store.duckdb_store import DuckDBStore
        st = DuckDBStore({str(path)!r}, wait_seconds=20)
        st.execute("CREATE TABLE t_new AS SELECT 42 AS x")
        st.close()
    """)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert app.scalar("SELECT x FROM t_new") == 42  # current data, no restart
    assert app.data_version() != before
    app.close()


def _other_process(path: Path, code: str, wait_seconds: float = 20) -> str:
    """Run ``code`` in another process on a store of ``path`` named ``st``; its stdout."""
    script = textwrap.dedent(f"""
        from features.store.duckdb_store import DuckDBStore
        st = DuckDBStore({str(path)!r}, wait_seconds={wait_seconds}, command="xinping score")
    """) + textwrap.dedent(code)
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=90
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_kept_writer_serves_its_reads_and_lets_another_process_in(tmp_path: Path) -> None:
    path = tmp_path / "xp.duckdb"
    DuckDBStore(path).close()
    # like the app: the write connection kept for a minute after a change
    app = DuckDBStore(path, keep_writer=60)
    app.execute("CREATE TABLE t_app (x INTEGER)")
    app.execute("INSERT INTO t_app VALUES (1)")
    assert app._mode == "write"  # kept open after the write…
    assert app.scalar("SELECT count(*) FROM t_app") == 1  # …and reads run on it
    assert app._mode == "write"
    # another process waits far less than the minute kept (its limit is 20 s) and reads
    # what the app wrote, then writes
    out = _other_process(
        path, "print(st.scalar('SELECT x FROM t_app'))\nst.execute('INSERT INTO t_app VALUES (2)')"
    )
    assert out.strip() == "1"
    # the app takes the file again and sees the other process's row
    assert app.scalar("SELECT sum(x) FROM t_app") == 3
    app.close()


def test_a_kept_writer_lets_go_when_idle_that_long(tmp_path: Path) -> None:
    path = tmp_path / "xp.duckdb"
    app = DuckDBStore(path, keep_writer=0.2)
    app.execute("CREATE TABLE t_app (x INTEGER)")
    assert app._mode == "write"
    for _ in range(100):
        if app._con is None:
            break
        time.sleep(0.05)
    assert app._con is None  # closed after 0.2 s idle
    # nothing holds the file: DuckDB itself (no xinping locks) opens it for writing
    import duckdb

    con = duckdb.connect(str(path))
    con.execute("INSERT INTO t_app VALUES (5)")
    con.close()
    assert app.scalar("SELECT x FROM t_app") == 5
    app.close()


def test_a_command_writes_and_lets_go_at_once(tmp_path: Path) -> None:
    path = tmp_path / "xp.duckdb"
    st = DuckDBStore(path)  # keep_writer 0: every command
    st.execute("CREATE TABLE t_cmd (x INTEGER)")
    assert st._con is None
    st.close()


def test_waiting_longer_than_allowed_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "xp.duckdb"
    other = DuckDBStore(path, wait_seconds=0.6)
    other.close()
    other = DuckDBStore(path, wait_seconds=0.6)
    ready = tmp_path / "ready"
    proc = _holder(path, 4.0, ready, command="xinping ingest")
    try:
        _wait_for(ready, proc)
        assert other.append("ratings", pd.DataFrame()) == 0  # nothing to write: no wait
        with pytest.raises(StoreBusy) as err:
            other.execute("CREATE TABLE t_mine (x INTEGER)")
        text = str(err.value)
        assert "\n" not in text and "xinping ingest" in text and "忙" in text
        other.close()
    finally:
        proc.wait(timeout=30)


def test_a_killed_writer_leaves_no_lock_behind(tmp_path: Path) -> None:
    path = tmp_path / "xp.duckdb"
    DuckDBStore(path).close()
    ready = tmp_path / "ready"
    proc = _holder(path, 60.0, ready)
    _wait_for(ready, proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    st = DuckDBStore(path, wait_seconds=10)
    st.execute("CREATE TABLE t_after (x INTEGER)")
    assert st.holders() == []  # the dead process's holder file is not reported
    st.close()


def test_workflow_tables_take_writers_from_many_processes_at_once(tmp_path: Path) -> None:
    path = tmp_path / "xp.duckdb"
    ready = tmp_path / "ready"
    first = DuckDBStore(path)
    assert first.count("audit_log") == 0  # the workflow file exists from here on
    first.close()
    proc = _holder(path, 120.0, ready)  # a batch job holds the analytical file throughout
    code = textwrap.dedent(f"""
        import datetime as dt
        import pandas as pd
        from features.store.duckdb_store import DuckDBStore
        st = DuckDBStore({str(path)!r}, read_only=True)
        for i in range(50):
            row = {{"logged_at": dt.datetime.now(), "user_name": "p", "role": "bank",
                   "action": "view_subject", "subject_id": str(i), "detail": "{{}}"}}
            st.append("audit_log", pd.DataFrame([row]))
    """)
    try:
        _wait_for(ready, proc)
        writers = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT) for _ in range(3)]
        mine = DuckDBStore(path, read_only=True)
        for i in range(50):
            mine.append("audit_log", _audit("me").assign(subject_id=str(i)))
        assert [w.wait(timeout=60) for w in writers] == [0, 0, 0]
        # the audit writes did not wait for the batch job: it still holds the analytical file
        assert proc.poll() is None
        assert mine.scalar("SELECT count(*) FROM audit_log") == 200
        logged = mine.query(
            "SELECT * FROM audit_log WHERE user_name = ? ORDER BY logged_at", ["me"]
        )
        assert len(logged) == 50 and str(logged["logged_at"].dtype).startswith("datetime64")
        mine.close()
    finally:
        proc.kill()
        proc.wait(timeout=30)


def test_a_statement_may_not_join_workflow_and_analytical_tables(tmp_path: Path) -> None:
    st = DuckDBStore(tmp_path / "xp.duckdb")
    with pytest.raises(ValueError, match="workflow"):
        st.query("SELECT * FROM audit_log a JOIN ratings r ON a.subject_id = r.subject_id")
    st.close()


def test_in_memory_store_keeps_audit_rows_written_inside_a_transaction() -> None:
    st = DuckDBStore(":memory:")
    with st.transaction() as tx:
        tx.append("audit_log", _audit(n=2))
    assert st.count("audit_log") == 2


def test_rows_of_a_store_from_before_the_split_are_copied_once(tmp_path: Path) -> None:
    import duckdb

    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE audit_log (logged_at TIMESTAMP, user_name VARCHAR, role VARCHAR, "
        "action VARCHAR, subject_id VARCHAR, detail VARCHAR)"
    )
    con.execute(
        "INSERT INTO audit_log VALUES ('2025-01-01 10:00:00', 'old', 'admin', 'login', NULL, '{}')"
    )
    con.close()
    st = DuckDBStore(path)
    assert st.query("SELECT user_name FROM audit_log")["user_name"].tolist() == ["old"]
    st.close()
    again = DuckDBStore(path)
    assert again.count("audit_log") == 1  # not copied twice
    again.close()
