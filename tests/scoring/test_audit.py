"""The one audit writer: personal IDs kept as keyed hashes; "who viewed this person"."""

from __future__ import annotations

import datetime as dt
import stat

from features.records.ids import id_check_char
from features.store.duckdb_store import DuckDBStore
from features.store.secrets import key_file
from scoring.audit import views_of, write_audit

PID = "53030219501231001" + id_check_char("53030219501231001")
USCC = "91110000600037341L"


def test_audit_rows_keep_a_keyed_hash_and_answer_who_viewed(tmp_path) -> None:
    path = tmp_path / "x.duckdb"
    with DuckDBStore(path, threads=1) as store:
        write_audit(store, "bank1", "bank", "view_subject", PID, {"page": "profile"})
        write_audit(store, "bank1", "bank", "search", None, {"query": PID[:12]})
        write_audit(store, "sup1", "supervisor", "search", None, {"query": PID})
        write_audit(store, "bank2", "bank", "lending_lookup", [PID, USCC], {"auth": "SQ-1"})
        write_audit(store, "bank2", "bank", "view_subject", USCC, {})
        write_audit(store, PID, "unknown", "login_failed", None, {})  # an ID typed as user
        rows = store.query("SELECT * FROM audit_log")
    dump = rows.to_csv()
    assert PID not in dump and PID[6:14] not in dump  # no full ID, no birth date
    assert len(rows) == 7 and USCC in set(rows["subject_id"])
    assert rows["user_name"].iloc[-1].startswith("pid:")
    hashed = set(rows["subject_id"].dropna()) - {USCC}
    assert len(hashed) == 1 and next(iter(hashed)).startswith("pid:")
    # the key lives beside the store, readable by its owner only
    kf = key_file(path, "audit")
    assert kf.is_file() and stat.S_IMODE(kf.stat().st_mode) == 0o600
    # another process opening the store later answers with the same key
    with DuckDBStore(path, read_only=True) as store:
        seen = views_of(store, PID)
        assert list(seen["user_name"]) == ["bank1", "sup1", "bank2"]
        assert list(seen["action"]) == ["view_subject", "search", "lending_lookup"]
        assert list(views_of(store, PID.lower())["user_name"]) == ["bank1", "sup1", "bank2"]
        assert views_of(store, PID, since=dt.date.today() + dt.timedelta(days=1)).empty
        assert list(views_of(store, USCC)["user_name"]) == ["bank2", "bank2"]
    # a new key (another platform) cannot match the rows
    kf.unlink()
    with DuckDBStore(path, read_only=True) as store:
        assert views_of(store, PID).empty


def test_a_bad_key_file_is_refused_not_replaced(tmp_path) -> None:
    import pytest

    path = tmp_path / "y.duckdb"
    key_file(path, "audit").write_text("not hex\n")
    with DuckDBStore(path, threads=1) as store, pytest.raises(ValueError, match="hex key"):
        write_audit(store, "u", "bank", "view_subject", PID, {})
    assert key_file(path, "audit").read_text() == "not hex\n"
