"""Accounts: salted hashes only, demo accounts seeded once, page permissions by role."""

from __future__ import annotations

from app.auth import (
    DEMO_ACCOUNTS,
    PAGE_ROLES,
    ROLES,
    add_user,
    authenticate,
    hash_password,
    may_open,
    seed_demo_users,
    verify_password,
)
from features.store.duckdb_store import DuckDBStore


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
