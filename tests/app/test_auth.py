"""Accounts: salted hashes only, demo accounts seeded once, page permissions by role."""

from __future__ import annotations

import sqlite3

from app.auth import (
    DEMO_ACCOUNTS,
    DEMO_DEPARTMENTS,
    PAGE_ROLES,
    ROLES,
    add_user,
    authenticate,
    find_user,
    hash_password,
    may_open,
    seed_demo_users,
    verify_password,
)
from features.store.duckdb_store import DuckDBStore
from features.store.workflow import WorkflowStore


def test_hashes_are_salted_and_verified() -> None:
    a, b = hash_password("secret"), hash_password("secret")
    assert a != b and a.startswith("pbkdf2_sha256$") and "secret" not in a
    assert verify_password("secret", a) and verify_password("secret", b)
    assert not verify_password("Secret", a)
    assert not verify_password("secret", "garbage")


def test_demo_accounts_are_seeded_once_and_stored_hashed() -> None:
    with DuckDBStore(":memory:") as store:
        assert seed_demo_users(store, "pw-123") == len(DEMO_ACCOUNTS)
        assert seed_demo_users(store, "pw-123") == 0
        users = store.query("SELECT * FROM users")
        assert set(users["role"]) == set(ROLES)
        assert not users["password_hash"].str.contains("pw-123").any()
        user = authenticate(store, "supervisor", "pw-123")
        assert user is not None and user.role == "supervisor"
        assert authenticate(store, "supervisor", "wrong") is None
        assert authenticate(store, "nobody", "pw-123") is None


def test_add_user_refuses_unknown_roles_and_duplicates() -> None:
    with DuckDBStore(":memory:") as store:
        add_user(store, "li", "bank", "李", "pw")
        for args in (
            ("li", "bank", "李", "pw"),
            ("wu", "hacker", "吴", "pw"),
            ("wu", "bank", "吴", ""),
        ):
            try:
                add_user(store, *args)
            except ValueError:
                continue
            raise AssertionError(f"accepted {args}")


def test_each_role_reaches_its_pages_and_admin_every_page() -> None:
    assert all(may_open("admin", p) for p in PAGE_ROLES)
    assert may_open("modeller", "models") and not may_open("bank", "models")
    assert may_open("bank", "profile") and not may_open("modeller", "profile")
    assert not may_open(None, "overview") and not may_open("admin", "no-such-page")


def test_department_officer_belongs_to_its_department_and_may_open_checks_only() -> None:
    with DuckDBStore(":memory:") as store:
        seed_demo_users(store, "pw-123")
        user = authenticate(store, "department", "pw-123")
        assert user is not None and user.role == "department"
        assert user.department == DEMO_DEPARTMENTS["department"]
        assert authenticate(store, "bank", "pw-123").department is None
        for args in (
            ("d1", "department", "无部门", "pw"),  # an officer without a department
            ("d2", "bank", "带部门", "pw", None, "市财政局"),  # another role with one
        ):
            try:
                add_user(store, *args)
            except ValueError:
                continue
            raise AssertionError(f"accepted {args}")
    assert may_open("department", "checks") and not may_open("department", "measures")
    assert may_open("admin", "measures") and may_open("admin", "checks")
    for role in ("bank", "supervisor", "rural", "modeller"):
        assert not may_open(role, "checks") and not may_open(role, "measures")


def test_a_demo_store_from_before_gains_the_missing_demo_account() -> None:
    with DuckDBStore(":memory:") as store:
        add_user(store, "supervisor", "supervisor", "王", "pw-123")  # an older demo store
        assert seed_demo_users(store, "pw-123") == len(DEMO_ACCOUNTS) - 1
        assert authenticate(store, "department", "pw-123") is not None
    with DuckDBStore(":memory:") as store:
        add_user(store, "li", "bank", "李", "pw")  # a real deployment: left alone
        assert seed_demo_users(store, "pw-123") == 0


def test_an_older_users_file_gains_the_department_column(tmp_path) -> None:
    path = tmp_path / "old.workflow.sqlite"
    con = sqlite3.connect(path)  # the users table as the first stores made it
    con.execute(
        "CREATE TABLE users (username TEXT NOT NULL, role TEXT NOT NULL, display_name TEXT "
        "NOT NULL, password_hash TEXT NOT NULL, region_code TEXT, created_at TIMESTAMP NOT NULL)"
    )
    con.execute(
        "INSERT INTO users VALUES ('li', 'bank', '李', ?, NULL, '2026-01-01 00:00:00')",
        [hash_password("pw")],
    )
    con.commit()
    con.close()
    store = WorkflowStore(path)
    try:
        assert authenticate(store, "li", "pw").department is None  # old rows read as before
        add_user(store, "sun", "department", "孙", "pw", department="市财政局")
        assert find_user(store, "sun").department == "市财政局"
    finally:
        store.close()
